"""The bundled scenarios (fixtures/scenarios.json): each one's course, as a test would use it — create a bot with
metadata `sandbox_scenario`, advance the project's clock, read what the API answers."""

import json

import pytest
from freezegun import freeze_time

from sandbox.config import default_fixtures_dir
from sandbox.domain import lifecycle
from sandbox.domain.scenarios import load_scenarios
from tests.conftest import AUTH
from tests.control_helpers import (
    advance,
    capture_webhooks,
    create_bot,
    event_types,
    get_bot,
    new_project,
    post_json,
)
from tests.openapi_check import assert_valid_response

REQUIRED = (
    "happy_path",
    "waiting_room",
    "host_ends_meeting",
    "recording_permission_denied",
    "fatal_error_in_meeting",
    "fatal_error_in_post_processing",
    "transcription_failed",
    "slow_post_processing",
    "auto_leave_silence",
    "manual",
)
COULD_NOT_JOIN = {f"could_not_join_{sub}": sub for sub in lifecycle.SUB_TYPES["could_not_join_meeting"]}


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def bundled():
    return json.loads((default_fixtures_dir() / "scenarios.json").read_text())


def transcript(client, bot_id, headers=AUTH):
    response = client.get(f"/api/v1/bots/{bot_id}/transcript", headers=headers)
    assert response.status_code == 200, response.data
    assert_valid_response("GET", f"/api/v1/bots/{bot_id}/transcript", 200, response.data, response.headers["Content-Type"])
    return response.json


def participants(client, bot_id):
    response = client.get(f"/api/v1/bots/{bot_id}/participants", headers=AUTH)
    assert response.status_code == 200, response.data
    return [p["name"] for p in response.json["results"]]


def leave(client, bot_id):
    response = client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
    assert response.status_code == 200, response.data
    return response.json


# -- the catalogue -------------------------------------------------------------------------------------------


def test_the_bundled_scenarios_pass_validation():
    assert set(load_scenarios(bundled())) == set(bundled())


@pytest.mark.parametrize("name", REQUIRED)
def test_the_required_scenarios_are_bundled(name):
    assert name in bundled()


def test_there_is_one_could_not_join_scenario_per_sub_type_named_after_it():
    assert {name for name in bundled() if name.startswith("could_not_join_")} == set(COULD_NOT_JOIN)


def test_every_scenario_has_a_description():
    assert all(body.get("description") for body in bundled().values())


def test_happy_path_keeps_its_join_and_leave_timings():
    on = bundled()["happy_path"]["on"]
    assert on["join_requested"][:2] == [
        {"after": 2, "event": "joined_meeting"},
        {"after": 1, "event": "recording_permission_granted"},
    ]
    assert on["leave_requested"] == [
        {"after": 2, "event": "left_meeting"},
        {"after": 4, "action": "upload_recording"},
        {"after": 1, "event": "post_processing_completed"},
    ]


def test_the_catalogue_endpoint_lists_every_scenario(client):
    response = client.get("/sandbox/scenarios")
    assert response.status_code == 200
    body = response.json
    assert body["default"] == "happy_path"
    assert [s["name"] for s in body["results"]] == list(bundled())
    manual = next(s for s in body["results"] if s["name"] == "manual")
    assert manual["on"] == {}
    happy = next(s for s in body["results"] if s["name"] == "happy_path")
    assert happy["on"]["leave_requested"] == ["left_meeting", "upload_recording", "post_processing_completed"]


def test_an_unknown_scenario_at_create_is_a_400_naming_the_known_ones(client, sandbox):
    response = post_json(
        client,
        "/api/v1/bots",
        {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "x", "metadata": {"sandbox_scenario": "rainy_day"}},
    )
    assert response.status_code == 400
    assert response.json == {
        "error": f"Unknown sandbox_scenario 'rainy_day'. Known scenarios: {', '.join(sorted(sandbox.scenarios))}"
    }


# -- what a new user tries -------------------------------------------------------------------------------------


def test_host_ends_meeting_a_minute_later_the_bot_has_ended_with_a_transcript(client):
    bot = create_bot(client, scenario="host_ends_meeting")
    advance(client, 60)
    response = client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH)
    assert_valid_response("GET", f"/api/v1/bots/{bot['id']}", 200, response.data, response.headers["Content-Type"])
    ended = response.json
    assert ended["state"] == "ended"
    assert event_types(ended) == [
        "join_requested",
        "joined_meeting",
        "recording_permission_granted",
        "meeting_ended",
        "post_processing_completed",
    ]
    assert (ended["recording_state"], ended["transcription_state"]) == ("complete", "complete")
    lines = transcript(client, bot["id"])
    assert len(lines) == 4
    assert {line["speaker_name"] for line in lines} == {"Alice Chen", "Bob Martinez"}
    assert lines[0]["transcription"] == {"transcript": "Hi Bob, thanks for joining. Shall we go over the launch plan?"}


