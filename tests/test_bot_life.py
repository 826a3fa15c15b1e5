"""A bot's life after POST /bots (docs/contract/bot-object.md#bot-object examples, 5.7, 7.3, 8 "Launch" and "Scheduled
bots"), by the
default scenario: joined_meeting 2 s after create, recording_permission_granted 1 s later; a scheduled bot is
staged 5 minutes before join_at and starts joining at join_at minus its platform's lead."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH
from tests.openapi_check import assert_valid_response

MEET = "https://meet.google.com/abc-defg-hij"
DEFAULT_PROJECT = "proj_sbx0Default00001"


def create(client, **fields):
    body = {"meeting_url": MEET, "bot_name": "Test Bot", **fields}
    return client.post("/api/v1/bots", headers=AUTH, data=json.dumps(body), content_type="application/json")


def get(client, bot_id):
    return client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json


def record_emissions(sandbox):
    sent = []
    sandbox.outbox.emit = lambda project_id, bot_id, trigger, data: sent.append((bot_id, trigger, data))
    return sent


# -- the contract's verified create examples (docs/contract/bot-object.md#bot-object)
# ---------------------------------------------------


@freeze_time("2026-11-30T11:22:06.771543Z")
def test_an_immediate_bot_just_created_looks_like_the_verified_example(client):
    response = create(client)
    assert response.status_code == 201
    bot_id = response.json["id"]
    assert re.fullmatch(r"bot_[A-Za-z0-9]{16}", bot_id)
    assert response.data == (
        b'{"id":"' + bot_id.encode() + b'","metadata":null,"meeting_url":"https://meet.google.com/abc-defg-hij",'
        b'"state":"joining","events":[{"type":"join_requested","created_at":"2026-11-30T11:22:06.771543Z"}],'
        b'"transcription_state":"not_started","recording_state":"not_started","join_at":null,"deduplication_key":null}'
    )
    assert_valid_response("POST", "/api/v1/bots", 201, response.get_data(), response.headers["Content-Type"])


@freeze_time("2026-11-30T11:22:06.771543Z")
def test_a_scheduled_bot_just_created_looks_like_the_verified_example(client):
    response = create(client, join_at="2027-01-01T10:00:00+02:00")
    assert response.status_code == 201
    bot_id = response.json["id"]
    assert response.data == (
        b'{"id":"' + bot_id.encode() + b'","metadata":null,"meeting_url":"https://meet.google.com/abc-defg-hij",'
        b'"state":"scheduled","events":[],"transcription_state":"not_started","recording_state":"not_started",'
        b'"join_at":"2027-01-01T08:00:00Z","deduplication_key":null}'
    )
    assert_valid_response("POST", "/api/v1/bots", 201, response.get_data(), response.headers["Content-Type"])


# -- an immediate bot --------------------------------------------------------------------------------------


def test_the_bot_joins_2_s_after_create_and_records_1_s_later(client):
    with freeze_time("2026-11-30T12:00:00.250000Z") as frozen:
        bot_id = create(client).json["id"]
        frozen.tick(1.999)
        assert get(client, bot_id)["state"] == "joining"
        frozen.tick(0.001)
        bot = get(client, bot_id)
        assert bot["state"] == "joined_not_recording"
        assert bot["events"][-1] == {"type": "joined_meeting", "created_at": "2026-11-30T12:00:02.250000Z"}
        assert bot["recording_state"] == "not_started"
        frozen.tick(1)
        bot = get(client, bot_id)
    assert bot["state"] == "joined_recording"
    assert bot["events"] == [
        {"type": "join_requested", "created_at": "2026-11-30T12:00:00.250000Z"},
        {"type": "joined_meeting", "created_at": "2026-11-30T12:00:02.250000Z"},
        {"type": "recording_permission_granted", "created_at": "2026-11-30T12:00:03.250000Z"},
    ]
    assert (bot["recording_state"], bot["transcription_state"]) == ("in_progress", "not_started")


def test_steps_read_late_keep_the_times_they_were_due(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client).json["id"]
        frozen.tick(3600)
        events = get(client, bot_id)["events"]
    assert [e["created_at"] for e in events[:3]] == ["2026-11-30T12:00:00Z", "2026-11-30T12:00:02Z", "2026-11-30T12:00:03Z"]


def test_each_step_sends_its_state_change_webhook_in_order(client, sandbox):
    sent = record_emissions(sandbox)
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client).json["id"]
        frozen.tick(3)
        get(client, bot_id)
    changes = [(data["event_type"], data["old_state"], data["new_state"], data["created_at"], data["event_metadata"])
               for _, trigger, data in sent if trigger == "bot.state_change"]  # fmt: skip
    assert changes == [
        ("join_requested", "ready", "joining", "2026-11-30T12:00:00+00:00", {"source": "api"}),
        ("joined_meeting", "joining", "joined_not_recording", "2026-11-30T12:00:02+00:00", {}),
        ("recording_permission_granted", "joined_not_recording", "joined_recording", "2026-11-30T12:00:03+00:00", {}),
    ]


def test_step_delays_setting_changes_the_join_script(make_app):
    client = make_app(step_delays="joined_meeting=10").test_client()
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client).json["id"]
        frozen.tick(9)
        assert get(client, bot_id)["state"] == "joining"
        frozen.tick(1)
        assert get(client, bot_id)["state"] == "joined_not_recording"


def test_a_leave_while_joining_replaces_the_join_script(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client).json["id"]
        frozen.tick(1)
        left = client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH).json
        assert left["state"] == "leaving"
        frozen.tick(1.5)  # past the old joined_meeting time: it never comes
        assert get(client, bot_id)["state"] == "leaving"
        frozen.tick(0.5)
        assert get(client, bot_id)["state"] == "post_processing"
        frozen.tick(3600)
        bot = get(client, bot_id)
    assert bot["state"] == "ended"
    assert bot["events"] == [
        {"type": "join_requested", "created_at": "2026-11-30T12:00:00Z"},
        {"type": "leave_requested", "created_at": "2026-11-30T12:00:01Z", "sub_type": "user_requested"},
        {"type": "left_meeting", "created_at": "2026-11-30T12:00:03Z"},
        {"type": "post_processing_completed", "created_at": "2026-11-30T12:00:08Z"},
    ]
    assert (bot["recording_state"], bot["transcription_state"]) == ("not_started", "not_started")


def test_a_full_run_ends_complete(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client).json["id"]
        frozen.tick(20)
        client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
        frozen.tick(7)
        bot = get(client, bot_id)
    assert bot["state"] == "ended"
    assert [e["type"] for e in bot["events"]] == [
        "join_requested", "joined_meeting", "recording_permission_granted", "leave_requested", "left_meeting",
        "post_processing_completed",
    ]  # fmt: skip
    assert bot["recording_state"] == "complete"


def test_the_background_runner_applies_a_new_bots_steps_nobody_reads(app, sandbox):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(app.test_client()).json["id"]
        assert sandbox.run_due_steps() == pytest.approx(2.0)
        frozen.tick(2)
        sandbox.run_due_steps()
        assert sandbox.store.get("bots", bot_id)["state"] == "joined_not_recording"


# -- a scheduled bot ---------------------------------------------------------------------------------------


def test_a_scheduled_bot_is_staged_5_minutes_ahead_then_joins_and_records(client, sandbox):
    sent = record_emissions(sandbox)
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client, join_at="2026-11-30T12:10:00Z").json["id"]
        frozen.move_to("2026-11-30T12:04:59.999999Z")
        assert get(client, bot_id)["state"] == "scheduled"
        frozen.move_to("2026-11-30T12:05:00Z")
        bot = get(client, bot_id)
        assert bot["state"] == "staged"
        assert bot["events"] == [{"type": "staged", "created_at": "2026-11-30T12:05:00Z"}]
        frozen.move_to("2026-11-30T12:09:54.999999Z")
        assert get(client, bot_id)["state"] == "staged"
        frozen.move_to("2026-11-30T12:09:55Z")  # Google Meet: 5 s ahead of join_at
        assert get(client, bot_id)["state"] == "joining"
        frozen.move_to("2026-11-30T12:09:58Z")
        bot = get(client, bot_id)
    assert bot["state"] == "joined_recording"
    assert bot["events"] == [
        {"type": "staged", "created_at": "2026-11-30T12:05:00Z"},
        {"type": "join_requested", "created_at": "2026-11-30T12:09:55Z"},
        {"type": "joined_meeting", "created_at": "2026-11-30T12:09:57Z"},
        {"type": "recording_permission_granted", "created_at": "2026-11-30T12:09:58Z"},
    ]
    assert bot["join_at"] == "2026-11-30T12:10:00Z"
    assert [data for _, _, data in sent][:2] == [
        {
            "new_state": "staged",
            "old_state": "scheduled",
            "created_at": "2026-11-30T12:05:00+00:00",
            "event_type": "staged",
            "event_metadata": {"join_at": "2026-11-30T12:10:00+00:00"},
            "event_sub_type": None,
        },
        {
            "new_state": "joining",
            "old_state": "staged",
            "created_at": "2026-11-30T12:09:55+00:00",
            "event_type": "join_requested",
            "event_metadata": {"source": "scheduler"},
            "event_sub_type": None,
        },
    ]


@pytest.mark.parametrize(
    "meeting_url, zoom_settings, lead",
    [
        ("https://zoom.us/j/81234567890?pwd=abc", None, 0),
        ("https://zoom.us/j/81234567890?pwd=abc", {"sdk": "web"}, 5),
        (MEET, None, 5),
        ("https://teams.live.com/meet/9312345?p=abcdef", None, 10),
    ],
)
def test_the_scheduler_starts_joining_ahead_by_the_platform_lead(client, meeting_url, zoom_settings, lead):
    fields = {"meeting_url": meeting_url, "join_at": "2026-11-30T13:00:00Z"}
    if zoom_settings:
        fields["zoom_settings"] = zoom_settings
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        response = create(client, **fields)
        assert response.status_code == 201, response.json
        bot_id = response.json["id"]
        joins = datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc) - timedelta(seconds=lead)
        frozen.move_to(joins - timedelta(microseconds=1))
        assert get(client, bot_id)["state"] == "staged"
        frozen.move_to(joins)
        bot = get(client, bot_id)
    assert bot["state"] == "joining"
    assert bot["events"][-1] == {"type": "join_requested", "created_at": joins.isoformat().replace("+00:00", "Z")}


def test_a_join_at_less_than_5_minutes_ahead_is_staged_at_once(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        created = create(client, join_at="2026-11-30T12:02:00Z").json
        assert (created["state"], created["events"]) == ("scheduled", [])
        bot = get(client, created["id"])
        assert bot["state"] == "staged"
        assert bot["events"] == [{"type": "staged", "created_at": "2026-11-30T12:00:00Z"}]
        frozen.move_to("2026-11-30T12:01:55Z")
        assert get(client, created["id"])["state"] == "joining"


def test_a_join_at_of_now_stages_and_joins_at_the_next_read(client):
    with freeze_time("2026-11-30T12:00:00Z"):
        bot_id = create(client, join_at="2026-11-30T12:00:00Z").json["id"]
        bot = get(client, bot_id)
    assert bot["state"] == "joining"
    assert [e["type"] for e in bot["events"]] == ["staged", "join_requested"]


def test_a_scheduled_bot_can_leave_once_joining(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client, join_at="2026-11-30T12:10:00Z").json["id"]
        response = client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
        assert response.json["error"].startswith("Event leave_requested not allowed when bot is in state scheduled.")
        frozen.move_to("2026-11-30T12:09:56Z")
        assert client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH).json["state"] == "leaving"


def test_a_scheduled_bots_plan_survives_a_restart(make_app):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        first = make_app()
        bot_id = create(first.test_client(), join_at="2026-11-30T12:10:00Z").json["id"]
        first.extensions["sandbox"].shutdown()
        frozen.move_to("2026-11-30T12:20:00Z")
        bot = get(make_app().test_client(), bot_id)
    assert [(e["type"], e["created_at"]) for e in bot["events"][:4]] == [
        ("staged", "2026-11-30T12:05:00Z"),
        ("join_requested", "2026-11-30T12:09:55Z"),
        ("joined_meeting", "2026-11-30T12:09:57Z"),
        ("recording_permission_granted", "2026-11-30T12:09:58Z"),
    ]
