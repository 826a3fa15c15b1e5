"""Webhook delivery over real HTTP (docs/contract/webhooks.md#webhook-request to #retry-policy,
docs/contract/create-bot.md#create-response, docs/contract/bots-endpoints.md#leave, Appendix A): receivers on 127.0.0.1
check the
bytes, headers and signature (with an independent implementation of 9.6), the order, the retries and their
timing, and that bad receivers neither stop the sandbox nor slow its API."""

import json

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, DEFAULT_SECRET, SEED_BOT
from tests.openapi_check import assert_valid_response
from tests.webhook_helpers import (  # noqa: F401 - fixtures
    FAST_STEPS,
    Recorder,
    _shared_receiver_server,
    closed_port_url,
    deliveries,
    raw_body_signature,
    raw_receiver,
    real_monotonic,
    receiver_server,
    run_until_state,
    settle,
    subscribe_bot,
    subscribe_project,
    verifies,
    wait_until,
)

MEET = "https://meet.google.com/abc-defg-hij"


def leave(client, bot_id=SEED_BOT):
    response = client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
    assert response.status_code == 200
    return response


def sandbox_of(app, backoff_scale=None, timeout=None):
    sb = app.extensions["sandbox"]
    if backoff_scale is not None:
        sb.outbox.backoff_scale = backoff_scale
    if timeout is not None:
        sb.outbox.timeout = timeout
    return sb


# -- the request, byte for byte -----------------------------------------------------------------------------


@freeze_time("2026-11-30T11:22:35.804735Z")
def test_the_request_is_the_real_servers_bytes_headers_and_signature(app, raw_receiver):
    receiver = raw_receiver()
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url("/hooks/attendee?source=sandbox"))
    response = leave(app.test_client())
    assert_valid_response("POST", f"/api/v1/bots/{SEED_BOT}/leave", 200, response.data, response.headers.get("Content-Type"))
    settle(sb)
    [record] = deliveries(sb)
    body = (
        '{"idempotency_key": "%s", "bot_id": "bot_weIAju4OXNZkDTpZ", "bot_metadata": {"customer_id": "abc123"}, '
        '"trigger": "bot.state_change", "data": {"new_state": "leaving", "old_state": "joined_not_recording", '
        '"created_at": "2026-11-30T11:22:35.804735+00:00", "event_type": "leave_requested", "event_metadata": {}, '
        '"event_sub_type": "user_requested"}}' % record["idempotency_key"]
    ).encode()
    signature = record["signature"]
    assert receiver.requests == [
        (
            "POST /hooks/attendee?source=sandbox HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{receiver.port}\r\n"
            "User-Agent: Attendee-Webhook/1.0\r\n"
            "Accept-Encoding: gzip, deflate\r\n"
            "Accept: */*\r\n"
            "Connection: keep-alive\r\n"
            "Content-Type: application/json\r\n"
            f"X-Webhook-Signature: {signature}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "\r\n"
        ).encode()
        + body
    ]
    assert verifies(body, signature)
    assert record["status"] == "delivered"


def test_a_receiver_written_from_the_docs_verifies_and_one_hashing_the_raw_body_fails(app, receiver_server):
    receiver = Recorder(receiver_server)
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url)
    bot = sb.store.get("bots", SEED_BOT)
    bot["metadata"] = {"customer": "Jürgen Müller", "ratio": 1.0}  # ASCII escapes in the body, not in what is signed
    sb.store.put("bots", bot)
    leave(app.test_client())
    settle(sb)
    [call] = receiver.calls
    assert b'"bot_metadata": {"ratio": 1.0, "customer": "J\\u00fcrgen M\\u00fcller"}' in call["body"]  # JSONB order
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["headers"]["User-Agent"] == "Attendee-Webhook/1.0"
    assert verifies(call["body"], call["headers"]["X-Webhook-Signature"], DEFAULT_SECRET)
    assert raw_body_signature(call["body"]) != call["headers"]["X-Webhook-Signature"]


# -- order ----------------------------------------------------------------------------------------------------


def test_one_bots_deliveries_arrive_in_event_order_even_from_a_slow_receiver(make_app, receiver_server):
    receiver = Recorder(receiver_server, delay=0.15)  # each answer takes a while; the next waits for it
    app = make_app(step_delays=FAST_STEPS)
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    run_until_state(sb, SEED_BOT, "ended")
    settle(sb)
    assert [b["data"]["event_type"] for b in receiver.bodies()] == [
        "leave_requested",
        "left_meeting",
        "post_processing_completed",
    ]
    for before, after in zip(receiver.calls, receiver.calls[1:]):
        assert after["arrived"] >= before["answered"]


