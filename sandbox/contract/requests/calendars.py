"""Calendar requests as the real server reads them (docs/contract/calendars.md#calendar-object to #calendar-events;
docs/contract/calendars.md).

* `CreateCalendar` and `PatchCalendar` mirror `CreateCalendarSerializer` and `PatchCalendarSerializer`:
  the fields in declaration order (the order of the error map), DRF's string rules (blank before null,
  numbers become strings, whitespace trimmed), the bot metadata rules, and the unknown-fields check that
  runs only once every field is valid.
* `check_calendar_insert` is what the real INSERT refuses (column sizes, what JSONB cannot hold), in the
  order Postgres refuses it; the deduplication rule needs the store and is the use case's.
* `parse_calendars_query` and `parse_calendar_events_query` are the hand-written query handling of
  `CalendarListCreateView.get` and `CalendarEventListView.get`: which filters apply when present (even
  empty), the `updated_after` alias, the date filters' messages, `ordering`, in the view's order (the first
  error wins).

Pure module: no Flask, no store. A query is given as a mapping of parameter name to its value as Django's
`QueryDict.get` reads it (the last value of a repeated parameter); absent parameters are absent.
"""

from __future__ import annotations

import uuid

from sandbox.contract import messages as msg
from sandbox.contract.datetimes import parse_query_datetime
from sandbox.contract.drf import CharField, ChoiceField, JSONField, Serializer
from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.requests.bots import BotValidation, _unstorable, load

__all__ = [
    "CALENDAR_EVENTS_PAGE_SIZE",
    "CALENDAR_EVENT_ORDERINGS",
    "CALENDAR_EVENT_QUERY_PARAMETERS",
    "CALENDAR_PLATFORMS",
    "CALENDARS_QUERY_PARAMETERS",
    "CreateCalendar",
    "PatchCalendar",
    "check_calendar_insert",
    "parse_calendar_events_query",
    "parse_calendars_query",
    "parse_create_calendar",
    "parse_patch_calendar",
]

CALENDAR_PLATFORMS = ("google", "microsoft")  # `CalendarPlatform`, in its order

#: Column sizes of the real `Calendar` row: a longer value fails the INSERT (`DataError`, which the real
#: `create_calendar` answers with its "unexpected error" message).
CLIENT_ID_MAX_LENGTH = 255
PLATFORM_UUID_MAX_LENGTH = 1024
DEDUPLICATION_KEY_MAX_LENGTH = 1024

#: `GET /calendar_events`: the accepted `ordering` values, in the order the error message lists them.
CALENDAR_EVENT_ORDERINGS = (
    "-updated_at",
    "updated_at",
    "start_time",
    "-start_time",
    "end_time",
    "-end_time",
    "created_at",
    "-created_at",
)
DEFAULT_CALENDAR_EVENT_ORDERING = "-updated_at"
CALENDAR_EVENTS_PAGE_SIZE = 100  # CalendarEventCursorPagination
CALENDARS_PAGE_SIZE = 25  # CalendarCursorPagination (also ZoomOAuthConnectionCursorPagination)


class CreateCalendar(Serializer):
    """`CreateCalendarSerializer`. Its `validate_client_id`-style methods only trim again: their own
    "... cannot be empty" messages can never show, because the blank check comes first."""

    reject_unknown_fields = True

    platform_uuid = CharField(
        required=False,
        default=None,
        metadata={"description": "The remote calendar's id; leave it out for the user's primary calendar."},
    )
    client_id = CharField(metadata={"description": "The OAuth client id."})
    client_secret = CharField(metadata={"description": "The OAuth client secret (never returned)."})
    refresh_token = CharField(metadata={"description": "The user's refresh token (never returned)."})
    platform = ChoiceField(CALENDAR_PLATFORMS)
    metadata = JSONField(required=False, default=None)
    deduplication_key = CharField(
        required=False,
        default=None,
        metadata={"description": "Unique per project, whatever the calendar's state."},
    )

    validate_metadata = BotValidation.validate_metadata


class PatchCalendar(Serializer):
    """`PatchCalendarSerializer`: credentials and metadata only; metadata can be replaced, never cleared
    (`null` is refused). Only the fields sent come back."""

    reject_unknown_fields = True

    client_secret = CharField(required=False)
    refresh_token = CharField(required=False)
    metadata = JSONField(required=False)

    validate_metadata = BotValidation.validate_metadata


CREATE_CALENDAR = CreateCalendar()
PATCH_CALENDAR = PatchCalendar()
#: `CreateCalendarSerializer` fields in declaration order (the order of the error map).
CREATE_CALENDAR_FIELDS = tuple(CREATE_CALENDAR.fields)


def parse_create_calendar(body):
    """A `POST /calendars` body, validated: `{platform_uuid, client_id, client_secret, refresh_token,
    platform, metadata, deduplication_key}` (trimmed, defaults None), or FieldErrors with the real map."""
    return load(CREATE_CALENDAR, body)


def parse_patch_calendar(body):
    """A `PATCH /calendars/{id}` body, validated: only the fields sent (`client_secret`, `refresh_token`,
    `metadata`), or FieldErrors."""
    return load(PATCH_CALENDAR, body)


def check_calendar_insert(values):
    """What inserting the calendar row refuses, before its unique index is checked (Postgres forms the
    row first): a value longer than its column, or metadata JSONB cannot hold (a NUL, a lone surrogate).
    The real server answers those with its catch-all message under `non_field_errors`."""
    too_long = (
        len(values["client_id"]) > CLIENT_ID_MAX_LENGTH
        or len(values.get("platform_uuid") or "") > PLATFORM_UUID_MAX_LENGTH
        or len(values.get("deduplication_key") or "") > DEDUPLICATION_KEY_MAX_LENGTH
    )
    if too_long or _unstorable(values.get("metadata")):
        raise FieldErrors({"non_field_errors": [msg.CALENDAR_CREATE_UNEXPECTED.format(uuid.uuid4())]})


