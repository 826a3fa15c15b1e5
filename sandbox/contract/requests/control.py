"""The bodies of the sandbox's own control plane (`/sandbox/...`): not the real server's, the sandbox's.

Each is a `BodyRule` of the endpoint table with its OpenAPI description. The control plane refuses bad input
with a 400 `{"error": "<what is wrong>"}` (`SandboxInputError`). The checks of projects, the clock, injected
events, scripted steps and faults live with their use cases and domain objects, which receive the JSON object
as sent; the meeting's bodies are checked here for their fields (known, and the required ones present) and
handed to `sandbox.usecases.meeting` as keyword arguments, which checks their values (one place for each
rule). The limits the documents state are the ones enforced: tests/test_openapi_limits.py proves it.
"""

from sandbox.contract.inputs import check_fields
from sandbox.contract.requests import BodyRule, passed_as_sent
from sandbox.contract.responses import EVENT_TYPES, FAULT_METHODS, PARTICIPANT_EVENT_TYPES, ref

PROJECT_NAME_MAX_LENGTH = 255
MAX_PROJECT_WEBHOOKS = 2  # docs/contract/webhooks.md#subscriptions
MAX_ADVANCE_SECONDS = 10 * 366 * 86400  # ten years: enough for any test, far from datetime's limits
MAX_DELAY_MS = 60_000  # the longest fault delay

