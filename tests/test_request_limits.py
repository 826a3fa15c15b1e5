"""Issue 10, findings 1 and 11: request bodies are bounded (SANDBOX_MAX_BODY_BYTES, Django's
DATA_UPLOAD_MAX_MEMORY_SIZE) and the request journal keeps a bounded prefix of each; JSON nested past
SANDBOX_MAX_JSON_DEPTH and integers past any range are refused on purpose, never raised inside the app.

The memory and log tests run the README's serve command (waitress) as their own process on 127.0.0.1 and
end it by its PID; each sends a bounded number of requests with timeouts.
"""

import http.client
import io
import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from sandbox.config import ConfigError, load_settings
from tests.conftest import AUTH, SEED_BOT
from tests.control_helpers import post_json
from tests.test_reliability import Served

DJANGO_TOO_BIG = {"detail": "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."}
CONTROL_TOO_BIG = {"error": "The body is larger than 16777216 bytes (SANDBOX_MAX_BODY_BYTES)"}
LIMIT = 16 * 1024 * 1024
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
LEAVE = f"/api/v1/bots/{SEED_BOT}/leave"
TOO_DEEP = "Nesting too deep: more than 100 levels of arrays and objects (SANDBOX_MAX_JSON_DEPTH)"


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes that counts how many of them the app reads."""

    def __init__(self, size, byte=b"x"):
        self.size, self.byte, self.read_so_far = size, byte, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.read_so_far)
        buffer[:count] = self.byte * count
        self.read_so_far += count
        return count


def post_stream(client, path, stream, content_type="application/json", length=None, headers=AUTH):
    """POST `stream` as the body, with `Content-Length: length` or, without one, as a server that
    de-chunks a body of unknown length hands it over (`wsgi.input_terminated`)."""
    environ = {"wsgi.input": stream, "CONTENT_TYPE": content_type}
    if length is None:
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    return client.post(path, headers=headers, environ_overrides=environ)


def journal(client):
    response = client.get("/sandbox/requests", headers=AUTH)
    assert response.status_code == 200
    return response.json["results"]


# -- finding 1: bodies over the limit --------------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_refused_with_djangos_400_before_it_is_read(client, sandbox):
    bots = len(sandbox.store.scan("bots", "proj_sbx0Default00001"))
    stream = CountingStream(LIMIT + 1)
    response = post_stream(client, "/api/v1/bots", stream, length=LIMIT + 1)
    assert response.status_code == 400
    assert response.json == DJANGO_TOO_BIG
    assert stream.read_so_far <= 4096  # the journal's sample, nothing more
    assert len(sandbox.store.scan("bots", "proj_sbx0Default00001")) == bots


def test_a_body_of_exactly_the_limit_is_read(client):
    body = b"{}" + b" " * (LIMIT - 2)
    response = post_stream(client, "/api/v1/bots", io.BytesIO(body), length=LIMIT)
    assert response.status_code == 400
    assert response.json == {"meeting_url": ["This field is required."], "bot_name": ["This field is required."]}


def test_a_body_of_unknown_length_is_cut_off_at_the_limit_while_reading(client):
    stream = CountingStream(50 * LIMIT)
    response = post_stream(client, "/api/v1/bots", stream)
    assert response.status_code == 400
    assert response.json == DJANGO_TOO_BIG
    assert stream.read_so_far <= LIMIT + 65536


def test_a_form_body_over_the_limit_is_refused_alike(client):
    stream = CountingStream(LIMIT + 1)
    response = post_stream(
        client, f"/api/v1/bots/{SEED_BOT}/send_chat_message", stream, "application/x-www-form-urlencoded", LIMIT + 1
    )
    assert (response.status_code, response.json) == (400, DJANGO_TOO_BIG)


def test_the_media_type_is_checked_before_the_size_as_drf_picks_its_parser_first(client):
    response = post_stream(client, "/api/v1/bots", CountingStream(LIMIT + 1), "text/plain", LIMIT + 1)
    assert (response.status_code, response.json) == (415, {"detail": 'Unsupported media type "text/plain" in request.'})


def test_a_view_that_never_reads_the_body_ignores_one_over_the_limit_and_the_journal_keeps_its_prefix(client):
    stream = CountingStream(LIMIT * 2)
    response = post_stream(client, LEAVE, stream, "text/plain", LIMIT * 2)
    assert response.status_code == 200  # Django reads a body only when the view does
    assert stream.read_so_far == 4096
    entry = journal(client)[0]
    assert entry["body"] == "x" * 1024
    assert entry["body_truncated"] is True
    assert entry["body_length"] == LIMIT * 2


def test_the_journal_keeps_a_prefix_and_the_length_of_a_body_refused_as_too_large(client):
    post_stream(client, "/api/v1/bots", CountingStream(LIMIT + 1), length=LIMIT + 1)
    entry = journal(client)[0]
    assert (entry["status"], entry["body_truncated"], entry["body_length"]) == (400, True, LIMIT + 1)


def test_a_control_body_over_the_limit_is_a_400_naming_the_setting(client):
    stream = CountingStream(LIMIT + 1)
    response = post_stream(client, "/sandbox/clock/advance", stream, length=LIMIT + 1)
    assert (response.status_code, response.json) == (400, CONTROL_TOO_BIG)
    assert stream.read_so_far == 0
    response = post_stream(client, "/sandbox/clock/advance", CountingStream(LIMIT + 1))
    assert (response.status_code, response.json) == (400, CONTROL_TOO_BIG)
    assert client.get("/sandbox/clock", headers=AUTH).json["offset_seconds"] == 0.0


def test_a_dashboard_form_over_the_limit_is_a_clear_400(client):
    form = "application/x-www-form-urlencoded"
    response = post_stream(client, "/sandbox/ui/sign-in", CountingStream(LIMIT + 1), form, LIMIT + 1, headers={})
    assert (response.status_code, response.json) == (400, CONTROL_TOO_BIG)


def test_the_limit_is_the_setting_sandbox_max_body_bytes(make_app):
    assert load_settings(environ={}).max_body_bytes == 16 * 1024 * 1024
    assert load_settings(environ={"SANDBOX_MAX_BODY_BYTES": "1000"}).max_body_bytes == 1000
    with pytest.raises(ConfigError, match=r"SANDBOX_MAX_BODY_BYTES=0: must be a number of bytes >= 1"):
        load_settings(environ={"SANDBOX_MAX_BODY_BYTES": "0"})
    client = make_app(max_body_bytes=100).test_client()
    body = {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "x" * 100}
    assert post_json(client, "/api/v1/bots", body).json == DJANGO_TOO_BIG
    assert post_json(client, "/api/v1/bots", {"bot_name": "x"}).json == {"meeting_url": ["This field is required."]}
    response = post_json(client, "/sandbox/clock/advance", {"seconds": 1, "pad": "x" * 100})
    assert response.json == {"error": "The body is larger than 100 bytes (SANDBOX_MAX_BODY_BYTES)"}


# -- finding 11: nesting and integers ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [101, 10_000])
def test_json_nested_too_deep_is_a_parse_error_on_the_api(client, capsys, depth):
    response = client.post("/api/v1/bots", headers=JSON_AUTH, data="[" * depth + "]" * depth)
    assert (response.status_code, response.json) == (400, {"detail": f"JSON parse error - {TOO_DEEP}"})
    assert "Traceback" not in capsys.readouterr().err


def test_json_nested_to_the_limit_is_parsed(client):
    body = json.dumps({"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "x"})
    nested = "[" * 99 + body + "]" * 99  # 100 levels: the limit
    response = client.post("/api/v1/bots", headers=JSON_AUTH, data=nested)
    assert response.json == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


@pytest.mark.parametrize("depth", [101, 10_000])
def test_json_nested_too_deep_is_refused_by_the_control_plane(client, capsys, depth):
    body = '{"seconds": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
    response = client.post("/sandbox/clock/advance", headers=JSON_AUTH, data=body)
    assert (response.status_code, response.json) == (400, {"error": f"The body is refused: {TOO_DEEP}"})
    assert "Traceback" not in capsys.readouterr().err


def test_the_depth_limit_is_a_bounded_setting(make_app):
    assert load_settings(environ={"SANDBOX_MAX_JSON_DEPTH": "20"}).max_json_depth == 20
    with pytest.raises(ConfigError, match=r"SANDBOX_MAX_JSON_DEPTH=201: must be from 1 to 200"):
        load_settings(environ={"SANDBOX_MAX_JSON_DEPTH": "201"})
    client = make_app(max_json_depth=3).test_client()
    response = client.patch(f"/api/v1/bots/{SEED_BOT}", headers=JSON_AUTH, data='{"metadata": {"a": [[1]]}}')
    assert response.json == {
        "detail": "JSON parse error - Nesting too deep: more than 3 levels of arrays and objects (SANDBOX_MAX_JSON_DEPTH)"
    }


def test_a_deeply_nested_body_in_the_journal_is_shown_as_text(client):
    deep = "[" * 2000 + "]" * 2000  # 4000 bytes: kept whole by the journal, too deep to decode there
    client.post(LEAVE, headers=JSON_AUTH, data=deep)
    assert journal(client)[0]["body"] == deep


@pytest.mark.parametrize(
    "query, message",
    [
        ("limit=" + "9" * 5000, "limit must be a positive integer (at most 10000 entries are kept)"),
        ("limit=" + "0" * 5000 + "1", "limit must be a positive integer (at most 10000 entries are kept)"),
        ("limit=²", "limit must be a positive integer (at most 10000 entries are kept)"),
        ("status=" + "4" * 5000, "status must be an HTTP status code such as 404"),
        ("status=²", "status must be an HTTP status code such as 404"),
        ("status=99", "status must be an HTTP status code such as 404"),
    ],
)
def test_journal_integers_out_of_any_range_are_clear_400s(client, capsys, query, message):
    response = client.get(f"/sandbox/requests?{query}", headers=AUTH)
    assert (response.status_code, response.json) == (400, {"error": message})
    assert "Traceback" not in capsys.readouterr().err


def test_a_huge_limit_within_range_still_pages(client):
    client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    response = client.get("/sandbox/requests?limit=" + "9" * 30, headers=AUTH)
    assert response.json["count"] == 1


@pytest.mark.parametrize("indent", ["²", "9" * 5000, "x", "0"])
def test_an_accept_indent_that_int_refuses_is_ignored_as_drf_does(client, indent):
    response = client.get(f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, "Accept": f"application/json; indent={indent}"})
    assert response.status_code == 200
    assert response.data.startswith(b'{"id":"bot_')  # compact, as without the parameter


def test_the_dashboards_duration_field_is_range_checked(client):
    client.set_cookie("attendee_sandbox_key", AUTH["Authorization"].split()[1], path="/sandbox/ui")
    response = client.post(
        "/sandbox/ui/bots/bot_sbxJoinedRec0000/utterances",
        data={"speaker_uuid": "u1", "text": "hi", "duration_ms": "9" * 5000},
        headers={"Accept": "application/json"},
    )
    assert (response.status_code, response.json) == (
        400,
        {"ok": False, "error": "duration_ms must be a whole number of milliseconds"},
    )


# -- a served sandbox: memory and log -------------------------------------------------------------------------------

TWENTY_MB = 20 * 1024 * 1024
MEMORY_POSTS = [
    LEAVE,  # a view that never reads its body: the journal used to keep it whole
    "/api/v1/bots",  # read by the view: refused on Content-Length
    "/sandbox/clock/advance",  # the control plane alike
] * 4


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_raw(url, method, path, body=b"", headers=(), timeout=60):
    """One request over a fresh connection: (status, body bytes)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (*headers, ("Content-Length", str(len(body)))):
            connection.putheader(name, value)
        connection.endheaders()
        view = memoryview(body)
        for start in range(0, len(body), 1 << 20):
            connection.send(view[start : start + (1 << 20)])
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def served(tmp_path):
    started = []

    def start(env=None):
        server = Served(tmp_path / f"data{len(started)}.json", env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    """One served sandbox for the tests that only send it bodies it refuses."""
    server = Served(tmp_path_factory.mktemp("served") / "data.json")
    yield server
    server.close()


def test_twelve_20_mb_posts_grow_a_served_sandbox_by_less_than_100_mb(served):
    server = served()
    auth = (("Authorization", AUTH["Authorization"]), ("Content-Type", "application/json"))
    for _ in range(3):  # warm up every route once
        for path in MEMORY_POSTS[:3]:
            send_raw(server.url, "POST", path, b"{}", auth)
    before = rss_kib(server.pid)
    body = b"x" * TWENTY_MB
    deadline = time.monotonic() + 120
    answers = []
    for path in MEMORY_POSTS:
        assert time.monotonic() < deadline, "the posts took too long"
        answers.append(send_raw(server.url, "POST", path, body, auth))
    grown_mib = (rss_kib(server.pid) - before) / 1024
    assert [status for status, _ in answers] == [400] * 12  # the leaves: the bot left during the warm-up
    assert {json.loads(raw)["detail"] for _, raw in answers[1::3]} == {DJANGO_TOO_BIG["detail"]}
    assert {json.loads(raw)["error"] for _, raw in answers[2::3]} == {CONTROL_TOO_BIG["error"]}
    assert grown_mib < 100, f"resident memory grew by {grown_mib:.0f} MiB"


def test_refusals_of_deep_nesting_and_huge_integers_leave_no_traceback_in_a_served_sandbox(served):
    server = served()
    auth = (("Authorization", AUTH["Authorization"]), ("Content-Type", "application/json"))
    deep = b"[" * 10_000 + b"]" * 10_000
    answers = [
        send_raw(server.url, "POST", "/api/v1/bots", deep, auth),
        send_raw(server.url, "POST", "/sandbox/clock/advance", b'{"seconds":' + deep + b"}", auth),
        send_raw(server.url, "GET", "/sandbox/requests?limit=" + "9" * 5000, b"", auth),
    ]
    assert [status for status, _ in answers] == [400, 400, 400]
    assert json.loads(answers[0][1]) == {"detail": f"JSON parse error - {TOO_DEEP}"}
    assert json.loads(answers[2][1]) == {"error": "limit must be a positive integer (at most 10000 entries are kept)"}
    _, _, stderr = server.terminate()
    assert "Traceback" not in stderr and "could not handle" not in stderr


def test_a_served_sandbox_refuses_a_chunked_body_over_the_limit(refusing):
    server = refusing
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        head = (
            f"POST /api/v1/bots HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: {AUTH['Authorization']}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk = b"x" * (1 << 20)
        for _ in range(17):
            sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert answer.endswith(json.dumps(DJANGO_TOO_BIG, separators=(",", ":")).encode())


def test_a_served_sandbox_answers_a_declared_oversized_body_before_it_is_sent(refusing):
    """The server itself knows the limit: a Content-Length over it is answered at once, unread, and not
    spooled to disk first; the body the client then sends is drained, so it reads the answer, not a reset."""
    server = refusing
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = (
            f"POST /api/v1/bots HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: {AUTH['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"{")  # one byte of the 100 MB announced
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert answer.endswith(json.dumps(DJANGO_TOO_BIG, separators=(",", ":")).encode())
