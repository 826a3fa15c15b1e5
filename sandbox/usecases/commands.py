"""Commands sent to a bot in a meeting (contract 6.12-6.16, 6.20-6.23, 11.18-11.21).

Chat messages, speech, audio, images, videos, admitting from the waiting room, paging the Zoom gallery,
and changing the closed-captions language or the voice agent page. The real server turns each into a
database request plus a Redis command for the bot process; the sandbox has no bot process, so each
accepted command is *recorded* on the bot (`bot["commands"]`, newest last, at most
`MAX_RECORDED_COMMANDS`) and answered exactly as the real server answers. Nothing is spoken or shown.

Each use case runs the real view's checks in the real view's order. Its body arrives parsed and validated;
several views read the body only after some checks (DRF parses lazily, contract 1.4), which the endpoint
table says (sandbox/contract/endpoints.py): those use cases get a `Body` and raise its refusal exactly where
the real view first touches the body (`body.read()`) or validates it (`body.validated()`).

Media playback is modelled in time so that the "already playing" rules behave (11.19):

* audio (`output_audio`, `speech`) is one queue: an item starts when the previous one ends and plays for
  its duration (an MP3's real duration from its frames; speech: `speech_seconds(text)`);
* a video plays `VIDEO_PLAY_SECONDS` from the request, or, with `loop`, until the bot leaves;
* everything stops when the bot leaves the meeting (`leave_requested`, `meeting_ended`, `fatal_error`);
* an image is shown at once and blocks nothing.

Pure domain module: no Flask. The bodies are validated by the real serializers' counterparts in
`sandbox.contract.requests.commands`.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.contract.errors import AttendeeError
from sandbox.contract.media_checks import (
    BLOB_TOO_LARGE_ERROR,
    MAX_BLOB_BYTES,
    mp3_decode_error,
    mp3_frames,
)
from sandbox.contract.messages import NO_PARTICIPANT
from sandbox.contract.validators import is_valid_url
from sandbox.domain import bot as bot_model
from sandbox.domain.lifecycle import JOINED_STATES

# --------------------------------------------------------------------------------------------------
# The sandbox's model of playback (the real server's flags `ENABLE_ZOOM_VIDEO_OUTPUT` and
# `VOICE_AGENT_URL_PREFIX_ALLOWLIST` are settings of the same names, see sandbox/config.py)
# --------------------------------------------------------------------------------------------------

#: How long a non-looping video "plays" (the sandbox never downloads the MP4).
VIDEO_PLAY_SECONDS = 30.0

#: Speech is read at this pace (150 words a minute), and lasts at least `MIN_SPEECH_SECONDS`.
SPEECH_WORDS_PER_SECOND = 2.5
MIN_SPEECH_SECONDS = 1.0

#: How many commands a bot keeps (the oldest are dropped first).
MAX_RECORDED_COMMANDS = 100

#: Events after which the bot no longer plays anything.
_MEDIA_STOPPING_EVENTS = ("leave_requested", "meeting_ended", "fatal_error")

# --------------------------------------------------------------------------------------------------
# Messages of the views' own checks (request validation's are in sandbox/contract/messages.py)
# --------------------------------------------------------------------------------------------------

CANNOT_PLAY_MEDIA = "Bot is in state {} and cannot play media"
CANNOT_SEND_CHAT = "Bot is in state {} and cannot send chat messages"
CANNOT_ADMIT = "Bot is in state {} and cannot admit from waiting room"
CANNOT_CHANGE_GALLERY = "Bot is in state {} and cannot change the gallery view page"
CANNOT_UPDATE_TRANSCRIPTION = "Bot is in state {} and cannot update transcription settings"
CANNOT_UPDATE_VOICE_AGENT = "Bot is in state {} and cannot update voice agent settings"
GOOGLE_TTS_CREDENTIALS_REQUIRED = (
    "Google Text-to-Speech credentials are required. Please add credentials at {}/projects/{}/credentials"
)
AUDIO_BLOB_ERROR = "Error creating the audio blob. Are you sure it's a valid {} file?"
IMAGE_BLOB_ERROR = "Error creating the image blob: {}."
ALREADY_PLAYING_VIDEO = "Bot is already playing a video. Please wait for it to finish."
ALREADY_PLAYING_MEDIA = "Bot is already playing media. Please wait for it to finish."
VIDEO_NOT_SUPPORTED = "Video output is not supported in this meeting type"
ADMIT_NOT_SUPPORTED = "Admitting from waiting room is not supported for this meeting type"
GALLERY_NOT_SUPPORTED = "Changing gallery view page is not supported for this meeting type"
GALLERY_WEB_SDK_ONLY = "Changing gallery view page is only supported for Zoom Web SDK"
GALLERY_VIEW_ONLY = "Changing gallery view page is only supported for when recording in gallery view"
NOT_CLOSED_CAPTIONS = "Bot is not transcribing with meeting closed captions"
VOICE_AGENT_NOT_RESERVED = (
    "Voice agent resources were not reserved. You must create the bot with "
    "voice_agent_settings.reserve_resources set to true."
)

# --------------------------------------------------------------------------------------------------
# Media timing
# --------------------------------------------------------------------------------------------------

_SAMPLES_PER_FRAME = {1: 384, 2: 1152}


def mp3_duration_seconds(data):
    """The playing time of the MPEG audio frames that follow each other from the start of `data`
    (after any ID3v2 tags): the sum of samples per frame over the sample rate, not counting a leading
    Xing/Info header frame."""
    data = bytes(data)
    total = 0.0
    for number, (pos, (version_bits, layer, rate), _length) in enumerate(mp3_frames(data)):
        samples = _SAMPLES_PER_FRAME.get(layer, 1152 if version_bits == 3 else 576)
        first_frame_is_tag = number == 0 and any(tag in data[pos : pos + 48] for tag in (b"Xing", b"Info"))
        if not first_frame_is_tag:  # a Xing/Info header frame carries no audio
            total += samples / rate
    return total


def speech_seconds(text):
    """How long the sandbox's bot takes to say `text` (there is no text-to-speech here)."""
    return max(MIN_SPEECH_SECONDS, len(text.split()) / SPEECH_WORDS_PER_SECOND)


