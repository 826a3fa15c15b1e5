"""Time travel, per project: GET /sandbox/clock and POST /sandbox/clock/advance."""

import threading

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.control_helpers import (
    SECOND_PROJECT,
    advance,
    capture_webhooks,
    create_bot,
    event_types,
    get_bot,
    new_project,
    post_json,
)
from tests.openapi_check import assert_valid_response
from tests.webhook_helpers import Recorder, settle, verifies

OTHER_BOT = "bot_sbxOtherProject0"
JOINED_RECORDING = "bot_sbxJoinedRec0000"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def test_the_clock_starts_at_the_wall_clock(client):
    response = client.get("/sandbox/clock", headers=AUTH)
    assert response.status_code == 200
    assert response.data == b'{"now":"2026-11-30T12:00:00Z","offset_seconds":0.0}'


def test_advance_moves_the_projects_clock_and_answers_the_new_clock(client):
    response = post_json(client, "/sandbox/clock/advance", {"seconds": 90})
    assert response.status_code == 200
    assert response.json == {"now": "2026-11-30T12:01:30Z", "offset_seconds": 90.0, "events": []}
    assert client.get("/sandbox/clock", headers=AUTH).json == {"now": "2026-11-30T12:01:30Z", "offset_seconds": 90.0}


def test_advances_add_up_and_accept_fractions(client):
    advance(client, 60)
    assert advance(client, 0.5)["now"] == "2026-11-30T12:01:00.500000Z"
    assert client.get("/sandbox/clock", headers=AUTH).json["offset_seconds"] == 60.5


def test_the_offset_stays_while_wall_time_passes(client, frozen):
    advance(client, 60)
    frozen.tick(5)
    assert client.get("/sandbox/clock", headers=AUTH).json == {"now": "2026-11-30T12:01:05Z", "offset_seconds": 60.0}


def test_advancing_by_zero_is_allowed_and_changes_nothing(client):
    assert advance(client, 0) == {"now": "2026-11-30T12:00:00Z", "offset_seconds": 0.0, "events": []}


def test_the_api_stamps_events_with_the_projects_clock(client):
    advance(client, 3600)
    response = client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert response.status_code == 200
    assert response.json["events"][-1] == {
        "type": "leave_requested",
        "created_at": "2026-11-30T13:00:00Z",
        "sub_type": "user_requested",
    }
    assert_valid_response("POST", f"/api/v1/bots/{SEED_BOT}/leave", 200, response.data, response.headers["Content-Type"])


def test_a_bot_created_after_an_advance_is_created_in_the_projects_time(client):
    advance(client, 86400)
    bot = create_bot(client)
    assert bot["events"] == [{"type": "join_requested", "created_at": "2026-12-01T12:00:00Z"}]


