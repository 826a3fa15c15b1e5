"""The delivery log: `GET /sandbox/webhooks/deliveries` and `POST /sandbox/webhooks/deliveries/{id}/redeliver`,
authenticated with the project's API key exactly like the Attendee API."""

import re

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.webhook_helpers import (  # noqa: F401 - fixtures
    Recorder,
    _shared_receiver_server,
    closed_port_url,
    deliveries,
    receiver_server,
    settle,
    subscribe_project,
    verifies,
)

LOG = "/sandbox/webhooks/deliveries"
OTHER_BOT = "bot_sbxJoinedRec0000"
SECOND_PROJECT_BOT = "bot_sbxOtherProject0"
API_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")


@pytest.fixture
def sb(app):
    sandbox = app.extensions["sandbox"]
    sandbox.outbox.backoff_scale = 0.05
    return sandbox


def leave(client, bot_id=SEED_BOT, headers=AUTH):
    assert client.post(f"/api/v1/bots/{bot_id}/leave", headers=headers).status_code == 200


# -- authentication ---------------------------------------------------------------------------------------------


def test_the_log_without_a_key_is_401_like_the_api(client):
    response = client.get(LOG)
    assert response.status_code == 401
    assert response.data == b'{"detail":"Missing Authorization header"}'
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.headers["Content-Type"] == "application/json"


def test_the_log_with_an_unknown_key_is_401_like_the_api(client):
    response = client.get(LOG, headers={"Authorization": "Token nope"})
    assert response.status_code == 401
    assert response.json == {"detail": "Invalid or disabled API key"}


def test_redeliver_without_a_key_is_401_like_the_api(client):
    response = client.post(f"{LOG}/whd_x/redeliver", headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert response.json == {"detail": "Invalid Authorization header. Should have this format: Token <api_key>"}


# -- listing ---------------------------------------------------------------------------------------------------


@freeze_time("2026-11-30T11:22:35.804735Z")
def test_each_delivery_shows_url_trigger_key_payload_signature_and_attempts(sb, client, receiver_server):
    receiver = Recorder(receiver_server, statuses=[500, 200], body="r" * 600)
    subscribe_project(sb, receiver.url)
    leave(client)
    settle(sb)
    response = client.get(LOG, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json
    assert body["count"] == 1
    [item] = body["results"]
    record = deliveries(sb)[0]
    assert list(item) == [
        "id", "bot_id", "trigger", "url", "status", "idempotency_key", "signature", "payload", "attempts",
        "next_attempt_at", "created_at",
    ]
    assert item["id"] == record["id"] and item["id"].startswith("whd_")
    assert item["bot_id"] == SEED_BOT
    assert item["trigger"] == "bot.state_change"
    assert item["url"] == receiver.url
    assert item["status"] == "delivered"
    assert item["idempotency_key"] == record["idempotency_key"]
    assert item["signature"] == receiver.calls[-1]["headers"]["X-Webhook-Signature"]
    assert item["payload"] == {
        "new_state": "leaving",
        "old_state": "joined_not_recording",
        "created_at": "2026-11-30T11:22:35.804735+00:00",
        "event_type": "leave_requested",
        "event_metadata": {},
        "event_sub_type": "user_requested",
    }
    assert [(a["attempted_at"], a["status_code"], a["error"], a["response_body"]) for a in item["attempts"]] == [
        ("2026-11-30T11:22:35.804735Z", 500, "HTTP 500 is not a 2xx status", "r" * 500),
        ("2026-11-30T11:22:35.804735Z", 200, None, "r" * 500),
    ]
    assert all(a["signature"] == item["signature"] for a in item["attempts"])
    assert item["next_attempt_at"] is None
    assert item["created_at"] == "2026-11-30T11:22:35.804735Z"


def test_a_connection_failure_is_logged_with_its_error_and_no_status(sb, client):
    subscribe_project(sb, closed_port_url())
    leave(client)
    settle(sb)
    [item] = client.get(LOG, headers=AUTH).json["results"]
    assert item["status"] == "failed"
    assert [a["status_code"] for a in item["attempts"]] == [None, None, None]
    assert all(a["error"].startswith("ConnectionError: ") and a["response_body"] == "" for a in item["attempts"])
    assert all(API_TIME.match(a["attempted_at"]) for a in item["attempts"])


def test_the_log_is_filtered_by_bot_trigger_and_status(sb, client, receiver_server):
    good = Recorder(receiver_server)
    subscribe_project(sb, good.url, triggers=["bot.state_change", "chat_messages.update"])
    leave(client, SEED_BOT)
    leave(client, OTHER_BOT)
    with sb.store.lock:
        sb.outbox.emit("proj_sbx0Default00001", OTHER_BOT, "chat_messages.update", {"id": "msg_x", "text": "hi"})
    settle(sb)
    sb.outbox.close()
    subscribe_project(sb, closed_port_url())
    with sb.store.lock:  # recorded while the workers are stopped: stays pending
        sb.outbox.emit("proj_sbx0Default00001", SEED_BOT, "bot.state_change", {"new_state": "x"})

    def listed(query):
        response = client.get(f"{LOG}?{query}", headers=AUTH)
        assert response.status_code == 200
        return [(r["bot_id"], r["trigger"], r["status"]) for r in response.json["results"]]

    assert listed("") == [  # newest first
        (SEED_BOT, "bot.state_change", "pending"),
        (OTHER_BOT, "chat_messages.update", "delivered"),
        (OTHER_BOT, "bot.state_change", "delivered"),
        (SEED_BOT, "bot.state_change", "delivered"),
    ]
    assert listed(f"bot_id={OTHER_BOT}") == [
        (OTHER_BOT, "chat_messages.update", "delivered"),
        (OTHER_BOT, "bot.state_change", "delivered"),
    ]
    assert listed("trigger=chat_messages.update") == [(OTHER_BOT, "chat_messages.update", "delivered")]
    assert listed("status=pending") == [(SEED_BOT, "bot.state_change", "pending")]
    assert listed(f"bot_id={SEED_BOT}&status=delivered&trigger=bot.state_change") == [
        (SEED_BOT, "bot.state_change", "delivered")
    ]
    assert listed("bot_id=bot_doesNotExist0000") == []


def test_an_unknown_status_filter_is_400(client):
    response = client.get(f"{LOG}?status=done", headers=AUTH)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid status: done. Valid statuses are: pending, delivered, failed"}


def test_an_unknown_trigger_filter_is_400(client):
    response = client.get(f"{LOG}?trigger=bot.created", headers=AUTH)
    assert response.status_code == 400
    assert response.json == {
        "error": "Invalid trigger: bot.created. Valid triggers are: bot.state_change, transcript.update, "
        "chat_messages.update, participant_events.join_leave, calendar.events_update, calendar.state_change, "
        "async_transcription.state_change, zoom_oauth_connection.state_change, bot_logs.update, "
        "participant_events.speech_start_stop"
    }


def test_a_project_sees_only_its_own_deliveries(sb, client, receiver_server):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url)
    subscribe_project(sb, receiver.url, project_id="proj_sbx0Second000002")
    leave(client, SEED_BOT)
    leave(client, SECOND_PROJECT_BOT, headers=SECOND_AUTH)
    settle(sb)
    assert [r["bot_id"] for r in client.get(LOG, headers=AUTH).json["results"]] == [SEED_BOT]
    assert [r["bot_id"] for r in client.get(LOG, headers=SECOND_AUTH).json["results"]] == [SECOND_PROJECT_BOT]
    second_call = next(c for c in receiver.calls if b"bot_sbxOtherProject0" in c["body"])
    assert verifies(second_call["body"], second_call["headers"]["X-Webhook-Signature"],
                    "c2J4MFNlY29uZFByb2plY3RXZWJob29rU2VjcmV0ISE=")


def test_the_log_after_delete_data_keeps_only_the_bots_state_changes(sb, client, receiver_server):
    receiver = Recorder(receiver_server)
    ended = "bot_sbxEnded00000000"
    subscribe_project(sb, receiver.url, triggers=["bot.state_change", "transcript.update"])
    with sb.store.lock:
        sb.outbox.emit("proj_sbx0Default00001", ended, "transcript.update", {"transcription": {"transcript": "hi"}})
    settle(sb)
    assert client.post(f"/api/v1/bots/{ended}/delete_data", headers=AUTH).status_code == 200
    settle(sb)
    results = client.get(f"{LOG}?bot_id={ended}", headers=AUTH).json["results"]
    assert [(r["trigger"], r["payload"]["event_type"]) for r in results] == [("bot.state_change", "data_deleted")]
    assert [b["trigger"] for b in receiver.bodies()] == ["transcript.update", "bot.state_change"]


# -- redelivery --------------------------------------------------------------------------------------------------


def test_redeliver_sends_the_same_delivery_again(sb, client, receiver_server):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url)
    leave(client)
    settle(sb)
    [item] = client.get(LOG, headers=AUTH).json["results"]
    response = client.post(f"{LOG}/{item['id']}/redeliver", headers=AUTH)
    assert response.status_code == 202
    assert response.json["id"] == item["id"]
    assert response.json["status"] == "pending"
    settle(sb)
    first, second = receiver.calls
    assert first["body"] == second["body"]
    assert first["headers"]["X-Webhook-Signature"] == second["headers"]["X-Webhook-Signature"]
    [again] = client.get(LOG, headers=AUTH).json["results"]
    assert again["status"] == "delivered"
    assert [a["status_code"] for a in again["attempts"]] == [200, 200]


