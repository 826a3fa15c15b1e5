"""Driving a bot: POST /sandbox/bots/{id}/events (any bot-side event, through the one state machine),
POST /sandbox/bots/{id}/advance (the next scripted steps, now) and GET /sandbox/bots/{id}/steps."""

import pytest
from freezegun import freeze_time

from sandbox.domain import lifecycle
from tests.conftest import AUTH, FIXTURE_BOTS, SECOND_AUTH, SEED_BOT
from tests.control_helpers import (
    advance,
    capture_webhooks,
    create_bot,
    event_types,
    get_bot,
    inject,
    post_json,
)

JOINING = FIXTURE_BOTS["joining"]
RECORDING = FIXTURE_BOTS["joined_recording"]
ENDED = FIXTURE_BOTS["ended"]


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def allowed(event_type):
    return ", ".join(lifecycle.TRANSITIONS[event_type][0])


# -- events ------------------------------------------------------------------------------------------------


def test_an_injected_event_moves_the_bot_and_answers_the_bot_object(client):
    response = inject(client, RECORDING, "meeting_ended")
    assert response.status_code == 200
    bot = response.json
    assert list(bot) == [
        "id", "metadata", "meeting_url", "state", "events", "transcription_state", "recording_state",
        "join_at", "deduplication_key",
    ]
    assert bot["state"] == "post_processing"
    assert bot["events"][-1] == {"type": "meeting_ended", "created_at": "2026-11-30T12:00:00Z"}
    assert get_bot(client, RECORDING) == bot


def test_the_scenarios_steps_follow_an_injected_event(client):
    inject(client, RECORDING, "meeting_ended")
    advance(client, 5)
    bot = get_bot(client, RECORDING)
    assert bot["state"] == "ended"
    assert bot["events"][-1] == {"type": "post_processing_completed", "created_at": "2026-11-30T12:00:05Z"}
    assert (bot["recording_state"], bot["transcription_state"]) == ("complete", "complete")


def test_an_injected_event_is_stamped_with_the_projects_clock(client):
    advance(client, 120)
    assert inject(client, RECORDING, "meeting_ended").json["events"][-1]["created_at"] == "2026-11-30T12:02:00Z"


def test_a_transition_the_table_forbids_is_refused_with_the_real_message(client):
    before = get_bot(client, ENDED)
    response = inject(client, ENDED, "meeting_ended")
    assert response.status_code == 400
    assert response.json == {
        "error": "Event meeting_ended not allowed when bot is in state ended. "
        f"It is only allowed in these states: {allowed('meeting_ended')}"
    }
    assert get_bot(client, ENDED) == before


@pytest.mark.parametrize(
    "event_type, sub_type, message",
    [
        (
            "fatal_error",
            None,
            "Invalid sub_type for fatal_error: None. Valid sub_types are: " + ", ".join(lifecycle.SUB_TYPES["fatal_error"]),
        ),
        (
            "could_not_join_meeting",
            "meeting_ended",
            "Invalid sub_type for could_not_join_meeting: meeting_ended. Valid sub_types are: "
            + ", ".join(lifecycle.SUB_TYPES["could_not_join_meeting"]),
        ),
        (
            "recording_permission_denied",
            None,
            "Invalid sub_type for recording_permission_denied: None. Valid sub_types are: "
            + ", ".join(lifecycle.SUB_TYPES["recording_permission_denied"]),
        ),
        ("meeting_ended", "process_terminated", "Event meeting_ended takes no sub_type"),
        ("bot_exploded", None, "Unknown event type: bot_exploded. Valid event types are: " + ", ".join(lifecycle.EVENT_TYPES)),
    ],
)
def test_a_type_and_sub_type_pair_the_contract_forbids_is_a_400(client, event_type, sub_type, message):
    response = inject(client, RECORDING, event_type, sub_type)
    assert response.status_code == 400
    assert response.json == {"error": message}
    assert get_bot(client, RECORDING)["state"] == "joined_recording"


@pytest.mark.parametrize("sub_type", lifecycle.SUB_TYPES["could_not_join_meeting"])
def test_could_not_join_meeting_with_each_sub_type_ends_a_joining_bot_in_fatal_error(client, sub_type):
    bot = inject(client, JOINING, "could_not_join_meeting", sub_type).json
    assert bot["state"] == "fatal_error"
    assert bot["events"][-1] == {
        "type": "could_not_join_meeting",
        "created_at": "2026-11-30T12:00:00Z",
        "sub_type": sub_type,
    }


@pytest.mark.parametrize("sub_type", lifecycle.SUB_TYPES["fatal_error"])
def test_fatal_error_with_each_sub_type_ends_a_recording_bot(client, sub_type):
    bot = inject(client, RECORDING, "fatal_error", sub_type).json
    assert (bot["state"], bot["events"][-1]["sub_type"]) == ("fatal_error", sub_type)
    assert bot["recording_state"] == "failed"  # it recorded, but no file was saved


