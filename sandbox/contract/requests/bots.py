"""`POST /bots` and `PATCH /bots/{id}` bodies, as the real server validates them
(docs/contract/bots-endpoints.md#patch-bot, docs/contract/create-bot.md#create-bot).

The serializers mirror the real `CreateBotSerializer`, `PatchBotSerializer` and their nested
`BotImageSerializer` and `BotChatMessageRequestSerializer`: the same fields in the same order (the order
of the error map), the same `validate_<field>` methods, the settings objects checked with the real
jsonschema documents.

Entry points (pure: no Flask, no store):

* `parse_create_bot(body, now=...)` -> the normalized request, or raises `FieldErrors` / `AttendeeError`.
* `check_bot_webhooks(webhooks)`: the database rules for bot-level webhook subscriptions
(docs/contract/create-bot.md#create-order-of-checks step 7).
* `check_bot_insert(parsed)`: the database errors of inserting the bot row
(docs/contract/create-bot.md#bot-name-length). `parse_create_bot`
  runs it itself unless told `db_checks=False`.
* `parse_patch_bot(body, now=...)` and `check_patch_bot_storage(changes)` for `PATCH /bots/{id}`
(docs/contract/bots-endpoints.md#patch-bot).
* `CREATE_BOT_BODY`, `PATCH_BOT_BODY`: those bodies as the endpoint table names them; `check_states` for the
  `states` filter of `GET /bots`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from marshmallow import missing, post_load

from sandbox.contract import jsonschemas as js
from sandbox.contract import messages as msg
from sandbox.contract.datetimes import add_years
from sandbox.contract.drf import (
    CharField,
    ChoiceField,
    DateTimeField,
    JSONField,
    JsonSchemaField,
    Nested,
    Serializer,
    ValidationError,
    documents,
)
from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.media_checks import (
    decode_base64_lenient,
    is_valid_jpeg,
    is_valid_png,
)
from sandbox.contract.meeting_urls import (
    InvalidMeetingUrl,
    meeting_platform,
    normalize_meeting_url,
)
from sandbox.contract.requests import BodyRule
from sandbox.contract.states import APP_SESSION_STATES, BOT_STATES
from sandbox.contract.validators import first_surrogate, outside_bmp

# --------------------------------------------------------------------------------------------------
# Constants of the real server
# --------------------------------------------------------------------------------------------------

WEBHOOK_TRIGGERS = js.WEBHOOK_TRIGGERS
MAX_WEBHOOKS_PER_BOT = 2

IMAGE_CONTENT_TYPES = ("image/png", "image/jpeg")
CHAT_TO_OPTIONS = ("everyone", "specific_user", "everyone_but_host")
CHAT_MESSAGE_MAX_LENGTH = 10000
TO_USER_UUID_MAX_LENGTH = 255

#: Column sizes of the real `Bot` row: longer values fail on INSERT (the generic database error, docs/contract/create-bot.md#bot-name-length).
BOT_NAME_MAX_LENGTH = 255
DEDUPLICATION_KEY_MAX_LENGTH = 1024
MAX_METADATA_LENGTH = 1000

RECORDING_FORMATS = ("mp4", "mp3", "none")
RECORDING_VIEWS = ("speaker_view", "gallery_view", "speaker_view_no_sidebar")
RECORDING_DEFAULTS = {
    "format": "mp4",
    "view": "speaker_view",
    "resolution": "1080p",
    "record_chat_messages_when_paused": False,
    "record_async_transcription_audio_chunks": False,
    "record_participant_speech_start_stop_events": False,
    "reserve_additional_storage": False,
}
GOOGLE_MEET_DEFAULTS = {
    "use_login": False,
    "login_mode": "always",
    "ui_interaction_mode": "humanized",
    "login_group_name": None,
}
TEAMS_DEFAULTS = {"use_login": False, "login_mode": "always", "login_group_name": None}
ZOOM_DEFAULTS = {"sdk": "native"}
DEBUG_DEFAULTS = {"create_debug_recording": False}
#: `AutomaticLeaveConfiguration` fields in declaration order (the order of the positive-integer checks).
AUTOMATIC_LEAVE_DEFAULTS = {
    "silence_timeout_seconds": 600,
    "silence_activate_after_seconds": 1200,
    "only_participant_in_meeting_timeout_seconds": 60,
    "wait_for_host_to_start_meeting_timeout_seconds": 600,
    "waiting_room_timeout_seconds": 900,
    "max_uptime_seconds": None,
    "enable_closed_captions_timeout_seconds": None,
    "authorized_user_not_in_meeting_timeout_seconds": 600,
    "bot_keywords": None,
}
#: Transcription providers other than closed captions (those win over closed captions when both are given).
NON_CAPTION_PROVIDERS = (
    "deepgram",
    "gladia",
    "openai",
    "assembly_ai",
    "sarvam",
    "elevenlabs",
    "kyutai",
    "custom_async",
    "custom_async_v2",
)

# --------------------------------------------------------------------------------------------------
# Nested serializers (also the bodies of POST /output_image and POST /send_chat_message)
# --------------------------------------------------------------------------------------------------


class BotImage(Serializer):
    """`BotImageSerializer`: {type, data}, then the decoded bytes must be an image of that type."""

    type = ChoiceField(IMAGE_CONTENT_TYPES)
    data = CharField(metadata={"description": "Base64 image data."})

    def validate_object(self, data):
        decoded = decode_base64_lenient(data["data"])
        if decoded is None:
            raise ValidationError(msg.INVALID_BASE64)
        valid = is_valid_png(decoded) if data["type"] == "image/png" else is_valid_jpeg(decoded)
        if not valid:
            raise ValidationError(msg.IMAGE_NOT_VALID.format(data["type"].split("/")[1]))


class BotChatMessage(Serializer):
    """`BotChatMessageRequestSerializer`."""

    to_user_uuid = CharField(max_length=TO_USER_UUID_MAX_LENGTH, required=False, allow_null=True, allow_blank=True)
    to = ChoiceField(CHAT_TO_OPTIONS, default="everyone")
    message = CharField()

    @documents(maxLength=CHAT_MESSAGE_MAX_LENGTH)
    def validate_message(self, value):
        if len(value) > CHAT_MESSAGE_MAX_LENGTH:
            raise ValidationError(msg.CHAT_MESSAGE_TOO_LONG.format(CHAT_MESSAGE_MAX_LENGTH))
        if outside_bmp(value):
            raise ValidationError(msg.CHAT_MESSAGE_EMOJI)
        return value

    def validate_object(self, data):
        to, to_user_uuid = data["to"], data.get("to_user_uuid")
        if to == "specific_user" and not to_user_uuid:
            raise ValidationError({"to_user_uuid": msg.CHAT_TO_USER_REQUIRED})
        if to != "specific_user" and to_user_uuid:
            raise ValidationError({"to_user_uuid": msg.CHAT_TO_USER_NOT_ALLOWED})

    @post_load
    def _as_stored(self, data, **kwargs):
        return {"to": data["to"], "to_user_uuid": data.get("to_user_uuid"), "message": data["message"]}


# --------------------------------------------------------------------------------------------------
# CreateBot and PatchBot
# --------------------------------------------------------------------------------------------------


class BotValidation:
    """`BotValidationMixin`: the field methods the create and PATCH serializers share."""

    #: PATCH keeps an empty `recording_settings` empty (the real server then ignores it); create fills it.
    fill_empty_recording_settings = True

    def classify_meeting_url(self, text):
        """`(normalized URL, platform)` of a meeting URL, None when it is invalid; worked out once per request
        (normalizing is the costly part of a create, which needs it for the field and for the defaults).

        The platform comes from normalizing the normalized URL again, as the real server does when it reads
        the stored URL; the few URLs that then no longer classify raise InvalidMeetingUrl, as before."""
        memo = self.context.setdefault("meeting_urls", {})
        if text not in memo:
            try:
                normalized = normalize_meeting_url(text)
            except InvalidMeetingUrl:
                memo[text] = None
            else:
                memo[text] = (normalized, meeting_platform(normalized))
        return memo[text]

    def validate_meeting_url(self, value):
        classified = self.classify_meeting_url(value)
        if classified is None:
            raise ValidationError(msg.INVALID_MEETING_URL)
        return classified[0]

    def validate_bot_name(self, value):
        if outside_bmp(value):
            raise ValidationError(msg.BOT_NAME_EMOJI)
        return value

    @documents(type="object", minProperties=1, additionalProperties={"type": "string"})
    def validate_metadata(self, value):
        """`_validate_metadata_attribute` (the 1000-character limit on its JSON has no OpenAPI keyword)."""
        if value is None:  # create's default
            return None
        if not isinstance(value, dict):
            raise ValidationError(msg.METADATA_NOT_AN_OBJECT)
        if not value:
            raise ValidationError(msg.METADATA_EMPTY)
        for key, item in value.items():
            if not isinstance(item, str):
                raise ValidationError(msg.METADATA_VALUE_NOT_A_STRING.format(key))
        if len(json.dumps(value)) > MAX_METADATA_LENGTH:
            raise ValidationError(msg.METADATA_TOO_LONG.format(MAX_METADATA_LENGTH))
        return value

    def validate_join_at(self, value):
        if value is None:
            return None
        now = self.context["now"]
        if value < now:
            raise ValidationError(msg.JOIN_AT_PAST)
        if value > add_years(now, 3):
            raise ValidationError(msg.JOIN_AT_TOO_FAR)
        return value

    def validate_recording_settings(self, value):
        if value is None:
            return None
        if value or self.fill_empty_recording_settings:
            for key, default in RECORDING_DEFAULTS.items():
                value.setdefault(key, default)
        if value.get("format") not in RECORDING_FORMATS + (None,):
            raise ValidationError({"format": msg.RECORDING_FORMAT})
        if value.get("view") not in RECORDING_VIEWS + (None,):
            raise ValidationError({"view": msg.RECORDING_VIEW})
        if value.get("reserve_additional_storage"):
            # The sandbox never launches bots on Kubernetes.
            raise ValidationError({"reserve_additional_storage": msg.RECORDING_EXTRA_STORAGE})
        return value


def _optional(schema, **kwargs):
    """A settings object: optional, `null` refused, checked against the real server's schema."""
    return JsonSchemaField(schema, required=False, default=kwargs.pop("default", None), **kwargs)


