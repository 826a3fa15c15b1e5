"""The Attendee bots API (`/api/v1`): the route table, the catch-all, and the bot routes themselves.

Every route of the real server is one `AttendeeRoute` in `ROUTES`; handlers attach to them by method,
here and in the sibling modules (`bot_data.py`, `bot_commands.py`). A handler gets the authenticated
project and the path's arguments, calls the service, and returns a response.
"""

from flask import Blueprint, request

from sandbox.contract.datetimes import parse_filter_datetime
from sandbox.contract.errors import AttendeeError
from sandbox.contract.pagination import paginate, request_url
from sandbox.contract.responses import dump_bot
from sandbox.domain.lifecycle import BOT_STATES
from sandbox.usecases import bots
from sandbox.web.pipeline import ALL_METHODS, PARSES, RENDERS, AttendeeRoute, request_data, sandbox
from sandbox.web.responses import SECURITY_HEADERS, empty_response, json_response

try:  # what the real server's view classes are called, for OPTIONS
    from sandbox.web.view_metadata import BOTS_POST_ACTIONS, VIEW_METADATA
except ImportError:  # pragma: no cover - only while that table is being written
    BOTS_POST_ACTIONS, VIEW_METADATA = None, {}

# suffix after /bots -> (path rule, view name the real server's OPTIONS gives, throttled POST)
_ROUTE_TABLE = {
    "": ("/bots", "Bot List Create", True),
    "{id}": ("/bots/<object_id>", "Bot Detail", False),
    "leave": ("/bots/<object_id>/leave", "Bot Leave", False),
    "transcript": ("/bots/<object_id>/transcript", "Transcript", False),
    "recording": ("/bots/<object_id>/recording", "Recording", False),
    "chat_messages": ("/bots/<object_id>/chat_messages", "Chat Messages", False),
    "send_chat_message": ("/bots/<object_id>/send_chat_message", "Send Chat Message", True),
    "speech": ("/bots/<object_id>/speech", "Speech", True),
    "output_audio": ("/bots/<object_id>/output_audio", "Output Audio", True),
    "output_image": ("/bots/<object_id>/output_image", "Output Image", True),
    "output_video": ("/bots/<object_id>/output_video", "Output Video", True),
    "delete_data": ("/bots/<object_id>/delete_data", "Delete Data", False),
    "pause_recording": ("/bots/<object_id>/pause_recording", "Pause Recording", True),
    "resume_recording": ("/bots/<object_id>/resume_recording", "Resume Recording", True),
    "admit_from_waiting_room": ("/bots/<object_id>/admit_from_waiting_room", "Admit From Waiting Room", True),
    "change_gallery_view_page": ("/bots/<object_id>/change_gallery_view_page", "Change Gallery View Page", True),
    "transcription_settings": ("/bots/<object_id>/transcription_settings", "Transcription Settings", False),
    "voice_agent_settings": ("/bots/<object_id>/voice_agent_settings", "Voice Agent Settings", False),
    "participant_events": ("/bots/<object_id>/participant_events", "Participant Events", False),
    "participants": ("/bots/<object_id>/participants", "Participants", False),
}


def _make_route(suffix, rule, name, throttled):
    known = VIEW_METADATA.get(suffix, {})
    return AttendeeRoute(
        rule=rule,
        name=known.get("name", name),
        description=known.get("description", ""),
        throttled=throttled,
        actions={"POST": BOTS_POST_ACTIONS} if suffix == "" and BOTS_POST_ACTIONS else None,
    )


ROUTES = {suffix: _make_route(suffix, *row) for suffix, row in _ROUTE_TABLE.items()}


def make_blueprint():
    """A fresh blueprint per app, made once every handler module has attached its handlers."""
    bp = Blueprint("attendee_api", __name__, url_prefix="/api/v1")
    for suffix, route in ROUTES.items():
        if route.handlers:
            bp.add_url_rule(route.rule, endpoint=f"bots:{suffix}", view_func=route.dispatch, methods=ALL_METHODS)
    bp.add_url_rule("/", endpoint="catch_all_root", view_func=not_found, methods=ALL_METHODS)
    bp.add_url_rule("/<path:rest>", endpoint="catch_all", view_func=not_found, methods=ALL_METHODS)
    return bp


