"""How the pieces fit: `build_sandbox(settings)` makes the one `Sandbox` every use case works with.

The only place that wires the layers together: it loads and checks the fixtures (contract and domain
rules), opens the store (infra) and seeds a new one, and gives the `Sandbox` (domain) its collaborators:
the clock, the id factory, the scripted actions of the bot and of the meeting (domain and use cases),
the other kinds of due work (calendar syncs, Zoom meeting-list syncs: use cases),
the POST throttle, the request journal, the fault registry, the webhook outbox (infra) and the
background threads. The web layer (`sandbox.web.app.create_app`), the CLI and the tests call it; none of
them attaches anything afterwards. No Flask here.
"""

import threading

from sandbox.config import load_settings
from sandbox.domain.clock import Clock
from sandbox.domain.faults import DelayedRequests, FaultRegistry
from sandbox.domain.ids import IdFactory
from sandbox.domain.journal import RequestJournal
from sandbox.domain.sandbox import BOT_ACTIONS, Sandbox
from sandbox.domain.throttle import ProjectPostThrottle
from sandbox.infra.fixtures import load_fixtures, load_scenario_book
from sandbox.infra.media import MEDIA_KEY_TABLE, load_media_key, media_key_document
from sandbox.infra.own_address import OwnAddress
from sandbox.infra.retention import PeriodicPrune, check_days, prune_sandbox
from sandbox.infra.store import MemoryStore, TinyDBStore
from sandbox.infra.webhooks.outbox import DeliveryOutbox
from sandbox.usecases.calendars import CALENDAR_SYNC
from sandbox.usecases.meeting import MEETING_ACTIONS
from sandbox.usecases.zoom_oauth import MEETING_LIST_SYNC

__all__ = ["build_sandbox", "open_store", "read_fixtures"]


def open_store(settings):
    """The store of these settings: in memory, or the data file (whose lock it holds until closed)."""
    if settings.in_memory:
        return MemoryStore()
    return TinyDBStore(settings.data_path, fsync=settings.fsync)


def read_fixtures(fixtures_dir):
    """(scenario book, fixtures) of a fixtures folder, read and checked: what `build_sandbox` seeds from."""
    scenario_book = load_scenario_book(fixtures_dir)
    return scenario_book, load_fixtures(fixtures_dir, scenario_book)


def build_sandbox(settings=None, loaded=None):
    """The sandbox of `settings` (a `Settings`, or the overrides `load_settings` takes), ready to serve.

    `loaded`: what `read_fixtures(settings.fixtures_dir)` returned, for a caller that builds many sandboxes
    from one folder (the test suite builds one per test); the sandbox keeps them, so each needs its own.
    Nothing is opened before the fixtures are known to be valid; when anything fails later, the data
    file is let go (a second process may then open it).
    """
    if settings is None or isinstance(settings, dict):
        settings = load_settings(settings)
    scenario_book, fixtures = loaded or read_fixtures(settings.fixtures_dir)
    store = open_store(settings)
    try:
        # The recording URLs' signing key lives in the data file and is part of what a reset restores.
        media_key = load_media_key(store, settings.seed)
        fixtures = {**fixtures, MEDIA_KEY_TABLE: [media_key_document(media_key)]}
        if store.is_new:
            store.replace_all(fixtures)
        elif store.get(MEDIA_KEY_TABLE, media_key_document(media_key)["id"]) is None:
            store.put(MEDIA_KEY_TABLE, media_key_document(media_key))
        clock = Clock()
        ids = IdFactory(settings.seed)
        own_address = OwnAddress(settings)
        sandbox = Sandbox(
            settings=settings,
            store=store,
            clock=clock,
            ids=ids,
            scenarios=scenario_book,
            fixtures=fixtures,
            actions={**BOT_ACTIONS, **MEETING_ACTIONS},
            throttle=ProjectPostThrottle(clock, settings.throttle_rate, settings.disable_rate_limiting),
            journal=RequestJournal(settings.journal_limit),
            faults=FaultRegistry(ids),
            delayed_requests=DelayedRequests(settings),
            own_address=own_address,
            media_key=media_key,
            # Work other than the bots' steps that falls due: calendar syncs, Zoom meeting-list syncs.
            due_work=(CALENDAR_SYNC, MEETING_LIST_SYNC),
        )
        sandbox.outbox = DeliveryOutbox(store=store, clock=clock, ids=ids, settings=settings, own_address=own_address)
        seeded = sandbox.stamp_seeded()  # fixture calendars are created as the store is first served
        sandbox.rebuild_due_index()
        if seeded:
            sandbox.settle_seeded()  # ... and first synced then
        sandbox.outbox.requeue_pending()  # deliveries a previous run left pending
        _start_retention(sandbox)
    except BaseException:
        store.close()  # let go of the data file: nothing will serve it
        raise
    if settings.background_steps and not settings.testing:
        thread = threading.Thread(target=sandbox.run_background, args=(sandbox.stop_event,), daemon=True)
        thread.name = "sandbox-scripted-steps"
        thread.start()
    return sandbox


def _start_retention(sandbox):
    """With `SANDBOX_RETENTION_DAYS`: prune once now, then keep pruning in the background."""
    days = sandbox.settings.retention_days
    if days is None:
        return
    check_days(days)
    prune_sandbox(sandbox)
    if sandbox.settings.background_steps and not sandbox.settings.testing:
        sandbox.retention = PeriodicPrune(sandbox).start()
