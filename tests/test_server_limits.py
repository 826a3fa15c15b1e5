"""Issue 10, the HTTP server: no client and no project can lock the others out (sandbox/web/server.py).

* Connections: 150 clients that never finish their headers, or idle keep-alive connections, leave room
  for a new client (`--connection-limit`, `--header-timeout`, `--idle-timeout`; SANDBOX_* settings).
* Delayed requests: a project's requests held by a fault's `delay_ms` never delay another project's (a
  thread is lent to the server while one sleeps); past the limits a delayed request is answered 429.

Each served test runs `python -m sandbox serve` as its own process on 127.0.0.1 (tests/test_cli.py's
`start_server`, tests/test_reliability.py's `servers`), bounded in count and time; sockets are closed and
processes ended by the fixtures.
"""

import json
import socket
import threading
import time

import pytest
import requests

from sandbox.config import Settings
from sandbox.domain.faults import DelayedRequests
from sandbox.web.server import LendingDispatcher
from tests.conftest import AUTH, DEFAULT_KEY, SECOND_AUTH
from tests.test_cli import start_server
from tests.test_pytest_plugin import USER_PYTEST
from tests.test_reliability import prepare_data, servers  # noqa: F401 - fixture
from tests.webhook_helpers import real_monotonic, wait_until

pytest_plugins = ["pytester"]

PARTIAL_HEADERS = b"GET /api/v1/bots HTTP/1.1\r\nHost: 127.0.0.1\r\n"
BOTS = "/api/v1/bots"


@pytest.fixture
def sockets():
    """Raw client sockets to a served sandbox, all closed at the end."""
    opened = []

    def connect(base_url, count, first_bytes=b""):
        host, port = base_url.removeprefix("http://").split(":")
        for _ in range(count):
            sock = socket.create_connection((host, int(port)), timeout=5)
            if first_bytes:
                sock.sendall(first_bytes)
            opened.append(sock)
        return opened[-count:]

    yield connect
    for sock in opened:
        sock.close()


@pytest.fixture
def served(tmp_path):
    """`serve` with extra flags: (base URL) ; the process is killed at the end."""
    started = []

    def start(*flags):
        process, base_url, _ = start_server(tmp_path / "data.json", *flags)
        started.append(process)
        return base_url

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def timed_get(base_url, headers=AUTH, timeout=15):
    started = real_monotonic()
    response = requests.get(base_url + BOTS, headers=headers, timeout=timeout)
    return response, real_monotonic() - started