def not_found(rest=""):
    """Any other path under /api/v1 (1.5): 404 `Not found` to every method, with no authentication."""
    headers = {**SECURITY_HEADERS, "Allow": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"}
    if request.method == "OPTIONS":
        body = {"name": "Not Found", "description": "", "renders": RENDERS, "parses": PARSES}
        return json_response(200, body, headers)
    basic = _basic_auth_refusal(request.headers.get("Authorization", ""))
    if basic:
        return json_response(403, {"detail": basic}, headers)
    return json_response(404, {"error": "Not found"}, headers)


def _basic_auth_refusal(header):
    """The catch-all uses DRF's session and basic authentication, so a bad Basic header is a 403."""
    import base64
    import binascii

    parts = header.split()
    if not parts or parts[0].lower() != "basic":
        return None
    if len(parts) == 1:
        return "Invalid basic header. No credentials provided."
    if len(parts) > 2:
        return "Invalid basic header. Credentials string should not contain spaces."
    try:
        decoded = base64.b64decode(parts[1]).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "Invalid basic header. Credentials not correctly base64 encoded."
    if ":" not in decoded:
        return "Invalid basic header. Credentials not correctly base64 encoded."
    return "Invalid username/password."


# -- the bot itself ------------------------------------------------------------------------------------


@ROUTES["{id}"].handler("GET")
def get_bot(project, object_id):
    """GET /api/v1/bots/{id} (6.3): the bot object, or Bot 404."""
    return json_response(200, dump_bot(bots.get_bot(sandbox(), project, object_id)))


@ROUTES["leave"].handler("POST")
def leave_bot(project, object_id):
    """POST /api/v1/bots/{id}/leave (6.6): body ignored; 200 with the bot already `leaving`, else the
    transition table's 400; post-processing follows by the bot's scenario."""
    return json_response(200, dump_bot(bots.leave(sandbox(), project, object_id)))


@ROUTES["{id}"].handler("PATCH")
def patch_bot(project, object_id):
    """PATCH /api/v1/bots/{id} (6.4): the body is read after the bot lookup; metadata is echoed in the
    order it was sent."""
    bot, echo = bots.patch_bot(sandbox(), project, object_id, request_data)
    return json_response(200, dump_bot(bot, echo_metadata=echo))


@ROUTES["{id}"].handler("DELETE")
def delete_bot(project, object_id):
    """DELETE /api/v1/bots/{id} (6.5): a scheduled bot only; empty 200."""
    bots.delete_bot(sandbox(), project, object_id)
    return empty_response(200)


# -- the collection ------------------------------------------------------------------------------------


@ROUTES[""].handler("POST")
def create_bot(project):
    """POST /api/v1/bots (6.2, 7): JSON or form bodies; 201 with the new bot."""
    bot, echo = bots.create_bot(sandbox(), project, request_data())
    return json_response(201, dump_bot(bot, echo_metadata=echo))


def _query_value(name):
    """Django's `QueryDict.get`: the last value of a repeated parameter."""
    values = request.args.getlist(name)
    return values[-1] if values else None


@ROUTES[""].handler("GET")
def list_bots(project):
    """GET /api/v1/bots (6.1, 4): filters checked in the real view's order, then the cursor page."""
    meeting_url = _query_value("meeting_url")
    deduplication_key = _query_value("deduplication_key")
    states = request.args.getlist("states")
    for state in states:
        if state not in BOT_STATES:
            raise AttendeeError(f"Invalid state: {state}. Valid states are: {', '.join(BOT_STATES)}")
    join_at_after = parse_filter_datetime("join_at_after", _query_value("join_at_after"))
    join_at_before = parse_filter_datetime("join_at_before", _query_value("join_at_before"))
    listed = bots.list_bots(
        sandbox(),
        project,
        meeting_url=meeting_url,
        deduplication_key=deduplication_key,
        states=states,
        join_at_after=join_at_after,
        join_at_before=join_at_before,
    )
    page, next_url, previous_url = paginate(listed, lambda bot: bot["created_at"], request_url(request))
    return json_response(200, {"next": next_url, "previous": previous_url, "results": [dump_bot(b) for b in page]})


# -- actions -------------------------------------------------------------------------------------------


@ROUTES["delete_data"].handler("POST")
def delete_bot_data(project, object_id):
    """POST /api/v1/bots/{id}/delete_data (6.17): body ignored; 200 with the bot in `data_deleted`."""
    return json_response(200, dump_bot(bots.delete_data(sandbox(), project, object_id)))


@ROUTES["pause_recording"].handler("POST")
def pause_recording(project, object_id):
    """POST /api/v1/bots/{id}/pause_recording (6.18): body ignored; the bot pauses at once."""
    return json_response(200, dump_bot(bots.pause_recording(sandbox(), project, object_id)))


@ROUTES["resume_recording"].handler("POST")
def resume_recording(project, object_id):
    """POST /api/v1/bots/{id}/resume_recording (6.19): body ignored; the bot resumes at once."""
    return json_response(200, dump_bot(bots.resume_recording(sandbox(), project, object_id)))
