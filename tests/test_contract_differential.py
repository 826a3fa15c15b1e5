"""TEMPORARY: the hand-written validators and the serializers on sandbox.contract.drf, fed the same inputs, must
give the same results and the same error bodies, byte for byte.

Inputs: every call the old validators received while tests/test_create_validation.py, test_create.py,
test_patch_delete.py, test_send_chat_message.py, test_media_output.py, test_bot_settings_commands.py,
test_transcript.py, test_bad_input.py, test_fuzz.py and test_contract_walk.py ran (recorded into
contract_corpus.jsonl.gz), plus hypothesis-generated bodies. Deleted once the old validators are gone.
"""

import copy
import gzip
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import commands as old_commands
from sandbox import meeting as old_meeting
from sandbox.contract.requests import bots as new_bots
from sandbox.contract.requests import commands as new_commands
from sandbox.contract.requests import transcripts as new_transcripts
from sandbox.errors import AttendeeError, FieldErrors
from sandbox.schemas import create_bot as old_bots

PAIRS = {
    "parse_create_bot": (old_bots.parse_create_bot, new_bots.parse_create_bot),
    "parse_patch_bot": (old_bots.parse_patch_bot, new_bots.parse_patch_bot),
    "parse_chat_message": (old_commands.parse_chat_message, new_commands.parse_chat_message),
    "parse_speech": (old_commands.parse_speech, new_commands.parse_speech),
    "parse_output_audio": (old_commands.parse_output_audio, new_commands.parse_output_audio),
    "parse_output_image": (old_commands.parse_output_image, new_commands.parse_output_image),
    "parse_output_video": (old_commands.parse_output_video, new_commands.parse_output_video),
    "parse_transcription_settings_patch": (
        old_commands.parse_transcription_settings_patch,
        new_commands.parse_transcription_settings_patch,
    ),
    "parse_voice_agent_settings_patch": (
        old_commands.parse_voice_agent_settings_patch,
        new_commands.parse_voice_agent_settings_patch,
    ),
    "validate_async_transcription_settings": (
        old_meeting.validate_async_transcription_settings,
        new_transcripts.validate_async_transcription_settings,
    ),
}

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
_ERROR_ID = re.compile(r"Error ID: [0-9a-f-]{36}")


def _decode(value):
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        return {_decode(k): _decode(v) for k, v in value["$dict"]}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _corpus():
    path = Path(__file__).with_name("contract_corpus.jsonl.gz")
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


def _default(value):
    if isinstance(value, datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    raise TypeError(type(value))


def outcome(fn, args, kwargs):
    """What a caller sees, as bytes: the result, or the error's class, status and body."""
    try:
        result = ["ok", fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))]
    except FieldErrors as exc:
        result = ["FieldErrors", exc.status, exc.errors]
    except AttendeeError as exc:
        result = [type(exc).__name__, exc.status, exc.body()]
    return _ERROR_ID.sub("Error ID: <uuid>", json.dumps(result, default=_default))


def assert_same(name, args, kwargs):
    old, new = PAIRS[name]
    assert outcome(new, args, kwargs) == outcome(old, args, kwargs), (name, args, kwargs)


CORPUS = _corpus()


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_the_recorded_inputs_give_the_same_answers(index):
    call = CORPUS[index]
    assert_same(call["fn"], _decode(call["args"]), _decode(call["kwargs"]))


# -- generated inputs ----------------------------------------------------------------------------------

MEET = "https://meet.google.com/abc-defg-hij"
ZOOM = "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

odd_text = st.sampled_from(
    ["", "  ", "x", " padded ", "a\x00b", "a\ud800b", "emoji \U0001f600", "https://x.com/v.mp4", "http://x", "x" * 300]
)
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=32), odd_text, st.text(max_size=8)
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)),
    max_leaves=8,
)


def settings_like(*keys):
    """Objects built from a settings object's own keys (and some others), with odd values."""
    return st.dictionaries(st.sampled_from([*keys, "other"]), json_value, max_size=4)


