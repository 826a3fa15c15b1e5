"""Webhooks, the domain (docs/contract/webhooks.md#subscriptions to #webhook-signature): body bytes, signature,
subscription selection, and the delivery
records each event leaves. No network here: the outbox's workers are stopped, so records stay pending."""

import json
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from sandbox.contract.webhooks import envelope
from sandbox.infra.webhooks.outbox import select_subscriptions
from sandbox.infra.webhooks.signing import (
    canonical_json,
    encode_body,
    request_headers,
    sign,
)
from tests.conftest import AUTH, DEFAULT_SECRET, SEED_BOT
from tests.webhook_helpers import (
    SECOND_PROJECT,
    deliveries,
    docs_signature,
    raw_body_signature,
    subscribe_bot,
    subscribe_project,
    verifies,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HOOK = "https://example.test/hook"
OTHER_HOOK = "https://example.test/other"
ENDED_BOT = "bot_sbxEnded00000000"


@pytest.fixture
def sb(app):
    """The test's sandbox with its delivery workers stopped: every delivery stays recorded and pending."""
    sandbox = app.extensions["sandbox"]
    sandbox.outbox.close()
    return sandbox


# -- the request body and its signature (docs/contract/webhooks.md#webhook-request,
# docs/contract/webhooks.md#webhook-signature) ----------------------------------------------------------


def test_the_body_is_python_requests_json_spaced_ascii_escaped_in_envelope_order():
    body = envelope("c4b758ed-b863-4dd3-933e-d483423722b0", "bot_vTsXHXkZgyJYtwma", {"k": "v", "name": "Jürgen"},
                    "bot.state_change", {"new_state": "ended", "event_metadata": {"credits_consumed": 1.0}})
    assert encode_body(body) == (
        b'{"idempotency_key": "c4b758ed-b863-4dd3-933e-d483423722b0", "bot_id": "bot_vTsXHXkZgyJYtwma", '
        b'"bot_metadata": {"k": "v", "name": "J\\u00fcrgen"}, "trigger": "bot.state_change", '
        b'"data": {"new_state": "ended", "event_metadata": {"credits_consumed": 1.0}}}'
    )


def test_the_appendix_a_body_is_reproduced_byte_for_byte():
    data = {
        "new_state": "joining",
        "old_state": "ready",
        "created_at": "2026-11-30T11:22:39.991033+00:00",
        "event_type": "join_requested",
        "event_metadata": {"source": "api"},
        "event_sub_type": None,
    }
    body = envelope("c4b758ed-b863-4dd3-933e-d483423722b0", "bot_vTsXHXkZgyJYtwma", {"k": "v"}, "bot.state_change", data)
    assert encode_body(body) == (
        b'{"idempotency_key": "c4b758ed-b863-4dd3-933e-d483423722b0", "bot_id": "bot_vTsXHXkZgyJYtwma", '
        b'"bot_metadata": {"k": "v"}, "trigger": "bot.state_change", "data": {"new_state": "joining", '
        b'"old_state": "ready", "created_at": "2026-11-30T11:22:39.991033+00:00", "event_type": "join_requested", '
        b'"event_metadata": {"source": "api"}, "event_sub_type": null}}'
    )


def test_the_signature_is_hmac_sha256_of_the_canonical_json_keyed_with_the_decoded_secret():
    body = envelope("c4b758ed-b863-4dd3-933e-d483423722b0", "bot_vTsXHXkZgyJYtwma", {"k": "v", "name": "Jürgen"},
                    "bot.state_change", {"new_state": "ended", "event_metadata": {"bot_duration_seconds": 125, "credits_consumed": 1.0}})
    signature = sign(body, DEFAULT_SECRET)
    assert signature == docs_signature(encode_body(body), DEFAULT_SECRET)
    assert signature == "yT5V0SDP3u108CL+wtUMzCPLyyRjTbS1C7BJm3zGyhA="  # pinned: sorted, compact, raw UTF-8, 1.0
    assert canonical_json(body).startswith(b'{"bot_id":"bot_vTsXHXkZgyJYtwma","bot_metadata":{"k":"v","name":"J\xc3\xbcrgen"}')


def test_a_receiver_that_hashes_the_raw_body_fails_as_in_production():
    body = envelope("c4b758ed-b863-4dd3-933e-d483423722b0", SEED_BOT, None, "bot.state_change", {"new_state": "leaving"})
    raw = encode_body(body)
    assert verifies(raw, sign(body, DEFAULT_SECRET))
    assert raw_body_signature(raw) != sign(body, DEFAULT_SECRET)


def test_another_projects_secret_does_not_verify():
    body = envelope("c4b758ed-b863-4dd3-933e-d483423722b0", SEED_BOT, None, "bot.state_change", {"new_state": "leaving"})
    assert not verifies(encode_body(body), sign(body, DEFAULT_SECRET), "c2J4MFNlY29uZFByb2plY3RXZWJob29rU2VjcmV0ISE=")


def test_the_headers_are_python_requests_defaults_and_attendees_in_send_order():
    assert request_headers("c2ln", 379) == [
        ("User-Agent", "Attendee-Webhook/1.0"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
        ("Content-Type", "application/json"),
        ("X-Webhook-Signature", "c2ln"),
        ("Content-Length", "379"),
    ]


# -- selection (docs/contract/webhooks.md#subscriptions)
# ----------------------------------------------------------------------------------------


def test_a_bot_without_its_own_subscriptions_uses_the_projects():
    project = {"webhooks": [{"url": HOOK, "triggers": ["bot.state_change"]}]}
    assert select_subscriptions(project, {"webhooks": []}, "bot.state_change") == project["webhooks"]


def test_a_bot_with_its_own_subscriptions_uses_only_those_even_for_other_triggers():
    project = {"webhooks": [{"url": HOOK, "triggers": ["bot.state_change", "transcript.update"]}]}
    bot = {"webhooks": [{"url": OTHER_HOOK, "triggers": ["transcript.update"]}]}
    assert select_subscriptions(project, bot, "bot.state_change") == []
    assert select_subscriptions(project, bot, "transcript.update") == bot["webhooks"]


def test_a_subscription_gets_only_the_triggers_it_lists():
    project = {"webhooks": [{"url": HOOK, "triggers": ["chat_messages.update"]}]}
    assert select_subscriptions(project, {}, "bot.state_change") == []
    assert select_subscriptions(project, {}, "chat_messages.update") == project["webhooks"]


def test_calendar_triggers_never_go_to_bot_level_subscriptions():
    bot = {"webhooks": [{"url": HOOK, "triggers": ["calendar.events_update"]}]}
    assert select_subscriptions({"webhooks": []}, bot, "calendar.events_update") == []


# -- what each event records --------------------------------------------------------------------------------


@freeze_time("2026-11-30T11:22:35.804735Z")
def test_leave_records_one_state_change_delivery_with_the_contract_data(sb, client):
    subscribe_project(sb, HOOK)
    assert client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
    [record] = deliveries(sb)
    assert record["trigger"] == "bot.state_change"
    assert record["url"] == HOOK
    assert record["bot_id"] == SEED_BOT
    assert record["status"] == "pending"
    assert UUID4.match(record["idempotency_key"])
    assert json.dumps(record["payload"]) == (
        '{"new_state": "leaving", "old_state": "joined_not_recording", "created_at": "2026-11-30T11:22:35.804735+00:00", '
        '"event_type": "leave_requested", "event_metadata": {}, "event_sub_type": "user_requested"}'
    )


def test_scripted_steps_record_their_state_changes_stamped_with_their_due_times(sb, client):
    subscribe_project(sb, HOOK)
    with freeze_time("2026-11-30T11:22:35.804735Z") as frozen:
        client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
        frozen.tick(timedelta(seconds=30))
        assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).json["state"] == "ended"
    payloads = [record["payload"] for record in deliveries(sb)]
    assert [(p["event_type"], p["old_state"], p["new_state"]) for p in payloads] == [
        ("leave_requested", "joined_not_recording", "leaving"),
        ("left_meeting", "leaving", "post_processing"),
        ("post_processing_completed", "post_processing", "ended"),
    ]
    assert [p["created_at"] for p in payloads] == [
        "2026-11-30T11:22:35.804735+00:00",
        "2026-11-30T11:22:37.804735+00:00",
        "2026-11-30T11:22:42.804735+00:00",
    ]
    assert payloads[1]["event_sub_type"] is None and payloads[1]["event_metadata"] == {}
    assert set(payloads[2]["event_metadata"]) >= {"bot_duration_seconds"}


def test_each_matching_subscription_gets_its_own_delivery_and_idempotency_key(sb, client):
    subscribe_project(sb, HOOK, more=[{"url": OTHER_HOOK, "triggers": ["bot.state_change"]}])
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    records = deliveries(sb)
    assert [r["url"] for r in records] == [HOOK, OTHER_HOOK]
    assert records[0]["idempotency_key"] != records[1]["idempotency_key"]
    assert records[0]["payload"] == records[1]["payload"]


def test_bot_level_subscriptions_replace_the_projects_for_that_bot(sb, client):
    subscribe_project(sb, HOOK)
    subscribe_bot(sb, SEED_BOT, [{"url": OTHER_HOOK, "triggers": ["bot.state_change"]}])
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert [r["url"] for r in deliveries(sb)] == [OTHER_HOOK]


def test_a_bot_level_subscription_without_the_trigger_silences_the_project_subscription(sb, client):
    subscribe_project(sb, HOOK)
    subscribe_bot(sb, SEED_BOT, [{"url": OTHER_HOOK, "triggers": ["transcript.update"]}])
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert deliveries(sb) == []


def test_without_subscriptions_nothing_is_recorded(sb, client):
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert deliveries(sb) == []


def test_a_project_subscription_only_serves_its_own_projects_bots(sb, client):
    subscribe_project(sb, HOOK, project_id=SECOND_PROJECT)
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    assert deliveries(sb) == [] and deliveries(sb, SECOND_PROJECT) == []


def test_other_triggers_are_recorded_with_their_data_frozen_when_emitted(sb):
    subscribe_project(sb, HOOK, triggers=["transcript.update"])
    data = {"duration_ms": 1500, "speaker_name": "Alice", "transcription": {"transcript": "Hello wörld"}}
    with sb.store.lock:
        sb.outbox.emit("proj_sbx0Default00001", SEED_BOT, "transcript.update", data)
    data["transcription"]["transcript"] = "changed later"
    [record] = deliveries(sb)
    assert record["trigger"] == "transcript.update"
    assert record["payload"] == {"duration_ms": 1500, "speaker_name": "Alice", "transcription": {"transcript": "Hello wörld"}}


def test_delete_data_sends_its_state_change_and_drops_the_bots_other_delivery_records(sb, client):
    subscribe_project(sb, HOOK, triggers=["bot.state_change", "chat_messages.update"])
    with sb.store.lock:
        sb.outbox.emit("proj_sbx0Default00001", ENDED_BOT, "chat_messages.update", {"id": "msg_x", "text": "hi"})
        sb.outbox.emit("proj_sbx0Default00001", ENDED_BOT, "bot.state_change",
                       {"new_state": "ended", "event_metadata": {"remover_name": "Host", "bot_duration_seconds": 3}})
    response = client.post(f"/api/v1/bots/{ENDED_BOT}/delete_data", headers=AUTH)
    assert response.status_code == 200
    records = deliveries(sb)
    assert [r["trigger"] for r in records] == ["bot.state_change", "bot.state_change"]
    assert records[0]["payload"]["event_metadata"] == {"bot_duration_seconds": 3}
    assert records[1]["payload"]["event_type"] == "data_deleted"
    assert records[1]["payload"]["old_state"] == "ended" and records[1]["payload"]["event_metadata"] == {}
