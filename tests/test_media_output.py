"""POST /speech, /output_audio, /output_image and /output_video (docs/contract/bots-endpoints.md#speech to
#output-video, docs/contract/bots-endpoints.md#speech-credentials to #output-audio)."""

import base64
import struct
import zlib
from pathlib import Path

import pytest
from freezegun import freeze_time

from sandbox.usecases import commands
from tests.commands_support import (
    ENDED_BOT,
    FIXTURE_BOTS,
    MEET_BOT,
    NOT_JOINED_STATES,
    UNKNOWN_BOT,
    ZOOM_BOT,
    ZOOM_URL,
    assert_empty_200,
    call,
    check_openapi,
    commands_of,
    put_bot,
    stored_bot,
)
from tests.conftest import AUTH

ROOT = Path(__file__).resolve().parents[1]
RECORDING_MP3 = (ROOT / "fixtures" / "media" / "recording.mp3").read_bytes()  # 3.03 s (fixtures/media/README.md)
FROZEN = "2026-11-30T12:00:00Z"
SPEECH_SETTINGS = {"google": {"voice_language_code": "en-US", "voice_name": "en-US-Casual-K"}}
VIDEO_URL = "https://cdn.example.com/clip.mp4"


def post(client, action, body=None, bot_id=MEET_BOT, **kwargs):
    return call(client, "POST", bot_id, action, body, **kwargs)


def media(client, bot_id=MEET_BOT):
    """The bot's media requests as the control plane shows them (GET /sandbox/bots/{id}/media)."""
    response = client.get(f"/sandbox/bots/{bot_id}/media", headers=AUTH)
    assert response.status_code == 200, response.data
    return response.json["results"]


def states(client, bot_id=MEET_BOT):
    return [item["state"] for item in media(client, bot_id)]


def b64(data):
    return base64.b64encode(data).decode()


def mp3_frames(count):
    """`count` MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz: 26.122 ms each (1152 samples)."""
    length = 144 * 128_000 // 44_100
    return (bytes([0xFF, 0xFB, 0x90, 0xC0]) + b"\x00" * (length - 4)) * count


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(width=2, height=2):
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


AUDIO_BODY = {"type": "audio/mp3", "data": b64(RECORDING_MP3)}
IMAGE_BODY = {"type": "image/png", "data": b64(make_png())}


# ============================================================================================ speech


@freeze_time(FROZEN)
def test_speech_gets_an_empty_200_and_is_queued_as_audio(client, sandbox):
    text = "Hello there everyone, welcome aboard"
    response = post(client, "speech", {"text": text, "text_to_speech_settings": SPEECH_SETTINGS})
    assert_empty_200(response)
    check_openapi("POST", MEET_BOT, "speech", response)
    assert commands_of(sandbox, MEET_BOT) == [
        {
            "command": "speech",
            "created_at": "2026-11-30T12:00:00+00:00",
            "text": text,
            "text_to_speech_settings": SPEECH_SETTINGS,
            "duration_ms": 2000,  # 5 words at 150 words a minute
        }
    ]
    [request] = media(client)
    assert request == {
        "id": request["id"],
        "media_type": "audio",
        "command": "speech",
        "state": "enqueued",
        "duration_ms": 2000,
        "created_at": "2026-11-30T12:00:00Z",
        "started_at": None,
        "ended_at": None,
    }


def test_speech_of_one_word_lasts_at_least_a_second():
    assert commands.speech_seconds("Hi") == 1.0
    assert commands.speech_seconds(" ".join(["word"] * 25)) == 10.0


