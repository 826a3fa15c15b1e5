"""The sandbox's stand-in for S3: `GET /sandbox/media/<bot>-<rec>.<mp4|mp3>?X-Sandbox-Expires=..&X-Sandbox-Nonce=..
&X-Sandbox-Signature=..`, the signed, expiring URL that `GET /api/v1/bots/{id}/recording` hands out (the real
server's is an S3 presigned URL). Not a row of the endpoint table: it answers a file, with Range requests.
"""

from flask import Blueprint, request, send_file

from sandbox.infra.media import REASON_BAD_SIGNATURE, REASON_EXPIRED, MediaUrlRefused
from sandbox.usecases import meeting
from sandbox.web.pipeline import sandbox
from sandbox.web.responses import json_response

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
