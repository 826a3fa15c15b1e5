"""The bot as the sandbox stores it: its shape, its factory and the accessors every layer reads it through.

A bot is stored as one JSON document (a dict: cheap to copy and to save), typed here by `BotDoc`. Its
public face, the nine fields of the Bot object, is serialized by `sandbox.contract.responses`; the rest
(its project, platform, settings, scenario, scripted steps, recording, recorded commands) is the
sandbox's own bookkeeping. `new_bot` is the only place a bot document is made (fixtures are checked
against the same shape).
"""

from __future__ import annotations

from typing import TypedDict

from sandbox.contract.datetimes import to_stored
from sandbox.contract.meeting_urls import InvalidMeetingUrl, meeting_platform
from sandbox.contract.requests.bots import NON_CAPTION_PROVIDERS


class RecordingFile(TypedDict):
    uploaded_at: str  # stored datetime (`+00:00`)
    start_timestamp_ms: int | None  # epoch ms of the first media buffer, as GET /recording shows it


class Recording(TypedDict, total=False):
    """The bot's default recording (the real server creates one per API-created bot)."""

    id: str  # `rec_...`, part of the recording file's name
    state: str  # RECORDING_STATES: the bot's `recording_state`
    transcription_state: str  # TRANSCRIPTION_STATES: the bot's `transcription_state`
    format: str  # `mp4`, `mp3` or `none` (recording_settings.format)
    file: RecordingFile | None  # set by the upload during post-processing; None after delete_data
    transcription_failure_reasons: list[str]  # why the transcription failed, when a step said so
    audio_chunks: bool  # per-speaker audio an async transcription needs was recorded (record_async_...)


class BotDoc(TypedDict, total=False):
    id: str  # `bot_` + 16 characters
    project_id: str
    created_at: str  # stored datetime: the list order and the cursor position
    bot_name: str
    meeting_url: str  # normalized, as the real server stores it
    platform: str  # `zoom`, `google_meet` or `teams` (fixture bots may lack it: see `platform`)
    state: str  # a bot state (contract.states.BOT_STATES)
    events: list[dict]  # {type, created_at, sub_type?, metadata}, oldest first
    recording: Recording
    join_at: str | None  # stored datetime of a scheduled bot
    deduplication_key: str | None
    metadata: dict | None  # as sent (input order): JSONB order is applied when it is shown
    scenario: str  # the scenario whose scripted steps the bot follows
    pending_steps: list[dict]  # scripted steps with absolute due times (domain.scenarios.plan)
    breakout_return_state: str | None  # where a breakout-room detour returns
    settings: dict  # the create request's settings objects, defaults filled (STORED_SETTINGS)
    webhooks: list[dict]  # bot-level subscriptions {url, triggers}: when any, the only ones used
    commands: list[dict]  # media, chat and other commands the bot received, newest last
    media_requests: list[dict]  # its BotMediaRequests: {id, media_type, command, created_at, duration_seconds,
    #                             starts_at, ends_at}, oldest first (usecases/commands.py)


# The create request's settings objects a bot keeps (`settings`), defaults filled in by the parser.
STORED_SETTINGS = (
    "recording_settings",
    "transcription_settings",
    "zoom_settings",
    "google_meet_settings",
    "teams_settings",
    "automatic_leave_settings",
    "voice_agent_settings",
    "bot_chat_message",
    "bot_image",
    "websocket_settings",
    "rtmp_settings",
    "callback_settings",
    "external_media_storage_settings",
    "debug_settings",
)


def new_bot(ids, project_id, parsed, *, scenario, now) -> BotDoc:
    """A new bot of a validated create request (`parse_create_bot`): `ready`, or `scheduled` with a
    `join_at`, no events yet, its default recording not started."""
    join_at = parsed["join_at"]
    return {
        "id": ids.new("bot"),
        "project_id": project_id,
        "created_at": to_stored(now),
        "bot_name": parsed["bot_name"],
        "meeting_url": parsed["meeting_url"],
        "platform": parsed["platform"],
        "state": "scheduled" if join_at is not None else "ready",
        "events": [],
        "recording": {
            "id": ids.new("rec"),
            "state": "not_started",
            "transcription_state": "not_started",
            "format": parsed["recording_settings"].get("format") or "mp4",
            "file": None,
        },
        "join_at": to_stored(join_at) if join_at is not None else None,
        "deduplication_key": parsed["deduplication_key"],
        "metadata": parsed["metadata"],
        "scenario": scenario,
        "pending_steps": [],
        "breakout_return_state": None,
        "settings": {name: parsed[name] for name in STORED_SETTINGS},
        "webhooks": [{"url": hook["url"], "triggers": list(hook["triggers"])} for hook in parsed["webhooks"]],
    }


# -- accessors -------------------------------------------------------------------------------------------


def platform(bot: BotDoc) -> str | None:
    """`zoom`, `google_meet` or `teams`; a fixture bot without a stored platform gets its URL's."""
    if bot.get("platform"):
        return bot["platform"]
    try:
        return meeting_platform(bot.get("meeting_url") or "")
    except InvalidMeetingUrl:
        return None


def setting(bot: BotDoc, name: str) -> dict:
    """One of the bot's settings objects (`STORED_SETTINGS`), `{}` when it has none (fixture bots)."""
    return (bot.get("settings") or {}).get(name) or {}


def uses_zoom_web_sdk(bot: BotDoc) -> bool:
    return setting(bot, "zoom_settings").get("sdk", "native") == "web"


def platform_key(bot: BotDoc) -> str | None:
    """The key of `scenarios.PLATFORM_LEAD_SECONDS`: Zoom splits by SDK (native unless `sdk: web`)."""
    name = platform(bot)
    if name == "zoom":
        return "zoom_web" if uses_zoom_web_sdk(bot) else "zoom_native"
    return name


def recording_view(bot: BotDoc) -> str:
    return setting(bot, "recording_settings").get("view") or "speaker_view"


def transcribes_with_closed_captions(bot: BotDoc) -> bool:
    """The default recording's provider is closed captions: the real server picks the first provider
    key present (the others before `meeting_closed_captions`); with none, Zoom's native SDK uses Deepgram
    and everything else closed captions."""
    settings = setting(bot, "transcription_settings")
    if any(provider in settings for provider in NON_CAPTION_PROVIDERS):
        return False
    if "meeting_closed_captions" in settings:
        return True
    return not (platform(bot) == "zoom" and not uses_zoom_web_sdk(bot))


def voice_agent_resources_reserved(bot: BotDoc) -> bool:
    return bool(setting(bot, "voice_agent_settings").get("reserve_resources", False))