def test_speech_of_an_unknown_bot_is_bot_not_found_before_the_body(client):
    response = post(client, "speech", {}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'
    check_openapi("POST", UNKNOWN_BOT, "speech", response)


def test_speech_requires_text_and_settings(client):
    response = post(client, "speech", {})
    assert response.status_code == 400
    assert response.data == (
        b'{"text":["This field is required."],"text_to_speech_settings":["This field is required."]}'
    )
    check_openapi("POST", MEET_BOT, "speech", response)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({}, "'google' is a required property"),
        ({"google": {}}, "'voice_language_code' is a required property"),
        ({"google": {"voice_language_code": "en-US"}}, "'voice_name' is a required property"),
        (
            {"google": {"voice_language_code": "en-US", "voice_name": "x", "pitch": 2}},
            "Additional properties are not allowed ('pitch' was unexpected)",
        ),
        ({"google": {"voice_language_code": 5, "voice_name": "x"}}, "5 is not of type 'string'"),
        ({**SPEECH_SETTINGS, "azure": {}}, "Additional properties are not allowed ('azure' was unexpected)"),
        ("google", "'google' is not of type 'object'"),
    ],
)
def test_speech_settings_errors_use_jsonschema_wording(client, settings, message):
    response = post(client, "speech", {"text": "hi", "text_to_speech_settings": settings})
    assert response.status_code == 400
    assert response.json == {"text_to_speech_settings": [message]}


def test_speech_settings_may_not_be_null(client):
    response = post(client, "speech", {"text": "hi", "text_to_speech_settings": None})
    assert response.json == {"text_to_speech_settings": ["This field may not be null."]}


def test_speech_text_may_not_be_blank(client):
    response = post(client, "speech", {"text": " ", "text_to_speech_settings": SPEECH_SETTINGS})
    assert response.json == {"text": ["This field may not be blank."]}


def test_speech_body_is_validated_before_the_state_gate(client):
    response = post(client, "speech", {"text": "hi"}, bot_id=ENDED_BOT)
    assert response.json == {"text_to_speech_settings": ["This field is required."]}


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_speech_from_a_bot_that_is_not_joined_cannot_play_media(client, state):
    body = {"text": "hi", "text_to_speech_settings": SPEECH_SETTINGS}
    response = post(client, "speech", body, bot_id=FIXTURE_BOTS[state])
    assert response.status_code == 400
    assert response.data == f'{{"error":"Bot is in state {state} and cannot play media"}}'.encode()


def test_speech_without_google_tts_credentials_links_to_the_request_hosts_dashboard(client, sandbox):
    project = sandbox.store.get("projects", "proj_sbx0Default00001")
    sandbox.store.put("projects", {**project, "google_tts_credentials": False})
    sandbox.projects_changed()
    response = post(
        client, "speech", {"text": "hi", "text_to_speech_settings": SPEECH_SETTINGS}, base_url="http://127.0.0.1:8000"
    )
    assert response.status_code == 400
    assert response.data == (
        b'{"error":"Google Text-to-Speech credentials are required. Please add credentials at '
        b'http://127.0.0.1:8000/projects/proj_sbx0Default00001/credentials"}'
    )
    check_openapi("POST", MEET_BOT, "speech", response)
    assert commands_of(sandbox, MEET_BOT) == []


def test_the_speech_state_gate_comes_before_the_credentials_check(client, sandbox):
    project = sandbox.store.get("projects", "proj_sbx0Default00001")
    sandbox.store.put("projects", {**project, "google_tts_credentials": False})
    sandbox.projects_changed()
    response = post(client, "speech", {"text": "hi", "text_to_speech_settings": SPEECH_SETTINGS}, bot_id=ENDED_BOT)
    assert response.json == {"error": "Bot is in state ended and cannot play media"}