def check_calendar_update(changes):
    """The sandbox's answer where the real PATCH view would crash on save (500): metadata JSONB cannot
    hold. The real view has no error handling there; the sandbox never answers 5xx."""
    if _unstorable(changes.get("metadata")):
        raise FieldErrors({"non_field_errors": [msg.CALENDAR_UPDATE_UNSTORABLE.format(uuid.uuid4())]})


# --------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------


def parse_calendars_query(query):
    """`GET /calendars`: `{"deduplication_key": value}` when the parameter is present (even empty, which
    then matches no calendar), else `{}`. Other parameters are ignored; `cursor` is the pager's."""
    if "deduplication_key" in query:
        return {"deduplication_key": query["deduplication_key"]}
    return {}


def _filter_datetime(name, value, message):
    parsed = parse_query_datetime(value)
    if parsed is None:
        raise AttendeeError(message.format(name))
    return parsed


def parse_calendar_events_query(query):
    """`GET /calendar_events`, checked in the real view's order (the first error wins):

    `calendar_id`, `calendar_deduplication_key` and `event_id` apply whenever present, even empty;
    `updated_at_gte` when non-empty, else `updated_after` whenever present (both empty is an error, and
    every error names `updated_at_gte`); `start_time_gte` and `end_time_lte` whenever present (empty is an
    error); then `ordering` (absent: `-updated_at`; empty or unknown: an error).

    Returns `{"calendar_id"?, "calendar_deduplication_key"?, "updated_at_gte"?, "event_id"?,
    "start_time_gte"?, "end_time_lte"?, "ordering"}`, datetimes aware UTC. Raises AttendeeError (400).
    """
    filters = {}
    for name in ("calendar_id", "calendar_deduplication_key"):
        if name in query:
            filters[name] = query[name]
    # `query_params.get("updated_at_gte") or query_params.get("updated_after")`
    updated = query.get("updated_at_gte") or query.get("updated_after")
    if updated is not None:
        filters["updated_at_gte"] = _filter_datetime("updated_at_gte", updated, msg.CALENDAR_EVENT_FILTER_INVALID)
    if "event_id" in query:
        filters["event_id"] = query["event_id"]
    if "start_time_gte" in query:
        filters["start_time_gte"] = _filter_datetime(
            "start_time_gte", query["start_time_gte"], msg.CALENDAR_EVENT_FILTER_INVALID
        )
    if "end_time_lte" in query:
        filters["end_time_lte"] = _filter_datetime(
            "end_time_lte", query["end_time_lte"], msg.CALENDAR_EVENT_END_FILTER_INVALID
        )
    ordering = query.get("ordering", DEFAULT_CALENDAR_EVENT_ORDERING)
    if ordering not in CALENDAR_EVENT_ORDERINGS:
        raise AttendeeError(msg.CALENDAR_EVENT_ORDERING_INVALID.format(", ".join(CALENDAR_EVENT_ORDERINGS)))
    filters["ordering"] = ordering
    return filters


def _query_parameter(name, description, schema=None, deprecated=False):
    parameter = {"name": name, "in": "query", "required": False, "description": description}
    parameter["schema"] = schema or {"type": "string"}
    if deprecated:
        parameter["deprecated"] = True
    return parameter


_DATE_FORMS = (
    "`YYYY-MM-DD`, or `YYYY-MM-DD` then `T` or a space, `HH:MM[:SS[.ffffff]]` and optionally `Z`, `±HH`, "
    "`±HHMM` or `±HH:MM` (no offset: UTC; send `+` as `%2B`)"
)

#: The query parameters of `GET /calendars`, as OpenAPI parameter objects (what `parse_calendars_query` reads).
CALENDARS_QUERY_PARAMETERS = (
    _query_parameter("cursor", "The page to fetch (from `next` or `previous`)."),
    _query_parameter(
        "deduplication_key", "Exact, case-sensitive match; applies whenever present (empty matches nothing)."
    ),
)

#: The query parameters of `GET /calendar_events`, as OpenAPI parameter objects, in the order they are checked.
CALENDAR_EVENT_QUERY_PARAMETERS = (
    _query_parameter("cursor", "The page to fetch (from `next` or `previous`)."),
    _query_parameter("calendar_id", "Exact match on the calendar's id; applies whenever present."),
    _query_parameter(
        "calendar_deduplication_key", "Exact match on the calendar's deduplication key; applies whenever present."
    ),
    _query_parameter("updated_at_gte", f"`updated_at >= value` when non-empty. {_DATE_FORMS}."),
    _query_parameter(
        "updated_after",
        "Deprecated alias of `updated_at_gte`, used when that one is empty or absent (errors name `updated_at_gte`).",
        deprecated=True,
    ),
    _query_parameter("event_id", "Exact match on the event's id; applies whenever present."),
    _query_parameter("start_time_gte", f"`start_time >= value`; an empty value is an error. {_DATE_FORMS}."),
    _query_parameter("end_time_lte", f"`end_time <= value`; an empty value is an error. {_DATE_FORMS}."),
    _query_parameter(
        "ordering",
        "The order of the list (default `-updated_at`); checked after the date filters.",
        {"type": "string", "enum": list(CALENDAR_EVENT_ORDERINGS), "default": DEFAULT_CALENDAR_EVENT_ORDERING},
    ),
)
