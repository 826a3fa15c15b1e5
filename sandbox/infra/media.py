"""The recording files behind `GET /recording`: signed, expiring URLs and the bundled media files.

Pure module: no Flask, no third-party libraries, no ffmpeg.  Everything here is
driven by explicit arguments (times, keys, directories) so it is easy to test.

Signed recording URLs
---------------------
The real server answers ``GET /bots/{id}/recording`` with an S3 presigned GET URL
that expires after 1800 s and is new on every call (docs/contract/bots-endpoints.md#get-recording).  The sandbox
imitates that with its own URLs::

    <base_url>/sandbox/media/<bot_id>-<recording_id>.<mp4|mp3>
        ?X-Sandbox-Expires=<absolute expiry, epoch seconds>
        &X-Sandbox-Nonce=<random url-safe token>
        &X-Sandbox-Signature=<hex HMAC-SHA256>

The HMAC key is the caller's secret; the signed message is
``"sandbox-media-v1\\n<path>\\n<expires>\\n<nonce>"`` where ``<path>`` is the route
path ``/sandbox/media/<file>`` (what Flask calls ``request.path``).  Verification
checks, in this order: shape of path and query ("malformed"), signature
("bad signature", so a tampered expiry is a bad signature, not an expiry), then
time ("expired": refused once ``now`` is past the expiry second).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

__all__ = [
    "DEFAULT_EXPIRES_IN",
    "MEDIA_FILES",
    "MEDIA_ROUTE_PREFIX",
    "MEDIA_TYPES",
    "MediaUrlRefused",
    "PARAM_EXPIRES",
    "PARAM_NONCE",
    "PARAM_SIGNATURE",
    "REASON_BAD_SIGNATURE",
    "REASON_EXPIRED",
    "REASON_MALFORMED",
    "media_file_path",
    "sign_recording_url",
    "verify_recording_url",
]


# --------------------------------------------------------------------------------------
# Signed recording URLs
# --------------------------------------------------------------------------------------

#: Lifetime of a recording URL, as the real server's S3 presigned GET (docs/contract/bots-endpoints.md#get-recording).
DEFAULT_EXPIRES_IN = 1800

#: Route under which the sandbox serves recording files.
MEDIA_ROUTE_PREFIX = "/sandbox/media/"

PARAM_EXPIRES = "X-Sandbox-Expires"
PARAM_NONCE = "X-Sandbox-Nonce"
PARAM_SIGNATURE = "X-Sandbox-Signature"

REASON_EXPIRED = "expired"
REASON_BAD_SIGNATURE = "bad signature"
REASON_MALFORMED = "malformed"

#: Content types of the bundled recording files, by format.
MEDIA_TYPES: dict[str, str] = {"mp4": "video/mp4", "mp3": "audio/mpeg"}

#: File names of the bundled recording files inside the media fixtures directory.
MEDIA_FILES: dict[str, str] = {"mp4": "recording.mp4", "mp3": "recording.mp3"}

_SIGNING_VERSION = "sandbox-media-v1"
# Ids are a prefix, "_" and 16 characters of [A-Za-z0-9] (docs/contract/ids-and-time.md#ids-and-time); they never
# contain "-", which separates bot id and recording id in the file name.
_ID_RE = re.compile(r"[A-Za-z0-9_]{1,64}")
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_EXPIRES_RE = re.compile(r"[0-9]{1,12}")
_MEDIA_PATH_RE = re.compile(
    r"/sandbox/media/(?P<bot>[A-Za-z0-9_]{1,64})-(?P<rec>[A-Za-z0-9_]{1,64})\.(?P<fmt>mp4|mp3)"
)


class MediaUrlRefused(Exception):
    """A recording URL was refused; ``reason`` is "expired", "bad signature" or "malformed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _epoch_seconds(moment: datetime) -> float:
    """Epoch seconds of ``moment``; a naive datetime is taken as UTC (the server runs in UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _media_path(bot_id: str, recording_id: str, fmt: str) -> str:
    return f"{MEDIA_ROUTE_PREFIX}{bot_id}-{recording_id}.{fmt}"


def _signature(key: bytes, path: str, expires: str, nonce: str) -> str:
    message = f"{_SIGNING_VERSION}\n{path}\n{expires}\n{nonce}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_recording_url(
    base_url: str,
    bot_id: str,
    recording_id: str,
    fmt: str,
    issued_at: datetime,
    key: bytes,
    expires_in: int = DEFAULT_EXPIRES_IN,
    nonce: str | None = None,
) -> str:
    """Return a signed, expiring URL for a recording file.

    The expiry is ``floor(issued_at) + expires_in`` in epoch seconds.  A fresh random
    nonce is drawn unless one is given, so every call returns a different URL, as the
    real server does.
    """
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown recording format {fmt!r}")
    if not _ID_RE.fullmatch(bot_id) or not _ID_RE.fullmatch(recording_id):
        raise ValueError("bot_id and recording_id must match [A-Za-z0-9_]{1,64}")
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
    elif not _NONCE_RE.fullmatch(nonce):
        raise ValueError("nonce must match [A-Za-z0-9_-]{1,128}")

    path = _media_path(bot_id, recording_id, fmt)
    expires = str(int(_epoch_seconds(issued_at)) + int(expires_in))
    query = urlencode(
        {
            PARAM_EXPIRES: expires,
            PARAM_NONCE: nonce,
            PARAM_SIGNATURE: _signature(key, path, expires, nonce),
        }
    )
    return f"{base_url.rstrip('/')}{path}?{query}"


def verify_recording_url(
    path: str, query: Mapping[str, str], now: datetime, key: bytes
) -> tuple[str, str, str]:
    """Check a recording URL and return ``(bot_id, recording_id, fmt)``.

    ``path`` is the route path (``/sandbox/media/<bot>-<rec>.<fmt>``); ``query`` holds
    the query parameters (a dict or Flask's ``request.args``).  Raises
    :class:`MediaUrlRefused` with reason "malformed", "bad signature" or "expired".
    """
    match = _MEDIA_PATH_RE.fullmatch(path or "")
    if match is None:
        raise MediaUrlRefused(REASON_MALFORMED)
    expires = query.get(PARAM_EXPIRES)
    nonce = query.get(PARAM_NONCE)
    signature = query.get(PARAM_SIGNATURE)
    if not isinstance(expires, str) or not _EXPIRES_RE.fullmatch(expires):
        raise MediaUrlRefused(REASON_MALFORMED)
    if not isinstance(nonce, str) or not _NONCE_RE.fullmatch(nonce):
        raise MediaUrlRefused(REASON_MALFORMED)
    if not isinstance(signature, str) or not signature:
        raise MediaUrlRefused(REASON_MALFORMED)

    expected = _signature(key, path, expires, nonce)
    # Compare bytes: compare_digest refuses str with non-ASCII characters.
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise MediaUrlRefused(REASON_BAD_SIGNATURE)

    if _epoch_seconds(now) > int(expires):
        raise MediaUrlRefused(REASON_EXPIRED)
    return match.group("bot"), match.group("rec"), match.group("fmt")


def media_file_path(fmt: str, fixtures_dir: Path) -> Path:
    """Path of the bundled recording file for ``fmt`` ("mp4" or "mp3").

    ``fixtures_dir`` is the directory holding ``recording.mp4`` and ``recording.mp3``
    (``fixtures/media`` in the source tree).  Raises ``ValueError`` for other formats.
    """
    try:
        name = MEDIA_FILES[fmt]
    except KeyError:
        raise ValueError(f"unknown recording format {fmt!r}") from None
    return Path(fixtures_dir) / name


# --------------------------------------------------------------------------------------
# Lenient base64
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# PNG
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# MP3
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# The signing key
# --------------------------------------------------------------------------------------

#: Where the key is kept in the data file, so that a URL keeps working across a restart until it expires.
MEDIA_KEY_TABLE = "sandbox_meta"
MEDIA_KEY_ID = "media_signing_key"


def load_media_key(store, seed=None) -> bytes:
    """The data file's key, else a new one: derived from the seed for reproducible runs (without drawing
    from the id generator), random otherwise."""
    stored = store.get(MEDIA_KEY_TABLE, MEDIA_KEY_ID)
    if stored is not None:
        return base64.b64decode(stored["key"])
    if seed is not None:
        return hashlib.sha256(f"attendee-sandbox-media-key:{seed}".encode()).digest()
    return secrets.token_bytes(32)


def media_key_document(key: bytes) -> dict:
    """The key as the document the data file keeps (it is part of what a reset restores)."""
    return {"id": MEDIA_KEY_ID, "key": base64.b64encode(key).decode()}
