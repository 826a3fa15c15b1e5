"""The bodies of the bot commands (docs/contract/bots-endpoints.md#send-chat-message to #output-video,
docs/contract/bots-endpoints.md#change-gallery-view-page to #voice-agent-settings), as the real server validates them.

Serializers where the real view uses one (chat message and image reuse the create-bot ones), and the
hand-written checks where the real view reads the body itself (`output_audio`, `change_gallery_view_page`);
at the end, each body as the endpoint table names it.
"""

from __future__ import annotations

from sandbox.contract import jsonschemas as js
from sandbox.contract import messages as msg
from sandbox.contract.drf import (
    BooleanField,
    CharField,
    JsonSchemaField,
    Serializer,
    URLField,
    ValidationError,
    documents,
)
from sandbox.contract.errors import AttendeeError
from sandbox.contract.media_checks import decode_base64_lenient
from sandbox.contract.requests import BodyRule
from sandbox.contract.requests.bots import BOT_IMAGE, BotChatMessage, BotImage, load

AUDIO_CONTENT_TYPES = ("audio/mp3",)


class Speech(Serializer):
    """`SpeechSerializer`."""

    text = CharField()
    text_to_speech_settings = JsonSchemaField(js.TEXT_TO_SPEECH_SETTINGS_SCHEMA)


class OutputVideo(Serializer):
    """`OutputVideoRequestSerializer`."""

    url = URLField()
    loop = BooleanField(default=False)
    mute_video = BooleanField(default=False)

    @documents(pattern=r"^https://.*\.mp4$")
    def validate_url(self, value):
        if not value.startswith("https://"):
            raise ValidationError(msg.URL_MUST_BE_HTTPS)
        if not value.endswith(".mp4"):
            raise ValidationError(msg.URL_MUST_BE_MP4)
        return value


class PatchTranscriptionSettings(Serializer):
    """`PatchBotTranscriptionSettingsSerializer`: a new closed-captions language."""

    transcription_settings = JsonSchemaField(js.PATCH_TRANSCRIPTION_SETTINGS_SCHEMA)

    def validate_transcription_settings(self, value):
        if not value or not value.get("meeting_closed_captions"):
            raise ValidationError(msg.NO_TRANSCRIPTION_SETTING)
        return value


class PatchVoiceAgentSettings(Serializer):
    """`PatchBotVoiceAgentSettingsSerializer`. Context: `allowlist` (VOICE_AGENT_URL_PREFIX_ALLOWLIST)."""

    reject_unknown_fields = True

    url = CharField(required=False, allow_blank=True, metadata={"description": 'Shown as webcam; "" turns it off.'})
    screenshare_url = CharField(
        required=False, allow_blank=True, metadata={"description": 'Shown as screenshare; "" turns it off.'}
    )

    def validate_url(self, value):
        if value and not value.lower().startswith("https://"):
            raise ValidationError(msg.URL_MUST_BE_HTTPS)
        return value

    validate_screenshare_url = validate_url

    def validate_object(self, data):
        if data.get("url") and data.get("screenshare_url"):
            raise ValidationError(msg.VOICE_AGENT_BOTH_URLS)
        allowlist = self.context.get("allowlist")
        for name in ("url", "screenshare_url"):
            url = data.get(name)
            if url and allowlist and not any(url.startswith(prefix) for prefix in allowlist.split(",")):
                raise ValidationError({name: msg.VOICE_AGENT_URL_NOT_ALLOWED})


CHAT_MESSAGE = BotChatMessage()
SPEECH = Speech()
OUTPUT_VIDEO = OutputVideo()
PATCH_TRANSCRIPTION_SETTINGS = PatchTranscriptionSettings()
PATCH_VOICE_AGENT_SETTINGS = PatchVoiceAgentSettings()
VOICE_AGENT_FIELDS = tuple(PATCH_VOICE_AGENT_SETTINGS.fields)


def parse_chat_message(data):
    """`BotChatMessageRequestSerializer`: {to, to_user_uuid, message} or FieldErrors."""
    return load(CHAT_MESSAGE, data)


def parse_speech(data):
    """`SpeechSerializer`: {text, text_to_speech_settings} or FieldErrors."""
    return load(SPEECH, data)


