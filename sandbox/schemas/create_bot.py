"""Validation of the `POST /bots` and `PATCH /bots/{id}` bodies, as the real server does it (contract 6.4, 7, 11).

Pure module: no Flask. The real server validates with a DRF serializer (`CreateBotSerializer`) whose
plain fields (`CharField`, `DateTimeField`, nested serializers) have DRF's messages and whose settings
objects are checked with jsonschema (so their messages are jsonschema's, picked by `best_match`). This
module reproduces both by hand, field by field, in the serializer's declaration order, because the
error map's key order, the exact strings and the odd nested shapes (`{"recording_settings": {"format":
"..."}}` holds a string, not a list) are what clients see.

Entry points:

* `parse_create_bot(body, now=...)` -> the normalized request, or raises `FieldErrors` / `AttendeeError`.
* `check_bot_webhooks(webhooks)`: the database rules for bot-level webhook subscriptions (7.1 step 7).
* `check_bot_insert(parsed)`: the database errors of inserting the bot row (11.5). `parse_create_bot`
  runs it itself unless told `db_checks=False`.
* `parse_patch_bot(body, now=...)` and `check_patch_bot_storage(changes)` for `PATCH /bots/{id}` (6.4).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import jsonschema

from sandbox.errors import AttendeeError, FieldErrors
from sandbox.media import decode_base64_lenient, is_valid_jpeg, is_valid_png
from sandbox.meeting_urls import InvalidMeetingUrl, meeting_platform, normalize_meeting_url
from sandbox.webhooks import TRIGGERS

# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
NULL_CHARACTERS = "Null characters are not allowed."
SURROGATE_CHARACTER = "Surrogate characters are not allowed: U+{:X}."
MAX_LENGTH = "Ensure this field has no more than {} characters."
INVALID_CHOICE = '"{}" is not a valid choice.'
NOT_A_DICT = "Invalid data. Expected a dictionary, but got {}."
NO_DATA = "No data provided"
DATETIME_WRONG_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
DATETIME_OVERFLOW = "Datetime value out of range."
JOIN_AT_PAST = "join_at cannot be in the past"
JOIN_AT_TOO_FAR = "join_at cannot be more than 3 years in the future"
INVALID_MEETING_URL = "Invalid meeting URL"
BOT_NAME_EMOJI = "Bot name cannot contain emojis or rare script characters."
CALENDAR_EVENT_MISSING = "Calendar event with id {} does not exist in this project."
CREATE_DB_ERROR = "An error occurred while creating the bot. Error ID: {}"
WEBHOOK_REACHES_SANDBOX = (
    "webhook URL must not point at the sandbox itself ({address}): the sandbox never sends webhooks to itself"
)
PATCH_DB_ERROR = "An error occurred while patching the bot. Error ID: {}"
NO_PARTICIPANT = "No participant found with uuid {}. Use the /participants endpoint to get the list of participants."
VOICE_AGENTS_DISABLED = (
    "Voice agents are not enabled. Please set the ENABLE_VOICE_AGENTS environment variable to true to use voice agents."
)
VOICE_AGENT_ZOOM_NATIVE = (
    "Voice agent is not supported for Zoom when using the native SDK. "
    "Please set 'zoom_settings.sdk' to 'web' in the bot creation request."
)
CLOSED_CAPTIONS_ZOOM_NATIVE = (
    "Closed caption based transcription is not supported for Zoom when using the native SDK. "
    "Please set 'zoom_settings.sdk' to 'web' in the bot creation request."
)
DEEPGRAM_DETECT_LANGUAGE = (
    "Language detection is not supported for streaming transcription. "
    "Please pass language='multi' instead of detect_language=true."
)
CUSTOM_ASYNC_UNSET = (
    "CUSTOM_ASYNC_TRANSCRIPTION_URL environment variable is not set. Please set the CUSTOM_ASYNC_TRANSCRIPTION_URL "
    "environment variable to the URL of your custom async transcription service."
)
KUBERNETES_NOT_ALLOWED = "Custom bot pod spec types are not allowed."
VIDEO_RESOLUTIONS_NONE = (
    "At least one of webcam_resolution or screenshare_resolution must be set to a non-none value."
)

# --------------------------------------------------------------------------------------------------
# Constants of the real server
# --------------------------------------------------------------------------------------------------

#: `CreateBotSerializer` fields, in declaration order (7.1 step 3): the order of the error map.
CREATE_FIELDS = (
    "meeting_url",
    "bot_name",
    "bot_image",
    "metadata",
    "bot_chat_message",
    "join_at",
    "calendar_event_id",
    "deduplication_key",
    "webhooks",
    "callback_settings",
    "external_media_storage_settings",
    "voice_agent_settings",
    "transcription_settings",
    "websocket_settings",
    "rtmp_settings",
    "recording_settings",
    "google_meet_settings",
    "teams_settings",
    "zoom_settings",
    "debug_settings",
    "automatic_leave_settings",
    "kubernetes_settings",
)
#: `PatchBotSerializer` fields, in declaration order (6.4).
PATCH_FIELDS = ("join_at", "meeting_url", "metadata", "bot_name", "bot_image", "recording_settings")

#: Webhook trigger codes in the server's enum order (9.2); the order shows in jsonschema's enum message.
WEBHOOK_TRIGGERS = TRIGGERS  # the webhook trigger codes (9.2), defined once in sandbox/webhooks.py
MAX_WEBHOOKS_PER_BOT = 2

IMAGE_CONTENT_TYPES = ("image/png", "image/jpeg")
CHAT_TO_OPTIONS = ("everyone", "specific_user", "everyone_but_host")
CHAT_MESSAGE_MAX_LENGTH = 10000
TO_USER_UUID_MAX_LENGTH = 255

#: Column sizes of the real `Bot` row: longer values fail on INSERT (the generic database error, 11.5).
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
# JSON schemas (the real server's, minus descriptions; property order matters to best_match)
# --------------------------------------------------------------------------------------------------

_GOOGLE_MEET_CAPTION_LANGUAGES = (
    "af-ZA sq-AL am-ET ar-EG ar-x-LEVANT ar-x-MAGHREBI ar-x-GULF ar-AE hy-AM az-AZ eu-ES bn-BD bg-BG my-MM ca-ES "
    "cmn-Hans-CN cmn-Hant-TW cs-CZ nl-NL en-US en-AU en-IN en-PH en-GB et-EE fil-PH fi-FI fr-FR fr-CA gl-ES ka-GE "
    "de-DE el-GR gu-IN iw-IL hi-IN hu-HU is-IS id-ID it-IT ja-JP jv-ID kn-IN kk-KZ km-KH rw-RW ko-KR lo-LA lv-LV "
    "lt-LT mk-MK ms-MY ml-IN mr-IN mn-MN ne-NP nso-ZA nb-NO fa-IR pl-PL pt-BR pt-PT ro-RO ru-RU sr-RS st-ZA si-LK "
    "sk-SK sl-SI es-MX es-ES su-ID sw ss-latn-ZA sv-SE ta-IN te-IN th-TH ve-ZA tn-latn-ZA tr-TR uk-UA ur-PK uz-UZ "
    "vi-VN xh-ZA ts-ZA zu-ZA"
).split()
_TEAMS_CAPTION_LANGUAGES = (
    "ar-sa ar-ae bg-bg ca-es zh-cn zh-hk zh-tw hr-hr cs-cz da-dk nl-be nl-nl en-au en-ca en-in en-nz en-gb en-us "
    "et-ee fi-fi fr-ca fr-fr de-de de-ch el-gr he-il hi-in hu-hu id-id it-it ja-jp ko-kr lv-lv lt-lt nb-no pl-pl "
    "pt-br pt-pt ro-ro ru-ru sr-rs sk-sk sl-si es-mx es-es sv-se th-th tr-tr uk-ua vi-vn cy-gb"
).split()
_ZOOM_CAPTION_LANGUAGES = [
    "Arabic", "Cantonese", "Chinese (Simplified)", "Czech", "Danish", "Dutch", "English", "Estonian", "Finnish",
    "French", "French (Canada)", "German", "Hebrew", "Hindi", "Hungarian", "Indonesian", "Italian", "Japanese",
    "Korean", "Malay", "Persian", "Polish", "Portuguese", "Romanian", "Russian", "Spanish", "Swedish", "Tagalog",
    "Tamil", "Telugu", "Thai", "Turkish", "Ukrainian", "Vietnamese",
]  # fmt: skip
_ELEVENLABS_LANGUAGE_CODES = (
    "afr amh ara asm ast aze bak bas bel ben bhr bod bos bre bul cat ceb ces chv ckb cnh cre cym dan dav deu div "
    "dyu ell eng epo est eus fao fas fil fin fra fry ful gla gle glg guj hat hau heb hin hrv hsb hun hye ibo ina "
    "ind isl ita jav jpn kab kan kas kat kaz kea khm kin kir kln kmr kor kur lao lat lav lij lin lit ltg ltz lug "
    "luo mal mar mdf mhr mkd mlg mlt mon mri mrj msa mya myv nan nep nhi nld nor nso nya oci ori orm oss pan pol "
    "por pus quy roh ron rus sah san sat sin skr slk slv smo sna snd som sot spa sqi srd srp sun swa swe tam tat "
    "tel tgk tha tig tir tok ton tsn tuk tur twi uig ukr umb urd uzb vie vot vro wol xho yid yor yue zgh zho zul zza"
).split()

_STRING_ARRAY = {"type": "array", "items": {"type": "string"}}

TRANSCRIPTION_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "deepgram": {
            "type": "object",
            "properties": {
                "callback": {"type": "string"},
                "detect_language": {"type": "boolean"},
                "keyterms": _STRING_ARRAY,
                "keywords": _STRING_ARRAY,
                "language": {"type": "string"},
                "model": {"type": "string"},
                "redact": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["pci", "pii", "numbers"]},
                    "uniqueItems": True,
                },
                "replace": _STRING_ARRAY,
                "use_eu_server": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "gladia": {
            "type": "object",
            "properties": {
                "code_switching_languages": _STRING_ARRAY,
                "enable_code_switching": {"type": "boolean"},
            },
            "required": [],
            "additionalProperties": False,
        },
        "openai": {
            "type": "object",
            "properties": {
                "model": {
                    "type": "string",
                    "enum": ["gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"],
                },
                "prompt": {"type": "string"},
                "language": {"type": "string"},
                "response_format": {"type": "string", "enum": ["json", "diarized_json"]},
                "chunking_strategy": {
                    "oneOf": [
                        {"type": "string", "enum": ["auto"]},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"type": "string", "enum": ["server_vad"]},
                                "prefix_padding_ms": {"type": "integer"},
                                "silence_duration_ms": {"type": "integer"},
                                "threshold": {"type": "number"},
                            },
                            "required": ["type"],
                            "additionalProperties": False,
                        },
                    ],
                },
            },
            "required": ["model"],
            "additionalProperties": False,
        },
        "assembly_ai": {
            "type": "object",
            "properties": {
                "language_code": {"type": "string"},
                "language_detection": {"type": "boolean"},
                "keyterms_prompt": _STRING_ARRAY,
                "speech_model": {"type": "string"},
                "speech_models": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "speaker_labels": {"type": "boolean"},
                "use_eu_server": {"type": "boolean"},
                "language_detection_options": {
                    "type": "object",
                    "properties": {"expected_languages": _STRING_ARRAY, "fallback_language": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
            "required": [],
            "additionalProperties": False,
        },
        "meeting_closed_captions": {
            "type": "object",
            "properties": {
                "google_meet_language": {"type": "string", "enum": _GOOGLE_MEET_CAPTION_LANGUAGES},
                "teams_language": {"type": "string", "enum": _TEAMS_CAPTION_LANGUAGES},
                "zoom_language": {"type": "string", "enum": _ZOOM_CAPTION_LANGUAGES},
                "merge_consecutive_captions": {"type": "boolean"},
            },
            "required": [],
            "additionalProperties": False,
        },
        "sarvam": {
            "type": "object",
            "properties": {
                "model": {"type": "string"},
                "language_code": {
                    "type": "string",
                    "enum": "unknown hi-IN bn-IN kn-IN ml-IN mr-IN od-IN pa-IN ta-IN te-IN en-IN gu-IN".split(),
                },
                "mode": {"type": "string", "enum": ["transcribe", "translate", "verbatim", "translit", "codemix"]},
            },
            "required": [],
            "additionalProperties": False,
        },
        "elevenlabs": {
            "type": "object",
            "properties": {
                "model_id": {"type": "string", "enum": ["scribe_v1", "scribe_v1_experimental", "scribe_v2"]},
                "language_code": {"type": "string", "enum": _ELEVENLABS_LANGUAGE_CODES},
                "tag_audio_events": {"type": "boolean"},
            },
            "required": ["model_id"],
            "additionalProperties": False,
        },
        "kyutai": {
            "type": "object",
            "properties": {"server_url": {"type": "string"}},
            "required": [],
            "additionalProperties": False,
        },
        "custom_async": {"type": "object", "required": [], "additionalProperties": True},
        "custom_async_v2": {
            "type": "object",
            "properties": {
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "form_data": {"type": "object"},
            },
            "required": [],
            "additionalProperties": True,
        },
    },
    "required": [],
    "additionalProperties": False,
}

WEBHOOKS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "url": {"type": "string", "pattern": "^https://.*"},
            "triggers": {
                "type": "array",
                "items": {"type": "string", "enum": list(WEBHOOK_TRIGGERS)},
                "minItems": 1,
                "uniqueItems": True,
            },
        },
        "required": ["url", "triggers"],
        "additionalProperties": False,
    },
}

CALLBACK_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {"zoom_tokens_url": {"type": "string", "pattern": "^https://.*"}},
    "required": [],
    "additionalProperties": False,
}

EXTERNAL_MEDIA_STORAGE_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {"bucket_name": {"type": "string"}, "recording_file_name": {"type": "string"}},
    "required": ["bucket_name"],
    "additionalProperties": False,
}

VOICE_AGENT_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "url": {"type": "string"},
        "screenshare_url": {"type": "string"},
        "reserve_resources": {"type": "boolean"},
    },
    "additionalProperties": False,
}

_VIDEO_RESOLUTIONS = ["none", "360p", "720p", "1080p"]
WEBSOCKET_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "audio": {
            "type": "object",
            "properties": {"url": {"type": "string"}, "sample_rate": {"type": "integer", "enum": [8000, 16000, 24000]}},
            "required": ["url"],
            "additionalProperties": False,
        },
        "per_participant_audio": {
            "type": "object",
            "properties": {"url": {"type": "string"}, "sample_rate": {"type": "integer", "enum": [8000, 16000]}},
            "required": ["url"],
            "additionalProperties": False,
        },
        "per_participant_video": {
            "type": "object",
            "properties": {
                "url": {"type": "string"},
                "webcam_resolution": {"type": "string", "enum": _VIDEO_RESOLUTIONS},
                "screenshare_resolution": {"type": "string", "enum": _VIDEO_RESOLUTIONS},
            },
            "required": ["url"],
            "additionalProperties": False,
        },
    },
    "required": [],
    "additionalProperties": False,
}

RTMP_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {"destination_url": {"type": "string"}, "stream_key": {"type": "string"}},
    "required": ["destination_url", "stream_key"],
}

RECORDING_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "format": {"type": "string"},
        "view": {"type": "string"},
        "resolution": {"type": "string", "enum": ["1080p", "720p"]},
        "record_chat_messages_when_paused": {"type": "boolean"},
        "record_async_transcription_audio_chunks": {"type": "boolean"},
        "record_participant_speech_start_stop_events": {"type": "boolean"},
        "reserve_additional_storage": {"type": "boolean"},
    },
    "additionalProperties": False,
    "required": [],
}

GOOGLE_MEET_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "use_login": {"type": "boolean"},
        "login_mode": {"type": "string", "enum": ["always", "only_if_required"]},
        "ui_interaction_mode": {"type": "string", "enum": ["robotic", "humanized"]},
        "login_group_name": {"type": ["string", "null"]},
    },
    "required": [],
    "additionalProperties": False,
}

TEAMS_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "use_login": {"type": "boolean"},
        "login_mode": {"type": "string", "enum": ["always", "only_if_required"]},
        "login_group_name": {"type": ["string", "null"]},
    },
    "required": [],
    "additionalProperties": False,
}

ZOOM_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "sdk": {"type": "string", "enum": ["web", "native"]},
        "meeting_settings": {
            "type": "object",
            "properties": {
                name: {"type": "boolean"}
                for name in (
                    "allow_participants_to_unmute_self",
                    "allow_participants_to_share_whiteboard",
                    "allow_participants_to_request_cloud_recording",
                    "allow_participants_to_request_local_recording",
                    "allow_participants_to_share_screen",
                    "allow_participants_to_chat",
                    "enable_focus_mode",
                )
            },
            "required": [],
            "additionalProperties": False,
        },
        "onbehalf_token": {
            "type": "object",
            "properties": {"zoom_oauth_connection_user_id": {"type": "string"}},
            "required": ["zoom_oauth_connection_user_id"],
            "additionalProperties": False,
        },
    },
    "required": [],
    "additionalProperties": False,
}

DEBUG_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {"create_debug_recording": {"type": "boolean"}},
    "required": [],
    "additionalProperties": False,
}

KUBERNETES_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {"bot_pod_spec_type": {"type": "string", "pattern": "^[A-Z]+$"}},
    "required": ["bot_pod_spec_type"],
    "additionalProperties": False,
}

_OBJECT_SCHEMA = {"type": "object"}

_VALIDATORS = {}


def _schema_error(instance, schema):
    """The message `jsonschema.validate` would raise for `instance` (its `best_match`), or None."""
    key = id(schema)
    validator = _VALIDATORS.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = _VALIDATORS[key] = cls(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    return None if error is None else error.message


# --------------------------------------------------------------------------------------------------
# DRF-like field helpers
# --------------------------------------------------------------------------------------------------

MISSING = object()


class Invalid(Exception):
    """A field's validation error: `detail` is what goes under the field name (a list or a dict)."""

    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


