"""The sandbox's own endpoints (`/sandbox/...`): control what the real service cannot — projects, the clock,
bots' events and scripts, the meeting's course, the request journal and injected faults.

Everything answers JSON and reads JSON bodies only (`Content-Type: application/json`; a request from
another site's page is refused, see sandbox/web/guards.py). Endpoints that act on a project authenticate
with that project's `Authorization: Token <key>` (the same checks and messages as the API); endpoints that
act on the whole sandbox (`POST /sandbox/projects`, `POST /sandbox/reset`) are open unless
`SANDBOX_ADMIN_TOKEN` is set, and then demand `X-Sandbox-Admin-Token`. Bad input is a 400
`{"error": "<what is wrong>"}`.

`init_app` installs the request journal's hooks: every `/api/v1` request is timed and recorded for the
project it authenticated as (or whose key it carried).
"""

import time
from datetime import timedelta

from flask import Blueprint, g, request

from sandbox.contract import inputs
from sandbox.contract.datetimes import format_api_datetime
from sandbox.contract.errors import AttendeeError, BodyTooLarge, SandboxInputError
from sandbox.contract.inputs import InputError, find_lone_surrogate, loads_json
from sandbox.contract.responses import dump_bot
from sandbox.domain import journal
from sandbox.usecases import commands, control, meeting
from sandbox.web.guards import body_sample, control_body_too_large_message, read_body
from sandbox.web.pipeline import authenticate, sandbox
from sandbox.web.responses import error_response, json_response


def make_blueprint():
    bp = Blueprint("sandbox_control", __name__, url_prefix="/sandbox")
    for rule, methods, view in ROUTES:
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=methods)
    bp.register_error_handler(AttendeeError, error_response)
    return bp


def init_app(app):
    app.before_request(_journal_start)
    app.after_request(_journal_record)


# -- helpers -------------------------------------------------------------------------------------------


