"""Calendars and calendar events: the API's use cases (docs/contract/calendars.md#calendar-object to
#calendar-event-bots, docs/contract/calendars.md) and
the control-plane hooks that stand in for Google and Microsoft (docs/contract/calendars.md#calendar-simulation).

Each use case is a function of `(sb, project, ...)` taking the values the endpoint table validated (the
bodies of `sandbox.contract.requests.calendars` and `.providers`, the checked query parameters) and
returning documents; the web layer serializes them with `sandbox.contract.responses`. Reads first bring
the project's due work up to date (a queued or periodic sync, the bots' steps before it), as the real
server's Celery workers would have.

Every sync - queued by `POST /calendars` or a PATCH, the scheduler's daily one, a remote change's debounced one, `POST
/sandbox/calendars/{id}/sync`, a remote-event hook with `sync=true` - goes through `run_sync`, the one code path of the
real task: an injected failure or a revoked token, or the sync engine (`sandbox.domain.calendar_sync`) with its effect
on linked scheduled bots (docs/contract/calendars.md#sync-and-linked-bots: hard deletes, or the PATCH rules all or
nothing, no bot webhooks), the sync fields and state, and at most one `calendar.events_update`; an authentication
failure disconnects, deletes the scheduled bots and sends `calendar.state_change` every time.

The control hooks' bodies are refused with clear 400s before they run (`SandboxInputError`); what needs
the calendar (a remote event's `raw` keys depend on its provider) is checked once it is found.
"""

from __future__ import annotations

from contextlib import contextmanager

from sandbox.contract import messages as msg
from sandbox.contract.responses import CALENDAR, Created, state_webhook_data
from sandbox.contract.datetimes import format_api_datetime, parse_stored_datetime, to_stored
from sandbox.contract.errors import AttendeeError, FieldErrors, SandboxInputError
from sandbox.contract.requests.bots import parse_patch_bot
from sandbox.contract.requests.calendars import check_calendar_insert, check_calendar_update
from sandbox.contract.requests.providers import check_platform_uuid
from sandbox.domain import calendar as calendar_model
from sandbox.domain import remote_calendar as remote_model
from sandbox.domain.calendar_sync import sync_events
from sandbox.domain.sandbox import DueWork, Unit

CALENDARS = "calendars"
EVENTS = "calendar_events"
REMOTE = remote_model.REMOTE_CALENDARS
# GET /calendar_events date filters: (parameter, field, True for `>=` / False for `<=`)
DATE_FILTERS = (
    ("updated_at_gte", "updated_at", True),
    ("start_time_gte", "start_time", True),
    ("end_time_lte", "end_time", False),
)


class CalendarNotFound(AttendeeError):
    status = 404

    def __init__(self):
        super().__init__(msg.CALENDAR_NOT_FOUND)


# -- loading -------------------------------------------------------------------------------------------------


def _calendar(sb, project, calendar_id):
    """The project's calendar (callers hold the store lock), or the real 404."""
    calendar = sb.store.get(CALENDARS, calendar_id) if isinstance(calendar_id, str) else None
    if calendar is None or calendar["project_id"] != project["id"]:
        raise CalendarNotFound()
    return calendar


def _remote(sb, calendar):
    return sb.store.get(REMOTE, calendar["id"]) or remote_model.new_remote_calendar(calendar)


def _save(sb, project, calendar, remote=None, emissions=()):
    """Save the calendar (and its remote calendar), index its next sync, then hand its webhooks to the
    outbox (which only enqueues), as the real server sends them once its transaction commits."""
    sb.store.put(CALENDARS, calendar)
    if remote is not None:
        sb.store.put(REMOTE, remote)
    sb.track_due(project, calendar, CALENDAR_SYNC.kind)
    for trigger in emissions:
        data = state_webhook_data(CALENDAR.dump(calendar))
        sb.outbox.emit_for(project["id"], "calendar", calendar["id"], trigger, data)


def _events_of(sb, project, calendar_id=None):
    events = sb.store.scan(EVENTS, project["id"])
    return events if calendar_id is None else [event for event in events if event["calendar_id"] == calendar_id]