def parse_output_audio(data):
    """The hand-written checks of `OutputAudioView`, before the bot lookup: (content type, bytes).

    The real view tests `"type" in request.data`; a body that is not an object answers 500 there when
    the test happens to pass (or cannot run); the sandbox answers "Both type and data are required".
    """
    if not isinstance(data, dict) or "type" not in data or "data" not in data:
        raise AttendeeError(msg.AUDIO_BOTH_REQUIRED)
    content_type = data["type"]
    if not isinstance(content_type, str) or content_type not in AUDIO_CONTENT_TYPES:
        raise AttendeeError(msg.AUDIO_INVALID_TYPE)
    decoded = decode_base64_lenient(data["data"])
    if decoded is None:
        raise AttendeeError(msg.INVALID_BASE64)
    return content_type, decoded


def parse_output_image(data):
    """`BotImageSerializer`: {type, data, decoded} or FieldErrors (field errors, then non_field_errors)."""
    image = load(BOT_IMAGE, data)
    return {**image, "decoded": decode_base64_lenient(image["data"])}


def parse_output_video(data):
    """`OutputVideoRequestSerializer`: {url, loop, mute_video} or FieldErrors."""
    return load(OUTPUT_VIDEO, data)


def parse_transcription_settings_patch(data):
    """`PatchBotTranscriptionSettingsSerializer`: the `transcription_settings` to merge, or FieldErrors."""
    return load(PATCH_TRANSCRIPTION_SETTINGS, data)["transcription_settings"]


def parse_voice_agent_settings_patch(data, *, allowlist=None):
    """`PatchBotVoiceAgentSettingsSerializer`: the fields sent ({"url": ...} and/or {"screenshare_url": ...});
    field errors first, then unknown fields, then the serializer's `validate`."""
    return load(PATCH_VOICE_AGENT_SETTINGS, data, allowlist=allowlist)


def parse_gallery_direction(data):
    """`ChangeGalleryViewPageView` reads `direction` itself (default `next`; anything else means previous)."""
    if not isinstance(data, dict):
        raise AttendeeError(msg.GALLERY_BODY_NOT_AN_OBJECT)
    return "next" if data.get("direction", "next") == "next" else "previous"


# --------------------------------------------------------------------------------------------------
# The bodies as the endpoint table names them
# --------------------------------------------------------------------------------------------------

#: `OutputAudioView` reads its body by hand: what its checks accept.
OUTPUT_AUDIO_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": list(AUDIO_CONTENT_TYPES)},
        "data": {"type": "string", "description": "Base64 MP3 data."},
    },
    "required": ["type", "data"],
    "additionalProperties": False,
    "description": "Audio for the bot to play.",
}
GALLERY_SCHEMA = {
    "type": "object",
    "properties": {"direction": {"type": "string", "enum": ["next", "previous"], "default": "next"}},
    "additionalProperties": False,
    "description": "Which gallery page to show; anything but `next` means previous.",
}

CHAT_MESSAGE_BODY = BodyRule("BotChatMessageRequest", lambda data, context: parse_chat_message(data), BotChatMessage)
SPEECH_BODY = BodyRule("SpeechRequest", lambda data, context: parse_speech(data), Speech)
OUTPUT_AUDIO_BODY = BodyRule("OutputAudioRequest", lambda data, context: parse_output_audio(data), OUTPUT_AUDIO_SCHEMA)
OUTPUT_IMAGE_BODY = BodyRule("BotImage", lambda data, context: parse_output_image(data), BotImage)
OUTPUT_VIDEO_BODY = BodyRule("OutputVideoRequest", lambda data, context: parse_output_video(data), OutputVideo)
GALLERY_BODY = BodyRule(
    "ChangeGalleryViewPageRequest", lambda data, context: parse_gallery_direction(data), GALLERY_SCHEMA, required=False
)
TRANSCRIPTION_SETTINGS_BODY = BodyRule(
    "TranscriptionSettingsPatchRequest",
    lambda data, context: parse_transcription_settings_patch(data),
    PatchTranscriptionSettings,
)
VOICE_AGENT_SETTINGS_BODY = BodyRule(
    "VoiceAgentSettingsPatchRequest",
    lambda data, context: parse_voice_agent_settings_patch(
        data, allowlist=context.settings.voice_agent_url_prefix_allowlist
    ),
    PatchVoiceAgentSettings,
)


__all__ = [
    "AUDIO_CONTENT_TYPES",
    "BotImage",
    "OutputVideo",
    "PatchTranscriptionSettings",
    "PatchVoiceAgentSettings",
    "Speech",
    "parse_chat_message",
    "parse_gallery_direction",
    "parse_output_audio",
    "parse_output_image",
    "parse_output_video",
    "parse_speech",
    "parse_transcription_settings_patch",
    "parse_voice_agent_settings_patch",
]