def test_a_hanging_receiver_does_not_hold_up_another_receiver(app, receiver_server, raw_receiver):
    hanging = raw_receiver(mode="hang")
    fine = Recorder(receiver_server)
    sb = sandbox_of(app, timeout=1.0)
    subscribe_project(sb, hanging.url(), more=[{"url": fine.url, "triggers": ["bot.state_change"]}])
    leave(app.test_client())
    wait_until(lambda: fine.calls, timeout=0.8, what="the healthy receiver's delivery")
    assert len(hanging.requests) == 1


# -- retries (docs/contract/webhooks.md#retry-policy)
# ---------------------------------------------------------------------------------------------


def test_a_failing_receiver_gets_three_attempts_in_all_within_the_backoff_bounds(app, receiver_server):
    receiver = Recorder(receiver_server, statuses=[500], body="boom")
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url)
    started = real_monotonic()
    leave(app.test_client())
    settle(sb)
    arrivals = [call["arrived"] for call in receiver.calls]
    assert len(arrivals) == 3
    assert arrivals[0] - started < 0.5
    assert arrivals[1] - arrivals[0] <= 1.0 + 0.3  # before retry 1: uniform in [0, 1] s
    assert arrivals[2] - arrivals[1] <= 2.0 + 0.3  # before retry 2: uniform in [0, 2] s
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert [a["status_code"] for a in record["attempts"]] == [500, 500, 500]
    assert record["next_attempt_at"] is None


def test_retries_resend_the_same_idempotency_key_and_signature(app, receiver_server):
    receiver = Recorder(receiver_server, statuses=[503])
    sb = sandbox_of(app, backoff_scale=0.05)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    assert len(receiver.calls) == 3
    assert len({call["body"] for call in receiver.calls}) == 1
    assert len({call["headers"]["X-Webhook-Signature"] for call in receiver.calls}) == 1
    assert all(verifies(call["body"], call["headers"]["X-Webhook-Signature"]) for call in receiver.calls)


def test_the_wait_before_retry_n_is_drawn_uniformly_from_0_to_2_to_the_n_minus_1(app, receiver_server):
    receiver = Recorder(receiver_server, statuses=[500])
    sb = sandbox_of(app)
    drawn = []

    def uniform(low, high):
        drawn.append((low, high))
        return 0.0

    sb.ids.uniform = uniform
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    assert drawn == [(0.0, 1.0), (0.0, 2.0)]


def test_a_success_after_a_failure_ends_the_retries(app, receiver_server):
    receiver = Recorder(receiver_server, statuses=[500, 200])
    sb = sandbox_of(app, backoff_scale=0.05)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    assert len(receiver.calls) == 2
    [record] = deliveries(sb)
    assert record["status"] == "delivered"
    assert [a["status_code"] for a in record["attempts"]] == [500, 200]


def test_bot_metadata_is_read_again_at_each_attempt(app, receiver_server):
    sb = sandbox_of(app, backoff_scale=0.05)

    def patch_metadata_during_first_attempt(number):
        if number == 0:
            bot = sb.store.get("bots", SEED_BOT)
            bot["metadata"] = {"customer_id": "changed"}
            sb.store.put("bots", bot)

    receiver = Recorder(receiver_server, statuses=[500, 200], before=patch_metadata_during_first_attempt)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    first, second = receiver.bodies()
    assert first["bot_metadata"] == {"customer_id": "abc123"}
    assert second["bot_metadata"] == {"customer_id": "changed"}
    assert first["idempotency_key"] == second["idempotency_key"]
    for call in receiver.calls:
        assert verifies(call["body"], call["headers"]["X-Webhook-Signature"])


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_a_success(app, receiver_server, status):
    receiver = Recorder(receiver_server, statuses=[status], body="" if status == 204 else "ok")
    sb = sandbox_of(app, backoff_scale=0.05)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    assert len(receiver.calls) == 1
    assert deliveries(sb)[0]["status"] == "delivered"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(app, receiver_server):
    target = Recorder(receiver_server, path="/moved")
    redirect = Recorder(receiver_server, statuses=[302], headers={"Location": target.url}, body="")
    sb = sandbox_of(app, backoff_scale=0.05)
    subscribe_project(sb, redirect.url)
    leave(app.test_client())
    settle(sb)
    assert len(redirect.calls) == 3
    assert target.calls == []
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert record["attempts"][0]["status_code"] == 302
    assert record["attempts"][0]["error"] == f"Redirect not followed (HTTP 302, Location: {target.url})"


