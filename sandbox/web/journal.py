"""The request journal's hooks: every `/api/v1` request is timed and recorded for the project it authenticated
as (or whose key it carried), with a bounded sample of its body (`GET /sandbox/requests` shows them)."""

import time
from datetime import timedelta

from flask import current_app, g, request

from sandbox.contract.responses import JOURNAL_BODY_LIMIT
from sandbox.web.guards import body_sample
from sandbox.web.pipeline import token_of


def init_app(app):
    app.before_request(_journal_start)
    app.after_request(_journal_record)


def _sandbox():
    return current_app.extensions["sandbox"]


def _journal_start():
    req = request._get_current_object()
    if _is_api_path(req.path):
        g.journal_start = (time.perf_counter(), _sandbox().clock.wall_now())


def _journal_record(response):
    start = g.pop("journal_start", None)
    if start is None:
        return response
    started, wall_start = start
    req = request._get_current_object()
    try:
        project = g.get("project") or _project_from_header()
        if project is not None:
            record(
                _sandbox(), project, req.method, req.path, req.query_string.decode("utf-8", "replace"),
                response.status_code, start, body_sample(JOURNAL_BODY_LIMIT),
            )
    except Exception:  # the journal must never break a request
        pass
    return response


def record(sb, project, method, path, query, status, start, body):
    """One journal entry for `project`: `start` is (perf_counter, wall-clock time) when the request came."""
    started, wall_start = start
    sb.journal.record(
        project["id"],
        method=method,
        path=path,
        query=query,
        status=status,
        time=wall_start + timedelta(seconds=project.get("clock_offset_seconds", 0.0)),  # the project's clock then
        duration_ms=(time.perf_counter() - started) * 1000,
        body=body,
    )


def _project_from_header():
    key = token_of(request.headers.get("Authorization", ""))
    return _sandbox().project_for_key(key) if key is not None else None


def _is_api_path(path):
    return path == "/api/v1" or path.startswith("/api/v1/")
