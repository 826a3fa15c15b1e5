"""The real server's datetimes (docs/contract/ids-and-time.md#ids-and-time): ONE input parser, and the output formats.

Input. Every datetime a client sends is read by Django's `parse_datetime` as the real server's Python
3.10 runtime runs it: `datetime.fromisoformat` first (3.10's, far narrower than 3.11's, so it is
ported here rather than called), then Django's regex. DRF's `DateTimeField` (`join_at`) and every
list filter (`join_at_after`, `updated_after`, `after`, ...) use it, so they accept the same forms:

* `YYYY-MM-DD` alone (midnight), and `YYYY-MM-DD` + any one character + `HH[:MM[:SS[.fff[fff]]]]`
  with an optional `+HH:MM` offset (3.10's fromisoformat; so `2024-01-18T12` is a datetime);
* `YYYY-MM-DD` + `T` or space + `H:M[:S[.f]]` + optional `Z`, `±HH`, `±HHMM`, `±HH:MM` (the regex).

Not Python 3.11's extras (`20261204T001803Z`, `2024-01-18T12:00Z` through fromisoformat; the regex
takes the latter anyway). A value without an offset is UTC (`TIME_ZONE = "UTC"`).

Output. Stored datetimes use Python's `isoformat()` in UTC (`...+00:00`), which is also the webhook
form; the API shows the same instant with `Z`. Both drop the fraction only when microseconds are zero.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sandbox.contract.errors import AttendeeError
from sandbox.contract.messages import FILTER_DATETIME_INVALID

# --------------------------------------------------------------------------------------------------
# Output formats
# --------------------------------------------------------------------------------------------------


def to_stored(dt):
    return dt.astimezone(timezone.utc).isoformat()


def parse_stored_datetime(text):
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def format_api_datetime(value):
    """`2026-11-30T11:22:06.771543Z`, or `2027-01-01T08:00:00Z` when microseconds are zero."""
    if isinstance(value, str):
        if value.endswith("+00:00") and len(value) in (25, 32):  # already the stored UTC isoformat
            return value[:-6] + "Z"
        value = parse_stored_datetime(value)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def format_webhook_datetime(value):
    """`2026-11-30T11:23:29.164378+00:00`: webhook payloads keep Python's isoformat."""
    if isinstance(value, str):
        value = parse_stored_datetime(value)
    return value.astimezone(timezone.utc).isoformat()


def epoch_ms(dt):
    return int(dt.timestamp() * 1000)


def add_years(moment, years):
    """`relativedelta(years=n)`: same month and day, 29 February clipped to the 28th."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


# --------------------------------------------------------------------------------------------------
# Input: Django's parse_datetime on Python 3.10
# --------------------------------------------------------------------------------------------------

# Django's `datetime_re`, verbatim (`\d` is Unicode-aware and `$` allows a final "\n", as on the server).
_DJANGO_DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def fromisoformat_py310(text):
    """CPython 3.10's C `datetime.fromisoformat`, ported: `YYYY-MM-DD`, optionally followed by any one
    separator character, `HH[:MM[:SS[.fff[fff]]]]` and an offset `+HH:MM[:SS[.ffffff]]`. No `Z`. Raises
    ValueError. (Python 3.11 accepts far more, so the sandbox cannot just call its own.)"""
    if any(0xD800 <= ord(ch) <= 0xDFFF for i, ch in enumerate(text) if i != 10):
        raise ValueError("invalid isoformat string")  # 3.10 encodes to UTF-8 first, which fails

    def at(s, i):
        return s[i] if i < len(s) else "\0"

    def digits(s, i, count):
        value = 0
        for k in range(i, i + count):
            ch = at(s, k)
            if not "0" <= ch <= "9":
                return None
            value = value * 10 + ord(ch) - 48
        return value

    year, month, day = digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2)
    if year is None or at(text, 4) != "-" or month is None or at(text, 7) != "-" or day is None:
        raise ValueError("invalid isoformat string")
    hour = minute = second = microsecond = 0
    tzinfo = None
    if len(text) > 10:
        t = text[11:]
        end = len(t)

        def hh_mm_ss_ff(start, stop):
            values = [0, 0, 0]
            p = start
            for i in range(3):
                v = digits(t, p, 2)
                if v is None:
                    return -3, values, 0
                values[i] = v
                p += 2
                c = at(t, p)
                p += 1
                if p >= stop:
                    return (1 if c != "\0" else 0), values, 0
                if c == ":":
                    continue
                if c == ".":
                    break
                return -4, values, 0
            remains = stop - p
            if remains not in (6, 3):
                return -3, values, 0
            fraction = digits(t, p, remains)
            if fraction is None:
                return -3, values, 0
            if remains == 3:
                fraction *= 1000
            return (1 if at(t, stop) != "\0" else 0), values, fraction

        tzpos = 0
        while True:
            if at(t, tzpos) in "+-":
                break
            tzpos += 1
            if tzpos >= end:
                break
        rv, (hour, minute, second), microsecond = hh_mm_ss_ff(0, tzpos)
        if rv < 0:
            raise ValueError("invalid isoformat string")
        if tzpos == end:
            if rv == 1:
                raise ValueError("invalid isoformat string")
        else:
            if end - tzpos not in (6, 9, 16):
                raise ValueError("invalid isoformat string")
            sign = -1 if t[tzpos] == "-" else 1
            rv, (tzh, tzm, tzs), tzus = hh_mm_ss_ff(tzpos + 1, end)
            if rv:
                raise ValueError("invalid isoformat string")
            offset = timedelta(seconds=sign * (tzh * 3600 + tzm * 60 + tzs), microseconds=sign * tzus)
            tzinfo = timezone.utc if not offset else timezone(offset)  # ValueError past 24 h
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tzinfo)


def parse_datetime(text):
    """`django.utils.dateparse.parse_datetime(text)` on Python 3.10: a datetime (naive without an offset),
    None when the text is not one, or ValueError when it is shaped like one but out of range (month 13)."""
    try:
        return fromisoformat_py310(text)
    except ValueError:
        match = _DJANGO_DATETIME_RE.match(text)
        if not match:
            return None
        kw = match.groupdict()
        kw["microsecond"] = kw["microsecond"] and kw["microsecond"].ljust(6, "0")
        tz = kw.pop("tzinfo")
        if tz == "Z":
            tzinfo = timezone.utc
        elif tz is not None:
            offset_minutes = int(tz[-2:]) if len(tz) > 3 else 0
            offset = 60 * int(tz[1:3]) + offset_minutes
            if tz[0] == "-":
                offset = -offset
            tzinfo = timezone(timedelta(minutes=offset))
        else:
            tzinfo = None
        return datetime(**{k: int(v) for k, v in kw.items() if v is not None}, tzinfo=tzinfo)


def parse_query_datetime(text):
    """A datetime in a query (a list filter, a cursor position) as the real views read it:
    `parse_datetime(str(value))`, any exception meaning "not a datetime" -> None; aware, UTC when the
    text has no offset (and converted to UTC unless that leaves Python's range, as year 1 at +01:00 does)."""
    try:
        parsed = parse_datetime(str(text))
    except Exception:  # noqa: BLE001 - the views catch everything here
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        return parsed  # still an aware instant, and comparisons need nothing else


def parse_filter_datetime(name, value):
    """A datetime list filter (`join_at_after`, `updated_after`, `after`, ...): an empty value means no
    filter (None); a bad one is the view's 400 `Invalid <name> format. ...`."""
    if not value:
        return None
    parsed = parse_query_datetime(value)
    if parsed is None:
        raise AttendeeError(FILTER_DATETIME_INVALID.format(name))
    return parsed