def test_speech_is_throttled_like_every_media_post(make_app):
    client = make_app(throttle_rate="1/min").test_client()
    with freeze_time(FROZEN):
        assert post(client, "speech", {}, bot_id=UNKNOWN_BOT).status_code == 404
        response = post(client, "speech", {}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 429


# ====================================================================================== output_audio


def test_output_audio_gets_an_empty_200_and_plays_for_the_mp3s_duration_once_picked_up(client, sandbox):
    with freeze_time(FROZEN) as frozen:
        response = post(client, "output_audio", AUDIO_BODY)
        assert_empty_200(response)
        check_openapi("POST", MEET_BOT, "output_audio", response)
        recorded = commands_of(sandbox, MEET_BOT)[-1]
        assert recorded["command"] == "output_audio"
        assert (recorded["type"], recorded["bytes"], recorded["duration_ms"]) == ("audio/mp3", len(RECORDING_MP3), 3030)
        assert states(client) == ["enqueued"]
        frozen.tick(1)  # media_starts: the bot process picks it up
        [playing] = media(client)
        assert (playing["state"], playing["started_at"], playing["duration_ms"]) == ("playing", "2026-11-30T12:00:01Z", 3030)
        frozen.tick(3.030204)
        [finished] = media(client)
        assert (finished["state"], finished["ended_at"]) == ("finished", "2026-11-30T12:00:04.030204Z")


def test_mp3_duration_is_the_sum_of_its_frames():
    assert commands.mp3_duration_seconds(mp3_frames(100)) == pytest.approx(100 * 1152 / 44100)
    assert commands.mp3_duration_seconds(b"not audio") == 0.0


def test_output_audio_checks_the_body_before_looking_up_the_bot(client):
    response = post(client, "output_audio", {}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 400
    assert response.data == b'{"error":"Both type and data are required"}'
    check_openapi("POST", UNKNOWN_BOT, "output_audio", response)


def test_output_audio_with_a_valid_body_for_an_unknown_bot_is_bot_not_found(client):
    response = post(client, "output_audio", AUDIO_BODY, bot_id=UNKNOWN_BOT)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}
    check_openapi("POST", UNKNOWN_BOT, "output_audio", response)


@pytest.mark.parametrize("body", [{"type": "audio/mp3"}, {"data": "AAAA"}, {"kind": "audio/mp3", "data": "AAAA"}])
def test_output_audio_needs_both_type_and_data(client, body):
    response = post(client, "output_audio", body)
    assert response.json == {"error": "Both type and data are required"}


@pytest.mark.parametrize("content_type", ["audio/wav", "audio/mpeg", "", None, ["audio/mp3"]])
def test_output_audio_of_another_type_is_an_invalid_audio_content_type(client, content_type):
    response = post(client, "output_audio", {"type": content_type, "data": b64(RECORDING_MP3)})
    assert response.status_code == 400
    assert response.json == {"error": "Invalid audio content type"}


@pytest.mark.parametrize("data", ["abc", "QUJDRA", None, 5, ["QUJD"]])
def test_output_audio_with_data_that_does_not_decode_is_invalid_base64(client, data):
    response = post(client, "output_audio", {"type": "audio/mp3", "data": data})
    assert response.json == {"error": "Invalid base64 encoded data"}


def test_output_audio_checks_base64_before_the_bot_lookup(client):
    response = post(client, "output_audio", {"type": "audio/mp3", "data": "abc"}, bot_id=UNKNOWN_BOT)
    assert response.json == {"error": "Invalid base64 encoded data"}


@pytest.mark.parametrize("raw", [b"[]", b'["type", "data"]', b'"type data"', b"5", b"null"])
def test_output_audio_with_a_body_that_is_not_an_object_needs_type_and_data(client, raw):
    response = post(client, "output_audio", raw=raw, content_type="application/json")
    assert response.json == {"error": "Both type and data are required"}


def test_output_audio_parse_errors_come_before_the_bot_lookup(client):
    response = post(client, "output_audio", raw=b"hello", content_type="text/plain", bot_id=UNKNOWN_BOT)
    assert response.status_code == 415
    assert response.json == {"detail": 'Unsupported media type "text/plain" in request.'}
    check_openapi("POST", UNKNOWN_BOT, "output_audio", response)


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_output_audio_from_a_bot_that_is_not_joined_cannot_play_media(client, state):
    response = post(client, "output_audio", AUDIO_BODY, bot_id=FIXTURE_BOTS[state])
    assert response.json == {"error": f"Bot is in state {state} and cannot play media"}


def test_output_audio_state_gate_comes_before_the_mp3_check(client):
    response = post(client, "output_audio", {"type": "audio/mp3", "data": b64(b"not an mp3")}, bot_id=ENDED_BOT)
    assert response.json == {"error": "Bot is in state ended and cannot play media"}


def test_output_audio_of_bytes_that_are_no_mp3_names_the_decoder_error(client, sandbox):
    response = post(client, "output_audio", {"type": "audio/mp3", "data": b64(b"definitely not audio")})
    assert response.status_code == 400
    assert response.data == (
        b'{"error":"Error creating the audio blob. Are you sure it\'s a valid audio/mp3 file?",'
        b'"raw_error":"Decoding failed. ffmpeg returned error code: 1"}'
    )
    check_openapi("POST", MEET_BOT, "output_audio", response)
    assert commands_of(sandbox, MEET_BOT) == []


def test_output_audio_with_lenient_base64_garbage_decodes_to_nothing_and_fails_as_audio(client):
    response = post(client, "output_audio", {"type": "audio/mp3", "data": "!!!"})
    assert response.json["raw_error"] == "Decoding failed. ffmpeg returned error code: 1"


def test_output_audio_over_10_mb_exceeds_the_blob_limit(app):
    # Such a body (14 MB) is within SANDBOX_MAX_BODY_BYTES's default, as the real server's DRF 3.15 reads a
    # JSON body whatever its size.
    client = app.test_client()
    blob = mp3_frames(10 * 1024 * 1024 // 417 + 1)
    response = post(client, "output_audio", {"type": "audio/mp3", "data": b64(blob)})
    assert response.json == {
        "error": "Error creating the audio blob. Are you sure it's a valid audio/mp3 file?",
        "raw_error": "blob exceeds 10MB limit",
    }


def test_a_second_audio_while_one_plays_is_accepted_and_played_after_it(client):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_audio", AUDIO_BODY))
        frozen.tick(1.5)
        assert_empty_200(post(client, "output_audio", {"type": "audio/mp3", "data": b64(mp3_frames(100))}))
        assert states(client) == ["playing", "enqueued"]
        frozen.tick(2.530204)
        first, second = media(client)
        assert (first["state"], second["state"]) == ("finished", "playing")
        assert second["started_at"] == first["ended_at"] == "2026-11-30T12:00:04.030204Z"
        assert second["duration_ms"] == 2612


def test_a_second_audio_while_the_first_is_still_enqueued_is_accepted_too(client):
    with freeze_time(FROZEN):
        body = {"text": "one two three four five", "text_to_speech_settings": SPEECH_SETTINGS}
        assert_empty_200(post(client, "speech", body))
        assert_empty_200(post(client, "output_audio", AUDIO_BODY))
        assert_empty_200(post(client, "speech", body))
        assert states(client) == ["enqueued", "enqueued", "enqueued"]


def test_playing_audio_blocks_a_video_until_it_ends(client):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_audio", AUDIO_BODY))
        frozen.tick(4)  # playing since 12:00:01, until 12:00:04.030204
        response = post(client, "output_video", {"url": VIDEO_URL})
        assert response.status_code == 400
        assert response.json == {"error": "Bot is already playing media. Please wait for it to finish."}
        frozen.tick(0.031)
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))


