"""The bodies and path values of the control hooks that stand in for Google, Microsoft and Zoom
(docs/contract/calendars.md#calendar-simulation, docs/contract/zoom-oauth.md#zoom-simulation): the sandbox's
own, not the real server's.

Each body is a `BodyRule` of the endpoint table: its parser refuses bad input with a 400
`{"error": "<what is wrong>"}` (`SandboxInputError`) before anything changes, and its schema states the
limits it enforces (tests/test_openapi_limits.py proves each). The values reach the use cases
(`sandbox.usecases.calendars`, `sandbox.usecases.zoom_oauth`) validated, as keyword arguments or as one
remote event.

A remote event's fields are checked here for the control plane and for `fixtures/calendars.json` alike
(`check_remote_event`); which `raw` keys the sandbox writes itself depends on the provider, and is the
remote calendar's check (`sandbox.domain.remote_calendar.check_raw_keys`). Pure module: no Flask, no store.
"""

from __future__ import annotations

import re
from datetime import date, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.contract.datetimes import parse_datetime, to_stored
from sandbox.contract.errors import SandboxInputError
from sandbox.contract.inputs import check_fields, is_int, optional_text
from sandbox.contract.requests import BodyRule

__all__ = [
    "CODE_OUTCOMES",
    "DISCONNECT_BODY",
    "FAILURE_KINDS",
    "REMOTE_EVENT_BODY",
    "SYNC_FAILURES_BODY",
    "USER_STATUSES",
    "ZOOM_APP_BODY",
    "ZOOM_AUTH_FAILURE_BODY",
    "ZOOM_CODE_BODY",
    "ZOOM_SYNC_SUCCESS_BODY",
    "check_authorization_code",
    "check_platform_uuid",
    "check_remote_event",
    "check_sync_flag",
    "zone",
]

FAILURE_KINDS = ("auth_error", "transient")
MAX_FAILURE_TIMES = 100
ERROR_TEXT_MAX_LENGTH = 2000  # `optional_text`'s bound

# Remote events: the sandbox's own bounds, below what the real server's columns (and Google) hold, so that
# a remote event never makes a real sync fail on its own.
REMOTE_EVENT_FIELDS = (
    "name",
    "start_time",
    "end_time",
    "all_day_date",
    "time_zone",
    "meeting_url",
    "location",
    "description",
    "attendees",
    "ical_uid",
    "raw",
)
REMOTE_TEXT_LIMITS = {"name": 1024, "ical_uid": 1024, "meeting_url": 2048, "location": 2048, "description": 8000}
PLATFORM_UUID_MAX_LENGTH = 1024
MAX_ATTENDEES = 500
ATTENDEE_TEXT_MAX_LENGTH = 1024
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Fixture events may give their times relative to the calendar's first sync.
RELATIVE_FIELDS = ("starts_in_minutes", "duration_minutes", "all_day_in_days")
MAX_RELATIVE_MINUTES = 366 * 24 * 60
RELATIVE_RANGES = {
    "starts_in_minutes": (-MAX_RELATIVE_MINUTES, MAX_RELATIVE_MINUTES),
    "duration_minutes": (0, MAX_RELATIVE_MINUTES),
    "all_day_in_days": (-366, 366),
}
TIME_FORMS = {
    "timed": ("start_time", "end_time"),
    "all_day": ("all_day_date",),
    "relative": ("starts_in_minutes", "duration_minutes"),
    "relative_all_day": ("all_day_in_days",),
}

# Zoom
CODE_OUTCOMES = ("ok", "exchange_fails", "user_info_fails")
USER_STATUSES = ("active", "inactive", "pending")
MAX_CODE_LENGTH = 1024
ZOOM_TEXT_MAX_LENGTH = 255  # the real columns of client ids, user ids and account ids
MAX_SCOPES_LENGTH = 4000
MAX_MEETING_IDS = 1000
MEETING_ID_MAX_DIGITS = 25

# -- path values and the `sync` flag ---------------------------------------------------------------------------


