"""Storage behind one small interface: documents by table and id, grouped by scope, under one lock.

`TinyDBStore` keeps the design's storage facts (MEASUREMENTS.md):

* TinyDB rewrites its whole JSON file on every operation (180 ms at 10,000 bots), so requests never touch
  TinyDB. The working set lives in memory as one JSON string per document (cheap to copy, impossible to
  alias), indexed by table, scope (the project or bot a document belongs to) and id: every operation
  costs the same at 100 bots and at 10,000.
* Every acknowledged write is appended to a journal file (`<data>.journal`, one JSON line per write) before
  the call returns. A process killed at any moment loses nothing it acknowledged; a torn last line is
  ignored on load.
* The data file itself is a TinyDB database (one TinyDB table per store table), rewritten only at a
  checkpoint (when the journal grows, at shutdown, at reset) into a temporary file that then replaces it,
  so it is never half-written. At start-up the data file is loaded and the journal replayed over it.
* One process with threads; one re-entrant lock (`store.lock`) that callers hold around each
  read-modify-write.
"""

import json
import os
import threading
from pathlib import Path

from tinydb.storages import JSONStorage


# The field that says which scope a document of each table belongs to (lists are per scope).
SCOPE_FIELDS = {
    "projects": None,
    "bots": "project_id",
    "utterances": "bot_id",
    "participants": "bot_id",
    "participant_events": "bot_id",
    "chat_messages": "bot_id",
    "async_transcriptions": "bot_id",
    "deliveries": "project_id",
    "webhook_subscriptions": "project_id",
}
DEFAULT_SCOPE_FIELD = "project_id"
# Fields kept decoded for every document of a table, so that a question over a whole scope ("how many bots
# are in a meeting", "is this deduplication key taken") costs no JSON decoding at 10,000 bots.
SUMMARY_FIELDS = {"bots": ("state", "deduplication_key")}
# A lone surrogate (JSON allows "\ud800") cannot be encoded as UTF-8; it only ever occurs inside a JSON
# string here, where its backslash escape is the same JSON value, so the files stay valid UTF-8 JSON.
ON_DISK_ERRORS = "backslashreplace"


class StoreError(Exception):
    """The data file or its journal cannot be read."""


class Store:
    """The interface every storage implements. Documents are JSON objects with an `id`."""

    lock: threading.RLock

    def get(self, table, key):
        """The document, as a fresh dict the caller may change, or None."""
        raise NotImplementedError

    def put(self, table, doc):
        raise NotImplementedError

    def delete(self, table, key):
        raise NotImplementedError

    def scan(self, table, scope):
        """Every document of one scope (a project's bots, a bot's utterances, ...), in insertion order."""
        raise NotImplementedError

    def count(self, table, scope):
        raise NotImplementedError

    def summaries(self, table, scope):
        """`{id: (field, ...)}` of `SUMMARY_FIELDS[table]` for every document of one scope."""
        raise NotImplementedError

    def replace_all(self, tables):
        """Atomically replace everything with `{table: [docs]}` (fixtures, reset)."""
        raise NotImplementedError

    def checkpoint(self):
        """Make the data file hold everything (a no-op where there is no file)."""

    def close(self):
        """Flush everything and release the files."""


def _scope_of(table, doc):
    field = SCOPE_FIELDS.get(table, DEFAULT_SCOPE_FIELD)
    return "" if field is None else str(doc.get(field) or "")


class MemoryTables:
    """The in-memory working set: `table -> id -> json`, plus `table -> scope -> ordered ids`."""

    def __init__(self):
        self.docs = {}
        self.scopes = {}
        self.scope_of = {}
        self.summary = {}

    def get(self, table, key):
        raw = self.docs.get(table, {}).get(key)
        return None if raw is None else json.loads(raw)

    def put(self, table, doc, raw):
        key = doc["id"]
        self.put_raw(table, key, _scope_of(table, doc), raw)
        fields = SUMMARY_FIELDS.get(table)
        if fields:
            self.summary.setdefault(table, {})[key] = tuple(doc.get(name) for name in fields)

    def put_raw(self, table, key, scope, raw):
        docs = self.docs.setdefault(table, {})
        old_scope = self.scope_of.setdefault(table, {}).get(key)
        if old_scope is not None and old_scope != scope:
            self.scopes[table][old_scope].pop(key, None)
        docs[key] = raw
        self.scope_of[table][key] = scope
        self.scopes.setdefault(table, {}).setdefault(scope, {})[key] = None

    def delete(self, table, key):
        if key not in self.docs.get(table, {}):
            return False
        del self.docs[table][key]
        self.summary.get(table, {}).pop(key, None)
        scope = self.scope_of[table].pop(key)
        self.scopes[table][scope].pop(key, None)
        return True

    def scan(self, table, scope):
        docs = self.docs.get(table, {})
        return [json.loads(docs[key]) for key in self.scopes.get(table, {}).get(scope, {})]

    def count(self, table, scope):
        return len(self.scopes.get(table, {}).get(scope, {}))

    def summaries(self, table, scope):
        summary = self.summary.get(table, {})
        return {key: summary[key] for key in self.scopes.get(table, {}).get(scope, {})}

    def snapshot(self):
        return {table: list(docs.values()) for table, docs in self.docs.items()}


