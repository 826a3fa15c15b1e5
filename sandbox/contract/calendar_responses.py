"""The Calendar, CalendarEvent and ZoomOAuthConnection objects as the real server serializes them
(docs/contract/calendars.md#calendar-object, docs/contract/calendars.md#calendar-event-object,
docs/contract/zoom-oauth.md#zoom-connection-object): fixed field order, `Z` datetimes, stored JSON objects in JSONB key
order.

* `metadata` comes back in JSONB order, except where the real server serializes the object it holds in
  memory (the create answer of a calendar or a Zoom connection, the PATCH answer of a calendar): dump
  those with `echo_metadata=True` and the client's order stays.
* `connection_failure_data` keeps its `timestamp` in Python's `+00:00` form (the one exception to `Z`).
* A calendar event's `bots` are full Bot objects (`sandbox.contract.responses.dump_bot`), given by the
  caller: the event document does not hold them.

(To be merged into `sandbox.contract.responses` by the lead; kept apart meanwhile.)
"""

from marshmallow import Schema, fields

from sandbox.contract.datetimes import format_api_datetime
from sandbox.contract.jsonb import jsonb_order
from sandbox.contract.responses import dump_bot

__all__ = [
    "CALENDAR_FIELDS",
    "CALENDAR_EVENT_FIELDS",
    "ZOOM_OAUTH_CONNECTION_FIELDS",
    "dump_calendar",
    "dump_calendar_event",
    "dump_zoom_oauth_connection",
    "state_webhook_data",
]


def _datetime_or_null(value):
    return format_api_datetime(value) if value else None


def _jsonb_or_null(value):
    return None if value is None else jsonb_order(value)


class _EchoMetadata(Schema):
    def __init__(self, *, echo_metadata=False, **kwargs):
        super().__init__(**kwargs)
        self.echo_metadata = echo_metadata

    def dump_metadata(self, doc):
        metadata = doc.get("metadata")
        if metadata is None or self.echo_metadata:
            return metadata
        return jsonb_order(metadata)

    def dump_connection_failure_data(self, doc):
        return _jsonb_or_null(doc.get("connection_failure_data"))

    def dump_created_at(self, doc):
        return format_api_datetime(doc["created_at"])

    def dump_updated_at(self, doc):
        return format_api_datetime(doc["updated_at"])

    def dump_last_successful_sync_at(self, doc):
        return _datetime_or_null(doc.get("last_successful_sync_at"))

    def dump_last_attempted_sync_at(self, doc):
        return _datetime_or_null(doc.get("last_attempted_sync_at"))


class CalendarSchema(_EchoMetadata):
    """`CalendarSerializer`: 12 fields; the credentials are never shown."""

    id = fields.String()
    platform = fields.String()
    client_id = fields.String()
    platform_uuid = fields.String(allow_none=True)
    state = fields.String()
    metadata = fields.Method("dump_metadata")
    deduplication_key = fields.String(allow_none=True)
    connection_failure_data = fields.Method("dump_connection_failure_data")
    created_at = fields.Method("dump_created_at")
    updated_at = fields.Method("dump_updated_at")
    last_successful_sync_at = fields.Method("dump_last_successful_sync_at")
    last_attempted_sync_at = fields.Method("dump_last_attempted_sync_at")


class ZoomOAuthConnectionSchema(_EchoMetadata):
    """`ZoomOAuthConnectionSerializer`: 13 fields; the refresh token is never shown."""

    id = fields.String()
    zoom_oauth_app_id = fields.String()
    user_id = fields.String()
    account_id = fields.String()
    state = fields.String()
    metadata = fields.Method("dump_metadata")
    is_local_recording_token_supported = fields.Boolean()
    is_onbehalf_token_supported = fields.Boolean()
    connection_failure_data = fields.Method("dump_connection_failure_data")
    created_at = fields.Method("dump_created_at")
    updated_at = fields.Method("dump_updated_at")
    last_successful_sync_at = fields.Method("dump_last_successful_sync_at")
    last_attempted_sync_at = fields.Method("dump_last_attempted_sync_at")


class CalendarEventSchema(Schema):
    """`CalendarEventSerializer`: 14 fields. `meeting_url` is the text as found in the event (not
    normalized); `attendees` and `raw` come back in JSONB key order."""

    id = fields.String()
    calendar_id = fields.String()
    platform_uuid = fields.String()
    meeting_url = fields.String(allow_none=True)
    start_time = fields.Method("dump_start_time")
    end_time = fields.Method("dump_end_time")
    is_deleted = fields.Boolean()
    attendees = fields.Method("dump_attendees")
    ical_uid = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    raw = fields.Method("dump_raw")
    bots = fields.Method("dump_bots")
    created_at = fields.Method("dump_created_at")
    updated_at = fields.Method("dump_updated_at")

    def dump_start_time(self, event):
        return format_api_datetime(event["start_time"])

    def dump_end_time(self, event):
        return format_api_datetime(event["end_time"])

    def dump_attendees(self, event):
        return _jsonb_or_null(event.get("attendees"))

    def dump_raw(self, event):
        return jsonb_order(event["raw"])

    def dump_bots(self, event):
        return [dump_bot(bot) for bot in event.get("_bots", ())]

    def dump_created_at(self, event):
        return format_api_datetime(event["created_at"])

    def dump_updated_at(self, event):
        return format_api_datetime(event["updated_at"])


CALENDAR = CalendarSchema()
CALENDAR_ECHO = CalendarSchema(echo_metadata=True)
CALENDAR_EVENT = CalendarEventSchema()
ZOOM_OAUTH_CONNECTION = ZoomOAuthConnectionSchema()
ZOOM_OAUTH_CONNECTION_ECHO = ZoomOAuthConnectionSchema(echo_metadata=True)

CALENDAR_FIELDS = tuple(CALENDAR.fields)
CALENDAR_EVENT_FIELDS = tuple(CALENDAR_EVENT.fields)
ZOOM_OAUTH_CONNECTION_FIELDS = tuple(ZOOM_OAUTH_CONNECTION.fields)


def dump_calendar(calendar, *, echo_metadata=False):
    return (CALENDAR_ECHO if echo_metadata else CALENDAR).dump(calendar)


def dump_calendar_event(event, bots=()):
    """The event with `bots`, the full Bot objects of the bots linked to it (in the order given)."""
    return CALENDAR_EVENT.dump({**event, "_bots": list(bots)})


def dump_zoom_oauth_connection(connection, *, echo_metadata=False):
    return (ZOOM_OAUTH_CONNECTION_ECHO if echo_metadata else ZOOM_OAUTH_CONNECTION).dump(connection)


def state_webhook_data(doc, dump):
    """The `data` of `calendar.events_update`, `calendar.state_change` and
    `zoom_oauth_connection.state_change` (docs/contract/webhooks.md#resource-webhooks): four fields of the object's
    serialization at the moment of
    the event, frozen in JSONB key order (state, last_attempted_sync_at, connection_failure_data,
    last_successful_sync_at)."""
    serialized = dump(doc)
    return jsonb_order(
        {
            "state": serialized["state"],
            "connection_failure_data": serialized["connection_failure_data"],
            "last_successful_sync_at": serialized["last_successful_sync_at"],
            "last_attempted_sync_at": serialized["last_attempted_sync_at"],
        }
    )