def check_platform_uuid(platform_uuid):
    """A remote event's id in a hook's path: 1 to 1024 characters, no NUL."""
    if not isinstance(platform_uuid, str) or not platform_uuid or len(platform_uuid) > PLATFORM_UUID_MAX_LENGTH:
        raise SandboxInputError(f"platform_uuid must be 1 to {PLATFORM_UUID_MAX_LENGTH} characters")
    if "\x00" in platform_uuid:
        raise SandboxInputError("platform_uuid must not contain NUL characters")
    return platform_uuid


def check_authorization_code(code):
    if not isinstance(code, str) or not code or len(code) > MAX_CODE_LENGTH or "\x00" in code:
        raise SandboxInputError(f"The authorization code must be 1 to {MAX_CODE_LENGTH} characters")
    return code


_FLAGS = {"true": True, "1": True, "false": False, "0": False}


def check_sync_flag(name, value):
    """`?sync=true` (`Param.check`): absent is false; `true`/`false` (or 1/0), any case."""
    if value is None:
        return False
    flag = _FLAGS.get(value.strip().lower())
    if flag is None:
        raise SandboxInputError(f"{name} must be true or false")
    return flag


# -- a remote event ---------------------------------------------------------------------------------------------


def zone(name):
    """The IANA time zone `name` (None: UTC); ValueError when the system does not know it."""
    if name is None:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _text(body, name):
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SandboxInputError(f"{name} must be a string or null")
    limit = REMOTE_TEXT_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise SandboxInputError(f"{name} must be at most {limit} characters")
    if "\x00" in value:
        raise SandboxInputError(f"{name} must not contain NUL characters")
    return value


def _event_datetime(body, name, tz):
    value = body.get(name)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise SandboxInputError(f"{name} must be an ISO 8601 datetime, e.g. 2026-12-05T10:00:00Z")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(timezone.utc)


def check_remote_event(body, *, relative=False):
    """A remote event's fields, validated (SandboxInputError with a clear message otherwise): `{name?,
    start_time and end_time | all_day_date, time_zone?, meeting_url?, location?, description?, attendees?,
    ical_uid?, raw?}`. Datetimes without an offset are in `time_zone` (UTC when absent). With `relative`
    (fixtures), `starts_in_minutes` (+ `duration_minutes`, default 30) or `all_day_in_days` may stand for
    the times, counted from the calendar's first sync, and `cancelled` may be given."""
    allowed = REMOTE_EVENT_FIELDS + (RELATIVE_FIELDS + ("cancelled",) if relative else ())
    check_fields(body, allowed)
    tz_name = body.get("time_zone")
    if tz_name is not None and not isinstance(tz_name, str):
        raise SandboxInputError("time_zone must be an IANA time zone name, e.g. Europe/Paris")
    try:
        tz = zone(tz_name)
    except ValueError:
        raise SandboxInputError(f"time_zone: unknown time zone {tz_name!r} (an IANA name, e.g. Europe/Paris)") from None
    forms = [form for form, keys in TIME_FORMS.items() if any(key in body for key in keys)]
    if len(forms) != 1:
        expected = "start_time and end_time, or all_day_date (an all-day event)"
        if relative:
            expected += ", or starts_in_minutes (and duration_minutes), or all_day_in_days"
        raise SandboxInputError(f"Give {expected}, not both")
    values = {"name": _text(body, "name")}
    form = forms[0]
    if form == "timed":
        start, end = _event_datetime(body, "start_time", tz), _event_datetime(body, "end_time", tz)
        if end < start:
            raise SandboxInputError("end_time must not be before start_time")
        values.update(start_time=to_stored(start), end_time=to_stored(end))
    elif form == "all_day":
        day = body["all_day_date"]
        try:
            if not isinstance(day, str) or not _DATE_RE.match(day):
                raise ValueError
            date.fromisoformat(day)
        except ValueError:
            raise SandboxInputError("all_day_date must be a date, YYYY-MM-DD") from None
        values["all_day_date"] = day
    else:
        if form == "relative" and "starts_in_minutes" not in body:
            raise SandboxInputError("duration_minutes goes with starts_in_minutes")
        for name, (low, high) in RELATIVE_RANGES.items():
            if name in body:
                value = body[name]
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    raise SandboxInputError(f"{name} must be an integer from {low} to {high}")
                values[name] = value
    values["time_zone"] = tz_name
    for name in ("meeting_url", "location", "description", "ical_uid"):
        values[name] = _text(body, name)
    values["attendees"] = _check_attendees(body.get("attendees"))
    raw = body.get("raw")
    if raw is not None and not isinstance(raw, dict):
        raise SandboxInputError("raw must be an object (more fields of the provider's event)")
    values["raw"] = raw
    if relative and "cancelled" in body:
        if not isinstance(body["cancelled"], bool):
            raise SandboxInputError("cancelled must be true or false")
        values["cancelled"] = body["cancelled"]
    return values


