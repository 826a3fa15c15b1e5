"""Media requests as the real server keeps them (BotMediaRequest: enqueued -> playing -> finished, dropped when
the bot leaves), driven by the control plane: GET /sandbox/bots/{id}/media, POST .../media/start and
.../media/finish; a `manual` bot plays only what they say (docs/contract/bots-endpoints.md#speech to #output-video,
docs/contract/bots-endpoints.md#audio-no-playing-check)."""

import base64
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, FIXTURE_BOTS, SECOND_AUTH
from tests.control_helpers import create_bot, inject, post_json

ROOT = Path(__file__).resolve().parents[1]
AUDIO_BODY = {"type": "audio/mp3", "data": base64.b64encode((ROOT / "fixtures/media/recording.mp3").read_bytes()).decode()}
SPEECH = {"text": "one two three four five", "text_to_speech_settings": {"google": {"voice_language_code": "en-US", "voice_name": "x"}}}
VIDEO = {"url": "https://cdn.example.com/clip.mp4"}
BUSY = {"error": "Bot is already playing media. Please wait for it to finish."}
BUSY_VIDEO = {"error": "Bot is already playing a video. Please wait for it to finish."}
AUTOMATIC_BOT = FIXTURE_BOTS["joined_recording"]
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


@pytest.fixture
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def command(client, bot_id, action, body):
    return post_json(client, f"/api/v1/bots/{bot_id}/{action}", body)


def media(client, bot_id, headers=AUTH):
    response = client.get(f"/sandbox/bots/{bot_id}/media", headers=headers)
    assert response.status_code == 200, response.data
    return response.json["results"]


def states(client, bot_id):
    return [(item["command"], item["state"]) for item in media(client, bot_id)]


def start(client, bot_id, media_type, headers=AUTH):
    return post_json(client, f"/sandbox/bots/{bot_id}/media/start", {"media_type": media_type}, headers)


def finish(client, bot_id, media_type, headers=AUTH):
    return post_json(client, f"/sandbox/bots/{bot_id}/media/finish", {"media_type": media_type}, headers)


def manual_bot(client):
    """A bot of the `manual` scenario, joined (it plays media only when told)."""
    bot = create_bot(client, scenario="manual")
    assert inject(client, bot["id"], "joined_meeting").status_code == 200
    return bot["id"]


def test_a_manual_bot_plays_only_what_the_control_plane_says(client, frozen):
    bot_id = manual_bot(client)
    assert command(client, bot_id, "output_audio", AUDIO_BODY).status_code == 200
    assert command(client, bot_id, "speech", SPEECH).status_code == 200
    frozen.tick(600)
    assert states(client, bot_id) == [("output_audio", "enqueued"), ("speech", "enqueued")]
    assert command(client, bot_id, "output_video", VIDEO).status_code == 200  # nothing plays yet

    started = start(client, bot_id, "audio")
    assert started.status_code == 200
    assert started.json == {
        **started.json,
        "media_type": "audio",
        "command": "output_audio",
        "state": "playing",
        "duration_ms": 3030,
        "started_at": "2026-11-30T12:10:00Z",
        "ended_at": None,
    }
    frozen.tick(3600)  # a manual bot never finishes by itself
    assert states(client, bot_id) == [("output_audio", "playing"), ("speech", "enqueued"), ("output_video", "enqueued")]
    assert command(client, bot_id, "output_video", VIDEO).json == BUSY
    assert command(client, bot_id, "output_image", {"type": "image/png", "data": PNG}).status_code == 200

    finished = finish(client, bot_id, "audio")
    assert (finished.status_code, finished.json["state"], finished.json["ended_at"]) == (200, "finished", "2026-11-30T13:10:00Z")
    assert states(client, bot_id)[1] == ("speech", "enqueued")  # the next waits for /media/start
    assert start(client, bot_id, "video").json["state"] == "playing"
    assert command(client, bot_id, "output_image", {"type": "image/png", "data": PNG}).json == BUSY_VIDEO
    assert command(client, bot_id, "output_audio", AUDIO_BODY).status_code == 200  # audio is never refused (docs/contract/bots-endpoints.md#audio-no-playing-check)
    assert finish(client, bot_id, "video").json["state"] == "finished"


def test_the_scenario_catalogue_says_how_each_scenario_plays_media(client):
    catalogue = {item["name"]: item["media"] for item in client.get("/sandbox/scenarios").json["results"]}
    assert catalogue["manual"] == "manual"
    assert catalogue["happy_path"] == "automatic"


