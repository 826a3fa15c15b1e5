"""The request journal: each project's `/api/v1` requests, newest last, bounded in memory.

It keeps the raw facts of each request (method, path, query, status, time, duration, a bounded prefix of
the body with its full length) and builds the entries only when somebody reads the journal."""

import itertools
import threading
from collections import deque

from sandbox.contract.datetimes import (
    format_api_datetime,
)
from sandbox.contract.errors import SandboxInputError
from sandbox.contract.inputs import loads_json, query_int

JOURNAL_BODY_LIMIT = 4096  # bytes of a request body kept whole in the journal (and all it keeps of a longer one)


JOURNAL_BODY_PREVIEW = 1024  # characters shown of a longer one


JOURNAL_JSON_DEPTH = 100  # a kept body nested deeper is shown as text


DEFAULT_JOURNAL_PAGE = 100


def path_matches(pattern, path):
    """`*` matches exactly one non-empty path segment; everything else matches itself."""
    want, have = pattern.split("/"), path.split("/")
    if len(want) != len(have):
        return False
    return all(w == h or (w == "*" and h != "") for w, h in zip(want, have))


def _journal_entry(raw):
    entry_id, method, path, query, status, time, duration_ms, body = raw
    return {
        "id": entry_id,
        "method": method,
        "path": path,
        "query": query,
        "status": status,
        "time": format_api_datetime(time),
        "duration_ms": round(duration_ms, 3),
        **journal_body(body),
    }


class RequestJournal:
    """Each project's `/api/v1` requests, newest last in memory, at most `limit` per project."""

    def __init__(self, limit):
        self.limit = max(1, int(limit))
        self._entries = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, project_id, *, method, path, query, status, time, duration_ms, body):
        """Keep the raw facts only: entries are built when somebody reads the journal, not on every request.

        `body` is (its first JOURNAL_BODY_LIMIT bytes, its whole length or None when unknown): what a project
        can make the journal hold is bounded by SANDBOX_JOURNAL_LIMIT entries of at most that many bytes.
        """
        with self._lock:
            raw = (next(self._ids), method, path, query, status, time, duration_ms, body)
            self._entries.setdefault(project_id, deque(maxlen=self.limit)).append(raw)

    def entries(self, project_id, query):
        """Newest first, filtered by `method`, `path` (with `*` segments), `status`, at most `limit`."""
        method, path, status, limit = self._filters(query)
        with self._lock:
            raws = list(self._entries.get(project_id, ()))
        matching = [
            raw
            for raw in reversed(raws)
            if (method is None or raw[1] == method)
            and (path is None or path_matches(path, raw[2]))
            and (status is None or raw[4] == status)
        ]
        return {"count": len(matching), "results": [_journal_entry(raw) for raw in matching[:limit]]}

    def _filters(self, query):
        unknown = [key for key in query if key not in ("method", "path", "status", "limit")]
        if unknown:
            raise SandboxInputError(f"Unknown filter(s): {', '.join(unknown)}. Filters: method, path, status, limit")
        method = query.get("method")
        method = method.upper() if method else None
        status = query.get("status")
        if status is not None:
            status = query_int(status, "status must be an HTTP status code such as 404", 100, 599)
        limit = query.get("limit")
        if limit is None:
            limit = DEFAULT_JOURNAL_PAGE
        else:
            limit = query_int(limit, f"limit must be a positive integer (at most {self.limit} entries are kept)", 1)
        return method, query.get("path") or None, status, limit

    def clear(self, project_id):
        with self._lock:
            removed = len(self._entries.pop(project_id, ()))
        return removed

    def clear_all(self):
        with self._lock:
            self._entries.clear()


def journal_body(sample):
    """A request body as the journal shows it: JSON decoded when it is JSON, text otherwise; a long one cut,
    with its whole length in bytes (None when it was never known: a body of unknown length over the limit)."""
    raw, length = sample
    if not raw and length == 0:
        return {"body": None}
    if length is None or length > JOURNAL_BODY_LIMIT:
        preview = raw[: JOURNAL_BODY_PREVIEW * 4].decode("utf-8", "replace")[:JOURNAL_BODY_PREVIEW]
        return {"body": preview, "body_truncated": True, "body_length": length}
    text = raw.decode("utf-8", "replace")
    try:
        return {"body": loads_json(text, max_depth=JOURNAL_JSON_DEPTH)}
    except ValueError:
        return {"body": text}
