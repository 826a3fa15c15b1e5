"""The sandbox's dashboard (`/sandbox/ui`): sign in with a project's API key, watch its bots live, act on them.

Plain server-rendered HTML (Jinja templates in sandbox/web/templates, styles and one small script in
sandbox/web/static, nothing fetched from elsewhere). Pages:

* `GET /sandbox/ui`: the sign-in form, or (signed in) the project's bots, newest first, with a create form
  and its scenario picker;
* `GET /sandbox/ui/bots/<id>`: one bot: its state, its events as a timeline, its webhook deliveries with
  their attempts, its transcript and participants, the recording, and buttons to drive it.

The script refreshes the live parts by fetching the same fragments the pages are rendered from
(`GET /sandbox/ui/partials/...`) and posts the forms in the background; every form also works without it
(a POST answered with a 303 back to the page).

Signing in stores the API key in a cookie scoped to `/sandbox/ui` (HttpOnly, SameSite=Strict); a POST
whose `Origin` is another site is refused. Every action calls the same use cases as the Attendee API and
the control API (`sandbox.usecases`), so what the dashboard does is
what an API call would do, and it sends the same webhooks.
"""

import json
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)

from sandbox.contract import inputs
from sandbox.contract import responses as shapes
from sandbox.contract.datetimes import format_api_datetime, parse_stored_datetime
from sandbox.contract.errors import AttendeeError
from sandbox.contract.jsonb import jsonb_order
from sandbox.contract.meeting_urls import meeting_platform
from sandbox.contract.openapi import json_content, path_param, query_param, string
from sandbox.contract.requests.bots import CREATE_BOT_BODY
from sandbox.domain import lifecycle
from sandbox.usecases import bots, control, meeting
from sandbox.web.guards import public_base_url
from sandbox.web.pipeline import parse_body, request_facts, sandbox

COOKIE = "attendee_sandbox_key"
PREFIX = "/sandbox/ui"
DEFAULT_MEETING_URL = "https://meet.google.com/abc-defg-hij"
DEFAULT_BOT_NAME = "Sandbox Notetaker"
CLOCK_STEPS = {"10": "+10 s", "60": "+1 min"}
FATAL_SUB_TYPES = lifecycle.SUB_TYPES["fatal_error"]
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
TABS = ("timeline", "deliveries", "transcript", "participants")
PLATFORM_NAMES = {"zoom": "Zoom", "google_meet": "Google Meet", "teams": "Teams"}

# How a state looks: the badge's colour family.
STATE_TONES = {
    "ready": "idle",
    "scheduled": "idle",
    "staged": "idle",
    "joining": "progress",
    "waiting_room": "warn",
    "joined_not_recording": "progress",
    "joined_recording": "live",
    "joined_recording_paused": "warn",
    "joined_recording_permission_denied": "warn",
    "joining_breakout_room": "progress",
    "leaving_breakout_room": "progress",
    "leaving": "leaving",
    "post_processing": "leaving",
    "ended": "done",
    "fatal_error": "error",
    "data_deleted": "idle",
}
DELIVERY_TONES = {"pending": "progress", "delivered": "done", "failed": "error"}


