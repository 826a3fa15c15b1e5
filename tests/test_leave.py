"""POST /api/v1/bots/{id}/leave (docs/contract/bots-endpoints.md#leave) and the scripted post-processing that follows
(docs/contract/bot-timing.md#bot-timing)."""

import json

import pytest
from freezegun import freeze_time

from sandbox.domain import lifecycle
from tests.conftest import AUTH, FIXTURE_BOTS, SECOND_AUTH, SEED_BOT

LEAVE_ALLOWED = (
    "joined_recording_paused, joined_recording, joined_not_recording, joined_recording_permission_denied, "
    "waiting_room, joining, joining_breakout_room, leaving_breakout_room"
)


def leave(client, bot_id=SEED_BOT, **kwargs):
    return client.post(f"/api/v1/bots/{bot_id}/leave", headers=kwargs.pop("headers", AUTH), **kwargs)


def get(client, bot_id=SEED_BOT):
    return client.get(f"/api/v1/bots/{bot_id}", headers=AUTH)


@freeze_time("2026-11-30T11:22:35.804735Z")
def test_seed_request_returns_the_seed_response(client):
    """The seed page's curl, with the sandbox's key: the seed's example response, byte for byte, but for the
    new event's time and the `"sub_type": null` keys the real server omits."""
    response = leave(client, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.data == (
        b'{"id":"bot_weIAju4OXNZkDTpZ","metadata":{"customer_id":"abc123"},"meeting_url":"https://zoom.us/j/123?pwd=456",'
        b'"state":"leaving","events":[{"type":"join_requested","created_at":"2024-01-18T12:34:56Z"},'
        b'{"type":"joined_meeting","created_at":"2024-01-18T12:35:00Z"},'
        b'{"type":"leave_requested","created_at":"2026-11-30T11:22:35.804735Z","sub_type":"user_requested"}],'
        b'"transcription_state":"in_progress","recording_state":"in_progress","join_at":"2024-01-18T12:34:56Z",'
        b'"deduplication_key":null}'
    )
    assert response.headers["Content-Type"] == "application/json"


def test_second_leave_is_refused_with_the_transition_message(client):
    assert leave(client).status_code == 200
    response = leave(client)
    assert response.status_code == 400
    assert response.data == (
        b'{"error":"Event leave_requested not allowed when bot is in state leaving. '
        b"It is only allowed in these states: " + LEAVE_ALLOWED.encode() + b'"}'
    )


@pytest.mark.parametrize("state", [s for s in FIXTURE_BOTS if s not in LEAVE_ALLOWED.split(", ")])
def test_leave_from_a_state_that_cannot_leave_gives_400_and_changes_nothing(client, state):
    bot_id = FIXTURE_BOTS[state]
    before = get(client, bot_id).data
    response = leave(client, bot_id)
    assert response.status_code == 400
    assert response.json == {
        "error": f"Event leave_requested not allowed when bot is in state {state}. "
        f"It is only allowed in these states: {LEAVE_ALLOWED}"
    }
    assert get(client, bot_id).data == before


@pytest.mark.parametrize("state", LEAVE_ALLOWED.split(", "))
def test_leave_from_every_allowed_state_moves_the_bot_to_leaving(client, state):
    response = leave(client, FIXTURE_BOTS[state])
    assert response.status_code == 200
    assert response.json["state"] == "leaving"
    assert response.json["events"][-1]["type"] == "leave_requested"
    assert response.json["events"][-1]["sub_type"] == "user_requested"


def test_every_refusal_message_comes_from_the_transition_table():
    allowed, _ = lifecycle.TRANSITIONS["leave_requested"]
    assert ", ".join(allowed) == LEAVE_ALLOWED
    assert lifecycle.transition_message("leave_requested", "ended").endswith(LEAVE_ALLOWED)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"not json at all {", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"hello", "text/plain"),
        (b'{"reason": "bye"}', None),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
    ],
)
def test_leave_ignores_any_body(client, body, content_type):
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = leave(client, data=body, headers=headers)
    assert response.status_code == 200
    assert response.json["state"] == "leaving"


def test_leave_of_an_unknown_bot_is_bot_not_found(client):
    response = leave(client, "bot_doesNotExist0000")
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'


def test_leave_of_another_projects_bot_is_bot_not_found_and_changes_nothing(client):
    response = leave(client, headers=SECOND_AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}
    assert get(client).json["state"] == "joined_not_recording"


