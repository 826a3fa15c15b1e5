"""Helpers for the webhook tests (not a test module): receivers on 127.0.0.1, an independent signature
check written from the contract (docs/contract/webhooks.md#webhook-signature), subscriptions, and bounded real-time
waits."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from tests.conftest import DEFAULT_SECRET

DEFAULT_PROJECT = "proj_sbx0Default00001"
SECOND_PROJECT = "proj_sbx0Second000002"
SECOND_SECRET = "c2J4MFNlY29uZFByb2plY3RXZWJob29rU2VjcmV0ISE="
FAST_STEPS = "left_meeting=0.05,upload_recording=0,post_processing_completed=0.05"


def real_monotonic():
    """Real elapsed time even while freezegun freezes `time.monotonic` (it leaves clock_gettime alone)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


# -- signatures, the way a receiver written from Attendee's docs checks them ------------------------------


def docs_signature(body_bytes, secret_b64):
    """Parse the body, re-serialize it canonically, HMAC-SHA256 with the decoded secret, base64."""
    parsed = json.loads(body_bytes.decode("utf-8"))
    canonical = json.dumps(parsed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hmac.new(base64.b64decode(secret_b64), canonical.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verifies(body_bytes, signature, secret_b64=DEFAULT_SECRET):
    return hmac.compare_digest(docs_signature(body_bytes, secret_b64), signature)


def raw_body_signature(body_bytes, secret_b64=DEFAULT_SECRET):
    """What a receiver that hashes the raw body computes (wrongly, as in production)."""
    digest = hmac.new(base64.b64decode(secret_b64), body_bytes, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# -- waiting ----------------------------------------------------------------------------------------------


def wait_until(predicate, timeout=5.0, interval=0.02, what="the condition"):
    """Poll `predicate` with short real-time sleeps until it is truthy; fail after `timeout` seconds."""
    end = real_monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if real_monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def settle(sb, timeout=8.0):
    """Wait until the sandbox's outbox has nothing queued or in flight."""
    assert sb.outbox.wait_idle(timeout), "webhook deliveries did not settle"


def run_until_state(sb, bot_id, state, timeout=5.0):
    """Apply due scripted steps (the background runner's job, which tests do not start) until `state`."""

    def reached():
        sb.run_due_steps()
        return sb.store.get("bots", bot_id)["state"] == state

    wait_until(reached, timeout, what=f"{bot_id} to reach {state}")


# -- subscriptions ----------------------------------------------------------------------------------------


def subscribe_project(sb, url, triggers=("bot.state_change",), project_id=DEFAULT_PROJECT, more=()):
    project = sb.store.get("projects", project_id)
    project["webhooks"] = [{"url": url, "triggers": list(triggers)}, *more]
    sb.store.put("projects", project)
    sb.projects_changed()


def subscribe_bot(sb, bot_id, hooks):
    bot = sb.store.get("bots", bot_id)
    bot["webhooks"] = hooks
    sb.store.put("bots", bot)


def deliveries(sb, project_id=DEFAULT_PROJECT):
    return sb.store.scan("deliveries", project_id)


# -- receivers --------------------------------------------------------------------------------------------


class Recorder:
    """A pytest-httpserver receiver that records each request's body, headers and arrival time and answers
    with the next of `statuses` (the last one repeats)."""

    def __init__(self, server, path="/hook", statuses=(200,), body="ok", headers=None, before=None, delay=0.0):
        self.server = server
        self.path = path
        self.statuses = list(statuses)
        self.body = body
        self.headers = headers or {}
        self.before = before  # called with the request number (0-based) before answering
        self.delay = delay
        self.calls = []
        server.expect_request(path, method="POST").respond_with_handler(self._handle)

    @property
    def url(self):
        return self.server.url_for(self.path)

    def _handle(self, request):
        number = len(self.calls)
        arrived = real_monotonic()
        if self.before is not None:
            self.before(number)
        if self.delay:
            time.sleep(self.delay)
        self.calls.append(
            {"body": request.get_data(), "headers": dict(request.headers), "arrived": arrived, "answered": real_monotonic()}
        )
        status = self.statuses[min(number, len(self.statuses) - 1)]
        return Response(self.body, status=status, headers=self.headers)

    def bodies(self):
        return [json.loads(call["body"]) for call in self.calls]


@pytest.fixture(scope="module")
def _shared_receiver_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def receiver_server(_shared_receiver_server):
    """An HTTP server on 127.0.0.1 (one per test module, its handlers and log cleared for each test)."""
    _shared_receiver_server.clear()
    yield _shared_receiver_server
    _shared_receiver_server.clear()


class RawReceiver:
    """A bare TCP receiver on 127.0.0.1 that keeps each request's exact bytes.

    `mode`: "answer" sends `response` and closes; "hang" reads the request and never answers (until
    stopped); "drip" sends `sent_first` at once, then `response` one byte every `drip_interval` seconds
    (until stopped).
    """

    def __init__(
        self,
        response=b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        mode="answer",
        drip_interval=0.2,
        sent_first=b"",
    ):
        self.response = response
        self.mode = mode
        self.drip_interval = drip_interval
        self.sent_first = sent_first
        self.requests = []
        self.arrivals = []
        self.stop_event = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self):
        while not self.stop_event.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            conn.settimeout(2.0)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.arrivals.append(real_monotonic())
                self.requests.append(head + b"\r\n\r\n" + body)
                if self.mode == "hang":
                    self.stop_event.wait(5.0)
                    return
                if self.mode == "drip":
                    conn.sendall(self.sent_first)
                    for index in range(len(self.response)):
                        if self.stop_event.wait(self.drip_interval):
                            return
                        conn.sendall(self.response[index : index + 1])
                    return
                conn.sendall(self.response)
            except OSError:
                return  # the sandbox hung up (a huge body, a timeout): that is the point of some tests

    def stop(self):
        self.stop_event.set()
        self.sock.close()


@pytest.fixture
def raw_receiver():
    made = []

    def make(**kwargs):
        receiver = RawReceiver(**kwargs)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.stop()


def closed_port_url(path="/hook"):
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}{path}"