def _type_name(value):
    return type(value).__name__


def _char(value, *, required=True, allow_null=False, allow_blank=False, max_length=None, default=MISSING):
    """DRF `CharField(trim_whitespace=True)`: returns the trimmed string (or `default` when absent)."""
    if value is not MISSING and (value == "" or str(value).strip() == ""):
        if not allow_blank:
            raise Invalid([BLANK])
        return ""
    if value is MISSING:
        if required:
            raise Invalid([REQUIRED])
        return default
    if value is None:
        if not allow_null:
            raise Invalid([NULL])
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid([NOT_A_STRING])
    text = str(value).strip()
    errors = []
    if max_length is not None and len(text) > max_length:
        errors.append(MAX_LENGTH.format(max_length))
    if "\x00" in text:
        errors.append(NULL_CHARACTERS)
    surrogate = next((ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)
    if surrogate is not None:
        errors.append(SURROGATE_CHARACTER.format(ord(surrogate)))
    if errors:
        raise Invalid(errors)
    return text


def _choice(value, choices, *, required=True, default=MISSING):
    """DRF `ChoiceField` (no blank, no null)."""
    if value is MISSING:
        if required:
            raise Invalid([REQUIRED])
        return default
    if value is None:
        raise Invalid([NULL])
    key = str(value)
    if key not in choices:
        raise Invalid([INVALID_CHOICE.format(value)])
    return key


def _json(value, *, default=MISSING):
    """DRF `JSONField` with no null: absent gives `default`, null is refused, anything else passes."""
    if value is MISSING:
        return copy.deepcopy(default) if default is not MISSING else None
    if value is None:
        raise Invalid([NULL])
    return copy.deepcopy(value)


def _schema(value, schema):
    message = _schema_error(value, schema)
    if message is not None:
        raise Invalid([message])


def _has_emoji(text):
    return any(ord(ch) > 0xFFFF for ch in text)


# --------------------------------------------------------------------------------------------------
# Datetimes (DRF DateTimeField on Django 5.2 and Python 3.10, the real server's runtime)
# --------------------------------------------------------------------------------------------------

# Django's `parse_datetime` fallback regex, verbatim (note `\d` is Unicode-aware and `$` allows a final "\n").
_DJANGO_DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def _fromisoformat_py310(text):
    """CPython 3.10's C `datetime.fromisoformat`, ported: `YYYY-MM-DD`, optionally followed by any one
    separator character, `HH[:MM[:SS[.fff[fff]]]]` and an offset `+HH:MM[:SS[.ffffff]]`. No `Z`. Raises
    ValueError. (Python 3.11 accepts far more, so the sandbox cannot just call its own.)"""
    if any(0xD800 <= ord(ch) <= 0xDFFF for i, ch in enumerate(text) if i != 10):
        raise ValueError("invalid isoformat string")

    def at(s, i):
        return s[i] if i < len(s) else "\0"

    def digits(s, i, count):
        value = 0
        for k in range(i, i + count):
            ch = at(s, k)
            if not "0" <= ch <= "9":
                return None
            value = value * 10 + ord(ch) - 48
        return value

    year, month, day = digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2)
    if year is None or at(text, 4) != "-" or month is None or at(text, 7) != "-" or day is None:
        raise ValueError("invalid isoformat string")
    hour = minute = second = microsecond = 0
    tzinfo = None
    if len(text) > 10:
        t = text[11:]
        end = len(t)

        def hh_mm_ss_ff(start, stop):
            values = [0, 0, 0]
            p = start
            for i in range(3):
                v = digits(t, p, 2)
                if v is None:
                    return -3, values, 0
                values[i] = v
                p += 2
                c = at(t, p)
                p += 1
                if p >= stop:
                    return (1 if c != "\0" else 0), values, 0
                if c == ":":
                    continue
                if c == ".":
                    break
                return -4, values, 0
            remains = stop - p
            if remains not in (6, 3):
                return -3, values, 0
            fraction = digits(t, p, remains)
            if fraction is None:
                return -3, values, 0
            if remains == 3:
                fraction *= 1000
            return (1 if at(t, stop) != "\0" else 0), values, fraction

        tzpos = 0
        while True:
            if at(t, tzpos) in "+-":
                break
            tzpos += 1
            if tzpos >= end:
                break
        rv, (hour, minute, second), microsecond = hh_mm_ss_ff(0, tzpos)
        if rv < 0:
            raise ValueError("invalid isoformat string")
        if tzpos == end:
            if rv == 1:
                raise ValueError("invalid isoformat string")
        else:
            if end - tzpos not in (6, 9, 16):
                raise ValueError("invalid isoformat string")
            sign = -1 if t[tzpos] == "-" else 1
            rv, (tzh, tzm, tzs), tzus = hh_mm_ss_ff(tzpos + 1, end)
            if rv:
                raise ValueError("invalid isoformat string")
            offset = timedelta(seconds=sign * (tzh * 3600 + tzm * 60 + tzs), microseconds=sign * tzus)
            tzinfo = timezone.utc if not offset else timezone(offset)  # ValueError past 24 h
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tzinfo)


