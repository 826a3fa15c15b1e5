"""POST /api/v1/bots/{id}/delete_data (docs/contract/bots-endpoints.md#delete-data,
docs/contract/bots-endpoints.md#delete-data-storage-failure): when it is allowed and everything it does."""

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, FIXTURE_BOTS, SECOND_AUTH, SEED_BOT
from tests.openapi_check import assert_valid_response

ENDED = "bot_sbxEnded00000000"
FATAL = "bot_sbxFatalError000"
OTHER_BOT = "bot_sbxJoinedRec0000"
DEFAULT_PROJECT = "proj_sbx0Default00001"
NOT_ALLOWED = b'{"error":"Bot is not in a state where the data deleted event can be created"}'
FIXTURE_STATES = {state: bot for state, bot in FIXTURE_BOTS.items() if state not in ("ended", "fatal_error")}
BOT_TABLES = ("utterances", "participants", "participant_events", "chat_messages")


def delete_data(client, bot_id=ENDED, headers=AUTH, **kwargs):
    return client.post(f"/api/v1/bots/{bot_id}/delete_data", headers=headers, **kwargs)


def get(client, bot_id=ENDED):
    return client.get(f"/api/v1/bots/{bot_id}", headers=AUTH)


def check_openapi(response, bot_id=ENDED):
    assert_valid_response(
        "POST", f"/api/v1/bots/{bot_id}/delete_data", response.status_code, response.get_data(), response.headers.get("Content-Type")
    )


def seed_rows(sandbox, bot_id, tag):
    """One row per bot-scoped table, plus an async transcription's utterance, for `bot_id`."""
    for table in BOT_TABLES:
        sandbox.store.put(table, {"id": f"{table}_{tag}", "bot_id": bot_id, "tag": tag})
    sandbox.store.put("async_transcriptions", {"id": f"tran_{tag}", "bot_id": bot_id, "state": "complete"})
    sandbox.store.put("utterances", {"id": f"async_utt_{tag}", "bot_id": bot_id, "async_transcription_id": f"tran_{tag}"})


def seed_deliveries(sandbox, bot_id, tag):
    for trigger in ("bot.state_change", "transcript.update", "chat_messages.update", "participant_events.join_leave"):
        sandbox.store.put(
            "deliveries",
            {
                "id": f"del_{tag}_{trigger}",
                "project_id": DEFAULT_PROJECT,
                "bot_id": bot_id,
                "trigger": trigger,
                "payload": {
                    "bot_metadata": {"remover_note": "user data stays"},
                    "data": {"event_type": "meeting_ended", "event_metadata": {"remover_name": "Host", "remover_is_host": True, "other": 1}},
                },
            },
        )


# -- when it is allowed ------------------------------------------------------------------------------------


@freeze_time("2026-11-30T12:00:00.123456Z")
@pytest.mark.parametrize("bot_id, old_state", [(ENDED, "ended"), (FATAL, "fatal_error")])
def test_delete_data_moves_an_ended_or_failed_bot_to_data_deleted(client, bot_id, old_state):
    before = get(client, bot_id).json
    response = delete_data(client, bot_id)
    assert response.status_code == 200
    assert response.json == {
        **before,
        "state": "data_deleted",
        "events": before["events"] + [{"type": "data_deleted", "created_at": "2026-11-30T12:00:00.123456Z"}],
    }
    check_openapi(response, bot_id)


@pytest.mark.parametrize("state", FIXTURE_STATES)
def test_delete_data_from_any_other_state_gives_its_own_message(client, state):
    bot_id = FIXTURE_STATES[state]
    before = get(client, bot_id).data
    response = delete_data(client, bot_id)
    assert response.status_code == 400
    assert response.data == NOT_ALLOWED
    assert get(client, bot_id).data == before
    check_openapi(response, bot_id)


def test_a_second_delete_data_is_refused(client):
    assert delete_data(client).status_code == 200
    response = delete_data(client)
    assert response.status_code == 400
    assert response.data == NOT_ALLOWED


def test_delete_data_of_an_unknown_or_foreign_bot_is_bot_not_found(client):
    assert delete_data(client, "bot_doesNotExist0000").data == b'{"error":"Bot not found"}'
    response = delete_data(client, headers=SECOND_AUTH)
    assert response.status_code == 404
    check_openapi(response)
    assert get(client).json["state"] == "ended"


@pytest.mark.parametrize("body, content_type", [(b"garbage {", "application/json"), (b"x", "text/plain"), (b"[1]", "application/json")])
def test_delete_data_ignores_any_body(client, body, content_type):
    assert delete_data(client, data=body, content_type=content_type).status_code == 200


# -- what it keeps -----------------------------------------------------------------------------------------


def test_recording_and_transcription_states_metadata_and_keys_are_kept(client, sandbox):
    stored = sandbox.store.get("bots", ENDED)
    before = get(client).json
    bot = delete_data(client).json
    for field in ("metadata", "meeting_url", "join_at", "deduplication_key", "recording_state", "transcription_state"):
        assert bot[field] == before[field]
    assert sandbox.store.get("bots", ENDED)["recording"]["id"] == stored["recording"]["id"]


