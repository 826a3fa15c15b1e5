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

Due work. Bots' scripted steps are one kind of work that falls due; the other kinds (a calendar's
sync, a Zoom connection's meeting-list sync) are `DueWork` objects given at construction. All of them
share one index of due times (`_due`), one background runner (`run_due_steps`) and one time-ordered
catch-up (`apply_due_work`: a clock advance, and the lazy catch-up before a project's reads whenever
one of its other kinds of work is due), so that a calendar sync due at 10:00 sees the bots as they are
at 10:00 and a bot step due at 10:01 sees what that sync did. A project without such work runs the
bots' paths exactly as before.
"""

import heapq
import json
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
BOT = "bot"  # the kind of due work built in: a bot's scripted steps
ACTION = "action"  # in what `apply_due_work` applied: a bot's scripted action (not an event)


class DueWork:
    """A kind of stored document whose work falls due (the interface; bots' steps are built in).

    `kind` names it in the due index; `table` holds its documents (scoped by project); at one instant
    bots' steps come first, then the kinds by `rank`. `due_at(doc)` is the project-clock time of the
    document's next work (or None); `run(sb, project, doc, at)` does the work due at `at` under the store
    lock (saving and emitting itself) and returns `(report or None, ids of bots it changed)`.
    """

    kind = ""
    table = ""
    rank = 1

    def due_at(self, doc):
        raise NotImplementedError

    def run(self, sb, project, doc, at):
        raise NotImplementedError

    def seeded(self, doc, now):
        """A document just seeded from the fixtures, at its project's `now`: complete it (e.g. a creation
        time the fixture left open); True when it changed."""
        return False

class NullOutbox:
    """Where state changes go until the webhook outbox is built."""

    def emit(self, project_id, bot_id, trigger, data):
        pass

    def emit_for(self, project_id, kind, subject_id, trigger, data):
        pass

    def close(self):
        pass


def state_change_data(change):
    """The `data` of a `bot.state_change` webhook (docs/contract/webhooks.md#webhook-data), in JSONB key order."""
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
        self.actions = []  # (scripted action name, what it returned), for a clock advance's report
        self.emissions = []
        self.dirty = False
        self.deleted = False  # a hard delete (DELETE of a scheduled bot): the commit removes the document
        self.raw = None  # the bot's stored JSON as loaded, then as the commit saved it (None: not known)

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
        due_work=(),
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
        self.due_work = {work.kind: work for work in due_work}  # the other kinds of due work, by kind
        self.outbox = NullOutbox()  # the webhook outbox, set once built (it needs the store and the clock)
        self.retention = None  # the periodic prune, when SANDBOX_RETENTION_DAYS is set
        self.last_prune = None  # the report of the latest prune
        self.stop_event = threading.Event()  # set at shutdown: background threads end
        self._keys = None
        self._wake = threading.Event()
        # document id -> (wall-clock due time, project id, kind): what the background runner waits for
        self._due = {}
        self._other_due = {}  # project id -> {document id: wall-clock due time}, kinds other than bots
        # project id -> {document id: None}: the project's entries of `_due`, in `_due`'s order, so that a
        # project's due work is found without looking at other projects' or at bots with nothing pending
        self._by_project = {}
        # (wall-clock due time, document id), a heap: the runner pops what is due instead of scanning `_due`.
        # An entry whose time no longer matches `_due` is stale and skipped when it reaches the top; the
        # heap is rebuilt from `_due` when stale entries outnumber live ones (`_compact_heap`).
        self._heap = []
        self._heap_lock = threading.Lock()
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
            self.stamp_seeded()
            self.rebuild_due_index()
        self.settle_seeded()
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
        The project's other due work (a calendar sync) runs first, in time order with the bots' steps.
        """
        with self.project_lock(project["id"]):
            self.catch_up_other_work(project)
            with self.store.lock:
                bot, raw = self.store.get_with_raw("bots", bot_id) if isinstance(bot_id, str) else (None, None)
                if bot is None or bot["project_id"] != project["id"]:
                    raise BotNotFound()
                unit = Unit(self, project, bot)
                unit.raw = raw
                self.catch_up(unit, self.now(project))
                try:
                    yield unit
                except AttendeeError:
                    self.commit(unit)
                    raise
                self.commit(unit)

    def settled_bot(self, project, bot_id):
        """`(bot, its stored JSON)` when reading the bot would change nothing (a GET's usual case), else None.

        Nothing changes when the project has no other work due and the bot's next scripted step (its
        `BotFacts.next_due`) is not due by the project's `now`: `bot_unit` would then load the bot, apply
        nothing and save nothing. Such a read needs neither the project's lock nor a unit of work, so it
        never waits behind the project's creates and commands (which hold that lock while they run); the
        store lock alone gives it the bot whole. None sends the caller to `bot_unit` (a 404 included).
        """
        try:
            if self.has_other_work_due(project):
                return None
        except RuntimeError:  # the project's other work changed meanwhile: ask under the lock
            return None
        read = self.store.get_raw_with_facts("bots", bot_id) if isinstance(bot_id, str) else None
        if read is None:
            return None
        raw, scope, facts = read
        if scope != project["id"] or facts is None:
            return None
        if facts.next_due is not None and parse_stored_datetime(facts.next_due) <= self.now(project):
            return None
        return json.loads(raw), raw

    def commit(self, unit):
        """Save the bot, then hand its emissions to the outbox (which only enqueues), in event order."""
        if unit.deleted:
            self.store.delete("bots", unit.bot["id"])
            self.untrack(unit.bot["id"])
        else:
            if unit.dirty or unit.changes:
                unit.raw = self.store.put("bots", unit.bot)
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
                        pass  # e.g. returning from a breakout room into a paused recording (docs/contract/state-machine.md#breakout-return-to-paused)
            else:
                unit.actions.append((step["action"], self.actions[step["action"]](unit, step, due)))
        return applied

    # -- the due index and the background runner ------------------------------------------------------
    def track_due(self, project, doc, kind=BOT):
        """Index the document's next due work (a bot's first pending step, or its kind's `due_at`)."""
        if kind == BOT:
            steps = doc.get("pending_steps")
            due = parse_stored_datetime(steps[0]["due"]) if steps else None
        else:
            due = self.due_work[kind].due_at(doc)
        self._track(project, doc["id"], due, kind)

    def _track(self, project, doc_id, due, kind):
        if due is None:
            self.untrack(doc_id)
            return
        wall_due = due - timedelta(seconds=project.get("clock_offset_seconds", 0.0))
        project_id = project["id"]
        if self._due.get(doc_id) == (wall_due, project_id, kind):
            return  # indexed as it is (a read of a bot that changed nothing): no new entry, no wake-up
        with self._heap_lock:
            self._due[doc_id] = (wall_due, project_id, kind)
            self._by_project.setdefault(project_id, {})[doc_id] = None
            heapq.heappush(self._heap, (wall_due, doc_id))
            if len(self._heap) > 2 * len(self._due) + 64:
                self._compact_heap()
        if kind != BOT:
            self._other_due.setdefault(project_id, {})[doc_id] = wall_due
        self._wake.set()

    def _compact_heap(self):
        """Drop the stale entries (callers hold `_heap_lock`)."""
        self._heap = [(entry[0], key) for key, entry in self._due.items()]
        heapq.heapify(self._heap)

    def untrack(self, doc_id):
        """The document is gone, or has nothing due."""
        with self._heap_lock:
            entry = self._due.pop(doc_id, None)
            if entry is None:
                return
            keys = self._by_project.get(entry[1])
            if keys is not None:
                keys.pop(doc_id, None)
                if not keys:
                    del self._by_project[entry[1]]
        if entry[2] != BOT:
            others = self._other_due.get(entry[1], {})
            others.pop(doc_id, None)
            if not others:
                self._other_due.pop(entry[1], None)

    def tracked_bots(self, project_id):
        """The project's bots that have steps pending (as the due index knows them), in index order."""
        due = self._due
        with self._heap_lock:
            keys = list(self._by_project.get(project_id, ()))
        return [key for key in keys if (entry := due.get(key)) is not None and entry[2] == BOT]

    def retrack_bots(self, project):
        """Re-index the project's bots with steps pending from the store's facts (no bot decoded): their
        wall-clock due times move with the project's clock offset."""
        for bot_id in self.tracked_bots(project["id"]):
            facts = self.store.summary("bots", bot_id)
            next_due = facts.next_due if facts is not None else None
            self._track(project, bot_id, parse_stored_datetime(next_due) if next_due else None, BOT)

    def rebuild_due_index(self):
        """Index every project's due work; bots from the store's facts (`next_due`), not decoded."""
        with self.store.lock:
            with self._heap_lock:
                self._due.clear()
                self._by_project.clear()
                self._heap = []
            self._other_due.clear()
            for project in self.store.scan("projects", ""):
                for bot_id, facts in self.store.summaries("bots", project["id"]).items():
                    if facts.next_due:
                        self._track(project, bot_id, parse_stored_datetime(facts.next_due), BOT)
                self.track_other_work(project)

    def stamp_seeded(self):
        """At start-up and after a reset: let each kind of due work complete the documents that were seeded
        and never served (by `build_sandbox`, a reset, or `python -m sandbox reset` into a data file) at their
        project's now (a fixture calendar is created, and first due, then). Returns whether any was."""
        stamped = False
        with self.store.lock:
            for project in self.store.scan("projects", ""):
                now = self.now(project)
                for work in self.due_work.values():
                    for doc in self.store.scan(work.table, project["id"]):
                        if work.seeded(doc, now):
                            self.store.put(work.table, doc)
                            stamped = True
        return stamped

    def settle_seeded(self):
        """Right after seeded documents were stamped (and indexed): the work already due then runs at once (a
        fixture calendar's first sync), before any client can read the project or subscribe to its webhooks,
        so the bundled projects start settled, their calendar events listed."""
        with self.store.lock:
            projects = self.store.scan("projects", "")
        for project in projects:
            self.catch_up_other_work(project)

    def track_other_work(self, project):
        """Index every document of the project's other kinds of due work (a few per project)."""
        for kind, work in self.due_work.items():
            for doc in self.store.scan(work.table, project["id"]):
                self.track_due(project, doc, kind)

    def run_due_steps(self):
        """Apply every step that is due now, for bots nobody has read; returns seconds until the next one.

        A bot whose project is busy (bulk work holds its lock) is left for a moment later, so that one
        project's clock advance does not hold up the other projects' steps.
        """
        wall_now = self.clock.wall_now()
        due_now = []
        with self._heap_lock:
            taken = set()
            while self._heap and self._heap[0][0] <= wall_now:
                wall_due, key = heapq.heappop(self._heap)
                entry = self._due.get(key)
                if entry is not None and entry[0] == wall_due and key not in taken:
                    taken.add(key)
                    due_now.append((key, entry))
        busy = False
        for key, entry in due_now:
            _, project_id, kind = entry
            project = self.store.get("projects", project_id)
            if project is None:
                self.untrack(key)
                continue
            with self.project_lock(project_id, blocking=False) as held:
                if not held:
                    busy = True
                elif kind != BOT:  # the project's due work, in time order (its bots' steps included)
                    self.store.lock.let_waiters_in()  # one bot at a time, like other bulk work
                    self.catch_up_other_work(project)
                else:
                    self.store.lock.let_waiters_in()
                    try:
                        with self.bot_unit(project, key):
                            pass
                    except BotNotFound:
                        self.untrack(key)
            with self._heap_lock:
                if self._due.get(key) == entry:  # not re-indexed (busy, or nothing changed): still due
                    heapq.heappush(self._heap, (entry[0], key))
        with self._heap_lock:
            while self._heap and self._due.get(self._heap[0][1], (None,))[0] != self._heap[0][0]:
                heapq.heappop(self._heap)  # stale
            if not self._heap:
                return None
            first = self._heap[0][0]
        wait = max(0.0, (first - self.clock.wall_now()).total_seconds())
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
        store's summaries of the project's bots are current. Bulk work: callers hold the project's lock.
        The project's other due work comes first, in time order with the bots' steps."""
        self.catch_up_other_work(project, generation)
        now = self.now(project)
        for bot_id in self._bots_due(project["id"]):
            with self.store.turn(generation):
                bot = self.store.get("bots", bot_id)
                if bot is not None and bot["project_id"] == project["id"]:
                    self.catch_up_stored(project, bot, now)

    def _bots_due(self, project_id):
        """The project's bots whose first step is due by now, as the due index knows them."""
        wall_now = self.clock.wall_now()
        due = self._due
        with self._heap_lock:
            keys = list(self._by_project.get(project_id, ()))
        return [key for key in keys if (entry := due.get(key)) is not None and entry[2] == BOT and entry[0] <= wall_now]

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
        self.catch_up_other_work(project, generation)
        now = self.now(project)
        bots = []
        for bot in self.store.scan("bots", project["id"]):
            steps = bot.get("pending_steps")
            if steps and parse_stored_datetime(steps[0]["due"]) <= now:
                with self.store.turn(generation):
                    self.catch_up_stored(project, bot, now)
            bots.append(bot)
        return sorted(bots, key=lambda bot: parse_stored_datetime(bot["created_at"]))

    # -- all kinds of due work, in time order -----------------------------------------------------------
    def has_other_work_due(self, project):
        """Whether the project has work other than bots' steps due by now (no store access)."""
        entries = self._other_due.get(project["id"])
        return bool(entries) and min(entries.values()) <= self.clock.wall_now()

    def catch_up_other_work(self, project, generation=None):
        """Before a read of the project's bots, calendars or connections: when other work of the project
        is due (a calendar sync), apply every due item of the project in time order, the bots' steps
        due before it included (`apply_due_work`). A no-op otherwise, so bots-only projects are as before.
        Callers hold the project's lock (`generation`: that of their bulk work, if any)."""
        if not self.has_other_work_due(project):
            return []
        if generation is None:
            with self.bulk_work(project["id"]) as generation:
                return self.catch_up_other_work(project, generation)
        bots_due = self._bots_due(project["id"])
        project = self.store.get("projects", project["id"]) or project
        return self.apply_due_work(project, self.now(project), generation, bot_ids=bots_due)

    def apply_due_work(self, project, target, generation, bot_ids=None):
        """Apply every item due by `target`, one at a time, always the earliest due first, each in a turn
        of the store lock (callers hold the project's lock). Ties at one instant: bots' steps first (in
        the bots' creation order), then the other kinds by rank.

        `bot_ids`: the bots to consider (their pending steps); None: every bot of the project (a clock
        advance). Every document of the other kinds is considered. Returns what was applied, in order:
        `("bot", StateChange)`, `("action", (bot_id, action name, its result))` and `(kind, report)` items.
        """
        pid = project["id"]
        heap = []
        creation_order = {}  # ties go to the bot created first, also for a bot's later steps
        if bot_ids is None:  # every bot with steps pending: the due index knows them
            bot_ids = self.tracked_bots(pid)
        for bot_id in bot_ids:
            self._push_bot(heap, self.store.get("bots", bot_id), creation_order)
        others = []
        for kind, work in self.due_work.items():
            for number, doc in enumerate(self.store.scan(work.table, pid)):
                others.append((kind, doc["id"]))
                due = work.due_at(doc)
                if due is not None:
                    heapq.heappush(heap, (due, work.rank, number, doc["id"], kind))
        applied = []
        while heap:
            due, rank, number, key, kind = heapq.heappop(heap)
            if due > target:
                break
            if kind == BOT:
                with self.store.turn(generation):
                    bot = self.store.get("bots", key)
                    if bot is None:
                        continue
                    first = bot.get("pending_steps") and parse_stored_datetime(bot["pending_steps"][0]["due"])
                    if first != due:  # other work moved its steps meanwhile: take them when they are due
                        self._push_bot(heap, bot, creation_order)
                        continue
                    unit = Unit(self, project, bot)
                    self.catch_up(unit, target, limit=1)
                    self.commit(unit)
                applied.extend((BOT, change) for change in unit.changes)
                applied.extend((ACTION, (key, *action)) for action in unit.actions)
                if bot.get("pending_steps"):
                    self._push_bot(heap, bot, creation_order)
                continue
            work = self.due_work[kind]
            with self.store.turn(generation):
                doc = self.store.get(work.table, key)
                if doc is None or doc["project_id"] != pid:
                    self.untrack(key)
                    continue
                actual = work.due_at(doc)
                if actual != due:  # changed meanwhile: run it when it is due
                    if actual is not None and actual > due:
                        heapq.heappush(heap, (actual, rank, number, key, kind))
                    continue
                report, touched_bots = work.run(self, project, doc, due)
                doc = self.store.get(work.table, key)
                following = work.due_at(doc) if doc is not None else None
            if report is not None:
                applied.append((kind, report))
            if following is not None and following > due:
                heapq.heappush(heap, (following, rank, number, key, kind))
            for bot_id in touched_bots:
                self._push_bot(heap, self.store.get("bots", bot_id), creation_order)
        with self.store.turn(generation):
            for kind, key in others:
                doc = self.store.get(self.due_work[kind].table, key)
                if doc is None:
                    self.untrack(key)
                else:
                    self.track_due(project, doc, kind)
            known = {key for _, key in others}
            for key in [key for key in self._other_due.get(pid, {}) if key not in known]:
                self.untrack(key)  # gone without being untracked: never due again
        return applied

    def _push_bot(self, heap, bot, creation_order):
        if bot is not None and bot.get("pending_steps"):
            number = creation_order.get(bot["id"])
            if number is None:  # the store's insertion number: the order the project's bots were created in
                number = creation_order[bot["id"]] = self.store.sequence("bots", bot["id"]) or 0
            due = parse_stored_datetime(bot["pending_steps"][0]["due"])
            heapq.heappush(heap, (due, 0, number, bot["id"], BOT))



# -- scripted actions of the bot itself (the meeting's own are in usecases/meeting.py) -----------------


def upload_recording(unit, step, at):
    """The bot's upload during post-processing: from here the recording file exists
    (docs/contract/bots-endpoints.md#get-recording). Its
    `start_timestamp_ms` is the step's (`None`: the first buffer's time was never recorded, and GET /recording
    shows `null`), else when the bot started recording, else now."""
    recording = unit.bot["recording"]
    if recording.get("format") == "none" or recording.get("file") or recording["state"] == "not_started":
        return  # nothing was recorded, or it is already there
    if "start_timestamp_ms" in step:
        started = step["start_timestamp_ms"]
    else:
        started = _first_recording_ms(unit.bot) or int(at.timestamp() * 1000)
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