def _https_view(item):
    """A webhook item with `http://` read as `https://`, so only the scheme rule is relaxed."""
    if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"].startswith("http://"):
        return {**item, "url": "https://" + item["url"][len("http://") :]}
    return item


class CreateBot(BotValidation, Serializer):
    """`CreateBotSerializer`. Context: `now`, `voice_agents_enabled`, `require_https_webhooks`."""

    reject_unknown_fields = True

    # A number here makes the real server answer 500 (docs/contract/create-bot.md#meeting-url-invalid-values); the
    # sandbox gives a clear field error instead.
    meeting_url = CharField(accept_numbers=False, metadata={"description": "Zoom, Google Meet or Teams URL."})
    bot_name = CharField()
    bot_image = Nested(BotImage, required=False, default=None)
    metadata = JSONField(required=False, default=None)
    bot_chat_message = Nested(BotChatMessage, required=False, default=None)
    join_at = DateTimeField(required=False, default=None)
    calendar_event_id = CharField(required=False, default=None)
    deduplication_key = CharField(required=False, default=None)
    webhooks = JsonSchemaField(js.WEBHOOKS_SCHEMA, check=False, required=False, default=list)
    callback_settings = _optional(js.CALLBACK_SETTINGS_SCHEMA)
    external_media_storage_settings = _optional(js.EXTERNAL_MEDIA_STORAGE_SETTINGS_SCHEMA)
    voice_agent_settings = _optional(js.VOICE_AGENT_SETTINGS_SCHEMA, check=False)
    transcription_settings = _optional(js.TRANSCRIPTION_SETTINGS_SCHEMA)
    websocket_settings = _optional(js.WEBSOCKET_SETTINGS_SCHEMA)
    rtmp_settings = _optional(js.RTMP_SETTINGS_SCHEMA)
    recording_settings = _optional(js.RECORDING_SETTINGS_SCHEMA, default=RECORDING_DEFAULTS)
    google_meet_settings = _optional(js.GOOGLE_MEET_SETTINGS_SCHEMA, default=GOOGLE_MEET_DEFAULTS)
    teams_settings = _optional(js.TEAMS_SETTINGS_SCHEMA, default=TEAMS_DEFAULTS)
    zoom_settings = _optional(js.ZOOM_SETTINGS_SCHEMA, default=ZOOM_DEFAULTS)
    debug_settings = _optional(js.DEBUG_SETTINGS_SCHEMA, default=DEBUG_DEFAULTS)
    # The real server answers 500 to a value that is not an object; the sandbox answers like the others.
    automatic_leave_settings = _optional(js.OBJECT_SCHEMA, default=dict)
    kubernetes_settings = _optional(js.KUBERNETES_SETTINGS_SCHEMA)

    # -- what the real methods read from the raw body -------------------------------------------------

    def _raw_platform(self):
        """The platform of the raw `meeting_url` (the settings defaults depend on it); None if invalid."""
        raw_url = self.context["initial_data"].get("meeting_url")
        if not isinstance(raw_url, str):
            return None
        try:
            classified = self.classify_meeting_url(raw_url.strip())
        except InvalidMeetingUrl:
            return None
        return classified and classified[1]

    def _zoom_native(self):
        """A Zoom bot on the native SDK (the default): the raw `zoom_settings.sdk` is not `web`."""
        raw = self.context["initial_data"].get("zoom_settings")
        zoom_web = isinstance(raw, dict) and raw.get("sdk", "native") == "web"
        return self._raw_platform() == "zoom" and not zoom_web

    # -- field methods --------------------------------------------------------------------------------

    def validate_webhooks(self, value):
        relaxed = not self.context["require_https_webhooks"] and isinstance(value, list)
        self.fields["webhooks"].check_schema(value, [_https_view(item) for item in value] if relaxed else value)
        return value

    def validate_callback_settings(self, value):
        url = (value or {}).get("zoom_tokens_url")
        if url and not url.lower().startswith("https://"):
            raise ValidationError({"zoom_tokens_url": msg.URL_MUST_BE_HTTPS})
        return value

    def validate_voice_agent_settings(self, value):
        if value is None:
            return None
        if not self.context["voice_agents_enabled"]:
            raise ValidationError(msg.VOICE_AGENTS_DISABLED)
        self.fields["voice_agent_settings"].check_schema(value)
        url, screenshare_url = value.get("url"), value.get("screenshare_url")
        if url or screenshare_url:
            value["reserve_resources"] = True
        if url and screenshare_url:
            raise ValidationError({"url": msg.VOICE_AGENT_URL_AND_SCREENSHARE})
        if url and not url.lower().startswith("https://"):
            raise ValidationError({"url": msg.URL_MUST_BE_HTTPS})
        if screenshare_url and not screenshare_url.lower().startswith("https://"):
            raise ValidationError({"screenshare_url": msg.URL_MUST_BE_HTTPS})
        if value.get("reserve_resources") and self._zoom_native():
            raise ValidationError(msg.VOICE_AGENT_ZOOM_NATIVE)
        return value

    def validate_transcription_settings(self, value):
        if value is None:  # the platform's default provider
            platform = self._raw_platform()
            if self._zoom_native():
                value = {"deepgram": {"language": "multi"}}
            elif platform in ("zoom", "google_meet", "teams"):
                value = {"meeting_closed_captions": {}}
            else:
                return None
        if "deepgram" in value and value["deepgram"].get("language") is None:
            value["deepgram"]["language"] = "multi"
        if (
            self._zoom_native()
            and "meeting_closed_captions" in value
            and not any(provider in value for provider in NON_CAPTION_PROVIDERS)
        ):
            raise ValidationError({"transcription_settings": msg.CLOSED_CAPTIONS_ZOOM_NATIVE})
        deepgram = value.get("deepgram", {})
        if deepgram.get("callback") and deepgram.get("detect_language"):
            raise ValidationError({"transcription_settings": msg.DEEPGRAM_DETECT_LANGUAGE})
        if "custom_async" in value or "custom_async_v2" in value:
            # The sandbox has no CUSTOM_ASYNC_TRANSCRIPTION_URL.
            raise ValidationError({"transcription_settings": msg.CUSTOM_ASYNC_UNSET})
        return value

    def validate_websocket_settings(self, value):
        if value is None:
            return None
        for kind in ("audio", "per_participant_audio"):
            if value.get(kind) and "sample_rate" not in value[kind]:
                value[kind]["sample_rate"] = 16000
        for kind in ("audio", "per_participant_audio", "per_participant_video"):
            url = (value.get(kind) or {}).get("url")
            if url and not url.lower().startswith("wss://"):
                raise ValidationError({kind: {"url": msg.URL_MUST_BE_WSS}})
        video = value.get("per_participant_video") or {}
        if (
            video.get("url")
            and video.get("webcam_resolution") == "none"
            and video.get("screenshare_resolution") == "none"
        ):
            raise ValidationError({"per_participant_video": msg.VIDEO_RESOLUTIONS_NONE})
        return value

    def validate_rtmp_settings(self, value):
        if value is None:
            return None
        destination = value.get("destination_url", "").lower()
        if not (destination.startswith("rtmp://") or destination.startswith("rtmps://")):
            raise ValidationError({"destination_url": msg.URL_MUST_BE_RTMP})
        return value

    def validate_google_meet_settings(self, value):
        defaults = dict(GOOGLE_MEET_DEFAULTS, ui_interaction_mode="robotic" if value.get("use_login") else "humanized")
        return _with_defaults(value, defaults)

    def validate_teams_settings(self, value):
        return _with_defaults(value, TEAMS_DEFAULTS)

    def validate_zoom_settings(self, value):
        return _with_defaults(value, ZOOM_DEFAULTS)

    def validate_debug_settings(self, value):
        return _with_defaults(value, DEBUG_DEFAULTS)

    @documents(
        properties={
            **{name: {"type": "integer", "minimum": 1} for name in AUTOMATIC_LEAVE_DEFAULTS if name != "bot_keywords"},
            "bot_keywords": {"type": "array", "items": {"type": "string"}, "nullable": True},
        },
        additionalProperties=False,
    )
    def validate_automatic_leave_settings(self, value):
        for key in value:
            if key not in AUTOMATIC_LEAVE_DEFAULTS:
                raise ValidationError(msg.AUTOMATIC_LEAVE_UNEXPECTED.format(key))
        keywords = value.get("bot_keywords")
        if keywords is not None:
            if not isinstance(keywords, list):
                raise ValidationError(msg.AUTOMATIC_LEAVE_KEYWORDS)
            if not all(isinstance(k, str) for k in keywords):
                raise ValidationError(msg.AUTOMATIC_LEAVE_KEYWORD)
        for param, default in AUTOMATIC_LEAVE_DEFAULTS.items():
            if param in value and param != "bot_keywords" and (not isinstance(value[param], int) or value[param] <= 0):
                raise ValidationError(msg.AUTOMATIC_LEAVE_POSITIVE.format(param))
            if param not in value:
                value[param] = default
        return value

    def validate_kubernetes_settings(self, value):
        if value is None:
            return None
        # The sandbox has no CUSTOM_BOT_POD_SPEC_TYPES, and the schema makes bot_pod_spec_type non-empty.
        raise ValidationError(msg.KUBERNETES_NOT_ALLOWED)

    @post_load
    def _with_platform(self, data, **kwargs):
        """The sandbox also wants the platform of the validated URL (the one the defaults were based on)."""
        data["platform"] = self._raw_platform()
        return data


