"""Every object the sandbox answers with, as marshmallow schemas: the real server's serializers (the bot and
its events, transcript utterances, the recording, chat messages, participants and their events, async
transcriptions, calendars and their events, Zoom OAuth connections, the cursor page) and the control plane's
own objects (project, clock, applied events, steps,
scenario catalogue, journal entries, faults, webhook deliveries, the stand-ins for Google, Microsoft and Zoom).

Use cases return domain data (stored documents, `StateChange`s, `Fault`s, the small tuples below); the web
layer dumps it with the schema the endpoint table names (sandbox/contract/endpoints.py), and the OpenAPI
document describes each schema from the same declaration (sandbox/contract/openapi.py). Every shape is one
schema instance made at import: dumping keeps no per-request state.

What the OpenAPI converter reads:

* `Meta.name` (the component), `Meta.description`, and `Meta.open = True` for an object that may carry keys
  it does not list (every other one is closed: `additionalProperties: false`);
* a field's type, and its `metadata["openapi"]`: keywords merged into what the type says (a Method or
  Function field says its whole schema there); `metadata["schema"]`: a schema class the value follows
  (a reference to its component);
* `metadata["optional"]`: the key may be absent; every other key is always present (`required`).

Byte-identical output is the point: key order is declaration order, `sub_type` is omitted when absent,
datetimes are the API's `Z` form, stored JSON objects come back in JSONB key order.
"""

from typing import NamedTuple

from marshmallow import Schema, fields, missing, post_dump, pre_dump

from sandbox.contract import states
from sandbox.contract.calendar_states import CALENDAR_STATES, ZOOM_OAUTH_CONNECTION_STATES
from sandbox.contract.datetimes import format_api_datetime
from sandbox.contract.inputs import loads_json
from sandbox.contract.jsonb import jsonb_order
from sandbox.contract.pagination import CALENDAR_EVENTS_PAGE_SIZE, PAGE_SIZE
from sandbox.contract.webhooks import TRIGGERS

API_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"

# -- the vocabulary the documents name (contract/states.py, contract/webhooks.py) ---------------------------

#: Bot states (docs/contract/state-machine.md#bot-states) in the server's order; app-session states never occur on bots.
BOT_STATES = tuple(state for state in states.BOT_STATES if state not in states.APP_SESSION_STATES)
#: Event types of bots; the app-session events never occur on bots.
EVENT_TYPES = tuple(event for event in states.EVENT_TYPES if not event.startswith("app_session"))
#: Event sub-types by event type (docs/contract/state-machine.md#event-sub-types); events not listed never carry one.
EVENT_SUB_TYPES = {event: tuple(sub for sub in subs if sub is not None) for event, subs in states.SUB_TYPES.items()}
#: Events whose sub-type is always present (every one but `leave_requested`, whose legacy events have none).
SUB_TYPE_REQUIRED = tuple(event for event, subs in states.SUB_TYPES.items() if None not in subs)
ASYNC_TRANSCRIPTION_STATES = ("not_started", "in_progress", "complete", "failed")
PARTICIPANT_EVENT_TYPES = ("join", "leave", "speech_start", "speech_stop")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
FAULT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "*")


def enum(values, **extra):
    return {"type": "string", "enum": list(values), **extra}


def nullable_enum(values, **extra):
    # OAS 3.0.3: `nullable` only adds null to `type`; the enum must list null itself.
    return {"type": "string", "nullable": True, "enum": [*values, None], **extra}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


#: Named enumerations of the document (components of their own).
ENUMS = {
    "BotStateEnum": enum(BOT_STATES, description="State of a bot."),
    "EventTypeEnum": enum(EVENT_TYPES, description="Type of a bot event."),
    "EventSubTypeEnum": enum(
        [sub for subs in EVENT_SUB_TYPES.values() for sub in subs],
        description="Sub-type of a bot event (only `could_not_join_meeting`, `fatal_error`, `leave_requested` and "
        "`recording_permission_denied` have one).",
    ),
    "RecordingStateEnum": enum(states.RECORDING_STATES, description="State of the bot's recording."),
    "TranscriptionStateEnum": enum(
        states.TRANSCRIPTION_STATES, description="State of the bot's real-time transcription."
    ),
}


def doc(description=None, optional=False, **keywords):
    """A field's `metadata`: OpenAPI keywords (and a description) for the document, `optional` when the key
    may be absent."""
    openapi = dict(keywords)
    if description:
        openapi["description"] = description
    return {"openapi": openapi, "optional": optional}


def an_id(prefix, description):
    return doc(description, pattern=f"^{prefix}_[A-Za-z0-9]{{16}}$")


# -- what use cases return besides stored documents ---------------------------------------------------------


class Attributed(NamedTuple):
    """A stored participant event, utterance or chat message with the participant it belongs to: what their
    serializers read (the participant's current name and host status)."""

    doc: dict
    participant: dict

    @property
    def created_at(self):
        return self.doc["created_at"]


class Dropped(NamedTuple):
    """Meeting activity the real server would not have stored; the participant was created anyway."""

    reason: str
    participant: dict


class Created(NamedTuple):
    """A result that made something new, where the same operation may also change what exists (a PUT): the
    row's `Answer` for `Created` (201) dumps its `value`."""

    value: object


# -- fields -------------------------------------------------------------------------------------------------


class ApiDateTime(fields.Field):
    """A stored datetime (its text or an aware datetime) in the API's form: UTC with `Z`, six fractional
    digits unless they are zero."""

    OPENAPI = {"type": "string", "format": "date-time", "pattern": API_DATETIME_PATTERN}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_api_datetime(value)


