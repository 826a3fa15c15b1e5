"""Fault injection: what a test tells the sandbox to answer instead of the real thing, and how many
requests such delays may hold at once.

The web pipeline asks `FaultRegistry.match(project_id, method, path)` before any state change; a fault
answers with its status, body and headers, and may first hold the request for `delay_ms` (within the
per-project and global limits of `DelayedRequests`)."""

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from sandbox.contract.errors import AttendeeError, SandboxInputError
from sandbox.contract.inputs import check_fields, is_int
from sandbox.contract.requests.control import MAX_DELAY_MS
from sandbox.domain.journal import path_matches



FAULT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "*")


API_PREFIX = "/api/v1/"


FAULT_FIELDS = ("method", "path", "status", "body", "headers", "delay_ms", "times", "retry_after")


def throttle_body(seconds):
    """The real throttle's 429 (docs/contract/conventions.md#throttling), for a fault that mimics it."""
    unit = "second" if seconds == 1 else "seconds"
    return {"detail": f"Request was throttled. Expected available in {seconds} {unit}."}


@dataclass
class Fault:
    id: str
    method: str
    path: str
    status: int | None
    body: object
    headers: dict
    delay_ms: int
    times: int | None
    created_at: object  # an aware datetime, on the project's clock
    remaining: int | None = None
    hits: int = 0


@dataclass
class FaultHit:
    """What the dispatcher needs to answer a matched request (see `fault_response` in sandbox/web/pipeline.py)."""

    status: int | None
    body: object
    headers: dict
    delay_ms: int


class FaultRegistry:
    """Per-project injected faults; the first live fault that matches a request answers it."""

    def __init__(self, ids):
        self.ids = ids
        self._faults = {}
        self._lock = threading.Lock()

    def add(self, project, body, now):
        check_fields(body, FAULT_FIELDS, required=("path",))
        method = body.get("method", "*")
        if not isinstance(method, str) or method.upper() not in FAULT_METHODS:
            raise SandboxInputError(f"method must be one of {', '.join(FAULT_METHODS)}")
        method = method.upper()
        path = body["path"]
        if not isinstance(path, str) or not path.startswith(API_PREFIX):
            raise SandboxInputError("path must be an /api/v1/... path; * matches one path segment")
        if "?" in path:
            raise SandboxInputError("path matches the path only: leave out the query string")
        status = body.get("status")
        if status is not None and (not is_int(status) or not 100 <= status <= 599):
            raise SandboxInputError("status must be an HTTP status code from 100 to 599, or null for a delay only")
        delay_ms = body.get("delay_ms", 0)
        if not is_int(delay_ms) or not 0 <= delay_ms <= MAX_DELAY_MS:
            raise SandboxInputError(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}")
        if status is None and delay_ms == 0:
            raise SandboxInputError("A fault needs a status, a delay_ms, or both")
        times = body.get("times", 1)
        if times is not None and (not is_int(times) or times < 1):
            raise SandboxInputError("times must be a positive integer, or null for every matching request")
        headers = body.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and "\n" not in k + v for k, v in headers.items()
        ):
            raise SandboxInputError("headers must be an object of header names to string values")
        if "retry_after" in body and status != 429:
            raise SandboxInputError("retry_after only applies to a 429 fault")
        if status is None and "body" in body:
            raise SandboxInputError("body needs a status: a fault without one only delays the request")
        if status == 429 and "body" not in body:
            retry_after = body.get("retry_after", 60)
            if not is_int(retry_after) or retry_after < 0:
                raise SandboxInputError("retry_after must be a whole number of seconds >= 0")
            response_body = throttle_body(retry_after)
            headers = {"Retry-After": str(retry_after), **headers}
        elif status is not None:
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Injected"
            response_body = body.get("body", {"error": f"Injected fault: {status} {phrase}".strip()})
        else:
            response_body = None
        fault = Fault(
            id=self.ids.new("flt"),
            method=method,
            path=path,
            status=status,
            body=response_body,
            headers=dict(headers),
            delay_ms=delay_ms,
            times=times,
            remaining=times,
            created_at=now,
        )
        with self._lock:
            self._faults.setdefault(project["id"], []).append(fault)
        return fault

    def list(self, project_id):
        with self._lock:
            return list(self._faults.get(project_id, []))

    def get(self, project_id, fault_id):
        with self._lock:
            for fault in self._faults.get(project_id, []):
                if fault.id == fault_id:
                    return fault
        raise FaultNotFound()

    def remove(self, project_id, fault_id):
        with self._lock:
            faults = self._faults.get(project_id, [])
            for index, fault in enumerate(faults):
                if fault.id == fault_id:
                    del faults[index]
                    return
        raise FaultNotFound()

    def clear(self, project_id):
        with self._lock:
            return len(self._faults.pop(project_id, []))

    def clear_all(self):
        with self._lock:
            self._faults.clear()

    def has_faults(self, project_id):
        """Whether the project has a live fault (a question that, unlike `match`, uses none up)."""
        return bool(self._faults.get(project_id))

    def match(self, project_id, method, path):
        """The dispatcher's question, before any state change: does a live fault answer this request?

        A GET fault also matches HEAD (the real server serves HEAD as GET). A fault is used up after
        `times` matches and then removed.
        """
        with self._lock:
            faults = self._faults.get(project_id)
            if not faults:
                return None
            for index, fault in enumerate(faults):
                if fault.method not in ("*", method) and not (fault.method == "GET" and method == "HEAD"):
                    continue
                if not path_matches(fault.path, path):
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        del faults[index]
                return FaultHit(fault.status, fault.body, dict(fault.headers), fault.delay_ms)
        return None


class FaultNotFound(AttendeeError):
    status = 404

    def __init__(self):
        super().__init__("Fault not found")


class TooManyDelayedRequests(AttendeeError):
    status = 429


class DelayedRequests:
    """`sandbox.delayed_requests`: how many requests fault delays hold right now, per project and in all.

    `hold(project_id, seconds)` sleeps for a fault's delay, on a thread the server lends meanwhile when
    it can (`lender`, set by `create_server`). Over a limit it raises a 429 at once instead: the fault
    still counts the request as a hit, and nothing of the request is run.
    """

    def __init__(self, settings):
        self.per_project = settings.delayed_requests_per_project
        self.limit = settings.delayed_requests_limit
        self.lender = None
        self.held = {}
        self.total = 0
        self._lock = threading.Lock()

    def hold(self, project_id, seconds):
        with self._place(project_id, seconds):
            lent = self.lender is not None and self.lender.lend()
            try:
                time.sleep(seconds)
            finally:
                if lent:
                    self.lender.give_back()

    @contextmanager
    def _place(self, project_id, seconds):
        with self._lock:
            if self.total >= self.limit:
                raise self._refusal(f"the sandbox already holds {self.limit}", "SANDBOX_DELAYED_REQUESTS_LIMIT", seconds)
            if self.held.get(project_id, 0) >= self.per_project:
                raise self._refusal(
                    f"this project already has {self.per_project}", "SANDBOX_DELAYED_REQUESTS_PER_PROJECT", seconds
                )
            self.total += 1
            self.held[project_id] = self.held.get(project_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self.total -= 1
                self.held[project_id] -= 1
                if not self.held[project_id]:
                    del self.held[project_id]

    @staticmethod
    def _refusal(who, setting, seconds):
        return TooManyDelayedRequests(
            f"Too many delayed requests: {who} requests held by fault delays ({setting}); "
            "this request was not run",
            headers={"Retry-After": str(max(1, math.ceil(seconds)))},
        )
