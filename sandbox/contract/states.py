"""The real server's bot vocabulary and transition table (docs/contract/state-machine.md), as data.

States with their phase, event types, which sub-types each event takes, the transitions, and the
recording and transcription states. The one function that moves a bot by this table is
`sandbox.domain.lifecycle.apply_event`; the refusal message is built here from the same table, so the two
cannot drift. Pure data: no Flask, no I/O.
"""

# --- States (docs/contract/state-machine.md#bot-states): API code -> phase. Order is the real server's enum order
# (used in messages). ---
PRE, IN, POST = "pre", "in", "post"
BOT_STATES = {
    "ready": PRE,
    "joining": IN,
    "joined_not_recording": IN,
    "joined_recording": IN,
    "leaving": IN,
    "post_processing": IN,
    "fatal_error": POST,
    "waiting_room": IN,
    "ended": POST,
    "data_deleted": POST,
    "scheduled": PRE,
    "staged": PRE,
    "joined_recording_paused": IN,
    "joining_breakout_room": IN,
    "leaving_breakout_room": IN,
    "joined_recording_permission_denied": IN,
    "connecting": IN,
    "connected": IN,
    "disconnecting": IN,
}
APP_SESSION_STATES = ("connecting", "connected", "disconnecting")
POST_MEETING_STATES = tuple(s for s, phase in BOT_STATES.items() if phase == POST)
JOINED_STATES = (
    "joined_recording",
    "joined_not_recording",
    "joined_recording_permission_denied",
    "joined_recording_paused",
)

# --- Event sub-types (docs/contract/state-machine.md#event-sub-types): which sub-types each event type takes. ---
# `None` in a tuple means "no sub-type" is allowed too.
SUB_TYPES = {
    "could_not_join_meeting": (
        "meeting_not_started_waiting_for_host",
        "zoom_authorization_failed",
        "zoom_meeting_status_failed",
        "unpublished_zoom_app",
        "zoom_sdk_internal_error",
        "request_to_join_denied",
        "meeting_not_found",
        "waiting_room_timeout_exceeded",
        "login_required",
        "bot_login_attempt_failed",
        "unable_to_connect_to_meeting",
        "authorized_user_not_in_meeting_timeout_exceeded",
        "blocked_by_captcha",
        "zoom_app_cannot_join_anonymously",
    ),
    "fatal_error": (
        "process_terminated",
        "rtmp_connection_failed",
        "ui_element_not_found",
        "heartbeat_timeout",
        "bot_not_launched",
        "out_of_credits",
        "attendee_internal_error",
        "global_runtime_timeout",
    ),
    "leave_requested": (
        "user_requested",
        "auto_leave_silence",
        "auto_leave_only_participant_in_meeting",
        "auto_leave_max_uptime_exceeded",
        "auto_leave_could_not_enable_closed_captions",
        None,
    ),
    "recording_permission_denied": (
        "host_denied_permission",
        "request_timed_out",
        "host_client_cannot_grant_permission",
        "webinar_attendee_needs_panelist_promotion",
    ),
}

# --- Valid transitions (docs/contract/state-machine.md#transitions): event -> (from-states in the message's order,
# to-state). ---
# RETURN_TO_PREVIOUS: the state the bot was in just before it began joining/leaving the breakout room.
RETURN_TO_PREVIOUS = "<previous>"
_JOINED_FOUR = (
    "joined_not_recording",
    "joined_recording_permission_denied",
    "joined_recording",
    "joined_recording_paused",
)
TRANSITIONS = {
    "join_requested": (("ready", "staged"), "joining"),
    "staged": (("scheduled",), "staged"),
    "could_not_join_meeting": (("joining", "waiting_room"), "fatal_error"),
    "fatal_error": (
        (
            "joining",
            "joined_recording_paused",
            "joined_recording",
            "joined_not_recording",
            "joined_recording_permission_denied",
            "waiting_room",
            "leaving",
            "post_processing",
            "staged",
            "scheduled",
            "joining_breakout_room",
            "leaving_breakout_room",
            "connecting",
            "disconnecting",
            "connected",
        ),
        "fatal_error",
    ),
    "put_in_waiting_room": (("joining",), "waiting_room"),
    "joined_meeting": (("waiting_room", "joining"), "joined_not_recording"),
    "recording_permission_granted": (
        ("joined_not_recording", "joined_recording_permission_denied"),
        "joined_recording",
    ),
    "meeting_ended": (
        (
            "joined_recording_paused",
            "joined_recording",
            "joined_not_recording",
            "joined_recording_permission_denied",
            "waiting_room",
            "joining",
            "leaving",
            "joining_breakout_room",
            "leaving_breakout_room",
        ),
        "post_processing",
    ),
    "leave_requested": (
        (
            "joined_recording_paused",
            "joined_recording",
            "joined_not_recording",
            "joined_recording_permission_denied",
            "waiting_room",
            "joining",
            "joining_breakout_room",
            "leaving_breakout_room",
        ),
        "leaving",
    ),
    "left_meeting": (("leaving",), "post_processing"),
    "post_processing_completed": (("post_processing",), "ended"),
    "data_deleted": (("fatal_error", "ended"), "data_deleted"),
    "recording_paused": (("joined_recording",), "joined_recording_paused"),
    "recording_resumed": (("joined_recording_paused",), "joined_recording"),
    "began_joining_breakout_room": (_JOINED_FOUR, "joining_breakout_room"),
    "began_leaving_breakout_room": (_JOINED_FOUR, "leaving_breakout_room"),
    "joined_breakout_room": (("joining_breakout_room",), RETURN_TO_PREVIOUS),
    "left_breakout_room": (("leaving_breakout_room",), RETURN_TO_PREVIOUS),
    "recording_permission_denied": (
        (
            "joined_not_recording",
            "joined_recording_permission_denied",
            "joined_recording",
            "joined_recording_paused",
        ),
        "joined_recording_permission_denied",
    ),
    "app_session_connection_requested": (("ready",), "connecting"),
    "app_session_connected": (("connecting",), "connected"),
    "app_session_disconnect_requested": (("connected", "connecting"), "disconnecting"),
    "app_session_disconnected": (("disconnecting",), "post_processing"),
}
EVENT_TYPES = tuple(TRANSITIONS)

RECORDING_STATES = ("not_started", "in_progress", "complete", "failed", "paused")
TRANSCRIPTION_STATES = ("not_started", "in_progress", "complete", "failed")


def transition_message(event_type, state):
    allowed, _ = TRANSITIONS[event_type]
    return (
        f"Event {event_type} not allowed when bot is in state {state}. "
        f"It is only allowed in these states: {', '.join(allowed)}"
    )