def make_blueprint():
    bp = Blueprint(
        "sandbox_dashboard",
        __name__,
        url_prefix=PREFIX,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    bp.add_url_rule("", endpoint="home", view_func=home, methods=["GET"])
    bp.add_url_rule("/", endpoint="home_slash", view_func=lambda: redirect(url_for(".home")), methods=["GET"])
    bp.add_url_rule("/sign-in", endpoint="sign_in", view_func=sign_in, methods=["POST"])
    bp.add_url_rule("/sign-out", endpoint="sign_out", view_func=sign_out, methods=["POST"])
    bp.add_url_rule("/bots", endpoint="create_bot", view_func=create_bot, methods=["POST"])
    bp.add_url_rule("/bots/<bot_id>", endpoint="bot", view_func=bot_page, methods=["GET"])
    bp.add_url_rule("/partials/bots", endpoint="bots_partial", view_func=bots_partial, methods=["GET"])
    bp.add_url_rule("/partials/bots/<bot_id>", endpoint="bot_partial", view_func=bot_partial, methods=["GET"])
    bp.add_url_rule("/clock/advance", endpoint="advance_clock", view_func=advance_clock, methods=["POST"])
    bp.add_url_rule("/bots/<bot_id>/leave", endpoint="leave", view_func=leave, methods=["POST"])
    bp.add_url_rule("/bots/<bot_id>/events", endpoint="inject_event", view_func=inject_event, methods=["POST"])
    bp.add_url_rule(
        "/bots/<bot_id>/participants", endpoint="add_participant", view_func=add_participant, methods=["POST"]
    )
    bp.add_url_rule("/bots/<bot_id>/utterances", endpoint="add_utterance", view_func=add_utterance, methods=["POST"])
    bp.before_request(_check_origin)
    bp.after_request(_headers)
    bp.app_template_filter("clock_time")(clock_time)
    bp.app_template_filter("pretty_json")(pretty_json)
    bp.app_template_filter("jsonb_json")(jsonb_json)
    return bp


# -- sign-in ------------------------------------------------------------------------------------------------


def current_project():
    key = request.cookies.get(COOKIE)
    return sandbox().project_for_key(key) if key else None


def home():
    project = current_project()
    if project is None:
        return _sign_in_page()
    return render_template("dashboard_bots.html", **_bots_context(project), **_page_context(project))


def _sign_in_page(error=None, status=200):
    body = render_template("dashboard_sign_in.html", sign_in_error=error, project=None)
    return Response(body, status=status, mimetype="text/html")


def sign_in():
    key = (request.form.get("api_key") or "").strip()
    project = sandbox().project_for_key(key) if key else None
    if project is None:
        return _sign_in_page("Invalid or disabled API key", 401)
    response = redirect(url_for(".home"), 303)
    response.set_cookie(COOKIE, key, path=PREFIX, httponly=True, samesite="Strict")
    return response


def sign_out():
    response = redirect(url_for(".home"), 303)
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="Strict")
    return response


def _require_project():
    project = current_project()
    if project is None:
        if _wants_json():
            abort(_json(401, {"ok": False, "error": "Sign in with a project's API key first"}))
        if request.method == "GET" and not request.path.startswith(PREFIX + "/partials/"):
            abort(redirect(url_for(".home"), 303))
        abort(Response("Sign in with a project's API key first", 401, mimetype="text/plain"))
    return project


# -- pages and their live fragments ----------------------------------------------------------------------------


def bot_page(bot_id):
    project = _require_project()
    try:
        context = _bot_context(project, bot_id)
    except AttendeeError as error:
        body = render_template("dashboard_not_found.html", message=error.message, **_page_context(project))
        return Response(body, status=error.status, mimetype="text/html")
    tab = request.args.get("tab")
    return render_template(
        "dashboard_bot.html", **context, **_page_context(project), tab=tab if tab in TABS else TABS[0]
    )


def bots_partial():
    project = _require_project()
    return render_template("dashboard_bots_live.html", **_bots_context(project), **_clock_context(project))


def bot_partial(bot_id):
    project = _require_project()
    try:
        context = _bot_context(project, bot_id)
    except AttendeeError as error:
        return Response(error.message, status=error.status, mimetype="text/plain")
    return render_template("dashboard_bot_partial.html", **context, **_clock_context(project))


def _page_context(project):
    sb = sandbox()
    return {
        "project": project,
        "scenarios": [(s.name, s.description) for s in sb.scenarios.values()],
        "default_scenario": project.get("scenario") or sb.scenario_of({}).name,
        "clock_steps": CLOCK_STEPS,
        "notice": request.args.get("notice"),
        "error": request.args.get("error"),
        "default_meeting_url": DEFAULT_MEETING_URL,
        "default_bot_name": DEFAULT_BOT_NAME,
        "base_url": public_base_url(),
        **_clock_context(project),
    }


def _clock_context(project):
    sb = sandbox()
    stored = sb.store.get("projects", project["id"]) or project
    return {"clock": shapes.CLOCK.dump(control.clock_view(sb, stored))}


