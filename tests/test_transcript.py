"""GET/POST/DELETE /api/v1/bots/{id}/transcript (docs/contract/bots-endpoints.md#get-transcript to #delete-transcript,
8 "Transcription timing", 11.14, 11.24-11.26)."""

import re

import pytest
from freezegun import freeze_time

from sandbox.usecases import meeting
from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.meeting_support import (
    ENDED_BOT,
    end_bot,
    plain_fixtures,
    project,
    record_webhooks,
    recording_bot,
)
from tests.openapi_check import assert_valid_response

T0 = "2026-11-30T12:00:00Z"
UPDATED_AFTER_ERROR = b'{"error":"Invalid updated_after format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"}'


@pytest.fixture
def app(shared_app, plain_fixtures_dir):
    return shared_app(fixtures_dir=plain_fixtures_dir)


def path(bot_id, query=""):
    return f"/api/v1/bots/{bot_id}/transcript{query}"


def get(client, bot_id, query="", headers=AUTH):
    return client.get(path(bot_id, query), headers=headers)


def post(client, bot_id, body=None, **kwargs):
    kwargs.setdefault("headers", AUTH)
    if body is not None:
        kwargs["json"] = body
    return client.post(path(bot_id), **kwargs)


def delete(client, bot_id, query=""):
    return client.delete(path(bot_id, query), headers=AUTH)


def check_openapi(method, bot_id, response, query=""):
    assert_valid_response(method, path(bot_id, query), response.status_code, response.get_data(), response.content_type)


def say(sandbox, bot_id, text, duration_ms=1000, **kwargs):
    return meeting.add_utterance(
        sandbox, project(sandbox), bot_id, speaker_uuid=kwargs.pop("speaker_uuid", "16778240"), text=text,
        duration_ms=duration_ms, **kwargs,
    )


def ended_async_bot(client, sandbox, frozen, texts=("Hello world",)):
    """A bot with `record_async_transcription_audio_chunks` that recorded `texts` and has ended."""
    bot_id = recording_bot(client, frozen, record_async_transcription_audio_chunks=True)
    meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="16778240", is_host=True)
    for text in texts:
        say(sandbox, bot_id, text)
    end_bot(client, frozen, bot_id)
    return bot_id


DEEPGRAM = {"transcription_settings": {"deepgram": {"language": "en"}}}


# -- GET ------------------------------------------------------------------------------------------------


def test_the_transcript_is_a_plain_array_sorted_by_timestamp_ms_in_the_real_item_shape(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="16778240", is_host=True)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Bob", uuid="16779264", user_uuid="bob@x")
        say(sandbox, bot_id, "Second", 700, timestamp_ms=1796040002000)
        say(sandbox, bot_id, "First", 1500, speaker_uuid="16779264", timestamp_ms=1796040001000)
        response = get(client, bot_id)
    assert response.status_code == 200
    assert response.data == (
        b'[{"speaker_name":"Bob","speaker_uuid":"16779264","speaker_user_uuid":"bob@x","speaker_is_host":false,'
        b'"timestamp_ms":1796040001000,"duration_ms":1500,"transcription":{"transcript":"First"}},'
        b'{"speaker_name":"Alice","speaker_uuid":"16778240","speaker_user_uuid":null,"speaker_is_host":true,'
        b'"timestamp_ms":1796040002000,"duration_ms":700,"transcription":{"transcript":"Second"}}]'
    )
    assert response.headers["Content-Type"] == "application/json"
    check_openapi("GET", bot_id, response)


def test_the_transcript_before_anything_is_spoken_is_an_empty_array(client):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        response = get(client, bot_id)
    assert (response.status_code, response.data) == (200, b"[]")
    check_openapi("GET", bot_id, response)


def test_the_ended_fixture_bot_has_a_transcript(client):
    transcript = get(client, ENDED_BOT).json
    assert transcript[0] == {
        "speaker_name": "Alice",
        "speaker_uuid": "16778240",
        "speaker_user_uuid": "alice@example.com",
        "speaker_is_host": True,
        "timestamp_ms": 1793628010500,
        "duration_ms": 1900,
        "transcription": {"transcript": "Welcome to the weekly sync."},
    }