def _linked_bots(sb, project, event_ids):
    """`{event id: [bot, ...]}` of the bots linked to these events, in the bots' creation order (the
    store's summaries name each bot's event, so only linked bots are decoded)."""
    linked = {}
    for bot_id, (_, _, event_id, *_) in sb.store.summaries("bots", project["id"]).items():
        if event_id is not None and event_id in event_ids:
            bot = sb.store.get("bots", bot_id)
            if bot is not None:
                linked.setdefault(event_id, []).append(bot)
    return linked


def _up_to_date(sb, project):
    """Bring the project's due work up to date (bulk work: a calendar sync, the bots' due steps)."""
    with sb.bulk_work(project["id"]) as generation:
        sb.catch_up_due_bots(project, generation)


# -- the API ---------------------------------------------------------------------------------------------------


def list_calendars(sb, project, *, deduplication_key=None):
    """GET /calendars (docs/contract/calendars.md#list-calendars): the project's calendars, newest first;
    `deduplication_key` (None: absent; even
    empty, it applies) is an exact match."""
    _up_to_date(sb, project)
    calendars = sb.store.scan(CALENDARS, project["id"])
    if deduplication_key is not None:
        calendars = [c for c in calendars if c.get("deduplication_key") == deduplication_key]
    return sorted(calendars, key=lambda c: parse_stored_datetime(c["created_at"]), reverse=True)


def get_calendar(sb, project, calendar_id):
    """GET /calendars/{id} (docs/contract/calendars.md#get-calendar), or `404 {"error":"Calendar not found"}`."""
    _up_to_date(sb, project)
    with sb.store.lock:
        return _calendar(sb, project, calendar_id)


def create_calendar(sb, project, body):
    """POST /calendars (docs/contract/calendars.md#create-calendar steps 5-7), `body` validated by `CreateCalendar`: the
    insert's refusals,
    the deduplication key unique per project whatever the state, a new `connected` calendar, and a sync
    queued at once. Returns the calendar as held in memory (the answer keeps the metadata's order)."""
    check_calendar_insert(body)
    now = sb.now(project)
    with sb.project_lock(project["id"]), sb.store.lock:
        key = body.get("deduplication_key")
        if key is not None and any(c.get("deduplication_key") == key for c in sb.store.scan(CALENDARS, project["id"])):
            raise FieldErrors({"deduplication_key": [msg.CALENDAR_DEDUPLICATION_CONFLICT]})
        calendar = calendar_model.new_calendar(sb.ids, project["id"], body, now=now)
        calendar_model.queue_sync(calendar, now)
        _save(sb, project, calendar, remote_model.new_remote_calendar(calendar))
        return calendar


def patch_calendar(sb, project, calendar_id, body):
    """PATCH /calendars/{id} (docs/contract/calendars.md#patch-calendar). `body`: the fields sent, validated by
    `PatchCalendar` (the table raises
    its refusal only once the calendar is found: an unknown calendar is a 404 whatever the body). Metadata
    is replaced, each credential given replaces the stored one; state and failure data stay; a sync is
    queued every time. Returns the calendar as held in memory."""
    changes = body
    _up_to_date(sb, project)
    with sb.project_lock(project["id"]), sb.store.lock:
        calendar = _calendar(sb, project, calendar_id)
        check_calendar_update(changes)
        remote = _remote(sb, calendar)
        if "metadata" in changes:
            calendar["metadata"] = changes["metadata"]
        for name in ("client_secret", "refresh_token"):
            if changes.get(name) is not None:
                calendar[name] = changes[name]
        if changes.get("refresh_token") is not None:
            remote_model.credentials_changed(remote, changes["refresh_token"])
        calendar_model.queue_sync(calendar, sb.now(project))
        _save(sb, project, calendar, remote)
        return calendar


def delete_calendar(sb, project, calendar_id):
    """DELETE /calendars/{id} (docs/contract/calendars.md#delete-calendar): its scheduled linked bots hard-deleted, the
    others unlinked, the
    calendar, its events and its remote calendar gone; no webhook. (Deliveries already recorded stay;
    their envelope then carries only idempotency_key, trigger and data.)"""
    with sb.bulk_work(project["id"]) as generation:
        sb.catch_up_due_bots(project, generation)
        with sb.store.turn(generation):
            calendar = _calendar(sb, project, calendar_id)
            events = _events_of(sb, project, calendar["id"])
            _remove_bots(sb, project, events, sb.now(project), unlink_others=True)
            for event in events:
                sb.store.delete(EVENTS, event["id"])
            sb.store.delete(REMOTE, calendar["id"])
            sb.store.delete(CALENDARS, calendar["id"])
            sb.untrack(calendar["id"])