def test_an_unreachable_receiver_is_logged_as_a_connection_error_and_retried(app):
    sb = sandbox_of(app, backoff_scale=0.05)
    subscribe_project(sb, closed_port_url())
    leave(app.test_client())
    settle(sb)
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert len(record["attempts"]) == 3
    for attempt in record["attempts"]:
        assert attempt["status_code"] is None
        assert attempt["error"].startswith("ConnectionError: ")


def test_a_hanging_receiver_times_out_and_is_retried(app, raw_receiver):
    hanging = raw_receiver(mode="hang")
    sb = sandbox_of(app, backoff_scale=0.05, timeout=0.3)
    subscribe_project(sb, hanging.url())
    leave(app.test_client())
    settle(sb)
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert [a["error"].split(":")[0] for a in record["attempts"]] == ["ReadTimeout"] * 3
    assert all(a["status_code"] is None and a["duration_ms"] >= 300 for a in record["attempts"])
    assert len(hanging.requests) == 3


def test_the_api_answers_at_full_speed_while_a_receiver_hangs(app, raw_receiver):
    hanging = raw_receiver(mode="hang")
    sb = sandbox_of(app)  # the real 10 s timeout: the delivery is still waiting when the test ends
    client = app.test_client()
    subscribe_project(sb, hanging.url())
    started = real_monotonic()
    leave(client)
    assert real_monotonic() - started < 0.5
    wait_until(lambda: hanging.requests, timeout=1.0, what="the first attempt")
    for _ in range(5):
        started = real_monotonic()
        assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 200
        assert real_monotonic() - started < 0.5
    assert deliveries(sb)[0]["status"] == "pending" and deliveries(sb)[0]["attempts"] == []


def test_a_huge_response_body_is_cut_and_its_first_500_characters_kept(app, raw_receiver):
    huge = b"x" * 499 + "é".encode() + b"y" * (8 * 1024 * 1024)
    receiver = raw_receiver(
        response=b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(huge) + huge
    )
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url())
    started = real_monotonic()
    leave(app.test_client())
    settle(sb)
    assert real_monotonic() - started < 2.0
    [record] = deliveries(sb)
    assert record["status"] == "delivered"
    assert record["attempts"][0]["response_body"] == "x" * 499 + "é"


def test_http_urls_fail_without_a_request_when_https_is_required(make_app, receiver_server):
    receiver = Recorder(receiver_server)
    app = make_app(require_https_webhooks=True)
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    assert receiver.calls == []
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert record["attempts"] == [
        {
            "attempted_at": record["attempts"][0]["attempted_at"],
            "status_code": None,
            "error": "Webhook URL must start with https:// (require_https_webhooks is on)",
            "response_body": "",
            "duration_ms": 0,
            "signature": None,
        }
    ]


# -- restarts ----------------------------------------------------------------------------------------------------


def test_pending_deliveries_survive_a_restart(make_app, receiver_server):
    receiver = Recorder(receiver_server)
    first = make_app()
    sb = sandbox_of(first)
    subscribe_project(sb, receiver.url)
    sb.outbox.close()  # the process "dies" before its workers send anything
    leave(first.test_client())
    [record] = deliveries(sb)
    assert record["status"] == "pending"
    sb.shutdown()

    second = make_app()  # the same data file
    sb2 = sandbox_of(second)
    settle(sb2)
    [call] = receiver.calls
    assert json.loads(call["body"])["idempotency_key"] == record["idempotency_key"]
    assert deliveries(sb2)[0]["status"] == "delivered"


def test_closing_the_outbox_stops_its_workers(app, receiver_server):
    receiver = Recorder(receiver_server)
    sb = sandbox_of(app)
    subscribe_project(sb, receiver.url)
    leave(app.test_client())
    settle(sb)
    sb.outbox.close()
    assert sb.outbox.threads and not any(thread.is_alive() for thread in sb.outbox.threads)


