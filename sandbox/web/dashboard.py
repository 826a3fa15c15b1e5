"""The sandbox's dashboard (`/sandbox/ui`): sign in with a project's API key, watch its bots live, act on them.

Plain server-rendered HTML (Jinja templates in sandbox/web/templates, styles and one small script in
sandbox/web/static, nothing fetched from elsewhere). Pages:

* `GET /sandbox/ui`: the sign-in form, or (signed in) the project's bots, newest first, BOTS_PAGE_SIZE a page,
  filtered by state and searched by name, id or metadata (`state`, `q`, `page`), with a create form (scenario,
  the bot's own webhook URL), the clock and the reset link;
* `GET /sandbox/ui/bots/<id>`: one bot: its state, its events as a timeline, its webhook deliveries with
  their attempts (and a Redeliver button), its transcript and chat (mm:ss into the recording), participants,
  the recording, and buttons to drive it;
* `GET /sandbox/ui/reset`: the reset's confirmation.

The script refreshes the live parts by fetching the same fragments the pages are rendered from
(`GET /sandbox/ui/partials/...`) and posts the forms in the background; every form also works without it
(a POST answered with a 303 back to the page). The bots list's refresh sends the version of the rows it shows
(`since`): unchanged, the answer is the clock alone, so a project of 10,000 bots refreshes in a few hundred bytes.

Signing in stores the API key in a cookie scoped to `/sandbox/ui` (HttpOnly, SameSite=Strict), and every key
this browser signed into in a second one (at most SIGNED_IN_PROJECTS_LIMIT) for the project switcher; a POST
whose `Origin` is another site is refused. Every action calls the same use cases as the Attendee API and
the control API (`sandbox.usecases`), so what the dashboard does is
what an API call would do, and it sends the same webhooks.
"""

import hashlib
import json
from datetime import datetime, timezone
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
from markupsafe import Markup

from sandbox.contract import inputs
from sandbox.contract import responses as shapes
from sandbox.contract.datetimes import format_api_datetime, parse_stored_datetime
from sandbox.contract.errors import AttendeeError
from sandbox.contract.jsonb import jsonb_order
from sandbox.contract.meeting_urls import meeting_platform
from sandbox.contract.openapi import json_content, path_param, query_param, string
from sandbox.contract.requests.bots import CREATE_BOT_BODY
from sandbox.contract.webhooks import TRIGGERS
from sandbox.domain import lifecycle
from sandbox.usecases import bots, control, deliveries, meeting
from sandbox.web.guards import public_base_url
from sandbox.web.pipeline import parse_body, request_facts, sandbox

COOKIE = "attendee_sandbox_key"  # the project shown now
KEYS_COOKIE = "attendee_sandbox_keys"  # every project this browser signed into, most recent first
# How many projects the switcher remembers; signing into one more forgets the one signed into longest ago.
SIGNED_IN_PROJECTS_LIMIT = 10
PREFIX = "/sandbox/ui"
DEFAULT_MEETING_URL = "https://meet.google.com/abc-defg-hij"
DEFAULT_BOT_NAME = "Sandbox Notetaker"
CREATE_FIELDS = ("meeting_url", "bot_name", "webhook_url", "scenario")  # kept in the form when a create is refused
CLOCK_STEPS = {"10": "+10 s", "60": "+1 min"}
FATAL_SUB_TYPES = lifecycle.SUB_TYPES["fatal_error"]
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The bots list shows this many bots a page (newest first); a search longer than SEARCH_MAX_CHARS is cut there.
BOTS_PAGE_SIZE = 50
SEARCH_MAX_CHARS = 200
TABS = ("timeline", "deliveries", "transcript", "chat", "participants")
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
    bp.add_url_rule("/sign-in", endpoint="sign_in_page", view_func=sign_in_page, methods=["GET"])
    bp.add_url_rule("/switch", endpoint="switch_project", view_func=switch_project, methods=["POST"])
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
    from sandbox.web import dashboard_calendars  # it builds on this module's helpers

    dashboard_calendars.register(bp)
    bp.add_url_rule(
        "/deliveries/<delivery_id>/redeliver", endpoint="redeliver", view_func=redeliver, methods=["POST"]
    )
    bp.add_url_rule("/reset", endpoint="reset_page", view_func=reset_page, methods=["GET"])
    bp.add_url_rule("/reset", endpoint="reset", view_func=reset, methods=["POST"])
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
    context = _bots_context(project)
    page_context = _page_context(project)
    page_context["error"] = page_context["error"] or context.pop("filter_error")
    return render_template("dashboard_bots.html", **context, **page_context)


