"""The console log of `attendee-sandbox serve`: one line per request (time, method, path, status, duration,
project), per state change (a bot's, a calendar's, a Zoom OAuth connection's, an async transcription's) and
per failed webhook attempt (retried or the last one), in colour on a terminal, plain otherwise, or one JSON
object a line (`--log-format json`, for CI logs). `--quiet` turns it off.

Why a queue: a request must never wait on a slow terminal or a full pipe. Each line is a tuple put on a
bounded queue without blocking (formatting happens on the writer thread); when `SANDBOX_CONSOLE_LOG_LIMIT`
lines are waiting the new ones are dropped and counted, and the writer says how many went once it catches up.
"""

import json
import os
import queue
import sys
import threading
import time
from datetime import datetime, timezone

from flask import g, request

# The state changes worth a line: trigger -> the kind of subject named on it.
STATE_TRIGGERS = {
    "bot.state_change": "bot",
    "calendar.state_change": "calendar",
    "zoom_oauth_connection.state_change": "zoom_oauth_connection",
    "async_transcription.state_change": "async_transcription",
}
COLOURS = {"green": "32", "cyan": "36", "yellow": "33", "red": "31", "magenta": "35", "dim": "2"}
STATUS_COLOURS = {2: "green", 3: "cyan", 4: "yellow", 5: "red"}
PROJECT_KEY = "sandbox.console.project"  # the WSGI environ key the Flask hook leaves the project's id in
FORMATS = ("text", "json")
WRITE_BATCH = 256  # lines written at most by one write (and one flush)
GATHER_SECONDS = 0.02  # how long the writer lets lines gather before writing them
_STOP = object()


def wants_colour(stream):
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


class ConsoleLog:
    """The writer: `request`, `emitted` and `attempt_failed` queue a line; a daemon thread writes them."""

    def __init__(self, stream=None, log_format="text", limit=10000, colour=None):
        if log_format not in FORMATS:
            raise ValueError(f"unknown log format {log_format!r}: {' or '.join(FORMATS)}")
        self.stream = sys.stdout if stream is None else stream
        self.format = log_format
        self.colour = wants_colour(self.stream) if colour is None else colour
        self.lines = queue.Queue(maxsize=limit)
        self.dropped = 0
        self._dropped_lock = threading.Lock()
        self._second, self._hms = None, ""  # the writer thread's cache of the current second, formatted
        self._iso_second, self._iso_prefix = None, ""
        self.thread = threading.Thread(target=self._write_all, name="sandbox-console-log", daemon=True)
        self.thread.start()

    # -- what is logged (called on request and worker threads: never blocks) ---------------------------------
    def request(self, method, path, status, duration_ms, project_id):
        self._put(("request", time.time(), method, path, status, duration_ms, project_id))

    def emitted(self, project_id, kind, subject_id, trigger, data):
        """The webhook outbox's observer: every trigger goes through it, subscribed to or not."""
        if trigger in STATE_TRIGGERS and isinstance(data, dict):
            self._put(("state", time.time(), project_id, STATE_TRIGGERS[trigger], subject_id, data))

    def attempt_failed(self, doc, attempt, final):
        """The outbox's observer of an attempt that did not deliver (`final`: no retry follows)."""
        attempts = len(doc.get("attempts") or ())
        self._put(
            (
                "webhook", time.time(), doc.get("project_id"), doc.get("id"), doc.get("trigger"), doc.get("url"),
                attempt.get("status_code"), attempt.get("error"), attempts, doc.get("max_attempts"), final,
            )
        )

    def _put(self, line):
        try:
            self.lines.put_nowait(line)
        except queue.Full:
            with self._dropped_lock:
                self.dropped += 1

    # -- the writer thread -----------------------------------------------------------------------------------
    def close(self, timeout=2.0):
        """Write what is queued (for at most `timeout` seconds), then stop."""
        try:
            self.lines.put(_STOP, timeout=timeout)
        except queue.Full:
            return
        self.thread.join(timeout)

    def _write_all(self):
        """Write lines as they come, in batches: one write and one flush for whatever waits (fewer system calls,
        and less of the interpreter's time taken from the request threads)."""
        stopping = False
        while not stopping:
            batch = [self.lines.get()]
            # Let the lines of the next moments gather: the requests putting them then wake no thread (a
            # put wakes the writer only while it waits in `get`), which under load cost each request
            # a switch of the interpreter to this thread and back.
            if batch[0] is not _STOP:
                time.sleep(GATHER_SECONDS)
            while len(batch) < WRITE_BATCH:
                try:
                    batch.append(self.lines.get_nowait())
                except queue.Empty:
                    break
            if _STOP in batch:
                stopping, batch = True, batch[: batch.index(_STOP)]
            with self._dropped_lock:
                dropped, self.dropped = self.dropped, 0
            text = [self._dropped_line(dropped)] if dropped else []
            try:
                text.extend(self.render(line) for line in batch)
                if text:
                    self.stream.write("\n".join(text) + "\n")
                    self.stream.flush()
            except Exception:  # noqa: BLE001 - a closed or broken stream: the log goes quiet, the server goes on
                pass

    def render(self, line):
        kind, stamp = line[0], line[1]
        if self.format == "json":
            fields = RECORDS[kind](*line[2:])[0]
            return json.dumps({"time": self._iso(stamp), "kind": kind, **fields}, ensure_ascii=False)
        if kind == "request":  # the common line, without the JSON fields
            text, colour = _request_text(*line[2:]), STATUS_COLOURS.get(line[4] // 100)
        else:
            _, text, colour = RECORDS[kind](*line[2:])
        return f"{self._paint(self._clock(stamp), 'dim')} {self._paint(text, colour) if colour else text}"

    def _clock(self, stamp):
        """`14:03:22.123`, local time; the seconds are formatted once per second."""
        second = int(stamp)
        if second != self._second:
            self._second, self._hms = second, time.strftime("%H:%M:%S", time.localtime(second))
        return f"{self._hms}.{int((stamp - second) * 1000):03d}"

    def _iso(self, stamp):
        """`2026-12-06T14:03:22.123Z`; the seconds are formatted once per second."""
        second = int(stamp)
        if second != self._iso_second:
            self._iso_second = second
            self._iso_prefix = datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._iso_prefix}.{int((stamp - second) * 1000):03d}Z"

    def _dropped_line(self, count):
        message = f"{count} log line(s) dropped: the console could not keep up (SANDBOX_CONSOLE_LOG_LIMIT)"
        if self.format == "json":
            return json.dumps({"kind": "dropped", "count": count, "message": message})
        return self._paint(message, "yellow")

    def _paint(self, text, colour):
        return f"\x1b[{COLOURS[colour]}m{text}\x1b[0m" if self.colour else text


