"""Issue 10, webhooks into the sandbox itself: a bot's webhook aimed at `/sandbox/reset` used to wipe every
project. The sandbox never sends a webhook to its own listening address: a subscription to it is refused
with a 400 that says why (bot create, project create), and a delivery that would reach it (a fixture's
subscription, a name that resolves there later) is failed without a request.

Served tests run `python -m sandbox serve` (tests/test_cli.py's `start_server`); receivers elsewhere on
127.0.0.1 keep working (tests/test_webhook_delivery.py proves it at length).
"""

import socket

import pytest
import requests

from sandbox.config import Settings
from sandbox.infra.own_address import OwnAddress
from tests.conftest import AUTH, SEED_BOT
from tests.test_cli import start_server, stop_server
from tests.test_reliability import prepare_data
from tests.webhook_helpers import (  # noqa: F401 - fixtures
    DEFAULT_PROJECT,
    Recorder,
    _shared_receiver_server,
    deliveries,
    receiver_server,
    settle,
    subscribe_project,
    wait_until,
)

MEET = "https://meet.google.com/abc-defg-hij"
BOT_MESSAGE = "webhook URL must not point at the sandbox itself ({}): the sandbox never sends webhooks to itself"
PROJECT_MESSAGE = (
    "webhooks[0].url must not point at the sandbox itself ({}): the sandbox never sends webhooks to itself"
)
DELIVERY_MESSAGE = "The webhook URL reaches the sandbox itself ({}); the sandbox never sends webhooks to itself"
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A served sandbox on a port chosen beforehand, shared by the tests that only see refusals: (base URL,
    port, process)."""
    port = free_port()
    process, base_url, _ = start_server(tmp_path_factory.mktemp("served") / "data.json", "--port", str(port))
    yield base_url, port, process
    if process.poll() is None:
        process.kill()
        process.wait()


def self_urls(port):
    return [
        f"http://127.0.0.1:{port}/sandbox/reset",
        f"http://localhost:{port}/sandbox/reset",
        f"http://0.0.0.0:{port}/sandbox/reset",
        f"http://[::ffff:127.0.0.1]:{port}/sandbox/reset",
    ]


def test_a_bot_webhook_at_the_sandbox_itself_is_refused_at_create_and_changes_nothing(served):
    base_url, port, _ = served
    before = requests.get(f"{base_url}/api/v1/bots", headers=AUTH, timeout=10).json()["results"]
    for url in self_urls(port):
        response = requests.post(
            f"{base_url}/api/v1/bots",
            headers=JSON_AUTH,
            json={"meeting_url": MEET, "bot_name": "Loop", "webhooks": [{"url": url, "triggers": ["bot.state_change"]}]},
            timeout=10,
        )
        assert response.status_code == 400, url
        assert response.json() == {"error": BOT_MESSAGE.format(f"127.0.0.1:{port}")}, url
    assert requests.get(f"{base_url}/api/v1/bots", headers=AUTH, timeout=10).json()["results"] == before


def test_a_project_webhook_at_the_sandbox_itself_is_refused_at_create(served):
    base_url, port, _ = served
    for url in self_urls(port):
        response = requests.post(
            f"{base_url}/sandbox/projects",
            json={"webhooks": [{"url": url, "triggers": ["bot.state_change"]}]},
            timeout=10,
        )
        assert response.status_code == 400, url
        assert response.json() == {"error": PROJECT_MESSAGE.format(f"127.0.0.1:{port}")}, url


def test_a_fixture_subscription_at_the_sandbox_itself_fails_without_a_request(tmp_path):
    port = free_port()
    data = tmp_path / "data.json"
    hooks = [{"url": f"http://127.0.0.1:{port}/sandbox/reset", "triggers": ["bot.state_change"]}]
    prepare_data(data, project_webhooks=hooks)
    process, base_url, _ = start_server(data, "--port", str(port))
    try:
        other = requests.post(f"{base_url}/sandbox/projects", json={"name": "kept"}, timeout=10).json()
        assert requests.post(f"{base_url}/api/v1/bots/{SEED_BOT}/leave", headers=JSON_AUTH, timeout=10).status_code == 200

        def settled():
            response = requests.get(f"{base_url}/sandbox/webhooks/deliveries", headers=AUTH, timeout=10)
            return [d for d in response.json()["results"] if d["status"] != "pending"]

        [delivery] = wait_until(settled, timeout=10, what="the delivery to settle")
        assert delivery["status"] == "failed"
        assert [a["error"] for a in delivery["attempts"]] == [DELIVERY_MESSAGE.format(f"127.0.0.1:{port}")]
        # Nothing was reset: the project made before the delivery still answers with its key.
        mine = requests.get(f"{base_url}/api/v1/bots", headers={"Authorization": f"Token {other['api_key']}"}, timeout=10)
        assert mine.status_code == 200
    finally:
        stop_server(process)


def test_a_url_that_reaches_the_sandbox_later_is_failed_at_delivery(app, receiver_server):
    receiver = Recorder(receiver_server)
    sb = app.extensions["sandbox"]
    subscribe_project(sb, receiver.url)  # accepted: nothing listens for the sandbox there yet
    sb.settings.listen_host, sb.settings.listen_port = "127.0.0.1", receiver_server.port
    assert app.test_client().post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
    settle(sb)
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert [a["error"] for a in record["attempts"]] == [DELIVERY_MESSAGE.format(f"127.0.0.1:{receiver_server.port}")]
    assert receiver.calls == []


def test_under_another_wsgi_server_the_environ_names_the_sandbox(app):
    client = app.test_client()  # SERVER_NAME localhost, SERVER_PORT 80
    sb = app.extensions["sandbox"]
    bots_before = len(sb.store.scan("bots", DEFAULT_PROJECT))

    def create(url):
        body = {"meeting_url": MEET, "bot_name": "Env", "webhooks": [{"url": url, "triggers": ["bot.state_change"]}]}
        return client.post("/api/v1/bots", headers=AUTH, json=body)

    refused = create("http://localhost/sandbox/reset")
    assert refused.status_code == 400
    assert refused.json == {"error": BOT_MESSAGE.format("localhost:80")}
    assert len(sb.store.scan("bots", DEFAULT_PROJECT)) == bots_before
    projects_before = len(sb.store.scan("projects", ""))
    hooks = [{"url": "http://127.0.0.1/x", "triggers": ["bot.state_change"]}]
    response = client.post("/sandbox/projects", json={"webhooks": hooks})
    assert response.status_code == 400
    assert response.json == {"error": PROJECT_MESSAGE.format("localhost:80")}
    assert len(sb.store.scan("projects", "")) == projects_before
    assert create(f"http://127.0.0.1:{free_port()}/hook").status_code == 201  # another port: a receiver


@pytest.mark.parametrize(
    "listen_host, url, reached",
    [
        ("0.0.0.0", "http://127.0.0.1:8000/x", "0.0.0.0:8000"),
        ("0.0.0.0", "http://127.0.0.2:8000/x", "0.0.0.0:8000"),  # every local address
        ("0.0.0.0", "http://localhost:8000/x", "0.0.0.0:8000"),
        ("0.0.0.0", "http://192.0.2.1:8000/x", None),  # TEST-NET: not this machine
        ("0.0.0.0", "http://127.0.0.1:8001/x", None),
        ("127.0.0.1", "http://127.0.0.2:8000/x", None),  # listening on one address only
        ("127.0.0.1", "http://127.0.0.1:8000/x", "127.0.0.1:8000"),
        ("127.0.0.1", "https://127.0.0.1/x", None),  # port 443
        ("127.0.0.1", "not a url", None),
    ],
)
def test_the_own_address_covers_every_local_address_when_listening_on_all(listen_host, url, reached):
    settings = Settings(listen_host=listen_host, listen_port=8000)
    assert OwnAddress(settings).reached_by(url) == reached