def _check_attendees(attendees):
    if attendees is None:
        return []
    if not isinstance(attendees, list) or len(attendees) > MAX_ATTENDEES:
        raise SandboxInputError(f"attendees must be a list of at most {MAX_ATTENDEES} {{\"email\", \"name\"}} objects")
    out = []
    for index, attendee in enumerate(attendees):
        if not isinstance(attendee, dict) or set(attendee) - {"email", "name"}:
            raise SandboxInputError(f"attendees[{index}] must be an object with email and name (strings or null)")
        item = {}
        for key in ("email", "name"):
            value = attendee.get(key)
            if value is not None and (
                not isinstance(value, str) or "\x00" in value or len(value) > ATTENDEE_TEXT_MAX_LENGTH
            ):
                raise SandboxInputError(
                    f"attendees[{index}].{key} must be a string of at most {ATTENDEE_TEXT_MAX_LENGTH} characters, "
                    "or null"
                )
            item[key] = value
        out.append(item)
    return out


# -- the other calendar hooks -----------------------------------------------------------------------------------


def parse_sync_failures(data, context=None):
    body = check_fields(data, ("kind", "error", "times"), required=("kind",))
    if body["kind"] not in FAILURE_KINDS:
        raise SandboxInputError(f"kind must be one of {', '.join(FAILURE_KINDS)}")
    times = body.get("times", 1)
    if not is_int(times) or not 1 <= times <= MAX_FAILURE_TIMES:
        raise SandboxInputError(f"times must be an integer from 1 to {MAX_FAILURE_TIMES}")
    return {"kind": body["kind"], "error": optional_text(body, "error"), "times": times}


def parse_error_text(data, context=None):
    """`{"error"?}`: the failure's text (absent or null: the provider's usual answer)."""
    return {"error": optional_text(check_fields(data, ("error",)), "error")}


# -- Zoom -------------------------------------------------------------------------------------------------------


def _short_text(body, name, *, required=False, where=""):
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > ZOOM_TEXT_MAX_LENGTH or "\x00" in value:
        raise SandboxInputError(
            f"{where}{name} must be a non-empty string of at most {ZOOM_TEXT_MAX_LENGTH} characters"
        )
    return value


def parse_zoom_app(data, context=None):
    body = check_fields(data, ("client_id", "webhook_secret"), required=("client_id",))
    return {
        "client_id": _short_text(body, "client_id", required=True),
        "webhook_secret": _short_text(body, "webhook_secret"),
    }


