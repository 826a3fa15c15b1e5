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
from sandbox.contract.meeting_urls import STORED_MAX_LENGTH, meeting_platform
from sandbox.contract.requests.bots import (
    check_bot_insert,
    check_bot_webhooks,
    check_patch_bot_storage,
    create_db_error,
    parse_create_bot,
    parse_patch_bot,
)
from sandbox.domain import lifecycle, scenarios
from sandbox.infra.store import StoreReplaced

ZOOM_CREDENTIALS_REQUIRED = (
    "Zoom App credentials are required to create a Zoom bot. "
    "Please add Zoom credentials at https://{domain}/projects/{project_id}/credentials"
)
EXTERNAL_STORAGE_CREDENTIALS_REQUIRED = (
    "External media storage credentials are required to upload recordings to an external storage bucket. "
    "Please add external media storage credentials at https://{domain}/projects/{project_id}/credentials."
)
CONCURRENCY_LIMIT = (
    "You have exceeded the maximum number of concurrent bots ({limit}) for your account. "
    "Please reach out to customer support to increase the limit."
)
DEDUPLICATION_CONFLICT = (
    "Deduplication key already in use. A bot in a non-terminal state with this deduplication key already exists. "
    "Please use a different deduplication key or wait for that bot to terminate."
)
UNKNOWN_SCENARIO = "Unknown sandbox_scenario '{name}'. Known scenarios: {known}"
SCENARIO_METADATA_KEY = "sandbox_scenario"
PATCH_ONLY_WHEN_SCHEDULED = (
    "Bot is in state {state} but join_at, meeting_url, bot_name, bot_image and recording_settings "
    "can only be updated when in the scheduled state"
)
DELETE_ONLY_WHEN_SCHEDULED = "Bot is in state {state} but can only be deleted when in scheduled state"
DATA_DELETE_NOT_ALLOWED = "Bot is not in a state where the data deleted event can be created"
CANNOT_PAUSE = "Bot is in state {state} and cannot pause recording"
CANNOT_RESUME = "Bot is in state {state} and cannot resume recording."
LOCK_ORDER = "a project's lock is taken before the store lock, never while holding it"
# When the background runner finds a due bot's project busy (its bulk work catches the bot up anyway),
# it looks again after this many seconds rather than waiting for that project.
BUSY_PROJECT_RETRY_SECONDS = 0.05

# What `delete_data` removes, by table (each scoped by bot id), and what it keeps (6.17).
BOT_DATA_TABLES = ("utterances", "participant_events", "participants", "chat_messages")
KEPT_DELIVERY_TRIGGER = "bot.state_change"
REMOVER_PREFIX = "remover_"
# The settings a created bot keeps (preamble: the stored bot document).
STORED_SETTINGS = (
    "recording_settings",
    "transcription_settings",
    "zoom_settings",
    "google_meet_settings",
    "teams_settings",
    "automatic_leave_settings",
    "voice_agent_settings",
    "bot_chat_message",
    "bot_image",
    "websocket_settings",
    "rtmp_settings",
    "callback_settings",
    "external_media_storage_settings",
    "debug_settings",
)


class NullOutbox:
    """Where state changes go when no webhook dispatcher is attached."""

    def emit(self, project_id, bot_id, trigger, data):
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