def _bots_context(project):
    sb = sandbox()
    listed = bots.current_bots(sb, project)
    listed.sort(key=lambda bot: parse_stored_datetime(bot["created_at"]), reverse=True)
    return {"bots": [bot_summary(bot) for bot in listed]}


def bot_summary(bot):
    recording = bot.get("recording") or {}
    platform = bot.get("platform") or meeting_platform(bot["meeting_url"])
    return {
        "id": bot["id"],
        "name": bot.get("bot_name") or "",
        "meeting_url": bot["meeting_url"],
        "platform": PLATFORM_NAMES.get(platform, platform or ""),
        "state": bot["state"],
        "tone": STATE_TONES.get(bot["state"], "idle"),
        "recording_state": recording.get("state", "not_started"),
        "transcription_state": recording.get("transcription_state", "not_started"),
        "created_at": format_api_datetime(bot["created_at"]),
        "scenario": bot.get("scenario"),
        "events": len(bot.get("events") or []),
    }


def _bot_context(project, bot_id):
    """Everything the bot page shows, read through the same use cases as the API (Bot 404 first)."""
    sb = sandbox()
    steps = control.bot_steps(sb, project, bot_id)  # brings the bot up to date
    bot = bots.get_bot(sb, project, bot_id)
    docs = sb.outbox.list_deliveries(project, bot_id=bot_id) if hasattr(sb.outbox, "list_deliveries") else []
    deliveries = [
        {**shapes.DELIVERY.dump(doc), "tone": DELIVERY_TONES.get(doc["status"], "idle"), "summary": delivery_summary(doc)}
        for doc in docs
    ]
    participants = shapes.PARTICIPANT.dump(meeting.list_participants(sb, project, bot_id), many=True)
    try:
        transcript = shapes.TRANSCRIPT.dump(meeting.get_transcript(sb, project, bot_id))
    except AttendeeError:
        transcript = []
    names = {p["uuid"]: p["name"] for p in participants}
    recording = None
    if (bot.get("recording") or {}).get("file"):
        try:
            recording = meeting.recording_url(sb, project, bot_id, request_facts())
            recording["format"] = bot["recording"].get("format") or "mp4"
        except AttendeeError:
            recording = None
    return {
        "bot": bot_summary(bot),
        "metadata": bot.get("metadata"),
        "timeline": timeline(bot),
        "pending_steps": shapes.STEP.dump(steps["pending_steps"], many=True),
        "deliveries": list(reversed(deliveries)),
        "participants": participants,
        "transcript": [{**u, "speaker": u.get("speaker_name") or names.get(u["speaker_uuid"]) or u["speaker_uuid"]}
                       for u in transcript],
        "recording": recording,
        "fatal_sub_types": FATAL_SUB_TYPES,
        "can_leave": bot["state"] in lifecycle.TRANSITIONS["leave_requested"][0],
        "can_end": bot["state"] in lifecycle.TRANSITIONS["meeting_ended"][0],
        "can_fail": bot["state"] in lifecycle.TRANSITIONS["fatal_error"][0],
        "in_meeting": bot["state"] in meeting.IN_MEETING_STATES,
    }


def delivery_summary(doc):
    """One line saying what a delivery is about: a state change, who joined or left, what was said."""
    data = doc.get("payload") or {}
    if not isinstance(data, dict):
        return ""
    trigger = doc.get("trigger")
    if trigger == "bot.state_change":
        return f"{data.get('old_state')} → {data.get('new_state')}"
    if trigger in ("participant_events.join_leave", "participant_events.speech_start_stop"):
        return f"{data.get('participant_name') or data.get('participant_uuid')} {data.get('event_type')}"
    if trigger == "transcript.update":
        text = (data.get("transcription") or {}).get("transcript", "")
        return f"{data.get('speaker_name') or data.get('speaker_uuid')}: {text}"
    if trigger == "chat_messages.update":
        return f"{data.get('sender_name') or data.get('sender_uuid')}: {data.get('text')}"
    if trigger == "async_transcription.state_change":
        return f"{data.get('id')} {data.get('state')}"
    return ""