def _sign_in_page(error=None, status=200):
    body = render_template(
        "dashboard_sign_in.html",
        sign_in_error=error,
        project=None,
        signed_in=current_project(),
        notice=request.args.get("notice"),
    )
    return Response(body, status=status, mimetype="text/html")


def sign_in_page():
    """The sign-in form, also while signed in: to add another project to the switcher."""
    return _sign_in_page()


def sign_in():
    key = (request.form.get("api_key") or "").strip()
    project = sandbox().project_for_key(key) if key else None
    if project is None:
        return _sign_in_page("Invalid or disabled API key", 401)
    remembered = [key] + [k for k in _remembered_keys() if k != key]
    forgotten = [sandbox().project_for_key(k) for k in remembered[SIGNED_IN_PROJECTS_LIMIT:]]
    target = url_for(".home")
    if any(forgotten):
        names = ", ".join(p["name"] for p in forgotten if p)
        target = _with_query(
            target, notice=f"Signed in to {project['name']}; the switcher keeps {SIGNED_IN_PROJECTS_LIMIT} projects, "
            f"so it forgot {names}"
        )
    response = redirect(target, 303)
    response.set_cookie(COOKIE, key, path=PREFIX, httponly=True, samesite="Strict")
    _remember(response, remembered[:SIGNED_IN_PROJECTS_LIMIT])
    return response


def switch_project():
    """Show another project this browser signed into (no key typed again)."""
    _require_project()
    wanted = request.form.get("project_id") or ""
    for key, project in _signed_in_projects():
        if project["id"] == wanted:
            response = _done(f"Switched to {project['name']}", url_for(".home"), redirect_to=url_for(".home"))
            response.set_cookie(COOKIE, key, path=PREFIX, httponly=True, samesite="Strict")
            return response
    return _failed(AttendeeError("Not a project this browser signed into: sign in with its key"), url_for(".home"))


def sign_out():
    """Forget every project this browser signed into."""
    response = redirect(url_for(".home"), 303)
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="Strict")
    response.delete_cookie(KEYS_COOKIE, path=PREFIX, httponly=True, samesite="Strict")
    return response


def _remembered_keys():
    """The keys in the cookie (bounded: a longer list someone wrote is cut), the current one included."""
    keys = [k for k in (request.cookies.get(KEYS_COOKIE) or "").split() if k]
    current = request.cookies.get(COOKIE)
    if current and current not in keys:
        keys.insert(0, current)  # signed in before the switcher existed
    return keys[: SIGNED_IN_PROJECTS_LIMIT + 1]


def _remember(response, keys):
    response.set_cookie(KEYS_COOKIE, " ".join(keys), path=PREFIX, httponly=True, samesite="Strict")


def _signed_in_projects():
    """(key, project) for each remembered key that still opens a project (a reset forgets created ones)."""
    sb = sandbox()
    found = []
    for key in _remembered_keys():
        project = sb.project_for_key(key)
        if project is not None and all(p["id"] != project["id"] for _, p in found):
            found.append((key, project))
    return found


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
    """The list's live regions. With `since` (the version the page shows) and nothing changed, only the clock:
    a refresh of a page nobody touched is a few hundred bytes whatever the number of bots."""
    project = _require_project()
    context = _bots_context(project)
    unchanged = request.args.get("since") == context["bots_version"]
    return render_template("dashboard_bots_live.html", **context, unchanged=unchanged, **_clock_context(project))


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
        "create_error": request.args.get("create_error"),
        "typed": {name: request.args.get(name) for name in CREATE_FIELDS if request.args.get(name) is not None},
        "default_meeting_url": DEFAULT_MEETING_URL,
        "default_bot_name": DEFAULT_BOT_NAME,
        "base_url": public_base_url(),
        "signed_in_projects": [p for _, p in _signed_in_projects()],
        **_clock_context(project),
    }


def _clock_context(project):
    sb = sandbox()
    stored = sb.store.get("projects", project["id"]) or project
    return {"clock": shapes.CLOCK.dump(control.clock_view(sb, stored))}


def bots_filter():
    """The list's query: `state` (one bot state, else all), `q` (a search), `page` (from 1); and what was wrong
    with them, if anything (an unknown state is no filter, with a message)."""
    args = request.args
    state = args.get("state") or ""
    error = None
    if state and state not in STATE_TONES:
        error = f"Unknown state {state!r}: showing every state"
        state = ""
    query = " ".join((args.get("q") or "").split())[:SEARCH_MAX_CHARS]
    try:
        number = max(1, int(args.get("page") or 1))
    except ValueError:
        number = 1
    return {"state": state, "q": query, "page": number}, error


