"""`attendee-sandbox serve` as a new user meets it, in a real server process: the banner names everything, the
console logs requests, state changes and failed webhooks (text or JSON, or nothing with `--quiet`), `--webhook`
subscribes the default project, a SIGTERM right after the banner saves, a busy port is one line and creates
nothing. The console's writer itself (bounded, never blocking a request) is tested in process."""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from sandbox.web.console import ConsoleLog
from tests.conftest import DEFAULT_KEY, DEFAULT_SECRET, SEED_BOT

DEFAULT_PROJECT = "proj_sbx0Default00001"
ALL_TRIGGERS_NOTE = "(every trigger)"


class Served:
    """One `python -m sandbox serve --port 0` process; its stdout is read on a thread (the console log)."""

    def __init__(self, data, *extra):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(data), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        self.banner = []
        for line in self.process.stdout:
            if not line.strip():
                break
            self.banner.append(line.rstrip("\n"))
        if not self.banner or not self.banner[0].startswith("Attendee Sandbox listening on "):
            self.kill()
            raise AssertionError(f"no banner: {self.banner} {self.process.stderr.read()}")
        self.url = self.banner[0].split()[-1]
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in list(self.lines) if re.search(pattern, line)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s: {self.lines}")

    def call(self, path, method="GET", body=None, key=DEFAULT_KEY):
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)
        self._reader.join(5)
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(*extra, data=None):
        served = Served(data or tmp_path / "data.json", *extra)
        started.append(served)
        return served

    yield start
    for served in started:
        served.kill()


def closed_port_url():
    """A loopback URL nothing listens on (a port just released): webhooks to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


# -- the banner ---------------------------------------------------------------------------------------------------


def test_the_banner_names_the_api_dashboard_docs_schema_data_file_key_secret_and_webhooks(serve, tmp_path):
    hook = closed_port_url()
    served = serve("--webhook", hook, "--quiet")
    url = served.url
    assert served.banner == [
        f"Attendee Sandbox listening on {url}",
        f"  API base URL:    {url}/api/v1",
        f"  API key:         {DEFAULT_KEY}",
        f"  Webhook secret:  {DEFAULT_SECRET}",
        f"  Data file:       {tmp_path / 'data.json'}",
        f"  Dashboard:       {url}/sandbox/ui",
        f"  API docs:        {url}/api/docs",
        f"  OpenAPI schema:  {url}/api/schema",
        f"  Webhook:         {hook} {ALL_TRIGGERS_NOTE}",
    ]
    assert served.call("/")[1]["docs"] == f"{url}/api/docs"


def test_a_sigterm_right_after_the_banner_saves_and_webhook_subscribes_once(serve, tmp_path):
    hook = closed_port_url()
    first = serve("--webhook", hook, "--webhook", hook, "--quiet")
    assert first.terminate() == 0  # at once: the handler was installed before the banner
    assert first.lines[-1] == "Attendee Sandbox stopped; data saved."

    again = serve("--webhook", hook, "--quiet")  # the subscription was saved, and is not doubled
    assert [line for line in again.banner if "Webhook:" in line] == [f"  Webhook:         {hook} {ALL_TRIGGERS_NOTE}"]
    status, bot = again.call(f"/sandbox/bots/{SEED_BOT}/events", "POST", {"type": "meeting_ended"})
    assert status == 200
    status, log = again.call(f"/sandbox/webhooks/deliveries?bot_id={SEED_BOT}")
    assert {(d["url"], d["trigger"]) for d in log["results"]} == {(hook, "bot.state_change")}


def test_webhook_beyond_the_projects_two_subscriptions_stops_serve_with_one_line(tmp_path):
    urls = [closed_port_url() + str(n) for n in range(3)]
    process = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(tmp_path / "d.json"),
         *(arg for url in urls for arg in ("--webhook", url))],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert process.returncode == 2
    assert process.stdout == ""
    assert process.stderr == (
        "attendee-sandbox: --webhook: A project has at most 2 webhook subscriptions "
        "(the default project's subscriptions: 0)\n"
    )


# -- the busy port ------------------------------------------------------------------------------------------------


def test_a_busy_port_is_one_line_exit_2_and_creates_nothing(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--data", str(tmp_path / "data.json")],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
    assert process.returncode == 2
    assert process.stdout == ""
    assert process.stderr == (
        f"attendee-sandbox: port {port} on 127.0.0.1 is already in use: give another --port, "
        "or stop the process listening there\n"
    )
    assert list(tmp_path.iterdir()) == []


# -- the console log ----------------------------------------------------------------------------------------------


def test_the_console_logs_requests_state_changes_and_failed_webhooks(serve):
    hook = closed_port_url()
    served = serve("--webhook", hook)
    served.call(f"/api/v1/bots/{SEED_BOT}")
    served.call("/api/v1/bots/bot_nope")
    served.call(f"/sandbox/bots/{SEED_BOT}/events", "POST", {"type": "meeting_ended"})
    time_ = r"\d\d:\d\d:\d\d\.\d\d\d"
    served.wait_for_line(rf"^{time_} GET    /api/v1/bots/{SEED_BOT} 200 \d+\.\d ms {DEFAULT_PROJECT}$")
    served.wait_for_line(rf"^{time_} GET    /api/v1/bots/bot_nope 404 \d+\.\d ms {DEFAULT_PROJECT}$")
    served.wait_for_line(
        rf"^{time_} bot {SEED_BOT} joined_not_recording -> post_processing \(meeting_ended\) {DEFAULT_PROJECT}$"
    )
    failed = served.wait_for_line(rf"^{time_} webhook whd_\w+ bot.state_change to {re.escape(hook)}: ")
    assert "Connection refused" in failed[0] and "(attempt 1 of 3, will retry)" in failed[0]
    assert not any("\x1b[" in line for line in served.lines)  # a pipe, not a terminal: no colour


def test_the_console_logs_json_lines_for_ci(serve):
    served = serve("--log-format", "json")
    served.call(f"/api/v1/bots/{SEED_BOT}")
    served.call(f"/sandbox/bots/{SEED_BOT}/events", "POST", {"type": "meeting_ended"})
    served.wait_for_line('"kind": "state"')
    records = [json.loads(line) for line in served.lines]
    request = next(r for r in records if r["kind"] == "request")
    assert set(request) == {"time", "kind", "method", "path", "status", "duration_ms", "project"}
    assert (request["method"], request["path"], request["status"], request["project"]) == (
        "GET", f"/api/v1/bots/{SEED_BOT}", 200, DEFAULT_PROJECT,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", request["time"])
    state = next(r for r in records if r["kind"] == "state")
    assert state["subject"] == "bot" and state["id"] == SEED_BOT
    assert (state["old_state"], state["new_state"], state["event_type"]) == (
        "joined_not_recording", "post_processing", "meeting_ended",
    )


def test_quiet_logs_nothing_but_the_banner_and_the_goodbye(serve):
    served = serve("--quiet")
    served.call(f"/api/v1/bots/{SEED_BOT}")
    served.call(f"/sandbox/bots/{SEED_BOT}/events", "POST", {"type": "meeting_ended"})
    assert served.terminate() == 0
    assert served.lines == ["Attendee Sandbox stopped; data saved."]


# -- the writer ---------------------------------------------------------------------------------------------------


class StuckStream(io.StringIO):
    """A terminal that stops reading until `release` is set."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def write(self, text):
        self.release.wait(10)
        return super().write(text)

    def isatty(self):
        return False


