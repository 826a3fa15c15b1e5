"""The sandbox's stand-in for S3: `GET /sandbox/media/<bot>-<rec>.<mp4|mp3>?X-Sandbox-Expires=..&X-Sandbox-Nonce=..
&X-Sandbox-Signature=..`, the signed, expiring URL that `GET /api/v1/bots/{id}/recording` hands out (the real
server's is an S3 presigned URL). Not a row of the endpoint table: it answers a file, with Range requests.
"""

from flask import Blueprint, request, send_file

from sandbox.contract.openapi import error, path_param, string
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


def openapi_paths():
    """The route in the OpenAPI document (`GET /api/schema`): not a row of the endpoint table (it answers a
    file), so it says here what it answers."""
    return {
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