def test_a_video_is_accepted_while_speech_is_still_enqueued_and_refused_once_it_plays(client):
    with freeze_time(FROZEN) as frozen:
        body = {"text": "one two three four five", "text_to_speech_settings": SPEECH_SETTINGS}
        assert_empty_200(post(client, "speech", body))
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))  # the speech is only enqueued
        frozen.tick(1)
        assert states(client) == ["playing", "playing"]
        response = post(client, "output_video", {"url": VIDEO_URL})
        assert response.json == {"error": "Bot is already playing media. Please wait for it to finish."}


# ====================================================================================== output_image


@freeze_time(FROZEN)
def test_output_image_gets_an_empty_200_and_is_recorded(client, sandbox):
    response = post(client, "output_image", IMAGE_BODY)
    assert_empty_200(response)
    check_openapi("POST", MEET_BOT, "output_image", response)
    recorded = commands_of(sandbox, MEET_BOT)[-1]
    assert (recorded["command"], recorded["type"], recorded["bytes"]) == ("output_image", "image/png", len(make_png()))
    assert "media" not in recorded  # an image plays at once and blocks nothing


def test_output_image_of_an_unknown_bot_is_bot_not_found_before_the_body(client):
    response = post(client, "output_image", {}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 404
    check_openapi("POST", UNKNOWN_BOT, "output_image", response)


def test_output_image_checks_the_state_before_the_body(client):
    response = post(client, "output_image", {}, bot_id=ENDED_BOT)
    assert response.json == {"error": "Bot is in state ended and cannot play media"}


def test_output_image_checks_the_state_before_parsing_the_body(client):
    response = post(client, "output_image", raw=b"{oops", content_type="application/json", bot_id=ENDED_BOT)
    assert response.json == {"error": "Bot is in state ended and cannot play media"}


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_output_image_from_a_bot_that_is_not_joined_cannot_play_media(client, state):
    response = post(client, "output_image", IMAGE_BODY, bot_id=FIXTURE_BOTS[state])
    assert response.json == {"error": f"Bot is in state {state} and cannot play media"}


def test_output_image_while_a_video_plays_is_refused_before_the_body_is_read(client):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))
        assert_empty_200(post(client, "output_image", IMAGE_BODY))  # the video is only enqueued
        frozen.tick(1)
        response = post(client, "output_image", {})
    assert response.status_code == 400
    assert response.data == b'{"error":"Bot is already playing a video. Please wait for it to finish."}'
    check_openapi("POST", MEET_BOT, "output_image", response)


