"""Issue 10, findings 6 and 14: only this sandbox's clients drive it. The Host header must be an allowed host
(SANDBOX_ALLOWED_HOSTS) on every route, the control plane's JSON API takes JSON bodies only and refuses
another site's Origin, an empty admin token stops start-up, answers carry the security headers, links use
SANDBOX_PUBLIC_URL, and a data file without projects stops start-up with one clear line.

The served tests run the README's serve command (waitress) as their own process on 127.0.0.1 and end it
by its PID.
"""

import http.client
import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from sandbox import create_app
from sandbox.config import ConfigError, default_fixtures_dir, load_settings
from sandbox.infra.fixtures import load_fixtures
from sandbox.infra.store import StoreError, TinyDBStore
from tests.conftest import AUTH, DEFAULT_KEY, FIXTURE_BOTS
from tests.control_helpers import post_json
from tests.test_reliability import Served, read_data_file

DEFAULT_PROJECT = "proj_sbx0Default00001"
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
EVIL = "http://evil.example"
EVERY_KIND_OF_ROUTE = [
    ("GET", "/api/v1/bots"),
    ("POST", f"/api/v1/bots/{FIXTURE_BOTS['joined_recording']}/leave"),
    ("GET", "/api/v1/unknown"),
    ("POST", "/sandbox/reset"),
    ("POST", "/sandbox/projects"),
    ("GET", "/sandbox/requests"),
    ("GET", "/sandbox/webhooks/deliveries"),
    ("GET", "/sandbox/ui"),
    ("GET", "/api/schema"),
    ("GET", "/sandbox/media/x.mp4"),
    ("GET", "/nowhere"),
]
FORM_MESSAGE = (
    'Unsupported media type "{}": the /sandbox endpoints read JSON bodies (send Content-Type: '
    "application/json; with curl, -H 'Content-Type: application/json' or --json)"
)


def project_ids(sandbox):
    return sorted(p["id"] for p in sandbox.store.scan("projects", ""))


def bot_state(sandbox, bot_id):
    return sandbox.store.get("bots", bot_id)["state"]


# -- Host (DNS rebinding) ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", EVERY_KIND_OF_ROUTE)
def test_a_host_that_is_not_allowed_is_refused_on_every_route_and_changes_nothing(client, sandbox, method, path):
    projects = project_ids(sandbox)
    response = client.open(path, method=method, headers=JSON_AUTH, base_url="http://evil.example:8000")
    assert response.status_code == 400
    key = "detail" if path.startswith("/api/") else "error"
    assert response.json == {
        key: "Invalid HTTP_HOST header: 'evil.example:8000'. You may need to add 'evil.example' to SANDBOX_ALLOWED_HOSTS."
    }
    assert project_ids(sandbox) == projects
    assert bot_state(sandbox, FIXTURE_BOTS["joined_recording"]) == "joined_recording"
    assert client.get("/sandbox/requests", headers=AUTH).json["count"] == 0  # refused before the journal


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "LOCALHOST.", "app.localhost:1", "127.0.0.1:8000", "[::1]:8000"]
)
def test_the_loopback_names_are_allowed_by_default(client, host):
    response = client.get("/api/v1/bots", headers=AUTH, base_url=f"http://{host}")
    assert response.status_code == 200


def test_a_host_that_is_not_a_host_name_is_refused(client):
    response = client.get("/api/v1/bots", headers={**AUTH, "Host": "bad_host!"})
    assert (response.status_code, response.json) == (
        400,
        {
            "detail": "Invalid HTTP_HOST header: 'bad_host!'. "
            "The domain name provided is not valid according to RFC 1034/1035."
        },
    )


@pytest.mark.parametrize(
    "listen_host, host, allowed",
    [("10.1.2.3", "10.1.2.3:8000", True), ("0.0.0.0", "0.0.0.0:8000", False), ("::1", "[::1]:8000", True)],
)
def test_the_address_the_sandbox_listens_on_is_allowed(app, listen_host, host, allowed):
    app.extensions["sandbox"].settings.listen_host = listen_host
    response = app.test_client().get("/api/v1/bots", headers=AUTH, base_url=f"http://{host}")
    assert (response.status_code == 200) is allowed


@pytest.mark.parametrize(
    "setting, host, allowed",
    [
        ("demo.example.com", "demo.example.com", True),
        ("demo.example.com", "localhost", False),  # the setting replaces the defaults, as ALLOWED_HOSTS
        (".example.com", "example.com:443", True),
        (".example.com", "a.b.example.com", True),
        (".example.com", "badexample.com", False),
        ("*", "anything.test", True),
        ("Demo.Example.com, other.test", "other.test", True),
    ],
)
def test_allowed_hosts_are_djangos_patterns(make_app, setting, host, allowed):
    client = make_app(allowed_hosts=setting).test_client()
    response = client.get("/api/v1/bots", headers=AUTH, base_url=f"http://{host}")
    assert (response.status_code == 200) is allowed


