"""GET /api/v1/bots/{id}/participants (docs/contract/bots-endpoints.md#participants) and /participant_events
(docs/contract/bots-endpoints.md#participant-events), cursor-paginated (4)."""

from urllib.parse import urlsplit

import pytest
from freezegun import freeze_time

from sandbox.usecases import meeting
from tests.conftest import AUTH, SECOND_AUTH
from tests.meeting_support import ENDED_BOT, project, recording_bot
from tests.openapi_check import assert_valid_response

T0 = "2026-11-30T12:00:00Z"
IS_HOST_ERROR = b'{"error":"Invalid is_host value. Use true or false."}'


@pytest.fixture
def app(shared_app, plain_fixtures_dir):
    return shared_app(fixtures_dir=plain_fixtures_dir)


def get(client, bot_id, suffix, query="", headers=AUTH):
    response = client.get(f"/api/v1/bots/{bot_id}/{suffix}{query}", headers=headers)
    if response.status_code in (200, 400, 404):
        assert_valid_response(
            "GET", f"/api/v1/bots/{bot_id}/{suffix}", response.status_code, response.get_data(), response.content_type
        )
    return response


def follow(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", headers=AUTH)


def uuids(response):
    return [item.get("uuid") or item.get("participant_uuid") for item in response.json["results"]]


# -- participants ------------------------------------------------------------------------------------


def test_participants_are_listed_oldest_first_in_the_real_shape(client):
    response = get(client, ENDED_BOT, "participants")
    assert response.status_code == 200
    assert response.data == (
        b'{"next":null,"previous":null,"results":['
        b'{"id":"par_sbxEndedAlice000","name":"Alice","uuid":"16778240","user_uuid":"alice@example.com","is_host":true},'
        b'{"id":"par_sbxEndedBob00000","name":"Bob","uuid":"16779264","user_uuid":null,"is_host":false},'
        b'{"id":"par_sbxEndedCarol000","name":"Carol","uuid":"16780288","user_uuid":null,"is_host":false}]}'
    )


@pytest.mark.parametrize("value, expected", [("true", ["16778240"]), ("TRUE", ["16778240"]), (" False ", ["16779264", "16780288"])])
def test_is_host_filters_case_insensitively(client, value, expected):
    assert uuids(get(client, ENDED_BOT, "participants", f"?is_host={value}")) == expected


@pytest.mark.parametrize("value", ["yes", "1", ""])
def test_any_other_is_host_value_is_refused_with_the_real_message(client, value):
    response = get(client, ENDED_BOT, "participants", f"?is_host={value}")
    assert (response.status_code, response.data) == (400, IS_HOST_ERROR)


def test_the_id_filter_matches_one_participant_exactly(client):
    assert uuids(get(client, ENDED_BOT, "participants", "?id=par_sbxEndedBob00000")) == ["16779264"]
    assert uuids(get(client, ENDED_BOT, "participants", "?id=par_sbxEndedBob0000")) == []
    assert len(get(client, ENDED_BOT, "participants", "?id=").json["results"]) == 3


def test_participants_of_an_unknown_or_foreign_bot_are_bot_not_found(client):
    for response in (get(client, "bot_doesNotExist0000", "participants"), get(client, ENDED_BOT, "participants", headers=SECOND_AUTH)):
        assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')


def test_an_unknown_bot_is_not_found_before_is_host_is_checked(client):
    response = get(client, "bot_doesNotExist0000", "participants", "?is_host=maybe")
    assert response.status_code == 404


def test_participants_are_paginated_25_per_page_oldest_first(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        for n in range(30):
            frozen.tick(0.1)
            meeting.add_participant(sandbox, project(sandbox), bot_id, name=f"P{n}", uuid=str(n))
        first = get(client, bot_id, "participants")
        second = follow(client, first.json["next"])
        back = follow(client, second.json["previous"])
    assert uuids(first) == [str(n) for n in range(25)]
    assert first.json["previous"] is None
    assert first.json["next"].startswith(f"http://localhost/api/v1/bots/{bot_id}/participants?cursor=")
    assert uuids(second) == [str(n) for n in range(25, 30)]
    assert second.json["next"] is None
    assert uuids(back) == uuids(first)


def test_an_invalid_cursor_is_404(client):
    response = get(client, ENDED_BOT, "participants", "?cursor=abc")
    assert (response.status_code, response.data) == (404, b'{"detail":"Invalid cursor"}')


def test_participants_after_delete_data_are_an_empty_page(client):
    assert client.post(f"/api/v1/bots/{ENDED_BOT}/delete_data", headers=AUTH).status_code == 200
    assert get(client, ENDED_BOT, "participants").data == b'{"next":null,"previous":null,"results":[]}'


# -- participant events ------------------------------------------------------------------------------


def test_participant_events_are_listed_oldest_first_in_the_real_shape(client):
    response = get(client, ENDED_BOT, "participant_events")
    assert response.status_code == 200
    results = response.json["results"]
    assert [(e["participant_name"], e["event_type"]) for e in results] == [
        ("Alice", "join"), ("Bob", "join"), ("Carol", "join"), ("Carol", "leave"), ("Bob", "leave"),
    ]
    assert response.data.startswith(
        b'{"next":null,"previous":null,"results":[{"id":"pe_sbxEndedAliceJoi","participant_name":"Alice",'
        b'"participant_uuid":"16778240","participant_user_uuid":"alice@example.com","participant_is_host":true,'
        b'"event_type":"join","event_data":{},"timestamp_ms":1793628006120},'
    )


def test_after_and_before_filter_on_creation_time_strictly(client):
    at_carol_join = "2026-11-02T14:01:02.030000Z"
    after = get(client, ENDED_BOT, "participant_events", f"?after={at_carol_join}").json["results"]
    before = get(client, ENDED_BOT, "participant_events", f"?before={at_carol_join}").json["results"]
    both = get(client, ENDED_BOT, "participant_events", "?after=2026-11-02T14:00:07Z&before=2026-11-02T14:25:41Z")
    assert [e["id"] for e in after] == ["pe_sbxEndedCarolLea", "pe_sbxEndedBobLeave"]
    assert [e["id"] for e in before] == ["pe_sbxEndedAliceJoi", "pe_sbxEndedBobJoin0"]
    assert [e["id"] for e in both.json["results"]] == ["pe_sbxEndedBobJoin0", "pe_sbxEndedCarolJoi", "pe_sbxEndedCarolLea"]


def test_empty_after_and_before_are_ignored(client):
    assert len(get(client, ENDED_BOT, "participant_events", "?after=&before=").json["results"]) == 5


def test_a_bad_after_is_refused_with_the_real_message_before_before_is_read(client):
    response = get(client, ENDED_BOT, "participant_events", "?after=soon&before=later")
    assert (response.status_code, response.data) == (
        400,
        b'{"error":"Invalid after format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"}',
    )


def test_a_bad_before_is_refused_with_the_real_message(client):
    response = get(client, ENDED_BOT, "participant_events", "?before=later")
    assert (response.status_code, response.data) == (
        400,
        b'{"error":"Invalid before format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"}',
    )


def test_event_data_reads_back_in_jsonb_key_order(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="leave", event_data={"zz": 1, "a": {"yy": 2, "b": 3}})
        response = get(client, bot_id, "participant_events")
    assert b'"event_type":"leave","event_data":{"a":{"b":3,"yy":2},"zz":1}' in response.data


def test_participant_events_of_an_unknown_bot_are_bot_not_found(client):
    response = get(client, "bot_doesNotExist0000", "participant_events", "?after=bad")
    assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')


def test_participant_events_are_paginated_25_per_page(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        for _ in range(14):
            frozen.tick(1)
            meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="leave")
            meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="join")
        first = get(client, bot_id, "participant_events")
        second = follow(client, first.json["next"])
    assert len(first.json["results"]) == 25
    assert len(second.json["results"]) == 4
    assert second.json["next"] is None


@pytest.mark.parametrize("suffix", ["participants", "participant_events"])
def test_the_participant_lists_only_allow_get(client, suffix):
    response = client.delete(f"/api/v1/bots/{ENDED_BOT}/{suffix}", headers=AUTH)
    assert (response.status_code, response.data) == (405, b'{"detail":"Method \\"DELETE\\" not allowed."}')
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