def _stopped_at(bot, start):
    """When the bot stopped playing media started at `start`: its first leave/end event since, or None."""
    for event in bot.get("events", []):
        if event["type"] in _MEDIA_STOPPING_EVENTS:
            at = parse_stored_datetime(event["created_at"])
            if at >= start:
                return at
    return None


def _window(bot, item):
    start = parse_stored_datetime(item["starts_at"])
    end = parse_stored_datetime(item["ends_at"]) if item.get("ends_at") else None
    stopped = _stopped_at(bot, start)
    if stopped is not None and (end is None or stopped < end):
        end = stopped
    return start, end


def _playing(bot, item, now):
    start, end = _window(bot, item)
    return start <= now and (end is None or now < end)


def playing_media(bot, now):
    """`{"audio": item or None, "video": item or None}`: what the bot plays at `now`."""
    current = {"audio": None, "video": None}
    for item in bot.get("commands", []):
        media = item.get("media")
        if media in current and _playing(bot, item, now):
            current[media] = item
    return current


def _audio_queue_end(bot, now):
    """When the audio queue is free: the end of the last queued audio item, or `now`."""
    end = now
    for item in bot.get("commands", []):
        if item.get("media") == "audio":
            _, item_end = _window(bot, item)
            if item_end is not None and item_end > end:
                end = item_end
    return end


def bot_commands(bot):
    """The commands recorded on a bot, oldest first (for the control API and the dashboard)."""
    return [dict(item) for item in bot.get("commands", [])]


# --------------------------------------------------------------------------------------------------
# Use cases
# --------------------------------------------------------------------------------------------------


def _require_joined(bot, message):
    if bot["state"] not in JOINED_STATES:
        raise AttendeeError(message.format(bot["state"]))


def _record(unit, command, now, **details):
    commands = unit.bot.setdefault("commands", [])
    commands.append({"command": command, "created_at": to_stored(now), **details})
    del commands[:-MAX_RECORDED_COMMANDS]
    unit.dirty = True


def _queue_audio(unit, now, seconds):
    start = _audio_queue_end(unit.bot, now)
    return {"media": "audio", "starts_at": to_stored(start), "ends_at": to_stored(start + timedelta(seconds=seconds))}


