"""The request journal: each project's `/api/v1` requests, newest last, bounded in memory.

It keeps the raw facts of each request (method, path, query, status, time, duration, a bounded prefix of
the body with its full length); the entries are shaped only when somebody reads the journal
(`JournalEntrySchema` in sandbox/contract/responses.py)."""

import itertools
import threading
from collections import deque
from typing import NamedTuple

from sandbox.contract.errors import SandboxInputError
from sandbox.contract.inputs import query_int

#: The query parameters of `GET /sandbox/requests`: its filters, then its page's.
QUERY_PARAMETERS = ("method", "path", "status", "limit", "cursor")


class JournalRecord(NamedTuple):
    """The facts of one request; `body` is (its first bytes, its whole length or None when unknown)."""

    id: int
    method: str
    path: str
    query: str
    status: int
    time: object
    duration_ms: float
    body: tuple


def path_matches(pattern, path):
    """`*` matches exactly one non-empty path segment; everything else matches itself."""
    want, have = pattern.split("/"), path.split("/")
    if len(want) != len(have):
        return False
    return all(w == h or (w == "*" and h != "") for w, h in zip(want, have))


class RequestJournal:
    """Each project's `/api/v1` requests, newest last in memory, at most `limit` per project."""

    def __init__(self, limit):
        self.limit = max(1, int(limit))
        self._entries = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, project_id, *, method, path, query, status, time, duration_ms, body):
        """Keep the raw facts only: entries are shaped when somebody reads the journal, not on every request.

        `body` is (its first JOURNAL_BODY_LIMIT bytes, its whole length or None when unknown): what a project
        can make the journal hold is bounded by SANDBOX_JOURNAL_LIMIT entries of at most that many bytes.
        """
        with self._lock:
            raw = JournalRecord(next(self._ids), method, path, query, status, time, duration_ms, body)
            self._entries.setdefault(project_id, deque(maxlen=self.limit)).append(raw)

    def entries(self, project_id, query):
        """The matching records, newest first, filtered by `method`, `path` (with `*` segments) and
        `status` (`limit` and `cursor` are the page's: `usecases.journal` pages them)."""
        method, path, status = self._filters(query)
        with self._lock:
            raws = list(self._entries.get(project_id, ()))
        return [
            raw
            for raw in reversed(raws)
            if (method is None or raw[1] == method)
            and (path is None or path_matches(path, raw[2]))
            and (status is None or raw[4] == status)
        ]

    def _filters(self, query):
        unknown = [key for key in query if key not in QUERY_PARAMETERS]
        if unknown:
            raise SandboxInputError(
                f"Unknown filter(s): {', '.join(unknown)}. Filters: {', '.join(QUERY_PARAMETERS)}"
            )
        method = query.get("method")
        method = method.upper() if method else None
        status = query.get("status")
        if status is not None:
            status = query_int(status, "status must be an HTTP status code such as 404", 100, 599)
        return method, query.get("path") or None, status

    @property
    def limit_message(self):
        return f"limit must be a positive integer (at most {self.limit} entries are kept)"

    def clear(self, project_id):
        with self._lock:
            removed = len(self._entries.pop(project_id, ()))
        return removed

    def clear_all(self):
        with self._lock:
            self._entries.clear()
