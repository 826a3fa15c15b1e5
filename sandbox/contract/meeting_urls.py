"""Meeting URL normalization, as the real Attendee server does it
(docs/contract/create-bot.md#meeting-url-normalization, overridden by 11.1-11.3).

Pure module: no Flask, no I/O. The real server keeps and returns the *normalized* form of
`meeting_url`, and derives the meeting platform from it.

How the real server decides (facts read off `bots/meeting_url_utils.py` and the behaviour of the
`tldextract` library it uses; the code below is an independent implementation):

* The input is trimmed and a trailing run of `>` is dropped. Then up to three attempts are made: on
  the value as given, after one round of percent-decoding, and after two.
* An attempt fails unless the host is one of the platforms below **and** the normalized result does
  not embed a second `http(s)://` URL (looked for in every suffix, raw, percent-decoded once or twice,
  or base64-decoded). Because only the *result* is scanned, a URL in a Meet query string, which
  normalization drops, is not noticed (docs/contract/create-bot.md#meet-urls).
* The host is matched label by label and case-sensitively: the public-suffix lookup is
  case-insensitive but the registered domain keeps the caller's case. So `Company.Zoom.us`,
  `ZOOM.US` and `MEET.GOOGLE.COM` are refused (docs/contract/create-bot.md#meeting-url-host-case), while an upper-case
  *subdomain* in front of a
  lower-case `zoom.us` (`Us02Web.zoom.us`) is accepted and lower-cased, since only the Zoom branch
  lower-cases its output host.
* Zoom (registered domain `zoom.us`/`zoom.com`): always `https`; `*.zoom.com` becomes `*.zoom.us`;
  the path is cut at the first character outside `[A-Za-z0-9/_-]` and repeated slashes are
  collapsed; only `pwd` (its alphanumeric prefix plus an optional `.digits`) and `tk` (trimmed) are
  kept, in that order; the path must contain a digit.
* Google Meet (host exactly `meet.google.com`): `https://meet.google.com/<code>` where the code is
  the first `[A-Za-z0-9-]+` run after `meet.google.com/` (so `lookup/abcdef` gives `lookup`).
* Teams (host exactly `teams.microsoft.com` or `teams.live.com`): meetup-join links (also behind a
  launcher page or a light-meetings `coords` blob) become
  `https://teams.microsoft.com/l/meetup-join/<conv>/<msg>?context={"Tid":"<tid>","Oid":"<oid>"}`;
  `/meet/<id>?p=<passcode>` links keep their host.

Things the caller must still do, because they happen outside normalization on the real server:

* `""`, `null`, non-strings: the serializer answers `This field may not be blank.` /
  `This field may not be null.` / a 500 before or instead of normalization
  (docs/contract/create-bot.md#meeting-url-invalid-values). Non-strings make
  this module raise `TypeError`.
* The `meeting_url` column holds at most `STORED_MAX_LENGTH` characters; a longer normalized URL
  passes validation on the real server and then fails at the database insert (generic
  `An error occurred while creating the bot` error).

Known, deliberate differences from the real server (all for inputs no client sends):

* Inputs on which the real code crashes (an invalid IPv6 bracket or an NFKC-unsafe host in a Zoom
  URL, a light-meetings `coords` blob that decodes to JSON that is not an object, or nested too
  deeply) are refused as invalid here instead of producing a 500.
* A normalized candidate longer than `_SCAN_LIMIT` characters is refused without the embedded-URL
  scan. The real scan is quadratic; such a URL could never be stored anyway (see above).
* An input longer than `_MAX_INPUT_LENGTH` characters (after trimming) is refused outright. The real
  server's Teams patterns are super-linear on long repetitive input (it would stall on a few hundred
  kilobytes); real meeting links are far shorter.
"""

import base64
import binascii
import bisect
import json
import re
from urllib.parse import parse_qs, unquote, urlparse, urlunparse