def test_fatal_error_in_post_processing_a_minute_later_the_bot_is_in_fatal_error(client):
    bot = create_bot(client, scenario="fatal_error_in_post_processing")
    advance(client, 60)
    failed = get_bot(client, bot["id"])
    assert failed["state"] == "fatal_error"
    assert event_types(failed)[-2:] == ["meeting_ended", "fatal_error"]
    assert failed["events"][-1]["sub_type"] == "process_terminated"
    assert failed["recording_state"] == "failed"  # the crash came before the upload
    assert len(transcript(client, bot["id"])) == 4


# -- each scenario's course ------------------------------------------------------------------------------------


def test_happy_path_records_a_meeting_with_two_participants_and_ends_after_a_leave(client):
    bot = create_bot(client)  # the default
    advance(client, 60)
    assert get_bot(client, bot["id"])["state"] == "joined_recording"
    assert participants(client, bot["id"]) == ["Alice Chen", "Bob Martinez"]
    assert [line["speaker_name"] for line in transcript(client, bot["id"])] == [
        "Alice Chen",
        "Bob Martinez",
        "Alice Chen",
        "Bob Martinez",
    ]
    chat = client.get(f"/api/v1/bots/{bot['id']}/chat_messages", headers=AUTH).json["results"]
    assert [(m["sender_name"], m["to"]) for m in chat] == [("Bob Martinez", "everyone")]
    leave(client, bot["id"])
    advance(client, 7)
    ended = get_bot(client, bot["id"])
    assert (ended["state"], ended["recording_state"], ended["transcription_state"]) == ("ended", "complete", "complete")


def test_happy_path_utterances_are_stamped_on_the_scripts_timeline(client):
    bot = create_bot(client)
    advance(client, 60)
    first = transcript(client, bot["id"])[0]
    # recording starts at +3 s, Alice joins at +4, Bob at +4.5, Alice finishes her first line at +6.5
    assert first["timestamp_ms"] == 1796040006500 - 3200
    assert first["duration_ms"] == 3200


def test_waiting_room_is_admitted_twenty_seconds_later(client):
    bot = create_bot(client, scenario="waiting_room")
    advance(client, 10)
    assert get_bot(client, bot["id"])["state"] == "waiting_room"
    advance(client, 50)
    admitted = get_bot(client, bot["id"])
    assert admitted["state"] == "joined_recording"
    assert event_types(admitted) == ["join_requested", "put_in_waiting_room", "joined_meeting", "recording_permission_granted"]
    assert admitted["events"][2]["created_at"] == "2026-11-30T12:00:22Z"


@pytest.mark.parametrize("name, sub_type", sorted(COULD_NOT_JOIN.items()))
def test_each_could_not_join_scenario_ends_in_fatal_error_with_its_sub_type(client, name, sub_type):
    bot = create_bot(client, scenario=name)
    advance(client, 3600)
    failed = get_bot(client, bot["id"])
    assert failed["state"] == "fatal_error"
    assert failed["events"][-1]["type"] == "could_not_join_meeting"
    assert failed["events"][-1]["sub_type"] == sub_type
    assert (failed["recording_state"], failed["transcription_state"]) == ("not_started", "not_started")


def test_waiting_for_the_host_takes_the_real_default_timeout(client):
    bot = create_bot(client, scenario="could_not_join_meeting_not_started_waiting_for_host")
    advance(client, 599)
    assert get_bot(client, bot["id"])["state"] == "joining"
    advance(client, 1)
    assert get_bot(client, bot["id"])["state"] == "fatal_error"


def test_request_to_join_denied_passes_through_the_waiting_room(client):
    bot = create_bot(client, scenario="could_not_join_request_to_join_denied")
    advance(client, 60)
    assert event_types(get_bot(client, bot["id"])) == ["join_requested", "put_in_waiting_room", "could_not_join_meeting"]