class NoFaults:
    """The fault-injection registry when none is attached: nothing ever matches.

    `match(project_id, method, path)` returns None or an object with `status` (None: only delay),
    `body`, `headers` and `delay_ms`; the control plane (sandbox/usecases/control.py) provides the real one.
    """

    def match(self, project_id, method, path):
        return None


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
    def __init__(self, settings, store, clock, ids, scenario_book, outbox=None):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.ids = ids
        self.scenarios = scenario_book
        self.outbox = outbox or NullOutbox()
        self.faults = NoFaults()
        self.actions = {}  # scripted action name -> fn(unit, step, at); meeting simulation registers its own
        self.register_action("upload_recording", _upload_recording)
        self.register_action("transcription_fails", _transcription_fails)
        self._keys = None
        self._wake = threading.Event()
        self._due = {}  # bot id -> (wall-clock due time, project id): what the background runner waits for
        self._project_locks = ProjectLocks(store.lock)

    def register_action(self, name, fn):
        self.actions[name] = fn

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
        """Restore the fixtures and drop everything else (the store replaces everything in one step)."""
        with self.store.lock:
            self.store.replace_all(self.fixtures)
            self.projects_changed()
            self.rebuild_due_index()

    def shutdown(self):
        """Stop the background runner and flush the store (SIGTERM, tests' teardown)."""
        stop = getattr(self, "stop_event", None)
        if stop is not None:
            stop.set()
            self._wake.set()
        getattr(self.outbox, "close", lambda: None)()  # the webhook workers, before the store closes
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
                self._commit(unit)
                raise
            self._commit(unit)

    def _commit(self, unit):
        """Save the bot, then hand its emissions to the outbox (which only enqueues), in event order."""
        if unit.deleted:
            self.store.delete("bots", unit.bot["id"])
            self._due.pop(unit.bot["id"], None)
        else:
            if unit.dirty or unit.changes:
                self.store.put("bots", unit.bot)
            self._track_due(unit.project, unit.bot)
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
    def _track_due(self, project, bot):
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
                    self._track_due(project, bot)

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

    # -- bot use cases ---------------------------------------------------------------------------------
    def get_bot(self, project, bot_id):
        with self.bot_unit(project, bot_id) as unit:
            return unit.bot

    def leave(self, project, bot_id):
        """POST /leave (6.6): leave_requested/user_requested, then the scenario's post-processing."""
        with self.bot_unit(project, bot_id) as unit:
            self.apply(unit, "leave_requested", "user_requested", at=self.now(project))
            return unit.bot

    def create_bot(self, project, body):
        """POST /bots (6.2, 7.1): every check in the real server's order, then the bot.

        1-2. (credits, calendar events: the sandbox has neither; a calendar_event_id is refused by the parser)
        3. field validation (`parse_create_bot`), then the sandbox's own check of `sandbox_scenario`;
        4. a Zoom URL needs the project's Zoom credentials; 5. external storage needs credentials the
        sandbox's projects never have; 6. the concurrency limit; 7. the "transaction": row errors,
        deduplication conflict, the chat message to a participant, the bot-level webhooks.

        An immediate bot then takes `join_requested` (source api) through `apply`, so its scenario's join
        script starts; a scheduled bot gets its way in planned (`staged`, then the scheduler's
        `join_requested`), applied lazily like every scripted step. Returns `(bot, echo_metadata)`: the
        real server echoes a scheduled bot's metadata in input order, because it does not re-read it.
        """
        now = self.now(project)
        parsed = parse_create_bot(
            body,
            now=now,
            voice_agents_enabled=self.settings.enable_voice_agents,
            require_https_webhooks=self.settings.require_https_webhooks,
            db_checks=False,
        )
        scenario = self._scenario_for_new_bot(project, parsed["metadata"])
        urls = [hook.get("url", "") for hook in parsed["webhooks"]]
        reaches_sandbox = {url: self.own_address.reached_by(url) for url in urls}  # may resolve: not under the lock
        credentials_link = {"domain": self.settings.site_domain, "project_id": project["id"]}
        if parsed["platform"] == "zoom" and not project.get("zoom_credentials"):
            raise AttendeeError(ZOOM_CREDENTIALS_REQUIRED.format(**credentials_link))
        if parsed["external_media_storage_settings"]:
            raise AttendeeError(EXTERNAL_STORAGE_CREDENTIALS_REQUIRED.format(**credentials_link))
        with self.bulk_work(project["id"]) as generation:
            self._catch_up_due_bots(project, generation)  # a bot whose script has ended frees its slot and key
            with self.store.lock:
                return self._insert_bot(project, parsed, scenario, now, reaches_sandbox)

    def _insert_bot(self, project, parsed, scenario, now, reaches_sandbox):
        """Steps 6 and 7 of create_bot, then the bot (callers hold the project's lock and the store lock)."""
        limit = self.settings.concurrent_bots_limit
        summaries = self.store.summaries("bots", project["id"]).values()
        in_meeting = sum(1 for state, _ in summaries if lifecycle.BOT_STATES.get(state) == lifecycle.IN)
        if in_meeting >= limit:
            raise AttendeeError(CONCURRENCY_LIMIT.format(limit=limit))
        # Step 7, in the order the real server's transaction fails: the bot row, its unique
        # deduplication index, the chat message request, the webhook subscriptions.
        check_bot_insert({**parsed, "bot_chat_message": None})
        if len(parsed["meeting_url"]) > STORED_MAX_LENGTH:
            raise create_db_error()
        key = parsed["deduplication_key"]
        if key is not None and any(
            held == key and state not in lifecycle.POST_MEETING_STATES for state, held in summaries
        ):
            raise AttendeeError(DEDUPLICATION_CONFLICT)
        check_bot_insert(parsed)
        check_bot_webhooks(
            parsed["webhooks"], require_https=self.settings.require_https_webhooks, reaches_sandbox=reaches_sandbox
        )

        bot = self._new_bot(project, parsed, scenario, now)
        unit = Unit(self, project, bot)
        if parsed["join_at"] is None:
            self.apply(unit, "join_requested", at=now, metadata={"source": "api"})
        else:
            bot["pending_steps"] = scenarios.plan_scheduled_join(parsed["join_at"], platform_key(bot), now)
            unit.dirty = True
        self._commit(unit)
        return bot, parsed["join_at"] is not None

    def _scenario_for_new_bot(self, project, metadata):
        """The scenario a new bot follows: its metadata's `sandbox_scenario`, else its project's."""
        name = (metadata or {}).get(SCENARIO_METADATA_KEY)
        if name is None:
            name = project.get("scenario") or scenarios.DEFAULT_SCENARIO
        if name not in self.scenarios:
            known = ", ".join(sorted(self.scenarios))
            raise AttendeeError(UNKNOWN_SCENARIO.format(name=name, known=known))
        return name

    def _new_bot(self, project, parsed, scenario, now):
        """The stored bot document of a new bot (`ready` or `scheduled`, no events yet)."""
        join_at = parsed["join_at"]
        settings = {name: parsed[name] for name in STORED_SETTINGS}
        return {
            "id": self.ids.new("bot"),
            "project_id": project["id"],
            "created_at": to_stored(now),
            "bot_name": parsed["bot_name"],
            "meeting_url": parsed["meeting_url"],
            "platform": parsed["platform"],
            "state": "scheduled" if join_at is not None else "ready",
            "events": [],
            "recording": {
                "id": self.ids.new("rec"),
                "state": "not_started",
                "transcription_state": "not_started",
                "format": parsed["recording_settings"].get("format") or "mp4",
                "file": None,
            },
            "join_at": to_stored(join_at) if join_at is not None else None,
            "deduplication_key": parsed["deduplication_key"],
            "metadata": parsed["metadata"],
            "scenario": scenario,
            "pending_steps": [],
            "breakout_return_state": None,
            "settings": settings,
            "webhooks": [{"url": hook["url"], "triggers": list(hook["triggers"])} for hook in parsed["webhooks"]],
        }

    def _catch_up_due_bots(self, project, generation):
        """Apply the due steps of the project's bots that have any (the due index knows them), so that the
        store's summaries of the project's bots are current. Bulk work: callers hold the project's lock."""
        wall_now = self.clock.wall_now()
        due_here = [bot_id for bot_id, (due, pid) in list(self._due.items()) if pid == project["id"] and due <= wall_now]
        now = self.now(project)
        for bot_id in due_here:
            with self.store.turn(generation):
                bot = self.store.get("bots", bot_id)
                if bot is not None and bot["project_id"] == project["id"]:
                    self._catch_up_stored(project, bot, now)

    def _catch_up_stored(self, project, bot, now):
        """Apply a stored bot's due steps and save it (callers hold the store lock)."""
        unit = Unit(self, project, bot)
        self.catch_up(unit, now)
        self._commit(unit)

    def _current_bots(self, project, generation):
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
                    self._catch_up_stored(project, bot, now)
            bots.append(bot)
        return sorted(bots, key=lambda bot: parse_stored_datetime(bot["created_at"]))

    def list_bots(
        self, project, *, meeting_url=None, deduplication_key=None, states=None, join_at_after=None, join_at_before=None
    ):
        """GET /bots (6.1, 4): the project's bots, up to date, filtered (AND), oldest first.

        `states` is a list of state codes (already checked); the join_at bounds are aware datetimes and
        strict, and a bot without join_at never matches them (SQL NULL comparisons).
        """
        with self.bulk_work(project["id"]) as generation:
            bots = self._current_bots(project, generation)

        def keep(bot):
            if meeting_url and bot["meeting_url"] != meeting_url:
                return False
            if deduplication_key and bot.get("deduplication_key") != deduplication_key:
                return False
            if states and bot["state"] not in states:
                return False
            if join_at_after is not None or join_at_before is not None:
                if not bot.get("join_at"):
                    return False
                join_at = parse_stored_datetime(bot["join_at"])
                if join_at_after is not None and not join_at > join_at_after:
                    return False
                if join_at_before is not None and not join_at < join_at_before:
                    return False
            return True

        return [bot for bot in bots if keep(bot)]

    def patch_bot(self, project, bot_id, read_body):
        """PATCH /bots/{id} (6.4). `read_body()` is called after the bot lookup, as the real view reads the
        body only then (so an unknown bot is a 404 whatever the body).

        join_at, meeting_url, bot_name, bot_image and recording_settings only change while `scheduled`;
        sending the stored join_at/meeting_url/bot_name again is not a change. metadata is replaced in
        any state. A scheduled bot whose join_at or meeting_url changed gets its way in planned again.
        Returns `(bot, echo_metadata)`: PATCH responses echo the metadata that was sent, in input order.
        """
        with self.bot_unit(project, bot_id) as unit:
            bot = unit.bot
            now = self.now(project)
            changes = parse_patch_bot(read_body(), now=now)
            moves_join = "join_at" in changes and to_stored(changes["join_at"]) != bot.get("join_at")
            moves_url = "meeting_url" in changes and changes["meeting_url"] != bot["meeting_url"]
            renames = "bot_name" in changes and changes["bot_name"] != bot.get("bot_name")
            always_a_change = "bot_image" in changes or "recording_settings" in changes
            scheduled_only = moves_join or moves_url or renames or always_a_change
            if scheduled_only and bot["state"] != "scheduled":
                raise AttendeeError(PATCH_ONLY_WHEN_SCHEDULED.format(state=bot["state"]))
            check_patch_bot_storage(changes)
            settings = bot.setdefault("settings", {})
            if "join_at" in changes:
                bot["join_at"] = to_stored(changes["join_at"])
            if "meeting_url" in changes:
                bot["meeting_url"] = changes["meeting_url"]
                bot["platform"] = meeting_platform(changes["meeting_url"])
            if "metadata" in changes:
                bot["metadata"] = changes["metadata"]
            if "bot_name" in changes:
                bot["bot_name"] = changes["bot_name"]
            if "bot_image" in changes:
                settings["bot_image"] = changes["bot_image"]
            if "recording_settings" in changes:
                settings["recording_settings"] = changes["recording_settings"]
                bot["recording"]["format"] = changes["recording_settings"].get("format") or "mp4"
            if bot["state"] == "scheduled" and (moves_join or moves_url):
                join_at = parse_stored_datetime(bot["join_at"])
                bot["pending_steps"] = scenarios.plan_scheduled_join(join_at, platform_key(bot), now)
            unit.dirty = True
            return bot, "metadata" in changes

    def delete_bot(self, project, bot_id):
        """DELETE /bots/{id} (6.5): only a scheduled bot, hard-deleted; no webhook; its key is free again."""
        with self.bot_unit(project, bot_id) as unit:
            if unit.bot["state"] != "scheduled":
                raise AttendeeError(DELETE_ONLY_WHEN_SCHEDULED.format(state=unit.bot["state"]))
            unit.deleted = True

    def delete_data(self, project, bot_id):
        """POST /delete_data (6.17): from `ended` or `fatal_error` only (its own message, not the
        transition table's). Deletes the bot's utterances (real-time and async: one table), participants,
        their events, chat messages, the recording file and audio chunks, and the webhook delivery records
        of every trigger but bot.state_change; scrubs `remover_*` keys from event metadata and from the
        stored state-change payloads. Keeps metadata, events and the recording and transcription states.
        Then `data_deleted`, whose webhook follows."""
        with self.bot_unit(project, bot_id) as unit:
            bot = unit.bot
            allowed, _ = lifecycle.TRANSITIONS["data_deleted"]
            if bot["state"] not in allowed:
                raise AttendeeError(DATA_DELETE_NOT_ALLOWED)
            for table in BOT_DATA_TABLES:
                for doc in self.store.scan(table, bot["id"]):
                    self.store.delete(table, doc["id"])
            # The summaries name each delivery's bot and trigger: only this bot's deliveries are decoded.
            for delivery_id, (of_bot, trigger) in self.store.summaries("deliveries", project["id"]).items():
                if of_bot != bot["id"]:
                    continue
                if trigger != KEPT_DELIVERY_TRIGGER:
                    self.store.delete("deliveries", delivery_id)
                else:
                    delivery = self.store.get("deliveries", delivery_id)
                    if _scrub_removers(delivery):
                        self.store.put("deliveries", delivery)
            bot["recording"]["file"] = None
            bot["recording"].pop("audio_chunks", None)  # the per-speaker audio async transcriptions need
            for event in bot["events"]:
                for key in [k for k in event.get("metadata") or {} if k.startswith(REMOVER_PREFIX)]:
                    del event["metadata"][key]
            unit.dirty = True
            self.apply(unit, "data_deleted", at=self.now(project))
            return bot

    def pause_recording(self, project, bot_id):
        """POST /pause_recording (6.18): only from `joined_recording`. The sandbox's bot obeys at once, so
        the answer is always the bot in `joined_recording_paused` (recording `paused`), never the real
        server's `Unable to pause recording` timeout."""
        with self.bot_unit(project, bot_id) as unit:
            if unit.bot["state"] != "joined_recording":
                raise AttendeeError(CANNOT_PAUSE.format(state=unit.bot["state"]))
            self.apply(unit, "recording_paused", at=self.now(project))
            return unit.bot

    def resume_recording(self, project, bot_id):
        """POST /resume_recording (6.19): only from `joined_recording_paused`; answered at once, with the
        bot back in `joined_recording` (recording `in_progress`). Its message ends with a period."""
        with self.bot_unit(project, bot_id) as unit:
            if unit.bot["state"] != "joined_recording_paused":
                raise AttendeeError(CANNOT_RESUME.format(state=unit.bot["state"]))
            self.apply(unit, "recording_resumed", at=self.now(project))
            return unit.bot


