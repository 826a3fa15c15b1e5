"""The meeting's course on demand: participants, their events, utterances, chat messages and the recording file,
under the real server's rules (docs/contract/bots-endpoints.md#empty-utterances to #data-outside-recording), filling
what the real endpoints read and firing webhooks."""

import re

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH
from tests.control_helpers import (
    capture_webhooks,
    create_bot,
    get_bot,
    inject,
    post_json,
)
from tests.openapi_check import assert_valid_response

NOW_MS = 1796040000000  # 2026-11-30T12:00:00Z


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def meeting_bot(client, record=True, **fields):
    """A bot of the `manual` scenario, in the meeting (and recording unless `record` is false)."""
    bot_id = create_bot(client, scenario="manual", **fields)["id"]
    assert inject(client, bot_id, "joined_meeting").status_code == 200
    if record:
        assert inject(client, bot_id, "recording_permission_granted").status_code == 200
    return bot_id


def sim(client, bot_id, what, body, headers=AUTH):
    return post_json(client, f"/sandbox/bots/{bot_id}/{what}", body, headers)


def api_get(client, bot_id, what):
    path = f"/api/v1/bots/{bot_id}/{what}"
    response = client.get(path, headers=AUTH)
    assert response.status_code == 200, response.data
    assert_valid_response("GET", path, 200, response.data, response.headers["Content-Type"])
    return response.json


def join(client, bot_id, name="Alice", uuid="16778240", **extra):
    response = sim(client, bot_id, "participants", {"name": name, "uuid": uuid, **extra})
    assert response.status_code == 201, response.data
    return response.json


# -- participants ------------------------------------------------------------------------------------------


def test_a_participant_joins_and_is_answered_as_the_api_shows_it(client):
    bot_id = meeting_bot(client)
    response = sim(client, bot_id, "participants", {"name": "Alice", "uuid": "16778240", "is_host": True})
    assert response.status_code == 201
    participant = response.json
    assert list(participant) == ["id", "name", "uuid", "user_uuid", "is_host"]
    assert re.fullmatch(r"par_[A-Za-z0-9]{16}", participant["id"])
    assert participant == {**participant, "name": "Alice", "uuid": "16778240", "user_uuid": None, "is_host": True}
    assert api_get(client, bot_id, "participants")["results"] == [participant]


def test_a_join_is_a_participant_event_and_a_webhook(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id, user_uuid="user-1")
    [event] = api_get(client, bot_id, "participant_events")["results"]
    assert {k: event[k] for k in ("participant_name", "participant_uuid", "participant_user_uuid", "event_type")} == {
        "participant_name": "Alice",
        "participant_uuid": "16778240",
        "participant_user_uuid": "user-1",
        "event_type": "join",
    }
    assert event["timestamp_ms"] == NOW_MS
    [(_, hook_bot, data)] = outbox.of("participant_events.join_leave")
    assert hook_bot == bot_id
    assert data["event_type"] == "join"


def test_a_participant_without_a_uuid_gets_one(client):
    bot_id = meeting_bot(client)
    participant = join(client, bot_id, uuid=None)
    assert participant["uuid"]


def test_participants_join_even_while_nothing_is_recorded(client):
    bot_id = meeting_bot(client, record=False)
    join(client, bot_id)
    assert [p["name"] for p in api_get(client, bot_id, "participants")["results"]] == ["Alice"]


def test_a_participant_leaves(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id)
    response = sim(client, bot_id, "participants/16778240/events", {"event_type": "leave"})
    assert response.status_code == 201
    assert response.json["event_type"] == "leave"
    assert [e["event_type"] for e in api_get(client, bot_id, "participant_events")["results"]] == ["join", "leave"]
    assert [d["event_type"] for _, _, d in outbox.of("participant_events.join_leave")] == ["join", "leave"]


def test_an_update_changes_who_is_host_and_reads_see_it_at_read_time(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id)
    sim(client, bot_id, "utterances", {"speaker_uuid": "16778240", "text": "Before the update", "duration_ms": 900})
    response = sim(
        client, bot_id, "participants/16778240/events", {"event_type": "update", "event_data": {"isHost": {"before": False, "after": True}}}
    )
    assert response.status_code == 200
    assert response.json["is_host"] is True
    assert api_get(client, bot_id, "transcript")[0]["speaker_is_host"] is True
    assert api_get(client, bot_id, "participant_events")["results"][0]["participant_is_host"] is True
    # the webhooks sent before the update said false, and the update itself is never stored
    [(_, _, hook)] = outbox.of("transcript.update")
    assert hook["speaker_is_host"] is False
    assert [e["event_type"] for e in api_get(client, bot_id, "participant_events")["results"]] == ["join"]


