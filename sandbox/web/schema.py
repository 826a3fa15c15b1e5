"""`GET /api/schema`: the OpenAPI 3.0 document of everything the sandbox serves.

It is `sandbox.openapi.build_openapi()` (the Attendee bots API under `/api/v1`, as the real server answers
it) with the sandbox's own endpoints merged in by `add_sandbox_paths`: the control API, the webhook
delivery log, the recording files and the dashboard, all under `/sandbox`. The server is the URL the
document was fetched from, so "Try it" in a viewer works against this sandbox. The path is outside
`/api/v1` on purpose: the Attendee API's catch-all answers everything under it.
"""

from flask import Blueprint

from sandbox.contract.openapi import (
    BOT_STATES,
    EVENT_TYPES,
    WEBHOOK_TRIGGERS,
    add_sandbox_paths,
    build_openapi,
)
from sandbox.domain.project import CAPABILITIES
from sandbox.web.guards import public_base_url
from sandbox.web.responses import json_response as respond

ADMIN_SCHEME = "SandboxAdminToken"
JSON_MEDIA = "application/json"
FORM_MEDIA = "application/x-www-form-urlencoded"
HTML_MEDIA = "text/html"


def make_blueprint():
    bp = Blueprint("sandbox_schema", __name__)
    bp.add_url_rule("/api/schema", endpoint="schema", view_func=schema, methods=["GET"])
    return bp


def schema():
    return respond(200, openapi_document(public_base_url()))


def openapi_document(server_url=None):
    """The whole document: the Attendee bots API plus every `/sandbox` endpoint."""
    doc = build_openapi(server_url)
    doc["info"]["title"] = "Attendee Sandbox"
    doc["info"]["description"] += (
        " The sandbox's own endpoints (control API, webhook delivery log, recording files, dashboard) are "
        "under `/sandbox` and tagged `Sandbox`; they are not part of Attendee."
    )
    doc["components"].setdefault("securitySchemes", {})[ADMIN_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-Sandbox-Admin-Token",
        "description": "Only when the sandbox runs with SANDBOX_ADMIN_TOKEN set: sandbox-wide endpoints demand it.",
    }
    add_sandbox_paths(doc, sandbox_paths(), sandbox_schemas())
    doc["tags"].append({"name": "Sandbox dashboard", "description": "The HTML dashboard at `/sandbox/ui`."})
    return doc


# -- small builders -----------------------------------------------------------------------------------------


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties, required=None, additional=False, **extra):
    schema = {"type": "object", "properties": properties, "additionalProperties": additional}
    required = list(properties) if required is None else list(required)
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def string(**extra):
    return {"type": "string", **extra}


def nullable(schema):
    return {**schema, "nullable": True}


def json_content(description, schema):
    return {"description": description, "content": {JSON_MEDIA: {"schema": schema}}}


def error(description):
    return json_content(description, ref("Error"))


def json_body(schema, required=True):
    return {"required": required, "content": {JSON_MEDIA: {"schema": schema}}}


def path_param(name, description):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": string()}


def query(name, description, schema=None):
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or string()}


BOT_ID = path_param("object_id", "The bot's id (`bot_...`).")
TOKEN = [{"Token": []}]
ADMIN = [{}, {ADMIN_SCHEME: []}]
UNAUTHORIZED = json_content("Missing, malformed, unknown or disabled API key (the API's own 401).", ref("Detail"))
BAD_INPUT = error("Bad input: `{\"error\": \"<what is wrong>\"}`.")
BOT_NOT_FOUND = error('`{"error": "Bot not found"}`: no such bot in this project.')


def project_operation(operation_id, summary, responses, description=None, parameters=None, body=None):
    """An operation authenticated with a project's `Authorization: Token <api key>`."""
    op = {
        "operationId": operation_id,
        "summary": summary,
        "security": TOKEN,
        "responses": {**responses, "401": UNAUTHORIZED},
    }
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
    return op


# -- schemas --------------------------------------------------------------------------------------------------