def _with_defaults(value, defaults):
    for key, default in defaults.items():
        value.setdefault(key, default)
    return value


class PatchBot(BotValidation, Serializer):
    """`PatchBotSerializer`: unknown fields are ignored; only the fields sent come back."""

    fill_empty_recording_settings = False

    join_at = DateTimeField(required=False)
    meeting_url = CharField(required=False, accept_numbers=False)
    metadata = JSONField(required=False)
    bot_name = CharField(required=False)
    bot_image = Nested(BotImage, required=False)
    recording_settings = JsonSchemaField(js.RECORDING_SETTINGS_SCHEMA, required=False)

    def validate_recording_settings(self, value):
        # An empty object is left out: the real server ignores it.
        return super().validate_recording_settings(value) or missing


BOT_IMAGE = BotImage()
CREATE_BOT = CreateBot()
PATCH_BOT = PatchBot()

#: `CreateBotSerializer` fields, in declaration order (docs/contract/create-bot.md#create-order-of-checks step 3): the
# order of the error map.
CREATE_FIELDS = tuple(CREATE_BOT.fields)
#: `PatchBotSerializer` fields, in declaration order (docs/contract/bots-endpoints.md#patch-bot).
PATCH_FIELDS = tuple(PATCH_BOT.fields)

# --------------------------------------------------------------------------------------------------
# Database-side rules
# --------------------------------------------------------------------------------------------------