def send_chat_message(sb, project, bot_id, body):
    """POST /send_chat_message (6.12): Bot 404, body (`parse_chat_message`), joined state, participant, then
    record."""
    request = body
    with sb.bot_unit(project, bot_id) as unit:
        _require_joined(unit.bot, CANNOT_SEND_CHAT)
        uuid = request["to_user_uuid"]
        if uuid and not any(p.get("uuid") == uuid for p in sb.store.scan("participants", bot_id)):
            raise AttendeeError(NO_PARTICIPANT.format(uuid))
        _record(unit, "send_chat_message", sb.now(project), **request)


def speech(sb, project, bot_id, body, request):
    """POST /speech (6.13, 11.18): Bot 404, body (`parse_speech`), joined state, Google TTS credentials, then
    queue.

    The credentials link is built from the request's scheme and host (`request.host_url`), as the real one.
    A project has Google TTS credentials unless its document says `"google_tts_credentials": false`.
    """
    dashboard_url = request.host_url
    request = body
    with sb.bot_unit(project, bot_id) as unit:
        _require_joined(unit.bot, CANNOT_PLAY_MEDIA)
        if not project.get("google_tts_credentials", True):
            raise AttendeeError(GOOGLE_TTS_CREDENTIALS_REQUIRED.format(dashboard_url.rstrip("/"), project["id"]))
        now = sb.now(project)
        seconds = speech_seconds(request["text"])
        _record(unit, "speech", now, **request, duration_ms=round(seconds * 1000), **_queue_audio(unit, now, seconds))


def output_audio(sb, project, bot_id, body):
    """POST /output_audio (6.14, 11.19, 11.21): the body first (`parse_output_audio`: its content type and
    bytes), then Bot 404, joined state, the MP3."""
    content_type, blob = body
    with sb.bot_unit(project, bot_id) as unit:
        _require_joined(unit.bot, CANNOT_PLAY_MEDIA)
        raw_error = mp3_decode_error(blob)
        if raw_error is not None:
            raise AttendeeError(AUDIO_BLOB_ERROR.format(content_type), raw_error=raw_error)
        now = sb.now(project)
        seconds = mp3_duration_seconds(blob)
        _record(
            unit,
            "output_audio",
            now,
            type=content_type,
            bytes=len(blob),
            sha256=hashlib.sha256(blob).hexdigest(),
            duration_ms=round(seconds * 1000),
            **_queue_audio(unit, now, seconds),
        )


def output_image(sb, project, bot_id, body):
    """POST /output_image (6.15, 11.20): Bot 404, joined state, no video playing, body (a `Body` of
    `parse_output_image`), blob size."""
    with sb.bot_unit(project, bot_id) as unit:
        _require_joined(unit.bot, CANNOT_PLAY_MEDIA)
        now = sb.now(project)
        if playing_media(unit.bot, now)["video"] is not None:
            raise AttendeeError(ALREADY_PLAYING_VIDEO)
        image = body.validated()
        if len(image["decoded"]) > MAX_BLOB_BYTES:
            raise AttendeeError(IMAGE_BLOB_ERROR.format(BLOB_TOO_LARGE_ERROR))
        blob = image["decoded"]
        _record(
            unit, "output_image", now, type=image["type"], bytes=len(blob), sha256=hashlib.sha256(blob).hexdigest()
        )


def zoom_video_output_enabled(sb):
    return sb.settings.enable_zoom_video_output


def output_video(sb, project, bot_id, body):
    """POST /output_video (6.16): Bot 404, body (`parse_output_video`), Zoom refused, joined state, nothing
    playing."""
    request = body
    with sb.bot_unit(project, bot_id) as unit:
        if bot_model.platform(unit.bot) == "zoom" and not zoom_video_output_enabled(sb):
            raise AttendeeError(VIDEO_NOT_SUPPORTED)
        _require_joined(unit.bot, CANNOT_PLAY_MEDIA)
        now = sb.now(project)
        playing = playing_media(unit.bot, now)
        if playing["audio"] is not None or playing["video"] is not None:
            raise AttendeeError(ALREADY_PLAYING_MEDIA)
        end = None if request["loop"] else to_stored(now + timedelta(seconds=VIDEO_PLAY_SECONDS))
        _record(unit, "output_video", now, **request, media="video", starts_at=to_stored(now), ends_at=end)