@pytest.mark.parametrize("sub_type", lifecycle.SUB_TYPES["recording_permission_denied"])
def test_recording_permission_denied_pauses_the_recording(client, sub_type):
    bot = inject(client, RECORDING, "recording_permission_denied", sub_type).json
    assert bot["state"] == "joined_recording_permission_denied"
    assert bot["recording_state"] == "paused"
    assert bot["events"][-1]["sub_type"] == sub_type


def test_put_in_waiting_room_then_joined_meeting(client):
    assert inject(client, JOINING, "put_in_waiting_room").json["state"] == "waiting_room"
    assert inject(client, JOINING, "joined_meeting").json["state"] == "joined_not_recording"


def test_breakout_room_events_return_to_the_state_before_the_detour(client):
    assert inject(client, RECORDING, "began_joining_breakout_room").json["state"] == "joining_breakout_room"
    assert inject(client, RECORDING, "joined_breakout_room").json["state"] == "joined_recording"
    assert inject(client, RECORDING, "began_leaving_breakout_room").json["state"] == "leaving_breakout_room"
    assert inject(client, RECORDING, "left_breakout_room").json["state"] == "joined_recording"


def test_returning_from_a_breakout_room_into_a_paused_recording_fails_as_on_the_real_server(client):
    paused = FIXTURE_BOTS["joined_recording_paused"]
    inject(client, paused, "began_joining_breakout_room")
    response = inject(client, paused, "joined_breakout_room")
    assert response.status_code == 400
    assert response.json == {
        "error": f"Expected exactly one in progress recording for bot {paused} in state "
        "joined_recording_paused, but found 0"
    }
    assert get_bot(client, paused)["state"] == "joining_breakout_room"


def test_an_auto_leave_starts_the_same_post_processing_as_a_leave(client):
    bot = inject(client, RECORDING, "leave_requested", "auto_leave_silence").json
    assert (bot["state"], bot["events"][-1]["sub_type"]) == ("leaving", "auto_leave_silence")
    advance(client, 7)
    assert event_types(get_bot(client, RECORDING))[-2:] == ["left_meeting", "post_processing_completed"]


def test_injected_metadata_reaches_the_webhook_in_jsonb_order(client, sandbox):
    outbox = capture_webhooks(sandbox)
    inject(client, JOINING, "could_not_join_meeting", "zoom_sdk_internal_error", metadata={"zoom_result_code": "1"})
    [(_, bot_id, data)] = outbox.of("bot.state_change")
    assert bot_id == JOINING
    assert data == {
        "new_state": "fatal_error",
        "old_state": "joining",
        "created_at": "2026-11-30T12:00:00+00:00",
        "event_type": "could_not_join_meeting",
        "event_metadata": {"zoom_result_code": "1", "bot_duration_seconds": 0},
        "event_sub_type": "zoom_sdk_internal_error",
    }
    assert list(data["event_metadata"]) == ["zoom_result_code", "bot_duration_seconds"]


def test_data_deleted_is_refused_pointing_to_delete_data(client):
    response = inject(client, ENDED, "data_deleted")
    assert response.status_code == 400
    assert response.json == {
        "error": "data_deleted is created by POST /api/v1/bots/{id}/delete_data, which also deletes the bot's "
        "data: call that endpoint instead"
    }


def test_events_of_an_unknown_or_foreign_bot_are_bot_not_found(client):
    assert inject(client, "bot_doesNotExist0000", "meeting_ended").json == {"error": "Bot not found"}
    response = inject(client, RECORDING, "meeting_ended", headers=SECOND_AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}
    assert get_bot(client, RECORDING)["state"] == "joined_recording"


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Missing required field(s): type"),
        ({"type": 4}, "type must be a string naming an event type"),
        ({"type": "fatal_error", "sub_type": 2}, "sub_type must be a string or null"),
        ({"type": "meeting_ended", "metadata": [1]}, "metadata must be an object"),
        ({"type": "meeting_ended", "subtype": "x"}, "Unknown field(s): subtype. Allowed fields: type, sub_type, metadata"),
    ],
)
def test_events_validate_their_body_with_clear_400s(client, body, message):
    response = post_json(client, f"/sandbox/bots/{RECORDING}/events", body)
    assert response.status_code == 400
    assert response.json == {"error": message}


def test_events_need_the_projects_key(client):
    response = post_json(client, f"/sandbox/bots/{RECORDING}/events", {"type": "meeting_ended"}, headers={})
    assert response.status_code == 401


# -- manual progression ------------------------------------------------------------------------------------


