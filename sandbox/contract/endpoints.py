"""The endpoint table: every JSON endpoint the sandbox serves, as data. No Flask here.

From `ENDPOINTS` come the routes and their dispatch (sandbox/web/pipeline.py: `Allow`, OPTIONS, throttling,
request parsing, the use case, the answer's schema and status) and the OpenAPI document served at
`/api/schema` (sandbox/contract/openapi.py). Adding an endpoint is one row here, one use-case function and
its tests.

A row is an `Endpoint` (a path and what it answers every method with) holding one `Operation` per method.
An operation names its use case (`"bots.leave"` is `sandbox.usecases.bots.leave`), which the pipeline
calls as `use_case(sb, project, *path_arguments, body=..., <query parameters>=..., request=...)` with only
what the row declares (`project` for the rows a project's token authenticates).

Two kinds of rows:

* `ATTENDEE`: the Attendee API under `/api/v1`, answered in the real server's order of checks
  (docs/contract/conventions.md#order-of-checks): 406, 401, 429 for a POST of a throttled view, 405 with
  the row's `Allow`, OPTIONS from the row, an injected fault, then the body and the use case;
* `CONTROL`: the sandbox's own endpoints under `/sandbox`, with the control plane's rules (a project's
  token, the admin token or nothing, JSON bodies only, the guards of sandbox/web/guards.py).

When the body is read (`body_read`) follows the real view, which parses lazily (DRF's `request.data`):
`FIRST` before anything else; `AFTER_LOOKUP` once the object exists (its 404 wins over the body's 400);
`IN_USE_CASE` where the use case raises it, after its own checks (it is handed a `Body`). In every case
the body is parsed and validated before the domain runs; only the moment its refusal is raised differs.

Routes that are not rows, registered by hand: the Attendee API's catch-all (sandbox/web/pipeline.py),
`GET /api/schema` (sandbox/web/schema.py), the signed recording files `GET /sandbox/media/<file>`
(sandbox/web/media.py) and the dashboard `/sandbox/ui/...` (sandbox/web/dashboard.py): they answer files,
HTML or forms, and document themselves.
"""

from dataclasses import dataclass, field

from sandbox.contract import responses as shapes
from sandbox.contract.datetimes import parse_filter_datetime
from sandbox.contract.requests import AFTER_LOOKUP, FIRST, IN_USE_CASE
from sandbox.contract.pagination import CALENDAR_EVENTS_PAGE_SIZE, PAGE_SIZE
from sandbox.contract.requests import bots as bot_bodies
from sandbox.contract.requests import calendars as calendar_requests
from sandbox.contract.requests import commands as command_bodies
from sandbox.contract.requests import control as control_bodies
from sandbox.contract.requests import providers
from sandbox.contract.requests.transcripts import ASYNC_TRANSCRIPTION_BODY
from sandbox.contract.requests.zoom_oauth import CREATE_ZOOM_OAUTH_CONNECTION_BODY
from sandbox.contract.responses import Attributed, Created, Dropped

ATTENDEE, CONTROL = "attendee", "control"
PROJECT_TOKEN, ADMIN_TOKEN, OPEN = "project", "admin", "open"

