"""Media helpers for the sandbox: signed recording URLs, lenient base64, blob checks.

Pure module: no Flask, no third-party libraries, no ffmpeg.  Everything here is
driven by explicit arguments (times, keys, directories) so it is easy to test.

Signed recording URLs
---------------------
The real server answers ``GET /bots/{id}/recording`` with an S3 presigned GET URL
that expires after 1800 s and is new on every call (contract 6.10).  The sandbox
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

Blob checks
-----------
They stand in for what the real server does with OpenCV / pydub+ffmpeg:

* ``is_valid_png`` / ``is_valid_jpeg``: ``output_image`` (contract 6.15, 11.20).
* ``mp3_decode_error``: ``output_audio`` (contract 6.14, 11.21).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
import zlib
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

__all__ = [
    "BLOB_TOO_LARGE_ERROR",
    "DEFAULT_EXPIRES_IN",
    "MAX_BLOB_BYTES",
    "MEDIA_FILES",
    "MEDIA_ROUTE_PREFIX",
    "MEDIA_TYPES",
    "MP3_DECODE_ERROR",
    "MediaUrlRefused",
    "PARAM_EXPIRES",
    "PARAM_NONCE",
    "PARAM_SIGNATURE",
    "REASON_BAD_SIGNATURE",
    "REASON_EXPIRED",
    "REASON_MALFORMED",
    "decode_base64_lenient",
    "is_valid_jpeg",
    "is_valid_png",
    "media_file_path",
    "mp3_decode_error",
    "sign_recording_url",
    "verify_recording_url",
]

# --------------------------------------------------------------------------------------
# Signed recording URLs
# --------------------------------------------------------------------------------------

#: Lifetime of a recording URL, as the real server's S3 presigned GET (contract 6.10).
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
# Ids are a prefix, "_" and 16 characters of [A-Za-z0-9] (contract 2); they never
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


def decode_base64_lenient(data: str) -> bytes | None:
    """Decode like the real server's ``base64.b64decode(data)`` (``validate=False``).

    Characters outside the base64 alphabet are discarded, so ``"!!!"`` gives ``b""``;
    only bad padding (or a non-ASCII / non-string value) fails, giving ``None``.
    """
    if not isinstance(data, (str, bytes, bytearray)):
        return None
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------------------
# PNG
# --------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# OpenCV's default decoder limits (CV_IO_MAX_IMAGE_WIDTH/HEIGHT/PIXELS).
_MAX_IMAGE_SIDE = 1 << 20
_MAX_IMAGE_PIXELS = 1 << 30
# Above this much raw image data, only the start of the zlib stream is checked.
_PNG_MAX_INFLATE = 256 * 1024 * 1024
# Channels per colour type, and the bit depths each colour type allows.
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
_PNG_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_row_sizes(width: int, height: int, bits_per_pixel: int, interlaced: bool):
    """Yield (row byte count including the filter byte, number of rows) per pass."""
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    for x0, y0, dx, dy in passes:
        pass_width = (width - x0 + dx - 1) // dx
        pass_height = (height - y0 + dy - 1) // dy
        if pass_width > 0 and pass_height > 0:
            yield 1 + (pass_width * bits_per_pixel + 7) // 8, pass_height


def _png_image_data_ok(idat: bytes, width: int, height: int, bits_per_pixel: int, interlaced: bool) -> bool:
    """The zlib stream decodes to enough scanlines and every filter byte is 0..4."""
    rows = list(_png_row_sizes(width, height, bits_per_pixel, interlaced))
    expected = sum(size * count for size, count in rows)
    inflater = zlib.decompressobj()
    if expected > _PNG_MAX_INFLATE:
        try:
            return len(inflater.decompress(idat, 65536)) > 0
        except zlib.error:
            return False

    # Positions of the filter bytes, walked lazily while inflating in bounded chunks.
    def filter_positions():
        offset = 0
        for size, count in rows:
            for _ in range(count):
                yield offset
                offset += size

    positions = filter_positions()
    next_filter = next(positions, None)
    produced = 0
    pending = idat
    try:
        while produced < expected:
            chunk = inflater.decompress(pending, min(1 << 20, expected - produced))
            pending = inflater.unconsumed_tail
            if not chunk:
                break
            end = produced + len(chunk)
            while next_filter is not None and next_filter < end:
                if chunk[next_filter - produced] > 4:
                    return False
                next_filter = next(positions, None)
            produced = end
    except zlib.error:
        return False
    return produced >= expected


def is_valid_png(data: bytes) -> bool:
    """Whether ``data`` is a PNG a decoder (libpng via OpenCV on the real server) accepts.

    Checks the signature; IHDR as the first chunk with sane dimensions (1..2^20 a side,
    at most 2^30 pixels) and a legal colour type / bit depth; chunk CRCs (a bad CRC on a
    critical chunk fails; libpng only warns about ancillary ones); PLTE where needed;
    consecutive IDAT chunks whose zlib data holds every scanline with valid filter
    bytes; and an IEND chunk.  Bytes after IEND are ignored, as libpng ignores them.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return False
    data = bytes(data)
    if not data.startswith(_PNG_SIGNATURE):
        return False

    pos = len(_PNG_SIGNATURE)
    header = None
    seen_plte = False
    idat_parts: list[bytes] = []
    idat_done = False  # another chunk followed the IDAT run
    while True:
        if pos + 12 > len(data):
            return False  # truncated: no IEND
        length, chunk_type = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or not chunk_type.isalpha():
            return False
        end = pos + 12 + length
        if end > len(data):
            return False
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        crc_ok = zlib.crc32(chunk_type + body) == crc
        critical = chunk_type[0:1].isupper()
        if critical and not crc_ok:
            return False
        pos = end

        if header is None:
            if chunk_type != b"IHDR" or length != 13:
                return False
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
            if not (0 < width <= _MAX_IMAGE_SIDE and 0 < height <= _MAX_IMAGE_SIDE):
                return False
            if width * height > _MAX_IMAGE_PIXELS:
                return False
            if colour not in _PNG_DEPTHS or depth not in _PNG_DEPTHS[colour]:
                return False
            if compression != 0 or filtering != 0 or interlace not in (0, 1):
                return False
            header = (width, height, depth * _PNG_CHANNELS[colour], colour, interlace == 1)
            continue

        if chunk_type == b"IHDR":
            return False  # a second IHDR
        if chunk_type == b"PLTE":
            if idat_parts or seen_plte or length == 0 or length % 3 or length > 768:
                return False
            if header[3] in (0, 4):
                return False  # no palette allowed for greyscale
            seen_plte = True
        elif chunk_type == b"IDAT":
            if idat_done:
                return False  # IDAT chunks must be consecutive
            idat_parts.append(body)
        elif chunk_type == b"IEND":
            break
        elif critical:
            return False  # an unknown critical chunk stops libpng
        if idat_parts and chunk_type != b"IDAT":
            idat_done = True

    width, height, bits_per_pixel, colour, interlaced = header
    if not idat_parts or (colour == 3 and not seen_plte):
        return False
    return _png_image_data_ok(b"".join(idat_parts), width, height, bits_per_pixel, interlaced)