def test_an_automatic_bot_can_be_hurried_and_the_queue_follows(client, frozen):
    assert command(client, AUTOMATIC_BOT, "output_audio", AUDIO_BODY).status_code == 200
    assert command(client, AUTOMATIC_BOT, "speech", SPEECH).status_code == 200
    first = start(client, AUTOMATIC_BOT, "audio").json  # before media_starts has passed
    assert (first["state"], first["started_at"]) == ("playing", "2026-11-30T12:00:00Z")
    frozen.tick(1)
    assert finish(client, AUTOMATIC_BOT, "audio").json["ended_at"] == "2026-11-30T12:00:01Z"
    playing, = [item for item in media(client, AUTOMATIC_BOT) if item["state"] == "playing"]
    assert (playing["command"], playing["started_at"]) == ("speech", "2026-11-30T12:00:01Z")
    frozen.tick(2)  # the speech's 2 s
    assert states(client, AUTOMATIC_BOT) == [("output_audio", "finished"), ("speech", "finished")]


def test_a_video_behind_a_looping_one_waits_until_the_looping_one_is_finished(client, frozen):
    assert command(client, AUTOMATIC_BOT, "output_video", {**VIDEO, "loop": True}).status_code == 200
    assert command(client, AUTOMATIC_BOT, "output_video", VIDEO).status_code == 200  # the first is enqueued
    frozen.tick(3600)
    assert states(client, AUTOMATIC_BOT) == [("output_video", "playing"), ("output_video", "enqueued")]
    finish(client, AUTOMATIC_BOT, "video")
    assert states(client, AUTOMATIC_BOT) == [("output_video", "finished"), ("output_video", "playing")]


def test_the_pick_up_delay_is_a_step_delay(make_app):
    client = make_app(step_delays={"media_starts": 0}).test_client()
    with freeze_time("2026-11-30T12:00:00Z"):
        assert command(client, AUTOMATIC_BOT, "speech", SPEECH).status_code == 200
        assert states(client, AUTOMATIC_BOT) == [("speech", "playing")]
        assert command(client, AUTOMATIC_BOT, "output_video", VIDEO).json == BUSY


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "Missing required field(s): media_type"),
        ({"media_type": "image"}, 400, "media_type must be one of: audio, video"),
        ({"media_type": "audio", "x": 1}, 400, "Unknown field(s): x. Allowed fields: media_type"),
    ],
)
def test_media_commands_refuse_bad_input(client, body, status, message):
    for action in ("start", "finish"):
        response = post_json(client, f"/sandbox/bots/{AUTOMATIC_BOT}/media/{action}", body)
        assert (response.status_code, response.json) == (status, {"error": message})


def test_media_commands_say_when_there_is_nothing_to_do(client, frozen):
    nothing = start(client, AUTOMATIC_BOT, "audio")
    assert (nothing.status_code, nothing.json) == (409, {"error": "The bot has no enqueued audio request to play"})
    idle = finish(client, AUTOMATIC_BOT, "video")
    assert (idle.status_code, idle.json) == (409, {"error": "The bot is playing no video request"})
    command(client, AUTOMATIC_BOT, "speech", SPEECH)
    command(client, AUTOMATIC_BOT, "speech", SPEECH)
    playing = start(client, AUTOMATIC_BOT, "audio").json
    busy = start(client, AUTOMATIC_BOT, "audio")
    assert busy.status_code == 409
    assert busy.json == {
        "error": f"The bot is already playing audio request {playing['id']}: the real bot plays one audio request "
        f"at a time (POST /sandbox/bots/{AUTOMATIC_BOT}/media/finish ends it)"
    }


def test_media_endpoints_are_the_projects_own(client):
    assert start(client, AUTOMATIC_BOT, "audio", headers=SECOND_AUTH).json == {"error": "Bot not found"}
    assert client.get(f"/sandbox/bots/{AUTOMATIC_BOT}/media", headers=SECOND_AUTH).status_code == 404
    assert client.get(f"/sandbox/bots/{AUTOMATIC_BOT}/media").status_code == 401


def test_a_bot_keeps_its_newest_100_media_requests_dropping_finished_ones_first(client, frozen):
    bot_id = manual_bot(client)
    command(client, bot_id, "speech", SPEECH)
    start(client, bot_id, "audio")
    finish(client, bot_id, "audio")
    for _ in range(100):
        assert command(client, bot_id, "speech", SPEECH).status_code == 200
    kept = media(client, bot_id)
    assert len(kept) == 100 and {item["state"] for item in kept} == {"enqueued"}
    assert command(client, bot_id, "speech", SPEECH).status_code == 200
    after = media(client, bot_id)
    assert len(after) == 100
    assert after[0]["id"] == kept[1]["id"]  # the oldest enqueued one went
