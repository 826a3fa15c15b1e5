"""`sandbox.client.SandboxClient` against a served sandbox (the plugin's waitress server): every control row has
its method, errors are typed by status family and quote the server, pages are followed, `wait` gives up."""

import socket
import time

import pytest

from sandbox.client import (
    OPERATIONS,
    SandboxClient,
    SandboxClientError,
    SandboxError,
    SandboxUnreachable,
    every_trigger,
)
from sandbox.contract.endpoints import ENDPOINTS
from sandbox.contract.webhooks import TRIGGERS

MEETING_URL = "https://meet.google.com/abc-defg-hij"


def control_operation_ids():
    return {
        operation.operation_id
        for endpoint in ENDPOINTS
        if endpoint.rule.startswith("/sandbox/")
        for operation in endpoint.operations.values()
    }


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_every_control_row_has_a_client_method():
    assert set(OPERATIONS) == control_operation_ids()
    assert all(callable(getattr(SandboxClient, name, None)) for name in OPERATIONS.values())


def test_a_refusal_is_a_client_error_quoting_the_server(sandbox_project):
    with pytest.raises(SandboxClientError) as caught:
        sandbox_project.client.bot("bot_nope")
    error = caught.value
    assert (error.method, error.path, error.status) == ("GET", "/api/v1/bots/bot_nope", 404)
    assert error.body == {"error": "Bot not found"} and error.message == "Bot not found"
    assert str(error) == f"GET /api/v1/bots/bot_nope answered 404: {error.message}"
    with pytest.raises(SandboxClientError, match="answered 401: Invalid or disabled API key"):
        SandboxClient(sandbox_project.base_url, "nope").clock()


def test_no_answer_is_unreachable_and_wait_gives_up_after_its_timeout():
    client = SandboxClient(f"http://127.0.0.1:{free_port()}", "key", timeout=1)
    with pytest.raises(SandboxUnreachable) as caught:
        client.clock()
    assert caught.value.status is None and isinstance(caught.value, SandboxError)
    started = time.monotonic()
    with pytest.raises(SandboxUnreachable):
        client.wait(timeout=0.3)
    assert time.monotonic() - started < 5


def test_wait_returns_the_index(attendee_sandbox):
    index = SandboxClient(attendee_sandbox.base_url).wait(timeout=5)
    assert index["docs"] == attendee_sandbox.base_url + "/api/docs"


def test_lists_follow_the_next_links_newest_first(sandbox_project):
    client = sandbox_project.client
    for n in range(5):
        client.request("GET", "/api/v1/bots")
    every = client.pages("/sandbox/requests?limit=2")
    assert len(every) == 5
    assert client.requests(limit=3) == every[:3]
    assert client.clear_requests() == 5
    assert client.requests() == []


def test_the_meeting_faults_and_delivery_log_round_trip(sandbox_project, webhook_receiver):
    client = sandbox_project.client
    bot = client.request("POST", "/api/v1/bots", {"meeting_url": MEETING_URL, "bot_name": "Notetaker"})
    client.advance(60)
    assert client.bot(bot["id"])["state"] == "joined_recording"
    alice = client.add_participant(bot["id"], "Alice")
    client.add_utterance(bot["id"], alice["uuid"], "Hello")
    client.add_chat_message(bot["id"], alice["uuid"], "Hi all")
    assert client.steps(bot["id"])["bot_id"] == bot["id"]

    fault = client.add_fault(method="GET", path="/api/v1/bots", status=503, times=1)
    assert [f["id"] for f in client.faults()] == [fault["id"]]
    assert client.fault(fault["id"])["id"] == fault["id"]
    assert client.remove_fault(fault["id"]) == 1
    assert client.clear_faults() == 0

    webhook_receiver.wait_for("transcript.update", bot_id=bot["id"])
    deliveries = client.deliveries(bot_id=bot["id"])
    assert deliveries and all(d["bot_id"] == bot["id"] for d in deliveries)
    assert client.deliveries(bot_id=bot["id"], limit=1) == deliveries[:1]


def test_every_trigger_subscribes_to_all_of_them():
    assert every_trigger("https://example.com/hooks") == {"url": "https://example.com/hooks", "triggers": list(TRIGGERS)}