def _bots_context(project):
    """One page of the project's bots, newest first, filtered by state and searched (name, id, metadata), with
    each state's count and the page's version (a digest of what it shows, for the live refresh's `since`)."""
    sb = sandbox()
    wanted, error = bots_filter()
    listed = bots.browse_bots(
        sb, project, state=wanted["state"], search=wanted["q"].lower(), page=wanted["page"], size=BOTS_PAGE_SIZE
    )
    number, pages = listed["page"], listed["pages"]
    start = (number - 1) * BOTS_PAGE_SIZE
    shown = [bot_summary(bot) for bot in listed["bots"]]
    paging = {
        "total": listed["found"],
        "first": start + 1 if shown else 0,
        "last": start + len(shown),
        "page": number,
        "pages": pages,
        "previous": _list_url(wanted, page=number - 1) if number > 1 else None,
        "next": _list_url(wanted, page=number + 1) if number < pages else None,
    }
    filters = {**wanted, "page": number}
    context = {
        "bots": shown,
        "filters": filters,
        "paging": paging,
        "state_counts": listed["counts"],
        "all_states": list(STATE_TONES),
        "project_bots": listed["in_project"],
        "live_url": url_for(".bots_partial", **_query(filters)),
        "filter_error": error,
    }
    rows = render_template("dashboard_bots_rows.html", **context)
    context["bots_rows"] = Markup(rows)
    context["bots_version"] = hashlib.sha1(rows.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return context


def _query(filters):
    return {key: value for key, value in filters.items() if value and not (key == "page" and value == 1)}


def _list_url(filters, **changes):
    return url_for(".home", **_query({**filters, **changes}))


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
    chat = shapes.CHAT_MESSAGE.dump(meeting.list_chat_messages(sb, project, bot_id), many=True)
    start_ms = recording_start_ms(bot, [u["timestamp_ms"] for u in transcript] + [m["timestamp_ms"] for m in chat])
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
        "transcript": [
            {**u, "speaker": u.get("speaker_name") or names.get(u["speaker_uuid"]) or u["speaker_uuid"],
             "at": moment(u["timestamp_ms"], start_ms)}
            for u in transcript
        ],
        "chat": [{**m, "sender": m.get("sender_name") or m["sender_uuid"], "at": moment(m["timestamp_ms"], start_ms)}
                 for m in chat],
        "recording": recording,
        "fatal_sub_types": FATAL_SUB_TYPES,
        "can_leave": bot["state"] in lifecycle.TRANSITIONS["leave_requested"][0],
        "can_end": bot["state"] in lifecycle.TRANSITIONS["meeting_ended"][0],
        "can_fail": bot["state"] in lifecycle.TRANSITIONS["fatal_error"][0],
        "in_meeting": bot["state"] in meeting.IN_MEETING_STATES,
    }


def recording_start_ms(bot, times_ms):
    """Where a transcript's and a chat's `mm:ss` count from: the recording's start (as GET /recording gives it),
    else when recording was granted, else the first thing said or written."""
    started = ((bot.get("recording") or {}).get("file") or {}).get("start_timestamp_ms")
    if started is None:
        for event in bot.get("events") or ():
            if event["type"] == "recording_permission_granted":
                started = int(parse_stored_datetime(event["created_at"]).timestamp() * 1000)
                break
    if started is None and times_ms:
        started = min(t for t in times_ms if t is not None) if any(t is not None for t in times_ms) else None
    return started