class Jsonb(fields.Field):
    """A stored JSON object as the real server reads it back: JSONB key order, nested objects too; a missing
    or null one is `{}` unless `null=True` keeps null."""

    OPENAPI = {"type": "object"}

    def __init__(self, *, null=False, **kwargs):
        self.null = null
        super().__init__(dump_default=None if null else dict, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None if self.null else {}
        return jsonb_order(value)


class Truth(fields.Field):
    """A flag the stored document may lack or hold as null: `bool()` of it, as the serializers read it."""

    OPENAPI = {"type": "boolean"}

    def __init__(self, **kwargs):
        super().__init__(dump_default=False, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return bool(value)


def maybe(field_class=fields.String, **kwargs):
    """A value the stored document may lack: null then (the serializers read it with `.get`)."""
    return field_class(dump_default=None, **kwargs)


# -- the real server's objects --------------------------------------------------------------------------------


class OmittedIfNull(fields.Field):
    """A value shown only when there is one: the key is left out when it is null or missing."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        value = obj.get(attr)
        return missing if value is None else value


class EventSchema(Schema):
    """A bot event as the API shows it: `type`, `created_at` and, only when the event has one, `sub_type`
    (never null). Its metadata is for webhooks only."""

    class Meta:
        name = "BotEvent"

    type = fields.String()
    created_at = ApiDateTime()
    sub_type = OmittedIfNull(metadata=doc(optional=True, type="string"))

    @classmethod
    def openapi_components(cls):
        """One closed variant per family of events, tied to its sub-types, and their union `BotEvent`."""
        created_at = {**ApiDateTime.OPENAPI, "description": "When the event was created (UTC, `Z`)."}
        without = [event for event in EVENT_TYPES if event not in EVENT_SUB_TYPES]
        variants = {
            "BotEventWithoutSubType": {
                "type": "object",
                "properties": {"type": enum(without, description="Event type that never has a sub-type."),
                               "created_at": dict(created_at)},
                "required": ["type", "created_at"],
                "additionalProperties": False,
                "description": "A bot event without a sub-type: the `sub_type` key is absent (never null).",
            }
        }
        for event, sub_types in EVENT_SUB_TYPES.items():
            variants["BotEvent" + "".join(part.capitalize() for part in event.split("_"))] = {
                "type": "object",
                "properties": {"type": enum([event]), "created_at": dict(created_at), "sub_type": enum(sub_types)},
                "required": ["type", "created_at"] + (["sub_type"] if event in SUB_TYPE_REQUIRED else []),
                "additionalProperties": False,
                "description": f"A `{event}` event; its sub-type comes after `created_at`.",
            }
        union = {
            "description": "One event of a bot: `type`, `created_at` and, only when the event has one, `sub_type`.",
            "oneOf": [ref(name) for name in variants],
        }
        return {**variants, "BotEvent": union}


EVENT = EventSchema()


class BotSchema(Schema):
    """`BotSerializer` (docs/contract/bot-object.md): nine fields, always present, in this order.

    `metadata` comes back in JSONB key order; `BOT_AS_SENT` keeps the client's order, for the answers the
    real server builds from the object still in memory (see `Operation.as_sent`). The `drf` metadata is
    what DRF's `SimpleMetadata` says of each field in `OPTIONS /bots` (`actions.POST`)."""

    class Meta:
        name = "Bot"
        description = "A meeting bot. All nine fields are always present, in this order."

    as_sent = False

    id = fields.String(metadata={**an_id("bot", "Bot id."), "drf": "CharField"})
    metadata = fields.Raw(
        metadata={
            **doc("Metadata given at creation or by PATCH; null when never set.", type="object", nullable=True),
            "drf": "SerializerMethodField",
        }
    )
    meeting_url = fields.String(
        metadata={**doc("The normalized meeting URL.", minLength=1), "drf": "CharField", "read_only": True}
    )
    state = fields.String(metadata={"openapi": ref("BotStateEnum"), "drf": "SerializerMethodField"})
    events = fields.Nested(
        EventSchema, many=True, metadata={**doc("Events, oldest first."), "drf": "SerializerMethodField"}
    )
    transcription_state = fields.Function(
        lambda bot: (bot.get("recording") or {}).get("transcription_state"),
        metadata={
            "openapi": nullable_enum(
                states.TRANSCRIPTION_STATES,
                description="Transcription state of the default recording (null only without one).",
            ),
            "drf": "SerializerMethodField",
        },
    )
    recording_state = fields.Function(
        lambda bot: (bot.get("recording") or {}).get("state"),
        metadata={
            "openapi": nullable_enum(
                states.RECORDING_STATES, description="State of the default recording (null only without one)."
            ),
            "drf": "SerializerMethodField",
        },
    )
    join_at = ApiDateTime(
        dump_default=None,
        metadata={**doc("When a scheduled bot joins; null for immediate bots.", nullable=True), "drf": "DateTimeField"},
    )
    deduplication_key = maybe(metadata={**doc("Deduplication key, or null.", nullable=True), "drf": "CharField"})

    @pre_dump
    def _metadata_in_jsonb_order(self, bot, **kwargs):
        if self.as_sent or not bot.get("metadata"):
            return bot
        return {**bot, "metadata": jsonb_order(bot["metadata"])}


class BotAsSentSchema(BotSchema):
    as_sent = True


BOT = BotSchema()
BOT_AS_SENT = BotAsSentSchema()


def dump_bot(bot, *, echo_metadata=False):
    """The bot as the API shows it (`echo_metadata`: its metadata in the order the client sent it)."""
    return (BOT_AS_SENT if echo_metadata else BOT).dump(bot)


def public_events(bot):
    """The bot's events as the API shows them, oldest first."""
    return EVENT.dump(bot["events"], many=True)


class TranscriptionSchema(Schema):
    """The stored transcription of an utterance (only its text, in the sandbox: no word timings)."""

    class Meta:
        name = "Transcription"
        open = True
        description = "The stored transcription of an utterance."

    transcript = fields.String(metadata=doc("The text; empty utterances are never listed.", minLength=1))
    words = fields.List(fields.Dict(), metadata=doc("Word timings, when the provider gives them.", optional=True))


class TranscriptUtteranceSchema(Schema):
    """`TranscriptUtteranceSerializer` (docs/contract/bots-endpoints.md#get-transcript) of an `Attributed` utterance;
    `speaker_is_host` is the
    speaker's current value."""

    class Meta:
        name = "TranscriptUtterance"
        description = "One transcribed utterance."

    speaker_name = maybe(attribute="participant.name", metadata=doc(nullable=True))
    speaker_uuid = fields.String(attribute="participant.uuid")
    speaker_user_uuid = maybe(attribute="participant.user_uuid", metadata=doc(nullable=True))
    speaker_is_host = Truth(attribute="participant.is_host", metadata=doc("The speaker's current host status."))
    timestamp_ms = fields.Integer(attribute="doc.timestamp_ms", metadata=doc("Start, in epoch milliseconds."))
    duration_ms = fields.Integer(attribute="doc.duration_ms", metadata=doc(minimum=0))
    transcription = Jsonb(attribute="doc.transcription", metadata={"schema": TranscriptionSchema})


class RecordingSchema(Schema):
    """GET /recording (docs/contract/bots-endpoints.md#get-recording): a fresh signed URL and the recording's start."""

    class Meta:
        name = "Recording"
        description = "Where to download the bot's recording."

    url = fields.String(metadata=doc("Short-lived signed URL of the recording file.", minLength=1))
    start_timestamp_ms = maybe(
        fields.Integer, metadata=doc("Epoch milliseconds of the first media buffer, or null.", nullable=True)
    )


class ChatMessageSchema(Schema):
    """`ChatMessageSerializer` (docs/contract/bots-endpoints.md#chat-messages) of an `Attributed` message: `timestamp`
    in epoch seconds,
    `timestamp_ms` that times 1000."""

    class Meta:
        name = "ChatMessage"
        description = "A chat message received by the bot."

    id = fields.String(attribute="doc.id", metadata=an_id("msg", "Chat message id."))
    text = fields.String(attribute="doc.text")
    timestamp_ms = fields.Function(
        lambda row: row.doc["timestamp"] * 1000, metadata=doc("`timestamp` times 1000.", type="integer")
    )
    timestamp = fields.Integer(attribute="doc.timestamp", metadata=doc("Epoch seconds."))
    to = fields.String(attribute="doc.to", metadata={"openapi": enum(["only_bot", "everyone"])})
    sender_name = maybe(attribute="participant.name", metadata=doc(nullable=True))
    sender_uuid = fields.String(attribute="participant.uuid")
    sender_user_uuid = maybe(attribute="participant.user_uuid", metadata=doc(nullable=True))
    additional_data = Jsonb(attribute="doc.additional_data")


class ParticipantSchema(Schema):
    """`ParticipantSerializer` (docs/contract/bots-endpoints.md#participants)."""

    class Meta:
        name = "Participant"
        description = "A meeting participant other than the bot."

    id = fields.String(metadata=an_id("par", "Participant id."))
    name = maybe(metadata=doc(nullable=True))
    uuid = fields.String()
    user_uuid = maybe(metadata=doc(nullable=True))
    is_host = Truth()


class ParticipantEventSchema(Schema):
    """`ParticipantEventSerializer` (docs/contract/bots-endpoints.md#participant-events) of an `Attributed` event;
    `participant_is_host` is the
    participant's current value."""

    class Meta:
        name = "ParticipantEvent"
        description = "A participant joining, leaving, or starting or stopping speech."

    id = fields.String(attribute="doc.id", metadata=an_id("pe", "Participant event id."))
    participant_name = maybe(attribute="participant.name", metadata=doc(nullable=True))
    participant_uuid = fields.String(attribute="participant.uuid")
    participant_user_uuid = maybe(attribute="participant.user_uuid", metadata=doc(nullable=True))
    participant_is_host = Truth(attribute="participant.is_host")
    event_type = fields.String(attribute="doc.event_type", metadata={"openapi": enum(PARTICIPANT_EVENT_TYPES)})
    event_data = Jsonb(attribute="doc.event_data")
    timestamp_ms = fields.Integer(attribute="doc.timestamp_ms", metadata=doc("Epoch milliseconds."))


class AsyncTranscriptionSchema(Schema):
    """`AsyncTranscriptionSerializer` (docs/contract/bots-endpoints.md#create-async-transcription)."""

    class Meta:
        name = "AsyncTranscription"
        description = "A post-meeting transcription of a bot's recording."

    bot_id = fields.String(metadata=an_id("bot", "The bot transcribed."))
    id = fields.String(metadata=an_id("tran", "Async transcription id."))
    created_at = ApiDateTime(metadata=doc("Creation time."))
    updated_at = ApiDateTime(metadata=doc("Last update time."))
    state = fields.String(metadata={"openapi": enum(ASYNC_TRANSCRIPTION_STATES)})
    failure_data = maybe(fields.Raw, metadata=doc("Why it failed, or null.", type="object", nullable=True))


# -- calendars, calendar events and Zoom OAuth connections (docs/contract/calendars.md, zoom-oauth.md) -----------
#
# `metadata` comes back in JSONB order, except where the real server answers from the object it holds in memory
# (the create answer of a calendar or a Zoom connection, the PATCH answer of a calendar: the `*_AS_SENT`
# variants, see `Operation.as_sent`). `connection_failure_data` keeps Python's `+00:00` timestamp, the one
# exception to the `Z` form. The `drf`, `read_only` and `help_text` metadata is what DRF's `SimpleMetadata` says
# of each field in the `actions.POST` of OPTIONS (the list-and-create views describe their output serializer).

CONNECTION_FAILURE = doc(
    "Why the last authentication failed: `{\"error\", \"timestamp\"}` (the timestamp in Python's `+00:00` form), "
    "or null.",
    type="object",
    nullable=True,
    properties={"error": {"type": "string"}, "timestamp": {"type": "string", "pattern": r"\+00:00$"}},
    required=["error", "timestamp"],
    additionalProperties=False,
)


def _model_field(drf, openapi, **extra):
    """A field the real ModelSerializer generates from the model (read-only: `read_only_fields = fields`)."""
    return {**openapi, "drf": drf, "read_only": True, **extra}


class _MetadataAsSent:
    """`metadata` in JSONB key order, unless the schema answers from the object still in memory."""

    as_sent = False

    @pre_dump
    def _metadata_in_jsonb_order(self, doc, **kwargs):
        if self.as_sent or not doc.get("metadata"):
            return doc
        return {**doc, "metadata": jsonb_order(doc["metadata"])}


def _sync_time(description):
    return ApiDateTime(
        dump_default=None, metadata=_model_field("DateTimeField", doc(description, nullable=True))
    )


class CalendarSchema(_MetadataAsSent, Schema):
    """`CalendarSerializer` (docs/contract/calendars.md#calendar-object): twelve fields, always present, in this order;
    the credentials are never shown."""

    class Meta:
        name = "Calendar"
        description = "A Google or Microsoft calendar. All twelve fields are always present, in this order."

    id = fields.String(metadata={**an_id("cal", "Calendar id."), "drf": "CharField"})
    platform = fields.String(metadata=_model_field("ChoiceField", {"openapi": enum(("google", "microsoft"))}))
    client_id = fields.String(metadata=_model_field("CharField", doc("The OAuth client id, trimmed.")))
    platform_uuid = maybe(
        metadata=_model_field("CharField", doc("The remote calendar's id; null: the primary one.", nullable=True))
    )
    state = fields.String(metadata={"openapi": enum(CALENDAR_STATES), "drf": "SerializerMethodField"})
    metadata = fields.Raw(
        dump_default=None,
        metadata={**doc("Metadata given at creation or by PATCH; null when never set.", type="object", nullable=True),
                  "drf": "SerializerMethodField"},
    )
    deduplication_key = maybe(
        metadata=_model_field(
            "CharField", doc("Unique per project, whatever the state; or null.", nullable=True),
            help_text="Optional key for deduplicating calendars",
        )
    )
    connection_failure_data = Jsonb(null=True, metadata=_model_field("JSONField", CONNECTION_FAILURE))
    created_at = ApiDateTime(metadata=_model_field("DateTimeField", {}))
    updated_at = ApiDateTime(
        metadata=_model_field("DateTimeField", doc("Moves on every save: each queued sync and each sync."))
    )
    last_successful_sync_at = _sync_time("The last successful sync, or null.")
    last_attempted_sync_at = _sync_time("The last sync tried (not moved by an authentication failure), or null.")


class CalendarAsSentSchema(CalendarSchema):
    as_sent = True


class CalendarAttendeeSchema(Schema):
    class Meta:
        name = "CalendarEventAttendee"
        description = "An attendee, as the sync stored it (JSONB key order: `name` first)."

    name = maybe(metadata=doc(nullable=True))
    email = maybe(metadata=doc(nullable=True))


class CalendarEventSchema(Schema):
    """`CalendarEventSerializer` (docs/contract/calendars.md#calendar-event-object) of an event document that carries
    its linked bots (`bots`: the full bot documents, in their creation order). `meeting_url` is the text as found in the
    event (not normalized); `attendees` and `raw` come back in JSONB key order."""

    class Meta:
        name = "CalendarEvent"
        description = "An event of a calendar, written only by the sync. All fourteen fields, in this order."

    id = fields.String(metadata=an_id("evt", "Calendar event id."))
    calendar_id = fields.String(metadata=an_id("cal", "Its calendar."))
    platform_uuid = fields.String(metadata=doc("The remote event's id (unique per calendar)."))
    meeting_url = maybe(
        metadata=doc("The Zoom, Meet or Teams URL as found in the event (not normalized), or null.", nullable=True)
    )
    start_time = ApiDateTime(metadata=doc("UTC; an all-day event starts at midnight in its time zone."))
    end_time = ApiDateTime()
    is_deleted = Truth(metadata=doc("Cancelled, or gone from the remote calendar; such events stay listed."))
    attendees = fields.List(fields.Nested(CalendarAttendeeSchema), dump_default=list)
    ical_uid = maybe(metadata=doc(nullable=True))
    name = maybe(metadata=doc(nullable=True))
    raw = Jsonb(metadata=doc("The provider's event object, in JSONB key order.", type="object"))
    bots = fields.List(
        fields.Nested(BotSchema), dump_default=list,
        metadata=doc("Every bot linked to the event, in any state (hard-deleted bots drop out)."),
    )
    created_at = ApiDateTime()
    updated_at = ApiDateTime(metadata=doc("Moves only when a sync changed the event or marked it deleted."))


class ZoomOAuthConnectionSchema(_MetadataAsSent, Schema):
    """`ZoomOAuthConnectionSerializer` (docs/contract/zoom-oauth.md#zoom-connection-object): thirteen fields, always
    present, in this order; the refresh token is never shown."""

    class Meta:
        name = "ZoomOAuthConnection"
        description = "A Zoom user's authorization of the project's Zoom OAuth app. All thirteen fields, in this order."

    id = fields.String(metadata={**an_id("zoc", "Zoom OAuth connection id."), "drf": "CharField"})
    zoom_oauth_app_id = fields.String(metadata={**an_id("zoa", "The project's Zoom OAuth app."), "drf": "CharField"})
    user_id = fields.String(metadata=_model_field("CharField", doc("The Zoom user's id.")))
    account_id = fields.String(metadata=_model_field("CharField", doc("The Zoom account's id.")))
    state = fields.String(metadata={"openapi": enum(ZOOM_OAUTH_CONNECTION_STATES), "drf": "SerializerMethodField"})
    metadata = fields.Raw(
        dump_default=None,
        metadata={**doc("Metadata of the last POST for this user; null when it had none.", type="object",
                        nullable=True), "drf": "SerializerMethodField"},
    )
    is_local_recording_token_supported = Truth(metadata={"drf": "BooleanField"})
    is_onbehalf_token_supported = Truth(metadata={"drf": "BooleanField"})
    connection_failure_data = Jsonb(null=True, metadata=_model_field("JSONField", CONNECTION_FAILURE))
    created_at = ApiDateTime(metadata=_model_field("DateTimeField", {}))
    updated_at = ApiDateTime(metadata=_model_field("DateTimeField", {}))
    last_successful_sync_at = _sync_time("The last successful meeting-list sync (local recording only), or null.")
    last_attempted_sync_at = _sync_time("The last meeting-list sync tried, or null.")


class ZoomOAuthConnectionAsSentSchema(ZoomOAuthConnectionSchema):
    as_sent = True


def state_webhook_data(dumped):
    """The `data` of `calendar.events_update`, `calendar.state_change` and `zoom_oauth_connection.state_change`
    (docs/contract/webhooks.md#resource-webhook-data), from the object as its serializer shows it at the moment of the
    event: four fields, frozen in JSONB key order (state, last_attempted_sync_at, connection_failure_data,
    last_successful_sync_at)."""
    names = ("state", "connection_failure_data", "last_successful_sync_at", "last_attempted_sync_at")
    return jsonb_order({name: dumped[name] for name in names})


def page_of(item_schema, *, page_size=PAGE_SIZE, order="oldest first"):
    """DRF's cursor page of `item_schema` (docs/contract/pagination.md): `next`, `previous`, `results`."""
    link = doc("Absolute URL of the page, or null.", type="string", nullable=True, format="uri", pattern="^https?://")
    name = item_schema.Meta.name
    meta = type(
        "Meta",
        (),
        {
            "name": f"Paginated{name}List",
            "description": f"A page of {name} objects. Cursor pagination, {order}, {page_size} per page; "
            "there is no `count`.",
        },
    )
    declared = {
        "Meta": meta,
        "next": fields.String(metadata=link),
        "previous": fields.String(metadata=link),
        "results": fields.List(fields.Nested(item_schema), metadata=doc(maxItems=page_size)),
    }
    return type(f"Paginated{name}ListSchema", (Schema,), declared)()


# -- the control plane's objects -------------------------------------------------------------------------------


class WebhookSubscriptionSchema(Schema):
    class Meta:
        name = "SandboxWebhookSubscription"

    url = fields.String(metadata=doc("An http:// or https:// URL, never the sandbox's own address."))
    triggers = fields.List(fields.String(), metadata=doc(type="array", items=enum(TRIGGERS), minItems=1))


class ProjectSchema(Schema):
    """A project as the control plane shows it: with its credentials."""

    class Meta:
        name = "SandboxProject"

    id = fields.String(metadata=doc(pattern="^proj_"))
    name = fields.String()
    api_key = fields.String()
    webhook_secret = fields.String(metadata=doc("Standard base64 of 32 bytes: the key of X-Webhook-Signature."))
    zoom_credentials = fields.Boolean(dump_default=True)
    scenario = fields.String()
    webhooks = fields.List(fields.Nested(WebhookSubscriptionSchema), dump_default=list)
    # The project's other capabilities (domain/project.py CAPABILITIES), each its default when the document lacks it.
    google_tts_credentials = fields.Boolean(dump_default=True)
    async_transcription = fields.Boolean(dump_default=True)
    transcription_credentials = fields.Boolean(dump_default=True)
    external_media_storage_credentials = fields.Boolean(dump_default=False)


class ResetSchema(Schema):
    """What `POST /sandbox/reset` restored: how many fixture projects and bots there are now."""

    class Meta:
        name = "SandboxReset"

    reset = fields.Constant(True)
    projects = fields.Integer()
    bots = fields.Integer()


class ScenarioSchema(Schema):
    class Meta:
        name = "SandboxScenario"

    name = fields.String()
    description = fields.String()
    media = fields.String(metadata=doc(
        "`automatic`: the bot plays its media requests by itself; `manual`: only what /media/start and /media/finish "
        "say.",
        enum=["automatic", "manual"],
    ))
    on = fields.Raw(
        attribute="step_names",
        metadata=doc("Event type -> the names of the steps it starts.", type="object",
                     additionalProperties={"type": "array", "items": {"type": "string"}}),
    )


class ScenarioCatalogueSchema(Schema):
    class Meta:
        name = "SandboxScenarioCatalogue"

    default = fields.String()
    results = fields.List(fields.Nested(ScenarioSchema))


class ClockSchema(Schema):
    class Meta:
        name = "SandboxClock"

    now = ApiDateTime()
    offset_seconds = fields.Raw(metadata=doc("Ahead of the wall clock.", type="number"))


class AppliedEventSchema(Schema):
    """A `StateChange`, as a `bot.state_change` webhook describes it."""

    class Meta:
        name = "SandboxAppliedEvent"
        description = "An event applied while the clock moved, as a `bot.state_change` webhook describes it."

    bot_id = fields.String()
    event_type = fields.String(metadata={"openapi": enum(EVENT_TYPES)})
    event_sub_type = fields.String(metadata=doc(nullable=True))
    old_state = fields.String(metadata={"openapi": enum(BOT_STATES)})
    new_state = fields.String(metadata={"openapi": enum(BOT_STATES)})
    created_at = ApiDateTime()


class AppliedItem(fields.Field):
    """One item a clock advance applied: a bot's event (a `StateChange`, as `AppliedEventSchema` shows it),
    or the report of another kind of due work (a calendar's sync, a Zoom connection's meeting-list sync)."""

    def openapi_fragment(self, components):
        other = {
            "type": "object",
            "description": "Another kind of due work: `calendar_id` or `zoom_oauth_connection_id`, when, and what "
            "the sync did.",
            "additionalProperties": True,
        }
        return {"oneOf": [components.of(AppliedEventSchema), other]}

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, dict) else APPLIED_EVENT.dump(value)


class ClockAdvancedSchema(ClockSchema):
    class Meta:
        name = "SandboxClockAdvanced"

    events = fields.List(AppliedItem())


class StepSchema(Schema):
    """A scripted step: its name first (`event` and `sub_type`, or `action`), then its own fields, then `due`
    (and, for `POST .../advance`, `applied`)."""

    class Meta:
        name = "SandboxStep"
        open = True
        description = "A scripted step: an event or an action, with its own fields (name, text, ...)."

    event = fields.String(metadata=doc("An event step: the event applied.", optional=True, enum=list(EVENT_TYPES)))
    sub_type = fields.String(metadata=doc(optional=True, nullable=True))
    action = fields.String(
        metadata=doc("An action step (upload_recording, participant_joins, utterance, ...).", optional=True)
    )
    due = ApiDateTime(metadata=doc("When it is (or was) due, on the project's clock."))
    applied = fields.Boolean(metadata=doc("POST .../advance only: whether the step changed the bot.", optional=True))

    NAMED = ("event", "sub_type", "action", "due", "applied")

    @post_dump(pass_original=True)
    def _name_first_then_its_fields(self, data, step, **kwargs):
        if "event" in step:
            out = {"event": step["event"], "sub_type": step.get("sub_type")}
        else:
            out = {"action": step["action"]}
        out.update((key, value) for key, value in step.items() if key not in self.NAMED)
        out["due"] = data["due"]
        if "applied" in step:
            out["applied"] = step["applied"]
        return out


class BotAdvancedSchema(Schema):
    class Meta:
        name = "SandboxBotAdvanced"

    bot = fields.Nested(BotSchema)
    applied = fields.List(fields.Nested(StepSchema))
    pending_steps = fields.List(fields.Nested(StepSchema))


class BotStepsSchema(Schema):
    class Meta:
        name = "SandboxBotSteps"

    bot_id = fields.String(attribute="bot.id")
    scenario = fields.String()
    state = fields.String(attribute="bot.state", metadata={"openapi": enum(BOT_STATES)})
    pending_steps = fields.List(fields.Nested(StepSchema))


class DroppedSchema(Schema):
    """A `Dropped` result."""

    class Meta:
        name = "SandboxDropped"
        description = "What the real server would not have stored (the participant is created anyway)."

    dropped = fields.Constant(True)
    reason = fields.String()
    participant = fields.Nested(ParticipantSchema)


class AudioChunkSchema(Schema):
    """Per-speaker audio a bot recorded with no utterance (an `Attributed` chunk); the API never shows it."""

    class Meta:
        name = "SandboxAudioChunk"

    id = fields.String(attribute="doc.id")
    speaker_name = maybe(attribute="participant.name", metadata=doc(nullable=True))
    speaker_uuid = fields.String(attribute="participant.uuid")
    timestamp_ms = fields.Integer(attribute="doc.timestamp_ms", metadata=doc("Start, in epoch milliseconds."))
    duration_ms = fields.Integer(attribute="doc.duration_ms", metadata=doc(minimum=0))
    text = maybe(attribute="doc.text", metadata=doc("What an async transcription will hear.", nullable=True))


MEDIA_REQUEST_STATES = ("enqueued", "playing", "finished", "dropped")


class MediaRequestSchema(Schema):
    """A media request of the bot (the real server's BotMediaRequest), in its state now."""

    class Meta:
        name = "SandboxMediaRequest"
        description = "A media request of the bot (the real server's BotMediaRequest), in its state now."

    id = fields.String()
    media_type = fields.String(metadata=doc(enum=["audio", "video"]))
    command = fields.String(metadata=doc("The API call that made it.", enum=["output_audio", "speech", "output_video"]))
    state = fields.String(metadata=doc(enum=list(MEDIA_REQUEST_STATES)))
    duration_ms = maybe(fields.Integer, metadata=doc("How long it plays; null: until the bot leaves (a loop).", nullable=True))
    created_at = ApiDateTime()
    started_at = maybe(ApiDateTime, metadata=doc(nullable=True))
    ended_at = maybe(ApiDateTime, metadata=doc(nullable=True))


class MediaRequestListSchema(Schema):
    class Meta:
        name = "SandboxMediaRequestList"

    results = fields.List(fields.Nested(MediaRequestSchema))


class RecordingFileSchema(Schema):
    class Meta:
        name = "SandboxRecordingFile"

    uploaded_at = ApiDateTime()
    start_timestamp_ms = maybe(fields.Integer, metadata=doc(nullable=True))


#: Bytes of a request body the journal keeps whole (and all it keeps of a longer one); characters shown of a
#: longer one; a kept body nested deeper than this is shown as text.
JOURNAL_BODY_LIMIT = 4096
JOURNAL_BODY_PREVIEW = 1024
JOURNAL_JSON_DEPTH = 100


def journal_body(sample):
    """A request body as the journal shows it: JSON decoded when it is JSON, text otherwise; a long one cut,
    with its whole length in bytes (None when it was never known: a body of unknown length over the limit)."""
    raw, length = sample
    if not raw and length == 0:
        return {"body": None}
    if length is None or length > JOURNAL_BODY_LIMIT:
        preview = raw[: JOURNAL_BODY_PREVIEW * 4].decode("utf-8", "replace")[:JOURNAL_BODY_PREVIEW]
        return {"body": preview, "body_truncated": True, "body_length": length}
    text = raw.decode("utf-8", "replace")
    try:
        return {"body": loads_json(text, max_depth=JOURNAL_JSON_DEPTH)}
    except ValueError:
        return {"body": text}


class JournalEntrySchema(Schema):
    """A journal record (sandbox/domain/journal.py): its facts, and its body sample as `journal_body` shows it."""

    class Meta:
        name = "SandboxJournalEntry"

    id = fields.Integer()
    method = fields.String()
    path = fields.String()
    query = fields.String()
    status = fields.Integer()
    time = ApiDateTime(metadata=doc("The project's clock when the request came."))
    duration_ms = fields.Function(lambda entry: round(entry["duration_ms"], 3), metadata=doc(type="number"))
    body = fields.Raw(metadata=doc("The request body: JSON when it was JSON, else text.", nullable=True))
    body_truncated = fields.Boolean(metadata=doc(optional=True))
    body_length = fields.Integer(
        metadata=doc("A cut body's whole length in bytes (null: never known).", optional=True, nullable=True)
    )

    @pre_dump
    def _body_as_shown(self, record, **kwargs):
        return {**record._asdict(), **journal_body(record.body)}


def control_page_of(item_schema, name, what):
    """A page of one of the sandbox's own lists (`sandbox.contract.pagination.control_page`): the API's cursor
    links, newest first, `limit` items (100 by default), and `count`, how many match in all."""
    link = doc("Absolute URL of the page, or null.", type="string", nullable=True, format="uri", pattern="^https?://")
    meta = type("Meta", (), {"name": name, "description": f"A page of {what}, newest first, with cursor links."})
    declared = {
        "Meta": meta,
        "count": fields.Integer(metadata=doc("How many match the filters, on every page.")),
        "next": fields.String(metadata=link),
        "previous": fields.String(metadata=link),
        "results": fields.List(fields.Nested(item_schema)),
    }
    return type(f"{name}Schema", (Schema,), declared)()


class DeletedSchema(Schema):
    """How many things went (a use case's count)."""

    class Meta:
        name = "SandboxDeleted"

    deleted = fields.Integer()

    @pre_dump
    def _count(self, count, **kwargs):
        return {"deleted": count}


class FaultSchema(Schema):
    """A `Fault` (sandbox/domain/faults.py)."""

    class Meta:
        name = "SandboxFault"

    id = fields.String(metadata=doc(pattern="^flt_"))
    method = fields.String(metadata={"openapi": enum(FAULT_METHODS)})
    path = fields.String(metadata=doc("An /api/v1 path; `*` matches one segment."))
    status = fields.Integer(metadata=doc(nullable=True))
    body = fields.Raw(metadata=doc("The body answered (any JSON).", nullable=True))
    headers = fields.Dict(metadata=doc(additionalProperties={"type": "string"}))
    delay_ms = fields.Integer()
    times = fields.Integer(metadata=doc(nullable=True))
    remaining = fields.Integer(metadata=doc(nullable=True))
    hits = fields.Integer()
    created_at = ApiDateTime()


class FaultListSchema(Schema):
    class Meta:
        name = "SandboxFaultList"

    results = fields.List(fields.Nested(FaultSchema))

    @pre_dump
    def _listed(self, faults, **kwargs):
        return {"results": faults}


class DeliveryAttemptSchema(Schema):
    class Meta:
        name = "SandboxDeliveryAttempt"

    attempted_at = ApiDateTime()
    status_code = fields.Integer(metadata=doc(nullable=True))
    error = fields.String(metadata=doc(nullable=True))
    response_body = fields.String(metadata=doc("Up to 500 characters of the receiver's answer.", nullable=True))
    duration_ms = maybe(fields.Integer, metadata=doc(nullable=True))
    signature = maybe(metadata=doc(nullable=True))


class DeliverySchema(Schema):
    """A webhook delivery of the log (infra/webhooks/outbox.py), times in the API's `Z` form."""

    class Meta:
        name = "SandboxDelivery"

    id = fields.String(metadata=doc(pattern="^whd_"))
    bot_id = maybe(metadata=doc("The bot it is about; null for a calendar's or a Zoom connection's.", nullable=True))
    calendar_id = OmittedIfNull(metadata=doc("A calendar's delivery: the calendar.", optional=True, type="string"))
    zoom_oauth_connection_id = OmittedIfNull(
        metadata=doc("A Zoom OAuth connection's delivery: the connection.", optional=True, type="string")
    )
    trigger = fields.String(metadata={"openapi": enum(TRIGGERS)})
    url = fields.String()
    status = fields.String(metadata={"openapi": enum(DELIVERY_STATUSES)})
    idempotency_key = fields.String(metadata=doc(format="uuid"))
    signature = maybe(metadata=doc(nullable=True))
    payload = fields.Raw(metadata=doc("The webhook's `data`, frozen when the event happened.", type="object"))
    attempts = fields.List(fields.Nested(DeliveryAttemptSchema))
    next_attempt_at = ApiDateTime(dump_default=None, metadata=doc(nullable=True))
    created_at = ApiDateTime()


# -- the stand-ins for Google, Microsoft and Zoom (calendars.md#calendar-simulation, zoom-oauth.md#zoom-simulation)


class RemoteEventAttendeeSchema(Schema):
    class Meta:
        name = "SandboxRemoteEventAttendee"

    email = maybe(metadata=doc(nullable=True))
    name = maybe(metadata=doc(nullable=True))


class RemoteEventSchema(Schema):
    """An event of a remote calendar as the control plane shows it: what was put (a timed event's times in
    the API's form), then when it is (`starts_at`, `ends_at`, resolved)."""

    class Meta:
        name = "SandboxRemoteEvent"
        description = "An event of the remote calendar (the provider's side), and when it is."

    platform_uuid = fields.String()
    name = maybe(metadata=doc(nullable=True))
    start_time = ApiDateTime(dump_default=None, metadata=doc("A timed event's start, or null.", nullable=True))
    end_time = ApiDateTime(dump_default=None, metadata=doc(nullable=True))
    all_day_date = maybe(metadata=doc("An all-day event's date, or null.", nullable=True, format="date"))
    starts_in_minutes = OmittedIfNull(
        metadata=doc("Fixture events only: minutes after the first sync.", optional=True, type="integer")
    )
    duration_minutes = OmittedIfNull(metadata=doc(optional=True, type="integer"))
    all_day_in_days = OmittedIfNull(
        metadata=doc("Fixture events only: an all-day event this many days after the first sync.", optional=True,
                     type="integer")
    )
    time_zone = maybe(metadata=doc(nullable=True))
    meeting_url = maybe(metadata=doc(nullable=True))
    location = maybe(metadata=doc(nullable=True))
    description = maybe(metadata=doc(nullable=True))
    attendees = fields.List(fields.Nested(RemoteEventAttendeeSchema), dump_default=list)
    ical_uid = maybe(metadata=doc(nullable=True))
    raw = maybe(fields.Raw, metadata=doc("More keys of the provider's event, as put.", type="object", nullable=True))
    cancelled = Truth(metadata=doc("Listed as cancelled by the provider."))
    starts_at = fields.String(metadata=doc("When it starts (UTC, `Z`).", pattern=API_DATETIME_PATTERN))
    ends_at = fields.String(metadata=doc("When it ends (UTC, `Z`).", pattern=API_DATETIME_PATTERN))


class SyncFailuresSchema(Schema):
    class Meta:
        name = "SandboxSyncFailures"
        description = "How the next syncs of the calendar fail."

    kind = fields.String(metadata=doc(enum=["auth_error", "transient"]))
    error = maybe(metadata=doc(nullable=True))
    remaining = fields.Integer(metadata=doc("How many syncs will still fail this way.", minimum=1))


class RemoteCalendarSchema(Schema):
    class Meta:
        name = "SandboxRemoteCalendar"
        description = "The calendar on the provider's side: its events, the injected failures, its token."

    calendar_id = fields.String(metadata=an_id("cal", "The calendar."))
    platform = fields.String(metadata=doc(enum=["google", "microsoft"]))
    token_revoked = fields.Boolean(metadata=doc("The refresh token is refused (`sbx-invalid`)."))
    failures = fields.Nested(SyncFailuresSchema, allow_none=True, metadata=doc(nullable=True))
    events = fields.List(fields.Nested(RemoteEventSchema), metadata=doc("In the order they were first put."))


class SyncWindowSchema(Schema):
    class Meta:
        name = "SandboxSyncWindow"

    start = fields.String(metadata=doc("Now minus one day.", pattern=API_DATETIME_PATTERN))
    end = fields.String(metadata=doc("Now plus CALENDAR_SYNC_TIME_WINDOW_END_DAYS.", pattern=API_DATETIME_PATTERN))


class BotNotPatchedSchema(Schema):
    class Meta:
        name = "SandboxBotNotPatched"

    bot_id = fields.String(metadata=an_id("bot", "A scheduled bot the sync left as it was."))
    errors = fields.Raw(metadata=doc("What the PATCH rules refused (the real server only logs it).", type="object"))


CALENDAR_TRIGGERS = ("calendar.events_update", "calendar.state_change")


class CalendarSyncSchema(Schema):
    """What one sync of a calendar did (a dict the use case reports; its times are already in the API's form)."""

    class Meta:
        name = "SandboxCalendarSync"
        description = "What a sync did: the events it created, updated or marked deleted, its bots, its webhook."

    calendar_id = fields.String(metadata=an_id("cal", "The calendar."))
    at = fields.String(metadata=doc("When it ran, on the project's clock.", pattern=API_DATETIME_PATTERN))
    outcome = fields.String(metadata=doc(enum=["synced", "transient_error", "auth_error"]))
    error = maybe(metadata=doc("Why it failed, or null.", nullable=True))
    window = fields.Nested(SyncWindowSchema, metadata=doc("A sync that ran: the window it listed.", optional=True))
    created = fields.List(fields.String(), metadata=doc("Ids of the events created."))
    updated = fields.List(fields.String(), metadata=doc("Ids of the events changed or cancelled."))
    deleted = fields.List(fields.String(), metadata=doc("Ids of the events gone from the provider, marked deleted."))
    bots_patched = fields.List(fields.String(), metadata=doc("Scheduled bots given the event's new URL or start."))
    bots_deleted = fields.List(fields.String(), metadata=doc("Scheduled bots hard-deleted (no webhook)."))
    bots_not_patched = fields.List(fields.Nested(BotNotPatchedSchema))
    webhook = maybe(metadata=doc("The webhook the sync sent, or null.", nullable=True, enum=[*CALENDAR_TRIGGERS, None]))
    state = fields.String(metadata={"openapi": enum(CALENDAR_STATES)})
    retry_at = OmittedIfNull(
        metadata=doc("A transient failure: when the task retries (up to 6 times).", optional=True, type="string",
                     pattern=API_DATETIME_PATTERN)
    )


class RemoteEventChangeSchema(Schema):
    class Meta:
        name = "SandboxRemoteEventChange"
        description = "The remote event now, and the sync's report when `?sync=true` ran one."

    created = fields.Boolean(metadata=doc("The event is new to the remote calendar."))
    remote_event = fields.Nested(RemoteEventSchema, allow_none=True, metadata=doc("Null once removed.", nullable=True))
    sync = fields.Nested(
        CalendarSyncSchema, allow_none=True,
        metadata=doc("Null: no sync now; it runs within 60 s of the project's clock.", nullable=True),
    )


class ZoomOAuthAppSchema(Schema):
    class Meta:
        name = "SandboxZoomOAuthApp"
        description = "The project's Zoom OAuth app (made in the dashboard on the real server)."

    id = fields.String(metadata=an_id("zoa", "The app's id, the connections' `zoom_oauth_app_id`."))
    client_id = fields.String()
    webhook_secret = maybe(metadata=doc(nullable=True))
    created_at = ApiDateTime()
    updated_at = ApiDateTime()


class ZoomUserSchema(Schema):
    class Meta:
        name = "SandboxZoomUser"

    id = fields.String()
    account_id = fields.String()
    status = fields.String(metadata=doc(enum=["active", "inactive", "pending"]))


class ZoomOAuthCodeSchema(Schema):
    class Meta:
        name = "SandboxZoomOAuthCode"
        description = "What exchanging an authorization code yields."

    authorization_code = fields.String()
    outcome = fields.String(metadata=doc(enum=["ok", "exchange_fails", "user_info_fails"]))
    scopes = maybe(metadata=doc("The token answer's `scope`; null: it has none.", nullable=True))
    user = fields.Nested(ZoomUserSchema)


class ZoomOAuthConnectionChangeSchema(Schema):
    class Meta:
        name = "SandboxZoomOAuthConnectionChange"

    zoom_oauth_connection = fields.Nested(ZoomOAuthConnectionSchema)
    webhook = maybe(
        metadata=doc("The webhook sent, or null.", nullable=True, enum=["zoom_oauth_connection.state_change", None])
    )


class ZoomOAuthReconnectedSchema(Schema):
    class Meta:
        name = "SandboxZoomOAuthReconnected"

    reconnected = fields.List(fields.String(), metadata=doc("The connections connected again, each with a webhook."))


# -- one instance per shape ---------------------------------------------------------------------------------------

TRANSCRIPT = TranscriptUtteranceSchema(many=True)
UTTERANCE = TranscriptUtteranceSchema()
RECORDING = RecordingSchema()
CHAT_MESSAGE = ChatMessageSchema()
PARTICIPANT = ParticipantSchema()
PARTICIPANT_EVENT = ParticipantEventSchema()
ASYNC_TRANSCRIPTION = AsyncTranscriptionSchema()
BOT_PAGE = page_of(BotSchema)
CHAT_MESSAGE_PAGE = page_of(ChatMessageSchema)
PARTICIPANT_PAGE = page_of(ParticipantSchema)
PARTICIPANT_EVENT_PAGE = page_of(ParticipantEventSchema)
CALENDAR = CalendarSchema()
CALENDAR_AS_SENT = CalendarAsSentSchema()
CALENDAR_PAGE = page_of(CalendarSchema, order="newest first")
CALENDAR_EVENT = CalendarEventSchema()
CALENDAR_EVENT_PAGE = page_of(
    CalendarEventSchema, page_size=CALENDAR_EVENTS_PAGE_SIZE, order="in the `ordering` asked for"
)
ZOOM_OAUTH_CONNECTION = ZoomOAuthConnectionSchema()
ZOOM_OAUTH_CONNECTION_AS_SENT = ZoomOAuthConnectionAsSentSchema()
ZOOM_OAUTH_CONNECTION_PAGE = page_of(ZoomOAuthConnectionSchema, order="newest first")

PROJECT = ProjectSchema()
RESET = ResetSchema()
SCENARIO_CATALOGUE = ScenarioCatalogueSchema()
CLOCK = ClockSchema()
APPLIED_EVENT = AppliedEventSchema()
CLOCK_ADVANCED = ClockAdvancedSchema()
STEP = StepSchema()
BOT_ADVANCED = BotAdvancedSchema()
BOT_STEPS = BotStepsSchema()
DROPPED = DroppedSchema()
RECORDING_FILE = RecordingFileSchema()
AUDIO_CHUNK = AudioChunkSchema()
MEDIA_REQUEST = MediaRequestSchema()
MEDIA_REQUESTS = MediaRequestListSchema()
JOURNAL_PAGE = control_page_of(JournalEntrySchema, "SandboxJournalPage", "the request journal's entries")
DELETED = DeletedSchema()
FAULT = FaultSchema()
FAULT_LIST = FaultListSchema()
DELIVERY = DeliverySchema()
DELIVERY_PAGE = control_page_of(DeliverySchema, "SandboxDeliveryPage", "webhook deliveries")
REMOTE_CALENDAR = RemoteCalendarSchema()
REMOTE_EVENT_CHANGE = RemoteEventChangeSchema()
SYNC_FAILURES = SyncFailuresSchema()
CALENDAR_SYNC = CalendarSyncSchema()
ZOOM_OAUTH_APP = ZoomOAuthAppSchema()
ZOOM_OAUTH_CODE = ZoomOAuthCodeSchema()
ZOOM_OAUTH_CONNECTION_CHANGE = ZoomOAuthConnectionChangeSchema()
ZOOM_OAUTH_RECONNECTED = ZoomOAuthReconnectedSchema()

#: The variant of a schema that keeps the metadata as the client sent it (`Operation.as_sent`).
AS_SENT = {BOT: BOT_AS_SENT, CALENDAR: CALENDAR_AS_SENT, ZOOM_OAUTH_CONNECTION: ZOOM_OAUTH_CONNECTION_AS_SENT}