def _django_parse_datetime(text):
    """`django.utils.dateparse.parse_datetime`: fromisoformat, then the regex; None when not matched."""
    try:
        return _fromisoformat_py310(text)
    except ValueError:
        match = _DJANGO_DATETIME_RE.match(text)
        if not match:
            return None
        kw = match.groupdict()
        kw["microsecond"] = kw["microsecond"] and kw["microsecond"].ljust(6, "0")
        tz = kw.pop("tzinfo")
        if tz == "Z":
            tzinfo = timezone.utc
        elif tz is not None:
            offset_minutes = int(tz[-2:]) if len(tz) > 3 else 0
            offset = 60 * int(tz[1:3]) + offset_minutes
            if tz[0] == "-":
                offset = -offset
            tzinfo = timezone(timedelta(minutes=offset))
        else:
            tzinfo = None
        return datetime(**{k: int(v) for k, v in kw.items() if v is not None}, tzinfo=tzinfo)


def _datetime(value):
    """DRF `DateTimeField.to_internal_value` (ISO 8601 input, UTC): an aware UTC datetime or Invalid."""
    parsed = None
    if isinstance(value, str):
        try:
            parsed = _django_parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None and value.lower() == "iso-8601":
            # DRF then tries `datetime.strptime(value, "iso-8601")`, which matches that literal text.
            parsed = datetime(1900, 1, 1)
    if parsed is None:
        raise Invalid([DATETIME_WRONG_FORMAT])
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise Invalid([DATETIME_OVERFLOW]) from None


