"""The use cases: the one place that combines the domain (state machine, scripts, clock) with the store
and the webhooks, so that routes stay thin and the control API reuses the same paths.

Every use case runs under its project's lock and the store's lock: load the bot, apply its due scripted
steps (each stamped with its due time), do its work through `lifecycle.apply_event`, save, and only then
hand what happened to the outbox (webhooks), as the real server enqueues deliveries once its transaction
commits.

Bulk work - a list that catches up thousands of bots, a clock advance - holds its project's lock
throughout but takes the store lock once per bot (`store.turn`), so other projects' requests get in
between bots, while the project's own requests wait and always see each bot whole. Lock order: a
project's lock, then the store lock, never the other way round.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

from sandbox.contract.datetimes import (
    format_webhook_datetime,
    parse_stored_datetime,
    to_stored,
)
from sandbox.contract.errors import AttendeeError, BotNotFound, SandboxWasReset
from sandbox.contract.jsonb import jsonb_order
from sandbox.domain import lifecycle, scenarios
from sandbox.domain.store import StoreReplaced

LOCK_ORDER = "a project's lock is taken before the store lock, never while holding it"
# When the background runner finds a due bot's project busy (its bulk work catches the bot up anyway),
# it looks again after this many seconds rather than waiting for that project.
BUSY_PROJECT_RETRY_SECONDS = 0.05

class NullOutbox:
    """Where state changes go until the webhook outbox is built."""

    def emit(self, project_id, bot_id, trigger, data):
        pass

    def emit_for(self, project_id, kind, subject_id, trigger, data):
        pass

    def close(self):
        pass


def state_change_data(change):
    """The `data` of a `bot.state_change` webhook (contract 9.4), in JSONB key order."""
    return jsonb_order(
        {
            "new_state": change.new_state,
            "old_state": change.old_state,
            "created_at": format_webhook_datetime(change.created_at),
            "event_type": change.event_type,
            "event_metadata": change.event_metadata,
            "event_sub_type": change.event_sub_type,
        }
    )



class ProjectLocks:
    """One re-entrant lock per project, alive only while held or awaited (projects come and go with resets).

    `store_lock` is checked for the lock order: taking a project's lock while holding the store lock could
    deadlock against bulk work, which holds its project's lock and waits for the store lock.
    """

    def __init__(self, store_lock):
        self._store_lock = store_lock
        self._guard = threading.Lock()
        self._locks = {}  # project id -> [RLock, threads holding or awaiting it]

    @contextmanager
    def hold(self, project_id, blocking=True):
        """Yields True once held; with blocking=False, yields False at once when another thread holds it."""
        with self._guard:
            entry = self._locks.setdefault(project_id, [threading.RLock(), 0])
            entry[1] += 1
        try:
            lock = entry[0]
            if self._store_lock.held() and not lock._is_owned():
                raise RuntimeError(LOCK_ORDER)
            acquired = lock.acquire(blocking)
            try:
                yield acquired
            finally:
                if acquired:
                    lock.release()
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._locks[project_id]


class Unit:
    """One unit of work on one bot: what it changed and what it must emit once saved."""

    def __init__(self, sandbox, project, bot):
        self.sandbox = sandbox
        self.project = project
        self.bot = bot
        self.changes = []
        self.emissions = []
        self.dirty = False
        self.deleted = False  # a hard delete (DELETE of a scheduled bot): the commit removes the document

    def emit(self, trigger, data):
        self.emissions.append((trigger, data))


class Sandbox:
    """Everything a use case works with, assembled once by `sandbox.assembly.build_sandbox`.

    The collaborators are declared here and given at construction: the settings, the store, the clock,
    the id factory, the scenario book and the fixtures it was seeded from; the webhook outbox, the request
    journal, the fault registry and the limits on delayed requests, the POST throttle, the scripted actions
    that are not events (by name), the address the sandbox listens on, and the media signing key.
    """

    def __init__(
        self,
        *,
        settings,
        store,
        clock,
        ids,
        scenarios,
        fixtures,
        actions,
        throttle,
        journal,
        faults,
        delayed_requests,
        own_address,
        media_key,
    ):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.ids = ids
        self.scenarios = scenarios  # name -> Scenario
        self.fixtures = fixtures  # {table: [documents]}: what a reset restores
        self.actions = actions  # scripted action name -> fn(unit, step, at)
        self.throttle = throttle
        self.journal = journal
        self.faults = faults
        self.delayed_requests = delayed_requests
        self.own_address = own_address
        self.media_key = media_key  # bytes: the HMAC key of recording URLs
        self.outbox = NullOutbox()  # the webhook outbox, set once built (it needs the store and the clock)
        self.retention = None  # the periodic prune, when SANDBOX_RETENTION_DAYS is set
        self.last_prune = None  # the report of the latest prune
        self.stop_event = threading.Event()  # set at shutdown: background threads end
        self._keys = None
        self._wake = threading.Event()
        self._due = {}  # bot id -> (wall-clock due time, project id): what the background runner waits for
        self._project_locks = ProjectLocks(store.lock)

    # -- projects and time ---------------------------------------------------------------------------
    def project_for_key(self, api_key):
        with self.store.lock:
            if self._keys is None:
                self._keys = {p["api_key"]: p["id"] for p in self.store.scan("projects", "")}
            project_id = self._keys.get(api_key)
            return self.store.get("projects", project_id) if project_id else None

    def projects_changed(self):
        with self.store.lock:
            self._keys = None

    def default_project(self):
        return self.store.scan("projects", "")[0]

    def reset(self):
        """Restore the fixtures and forget everything else: projects, bots, deliveries (the store replaces
        everything in one step), injected faults, the request journal and the throttle's counts."""
        with self.store.lock:
            self.store.replace_all(self.fixtures)
            self.projects_changed()
            self.rebuild_due_index()
        self.faults.clear_all()
        self.journal.clear_all()
        self.throttle.clear()

    def shutdown(self):
        """Stop the background runner and flush the store (SIGTERM, tests' teardown)."""
        self.stop_event.set()
        self._wake.set()
        if self.retention is not None:
            self.retention.stop()
        self.outbox.close()  # the webhook workers, before the store closes
        self.store.close()

    def now(self, project):
        return self.clock.now(project.get("clock_offset_seconds", 0.0))

    # -- locks ---------------------------------------------------------------------------------------
    def project_lock(self, project_id, blocking=True):
        """The project's lock (a context manager yielding whether it is held; see the module docstring)."""
        return self._project_locks.hold(project_id, blocking)

    @contextmanager
    def bulk_work(self, project_id):
        """Hold the project's lock for bulk work; yields the store's generation for `store.turn`.

        A reset that replaced everything between two of its turns ends it with SandboxWasReset (409).
        """
        with self.project_lock(project_id):
            try:
                yield self.store.generation
            except StoreReplaced:
                raise SandboxWasReset() from None

    # -- units of work -------------------------------------------------------------------------------
    @contextmanager
    def bot_unit(self, project, bot_id):
        """Load a bot of `project` (or Bot 404), bring its script up to date, yield, then save and emit.

        A use case that refuses (an AttendeeError) has changed nothing itself, but the scripted steps that
        fell due before it happened anyway, so they are saved; any other exception discards the unit.
        """
        with self.project_lock(project["id"]), self.store.lock:
            bot = self.store.get("bots", bot_id) if isinstance(bot_id, str) else None
            if bot is None or bot["project_id"] != project["id"]:
                raise BotNotFound()
            unit = Unit(self, project, bot)
            self.catch_up(unit, self.now(project))
            try:
                yield unit
            except AttendeeError:
                self.commit(unit)
                raise
            self.commit(unit)

    def commit(self, unit):
        """Save the bot, then hand its emissions to the outbox (which only enqueues), in event order."""
        if unit.deleted:
            self.store.delete("bots", unit.bot["id"])
            self._due.pop(unit.bot["id"], None)
        else:
            if unit.dirty or unit.changes:
                self.store.put("bots", unit.bot)
            self.track_due(unit.project, unit.bot)
        for trigger, data in unit.emissions:
            self.outbox.emit(unit.project["id"], unit.bot["id"], trigger, data)
        unit.emissions = []

    # -- the state machine, and what follows each event ------------------------------------------------
    def apply(self, unit, event_type, sub_type=None, *, at, metadata=None):
        """Apply one event through the one state machine, start its scripted follow-up, queue its webhook."""
        bot = unit.bot
        change = lifecycle.apply_event(bot, event_type, sub_type, at=at, metadata=metadata)
        unit.changes.append(change)
        follow_up = self.scenario_of(bot).steps_after(event_type)
        if follow_up:
            bot["pending_steps"] = scenarios.plan(follow_up, at, self.settings.step_delays)
        elif change.new_state in lifecycle.POST_MEETING_STATES:
            bot["pending_steps"] = []
        unit.emit("bot.state_change", state_change_data(change))
        return change

    def scenario_of(self, bot):
        return self.scenarios.get(bot.get("scenario")) or self.scenarios[scenarios.DEFAULT_SCENARIO]

    def catch_up(self, unit, now, limit=None):
        """Apply the bot's pending steps that are due by `now`, in order, each at its due time.

        A step whose event the bot's state no longer allows (something else moved the bot) is dropped.
        Returns the number of steps applied.
        """
        bot = unit.bot
        applied = 0
        while bot.get("pending_steps") and (limit is None or applied < limit):
            step = bot["pending_steps"][0]
            due = parse_stored_datetime(step["due"])
            if now is not None and due > now:
                break
            bot["pending_steps"].pop(0)
            unit.dirty = True
            applied += 1
            if "event" in step:
                if lifecycle.can_apply(bot, step["event"]):
                    try:
                        self.apply(unit, step["event"], step.get("sub_type"), at=due, metadata=step.get("metadata"))
                    except AttendeeError:
                        pass  # e.g. returning from a breakout room into a paused recording (11.22)
            else:
                self.actions[step["action"]](unit, step, due)
        return applied

    # -- the background runner -------------------------------------------------------------------------
    def track_due(self, project, bot):
        steps = bot.get("pending_steps")
        if steps:
            offset = project.get("clock_offset_seconds", 0.0)
            wall_due = parse_stored_datetime(steps[0]["due"]) - timedelta(seconds=offset)
            self._due[bot["id"]] = (wall_due, project["id"])
            self._wake.set()
        else:
            self._due.pop(bot["id"], None)

    def rebuild_due_index(self):
        with self.store.lock:
            self._due.clear()
            for project in self.store.scan("projects", ""):
                for bot in self.store.scan("bots", project["id"]):
                    self.track_due(project, bot)

    def run_due_steps(self):
        """Apply every step that is due now, for bots nobody has read; returns seconds until the next one.

        A bot whose project is busy (bulk work holds its lock) is left for a moment later, so that one
        project's clock advance does not hold up the other projects' steps.
        """
        wall_now = self.clock.wall_now()
        due_now = [(bot_id, pid) for bot_id, (due, pid) in list(self._due.items()) if due <= wall_now]
        busy = False
        for bot_id, project_id in due_now:
            project = self.store.get("projects", project_id)
            if project is None:
                self._due.pop(bot_id, None)
                continue
            with self.project_lock(project_id, blocking=False) as held:
                if not held:
                    busy = True
                    continue
                self.store.lock.let_waiters_in()  # one bot at a time, like other bulk work
                try:
                    with self.bot_unit(project, bot_id):
                        pass
                except BotNotFound:
                    self._due.pop(bot_id, None)
        upcoming = [due for due, _ in self._due.values()]
        if not upcoming:
            return None
        wait = max(0.0, (min(upcoming) - self.clock.wall_now()).total_seconds())
        return max(wait, BUSY_PROJECT_RETRY_SECONDS) if busy else wait

    def run_background(self, stop):
        """The one background thread: sleep (in real time) until the next due step, or until woken."""
        while not stop.is_set():
            self._wake.clear()
            wait = self.run_due_steps()
            self._wake.wait(timeout=60.0 if wait is None else min(wait + 0.001, 60.0))

    # -- bringing a project's bots up to date (bulk work) -------------------------------------------
    def catch_up_due_bots(self, project, generation):
        """Apply the due steps of the project's bots that have any (the due index knows them), so that the
        store's summaries of the project's bots are current. Bulk work: callers hold the project's lock."""
        wall_now = self.clock.wall_now()
        due_here = [bot_id for bot_id, (due, pid) in list(self._due.items()) if pid == project["id"] and due <= wall_now]
        now = self.now(project)
        for bot_id in due_here:
            with self.store.turn(generation):
                bot = self.store.get("bots", bot_id)
                if bot is not None and bot["project_id"] == project["id"]:
                    self.catch_up_stored(project, bot, now)

    def catch_up_stored(self, project, bot, now):
        """Apply a stored bot's due steps and save it (callers hold the store lock)."""
        unit = Unit(self, project, bot)
        self.catch_up(unit, now)
        self.commit(unit)

    def current_bots(self, project, generation):
        """Every bot of the project, oldest first, each brought up to date (its due steps applied and saved).

        Bulk work: callers hold the project's lock, so the bots read here are the latest (only the
        project's own work changes them); each catch-up takes its own turn of the store lock.
        """
        now = self.now(project)
        bots = []
        for bot in self.store.scan("bots", project["id"]):
            steps = bot.get("pending_steps")
            if steps and parse_stored_datetime(steps[0]["due"]) <= now:
                with self.store.turn(generation):
                    self.catch_up_stored(project, bot, now)
            bots.append(bot)
        return sorted(bots, key=lambda bot: parse_stored_datetime(bot["created_at"]))



# -- scripted actions of the bot itself (the meeting's own are in usecases/meeting.py) -----------------


def upload_recording(unit, step, at):
    """The bot's upload during post-processing: from here the recording file exists (6.10)."""
    recording = unit.bot["recording"]
    if recording.get("format") == "none" or recording.get("file") or recording["state"] == "not_started":
        return  # nothing was recorded, or it is already there
    started = step.get("start_timestamp_ms") or _first_recording_ms(unit.bot) or int(at.timestamp() * 1000)
    recording["file"] = {"uploaded_at": to_stored(at), "start_timestamp_ms": started}
    unit.dirty = True


def _first_recording_ms(bot):
    for event in bot["events"]:
        if event["type"] == "recording_permission_granted":
            return int(parse_stored_datetime(event["created_at"]).timestamp() * 1000)
    return None


def transcription_fails(unit, step, at):
    unit.bot["recording"].setdefault("transcription_failure_reasons", []).append(step["reason"])
    unit.dirty = True


BOT_ACTIONS = {"upload_recording": upload_recording, "transcription_fails": transcription_fails}