def list_calendar_events(
    sb,
    project,
    *,
    calendar_id=None,
    calendar_deduplication_key=None,
    updated_at_gte=None,
    event_id=None,
    start_time_gte=None,
    end_time_lte=None,
    ordering="-updated_at",
):
    """GET /calendar_events (docs/contract/calendars.md#list-calendar-events), its filters checked by the table (None:
    absent; the text ones apply even empty; the times aware UTC): every event of the project's calendars, deleted ones
    included, filtered (AND) and sorted by `ordering`. Each event carries `bots`, the full bot documents linked to it
    (any state, creation order)."""
    _up_to_date(sb, project)
    events = _events_of(sb, project)
    if calendar_deduplication_key is not None:
        keys = {c["id"]: c.get("deduplication_key") for c in sb.store.scan(CALENDARS, project["id"])}
        events = [e for e in events if keys.get(e["calendar_id"]) == calendar_deduplication_key]
    for value, field in ((calendar_id, "calendar_id"), (event_id, "id")):
        if value is not None:
            events = [e for e in events if e[field] == value]
    bounds = {"updated_at_gte": updated_at_gte, "start_time_gte": start_time_gte, "end_time_lte": end_time_lte}
    for name, field, at_least in DATE_FILTERS:
        bound = bounds[name]
        if bound is not None:
            if at_least:
                events = [e for e in events if parse_stored_datetime(e[field]) >= bound]
            else:
                events = [e for e in events if parse_stored_datetime(e[field]) <= bound]
    field = ordering.lstrip("-")
    events = sorted(events, key=lambda e: parse_stored_datetime(e[field]), reverse=ordering.startswith("-"))
    linked = _linked_bots(sb, project, {event["id"] for event in events})
    return [{**event, "bots": linked.get(event["id"], [])} for event in events]


# -- POST /bots with calendar_event_id (docs/contract/calendars.md#create-bot-from-event)
# -----------------------------------------------------------------


def find_calendar_event(sb, project, event_id):
    """The event `event_id` among the project's calendars' events (deleted ones and those of disconnected
    calendars included), or None. Any value that is not a string finds nothing."""
    if not isinstance(event_id, str):
        return None
    with sb.store.lock:
        event = sb.store.get(EVENTS, event_id)
    if event is None or event["project_id"] != project["id"]:
        return None
    return event


# -- the sync --------------------------------------------------------------------------------------------------


def _report(calendar, at, outcome):
    return {
        "calendar_id": calendar["id"],
        "at": format_api_datetime(at),
        "outcome": outcome,
        "error": None,
        "created": [],
        "updated": [],
        "deleted": [],
        "bots_patched": [],
        "bots_deleted": [],
        "bots_not_patched": [],
        "webhook": None,
        "state": calendar["state"],
    }


def run_sync(sb, project, calendar, at, *, force=None):
    """One sync of `calendar` at `at`, as the real `sync_calendar` task runs it (callers hold the project's
    lock and the store lock, and have brought the bots up to `at`). `force`: "auth_error" (a disconnect)
    or "success" (a reconnect), past the injected failures and the token's verdict. Saves everything and
    returns a report of what it did."""
    remote = _remote(sb, calendar)
    failure = None if force else remote_model.take_failure(remote)
    if force == "auth_error" or (failure or {}).get("kind") == "auth_error" or (
        not force and not failure and remote.get("token_revoked")
    ):
        error = (failure or {}).get("error") or remote_model.auth_error_text(calendar["platform"])
        return _authentication_failure(sb, project, calendar, remote, at, error)
    if failure:  # transient: only last_attempted_sync_at moves, and Celery retries
        report = _report(calendar, at, "transient_error")
        report["error"] = failure.get("error") or "The calendar provider could not be reached"
        calendar_model.apply_calendar_event(calendar, "sync_failed", at=at)
        if calendar_model.schedule_retry(calendar, at):
            report["retry_at"] = format_api_datetime(calendar["queued_sync_at"])
        _save(sb, project, calendar, remote)
        report["state"] = calendar["state"]
        return report

    report = _report(calendar, at, "synced")
    events = _events_of(sb, project, calendar["id"])
    window_days = sb.settings.calendar_sync_window_days
    result = sync_events(calendar, remote, events, now=at, window_days=window_days, new_id=lambda: sb.ids.new("evt"))
    report["window"] = {
        "start": format_api_datetime(result.window_start),
        "end": format_api_datetime(result.window_end),
    }
    for event in result.deleted:  # sync step 5.1: vanished events, then their bots
        sb.store.put(EVENTS, event)
        _sync_event_bots(sb, project, event, at, report)
    for event in result.created:
        sb.store.put(EVENTS, event)
    for event in result.updated:  # sync step 5.2: each changed event, then its bots
        sb.store.put(EVENTS, event)
        _sync_event_bots(sb, project, event, at, report)
    report["created"] = [event["id"] for event in result.created]
    report["updated"] = [event["id"] for event in result.updated]
    report["deleted"] = [event["id"] for event in result.deleted]
    calendar_model.apply_calendar_event(calendar, "sync_succeeded", at=at)
    calendar_model.end_sync(calendar)
    emissions = ["calendar.events_update"] if result.changed else []
    _save(sb, project, calendar, remote, emissions)
    report["webhook"] = emissions[0] if emissions else None
    report["state"] = calendar["state"]
    return report


