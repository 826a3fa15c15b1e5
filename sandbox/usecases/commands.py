"""Commands sent to a bot in a meeting (docs/contract/bots-endpoints.md#send-chat-message to #output-video,
docs/contract/bots-endpoints.md#admit-from-waiting-room to #voice-agent-settings,
docs/contract/bots-endpoints.md#speech-credentials to #output-audio).

Chat messages, speech, audio, images, videos, admitting from the waiting room, paging the Zoom gallery,
and changing the closed-captions language or the voice agent page. The real server turns each into a
database request plus a Redis command for the bot process; the sandbox has no bot process, so each
accepted command is *recorded* on the bot (`bot["commands"]`, newest last, at most
`MAX_RECORDED_COMMANDS`) and answered exactly as the real server answers. Nothing is spoken or shown.

Each use case runs the real view's checks in the real view's order. Its body arrives parsed and validated;
several views read the body only after some checks (DRF parses lazily, docs/contract/conventions.md#body-parsing),
which the endpoint
table says (sandbox/contract/endpoints.py): those use cases get a `Body` and raise its refusal exactly where
the real view first touches the body (`body.read()`) or validates it (`body.validated()`).

Media playback is modelled as the real server's media requests (`BotMediaRequest`), so that the "already
playing" rules, which look only at a request that is *playing*, behave (docs/contract/bots-endpoints.md#output-image,
docs/contract/bots-endpoints.md#output-video, docs/contract/bots-endpoints.md#audio-no-playing-check):

* `output_audio` and `speech` make an audio request, `output_video` a video request; each is `enqueued` until
  the bot process picks it up, then `playing`, then `finished` (`dropped` when the bot leaves first:
  `leave_requested`, `meeting_ended`, `fatal_error`);
* a bot picks up the oldest enqueued request of each type once the one before it has finished, and not before
  `media_starts` seconds (`MEDIA_STARTS_SECONDS`, a `step_delays` name) after the request (the real bot hears of
  it through a Redis command); it plays it for its duration: an MP3's real duration from its frames, speech
  `speech_seconds(text)`, a video `VIDEO_PLAY_SECONDS` or, with `loop`, until the bot leaves;
* a bot whose scenario says `"media": "manual"` plays only what the control plane says (`start_media`,
  `finish_media`), which can also hurry an automatic bot;
* `output_video` is refused while any request plays, `output_image` while a video plays; `output_audio` and
  `speech` are never refused for that (docs/contract/bots-endpoints.md#audio-no-playing-check); an image is shown at
  once and blocks nothing.

All of it is evaluated lazily from the times stored on each request (no timers), like scripted steps.

Pure domain module: no Flask. The bodies are validated by the real serializers' counterparts in
`sandbox.contract.requests.commands`.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.contract.errors import AttendeeError, SandboxInputError
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
from sandbox.domain.project import capability

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

#: The media types a bot plays one request at a time each (images are shown at once).
MEDIA_TYPES = ("audio", "video")
#: The states of a media request (`BotMediaRequestStates`, `failed_to_play` aside: nothing fails here).
MEDIA_STATES = ("enqueued", "playing", "finished", "dropped")
#: How long the bot process takes to pick up a new request; a step name for the `step_delays` setting.
MEDIA_STARTS = "media_starts"
MEDIA_STARTS_SECONDS = 1.0
#: How many media requests a bot keeps: finished and dropped ones go first, then the oldest enqueued one.
MAX_MEDIA_REQUESTS = 100

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


def _stopped_at(bot, since):
    """When the bot stopped playing media requested at `since`: its first leave/end event since, or None."""
    for event in bot.get("events", []):
        if event["type"] in _MEDIA_STOPPING_EVENTS:
            at = parse_stored_datetime(event["created_at"])
            if at >= since:
                return at
    return None


def _time(item, key):
    return parse_stored_datetime(item[key]) if item.get(key) else None


def media_state(bot, item, now):
    """The state of one media request at `now` (one of MEDIA_STATES)."""
    start, end = _time(item, "starts_at"), _time(item, "ends_at")
    stopped = _stopped_at(bot, _time(item, "created_at"))
    if stopped is not None and stopped <= now:
        return "finished" if end is not None and end <= stopped else "dropped"
    if start is None or now < start:
        return "enqueued"
    if end is None or now < end:
        return "playing"
    return "finished"


def playing_media(bot, now):
    """`{"audio": request or None, "video": request or None}`: what the bot plays at `now`."""
    current = dict.fromkeys(MEDIA_TYPES)
    for item in bot.get("media_requests", []):
        if media_state(bot, item, now) == "playing":
            current[item["media_type"]] = item
    return current


def _plays_by_itself(sb, bot):
    return sb.scenario_of(bot).media != "manual"


def _plan(sb, bot, media_type, now):
    """(A bot that plays media by itself.) Give each enqueued request of `media_type` its pick-up time: not
    before `media_starts` after its request, and not before the one ahead of it has finished; a request behind
    one that never ends (a looping video) waits with no time."""
    delay = timedelta(seconds=sb.settings.step_delays.get(MEDIA_STARTS, MEDIA_STARTS_SECONDS))
    free_at, blocked = None, False  # when the player is free: None = already; blocked = never by itself
    for item in bot.get("media_requests", []):
        if item["media_type"] != media_type:
            continue
        state = media_state(bot, item, now)
        if state == "dropped":
            continue
        if state != "enqueued":
            end = _time(item, "ends_at")
            free_at, blocked = end, end is None
            continue
        if blocked:
            item["starts_at"] = item["ends_at"] = None
            continue
        start = _time(item, "created_at") + delay
        if free_at is not None and free_at > start:
            start = free_at
        seconds = item["duration_seconds"]
        end = None if seconds is None else start + timedelta(seconds=seconds)
        item["starts_at"], item["ends_at"] = to_stored(start), (None if end is None else to_stored(end))
        free_at, blocked = end, end is None


def _enqueue(unit, now, media_type, command, seconds):
    """A new media request of `media_type` that plays `seconds` (None: until stopped), `enqueued`."""
    sb, bot = unit.sandbox, unit.bot
    requests = bot.setdefault("media_requests", [])
    requests.append(
        {
            "id": sb.ids.new("media"),
            "media_type": media_type,
            "command": command,
            "created_at": to_stored(now),
            "duration_seconds": seconds,
            "starts_at": None,
            "ends_at": None,
        }
    )
    while len(requests) > MAX_MEDIA_REQUESTS:
        states = [media_state(bot, item, now) for item in requests]
        settled = [i for i, state in enumerate(states) if state in ("finished", "dropped")]
        waiting = [i for i, state in enumerate(states) if state == "enqueued"]
        del requests[(settled or waiting)[0]]
    if _plays_by_itself(sb, bot):
        _plan(sb, bot, media_type, now)
    unit.dirty = True


def public_media_request(bot, item, now):
    """A media request as the control plane shows it, in its state at `now`."""
    state = media_state(bot, item, now)
    start = _time(item, "starts_at")
    stopped = _stopped_at(bot, _time(item, "created_at"))
    if state == "dropped":
        started = start is not None and start < stopped  # it was playing when the bot left
        ended = stopped
    else:
        started = state != "enqueued"
        ended = _time(item, "ends_at") if state == "finished" else None
    seconds = item.get("duration_seconds")
    return {
        "id": item["id"],
        "media_type": item["media_type"],
        "command": item["command"],
        "state": state,
        "duration_ms": None if seconds is None else round(seconds * 1000),
        "created_at": item["created_at"],
        "started_at": start if started else None,
        "ended_at": ended,
    }


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


def send_chat_message(sb, project, bot_id, body):
    """POST /send_chat_message (docs/contract/bots-endpoints.md#send-chat-message): Bot 404, body
    (`parse_chat_message`), joined state, participant, then
    record."""
    request = body
    with sb.bot_unit(project, bot_id) as unit:
        _require_joined(unit.bot, CANNOT_SEND_CHAT)
        uuid = request["to_user_uuid"]
        if uuid and not any(p.get("uuid") == uuid for p in sb.store.scan("participants", bot_id)):
            raise AttendeeError(NO_PARTICIPANT.format(uuid))
        _record(unit, "send_chat_message", sb.now(project), **request)


def speech(sb, project, bot_id, body, request):
    """POST /speech (docs/contract/bots-endpoints.md#speech, docs/contract/bots-endpoints.md#speech-credentials): Bot
    404, body (`parse_speech`), joined state, Google TTS credentials, then
    queue.

    The credentials link is built from the request's scheme and host (`request.host_url`), as the real one.
    A project has Google TTS credentials unless it says `"google_tts_credentials": false` (domain/project.py).
    """
    dashboard_url = request.host_url
    request = body
    with sb.bot_unit(project, bot_id) as unit:
        _require_joined(unit.bot, CANNOT_PLAY_MEDIA)
        if not capability(project, "google_tts_credentials"):
            raise AttendeeError(GOOGLE_TTS_CREDENTIALS_REQUIRED.format(dashboard_url.rstrip("/"), project["id"]))
        now = sb.now(project)
        seconds = speech_seconds(request["text"])
        _record(unit, "speech", now, **request, duration_ms=round(seconds * 1000))
        _enqueue(unit, now, "audio", "speech", seconds)


def output_audio(sb, project, bot_id, body):
    """POST /output_audio (docs/contract/bots-endpoints.md#output-audio,
    docs/contract/bots-endpoints.md#audio-no-playing-check): the body first (`parse_output_audio`: its content type and
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
        )
        _enqueue(unit, now, "audio", "output_audio", seconds)


def output_image(sb, project, bot_id, body):
    """POST /output_image (docs/contract/bots-endpoints.md#output-image): Bot 404, joined state, no video playing (an
    enqueued one does not
    count), body (a `Body` of `parse_output_image`), blob size. The image is shown at once: it never blocks
    anything."""
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
    """POST /output_video (docs/contract/bots-endpoints.md#output-video): Bot 404, body (`parse_output_video`), Zoom
    refused, joined state, no request
    of any type playing (an enqueued one does not count)."""
    request = body
    with sb.bot_unit(project, bot_id) as unit:
        if bot_model.platform(unit.bot) == "zoom" and not zoom_video_output_enabled(sb):
            raise AttendeeError(VIDEO_NOT_SUPPORTED)
        _require_joined(unit.bot, CANNOT_PLAY_MEDIA)
        now = sb.now(project)
        if any(playing_media(unit.bot, now).values()):
            raise AttendeeError(ALREADY_PLAYING_MEDIA)
        _record(unit, "output_video", now, **request)
        _enqueue(unit, now, "video", "output_video", None if request["loop"] else VIDEO_PLAY_SECONDS)


def admit_from_waiting_room(sb, project, bot_id):
    """POST /admit_from_waiting_room (docs/contract/bots-endpoints.md#admit-from-waiting-room): Bot 404, Zoom only,
    joined state. The body is ignored."""
    with sb.bot_unit(project, bot_id) as unit:
        if bot_model.platform(unit.bot) != "zoom":
            raise AttendeeError(ADMIT_NOT_SUPPORTED)
        _require_joined(unit.bot, CANNOT_ADMIT)
        _record(unit, "admit_from_waiting_room", sb.now(project))


def change_gallery_view_page(sb, project, bot_id, body):
    """POST /change_gallery_view_page (docs/contract/bots-endpoints.md#change-gallery-view-page): Bot 404, Zoom, web
    SDK, gallery view, joined state, then
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
    """PATCH /transcription_settings (docs/contract/bots-endpoints.md#transcription-settings): Bot 404, body parsed,
    joined state, closed captions, body
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
    """PATCH /voice_agent_settings (docs/contract/bots-endpoints.md#voice-agent-settings): Bot 404, body parsed, joined
    state, resources reserved, body
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


# --------------------------------------------------------------------------------------------------
# The control plane: what the bot process does with its media requests
# --------------------------------------------------------------------------------------------------


def _media_type(value):
    if value not in MEDIA_TYPES:
        raise SandboxInputError(f"media_type must be one of: {', '.join(MEDIA_TYPES)}")
    return value


def media_requests(sb, project, bot_id):
    """GET /sandbox/bots/{id}/media: the bot's media requests, oldest first, in their state now."""
    with sb.bot_unit(project, bot_id) as unit:
        now = sb.now(project)
        return {"results": [public_media_request(unit.bot, item, now) for item in unit.bot.get("media_requests", [])]}


def start_media(sb, project, bot_id, media_type):
    """POST /sandbox/bots/{id}/media/start: the bot process picks up the oldest enqueued request of
    `media_type` now, as it does when nothing of that type plays. A bot that plays media by itself plays it
    for its duration (and the requests behind it follow); a `manual` one until `finish_media`."""
    media_type = _media_type(media_type)
    with sb.bot_unit(project, bot_id) as unit:
        bot, now = unit.bot, sb.now(project)
        items = [item for item in bot.get("media_requests", []) if item["media_type"] == media_type]
        playing = next((item for item in items if media_state(bot, item, now) == "playing"), None)
        if playing is not None:
            raise SandboxInputError(
                f"The bot is already playing {media_type} request {playing['id']}: the real bot plays one "
                f"{media_type} request at a time (POST /sandbox/bots/{bot_id}/media/finish ends it)",
                status=409,
            )
        item = next((item for item in items if media_state(bot, item, now) == "enqueued"), None)
        if item is None:
            raise SandboxInputError(f"The bot has no enqueued {media_type} request to play", status=409)
        seconds = item["duration_seconds"]
        by_itself = _plays_by_itself(sb, bot)
        item["starts_at"] = to_stored(now)
        item["ends_at"] = to_stored(now + timedelta(seconds=seconds)) if by_itself and seconds is not None else None
        if by_itself:
            _plan(sb, bot, media_type, now)
        unit.dirty = True
        return public_media_request(bot, item, now)


def finish_media(sb, project, bot_id, media_type):
    """POST /sandbox/bots/{id}/media/finish: the playing request of `media_type` ends now (`finished`). A
    bot that plays media by itself then picks up the next one; a `manual` one waits for `start_media`."""
    media_type = _media_type(media_type)
    with sb.bot_unit(project, bot_id) as unit:
        bot, now = unit.bot, sb.now(project)
        item = playing_media(bot, now)[media_type]
        if item is None:
            raise SandboxInputError(f"The bot is playing no {media_type} request", status=409)
        item["ends_at"] = to_stored(now)
        if _plays_by_itself(sb, bot):
            _plan(sb, bot, media_type, now)
        unit.dirty = True
        return public_media_request(bot, item, now)


__all__ = [
    "MAX_MEDIA_REQUESTS",
    "MAX_RECORDED_COMMANDS",
    "MEDIA_STARTS_SECONDS",
    "VIDEO_PLAY_SECONDS",
    "admit_from_waiting_room",
    "bot_commands",
    "change_gallery_view_page",
    "finish_media",
    "media_requests",
    "media_state",
    "is_valid_url",
    "mp3_duration_seconds",
    "output_audio",
    "output_image",
    "output_video",
    "playing_media",
    "send_chat_message",
    "speech",
    "start_media",
    "speech_seconds",
    "update_transcription_settings",
    "update_voice_agent_settings",
]