def test_the_settings_come_from_the_environment():
    environ = {"SANDBOX_ALLOWED_HOSTS": "A.test, .b.test", "SANDBOX_PUBLIC_URL": "https://sandbox.example.com/"}
    settings = load_settings(environ=environ)
    assert (settings.allowed_hosts, settings.public_url) == (("a.test", ".b.test"), "https://sandbox.example.com")
    assert load_settings(environ={}).allowed_hosts is None  # the defaults


def test_the_public_urls_host_is_allowed_by_default(make_app):
    client = make_app(public_url="https://sandbox.example.com").test_client()
    response = client.get("/api/v1/bots", headers=AUTH, base_url="https://sandbox.example.com")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("SANDBOX_ALLOWED_HOSTS", " , ", "SANDBOX_ALLOWED_HOSTS=' , ': no host"),
        ("SANDBOX_PUBLIC_URL", "sandbox.example.com", "SANDBOX_PUBLIC_URL='sandbox.example.com': must be an http"),
        ("SANDBOX_PUBLIC_URL", "https://x.test/?a=1", "SANDBOX_PUBLIC_URL='https://x.test/?a=1': must be an http"),
    ],
)
def test_bad_host_settings_stop_start_up(variable, value, message):
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        load_settings(environ={variable: value})


# -- the control plane's JSON API: JSON bodies and its own Origin only ---------------------------------------------


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"])
@pytest.mark.parametrize("body", [b"", b'{"name": "x"}', b"name=x"])
def test_what_a_cross_site_form_can_send_is_refused_by_reset_and_projects(client, sandbox, content_type, body):
    other = post_json(client, "/sandbox/projects", {"name": "kept"}).json["id"]
    projects = project_ids(sandbox)
    for path in ("/sandbox/reset", "/sandbox/projects"):
        response = client.post(path, data=body, environ_overrides={"CONTENT_TYPE": content_type})
        assert response.status_code == 415
        assert response.json == {"error": FORM_MESSAGE.format(content_type)}
    assert project_ids(sandbox) == projects and other in projects


@pytest.mark.parametrize("origin", [EVIL, "http://localhost.evil.example", "null", "http://127.0.0.1:1"])
def test_another_sites_origin_is_refused_whatever_the_body(client, sandbox, origin):
    projects = project_ids(sandbox)
    for path, body in (("/sandbox/reset", None), ("/sandbox/projects", {"name": "x"})):
        response = post_json(client, path, body, headers={"Origin": origin})
        assert response.status_code == 403
        assert response.json == {
            "error": f"Cross-site request refused: Origin {origin!r} is not this sandbox's own (http://localhost)"
        }
    response = client.get("/sandbox/requests", headers={**AUTH, "Origin": origin})
    assert response.status_code == 403
    assert project_ids(sandbox) == projects


