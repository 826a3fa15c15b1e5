"""The metadata an event carries by default (docs/contract/state-machine.md#event-metadata,
docs/contract/state-machine.md#event-metadata).

The real server's bot process and scheduler attach metadata to some events whoever causes them; the
sandbox does the same whatever the source of the event (the API, a scripted step, the control plane, a
fixture's history): `lifecycle.apply_event`, the one function that moves a bot, asks `default_metadata`
and merges any metadata given explicitly (a scenario step, a control-plane body) over it. The
post-meeting metadata (`bot_duration_seconds`, `transcription_errors`) is added there too.

Values the contract fixes are exact (`join_at`, `source`, the RTMP URL); the others are plausible values of
the real shape (a Zoom SDK result code, a UI step, an exception type, `infrastructure_information` as a
self-hosted server without Kubernetes stores it). Teams' `remover_*` fields are never made up: the real
bot adds them only when the meeting names who removed it, which a test gives explicitly.
"""

from sandbox.contract.datetimes import format_webhook_datetime

# `zoom_result_code` of the Zoom could-not-join sub-types (the SDK's result code, as a string): illustrative
# values of the codes the Zoom SDK reports for each failure.
ZOOM_RESULT_CODES = {
    "zoom_authorization_failed": "3",
    "zoom_meeting_status_failed": "8",
    "unpublished_zoom_app": "63",
    "zoom_sdk_internal_error": "1",
    "zoom_app_cannot_join_anonymously": "32",
}

# `infrastructure_information` of the fatal errors the cleanup job raises: `json.dumps` of the bot pod's
# information, which is `None` (so "null") when bots are not launched on Kubernetes.
NO_INFRASTRUCTURE_INFORMATION = "null"


def _join_requested(bot, sub_type, at):
    """`source`: the scheduler starts a staged bot; anything else is the API (the sandbox has no dashboard of
    the real kind, whose bots say `dashboard`)."""
    return {"source": "scheduler" if bot["state"] == "staged" else "api"}


def _staged(bot, sub_type, at):
    """The bot's `join_at` in Python's isoformat (`+00:00`)."""
    join_at = bot.get("join_at")
    return {"join_at": format_webhook_datetime(join_at)} if join_at else {}


def _could_not_join(bot, sub_type, at):
    code = ZOOM_RESULT_CODES.get(sub_type)
    return {"zoom_result_code": code} if code is not None else {}


def _rtmp_destination_url(bot):
    """`Bot.rtmp_destination_url()`: `<destination_url without a trailing slash>/<stream_key>`, or None."""
    rtmp = (bot.get("settings") or {}).get("rtmp_settings") or {}
    destination = (rtmp.get("destination_url") or "").rstrip("/")
    return f"{destination}/{rtmp.get('stream_key', '')}" if destination else None


_FATAL_ERRORS = {
    "attendee_internal_error": lambda bot, at: {"error": "Unexpected error in the bot's timeout callback"},
    "rtmp_connection_failed": lambda bot, at: {"rtmp_destination_url": _rtmp_destination_url(bot)},
    "ui_element_not_found": lambda bot, at: {
        "step": "name_input",
        "current_time": at.replace(tzinfo=None).isoformat(),  # the bot's local datetime.now(), naive
        "exception_type": "UiCouldNotLocateElementException",
        "inner_exception_type": "TimeoutException",
    },
    "heartbeat_timeout": lambda bot, at: {"infrastructure_information": NO_INFRASTRUCTURE_INFORMATION},
    "bot_not_launched": lambda bot, at: {"infrastructure_information": NO_INFRASTRUCTURE_INFORMATION},
    "global_runtime_timeout": lambda bot, at: {"infrastructure_information": NO_INFRASTRUCTURE_INFORMATION},
}


def _fatal_error(bot, sub_type, at):
    make = _FATAL_ERRORS.get(sub_type)
    return make(bot, at) if make is not None else {}


# Event type -> fn(bot before the event, sub_type, time) -> metadata. Events not listed carry `{}`.
_BY_EVENT = {
    "join_requested": _join_requested,
    "staged": _staged,
    "could_not_join_meeting": _could_not_join,
    "fatal_error": _fatal_error,
}


def default_metadata(bot, event_type, sub_type, at):
    """The metadata the real server gives `event_type`/`sub_type` when it happens to `bot` (as it is just
    before the event) at `at`: a new dict, `{}` for most events."""
    make = _BY_EVENT.get(event_type)
    return make(bot, sub_type, at) if make is not None else {}