def _unstorable(value):
    """Whether Postgres refuses the value: a NUL character, or (in JSONB) a lone surrogate, anywhere."""
    if isinstance(value, str):
        return "\x00" in value or first_surrogate(value) is not None
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unstorable(v) for v in value)
    return False


def create_db_error():
    return AttendeeError(msg.CREATE_DB_ERROR.format(uuid.uuid4()))


_STORED_SETTINGS = (
    "transcription_settings",
    "rtmp_settings",
    "recording_settings",
    "debug_settings",
    "automatic_leave_settings",
    "google_meet_settings",
    "teams_settings",
    "zoom_settings",
    "websocket_settings",
    "callback_settings",
    "external_media_storage_settings",
    "voice_agent_settings",
)


def check_bot_insert(parsed):
    """The errors of inserting the bot row and its first requests (docs/contract/create-bot.md#create-order-of-checks
    step 7), in that order.

    * A value the row cannot hold (bot_name over 255 characters, deduplication_key over 1024, a NUL or
      lone surrogate in metadata or settings) -> the generic `An error occurred while creating the bot.
      Error ID: <uuid4>` (docs/contract/create-bot.md#bot-name-length).
    * A `bot_chat_message` to a specific user: the bot has no participants yet, so
      `No participant found with uuid <uuid>. ...` (docs/contract/create-bot.md#create-fields).
    """
    if (
        len(parsed["bot_name"]) > BOT_NAME_MAX_LENGTH
        or (parsed["deduplication_key"] is not None and len(parsed["deduplication_key"]) > DEDUPLICATION_KEY_MAX_LENGTH)
        or _unstorable(parsed["metadata"])
        or any(_unstorable(parsed[name]) for name in _STORED_SETTINGS)
    ):
        raise create_db_error()
    chat = parsed["bot_chat_message"]
    if chat and chat["to_user_uuid"]:
        raise AttendeeError(msg.NO_PARTICIPANT.format(chat["to_user_uuid"]))