FIELD_VALUES = {
    "meeting_url": st.one_of(st.sampled_from([MEET, ZOOM, " " + MEET, "https://teams.live.com/meet/93?p=ab", "nope"]), json_value),
    "bot_name": st.one_of(odd_text, json_value),
    "bot_image": st.one_of(
        st.fixed_dictionaries({"type": st.sampled_from(["image/png", "image/jpeg", "image/gif"]), "data": st.sampled_from([PNG, "!!", ""])}),
        json_value,
    ),
    "metadata": st.one_of(st.dictionaries(st.text(max_size=4), json_leaf, max_size=3), json_value),
    "bot_chat_message": st.one_of(
        settings_like("to", "to_user_uuid", "message"),
        st.fixed_dictionaries(
            {"message": odd_text},
            optional={"to": st.sampled_from(["everyone", "specific_user", "nobody", ""]), "to_user_uuid": st.one_of(st.none(), odd_text)},
        ),
    ),
    "join_at": st.one_of(
        st.sampled_from(
            ["2027-01-01T08:00:00Z", "2026-11-30T12", "2026-12-01", "2020-01-01T00:00:00Z", "2031-01-01T00:00Z",
             "0001-01-01T00:00+01:00", "iso-8601", "2027-13-01T00:00Z", "2027-01-01T10:00:00+02:00"]
        ),
        json_value,
    ),  # fmt: skip
    "calendar_event_id": st.one_of(st.sampled_from(["", 0, False, None]), json_leaf),
    "deduplication_key": st.one_of(odd_text, json_value),
    "webhooks": st.one_of(
        st.lists(
            st.fixed_dictionaries(
                {"url": st.sampled_from(["https://a.com", "http://a.com", "ftp://a", 3]), "triggers": st.lists(st.sampled_from(["bot.state_change", "nope"]), max_size=2)}
            ),
            max_size=3,
        ),
        json_value,
    ),
    "callback_settings": st.one_of(settings_like("zoom_tokens_url"), json_value),
    "external_media_storage_settings": st.one_of(settings_like("bucket_name", "recording_file_name"), json_value),
    "voice_agent_settings": st.one_of(
        st.fixed_dictionaries({}, optional={"url": st.sampled_from(["https://v.com", "http://v.com", ""]), "screenshare_url": st.sampled_from(["https://s.com", "x"]), "reserve_resources": st.booleans()}),
        json_value,
    ),
    "transcription_settings": st.one_of(
        st.sampled_from(
            [{}, {"deepgram": {}}, {"deepgram": {"callback": "x", "detect_language": True}}, {"meeting_closed_captions": {}},
             {"meeting_closed_captions": {}, "gladia": {}}, {"custom_async": {}}, {"openai": {}}, {"nope": {}}]
        ),
        json_value,
    ),  # fmt: skip
    "websocket_settings": st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "audio": st.one_of(st.fixed_dictionaries({"url": st.sampled_from(["wss://a", "ws://a"])}), json_value),
                "per_participant_video": st.fixed_dictionaries(
                    {"url": st.sampled_from(["wss://a", "x"])},
                    optional={"webcam_resolution": st.sampled_from(["none", "720p"]), "screenshare_resolution": st.sampled_from(["none", "bad"])},
                ),
            },
        ),
        json_value,
    ),
    "rtmp_settings": st.one_of(settings_like("destination_url", "stream_key"), json_value),
    "recording_settings": st.one_of(
        st.fixed_dictionaries({}, optional={"format": st.sampled_from(["mp4", "wav"]), "view": st.sampled_from(["gallery_view", "x"]), "reserve_additional_storage": st.booleans()}),
        json_value,
    ),
    "google_meet_settings": st.one_of(settings_like("use_login", "login_mode", "login_group_name"), json_value),
    "teams_settings": st.one_of(settings_like("use_login", "login_mode"), json_value),
    "zoom_settings": st.one_of(st.fixed_dictionaries({"sdk": st.sampled_from(["web", "native", "x"])}), json_value),
    "debug_settings": st.one_of(settings_like("create_debug_recording"), json_value),
    "automatic_leave_settings": st.one_of(
        settings_like("silence_timeout_seconds", "bot_keywords", "max_uptime_seconds"),
        st.fixed_dictionaries({"bot_keywords": json_value}),
        json_value,
    ),
    "kubernetes_settings": st.one_of(settings_like("bot_pod_spec_type"), json_value),
}


def bodies(names):
    fields = st.fixed_dictionaries({}, optional={name: FIELD_VALUES[name] for name in names})
    extra = st.dictionaries(st.sampled_from(["unknown", "other_field"]), json_leaf, max_size=1)
    with_required = st.fixed_dictionaries({"meeting_url": st.just(MEET), "bot_name": st.just("Bot")})
    mostly_valid = st.builds(lambda base, more: {**base, **more}, with_required, fields)
    return st.one_of(fields, mostly_valid, st.builds(lambda a, b: {**a, **b}, mostly_valid, extra), json_value)


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(body=bodies(list(FIELD_VALUES)), voice=st.booleans(), https=st.booleans())
def test_create_bodies_give_the_same_answers(body, voice, https):
    assert_same("parse_create_bot", [body], {"now": NOW, "voice_agents_enabled": voice, "require_https_webhooks": https})


@FAST
@given(body=bodies(["join_at", "meeting_url", "metadata", "bot_name", "bot_image", "recording_settings"]))
def test_patch_bodies_give_the_same_answers(body):
    assert_same("parse_patch_bot", [body], {"now": NOW})


command_body = st.one_of(
    st.dictionaries(
        st.sampled_from(["message", "to", "to_user_uuid", "text", "text_to_speech_settings", "url", "loop", "mute_video",
                         "type", "data", "screenshare_url", "transcription_settings", "other"]),
        st.one_of(FIELD_VALUES["bot_chat_message"], FIELD_VALUES["bot_image"], json_value, st.sampled_from(["true", "no", 1.0, 0, "https://a.com/x.mp4", "image/png", PNG])),
        max_size=4,
    ),
    json_value,
)  # fmt: skip


@FAST
@given(body=command_body, allowlist=st.sampled_from([None, "", "https://ok.com,https://v.com"]))
def test_command_bodies_give_the_same_answers(body, allowlist):
    for name in PAIRS:
        if name.startswith("parse_") and name not in ("parse_create_bot", "parse_patch_bot"):
            kwargs = {"allowlist": allowlist} if name == "parse_voice_agent_settings_patch" else {}
            assert_same(name, [body], kwargs)
    assert_same("validate_async_transcription_settings", [body], {})