def body_object():
    """The request body as a JSON object ({} when empty). Refused with a 400 naming what is wrong: over
    SANDBOX_MAX_BODY_BYTES, not JSON, `NaN` or a number only an infinity holds, nested deeper than
    SANDBOX_MAX_JSON_DEPTH, or a string with a lone surrogate (no UTF-8 page or webhook could carry it)."""
    try:
        raw = read_body()
    except BodyTooLarge:
        raise SandboxInputError(control_body_too_large_message()) from None
    if not raw.strip():
        return {}
    try:
        data = loads_json(raw.decode("utf-8"), max_depth=sandbox().settings.max_json_depth, finite=True)
    except InputError as exc:
        raise SandboxInputError(f"The body is refused: {exc}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise SandboxInputError(f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SandboxInputError("The body must be a JSON object")
    where = find_lone_surrogate(data)
    if where is not None:
        raise SandboxInputError(
            f"{where} contains a lone surrogate (an unpaired \\ud800-\\udfff escape), which UTF-8 cannot carry: "
            "send the character itself or a complete surrogate pair"
        )
    return data


def admin():
    control.check_admin(sandbox().settings, request.headers.get("X-Sandbox-Admin-Token"))


def ok(body, status=200):
    return json_response(status, body)


# -- projects and reset (sandbox-wide) -------------------------------------------------------------------


def create_project():
    """POST /sandbox/projects: a new isolated project; 201 with its id, name, API key and webhook secret."""
    admin()
    project = control.create_project(sandbox(), body_object())
    return ok(control.public_project(project), 201)


def update_project(project_id):
    """PATCH /sandbox/projects/{id} (authenticated with that project's key): change any creation field or
    capability; 200 with the project."""
    project = authenticate()
    if project["id"] != project_id:
        raise SandboxInputError("Project not found", status=404)
    return ok(control.public_project(control.update_project(sandbox(), project, body_object())))


def reset():
    """POST /sandbox/reset: restore the fixtures and clear everything else."""
    admin()
    return ok({"reset": True, **control.reset(sandbox())})


def scenarios():
    """GET /sandbox/scenarios: the scenario catalogue (names, descriptions, which events start steps)."""
    return ok(control.scenario_catalogue(sandbox()))


# -- the project's clock --------------------------------------------------------------------------------


def get_clock():
    """GET /sandbox/clock: the project's now and its offset from the wall clock."""
    return ok(control.clock_view(sandbox(), authenticate()))


def advance_clock():
    """POST /sandbox/clock/advance {"seconds": N}: the new clock and the events applied on the way."""
    project = authenticate()
    clock, events = control.advance_clock(sandbox(), project, body_object())
    return ok({**clock, "events": events})


# -- driving a bot ---------------------------------------------------------------------------------------


def bot_events(object_id):
    """POST /sandbox/bots/{id}/events {"type", "sub_type"?, "metadata"?}: apply the event; the bot."""
    project = authenticate()
    return ok(dump_bot(control.inject_event(sandbox(), project, object_id, body_object())))


def bot_advance(object_id):
    """POST /sandbox/bots/{id}/advance {"steps": N | "all"}: apply the next pending steps now."""
    project = authenticate()
    sb = sandbox()
    bot, applied = control.advance_bot(sb, project, object_id, body_object())
    pending = [control.public_step(step) for step in bot.get("pending_steps") or []]
    return ok({"bot": dump_bot(bot), "applied": applied, "pending_steps": pending})


def bot_steps(object_id):
    """GET /sandbox/bots/{id}/steps: the bot's scenario and its pending steps."""
    return ok(control.bot_steps(sandbox(), authenticate(), object_id))


# -- the meeting's course (sandbox/usecases/meeting.py does the work) ------------------------------------------------

PARTICIPANT_FIELDS = ("name", "uuid", "user_uuid", "is_host", "is_the_bot", "timestamp_ms")
PARTICIPANT_EVENT_FIELDS = ("event_type", "event_data", "timestamp_ms")
UTTERANCE_FIELDS = ("speaker_uuid", "text", "duration_ms", "timestamp_ms", "source_id")
AUDIO_CHUNK_FIELDS = ("speaker_uuid", "timestamp_ms", "duration_ms", "text")
CHAT_FIELDS = ("sender_uuid", "text", "to", "additional_data", "source_id", "timestamp")
RECORDING_FILE_FIELDS = ("start_timestamp_ms",)
MEDIA_FIELDS = ("media_type",)


def add_participant(object_id):
    """POST /sandbox/bots/{id}/participants {"name", "uuid"?, "user_uuid"?, "is_host"?, "is_the_bot"?,
    "timestamp_ms"?}: a participant joins (a `join` participant event at the platform's `timestamp_ms`); 201
    with the participant as GET /participants shows it (the bot's own participant is stored but never listed)."""
    project = authenticate()
    body = inputs.check_fields(body_object(), PARTICIPANT_FIELDS, required=("name",))
    if not isinstance(body["name"], str):
        raise SandboxInputError("name must be a string")
    _check_uuid(body, "uuid", optional=True)
    if not isinstance(body.get("is_host", False), bool):
        raise SandboxInputError("is_host must be true or false")
    return ok(meeting.add_participant(sandbox(), project, object_id, **body), 201)


def participant_event(object_id, uuid):
    """POST /sandbox/bots/{id}/participants/{uuid}/events {"event_type", "event_data"?, "timestamp_ms"?}:
    201 with the stored event; 200 with the participant for `update` (never stored), or with
    `{"dropped": true, ...}` for a speech event the bot's settings do not record."""
    project = authenticate()
    body = inputs.check_fields(body_object(), PARTICIPANT_EVENT_FIELDS, required=("event_type",))
    item = meeting.participant_event(sandbox(), project, object_id, uuid, **body)
    return ok(item, 200 if body["event_type"] == "update" or item.get("dropped") else 201)


def add_utterance(object_id):
    """POST /sandbox/bots/{id}/utterances {"speaker_uuid", "text", "duration_ms", "timestamp_ms"?,
    "source_id"?}: 201 with the utterance as GET /transcript shows it (the same `source_id` again replaces
    it); 200 `{"dropped": true, ...}` while no recording is in progress (the speaker is still created)."""
    project = authenticate()
    body = inputs.check_fields(body_object(), UTTERANCE_FIELDS, required=("speaker_uuid", "text", "duration_ms"))
    _check_uuid(body, "speaker_uuid")
    return _stored_or_dropped(meeting.add_utterance(sandbox(), project, object_id, **body))


def add_chat_message(object_id):
    """POST /sandbox/bots/{id}/chat_messages {"sender_uuid", "text", "to"?, "additional_data"?,
    "source_id"?, "timestamp"?}: 201 with the message as GET /chat_messages shows it; 200
    `{"dropped": true, ...}` when the real server would not store it."""
    project = authenticate()
    body = inputs.check_fields(body_object(), CHAT_FIELDS, required=("sender_uuid", "text"))
    _check_uuid(body, "sender_uuid")
    return _stored_or_dropped(meeting.add_chat_message(sandbox(), project, object_id, **body))


def add_audio_chunk(object_id):
    """POST /sandbox/bots/{id}/audio_chunks {"speaker_uuid", "timestamp_ms", "duration_ms"?, "text"?}: the
    speaker's audio, recorded with no utterance (real-time transcription off); 201 with the chunk; 200
    `{"dropped": true, ...}` when the real bot would not record it."""
    project = authenticate()
    body = inputs.check_fields(body_object(), AUDIO_CHUNK_FIELDS, required=("speaker_uuid", "timestamp_ms"))
    return _stored_or_dropped(meeting.add_audio_chunk(sandbox(), project, object_id, **body))


def recording_file(object_id):
    """POST /sandbox/bots/{id}/recording_file {"start_timestamp_ms"?}: the recording file exists from now on
    (GET /recording answers its URL); `null` says the first buffer's time was never recorded; 201 with
    `{"uploaded_at", "start_timestamp_ms"}`."""
    project = authenticate()
    body = inputs.check_fields(body_object(), RECORDING_FILE_FIELDS)
    item = meeting.upload_recording(sandbox(), project, object_id, **body)
    return ok({**item, "uploaded_at": format_api_datetime(item["uploaded_at"])}, 201)


# -- media playback (sandbox/usecases/commands.py does the work) ----------------------------------------------


def media_requests(object_id):
    """GET /sandbox/bots/{id}/media: the bot's media requests, oldest first, each with its state now."""
    return ok({"results": commands.media_requests(sandbox(), authenticate(), object_id)})


def media_start(object_id):
    """POST /sandbox/bots/{id}/media/start {"media_type": "audio"|"video"}: the bot process picks up the oldest
    enqueued request of that type; 200 with it, now playing."""
    project = authenticate()
    body = inputs.check_fields(body_object(), MEDIA_FIELDS, required=MEDIA_FIELDS)
    return ok(commands.start_media(sandbox(), project, object_id, body["media_type"]))


def media_finish(object_id):
    """POST /sandbox/bots/{id}/media/finish {"media_type": "audio"|"video"}: the playing request of that type
    ends; 200 with it, finished."""
    project = authenticate()
    body = inputs.check_fields(body_object(), MEDIA_FIELDS, required=MEDIA_FIELDS)
    return ok(commands.finish_media(sandbox(), project, object_id, body["media_type"]))


def _check_uuid(body, name, optional=False):
    value = body.get(name)
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise SandboxInputError(f"{name} must be a non-empty string")


def _stored_or_dropped(item):
    """201 with the stored item; 200 `{"dropped": true, ...}` when the real server would not have stored it."""
    if item.get("dropped"):
        return ok(item, 200)
    return ok(item, 201)


# -- the request journal ---------------------------------------------------------------------------------


def requests_list():
    """GET /sandbox/requests?method=&path=&status=&limit=: the project's /api/v1 requests, newest first."""
    project = authenticate()
    return ok(sandbox().journal.entries(project["id"], request.args.to_dict()))


def requests_clear():
    """DELETE /sandbox/requests: forget the project's journal."""
    project = authenticate()
    return ok({"deleted": sandbox().journal.clear(project["id"])})


def _journal_start():
    req = request._get_current_object()
    if _is_api_path(req.path):
        g.journal_start = (time.perf_counter(), sandbox().clock.wall_now())


def _journal_record(response):
    start = g.pop("journal_start", None)
    if start is None:
        return response
    started, wall_start = start
    duration_ms = (time.perf_counter() - started) * 1000
    req = request._get_current_object()
    try:
        project = g.get("project") or _project_from_header()
        if project is not None:
            offset = project.get("clock_offset_seconds", 0.0)
            sandbox().journal.record(
                project["id"],
                method=req.method,
                path=req.path,
                query=req.query_string.decode("utf-8", "replace"),
                status=response.status_code,
                time=wall_start + timedelta(seconds=offset),  # the project's clock when the request came
                duration_ms=duration_ms,
                body=body_sample(journal.JOURNAL_BODY_LIMIT),
            )
    except Exception:  # the journal must never break a request
        pass
    return response


def _project_from_header():
    parts = request.headers.get("Authorization", "").split()
    if len(parts) == 2 and parts[0].lower() == "token":
        return sandbox().project_for_key(parts[1])
    return None


def _is_api_path(path):
    return path == "/api/v1" or path.startswith("/api/v1/")


# -- fault injection --------------------------------------------------------------------------------------


def faults_create():
    """POST /sandbox/faults: the next matching /api/v1 requests of this project wait and/or answer as told."""
    project = authenticate()
    sb = sandbox()
    return ok(sb.faults.add(project, body_object(), sb.now(project)), 201)


def faults_list():
    project = authenticate()
    return ok({"results": sandbox().faults.list(project["id"])})


def faults_clear():
    project = authenticate()
    return ok({"deleted": sandbox().faults.clear(project["id"])})


def fault_get(fault_id):
    project = authenticate()
    return ok(sandbox().faults.get(project["id"], fault_id))


def fault_delete(fault_id):
    project = authenticate()
    sandbox().faults.remove(project["id"], fault_id)
    return ok({"deleted": 1})


ROUTES = (
    ("/projects", ["POST"], create_project),
    ("/projects/<project_id>", ["PATCH"], update_project),
    ("/reset", ["POST"], reset),
    ("/scenarios", ["GET"], scenarios),
    ("/clock", ["GET"], get_clock),
    ("/clock/advance", ["POST"], advance_clock),
    ("/bots/<object_id>/events", ["POST"], bot_events),
    ("/bots/<object_id>/advance", ["POST"], bot_advance),
    ("/bots/<object_id>/steps", ["GET"], bot_steps),
    ("/bots/<object_id>/participants", ["POST"], add_participant),
    ("/bots/<object_id>/participants/<uuid>/events", ["POST"], participant_event),
    ("/bots/<object_id>/utterances", ["POST"], add_utterance),
    ("/bots/<object_id>/chat_messages", ["POST"], add_chat_message),
    ("/bots/<object_id>/audio_chunks", ["POST"], add_audio_chunk),
    ("/bots/<object_id>/recording_file", ["POST"], recording_file),
    ("/bots/<object_id>/media", ["GET"], media_requests),
    ("/bots/<object_id>/media/start", ["POST"], media_start),
    ("/bots/<object_id>/media/finish", ["POST"], media_finish),
    ("/requests", ["GET"], requests_list),
    ("/requests", ["DELETE"], requests_clear),
    ("/faults", ["POST"], faults_create),
    ("/faults", ["GET"], faults_list),
    ("/faults", ["DELETE"], faults_clear),
    ("/faults/<fault_id>", ["GET"], fault_get),
    ("/faults/<fault_id>", ["DELETE"], fault_delete),
)