def test_a_redelivered_failure_gets_three_more_attempts(sb, client, receiver_server):
    receiver = Recorder(receiver_server, statuses=[500, 500, 500, 500, 200])
    subscribe_project(sb, receiver.url)
    leave(client)
    settle(sb)
    [item] = client.get(LOG, headers=AUTH).json["results"]
    assert item["status"] == "failed"
    assert client.post(f"{LOG}/{item['id']}/redeliver", headers=AUTH).status_code == 202
    settle(sb)
    [again] = client.get(LOG, headers=AUTH).json["results"]
    assert again["status"] == "delivered"
    assert [a["status_code"] for a in again["attempts"]] == [500, 500, 500, 500, 200]


def test_redelivering_a_pending_delivery_is_409(sb, client):
    sb.outbox.close()
    subscribe_project(sb, closed_port_url())
    leave(client)
    [item] = client.get(LOG, headers=AUTH).json["results"]
    response = client.post(f"{LOG}/{item['id']}/redeliver", headers=AUTH)
    assert response.status_code == 409
    assert response.json == {
        "error": "This delivery is still pending; it can be redelivered once it has been delivered or has failed"
    }


def test_redelivering_an_unknown_or_foreign_delivery_is_404(sb, client, receiver_server):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url)
    leave(client)
    settle(sb)
    [item] = client.get(LOG, headers=AUTH).json["results"]
    for path, headers in ((f"{LOG}/whd_unknown/redeliver", AUTH), (f"{LOG}/{item['id']}/redeliver", SECOND_AUTH)):
        response = client.post(path, headers=headers)
        assert response.status_code == 404
        assert response.json == {"error": "Delivery not found"}
    assert len(receiver.calls) == 1
