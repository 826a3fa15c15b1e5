"""Every event carries the real server's metadata whatever its source (docs/contract/state-machine.md#event-metadata):
an event injected
through the control plane, a scripted step, the API, a fixture's history."""

import pytest
from freezegun import freeze_time

from tests.conftest import FIXTURE_BOTS
from tests.control_helpers import advance, capture_webhooks, create_bot, inject

SCHEDULED = FIXTURE_BOTS["scheduled"]  # join_at 2030-01-01T09:00:00Z
STAGED = FIXTURE_BOTS["staged"]
READY = FIXTURE_BOTS["ready"]
JOINING = FIXTURE_BOTS["joining"]
RECORDING = FIXTURE_BOTS["joined_recording"]
NOW = "2026-11-30T12:00:00+00:00"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def state_changes(outbox):
    return [data for _, _, data in outbox.of("bot.state_change")]


def test_an_injected_staged_event_carries_the_bots_join_at(client, sandbox):
    outbox = capture_webhooks(sandbox)
    assert inject(client, SCHEDULED, "staged").status_code == 200
    assert state_changes(outbox) == [
        {
            "new_state": "staged",
            "old_state": "scheduled",
            "created_at": NOW,
            "event_type": "staged",
            "event_metadata": {"join_at": "2030-01-01T09:00:00+00:00"},
            "event_sub_type": None,
        }
    ]


def test_an_injected_join_requested_says_scheduler_from_staged_and_api_otherwise(client, sandbox):
    outbox = capture_webhooks(sandbox)
    inject(client, STAGED, "join_requested")
    inject(client, READY, "join_requested")
    assert [data["event_metadata"] for data in state_changes(outbox)] == [{"source": "scheduler"}, {"source": "api"}]


def test_a_scheduled_bot_is_staged_and_started_with_the_same_metadata_as_an_injected_one(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot = create_bot(client, join_at="2026-11-30T12:10:00.250000Z")
    advance(client, 600)
    metadata = {data["event_type"]: data["event_metadata"] for _, bot_id, data in outbox.of("bot.state_change") if bot_id == bot["id"]}
    assert metadata["staged"] == {"join_at": "2026-11-30T12:10:00.250000+00:00"}
    assert metadata["join_requested"] == {"source": "scheduler"}


def test_a_created_bot_says_its_join_was_requested_by_the_api(client, sandbox):
    outbox = capture_webhooks(sandbox)
    create_bot(client)
    assert state_changes(outbox)[0]["event_metadata"] == {"source": "api"}


@pytest.mark.parametrize(
    ("sub_type", "code"),
    [
        ("zoom_authorization_failed", "3"),
        ("zoom_meeting_status_failed", "8"),
        ("unpublished_zoom_app", "63"),
        ("zoom_sdk_internal_error", "1"),
        ("zoom_app_cannot_join_anonymously", "32"),
    ],
)
def test_the_zoom_could_not_join_sub_types_carry_a_zoom_result_code_however_they_happen(client, sandbox, sub_type, code):
    outbox = capture_webhooks(sandbox)
    inject(client, JOINING, "could_not_join_meeting", sub_type)
    scripted = create_bot(client, scenario=f"could_not_join_{sub_type}")
    advance(client, 5)
    injected_data, created, scripted_data = state_changes(outbox)
    assert created["new_state"] == "joining"
    for data in (injected_data, scripted_data):
        assert data["event_sub_type"] == sub_type
        assert data["event_metadata"] == {"zoom_result_code": code, "bot_duration_seconds": 0}
        assert list(data["event_metadata"]) == ["zoom_result_code", "bot_duration_seconds"]  # JSONB order
    assert scripted["state"] == "joining"


@pytest.mark.parametrize(
    "sub_type", ["meeting_not_found", "request_to_join_denied", "login_required", "blocked_by_captcha"]
)
def test_other_could_not_join_sub_types_carry_only_the_post_meeting_metadata(client, sandbox, sub_type):
    outbox = capture_webhooks(sandbox)
    inject(client, JOINING, "could_not_join_meeting", sub_type)
    assert state_changes(outbox)[0]["event_metadata"] == {"bot_duration_seconds": 0}


def test_given_metadata_is_merged_over_the_default(client, sandbox):
    outbox = capture_webhooks(sandbox)
    inject(client, SCHEDULED, "staged", metadata={"join_at": "given", "note": "x"})
    inject(client, JOINING, "could_not_join_meeting", "zoom_sdk_internal_error", metadata={"zoom_result_code": "99"})
    staged, failed = state_changes(outbox)
    assert staged["event_metadata"] == {"note": "x", "join_at": "given"}
    assert failed["event_metadata"] == {"zoom_result_code": "99", "bot_duration_seconds": 0}


@pytest.mark.parametrize(
    ("sub_type", "metadata"),
    [
        ("heartbeat_timeout", {"infrastructure_information": "null"}),
        ("bot_not_launched", {"infrastructure_information": "null"}),
        ("global_runtime_timeout", {"infrastructure_information": "null"}),
        ("attendee_internal_error", {"error": "Unexpected error in the bot's timeout callback"}),
        (
            "ui_element_not_found",
            {
                "step": "name_input",
                "current_time": "2026-11-30T12:00:00",
                "exception_type": "UiCouldNotLocateElementException",
                "inner_exception_type": "TimeoutException",
            },
        ),
        ("rtmp_connection_failed", {"rtmp_destination_url": None}),
        ("process_terminated", {}),
        ("out_of_credits", {}),
    ],
)
def test_fatal_errors_carry_the_real_servers_metadata(client, sandbox, sub_type, metadata):
    outbox = capture_webhooks(sandbox)
    inject(client, RECORDING, "fatal_error", sub_type)
    [data] = state_changes(outbox)
    assert data["event_metadata"] == {**metadata, "bot_duration_seconds": data["event_metadata"]["bot_duration_seconds"]}


def test_rtmp_connection_failed_names_the_bots_rtmp_destination(client, sandbox):
    outbox = capture_webhooks(sandbox)
    rtmp = {"destination_url": "rtmp://live.example.com/app/", "stream_key": "key-123"}
    bot = create_bot(client, rtmp_settings=rtmp, recording_settings={"format": "none"})
    advance(client, 2)
    inject(client, bot["id"], "fatal_error", "rtmp_connection_failed")
    failed = state_changes(outbox)[-1]
    assert failed["event_metadata"]["rtmp_destination_url"] == "rtmp://live.example.com/app/key-123"


def test_a_fixture_bots_history_carries_the_same_metadata(sandbox):
    staged = sandbox.store.get("bots", STAGED)
    assert staged["events"][0]["type"] == "staged"
    assert staged["events"][0]["metadata"] == {"join_at": staged["join_at"]}