def test_the_sandboxs_own_origin_and_no_origin_are_accepted(client):
    assert post_json(client, "/sandbox/projects", {"name": "a"}, headers={"Origin": "http://localhost"}).status_code == 201
    assert post_json(client, "/sandbox/projects", {"name": "b"}, headers={}).status_code == 201
    assert client.post("/sandbox/reset").status_code == 200  # curl -X POST: no body, no Content-Type
    response = client.post("/sandbox/reset", data="", headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_the_public_urls_origin_is_the_sandboxs_own(make_app):
    client = make_app(public_url="https://sandbox.example.com").test_client()
    response = post_json(client, "/sandbox/projects", {"name": "a"}, headers={"Origin": "https://sandbox.example.com"})
    assert response.status_code == 201


def test_the_webhook_delivery_log_is_guarded_alike(client):
    response = client.post("/sandbox/webhooks/deliveries/whd_x/redeliver", headers={**AUTH, "Origin": EVIL})
    assert response.status_code == 403
    response = client.post(
        "/sandbox/webhooks/deliveries/whd_x/redeliver", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_dashboard_forms_keep_working_and_keep_their_own_origin_check(client):
    response = client.post("/sandbox/ui/sign-in", data={"api_key": DEFAULT_KEY}, headers={"Origin": "http://localhost"})
    assert response.status_code == 303
    response = client.post("/sandbox/ui/clock/advance", data={"seconds": "10"})
    assert response.status_code == 303 and "notice=%2B10+s%3A+" in response.headers["Location"]
    response = client.post("/sandbox/ui/clock/advance", data={"seconds": "10"}, headers={"Origin": EVIL})
    assert response.status_code == 403


# -- the admin token ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_admin_token_is_a_start_up_error(value):
    with pytest.raises(ConfigError, match="SANDBOX_ADMIN_TOKEN is set but empty: set it to a secret, or unset it"):
        load_settings(environ={"SANDBOX_ADMIN_TOKEN": value})
    with pytest.raises(ConfigError, match="SANDBOX_ADMIN_TOKEN is empty"):
        load_settings({"admin_token": value}, environ={})


def test_serve_with_an_empty_admin_token_stops_with_one_line(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(tmp_path / "data.json")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SANDBOX_ADMIN_TOKEN": ""},
    )
    assert process.returncode == 2
    assert process.stdout == ""
    assert process.stderr == (
        "attendee-sandbox: SANDBOX_ADMIN_TOKEN is set but empty: set it to a secret, or unset it to leave "
        "POST /sandbox/projects and POST /sandbox/reset open\n"
    )


# -- hardening: headers, links, start-up ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/sandbox/scenarios", 200),
        ("GET", "/sandbox/clock", 401),
        ("POST", "/sandbox/clock/advance", 400),
        ("GET", "/sandbox/nowhere", 404),
        ("GET", "/sandbox/webhooks/deliveries", 200),
        ("GET", "/api/schema", 200),
    ],
)
def test_sandbox_json_answers_carry_the_security_headers(client, method, path, status):
    headers = {} if status == 401 else JSON_AUTH
    response = client.open(path, method=method, headers=headers, data="{}" if method == "POST" else None)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_with_any_host_allowed_recording_links_use_the_public_url_not_the_host(make_app):
    client = make_app(allowed_hosts="*", public_url="https://sandbox.example.com").test_client()
    bot = FIXTURE_BOTS["ended"]
    response = client.get(f"/api/v1/bots/{bot}/recording", headers=AUTH, base_url="http://attacker.test")
    assert response.json["url"].startswith("https://sandbox.example.com/sandbox/media/")


def data_file_without_projects(path):
    tables = load_fixtures(default_fixtures_dir())
    tables["projects"] = []
    store = TinyDBStore(path)
    store.replace_all(tables)
    store.close()
    return path


def test_a_data_file_without_projects_stops_create_app_with_a_clear_error(tmp_path):
    path = data_file_without_projects(tmp_path / "data.json")
    with pytest.raises(StoreError, match=r"not a sandbox data file \(it has no projects\); it was left untouched"):
        create_app({"data_path": path, "testing": True})


def test_serve_on_a_data_file_without_projects_stops_with_one_line(tmp_path):
    path = data_file_without_projects(tmp_path / "data.json")
    process = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert process.stderr == (
        f"attendee-sandbox: {path}: not a sandbox data file (it has no projects); it was left untouched: "
        "give another --data file, or replace it with the fixtures (attendee-sandbox reset)\n"
    )


# -- a served sandbox: DNS rebinding and cross-site forms over real sockets --------------------------------------------


def raw(url, method, path, body=b"", headers=()):
    """One request with exactly these headers (Host included): (status, parsed JSON)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in (*headers, ("Content-Length", str(len(body)))):
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path / "data.json")
    yield server
    server.close()


def test_a_served_sandbox_refuses_a_rebound_host_and_a_cross_site_form(served):
    netloc = urlsplit(served.url).netloc
    own = (("Host", netloc), ("Content-Type", "application/json"))
    status, body = raw(served.url, "POST", "/sandbox/projects", b'{"name": "mine"}', own)
    assert status == 201
    rebound = (("Host", f"evil.example:{urlsplit(served.url).port}"), ("Authorization", AUTH["Authorization"]))
    assert raw(served.url, "GET", "/api/v1/bots", b"", rebound)[0] == 400  # a rebinding page reads nothing
    status, body = raw(served.url, "POST", "/sandbox/reset", b"", rebound)
    assert status == 400 and body["error"].startswith("Invalid HTTP_HOST header: 'evil.example:")
    form = (("Host", netloc), ("Content-Type", "application/x-www-form-urlencoded"), ("Origin", EVIL))
    assert raw(served.url, "POST", "/sandbox/reset", b"", form)[0] == 403
    assert raw(served.url, "POST", "/sandbox/projects", b"name=x", form)[0] == 403
    assert raw(served.url, "POST", "/sandbox/reset", b"", (("Host", netloc), ("Content-Type", "text/plain")))[0] == 415
    code, _, _ = served.terminate()
    assert code == 0
    names = sorted(doc["name"] for doc in read_data_file(served.data)["projects"].values())
    assert names == ["Default project", "Second project", "mine"]  # nothing reset, nothing else created