# -- each kind of line: (JSON fields, text, colour) ---------------------------------------------------------------


def _request_text(method, path, status, duration_ms, project_id):
    return f"{method:<7}{path} {status} {duration_ms:.1f} ms {project_id or '-'}"


def _request_record(method, path, status, duration_ms, project_id):
    fields = {"method": method, "path": path, "status": status, "duration_ms": round(duration_ms, 1),
              "project": project_id}
    return fields, _request_text(method, path, status, duration_ms, project_id), STATUS_COLOURS.get(status // 100)


def _state_record(project_id, subject, subject_id, data):
    new, old = data.get("new_state", data.get("state")), data.get("old_state")
    fields = {"subject": subject, "id": subject_id, "old_state": old, "new_state": new, "project": project_id}
    if "event_type" in data:
        fields.update(event_type=data.get("event_type"), event_sub_type=data.get("event_sub_type"))
    why = " ".join(str(part) for part in (data.get("event_type"), data.get("event_sub_type")) if part)
    change = f"{old} -> {new}" if old is not None else f"-> {new}"
    text = f"{subject} {subject_id} {change}" + (f" ({why})" if why else "") + f" {project_id}"
    return fields, text, "magenta"


def _webhook_record(project_id, delivery_id, trigger, url, status_code, error, attempts, max_attempts, final):
    outcome = "failed" if final else "will retry"
    fields = {"delivery": delivery_id, "trigger": trigger, "url": url, "status_code": status_code, "error": error,
              "attempt": attempts, "max_attempts": max_attempts, "outcome": outcome, "project": project_id}
    why = f"answered {status_code}" if status_code is not None else (error or "no answer")
    text = (
        f"webhook {delivery_id} {trigger} to {url}: {why} (attempt {attempts} of {max_attempts}, {outcome}) "
        f"{project_id}"
    )
    return fields, text, "red"


RECORDS = {"request": _request_record, "state": _state_record, "webhook": _webhook_record}


# -- wiring it to a served app ------------------------------------------------------------------------------------


def install(app, log):
    """Log every request `app` answers, and what its sandbox's webhook outbox sees, on `log`; returns the
    WSGI application to serve (the app, wrapped)."""
    sandbox = app.extensions["sandbox"]
    sandbox.outbox.observer = log

    @app.after_request
    def remember_project(response):
        project = g.get("project")
        if project is None:
            key = request.headers.get("Authorization", "").partition(" ")[2].strip()
            project = sandbox.project_for_key(key) if key else None
        if project is not None:
            request.environ[PROJECT_KEY] = project.get("id")
        return response

    wsgi = app.wsgi_app

    def logged(environ, start_response):
        started = time.perf_counter()
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"] = status
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return wsgi(environ, start)
        finally:
            status = seen.get("status", "500")
            log.request(
                environ.get("REQUEST_METHOD", "-"),
                environ.get("PATH_INFO", "") or "/",
                int(status.split(" ", 1)[0]),
                (time.perf_counter() - started) * 1000,
                environ.get(PROJECT_KEY),
            )

    app.wsgi_app = logged
    return app