def _add_years(moment, years):
    """`relativedelta(years=n)`: same month and day, 29 February clipped to the 28th."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _join_at(value, now):
    """The create/PATCH `join_at`: absent -> MISSING, else an aware UTC datetime, checked against `now`."""
    if value is MISSING:
        return MISSING
    if value is None:
        raise Invalid([NULL])
    moment = _datetime(value)
    if moment < now:
        raise Invalid([JOIN_AT_PAST])
    if moment > _add_years(now, 3):
        raise Invalid([JOIN_AT_TOO_FAR])
    return moment


# --------------------------------------------------------------------------------------------------
# Field validators shared by create and PATCH
# --------------------------------------------------------------------------------------------------


def _meeting_url(value, *, required=True):
    """Returns (normalized url, platform), or MISSING when absent and not required."""
    if value is not MISSING and value is not None and not isinstance(value, str):
        # The real server answers 500 here (11.4); the sandbox gives a clear field error instead.
        raise Invalid([NOT_A_STRING])
    text = _char(value, required=required)
    if text is MISSING:
        return MISSING
    try:
        normalized = normalize_meeting_url(text)
    except InvalidMeetingUrl:
        raise Invalid([INVALID_MEETING_URL]) from None
    return normalized, meeting_platform(normalized)


def _bot_name(value, *, required=True):
    name = _char(value, required=required)
    if name is MISSING:
        return MISSING
    if _has_emoji(name):
        raise Invalid([BOT_NAME_EMOJI])
    return name


def _metadata(value):
    """`_validate_metadata_attribute` behind a JSONField without null."""
    if value is MISSING:
        return None
    if value is None:
        raise Invalid([NULL])
    if not isinstance(value, dict):
        raise Invalid(["Metadata must be an object not an array or other type"])
    if not value:
        raise Invalid(["Metadata must have at least one key"])
    for key, item in value.items():
        if not isinstance(item, str):
            raise Invalid([f"Value for key '{key}' must be a string"])
    if len(json.dumps(value)) > MAX_METADATA_LENGTH:
        raise Invalid([f"Metadata must be less than {MAX_METADATA_LENGTH} characters"])
    return dict(value)


def _nested_mapping(value):
    """The first steps of a nested DRF serializer: null refused, non-dicts refused."""
    if value is None:
        raise Invalid([NULL])
    if not isinstance(value, dict):
        raise Invalid({"non_field_errors": [NOT_A_DICT.format(_type_name(value))]})
    return value


def _bot_image(value):
    """`BotImageSerializer`: {type, data}; returns {"type", "data"} (data as sent, trimmed) or None if absent."""
    if value is MISSING:
        return None
    _nested_mapping(value)
    errors = {}
    content_type = data = None
    try:
        content_type = _choice(value.get("type", MISSING), IMAGE_CONTENT_TYPES)
    except Invalid as exc:
        errors["type"] = exc.detail
    try:
        data = _char(value.get("data", MISSING))
    except Invalid as exc:
        errors["data"] = exc.detail
    if errors:
        raise Invalid(errors)
    decoded = decode_base64_lenient(data)
    if decoded is None:
        raise Invalid({"non_field_errors": ["Invalid base64 encoded data"]})
    valid = is_valid_png(decoded) if content_type == "image/png" else is_valid_jpeg(decoded)
    if not valid:
        raise Invalid({"non_field_errors": [f"Data is not a valid {content_type.split('/')[1]} image."]})
    return {"type": content_type, "data": data}


def _bot_chat_message(value):
    """`BotChatMessageRequestSerializer`: fields to_user_uuid, to, message, then its `validate`."""
    if value is MISSING:
        return None
    _nested_mapping(value)
    errors = {}
    to_user_uuid = to = message = None
    try:
        to_user_uuid = _char(
            value.get("to_user_uuid", MISSING),
            required=False,
            allow_null=True,
            allow_blank=True,
            max_length=TO_USER_UUID_MAX_LENGTH,
            default=None,
        )
    except Invalid as exc:
        errors["to_user_uuid"] = exc.detail
    try:
        to = _choice(value.get("to", MISSING), CHAT_TO_OPTIONS, required=False, default="everyone")
    except Invalid as exc:
        errors["to"] = exc.detail
    try:
        message = _char(value.get("message", MISSING))
        if len(message) > CHAT_MESSAGE_MAX_LENGTH:
            raise Invalid([f"Message must be less than {CHAT_MESSAGE_MAX_LENGTH} characters"])
        if _has_emoji(message):
            raise Invalid(["Message cannot contain emojis or rare script characters."])
    except Invalid as exc:
        errors["message"] = exc.detail
    if errors:
        raise Invalid(errors)
    if to == "specific_user" and not to_user_uuid:
        raise Invalid({"to_user_uuid": ["This field is required when the 'to' value is 'specific_user'."]})
    if to != "specific_user" and to_user_uuid:
        raise Invalid({"to_user_uuid": ["This field should only be provided when the 'to' value is 'specific_user'."]})
    return {"to": to, "to_user_uuid": to_user_uuid, "message": message}


def _recording_settings(value, *, fill_empty=True):
    """`validate_recording_settings`; `fill_empty` also fills an empty object (the real server keeps `{}`,
    which then behaves exactly like the defaults)."""
    if value is None:
        raise Invalid([NULL])
    _schema(value, RECORDING_SETTINGS_SCHEMA)
    value = copy.deepcopy(value)
    if value or fill_empty:
        for key, default in RECORDING_DEFAULTS.items():
            value.setdefault(key, default)
    if value.get("format") not in RECORDING_FORMATS + (None,):
        raise Invalid({"format": "Format must be mp4 or mp3 or 'none'"})
    if value.get("view") not in RECORDING_VIEWS + (None,):
        raise Invalid({"view": "View must be speaker_view or gallery_view or speaker_view_no_sidebar"})
    if value.get("reserve_additional_storage"):
        # The sandbox never launches bots on Kubernetes.
        raise Invalid({"reserve_additional_storage": "Not supported unless using Kubernetes"})
    return value


# --------------------------------------------------------------------------------------------------
# Create-only settings validators
# --------------------------------------------------------------------------------------------------


def _https_view(item):
    """A webhook item with `http://` read as `https://`, so only the scheme rule is relaxed."""
    if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"].startswith("http://"):
        return {**item, "url": "https://" + item["url"][len("http://") :]}
    return item


def _webhooks(value, *, require_https):
    value = _json(value, default=[])
    instance = value if require_https or not isinstance(value, list) else [_https_view(i) for i in value]
    _schema(instance, WEBHOOKS_SCHEMA)
    return value


def _callback_settings(value):
    value = _json(value)
    if value is None:
        return None
    _schema(value, CALLBACK_SETTINGS_SCHEMA)
    url = value.get("zoom_tokens_url")
    if url and not url.lower().startswith("https://"):
        raise Invalid({"zoom_tokens_url": "URL must start with https://"})
    return value


def _external_media_storage_settings(value):
    value = _json(value)
    if value is not None:
        _schema(value, EXTERNAL_MEDIA_STORAGE_SETTINGS_SCHEMA)
    return value


def _voice_agent_settings(value, *, enabled, platform, zoom_web):
    value = _json(value)
    if value is None:
        return None
    if not enabled:
        raise Invalid([VOICE_AGENTS_DISABLED])
    _schema(value, VOICE_AGENT_SETTINGS_SCHEMA)
    url, screenshare_url = value.get("url"), value.get("screenshare_url")
    if url or screenshare_url:
        value["reserve_resources"] = True
    if url and screenshare_url:
        raise Invalid({"url": "You cannot provide both url and screenshare_url."})
    if url and not url.lower().startswith("https://"):
        raise Invalid({"url": "URL must start with https://"})
    if screenshare_url and not screenshare_url.lower().startswith("https://"):
        raise Invalid({"screenshare_url": "URL must start with https://"})
    if value.get("reserve_resources") and platform == "zoom" and not zoom_web:
        raise Invalid([VOICE_AGENT_ZOOM_NATIVE])
    return value


def _transcription_settings(value, *, platform, zoom_web):
    value = _json(value)
    if value is None:
        if platform == "zoom" and not zoom_web:
            value = {"deepgram": {"language": "multi"}}
        elif platform in ("zoom", "google_meet", "teams"):
            value = {"meeting_closed_captions": {}}
        else:
            return None
    _schema(value, TRANSCRIPTION_SETTINGS_SCHEMA)
    if "deepgram" in value and value["deepgram"].get("language") is None:
        value["deepgram"]["language"] = "multi"
    if (
        platform == "zoom"
        and not zoom_web
        and "meeting_closed_captions" in value
        and not any(provider in value for provider in NON_CAPTION_PROVIDERS)
    ):
        raise Invalid({"transcription_settings": CLOSED_CAPTIONS_ZOOM_NATIVE})
    deepgram = value.get("deepgram", {})
    if deepgram.get("callback") and deepgram.get("detect_language"):
        raise Invalid({"transcription_settings": DEEPGRAM_DETECT_LANGUAGE})
    if "custom_async" in value or "custom_async_v2" in value:
        # The sandbox has no CUSTOM_ASYNC_TRANSCRIPTION_URL.
        raise Invalid({"transcription_settings": CUSTOM_ASYNC_UNSET})
    return value


def _websocket_settings(value):
    value = _json(value)
    if value is None:
        return None
    if isinstance(value, dict):
        for kind in ("audio", "per_participant_audio"):
            if value.get(kind) and isinstance(value[kind], dict) and "sample_rate" not in value[kind]:
                value[kind]["sample_rate"] = 16000
    _schema(value, WEBSOCKET_SETTINGS_SCHEMA)
    for kind in ("audio", "per_participant_audio", "per_participant_video"):
        url = (value.get(kind) or {}).get("url")
        if url and not url.lower().startswith("wss://"):
            raise Invalid({kind: {"url": "URL must start with wss://"}})
    video = value.get("per_participant_video") or {}
    if video.get("url") and video.get("webcam_resolution") == "none" and video.get("screenshare_resolution") == "none":
        raise Invalid({"per_participant_video": VIDEO_RESOLUTIONS_NONE})
    return value


def _rtmp_settings(value):
    value = _json(value)
    if value is None:
        return None
    _schema(value, RTMP_SETTINGS_SCHEMA)
    destination = value.get("destination_url", "").lower()
    if not (destination.startswith("rtmp://") or destination.startswith("rtmps://")):
        raise Invalid({"destination_url": "URL must start with rtmp:// or rtmps://"})
    return value


def _defaulted(value, schema, defaults):
    """A settings object validated by `schema`, with `defaults` for missing keys (default object if absent)."""
    value = _json(value, default=defaults)
    _schema(value, schema)
    for key, default in defaults.items():
        value.setdefault(key, default)
    return value


def _google_meet_settings(value):
    defaults = dict(GOOGLE_MEET_DEFAULTS)
    if isinstance(value, dict) and value.get("use_login"):
        defaults["ui_interaction_mode"] = "robotic"
    return _defaulted(value, GOOGLE_MEET_SETTINGS_SCHEMA, defaults)


def _automatic_leave_settings(value):
    value = _json(value, default={})
    if not isinstance(value, dict):
        # The real server answers 500 here; the sandbox answers like the schema-checked settings do.
        _schema(value, _OBJECT_SCHEMA)
    for key in value:
        if key not in AUTOMATIC_LEAVE_DEFAULTS:
            raise Invalid([f"Unexpected attribute: {key}"])
    keywords = value.get("bot_keywords")
    if keywords is not None:
        if not isinstance(keywords, list):
            raise Invalid(["bot_keywords must be a list of strings or null"])
        if not all(isinstance(k, str) for k in keywords):
            raise Invalid(["Each keyword in bot_keywords must be a string"])
    for param, default in AUTOMATIC_LEAVE_DEFAULTS.items():
        if param in value and param != "bot_keywords" and (not isinstance(value[param], int) or value[param] <= 0):
            raise Invalid([f"{param} must be a positive integer"])
        if param not in value:
            value[param] = default
    return value


def _kubernetes_settings(value):
    value = _json(value)
    if value is None:
        return None
    _schema(value, KUBERNETES_SETTINGS_SCHEMA)
    # The sandbox has no CUSTOM_BOT_POD_SPEC_TYPES, and the schema makes bot_pod_spec_type non-empty.
    raise Invalid([KUBERNETES_NOT_ALLOWED])


# --------------------------------------------------------------------------------------------------
# Database-side rules
# --------------------------------------------------------------------------------------------------


def _unstorable(value):
    """Whether Postgres refuses the value: a NUL character, or (in JSONB) a lone surrogate, anywhere."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unstorable(v) for v in value)
    return False


