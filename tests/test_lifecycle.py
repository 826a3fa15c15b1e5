"""The state machine as a table (docs/contract/state-machine.md#state-machine): transitions, messages, sub-types,
recording states."""

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.contract.errors import AttendeeError, TransitionNotAllowed
from sandbox.contract.responses import public_events
from sandbox.domain import lifecycle

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
NEEDS_SUB_TYPE = {
    "could_not_join_meeting": "meeting_not_found",
    "fatal_error": "process_terminated",
    "recording_permission_denied": "host_denied_permission",
}


def make_bot(state, recording="not_started", transcription="not_started", file=None):
    return {
        "id": "bot_test000000000000",
        "state": state,
        "events": [],
        "recording": {"state": recording, "transcription_state": transcription, "format": "mp4", "file": file},
    }


def all_pairs():
    for event_type, (allowed, _) in lifecycle.TRANSITIONS.items():
        for state in lifecycle.BOT_STATES:
            yield event_type, state, state in allowed


@pytest.mark.parametrize("event_type, state, allowed", list(all_pairs()))
def test_every_event_is_allowed_exactly_from_its_table_states(event_type, state, allowed):
    bot = make_bot(state)
    bot["breakout_return_state"] = "joined_recording"
    sub_type = NEEDS_SUB_TYPE.get(event_type)
    if allowed:
        change = lifecycle.apply_event(bot, event_type, sub_type, at=T0)
        assert change.old_state == state
        assert bot["events"][-1]["type"] == event_type
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            lifecycle.apply_event(bot, event_type, sub_type, at=T0)
        assert refused.value.message == lifecycle.transition_message(event_type, state)
        assert bot["state"] == state and bot["events"] == []


def test_the_refusal_message_lists_from_states_in_table_order():
    assert lifecycle.transition_message("post_processing_completed", "ended") == (
        "Event post_processing_completed not allowed when bot is in state ended. "
        "It is only allowed in these states: post_processing"
    )


@pytest.mark.parametrize(
    "event_type, to_state",
    [(e, to) for e, (_, to) in lifecycle.TRANSITIONS.items() if to != lifecycle.RETURN_TO_PREVIOUS],
)
def test_each_event_moves_to_its_table_state(event_type, to_state):
    allowed, _ = lifecycle.TRANSITIONS[event_type]
    bot = make_bot(allowed[0])
    lifecycle.apply_event(bot, event_type, NEEDS_SUB_TYPE.get(event_type), at=T0)
    assert bot["state"] == to_state


def test_breakout_rooms_return_to_the_state_before_the_detour():
    bot = make_bot("joined_not_recording")
    lifecycle.apply_event(bot, "began_joining_breakout_room", at=T0)
    lifecycle.apply_event(bot, "joined_breakout_room", at=T0)
    assert bot["state"] == "joined_not_recording"


def test_returning_from_a_breakout_room_into_a_paused_recording_is_rejected_and_changes_nothing():
    bot = make_bot("joined_recording_paused", recording="paused")
    lifecycle.apply_event(bot, "began_leaving_breakout_room", at=T0)
    with pytest.raises(AttendeeError) as refused:
        lifecycle.apply_event(bot, "left_breakout_room", at=T0)
    assert refused.value.message == (
        "Expected exactly one in progress recording for bot bot_test000000000000 in state "
        "joined_recording_paused, but found 0"
    )
    assert bot["state"] == "leaving_breakout_room" and len(bot["events"]) == 1


@pytest.mark.parametrize("event_type", ["fatal_error", "could_not_join_meeting", "recording_permission_denied"])
def test_events_that_need_a_sub_type_refuse_none(event_type):
    with pytest.raises(AttendeeError):
        lifecycle.check_event_pair(event_type, None)