def moment(timestamp_ms, start_ms):
    """An utterance's or message's time: `mm:ss` into the recording (what a reader matches with the video) and
    the clock time (UTC) for its title."""
    if timestamp_ms is None:
        return {"offset": "", "clock": ""}
    at = datetime.fromtimestamp(timestamp_ms / 1000, tz=timezone.utc)
    seconds = max(0, (timestamp_ms - start_ms) // 1000) if start_ms is not None else 0
    minutes, seconds = divmod(int(seconds), 60)
    offset = f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}" if minutes >= 60 else f"{minutes:02d}:{seconds:02d}"
    return {"offset": offset, "clock": at.strftime("%H:%M:%S"), "iso": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


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
    webhook_url = (form.get("webhook_url") or "").strip()
    if webhook_url:
        body["webhooks"] = [{"url": webhook_url, "triggers": list(TRIGGERS)}]
    try:
        sb = sandbox()
        bot = bots.create_bot(sb, project, parse_body(CREATE_BOT_BODY, body, sb, project))
    except AttendeeError as error:
        # without the script: back to the form, which shows the error and what was typed
        typed = {name: form.get(name, "") for name in CREATE_FIELDS}
        return _failed(error, url_for(".home"), field="create_error", **typed)
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
        advanced = control.advance_clock(sandbox(), project, {"seconds": value})
    except AttendeeError as error:
        return _failed(error, back)
    label = f"+{value:g} s" if value < 60 else f"+{value / 60:g} min"
    return _done(f"{label}: {advance_summary(advanced)}", back)


# What the clock's toast calls a scripted action it applied: (one, many). Others (the upload) are not counted.
ACTION_WORDS = {
    "utterance": ("utterance", "utterances"),
    "chat_message": ("chat message", "chat messages"),
    "participant_joins": ("participant joined", "participants joined"),
    "participant_event": ("participant event", "participant events"),
    "audio_chunk": ("audio chunk", "audio chunks"),
    "transcription_fails": ("transcription failure", "transcription failures"),
    meeting.ASYNC_COMPLETION_ACTION: ("async transcription finished", "async transcriptions finished"),
}
# Other due work, by the id its report names.
WORK_WORDS = {"calendar_id": ("calendar sync", "calendar syncs"), "zoom_oauth_connection_id": ("Zoom sync", "Zoom syncs")}
TOAST_BOTS = 3  # bots named in the toast; past it, "and N more bots"


def _counted(counts, words):
    return [f"{n} {words[name][n != 1]}" for name, n in counts.items()]


def advance_summary(advanced):
    """What a clock advance applied, in a line: `3 utterances, 1 chat message, bot_x → ended`."""
    actions = {}
    for _, name, result in advanced.get("actions", ()):
        if name in ACTION_WORDS and result is not None and not isinstance(result, shapes.Dropped):
            actions[name] = actions.get(name, 0) + 1
    work = {}
    states = {}
    for item in advanced["events"]:
        if isinstance(item, dict):
            kind = next((key for key in WORK_WORDS if key in item), None)
            if kind:
                work[kind] = work.get(kind, 0) + 1
        else:
            states[item.bot_id] = item.new_state  # the last state each bot reached
    parts = _counted(actions, ACTION_WORDS) + _counted(work, WORK_WORDS)
    parts += [f"{bot_id} → {state}" for bot_id, state in list(states.items())[:TOAST_BOTS]]
    if len(states) > TOAST_BOTS:
        parts.append(f"and {len(states) - TOAST_BOTS} more bots")
    return ", ".join(parts) or "no scripted step was due"


def leave(bot_id):
    project = _require_project()
    back = url_for(".bot", bot_id=bot_id)
    try:
        bots.leave(sandbox(), project, bot_id)
    except AttendeeError as error:
        return _failed(error, back)
    return _done("Leave requested", back)


def redeliver(delivery_id):
    """Send a settled delivery again (`POST /sandbox/webhooks/deliveries/{id}/redeliver`); back to its bot's
    Webhooks tab."""
    project = _require_project()
    bot_id = request.form.get("bot_id") or ""
    back = _tab_url(bot_id, "deliveries") if bot_id else url_for(".home")
    try:
        doc = deliveries.redeliver(sandbox(), project, delivery_id)
    except AttendeeError as error:
        return _failed(error, back)
    return _done(f"Redelivering {doc['trigger']} to {doc['url']}: {doc['max_attempts'] - len(doc['attempts'])} more attempts", back)


def _sandbox_counts(sb):
    projects = sb.store.scan("projects", "")
    return {"projects": len(projects), "bots": sum(sb.store.count("bots", p["id"]) for p in projects)}


def reset_page():
    """The reset's confirmation (a page, so it works without the script): what is there now, what comes back."""
    project = _require_project()
    sb = sandbox()
    fixtures = {"projects": len(sb.fixtures.get("projects", [])), "bots": len(sb.fixtures.get("bots", []))}
    return render_template(
        "dashboard_reset.html",
        now=_sandbox_counts(sb),
        fixtures=fixtures,
        needs_admin_token=bool(sb.settings.admin_token),
        **_page_context(project),
    )


def reset():
    """`POST /sandbox/reset` from the dashboard: the whole sandbox back to its fixtures (with the admin token
    when SANDBOX_ADMIN_TOKEN is set). A project that is not a fixture is gone, and so is its sign-in."""
    _require_project()
    sb = sandbox()
    back = url_for(".reset_page")
    if request.form.get("confirm") != "reset":
        return _failed(AttendeeError("Tick the box to confirm the reset"), back)
    try:
        control.check_admin(sb.settings, request.form.get("admin_token") or None)
        restored = control.reset(sb)
    except AttendeeError as error:
        return _failed(error, back)
    message = (
        f"Sandbox reset: {restored['projects']} projects and {restored['bots']} bots from the fixtures; "
        "every other project, bot, webhook delivery, journal entry and fault is gone"
    )
    return _done(message, url_for(".home"), redirect_to=None)


def _tab_url(bot_id, tab):
    return url_for(".bot", bot_id=bot_id, tab=tab)


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


def _failed(error, back, field="error", **keep):
    """A refused action: JSON for the script, else a 303 back with the message in `field` (and `keep`)."""
    message = error_text(error)
    if _wants_json():
        return _json(400, {"ok": False, "error": message})
    return redirect(_with_query(back, **{field: message}, **keep), 303)


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
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params, errors='backslashreplace')}"


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

    from sandbox.web import dashboard_calendars

    bot = path_param("bot_id", "The bot's id.")
    list_query = [
        query_param("state", "Only bots in this state."),
        query_param("q", f"A search of the bots' names, ids and metadata (case-insensitive, at most {SEARCH_MAX_CHARS} characters)."),
        query_param("page", f"The page, from 1 ({BOTS_PAGE_SIZE} bots a page, newest first)."),
    ]
    return {
        **dashboard_calendars.openapi_paths(page, action, path_param),
        "/sandbox/ui": {
            "get": page(
                "dashboard",
                "The dashboard",
                "Signed out: the sign-in form. Signed in: the project's bots with live state badges and a create form.",
                parameters=list_query,
            )
        },
        "/sandbox/ui/": {"get": {"operationId": "dashboard_slash", "summary": "Redirects to /sandbox/ui", "tags": ["Sandbox dashboard"], "responses": {"302": {"description": "To /sandbox/ui."}}}},
        "/sandbox/ui/sign-in": {
            "get": page("dashboard_sign_in_page", "The sign-in form (also to add a project to the switcher)"),
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
        "/sandbox/ui/switch": {
            "post": action(
                "dashboard_switch_project",
                f"Show another project this browser signed into (it remembers {SIGNED_IN_PROJECTS_LIMIT})",
                {"project_id": string()},
            )
        },
        "/sandbox/ui/sign-out": {
            "post": {"operationId": "dashboard_sign_out", "summary": "Sign out of every project", "tags": ["Sandbox dashboard"], "responses": {"303": {"description": "Back to the sign-in page."}}}
        },
        "/sandbox/ui/bots": {
            "post": action(
                "dashboard_create_bot",
                "Create a bot (POST /api/v1/bots), with a scenario and a webhook (every trigger)",
                {"meeting_url": string(), "bot_name": string(), "webhook_url": string(), "scenario": string()},
            )
        },
        "/sandbox/ui/bots/{bot_id}": {
            "get": page(
                "dashboard_bot",
                "One bot: timeline, webhook deliveries, transcript, chat, participants, recording and buttons",
                parameters=[bot, query_param("tab", "timeline, deliveries, transcript, chat or participants.")],
                status_codes=("200", "404"),
            )
        },
        "/sandbox/ui/partials/bots": {
            "get": page(
                "dashboard_bots_fragment",
                "The live regions of the bots list (HTML)",
                "With `since` equal to the list's `data-version`, the list is left out when it has not changed.",
                parameters=[*list_query, query_param("since", "The version of the list the page shows.")],
                status_codes=("200", "401"),
            )
        },
        "/sandbox/ui/partials/bots/{bot_id}": {
            "get": page("dashboard_bot_fragment", "The live regions of a bot's page (HTML)", parameters=[bot], status_codes=("200", "401", "404"))
        },
        "/sandbox/ui/clock/advance": {
            "post": action("dashboard_advance_clock", "Advance the project's clock", {"seconds": string(), "back": string()})
        },
        "/sandbox/ui/deliveries/{delivery_id}/redeliver": {
            "post": action(
                "dashboard_redeliver",
                "Send a settled webhook delivery again (POST /sandbox/webhooks/deliveries/{id}/redeliver)",
                {"bot_id": string()},
                [path_param("delivery_id", "The delivery's id (whd_...).")],
            )
        },
        "/sandbox/ui/reset": {
            "get": page("dashboard_reset_confirm", "The reset's confirmation page"),
            "post": action(
                "dashboard_reset",
                "Reset the whole sandbox to its fixtures (POST /sandbox/reset)",
                {"confirm": string(), "admin_token": string()},
            ),
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