def test_a_stuck_console_never_blocks_a_request_and_says_how_many_lines_it_dropped():
    stream = StuckStream()
    log = ConsoleLog(stream, limit=10)
    started = time.monotonic()
    for n in range(1000):
        log.request("GET", f"/api/v1/bots/{n}", 200, 1.0, "proj_x")
    assert time.monotonic() - started < 2  # never waited for the terminal
    assert log.lines.qsize() <= 10 and log.dropped >= 980
    stream.release.set()
    log.close()
    lines = stream.getvalue().splitlines()
    dropped = r"\d+ log line\(s\) dropped: the console could not keep up \(SANDBOX_CONSOLE_LOG_LIMIT\)$"
    assert any(re.search(dropped, line) for line in lines)
    assert len(lines) <= 12


def test_colour_on_a_terminal_only():
    coloured = ConsoleLog(io.StringIO(), colour=True)
    plain = ConsoleLog(io.StringIO(), colour=False)
    line = ("request", time.time(), "GET", "/api/v1/bots", 404, 1.25, None)
    assert "\x1b[33mGET    /api/v1/bots 404 1.2 ms -\x1b[0m" in coloured.render(line)
    assert plain.render(line).endswith(" GET    /api/v1/bots 404 1.2 ms -")
    assert "\x1b" not in plain.render(line)
    for log in (coloured, plain):
        log.close()


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="unknown log format 'xml': text or json"):
        ConsoleLog(io.StringIO(), "xml")


def test_calendar_and_zoom_connection_state_changes_are_lines_too():
    stream = io.StringIO()
    log = ConsoleLog(stream, colour=False)
    log.emitted("proj_x", "calendar", "cal_1", "calendar.state_change", {"id": "cal_1", "state": "disconnected"})
    zoom = "zoom_oauth_connection"
    log.emitted("proj_x", zoom, "zoc_1", f"{zoom}.state_change", {"state": "connected"})
    log.emitted("proj_x", "calendar", "cal_1", "calendar.events_update", {"id": "cal_1"})  # not a state change
    log.close()
    lines = [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()]
    assert lines == ["calendar cal_1 -> disconnected proj_x", "zoom_oauth_connection zoc_1 -> connected proj_x"]