def test_output_image_while_audio_plays_is_accepted(client):
    with freeze_time(FROZEN):
        assert_empty_200(post(client, "output_audio", AUDIO_BODY))
        assert_empty_200(post(client, "output_image", IMAGE_BODY))


def test_output_image_without_type_and_data_requires_both(client):
    response = post(client, "output_image", {})
    assert response.status_code == 400
    assert response.data == b'{"type":["This field is required."],"data":["This field is required."]}'
    check_openapi("POST", MEET_BOT, "output_image", response)


def test_output_image_of_another_type_is_not_a_valid_choice(client):
    response = post(client, "output_image", {"type": "image/gif", "data": b64(make_png())})
    assert response.data == b'{"type":["\\"image/gif\\" is not a valid choice."]}'


def test_output_image_with_bad_padding_is_invalid_base64(client):
    response = post(client, "output_image", {"type": "image/png", "data": "abc"})
    assert response.json == {"non_field_errors": ["Invalid base64 encoded data"]}


def test_output_image_with_characters_outside_base64_is_not_a_valid_png(client):
    response = post(client, "output_image", {"type": "image/png", "data": "!!!"})
    assert response.json == {"non_field_errors": ["Data is not a valid png image."]}


def test_output_image_of_a_png_sent_as_jpeg_is_not_a_valid_jpeg(client):
    response = post(client, "output_image", {"type": "image/jpeg", "data": b64(make_png())})
    assert response.json == {"non_field_errors": ["Data is not a valid jpeg image."]}


def test_output_image_of_a_json_array_is_not_a_dictionary(client):
    response = post(client, "output_image", raw=b"[]", content_type="application/json")
    assert response.json == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


# ====================================================================================== output_video


def test_output_video_gets_an_empty_200_and_plays_for_30_seconds(client, sandbox):
    with freeze_time(FROZEN) as frozen:
        response = post(client, "output_video", {"url": VIDEO_URL})
        assert_empty_200(response)
        check_openapi("POST", MEET_BOT, "output_video", response)
        assert commands_of(sandbox, MEET_BOT)[-1] == {
            "command": "output_video",
            "created_at": "2026-11-30T12:00:00+00:00",
            "url": VIDEO_URL,
            "loop": False,
            "mute_video": False,
        }
        frozen.tick(30.9)
        [video] = media(client)
        assert (video["media_type"], video["state"], video["duration_ms"]) == ("video", "playing", 30000)
        frozen.tick(0.1)
        [video] = media(client)
        assert (video["state"], video["started_at"], video["ended_at"]) == (
            "finished", "2026-11-30T12:00:01Z", "2026-11-30T12:00:31Z"
        )


