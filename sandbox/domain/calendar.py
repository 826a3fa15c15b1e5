"""A calendar as the sandbox stores it: its shape, its factory, the one function that moves its state, and
when its next sync is due (docs/contract/calendars.md, docs/contract/calendars.md#calendar-object and
docs/contract/calendars.md#calendar-states).

A calendar is one JSON document in the `calendars` table. Its public face, the 12 fields of the Calendar
object, is serialized by `sandbox.contract.responses`; the rest is bookkeeping the real server
keeps too (the credentials, `sync_task_enqueued_at`, `sync_task_requested_at`) or the sandbox's stand-in
for Celery (`queued_sync_at`: when the queued sync task runs; `sync_retries`: its retries so far).

When a sync runs (docs/contract/calendars.md#when-sync-runs), as due work the sandbox applies lazily, in time order
with the bots' steps:

* a queued task: at once after `POST /calendars` and every PATCH (`queue_sync`), and the retries of a
  task that failed transiently (Celery's backoff, up to 6);
* for a connected calendar, the scheduler's two reasons: never queued or last queued 24 h ago, and a
  "sync requested" mark (a push notification; the scheduler's 60 s loop picks it up: at the latest 60 s
  after the first mark).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

from sandbox.contract.calendar_states import CALENDAR_TRANSITIONS, CONNECTED, DISCONNECTED, UNCHANGED
from sandbox.contract.datetimes import format_webhook_datetime, parse_stored_datetime, to_stored

SYNC_PERIOD = timedelta(hours=24)  # run_scheduler.CALENDAR_SYNC_THRESHOLD_HOURS
# The scheduler's loop period: a calendar marked "sync requested" syncs at the latest this long after the mark.
REMOTE_CHANGE_PICKUP = timedelta(seconds=60)
MAX_SYNC_RETRIES = 6  # the `sync_calendar` Celery task's max_retries
RETRY_BACKOFF_CAP_SECONDS = 600  # Celery's retry_backoff_max


class CalendarDoc(TypedDict, total=False):
    id: str  # `cal_` + 16 characters
    project_id: str
    platform: str  # google | microsoft
    client_id: str
    platform_uuid: str | None
    state: str  # connected | disconnected
    metadata: dict | None  # as sent (input order); JSONB order is applied when shown
    deduplication_key: str | None
    connection_failure_data: dict | None  # {"error", "timestamp" (+00:00)}
    created_at: str  # stored datetimes (`+00:00`)
    updated_at: str
    last_successful_sync_at: str | None
    last_attempted_sync_at: str | None
    client_secret: str  # never shown (the real server keeps both encrypted)
    refresh_token: str
    sync_task_enqueued_at: str | None  # when a sync was last queued (the scheduler's 24 h rule)
    sync_task_requested_at: str | None  # the "sync requested" mark a push notification sets
    queued_sync_at: str | None  # a queued sync task runs at this time (None: none is queued)
    sync_retries: int  # retries of the queued task so far


def new_calendar(ids, project_id, values, *, now) -> CalendarDoc:
    """A new calendar of a validated create request: `connected`, never synced. The credentials are not
    checked here: a bad refresh token shows at the first sync, as on the real server."""
    stamp = to_stored(now)
    return {
        "id": ids.new("cal"),
        "project_id": project_id,
        "platform": values["platform"],
        "client_id": values["client_id"],
        "platform_uuid": values.get("platform_uuid"),
        "state": CONNECTED,
        "metadata": values.get("metadata"),
        "deduplication_key": values.get("deduplication_key"),
        "connection_failure_data": None,
        "created_at": stamp,
        "updated_at": stamp,
        "last_successful_sync_at": None,
        "last_attempted_sync_at": None,
        "client_secret": values["client_secret"],
        "refresh_token": values["refresh_token"],
        "sync_task_enqueued_at": None,
        "sync_task_requested_at": None,
        "queued_sync_at": None,
        "sync_retries": 0,
    }


def failure_data(error, at):
    """`connection_failure_data`: the error text and Python's `isoformat()` of the time (`+00:00`)."""
    return {"error": error, "timestamp": format_webhook_datetime(at)}


