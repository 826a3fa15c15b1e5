"""The storage interface the domain works against: documents by table and id, grouped by scope, under
one lock that bulk work hands over between items.

The implementations are in `sandbox.infra.store` (in memory, and the TinyDB data file with its journal);
docs/design/storage.md says why they are built the way they are."""

import threading
import time
from contextlib import contextmanager

# How long bulk work waits for the threads that were waiting for the lock to take their turn before it
# goes on anyway (a waiter gets the lock within microseconds; this only bounds a pathological case).
HANDOVER_WAIT_SECONDS = 0.1


class StoreReplaced(Exception):
    """`replace_all` (a reset) ran while bulk work had let go of the lock: what it read is stale."""


class HandoverLock:
    """The store's lock: re-entrant like `threading.RLock`, and able to hand itself over to waiting threads.

    `RLock` is not fair: a thread that releases it and takes it again at once almost always gets it back
    before a waiting thread has even woken up, so bulk work that only released the lock between items would
    still starve everyone else. Threads that find the lock taken are counted while they wait, and
    `let_waiters_in()` - called by bulk work between two items, without the lock - returns once each
    thread that was waiting has taken it (bounded by HANDOVER_WAIT_SECONDS). Taking a free lock costs one
    non-blocking acquire, as before.
    """

    def __init__(self):
        self._lock = threading.RLock()
        self._turns = threading.Condition(threading.Lock())
        self._waiting = 0  # threads blocked in acquire()
        self._served = 0  # acquisitions by threads that had to wait

    def acquire(self, blocking=True, timeout=-1):
        if self._lock.acquire(False):
            return True
        if not blocking:
            return False
        with self._turns:
            self._waiting += 1
        acquired = False
        try:
            acquired = self._lock.acquire(True, timeout)
            return acquired
        finally:
            with self._turns:
                self._waiting -= 1
                if acquired:
                    self._served += 1
                    self._turns.notify_all()

    def release(self):
        self._lock.release()

    __enter__ = acquire

    def __exit__(self, *exc_info):
        self._lock.release()

    def held(self):
        """True when the calling thread holds the lock."""
        return self._lock._is_owned()

    def let_waiters_in(self, timeout=HANDOVER_WAIT_SECONDS):
        """Return once every thread waiting for the lock now has had its turn (a no-op if none waits).

        A thread that holds the lock cannot hand it over (its caller relies on holding it): no-op too.
        """
        if self.held():
            return
        if not self._waiting:
            time.sleep(0)  # no thread waits for the lock, but one may wait for the interpreter: yield it
            return
        with self._turns:
            target = self._served + self._waiting
            self._turns.wait_for(lambda: self._served >= target, timeout)


class Store:
    """The interface every storage implements. Documents are JSON objects with an `id`."""

    lock: HandoverLock
    generation = 0  # how many times replace_all swapped everything (bulk work checks it in `turn`)

    @contextmanager
    def turn(self, generation):
        """One item of bulk work under the lock, taken after the threads waiting for it have had theirs.

        Bulk work (thousands of bots) takes the lock once per item rather than once for all, so that other
        projects' requests get in between items. `generation` is `self.generation` as the work began:
        StoreReplaced when a reset replaced everything meanwhile.
        """
        self.lock.let_waiters_in()
        with self.lock:
            if self.generation != generation:
                raise StoreReplaced()
            yield

    def get(self, table, key):
        """The document, as a fresh dict the caller may change, or None."""
        raise NotImplementedError

    def get_with_raw(self, table, key):
        """`(document, its stored JSON)`, the document a fresh dict (as `get` gives it), or `(None, None)`."""
        raise NotImplementedError

    def get_raw_with_facts(self, table, key):
        """`(its stored JSON, its scope, its facts)` read at once (no decoding), or None: what a read that
        turns out to change nothing needs to know of a document."""
        raise NotImplementedError

    def put(self, table, doc):
        """Store the document; returns its stored JSON (the string `get_with_raw` gives until the next write)."""
        raise NotImplementedError

    def delete(self, table, key):
        raise NotImplementedError

    def scan(self, table, scope):
        """Every document of one scope (a project's bots, a bot's utterances, ...), in insertion order."""
        raise NotImplementedError

    def count(self, table, scope):
        raise NotImplementedError

    def summaries(self, table, scope):
        """`{id: facts}` for every document of one scope, in insertion order: the facts the store keeps
        decoded for the table's documents (a bot's `BotFacts`: state, deduplication key, calendar event,
        creation time, next due step; a delivery's bot, trigger and status)."""
        raise NotImplementedError

    def summary(self, table, key):
        """One document's facts (as `summaries` gives them), or None."""
        raise NotImplementedError

    def count_by(self, table, scope):
        """`{value: documents}` of the scope by the table's counted fact (bots: by state), kept as writes
        happen: no document is read."""
        raise NotImplementedError

    def find(self, table, scope, fact, value):
        """The ids of the scope's documents whose `fact` is `value` (bots by deduplication key or calendar
        event, deliveries by bot), in insertion order, from an index kept as writes happen."""
        raise NotImplementedError

    def sequence(self, table, key):
        """The document's place in its scope's insertion order (a number; larger is later), or None."""
        raise NotImplementedError

    def ordered(self, table, scope):
        """`[(time, sequence, id)]` of the scope sorted by the table's ordering time (bots: `created_at`,
        ties in insertion order): the order of the bots' list, kept as writes happen."""
        raise NotImplementedError

    def replace_all(self, tables):
        """Atomically replace everything with `{table: [docs]}` (fixtures, reset)."""
        raise NotImplementedError

    def checkpoint(self):
        """Make the data file hold everything (a no-op where there is no file)."""

    def set_holder_url(self, url):
        """Record the address the process holding the data file serves on (a no-op where there is no file)."""

    def close(self):
        """Flush everything and release the files."""


class StoredDoc(dict):
    """A document read from the store with `raw`, the stored JSON string it equals. The store replaces that
    string on every write, so the same string object means the same document: what is derived from it
    alone (a bot's dump, see `web.responses.DumpCache`) can be kept until the string changes."""

    __slots__ = ("raw",)

    def __init__(self, doc, raw):
        super().__init__(doc)
        self.raw = raw
