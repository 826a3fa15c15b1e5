"""POST /api/v1/bots/{id}/pause_recording and /resume_recording (docs/contract/bots-endpoints.md#pause-recording,
docs/contract/bots-endpoints.md#resume-recording, docs/contract/state-machine.md#recording-states).

The sandbox's bot answers the command at once, so the success answer is immediate (never the real
server's `Unable to pause recording` after about a second without a bot process).
"""

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, FIXTURE_BOTS, SECOND_AUTH
from tests.openapi_check import assert_valid_response

RECORDING = "bot_sbxJoinedRec0000"
PAUSED = "bot_sbxRecPaused0000"
DEFAULT_PROJECT = "proj_sbx0Default00001"
FIXTURE_STATES = FIXTURE_BOTS


def command(client, bot_id, action, headers=AUTH, **kwargs):
    return client.post(f"/api/v1/bots/{bot_id}/{action}_recording", headers=headers, **kwargs)


def get(client, bot_id):
    return client.get(f"/api/v1/bots/{bot_id}", headers=AUTH)


def check_openapi(response, bot_id, action):
    path = f"/api/v1/bots/{bot_id}/{action}_recording"
    assert_valid_response("POST", path, response.status_code, response.get_data(), response.headers.get("Content-Type"))


@freeze_time("2026-11-30T12:00:00.250000Z")
def test_pause_moves_a_recording_bot_to_paused_at_once(client):
    before = get(client, RECORDING).json
    response = command(client, RECORDING, "pause")
    assert response.status_code == 200
    assert response.json == {
        **before,
        "state": "joined_recording_paused",
        "events": before["events"] + [{"type": "recording_paused", "created_at": "2026-11-30T12:00:00.250000Z"}],
        "recording_state": "paused",
    }
    assert get(client, RECORDING).json == response.json
    check_openapi(response, RECORDING, "pause")


@freeze_time("2026-11-30T12:00:00Z")
def test_resume_moves_a_paused_bot_back_to_recording(client):
    before = get(client, PAUSED).json
    assert before["recording_state"] == "paused"
    response = command(client, PAUSED, "resume")
    assert response.status_code == 200
    assert response.json == {
        **before,
        "state": "joined_recording",
        "events": before["events"] + [{"type": "recording_resumed", "created_at": "2026-11-30T12:00:00Z"}],
        "recording_state": "in_progress",
    }
    check_openapi(response, PAUSED, "resume")


def test_pause_then_resume_round_trip(client):
    assert command(client, RECORDING, "pause").json["state"] == "joined_recording_paused"
    bot = command(client, RECORDING, "resume").json
    assert (bot["state"], bot["recording_state"]) == ("joined_recording", "in_progress")
    assert [e["type"] for e in bot["events"]][-2:] == ["recording_paused", "recording_resumed"]


@pytest.mark.parametrize("state", [s for s in FIXTURE_STATES if s != "joined_recording"])
def test_pause_outside_joined_recording_gives_the_state_message(client, state):
    bot_id = FIXTURE_STATES[state]
    before = get(client, bot_id).data
    response = command(client, bot_id, "pause")
    assert response.status_code == 400
    assert response.data == f'{{"error":"Bot is in state {state} and cannot pause recording"}}'.encode()
    assert get(client, bot_id).data == before
    check_openapi(response, bot_id, "pause")


@pytest.mark.parametrize("state", [s for s in FIXTURE_STATES if s != "joined_recording_paused"])
def test_resume_outside_paused_gives_the_state_message_ending_with_a_period(client, state):
    bot_id = FIXTURE_STATES[state]
    response = command(client, bot_id, "resume")
    assert response.status_code == 400
    assert response.data == f'{{"error":"Bot is in state {state} and cannot resume recording."}}'.encode()
    check_openapi(response, bot_id, "resume")


@pytest.mark.parametrize("action", ["pause", "resume"])
def test_unknown_or_foreign_bots_are_bot_not_found(client, action):
    response = command(client, "bot_doesNotExist0000", action)
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'
    check_openapi(response, "bot_doesNotExist0000", action)
    assert command(client, RECORDING if action == "pause" else PAUSED, action, headers=SECOND_AUTH).status_code == 404


@pytest.mark.parametrize("action, bot_id", [("pause", RECORDING), ("resume", PAUSED)])
@pytest.mark.parametrize("body, content_type", [(b"garbage {", "application/json"), (b"x", "text/plain")])
def test_the_body_is_ignored(client, action, bot_id, body, content_type):
    assert command(client, bot_id, action, data=body, content_type=content_type).status_code == 200


def test_pause_and_resume_send_state_change_webhooks(client, sandbox):
    sent = []
    sandbox.outbox.emit = lambda *args: sent.append(args)
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        command(client, RECORDING, "pause")
        frozen.tick(1.5)
        command(client, RECORDING, "resume")
    assert [(s[1], s[2], s[3]["event_type"], s[3]["old_state"], s[3]["new_state"]) for s in sent] == [
        (RECORDING, "bot.state_change", "recording_paused", "joined_recording", "joined_recording_paused"),
        (RECORDING, "bot.state_change", "recording_resumed", "joined_recording_paused", "joined_recording"),
    ]
    assert sent[1][3]["created_at"] == "2026-11-30T12:00:01.500000+00:00"


def test_a_freshly_created_bot_can_pause_once_recording(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = client.post("/api/v1/bots", headers=AUTH, json={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "B"}).json["id"]
        assert command(client, bot_id, "pause").json == {"error": "Bot is in state joining and cannot pause recording"}
        frozen.tick(2)
        assert command(client, bot_id, "pause").json == {"error": "Bot is in state joined_not_recording and cannot pause recording"}
        frozen.tick(1)
        assert command(client, bot_id, "pause").json["state"] == "joined_recording_paused"


def test_a_paused_bot_that_leaves_keeps_paused_until_it_ends(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        command(client, RECORDING, "pause")
        bot = client.post(f"/api/v1/bots/{RECORDING}/leave", headers=AUTH).json
        assert (bot["state"], bot["recording_state"]) == ("leaving", "paused")
        frozen.tick(7)
        bot = get(client, RECORDING).json
    assert (bot["state"], bot["recording_state"]) == ("ended", "complete")
