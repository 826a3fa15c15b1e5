"""GET /api/v1/bots/{id}/chat_messages (docs/contract/bots-endpoints.md#chat-messages,
docs/contract/docs-vs-server.md#chat-updated-after), cursor-paginated (4)."""

from urllib.parse import urlsplit

import pytest
from freezegun import freeze_time

from sandbox.usecases import meeting
from tests.conftest import AUTH, SECOND_AUTH
from tests.meeting_support import ENDED_BOT, project, recording_bot
from tests.openapi_check import assert_valid_response

T0 = "2026-11-30T12:00:00Z"


@pytest.fixture
def app(shared_app, plain_fixtures_dir):
    return shared_app(fixtures_dir=plain_fixtures_dir)


def get(client, bot_id, query="", headers=AUTH):
    response = client.get(f"/api/v1/bots/{bot_id}/chat_messages{query}", headers=headers)
    assert_valid_response(
        "GET", f"/api/v1/bots/{bot_id}/chat_messages", response.status_code, response.get_data(), response.content_type
    )
    return response


def texts(response):
    return [m["text"] for m in response.json["results"]]


def test_chat_messages_are_listed_oldest_first_in_the_real_shape(client):
    response = get(client, ENDED_BOT)
    assert response.status_code == 200
    assert response.data == (
        b'{"next":null,"previous":null,"results":['
        b'{"id":"msg_sbxEndedAliceNot","text":"Notes: https://example.com/notes/weekly-sync","timestamp_ms":1793628080000,'
        b'"timestamp":1793628080,"to":"everyone","sender_name":"Alice","sender_uuid":"16778240",'
        b'"sender_user_uuid":"alice@example.com","additional_data":{}},'
        b'{"id":"msg_sbxEndedCarolBot","text":"Can the bot send me the transcript?","timestamp_ms":1793628331000,'
        b'"timestamp":1793628331,"to":"only_bot","sender_name":"Carol","sender_uuid":"16780288",'
        b'"sender_user_uuid":null,"additional_data":{}}]}'
    )


def test_timestamp_is_in_whole_seconds_and_timestamp_ms_is_that_times_1000(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        frozen.tick(0.75)
        meeting.add_chat_message(sandbox, project(sandbox), bot_id, sender_uuid="7", text="hi")
        [message] = get(client, bot_id).json["results"]
    assert (message["timestamp"], message["timestamp_ms"]) == (1796040003, 1796040003000)


def test_updated_after_filters_on_the_creation_time_strictly(client):
    at_first = "2026-11-02T14:01:20Z"
    assert texts(get(client, ENDED_BOT, f"?updated_after={at_first}")) == ["Can the bot send me the transcript?"]
    assert len(get(client, ENDED_BOT, "?updated_after=2026-11-02T14:01:19.999999Z").json["results"]) == 2


def test_an_empty_updated_after_is_ignored(client):
    assert len(get(client, ENDED_BOT, "?updated_after=").json["results"]) == 2


def test_a_bad_updated_after_is_refused_with_the_real_message(client):
    response = get(client, ENDED_BOT, "?updated_after=2026-13-45")
    assert (response.status_code, response.data) == (
        400,
        b'{"error":"Invalid updated_after format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"}',
    )


def test_chat_messages_of_an_unknown_or_foreign_bot_are_bot_not_found(client):
    for response in (get(client, "bot_doesNotExist0000", "?updated_after=bad"), get(client, ENDED_BOT, headers=SECOND_AUTH)):
        assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')


def test_additional_data_reads_back_in_jsonb_key_order(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_chat_message(
            sandbox, project(sandbox), bot_id, sender_uuid="7", text="x", additional_data={"long_key": 1, "k": 2}
        )
        response = get(client, bot_id)
    assert response.data.endswith(b'"additional_data":{"k":2,"long_key":1}}]}')


def test_chat_messages_are_paginated_25_per_page_with_the_other_parameters_kept(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        for n in range(26):
            frozen.tick(1)
            meeting.add_chat_message(sandbox, project(sandbox), bot_id, sender_uuid="7", text=f"m{n}")
        first = get(client, bot_id, "?updated_after=2026-11-30T12:00:00Z")
        parts = urlsplit(first.json["next"])
        second = get(client, bot_id, f"?{parts.query}")
    assert texts(first) == [f"m{n}" for n in range(25)]
    assert "updated_after=2026-11-30T12%3A00%3A00Z" in parts.query
    assert texts(second) == ["m25"]


def test_chat_messages_after_delete_data_are_an_empty_page(client):
    assert client.post(f"/api/v1/bots/{ENDED_BOT}/delete_data", headers=AUTH).status_code == 200
    assert get(client, ENDED_BOT).data == b'{"next":null,"previous":null,"results":[]}'


def test_the_chat_messages_list_only_allows_get(client):
    response = client.post(f"/api/v1/bots/{ENDED_BOT}/chat_messages", headers=AUTH)
    assert (response.status_code, response.data) == (405, b'{"detail":"Method \\"POST\\" not allowed."}')
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
