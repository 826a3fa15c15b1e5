"""The real server's datetime formats (contract section 2), in one place.

Stored datetimes use Python's `isoformat()` in UTC (`...+00:00`), which is also the webhook form; the API
shows the same instant with `Z`. Both drop the fraction only when microseconds are zero.
"""

import re
from datetime import date, datetime, time, timezone


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


# Django's parse_datetime, which the real list filters use: a datetime with optional seconds, fraction
# and offset, or (as the filters fall back to) a bare date read as midnight UTC.
_DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[.,](?P<micro>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DATE_RE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")


def parse_query_datetime(text):
    """Parse a filter value as the real server does; None when it is not a datetime."""
    if not isinstance(text, str):
        return None
    try:
        match = _DATETIME_RE.match(text)
        if match:
            parts = match.groupdict()
            tz = parts.pop("tz")
            micro = (parts.pop("micro") or "").ljust(6, "0")
            values = {k: int(v) for k, v in parts.items() if v is not None}
            dt = datetime(microsecond=int(micro), **values)
            return dt.replace(tzinfo=_parse_offset(tz)).astimezone(timezone.utc)
        match = _DATE_RE.match(text)
        if match:
            day = date(*(int(v) for v in match.groups()))
            return datetime.combine(day, time(), tzinfo=timezone.utc)
    except ValueError:
        return None
    return None


def _parse_offset(tz):
    from datetime import timedelta

    if tz is None or tz == "Z":
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
