"""Storage behind one small interface: documents by table and id, grouped by scope, under one lock.

`TinyDBStore` keeps the storage facts of docs/design/storage.md#tinydb-cost:

* TinyDB rewrites its whole JSON file on every operation (180 ms at 10,000 bots), so requests never touch
  TinyDB. The working set lives in memory as one JSON string per document (cheap to copy, impossible to
  alias), indexed by table, scope (the project or bot a document belongs to) and id: every operation
  costs the same at 100 bots and at 10,000.
* Every acknowledged write is appended to a journal file (`<data>.journal`, one JSON line per write) before
  the call returns. A process killed at any moment loses nothing it acknowledged. A kill in the middle of a
  write leaves a torn last line (no newline): at load it is cut off and kept aside in `<journal>.torn`, so
  the next write starts on a line of its own.
* The data file itself is a TinyDB database (one TinyDB table per store table), rewritten only at a
  checkpoint (when the journal grows, at shutdown, at reset) into a temporary file that then replaces it,
  so it is never half-written. At start-up the data file is loaded and the journal replayed over it.
* Each checkpoint also writes a facts index (`<data>.facts`): every document's id, scope, place in the data
  file and facts (`BotFacts`, `DeliveryFacts`), valid for the data file of that size and CRC-32 only. A
  start-up then cuts each document's JSON out of the file and takes its facts from the index: it decodes
  none of them (at 10,000 bots that decoding was most of a start-up). An index that does not match its
  data file (a kill between the two writes, a file replaced or edited since, none at all: an older
  version's file) is ignored, and every document is decoded as before.
* A data file that exists must be a sandbox data file (a TinyDB JSON object whose `projects` table holds a
  project: the fixtures always have one, and projects are never deleted). Anything else stops the store
  with a one-line error and is left untouched; only a path with no data file and no journal is new.
* One process per data file: the store holds an exclusive OS file lock (`<data>.lock`, the `filelock`
  package: flock on Linux and macOS, LockFileEx on Windows) from open to close, and names its process in
  a small sidecar (`<data>.holder`) that the lock protects, so that a refusal can say who holds the file.
  The OS lock is the truth: a sidecar left by a killed process is simply overwritten.
* Every file the store writes (data file, its temporary file, facts index, journals, `.torn`, lock,
  sidecar) holds API keys and webhook secrets, so each is created readable by its owner only (0600).
* One process with threads; one re-entrant lock (`store.lock`) that callers hold around each
  read-modify-write. Bulk work (a clock advance over thousands of bots, a list, a prune) takes it once per
  item with `store.turn()`, which first lets the threads waiting for it in (see `HandoverLock`).
"""

import bisect
import itertools
import json
import os
import re
import sys
import threading
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from filelock import FileLock
from filelock import Timeout as FileLockTimeout
from tinydb.storages import JSONStorage

from sandbox.contract.datetimes import parse_stored_datetime
from sandbox.domain.store import HandoverLock, Store

# The field that says which scope a document of each table belongs to (lists are per scope).
SCOPE_FIELDS = {
    "projects": None,
    "bots": "project_id",
    "utterances": "bot_id",
    "participants": "bot_id",
    "participant_events": "bot_id",
    "chat_messages": "bot_id",
    "async_transcriptions": "bot_id",
    "audio_chunks": "bot_id",
    "deliveries": "project_id",
    "webhook_subscriptions": "project_id",
    # Calendars and Zoom OAuth (docs/contract/calendars.md#non-bot-resources): everything by project, so that a list or
    # a reset of one
    # project never reads another's.
    "calendars": "project_id",
    "calendar_events": "project_id",
    "remote_calendars": "project_id",
    "zoom_oauth_apps": "project_id",
    "zoom_oauth_codes": "project_id",
    "zoom_oauth_connections": "project_id",
}
DEFAULT_SCOPE_FIELD = "project_id"


class BotFacts(NamedTuple):
    """What the store keeps decoded of every bot (`summaries`), so that no question over a project's bots
    decodes one: how many are in a meeting, whether a deduplication key is taken, which bots a calendar
    event lists, the list's order, and when each bot's next scripted step is due."""

    state: str | None
    deduplication_key: str | None
    calendar_event_id: str | None
    created_at: str | None
    next_due: str | None  # the `due` of its first pending step (stored text); None when nothing is pending