def check_bot_webhooks(webhooks, *, require_https=True, reaches_sandbox=None):
    """The database rules for the bot-level subscriptions, applied one webhook after the other
    (docs/contract/create-bot.md#create-order-of-checks step 7).

    `reaches_sandbox` maps a URL to the sandbox's own address when the URL would reach it (resolved by the
    caller outside the store lock): the sandbox refuses to call itself, a rule the real server lacks.
    """
    subscribed = []
    for hook in webhooks or []:
        url = hook.get("url", "")
        for trigger in hook.get("triggers", []):
            if trigger not in WEBHOOK_TRIGGERS:
                raise AttendeeError(f"Invalid webhook trigger type: {trigger}")
        if require_https and not url.startswith("https://"):
            raise AttendeeError("webhook URL must start with https://")
        itself = (reaches_sandbox or {}).get(url)
        if itself is not None:
            raise AttendeeError(msg.WEBHOOK_REACHES_SANDBOX.format(address=itself))
        if url in subscribed:
            raise AttendeeError("URL already subscribed for this bot")
        if len(subscribed) >= MAX_WEBHOOKS_PER_BOT:
            raise AttendeeError("You have reached the maximum number of webhooks for a single bot")
        if _unstorable(url):
            raise create_db_error()
        subscribed.append(url)