def test_speech_events_are_dropped_unless_the_bot_records_them(client):
    bot_id = meeting_bot(client)
    join(client, bot_id)
    response = sim(client, bot_id, "participants/16778240/events", {"event_type": "speech_start"})
    assert response.status_code == 200
    assert response.json["dropped"] is True
    assert [e["event_type"] for e in api_get(client, bot_id, "participant_events")["results"]] == ["join"]


def test_speech_events_are_stored_and_sent_when_the_bot_records_them(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client, recording_settings={"record_participant_speech_start_stop_events": True})
    join(client, bot_id)
    for event_type in ("speech_start", "speech_stop"):
        assert sim(client, bot_id, "participants/16778240/events", {"event_type": event_type}).status_code == 201
    assert [d["event_type"] for _, _, d in outbox.of("participant_events.speech_start_stop")] == ["speech_start", "speech_stop"]


def test_an_event_of_an_unknown_participant_is_a_404(client):
    bot_id = meeting_bot(client)
    response = sim(client, bot_id, "participants/999/events", {"event_type": "leave"})
    assert response.status_code == 404
    assert response.json == {"error": "No participant with uuid 999 in this bot's meeting"}


def test_an_unknown_participant_event_type_is_a_400(client):
    bot_id = meeting_bot(client)
    join(client, bot_id)
    response = sim(client, bot_id, "participants/16778240/events", {"event_type": "dance"})
    assert response.status_code == 400
    assert response.json == {"error": "Invalid event_type: dance. Valid event types are: join, leave, speech_start, speech_stop, update"}


# -- utterances ---------------------------------------------------------------------------------------------


def test_an_utterance_is_stored_shown_in_the_transcript_and_sent(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id, is_host=True)
    response = sim(client, bot_id, "utterances", {"speaker_uuid": "16778240", "text": "Hello world", "duration_ms": 1500})
    assert response.status_code == 201
    expected = {
        "speaker_name": "Alice",
        "speaker_uuid": "16778240",
        "speaker_user_uuid": None,
        "speaker_is_host": True,
        "timestamp_ms": NOW_MS - 1500,
        "duration_ms": 1500,
        "transcription": {"transcript": "Hello world"},
    }
    assert response.json == expected
    assert api_get(client, bot_id, "transcript") == [expected]
    assert get_bot(client, bot_id)["transcription_state"] == "in_progress"
    [(_, _, hook)] = outbox.of("transcript.update")
    assert hook["transcription"] == {"transcript": "Hello world"}


def test_an_utterance_takes_an_explicit_timestamp(client):
    bot_id = meeting_bot(client)
    join(client, bot_id)
    body = {"speaker_uuid": "16778240", "text": "Timed", "duration_ms": 10, "timestamp_ms": 1796039999000}
    assert sim(client, bot_id, "utterances", body).json["timestamp_ms"] == 1796039999000


def test_an_utterance_re_sent_with_the_same_id_replaces_the_old_one(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id)
    first = {"speaker_uuid": "16778240", "text": "Helo", "duration_ms": 800, "source_id": "caption-1"}
    assert sim(client, bot_id, "utterances", first).status_code == 201
    assert sim(client, bot_id, "utterances", {**first, "text": "Hello there", "duration_ms": 1200}).status_code == 201
    transcript = api_get(client, bot_id, "transcript")
    assert [(u["transcription"]["transcript"], u["duration_ms"]) for u in transcript] == [("Hello there", 1200)]
    assert [d["transcription"]["transcript"] for _, _, d in outbox.of("transcript.update")] == ["Helo", "Hello there"]


def test_an_utterance_while_nothing_is_recorded_is_dropped_but_the_speaker_is_created(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client, record=False)
    response = sim(client, bot_id, "utterances", {"speaker_uuid": "555", "text": "Anyone there?", "duration_ms": 700})
    assert response.status_code == 200
    assert response.json["dropped"] is True
    assert response.json["participant"]["uuid"] == "555"
    assert api_get(client, bot_id, "transcript") == []
    assert [p["uuid"] for p in api_get(client, bot_id, "participants")["results"]] == ["555"]
    assert outbox.of("transcript.update") == []


def test_an_empty_utterance_fires_a_webhook_but_stays_out_of_the_transcript(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id)
    assert sim(client, bot_id, "utterances", {"speaker_uuid": "16778240", "text": "", "duration_ms": 100}).status_code == 201
    assert api_get(client, bot_id, "transcript") == []
    [(_, _, hook)] = outbox.of("transcript.update")
    assert hook["transcription"] == {"transcript": ""}