class DeliveryFacts(NamedTuple):
    """What the store keeps decoded of every webhook delivery: what the delivery log filters and pages on
    (its bot, trigger, status, creation time, and the calendar or Zoom OAuth connection it is about)."""

    bot_id: str | None
    trigger: str | None
    status: str | None
    created_at: str | None
    calendar_id: str | None
    zoom_oauth_connection_id: str | None


def _bot_facts(doc):
    steps = doc.get("pending_steps")
    next_due = steps[0].get("due") if steps and isinstance(steps[0], dict) else None
    return BotFacts(
        doc.get("state"), doc.get("deduplication_key"), doc.get("calendar_event_id"), doc.get("created_at"), next_due
    )


def _delivery_facts(doc):
    return DeliveryFacts(*(doc.get(field) for field in DeliveryFacts._fields))


# The facts kept decoded for every document of a table (see `BotFacts`), by table.
SUMMARIES = {"bots": (BotFacts, _bot_facts), "deliveries": (DeliveryFacts, _delivery_facts)}
# Kept incrementally per scope, as every put and delete happens (and while a data file is loaded), so that
# each answer costs the same at 100 bots as at 10,000:
# * COUNTED: how many documents of the scope have each value of this fact (`count_by`: bots per state);
COUNTED = {"bots": "state"}
# * FOUND: the documents of the scope with a given value of these facts (`find`: the bots holding a
#   deduplication key, the bots an event lists, the deliveries of a bot);
FOUND = {"bots": ("deduplication_key", "calendar_event_id"), "deliveries": ("bot_id",)}
# * ORDERED: the scope's documents sorted by this datetime fact, ties in insertion order (`ordered`: the
#   bots as their list shows them, oldest first).
ORDERED = {"bots": "created_at"}
NO_TIME = datetime.min.replace(tzinfo=timezone.utc)  # where a document without the ordering time sorts
# A lone surrogate (JSON allows "\ud800") cannot be encoded as UTF-8; it only ever occurs inside a JSON
# string here, where its backslash escape is the same JSON value, so the files stay valid UTF-8 JSON.
ON_DISK_ERRORS = "backslashreplace"
# Every file the store creates is its owner's only: they hold API keys, webhook secrets, the media key.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700  # the data file's folder, when the store creates it
# The facts index (`<data>.facts`, see `TinyDBStore._write_facts_index`): its layout's version, and the facts
# it holds by table (an index written with other facts is ignored).
FACTS_VERSION = 1
OPEN_BRACE, CLOSE_BRACE = ord("{"), ord("}")  # a document's first and last byte in the data file
FACTS_FIELDS = {table: list(kind._fields) for table, (kind, _) in SUMMARIES.items()}
# The table every sandbox data file has documents in (see the module docstring).
REQUIRED_TABLE = "projects"
NOT_A_DATA_FILE = (
    "{path}: not a sandbox data file ({reason}); it was left untouched: "
    "give another --data file, or replace it with the fixtures (attendee-sandbox reset)"
)
JOURNAL_WITHOUT_DATA_FILE = (
    "{journal}: holds writes, but its data file {path} does not exist; it was left untouched: "
    "restore the data file, or move the journal away to start afresh"
)
TORN_TAIL_WARNING = (
    "attendee-sandbox: warning: {journal}: cut off its torn last line ({size} bytes of a write a kill "
    "interrupted, never acknowledged); kept in {torn}"
)


class StoreError(Exception):
    """The data file or its journal cannot be read, or is not the sandbox's."""


class DataFileInUse(StoreError):
    """Another process (or another store in this one) holds the data file's lock."""

    def __init__(self, path, holder):
        self.path = path
        self.holder = holder  # the sidecar's JSON object, or None when it cannot be read
        super().__init__(f"{path} is in use by a running sandbox ({describe_holder(holder)})")


def describe_holder(holder):
    """`pid 1234, serving http://127.0.0.1:8000` from a holder sidecar (or `pid unknown`)."""
    if not isinstance(holder, dict) or not isinstance(holder.get("pid"), int):
        return "pid unknown"
    url = holder.get("url")
    return f"pid {holder['pid']}, serving {url}" if isinstance(url, str) and url else f"pid {holder['pid']}"