__all__ = [
    "GOOGLE_MEET",
    "InvalidMeetingUrl",
    "STORED_MAX_LENGTH",
    "TEAMS",
    "ZOOM",
    "classify_meeting_url",
    "meeting_platform",
    "normalize_meeting_url",
]

ZOOM = "zoom"
GOOGLE_MEET = "google_meet"
TEAMS = "teams"

# `Bot.meeting_url` is a CharField(max_length=511) on the real server.
STORED_MAX_LENGTH = 511

INVALID_MESSAGE = "Invalid meeting URL"

_DECODING_ATTEMPTS = 3
_SCAN_LIMIT = 4096
_MAX_INPUT_LENGTH = 8192


class InvalidMeetingUrl(ValueError):
    """The real server's `{"meeting_url": ["Invalid meeting URL"]}`."""

    def __init__(self, message=INVALID_MESSAGE):
        super().__init__(message)
        self.message = message


def normalize_meeting_url(value: str) -> str:
    """The URL the real server stores and returns for `value`, or raise InvalidMeetingUrl."""
    return classify_meeting_url(value)[1]


def meeting_platform(normalized_url: str) -> str:
    """`"zoom"`, `"google_meet"` or `"teams"`.

    Like the real server (`meeting_type_from_url(bot.meeting_url)`), the platform is found by
    normalizing the stored URL again. For ordinary links that gives back the same URL; a few odd
    results (`zoom.us:443/j/1` is stored as `https:///443/j/1`) no longer classify, as on the server.
    """
    return classify_meeting_url(normalized_url)[0]


def classify_meeting_url(value: str) -> tuple[str, str]:
    """`(platform, normalized_url)`, or raise InvalidMeetingUrl."""
    if not isinstance(value, str):
        raise TypeError(f"meeting URL must be a string, not {type(value).__name__}")
    candidate = value.strip().rstrip(">")
    if len(candidate) > _MAX_INPUT_LENGTH:
        raise InvalidMeetingUrl()
    for _ in range(_DECODING_ATTEMPTS):
        found = _normalize_once(candidate)
        if found is not None:
            platform, normalized = found
            if len(normalized) <= _SCAN_LIMIT and not _embeds_second_url(normalized):
                return platform, normalized
        candidate = unquote(candidate)
    raise InvalidMeetingUrl()


# --------------------------------------------------------------------------------------------------
# Host recognition (the lenient netloc parsing and label split that tldextract performs)

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
_EXTRA_DOTS = ("\u3002", "\uff0e", "\uff61")


def _without_scheme(url):
    slashes = url.find("//")
    if slashes == 0:
        return url[2:]
    if slashes < 2 or url[slashes - 1] != ":" or not set(url[: slashes - 1]) <= _SCHEME_CHARS:
        return url
    return url[slashes + 2 :]