def test_post_processing_follows_leave_stamped_with_due_times(client):
    with freeze_time("2026-11-30T12:00:00.250000Z") as frozen:
        leave(client)
        frozen.tick(1.9)
        assert get(client).json["state"] == "leaving"
        frozen.tick(0.1)
        bot = get(client).json
        assert bot["state"] == "post_processing"
        assert bot["events"][-1] == {"type": "left_meeting", "created_at": "2026-11-30T12:00:02.250000Z"}
        frozen.tick(4.99)
        assert get(client).json["state"] == "post_processing"
        frozen.tick(0.01)
        bot = get(client).json
    assert bot["state"] == "ended"
    assert [e["type"] for e in bot["events"]][-3:] == ["leave_requested", "left_meeting", "post_processing_completed"]
    assert bot["events"][-1] == {"type": "post_processing_completed", "created_at": "2026-11-30T12:00:07.250000Z"}


def test_steps_read_late_keep_the_time_they_were_due(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        leave(client)
        frozen.tick(3600)
        events = get(client).json["events"]
    assert events[-2]["created_at"] == "2026-11-30T12:00:02Z"
    assert events[-1]["created_at"] == "2026-11-30T12:00:07Z"


def test_entering_ended_completes_recording_and_transcription(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        leave(client)
        frozen.tick(7)
        bot = get(client).json
    assert (bot["state"], bot["recording_state"], bot["transcription_state"]) == ("ended", "complete", "complete")


def test_a_bot_that_never_recorded_keeps_not_started_at_ended(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        leave(client, FIXTURE_BOTS["joining"])
        frozen.tick(7)
        bot = get(client, FIXTURE_BOTS["joining"]).json
    assert (bot["state"], bot["recording_state"], bot["transcription_state"]) == ("ended", "not_started", "not_started")


def test_leaving_and_post_processing_keep_the_recording_states(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot = leave(client, FIXTURE_BOTS["joined_recording"]).json
        assert (bot["recording_state"], bot["transcription_state"]) == ("in_progress", "in_progress")
        frozen.tick(2)
        bot = get(client, FIXTURE_BOTS["joined_recording"]).json
        assert bot["state"] == "post_processing"
        assert (bot["recording_state"], bot["transcription_state"]) == ("in_progress", "in_progress")


def test_step_delays_can_be_overridden_globally(make_app):
    client = make_app(step_delays="left_meeting=0.5,post_processing_completed=0").test_client()
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        leave(client)
        frozen.tick(0.5)
        assert get(client).json["state"] == "post_processing"
        frozen.tick(4)
        bot = get(client).json
    assert bot["state"] == "ended"
    assert bot["events"][-1]["created_at"] == "2026-11-30T12:00:04.500000Z"


def test_delays_come_from_the_scenario_fixture(make_app, tmp_path):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    from sandbox.config import default_fixtures_dir

    for name in ("projects.json", "bots.json"):
        (fixtures / name).write_text((default_fixtures_dir() / name).read_text())
    scenarios = json.loads((default_fixtures_dir() / "scenarios.json").read_text())
    scenarios["happy_path"]["on"]["leave_requested"][0]["after"] = 10
    (fixtures / "scenarios.json").write_text(json.dumps(scenarios))
    client = make_app(fixtures_dir=fixtures).test_client()
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        leave(client)
        frozen.tick(9)
        assert get(client).json["state"] == "leaving"
        frozen.tick(1)
        assert get(client).json["state"] == "post_processing"


def test_a_restart_resumes_post_processing_where_it_was(make_app):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        first = make_app()
        leave(first.test_client())
        first.extensions["sandbox"].shutdown()
        frozen.tick(7)
        bot = get(make_app().test_client()).json
    assert bot["state"] == "ended"
    assert bot["events"][-1]["created_at"] == "2026-11-30T12:00:07Z"


def test_the_background_runner_applies_steps_nobody_reads(sandbox, app):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        leave(app.test_client())
        assert sandbox.run_due_steps() == pytest.approx(2.0)
        frozen.tick(7)
        sandbox.run_due_steps()
        assert [kind for _, _, kind in sandbox._due.values()] == ["calendar"]  # only the bundled calendar's next sync
        stored = sandbox.store.get("bots", SEED_BOT)
    assert stored["state"] == "ended"