def read_holder(path):
    """The holder sidecar's JSON object, or None (absent, being written, or not ours)."""
    try:
        holder = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def create_private(path, flags=os.O_WRONLY | os.O_CREAT | os.O_APPEND):
    """Open (creating it 0600 when it does not exist) a file the store writes; returns the descriptor."""
    return os.open(path, flags, FILE_MODE)


def write_private(path, data):
    """Write `data` (bytes) to `path` whole, through a 0600 temporary file that replaces it."""
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = create_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _scope_of(table, doc):
    field = SCOPE_FIELDS.get(table, DEFAULT_SCOPE_FIELD)
    return "" if field is None else str(doc.get(field) or "")


def _order_time(text):
    try:
        return parse_stored_datetime(text) if text else NO_TIME
    except (TypeError, ValueError):
        return NO_TIME


class MemoryTables:
    """The in-memory working set: `table -> id -> json`, plus `table -> scope -> ordered ids`, each document's
    facts (`SUMMARIES`) and the per-scope indexes built from them (`COUNTED`, `FOUND`, `ORDERED`)."""

    def __init__(self):
        self.docs = {}
        self.scopes = {}
        self.scope_of = {}
        self.summary = {}
        self.sequence = {}  # table -> id -> insertion number (the scope's order; kept when a document changes)
        self.counts = {}  # table -> scope -> {value of the COUNTED fact: documents}
        self.found = {}  # (table, fact) -> scope -> {value: {id: None}}
        self.order = {}  # table -> scope -> [(time, insertion number, id)], ascending
        self._numbers = itertools.count()

    def get(self, table, key):
        raw = self.docs.get(table, {}).get(key)
        return None if raw is None else json.loads(raw)

    def put(self, table, doc, raw):
        summary = SUMMARIES.get(table)
        self.put_raw(table, doc["id"], _scope_of(table, doc), raw, summary[1](doc) if summary else None)

    def put_raw(self, table, key, scope, raw, facts=None):
        """Store one document's JSON under its id and scope, with its facts when its table keeps any."""
        docs = self.docs.setdefault(table, {})
        scope_of = self.scope_of.setdefault(table, {})
        old_scope = scope_of.get(key)
        if old_scope is not None:
            self._unindex(table, key, old_scope)
            if old_scope != scope:
                self.scopes[table][old_scope].pop(key, None)
        sequence = self.sequence.setdefault(table, {})
        if key not in sequence or old_scope != scope:
            sequence[key] = next(self._numbers)
        docs[key] = raw
        scope_of[key] = scope
        self.scopes.setdefault(table, {}).setdefault(scope, {})[key] = None
        if facts is not None:
            self.summary.setdefault(table, {})[key] = facts
            self._index(table, key, scope, facts)

    def load_table(self, table, rows):
        """A table's documents `(id, scope, JSON, facts as a list)` at once, into a table still empty (a load
        through the facts index): what `put_raw` builds one document at a time, built in bulk. False when
        the rows cannot be the table's (an id twice, missing facts): the caller then decodes the file."""
        if self.docs.get(table):
            return False
        docs = {key: raw for key, _, raw, _ in rows}
        if len(docs) != len(rows):
            return False
        self.docs[table] = docs
        scope_of = self.scope_of[table] = {key: scope for key, scope, _, _ in rows}
        numbers = self._numbers
        sequence = self.sequence[table] = {key: next(numbers) for key in docs}
        scopes = self.scopes.setdefault(table, {})
        for key, scope in scope_of.items():
            members = scopes.get(scope)
            if members is None:
                members = scopes[scope] = {}
            members[key] = None
        summary = SUMMARIES.get(table)
        if summary is None:
            return True
        kind, size, new = summary[0], len(summary[0]._fields), tuple.__new__
        if any(len(facts) != size for _, _, _, facts in rows):
            return False
        facts_of = self.summary[table] = {key: new(kind, facts) for key, _, _, facts in rows}
        counted, ordered = COUNTED.get(table), ORDERED.get(table)
        counts = self.counts.setdefault(table, {}) if counted is not None else None
        order = self.order.setdefault(table, {}) if ordered is not None else {}
        found = FOUND.get(table, ())
        for key, facts in facts_of.items():
            scope = scope_of[key]
            if counted is not None:
                per_scope = counts.get(scope)
                if per_scope is None:
                    per_scope = counts[scope] = {}
                value = getattr(facts, counted)
                per_scope[value] = per_scope.get(value, 0) + 1
            for name in found:
                value = getattr(facts, name)
                if value is not None:
                    holders = self.found.setdefault((table, name), {})
                    holders.setdefault(scope, {}).setdefault(value, {})[key] = None
            if ordered is not None:
                order.setdefault(scope, []).append((_order_time(getattr(facts, ordered)), sequence[key], key))
        for entries in order.values():
            entries.sort()
        return True

    def _index(self, table, key, scope, facts):
        counted = COUNTED.get(table)
        if counted is not None:
            counts = self.counts.setdefault(table, {}).setdefault(scope, {})
            value = getattr(facts, counted)
            counts[value] = counts.get(value, 0) + 1
        for name in FOUND.get(table, ()):
            value = getattr(facts, name)
            if value is not None:
                self.found.setdefault((table, name), {}).setdefault(scope, {}).setdefault(value, {})[key] = None
        ordered = ORDERED.get(table)
        if ordered is not None:
            entries = self.order.setdefault(table, {}).setdefault(scope, [])
            entry = (_order_time(getattr(facts, ordered)), self.sequence[table][key], key)
            if not entries or entries[-1] < entry:
                entries.append(entry)  # the usual case: the newest document is created last
            else:
                bisect.insort(entries, entry)

    def _unindex(self, table, key, scope):
        facts = self.summary.get(table, {}).pop(key, None)
        if facts is None:
            return
        counted = COUNTED.get(table)
        if counted is not None:
            counts = self.counts[table][scope]
            value = getattr(facts, counted)
            counts[value] -= 1
            if not counts[value]:
                del counts[value]
        for name in FOUND.get(table, ()):
            value = getattr(facts, name)
            if value is not None:
                holders = self.found[(table, name)][scope]
                holders[value].pop(key, None)
                if not holders[value]:
                    del holders[value]
        ordered = ORDERED.get(table)
        if ordered is not None:
            entries = self.order[table][scope]
            entry = (_order_time(getattr(facts, ordered)), self.sequence[table][key], key)
            index = bisect.bisect_left(entries, entry)
            if index < len(entries) and entries[index] == entry:
                del entries[index]

    def delete(self, table, key):
        if key not in self.docs.get(table, {}):
            return False
        scope = self.scope_of[table].pop(key)
        self._unindex(table, key, scope)
        del self.docs[table][key]
        del self.sequence[table][key]
        self.scopes[table][scope].pop(key, None)
        return True

    def scan(self, table, scope):
        return [json.loads(raw) for raw in self.scan_raw(table, scope)]

    def scan_raw(self, table, scope):
        docs = self.docs.get(table, {})
        return [docs[key] for key in self.scopes.get(table, {}).get(scope, {})]

    def count(self, table, scope):
        return len(self.scopes.get(table, {}).get(scope, {}))

    def summaries(self, table, scope):
        summary = self.summary.get(table, {})
        return {key: summary[key] for key in self.scopes.get(table, {}).get(scope, {})}

    def snapshot(self):
        """Under the lock, cheaply: per table, its documents `(id, JSON)` in order, their scopes and facts."""
        return {
            table: (list(docs.items()), dict(self.scope_of.get(table, {})), dict(self.summary.get(table, {})))
            for table, docs in self.docs.items()
        }


