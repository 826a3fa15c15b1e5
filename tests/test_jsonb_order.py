"""Objects the real server stores as JSONB come out in JSONB key order (shorter keys first, then by bytes)
everywhere they are shown: the webhook envelope's `bot_metadata`, chat `additional_data`, participant
`event_data`, event metadata, and the dashboard (docs/contract/bot-object.md#bot-object,
docs/contract/webhooks.md#envelope; docs/contract/bot-object.md)."""

import html

from freezegun import freeze_time

from tests.conftest import AUTH, DEFAULT_KEY, FIXTURE_BOTS
from tests.control_helpers import capture_webhooks, create_bot, post_json
from tests.webhook_helpers import (  # noqa: F401 - fixtures
    Recorder,
    _shared_receiver_server,
    receiver_server,
    settle,
    subscribe_project,
)

RECORDING = FIXTURE_BOTS["joined_recording"]


def test_webhooks_carry_bot_metadata_in_the_real_servers_order(make_app, receiver_server):
    app = make_app()
    sb = app.extensions["sandbox"]
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url)
    client = app.test_client()
    create_bot(client, metadata={"zz": "1", "a": "2"})
    create_bot(client, metadata={"customer": "acme", "n": "7"})
    settle(sb)
    bodies = sorted(call["body"] for call in receiver.calls)
    assert any(b'"bot_metadata": {"a": "2", "zz": "1"}' in body for body in bodies), bodies
    assert any(b'"bot_metadata": {"n": "7", "customer": "acme"}' in body for body in bodies), bodies


def test_the_api_shows_the_same_order_as_the_webhooks(client):
    bot = create_bot(client, metadata={"customer": "acme", "n": "7"})
    response = client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH)
    assert b'"metadata":{"n":"7","customer":"acme"}' in response.data


def test_chat_additional_data_comes_out_in_jsonb_order_in_the_api_and_the_webhook(client, sandbox):
    outbox = capture_webhooks(sandbox)
    body = {"sender_uuid": "16778240", "text": "hi", "additional_data": {"zz": 1, "a": {"yy": 2, "b": 3}}}
    stored = post_json(client, f"/sandbox/bots/{RECORDING}/chat_messages", body)
    assert stored.status_code == 201
    assert b'"additional_data":{"a":{"b":3,"yy":2},"zz":1}' in stored.data
    listed = client.get(f"/api/v1/bots/{RECORDING}/chat_messages", headers=AUTH)
    assert b'"additional_data":{"a":{"b":3,"yy":2},"zz":1}' in listed.data
    [(_, _, data)] = outbox.of("chat_messages.update")
    assert list(data["additional_data"]) == ["a", "zz"]


def test_participant_event_data_comes_out_in_jsonb_order(client, sandbox):
    outbox = capture_webhooks(sandbox)
    post_json(client, f"/sandbox/bots/{RECORDING}/participants", {"name": "Dana", "uuid": "42"})
    event = post_json(
        client, f"/sandbox/bots/{RECORDING}/participants/42/events", {"event_type": "leave", "event_data": {"reason": 1, "at": 2}}
    )
    assert b'"event_data":{"at":2,"reason":1}' in event.data
    listed = client.get(f"/api/v1/bots/{RECORDING}/participant_events", headers=AUTH)
    assert b'"event_data":{"at":2,"reason":1}' in listed.data
    leave_data = outbox.of("participant_events.join_leave")[-1][2]
    assert list(leave_data["event_data"]) == ["at", "reason"]


def test_event_metadata_in_a_webhook_is_in_jsonb_order(client, sandbox):
    outbox = capture_webhooks(sandbox)
    post_json(client, f"/sandbox/bots/{RECORDING}/events", {"type": "meeting_ended", "metadata": {"remover_name": "Al", "a": 1}})
    [(_, _, data)] = outbox.of("bot.state_change")
    assert list(data["event_metadata"]) == ["a", "remover_name"]


@freeze_time("2026-11-30T12:00:00Z")
def test_the_dashboard_shows_metadata_in_jsonb_order(client):
    bot = create_bot(client, metadata={"customer": "acme", "n": "7"})
    post_json(client, f"/sandbox/bots/{bot['id']}/events", {"type": "meeting_ended", "metadata": {"zz": 1, "a": 2}})
    client.post("/sandbox/ui/sign-in", data={"api_key": DEFAULT_KEY})
    page = html.unescape(client.get(f"/sandbox/ui/bots/{bot['id']}").get_data(as_text=True))
    assert '{"n":"7","customer":"acme"}' in page
    assert '{"a":2,"zz":1}' in page
    assert '{"source":"api"}' in page