def test_leave_requested_takes_its_sub_types_or_none():
    lifecycle.check_event_pair("leave_requested", None)
    lifecycle.check_event_pair("leave_requested", "auto_leave_silence")
    with pytest.raises(AttendeeError):
        lifecycle.check_event_pair("leave_requested", "meeting_not_found")


def test_other_events_refuse_any_sub_type():
    with pytest.raises(AttendeeError) as refused:
        lifecycle.check_event_pair("meeting_ended", "user_requested")
    assert refused.value.message == "Event meeting_ended takes no sub_type"


def test_recording_starts_on_joined_recording_and_pauses_and_resumes():
    bot = make_bot("joined_not_recording")
    lifecycle.apply_event(bot, "recording_permission_granted", at=T0)
    assert bot["recording"]["state"] == "in_progress"
    lifecycle.apply_event(bot, "recording_paused", at=T0)
    assert bot["recording"]["state"] == "paused"
    lifecycle.apply_event(bot, "recording_resumed", at=T0)
    assert bot["recording"]["state"] == "in_progress"


def test_permission_denied_pauses_a_started_recording_and_leaves_an_unstarted_one():
    started = make_bot("joined_recording", recording="in_progress")
    lifecycle.apply_event(started, "recording_permission_denied", "host_denied_permission", at=T0)
    assert started["recording"]["state"] == "paused"
    unstarted = make_bot("joined_not_recording")
    lifecycle.apply_event(unstarted, "recording_permission_denied", "request_timed_out", at=T0)
    assert unstarted["recording"]["state"] == "not_started"


def test_post_meeting_closes_a_recording_with_a_file_as_complete_and_without_as_failed():
    with_file = make_bot("post_processing", "in_progress", "in_progress", file={"start_timestamp_ms": 1})
    lifecycle.apply_event(with_file, "post_processing_completed", at=T0)
    assert (with_file["recording"]["state"], with_file["recording"]["transcription_state"]) == ("complete", "complete")
    without = make_bot("joined_recording", "in_progress", "in_progress")
    lifecycle.apply_event(without, "fatal_error", "process_terminated", at=T0)
    assert without["recording"]["state"] == "failed"


def test_transcription_failure_reasons_fail_the_transcription_and_appear_in_metadata():
    bot = make_bot("post_processing", "in_progress", "in_progress", file={"start_timestamp_ms": 1})
    bot["recording"]["transcription_failure_reasons"] = ["timed_out"]
    change = lifecycle.apply_event(bot, "post_processing_completed", at=T0)
    assert bot["recording"]["transcription_state"] == "failed"
    assert change.event_metadata == {"bot_duration_seconds": 0, "transcription_errors": ["timed_out"]}


def test_entering_post_meeting_adds_bot_duration_seconds_from_the_first_sign_of_life():
    bot = make_bot("joining")
    lifecycle.apply_event(bot, "joined_meeting", at=T0)
    lifecycle.apply_event(bot, "meeting_ended", at=T0 + timedelta(seconds=100))
    change = lifecycle.apply_event(bot, "post_processing_completed", at=T0 + timedelta(seconds=125.9))
    assert change.event_metadata == {"bot_duration_seconds": 125}


def test_could_not_join_reports_zero_duration():
    bot = make_bot("joining")
    change = lifecycle.apply_event(bot, "could_not_join_meeting", "meeting_not_found", at=T0)
    assert change.event_metadata == {"bot_duration_seconds": 0}


def test_data_deleted_keeps_recording_states_and_adds_no_duration():
    bot = make_bot("ended", "complete", "complete")
    change = lifecycle.apply_event(bot, "data_deleted", at=T0)
    assert change.event_metadata == {}
    assert bot["recording"]["state"] == "complete"


def test_public_events_hide_metadata():
    bot = make_bot("ready")
    lifecycle.apply_event(bot, "join_requested", at=T0, metadata={"source": "api"})
    assert public_events(bot) == [{"type": "join_requested", "created_at": "2026-11-30T12:00:00Z"}]
