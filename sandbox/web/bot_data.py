"""The meeting data of a bot (`/api/v1/bots/{id}/...`) and the sandbox's own recording download route.

Thin handlers over sandbox/usecases/meeting.py: transcript (GET/POST/DELETE, 6.7-6.9), recording (6.10), chat_messages
(6.11), participant_events (6.24) and participants (6.25); the three lists are cursor-paginated like every list
(sandbox/contract/pagination.py). `make_blueprint()` serves `GET /sandbox/media/<bot>-<rec>.<mp4|mp3>?...`, the signed,
expiring URL that GET /recording hands out (the real server's is an S3 presigned URL).
"""

from flask import Blueprint, request, send_file

from sandbox.contract.pagination import paginate, request_url
from sandbox.contract.responses import (
    ASYNC_TRANSCRIPTION,
    CHAT_MESSAGE_PAGE,
    PARTICIPANT_EVENT_PAGE,
    PARTICIPANT_PAGE,
    RECORDING,
    TRANSCRIPT,
)
from sandbox.infra.media import REASON_BAD_SIGNATURE, REASON_EXPIRED, MediaUrlRefused
from sandbox.usecases import meeting
from sandbox.web.bots import ROUTES
from sandbox.web.guards import public_base_url
from sandbox.web.pipeline import request_object, sandbox
from sandbox.web.responses import empty_response, json_response

# -- transcript ----------------------------------------------------------------------------------------


@ROUTES["transcript"].handler("GET")
def get_transcript(project, object_id):
    """GET /transcript (6.7): a plain array, sorted by `timestamp_ms`; `split_on_turns` is accepted and has no
    effect (the sandbox's utterances have no word timings)."""
    items = meeting.get_transcript(
        sandbox(),
        project,
        object_id,
        updated_after=request.args.get("updated_after"),
        async_transcription_id=request.args.get("async_transcription_id"),
    )
    return json_response(200, TRANSCRIPT.dump(items))


@ROUTES["transcript"].handler("POST")
def create_async_transcription(project, object_id):
    """POST /transcript (6.8): 200 (not 201) with the new async transcription; the body is read only after the
    bot's checks, as the real view does."""
    created = meeting.create_async_transcription(sandbox(), project, object_id, request_object)
    return json_response(200, ASYNC_TRANSCRIPTION.dump(created))


@ROUTES["transcript"].handler("DELETE")
def delete_transcript(project, object_id):
    """DELETE /transcript (6.9): empty 200; body ignored."""
    meeting.delete_transcript(
        sandbox(), project, object_id, async_transcription_id=request.args.get("async_transcription_id")
    )
    return empty_response(200)


# -- recording -----------------------------------------------------------------------------------------


@ROUTES["recording"].handler("GET")
def get_recording(project, object_id):
    """GET /recording (6.10): a new signed URL of the sandbox's media route on every call, at the sandbox's
    public URL (SANDBOX_PUBLIC_URL, else the request's allowed host)."""
    return json_response(200, RECORDING.dump(meeting.recording_url(sandbox(), project, object_id, public_base_url())))


# -- paginated lists -----------------------------------------------------------------------------------


def _page(rows, schema):
    """`rows` are domain items, oldest first: one cursor page of them."""
    page, next_url, previous_url = paginate(rows, lambda row: row["created_at"] if isinstance(row, dict) else row.created_at, request_url(request))
    return json_response(200, schema.dump({"next": next_url, "previous": previous_url, "results": page}))


@ROUTES["chat_messages"].handler("GET")
def list_chat_messages(project, object_id):
    """GET /chat_messages (6.11): `updated_after` filters on the creation time, strictly."""
    rows = meeting.list_chat_messages(sandbox(), project, object_id, updated_after=request.args.get("updated_after"))
    return _page(rows, CHAT_MESSAGE_PAGE)


@ROUTES["participant_events"].handler("GET")
def list_participant_events(project, object_id):
    """GET /participant_events (6.24): `after` and `before`, strictly, on the creation time."""
    rows = meeting.list_participant_events(
        sandbox(), project, object_id, after=request.args.get("after"), before=request.args.get("before")
    )
    return _page(rows, PARTICIPANT_EVENT_PAGE)


@ROUTES["participants"].handler("GET")
def list_participants(project, object_id):
    """GET /participants (6.25): `is_host` (true/false, any case) and `id` filters."""
    rows = meeting.list_participants(
        sandbox(), project, object_id, is_host=request.args.get("is_host"), participant_id=request.args.get("id")
    )
    return _page(rows, PARTICIPANT_PAGE)


# -- the recording download (the sandbox's stand-in for S3) ----------------------------------------------

_REFUSALS = {
    REASON_EXPIRED: "Request has expired",
    REASON_BAD_SIGNATURE: "The request signature we calculated does not match the signature you provided.",
}
_MALFORMED = (
    "Query-string authentication requires the X-Sandbox-Expires, X-Sandbox-Nonce and X-Sandbox-Signature "
    "parameters"
)


def download_recording(file_name):
    """GET /sandbox/media/<bot>-<rec>.<mp4|mp3>?X-Sandbox-Expires=..&X-Sandbox-Nonce=..&X-Sandbox-Signature=..

    The bundled file with its media type (Range requests work, as on S3); a tampered, malformed or expired URL
    is `403 {"error": ...}`; a valid URL whose file was deleted (delete_data) is `404 {"error": ...}`.
    """
    try:
        path, media_type = meeting.open_recording_media(sandbox(), request.path, request.args)
    except MediaUrlRefused as refused:
        return json_response(403, {"error": _REFUSALS.get(refused.reason, _MALFORMED)})
    except meeting.MediaNotFound:
        return json_response(404, {"error": "The recording file does not exist (its data was deleted)"})
    return send_file(path, mimetype=media_type, conditional=True, max_age=0)


def make_blueprint():
    bp = Blueprint("sandbox_media", __name__)
    bp.add_url_rule(
        "/sandbox/media/<path:file_name>", endpoint="recording", view_func=download_recording, methods=["GET"]
    )
    return bp