def apply_transition(transitions, subject, happening, *, at, error=None):
    """Move a calendar or a Zoom OAuth connection by its transition table (`CALENDAR_TRANSITIONS`,
    `ZOOM_OAUTH_CONNECTION_TRANSITIONS`) for `happening` at `at`: its state, failure data, sync times and
    `updated_at` (every save moves it). Returns the webhook trigger to send, or None. A happening its state
    does not allow is skipped: nothing changes, nothing is sent. `error` is the failure's text."""
    transition = transitions[happening]
    if subject["state"] not in transition.sources:
        return None
    stamp = to_stored(at)
    if transition.target is not UNCHANGED:
        subject["state"] = transition.target
    if transition.failure == "set":
        subject["connection_failure_data"] = failure_data(error, at)
    elif transition.failure == "clear":
        subject["connection_failure_data"] = None
    if transition.sync_times == "both":
        subject["last_attempted_sync_at"] = stamp
        subject["last_successful_sync_at"] = stamp
    elif transition.sync_times == "attempted":
        subject["last_attempted_sync_at"] = stamp
    subject["updated_at"] = stamp
    return transition.webhook


def apply_calendar_event(calendar, happening, *, at, error=None):
    """Move `calendar` by `CALENDAR_TRANSITIONS` (`apply_transition`)."""
    return apply_transition(CALENDAR_TRANSITIONS, calendar, happening, at=at, error=error)


# -- when syncs run ------------------------------------------------------------------------------------


def queue_sync(calendar, at):
    """`enqueue_sync_calendar_task`: the queue time is saved (so `updated_at` moves), the mark cleared, and
    the task runs at once (a task already waiting to retry is replaced by this one)."""
    stamp = to_stored(at)
    calendar["sync_task_enqueued_at"] = stamp
    calendar["sync_task_requested_at"] = None
    calendar["queued_sync_at"] = stamp
    calendar["sync_retries"] = 0
    calendar["updated_at"] = stamp


def request_sync(calendar, at):
    """A push notification (a remote change): the "sync requested" mark. Later marks before the pick-up
    change nothing: the scheduler's next loop syncs once."""
    if not calendar.get("sync_task_requested_at"):
        calendar["sync_task_requested_at"] = to_stored(at)


def next_sync_due(calendar):
    """When the calendar's next sync runs (project clock), or None: its queued task; for a connected
    calendar also the scheduler's 24 h rule (never queued: at once) and the "sync requested" mark."""
    due = []
    if calendar.get("queued_sync_at"):
        due.append(parse_stored_datetime(calendar["queued_sync_at"]))
    if calendar["state"] == CONNECTED:
        if calendar.get("sync_task_requested_at"):
            due.append(parse_stored_datetime(calendar["sync_task_requested_at"]) + REMOTE_CHANGE_PICKUP)
        enqueued = calendar.get("sync_task_enqueued_at")
        # Never queued (a fixture calendar): the scheduler's first loop picks it up.
        first = parse_stored_datetime(enqueued) + SYNC_PERIOD if enqueued else None
        due.append(first or parse_stored_datetime(calendar["created_at"]))
    return min(due) if due else None


def start_due_sync(calendar, at):
    """The sync that is due at `at` starts: a scheduler pick-up queues it first (the task then runs at
    once); the queued task leaves the queue."""
    queued = calendar.get("queued_sync_at")
    if not queued or parse_stored_datetime(queued) > at:
        queue_sync(calendar, at)
    calendar["queued_sync_at"] = None


def schedule_retry(calendar, at):
    """After a transient failure: Celery retries the task with exponential backoff (1, 2, 4, ... s; the
    sandbox takes the upper bound of Celery's jitter), up to MAX_SYNC_RETRIES times. Returns True when a
    retry was scheduled."""
    retries = calendar.get("sync_retries", 0)
    if retries >= MAX_SYNC_RETRIES:
        calendar["sync_retries"] = 0
        return False
    delay = min(2**retries, RETRY_BACKOFF_CAP_SECONDS)
    calendar["queued_sync_at"] = to_stored(at + timedelta(seconds=delay))
    calendar["sync_retries"] = retries + 1
    return True


def end_sync(calendar):
    """A sync that succeeded or met an authentication error: nothing is retried."""
    calendar["queued_sync_at"] = None
    calendar["sync_retries"] = 0


__all__ = [
    "CONNECTED",
    "DISCONNECTED",
    "CalendarDoc",
    "apply_calendar_event",
    "end_sync",
    "failure_data",
    "new_calendar",
    "next_sync_due",
    "queue_sync",
    "request_sync",
    "schedule_retry",
    "start_due_sync",
]