def test_advance_applies_the_steps_that_fall_due_each_stamped_with_its_due_time(client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    result = advance(client, 60)
    assert result["events"] == [
        {
            "bot_id": SEED_BOT,
            "event_type": "left_meeting",
            "event_sub_type": None,
            "old_state": "leaving",
            "new_state": "post_processing",
            "created_at": "2026-11-30T12:00:02Z",
        },
        {
            "bot_id": SEED_BOT,
            "event_type": "post_processing_completed",
            "event_sub_type": None,
            "old_state": "post_processing",
            "new_state": "ended",
            "created_at": "2026-11-30T12:00:07Z",
        },
    ]
    bot = get_bot(client, SEED_BOT)
    assert bot["state"] == "ended"
    assert bot["events"][-2:] == [
        {"type": "left_meeting", "created_at": "2026-11-30T12:00:02Z"},
        {"type": "post_processing_completed", "created_at": "2026-11-30T12:00:07Z"},
    ]


def test_advance_stops_at_the_new_time(client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert [e["event_type"] for e in advance(client, 3)["events"]] == ["left_meeting"]
    assert get_bot(client, SEED_BOT)["state"] == "post_processing"
    assert [e["event_type"] for e in advance(client, 4)["events"]] == ["post_processing_completed"]


def test_a_step_due_exactly_at_the_new_time_is_applied(client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert [e["event_type"] for e in advance(client, 2)["events"]] == ["left_meeting"]


def test_steps_of_several_bots_are_applied_in_time_order(client, frozen):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    frozen.tick(1)
    client.post(f"/api/v1/bots/{JOINED_RECORDING}/leave", headers=AUTH)
    events = advance(client, 60)["events"]
    assert [(e["bot_id"], e["event_type"], e["created_at"]) for e in events] == [
        (SEED_BOT, "left_meeting", "2026-11-30T12:00:02Z"),
        (JOINED_RECORDING, "left_meeting", "2026-11-30T12:00:03Z"),
        (SEED_BOT, "post_processing_completed", "2026-11-30T12:00:07Z"),
        (JOINED_RECORDING, "post_processing_completed", "2026-11-30T12:00:08Z"),
    ]


def test_advance_sends_each_steps_webhook_in_time_order_with_its_due_time(client, sandbox, frozen):
    outbox = capture_webhooks(sandbox)
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    frozen.tick(1)
    client.post(f"/api/v1/bots/{JOINED_RECORDING}/leave", headers=AUTH)
    advance(client, 60)
    sent = [(bot, data["event_type"], data["created_at"]) for _, bot, data in outbox.of("bot.state_change")]
    assert sent == [
        (SEED_BOT, "leave_requested", "2026-11-30T12:00:00+00:00"),
        (JOINED_RECORDING, "leave_requested", "2026-11-30T12:00:01+00:00"),
        (SEED_BOT, "left_meeting", "2026-11-30T12:00:02+00:00"),
        (JOINED_RECORDING, "left_meeting", "2026-11-30T12:00:03+00:00"),
        (SEED_BOT, "post_processing_completed", "2026-11-30T12:00:07+00:00"),
        (JOINED_RECORDING, "post_processing_completed", "2026-11-30T12:00:08+00:00"),
    ]


def test_advance_carries_a_new_bot_through_its_whole_script(client):
    bot = create_bot(client)
    events = advance(client, 60)["events"]
    assert [e["event_type"] for e in events] == ["joined_meeting", "recording_permission_granted"]
    assert get_bot(client, bot["id"])["state"] == "joined_recording"


def test_advance_carries_a_scheduled_bot_through_staging_and_joining(client):
    bot = create_bot(client, join_at="2026-11-30T12:10:00Z")
    assert bot["state"] == "scheduled"
    events = advance(client, 600)["events"]
    assert [(e["event_type"], e["created_at"]) for e in events] == [
        ("staged", "2026-11-30T12:05:00Z"),
        ("join_requested", "2026-11-30T12:09:55Z"),
        ("joined_meeting", "2026-11-30T12:09:57Z"),
        ("recording_permission_granted", "2026-11-30T12:09:58Z"),
    ]
    assert get_bot(client, bot["id"])["state"] == "joined_recording"


def test_advancing_one_project_leaves_the_others_clock_alone(client):
    advance(client, 3600)
    assert client.get("/sandbox/clock", headers=SECOND_AUTH).json == {
        "now": "2026-11-30T12:00:00Z",
        "offset_seconds": 0.0,
    }


def test_advancing_one_project_does_not_apply_another_projects_steps(client):
    client.post(f"/api/v1/bots/{OTHER_BOT}/leave", headers=SECOND_AUTH)
    result = advance(client, 3600)
    assert all(e["bot_id"] != OTHER_BOT for e in result["events"])
    assert get_bot(client, OTHER_BOT, SECOND_AUTH)["state"] == "leaving"


def test_a_new_project_has_its_own_clock(client):
    project = new_project(client)
    advance(client, 100, project["auth"])
    assert client.get("/sandbox/clock", headers=project["auth"]).json["offset_seconds"] == 100.0
    assert client.get("/sandbox/clock", headers=AUTH).json["offset_seconds"] == 0.0


def test_two_projects_advance_their_clocks_at_once_without_seeing_each_other(app):
    first, second = app.test_client(), app.test_client()
    one = new_project(first)
    two = new_project(second)
    bot_one = create_bot(first, one["auth"])
    bot_two = create_bot(second, two["auth"])
    errors = []

    def run(client, project, seconds, rounds):
        try:
            for _ in range(rounds):
                events = advance(client, seconds, project["auth"])["events"]
                assert all(e["bot_id"] in (bot_one["id"], bot_two["id"]) for e in events)
        except AssertionError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(first, one, 1, 40)),
        threading.Thread(target=run, args=(second, two, 7, 40)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors
    assert first.get("/sandbox/clock", headers=one["auth"]).json["offset_seconds"] == 40.0
    assert second.get("/sandbox/clock", headers=two["auth"]).json["offset_seconds"] == 280.0
    # each bot's events are stamped on its own project's clock
    assert get_bot(first, bot_one["id"], one["auth"])["events"][1]["created_at"] == "2026-11-30T12:00:02Z"
    assert get_bot(second, bot_two["id"], two["auth"])["events"][1]["created_at"] == "2026-11-30T12:00:02Z"
    assert client_clock(first, one) == "2026-11-30T12:00:40Z"
    assert client_clock(second, two) == "2026-11-30T12:04:40Z"


def client_clock(client, project):
    return client.get("/sandbox/clock", headers=project["auth"]).json["now"]


def test_after_an_advance_the_background_runner_waits_for_the_shifted_due_time(client, sandbox):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    advance(client, 1)
    # left_meeting is due 2 s after the leave on the project's clock, which now runs 1 s ahead
    assert sandbox.run_due_steps() == pytest.approx(1.0)


def test_steps_applied_by_an_advance_are_kept(client, sandbox):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    advance(client, 60)
    stored = sandbox.store.get("bots", SEED_BOT)
    assert stored["state"] == "ended"
    assert stored["pending_steps"] == []
    assert event_types(stored)[-2:] == ["left_meeting", "post_processing_completed"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Missing required field(s): seconds"),
        ({"second": 5}, "Unknown field(s): second. Allowed fields: seconds"),
        ({"seconds": -1}, "seconds must be a number >= 0 (the clock only moves forward)"),
        ({"seconds": "60"}, "seconds must be a number >= 0 (the clock only moves forward)"),
        ({"seconds": True}, "seconds must be a number >= 0 (the clock only moves forward)"),
        ({"seconds": None}, "seconds must be a number >= 0 (the clock only moves forward)"),
        ({"seconds": 10**12}, "seconds must be at most 316224000 (ten years)"),
    ],
)
def test_advance_validates_seconds_with_clear_400s(client, body, message):
    response = post_json(client, "/sandbox/clock/advance", body)
    assert response.status_code == 400
    assert response.json == {"error": message}
    assert client.get("/sandbox/clock", headers=AUTH).json["offset_seconds"] == 0.0


def test_the_clock_needs_the_projects_key(client):
    assert client.get("/sandbox/clock").status_code == 401
    response = post_json(client, "/sandbox/clock/advance", {"seconds": 5}, headers={})
    assert response.status_code == 401
    assert response.json == {"detail": "Missing Authorization header"}


def test_the_offset_is_stored_on_the_project(client, sandbox):
    advance(client, 42)
    assert sandbox.store.get("projects", "proj_sbx0Default00001")["clock_offset_seconds"] == 42.0
    assert sandbox.store.get("projects", SECOND_PROJECT)["clock_offset_seconds"] == 0.0


def test_advance_delivers_a_new_projects_webhooks_to_its_own_subscription_signed_with_its_secret(
    client, sandbox, httpserver
):
    recorder = Recorder(httpserver)
    project = new_project(client, webhooks=[{"url": recorder.url, "triggers": ["bot.state_change"]}])
    bot = create_bot(client, project["auth"])
    advance(client, 5, project["auth"])
    settle(sandbox)
    delivered = sorted(
        ((body["data"]["created_at"], body["bot_id"], body["data"]["event_type"]) for body in recorder.bodies())
    )
    assert delivered == [
        ("2026-11-30T12:00:00+00:00", bot["id"], "join_requested"),
        ("2026-11-30T12:00:02+00:00", bot["id"], "joined_meeting"),
        ("2026-11-30T12:00:03+00:00", bot["id"], "recording_permission_granted"),
    ]
    assert all(
        verifies(call["body"], call["headers"]["X-Webhook-Signature"], project["webhook_secret"])
        for call in recorder.calls
    )
    assert client.get("/sandbox/webhooks/deliveries", headers=project["auth"]).json["count"] == 3
    assert client.get("/sandbox/webhooks/deliveries", headers=AUTH).json["count"] == 0