def test_a_bot_that_recorded_keeps_complete_states_after_deletion(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        client.post(f"/api/v1/bots/{OTHER_BOT}/leave", headers=AUTH)
        frozen.tick(7)
        assert get(client, OTHER_BOT).json["recording_state"] == "complete"
        bot = delete_data(client, OTHER_BOT).json
    assert (bot["state"], bot["recording_state"], bot["transcription_state"]) == ("data_deleted", "complete", "complete")


# -- what it deletes ---------------------------------------------------------------------------------------


def test_the_bots_data_rows_are_deleted_and_other_bots_rows_kept(client, sandbox):
    seed_rows(sandbox, ENDED, "mine")
    seed_rows(sandbox, OTHER_BOT, "theirs")
    delete_data(client)
    for table in BOT_TABLES:
        assert sandbox.store.scan(table, ENDED) == []
        assert sandbox.store.get(table, f"{table}_theirs") is not None
    assert sandbox.store.get("utterances", "async_utt_mine") is None
    assert sandbox.store.get("utterances", "async_utt_theirs") is not None
    assert sandbox.store.get("async_transcriptions", "tran_mine") is not None  # the transcription record stays


def test_the_per_speaker_audio_chunks_are_deleted(client, sandbox):
    bot = sandbox.store.get("bots", ENDED)
    bot["recording"]["audio_chunks"] = True
    sandbox.store.put("bots", bot)
    delete_data(client)
    assert "audio_chunks" not in sandbox.store.get("bots", ENDED)["recording"]


def test_a_refused_delete_data_deletes_nothing(client, sandbox):
    seed_rows(sandbox, OTHER_BOT, "theirs")
    before = {table: sandbox.store.scan(table, OTHER_BOT) for table in BOT_TABLES}
    delete_data(client, OTHER_BOT)
    assert {table: sandbox.store.scan(table, OTHER_BOT) for table in BOT_TABLES} == before


def test_the_recording_file_is_cleared(client, sandbox):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        client.post(f"/api/v1/bots/{OTHER_BOT}/leave", headers=AUTH)
        frozen.tick(7)
        get(client, OTHER_BOT)
        assert sandbox.store.get("bots", OTHER_BOT)["recording"]["file"] is not None
        delete_data(client, OTHER_BOT)
    assert sandbox.store.get("bots", OTHER_BOT)["recording"]["file"] is None


def test_delivery_records_are_deleted_except_state_changes(client, sandbox):
    seed_deliveries(sandbox, ENDED, "mine")
    seed_deliveries(sandbox, OTHER_BOT, "theirs")
    delete_data(client)
    mine = [d for d in sandbox.store.scan("deliveries", DEFAULT_PROJECT) if d["bot_id"] == ENDED]
    assert [d["trigger"] for d in mine] == ["bot.state_change"]
    theirs = [d for d in sandbox.store.scan("deliveries", DEFAULT_PROJECT) if d["bot_id"] == OTHER_BOT]
    assert len(theirs) == 4


def test_remover_fields_are_scrubbed_from_kept_state_change_payloads(client, sandbox):
    seed_deliveries(sandbox, ENDED, "mine")
    seed_deliveries(sandbox, OTHER_BOT, "theirs")
    delete_data(client)
    kept = sandbox.store.get("deliveries", "del_mine_bot.state_change")
    assert kept["payload"]["data"]["event_metadata"] == {"other": 1}
    assert kept["payload"]["bot_metadata"] == {"remover_note": "user data stays"}
    theirs = sandbox.store.get("deliveries", "del_theirs_bot.state_change")
    assert "remover_name" in theirs["payload"]["data"]["event_metadata"]


def test_remover_fields_are_scrubbed_from_event_metadata(client, sandbox):
    bot = sandbox.store.get("bots", ENDED)
    bot["events"][-1]["metadata"] = {"bot_duration_seconds": 5, "remover_name": "Host", "remover_uuid": "u", "remover_user_uuid": None, "remover_is_host": True}
    sandbox.store.put("bots", bot)
    delete_data(client)
    events = sandbox.store.get("bots", ENDED)["events"]
    assert events[-2]["metadata"] == {"bot_duration_seconds": 5}
    assert events[-1]["metadata"] == {}


def test_the_data_deleted_webhook_follows(client, sandbox):
    sent = []
    sandbox.outbox.emit = lambda *args: sent.append(args)
    with freeze_time("2026-11-30T12:00:00.5Z"):
        delete_data(client)
    assert sent == [
        (
            DEFAULT_PROJECT,
            ENDED,
            "bot.state_change",
            {
                "new_state": "data_deleted",
                "old_state": "ended",
                "created_at": "2026-11-30T12:00:00.500000+00:00",
                "event_type": "data_deleted",
                "event_metadata": {},
                "event_sub_type": None,
            },
        )
    ]


def test_delete_data_of_the_seed_bot_is_refused(client):
    assert delete_data(client, SEED_BOT).data == NOT_ALLOWED
