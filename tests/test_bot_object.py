"""The Bot object (docs/contract/bot-object.md#bot-object) and the JSON encoding of every answer
(docs/contract/conventions.md#conventions)."""

import json
from datetime import datetime, timezone

from freezegun import freeze_time

from sandbox.contract.datetimes import format_api_datetime, format_webhook_datetime
from sandbox.contract.responses import dump_bot
from tests.conftest import AUTH, SEED_BOT
from tests.openapi_check import assert_valid_response

FIELDS = [
    "id",
    "metadata",
    "meeting_url",
    "state",
    "events",
    "transcription_state",
    "recording_state",
    "join_at",
    "deduplication_key",
]


def test_the_bot_has_nine_fields_in_the_real_order(client):
    body = json.loads(client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).data)
    assert list(body) == FIELDS


def test_events_omit_sub_type_when_there_is_none_and_add_it_after_created_at(client):
    with freeze_time("2026-11-30T11:22:35.804735Z"):
        body = json.loads(client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).data)
    assert list(body["events"][0]) == ["type", "created_at"]
    assert list(body["events"][-1]) == ["type", "created_at", "sub_type"]


def test_datetimes_are_utc_z_with_microseconds_only_when_non_zero():
    assert format_api_datetime(datetime(2026, 11, 30, 11, 22, 6, 771543, tzinfo=timezone.utc)) == (
        "2026-11-30T11:22:06.771543Z"
    )
    assert format_api_datetime(datetime(2027, 1, 1, 8, tzinfo=timezone.utc)) == "2027-01-01T08:00:00Z"
    assert format_api_datetime(datetime(2027, 1, 1, 8, 0, 0, 500000, tzinfo=timezone.utc)) == (
        "2027-01-01T08:00:00.500000Z"
    )


def test_webhook_datetimes_keep_the_plus_zero_offset():
    assert format_webhook_datetime(datetime(2026, 11, 30, 11, 23, 29, 164378, tzinfo=timezone.utc)) == (
        "2026-11-30T11:23:29.164378+00:00"
    )


def test_metadata_comes_back_in_jsonb_key_order():
    bot = {
        "id": "bot_x",
        "metadata": {"zz": "1", "a": "2", "bbb": "3", "b": "4"},
        "events": [],
        "recording": {"state": "not_started", "transcription_state": "not_started"},
    }
    assert json.dumps(dump_bot(bot)["metadata"], separators=(",", ":")) == '{"a":"2","b":"4","zz":"1","bbb":"3"}'
    assert list(dump_bot(bot, echo_metadata=True)["metadata"]) == ["zz", "a", "bbb", "b"]


def test_bodies_are_compact_raw_utf8_without_trailing_newline(client, sandbox):
    bot = sandbox.store.get("bots", SEED_BOT)
    bot["metadata"] = {"name": "Second ü"}
    sandbox.store.put("bots", bot)
    response = client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    assert b'"metadata":{"name":"Second \xc3\xbc"}' in response.data
    assert not response.data.endswith(b"\n")
    assert b": " not in response.data and b", " not in response.data
    assert response.headers["Content-Type"] == "application/json"


def test_null_fields_are_written_as_null(client):
    body = client.get("/api/v1/bots/bot_sbxJoining000000", headers=AUTH).json
    assert body["join_at"] is None and body["deduplication_key"] is None


def test_every_fixture_bot_validates_against_the_openapi_document(client, sandbox):
    for bot in sandbox.store.scan("bots", "proj_sbx0Default00001"):
        response = client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH)
        assert_valid_response("GET", f"/api/v1/bots/{bot['id']}", 200, response.data, response.content_type)


def test_leave_answers_validate_against_the_openapi_document(client):
    path = f"/api/v1/bots/{SEED_BOT}/leave"
    for status in (200, 400):
        response = client.post(path, headers=AUTH)
        assert response.status_code == status
        assert_valid_response("POST", path, status, response.data, response.content_type)
    response = client.post("/api/v1/bots/bot_unknown000000000/leave", headers=AUTH)
    assert_valid_response("POST", "/api/v1/bots/bot_unknown000000000/leave", 404, response.data, response.content_type)
    response = client.post(path)
    assert_valid_response("POST", path, 401, response.data, response.content_type)