#: The order of methods in DRF's `Allow` header.
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: `renders` and `parses` of every view of the real server (DRF's defaults; its settings override neither).
RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
#: DRF's name of the catch-all view (`NotFoundView`).
NOT_FOUND_VIEW = "Not Found"
#: The use case that finds what a path's `<object_id>` names (for the 404 of an `AFTER_LOOKUP` body).
LOOKUPS = {"bot": "bots.get_bot", "calendar": "calendars.get_calendar"}

__all__ = [
    "ATTENDEE",
    "CONTROL",
    "ENDPOINTS",
    "AFTER_LOOKUP",
    "FIRST",
    "IN_USE_CASE",
    "Answer",
    "Endpoint",
    "Operation",
    "Param",
    "RequestFacts",
    "options_metadata",
]


@dataclass(frozen=True)
class RequestFacts:
    """What a use case may know of the request, as plain data: the URL of its scheme and host (`host_url`,
    ending with `/`), where clients reach the sandbox (`public_url`: SANDBOX_PUBLIC_URL, else `host_url`), and
    the request's absolute URL with its query string (`url`, for the links of a page)."""

    host_url: str
    public_url: str
    url: str


@dataclass(frozen=True)
class Param:
    """A query parameter. The pipeline reads its last value (Django's `QueryDict.get`: None when absent, `""`
    when empty), or all of them (`many`), and hands it to the use case as the keyword `arg` (its name unless
    said; `""`: documented only, such as the `cursor` the pagination reads). `alias`: a deprecated name read
    when this one is absent or empty (`get(name) or get(alias)`). `check(name, value)`, when given, runs
    before the use case, in the row's order, and returns the value to hand over, or raises the contract's
    error."""

    name: str
    description: str
    schema: dict = field(default_factory=lambda: {"type": "string"})
    arg: str | None = None
    many: bool = False
    check: object = None
    alias: str | None = None

    @property
    def keyword(self):
        return self.name if self.arg is None else self.arg


@dataclass(frozen=True)
class Answer:
    """One of several answers of an operation: a use case result of `type` is dumped with `schema` and
    answered with `status`."""

    type: type
    status: int
    schema: object
    description: str


@dataclass(frozen=True)
class Operation:
    """One method of an endpoint.

    * `response`: the schema the use case's result is dumped with (None: an empty answer), or a tuple of
      `Answer`s when the result's type picks the status and shape (a `Created` result is dumped as its value);
    * `paginated`: the result is a list sorted by `ordering` (a field; `-field`: descending), answered
      `page_size` at a time with a page schema (`next`, `previous`, `results`), the cursor holding the
      ordering field's value; `ordering_param`: the query keyword whose checked value is the ordering.
    * `as_sent`: the answer keeps the metadata in the order the client sent it when the parsed body's field of
      that name is not null (the real view answers from the object still in memory).
    * `request`: the use case takes the request's facts (`RequestFacts`: its host and public URLs).
    * `errors`: status -> what it means, for the document (a `(description, media type)` pair for a
      non-JSON answer); the framework's own (401, 406, 415, 429) and the guards' are added by the kind of row.
    * `published`: whether Attendee's published OpenAPI document has the operation (`x-published`).
    """

    use_case: str
    operation_id: str
    summary: str
    response: object = None
    status: int = 200
    returns: str = "Done."
    body: object = None
    body_read: str = FIRST
    query: tuple = ()
    all_query: bool = False
    paginated: bool = False
    page_size: int = PAGE_SIZE
    ordering: str = "created_at"
    ordering_param: str | None = None
    as_sent: str | None = None
    request: bool = False
    errors: dict = field(default_factory=dict)
    description: str | None = None
    published: bool = True


@dataclass(frozen=True)
class Endpoint:
    """A path and its operations by method.

    * `view_name`: what OPTIONS calls the real view (DRF's `get_view_name` of its class: `BotLeaveView` is
      `Bot Leave`); `serializer`: the view's `serializer_class` when it is a generic view (OPTIONS then
      describes it under `actions` for its POST and PUT).
    * `throttled`: every POST counts against the project's throttle (docs/contract/conventions.md#throttling), invalid
    ones too.
    * `resource`: what `<object_id>` names (its lookup answers the 404 of an `AFTER_LOOKUP` body).
    * `auth` (control rows): a project's token, the admin token (SANDBOX_ADMIN_TOKEN), or none.
    """

    rule: str
    operations: dict
    view_name: str = ""
    kind: str = ATTENDEE
    throttled: bool = False
    resource: str | None = None
    serializer: object = None
    auth: str = PROJECT_TOKEN
    description: str = ""

    @property
    def allow(self):
        """The `Allow` header: its methods, HEAD with GET, and OPTIONS, in DRF's order."""
        methods = set(self.operations) | {"OPTIONS"} | ({"HEAD"} if "GET" in self.operations else set())
        return ", ".join(method for method in METHOD_ORDER if method in methods)


def options_metadata(endpoint):
    """DRF's `SimpleMetadata` answer to OPTIONS: the view's name and description, what it renders and
    parses, and, for a generic view that allows POST or PUT, its serializer's fields under `actions`."""
    body = {"name": endpoint.view_name, "description": endpoint.description, "renders": RENDERS, "parses": PARSES}
    actions = {
        method: serializer_fields(endpoint.serializer)
        for method in ("PUT", "POST")
        if method in endpoint.operations and endpoint.serializer is not None
    }
    if actions:
        body["actions"] = actions
    return body


#: DRF's `SimpleMetadata.label_lookup` of the field kinds the serializers use; any other is "field".
_DRF_TYPES = {"CharField": "string", "DateTimeField": "datetime", "ChoiceField": "choice", "BooleanField": "boolean"}


def serializer_fields(schema):
    """`SimpleMetadata.get_serializer_info` of a response schema whose fields say which DRF field they are
    (`metadata["drf"]`, `read_only` for a model field DRF generates read-only, the model's `help_text`): per
    field its `type`, `required`, `read_only`, `label` (the name with spaces, first letter capitalised) and
    `help_text` when it has one."""
    info = {}
    for name, item in schema.fields.items():
        kind = item.metadata.get("drf")
        read_only = kind == "SerializerMethodField" or bool(item.metadata.get("read_only"))
        label = name.replace("_", " ")
        info[name] = {
            "type": _DRF_TYPES.get(kind, "field"),
            "required": not read_only,
            "read_only": read_only,
            "label": label[:1].upper() + label[1:],
        }
        if item.metadata.get("help_text"):
            info[name]["help_text"] = item.metadata["help_text"]
    return info


# -- query parameters -------------------------------------------------------------------------------------

DATETIME = {"type": "string", "format": "date-time"}
CURSOR = Param("cursor", "Opaque pagination cursor taken from `next` or `previous`.", arg="")
#: The page of the sandbox's own lists (sandbox.contract.pagination.control_page): newest first.
CONTROL_PAGE_QUERY = (
    CURSOR,
    Param(
        "limit",
        "Items per page: 100 by default, at most SANDBOX_PAGE_LIMIT (1000; a larger value gives pages of that size).",
        {"type": "integer", "minimum": 1},
    ),
)


def after_time(name, description, check=None):
    """A time filter; `check` parses it before the use case runs (else the use case parses it itself)."""
    return Param(name, description + " ISO 8601; a time without offset is UTC.", DATETIME, check=check)


LIST_BOTS_QUERY = (
    CURSOR,
    Param("meeting_url", "Exact match on the normalized meeting URL."),
    Param("deduplication_key", "Exact match on the deduplication key."),
    Param(
        "states",
        "Only bots in these states; repeat the parameter for several (case-sensitive).",
        {"type": "array", "items": shapes.enum(bot_bodies.LISTED_STATES)},
        many=True,
        check=bot_bodies.check_states,
    ),
    after_time("join_at_after", "Only bots whose `join_at` is strictly after this time.", parse_filter_datetime),
    after_time("join_at_before", "Only bots whose `join_at` is strictly before this time.", parse_filter_datetime),
)
ASYNC_ID = Param("async_transcription_id", "Use this async transcription instead of the real-time one.")

# -- what the operations answer ----------------------------------------------------------------------------

BOT_404 = 'Bot not found: `{"error":"Bot not found"}`.'
STORED_OR_DROPPED = "Not stored, as the real server would not store it."


def stored_or_dropped(schema, description):
    return (
        Answer(Attributed, 201, schema, description),
        Answer(Dropped, 200, shapes.DROPPED, STORED_OR_DROPPED),
    )


def bot_command(use_case, operation_id, summary, body, body_read, **extra):
    """A POST command of a bot in a meeting: an empty 200 once accepted."""
    errors = {400: "Invalid body, or the bot cannot do this now.", 404: BOT_404, **extra.pop("errors", {})}
    return Operation(
        use_case, operation_id, summary, returns="The request was accepted.", body=body, body_read=body_read,
        errors=errors, **extra,
    )


def bot_action(use_case, operation_id, summary, returns, refused, **extra):
    """A POST action of the bots API that answers the bot (its body is ignored)."""
    return Operation(
        use_case, operation_id, summary, shapes.BOT, returns=returns, errors={400: refused, 404: BOT_404},
        description=extra.pop("description", "The request body is ignored."), **extra,
    )


BOT = "/api/v1/bots/<object_id>"


def bot_route(suffix, view_name, operations, **extra):
    return Endpoint(f"{BOT}/{suffix}", operations, view_name, resource="bot", **extra)


def sandbox_bot_route(suffix, operations):
    return Endpoint(f"/sandbox/bots/<object_id>/{suffix}", operations, kind=CONTROL)



# -- calendars, calendar events and Zoom OAuth connections (docs/contract/calendars.md, zoom-oauth.md) ---------

CALENDAR_404 = 'Calendar not found: `{"error":"Calendar not found"}`.'
ZOOM_OAUTH_CONNECTION_404 = 'Not found: `{"error":"Zoom OAuth Connection not found"}`.'
CALENDAR_EVENT_DATES = " " + calendar_requests.DATE_FORMS + "."
CALENDAR_EVENTS_QUERY = (
    CURSOR,
    Param("calendar_id", "Exact match on the calendar's id; applies whenever present (even empty)."),
    Param("calendar_deduplication_key", "Exact match on the calendar's deduplication key; applies whenever present."),
    Param(
        "updated_at_gte",
        "`updated_at >= value`; when absent or empty, `updated_after` is read (whenever present: empty is an "
        "error too, and errors name `updated_at_gte`)." + CALENDAR_EVENT_DATES,
        DATETIME,
        check=calendar_requests.check_filter_time,
        alias="updated_after",
    ),
    Param("event_id", "Exact match on the event's id (`evt_...`); applies whenever present."),
    Param("start_time_gte", "`start_time >= value`; an empty value is an error." + CALENDAR_EVENT_DATES, DATETIME,
          check=calendar_requests.check_filter_time),
    Param("end_time_lte", "`end_time <= value`; an empty value is an error." + CALENDAR_EVENT_DATES, DATETIME,
          check=calendar_requests.check_end_time),
    Param(
        "ordering",
        "The order of the list; checked after the date filters (empty or unknown: an error).",
        shapes.enum(calendar_requests.CALENDAR_EVENT_ORDERINGS, default="-updated_at"),
        check=calendar_requests.check_ordering,
    ),
)

# -- the stand-ins for Google, Microsoft and Zoom (calendars.md#calendar-simulation, zoom-oauth.md#zoom-simulation)

SYNC = Param(
    "sync",
    "`true`: run a sync now and answer its report. Otherwise the sync runs when due: within 60 s of the "
    "project's clock, as after the provider's push notification.",
    {"type": "boolean", "default": False},
    check=providers.check_sync_flag,
)
REMOTE_EVENT_404 = "Calendar not found, or its remote calendar has no such event."


def sandbox_calendar_route(suffix, operations):
    return Endpoint(f"/sandbox/calendars/<object_id>/{suffix}", operations, kind=CONTROL)


def calendar_hook(use_case, operation_id, summary, returns, **extra):
    """A control hook on a calendar that answers what the sync did."""
    errors = {404: CALENDAR_404, **extra.pop("errors", {})}
    return Operation(use_case, operation_id, summary, shapes.CALENDAR_SYNC, returns=returns, errors=errors, **extra)


def remote_event_change(use_case, operation_id, summary, description, **extra):
    """A hook on one remote event: the event now, and the sync's report with `?sync=true`."""
    return Operation(
        use_case, operation_id, summary, extra.pop("response", shapes.REMOTE_EVENT_CHANGE),
        returns="The remote event now, and the sync's report with `?sync=true`.", query=(SYNC,),
        description=description, errors={404: REMOTE_EVENT_404, **extra.pop("errors", {})}, **extra,
    )


def sandbox_zoom_connection_route(suffix, operations):
    return Endpoint(f"/sandbox/zoom_oauth_connections/<object_id>/{suffix}", operations, kind=CONTROL)


NO_ZOOM_APP = "The project has no Zoom OAuth app."

# -- the table ---------------------------------------------------------------------------------------------

ENDPOINTS = (
    # ---- the Attendee bots API (docs/contract/bots-endpoints.md) ----
    Endpoint(
        "/api/v1/bots",
        {
            "GET": Operation(
                "bots.list_bots", "listBots", "List the project's bots.", shapes.BOT_PAGE, paginated=True,
                returns="A page of bots.", query=LIST_BOTS_QUERY,
                errors={400: "Invalid `states`, `join_at_after` or `join_at_before` value."},
            ),
            "POST": Operation(
                "bots.create_bot", "createBot", "Create a bot.", shapes.BOT, status=201,
                returns="The bot: `joining` with a `join_requested` event, or `scheduled` with no events.",
                body=bot_bodies.CREATE_BOT_BODY, as_sent="join_at",
                errors={
                    400: "Invalid fields, or a refused creation (credits, limits, deduplication, ...).",
                    500: ("Server error page for some malformed bodies (a JSON array or string, a non-string "
                          "`meeting_url`).", "text/html"),
                },
            ),
        },
        "Bot List Create", throttled=True, serializer=shapes.BOT,
    ),
    Endpoint(
        BOT,
        {
            "GET": Operation("bots.get_bot", "getBot", "Get a bot.", shapes.BOT, returns="The bot.",
                             errors={404: BOT_404}),
            "PATCH": Operation(
                "bots.patch_bot", "patchBot", "Update a bot.", shapes.BOT,
                returns="The updated bot; its state is unchanged.", body=bot_bodies.PATCH_BOT_BODY,
                body_read=AFTER_LOOKUP, as_sent="metadata",
                description="`metadata` can change in any state; the other fields only while `scheduled`.",
                errors={400: "Invalid fields, or a change only allowed while scheduled.", 404: BOT_404},
            ),
            "DELETE": Operation(
                "bots.delete_bot", "deleteBot", "Delete a scheduled bot.", returns="The bot was deleted.",
                errors={400: "The bot is not scheduled.", 404: BOT_404},
            ),
        },
        "Bot Detail", resource="bot",
    ),
    bot_route("leave", "Bot Leave", {"POST": bot_action(
        "bots.leave", "leaveBot", "Make the bot leave the meeting.",
        "The bot, now `leaving`, with a `leave_requested`/`user_requested` event.",
        "The bot is in a state that cannot leave.",
    )}),
    bot_route("transcript", "Transcript", {
        "GET": Operation(
            "meeting.get_transcript", "getTranscript", "Get the bot's transcript.", shapes.TRANSCRIPT,
            returns="Utterances with text, ordered by `timestamp_ms` (not paginated).",
            query=(
                after_time("updated_after", "Only utterances updated strictly after this time."),
                ASYNC_ID,
                Param("split_on_turns", "Re-split utterances at turn boundaries using word timings.",
                      {"type": "boolean"}, arg=""),
            ),
            errors={400: "Invalid `updated_after`, or the async transcription is not complete.",
                    404: "Bot, recording or async transcription not found."},
        ),
        "POST": Operation(
            "meeting.create_async_transcription", "createAsyncTranscription", "Start a post-meeting transcription.",
            shapes.ASYNC_TRANSCRIPTION, returns="The new transcription, `not_started`.",
            body=ASYNC_TRANSCRIPTION_BODY, body_read=IN_USE_CASE, published=False,
            errors={400: "Not enabled, bot not `ended`, no audio chunks, too many, or invalid settings.",
                    404: "Bot or recording not found."},
        ),
        "DELETE": Operation(
            "meeting.delete_transcript", "deleteTranscript", "Delete the bot's real-time (or one async) transcript.",
            returns="The utterances were deleted.", query=(
                Param("async_transcription_id", "Delete this async transcription's utterances instead."),
            ),
            published=False, errors={404: "Bot, recording or async transcription not found."},
        ),
    }),
    bot_route("recording", "Recording", {"GET": Operation(
        "meeting.recording_url", "getRecording", "Get a download URL of the bot's recording.", shapes.RECORDING,
        returns="A signed URL valid for 30 minutes.", request=True,
        errors={404: "Bot, recording or recording file not found."},
    )}),
    bot_route("chat_messages", "Chat Messages", {"GET": Operation(
        "meeting.list_chat_messages", "listChatMessages", "List the chat messages the bot received.",
        shapes.CHAT_MESSAGE_PAGE, paginated=True, returns="A page of chat messages.",
        query=(CURSOR, after_time("updated_after", "Only messages created strictly after this time.")),
        errors={400: "Invalid `updated_after`."},
    )}, serializer=shapes.CHAT_MESSAGE),
    bot_route("send_chat_message", "Send Chat Message", {"POST": bot_command(
        "commands.send_chat_message", "sendChatMessage", "Send a chat message.",
        command_bodies.CHAT_MESSAGE_BODY, AFTER_LOOKUP,
        errors={500: "The chat message request could not be created."},
    )}, throttled=True),
    bot_route("speech", "Speech", {"POST": bot_command(
        "commands.speech", "outputSpeech", "Speak text in the meeting.", command_bodies.SPEECH_BODY, AFTER_LOOKUP,
        request=True,
    )}, throttled=True),
    bot_route("output_audio", "Output Audio", {"POST": bot_command(
        "commands.output_audio", "outputAudio", "Play MP3 audio in the meeting.",
        command_bodies.OUTPUT_AUDIO_BODY, FIRST,
    )}, throttled=True),
    bot_route("output_image", "Output Image", {"POST": bot_command(
        "commands.output_image", "outputImage", "Show an image as the bot's video.",
        command_bodies.OUTPUT_IMAGE_BODY, IN_USE_CASE,
    )}, throttled=True),
    bot_route("output_video", "Output Video", {"POST": bot_command(
        "commands.output_video", "outputVideo", "Play an MP4 video in the meeting.",
        command_bodies.OUTPUT_VIDEO_BODY, AFTER_LOOKUP,
    )}, throttled=True),
    bot_route("delete_data", "Delete Data", {"POST": bot_action(
        "bots.delete_data", "deleteBotData", "Delete the bot's recording, transcript, participants and chat messages.",
        "The bot, now `data_deleted`.", "The bot is neither `ended` nor `fatal_error`, or deleting failed.",
        description="Metadata and events are kept. The request body is ignored.",
    )}),
    bot_route("pause_recording", "Pause Recording", {"POST": bot_action(
        "bots.pause_recording", "pauseRecording", "Pause the bot's recording.",
        "The bot, now `joined_recording_paused`.",
        "The bot cannot pause recording, or did not within about a second.",
    )}, throttled=True),
    bot_route("resume_recording", "Resume Recording", {"POST": bot_action(
        "bots.resume_recording", "resumeRecording", "Resume the bot's recording.", "The bot, now `joined_recording`.",
        "The bot cannot resume recording, or did not within about a second.",
    )}, throttled=True),
    bot_route("admit_from_waiting_room", "Admit From Waiting Room", {"POST": Operation(
        "commands.admit_from_waiting_room", "admitFromWaitingRoom", "Admit everyone from the Zoom waiting room.",
        returns="The request was accepted.", description="The request body is ignored.", published=False,
        errors={400: "Not a Zoom bot, not joined, or admitting failed.", 404: BOT_404},
    )}, throttled=True),
    bot_route("change_gallery_view_page", "Change Gallery View Page", {"POST": bot_command(
        "commands.change_gallery_view_page", "changeGalleryViewPage", "Show another page of the Zoom gallery view.",
        command_bodies.GALLERY_BODY, IN_USE_CASE, published=False,
        description="Zoom web SDK bots recording in gallery view only.",
    )}, throttled=True),
    bot_route("transcription_settings", "Transcription Settings", {"PATCH": Operation(
        "commands.update_transcription_settings", "updateTranscriptionSettings", "Change the closed-captions language.",
        returns="The settings were updated.", body=command_bodies.TRANSCRIPTION_SETTINGS_BODY, body_read=IN_USE_CASE,
        published=False,
        errors={400: "Invalid body, or the bot cannot change these settings now.", 404: BOT_404},
    )}),
    bot_route("voice_agent_settings", "Voice Agent Settings", {"PATCH": Operation(
        "commands.update_voice_agent_settings", "updateVoiceAgentSettings", "Change the voice agent page.",
        returns="The settings were updated.", body=command_bodies.VOICE_AGENT_SETTINGS_BODY, body_read=IN_USE_CASE,
        errors={400: "Invalid body, or the bot cannot change these settings now.", 404: BOT_404},
    )}),
    bot_route("participant_events", "Participant Events", {"GET": Operation(
        "meeting.list_participant_events", "listParticipantEvents", "List participant events.",
        shapes.PARTICIPANT_EVENT_PAGE, paginated=True, returns="A page of participant events.",
        query=(
            after_time("after", "Only events created strictly after this time."),
            after_time("before", "Only events created strictly before this time."),
            CURSOR,
        ),
        errors={400: "Invalid `after` or `before`."},
    )}, serializer=shapes.PARTICIPANT_EVENT),
    bot_route("participants", "Participants", {"GET": Operation(
        "meeting.list_participants", "listParticipants", "List the meeting's participants.",
        shapes.PARTICIPANT_PAGE, paginated=True, returns="A page of participants.",
        query=(
            CURSOR,
            Param("id", "Only the participant with this id.", arg="participant_id"),
            Param("is_host", "`true` or `false`, case-insensitive.", {"type": "boolean"}),
        ),
        errors={400: "Invalid `is_host`."},
    )}, serializer=shapes.PARTICIPANT),
    # ---- calendars, calendar events, Zoom OAuth connections (docs/contract/calendars.md, zoom-oauth.md) ----
    Endpoint(
        "/api/v1/calendars",
        {
            "GET": Operation(
                "calendars.list_calendars", "listCalendars", "List the project's calendars.", shapes.CALENDAR_PAGE,
                paginated=True, ordering="-created_at", returns="A page of calendars, newest first.",
                query=(
                    CURSOR,
                    Param("deduplication_key",
                          "Exact, case-sensitive match; applies whenever present (so an empty one matches none)."),
                ),
            ),
            "POST": Operation(
                "calendars.create_calendar", "createCalendar", "Connect a Google or Microsoft calendar.",
                shapes.CALENDAR, status=201, returns="The calendar, `connected` and never synced: its first sync is "
                "queued (the credentials are judged then).", body=calendar_requests.CREATE_CALENDAR_BODY,
                as_sent="metadata",
                errors={400: "Invalid or unknown fields, or the deduplication key is taken in the project."},
            ),
        },
        "Calendar List Create", throttled=True, serializer=shapes.CALENDAR,
    ),
    Endpoint(
        "/api/v1/calendars/<object_id>",
        {
            "GET": Operation("calendars.get_calendar", "getCalendar", "Get a calendar.", shapes.CALENDAR,
                             returns="The calendar.", errors={404: CALENDAR_404}),
            "PATCH": Operation(
                "calendars.patch_calendar", "patchCalendar", "Change a calendar's credentials or metadata.",
                shapes.CALENDAR, returns="The calendar; a sync is queued, even for `{}` (a disconnected calendar "
                "connects again if it succeeds).", body=calendar_requests.PATCH_CALENDAR_BODY,
                body_read=AFTER_LOOKUP, as_sent="metadata",
                errors={400: "Invalid or unknown fields (only client_secret, refresh_token and metadata).",
                        404: CALENDAR_404},
            ),
            "DELETE": Operation(
                "calendars.delete_calendar", "deleteCalendar", "Delete a calendar and its events.",
                returns="The calendar was deleted; its scheduled bots too (no webhook).", errors={404: CALENDAR_404},
            ),
        },
        "Calendar Detail Patch Delete", resource="calendar",
    ),
    Endpoint(
        "/api/v1/calendar_events",
        {"GET": Operation(
            "calendars.list_calendar_events", "listCalendarEvents", "List the events of the project's calendars.",
            shapes.CALENDAR_EVENT_PAGE, paginated=True, page_size=CALENDAR_EVENTS_PAGE_SIZE,
            ordering_param="ordering", returns="A page of events, deleted ones included, each with its bots.",
            query=CALENDAR_EVENTS_QUERY,
            errors={400: "An invalid date filter or `ordering` (the first in the order above)."},
        )},
        "Calendar Event List", serializer=shapes.CALENDAR_EVENT,
    ),
    Endpoint(
        "/api/v1/zoom_oauth_connections",
        {
            "GET": Operation(
                "zoom_oauth.list_connections", "listZoomOAuthConnections", "List the project's Zoom OAuth connections.",
                shapes.ZOOM_OAUTH_CONNECTION_PAGE, paginated=True, ordering="-created_at",
                returns="A page of connections, newest first.", query=(CURSOR,),
            ),
            "POST": Operation(
                "zoom_oauth.create_connection", "createZoomOAuthConnection",
                "Connect a Zoom user with an authorization code.", shapes.ZOOM_OAUTH_CONNECTION, status=201,
                returns="The connection, `connected` (the same one, updated, when the Zoom user already has one).",
                body=CREATE_ZOOM_OAUTH_CONNECTION_BODY, as_sent="metadata",
                errors={400: "Invalid fields, no such Zoom OAuth app, or the code exchange, the scopes or the user "
                        "refused."},
            ),
        },
        "Zoom O Auth Connection List Create", throttled=True, serializer=shapes.ZOOM_OAUTH_CONNECTION,
    ),
    Endpoint(
        "/api/v1/zoom_oauth_connections/<object_id>",
        {
            "GET": Operation("zoom_oauth.get_connection", "getZoomOAuthConnection", "Get a Zoom OAuth connection.",
                             shapes.ZOOM_OAUTH_CONNECTION, returns="The connection.",
                             errors={404: ZOOM_OAUTH_CONNECTION_404}),
            "DELETE": Operation(
                "zoom_oauth.delete_connection", "deleteZoomOAuthConnection", "Delete a Zoom OAuth connection.",
                returns="The connection was deleted (no webhook; bots are left alone).",
                errors={404: ZOOM_OAUTH_CONNECTION_404},
            ),
        },
        "Zoom O Auth Connection Detail Patch Delete", resource="zoom_oauth_connection",
    ),
    # ---- the sandbox's control plane (README, "Controlling the sandbox") ----
    Endpoint("/sandbox/projects", {"POST": Operation(
        "control.create_project", "sandbox_create_project", "Create an isolated project", shapes.PROJECT,
        status=201, returns="The project, with its credentials.", body=control_bodies.PROJECT_BODY,
        description="A new project with its own API key, webhook secret, clock, bots, journal and faults. "
        "Open unless SANDBOX_ADMIN_TOKEN is set.",
    )}, kind=CONTROL, auth=ADMIN_TOKEN),
    Endpoint("/sandbox/projects/<project_id>", {"PATCH": Operation(
        "control.update_project", "sandbox_update_project", "Change a project's fields and capabilities",
        shapes.PROJECT, returns="The project.", body=control_bodies.PROJECT_UPDATE_BODY,
        errors={404: "Not this key's project."},
        description="Authenticated with the project's own key (fixture projects too): any of the creation fields "
        "and the capabilities (credentials and organization flags) that decide how some requests end.",
    )}, kind=CONTROL),
    Endpoint("/sandbox/reset", {"POST": Operation(
        "control.reset", "sandbox_reset", "Restore the fixtures", shapes.RESET,
        returns="How many fixture projects and bots there are now.",
        description="Every project, bot, journal entry and fault is replaced by the bundled fixtures.",
    )}, kind=CONTROL, auth=ADMIN_TOKEN),
    Endpoint("/sandbox/scenarios", {"GET": Operation(
        "control.scenario_catalogue", "sandbox_scenarios", "The scenario catalogue", shapes.SCENARIO_CATALOGUE,
        returns="Every scenario.", description="Scenarios script what bots do by themselves; pick one per "
        "project or per bot (metadata `sandbox_scenario`).",
    )}, kind=CONTROL, auth=OPEN),
    Endpoint("/sandbox/clock", {"GET": Operation(
        "control.clock_view", "sandbox_clock", "The project's clock", shapes.CLOCK,
        returns="Now, on the project's clock.",
    )}, kind=CONTROL),
    Endpoint("/sandbox/clock/advance", {"POST": Operation(
        "control.advance_clock", "sandbox_advance_clock", "Time travel", shapes.CLOCK_ADVANCED,
        returns="The new clock and the events applied on the way.", body=control_bodies.ADVANCE_CLOCK_BODY,
        description="Moves the project's clock forward; every scripted step that falls due on the way is applied "
        "in time order, stamped with its due time, and its webhooks are sent.",
    )}, kind=CONTROL),
    sandbox_bot_route("events", {"POST": Operation(
        "control.inject_event", "sandbox_inject_event", "Apply a bot event now", shapes.BOT, returns="The bot.",
        body=control_bodies.INJECT_EVENT_BODY, errors={404: BOT_404},
        description="Through the state machine, as if the bot reported it (e.g. `meeting_ended`, `fatal_error` "
        "with a sub-type); the scenario's follow-up steps start as after a real one.",
    )}),
    sandbox_bot_route("advance", {"POST": Operation(
        "control.advance_bot", "sandbox_advance_bot", "Apply the bot's next scripted steps now", shapes.BOT_ADVANCED,
        returns="The bot, the steps applied and those left.", body=control_bodies.ADVANCE_BOT_BODY,
        errors={404: BOT_404},
    )}),
    sandbox_bot_route("steps", {"GET": Operation(
        "control.bot_steps", "sandbox_bot_steps", "The bot's scenario and pending steps", shapes.BOT_STEPS,
        returns="What the bot will do next, and when.", errors={404: BOT_404},
    )}),
    sandbox_bot_route("participants", {"POST": Operation(
        "meeting.add_participant", "sandbox_add_participant", "A participant joins the bot's meeting",
        shapes.PARTICIPANT, status=201, returns="The participant.", body=control_bodies.PARTICIPANT_BODY,
        errors={404: BOT_404},
    )}),
    Endpoint("/sandbox/bots/<object_id>/participants/<uuid>/events", {"POST": Operation(
        "meeting.participant_event", "sandbox_participant_event",
        "A participant event (join, leave, speech, host change)",
        (
            Answer(Attributed, 201, shapes.PARTICIPANT_EVENT, "The stored participant event."),
            Answer(dict, 200, shapes.PARTICIPANT, "`update`: the participant (never stored)."),
            Answer(Dropped, 200, shapes.DROPPED, "A speech event the bot's settings do not record."),
        ),
        body=control_bodies.PARTICIPANT_EVENT_BODY,
        errors={404: "Bot not found, or no participant with that uuid."},
    )}, kind=CONTROL),
    sandbox_bot_route("utterances", {"POST": Operation(
        "meeting.add_utterance", "sandbox_add_utterance", "Someone says something (a transcript.update)",
        stored_or_dropped(shapes.UTTERANCE, "The utterance, as GET /transcript shows it."),
        body=control_bodies.UTTERANCE_BODY, errors={404: BOT_404},
    )}),
    sandbox_bot_route("chat_messages", {"POST": Operation(
        "meeting.add_chat_message", "sandbox_add_chat_message", "Someone writes in the meeting chat",
        stored_or_dropped(shapes.CHAT_MESSAGE, "The message, as GET /chat_messages shows it."),
        body=control_bodies.CHAT_MESSAGE_BODY, errors={404: BOT_404},
    )}),
    sandbox_bot_route("audio_chunks", {"POST": Operation(
        "meeting.add_audio_chunk", "sandbox_add_audio_chunk", "The bot records a speaker's audio (no utterance)",
        stored_or_dropped(shapes.AUDIO_CHUNK, "The audio chunk."),
        body=control_bodies.AUDIO_CHUNK_BODY, errors={404: BOT_404},
        description="Per-speaker audio a bot records with real-time transcription off: an async transcription "
        "created later has one utterance per chunk.",
    )}),
    sandbox_bot_route("media", {"GET": Operation(
        "commands.media_requests", "sandbox_media_requests", "The bot's media requests", shapes.MEDIA_REQUESTS,
        returns="Oldest first, each in its state now.", errors={404: BOT_404},
    )}),
    sandbox_bot_route("media/start", {"POST": Operation(
        "commands.start_media", "sandbox_media_start", "The bot picks up its oldest enqueued media request",
        shapes.MEDIA_REQUEST, returns="The request, playing.", body=control_bodies.MEDIA_BODY,
        errors={404: BOT_404, 409: "Already playing a request of that type, or none enqueued."},
    )}),
    sandbox_bot_route("media/finish", {"POST": Operation(
        "commands.finish_media", "sandbox_media_finish", "The bot's playing media request ends",
        shapes.MEDIA_REQUEST, returns="The request, finished.", body=control_bodies.MEDIA_BODY,
        errors={404: BOT_404, 409: "Nothing of that type is playing."},
    )}),
    sandbox_bot_route("recording_file", {"POST": Operation(
        "meeting.upload_recording", "sandbox_recording_file", "The bot uploads its recording now",
        shapes.RECORDING_FILE, status=201, returns="The recording file.", body=control_bodies.RECORDING_FILE_BODY,
        errors={404: BOT_404},
    )}),
    Endpoint("/sandbox/requests", {
        "GET": Operation(
            "journal.list_requests", "sandbox_requests", "The project's /api/v1 requests, newest first",
            shapes.JOURNAL_PAGE, returns="A page of the request journal, with `count` and cursor links.",
            all_query=True, request=True,
            query=(
                Param("method", "Only this method."),
                Param("path", "Only this path; `*` matches one segment."),
                Param("status", "Only this status code.", {"type": "integer"}),
                *CONTROL_PAGE_QUERY,
            ),
            errors={400: "An unknown filter, a bad `status` or `limit`, or an invalid cursor."},
        ),
        "DELETE": Operation(
            "journal.clear_requests", "sandbox_clear_requests", "Forget the journal", shapes.DELETED,
            returns="How many entries went.",
        ),
    }, kind=CONTROL),
    Endpoint("/sandbox/faults", {
        "POST": Operation(
            "faults.add_fault", "sandbox_add_fault", "Inject a fault", shapes.FAULT, status=201, returns="The fault.",
            body=control_bodies.FAULT_BODY,
            description="The next matching /api/v1 requests of the project wait `delay_ms` and/or answer `status` "
            "with `body`, before anything changes. At most SANDBOX_DELAYED_REQUESTS_PER_PROJECT (32) requests of "
            "a project and SANDBOX_DELAYED_REQUESTS_LIMIT (128) in all wait at once; one more is answered 429 "
            '`{"error": ...}` at once, without running.',
        ),
        "GET": Operation("faults.list_faults", "sandbox_faults", "The project's live faults", shapes.FAULT_LIST,
                         returns="The faults."),
        "DELETE": Operation("faults.clear_faults", "sandbox_clear_faults", "Remove every fault", shapes.DELETED,
                            returns="How many went."),
    }, kind=CONTROL),
    Endpoint("/sandbox/faults/<fault_id>", {
        "GET": Operation("faults.get_fault", "sandbox_fault", "One fault", shapes.FAULT, returns="The fault.",
                         errors={404: '`{"error": "Fault not found"}`.'}),
        "DELETE": Operation("faults.remove_fault", "sandbox_remove_fault", "Remove one fault", shapes.DELETED,
                            returns='`{"deleted": 1}`.', errors={404: '`{"error": "Fault not found"}`.'}),
    }, kind=CONTROL),
    Endpoint("/sandbox/webhooks/deliveries", {"GET": Operation(
        "deliveries.list_deliveries", "sandbox_webhook_deliveries", "The project's webhook deliveries, newest first",
        shapes.DELIVERY_PAGE, request=True,
        returns="A page of deliveries, each with its payload, signature and attempts, with `count` and cursor links.",
        query=(
            Param("bot_id", "Only this bot's."),
            Param("calendar_id", "Only this calendar's."),
            Param("zoom_oauth_connection_id", "Only this Zoom OAuth connection's."),
            Param("trigger", "Only this trigger.", shapes.enum(shapes.TRIGGERS)),
            Param("status", "Only deliveries in this status.", shapes.enum(shapes.DELIVERY_STATUSES)),
            *CONTROL_PAGE_QUERY,
        ),
        errors={400: "An unknown `trigger` or `status`, a bad `limit`, or an invalid cursor."},
    )}, kind=CONTROL),
    Endpoint("/sandbox/webhooks/deliveries/<delivery_id>/redeliver", {"POST": Operation(
        "deliveries.redeliver", "sandbox_redeliver", "Send a settled delivery again", shapes.DELIVERY, status=202,
        returns="The delivery, pending again (same key and data, three more attempts).",
        errors={404: '`{"error": "Delivery not found"}`.', 409: "The delivery is still pending."},
    )}, kind=CONTROL),
    # ---- the stand-ins for Google and Microsoft (README, "Calendars and Zoom OAuth connections") ----
    sandbox_calendar_route("remote_events", {"GET": Operation(
        "calendars.remote_calendar_view", "sandbox_remote_calendar", "The calendar on the provider's side",
        shapes.REMOTE_CALENDAR, returns="Its remote events, the injected failures, whether its token is refused.",
        errors={404: CALENDAR_404},
    )}),
    sandbox_calendar_route("remote_events/<platform_uuid>", {
        "PUT": remote_event_change(
            "calendars.put_remote_event", "sandbox_put_remote_event", "The provider's calendar now has this event",
            "Created or changed (and no longer cancelled). The next sync creates or updates the calendar event; "
            "its scheduled bots follow a new start or URL.",
            response=(
                Answer(Created, 201, shapes.REMOTE_EVENT_CHANGE, "The event is new to the remote calendar."),
                Answer(dict, 200, shapes.REMOTE_EVENT_CHANGE, "The event was changed."),
            ),
            body=providers.REMOTE_EVENT_BODY,
            errors={404: CALENDAR_404, 409: "The remote calendar holds SANDBOX_REMOTE_EVENTS_PER_CALENDAR events."},
        ),
        "DELETE": remote_event_change(
            "calendars.delete_remote_event", "sandbox_delete_remote_event", "The event is gone from the provider",
            "Left out of the listing and a 404 by id: the next sync marks the calendar event deleted (if it starts "
            "inside the window) and deletes its scheduled bots.",
        ),
    }),
    sandbox_calendar_route("remote_events/<platform_uuid>/cancel", {"POST": remote_event_change(
        "calendars.cancel_remote_event", "sandbox_cancel_remote_event", "The provider lists the event as cancelled",
        "The next sync saves the calendar event with `is_deleted: true` and deletes its scheduled bots.",
    )}),
    sandbox_calendar_route("sync", {"POST": calendar_hook(
        "calendars.sync_now", "sandbox_sync_calendar", "Run a sync now",
        "What it did: the events created, updated or marked deleted, the bots changed, the webhook.",
        description="Over the real window (one day back, CALENDAR_SYNC_TIME_WINDOW_END_DAYS ahead, on the "
        "project's clock), through the real rules: injected failures and a refused token first.",
    )}),
    sandbox_calendar_route("sync_failures", {"POST": Operation(
        "calendars.add_sync_failures", "sandbox_calendar_sync_failures", "The next syncs fail",
        shapes.SYNC_FAILURES, returns="What was injected (replacing what was before).",
        body=providers.SYNC_FAILURES_BODY, errors={404: CALENDAR_404},
        description="`auth_error`: disconnected, scheduled bots deleted, `calendar.state_change` each time. "
        "`transient`: only `last_attempted_sync_at` moves, and the task retries (1, 2, 4 ... s, up to 6 times).",
    )}),
    sandbox_calendar_route("disconnect", {"POST": calendar_hook(
        "calendars.disconnect", "sandbox_disconnect_calendar", "An authentication failure now",
        "The sync's report: `auth_error`, the bots deleted, `calendar.state_change`.",
        body=providers.DISCONNECT_BODY,
    )}),
    sandbox_calendar_route("reconnect", {"POST": calendar_hook(
        "calendars.reconnect", "sandbox_reconnect_calendar", "The provider accepts the credentials again",
        "The report of the sync that ran: `connected` silently (`calendar.events_update` only if events changed).",
        description="Forgets a refused token and the injected failures, then syncs now.",
    )}),
    # ---- the stand-ins for Zoom and the dashboard's Zoom OAuth app ----
    Endpoint("/sandbox/zoom_oauth_app", {
        "GET": Operation("zoom_oauth.get_app", "sandbox_zoom_oauth_app", "The project's Zoom OAuth app",
                         shapes.ZOOM_OAUTH_APP, returns="The app.", errors={404: NO_ZOOM_APP}),
        "PUT": Operation(
            "zoom_oauth.put_app", "sandbox_put_zoom_oauth_app", "Make or change the project's Zoom OAuth app",
            (
                Answer(Created, 201, shapes.ZOOM_OAUTH_APP, "The new app."),
                Answer(dict, 200, shapes.ZOOM_OAUTH_APP, "The app, changed (same id)."),
            ),
            body=providers.ZOOM_APP_BODY,
            description="At most one per project. `POST /api/v1/zoom_oauth_connections` needs it, and it lets "
            "Zoom bots be created without Zoom credentials.",
        ),
        "DELETE": Operation(
            "zoom_oauth.delete_app", "sandbox_delete_zoom_oauth_app", "Delete the project's Zoom OAuth app",
            shapes.DELETED, returns='`{"deleted": 1}`.',
            errors={404: NO_ZOOM_APP, 409: "The app still has connections (the real foreign key protects them)."},
        ),
    }, kind=CONTROL),
    Endpoint("/sandbox/zoom_oauth_app/client_secret_changed", {"POST": Operation(
        "zoom_oauth.client_secret_changed", "sandbox_zoom_client_secret_changed",
        "The app's client secret was changed in the dashboard", shapes.ZOOM_OAUTH_RECONNECTED,
        returns="The connections reconnected.", errors={404: NO_ZOOM_APP},
        description="Reconnects the disconnected connections whose failure says `Invalid client_id or "
        "client_secret`, each with a `zoom_oauth_connection.state_change`.",
    )}, kind=CONTROL),
    Endpoint("/sandbox/zoom_oauth/codes/<authorization_code>", {"PUT": Operation(
        "zoom_oauth.put_code", "sandbox_put_zoom_oauth_code", "What exchanging an authorization code yields",
        shapes.ZOOM_OAUTH_CODE, returns="The registration.", body=providers.ZOOM_CODE_BODY,
        errors={409: "The project holds SANDBOX_ZOOM_OAUTH_CODES_PER_PROJECT codes."},
        description="Codes never registered succeed with every scope and an active user whose ids derive from "
        "the code.",
    )}, kind=CONTROL),
    sandbox_zoom_connection_route("auth_failure", {"POST": Operation(
        "zoom_oauth.auth_failure", "sandbox_zoom_auth_failure", "An authentication failure of the connection",
        shapes.ZOOM_OAUTH_CONNECTION_CHANGE, returns="The connection, and the webhook sent (none when it was "
        "already disconnected).", body=providers.ZOOM_AUTH_FAILURE_BODY,
        errors={404: ZOOM_OAUTH_CONNECTION_404},
        description="As if a meeting-list sync, a token refresh or a bot joining met `invalid_client`.",
    )}),
    sandbox_zoom_connection_route("sync_success", {"POST": Operation(
        "zoom_oauth.sync_success", "sandbox_zoom_sync_success", "A successful meeting-list sync or token refresh",
        shapes.ZOOM_OAUTH_CONNECTION_CHANGE, returns="The connection, `connected` (silently).",
        body=providers.ZOOM_SYNC_SUCCESS_BODY, errors={404: ZOOM_OAUTH_CONNECTION_404},
    )}),
)