def create_db_error():
    return AttendeeError(CREATE_DB_ERROR.format(uuid.uuid4()))


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
    """The errors of inserting the bot row and its first requests (7.1 step 7), in that order.

    * A value the row cannot hold (bot_name over 255 characters, deduplication_key over 1024, a NUL or
      lone surrogate in metadata or settings) -> the generic `An error occurred while creating the bot.
      Error ID: <uuid4>` (11.5).
    * A `bot_chat_message` to a specific user: the bot has no participants yet, so
      `No participant found with uuid <uuid>. ...` (7.2).
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
        raise AttendeeError(NO_PARTICIPANT.format(chat["to_user_uuid"]))


def check_bot_webhooks(webhooks, *, require_https=True, reaches_sandbox=None):
    """The database rules for the bot-level subscriptions, applied one webhook after the other (7.1 step 7).

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
            raise AttendeeError(WEBHOOK_REACHES_SANDBOX.format(address=itself))
        if url in subscribed:
            raise AttendeeError("URL already subscribed for this bot")
        if len(subscribed) >= MAX_WEBHOOKS_PER_BOT:
            raise AttendeeError("You have reached the maximum number of webhooks for a single bot")
        if _unstorable(url):
            raise create_db_error()
        subscribed.append(url)


def check_patch_bot_storage(changes):
    """The database error of saving a PATCH (6.4): run it after the state rule, like the real server."""
    name = changes.get("bot_name")
    if (name is not None and len(name) > BOT_NAME_MAX_LENGTH) or _unstorable(changes.get("metadata")):
        raise AttendeeError(PATCH_DB_ERROR.format(uuid.uuid4()))


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def _require_mapping(body):
    if body is None:
        raise FieldErrors({"non_field_errors": [NO_DATA]})
    if not isinstance(body, dict):
        raise FieldErrors({"non_field_errors": [NOT_A_DICT.format(_type_name(body))]})