def test_updated_after_keeps_utterances_updated_strictly_after_it(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        say(sandbox, bot_id, "old", source_id="a")
        say(sandbox, bot_id, "untouched", source_id="b")
        frozen.tick(5)
        say(sandbox, bot_id, "old, corrected", source_id="a")
        at_update = get(client, bot_id, "?updated_after=2026-11-30T12:00:08Z").json
        just_before = get(client, bot_id, "?updated_after=2026-11-30T12:00:07.999999Z").json
        offset = get(client, bot_id, "?updated_after=2026-11-30T14:00:07%2B02:00").json
    assert at_update == []
    assert [u["transcription"]["transcript"] for u in just_before] == ["old, corrected"]
    assert [u["transcription"]["transcript"] for u in offset] == ["old, corrected"]


def test_a_bad_updated_after_is_refused_with_the_real_message(client):
    response = get(client, ENDED_BOT, "?updated_after=yesterday")
    assert (response.status_code, response.data) == (400, UPDATED_AFTER_ERROR)
    check_openapi("GET", ENDED_BOT, response, "?updated_after=yesterday")


def test_an_unescaped_plus_in_updated_after_makes_it_invalid(client):
    response = get(client, ENDED_BOT, "?updated_after=2026-11-30T14:00:07+02:00")
    assert (response.status_code, response.data) == (400, UPDATED_AFTER_ERROR)


def test_an_empty_updated_after_is_ignored(client):
    assert len(get(client, ENDED_BOT, "?updated_after=").json) == 6


def test_a_date_only_updated_after_is_midnight_utc(client):
    assert len(get(client, ENDED_BOT, "?updated_after=2026-11-02").json) == 6
    assert get(client, ENDED_BOT, "?updated_after=2026-11-03").json == []


def test_split_on_turns_is_accepted_and_changes_nothing_without_word_timings(client):
    assert get(client, ENDED_BOT, "?split_on_turns=true").data == get(client, ENDED_BOT).data


def test_the_transcript_of_an_unknown_bot_is_bot_not_found(client):
    response = get(client, "bot_doesNotExist0000")
    assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')
    check_openapi("GET", "bot_doesNotExist0000", response)


def test_the_transcript_of_another_projects_bot_is_bot_not_found(client):
    response = get(client, SEED_BOT, headers=SECOND_AUTH)
    assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')


def test_the_transcript_after_delete_data_is_empty(client):
    assert client.post(f"/api/v1/bots/{ENDED_BOT}/delete_data", headers=AUTH).status_code == 200
    assert get(client, ENDED_BOT).data == b"[]"


def test_an_unknown_async_transcription_id_is_404_before_updated_after_is_read(client):
    response = get(client, ENDED_BOT, "?async_transcription_id=tran_doesNotExist000&updated_after=bad")
    assert (response.status_code, response.data) == (404, b'{"error":"Async Transcription not found"}')
    check_openapi("GET", ENDED_BOT, response, "?async_transcription_id=tran_doesNotExist000")


def test_an_async_transcription_of_another_bot_is_not_found(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        response = get(client, ENDED_BOT, f"?async_transcription_id={tran_id}")
    assert (response.status_code, response.data) == (404, b'{"error":"Async Transcription not found"}')


# -- POST (async transcription) ---------------------------------------------------------------------


def test_creating_an_async_transcription_answers_200_with_it_not_started(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        frozen.tick(0.5)
        response = post(client, bot_id, DEEPGRAM)
    assert response.status_code == 200
    tran_id = response.json["id"]
    assert response.data == (
        b'{"bot_id":"%s","id":"%s","created_at":"2026-11-30T12:00:10.500000Z",'
        b'"updated_at":"2026-11-30T12:00:10.500000Z","state":"not_started","failure_data":null}'
        % (bot_id.encode(), tran_id.encode())
    )
    assert re.fullmatch(r"tran_[A-Za-z0-9]{16}", tran_id)
    check_openapi("POST", bot_id, response)


def test_an_async_transcription_is_in_progress_at_once_and_complete_60_s_later_with_webhooks(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        assert hooks.raw("async_transcription.state_change") == [
            '{"id":"%s","state":"in_progress","failure_data":null}' % tran_id
        ]
        frozen.tick(59.9)
        early = get(client, bot_id, f"?async_transcription_id={tran_id}")
        frozen.tick(0.1)
        done = get(client, bot_id, f"?async_transcription_id={tran_id}")
    assert (early.status_code, early.json) == (
        400,
        {"error": f"Async transcription {tran_id} is not complete. It is in state in_progress"},
    )
    check_openapi("GET", bot_id, early, f"?async_transcription_id={tran_id}")
    assert done.status_code == 200
    assert hooks.raw("async_transcription.state_change")[1] == '{"id":"%s","state":"complete","failure_data":null}' % tran_id


def test_async_utterances_are_a_copy_of_the_real_time_ones(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen, texts=("One", "Two"))
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        frozen.tick(60)
        copied = get(client, bot_id, f"?async_transcription_id={tran_id}").data
        real_time = get(client, bot_id).data
    assert copied == real_time
    assert b'"One"' in copied and b'"Two"' in copied


def test_an_async_transcription_still_completes_when_its_scripted_step_is_gone(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        bot = sandbox.store.get("bots", bot_id)
        bot["pending_steps"] = []
        sandbox.store.put("bots", bot)
        frozen.tick(61)
        assert get(client, bot_id, f"?async_transcription_id={tran_id}").status_code == 200


def test_the_async_transcription_time_follows_the_step_delays_setting(make_app, tmp_path):
    app = make_app(fixtures_dir=plain_fixtures(tmp_path), step_delays="async_transcription_completes=5")
    client, sandbox = app.test_client(), app.extensions["sandbox"]
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        frozen.tick(5)
        assert get(client, bot_id, f"?async_transcription_id={tran_id}").status_code == 200


def test_an_async_transcription_of_an_unknown_bot_is_bot_not_found(client):
    response = post(client, "bot_doesNotExist0000", DEEPGRAM)
    assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')
    check_openapi("POST", "bot_doesNotExist0000", response)


def test_async_transcription_not_enabled_for_the_project_is_the_first_refusal(client, sandbox):
    disabled = {**project(sandbox), "async_transcription": False}
    sandbox.store.put("projects", disabled)
    sandbox.projects_changed()
    response = post(client, SEED_BOT, {"transcription_settings": None})
    assert (response.status_code, response.data) == (
        400,
        b'{"error":"Async transcription is not enabled for your account."}',
    )
    check_openapi("POST", SEED_BOT, response)


def test_async_transcription_needs_record_async_transcription_audio_chunks(client):
    response = post(client, ENDED_BOT, DEEPGRAM)
    assert response.status_code == 400
    assert response.json == {
        "error": "Cannot generate async transcription because you did not enable "
        "recording_settings.record_async_transcription_audio_chunks when you created the bot."
    }


def test_async_transcription_needs_an_ended_bot(client):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen, record_async_transcription_audio_chunks=True)
        response = post(client, bot_id, {"transcription_settings": "not even checked"})
    assert (response.status_code, response.json) == (
        400,
        {"error": "Cannot create async transcription because bot is not in state ended. It is in state joined_recording"},
    )


def test_async_transcription_needs_per_speaker_audio(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen, texts=())
        response = post(client, bot_id, DEEPGRAM)
    assert (response.status_code, response.json) == (
        400,
        {
            "error": "Cannot create async transcription because the per-speaker audio data has been deleted or was "
            "never created."
        },
    )


def test_a_bot_has_at_most_4_async_transcriptions(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        statuses = [post(client, bot_id, DEEPGRAM).status_code for _ in range(4)]
        response = post(client, bot_id, {})
    assert statuses == [200] * 4
    assert (response.status_code, response.data) == (
        400,
        b'{"error":"You cannot have more than 4 async transcriptions per bot."}',
    )


@pytest.mark.parametrize(
    "body, errors",
    [
        ({}, {"transcription_settings": ["This field may not be null."]}),
        ({"transcription_settings": None}, {"transcription_settings": ["This field may not be null."]}),
        ({"transcription_settings": "deepgram"}, {"transcription_settings": ["'deepgram' is not of type 'object'"]}),
        (
            {"transcription_settings": {"meeting_closed_captions": {}}},
            {"transcription_settings": {"transcription_settings": "Meeting closed captions are not available for async transcription."}},
        ),
        (
            {"transcription_settings": {"deepgram": {"callback": "https://example.com/cb"}}},
            {"transcription_settings": {"transcription_settings": "Deepgram callback is not available for async transcription."}},
        ),
        (
            {"transcription_settings": {}},
            {"transcription_settings": {"transcription_settings": "Please specify a transcription provider."}},
        ),
        (
            {"transcription_settings": {"custom_async": {}}},
            {
                "transcription_settings": {
                    "transcription_settings": "CUSTOM_ASYNC_TRANSCRIPTION_URL environment variable is not set. Please "
                    "set the CUSTOM_ASYNC_TRANSCRIPTION_URL environment variable to the URL of your custom async "
                    "transcription service."
                }
            },
        ),
        (
            {"transcription_settings": {"deepgram": {"nope": 1}}},
            {"transcription_settings": ["Additional properties are not allowed ('nope' was unexpected)"]},
        ),
    ],
)
def test_async_transcription_settings_are_validated_with_the_real_messages(client, sandbox, body, errors):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        response = post(client, bot_id, body)
    assert (response.status_code, response.json) == (400, errors)
    check_openapi("POST", bot_id, response)


def test_a_malformed_body_is_a_parse_error_only_once_the_bot_checks_pass(client, sandbox):
    garbage = {"data": b'{"transcription_settings": ', "headers": {**AUTH, "Content-Type": "application/json"}}
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        response = client.post(path(bot_id), **garbage)
    assert (response.status_code, response.data) == (400, b'{"detail":"JSON parse error - Expecting value: line 1 column 28 (char 27)"}')
    refused = client.post(path(ENDED_BOT), **garbage)
    assert refused.json["error"].startswith("Cannot generate async transcription")


def test_a_json_list_body_is_refused_as_not_a_dictionary(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        response = post(client, bot_id, [DEEPGRAM])
    assert (response.status_code, response.data) == (
        400,
        b'{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}',
    )


# -- DELETE -----------------------------------------------------------------------------------------


def test_deleting_the_transcript_removes_the_real_time_utterances_with_an_empty_200(client):
    response = delete(client, ENDED_BOT)
    assert (response.status_code, response.data) == (200, b"")
    assert "Content-Type" not in response.headers
    assert response.headers["Content-Length"] == "0"
    check_openapi("DELETE", ENDED_BOT, response)
    assert get(client, ENDED_BOT).data == b"[]"


def test_deleting_the_transcript_ignores_any_body(client):
    response = client.delete(path(ENDED_BOT), data=b"garbage{", headers={**AUTH, "Content-Type": "text/plain"})
    assert response.status_code == 200


def test_deleting_the_transcript_of_an_unknown_bot_is_bot_not_found(client):
    response = delete(client, "bot_doesNotExist0000")
    assert (response.status_code, response.data) == (404, b'{"error":"Bot not found"}')
    check_openapi("DELETE", "bot_doesNotExist0000", response)


def test_deleting_an_unknown_async_transcript_is_404(client):
    response = delete(client, ENDED_BOT, "?async_transcription_id=tran_doesNotExist000")
    assert (response.status_code, response.data) == (404, b'{"error":"Async Transcription not found"}')
    check_openapi("DELETE", ENDED_BOT, response, "?async_transcription_id=tran_doesNotExist000")


def test_deleting_one_async_transcript_keeps_the_real_time_one(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        frozen.tick(60)
        assert delete(client, bot_id, f"?async_transcription_id={tran_id}").status_code == 200
        assert get(client, bot_id, f"?async_transcription_id={tran_id}").data == b"[]"
        assert len(get(client, bot_id).json) == 1


def test_deleting_an_in_progress_async_transcript_leaves_it_to_complete_empty(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        frozen.tick(10)
        assert delete(client, bot_id, f"?async_transcription_id={tran_id}").status_code == 200
        frozen.tick(50)
        response = get(client, bot_id, f"?async_transcription_id={tran_id}")
    assert (response.status_code, response.data) == (200, b"[]")
    assert hooks.of("async_transcription.state_change")[-1] == {"id": tran_id, "state": "complete", "failure_data": None}


def test_a_failed_async_transcript_is_unreadable_and_stays_failed_when_deleted(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = ended_async_bot(client, sandbox, frozen)
        tran_id = post(client, bot_id, DEEPGRAM).json["id"]
        failed = meeting.finish_async_transcription(
            sandbox, project(sandbox), bot_id, tran_id, failure_reasons=["credentials_not_found"]
        )
        read = get(client, bot_id, f"?async_transcription_id={tran_id}")
        deleted = delete(client, bot_id, f"?async_transcription_id={tran_id}")
        frozen.tick(120)
        read_again = get(client, bot_id, f"?async_transcription_id={tran_id}")
    assert failed["state"] == "failed" and failed["failure_data"] == {"failure_reasons": ["credentials_not_found"]}
    assert (read.status_code, read.json) == (
        400,
        {"error": f"Async transcription {tran_id} is not complete. It is in state failed"},
    )
    assert (deleted.status_code, deleted.data) == (200, b"")
    assert read_again.json["error"].endswith("It is in state failed")
    assert hooks.raw("async_transcription.state_change")[-1] == (
        '{"id":"%s","state":"failed","failure_data":{"failure_reasons":["credentials_not_found"]}}' % tran_id
    )


def test_the_transcript_route_allows_get_post_and_delete(client):
    response = client.put(path(ENDED_BOT), headers=AUTH)
    assert (response.status_code, response.data) == (405, b'{"detail":"Method \\"PUT\\" not allowed."}')
    assert response.headers["Allow"] == "GET, POST, DELETE, HEAD, OPTIONS"


def test_head_of_the_transcript_has_the_get_status_and_no_body(client):
    response = client.head(path(ENDED_BOT), headers=AUTH)
    assert (response.status_code, response.data) == (200, b"")
    assert response.headers["Content-Type"] == "application/json"