def parse_zoom_code(data, context=None):
    """`{"outcome"?, "scopes"?, "user"?}`. `scopes` is kept only when sent (null: the token answer has no
    `scope`; absent: every scope); a list of scope names becomes the space-separated string Zoom answers."""
    body = check_fields(data, ("outcome", "scopes", "user"))
    outcome = body.get("outcome", "ok")
    if outcome not in CODE_OUTCOMES:
        raise SandboxInputError(f"outcome must be one of {', '.join(CODE_OUTCOMES)}")
    values = {"outcome": outcome, "user": None}
    if "scopes" in body:
        scopes = body["scopes"]
        if isinstance(scopes, list) and all(isinstance(scope, str) and scope and " " not in scope for scope in scopes):
            scopes = " ".join(scopes)
        if scopes is not None and (not isinstance(scopes, str) or len(scopes) > MAX_SCOPES_LENGTH or "\x00" in scopes):
            raise SandboxInputError(
                f"scopes must be a space-separated string of at most {MAX_SCOPES_LENGTH} characters, a list of "
                "scope names, or null"
            )
        values["scopes"] = scopes
    user = body.get("user")
    if user is not None:
        if not isinstance(user, dict):
            raise SandboxInputError('user must be an object {"id", "account_id", "status"}')
        check_fields(user, ("id", "account_id", "status"))
        for name in ("id", "account_id"):
            _short_text(user, name, where="user.")
        if "status" in user and user["status"] not in USER_STATUSES:
            raise SandboxInputError(f"user.status must be one of {', '.join(USER_STATUSES)}")
        values["user"] = {key: value for key, value in user.items() if value is not None}
    return values


def parse_zoom_sync_success(data, context=None):
    body = check_fields(data, ("meeting_ids",))
    meeting_ids = body.get("meeting_ids")
    if meeting_ids is None:
        return {"meeting_ids": None}
    valid = isinstance(meeting_ids, list) and len(meeting_ids) <= MAX_MEETING_IDS and all(
        (is_int(m) and m > 0) or (isinstance(m, str) and m.isdigit() and len(m) <= MEETING_ID_MAX_DIGITS)
        for m in meeting_ids
    )
    if not valid:
        raise SandboxInputError(f"meeting_ids must be a list of at most {MAX_MEETING_IDS} Zoom meeting ids")
    return {"meeting_ids": [str(m) for m in meeting_ids]}


# -- the bodies, as the endpoint table names them ------------------------------------------------------------------

STRING = {"type": "string"}


def _object(properties, required=(), **extra):
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {**schema, **extra}


def _text_schema(limit, description=None):
    schema = {"type": "string", "nullable": True, "maxLength": limit}
    return {**schema, "description": description} if description else schema


ERROR_TEXT = {
    "type": "string", "nullable": True, "minLength": 1, "maxLength": ERROR_TEXT_MAX_LENGTH,
}  # fmt: skip
ATTENDEE_TEXT = {"type": "string", "nullable": True, "maxLength": ATTENDEE_TEXT_MAX_LENGTH}

