"""The use cases: the one place that combines the domain (state machine, scripts, clock) with the store
and the webhooks, so that routes stay thin and the control API reuses the same paths.

Every use case runs under the store's lock: load the bot, apply its due scripted steps (each stamped
with its due time), do its work through `lifecycle.apply_event`, save, and only then hand what happened
to the outbox (webhooks), as the real server enqueues deliveries once its transaction commits.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

from sandbox import lifecycle, scenarios
from sandbox.errors import AttendeeError, BotNotFound
from sandbox.jsonb import jsonb_order
from sandbox.meeting_urls import STORED_MAX_LENGTH, meeting_platform
from sandbox.schemas.create_bot import (
    check_bot_insert,
    check_bot_webhooks,
    check_patch_bot_storage,
    create_db_error,
    parse_create_bot,
    parse_patch_bot,
)
from sandbox.timefmt import format_webhook_datetime, parse_stored_datetime, to_stored

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
    `body`, `headers` and `delay_ms`; the control plane (sandbox/control.py) provides the real one.
    """

    def match(self, project_id, method, path):
        return None


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
        self.store.close()

    def now(self, project):
        return self.clock.now(project.get("clock_offset_seconds", 0.0))

    # -- units of work -------------------------------------------------------------------------------
    @contextmanager
    def bot_unit(self, project, bot_id):
        """Load a bot of `project` (or Bot 404), bring its script up to date, yield, then save and emit.

        A use case that refuses (an AttendeeError) has changed nothing itself, but the scripted steps that
        fell due before it happened anyway, so they are saved; any other exception discards the unit.
        """
        with self.store.lock:
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
        """Apply every step that is due now, for bots nobody has read; returns seconds until the next one."""
        wall_now = self.clock.wall_now()
        due_now = [(bot_id, pid) for bot_id, (due, pid) in list(self._due.items()) if due <= wall_now]
        for bot_id, project_id in due_now:
            project = self.store.get("projects", project_id)
            if project is None:
                self._due.pop(bot_id, None)
                continue
            try:
                with self.bot_unit(project, bot_id):
                    pass
            except BotNotFound:
                self._due.pop(bot_id, None)
        upcoming = [due for due, _ in self._due.values()]
        if not upcoming:
            return None
        return max(0.0, (min(upcoming) - self.clock.wall_now()).total_seconds())

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