def test_zoom_could_not_join_scenarios_carry_a_zoom_result_code(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot = create_bot(client, scenario="could_not_join_zoom_authorization_failed")
    advance(client, 60)
    last = [d for _, b, d in outbox.of("bot.state_change") if b == bot["id"]][-1]
    assert last["event_type"] == "could_not_join_meeting"
    assert set(last["event_metadata"]) == {"zoom_result_code", "bot_duration_seconds"}
    assert isinstance(last["event_metadata"]["zoom_result_code"], str)


def test_host_ends_meeting_after_a_leave_post_processes_as_usual(client):
    bot = create_bot(client, scenario="host_ends_meeting")
    advance(client, 5)
    leave(client, bot["id"])
    advance(client, 60)
    assert event_types(get_bot(client, bot["id"]))[-3:] == ["leave_requested", "left_meeting", "post_processing_completed"]


def test_recording_permission_denied_keeps_participants_but_drops_their_words(client):
    bot = create_bot(client, scenario="recording_permission_denied")
    advance(client, 60)
    denied = get_bot(client, bot["id"])
    assert denied["state"] == "joined_recording_permission_denied"
    assert denied["events"][-1] == {
        "type": "recording_permission_denied",
        "created_at": "2026-11-30T12:00:06Z",
        "sub_type": "host_denied_permission",
    }
    assert denied["recording_state"] == "not_started"
    assert participants(client, bot["id"]) == ["Alice Chen", "Bob Martinez"]
    assert transcript(client, bot["id"]) == []
    leave(client, bot["id"])
    advance(client, 7)
    ended = get_bot(client, bot["id"])
    assert (ended["state"], ended["recording_state"]) == ("ended", "not_started")


def test_fatal_error_in_meeting_fails_the_recording_but_the_cleanup_still_uploads_it(client):
    bot = create_bot(client, scenario="fatal_error_in_meeting")
    advance(client, 60)
    failed = get_bot(client, bot["id"])
    assert failed["state"] == "fatal_error"
    assert failed["events"][-1]["sub_type"] == "process_terminated"
    assert (failed["recording_state"], failed["transcription_state"]) == ("failed", "complete")
    response = client.get(f"/api/v1/bots/{bot['id']}/recording", headers=AUTH)
    assert response.status_code == 200
    assert response.json["url"]


def test_fatal_error_in_post_processing_after_a_leave(client):
    bot = create_bot(client, scenario="fatal_error_in_post_processing")
    advance(client, 5)
    leave(client, bot["id"])
    advance(client, 60)
    failed = get_bot(client, bot["id"])
    assert event_types(failed)[-3:] == ["leave_requested", "left_meeting", "fatal_error"]
    assert failed["state"] == "fatal_error"


def test_transcription_failed_ends_with_a_failed_transcription_and_its_reason(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot = create_bot(client, scenario="transcription_failed")
    advance(client, 30)
    leave(client, bot["id"])
    advance(client, 10)
    ended = get_bot(client, bot["id"])
    assert (ended["state"], ended["recording_state"], ended["transcription_state"]) == ("ended", "complete", "failed")
    last = [d for _, b, d in outbox.of("bot.state_change") if b == bot["id"]][-1]
    assert last["event_type"] == "post_processing_completed"
    assert last["event_metadata"]["transcription_errors"] == ["transcription_request_failed"]


def test_transcription_failed_when_the_host_ends_the_meeting(client):
    bot = create_bot(client, scenario="transcription_failed")
    advance(client, 30)
    inject_response = post_json(client, f"/sandbox/bots/{bot['id']}/events", {"type": "meeting_ended"})
    assert inject_response.status_code == 200
    advance(client, 10)
    assert get_bot(client, bot["id"])["transcription_state"] == "failed"


def test_slow_post_processing_takes_almost_five_minutes(client):
    bot = create_bot(client, scenario="slow_post_processing")
    advance(client, 30)
    leave(client, bot["id"])
    advance(client, 120)
    assert get_bot(client, bot["id"])["state"] == "post_processing"
    advance(client, 170)
    ended = get_bot(client, bot["id"])
    assert ended["state"] == "ended"
    assert ended["events"][-1]["created_at"] == "2026-11-30T12:05:20Z"


def test_auto_leave_silence_leaves_twenty_minutes_after_joining(client):
    bot = create_bot(client, scenario="auto_leave_silence")
    advance(client, 1201)
    assert get_bot(client, bot["id"])["state"] == "joined_recording"
    advance(client, 1)
    bot_now = get_bot(client, bot["id"])
    assert bot_now["state"] == "leaving"
    assert bot_now["events"][-1] == {
        "type": "leave_requested",
        "created_at": "2026-11-30T12:20:02Z",
        "sub_type": "auto_leave_silence",
    }
    advance(client, 7)
    assert get_bot(client, bot["id"])["state"] == "ended"


def test_a_projects_default_scenario_applies_to_bots_without_sandbox_scenario(client):
    project = new_project(client, scenario="host_ends_meeting")
    bot = create_bot(client, project["auth"])
    advance(client, 60, project["auth"])
    assert get_bot(client, bot["id"], project["auth"])["state"] == "ended"


def test_step_delays_override_a_scenarios_step_by_name(make_app):
    client = make_app(step_delays="could_not_join_meeting=1").test_client()
    bot = create_bot(client, scenario="could_not_join_meeting_not_started_waiting_for_host")
    advance(client, 1, AUTH)
    assert get_bot(client, bot["id"])["state"] == "fatal_error"