REMOTE_EVENT_BODY = BodyRule(
    "SandboxRemoteEventRequest",
    lambda data, context: check_remote_event(data),
    _object(
        {
            "name": _text_schema(REMOTE_TEXT_LIMITS["name"], "Google `summary`, Graph `subject`."),
            "start_time": {**STRING, "format": "date-time", "description": "Without an offset: in `time_zone`."},
            "end_time": {**STRING, "format": "date-time", "description": "Not before `start_time`."},
            "all_day_date": {**STRING, "format": "date", "description": "An all-day event (instead of the two times)."},
            "time_zone": {**STRING, "nullable": True, "description": "An IANA name, e.g. `Europe/Paris` (else UTC)."},
            "meeting_url": _text_schema(
                REMOTE_TEXT_LIMITS["meeting_url"],
                "Google: the conference entry point (and `hangoutLink` for Meet); Graph: `onlineMeeting.joinUrl`.",
            ),
            "location": _text_schema(REMOTE_TEXT_LIMITS["location"]),
            "description": _text_schema(REMOTE_TEXT_LIMITS["description"], "Google `description`, Graph `body`."),
            "attendees": {
                "type": "array",
                "maxItems": MAX_ATTENDEES,
                "items": _object({"email": ATTENDEE_TEXT, "name": ATTENDEE_TEXT}),
            },
            "ical_uid": _text_schema(REMOTE_TEXT_LIMITS["ical_uid"]),
            "raw": {
                "type": "object", "nullable": True,
                "description": "More keys of the provider's event (not those the sandbox writes from the fields).",
            },
        },
        description="The event as the provider lists it: `start_time` and `end_time`, or `all_day_date`. The "
        "meeting URL is found by the real rules (Google: the conference entry point, `hangoutLink`, `location`, "
        "`description`, `summary`; Graph: the online meeting, `subject`, `body`).",
    ),
)
SYNC_FAILURES_BODY = BodyRule(
    "SandboxSyncFailuresRequest",
    parse_sync_failures,
    _object(
        {
            "kind": {**STRING, "enum": list(FAILURE_KINDS)},
            "error": {**ERROR_TEXT, "description": "`auth_error`: the failure data's text (default: the provider's "
                      "revoked-token answer); `transient`: the reason shown in the sync report."},
            "times": {"type": "integer", "minimum": 1, "maximum": MAX_FAILURE_TIMES, "default": 1},
        },
        required=["kind"],
    ),
    arguments=True,
)
DISCONNECT_BODY = BodyRule(
    "SandboxCalendarDisconnectRequest",
    parse_error_text,
    _object({"error": {**ERROR_TEXT, "description": "The failure data's text (default: the revoked-token answer)."}}),
    required=False,
    arguments=True,
)
ZOOM_APP_BODY = BodyRule(
    "SandboxZoomOAuthAppRequest",
    parse_zoom_app,
    _object(
        {
            "client_id": {**STRING, "minLength": 1, "maxLength": ZOOM_TEXT_MAX_LENGTH},
            "webhook_secret": {**STRING, "nullable": True, "minLength": 1, "maxLength": ZOOM_TEXT_MAX_LENGTH},
        },
        required=["client_id"],
    ),
    arguments=True,
)
ZOOM_USER_TEXT = {**STRING, "minLength": 1, "maxLength": ZOOM_TEXT_MAX_LENGTH}
ZOOM_CODE_BODY = BodyRule(
    "SandboxZoomOAuthCodeRequest",
    parse_zoom_code,
    _object(
        {
            "outcome": {**STRING, "enum": list(CODE_OUTCOMES), "default": "ok"},
            "scopes": {
                "nullable": True,
                "oneOf": [
                    {**STRING, "maxLength": MAX_SCOPES_LENGTH},
                    {"type": "array", "items": {**STRING, "pattern": "^[^ ]+$"}},
                ],
                "description": "The token answer's `scope` (absent: every scope; null: none).",
            },
            "user": {
                **_object(
                    {
                        "id": {**ZOOM_USER_TEXT, "description": "Default: derived from the code."},
                        "account_id": {**ZOOM_USER_TEXT, "description": "Default: derived from the code."},
                        "status": {**STRING, "enum": list(USER_STATUSES), "default": "active"},
                    }
                ),
                "nullable": True,
                "description": "Zoom's `/v2/users/me`.",
            },
        }
    ),
    required=False,
    arguments=True,
)
ZOOM_AUTH_FAILURE_BODY = BodyRule(
    "SandboxZoomOAuthAuthFailureRequest",
    parse_error_text,
    _object({"error": {**ERROR_TEXT, "description": "The failure data's text (default: Zoom's invalid_client)."}}),
    required=False,
    arguments=True,
)
ZOOM_SYNC_SUCCESS_BODY = BodyRule(
    "SandboxZoomOAuthSyncSuccessRequest",
    parse_zoom_sync_success,
    _object(
        {
            "meeting_ids": {
                "type": "array",
                "nullable": True,
                "maxItems": MAX_MEETING_IDS,
                "items": {"oneOf": [{"type": "integer", "minimum": 1}, {**STRING, "pattern": r"^\d{1,25}$"}]},
                "description": "The meeting ids the meeting-list sync maps to this connection (local recording only).",
            }
        }
    ),
    required=False,
    arguments=True,
)