def sandbox_schemas():
    webhook = obj(
        {"url": string(description="An http:// or https:// URL, never the sandbox's own address."), "triggers": {"type": "array", "items": string(enum=list(WEBHOOK_TRIGGERS)), "minItems": 1}},
    )
    step = obj(
        {
            "event": string(enum=list(EVENT_TYPES), description="An event step: the event applied."),
            "sub_type": nullable(string()),
            "action": string(description="An action step (upload_recording, participant_joins, utterance, ...)."),
            "due": string(format="date-time", description="When it is (or was) due, on the project's clock."),
            "applied": {"type": "boolean", "description": "POST .../advance only: whether the step changed the bot."},
        },
        required=["due"],
        additional=True,
        description="A scripted step: an event or an action, with its own fields (name, text, ...).",
    )
    applied_event = obj(
        {
            "bot_id": string(),
            "event_type": string(enum=list(EVENT_TYPES)),
            "event_sub_type": nullable(string()),
            "old_state": string(enum=list(BOT_STATES)),
            "new_state": string(enum=list(BOT_STATES)),
            "created_at": string(format="date-time"),
        },
        description="An event applied while the clock moved, as a `bot.state_change` webhook describes it.",
    )
    attempt = obj(
        {
            "attempted_at": string(format="date-time"),
            "status_code": nullable({"type": "integer"}),
            "error": nullable(string()),
            "response_body": nullable(string(description="Up to 500 characters of the receiver's answer.")),
            "duration_ms": nullable({"type": "integer"}),
            "signature": nullable(string()),
        }
    )
    fault = obj(
        {
            "id": string(pattern="^flt_"),
            "method": string(enum=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "*"]),
            "path": string(description="An /api/v1 path; `*` matches one segment."),
            "status": nullable({"type": "integer"}),
            "body": nullable({"description": "The body answered (any JSON)."}),
            "headers": {"type": "object", "additionalProperties": string()},
            "delay_ms": {"type": "integer"},
            "times": nullable({"type": "integer"}),
            "remaining": nullable({"type": "integer"}),
            "hits": {"type": "integer"},
            "created_at": string(format="date-time"),
        }
    )
    dropped = obj(
        {"dropped": {"type": "boolean", "enum": [True]}, "reason": string(), "participant": ref("Participant")},
        description="What the real server would not have stored (the participant is created anyway).",
    )
    capability_flags = {
        name: {"type": "boolean", "default": default, "description": meaning}
        for name, (default, meaning) in CAPABILITIES.items()
    }
    epoch_ms = {"type": "integer", "minimum": 0, "description": "Epoch milliseconds, as the platform reports them."}
    media_request = obj(
        {
            "id": string(pattern="^media_"),
            "media_type": string(enum=["audio", "video"]),
            "command": string(enum=["output_audio", "speech", "output_video"]),
            "state": string(enum=["enqueued", "playing", "finished", "dropped"]),
            "duration_ms": nullable({"type": "integer", "description": "null: until the bot leaves (a looping video)."}),
            "created_at": string(format="date-time"),
            "started_at": nullable(string(format="date-time")),
            "ended_at": nullable(string(format="date-time")),
        },
        description="A media request of the bot (the real server's BotMediaRequest), in its state now.",
    )
    return {
        "SandboxWebhookSubscription": webhook,
        "SandboxProject": obj(
            {
                "id": string(pattern="^proj_"),
                "name": string(),
                "api_key": string(),
                "webhook_secret": string(description="Standard base64 of 32 bytes: the key of X-Webhook-Signature."),
                "zoom_credentials": {"type": "boolean"},
                "scenario": string(),
                "webhooks": {"type": "array", "items": ref("SandboxWebhookSubscription")},
                **{name: {"type": "boolean"} for name in CAPABILITIES if name != "zoom_credentials"},
            }
        ),
        "SandboxCreateProjectRequest": obj(
            {
                "name": nullable(string(maxLength=255, description="null: the project's id.")),
                "webhooks": {"type": "array", "items": ref("SandboxWebhookSubscription"), "maxItems": 2},
                "zoom_credentials": capability_flags["zoom_credentials"],
                "scenario": string(description="The project's default scenario (GET /sandbox/scenarios)."),
                **{name: flag for name, flag in capability_flags.items() if name != "zoom_credentials"},
            },
            required=[],
            description="Every field is optional; PATCH changes only the fields it sends.",
        ),
        "SandboxReset": obj({"reset": {"type": "boolean"}, "projects": {"type": "integer"}, "bots": {"type": "integer"}}),
        "SandboxScenarioCatalogue": obj(
            {
                "default": string(),
                "results": {
                    "type": "array",
                    "items": obj(
                        {
                            "name": string(),
                            "description": string(),
                            "media": string(enum=["automatic", "manual"], description="How its bots play media requests."),
                            "on": {"type": "object", "additionalProperties": {"type": "array", "items": string()}},
                        }
                    ),
                },
            }
        ),
        "SandboxClock": obj(
            {"now": string(format="date-time"), "offset_seconds": {"type": "number", "description": "Ahead of the wall clock."}}
        ),
        "SandboxAppliedEvent": applied_event,
        "SandboxClockAdvanced": obj(
            {
                "now": string(format="date-time"),
                "offset_seconds": {"type": "number"},
                "events": {"type": "array", "items": ref("SandboxAppliedEvent")},
            }
        ),
        "SandboxStep": step,
        "SandboxBotAdvanced": obj(
            {
                "bot": ref("Bot"),
                "applied": {"type": "array", "items": ref("SandboxStep")},
                "pending_steps": {"type": "array", "items": ref("SandboxStep")},
            }
        ),
        "SandboxBotSteps": obj(
            {
                "bot_id": string(),
                "scenario": string(),
                "state": string(enum=list(BOT_STATES)),
                "pending_steps": {"type": "array", "items": ref("SandboxStep")},
            }
        ),
        "SandboxDropped": dropped,
        "SandboxRecordingFile": obj({"uploaded_at": string(format="date-time"), "start_timestamp_ms": nullable({"type": "integer"})}),
        "SandboxJournalEntry": obj(
            {
                "id": {"type": "integer"},
                "method": string(),
                "path": string(),
                "query": string(),
                "status": {"type": "integer"},
                "time": string(format="date-time", description="The project's clock when the request came."),
                "duration_ms": {"type": "number"},
                "body": nullable({"description": "The request body: JSON when it was JSON, else text."}),
                "body_truncated": {"type": "boolean"},
                "body_length": nullable(
                    {"type": "integer", "description": "A cut body's whole length in bytes (null: never known)."}
                ),
            },
            required=["id", "method", "path", "query", "status", "time", "duration_ms", "body"],
        ),
        "SandboxJournal": obj({"count": {"type": "integer"}, "results": {"type": "array", "items": ref("SandboxJournalEntry")}}),
        "SandboxDeleted": obj({"deleted": {"type": "integer"}}),
        "SandboxFault": fault,
        "SandboxFaultList": obj({"results": {"type": "array", "items": ref("SandboxFault")}}),
        "SandboxCreateFaultRequest": obj(
            {
                "method": string(enum=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "*"]),
                "path": string(),
                "status": nullable({"type": "integer"}),
                "body": {"description": "The JSON body to answer (default: an `error` naming the status)."},
                "headers": {"type": "object", "additionalProperties": string()},
                "delay_ms": {"type": "integer", "minimum": 0, "maximum": 60000},
                "times": nullable({"type": "integer", "minimum": 1}),
                "retry_after": {"type": "integer", "minimum": 0, "description": "A 429's Retry-After."},
            },
            required=["path"],
        ),
        "SandboxDeliveryAttempt": attempt,
        "SandboxDelivery": obj(
            {
                "id": string(pattern="^whd_"),
                "bot_id": string(),
                "trigger": string(enum=list(WEBHOOK_TRIGGERS)),
                "url": string(),
                "status": string(enum=["pending", "delivered", "failed"]),
                "idempotency_key": string(format="uuid"),
                "signature": nullable(string()),
                "payload": {"type": "object", "description": "The webhook's `data`, frozen when the event happened."},
                "attempts": {"type": "array", "items": ref("SandboxDeliveryAttempt")},
                "next_attempt_at": nullable(string(format="date-time")),
                "created_at": string(format="date-time"),
            }
        ),
        "SandboxDeliveryList": obj({"count": {"type": "integer"}, "results": {"type": "array", "items": ref("SandboxDelivery")}}),
        "SandboxInjectEventRequest": obj(
            {
                "type": string(enum=list(EVENT_TYPES)),
                "sub_type": nullable(string()),
                "metadata": nullable({"type": "object"}),
            },
            required=["type"],
        ),
        "SandboxAdvanceBotRequest": obj(
            {"steps": {"oneOf": [{"type": "integer", "minimum": 1}, string(enum=["all"])], "default": 1}}, required=[]
        ),
        "SandboxAddParticipantRequest": obj(
            {
                "name": nullable(string()),
                "uuid": string(),
                "user_uuid": nullable(string()),
                "is_host": {"type": "boolean"},
                "is_the_bot": {"type": "boolean", "description": "The bot's own participant: stored, never listed, no webhook."},
                "timestamp_ms": {**epoch_ms, "description": "The join event's time as the platform reports it (default: now)."},
            },
            required=["name"],
        ),
        "SandboxParticipantEventRequest": obj(
            {
                "event_type": string(enum=["join", "leave", "speech_start", "speech_stop", "update"]),
                "event_data": {"type": "object", "description": 'For `update`: `{"isHost": {"before": .., "after": ..}}`.'},
                "timestamp_ms": {"type": "integer"},
            },
            required=["event_type"],
        ),
        "SandboxUtteranceRequest": obj(
            {
                "speaker_uuid": string(),
                "text": string(),
                "duration_ms": {"type": "integer", "minimum": 0},
                "timestamp_ms": {"type": "integer"},
                "source_id": string(description="Saving the same source id again replaces the utterance."),
            },
            required=["speaker_uuid", "text", "duration_ms"],
        ),
        "SandboxChatMessageRequest": obj(
            {
                "sender_uuid": string(),
                "text": string(),
                "to": string(enum=["everyone", "only_bot"]),
                "additional_data": {"type": "object"},
                "source_id": string(),
                "timestamp": {"type": "integer", "minimum": 0, "description": "Epoch seconds, as the platform reports them (default: now)."},
            },
            required=["sender_uuid", "text"],
        ),
        "SandboxRecordingFileRequest": obj(
            {"start_timestamp_ms": nullable({**epoch_ms, "description": "null: the first buffer's time was never recorded."})},
            required=[],
        ),
        "SandboxAudioChunkRequest": obj(
            {
                "speaker_uuid": string(),
                "timestamp_ms": epoch_ms,
                "duration_ms": {"type": "integer", "minimum": 0, "default": 1000},
                "text": nullable(string(description="What a transcription provider would hear in it.")),
            },
            required=["speaker_uuid", "timestamp_ms"],
        ),
        "SandboxAudioChunk": obj(
            {
                "id": string(pattern="^chk_"),
                "speaker_name": nullable(string()),
                "speaker_uuid": string(),
                "timestamp_ms": {"type": "integer"},
                "duration_ms": {"type": "integer"},
                "text": nullable(string()),
            }
        ),
        "SandboxMediaRequest": media_request,
        "SandboxMediaRequestList": obj({"results": {"type": "array", "items": ref("SandboxMediaRequest")}}),
        "SandboxMediaCommand": obj({"media_type": string(enum=["audio", "video"])}),
    }