def _host_labels(url):
    """The dot-separated labels of the host, case preserved; [] when there is no usable host."""
    host = _without_scheme(url)
    for stop in "/?#":
        host = host.split(stop, 1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.startswith("[") and "]" in host:
        return []  # an IPv6 literal is never a meeting host
    host = host.split(":", 1)[0].strip().rstrip("." + "".join(_EXTRA_DOTS))
    for dot in _EXTRA_DOTS:
        host = host.replace(dot, ".")
    return host.split(".")


def _is_zoom_host(labels):
    # Registered domain zoom.us or zoom.com: public suffix `us`/`com`, then the label `zoom`.
    return len(labels) >= 2 and labels[-2] == "zoom" and labels[-1] in ("us", "com")


# --------------------------------------------------------------------------------------------------
# One normalization attempt


def _normalize_once(url):
    if not url:
        return None
    labels = _host_labels(url)
    if _is_zoom_host(labels):
        return _zoom(url)
    if labels == ["meet", "google", "com"]:
        return _google_meet(url)
    if labels in (["teams", "microsoft", "com"], ["teams", "live", "com"]):
        return _teams(url)
    return None


_ZOOM_PATH_PREFIX = re.compile(r"[A-Za-z0-9/_-]*")
_ZOOM_PWD_PREFIX = re.compile(r"[A-Za-z0-9]+(?:\.\d+)?")  # `\d` as on the server: Unicode digits


def _zoom(url):
    try:
        parts = urlparse(url)
        if not parts.scheme:
            parts = urlparse("https://" + url)
    except ValueError:
        return None  # real server: 500 (see module docstring)

    host = parts.netloc.lower()
    if host == "zoom.com":
        host = "zoom.us"
    elif host.endswith(".zoom.com"):
        host = host[: -len(".zoom.com")] + ".zoom.us"

    path = _ZOOM_PATH_PREFIX.match(parts.path).group()
    if not path.startswith("/"):
        path = "/" + path
    path = re.sub(r"/{2,}", "/", path)
    if not re.search(r"[0-9]", path):
        return None

    params = parse_qs(parts.query)
    kept = []
    if "pwd" in params:
        pwd = _ZOOM_PWD_PREFIX.match(params["pwd"][0])
        if pwd:
            kept.append("pwd=" + pwd.group())
    if "tk" in params:
        tk = params["tk"][0].strip()
        if tk:
            kept.append("tk=" + tk)

    return ZOOM, urlunparse(("https", host, path, "", "&".join(kept), ""))


_MEET_CODE = re.compile(r"meet\.google\.com/([A-Za-z0-9-]+)")


def _google_meet(url):
    code = _MEET_CODE.search(url)
    if code is None:
        return None
    return GOOGLE_MEET, "https://meet.google.com/" + code.group(1)


_TEAMS_HOST = r"(?P<host>teams\.microsoft\.com|teams\.live\.com)"
_TEAMS_HOST_BEFORE_SLASH = re.compile(r"(?:teams\.microsoft\.com|teams\.live\.com)(?=/)")
# Any number of path segments may come before the interesting part; that also covers the launcher
# pages (`/dl/launcher/launcher.html?url=/_#/l/meetup-join/...` and `.../_#/meet/...`).
_ANY_SEGMENTS = r"(?:/[^/]*)*?"
_TEAMS_MEETUP_JOIN = re.compile(
    _TEAMS_HOST + _ANY_SEGMENTS + r"/l/meetup-join/(?P<conversation>[^/]+)/(?P<message>[^?]+)"
    r'\?context=.*?"Tid":"(?P<tid>[^"]+)".*?"Oid":"(?P<oid>[^"]+)"'
)
_TEAMS_LIGHT_MEETING = re.compile(_TEAMS_HOST + r"/light-meetings/launch\?.*coords=(?P<coords>[^&]+)")
_TEAMS_MEET = re.compile(_TEAMS_HOST + _ANY_SEGMENTS + r"/meet/(?P<meeting>[^?]+)\?p=(?P<passcode>[^&\s]+)")


def _meetup_join_url(conversation, message, tid, oid):
    return (
        f"https://teams.microsoft.com/l/meetup-join/{conversation}/{message}"
        f'?context={{"Tid":"{tid}","Oid":"{oid}"}}'
    )


def _search_from_first_host(pattern, url):
    """`pattern.search(url)` for the two patterns that start with a host and a run of path segments.

    Only an occurrence of a host followed by `/` can start a match, and every later occurrence can
    only reach a subset of the first one's candidates, so the first occurrence decides. (A plain
    search retries from every occurrence and is quadratic on repetitive input.)
    """
    first = _TEAMS_HOST_BEFORE_SLASH.search(url)
    return pattern.match(url, first.start()) if first else None


def _teams(url):
    found = _search_from_first_host(_TEAMS_MEETUP_JOIN, url)
    if found:
        return TEAMS, _meetup_join_url(found["conversation"], found["message"], found["tid"], found["oid"])

    found = _TEAMS_LIGHT_MEETING.search(url)
    if found:
        coords = _light_meeting_coords(found["coords"])
        if coords is _CRASH:
            return None  # real server: 500 (see module docstring)
        if coords is not None:
            conversation = coords.get("conversationId")
            tid = coords.get("tenantId")
            oid = coords.get("organizerId")
            message = coords.get("messageId", "0")
            if conversation and tid and oid:
                return TEAMS, _meetup_join_url(conversation, message, tid, oid)

    found = _search_from_first_host(_TEAMS_MEET, url)
    if found:
        return TEAMS, f"https://{found['host']}/meet/{found['meeting']}?p={found['passcode']}"
    return None


_CRASH = object()


def _light_meeting_coords(raw):
    """The decoded `coords` object; None when it is not base64-encoded JSON (the server then tries
    the next pattern); `_CRASH` where the server's own decoding raises an uncaught error."""
    try:
        data = json.loads(base64.b64decode(unquote(raw)).decode("utf-8"))
    except ValueError:
        return None
    except RecursionError:
        return _CRASH
    if not isinstance(data, dict):
        return _CRASH
    return data


# --------------------------------------------------------------------------------------------------
# "Does the normalized URL embed a second URL?"
#
# The server tries every suffix of the normalized URL: as it is, percent-decoded once, percent-decoded
# twice and base64-decoded, and counts the suffixes that start like `http(s)://<char>`. Two or more
# means a second URL is embedded. The scan below gives the same answer without decoding every
# suffix in full: it stops at the second hit and only decodes where a hit is possible.

_URL_START = re.compile(r"https?://[^\s<>\"']")
_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
# An output character of one percent-decoding round comes from at most 12 input characters (four
# `%XX` bytes), and only the last 12 characters of a cut-off input can decode differently from the
# full input. The first 9 characters decide a match. Decoded once, they depend on the first
# 12 * 9 + 12 = 120 input characters; decoded twice, on the first 120 characters of the
# once-decoded text, so on the first 12 * 120 + 12 = 1452 input characters.
_SHORT_WINDOW = 128
_LONG_WINDOW = 1536


def _embeds_second_url(url):
    hits = 0
    last_percent = url.rfind("%")
    last_non_ascii = max((i for i, ch in enumerate(url) if ord(ch) > 127), default=-1)
    alphabet_positions = [i for i, ch in enumerate(url) if ch in _B64_ALPHABET]

    for start in range(len(url)):
        if (
            _URL_START.match(url, start)
            or (start <= last_percent and url[start] in "h%" and _percent_decoded_hit(url, start))
            or (start > last_non_ascii and _base64_hit(url, start, alphabet_positions))
        ):
            hits += 1
            if hits > 1:
                return True
    return False


def _percent_decoded_hit(url, start):
    once = unquote(url[start : start + _SHORT_WINDOW])
    if _URL_START.match(once):
        return True
    # Decoding again can only yield a leading `h` from a leading `h` or `%68`.
    if not (once.startswith("h") or once.startswith("%68")):
        return False
    return bool(_URL_START.match(unquote(unquote(url[start : start + _LONG_WINDOW]))))


def _base64_hit(url, start, alphabet_positions):
    # Lenient base64 decoding skips characters outside the alphabet. The decoded text can only start
    # with `http://` or `https:/` if the first ten alphabet characters say so.
    first = bisect.bisect_left(alphabet_positions, start)
    head = alphabet_positions[first : first + 10]
    if len(head) < 10:
        return False
    try:
        prefix = base64.b64decode("".join(url[i] for i in head) + "AA")[:7]
    except binascii.Error:
        return False
    if prefix not in (b"http://", b"https:/"):
        return False
    try:
        decoded = base64.b64decode(url[start:]).decode("utf-8")
    except ValueError:
        return False
    return bool(_URL_START.match(decoded))