def _authentication_failure(sb, project, calendar, remote, at, error):
    """docs/contract/calendars.md#calendar-auth-errors: the scheduled bots of the calendar's events hard-deleted,
    `disconnected` with the failure data, `last_attempted_sync_at` left alone, no retry, and `calendar.state_change`
    (every time)."""
    report = _report(calendar, at, "auth_error")
    report["error"] = error
    report["bots_deleted"] = _remove_bots(sb, project, _events_of(sb, project, calendar["id"]), at)
    webhook = calendar_model.apply_calendar_event(calendar, "auth_failed", at=at, error=error)
    calendar_model.end_sync(calendar)
    _save(sb, project, calendar, remote, [webhook] if webhook else [])
    report["webhook"] = webhook
    report["state"] = calendar["state"]
    return report


def _remove_bots(sb, project, events, at, unlink_others=False):
    """`remove_bots_from_calendar` at `at`: hard-delete the scheduled bots linked to `events` (no webhook).
    With `unlink_others` (the calendar is deleted), the other linked bots lose their link. Returns the
    deleted ids."""
    event_ids = {event["id"] for event in events}
    deleted = []
    for bots in _linked_bots(sb, project, event_ids).values():
        for bot in bots:
            unit = Unit(sb, project, bot)
            sb.catch_up(unit, at)
            if bot["state"] == "scheduled":
                unit.deleted = True
                deleted.append(bot["id"])
            elif unlink_others:
                bot["calendar_event_id"] = None
                unit.dirty = True
            sb.commit(unit)
    return deleted


def _sync_event_bots(sb, project, event, at, report):
    """docs/contract/calendars.md#sync-and-linked-bots: the scheduled bots of an updated or vanished event. A deleted
    event hard-deletes them; otherwise each gets the event's URL and start through the PATCH rules, all or nothing (a
    failure is only reported, as the real server only logs it). No bot webhook either way."""
    from sandbox.usecases.bots import apply_patch  # the bots' use cases import this module

    for bot in _linked_bots(sb, project, {event["id"]}).get(event["id"], []):
        unit = Unit(sb, project, bot)
        sb.catch_up(unit, at)  # steps due by the sync's time (none, when the clock drives both in order)
        if bot["state"] != "scheduled":
            sb.commit(unit)
            continue
        if event["is_deleted"]:
            unit.deleted = True
            sb.commit(unit)
            report["bots_deleted"].append(bot["id"])
            continue
        data = {}
        if bot["meeting_url"] != event["meeting_url"]:
            data["meeting_url"] = event["meeting_url"]
        start = parse_stored_datetime(event["start_time"])
        if not bot.get("join_at") or parse_stored_datetime(bot["join_at"]) != start:
            data["join_at"] = event["start_time"]
        if data:
            try:
                apply_patch(sb, unit, parse_patch_bot(data, now=at), at)
            except FieldErrors as exc:
                report["bots_not_patched"].append({"bot_id": bot["id"], "errors": exc.body()})
            except AttendeeError as exc:
                report["bots_not_patched"].append({"bot_id": bot["id"], "errors": exc.body()})
            else:
                report["bots_patched"].append(bot["id"])
        sb.commit(unit)