# -- paths ------------------------------------------------------------------------------------------------------


def sandbox_paths():
    paths = {}
    paths.update(_control_paths())
    paths.update(_meeting_paths())
    paths.update(_journal_and_fault_paths())
    paths.update(_delivery_and_media_paths())
    _add_guard_responses(paths)
    paths.update(_dashboard_paths())
    return paths


CROSS_SITE = error("Sent by another site's page: its `Origin` is not this sandbox's own (sandbox/web/guards.py).")
NOT_JSON = error("A body (or a `Content-Type`) other than `application/json`: a form cannot drive the control plane.")


def _add_guard_responses(paths):
    """The control plane's JSON API refuses other sites' pages (403) and bodies that are not JSON (415)."""
    for path, operations in paths.items():
        if path.startswith("/sandbox/media/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            responses.setdefault("403", CROSS_SITE)
            if method in ("post", "put", "patch"):
                responses.setdefault("415", NOT_JSON)


def _control_paths():
    return {
        "/sandbox/projects": {
            "post": {
                "operationId": "sandbox_create_project",
                "summary": "Create an isolated project",
                "description": "A new project with its own API key, webhook secret, clock, bots, journal and faults. "
                "Open unless SANDBOX_ADMIN_TOKEN is set.",
                "security": ADMIN,
                "requestBody": json_body(ref("SandboxCreateProjectRequest"), required=False),
                "responses": {
                    "201": json_content("The project, with its credentials.", ref("SandboxProject")),
                    "400": BAD_INPUT,
                    "401": error("SANDBOX_ADMIN_TOKEN is set and the header is missing."),
                    "403": error("The admin token is wrong."),
                },
            }
        },
        "/sandbox/projects/{project_id}": {
            "patch": project_operation(
                "sandbox_update_project",
                "Change a project's fields and capabilities",
                {
                    "200": json_content("The project.", ref("SandboxProject")),
                    "400": BAD_INPUT,
                    "404": error('`{"error": "Project not found"}`: the id is not the authenticated project\'s.'),
                },
                description="Any of the creation fields (a fixture project's too); what is not sent stays.",
                parameters=[path_param("project_id", "The project's id (`proj_...`).")],
                body=json_body(ref("SandboxCreateProjectRequest")),
            )
        },
        "/sandbox/reset": {
            "post": {
                "operationId": "sandbox_reset",
                "summary": "Restore the fixtures",
                "description": "Every project, bot, journal entry and fault is replaced by the bundled fixtures.",
                "security": ADMIN,
                "responses": {
                    "200": json_content("How many fixture projects and bots there are now.", ref("SandboxReset")),
                    "401": error("SANDBOX_ADMIN_TOKEN is set and the header is missing."),
                    "403": error("The admin token is wrong."),
                },
            }
        },
        "/sandbox/scenarios": {
            "get": {
                "operationId": "sandbox_scenarios",
                "summary": "The scenario catalogue",
                "description": "Scenarios script what bots do by themselves; pick one per project or per bot "
                "(metadata `sandbox_scenario`).",
                "responses": {"200": json_content("Every scenario.", ref("SandboxScenarioCatalogue"))},
            }
        },
        "/sandbox/clock": {
            "get": project_operation(
                "sandbox_clock", "The project's clock", {"200": json_content("Now, on the project's clock.", ref("SandboxClock"))}
            )
        },
        "/sandbox/clock/advance": {
            "post": project_operation(
                "sandbox_advance_clock",
                "Time travel",
                {
                    "200": json_content("The new clock and the events applied on the way.", ref("SandboxClockAdvanced")),
                    "400": BAD_INPUT,
                },
                description="Moves the project's clock forward; every scripted step that falls due on the way is "
                "applied in time order, stamped with its due time, and its webhooks are sent.",
                body=json_body(obj({"seconds": {"type": "number", "minimum": 0}})),
            )
        },
        "/sandbox/bots/{object_id}/events": {
            "post": project_operation(
                "sandbox_inject_event",
                "Apply a bot event now",
                {"200": json_content("The bot.", ref("Bot")), "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                description="Through the state machine, as if the bot reported it (e.g. `meeting_ended`, "
                "`fatal_error` with a sub-type); the scenario's follow-up steps start as after a real one.",
                parameters=[BOT_ID],
                body=json_body(ref("SandboxInjectEventRequest")),
            )
        },
        "/sandbox/bots/{object_id}/advance": {
            "post": project_operation(
                "sandbox_advance_bot",
                "Apply the bot's next scripted steps now",
                {"200": json_content("The bot, the steps applied and those left.", ref("SandboxBotAdvanced")), "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
                body=json_body(ref("SandboxAdvanceBotRequest"), required=False),
            )
        },
        "/sandbox/bots/{object_id}/steps": {
            "get": project_operation(
                "sandbox_bot_steps",
                "The bot's scenario and pending steps",
                {"200": json_content("What the bot will do next, and when.", ref("SandboxBotSteps")), "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
            )
        },
    }


def _meeting_paths():
    dropped = json_content("Not stored, as the real server would not store it.", ref("SandboxDropped"))
    return {
        "/sandbox/bots/{object_id}/participants": {
            "post": project_operation(
                "sandbox_add_participant",
                "A participant joins the bot's meeting",
                {"201": json_content("The participant.", ref("Participant")), "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
                body=json_body(ref("SandboxAddParticipantRequest")),
            )
        },
        "/sandbox/bots/{object_id}/participants/{uuid}/events": {
            "post": project_operation(
                "sandbox_participant_event",
                "A participant event (join, leave, speech, host change)",
                {
                    "201": json_content("The stored participant event.", ref("ParticipantEvent")),
                    "200": json_content(
                        "`update`: the participant (never stored); or a dropped speech event.",
                        {"oneOf": [ref("Participant"), ref("SandboxDropped")]},
                    ),
                    "400": BAD_INPUT,
                    "404": error("Bot not found, or no participant with that uuid."),
                },
                parameters=[BOT_ID, path_param("uuid", "The participant's uuid.")],
                body=json_body(ref("SandboxParticipantEventRequest")),
            )
        },
        "/sandbox/bots/{object_id}/utterances": {
            "post": project_operation(
                "sandbox_add_utterance",
                "Someone says something (a transcript.update)",
                {"201": json_content("The utterance, as GET /transcript shows it.", ref("TranscriptUtterance")), "200": dropped, "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
                body=json_body(ref("SandboxUtteranceRequest")),
            )
        },
        "/sandbox/bots/{object_id}/chat_messages": {
            "post": project_operation(
                "sandbox_add_chat_message",
                "Someone writes in the meeting chat",
                {"201": json_content("The message, as GET /chat_messages shows it.", ref("ChatMessage")), "200": dropped, "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
                body=json_body(ref("SandboxChatMessageRequest")),
            )
        },
        "/sandbox/bots/{object_id}/audio_chunks": {
            "post": project_operation(
                "sandbox_add_audio_chunk",
                "The bot records a speaker's audio with no utterance (for async transcription)",
                {"201": json_content("The audio chunk.", ref("SandboxAudioChunk")), "200": dropped, "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
                body=json_body(ref("SandboxAudioChunkRequest")),
            )
        },
        "/sandbox/bots/{object_id}/media": {
            "get": project_operation(
                "sandbox_media_requests",
                "The bot's media requests and their states",
                {"200": json_content("Oldest first.", ref("SandboxMediaRequestList")), "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
            )
        },
        "/sandbox/bots/{object_id}/media/start": {
            "post": project_operation(
                "sandbox_media_start",
                "The bot process picks up the oldest enqueued request of a type",
                {
                    "200": json_content("The request, playing.", ref("SandboxMediaRequest")),
                    "400": BAD_INPUT,
                    "404": BOT_NOT_FOUND,
                    "409": error("One of that type is already playing, or none is enqueued."),
                },
                parameters=[BOT_ID],
                body=json_body(ref("SandboxMediaCommand")),
            )
        },
        "/sandbox/bots/{object_id}/media/finish": {
            "post": project_operation(
                "sandbox_media_finish",
                "The playing request of a type ends",
                {
                    "200": json_content("The request, finished.", ref("SandboxMediaRequest")),
                    "400": BAD_INPUT,
                    "404": BOT_NOT_FOUND,
                    "409": error("None of that type is playing."),
                },
                parameters=[BOT_ID],
                body=json_body(ref("SandboxMediaCommand")),
            )
        },
        "/sandbox/bots/{object_id}/recording_file": {
            "post": project_operation(
                "sandbox_recording_file",
                "The bot uploads its recording now",
                {"201": json_content("The recording file.", ref("SandboxRecordingFile")), "400": BAD_INPUT, "404": BOT_NOT_FOUND},
                parameters=[BOT_ID],
                body=json_body(ref("SandboxRecordingFileRequest"), required=False),
            )
        },
    }


def _journal_and_fault_paths():
    fault_id = path_param("fault_id", "The fault's id (`flt_...`).")
    fault_not_found = error('`{"error": "Fault not found"}`.')
    return {
        "/sandbox/requests": {
            "get": project_operation(
                "sandbox_requests",
                "The project's /api/v1 requests, newest first",
                {"200": json_content("The request journal.", ref("SandboxJournal")), "400": BAD_INPUT},
                parameters=[
                    query("method", "Only this method."),
                    query("path", "Only this path; `*` matches one segment."),
                    query("status", "Only this status code.", {"type": "integer"}),
                    query("limit", "At most this many entries (100 by default).", {"type": "integer", "minimum": 1}),
                ],
            ),
            "delete": project_operation(
                "sandbox_clear_requests", "Forget the journal", {"200": json_content("How many entries went.", ref("SandboxDeleted"))}
            ),
        },
        "/sandbox/faults": {
            "post": project_operation(
                "sandbox_add_fault",
                "Inject a fault",
                {"201": json_content("The fault.", ref("SandboxFault")), "400": BAD_INPUT},
                description="The next matching /api/v1 requests of the project wait `delay_ms` and/or answer "
                "`status` with `body`, before anything changes. At most SANDBOX_DELAYED_REQUESTS_PER_PROJECT (32) "
                "requests of a project and SANDBOX_DELAYED_REQUESTS_LIMIT (128) in all wait at once; one more is "
                "answered 429 `{\"error\": ...}` at once, without running.",
                body=json_body(ref("SandboxCreateFaultRequest")),
            ),
            "get": project_operation(
                "sandbox_faults", "The project's live faults", {"200": json_content("The faults.", ref("SandboxFaultList"))}
            ),
            "delete": project_operation(
                "sandbox_clear_faults", "Remove every fault", {"200": json_content("How many went.", ref("SandboxDeleted"))}
            ),
        },
        "/sandbox/faults/{fault_id}": {
            "get": project_operation(
                "sandbox_fault", "One fault", {"200": json_content("The fault.", ref("SandboxFault")), "404": fault_not_found}, parameters=[fault_id]
            ),
            "delete": project_operation(
                "sandbox_remove_fault",
                "Remove one fault",
                {"200": json_content("`{\"deleted\": 1}`.", ref("SandboxDeleted")), "404": fault_not_found},
                parameters=[fault_id],
            ),
        },
    }


def _delivery_and_media_paths():
    return {
        "/sandbox/webhooks/deliveries": {
            "get": project_operation(
                "sandbox_webhook_deliveries",
                "The project's webhook deliveries, oldest first",
                {"200": json_content("Each delivery with its payload, signature and attempts.", ref("SandboxDeliveryList")), "400": BAD_INPUT},
                parameters=[
                    query("bot_id", "Only this bot's."),
                    query("trigger", "Only this trigger.", string(enum=list(WEBHOOK_TRIGGERS))),
                    query("status", "Only deliveries in this status.", string(enum=["pending", "delivered", "failed"])),
                ],
            )
        },
        "/sandbox/webhooks/deliveries/{delivery_id}/redeliver": {
            "post": project_operation(
                "sandbox_redeliver",
                "Send a settled delivery again",
                {
                    "202": json_content("The delivery, pending again (same key and data, three more attempts).", ref("SandboxDelivery")),
                    "404": error('`{"error": "Delivery not found"}`.'),
                    "409": error("The delivery is still pending."),
                },
                parameters=[path_param("delivery_id", "The delivery's id (`whd_...`).")],
            )
        },
        "/sandbox/media/{file_name}": {
            "get": {
                "operationId": "sandbox_media",
                "summary": "A recording file, by its signed URL",
                "description": "The URL GET /api/v1/bots/{id}/recording gives, valid 1800 s (the query string "
                "carries X-Sandbox-Expires, X-Sandbox-Nonce and X-Sandbox-Signature). Range requests work.",
                "parameters": [
                    path_param("file_name", "`<bot_id>-<recording_id>.<mp4|mp3>`."),
                    {"name": "X-Sandbox-Expires", "in": "query", "required": True, "schema": {"type": "integer"}},
                    {"name": "X-Sandbox-Nonce", "in": "query", "required": True, "schema": string()},
                    {"name": "X-Sandbox-Signature", "in": "query", "required": True, "schema": string()},
                ],
                "responses": {
                    "200": {
                        "description": "The file.",
                        "content": {
                            "video/mp4": {"schema": string(format="binary")},
                            "audio/mpeg": {"schema": string(format="binary")},
                        },
                    },
                    "206": {"description": "Part of the file (a Range request)."},
                    "403": error("A tampered, malformed or expired URL."),
                    "404": error("The file is gone (the bot's data was deleted)."),
                },
            }
        },
    }


def _dashboard_paths():
    def page(operation_id, summary, description=None, parameters=None, status_codes=("200",)):
        responses = {code: {"description": "An HTML page.", "content": {HTML_MEDIA: {"schema": string()}}} for code in status_codes}
        op = {"operationId": operation_id, "summary": summary, "tags": ["Sandbox dashboard"], "responses": responses}
        if description:
            op["description"] = description
        if parameters:
            op["parameters"] = parameters
        return op

    def action(operation_id, summary, fields, parameters=None):
        form = obj({name: schema for name, schema in fields.items()}, required=[], additional=True)
        answer = obj({"ok": {"type": "boolean"}, "message": string(), "error": string(), "redirect": string()}, required=["ok"])
        op = {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["Sandbox dashboard"],
            "description": "A form of the dashboard (signed-in cookie). With `Accept: application/json` it answers "
            "JSON; otherwise a 303 back to the page with `notice` or `error` in the query.",
            "requestBody": {"required": False, "content": {FORM_MEDIA: {"schema": form}}},
            "responses": {
                "200": json_content("Done (`Accept: application/json`).", answer),
                "303": {"description": "Done or refused: back to the page."},
                "400": json_content("Refused, with the API's message (`Accept: application/json`).", answer),
                "401": {"description": "Not signed in."},
                "403": {"description": "A POST from another site."},
            },
        }
        if parameters:
            op["parameters"] = parameters
        return op

    bot = path_param("bot_id", "The bot's id.")
    return {
        "/sandbox/ui": {
            "get": page(
                "dashboard",
                "The dashboard",
                "Signed out: the sign-in form. Signed in: the project's bots with live state badges and a create form.",
            )
        },
        "/sandbox/ui/": {"get": {"operationId": "dashboard_slash", "summary": "Redirects to /sandbox/ui", "tags": ["Sandbox dashboard"], "responses": {"302": {"description": "To /sandbox/ui."}}}},
        "/sandbox/ui/sign-in": {
            "post": {
                "operationId": "dashboard_sign_in",
                "summary": "Sign in with a project's API key",
                "tags": ["Sandbox dashboard"],
                "requestBody": {"required": True, "content": {FORM_MEDIA: {"schema": obj({"api_key": string()})}}},
                "responses": {
                    "303": {"description": "Signed in (an HttpOnly, SameSite=Strict cookie scoped to /sandbox/ui)."},
                    "401": {"description": "The sign-in page saying the key is invalid.", "content": {HTML_MEDIA: {"schema": string()}}},
                },
            }
        },
        "/sandbox/ui/sign-out": {
            "post": {"operationId": "dashboard_sign_out", "summary": "Sign out", "tags": ["Sandbox dashboard"], "responses": {"303": {"description": "Back to the sign-in page."}}}
        },
        "/sandbox/ui/bots": {
            "post": action(
                "dashboard_create_bot",
                "Create a bot (POST /api/v1/bots), with a scenario",
                {"meeting_url": string(), "bot_name": string(), "scenario": string()},
            )
        },
        "/sandbox/ui/bots/{bot_id}": {
            "get": page(
                "dashboard_bot",
                "One bot: timeline, webhook deliveries, transcript, participants, recording and buttons",
                parameters=[bot, query("tab", "timeline, deliveries, transcript or participants.")],
                status_codes=("200", "404"),
            )
        },
        "/sandbox/ui/partials/bots": {"get": page("dashboard_bots_fragment", "The live regions of the bots list (HTML)", status_codes=("200", "401"))},
        "/sandbox/ui/partials/bots/{bot_id}": {
            "get": page("dashboard_bot_fragment", "The live regions of a bot's page (HTML)", parameters=[bot], status_codes=("200", "401", "404"))
        },
        "/sandbox/ui/clock/advance": {
            "post": action("dashboard_advance_clock", "Advance the project's clock", {"seconds": string(), "back": string()})
        },
        "/sandbox/ui/bots/{bot_id}/leave": {"post": action("dashboard_leave", "Leave (POST /api/v1/bots/{id}/leave)", {}, [bot])},
        "/sandbox/ui/bots/{bot_id}/events": {
            "post": action("dashboard_inject_event", "Inject an event (meeting_ended, fatal_error)", {"type": string(), "sub_type": string()}, [bot])
        },
        "/sandbox/ui/bots/{bot_id}/participants": {
            "post": action("dashboard_add_participant", "Add a participant", {"name": string(), "is_host": string()}, [bot])
        },
        "/sandbox/ui/bots/{bot_id}/utterances": {
            "post": action(
                "dashboard_add_utterance", "Add an utterance", {"speaker_uuid": string(), "text": string(), "duration_ms": string()}, [bot]
            )
        },
        "/sandbox/ui/static/{filename}": {
            "get": {
                "operationId": "dashboard_static",
                "summary": "The dashboard's stylesheet and script",
                "tags": ["Sandbox dashboard"],
                "parameters": [path_param("filename", "dashboard.css or dashboard.js")],
                "responses": {
                    "200": {"description": "The file.", "content": {"text/css": {"schema": string()}, "text/javascript": {"schema": string()}}},
                    "404": {"description": "No such file."},
                },
            }
        },
    }