# --------------------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------------------

# Start-of-frame markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 DHT, C8 JPG, CC DAC are not).
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_STANDALONE = {0x01} | set(range(0xD0, 0xD8))  # TEM, RST0-7: no length field


def is_valid_jpeg(data: bytes) -> bool:
    """Whether ``data`` is a structurally sound JPEG.

    Walks the marker segments from SOI: every segment length must fit, a SOF segment
    must come before the first SOS and carry sane dimensions (width and height 1..65535,
    1..4 components, precision 8, 12 or 16 and a length that matches), entropy-coded
    data after each SOS is skipped up to the next marker, and the walk must end on EOI.
    Bytes after EOI are ignored, as libjpeg ignores them.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return False
    data = bytes(data)
    size = len(data)
    if size < 4 or data[0] != 0xFF or data[1] != 0xD8:
        return False

    pos = 2
    seen_sof = False
    seen_sos = False
    while True:
        # Expect a marker: 0xFF, optional 0xFF fill bytes, then the marker code.
        if pos >= size or data[pos] != 0xFF:
            return False
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size:
            return False
        marker = data[pos]
        pos += 1

        if marker == 0xD9:  # EOI
            return seen_sof and seen_sos
        if marker in (0x00, 0xD8):
            return False  # a stuffed zero or a second SOI is not a marker here
        if marker in _JPEG_STANDALONE:
            continue
        if pos + 2 > size:
            return False
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > size:
            return False
        segment = data[pos + 2 : pos + length]
        pos += length

        if marker in _JPEG_SOF:
            if seen_sof or len(segment) < 6:
                return False
            precision, height, width, components = struct.unpack(">BHHB", segment[:6])
            if precision not in (8, 12, 16) or height == 0 or width == 0:
                return False
            if not 1 <= components <= 4 or len(segment) != 6 + 3 * components:
                return False
            seen_sof = True
        elif marker == 0xDA:  # SOS, followed by entropy-coded data
            if not seen_sof or len(segment) < 1:
                return False
            seen_sos = True
            # Skip to the next marker that is neither a stuffed 0xFF00 nor RSTn.
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return False
                follower = data[pos + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7:
                    pos += 2
                elif follower == 0xFF:
                    pos += 1  # fill byte before a marker
                else:
                    break


# --------------------------------------------------------------------------------------
# MP3
# --------------------------------------------------------------------------------------

#: First line of pydub's ``CouldntDecodeError`` when ffmpeg cannot decode (contract 11.21).
MP3_DECODE_ERROR = "Decoding failed. ffmpeg returned error code: 1"

#: The real server's ``MediaBlob.save`` refuses blobs above 10 MiB before decoding them.
MAX_BLOB_BYTES = 10 * 1024 * 1024

#: What the real server's ``MediaBlob.save`` raises for an oversized blob
#: (``raise ValueError("blob exceeds 10MB limit")``), which becomes ``raw_error``.
BLOB_TOO_LARGE_ERROR = "blob exceeds 10MB limit"

_MP3_MIN_FRAMES = 3

# Bitrates in kbit/s, indexed by bitrate index 0..14 (0 is "free format").
_BITRATES = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sample rates by version bits (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5), index 0..2.
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_LAYERS = {3: 1, 2: 2, 1: 3}  # layer bits -> layer number


def _mp3_frame(data: bytes, pos: int) -> tuple[tuple[int, int, int], int] | None:
    """Parse the MPEG audio frame header at ``pos``: ((version, layer, rate), frame length)."""
    if pos + 4 > len(data):
        return None
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version_bits = (b1 >> 3) & 0x03
    layer_bits = (b1 >> 1) & 0x03
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0x03
    padding = (b2 >> 1) & 0x01
    if version_bits == 1 or layer_bits == 0 or rate_index == 3:
        return None
    if bitrate_index in (0, 15):  # free format is not supported here; 15 is invalid
        return None
    if (b3 & 0x03) == 2:  # reserved emphasis
        return None
    layer = _LAYERS[layer_bits]
    mpeg1 = version_bits == 3
    bitrate = _BITRATES[(1 if mpeg1 else 2, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version_bits][rate_index]
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 3 and not mpeg1:
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    return (version_bits, layer, rate), length


def _skip_id3v2(data: bytes) -> int | None:
    """Offset after any leading ID3v2 tags; ``None`` if a tag header is broken."""
    pos = 0
    while data.startswith(b"ID3", pos):
        header = data[pos : pos + 10]
        if len(header) < 10 or header[3] == 0xFF or header[4] == 0xFF:
            return None
        size_bytes = header[6:10]
        if any(b & 0x80 for b in size_bytes):
            return None
        size = 0
        for b in size_bytes:
            size = (size << 7) | b
        footer = 10 if header[5] & 0x10 else 0
        pos += 10 + size + footer
        if pos > len(data):
            return None
    return pos


def _at_trailer(data: bytes, pos: int) -> bool:
    """Whether ``pos`` is the end of the data or the start of a trailing tag."""
    if pos == len(data):
        return True
    rest = data[pos:]
    return rest.startswith(b"TAG") or rest.startswith(b"APETAGEX") or rest.startswith(b"ID3")


def mp3_frames(data: bytes):
    """The MPEG audio frames that follow each other from the start of ``data`` (after any ID3v2 tags),
    all of the first frame's kind (version, layer, sample rate): yields ``(pos, kind, length)``. It stops
    at the first gap, a frame of another kind, or the end; a last frame cut short is still yielded."""
    pos = _skip_id3v2(data)
    if pos is None:
        return
    kind = None
    while True:
        parsed = _mp3_frame(data, pos)
        if parsed is None:
            return
        frame_kind, length = parsed
        if kind is None:
            kind = frame_kind
        elif frame_kind != kind:
            return
        yield pos, frame_kind, length
        if length <= 0 or pos + length > len(data):
            return
        pos += length


def mp3_decode_error(data: bytes) -> str | None:
    """``None`` when ``data`` is a plausible MP3, else the ``raw_error`` the real server gives.

    The real server stores the blob (refusing more than 10 MiB with
    ``"blob exceeds 10MB limit"``) and decodes it with pydub/ffmpeg, whose failure's first
    line is ``"Decoding failed. ffmpeg returned error code: 1"`` (contract 11.21).  Here:
    leading ID3v2 tags are skipped, then at least three MPEG audio frames must follow
    each other, each header valid and matching the first (version, layer, sample rate)
    and each starting where the previous one's computed length ends.  A shorter file
    passes if its frames chain exactly to the end of the data or to a trailing tag.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return MP3_DECODE_ERROR
    data = bytes(data)
    if len(data) > MAX_BLOB_BYTES:
        return BLOB_TOO_LARGE_ERROR

    frames = 0
    pos = 0
    for frame_pos, _kind, length in mp3_frames(data):
        if frame_pos + length > len(data):
            # A cut-off last frame; decoders still play the frames before it.
            frames += 1 if frames else 0
            pos = len(data)
            break
        frames += 1
        pos = frame_pos + length
        if frames >= _MP3_MIN_FRAMES:
            break

    if frames >= _MP3_MIN_FRAMES or (frames >= 1 and _at_trailer(data, pos)):
        return None
    return MP3_DECODE_ERROR