class CalendarSyncWork(DueWork):
    """A calendar's syncs as due work (`Sandbox.apply_due_work`): queued tasks and their retries, the
    scheduler's daily sync and its pick-up of remote changes (`sandbox.domain.calendar.next_sync_due`)."""

    kind = "calendar"
    table = CALENDARS
    rank = 1

    def due_at(self, doc):
        return calendar_model.next_sync_due(doc)

    def seeded(self, doc, now):
        """A fixture calendar is seeded as if the server had just started: without a creation time it is
        created now, and the scheduler's first loop queues its first sync now ("never queued"), so its
        relative remote events count from now, however old its `created_at`."""
        changed = False
        if not doc.get("created_at"):
            doc["created_at"] = doc["updated_at"] = to_stored(now)
            changed = True
        if not doc.get("sync_task_enqueued_at") and not doc.get("queued_sync_at"):
            calendar_model.queue_sync(doc, now)
            changed = True
        return changed

    def run(self, sb, project, doc, at):
        calendar_model.start_due_sync(doc, at)
        report = run_sync(sb, project, doc, at)
        return report, report["bots_patched"]


CALENDAR_SYNC = CalendarSyncWork()


# -- the control plane: the stand-in for Google and Microsoft (docs/contract/calendars.md#calendar-simulation)
# ---------------------------------------------


@contextmanager
def _control_calendar(sb, project, calendar_id):
    """The calendar of a control hook, under the project's lock and a turn of the store lock, the
    project's due work (syncs, bots' steps) applied first."""
    with sb.bulk_work(project["id"]) as generation:
        sb.catch_up_due_bots(project, generation)
        with sb.store.turn(generation):
            yield _calendar(sb, project, calendar_id)


def _sync_now(sb, project, calendar, now, force=None):
    """A sync queued and run now (as if its task ran at once)."""
    calendar_model.queue_sync(calendar, now)
    calendar_model.start_due_sync(calendar, now)
    return run_sync(sb, project, calendar, now, force=force)


def sync_now(sb, project, calendar_id):
    """POST /sandbox/calendars/{id}/sync: run a sync now over the real window (project clock); its report:
    `{calendar_id, at, outcome, error, created, updated, deleted, bots_patched, bots_deleted,
    bots_not_patched, webhook, state, window}`."""
    with _control_calendar(sb, project, calendar_id) as calendar:
        return _sync_now(sb, project, calendar, sb.now(project))


def _remote_change(sb, project, calendar_id, platform_uuid, sync, change):
    """Apply `change(calendar, remote, now)` (True when it put a new event) to the remote calendar, then either
    sync now or leave the "sync requested" mark a push notification leaves (the scheduler picks it up within
    60 s)."""
    check_platform_uuid(platform_uuid)
    with _control_calendar(sb, project, calendar_id) as calendar:
        remote = _remote(sb, calendar)
        now = sb.now(project)
        created = change(calendar, remote, now)
        sb.store.put(REMOTE, remote)
        if sync:
            report = _sync_now(sb, project, calendar, now)
        else:
            calendar_model.request_sync(calendar, now)
            calendar["updated_at"] = to_stored(now)  # the notification handler saves the calendar
            _save(sb, project, calendar)
            report = None
        remote = _remote(sb, calendar)
        anchor = remote_model.remote_anchor(remote, now)
        event = remote_model.find_event(remote, platform_uuid)
        answer = {
            "created": created,
            "remote_event": None if event is None else remote_model.public_remote_event(event, anchor),
            "sync": report,
        }
        return Created(answer) if created else answer


def _no_such_remote_event(calendar, platform_uuid):
    return SandboxInputError(f"The remote calendar of {calendar['id']} has no event {platform_uuid!r}", status=404)


