"""The real server's JSON Schema documents for the settings objects of a bot and its commands.

Verbatim but for their `description`s. Property order matters: jsonschema's `best_match`, whose
message clients see, depends on it. The request serializers check values against these
(`drf.JsonSchemaField`), and the OpenAPI document shows them converted to 3.0 (`drf.to_openapi`).
"""

from sandbox.contract.webhooks import (
    TRIGGERS as WEBHOOK_TRIGGERS,  # the trigger codes in the server's enum order
)

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

#: What the sandbox checks a non-object `automatic_leave_settings` with (the real server answers 500).
OBJECT_SCHEMA = {"type": "object"}

# Bot commands

TEXT_TO_SPEECH_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "google": {
            "type": "object",
            "properties": {"voice_language_code": {"type": "string"}, "voice_name": {"type": "string"}},
            "required": ["voice_language_code", "voice_name"],
            "additionalProperties": False,
        }
    },
    "required": ["google"],
    "additionalProperties": False,
}

_CAPTION_LANGUAGES = TRANSCRIPTION_SETTINGS_SCHEMA["properties"]["meeting_closed_captions"]["properties"]
PATCH_TRANSCRIPTION_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "meeting_closed_captions": {
            "type": "object",
            "properties": {
                "teams_language": _CAPTION_LANGUAGES["teams_language"],
                "google_meet_language": _CAPTION_LANGUAGES["google_meet_language"],
            },
            "oneOf": [{"required": ["teams_language"]}, {"required": ["google_meet_language"]}],
            "additionalProperties": False,
        }
    },
    "required": ["meeting_closed_captions"],
    "additionalProperties": False,
}