# -- chat messages ------------------------------------------------------------------------------------------


def test_a_chat_message_is_stored_listed_and_sent(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    join(client, bot_id)
    response = sim(client, bot_id, "chat_messages", {"sender_uuid": "16778240", "text": "hi bot", "to": "only_bot"})
    assert response.status_code == 201
    message = response.json
    assert {k: message[k] for k in ("text", "timestamp_ms", "timestamp", "to", "sender_name", "sender_uuid", "additional_data")} == {
        "text": "hi bot",
        "timestamp_ms": NOW_MS,
        "timestamp": NOW_MS // 1000,
        "to": "only_bot",
        "sender_name": "Alice",
        "sender_uuid": "16778240",
        "additional_data": {},
    }
    assert api_get(client, bot_id, "chat_messages")["results"] == [message]
    [(_, _, hook)] = outbox.of("chat_messages.update")
    assert hook["text"] == "hi bot"


def test_a_chat_message_keeps_its_additional_data(client):
    bot_id = meeting_bot(client)
    body = {"sender_uuid": "16778240", "text": "x", "to": "everyone", "additional_data": {"reply_to": "msg_1"}}
    assert sim(client, bot_id, "chat_messages", body).json["additional_data"] == {"reply_to": "msg_1"}


def test_a_chat_message_while_nothing_is_recorded_is_dropped_but_the_sender_is_created(client):
    bot_id = meeting_bot(client, record=False)
    response = sim(client, bot_id, "chat_messages", {"sender_uuid": "777", "text": "hello?", "to": "everyone"})
    assert response.status_code == 200
    assert response.json["dropped"] is True
    assert api_get(client, bot_id, "chat_messages")["results"] == []
    assert [p["uuid"] for p in api_get(client, bot_id, "participants")["results"]] == ["777"]


def test_a_chat_message_to_someone_else_is_a_400(client):
    bot_id = meeting_bot(client)
    response = sim(client, bot_id, "chat_messages", {"sender_uuid": "1", "text": "x", "to": "bob"})
    assert response.status_code == 400
    assert response.json == {"error": "Invalid to: bob. Valid values are: everyone, only_bot"}


# -- the recording file ---------------------------------------------------------------------------------------


def test_the_recording_file_exists_from_the_moment_it_is_uploaded(client):
    bot_id = meeting_bot(client)
    before = client.get(f"/api/v1/bots/{bot_id}/recording", headers=AUTH)
    assert before.status_code == 404
    assert before.json == {"error": "No recording file found for bot"}
    response = sim(client, bot_id, "recording_file", {"start_timestamp_ms": 1796039990000})
    assert response.status_code == 201
    assert response.json == {"uploaded_at": "2026-11-30T12:00:00Z", "start_timestamp_ms": 1796039990000}
    recording = api_get(client, bot_id, "recording")
    assert recording["start_timestamp_ms"] == 1796039990000
    assert recording["url"]


def test_a_bot_that_never_recorded_has_no_file_to_upload(client):
    bot_id = meeting_bot(client, record=False)
    response = sim(client, bot_id, "recording_file", {})
    assert response.status_code == 400
    assert response.json == {"error": "The bot has no recording file to upload: it never recorded"}


# -- errors common to every simulation endpoint -----------------------------------------------------------------


@pytest.mark.parametrize(
    "what, body, message",
    [
        ("participants", {}, "Missing required field(s): name"),
        ("participants", {"name": 5}, "name must be a string"),
        ("participants", {"name": "A", "is_host": "yes"}, "is_host must be true or false"),
        ("participants", {"name": "A", "uuid": ""}, "uuid must be a non-empty string"),
        ("participants", {"name": "A", "email": "a@x"}, "Unknown field(s): email. Allowed fields: name, uuid, user_uuid, is_host, is_the_bot, timestamp_ms"),
        ("utterances", {"text": "x", "duration_ms": 1}, "Missing required field(s): speaker_uuid"),
        ("utterances", {"speaker_uuid": None, "text": "x", "duration_ms": 1}, "speaker_uuid must be a non-empty string"),
        ("utterances", {"speaker_uuid": "1", "text": "x", "duration_ms": "1"}, "duration_ms must be an integer"),
        ("utterances", {"speaker_uuid": "1", "text": 3, "duration_ms": 1}, "text must be a string"),
        ("chat_messages", {"sender_uuid": "1"}, "Missing required field(s): text"),
        ("chat_messages", {"sender_uuid": "1", "text": "x", "additional_data": []}, "additional_data must be an object"),
        ("recording_file", {"start_timestamp_ms": "now"}, "start_timestamp_ms must be an integer from 0 to 9223372036854775807 (epoch milliseconds)"),
        ("participants/16778240/events", {}, "Missing required field(s): event_type"),
        ("participants", {"name": "A", "is_the_bot": 1}, "is_the_bot must be true or false"),
        ("participants", {"name": "A", "timestamp_ms": -1}, f"timestamp_ms must be an integer from 0 to {2**63 - 1} (epoch milliseconds)"),
        ("participants", {"name": "A", "timestamp_ms": "1"}, f"timestamp_ms must be an integer from 0 to {2**63 - 1} (epoch milliseconds)"),
        ("chat_messages", {"sender_uuid": "1", "text": "x", "timestamp": 1.5}, "timestamp must be an integer from 0 to 9223372036854775 (epoch seconds)"),
        ("chat_messages", {"sender_uuid": "1", "text": "x", "timestamp": 2**63}, "timestamp must be an integer from 0 to 9223372036854775 (epoch seconds)"),
        ("audio_chunks", {"timestamp_ms": 1}, "Missing required field(s): speaker_uuid"),
        ("audio_chunks", {"speaker_uuid": "1"}, "Missing required field(s): timestamp_ms"),
        ("audio_chunks", {"speaker_uuid": "1", "timestamp_ms": None}, f"timestamp_ms must be an integer from 0 to {2**63 - 1} (epoch milliseconds)"),
        ("audio_chunks", {"speaker_uuid": "", "timestamp_ms": 1}, "speaker_uuid must be a non-empty string"),
        ("audio_chunks", {"speaker_uuid": "1", "timestamp_ms": 1, "duration_ms": -1}, "duration_ms must be at least 0"),
        ("audio_chunks", {"speaker_uuid": "1", "timestamp_ms": 1, "text": 5}, "text must be a string"),
        ("audio_chunks", {"speaker_uuid": "1", "timestamp_ms": 1, "words": []}, "Unknown field(s): words. Allowed fields: speaker_uuid, timestamp_ms, duration_ms, text"),
        ("recording_file", {"start_timestamp_ms": True}, f"start_timestamp_ms must be an integer from 0 to {2**63 - 1} (epoch milliseconds)"),
    ],
)
def test_simulation_endpoints_validate_their_body_with_clear_400s(client, what, body, message):
    bot_id = meeting_bot(client)
    join(client, bot_id)
    response = sim(client, bot_id, what, body)
    assert response.status_code == 400
    assert response.json == {"error": message}


@pytest.mark.parametrize("what", ["participants", "utterances", "chat_messages", "recording_file"])
def test_simulation_on_an_unknown_or_foreign_bot_is_bot_not_found(client, what):
    body = {"name": "A", "speaker_uuid": "1", "sender_uuid": "1", "text": "x", "duration_ms": 1}
    allowed = {
        "participants": ("name",),
        "utterances": ("speaker_uuid", "text", "duration_ms"),
        "chat_messages": ("sender_uuid", "text"),
        "recording_file": (),
    }[what]
    body = {k: v for k, v in body.items() if k in allowed}
    assert sim(client, "bot_doesNotExist0000", what, body).json == {"error": "Bot not found"}
    response = sim(client, "bot_sbxJoinedRec0000", what, body, headers=SECOND_AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}


def test_meeting_activity_outside_the_meeting_is_a_400(client):
    response = sim(client, "bot_sbxEnded00000000", "participants", {"name": "Late"})
    assert response.status_code == 400
    assert response.json["error"].startswith("Bot is in state ended: meeting activity can only be simulated while the bot is in the meeting")


def test_simulation_needs_the_projects_key(client):
    response = sim(client, "bot_sbxJoinedRec0000", "participants", {"name": "A"}, headers={})
    assert response.status_code == 401
    assert response.json == {"detail": "Missing Authorization header"}


def test_a_participant_added_by_hand_never_takes_the_uuid_of_one_the_scenario_brings_in_later(client, frozen):
    bot_id = create_bot(client, scenario="happy_path")["id"]
    frozen.tick(3)  # joined and recording; the scenario's Alice (uuid 16778240) has not joined yet
    scripted = {str(s["uuid"]) for s in client.get(f"/sandbox/bots/{bot_id}/steps", headers=AUTH).json["pending_steps"]
                if s.get("action") == "participant_joins"}
    assert "16778240" in scripted
    added = sim(client, bot_id, "participants", {"name": "Carol"}).json
    assert added["uuid"] not in scripted
    frozen.tick(60)
    names = sorted(p["name"] for p in api_get(client, bot_id, "participants")["results"])
    assert names == ["Alice Chen", "Bob Martinez", "Carol"]