def put_remote_event(sb, project, calendar_id, platform_uuid, body, *, sync=False):
    """PUT /sandbox/calendars/{id}/remote_events/{platform_uuid}: the remote calendar now has this event
    (`body`: its validated fields; created, or changed and no longer cancelled). Returns `{created,
    remote_event, sync}` (the sync's report with `sync=true`, else null: the debounced sync runs within 60 s
    of the project's clock), as `Created` when the event is new."""
    limit = sb.settings.remote_events_per_calendar

    def change(calendar, remote, now):
        remote_model.check_raw_keys(body["raw"], calendar["platform"])
        if remote_model.find_event(remote, platform_uuid) is None and len(remote["events"]) >= limit:
            raise SandboxInputError(
                f"The remote calendar of {calendar['id']} already holds {limit} events, the most "
                "SANDBOX_REMOTE_EVENTS_PER_CALENDAR allows: delete some first",
                status=409,
            )
        return remote_model.put_event(remote, platform_uuid, body)[1]

    return _remote_change(sb, project, calendar_id, platform_uuid, sync, change)


def cancel_remote_event(sb, project, calendar_id, platform_uuid, *, sync=False):
    """POST .../remote_events/{platform_uuid}/cancel: the provider lists it as cancelled, so the next sync
    saves it with `is_deleted: true` (its scheduled bots are deleted)."""

    def change(calendar, remote, now):
        if remote_model.cancel_event(remote, platform_uuid) is None:
            raise _no_such_remote_event(calendar, platform_uuid)
        return False

    return _remote_change(sb, project, calendar_id, platform_uuid, sync, change)


def delete_remote_event(sb, project, calendar_id, platform_uuid, *, sync=False):
    """DELETE .../remote_events/{platform_uuid}: gone from the listing, a 404 by id, so the next sync marks
    it deleted (if it starts inside the window)."""

    def change(calendar, remote, now):
        if not remote_model.remove_event(remote, platform_uuid):
            raise _no_such_remote_event(calendar, platform_uuid)
        return False

    return _remote_change(sb, project, calendar_id, platform_uuid, sync, change)


def remote_calendar_view(sb, project, calendar_id):
    """GET /sandbox/calendars/{id}/remote_events: the remote calendar: its events (with their resolved
    times), the injected failures, whether the token is revoked."""
    with sb.store.lock:
        calendar = _calendar(sb, project, calendar_id)
        remote = _remote(sb, calendar)
    anchor = remote_model.remote_anchor(remote, sb.now(project))
    return {
        "calendar_id": calendar["id"],
        "platform": calendar["platform"],
        "token_revoked": remote.get("token_revoked", False),
        "failures": remote.get("failures"),
        "events": [remote_model.public_remote_event(event, anchor) for event in remote["events"]],
    }


def add_sync_failures(sb, project, calendar_id, *, kind, error=None, times=1):
    """POST /sandbox/calendars/{id}/sync_failures `{"kind": "auth_error" | "transient", "error"?, "times"?}`:
    the next `times` (default 1) syncs fail that way. An `auth_error`'s `error` is the failure data's text
    (default: the provider's revoked-token answer); a transient error retries like Celery (1, 2, 4 ... s,
    up to 6 retries). Replaces what was injected before. Returns `{kind, error, remaining}`."""
    with sb.project_lock(project["id"]), sb.store.lock:
        calendar = _calendar(sb, project, calendar_id)
        remote = _remote(sb, calendar)
        remote["failures"] = {"kind": kind, "error": error, "remaining": times}
        sb.store.put(REMOTE, remote)
        return dict(remote["failures"])


def disconnect(sb, project, calendar_id, *, error=None):
    """POST /sandbox/calendars/{id}/disconnect `{"error"?}`: an authentication failure now, as a sync
    meets it (scheduled bots deleted, `calendar.state_change`). Returns the sync report."""
    with _control_calendar(sb, project, calendar_id) as calendar:
        error = error or remote_model.auth_error_text(calendar["platform"])
        return _authentication_failure(sb, project, calendar, _remote(sb, calendar), sb.now(project), error)


def reconnect(sb, project, calendar_id):
    """POST /sandbox/calendars/{id}/reconnect: the provider accepts the credentials again (the revoked
    token and the injected failures are forgotten) and a sync succeeds now: `connected` silently (no
    state webhook; `calendar.events_update` only if events changed). Returns the sync report."""
    with _control_calendar(sb, project, calendar_id) as calendar:
        remote = _remote(sb, calendar)
        remote["token_revoked"] = False
        remote["failures"] = None
        sb.store.put(REMOTE, remote)
        return _sync_now(sb, project, calendar, sb.now(project), force="success")