PARTICIPANT_FIELDS = ("name", "uuid", "user_uuid", "is_host", "is_the_bot", "timestamp_ms")
PARTICIPANT_EVENT_FIELDS = ("event_type", "event_data", "timestamp_ms")
UTTERANCE_FIELDS = ("speaker_uuid", "text", "duration_ms", "timestamp_ms", "source_id")
CHAT_FIELDS = ("sender_uuid", "text", "to", "additional_data", "source_id", "timestamp")
AUDIO_CHUNK_FIELDS = ("speaker_uuid", "timestamp_ms", "duration_ms", "text")
MEDIA_FIELDS = ("media_type",)
RECORDING_FILE_FIELDS = ("start_timestamp_ms",)

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
# Epoch times the platform reports: from 0 to the largest the store keeps.
MAX_EPOCH_MS = 2**63 - 1
EPOCH_MS = {"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS, "description": "Epoch milliseconds."}
EPOCH_SECONDS = {
    "type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS // 1000, "description": "Epoch seconds.",
}


def _object(properties, required=(), **extra):
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {**schema, "additionalProperties": False, **extra}


def _nullable(schema):
    return {**schema, "nullable": True}


def parse_participant(data, context=None):
    return check_fields(data, PARTICIPANT_FIELDS, required=("name",))


def parse_participant_event(data, context=None):
    return check_fields(data, PARTICIPANT_EVENT_FIELDS, required=("event_type",))


def parse_utterance(data, context=None):
    return check_fields(data, UTTERANCE_FIELDS, required=("speaker_uuid", "text", "duration_ms"))


def parse_chat_message(data, context=None):
    return check_fields(data, CHAT_FIELDS, required=("sender_uuid", "text"))


def parse_recording_file(data, context=None):
    return check_fields(data, RECORDING_FILE_FIELDS)


def parse_audio_chunk(data, context=None):
    return check_fields(data, AUDIO_CHUNK_FIELDS, required=("speaker_uuid", "timestamp_ms"))


def parse_media_command(data, context=None):
    return check_fields(data, MEDIA_FIELDS, required=MEDIA_FIELDS)


# The project's capabilities besides zoom_credentials (domain/project.py), each a boolean with its default.
CAPABILITY_PROPERTIES = {
    "google_tts_credentials": {"type": "boolean", "default": True,
                               "description": "Without them POST /speech is refused, as on the real server."},
    "async_transcription": {"type": "boolean", "default": True,
                            "description": "The organization flag of POST /transcript (async transcription)."},
    "transcription_credentials": {"type": "boolean", "default": True,
                                  "description": "Without them an async transcription ends failed with "
                                  "credentials_not_found."},
    "external_media_storage_credentials": {"type": "boolean", "default": False,
                                           "description": "With them a bot's external_media_storage_settings "
                                           "are accepted and stored."},
}
PROJECT_BODY = BodyRule(
    "SandboxCreateProjectRequest",
    passed_as_sent,
    _object(
        {
            "name": {**STRING, "minLength": 1, "maxLength": PROJECT_NAME_MAX_LENGTH},
            "webhooks": {"type": "array", "items": ref("SandboxWebhookSubscription"), "maxItems": MAX_PROJECT_WEBHOOKS},
            "zoom_credentials": {"type": "boolean", "default": True},
            "scenario": {**STRING, "description": "The project's default scenario (GET /sandbox/scenarios)."},
            **CAPABILITY_PROPERTIES,
        }
    ),
    required=False,
)
PROJECT_UPDATE_BODY = BodyRule(
    "SandboxUpdateProjectRequest",
    passed_as_sent,
    _object(
        {
            "name": _nullable({**STRING, "minLength": 1, "maxLength": PROJECT_NAME_MAX_LENGTH,
                               "description": "null names the project after its id again."}),
            "webhooks": {"type": "array", "items": ref("SandboxWebhookSubscription"), "maxItems": MAX_PROJECT_WEBHOOKS},
            "zoom_credentials": {"type": "boolean"},
            "scenario": {**STRING, "description": "The project's default scenario (GET /sandbox/scenarios)."},
            **CAPABILITY_PROPERTIES,
        },
        description="Any of the creation fields; what is not sent stays.",
    ),
    required=False,
)
ADVANCE_CLOCK_BODY = BodyRule(
    "SandboxAdvanceClockRequest",
    passed_as_sent,
    _object({"seconds": {"type": "number", "minimum": 0, "maximum": MAX_ADVANCE_SECONDS}}, required=["seconds"]),
)
INJECT_EVENT_BODY = BodyRule(
    "SandboxInjectEventRequest",
    passed_as_sent,
    _object(
        {
            "type": {**STRING, "enum": list(EVENT_TYPES)},
            "sub_type": _nullable(STRING),
            "metadata": _nullable({"type": "object"}),
        },
        required=["type"],
    ),
)
ADVANCE_BOT_BODY = BodyRule(
    "SandboxAdvanceBotRequest",
    passed_as_sent,
    _object({"steps": {"oneOf": [{**INTEGER, "minimum": 1}, {**STRING, "enum": ["all"]}], "default": 1}}),
    required=False,
)
PARTICIPANT_BODY = BodyRule(
    "SandboxAddParticipantRequest",
    parse_participant,
    _object(
        {
            "name": STRING,
            "uuid": STRING,
            "user_uuid": _nullable(STRING),
            "is_host": {"type": "boolean"},
            "is_the_bot": {"type": "boolean", "description": "The bot's own participant: stored, in no list, no webhook."},
            "timestamp_ms": {**EPOCH_MS, "description": "The join event's time, as the platform reports it."},
        },
        required=["name"],
    ),
    arguments=True,
)
PARTICIPANT_EVENT_BODY = BodyRule(
    "SandboxParticipantEventRequest",
    parse_participant_event,
    _object(
        {
            "event_type": {**STRING, "enum": [*PARTICIPANT_EVENT_TYPES, "update"]},
            "event_data": {"type": "object", "description": 'For `update`: `{"isHost": {"before": .., "after": ..}}`.'},
            "timestamp_ms": INTEGER,
        },
        required=["event_type"],
    ),
    arguments=True,
)
UTTERANCE_BODY = BodyRule(
    "SandboxUtteranceRequest",
    parse_utterance,
    _object(
        {
            "speaker_uuid": STRING,
            "text": STRING,
            "duration_ms": {**INTEGER, "minimum": 0},
            "timestamp_ms": INTEGER,
            "source_id": {**STRING, "description": "Saving the same source id again replaces the utterance."},
        },
        required=["speaker_uuid", "text", "duration_ms"],
    ),
    arguments=True,
)
CHAT_MESSAGE_BODY = BodyRule(
    "SandboxChatMessageRequest",
    parse_chat_message,
    _object(
        {
            "sender_uuid": STRING,
            "text": STRING,
            "to": {**STRING, "enum": ["everyone", "only_bot"]},
            "additional_data": {"type": "object"},
            "source_id": STRING,
            "timestamp": {**EPOCH_SECONDS, "description": "When it was sent, as the platform reports it."},
        },
        required=["sender_uuid", "text"],
    ),
    arguments=True,
)
RECORDING_FILE_BODY = BodyRule(
    "SandboxRecordingFileRequest",
    parse_recording_file,
    _object({"start_timestamp_ms": _nullable({**EPOCH_MS, "description": "The first media buffer's time; null: "
                                                                        "never recorded (absent: now)."})}),
    required=False,
    arguments=True,
)
AUDIO_CHUNK_BODY = BodyRule(
    "SandboxAudioChunkRequest",
    parse_audio_chunk,
    _object(
        {
            "speaker_uuid": STRING,
            "timestamp_ms": EPOCH_MS,
            "duration_ms": {**INTEGER, "minimum": 0, "default": 1000},
            "text": _nullable({**STRING, "description": "What an async transcription of it will hear."}),
        },
        required=["speaker_uuid", "timestamp_ms"],
    ),
    arguments=True,
)
MEDIA_BODY = BodyRule(
    "SandboxMediaCommand",
    parse_media_command,
    _object({"media_type": {**STRING, "enum": ["audio", "video"]}}, required=["media_type"]),
    arguments=True,
)
FAULT_BODY = BodyRule(
    "SandboxCreateFaultRequest",
    passed_as_sent,
    _object(
        {
            "method": {**STRING, "enum": list(FAULT_METHODS)},
            "path": STRING,
            "status": _nullable({**INTEGER, "minimum": 100, "maximum": 599}),
            "body": {"description": "The JSON body to answer (default: an `error` naming the status)."},
            "headers": {"type": "object", "additionalProperties": STRING},
            "delay_ms": {**INTEGER, "minimum": 0, "maximum": MAX_DELAY_MS},
            "times": _nullable({**INTEGER, "minimum": 1}),
            "retry_after": {**INTEGER, "minimum": 0, "description": "A 429's Retry-After."},
        },
        required=["path"],
    ),
)