def check_patch_bot_storage(changes):
    """The database error of saving a PATCH (docs/contract/bots-endpoints.md#patch-bot): run it after the state rule,
    like the real server."""
    name = changes.get("bot_name")
    if (name is not None and len(name) > BOT_NAME_MAX_LENGTH) or _unstorable(changes.get("metadata")):
        raise AttendeeError(msg.PATCH_DB_ERROR.format(uuid.uuid4()))


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def load(serializer, body, **context):
    """`serializer.load(body)` with the real error body as `FieldErrors`."""
    try:
        return serializer.load(body, context=context)
    except ValidationError as exc:
        raise FieldErrors(exc.messages) from None


# The parsed request: the create fields but the two the sandbox only refuses, with the platform after the URL.
_RESULT_ORDER = (
    "meeting_url",
    "platform",
    *(name for name in CREATE_FIELDS[1:] if name not in ("calendar_event_id", "kubernetes_settings")),
)


def apply_calendar_event(body, event):
    """`initialize_bot_creation_data_from_calendar_event` (docs/contract/calendars.md#create-bot-from-event steps 1-4),
    for a body whose
    `calendar_event_id` is truthy: `event` is the looked-up event document (None: not in the project).
    Refuses a truthy `meeting_url` or `join_at`, then returns the body with the event's URL (maybe null)
    and start time in their places; the normal validation follows."""
    if event is None:
        raise AttendeeError(msg.CALENDAR_EVENT_MISSING.format(body["calendar_event_id"]))
    if body.get("meeting_url"):
        raise AttendeeError(msg.CALENDAR_EVENT_MEETING_URL_GIVEN)
    if body.get("join_at"):
        raise AttendeeError(msg.CALENDAR_EVENT_JOIN_AT_GIVEN)
    return {**body, "meeting_url": event["meeting_url"], "join_at": event["start_time"]}