def test_advance_applies_the_next_step_now_and_keeps_the_scripts_spacing(client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    response = post_json(client, f"/sandbox/bots/{SEED_BOT}/advance", {"steps": 1})
    assert response.status_code == 200
    body = response.json
    assert body["bot"]["state"] == "post_processing"
    assert body["bot"]["events"][-1] == {"type": "left_meeting", "created_at": "2026-11-30T12:00:00Z"}
    assert body["applied"] == [
        {"event": "left_meeting", "sub_type": None, "due": "2026-11-30T12:00:00Z", "applied": True}
    ]
    assert body["pending_steps"] == [
        {"action": "upload_recording", "due": "2026-11-30T12:00:04Z"},
        {"event": "post_processing_completed", "sub_type": None, "due": "2026-11-30T12:00:05Z"},
    ]


def test_advance_all_runs_the_script_to_its_end_now(client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    body = post_json(client, f"/sandbox/bots/{SEED_BOT}/advance", {"steps": "all"}).json
    assert [step.get("event") or step.get("action") for step in body["applied"]] == [
        "left_meeting",
        "upload_recording",
        "post_processing_completed",
    ]
    assert body["bot"]["state"] == "ended"
    assert body["bot"]["recording_state"] == "complete"
    assert {e["created_at"] for e in body["bot"]["events"][-2:]} == {"2026-11-30T12:00:00Z"}
    assert body["pending_steps"] == []


def test_advance_without_a_body_applies_one_step(client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    body = client.post(f"/sandbox/bots/{SEED_BOT}/advance", headers=AUTH).json
    assert len(body["applied"]) == 1
    assert body["bot"]["state"] == "post_processing"


def test_advance_on_a_bot_with_nothing_pending_applies_nothing(client):
    before = get_bot(client, ENDED)
    body = post_json(client, f"/sandbox/bots/{ENDED}/advance", {"steps": "all"}).json
    assert body == {"bot": before, "applied": [], "pending_steps": []}


def test_a_step_the_bots_state_no_longer_allows_is_dropped_and_reported(client):
    bot = create_bot(client)
    inject(client, bot["id"], "joined_meeting")  # the bot's script still has joined_meeting next
    body = post_json(client, f"/sandbox/bots/{bot['id']}/advance", {"steps": 2}).json
    assert [(s.get("event") or s.get("action"), s["applied"]) for s in body["applied"]] == [
        ("joined_meeting", False),
        ("recording_permission_granted", True),
    ]
    assert body["bot"]["state"] == "joined_recording"


def test_advance_of_a_foreign_bot_is_bot_not_found(client):
    response = post_json(client, f"/sandbox/bots/{SEED_BOT}/advance", {"steps": 1}, headers=SECOND_AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}


@pytest.mark.parametrize("steps", [0, -1, 1.5, True, "some", None])
def test_advance_validates_steps(client, steps):
    response = post_json(client, f"/sandbox/bots/{SEED_BOT}/advance", {"steps": steps})
    assert response.status_code == 400
    assert response.json == {"error": 'steps must be a positive integer or "all"'}


def test_steps_shows_the_bots_scenario_and_what_comes_next(client):
    bot = create_bot(client, scenario="host_ends_meeting")
    response = client.get(f"/sandbox/bots/{bot['id']}/steps", headers=AUTH)
    assert response.status_code == 200
    body = response.json
    assert (body["bot_id"], body["scenario"], body["state"]) == (bot["id"], "host_ends_meeting", "joining")
    assert body["pending_steps"][:2] == [
        {"event": "joined_meeting", "sub_type": None, "due": "2026-11-30T12:00:02Z"},
        {"event": "recording_permission_granted", "sub_type": None, "due": "2026-11-30T12:00:03Z"},
    ]
    assert body["pending_steps"][-1]["event"] == "meeting_ended"


def test_a_fixture_bot_follows_the_default_scenario(client):
    assert client.get(f"/sandbox/bots/{SEED_BOT}/steps", headers=AUTH).json == {
        "bot_id": SEED_BOT,
        "scenario": "happy_path",
        "state": "joined_not_recording",
        "pending_steps": [],
    }


# -- the manual scenario: every bot-side step driven by hand --------------------------------------------------


def test_a_manual_bot_does_nothing_by_itself(client):
    bot = create_bot(client, scenario="manual")
    applied = advance(client, 86400)["events"]
    assert [item.get("calendar_id") for item in applied] == ["cal_sbx0DefaultCal01"]  # the bundled calendar's daily sync
    assert get_bot(client, bot["id"])["state"] == "joining"
    assert post_json(client, f"/sandbox/bots/{bot['id']}/advance", {"steps": "all"}).json["applied"] == []


def test_a_manual_bot_is_driven_through_its_whole_life(client, frozen):
    bot_id = create_bot(client, scenario="manual")["id"]
    frozen.tick(1)
    assert inject(client, bot_id, "put_in_waiting_room").json["state"] == "waiting_room"
    assert inject(client, bot_id, "joined_meeting").json["state"] == "joined_not_recording"
    assert inject(client, bot_id, "recording_permission_granted").json["state"] == "joined_recording"
    assert client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH).json["state"] == "leaving"
    advance(client, 600)
    assert get_bot(client, bot_id)["state"] == "leaving"  # no scripted post-processing
    assert inject(client, bot_id, "left_meeting").json["state"] == "post_processing"
    assert post_json(client, f"/sandbox/bots/{bot_id}/recording_file", {}).status_code == 201
    bot = inject(client, bot_id, "post_processing_completed").json
    assert (bot["state"], bot["recording_state"]) == ("ended", "complete")
    assert event_types(bot) == [
        "join_requested",
        "put_in_waiting_room",
        "joined_meeting",
        "recording_permission_granted",
        "leave_requested",
        "left_meeting",
        "post_processing_completed",
    ]