def admit_from_waiting_room(sb, project, bot_id):
    """POST /admit_from_waiting_room (6.20): Bot 404, Zoom only, joined state. The body is ignored."""
    with sb.bot_unit(project, bot_id) as unit:
        if bot_model.platform(unit.bot) != "zoom":
            raise AttendeeError(ADMIT_NOT_SUPPORTED)
        _require_joined(unit.bot, CANNOT_ADMIT)
        _record(unit, "admit_from_waiting_room", sb.now(project))


def change_gallery_view_page(sb, project, bot_id, body):
    """POST /change_gallery_view_page (6.21): Bot 404, Zoom, web SDK, gallery view, joined state, then
    the body's `direction` (a `Body` of `parse_gallery_direction`: `next` by default, else previous)."""
    with sb.bot_unit(project, bot_id) as unit:
        bot = unit.bot
        if bot_model.platform(bot) != "zoom":
            raise AttendeeError(GALLERY_NOT_SUPPORTED)
        if not bot_model.uses_zoom_web_sdk(bot):
            raise AttendeeError(GALLERY_WEB_SDK_ONLY)
        if bot_model.recording_view(bot) != "gallery_view":
            raise AttendeeError(GALLERY_VIEW_ONLY)
        _require_joined(bot, CANNOT_CHANGE_GALLERY)
        direction = body.validated()
        _record(unit, "change_gallery_view_page", sb.now(project), direction=direction)


def update_transcription_settings(sb, project, bot_id, body):
    """PATCH /transcription_settings (6.22): Bot 404, body parsed, joined state, closed captions, body
    validated (a `Body` of `parse_transcription_settings_patch`); then the new language is merged into the
    bot's closed-captions settings."""
    with sb.bot_unit(project, bot_id) as unit:
        body.read()
        bot = unit.bot
        _require_joined(bot, CANNOT_UPDATE_TRANSCRIPTION)
        if not bot_model.transcribes_with_closed_captions(bot):
            raise AttendeeError(NOT_CLOSED_CAPTIONS)
        value = body.validated()
        settings = bot.setdefault("settings", {})
        transcription = settings.get("transcription_settings") or {}
        captions = transcription.get("meeting_closed_captions") or {}
        requested = value["meeting_closed_captions"]
        for key in ("teams_language", "google_meet_language"):
            if requested.get(key):
                captions[key] = requested[key]
        transcription["meeting_closed_captions"] = captions
        settings["transcription_settings"] = transcription
        _record(unit, "transcription_settings", sb.now(project), meeting_closed_captions=dict(requested))


def update_voice_agent_settings(sb, project, bot_id, body):
    """PATCH /voice_agent_settings (6.23): Bot 404, body parsed, joined state, resources reserved, body
    validated (a `Body` of `parse_voice_agent_settings_patch`, with VOICE_AGENT_URL_PREFIX_ALLOWLIST); `url`
    replaces `screenshare_url` and the other way round ("" turns the agent off)."""
    with sb.bot_unit(project, bot_id) as unit:
        body.read()
        bot = unit.bot
        _require_joined(bot, CANNOT_UPDATE_VOICE_AGENT)
        if not bot_model.voice_agent_resources_reserved(bot):
            raise AttendeeError(VOICE_AGENT_NOT_RESERVED)
        values = body.validated()
        agent = bot["settings"]["voice_agent_settings"]
        if "url" in values:
            agent["url"] = values["url"]
            agent.pop("screenshare_url", None)
        if "screenshare_url" in values:
            agent["screenshare_url"] = values["screenshare_url"]
            agent.pop("url", None)
        _record(unit, "voice_agent_settings", sb.now(project), **values)


__all__ = [
    "MAX_RECORDED_COMMANDS",
    "VIDEO_PLAY_SECONDS",
    "admit_from_waiting_room",
    "bot_commands",
    "change_gallery_view_page",
    "is_valid_url",
    "mp3_duration_seconds",
    "output_audio",
    "output_image",
    "output_video",
    "playing_media",
    "send_chat_message",
    "speech",
    "speech_seconds",
    "update_transcription_settings",
    "update_voice_agent_settings",
]
