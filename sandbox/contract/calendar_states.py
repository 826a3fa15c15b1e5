"""The state machines of calendars and Zoom OAuth connections (docs/contract/calendars.md#calendar-states,
docs/contract/zoom-oauth.md#zoom-connection-states), as data.

Each table maps what happened to the states it may happen in, the state it leads to, and the webhook it
sends. The one function that moves a calendar by its table is `sandbox.domain.calendar.apply_calendar_event`,
a connection's `sandbox.domain.zoom_oauth.apply_connection_event`. Pure data: no I/O.
"""

CONNECTED, DISCONNECTED = "connected", "disconnected"
CALENDAR_STATES = (CONNECTED, DISCONNECTED)  # `CalendarStates`, in its order (1, 2)
ZOOM_OAUTH_CONNECTION_STATES = (CONNECTED, DISCONNECTED)  # `ZoomOAuthConnectionStates`
ANY = CALENDAR_STATES
UNCHANGED = None  # the transition keeps the state


class Transition:
    """What one kind of happening does: from which states (others: it is skipped), to which state, which
    webhook it sends, and how it changes the failure data and the sync times."""

    def __init__(self, sources, target, webhook, *, failure, sync_times):
        self.sources = sources
        self.target = target  # a state, or UNCHANGED
        self.webhook = webhook  # a trigger code, or None
        self.failure = failure  # "set", "clear" or "keep" `connection_failure_data`
        self.sync_times = sync_times  # "both" (successful sync), "attempted" (failed try) or "none"


#: Calendar transitions (docs/contract/calendars.md#calendar-states). An authentication failure sends
# `calendar.state_change` every time,
#: also while already disconnected, and leaves `last_attempted_sync_at` alone; a successful sync
#: reconnects silently; any other failure moves only `last_attempted_sync_at`.
CALENDAR_TRANSITIONS = {
    "sync_succeeded": Transition(ANY, CONNECTED, None, failure="clear", sync_times="both"),
    "auth_failed": Transition(ANY, DISCONNECTED, "calendar.state_change", failure="set", sync_times="none"),
    "sync_failed": Transition(ANY, UNCHANGED, None, failure="keep", sync_times="attempted"),
}

#: Zoom OAuth connection transitions (docs/contract/zoom-oauth.md#zoom-connection-states). A POST (new or upsert)
# connects silently; an
#: authentication failure is skipped for a connection already disconnected (the old failure stays);
#: a successful sync or token refresh reconnects silently; the app's client secret changing revives only
#: the connections that failed on the client id or secret, with a webhook.
ZOOM_OAUTH_CONNECTION_TRANSITIONS = {
    "authorized": Transition(ANY, CONNECTED, None, failure="clear", sync_times="none"),
    "auth_failed": Transition(
        (CONNECTED,), DISCONNECTED, "zoom_oauth_connection.state_change", failure="set", sync_times="none"
    ),
    "sync_succeeded": Transition(ANY, CONNECTED, None, failure="clear", sync_times="both"),
    "sync_failed": Transition(ANY, UNCHANGED, None, failure="keep", sync_times="attempted"),
    "refresh_succeeded": Transition(ANY, CONNECTED, None, failure="clear", sync_times="none"),
    "client_secret_fixed": Transition(
        (DISCONNECTED,), CONNECTED, "zoom_oauth_connection.state_change", failure="clear", sync_times="none"
    ),
}

#: The text of a connection failure that the app's new client secret can fix (`validate_zoom_oauth_connections`).
CLIENT_SECRET_ERROR_MARK = "Invalid client_id or client_secret"