def test_output_video_of_an_unknown_bot_is_bot_not_found(client):
    response = post(client, "output_video", {"url": "nope"}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 404
    check_openapi("POST", UNKNOWN_BOT, "output_video", response)


def test_output_video_requires_a_url(client):
    response = post(client, "output_video", {})
    assert response.status_code == 400
    assert response.data == b'{"url":["This field is required."]}'
    check_openapi("POST", MEET_BOT, "output_video", response)


@pytest.mark.parametrize(
    "url, message",
    [
        ("not a url", "Enter a valid URL."),
        ("https://", "Enter a valid URL."),
        ("https://no_tld/clip.mp4", "Enter a valid URL."),
        ("mailto:someone@example.com", "Enter a valid URL."),
        ("https://cdn.example.com/a b.mp4", "Enter a valid URL."),
        ("https://" + "a" * 2050 + ".com/x.mp4", "Enter a valid URL."),
        (5, "Enter a valid URL."),
        ("http://cdn.example.com/clip.mp4", "URL must start with https://"),
        ("ftp://cdn.example.com/clip.mp4", "URL must start with https://"),
        ("HTTPS://cdn.example.com/clip.mp4", "URL must start with https://"),
        ("https://cdn.example.com/clip.mov", "URL must end with .mp4"),
        ("https://cdn.example.com/clip.mp4?x=1", "URL must end with .mp4"),
        ("", "This field may not be blank."),
        (None, "This field may not be null."),
        (["https://cdn.example.com/clip.mp4"], "Not a valid string."),
    ],
)
def test_output_video_url_messages(client, url, message):
    response = post(client, "output_video", {"url": url})
    assert response.status_code == 400
    assert response.json == {"url": [message]}


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/clip.mp4",
        "https://127.0.0.1:8443/v/clip.mp4",
        "https://[::1]/clip.mp4",
        "https://bücher.example/clip.mp4",
        "  https://cdn.example.com/clip.mp4  ",
    ],
)
def test_output_video_accepts_what_djangos_url_validator_accepts(client, url):
    assert_empty_200(post(client, "output_video", {"url": url}))


@pytest.mark.parametrize("value", [True, "true", "True", "1", 1, "yes", "on"])
def test_output_video_loop_accepts_drf_true_values(client, sandbox, value):
    assert_empty_200(post(client, "output_video", {"url": VIDEO_URL, "loop": value}))
    assert commands_of(sandbox, MEET_BOT)[-1]["loop"] is True


@pytest.mark.parametrize("field", ["loop", "mute_video"])
@pytest.mark.parametrize("value", ["maybe", 2, [], {}, ""])
def test_output_video_booleans_must_be_valid_booleans(client, field, value):
    response = post(client, "output_video", {"url": VIDEO_URL, field: value})
    assert response.json == {field: ["Must be a valid boolean."]}


def test_output_video_boolean_may_not_be_null(client):
    response = post(client, "output_video", {"url": VIDEO_URL, "loop": None})
    assert response.json == {"loop": ["This field may not be null."]}


def test_output_video_field_errors_come_in_declaration_order(client):
    response = post(client, "output_video", {"mute_video": "x", "loop": "maybe", "url": "http://a.com/b.mp4"})
    assert response.data == (
        b'{"url":["URL must start with https://"],"loop":["Must be a valid boolean."],'
        b'"mute_video":["Must be a valid boolean."]}'
    )


def test_output_video_mute_video_is_recorded(client, sandbox):
    assert_empty_200(post(client, "output_video", {"url": VIDEO_URL, "mute_video": False, "loop": "false"}))
    other = FIXTURE_BOTS["joined_not_recording"]
    assert_empty_200(post(client, "output_video", {"url": VIDEO_URL, "mute_video": True}, bot_id=other))
    assert commands_of(sandbox, other)[-1]["mute_video"] is True


def test_output_video_body_is_validated_before_the_zoom_refusal(client):
    response = post(client, "output_video", {"url": "nope"}, bot_id=ZOOM_BOT)
    assert response.json == {"url": ["Enter a valid URL."]}


def test_output_video_on_zoom_is_not_supported(client):
    response = post(client, "output_video", {"url": VIDEO_URL}, bot_id=ZOOM_BOT)
    assert response.status_code == 400
    assert response.data == b'{"error":"Video output is not supported in this meeting type"}'
    check_openapi("POST", ZOOM_BOT, "output_video", response)


def test_output_video_zoom_refusal_comes_before_the_state_gate(client, sandbox):
    bot_id = put_bot(sandbox, "bot_cmdZoomEnded0000", meeting_url=ZOOM_URL, state="ended")
    response = post(client, "output_video", {"url": VIDEO_URL}, bot_id=bot_id)
    assert response.json == {"error": "Video output is not supported in this meeting type"}