def _raw_platform(raw_url):
    """The platform the real server derives from the raw `meeting_url` (for defaults); None if invalid."""
    if not isinstance(raw_url, str):
        return None
    try:
        return meeting_platform(normalize_meeting_url(raw_url.strip()))
    except InvalidMeetingUrl:
        return None


def parse_create_bot(body, *, now, voice_agents_enabled=False, require_https_webhooks=True, db_checks=True):
    """Validate a `POST /bots` body as the real server does (7.1 steps 2 and 3, then the row insert).

    Returns the normalized request: meeting_url, platform, bot_name, bot_image, metadata, bot_chat_message,
    join_at (aware UTC or None), deduplication_key, webhooks (a list) and every settings
    object with its defaults. Raises `AttendeeError` for a calendar event id (the sandbox has no
    calendars), `FieldErrors` for field errors (declaration order) or unknown fields, and, unless
    `db_checks=False`, the errors of `check_bot_insert`.
    """
    _require_mapping(body)
    calendar_event_id = body.get("calendar_event_id")
    if calendar_event_id:
        raise AttendeeError(CALENDAR_EVENT_MISSING.format(calendar_event_id))

    def raw(name):
        return body.get(name, MISSING)

    platform = _raw_platform(body.get("meeting_url"))
    zoom_settings_raw = body.get("zoom_settings")
    zoom_web = isinstance(zoom_settings_raw, dict) and zoom_settings_raw.get("sdk", "native") == "web"

    validators = {
        "meeting_url": lambda v: _meeting_url(v),
        "bot_name": lambda v: _bot_name(v),
        "bot_image": _bot_image,
        "metadata": _metadata,
        "bot_chat_message": _bot_chat_message,
        "join_at": lambda v: _join_at(v, now),
        "calendar_event_id": lambda v: _char(v, required=False, default=None),
        "deduplication_key": lambda v: _char(v, required=False, default=None),
        "webhooks": lambda v: _webhooks(v, require_https=require_https_webhooks),
        "callback_settings": _callback_settings,
        "external_media_storage_settings": _external_media_storage_settings,
        "voice_agent_settings": lambda v: _voice_agent_settings(
            v, enabled=voice_agents_enabled, platform=platform, zoom_web=zoom_web
        ),
        "transcription_settings": lambda v: _transcription_settings(v, platform=platform, zoom_web=zoom_web),
        "websocket_settings": _websocket_settings,
        "rtmp_settings": _rtmp_settings,
        "recording_settings": lambda v: _recording_settings(RECORDING_DEFAULTS if v is MISSING else v),
        "google_meet_settings": _google_meet_settings,
        "teams_settings": lambda v: _defaulted(v, TEAMS_SETTINGS_SCHEMA, TEAMS_DEFAULTS),
        "zoom_settings": lambda v: _defaulted(v, ZOOM_SETTINGS_SCHEMA, ZOOM_DEFAULTS),
        "debug_settings": lambda v: _defaulted(v, DEBUG_SETTINGS_SCHEMA, DEBUG_DEFAULTS),
        "automatic_leave_settings": _automatic_leave_settings,
        "kubernetes_settings": _kubernetes_settings,
    }
    values, errors = {}, {}
    for name in CREATE_FIELDS:
        try:
            values[name] = validators[name](raw(name))
        except Invalid as exc:
            errors[name] = exc.detail
    if errors:
        raise FieldErrors(errors)

    unexpected = set(body) - set(CREATE_FIELDS)
    if unexpected:
        raise FieldErrors(
            {
                "non_field_errors": [
                    f"Unexpected field(s): {', '.join(sorted(unexpected))}. "
                    f"Allowed fields are: {', '.join(sorted(CREATE_FIELDS))}"
                ]
            }
        )

    meeting_url, platform = values.pop("meeting_url")
    join_at = values.pop("join_at")
    values.pop("kubernetes_settings")  # always refused
    values.pop("calendar_event_id")  # only a falsy value such as "0" gets here, and it means nothing
    parsed = {
        "meeting_url": meeting_url,
        "platform": platform,
        **values,
        "join_at": None if join_at is MISSING else join_at,
    }
    parsed = {key: parsed[key] for key in _RESULT_ORDER}
    if db_checks:
        check_bot_insert(parsed)
    return parsed