def parse_create_bot(
    body, *, now, voice_agents_enabled=False, require_https_webhooks=True, db_checks=True, calendar_event_applied=False
):
    """Validate a `POST /bots` body as the real server does (docs/contract/create-bot.md#create-order-of-checks steps 2
    and docs/contract/bot-object.md#bot-object, then the row insert).

    Returns the normalized request: meeting_url, platform, bot_name, bot_image, metadata, bot_chat_message,
    join_at (aware UTC or None), deduplication_key, webhooks (a list) and every settings
    object with its defaults. Raises `AttendeeError` for a calendar event id unless the caller has
    looked it up and applied it (`apply_calendar_event`, then `calendar_event_applied=True`), `FieldErrors`
    for field errors (declaration order) or unknown fields, and, unless `db_checks=False`, the errors of
    `check_bot_insert`.
    """
    if isinstance(body, dict) and body.get("calendar_event_id") and not calendar_event_applied:
        raise AttendeeError(msg.CALENDAR_EVENT_MISSING.format(body["calendar_event_id"]))
    values = load(
        CREATE_BOT,
        body,
        now=now,
        voice_agents_enabled=voice_agents_enabled,
        require_https_webhooks=require_https_webhooks,
    )
    parsed = {key: values[key] for key in _RESULT_ORDER}
    if db_checks:
        check_bot_insert(parsed)
    return parsed


def parse_patch_bot(body, *, now):
    """Validate a `PATCH /bots/{id}` body (docs/contract/bots-endpoints.md#patch-bot). Unknown fields are ignored.

    Returns only the fields that were sent (normalized): join_at (aware UTC), meeting_url, metadata,
    bot_name, bot_image ({type, data}) and recording_settings (defaults filled). An empty
    `recording_settings` is left out: the real server ignores it. The state rule and the database error
    (`check_patch_bot_storage`) are the caller's.
    """
    return load(PATCH_BOT, body, now=now)


@dataclass(frozen=True)
class CalendarEventRequest:
    """A `POST /bots` body naming a calendar event (a truthy `calendar_event_id`): the real server looks the
    event up and takes its URL and start before any field check (docs/contract/calendars.md#create-bot-from-event), so
    such a body reaches the use
    case as sent, and is validated there once the event's values are in it (`apply_calendar_event`)."""

    data: dict


def _create_bot_body(data, context):
    """`POST /bots`: every field check; the database's checks run in the use case, inside its transaction.
    A body naming a calendar event is checked after the event's lookup (`CalendarEventRequest`)."""
    if isinstance(data, dict) and data.get("calendar_event_id"):
        return CalendarEventRequest(data)
    settings = context.settings
    return parse_create_bot(
        data,
        now=context.now,
        voice_agents_enabled=settings.enable_voice_agents,
        require_https_webhooks=settings.require_https_webhooks,
        db_checks=False,
    )


def _patch_bot_body(data, context):
    return parse_patch_bot(data, now=context.now)


CREATE_BOT_BODY = BodyRule("CreateBotRequest", _create_bot_body, CreateBot)
PATCH_BOT_BODY = BodyRule("PatchBotRequest", _patch_bot_body, PatchBot, required=False)

# --------------------------------------------------------------------------------------------------
# GET /bots filters (docs/contract/bots-endpoints.md#list-bots)
# --------------------------------------------------------------------------------------------------

#: The states a `states` filter may name (the real view checks against the whole enum, app sessions' too).
LISTED_STATES = (*(state for state in BOT_STATES if state not in APP_SESSION_STATES), *APP_SESSION_STATES)


def check_states(name, states):
    """The `states` filter of `GET /bots`: every value must be a state code (case-sensitive)."""
    for state in states:
        if state not in BOT_STATES:
            raise AttendeeError(f"Invalid state: {state}. Valid states are: {', '.join(BOT_STATES)}")
    return states
