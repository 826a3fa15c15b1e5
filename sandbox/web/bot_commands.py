"""The bot command routes of the Attendee API: chat, speech, audio, image, video, waiting room, gallery
page, closed-captions language and voice agent (contract 6.12-6.16, 6.20-6.23).

Thin: each handler hands the domain (`sandbox.commands`) the parser of the body, `request_data`, which the
domain calls exactly where the real view first reads the body (DRF parses lazily), and answers the empty
200 of the real server. Errors are raised by the domain and rendered by the dispatcher.
"""

from flask import request

from sandbox.usecases import commands
from sandbox.web.bots import ROUTES
from sandbox.web.pipeline import request_data, sandbox
from sandbox.web.responses import empty_response


@ROUTES["send_chat_message"].handler("POST")
def send_chat_message(project, object_id):
    """POST /api/v1/bots/{id}/send_chat_message (6.12)."""
    commands.send_chat_message(sandbox(), project, object_id, request_data)
    return empty_response()


@ROUTES["speech"].handler("POST")
def speech(project, object_id):
    """POST /api/v1/bots/{id}/speech (6.13); the credentials link is built from the request's host (11.18)."""
    commands.speech(sandbox(), project, object_id, request_data, request.host_url)
    return empty_response()


@ROUTES["output_audio"].handler("POST")
def output_audio(project, object_id):
    """POST /api/v1/bots/{id}/output_audio (6.14): the body is checked before the bot is looked up."""
    commands.output_audio(sandbox(), project, object_id, request_data)
    return empty_response()


@ROUTES["output_image"].handler("POST")
def output_image(project, object_id):
    """POST /api/v1/bots/{id}/output_image (6.15)."""
    commands.output_image(sandbox(), project, object_id, request_data)
    return empty_response()


@ROUTES["output_video"].handler("POST")
def output_video(project, object_id):
    """POST /api/v1/bots/{id}/output_video (6.16)."""
    commands.output_video(sandbox(), project, object_id, request_data)
    return empty_response()


@ROUTES["admit_from_waiting_room"].handler("POST")
def admit_from_waiting_room(project, object_id):
    """POST /api/v1/bots/{id}/admit_from_waiting_room (6.20): the body is ignored."""
    commands.admit_from_waiting_room(sandbox(), project, object_id)
    return empty_response()


@ROUTES["change_gallery_view_page"].handler("POST")
def change_gallery_view_page(project, object_id):
    """POST /api/v1/bots/{id}/change_gallery_view_page (6.21)."""
    commands.change_gallery_view_page(sandbox(), project, object_id, request_data)
    return empty_response()


@ROUTES["transcription_settings"].handler("PATCH")
def transcription_settings(project, object_id):
    """PATCH /api/v1/bots/{id}/transcription_settings (6.22)."""
    commands.update_transcription_settings(sandbox(), project, object_id, request_data)
    return empty_response()


@ROUTES["voice_agent_settings"].handler("PATCH")
def voice_agent_settings(project, object_id):
    """PATCH /api/v1/bots/{id}/voice_agent_settings (6.23)."""
    commands.update_voice_agent_settings(sandbox(), project, object_id, request_data)
    return empty_response()