class MemoryStore(Store):
    """A store with no file: for tests and throw-away sandboxes."""

    def __init__(self):
        self.lock = HandoverLock()
        self.tables = MemoryTables()
        self.generation = 0
        self.is_new = True  # nothing to load: the caller seeds it

    def get(self, table, key):
        with self.lock:
            return self.tables.get(table, key)

    def get_with_raw(self, table, key):
        with self.lock:
            raw = self.tables.docs.get(table, {}).get(key)
        return (None, None) if raw is None else (json.loads(raw), raw)

    def get_raw_with_facts(self, table, key):
        with self.lock:
            tables = self.tables
            raw = tables.docs.get(table, {}).get(key)
            if raw is None:
                return None
            return raw, tables.scope_of[table][key], tables.summary.get(table, {}).get(key)

    def put(self, table, doc):
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        with self.lock:
            self.tables.put(table, doc, raw)
        return raw

    def delete(self, table, key):
        with self.lock:
            return self.tables.delete(table, key)

    def scan(self, table, scope):
        with self.lock:
            raws = self.tables.scan_raw(table, scope)
        # Decoded without the lock: at 2,000 bots that is most of the work, and the strings never change.
        return [json.loads(raw) for raw in raws]

    def count(self, table, scope):
        with self.lock:
            return self.tables.count(table, scope)

    def summaries(self, table, scope):
        with self.lock:
            return self.tables.summaries(table, scope)

    def summary(self, table, key):
        with self.lock:
            return self.tables.summary.get(table, {}).get(key)

    def count_by(self, table, scope):
        with self.lock:
            return dict(self.tables.counts.get(table, {}).get(scope, {}))

    def find(self, table, scope, fact, value):
        with self.lock:
            holders = self.tables.found.get((table, fact), {}).get(scope, {}).get(value, ())
            return sorted(holders, key=self.tables.sequence[table].__getitem__) if len(holders) > 1 else list(holders)

    def sequence(self, table, key):
        with self.lock:
            return self.tables.sequence.get(table, {}).get(key)

    def ordered(self, table, scope):
        with self.lock:
            return list(self.tables.order.get(table, {}).get(scope, ()))

    def replace_all(self, tables):
        fresh = MemoryTables()
        for table, docs in tables.items():
            for doc in docs:
                raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                fresh.put(table, doc, raw)
        with self.lock:
            self.tables = fresh
            self.generation += 1