def timeline(bot):
    """The bot's events, oldest first, each with the state it led to and its offset from the first one."""
    items = []
    state = "scheduled" if bot["events"] and bot["events"][0]["type"] == "staged" else "ready"
    history = []
    first = None
    for event in bot["events"]:
        at = parse_stored_datetime(event["created_at"])
        first = first or at
        target = lifecycle.TRANSITIONS.get(event["type"], ((), state))[1]
        if target == lifecycle.RETURN_TO_PREVIOUS:
            target = history[-1] if history else state
        if event["type"] in ("began_joining_breakout_room", "began_leaving_breakout_room"):
            history.append(state)
        elif event["type"] in ("joined_breakout_room", "left_breakout_room") and history:
            history.pop()
        items.append(
            {
                "type": event["type"],
                "sub_type": event.get("sub_type"),
                "created_at": format_api_datetime(event["created_at"]),
                "offset": _offset(at - first),
                "old_state": state,
                "new_state": target,
                "tone": STATE_TONES.get(target, "idle"),
                "metadata": event.get("metadata") or {},
            }
        )
        state = target
    return items


def _offset(delta):
    seconds = delta.total_seconds()
    if seconds < 60:
        return f"+{seconds:.1f} s"
    if seconds < 3600:
        return f"+{int(seconds // 60)} min {int(seconds % 60)} s"
    if seconds < 86400 * 2:
        return f"+{seconds / 3600:.1f} h"
    return f"+{int(seconds // 86400)} days"


# -- actions ----------------------------------------------------------------------------------------------


def create_bot():
    project = _require_project()
    form = request.form
    body = {
        "meeting_url": (form.get("meeting_url") or "").strip(),
        "bot_name": (form.get("bot_name") or "").strip(),
    }
    scenario = form.get("scenario") or ""
    if scenario and scenario != (project.get("scenario") or sandbox().scenario_of({}).name):
        body["metadata"] = {"sandbox_scenario": scenario}
    try:
        sb = sandbox()
        bot = bots.create_bot(sb, project, parse_body(CREATE_BOT_BODY, body, sb, project))
    except AttendeeError as error:
        return _failed(error, url_for(".home"))
    target = url_for(".bot", bot_id=bot["id"])
    return _done(f"Created {bot['id']}", target, redirect_to=target)


def advance_clock():
    project = _require_project()
    seconds = request.form.get("seconds", "")
    back = _back_url()
    try:
        value = float(seconds)
    except ValueError:
        return _failed(AttendeeError("seconds must be a number"), back)
    try:
        events = control.advance_clock(sandbox(), project, {"seconds": value})["events"]
    except AttendeeError as error:
        return _failed(error, back)
    label = f"{value:g} s" if value < 60 else f"{value / 60:g} min"
    applied = ", ".join(event.event_type for event in events) or "no scripted step was due"
    return _done(f"Clock advanced {label}: {applied}", back)


def leave(bot_id):
    project = _require_project()
    back = url_for(".bot", bot_id=bot_id)
    try:
        bots.leave(sandbox(), project, bot_id)
    except AttendeeError as error:
        return _failed(error, back)
    return _done("Leave requested", back)


def inject_event(bot_id):
    project = _require_project()
    back = url_for(".bot", bot_id=bot_id)
    body = {"type": request.form.get("type", "")}
    if request.form.get("sub_type"):
        body["sub_type"] = request.form["sub_type"]
    try:
        control.inject_event(sandbox(), project, bot_id, body)
    except AttendeeError as error:
        return _failed(error, back)
    suffix = f" ({body['sub_type']})" if "sub_type" in body else ""
    return _done(f"Injected {body['type']}{suffix}", back)


def add_participant(bot_id):
    project = _require_project()
    back = url_for(".bot", bot_id=bot_id)
    name = (request.form.get("name") or "").strip()
    if not name:
        return _failed(AttendeeError("A participant needs a name"), back)
    try:
        item = meeting.add_participant(sandbox(), project, bot_id, name=name, is_host=bool(request.form.get("is_host")))
    except AttendeeError as error:
        return _failed(error, back)
    return _done(f"{item['name']} joined the meeting", back)