# The parsed request: the create fields but the two the sandbox only refuses, with the platform after the URL.
_RESULT_ORDER = (
    "meeting_url",
    "platform",
    *(name for name in CREATE_FIELDS[1:] if name not in ("calendar_event_id", "kubernetes_settings")),
)


def parse_patch_bot(body, *, now):
    """Validate a `PATCH /bots/{id}` body (6.4). Unknown fields are ignored.

    Returns only the fields that were sent (normalized): join_at (aware UTC), meeting_url, metadata,
    bot_name, bot_image ({type, data}) and recording_settings (defaults filled). An empty
    `recording_settings` is left out: the real server ignores it. The state rule and the database error
    (`check_patch_bot_storage`) are the caller's.
    """
    _require_mapping(body)

    def recording(v):
        if v is MISSING:
            return MISSING
        settings = _recording_settings(v, fill_empty=False)
        return settings or MISSING

    validators = {
        "join_at": lambda v: _join_at(v, now),
        "meeting_url": lambda v: _meeting_url(v, required=False),
        "metadata": lambda v: MISSING if v is MISSING else _metadata(v),
        "bot_name": lambda v: _bot_name(v, required=False),
        "bot_image": lambda v: MISSING if v is MISSING else _bot_image(v),
        "recording_settings": recording,
    }
    changes, errors = {}, {}
    for name in PATCH_FIELDS:
        try:
            value = validators[name](body.get(name, MISSING))
        except Invalid as exc:
            errors[name] = exc.detail
            continue
        if value is not MISSING:
            changes[name] = value[0] if name == "meeting_url" else value
    if errors:
        raise FieldErrors(errors)
    return changes