def read_until_closed(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


# -- connections ---------------------------------------------------------------------------------------------


def test_with_150_connections_that_never_finish_their_headers_a_new_client_is_answered_within_2_s(
    served, sockets
):
    base_url = served()
    held = sockets(base_url, 150, PARTIAL_HEADERS)
    for sock in held[::10]:
        sock.sendall(b"X")  # a few drip on, as a slowloris does
    response, elapsed = timed_get(base_url)
    assert response.status_code == 200
    assert elapsed < 2.0, elapsed


def test_a_client_that_drips_its_headers_gets_408_once_the_header_timeout_passes(served, sockets):
    base_url = served("--header-timeout", "1")
    [dripping] = sockets(base_url, 1)
    started = real_monotonic()
    answer = b""
    dripping.settimeout(0.2)
    for byte in PARTIAL_HEADERS * 10:  # 4+ s of drip, if nothing stopped it
        try:
            dripping.sendall(bytes([byte]))
            answer += dripping.recv(65536)
            break
        except TimeoutError:
            continue
        except OSError:
            break
    answer += read_until_closed(dripping, 5)
    elapsed = real_monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
    assert b"\r\nContent-Type: application/json\r\n" in head + b"\r\n"
    assert b"\r\nConnection: close" in head
    assert json.loads(body) == {"error": "The request headers did not arrive within 1 s"}
    assert 0.9 <= elapsed < 3.5, elapsed


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(served, sockets):
    base_url = served("--header-timeout", "1")
    [silent] = sockets(base_url, 1)
    started = real_monotonic()
    assert read_until_closed(silent, 5) == b""
    assert 0.9 <= real_monotonic() - started < 3.5


def test_past_the_connection_limit_late_headers_give_way_within_the_header_timeout(served, sockets):
    base_url = served("--connection-limit", "20", "--header-timeout", "1")
    sockets(base_url, 20, PARTIAL_HEADERS)
    response, elapsed = timed_get(base_url)
    assert response.status_code == 200
    assert elapsed < 5.0, elapsed


def test_past_the_connection_limit_idle_keep_alive_connections_give_way_within_the_idle_timeout(served, sockets):
    base_url = served("--connection-limit", "20", "--idle-timeout", "1")
    request = f"GET {BOTS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {DEFAULT_KEY}\r\n\r\n".encode()
    sockets(base_url, 20, request)  # answered, then kept alive and idle
    response, elapsed = timed_get(base_url)
    assert response.status_code == 200
    assert elapsed < 5.0, elapsed


def test_connection_settings_come_from_the_environment_and_bad_ones_stop_serve(tmp_path, servers):
    data = tmp_path / "data.json"
    prepare_data(data)
    env = {"SANDBOX_HEADER_TIMEOUT": "1", "SANDBOX_CONNECTION_LIMIT": "20"}
    served = servers(data, env=env)
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(PARTIAL_HEADERS)
        assert read_until_closed(sock, 5).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    from sandbox.cli import main

    assert main(["serve", "--port", "0", "--data", str(data), "--connection-limit", "0"]) == 2


def test_the_pytest_plugin_s_server_has_serve_s_limits(pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def attendee_sandbox_settings():
            return {"header_timeout": 1, "connection_limit": 50}
        """
    )
    pytester.makepyfile(
        test_limits="""
        import socket, time

        def test_late_headers(attendee_sandbox):
            port = int(attendee_sandbox.base_url.rsplit(":", 1)[1])
            assert attendee_sandbox._server.adj.connection_limit == 50
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"GET / HTTP/1.1\\r\\n")
                sock.settimeout(5)
                started = time.monotonic()
                assert sock.recv(100).startswith(b"HTTP/1.1 408 Request Timeout\\r\\n")
                assert time.monotonic() - started < 3.5
        """
    )
    result = pytester.runpytest_subprocess(*USER_PYTEST, timeout=120)
    result.assert_outcomes(passed=1)


# -- delayed requests --------------------------------------------------------------------------------------------


def _new_project(base_url):
    response = requests.post(f"{base_url}/sandbox/projects", json={"name": "delayed"}, timeout=10)
    assert response.status_code == 201
    return {"Authorization": f"Token {response.json()['api_key']}"}


def _add_delay(base_url, headers, delay_ms):
    fault = {"method": "GET", "path": BOTS, "delay_ms": delay_ms, "times": None}
    response = requests.post(f"{base_url}/sandbox/faults", headers=headers, json=fault, timeout=10)
    assert response.status_code == 201, response.text


def _in_background(count, call):
    answers, threads = [], []
    for _ in range(count):
        thread = threading.Thread(target=lambda: answers.append(call()), daemon=True)
        thread.start()
        threads.append(thread)
    return answers, threads


def test_16_delayed_requests_of_one_project_leave_another_project_s_get_answered_within_1_s(served):
    base_url = served()  # 8 server threads
    project_b = _new_project(base_url)
    _add_delay(base_url, project_b, 3000)  # B's requests sleep until A's GET has been answered, or failed
    answers, threads = _in_background(16, lambda: timed_get(base_url, project_b))
    time.sleep(1.0)  # B's 16 requests reach the server and fall asleep
    response, elapsed = timed_get(base_url)  # project A: the default project
    assert response.status_code == 200
    assert elapsed < 1.0, elapsed
    for thread in threads:
        thread.join(15)
    assert sorted(r.status_code for r, _ in answers) == [200] * 16
    assert all(2.9 <= took for _, took in answers)


def test_past_the_per_project_and_global_limits_a_delayed_request_is_answered_429_at_once(make_app):
    app = make_app(delayed_requests_per_project=2, delayed_requests_limit=3)
    sandbox = app.extensions["sandbox"]
    second = app.test_client()
    for headers in (AUTH, SECOND_AUTH):
        fault = {"method": "GET", "path": BOTS, "delay_ms": 1500, "times": None}
        assert app.test_client().post("/sandbox/faults", headers=headers, json=fault).status_code == 201
    held, threads = _in_background(2, lambda: app.test_client().get(BOTS, headers=AUTH))
    wait_until(lambda: sandbox.delayed_requests.total == 2, timeout=5, what="two held requests")

    started = real_monotonic()
    refused = app.test_client().get(BOTS, headers=AUTH)
    assert real_monotonic() - started < 0.5
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.json == {
        "error": "Too many delayed requests: this project already has 2 requests held by fault delays "
        "(SANDBOX_DELAYED_REQUESTS_PER_PROJECT); this request was not run"
    }

    more, more_threads = _in_background(1, lambda: second.get(BOTS, headers=SECOND_AUTH))
    wait_until(lambda: sandbox.delayed_requests.total == 3, timeout=5, what="a third held request")
    refused = app.test_client().get(BOTS, headers=SECOND_AUTH)
    assert refused.status_code == 429
    assert refused.json == {
        "error": "Too many delayed requests: the sandbox already holds 3 requests held by fault delays "
        "(SANDBOX_DELAYED_REQUESTS_LIMIT); this request was not run"
    }
    for thread in threads + more_threads:
        thread.join(10)
    assert [r.status_code for r in held + more] == [200, 200, 200]
    assert sandbox.delayed_requests.total == 0 and sandbox.delayed_requests.held == {}


def test_a_lent_thread_is_given_back_and_none_is_lent_once_the_server_stops():
    dispatcher = LendingDispatcher(2)
    try:
        running = lambda: len(dispatcher.threads) - dispatcher.stop_count  # noqa: E731
        assert running() == 2
        assert dispatcher.lend() and dispatcher.lend()
        assert running() == 4
        dispatcher.give_back()
        assert running() == 3
    finally:
        dispatcher.shutdown(timeout=2)
    assert dispatcher.lend() is False
    dispatcher.give_back()
    assert not dispatcher.threads


def test_without_a_lending_server_a_delay_sleeps_within_the_limits():
    delayed = DelayedRequests(Settings(delayed_requests_per_project=1, delayed_requests_limit=1))
    started = real_monotonic()
    delayed.hold("proj_a", 0.1)
    assert 0.1 <= real_monotonic() - started < 1.0
    assert delayed.total == 0