def add_utterance(bot_id):
    project = _require_project()
    back = url_for(".bot", bot_id=bot_id)
    form = request.form
    text = (form.get("text") or "").strip()
    try:
        duration_ms = inputs.query_int(
            form.get("duration_ms") or "2000", "duration_ms must be a whole number of milliseconds", 0
        )
    except AttendeeError as error:
        return _failed(error, back)
    if not form.get("speaker_uuid"):
        return _failed(AttendeeError("Add a participant first: an utterance needs a speaker"), back)
    try:
        item = meeting.add_utterance(
            sandbox(), project, bot_id, speaker_uuid=form["speaker_uuid"], text=text, duration_ms=duration_ms
        )
    except AttendeeError as error:
        return _failed(error, back)
    if isinstance(item, shapes.Dropped):
        return _failed(AttendeeError(f"Not stored: {item.reason or 'the recording is not in progress'}"), back)
    return _done("Utterance added", back)


# -- answers ---------------------------------------------------------------------------------------------------


def _wants_json():
    return "application/json" in request.headers.get("Accept", "")


def _json(status, body):
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _done(message, back, redirect_to=None):
    if _wants_json():
        return _json(200, {"ok": True, "message": message, **({"redirect": redirect_to} if redirect_to else {})})
    return redirect(_with_query(back, notice=message), 303)


def _failed(error, back):
    message = error_text(error)
    if _wants_json():
        return _json(400, {"ok": False, "error": message})
    return redirect(_with_query(back, error=message), 303)


def error_text(error):
    """A domain error as one line: its `error` or `detail`, or its field errors joined."""
    body = error.body()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return body["detail"]
    return "; ".join(_flatten(body)) or error.message


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}{key}: " if key != "non_field_errors" else prefix)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item, prefix)
    else:
        yield f"{prefix}{value}"


def _back_url():
    """Where a clock button was pressed (a page of the dashboard), else the bots list."""
    referrer = request.form.get("back") or ""
    if referrer.startswith(PREFIX) and "//" not in referrer:
        return referrer.split("?", 1)[0]
    return url_for(".home")


def _with_query(url, **params):
    return f"{url}?{urlencode(params, errors='backslashreplace')}"


def _check_origin():
    """A POST from a page of another site is refused (the cookie is SameSite=Strict too)."""
    if request.method != "POST":
        return None
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        parts = urlsplit(origin)
        if parts.netloc != request.host:
            return Response("Cross-site request refused", 403, mimetype="text/plain")
    return None


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "sandbox_dashboard.static":
        response.headers["Cache-Control"] = "no-store"
    return response


# -- template filters --------------------------------------------------------------------------------------------


def clock_time(value):
    """`2026-11-30T13:11:12.318540Z` -> `13:11:12` (the full time is in the element's title)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%H:%M:%S")


def pretty_json(value):
    return json.dumps(value, indent=2, ensure_ascii=False)


# -- the document ---------------------------------------------------------------------------------------------

HTML_MEDIA = "text/html"
FORM_MEDIA = "application/x-www-form-urlencoded"
OPENAPI_TAG = {"name": "Sandbox dashboard", "description": "The HTML dashboard at `/sandbox/ui`."}


def obj(properties, required=None, additional=False):
    schema = {"type": "object", "properties": properties, "additionalProperties": additional}
    required = list(properties) if required is None else list(required)
    if required:
        schema["required"] = required
    return schema


def openapi_paths():
    """The dashboard's routes in the OpenAPI document (`GET /api/schema`): they are not rows of the endpoint
    table (HTML pages and forms), so they say here what they answer."""
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
                parameters=[bot, query_param("tab", "timeline, deliveries, transcript or participants.")],
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
def jsonb_json(value):
    """A stored JSONB object (metadata) as the real server shows it: compact, keys in JSONB order (Jinja's
    `tojson` would sort them). The template escapes it."""
    return json.dumps(jsonb_order(value), ensure_ascii=False, separators=(",", ":"))