class MemoryStore(Store):
    """A store with no file: for tests and throw-away sandboxes."""

    def __init__(self):
        self.lock = threading.RLock()
        self.tables = MemoryTables()

    def get(self, table, key):
        with self.lock:
            return self.tables.get(table, key)

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
            return self.tables.scan(table, scope)

    def count(self, table, scope):
        with self.lock:
            return self.tables.count(table, scope)

    def summaries(self, table, scope):
        with self.lock:
            return self.tables.summaries(table, scope)

    def replace_all(self, tables):
        fresh = MemoryTables()
        for table, docs in tables.items():
            for doc in docs:
                raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                fresh.put(table, doc, raw)
        with self.lock:
            self.tables = fresh


class TinyDBStore(MemoryStore):
    """The durable default: TinyDB data file + write journal, as the module docstring explains."""

    def __init__(self, path, *, checkpoint_every=5000, fsync=False):
        super().__init__()
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.rotated_path = self.path.with_name(self.path.name + ".journal.1")
        self.checkpoint_every = checkpoint_every
        self.fsync = fsync
        self.journal_lines = 0
        self._checkpoint_lock = threading.Lock()
        self._checkpoint_pending = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._load()
        self._journal = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @property
    def is_new(self):
        return not self.tables.docs

    # -- loading -------------------------------------------------------------------------------------
    def _load(self):
        if self.path.exists() and self.path.stat().st_size > 0:
            # TinyDB's storage reads the whole database in one parse; its table API would parse the file
            # again for every table (seven parses of a 20 MB file at 10,000 bots).
            try:
                storage = JSONStorage(self.path, access_mode="r", encoding="utf-8")
                try:
                    data = storage.read() or {}
                finally:
                    storage.close()
                for name, docs in data.items():
                    for doc in docs.values():
                        self._put_loaded(name, dict(doc))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise StoreError(f"{self.path}: not a sandbox data file ({exc})") from exc
        for journal in (self.rotated_path, self.journal_path):
            if journal.exists():
                self.journal_lines += self._replay(journal)

    def _put_loaded(self, table, doc):
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        self.tables.put(table, doc, raw)

    def _replay(self, journal):
        # Every entry ends with a newline; what follows the last one is a line cut short by a kill.
        complete = journal.read_bytes().split(b"\n")[:-1]
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
            self._checkpoint_locked()

    def checkpoint(self):
        with self._checkpoint_lock:
            with self.lock:
                if self._journal is None:
                    return  # closed meanwhile: close() has written everything
                snapshot = self._rotate()
            self._write_snapshot(snapshot)

    def _checkpoint_locked(self):
        with self._checkpoint_lock:
            self._write_snapshot(self._rotate())

    def _rotate(self):
        """Under the lock: take the documents and start a new journal; the old one goes once written."""
        snapshot = self.tables.snapshot()
        self._checkpoint_pending = False
        os.close(self._journal)
        if self.journal_path.exists():
            if self.rotated_path.exists():
                # An earlier checkpoint did not finish: keep both journals' entries in the rotated one.
                with open(self.rotated_path, "ab") as rotated:
                    rotated.write(self.journal_path.read_bytes())
                self.journal_path.unlink()
            else:
                os.replace(self.journal_path, self.rotated_path)
        self._journal = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.journal_lines = 0
        return snapshot

    def _write_snapshot(self, snapshot):
        """Write TinyDB's JSON format (`{table: {doc_id: doc}}`) straight from the documents' JSON strings.

        TinyDB's `insert_multiple` reads and rewrites the whole file once per table (5 s at 10,000 bots);
        this writes it once, with no parsing, in chunks.
        """
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        with open(tmp, "w", encoding="utf-8", errors=ON_DISK_ERRORS) as out:
            out.write("{")
            tables = [(table, raws) for table, raws in snapshot.items() if raws]
            for number, (table, raws) in enumerate(tables):
                out.write(("," if number else "") + json.dumps(table) + ":{")
                for start in range(0, len(raws), 1000):
                    chunk = raws[start : start + 1000]
                    out.write(("," if start else "") + ",".join(f'"{start + i}":{raw}' for i, raw in enumerate(chunk, 1)))
                out.write("}")
            out.write("}")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self.rotated_path.unlink(missing_ok=True)

    def close(self):
        if self._journal is None:
            return
        self.checkpoint()
        with self.lock:
            os.close(self._journal)
            self._journal = None