class TinyDBStore(MemoryStore):
    """The durable default: TinyDB data file + write journal, as the module docstring explains.

    `load=False` opens the data file only to replace everything (`attendee-sandbox reset`): what it holds is
    not read, so a file that is not a sandbox data file can be replaced on explicit request.
    """

    def __init__(self, path, *, checkpoint_every=5000, fsync=False, load=True):
        super().__init__()
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.rotated_path = self.path.with_name(self.path.name + ".journal.1")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.holder_path = self.path.with_name(self.path.name + ".holder")
        self.facts_path = self.path.with_name(self.path.name + ".facts")
        self.checkpoint_every = checkpoint_every
        self.fsync = fsync
        self.journal_lines = 0
        self.is_new = True
        self._journal = None
        self._checkpoint_lock = threading.Lock()
        self._checkpoint_pending = False
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
        self._file_lock = self._lock_data_file()
        try:
            if load:
                self._load()
            self._journal = create_private(self.journal_path)
        except BaseException:
            self._unlock_data_file()
            raise

    # -- one process per data file -------------------------------------------------------------------
    def _lock_data_file(self):
        """Take the data file's OS lock (or DataFileInUse, naming the holder), then name this process."""
        file_lock = FileLock(self.lock_path, mode=FILE_MODE, thread_local=False, blocking=False)
        try:
            file_lock.acquire()
        except FileLockTimeout:
            raise DataFileInUse(self.path, read_holder(self.holder_path)) from None
        self._write_holder({"pid": os.getpid(), "url": None})
        return file_lock

    def _write_holder(self, holder):
        """Best effort: the sidecar only names the holder (a refusal says `pid unknown` without it)."""
        try:
            write_private(self.holder_path, json.dumps(holder).encode("utf-8"))
        except OSError as exc:
            print(f"attendee-sandbox: warning: {self.holder_path}: not written ({exc.strerror})", file=sys.stderr)

    def set_holder_url(self, url):
        """Name the address this process serves on in the holder sidecar (serve knows it once bound)."""
        if self._file_lock is not None:
            self._write_holder({"pid": os.getpid(), "url": url})

    def _unlock_data_file(self):
        if self._file_lock is None:
            return
        try:
            self.holder_path.unlink(missing_ok=True)  # before the lock goes: the next holder writes its own
        except OSError:
            pass  # a stale sidecar is harmless: the next holder overwrites it
        finally:
            self._file_lock.release()
            self._file_lock = None

    # -- loading -------------------------------------------------------------------------------------
    def _load(self):
        journals = [journal for journal in (self.rotated_path, self.journal_path) if journal.exists()]
        if not self.path.exists():
            # New, unless a journal holds writes: then the data file went missing (the store writes the data
            # file before it ever journals, so this never happens by itself).
            for journal in journals:
                if journal.stat().st_size:
                    raise StoreError(JOURNAL_WITHOUT_DATA_FILE.format(journal=journal, path=self.path))
            return
        self.is_new = False
        if not self._load_indexed() and not self._load_streaming():
            self.tables = MemoryTables()
            for name, docs in self._read_data_file().items():
                try:
                    for doc in docs.values():
                        self._put_loaded(name, dict(doc))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise StoreError(NOT_A_DATA_FILE.format(path=self.path, reason=f"table {name}: {exc!r}")) from exc
        if self.path.stat().st_mode & 0o077:
            os.chmod(self.path, FILE_MODE)  # a data file written before files were created 0600
        for journal in journals:
            self.journal_lines += self._replay(journal)

    def _load_indexed(self):
        """Load a data file through the facts index its last checkpoint wrote (`_write_facts_index`): each
        document's JSON is cut out of the file and its facts read from the index, so no document is decoded
        (at 10,000 bots that decoding was most of a start-up). False (nothing kept) when there is no index,
        or it is not of this very file (size and CRC-32), of this version, or of these facts."""
        try:
            index = json.loads(self.facts_path.read_bytes())
            data = self.path.read_bytes()
        except (OSError, ValueError):
            return False
        if not isinstance(index, dict) or index.get("version") != FACTS_VERSION or index.get("fields") != FACTS_FIELDS:
            return False
        if index.get("size") != len(data) or index.get("crc32") != zlib.crc32(data):
            return False
        tables = MemoryTables()
        # The places count bytes: an all-ASCII file is decoded once and cut as text, any other per document.
        text = data.decode("ascii") if data.isascii() else None
        size = len(data)
        try:
            for table, entries in index["tables"].items():
                rows = []
                for key, scope, start, end, facts in entries:
                    if not 0 <= start < end <= size or data[start] != OPEN_BRACE or data[end - 1] != CLOSE_BRACE:
                        return False
                    raw = text[start:end] if text is not None else data[start:end].decode("utf-8")
                    rows.append((key, scope, raw, facts))
                if not tables.load_table(table, rows):
                    return False
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return False
        if not tables.docs.get(REQUIRED_TABLE):
            return False
        self.tables = tables
        return True

    def _load_streaming(self):
        """Load a data file as the store writes it, one document at a time: each document's JSON is kept as
        the file holds it (no re-encoding) and no tree of the whole file is ever built, so start-up neither
        decodes everything twice nor keeps the memory a whole-file parse took. False (nothing kept) for
        anything else, which the whole-file path then reads and judges."""
        try:
            with open(self.path, encoding="utf-8") as file:
                text = file.read()
        except (OSError, ValueError):
            return False
        try:
            tables = _stream_documents(text)
            loaded = {}
            for table, doc, raw in tables:
                if not isinstance(doc, dict):
                    return False
                self.tables.put(table, doc, raw)
                loaded[table] = loaded.get(table, 0) + 1
        except (_NotStreamable, ValueError, KeyError, TypeError, AttributeError):
            return False
        return bool(loaded.get(REQUIRED_TABLE))

    def _read_data_file(self):
        """The data file's tables (`{table: {doc_id: doc}}`), or StoreError saying why it is not ours."""
        # TinyDB's storage reads the whole database in one parse; its table API would parse the file again
        # for every table (seven parses of a 20 MB file at 10,000 bots).
        try:
            if not self.path.stat().st_size:
                raise StoreError(NOT_A_DATA_FILE.format(path=self.path, reason="it is empty"))
            storage = JSONStorage(self.path, access_mode="r", encoding="utf-8")
            try:
                data = storage.read()
            finally:
                storage.close()
        except ValueError as exc:
            raise StoreError(NOT_A_DATA_FILE.format(path=self.path, reason=f"not JSON: {exc}")) from exc
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot be read ({exc.strerror})") from exc
        reason = _not_a_data_file(data)
        if reason:
            raise StoreError(NOT_A_DATA_FILE.format(path=self.path, reason=reason))
        return data

    def _put_loaded(self, table, doc):
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        self.tables.put(table, doc, raw)

    def _replay(self, journal):
        # Every entry ends with a newline; what follows the last one is a line cut short by a kill.
        data = journal.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            self._cut_torn_tail(journal, data[end:], end)
        complete = data[:end].split(b"\n")[:-1]
        for number, line in enumerate(complete, 1):
            try:
                entry = json.loads(line)
                if entry["op"] == "put":
                    self._put_loaded(entry["table"], entry["doc"])
                elif entry["op"] == "delete":
                    self.tables.delete(entry["table"], entry["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise StoreError(f"{journal}: line {number} is not a journal entry ({exc})") from exc
        return len(complete)

    def _cut_torn_tail(self, journal, tail, end):
        """Keep a torn last line aside in `<journal>.torn` (durably), then cut it off the journal, so that the
        next entry is not glued onto it (which would make that acknowledged write unreadable)."""
        torn = journal.with_name(journal.name + ".torn")
        fd = create_private(torn)
        try:
            os.write(fd, tail + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.truncate(journal, end)
        print(TORN_TAIL_WARNING.format(journal=journal, size=len(tail), torn=torn), file=sys.stderr, flush=True)

    # -- writing -------------------------------------------------------------------------------------
    def _append(self, entry):
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8", ON_DISK_ERRORS) + b"\n"
        os.write(self._journal, line)
        if self.fsync:
            os.fsync(self._journal)
        self.journal_lines += 1
        if self.journal_lines >= self.checkpoint_every and not self._checkpoint_pending:
            self._checkpoint_pending = True
            threading.Thread(target=self.checkpoint, name="store-checkpoint", daemon=True).start()

    def put(self, table, doc):
        with self.lock:
            raw = super().put(table, doc)
            self._append({"op": "put", "table": table, "doc": doc})
        return raw

    def delete(self, table, key):
        with self.lock:
            deleted = super().delete(table, key)
            if deleted:
                self._append({"op": "delete", "table": table, "id": key})
            return deleted

    def replace_all(self, tables):
        with self.lock:
            super().replace_all(tables)
            # Written under the lock: a kill before the new data file is in place must leave the old data
            # file and its whole journal, not the old data file with the new journal's writes.
            with self._checkpoint_lock:
                self._write_snapshot(self._rotate())

    def checkpoint(self):
        # Lock order: the store lock, then the checkpoint lock (as in replace_all). Waiting for a checkpoint
        # being written happens without the store lock, so requests go on meanwhile.
        while True:
            with self.lock:
                if self._journal is None:
                    return  # closed meanwhile: close() has written everything
                if self._checkpoint_lock.acquire(blocking=False):
                    snapshot = self._rotate()
                    break
            with self._checkpoint_lock:
                pass  # another checkpoint is writing: wait for it, then take the documents as they are now
        try:
            self._write_snapshot(snapshot)
        finally:
            self._checkpoint_lock.release()

    def _rotate(self):
        """Under the lock: take the documents and start a new journal; the old one goes once written."""
        snapshot = self.tables.snapshot()
        self._checkpoint_pending = False
        os.close(self._journal)
        try:
            if self.journal_path.exists():
                if self.rotated_path.exists():
                    # An earlier checkpoint did not finish: keep both journals' entries in the rotated one.
                    with open(self.rotated_path, "ab") as rotated:
                        rotated.write(self.journal_path.read_bytes())
                    self.journal_path.unlink()
                else:
                    os.replace(self.journal_path, self.rotated_path)
        finally:
            # Reopened even when the rotation failed (the journal is then still there): writes go on.
            self._journal = create_private(self.journal_path)
        self.journal_lines = 0
        return snapshot

    def _write_snapshot(self, snapshot):
        """Write TinyDB's JSON format (`{table: {doc_id: doc}}`) straight from the documents' JSON strings,
        then the facts index that lets the next start-up skip decoding them (`_load_indexed`).

        TinyDB's `insert_multiple` reads and rewrites the whole file once per table (5 s at 10,000 bots);
        this writes it once, with no parsing, in chunks.
        """
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        fd = create_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        index = {}
        offset, crc = 0, 0
        with open(fd, "wb") as out:

            def write(data):
                nonlocal offset, crc
                out.write(data)
                offset += len(data)
                crc = zlib.crc32(data, crc)

            write(b"{")
            tables = [(table, rows) for table, rows in snapshot.items() if rows[0]]
            for number, (table, (docs, scopes, facts)) in enumerate(tables):
                write((("," if number else "") + json.dumps(table) + ":{").encode("utf-8"))
                entries = index[table] = []
                for start in range(0, len(docs), 1000):
                    chunk = []
                    position = offset
                    for number_in_table, (key, raw) in enumerate(docs[start : start + 1000], start + 1):
                        prefix = f'{"," if number_in_table > 1 else ""}"{number_in_table}":'.encode("ascii")
                        body = raw.encode("utf-8", ON_DISK_ERRORS)
                        position += len(prefix)
                        fact = facts.get(key)
                        entries.append([key, scopes.get(key, ""), position, position + len(body),
                                        None if fact is None else list(fact)])
                        position += len(body)
                        chunk += (prefix, body)
                    write(b"".join(chunk))
                write(b"}")
            write(b"}")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self.rotated_path.unlink(missing_ok=True)
        self._write_facts_index(index, offset, crc)

    def _write_facts_index(self, tables, size, crc):
        """`<data>.facts`: every document's id, scope, place in the data file and facts, for the data file of
        this size and CRC-32 only. Written after the data file: a kill in between leaves an index of another
        file, which the next load sees and ignores. Best effort: without it a load decodes every document."""
        index = {"version": FACTS_VERSION, "size": size, "crc32": crc, "fields": FACTS_FIELDS, "tables": tables}
        try:
            write_private(self.facts_path, json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode(
                "utf-8", ON_DISK_ERRORS))
        except OSError as exc:
            self.facts_path.unlink(missing_ok=True)
            print(f"attendee-sandbox: warning: {self.facts_path}: not written ({exc.strerror})", file=sys.stderr)

    def close(self):
        if self._journal is None:
            return
        try:
            self.checkpoint()
            with self.lock:
                if self._journal is not None:
                    os.close(self._journal)
                    self._journal = None
        finally:
            self._unlock_data_file()


class _NotStreamable(Exception):
    """The data file is not laid out as `_write_snapshot` writes it: read it whole instead."""


_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _stream_documents(text):
    """`(table, document, its JSON text)` for every document of TinyDB's `{table: {doc_id: doc}}` text, one
    at a time; raises _NotStreamable where the text is laid out otherwise."""

    def skip(pos):
        return _WHITESPACE.match(text, pos).end()

    def expect(pos, char):
        pos = skip(pos)
        if text[pos : pos + 1] != char:
            raise _NotStreamable()
        return pos + 1

    def string(pos):
        pos = skip(pos)
        if text[pos : pos + 1] != '"':
            raise _NotStreamable()
        return _DECODER.raw_decode(text, pos)

    pos = expect(0, "{")
    if text[skip(pos) : skip(pos) + 1] == "}":
        raise _NotStreamable()
    while True:
        table, pos = string(pos)
        pos = expect(pos, ":")
        pos = expect(pos, "{")
        if text[skip(pos) : skip(pos) + 1] == "}":
            pos = skip(pos) + 1
        else:
            while True:
                _, pos = string(pos)
                pos = skip(expect(pos, ":"))
                doc, end = _DECODER.raw_decode(text, pos)
                yield table, doc, text[pos:end]
                pos = skip(end)
                if text[pos : pos + 1] == "}":
                    pos += 1
                    break
                pos = expect(pos, ",")
        pos = skip(pos)
        if text[pos : pos + 1] == "}":
            if skip(pos + 1) != len(text):
                raise _NotStreamable()
            return
        pos = expect(pos, ",")


JSON_TYPE_NAMES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _not_a_data_file(data):
    """Why the parsed data file is not a sandbox data file, or None (see the module docstring)."""
    if data is None:
        return "it holds null"
    if not isinstance(data, dict):
        return f"it holds {JSON_TYPE_NAMES.get(type(data), 'a JSON value')}, not TinyDB's object of tables"
    if not all(isinstance(docs, dict) for docs in data.values()):
        return "a table is not an object of documents"
    if not data.get(REQUIRED_TABLE):
        return f"it has no {REQUIRED_TABLE}"
    return None