def test_output_video_on_zoom_works_when_zoom_video_output_is_enabled(client, sandbox):
    sandbox.settings.enable_zoom_video_output = True
    assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}, bot_id=ZOOM_BOT))


def test_zoom_video_output_is_off_by_default_and_set_like_the_real_servers_variable():
    from sandbox.config import load_settings

    assert load_settings(environ={}).enable_zoom_video_output is False
    assert load_settings(environ={"ENABLE_ZOOM_VIDEO_OUTPUT": "true"}).enable_zoom_video_output is True


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_output_video_from_a_bot_that_is_not_joined_cannot_play_media(client, state):
    response = post(client, "output_video", {"url": VIDEO_URL}, bot_id=FIXTURE_BOTS[state])
    assert response.json == {"error": f"Bot is in state {state} and cannot play media"}


def test_a_second_video_while_one_plays_waits_for_it_to_finish(client):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))
        frozen.tick(30.9)
        response = post(client, "output_video", {"url": VIDEO_URL})
        assert response.status_code == 400
        assert response.data == b'{"error":"Bot is already playing media. Please wait for it to finish."}'
        check_openapi("POST", MEET_BOT, "output_video", response)
        frozen.tick(0.1)
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))


def test_a_second_video_while_the_first_is_enqueued_is_accepted_and_plays_after_it(client):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))
        frozen.tick(0.5)
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL}))
        frozen.tick(31)
        first, second = media(client)
        assert (first["state"], second["state"]) == ("finished", "playing")
        assert second["started_at"] == first["ended_at"] == "2026-11-30T12:00:31Z"


def test_a_looping_video_plays_until_the_bot_leaves(client, sandbox):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_video", {"url": VIDEO_URL, "loop": True}))
        assert media(client)[0]["duration_ms"] is None
        frozen.tick(6 * 3600)
        assert post(client, "output_video", {"url": VIDEO_URL}).json == {
            "error": "Bot is already playing media. Please wait for it to finish."
        }
        assert post(client, "output_image", IMAGE_BODY).json == {
            "error": "Bot is already playing a video. Please wait for it to finish."
        }
        now = sandbox.clock.now()
        assert commands.playing_media(stored_bot(sandbox, MEET_BOT), now)["video"] is not None
        assert client.post(f"/api/v1/bots/{MEET_BOT}/leave", headers=AUTH).status_code == 200
        assert commands.playing_media(stored_bot(sandbox, MEET_BOT), sandbox.clock.now())["video"] is None
        [video] = media(client)
        assert (video["state"], video["started_at"], video["ended_at"]) == (
            "dropped", "2026-11-30T12:00:01Z", "2026-11-30T18:00:00Z"
        )


def test_leaving_drops_what_plays_and_what_waits(client):
    with freeze_time(FROZEN) as frozen:
        assert_empty_200(post(client, "output_audio", AUDIO_BODY))
        frozen.tick(1)
        assert_empty_200(post(client, "output_audio", AUDIO_BODY))
        assert states(client) == ["playing", "enqueued"]
        frozen.tick(0.5)
        client.post(f"/api/v1/bots/{MEET_BOT}/leave", headers=AUTH)
        playing, waiting = media(client)
        assert (playing["state"], playing["started_at"], playing["ended_at"]) == (
            "dropped", "2026-11-30T12:00:01Z", "2026-11-30T12:00:01.500000Z"
        )
        assert (waiting["state"], waiting["started_at"]) == ("dropped", None)


def test_output_video_with_a_form_encoded_body_reads_booleans_from_text(client, sandbox):
    raw = b"url=https%3A%2F%2Fcdn.example.com%2Fclip.mp4&loop=true&mute_video=0"
    assert_empty_200(post(client, "output_video", raw=raw, content_type="application/x-www-form-urlencoded"))
    recorded = commands_of(sandbox, MEET_BOT)[-1]
    assert (recorded["loop"], recorded["mute_video"]) == (True, False)


def test_media_posts_are_not_allowed_with_get(client):
    for action in ("speech", "output_audio", "output_image", "output_video"):
        response = client.get(f"/api/v1/bots/{MEET_BOT}/{action}", headers=AUTH)
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST, OPTIONS"
