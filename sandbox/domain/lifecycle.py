"""The one function that moves a bot: the real server's state machine (docs/contract/state-machine.md#state-machine) at
work.

Every state change of every bot — leave, a scripted step, create, delete_data, an injected event, a
fixture replay — goes through `apply_event`. It checks the transition table, appends the event, moves
the recording and transcription states (docs/contract/state-machine.md#recording-states) and returns a `StateChange`
for the webhooks. The 400
message of a refused transition is built from the same table, so the two cannot drift.

The table itself is data in `sandbox.contract.states`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sandbox.contract.datetimes import (
    parse_stored_datetime,
    to_stored,
)
from sandbox.contract.errors import AttendeeError, TransitionNotAllowed
from sandbox.domain.event_metadata import default_metadata
from sandbox.contract.states import (  # noqa: F401 - the vocabulary callers read through lifecycle
    APP_SESSION_STATES,
    BOT_STATES,
    EVENT_TYPES,
    IN,
    JOINED_STATES,
    POST,
    POST_MEETING_STATES,
    PRE,
    RECORDING_STATES,
    RETURN_TO_PREVIOUS,
    SUB_TYPES,
    TRANSCRIPTION_STATES,
    TRANSITIONS,
    transition_message,
)

# Events that begin a breakout-room detour; the state they leave is where the detour returns.
_BREAKOUT_BEGINNINGS = ("began_joining_breakout_room", "began_leaving_breakout_room")


@dataclass
class StateChange:
    """What one applied event did; webhooks and the control API are built from it."""

    bot_id: str
    old_state: str
    new_state: str
    event_type: str
    event_sub_type: str | None
    created_at: datetime
    event_metadata: dict = field(default_factory=dict)


def check_event_pair(event_type, sub_type):
    """Refuse a type/sub-type pair the real server's database constraint forbids."""
    if event_type not in TRANSITIONS:
        raise AttendeeError(f"Unknown event type: {event_type}. Valid event types are: {', '.join(EVENT_TYPES)}")
    allowed = SUB_TYPES.get(event_type, (None,))
    if sub_type not in allowed:
        named = [s for s in allowed if s is not None]
        if not named:
            raise AttendeeError(f"Event {event_type} takes no sub_type")
        raise AttendeeError(
            f"Invalid sub_type for {event_type}: {sub_type}. Valid sub_types are: {', '.join(named)}"
        )


def can_apply(bot, event_type):
    allowed, _ = TRANSITIONS[event_type]
    return bot["state"] in allowed


def apply_event(bot, event_type, sub_type=None, *, at, metadata=None):
    """Apply one event to `bot` (mutated in place) and return its `StateChange`.

    The event's metadata is its default (`event_metadata.default_metadata`), the post-meeting metadata
    when it ends the meeting, and `metadata` (given explicitly) over both. Raises TransitionNotAllowed
    with the real server's message when the table forbids it.
    """
    check_event_pair(event_type, sub_type)
    old_state = bot["state"]
    allowed, to_state = TRANSITIONS[event_type]
    if old_state not in allowed:
        raise TransitionNotAllowed(transition_message(event_type, old_state))
    if to_state == RETURN_TO_PREVIOUS:
        to_state = bot.get("breakout_return_state") or "joined_not_recording"
        if to_state == "joined_recording_paused":
            # docs/contract/state-machine.md#breakout-return-to-paused: the real server's paused-state hook finds no in-progress recording and rolls back.
            raise AttendeeError(
                f"Expected exactly one in progress recording for bot {bot['id']} in state "
                "joined_recording_paused, but found 0"
            )
    given = dict(metadata or {})
    metadata = default_metadata(bot, event_type, sub_type, at)
    if BOT_STATES[to_state] == POST and BOT_STATES[old_state] != POST:
        metadata.update(_post_meeting_metadata(bot, event_type, at))
    metadata.update(given)
    event = {"type": event_type, "created_at": to_stored(at), "metadata": metadata}
    if sub_type is not None:
        event["sub_type"] = sub_type
    bot["events"].append(event)
    bot["state"] = to_state
    if event_type in _BREAKOUT_BEGINNINGS:
        bot["breakout_return_state"] = old_state
    _move_recording(bot, to_state, metadata)
    return StateChange(bot["id"], old_state, to_state, event_type, sub_type, at, metadata)


def _post_meeting_metadata(bot, event_type, at):
    """`bot_duration_seconds` (docs/contract/state-machine.md#event-metadata): from the bot's first sign of life in the
    meeting to now.

    The real value is last heartbeat minus first heartbeat; the sandbox's bot 'beats' from the first event
    its process writes (joined_meeting, put_in_waiting_room, ...) until this event. 0 if it never started.
    """
    started = next(
        (e["created_at"] for e in bot["events"] if e["type"] in _PROCESS_EVENTS),
        None,
    )
    duration = 0
    if started is not None and event_type != "could_not_join_meeting":
        duration = max(0, int((at - parse_stored_datetime(started)).total_seconds()))
    metadata = {"bot_duration_seconds": duration}
    recording = bot["recording"]
    if recording["transcription_state"] == "in_progress" and recording.get("transcription_failure_reasons"):
        metadata["transcription_errors"] = list(recording["transcription_failure_reasons"])
    return metadata


_PROCESS_EVENTS = ("put_in_waiting_room", "joined_meeting")


def _move_recording(bot, new_state, metadata):
    """Recording and transcription states follow the bot's state as the table of docs/contract/state-machine.md#recording-states says."""
    recording = bot["recording"]
    if new_state == "joined_recording" and recording["state"] in ("not_started", "paused"):
        recording["state"] = "in_progress"
    elif new_state in ("joined_recording_paused", "joined_recording_permission_denied"):
        if recording["state"] == "in_progress":
            recording["state"] = "paused"
    elif new_state in ("ended", "fatal_error") and bot["events"][-1]["type"] != "data_deleted":
        if recording["state"] in ("in_progress", "paused"):
            saved = recording.get("file") is not None or recording.get("format") == "none"
            recording["state"] = "complete" if saved else "failed"
        if recording["transcription_state"] == "in_progress":
            failed = "transcription_errors" in metadata
            recording["transcription_state"] = "failed" if failed else "complete"


def replay(bot_id, events, *, start_state, join_at=None, settings=None):
    """Check an event history against the table (used to validate fixtures); returns the replayed bot, whose
    events carry the metadata the real server would have given them.

    Raises TransitionNotAllowed / AttendeeError naming the first event that does not fit.
    """
    probe = {
        "id": bot_id,
        "state": start_state,
        "events": [],
        "join_at": join_at,
        "settings": settings or {},
        "recording": {"state": "not_started", "transcription_state": "not_started", "format": "mp4", "file": None},
    }
    for event in events:
        apply_event(
            probe,
            event["type"],
            event.get("sub_type"),
            at=parse_stored_datetime(event["created_at"]),
            metadata=event.get("metadata"),
        )
    return probe
