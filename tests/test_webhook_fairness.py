"""Issue 10, webhooks: nothing one project's receivers do can starve another project's deliveries.

* Every attempt has one deadline over the whole exchange (docs/contract/webhooks.md#webhook-request: the real server's
10 s timeout;
  `SANDBOX_WEBHOOK_TIMEOUT`), however slowly a receiver drip-feeds its answer.
* Projects take turns for the shared workers and one project occupies at most
  `SANDBOX_WEBHOOK_WORKERS_PER_PROJECT` of them, before and after a restart.

The served tests run `python -m sandbox serve` processes (tests/test_reliability.py's `servers`) against
bare TCP receivers on 127.0.0.1 (tests/webhook_helpers.py); every wait is bounded.
"""

import json
import socket

import pytest
import requests

from sandbox.infra.webhooks.outbox import Lanes
from sandbox.infra.webhooks.signing import request_headers
from sandbox.infra.webhooks.transport import post
from tests.conftest import AUTH, SEED_BOT
from tests.test_reliability import prepare_data, servers  # noqa: F401 - fixture
from tests.webhook_helpers import (  # noqa: F401 - fixtures
    deliveries,
    raw_receiver,
    real_monotonic,
    settle,
    subscribe_project,
    wait_until,
)

MEET = "https://meet.google.com/abc-defg-hij"
DRIP_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n" + b"x" * 40
DRIP_BODY = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\n", b"y" * 400


# -- one deadline per attempt -------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["status line and headers", "body"])
def test_an_attempt_ends_at_its_deadline_however_slowly_the_receiver_drips(raw_receiver, where):
    if where == "body":
        receiver = raw_receiver(mode="drip", sent_first=DRIP_BODY[0], response=DRIP_BODY[1], drip_interval=0.1)
    else:
        receiver = raw_receiver(mode="drip", response=DRIP_RESPONSE, drip_interval=0.1)
    body = b'{"ok": true}'
    started = real_monotonic()
    result = post(receiver.url(), body, request_headers("sig", len(body)), timeout=1.0)
    elapsed = real_monotonic() - started
    assert result.error is not None and result.error.startswith("ReadTimeout"), result.error
    assert result.status_code is None
    # A socket timeout that restarts at every byte would have waited for the whole drip (4+ s).
    assert 0.9 <= elapsed < 1.8, elapsed


def test_a_tls_handshake_that_never_comes_ends_at_the_deadline():
    with socket.socket() as listener:  # accepts TCP connections in its backlog, never speaks TLS
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        started = real_monotonic()
        result = post(f"https://127.0.0.1:{listener.getsockname()[1]}/hook", b"{}", request_headers("sig", 2), timeout=0.5)
    assert result.error.startswith("ConnectTimeout"), result.error
    assert real_monotonic() - started < 1.5


def test_a_lowered_webhook_timeout_bounds_each_recorded_attempt(make_app, raw_receiver):
    receiver = raw_receiver(mode="drip", response=DRIP_RESPONSE, drip_interval=0.1)
    app = make_app(webhook_timeout=0.5)
    sb = app.extensions["sandbox"]
    sb.outbox.backoff_scale = 0.01
    subscribe_project(sb, receiver.url())
    assert app.test_client().post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
    settle(sb, timeout=10)
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert [a["error"].split(":")[0] for a in record["attempts"]] == ["ReadTimeout"] * 3
    assert all(450 <= a["duration_ms"] < 1200 for a in record["attempts"]), record["attempts"]


# -- fair turns -----------------------------------------------------------------------------------------------


def test_projects_take_turns_and_one_project_holds_at_most_its_share_of_workers():
    lanes = Lanes(per_project=2)
    for number in range(5):
        lanes.add(("proj_b", f"bot_b{number}", "http://b"), f"whd_b{number}")
    lanes.add(("proj_a", "bot_a", "http://a"), "whd_a")
    lanes.add(("proj_c", "bot_c", "http://c"), "whd_c")
    taken = [lanes.take()[1] for _ in range(4)]
    # B was first in line, then A and C had their turn before B's second delivery.
    assert taken == ["whd_b0", "whd_a", "whd_c", "whd_b1"]
    # B now holds its two workers: nothing else of B is handed out until one of them is done.
    lanes.add(("proj_d", "bot_d", "http://d"), "whd_d")
    assert lanes.take()[1] == "whd_d"
    lanes.finish(("proj_b", "bot_b0", "http://b"))
    assert lanes.take()[1] == "whd_b2"
    lanes.close()
    assert lanes.take() is None


def test_one_lane_still_delivers_in_event_order():
    lanes = Lanes(per_project=4)
    lane = ("proj_a", "bot_a", "http://a")
    for number in range(3):
        lanes.add(lane, f"whd_{number}")
    order = []
    for _ in range(3):
        taken_lane, delivery_id = lanes.take()
        order.append(delivery_id)
        lanes.finish(taken_lane)
    assert order == ["whd_0", "whd_1", "whd_2"]


# -- a served sandbox ------------------------------------------------------------------------------------------


def _create_project(base_url, url):
    response = requests.post(
        f"{base_url}/sandbox/projects",
        json={"webhooks": [{"url": url, "triggers": ["bot.state_change"]}]},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _create_bot(base_url, project):
    response = requests.post(
        f"{base_url}/api/v1/bots",
        headers={"Authorization": f"Token {project['api_key']}"},
        json={"meeting_url": MEET, "bot_name": "Fairness"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _webhook_delay(base_url, project, receiver):
    """Seconds from asking for a bot (its join_requested happens during the request) to its webhook
    arriving at `receiver`."""
    before = len(receiver.requests)
    created = real_monotonic()
    bot_id = _create_bot(base_url, project)

    def arrived():
        for index in range(before, len(receiver.requests)):
            if json.loads(receiver.requests[index].partition(b"\r\n\r\n")[2])["bot_id"] == bot_id:
                return receiver.arrivals[index]
        return None

    return wait_until(arrived, timeout=15, what=f"the webhook of {bot_id}") - created


def test_a_project_s_webhook_arrives_within_3_s_while_8_receivers_of_another_project_drip_feed(
    tmp_path, servers, raw_receiver
):
    drip = raw_receiver(mode="drip", response=DRIP_RESPONSE, drip_interval=0.5)  # 30 s to answer
    receiver = raw_receiver()
    data = tmp_path / "data.json"
    prepare_data(data)
    served = servers(data, env={"SANDBOX_STEP_DELAYS": "joined_meeting=600"})
    project_b = _create_project(served.url, drip.url())
    project_a = _create_project(served.url, receiver.url())
    for _ in range(8):
        _create_bot(served.url, project_b)
    # B's first deliveries hold the workers it may have (4 of 16), and no more.
    wait_until(lambda: len(drip.requests) >= 4, timeout=10, what="B's deliveries to reach the dripping receiver")
    assert _webhook_delay(served.url, project_a, receiver) < 3.0
    assert len(drip.requests) == 4

    # A restart queues B's pending deliveries again: they take their share, not every worker.
    served.kill()
    again = servers(data, env={"SANDBOX_STEP_DELAYS": "joined_meeting=600"})
    wait_until(lambda: len(drip.requests) >= 8, timeout=10, what="B's requeued deliveries")
    assert _webhook_delay(again.url, project_a, receiver) < 3.0