def bot_platform(bot):
    """`zoom`, `google_meet` or `teams`; fixture bots may not store it, so it is derived from the URL."""
    return bot.get("platform") or meeting_platform(bot["meeting_url"])


def platform_key(bot):
    """The key of `scenarios.PLATFORM_LEAD_SECONDS`: Zoom splits by SDK (native unless `sdk: web`)."""
    platform = bot_platform(bot)
    if platform == "zoom":
        zoom_settings = (bot.get("settings") or {}).get("zoom_settings") or {}
        return "zoom_web" if zoom_settings.get("sdk") == "web" else "zoom_native"
    return platform


def _scrub_removers(value):
    """Remove `remover_*` keys from every `event_metadata` object inside `value`; True if any went."""
    removed = False
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "event_metadata" and isinstance(item, dict):
                for name in [k for k in item if k.startswith(REMOVER_PREFIX)]:
                    del item[name]
                    removed = True
            else:
                removed = _scrub_removers(item) or removed
    elif isinstance(value, list):
        for item in value:
            removed = _scrub_removers(item) or removed
    return removed


# -- scripted actions that are not events ------------------------------------------------------------


def _upload_recording(unit, step, at):
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


def _transcription_fails(unit, step, at):
    unit.bot["recording"].setdefault("transcription_failure_reasons", []).append(step["reason"])
    unit.dirty = True