# -- bot-level subscriptions from the create request (docs/contract/create-bot.md#create-order-of-checks step 7,
# docs/contract/create-bot.md#create-response) --------------------------------------------


def test_a_bot_created_with_a_webhook_receives_its_whole_life_in_order(make_app, receiver_server):
    """The new user's path: a small receiver on localhost, registered at create, verifies every delivery."""
    receiver = Recorder(receiver_server)
    app = make_app(
        step_delays="joined_meeting=0.05,recording_permission_granted=0.05," + FAST_STEPS,
    )
    sb = sandbox_of(app)
    client = app.test_client()
    response = client.post(
        "/api/v1/bots",
        headers=AUTH,
        json={"meeting_url": MEET, "bot_name": "Receiver", "webhooks": [{"url": receiver.url, "triggers": ["bot.state_change"]}]},
    )
    assert response.status_code == 201
    bot_id = response.json["id"]
    run_until_state(sb, bot_id, "joined_recording")
    leave(client, bot_id)
    run_until_state(sb, bot_id, "ended")
    settle(sb)
    bodies = receiver.bodies()
    assert [(b["data"]["event_type"], b["data"]["old_state"], b["data"]["new_state"]) for b in bodies] == [
        ("join_requested", "ready", "joining"),
        ("joined_meeting", "joining", "joined_not_recording"),
        ("recording_permission_granted", "joined_not_recording", "joined_recording"),
        ("leave_requested", "joined_recording", "leaving"),
        ("left_meeting", "leaving", "post_processing"),
        ("post_processing_completed", "post_processing", "ended"),
    ]
    assert bodies[0]["data"]["event_metadata"] == {"source": "api"}
    assert all(b["bot_id"] == bot_id and b["bot_metadata"] is None for b in bodies)
    assert len({b["idempotency_key"] for b in bodies}) == 6
    for call in receiver.calls:
        assert verifies(call["body"], call["headers"]["X-Webhook-Signature"], DEFAULT_SECRET)


def test_a_bot_level_webhook_from_create_replaces_the_project_subscription(app, receiver_server):
    project_receiver = Recorder(receiver_server, path="/project")
    bot_receiver = Recorder(receiver_server, path="/bot")
    sb = sandbox_of(app)
    subscribe_project(sb, project_receiver.url)
    response = app.test_client().post(
        "/api/v1/bots",
        headers=AUTH,
        json={"meeting_url": MEET, "bot_name": "Mine", "webhooks": [{"url": bot_receiver.url, "triggers": ["bot.state_change"]}]},
    )
    assert response.status_code == 201
    settle(sb)
    assert [b["data"]["event_type"] for b in bot_receiver.bodies()] == ["join_requested"]
    assert project_receiver.calls == []


def test_a_bot_level_subscription_put_in_the_store_is_used(app, receiver_server):
    receiver = Recorder(receiver_server)
    sb = sandbox_of(app)
    subscribe_bot(sb, SEED_BOT, [{"url": receiver.url, "triggers": ["bot.state_change"]}])
    leave(app.test_client())
    settle(sb)
    assert [b["data"]["event_type"] for b in receiver.bodies()] == ["leave_requested"]


def test_a_scheduled_bot_sends_no_webhook_at_create(app, receiver_server):
    receiver = Recorder(receiver_server)
    sb = sandbox_of(app)
    response = app.test_client().post(
        "/api/v1/bots",
        headers=AUTH,
        json={
            "meeting_url": MEET,
            "bot_name": "Later",
            "join_at": "2027-01-01T08:00:00Z",
            "webhooks": [{"url": receiver.url, "triggers": ["bot.state_change"]}],
        },
    )
    assert response.status_code == 201
    assert deliveries(sb) == []
    settle(sb)
    assert receiver.calls == []


def test_a_delivery_the_sandbox_itself_cannot_send_is_failed_not_left_pending(app, capsys):
    sb = sandbox_of(app)

    def broken_transport(url, body, headers, timeout):
        raise RuntimeError("transport bug")

    sb.outbox.transport = broken_transport
    subscribe_project(sb, "http://127.0.0.1:9/hook")
    leave(app.test_client())
    settle(sb)
    [record] = deliveries(sb)
    assert record["status"] == "failed"
    assert record["attempts"][-1]["error"] == "The sandbox could not deliver this webhook: RuntimeError: transport bug"
    assert "RuntimeError: transport bug" in capsys.readouterr().err
