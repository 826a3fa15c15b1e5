"""The sandbox's own OpenAPI 3.0 document of the Attendee bots API (`/api/v1/bots...`).

The project owns this document: it is written here as plain Python data and never read from elsewhere.
It describes the shapes the real Attendee server returns (its published OpenAPI document, corrected where
the real server is known to differ), so that every `/api/v1` response of the sandbox can be validated
against it. Where the published document and the server disagree, the server's behaviour wins, but the
schemas here stay within the published shapes: a response that validates here also validates against
the published document, except for the few server facts it does not know (see `DIVERGENCES`).

Pure module: no Flask, no I/O. `build_openapi()` returns a fresh, independent dict on every call.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.contract.webhooks import TRIGGERS
from sandbox.contract import states

__all__ = [
    "API_PREFIX",
    "SANDBOX_PREFIX",
    "BOT_STATES",
    "APP_SESSION_STATES",
    "EVENT_TYPES",
    "EVENT_SUB_TYPES",
    "RECORDING_STATES",
    "TRANSCRIPTION_STATES",
    "ASYNC_TRANSCRIPTION_STATES",
    "WEBHOOK_TRIGGERS",
    "DIVERGENCES",
    "UndocumentedResponse",
    "build_openapi",
    "add_sandbox_paths",
    "find_operation",
    "find_response",
    "response_schema",
    "allowed_methods",
]

OPENAPI_VERSION = "3.0.3"
API_PREFIX = "/api/v1"
SANDBOX_PREFIX = "/sandbox"
SECURITY_SCHEME = "Token"

# --------------------------------------------------------------------------------------------------
# Enumerations (contract section 5)
# --------------------------------------------------------------------------------------------------

#: The vocabulary comes from the state machine and the webhooks, so the document cannot drift from them.
APP_SESSION_STATES = states.APP_SESSION_STATES
#: Bot states a bot can be in (contract 5.1), in the server's order. These are also the published enum.
BOT_STATES = tuple(state for state in states.BOT_STATES if state not in APP_SESSION_STATES)
#: Event sub-types by event type (contract 5.3). Events not listed here never carry a sub-type.
EVENT_SUB_TYPES = {
    event: tuple(sub for sub in subs if sub is not None) for event, subs in states.SUB_TYPES.items()
}
#: Event types of bots; the app-session events never occur on bots.
EVENT_TYPES = tuple(event for event in states.EVENT_TYPES if not event.startswith("app_session"))

#: Event sub-types that must be present on their event (every one but `leave_requested`, where legacy
#: events have none).
_SUB_TYPE_REQUIRED = tuple(event for event, subs in states.SUB_TYPES.items() if None not in subs)

RECORDING_STATES = states.RECORDING_STATES
TRANSCRIPTION_STATES = states.TRANSCRIPTION_STATES
ASYNC_TRANSCRIPTION_STATES = ("not_started", "in_progress", "complete", "failed")
WEBHOOK_TRIGGERS = TRIGGERS

#: Where this document deliberately departs from the published Attendee document, and why.
DIVERGENCES = (
    "Bot.events[].sub_type is omitted when absent, never null (contract 10.1); it is tied to its event type.",
    "Bot.transcription_state and Bot.recording_state are nullable (contract 10.11); the published "
    "document has them non-null, and the sandbox never returns null for API-created bots.",
    "ChatMessage.sender_name is nullable (contract 6.11); the published document has it non-null.",
    "Endpoints missing from the published document are documented (contract 10.13): POST/DELETE "
    "transcript, admit_from_waiting_room, change_gallery_view_page, transcription_settings.",
    "Statuses missing from the published document are documented (contract 10.14): 401, 406, 415, 429, "
    "empty 200 bodies, 200 (not 201) for async transcription creation, 500 of create and chat.",
    "Authentication is a Token security scheme instead of header parameters (contract 10.12).",
    "Response objects are closed (additionalProperties: false), lists always carry next and previous, "
    "ids, datetimes and some strings carry the patterns the server is known to produce.",
)

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Order of methods in DRF's `Allow` header.
_ALLOW_ORDER = ("get", "post", "put", "patch", "delete", "head", "options")

_API_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"


class UndocumentedResponse(LookupError):
    """The document has no operation for that method and path, or no response for that status."""


# --------------------------------------------------------------------------------------------------
# Small builders
# --------------------------------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(**extra: Any) -> dict:
    return {"type": "string", **extra}


def _id(prefix: str, description: str) -> dict:
    return _string(pattern=f"^{prefix}_[A-Za-z0-9]{{16}}$", description=description)


def _api_datetime(description: str, nullable: bool = False) -> dict:
    schema = _string(
        format="date-time",
        pattern=_API_DATETIME_PATTERN,
        description=description + " UTC with a `Z` suffix; six fractional digits unless they are zero.",
    )
    if nullable:
        schema["nullable"] = True
    return schema


def _nullable_enum(values: tuple, description: str) -> dict:
    # OAS 3.0.3: `nullable` only adds null to `type`; the enum must list null itself.
    return {"type": "string", "nullable": True, "enum": [*values, None], "description": description}


def _closed_object(properties: dict, required: list | tuple | None = None, **extra: Any) -> dict:
    schema = {"type": "object", "properties": properties}
    if required is None:
        required = list(properties)
    if required:
        schema["required"] = list(required)
    schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def _json_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _empty_response(description: str) -> dict:
    return {"description": description + " Empty body (Content-Length 0) and no Content-Type."}


def _error(description: str) -> dict:
    return _json_response(description, _ref("Error"))


def _bad_request(description: str) -> dict:
    """400 of a view that reads the body: its own errors, parse errors (`detail`) or field maps."""
    return _json_response(description, _ref("BadRequest"))


def _bot_not_found() -> dict:
    return _error('Bot not found: `{"error":"Bot not found"}`.')


def _bot_response(description: str) -> dict:
    return _json_response(description, _ref("Bot"))


def _query(name: str, description: str, schema: dict | None = None, **extra: Any) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or _string(), "description": description, **extra}


def _cursor_param() -> dict:
    return _query("cursor", "Opaque pagination cursor taken from `next` or `previous`.")


def _datetime_query(name: str, description: str) -> dict:
    return _query(name, description + " ISO 8601; a time without offset is UTC.", _string(format="date-time"))


def _json_body(schema: dict, required: bool = True, description: str | None = None) -> dict:
    body = {"required": required, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


# --------------------------------------------------------------------------------------------------
# Component schemas
# --------------------------------------------------------------------------------------------------


def _event_schemas() -> dict:
    without_sub_type = [t for t in EVENT_TYPES if t not in EVENT_SUB_TYPES]
    created_at = _api_datetime("When the event was created.")
    schemas = {
        "BotEventWithoutSubType": _closed_object(
            {
                "type": _string(enum=without_sub_type, description="Event type that never has a sub-type."),
                "created_at": created_at,
            },
            description="A bot event without a sub-type: the `sub_type` key is absent (never null).",
        )
    }
    for event_type, sub_types in EVENT_SUB_TYPES.items():
        name = "BotEvent" + "".join(part.capitalize() for part in event_type.split("_"))
        required = ["type", "created_at"] + (["sub_type"] if event_type in _SUB_TYPE_REQUIRED else [])
        schemas[name] = _closed_object(
            {
                "type": _string(enum=[event_type]),
                "created_at": dict(created_at),
                "sub_type": _string(enum=list(sub_types)),
            },
            required,
            description=f"A `{event_type}` event; its sub-type comes after `created_at`.",
        )
    schemas["BotEvent"] = {
        "description": "One event of a bot: `type`, `created_at` and, only when the event has one, `sub_type`.",
        "oneOf": [_ref(name) for name in schemas],
    }
    return schemas


def _paginated(item: str, description: str) -> dict:
    link = _string(nullable=True, format="uri", pattern="^https?://", description="Absolute URL of the page, or null.")
    return _closed_object(
        {
            "next": dict(link),
            "previous": dict(link),
            "results": {"type": "array", "items": _ref(item), "maxItems": 25},
        },
        description=description + " Cursor pagination, oldest first, 25 per page; there is no `count`.",
    )


def _response_schemas() -> dict:
    schemas = {
        "BotStateEnum": _string(enum=list(BOT_STATES), description="State of a bot."),
        "EventTypeEnum": _string(enum=list(EVENT_TYPES), description="Type of a bot event."),
        "EventSubTypeEnum": _string(
            enum=[s for subs in EVENT_SUB_TYPES.values() for s in subs],
            description="Sub-type of a bot event (only `could_not_join_meeting`, `fatal_error`, "
            "`leave_requested` and `recording_permission_denied` have one).",
        ),
        "RecordingStateEnum": _string(enum=list(RECORDING_STATES), description="State of the bot's recording."),
        "TranscriptionStateEnum": _string(
            enum=list(TRANSCRIPTION_STATES), description="State of the bot's real-time transcription."
        ),
        **_event_schemas(),
        "Bot": _closed_object(
            {
                "id": _id("bot", "Bot id."),
                "metadata": {
                    "type": "object",
                    "nullable": True,
                    "description": "Metadata given at creation or by PATCH; null when never set.",
                },
                "meeting_url": _string(minLength=1, description="The normalized meeting URL."),
                "state": _ref("BotStateEnum"),
                "events": {"type": "array", "items": _ref("BotEvent"), "description": "Events, oldest first."},
                "transcription_state": _nullable_enum(
                    TRANSCRIPTION_STATES, "Transcription state of the default recording (null only without one)."
                ),
                "recording_state": _nullable_enum(
                    RECORDING_STATES, "State of the default recording (null only without one)."
                ),
                "join_at": _api_datetime("When a scheduled bot joins; null for immediate bots.", nullable=True),
                "deduplication_key": _string(nullable=True, description="Deduplication key, or null."),
            },
            description="A meeting bot. All nine fields are always present, in this order.",
        ),
        "PaginatedBotList": _paginated("Bot", "A page of bots."),
        "Transcription": {
            "type": "object",
            "required": ["transcript"],
            "properties": {
                "transcript": _string(minLength=1, description="The text; empty utterances are never listed."),
                "words": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "Word timings, when the provider gives them.",
                },
            },
            "description": "The stored transcription of an utterance.",
        },
        "TranscriptUtterance": _closed_object(
            {
                "speaker_name": _string(nullable=True),
                "speaker_uuid": _string(),
                "speaker_user_uuid": _string(nullable=True),
                "speaker_is_host": {"type": "boolean", "description": "The speaker's current host status."},
                "timestamp_ms": {"type": "integer", "description": "Start, in epoch milliseconds."},
                "duration_ms": {"type": "integer", "minimum": 0},
                "transcription": _ref("Transcription"),
            },
            description="One transcribed utterance.",
        ),
        "Recording": _closed_object(
            {
                "url": _string(minLength=1, description="Short-lived signed URL of the recording file."),
                "start_timestamp_ms": {
                    "type": "integer",
                    "nullable": True,
                    "description": "Epoch milliseconds of the first media buffer, or null.",
                },
            },
            description="Where to download the bot's recording.",
        ),
        "ChatMessage": _closed_object(
            {
                "id": _id("msg", "Chat message id."),
                "text": _string(),
                "timestamp_ms": {"type": "integer", "description": "`timestamp` times 1000."},
                "timestamp": {"type": "integer", "description": "Epoch seconds."},
                "to": _string(enum=["only_bot", "everyone"]),
                "sender_name": _string(nullable=True),
                "sender_uuid": _string(),
                "sender_user_uuid": _string(nullable=True),
                "additional_data": {"type": "object"},
            },
            description="A chat message received by the bot.",
        ),
        "PaginatedChatMessageList": _paginated("ChatMessage", "A page of chat messages."),
        "Participant": _closed_object(
            {
                "id": _id("par", "Participant id."),
                "name": _string(nullable=True),
                "uuid": _string(),
                "user_uuid": _string(nullable=True),
                "is_host": {"type": "boolean"},
            },
            description="A meeting participant other than the bot.",
        ),
        "PaginatedParticipantList": _paginated("Participant", "A page of participants."),
        "ParticipantEvent": _closed_object(
            {
                "id": _id("pe", "Participant event id."),
                "participant_name": _string(nullable=True),
                "participant_uuid": _string(),
                "participant_user_uuid": _string(nullable=True),
                "participant_is_host": {"type": "boolean"},
                "event_type": _string(enum=["join", "leave", "speech_start", "speech_stop"]),
                "event_data": {"type": "object"},
                "timestamp_ms": {"type": "integer", "description": "Epoch milliseconds."},
            },
            description="A participant joining, leaving, or starting or stopping speech.",
        ),
        "PaginatedParticipantEventList": _paginated("ParticipantEvent", "A page of participant events."),
        "AsyncTranscription": _closed_object(
            {
                "bot_id": _id("bot", "The bot transcribed."),
                "id": _id("tran", "Async transcription id."),
                "created_at": _api_datetime("Creation time."),
                "updated_at": _api_datetime("Last update time."),
                "state": _string(enum=list(ASYNC_TRANSCRIPTION_STATES)),
                "failure_data": {"type": "object", "nullable": True, "description": "Why it failed, or null."},
            },
            description="A post-meeting transcription of a bot's recording.",
        ),
        "Error": _closed_object(
            {
                "error": _string(description="Human-readable message."),
                "raw_error": _string(description="Underlying decoder error (output_audio only)."),
            },
            ["error"],
            description='A hand-written error of the server: `{"error": "..."}`.',
        ),
        "Detail": _closed_object(
            {"detail": _string(description="Human-readable message.")},
            description='A framework error (auth, negotiation, parsing, throttling, cursor): `{"detail": "..."}`.',
        ),
        "FieldErrors": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
            },
            "description": "Serializer validation errors: field name (or `non_field_errors`) to a list of "
            "messages, or to a nested map of the same kind.",
        },
        "BadRequest": {
            "description": "Any 400 body of a view that reads its request body.",
            "anyOf": [_ref("Error"), _ref("Detail"), _ref("FieldErrors")],
        },
        "OptionsMetadata": {
            "type": "object",
            "required": ["name", "description", "renders", "parses"],
            "properties": {
                "name": _string(),
                "description": _string(),
                "renders": {"type": "array", "items": _string()},
                "parses": {"type": "array", "items": _string()},
                "actions": {"type": "object"},
            },
            "description": "Metadata of a view, answered to OPTIONS.",
        },
    }
    return schemas


def _request_schemas() -> dict:
    https = "^https://.*"
    return {
        "BotImage": _closed_object(
            {
                "type": _string(enum=["image/png", "image/jpeg"]),
                "data": _string(minLength=1, description="Base64 image data."),
            },
            description="An image for the bot.",
        ),
        "BotChatMessageRequest": _closed_object(
            {
                "to": _string(enum=["everyone", "specific_user", "everyone_but_host"], default="everyone"),
                "to_user_uuid": _string(
                    nullable=True, maxLength=255, description="Only (and then required) with `to: specific_user`."
                ),
                "message": _string(minLength=1, maxLength=10000, description="No emoji or characters above U+FFFF."),
            },
            ["message"],
            description="A chat message for the bot to send.",
        ),
        "WebhookSubscription": _closed_object(
            {
                "url": _string(pattern=https),
                "triggers": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _string(enum=list(WEBHOOK_TRIGGERS))},
            },
            description="A bot-level webhook (at most two per bot).",
        ),
        "RecordingSettings": _closed_object(
            {
                "format": _string(enum=["mp4", "mp3", "none"], default="mp4"),
                "view": _string(enum=["speaker_view", "gallery_view", "speaker_view_no_sidebar"], default="speaker_view"),
                "resolution": _string(enum=["1080p", "720p"], default="1080p"),
                "record_chat_messages_when_paused": {"type": "boolean", "default": False},
                "record_async_transcription_audio_chunks": {"type": "boolean", "default": False},
                "record_participant_speech_start_stop_events": {"type": "boolean", "default": False},
                "reserve_additional_storage": {"type": "boolean", "default": False},
            },
            [],
            description="Recording settings; missing keys take their defaults.",
        ),
        "TranscriptionSettings": {
            "type": "object",
            "properties": {
                provider: {"type": "object"}
                for provider in (
                    "deepgram",
                    "gladia",
                    "openai",
                    "assembly_ai",
                    "meeting_closed_captions",
                    "sarvam",
                    "elevenlabs",
                    "kyutai",
                    "custom_async",
                    "custom_async_v2",
                )
            },
            "additionalProperties": False,
            "description": "Transcription provider and its options, e.g. `{\"deepgram\": {\"language\": \"multi\"}}`.",
        },
        "CreateBotRequest": _closed_object(
            {
                "meeting_url": _string(minLength=1, description="Zoom, Google Meet or Teams URL; normalized."),
                "bot_name": _string(minLength=1, maxLength=255),
                "bot_image": _ref("BotImage"),
                "metadata": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": _string(),
                    "description": "String values only; at most 1000 characters as JSON; null is refused.",
                },
                "bot_chat_message": _ref("BotChatMessageRequest"),
                "join_at": _string(format="date-time", description="Schedule the bot; not in the past, within 3 years."),
                "calendar_event_id": _string(minLength=1),
                "deduplication_key": _string(minLength=1),
                "webhooks": {"type": "array", "items": _ref("WebhookSubscription")},
                "callback_settings": _closed_object({"zoom_tokens_url": _string(pattern=https)}, []),
                "external_media_storage_settings": _closed_object(
                    {"bucket_name": _string(), "recording_file_name": _string()}, ["bucket_name"]
                ),
                "voice_agent_settings": _closed_object(
                    {"url": _string(), "screenshare_url": _string(), "reserve_resources": {"type": "boolean", "default": False}},
                    [],
                ),
                "transcription_settings": _ref("TranscriptionSettings"),
                "websocket_settings": _closed_object(
                    {
                        "audio": {"type": "object", "required": ["url"]},
                        "per_participant_audio": {"type": "object", "required": ["url"]},
                        "per_participant_video": {"type": "object", "required": ["url"]},
                    },
                    [],
                ),
                "rtmp_settings": {
                    "type": "object",
                    "required": ["destination_url", "stream_key"],
                    "properties": {"destination_url": _string(pattern="^rtmps?://"), "stream_key": _string()},
                },
                "recording_settings": _ref("RecordingSettings"),
                "google_meet_settings": _closed_object(
                    {
                        "use_login": {"type": "boolean", "default": False},
                        "login_mode": _string(enum=["always", "only_if_required"], default="always"),
                        "ui_interaction_mode": _string(enum=["robotic", "humanized"]),
                        "login_group_name": _string(nullable=True),
                    },
                    [],
                ),
                "teams_settings": _closed_object(
                    {
                        "use_login": {"type": "boolean", "default": False},
                        "login_mode": _string(enum=["always", "only_if_required"], default="always"),
                        "login_group_name": _string(nullable=True),
                    },
                    [],
                ),
                "zoom_settings": _closed_object(
                    {
                        "sdk": _string(enum=["web", "native"], default="native"),
                        "meeting_settings": {"type": "object", "additionalProperties": {"type": "boolean"}},
                        "onbehalf_token": {"type": "object"},
                    },
                    [],
                ),
                "debug_settings": _closed_object({"create_debug_recording": {"type": "boolean"}}, []),
                "automatic_leave_settings": {
                    "type": "object",
                    "properties": {
                        key: {"type": "integer", "minimum": 1}
                        for key in (
                            "silence_timeout_seconds",
                            "silence_activate_after_seconds",
                            "only_participant_in_meeting_timeout_seconds",
                            "wait_for_host_to_start_meeting_timeout_seconds",
                            "waiting_room_timeout_seconds",
                            "max_uptime_seconds",
                            "enable_closed_captions_timeout_seconds",
                            "authorized_user_not_in_meeting_timeout_seconds",
                        )
                    }
                    | {"bot_keywords": {"type": "array", "nullable": True, "items": _string()}},
                    "additionalProperties": False,
                },
                "kubernetes_settings": _closed_object({"bot_pod_spec_type": _string(pattern="^[A-Z]+$")}, []),
            },
            ["meeting_url", "bot_name"],
            description="Creates a bot. Unknown fields are refused.",
        ),
        "PatchBotRequest": {
            "type": "object",
            "properties": {
                "join_at": _string(format="date-time"),
                "meeting_url": _string(minLength=1),
                "metadata": {"type": "object", "minProperties": 1, "additionalProperties": _string()},
                "bot_name": _string(minLength=1),
                "bot_image": _ref("BotImage"),
                "recording_settings": _ref("RecordingSettings"),
            },
            "description": "Only `metadata` may change outside the scheduled state; unknown fields are ignored.",
        },
        "AsyncTranscriptionRequest": _closed_object(
            {"transcription_settings": _ref("TranscriptionSettings")},
            description="Settings of a post-meeting transcription.",
        ),
        "SpeechRequest": _closed_object(
            {
                "text": _string(minLength=1),
                "text_to_speech_settings": _closed_object(
                    {
                        "google": _closed_object(
                            {"voice_language_code": _string(), "voice_name": _string()},
                        )
                    },
                ),
            },
            description="Text for the bot to speak with Google text-to-speech.",
        ),
        "OutputAudioRequest": _closed_object(
            {"type": _string(enum=["audio/mp3"]), "data": _string(description="Base64 MP3 data.")},
            description="Audio for the bot to play.",
        ),
        "OutputVideoRequest": _closed_object(
            {
                "url": _string(format="uri", pattern=r"^https://.*\.mp4$"),
                "loop": {"type": "boolean", "default": False},
                "mute_video": {"type": "boolean", "default": False},
            },
            ["url"],
            description="An MP4 video for the bot to play.",
        ),
        "ChangeGalleryViewPageRequest": _closed_object(
            {"direction": _string(enum=["next", "previous"], default="next")},
            [],
            description="Which gallery page to show; anything but `next` means previous.",
        ),
        "TranscriptionSettingsPatchRequest": _closed_object(
            {
                "transcription_settings": _closed_object(
                    {
                        "meeting_closed_captions": {
                            "type": "object",
                            "properties": {"teams_language": _string(), "google_meet_language": _string()},
                            "minProperties": 1,
                            "maxProperties": 1,
                            "additionalProperties": False,
                        }
                    }
                )
            },
            description="New closed-captions language: exactly one of `teams_language`, `google_meet_language`.",
        ),
        "VoiceAgentSettingsPatchRequest": _closed_object(
            {
                "url": _string(description='Voice agent page shown as webcam; "" turns it off.'),
                "screenshare_url": _string(description='Voice agent page shown as screenshare; "" turns it off.'),
            },
            [],
            description="New voice agent page; not both.",
        ),
    }


def _components() -> dict:
    return {
        "securitySchemes": {
            SECURITY_SCHEME: {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Authorization: Token <api key>` (the word `Token` is case-insensitive).",
            }
        },
        "schemas": {**_response_schemas(), **_request_schemas()},
    }


# --------------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------------


def _standard_responses(throttled: bool, reads_body: bool) -> dict:
    responses = {
        "401": _json_response(
            "Missing, malformed, unknown or disabled API key.",
            _ref("Detail"),
            headers={"WWW-Authenticate": {"schema": _string(enum=["Token"]), "description": "Always `Token`."}},
        ),
        "406": _json_response("The Accept header cannot be satisfied.", _ref("Detail")),
    }
    if reads_body:
        responses["415"] = _json_response("The request body has an unsupported content type.", _ref("Detail"))
    if throttled:
        responses["429"] = _json_response(
            "Too many POST requests for the project.",
            _ref("Detail"),
            headers={"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
        )
    return responses


def _operation(
    operation_id: str,
    summary: str,
    responses: dict,
    *,
    description: str | None = None,
    parameters: list | None = None,
    request_body: dict | None = None,
    throttled: bool = False,
    reads_body: bool = False,
    published: bool = True,
) -> dict:
    op = {"operationId": operation_id, "summary": summary, "tags": ["Bots"]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if request_body:
        op["requestBody"] = request_body
    all_responses = {**responses, **_standard_responses(throttled, reads_body)}
    op["responses"] = {status: all_responses[status] for status in sorted(all_responses)}
    op["security"] = [{SECURITY_SCHEME: []}]
    op["x-throttled"] = throttled
    op["x-published"] = published
    return op


def _head_of(get: dict) -> dict:
    """HEAD answers exactly like GET, without a body."""
    head = {
        "operationId": "head" + get["operationId"][0].upper() + get["operationId"][1:],
        "summary": "Headers of: " + get["summary"],
        "tags": list(get["tags"]),
    }
    if "parameters" in get:
        head["parameters"] = [dict(p) for p in get["parameters"]]
    head["responses"] = {}
    for status, response in get["responses"].items():
        head["responses"][status] = {"description": response["description"] + " (no body for HEAD)"}
        if "headers" in response:
            head["responses"][status]["headers"] = response["headers"]
    head["security"] = [{SECURITY_SCHEME: []}]
    head["x-throttled"] = False
    head["x-published"] = False
    return head


def _options(operation_id: str) -> dict:
    return {
        "operationId": operation_id,
        "summary": "Describe the view (DRF metadata).",
        "tags": ["Bots"],
        "responses": {
            "200": _json_response("Name, description, renderers and parsers of the view.", _ref("OptionsMetadata")),
            **_standard_responses(throttled=False, reads_body=False),
        },
        "security": [{SECURITY_SCHEME: []}],
        "x-throttled": False,
        "x-published": False,
    }


def _object_id_param() -> dict:
    return {
        "name": "object_id",
        "in": "path",
        "required": True,
        "schema": _string(),
        "description": "Bot id, e.g. `bot_D5zWNQV3GFhR84VM`.",
    }


def _bot_paths() -> dict:
    bots = API_PREFIX + "/bots"
    bot = bots + "/{object_id}"
    not_found_or_cursor = _json_response(
        'Bot not found (`{"error":"Bot not found"}`) or invalid cursor (`{"detail":"Invalid cursor"}`).',
        {"anyOf": [_ref("Error"), _ref("Detail")]},
    )
    paths: dict[str, dict] = {}

    # -- /bots --------------------------------------------------------------------------------------
    paths[bots] = {
        "get": _operation(
            "listBots",
            "List the project's bots.",
            {
                "200": _json_response("A page of bots.", _ref("PaginatedBotList")),
                "400": _error("Invalid `states`, `join_at_after` or `join_at_before` value."),
                "404": _json_response('Invalid cursor: `{"detail":"Invalid cursor"}`.', _ref("Detail")),
            },
            parameters=[
                _cursor_param(),
                _query("meeting_url", "Exact match on the normalized meeting URL."),
                _query("deduplication_key", "Exact match on the deduplication key."),
                _query(
                    "states",
                    "Only bots in these states; repeat the parameter for several (case-sensitive).",
                    {"type": "array", "items": _string(enum=[*BOT_STATES, *APP_SESSION_STATES])},
                    style="form",
                    explode=True,
                ),
                _datetime_query("join_at_after", "Only bots whose `join_at` is strictly after this time."),
                _datetime_query("join_at_before", "Only bots whose `join_at` is strictly before this time."),
            ],
        ),
        "post": _operation(
            "createBot",
            "Create a bot.",
            {
                "201": _bot_response("The bot: `joining` with a `join_requested` event, or `scheduled` with no events."),
                "400": _bad_request("Invalid fields, or a refused creation (credits, limits, deduplication, ...)."),
                "500": {
                    "description": "Server error page for some malformed bodies (a JSON array or string, a "
                    "non-string `meeting_url`).",
                    "content": {"text/html": {"schema": _string()}},
                },
            },
            request_body=_json_body(_ref("CreateBotRequest")),
            throttled=True,
            reads_body=True,
        ),
    }

    # -- /bots/{object_id} --------------------------------------------------------------------------
    paths[bot] = {
        "get": _operation(
            "getBot", "Get a bot.", {"200": _bot_response("The bot."), "404": _bot_not_found()}
        ),
        "patch": _operation(
            "patchBot",
            "Update a bot.",
            {
                "200": _bot_response("The updated bot; its state is unchanged."),
                "400": _bad_request("Invalid fields, or a change only allowed while scheduled."),
                "404": _bot_not_found(),
            },
            description="`metadata` can change in any state; the other fields only while `scheduled`.",
            request_body=_json_body(_ref("PatchBotRequest"), required=False),
            reads_body=True,
        ),
        "delete": _operation(
            "deleteBot",
            "Delete a scheduled bot.",
            {
                "200": _empty_response("The bot was deleted."),
                "400": _error("The bot is not scheduled."),
                "404": _bot_not_found(),
            },
        ),
    }

    # -- POST actions that return the bot -----------------------------------------------------------
    paths[bot + "/leave"] = {
        "post": _operation(
            "leaveBot",
            "Make the bot leave the meeting.",
            {
                "200": _bot_response("The bot, now `leaving`, with a `leave_requested`/`user_requested` event."),
                "400": _error("The bot is in a state that cannot leave."),
                "404": _bot_not_found(),
            },
            description="The request body is ignored.",
        )
    }
    paths[bot + "/delete_data"] = {
        "post": _operation(
            "deleteBotData",
            "Delete the bot's recording, transcript, participants and chat messages.",
            {
                "200": _bot_response("The bot, now `data_deleted`."),
                "400": _error("The bot is neither `ended` nor `fatal_error`, or deleting failed."),
                "404": _bot_not_found(),
            },
            description="Metadata and events are kept. The request body is ignored.",
        )
    }
    for action, verb, state in (("pause", "Pause", "joined_recording_paused"), ("resume", "Resume", "joined_recording")):
        paths[f"{bot}/{action}_recording"] = {
            "post": _operation(
                f"{action}Recording",
                f"{verb} the bot's recording.",
                {
                    "200": _bot_response(f"The bot, now `{state}`."),
                    "400": _error(f"The bot cannot {action} recording, or did not within about a second."),
                    "404": _bot_not_found(),
                },
                description="The request body is ignored.",
                throttled=True,
            )
        }

    # -- transcript ---------------------------------------------------------------------------------
    async_id = _query("async_transcription_id", "Use this async transcription instead of the real-time one.")
    paths[bot + "/transcript"] = {
        "get": _operation(
            "getTranscript",
            "Get the bot's transcript.",
            {
                "200": _json_response(
                    "Utterances with text, ordered by `timestamp_ms` (not paginated).",
                    {"type": "array", "items": _ref("TranscriptUtterance")},
                ),
                "400": _error("Invalid `updated_after`, or the async transcription is not complete."),
                "404": _error("Bot, recording or async transcription not found."),
            },
            parameters=[
                _datetime_query("updated_after", "Only utterances updated strictly after this time."),
                async_id,
                _query("split_on_turns", "Re-split utterances at turn boundaries using word timings.", {"type": "boolean"}),
            ],
        ),
        "post": _operation(
            "createAsyncTranscription",
            "Start a post-meeting transcription.",
            {
                "200": _json_response("The new transcription, `not_started`.", _ref("AsyncTranscription")),
                "400": _bad_request("Not enabled, bot not `ended`, no audio chunks, too many, or invalid settings."),
                "404": _error("Bot or recording not found."),
            },
            request_body=_json_body(_ref("AsyncTranscriptionRequest")),
            reads_body=True,
            published=False,
        ),
        "delete": _operation(
            "deleteTranscript",
            "Delete the bot's real-time (or one async) transcript.",
            {
                "200": _empty_response("The utterances were deleted."),
                "404": _error("Bot, recording or async transcription not found."),
            },
            parameters=[_query("async_transcription_id", "Delete this async transcription's utterances instead.")],
            published=False,
        ),
    }

    # -- recording ----------------------------------------------------------------------------------
    paths[bot + "/recording"] = {
        "get": _operation(
            "getRecording",
            "Get a download URL of the bot's recording.",
            {
                "200": _json_response("A signed URL valid for 30 minutes.", _ref("Recording")),
                "404": _error("Bot, recording or recording file not found."),
            },
        )
    }

    # -- paginated lists ----------------------------------------------------------------------------
    paths[bot + "/chat_messages"] = {
        "get": _operation(
            "listChatMessages",
            "List the chat messages the bot received.",
            {
                "200": _json_response("A page of chat messages.", _ref("PaginatedChatMessageList")),
                "400": _error("Invalid `updated_after`."),
                "404": not_found_or_cursor,
            },
            parameters=[_cursor_param(), _datetime_query("updated_after", "Only messages created strictly after this time.")],
        )
    }
    paths[bot + "/participant_events"] = {
        "get": _operation(
            "listParticipantEvents",
            "List participant events.",
            {
                "200": _json_response("A page of participant events.", _ref("PaginatedParticipantEventList")),
                "400": _error("Invalid `after` or `before`."),
                "404": dict(not_found_or_cursor),
            },
            parameters=[
                _datetime_query("after", "Only events created strictly after this time."),
                _datetime_query("before", "Only events created strictly before this time."),
                _cursor_param(),
            ],
        )
    }
    paths[bot + "/participants"] = {
        "get": _operation(
            "listParticipants",
            "List the meeting's participants.",
            {
                "200": _json_response("A page of participants.", _ref("PaginatedParticipantList")),
                "400": _error("Invalid `is_host`."),
                "404": dict(not_found_or_cursor),
            },
            parameters=[
                _cursor_param(),
                _query("id", "Only the participant with this id."),
                _query("is_host", "`true` or `false`, case-insensitive.", {"type": "boolean"}),
            ],
        )
    }

    # -- media and chat (empty 200) -----------------------------------------------------------------
    media = (
        ("send_chat_message", "sendChatMessage", "Send a chat message.", "BotChatMessageRequest", "", True, True),
        ("speech", "outputSpeech", "Speak text in the meeting.", "SpeechRequest", "", True, True),
        ("output_audio", "outputAudio", "Play MP3 audio in the meeting.", "OutputAudioRequest", "", True, True),
        ("output_image", "outputImage", "Show an image as the bot's video.", "BotImage", "", True, True),
        ("output_video", "outputVideo", "Play an MP4 video in the meeting.", "OutputVideoRequest", "", True, True),
        (
            "change_gallery_view_page",
            "changeGalleryViewPage",
            "Show another page of the Zoom gallery view.",
            "ChangeGalleryViewPageRequest",
            "Zoom web SDK bots recording in gallery view only.",
            True,
            False,
        ),
    )
    for action, operation_id, summary, body, description, throttled, published in media:
        responses = {
            "200": _empty_response("The request was accepted."),
            "400": _bad_request("Invalid body, or the bot cannot do this now."),
            "404": _bot_not_found(),
        }
        if action == "send_chat_message":
            responses["500"] = _error("The chat message request could not be created.")
        paths[f"{bot}/{action}"] = {
            "post": _operation(
                operation_id,
                summary,
                responses,
                description=description or None,
                request_body=_json_body(_ref(body), required=action != "change_gallery_view_page"),
                throttled=throttled,
                reads_body=True,
                published=published,
            )
        }
    paths[bot + "/admit_from_waiting_room"] = {
        "post": _operation(
            "admitFromWaitingRoom",
            "Admit everyone from the Zoom waiting room.",
            {
                "200": _empty_response("The request was accepted."),
                "400": _error("Not a Zoom bot, not joined, or admitting failed."),
                "404": _bot_not_found(),
            },
            description="The request body is ignored.",
            throttled=True,
            published=False,
        )
    }

    # -- PATCH settings (empty 200) -----------------------------------------------------------------
    for action, operation_id, summary, body, published in (
        (
            "transcription_settings",
            "updateTranscriptionSettings",
            "Change the closed-captions language.",
            "TranscriptionSettingsPatchRequest",
            False,
        ),
        (
            "voice_agent_settings",
            "updateVoiceAgentSettings",
            "Change the voice agent page.",
            "VoiceAgentSettingsPatchRequest",
            True,
        ),
    ):
        paths[f"{bot}/{action}"] = {
            "patch": _operation(
                operation_id,
                summary,
                {
                    "200": _empty_response("The settings were updated."),
                    "400": _bad_request("Invalid body, or the bot cannot change these settings now."),
                    "404": _bot_not_found(),
                },
                request_body=_json_body(_ref(body)),
                reads_body=True,
                published=published,
            )
        }

    # -- HEAD, OPTIONS and the path parameter -------------------------------------------------------
    for template, item in paths.items():
        if "get" in item:
            item["head"] = _head_of(item["get"])
        words = ["bot" if part == "{object_id}" else part for part in template[len(bots):].split("/") if part]
        item["options"] = _options("options" + "".join(w.capitalize() for p in words or ["bots"] for w in p.split("_")))
        if "{object_id}" in template:
            item["parameters"] = [_object_id_param()]
        ordered = {m: item[m] for m in _ALLOW_ORDER if m in item}
        if "parameters" in item:
            ordered["parameters"] = item["parameters"]
        paths[template] = ordered
    return dict(sorted(paths.items()))


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def build_openapi(server_url: str | None = None) -> dict:
    """Return the sandbox's OpenAPI 3.0.3 document of the Attendee bots API.

    `server_url` (e.g. `http://127.0.0.1:8000`) becomes the only server; without it the document is
    relative to wherever it is served. Every call returns a new dict that shares nothing with others.
    """
    server = {"url": server_url.rstrip("/") if server_url else "/", "description": "Attendee Sandbox"}
    doc = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Attendee Sandbox: Attendee bots API",
            "version": "1.0.0",
            "description": "The Attendee meeting-bot API (https://attendee.dev) as faked by the Attendee Sandbox. "
            "Shapes follow Attendee's published OpenAPI document, corrected to what the real server returns.",
        },
        "servers": [server],
        "tags": [{"name": "Bots", "description": "Meeting bots (`/api/v1/bots`)."}],
        "paths": _bot_paths(),
        "components": _components(),
    }
    return _fresh(doc)


def add_sandbox_paths(doc: dict, paths: dict, schemas: dict | None = None) -> None:
    """Merge the sandbox's own control API (`/sandbox/...`) into `doc`, in place.

    `paths` maps path templates, which must start with `/sandbox`, to OpenAPI path items; `schemas` adds
    component schemas, referenced as `#/components/schemas/<name>`. Operations are tagged `Sandbox` unless
    they carry tags, and declare no security unless they say otherwise (the bot routes carry theirs).
    A method already documented for a path, or a schema name already used with different content, raises
    `ValueError`; nothing is changed then.
    """
    schemas = schemas or {}
    existing_schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if name in existing_schemas and existing_schemas[name] != schema:
            raise ValueError(f"schema {name!r} is already defined differently")
    doc_paths = doc.setdefault("paths", {})
    for template, item in paths.items():
        if not (template == SANDBOX_PREFIX or template.startswith(SANDBOX_PREFIX + "/")):
            raise ValueError(f"sandbox path {template!r} must start with {SANDBOX_PREFIX}/")
        clash = set(doc_paths.get(template, {})) & set(item) & set(_HTTP_METHODS)
        if clash:
            raise ValueError(f"{template} already documents {', '.join(sorted(clash))}")

    existing_schemas.update(schemas)
    for template, item in paths.items():
        merged = doc_paths.setdefault(template, {})
        for key, value in item.items():
            if key in _HTTP_METHODS:
                value = {"tags": ["Sandbox"], "security": [], **value}
            merged[key] = value
    tags = doc.setdefault("tags", [])
    if paths and not any(tag.get("name") == "Sandbox" for tag in tags):
        tags.append({"name": "Sandbox", "description": "The sandbox's own control API (not part of Attendee)."})


def _fresh(node: Any) -> Any:
    """A copy in which no two places share a mutable object (unlike deepcopy, which keeps aliasing)."""
    if isinstance(node, dict):
        return {key: _fresh(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_fresh(value) for value in node]
    return node


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^{}/]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + r"\Z")


def find_operation(doc: dict, method: str, path: str) -> tuple[str, dict]:
    """Find the operation of `method` on a concrete request `path`; return `(template, operation)`.

    The query string is ignored. A path matching several templates prefers the one with fewer
    parameters (literal segments win). Raises `UndocumentedResponse` when nothing matches.
    """
    path = path.split("#", 1)[0].split("?", 1)[0]
    method = method.lower()
    candidates = sorted(
        (template for template in doc.get("paths", {}) if _template_regex(template).match(path)),
        key=lambda template: template.count("{"),
    )
    if not candidates:
        raise UndocumentedResponse(f"no documented path matches {path}")
    for template in candidates:
        operation = doc["paths"][template].get(method)
        if operation is not None:
            return template, operation
    raise UndocumentedResponse(f"{method.upper()} is not documented for {candidates[0]}")


def find_response(doc: dict, method: str, path: str, status: int) -> tuple[str, dict]:
    """Return `(template, response object)` of `status` for `method` on `path`, or raise
    `UndocumentedResponse`."""
    template, operation = find_operation(doc, method, path)
    response = operation.get("responses", {}).get(str(status))
    if response is None:
        documented = ", ".join(operation.get("responses", {}))
        raise UndocumentedResponse(
            f"{method.upper()} {template} does not document status {status} (documented: {documented})"
        )
    return template, response


def response_schema(doc: dict, method: str, path: str, status: int) -> dict | None:
    """The schema of the `application/json` body of `status` for `method` on a concrete `path`.

    Returns None when that response has no JSON body (an empty body, or only a non-JSON one such as the
    HTML error page). References are left as they are: validate against the whole document. Raises
    `UndocumentedResponse` when the operation or the status is not documented.
    """
    _, response = find_response(doc, method, path, status)
    media = (response.get("content") or {}).get("application/json")
    return None if media is None else media["schema"]


def allowed_methods(doc: dict, path: str) -> list[str]:
    """The methods of the path template matching `path`, upper-case, in the order of DRF's `Allow`
    header (e.g. `["GET", "POST", "HEAD", "OPTIONS"]`); empty when no template matches."""
    path = path.split("?", 1)[0]
    for template in sorted(doc.get("paths", {}), key=lambda t: t.count("{")):
        if _template_regex(template).match(path):
            item = doc["paths"][template]
            return [m.upper() for m in _ALLOW_ORDER if m in item]
    return []
