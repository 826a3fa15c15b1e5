"""Calendar requests as the real server reads them (docs/contract/calendars.md#calendar-object to #calendar-events;
docs/contract/calendars.md).

* `CreateCalendar` and `PatchCalendar` mirror `CreateCalendarSerializer` and `PatchCalendarSerializer`:
  the fields in declaration order (the order of the error map), DRF's string rules (blank before null,
  numbers become strings, whitespace trimmed), the bot metadata rules, and the unknown-fields check that
  runs only once every field is valid.
* `check_calendar_insert` is what the real INSERT refuses (column sizes, what JSONB cannot hold), in the
  order Postgres refuses it; the deduplication rule needs the store and is the use case's.
* `check_filter_time`, `check_end_time` and `check_ordering` are the hand-written query checks of
  `CalendarEventListView.get`, as the endpoint table's `Param.check`s (the rows keep the view's order, so
  the first error wins; which filters apply when present, even empty, and the `updated_after` alias are
  the rows' too).

Pure module: no Flask, no store.
"""

from __future__ import annotations

import uuid

from sandbox.contract import messages as msg
from sandbox.contract.datetimes import parse_query_datetime
from sandbox.contract.drf import CharField, ChoiceField, JSONField, Serializer
from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.requests import BodyRule
from sandbox.contract.requests.bots import BotValidation, _unstorable, load

__all__ = [
    "CALENDAR_EVENT_ORDERINGS",
    "CALENDAR_PLATFORMS",
    "CREATE_CALENDAR_BODY",
    "CreateCalendar",
    "PATCH_CALENDAR_BODY",
    "PatchCalendar",
    "check_calendar_insert",
    "check_end_time",
    "check_filter_time",
    "check_ordering",
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


CREATE_CALENDAR_BODY = BodyRule(
    "CreateCalendarRequest", lambda data, context: parse_create_calendar(data), CreateCalendar
)
PATCH_CALENDAR_BODY = BodyRule(
    "PatchCalendarRequest", lambda data, context: parse_patch_calendar(data), PatchCalendar, required=False
)


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
# Queries: the checks of the endpoint table's query parameters (`Param.check`), run in the rows' order
# --------------------------------------------------------------------------------------------------


def _filter_datetime(message):
    def check(name, value):
        """A date filter of `GET /calendar_events`: Django's `parse_datetime`, aware UTC (None when absent)."""
        if value is None:
            return None
        parsed = parse_query_datetime(value)
        if parsed is None:
            raise AttendeeError(message.format(name))
        return parsed

    return check


#: `updated_at_gte` (its `updated_after` alias) and `start_time_gte`; `end_time_lte`'s message has another example.
check_filter_time = _filter_datetime(msg.CALENDAR_EVENT_FILTER_INVALID)
check_end_time = _filter_datetime(msg.CALENDAR_EVENT_END_FILTER_INVALID)


def check_ordering(name, value):
    """`ordering` of `GET /calendar_events`: absent is `-updated_at`; empty or unknown is refused."""
    ordering = DEFAULT_CALENDAR_EVENT_ORDERING if value is None else value
    if ordering not in CALENDAR_EVENT_ORDERINGS:
        raise AttendeeError(msg.CALENDAR_EVENT_ORDERING_INVALID.format(", ".join(CALENDAR_EVENT_ORDERINGS)))
    return ordering


#: How the date filters read: Django's `parse_datetime` forms.
DATE_FORMS = (
    "`YYYY-MM-DD`, or `YYYY-MM-DD` then `T` or a space, `HH:MM[:SS[.ffffff]]` and optionally `Z`, `±HH`, "
    "`±HHMM` or `±HH:MM` (no offset: UTC; send `+` as `%2B`)"
)
