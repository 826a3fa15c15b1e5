"""Data hygiene for long-lived sandboxes: prune finished bots older than a retention period.

A bot is pruned when all of these hold:

* it is in a post-meeting state (`ended`, `fatal_error`, `data_deleted`) and has no scripted step pending;
* its last event is more than `days` days old by its project's clock (a bot without events: its creation);
* it is not one of the bundled fixture bots (they are the documented seed data; `reset` restores them).

Its meeting data goes with it: utterances, participants, participant events, chat messages and async
transcriptions (each scoped by the bot), and its webhook delivery records. Everything is deleted through
the store, a bot at a time under its lock, so each deletion is journaled like any other write.

`attach(sandbox)` (called by `create_app`) prunes once at start-up when the setting `retention_days`
(`SANDBOX_RETENTION_DAYS`) is set, and then every `PRUNE_INTERVAL_SECONDS` on one background thread
(not in testing mode, nor when background steps are off). `attendee-sandbox prune` runs `prune` on a
data file.
"""

import sys
import threading
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from sandbox.config import ConfigError
from sandbox.contract.datetimes import parse_stored_datetime
from sandbox.domain.lifecycle import POST_MEETING_STATES
from sandbox.domain.store import StoreReplaced

# Tables whose documents belong to one bot (scoped by `bot_id`) and go with it.
BOT_TABLES = (
    "utterances", "participants", "participant_events", "chat_messages", "audio_chunks", "async_transcriptions"
)
DELIVERIES = "deliveries"  # scoped by project; a delivery names its bot in `bot_id`
DELIVERIES_PER_TURN = 200  # delivery records deleted per turn of the store lock
PRUNE_INTERVAL_SECONDS = 3600.0


class RetentionError(ConfigError):
    """A retention period that is not a whole number of days >= 0."""


@dataclass
class PruneReport:
    days: int
    bots: list = field(default_factory=list)  # ids of the pruned bots
    documents: dict = field(default_factory=dict)  # table -> documents deleted with them

    @property
    def data_documents(self):
        return sum(self.documents.values())

    def summary(self):
        return (
            f"pruned {len(self.bots)} bot(s) whose meeting ended more than {self.days} day(s) ago, "
            f"with {self.data_documents} document(s) of their data"
        )


def check_days(days):
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise RetentionError(f"the retention period must be a whole number of days >= 0, not {days!r}")
    return days


def last_activity(bot):
    """When the bot last changed state: its latest event, or its creation when it has none."""
    times = [parse_stored_datetime(event["created_at"]) for event in bot.get("events") or [] if event.get("created_at")]
    if times:
        return max(times)
    return parse_stored_datetime(bot["created_at"])


def is_expired(bot, cutoff):
    return (
        bot.get("state") in POST_MEETING_STATES
        and not bot.get("pending_steps")
        and last_activity(bot) < cutoff
    )


def prune(store, clock, days, *, keep=(), project_lock=None):
    """Delete every expired bot of every project (see the module docstring); returns a PruneReport.

    Bulk work: each bot goes in its own turn of the store lock, so a running sandbox keeps answering.
    `project_lock(project_id)` (a running sandbox's) keeps each project's own requests out meanwhile. A
    reset in between ends the prune: it replaced everything there was to prune.
    """
    days = check_days(days)
    keep = set(keep)
    report = PruneReport(days)
    project_lock = project_lock or (lambda project_id: nullcontext())
    generation = store.generation
    try:
        for project in store.scan("projects", ""):
            with project_lock(project["id"]):
                _prune_project(store, clock, project, days, keep, report, generation)
    except StoreReplaced:
        pass
    return report


def _prune_project(store, clock, project, days, keep, report, generation):
    cutoff = clock.now(project.get("clock_offset_seconds", 0.0)) - timedelta(days=days)
    # The store's summaries know each bot's state without decoding it: only finished bots are read.
    finished = [
        bot_id
        for bot_id, (state, *_) in store.summaries("bots", project["id"]).items()
        if state in POST_MEETING_STATES and bot_id not in keep
    ]
    gone = []
    for bot_id in finished:
        with store.turn(generation):
            bot = store.get("bots", bot_id)
            if bot is None or not is_expired(bot, cutoff):
                continue
            for table in BOT_TABLES:
                for doc in store.scan(table, bot_id):
                    if store.delete(table, doc["id"]):
                        report.documents[table] = report.documents.get(table, 0) + 1
            store.delete("bots", bot_id)
        report.bots.append(bot_id)
        gone.append(bot_id)
    if not gone:
        return
    # The store indexes deliveries by bot: only the pruned bots' deliveries are looked at.
    deliveries = [key for bot_id in gone for key in store.find(DELIVERIES, project["id"], "bot_id", bot_id)]
    for start in range(0, len(deliveries), DELIVERIES_PER_TURN):
        with store.turn(generation):
            for key in deliveries[start : start + DELIVERIES_PER_TURN]:
                if store.delete(DELIVERIES, key):
                    report.documents[DELIVERIES] = report.documents.get(DELIVERIES, 0) + 1


def fixture_bot_ids(fixtures):
    return {bot["id"] for bot in (fixtures or {}).get("bots", [])}


def prune_sandbox(sb, days=None):
    """Prune a running sandbox by its setting (or `days`); the fixture bots are kept."""
    days = sb.settings.retention_days if days is None else days
    keep = fixture_bot_ids(sb.fixtures)
    report = prune(sb.store, sb.clock, days, keep=keep, project_lock=sb.project_lock)
    sb.last_prune = report
    return report


class PeriodicPrune:
    """The background thread: prune every `interval` seconds until stopped (or the sandbox stops)."""

    def __init__(self, sb, interval=PRUNE_INTERVAL_SECONDS):
        self.sb = sb
        self.interval = interval
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sandbox-retention", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self, timeout=1.0):
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self):
        while not self.wake.wait(self.interval):
            if self.sb.stop_event.is_set():
                return
            try:
                prune_sandbox(self.sb)
            except Exception:  # noqa: BLE001 - e.g. the store closed under it at shutdown: stop quietly
                traceback.print_exc(file=sys.stderr)
                return


