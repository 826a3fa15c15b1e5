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


# The calendar and Zoom stand-ins' rows, whose methods the client has before their rows are in this branch's
# table (their paths are fixed): once they are, OPERATIONS and the table's control rows are the same set.
PROVIDER_OPERATIONS = {
    "sandbox_remote_calendar": ("remote_calendar", ("cal_1",), "GET", "/sandbox/calendars/cal_1/remote_events", None),
    "sandbox_put_remote_event": (
        "put_remote_event", ("cal_1", "evt 1"), "PUT", "/sandbox/calendars/cal_1/remote_events/evt%201?sync=true",
        {"title": "Standup"},
    ),
    "sandbox_delete_remote_event": (
        "delete_remote_event", ("cal_1", "e"), "DELETE", "/sandbox/calendars/cal_1/remote_events/e", None,
    ),
    "sandbox_cancel_remote_event": (
        "cancel_remote_event", ("cal_1", "e"), "POST", "/sandbox/calendars/cal_1/remote_events/e/cancel", None,
    ),
    "sandbox_sync_calendar": ("sync_calendar", ("cal_1",), "POST", "/sandbox/calendars/cal_1/sync", None),
    "sandbox_calendar_sync_failures": (
        "add_sync_failures", ("cal_1",), "POST", "/sandbox/calendars/cal_1/sync_failures", {"transient": 2},
    ),
    "sandbox_disconnect_calendar": (
        "disconnect_calendar", ("cal_1",), "POST", "/sandbox/calendars/cal_1/disconnect", {},
    ),
    "sandbox_reconnect_calendar": (
        "reconnect_calendar", ("cal_1",), "POST", "/sandbox/calendars/cal_1/reconnect", None,
    ),
    "sandbox_zoom_oauth_app": ("zoom_oauth_app", (), "GET", "/sandbox/zoom_oauth_app", None),
    "sandbox_put_zoom_oauth_app": ("put_zoom_oauth_app", (), "PUT", "/sandbox/zoom_oauth_app", {"client_id": "c"}),
    "sandbox_delete_zoom_oauth_app": ("delete_zoom_oauth_app", (), "DELETE", "/sandbox/zoom_oauth_app", None),
    "sandbox_zoom_client_secret_changed": (
        "zoom_client_secret_changed", (), "POST", "/sandbox/zoom_oauth_app/client_secret_changed", None,
    ),
    "sandbox_put_zoom_oauth_code": ("put_zoom_oauth_code", ("abc",), "PUT", "/sandbox/zoom_oauth/codes/abc", {}),
    "sandbox_zoom_auth_failure": (
        "zoom_auth_failure", ("zoc_1",), "POST", "/sandbox/zoom_oauth_connections/zoc_1/auth_failure", {},
    ),
    "sandbox_zoom_sync_success": (
        "zoom_sync_success", ("zoc_1",), "POST", "/sandbox/zoom_oauth_connections/zoc_1/sync_success", {},
    ),
}


def test_every_control_row_has_a_client_method():
    assert control_operation_ids() == set(OPERATIONS)
    assert all(callable(getattr(SandboxClient, name, None)) for name in OPERATIONS.values())


@pytest.mark.parametrize("operation_id", sorted(PROVIDER_OPERATIONS))
def test_the_calendar_and_zoom_hooks_call_their_paths(operation_id):
    method, args, http_method, path, body = PROVIDER_OPERATIONS[operation_id]
    assert OPERATIONS[operation_id] == method
    calls = []
    client = SandboxClient("http://127.0.0.1:1", "key")
    client.request = lambda *call, **options: calls.append(call) or {}
    kwargs = dict(body or {})
    if "sync=true" in path:
        kwargs["sync"] = True
    getattr(client, method)(*args, **kwargs)
    assert calls == [(http_method, path) + (() if body is None else (body,))]


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
    hooks = "https://example.com/hooks"
    assert every_trigger(hooks) == {"url": hooks, "triggers": list(TRIGGERS)}
