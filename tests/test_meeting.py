"""The meeting's domain (sandbox/usecases/meeting.py): the rules of docs/contract/state-machine.md#recording-states,
docs/contract/bots-endpoints.md#participant-events, docs/contract/webhooks.md#webhook-data and
docs/contract/bots-endpoints.md#empty-utterances to #data-outside-recording, the webhooks
each stored item fires, the scripted actions, and the meeting data fixtures."""

import json
import re
import shutil

import pytest
from freezegun import freeze_time

from sandbox.config import default_fixtures_dir
from sandbox.contract.errors import SandboxInputError
from sandbox.contract.responses import PARTICIPANT, Dropped
from sandbox.infra.fixtures import FixtureError, load_fixtures
from sandbox.usecases import meeting
from tests.conftest import AUTH
from tests.meeting_support import (
    ENDED_BOT,
    JOINED_NOT_RECORDING_BOT,
    JOINING_BOT,
    PAUSED_BOT,
    PLAIN_SCENARIOS,
    create_bot,
    plain_fixtures,
    project,
    record_webhooks,
    recording_bot,
)

T0 = "2026-11-30T12:00:00Z"


@pytest.fixture
def app(shared_app, plain_fixtures_dir):
    return shared_app(fixtures_dir=plain_fixtures_dir)


def get(client, bot_id, suffix, query=""):
    return client.get(f"/api/v1/bots/{bot_id}/{suffix}{query}", headers=AUTH)


# -- participants and their events -------------------------------------------------------------------


def test_a_joining_participant_fires_join_leave_with_the_serializer_object_in_jsonb_order(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        frozen.tick(0.25)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="16778240", is_host=True)
    [event] = get(client, bot_id, "participant_events").json["results"]
    assert hooks.raw("participant_events.join_leave") == [
        '{"id":"%s","event_data":{},"event_type":"join","timestamp_ms":1796040003250,"participant_name":"Alice",'
        '"participant_uuid":"16778240","participant_is_host":true,"participant_user_uuid":null}' % event["id"]
    ]


def test_add_participant_returns_the_participant_as_the_api_shows_it(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        item = PARTICIPANT.dump(meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", user_uuid="u-1"))
    assert list(item) == ["id", "name", "uuid", "user_uuid", "is_host"]
    assert item == get(client, bot_id, "participants").json["results"][0]


def test_ids_have_the_real_prefixes_and_16_characters(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        par = meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice")
        msg = meeting.add_chat_message(sandbox, project(sandbox), bot_id, sender_uuid=par["uuid"], text="hi")
    event = get(client, bot_id, "participant_events").json["results"][0]
    assert re.fullmatch(r"par_[A-Za-z0-9]{16}", par["id"])
    assert re.fullmatch(r"pe_[A-Za-z0-9]{16}", event["id"])
    assert re.fullmatch(r"msg_[A-Za-z0-9]{16}", msg.doc["id"])


def test_participant_uuids_default_to_numeric_ids_like_zooms(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        first = meeting.add_participant(sandbox, project(sandbox), bot_id, name="A")
        second = meeting.add_participant(sandbox, project(sandbox), bot_id, name="B")
    assert (first["uuid"], second["uuid"]) == ("16778240", "16779264")


def test_a_participant_who_joins_again_keeps_one_row_and_gets_another_join_event(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="leave")
        again = meeting.add_participant(sandbox, project(sandbox), bot_id, name="Renamed", uuid="7", is_host=True)
    assert (again["name"], again["is_host"]) == ("Alice", False)
    assert len(get(client, bot_id, "participants").json["results"]) == 1
    types = [e["event_type"] for e in get(client, bot_id, "participant_events").json["results"]]
    assert types == ["join", "leave", "join"]


def test_update_events_change_host_status_and_are_never_stored_nor_sent(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        item = meeting.participant_event(
            sandbox, project(sandbox), bot_id, "7", event_type="update",
            event_data={"isHost": {"before": False, "after": True}},
        )
    assert item["is_host"] is True
    assert [e["event_type"] for e in get(client, bot_id, "participant_events").json["results"]] == ["join"]
    assert len(hooks.of("participant_events.join_leave")) == 1


def test_host_status_is_read_at_read_time_and_earlier_webhooks_keep_the_old_value(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        meeting.add_utterance(sandbox, project(sandbox), bot_id, speaker_uuid="7", text="Hello", duration_ms=900)
        meeting.participant_event(
            sandbox, project(sandbox), bot_id, "7", event_type="update",
            event_data={"isHost": {"before": False, "after": True}},
        )
    assert get(client, bot_id, "participant_events").json["results"][0]["participant_is_host"] is True
    assert get(client, bot_id, "transcript").json[0]["speaker_is_host"] is True
    assert get(client, bot_id, "participants", "?is_host=true").json["results"][0]["uuid"] == "7"
    assert hooks.of("participant_events.join_leave")[0]["participant_is_host"] is False
    assert hooks.of("transcript.update")[0]["speaker_is_host"] is False


def test_speech_events_are_not_stored_without_record_participant_speech_start_stop_events(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        item = meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="speech_start")
    assert isinstance(item, Dropped)
    assert item.reason == "recording_settings.record_participant_speech_start_stop_events is off"
    assert [e["event_type"] for e in get(client, bot_id, "participant_events").json["results"]] == ["join"]
    assert hooks.of("participant_events.speech_start_stop") == []


def test_speech_events_are_stored_and_sent_with_record_participant_speech_start_stop_events(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen, record_participant_speech_start_stop_events=True)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        start = meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="speech_start")
        frozen.tick(1.5)
        meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="speech_stop")
    types = [e["event_type"] for e in get(client, bot_id, "participant_events").json["results"]]
    assert types == ["join", "speech_start", "speech_stop"]
    assert [d["event_type"] for d in hooks.of("participant_events.speech_start_stop")] == ["speech_start", "speech_stop"]
    assert hooks.of("participant_events.speech_start_stop")[0]["id"] == start.doc["id"]
    assert [d["event_type"] for d in hooks.of("participant_events.join_leave")] == ["join"]


def test_the_bots_own_participant_is_in_no_list_and_fires_no_webhook(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Meeting Data Bot", uuid="1", is_the_bot=True)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="2")
    assert [p["uuid"] for p in get(client, bot_id, "participants").json["results"]] == ["2"]
    assert [e["participant_uuid"] for e in get(client, bot_id, "participant_events").json["results"]] == ["2"]
    assert [d["participant_uuid"] for d in hooks.of("participant_events.join_leave")] == ["2"]


def test_an_event_of_an_unknown_participant_is_refused(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        with pytest.raises(SandboxInputError) as error:
            meeting.participant_event(sandbox, project(sandbox), bot_id, "404", event_type="leave")
    assert error.value.status == 404
    assert error.value.message == "No participant with uuid 404 in this bot's meeting"


def test_an_unknown_participant_event_type_is_refused(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        with pytest.raises(SandboxInputError, match="Invalid event_type: wave. Valid event types are: join, leave"):
            meeting.participant_event(sandbox, project(sandbox), bot_id, "7", event_type="wave")


@pytest.mark.parametrize("bot_id, state", [(JOINING_BOT, "joining"), (ENDED_BOT, "ended")])
def test_meeting_activity_outside_the_meeting_is_refused(sandbox, bot_id, state):
    with pytest.raises(SandboxInputError, match=f"Bot is in state {state}: meeting activity can only be simulated"):
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice")


# -- utterances ------------------------------------------------------------------------------------


def test_an_utterance_fires_transcript_update_with_only_the_transcript_in_jsonb_order(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="16778240", is_host=True)
        frozen.tick(2)
        meeting.add_utterance(sandbox, project(sandbox), bot_id, speaker_uuid="16778240", text="Hello world", duration_ms=1500)
    assert hooks.raw("transcript.update") == [
        '{"duration_ms":1500,"speaker_name":"Alice","speaker_uuid":"16778240","timestamp_ms":1796040003500,'
        '"transcription":{"transcript":"Hello world"},"speaker_is_host":true,"speaker_user_uuid":null}'
    ]


def test_an_utterance_starts_its_duration_before_it_is_saved_unless_a_timestamp_is_given(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="7")
        saved = meeting.add_utterance(sandbox, project(sandbox), bot_id, speaker_uuid="7", text="a", duration_ms=1000)
        given = meeting.add_utterance(
            sandbox, project(sandbox), bot_id, speaker_uuid="7", text="b", duration_ms=1000, timestamp_ms=1796040000000
        )
    assert saved.doc["timestamp_ms"] == 1796040003000 - 1000
    assert given.doc["timestamp_ms"] == 1796040000000


def test_the_first_saved_utterance_moves_transcription_state_to_in_progress(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        assert client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json["transcription_state"] == "not_started"
        meeting.add_utterance(sandbox, project(sandbox), bot_id, speaker_uuid="7", text="Hi", duration_ms=500)
        bot = client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json
    assert bot["transcription_state"] == "in_progress"


def test_transcript_update_fires_even_for_empty_text_which_the_transcript_omits(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_utterance(sandbox, project(sandbox), bot_id, speaker_uuid="7", text="", duration_ms=500)
    assert [d["transcription"] for d in hooks.of("transcript.update")] == [{"transcript": ""}]
    assert get(client, bot_id, "transcript").json == []


def test_an_utterance_resent_with_the_same_source_id_replaces_the_old_one(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_utterance(sandbox, project(sandbox), bot_id, speaker_uuid="7", text="Hel", duration_ms=400, source_id="c1")
        frozen.tick(1)
        meeting.add_utterance(
            sandbox, project(sandbox), bot_id, speaker_uuid="7", text="Hello there", duration_ms=1400, source_id="c1"
        )
    transcript = get(client, bot_id, "transcript").json
    assert [(u["transcription"]["transcript"], u["duration_ms"]) for u in transcript] == [("Hello there", 1400)]
    assert [(d["transcription"]["transcript"], d["duration_ms"]) for d in hooks.of("transcript.update")] == [
        ("Hel", 400),
        ("Hello there", 1400),
    ]


def test_an_utterance_while_no_recording_is_in_progress_is_dropped_but_the_speaker_is_created(client, sandbox):
    hooks = record_webhooks(sandbox)
    item = meeting.add_utterance(
        sandbox, project(sandbox), JOINED_NOT_RECORDING_BOT, speaker_uuid="9", text="Not recorded", duration_ms=900
    )
    assert isinstance(item, Dropped)
    assert item.reason == "no recording is in progress (recording_state not_started)"
    assert get(client, JOINED_NOT_RECORDING_BOT, "transcript").json == []
    assert [p["uuid"] for p in get(client, JOINED_NOT_RECORDING_BOT, "participants").json["results"]] == ["9"]
    assert hooks.of("transcript.update") == []
    bot = client.get(f"/api/v1/bots/{JOINED_NOT_RECORDING_BOT}", headers=AUTH).json
    assert bot["transcription_state"] == "not_started"


def test_an_utterance_while_the_recording_is_paused_is_dropped(client, sandbox):
    item = meeting.add_utterance(sandbox, project(sandbox), PAUSED_BOT, speaker_uuid="9", text="x", duration_ms=1)
    assert item.reason == "no recording is in progress (recording_state paused)"


# -- chat messages --------------------------------------------------------------------------------


def test_a_chat_message_fires_chat_messages_update_in_jsonb_order(client, sandbox):
    hooks = record_webhooks(sandbox)
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        meeting.add_participant(sandbox, project(sandbox), bot_id, name="Alice", uuid="16778240")
        frozen.tick(2.75)
        item = meeting.add_chat_message(
            sandbox, project(sandbox), bot_id, sender_uuid="16778240", text="hi bot", to="only_bot",
            additional_data={"zz": 1, "a": 2},
        )
    assert hooks.raw("chat_messages.update") == [
        '{"id":"%s","to":"only_bot","text":"hi bot","timestamp":1796040005,"sender_name":"Alice",'
        '"sender_uuid":"16778240","timestamp_ms":1796040005000,"additional_data":{"a":2,"zz":1},'
        '"sender_user_uuid":null}' % item.doc["id"]
    ]


def test_a_chat_message_while_not_recording_is_dropped_but_the_sender_is_created(client, sandbox):
    hooks = record_webhooks(sandbox)
    item = meeting.add_chat_message(sandbox, project(sandbox), JOINED_NOT_RECORDING_BOT, sender_uuid="9", text="x")
    assert isinstance(item, Dropped)
    assert get(client, JOINED_NOT_RECORDING_BOT, "chat_messages").json["results"] == []
    assert [p["uuid"] for p in get(client, JOINED_NOT_RECORDING_BOT, "participants").json["results"]] == ["9"]
    assert hooks.of("chat_messages.update") == []


def test_a_chat_message_while_paused_is_dropped_without_record_chat_messages_when_paused(client, sandbox):
    item = meeting.add_chat_message(sandbox, project(sandbox), PAUSED_BOT, sender_uuid="16778240", text="x")
    assert item.reason == (
        "no recording is in progress (recording_state paused) and "
        "recording_settings.record_chat_messages_when_paused is off"
    )


def test_a_chat_message_while_paused_is_kept_with_record_chat_messages_when_paused(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen, record_chat_messages_when_paused=True)
        assert client.post(f"/api/v1/bots/{bot_id}/pause_recording", headers=AUTH).status_code == 200
        item = meeting.add_chat_message(sandbox, project(sandbox), bot_id, sender_uuid="7", text="while paused")
    assert [m["text"] for m in get(client, bot_id, "chat_messages").json["results"]] == ["while paused"]
    assert not isinstance(item, Dropped)


def test_a_chat_message_to_an_unknown_audience_is_refused(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        with pytest.raises(SandboxInputError, match="Invalid to: host. Valid values are: everyone, only_bot"):
            meeting.add_chat_message(sandbox, project(sandbox), bot_id, sender_uuid="7", text="x", to="host")


# -- the recording file -------------------------------------------------------------------------------


def test_upload_recording_makes_the_file_exist_from_now_on(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        assert get(client, bot_id, "recording").status_code == 404
        file = meeting.upload_recording(sandbox, project(sandbox), bot_id, start_timestamp_ms=1796040003000)
        response = get(client, bot_id, "recording")
    assert file == {"uploaded_at": "2026-11-30T12:00:03+00:00", "start_timestamp_ms": 1796040003000}
    assert response.status_code == 200
    assert response.json["start_timestamp_ms"] == 1796040003000


def test_upload_recording_of_a_bot_with_format_none_is_refused(client, sandbox):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen, format="none")
        with pytest.raises(SandboxInputError, match="no recording file to upload: its recording format is none"):
            meeting.upload_recording(sandbox, project(sandbox), bot_id)


def test_upload_recording_of_a_bot_that_never_recorded_is_refused(sandbox):
    with pytest.raises(SandboxInputError, match="no recording file to upload: it never recorded"):
        meeting.upload_recording(sandbox, project(sandbox), JOINED_NOT_RECORDING_BOT)


# -- scripted actions ------------------------------------------------------------------------------


@pytest.fixture
def scripted_fixtures(tmp_path):
    scenarios = json.loads(json.dumps(PLAIN_SCENARIOS))
    scenarios["happy_path"]["on"]["join_requested"] += [
        {"after": 1, "action": "participant_joins", "name": "Alice", "uuid": "100", "is_host": True},
        {"after": 1, "action": "utterance", "speaker_uuid": "100", "text": "Scripted hello", "duration_ms": 800},
        {"after": 1, "action": "chat_message", "sender_uuid": "100", "text": "Scripted chat", "to": "only_bot"},
        {"after": 1, "action": "participant_event", "uuid": "100", "event_type": "update",
         "event_data": {"isHost": {"before": True, "after": False}}},
        {"after": 1, "action": "participant_event", "uuid": "100", "event_type": "leave"},
    ]
    return plain_fixtures(tmp_path, scenarios)


def test_scripted_meeting_actions_happen_at_their_due_times(make_app, scripted_fixtures):
    app = make_app(fixtures_dir=scripted_fixtures)
    client = app.test_client()
    hooks = record_webhooks(app.extensions["sandbox"])
    with freeze_time(T0) as frozen:
        bot_id = create_bot(client)
        frozen.tick(3600)
        events = get(client, bot_id, "participant_events").json["results"]
        transcript = get(client, bot_id, "transcript").json
        chat = get(client, bot_id, "chat_messages").json["results"]
        participants = get(client, bot_id, "participants").json["results"]
    assert [(e["event_type"], e["timestamp_ms"]) for e in events] == [("join", 1796040004000), ("leave", 1796040008000)]
    assert transcript[0]["transcription"] == {"transcript": "Scripted hello"}
    assert transcript[0]["timestamp_ms"] == 1796040005000 - 800
    assert (chat[0]["text"], chat[0]["timestamp"], chat[0]["to"]) == ("Scripted chat", 1796040006, "only_bot")
    assert participants[0]["is_host"] is False
    assert [t for _, t, _ in hooks.emitted if t != "bot.state_change"] == [
        "participant_events.join_leave", "transcript.update", "chat_messages.update", "participant_events.join_leave"
    ]


def test_scripted_meeting_actions_of_a_bot_no_longer_in_the_meeting_are_skipped(make_app, scripted_fixtures):
    client = make_app(fixtures_dir=scripted_fixtures).test_client()
    with freeze_time(T0) as frozen:
        bot_id = create_bot(client)
        frozen.tick(3)
        client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
        frozen.tick(3600)
        assert get(client, bot_id, "participants").json["results"] == []


# -- fixtures ------------------------------------------------------------------------------------------


def test_the_ended_fixture_bot_has_participants_a_transcript_and_chat(client):
    assert len(get(client, ENDED_BOT, "participants").json["results"]) == 3
    assert len(get(client, ENDED_BOT, "participant_events").json["results"]) == 5
    assert len(get(client, ENDED_BOT, "transcript").json) == 6
    assert len(get(client, ENDED_BOT, "chat_messages").json["results"]) == 2


def test_every_recording_or_ended_fixture_bot_has_meeting_data():
    tables = load_fixtures(default_fixtures_dir())
    with_data = {u["bot_id"] for u in tables["utterances"]}
    recorded = {b["id"] for b in tables["bots"] if b["recording"]["state"] != "not_started" and b["state"] != "data_deleted"}
    assert recorded - {"bot_sbxJoiningBreako", "bot_sbxLeavingBreako"} <= with_data


def test_the_meeting_data_file_is_optional(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), folder)
    (folder / "meeting_data.json").unlink()
    tables = load_fixtures(folder)
    assert [tables[name] for name in ("participants", "participant_events", "utterances", "chat_messages")] == [[]] * 4


def _edit_meeting_data(folder, change):
    data = json.loads((folder / "meeting_data.json").read_text())
    change(data)
    (folder / "meeting_data.json").write_text(json.dumps(data))


@pytest.mark.parametrize(
    "change, path, reason",
    [
        (lambda d: d[0].update(bot_id="bot_nope000000000000"), "$[0].bot_id", "no bot 'bot_nope000000000000'"),
        (lambda d: d.append({"bot_id": "bot_sbxDataDeleted00"}), "$[7].bot_id", "a data_deleted bot has no meeting data"),
        (lambda d: d[0]["participants"][0].update(id="par_short"), "$[0].participants[0].id", "unique par_"),
        (lambda d: d[0]["participants"][1].update(uuid="16778240"), "$[0].participants[1].uuid", "has this uuid"),
        (lambda d: d[0]["participant_events"][0].update(event_type="update"),
         "$[0].participant_events[0].event_type", "one of join, leave, speech_start, speech_stop"),
        (lambda d: d[0]["utterances"][0].update(speaker_uuid="1"), "$[0].utterances[0].speaker_uuid", "no participant"),
        (lambda d: d[0]["utterances"][0].update(duration_ms="long"), "$[0].utterances[0].duration_ms", "must be int"),
        (lambda d: d[0]["chat_messages"][0].update(to="host"), "$[0].chat_messages[0].to", "one of everyone, only_bot"),
        (lambda d: d[0]["chat_messages"][0].update(created_at="today"), "$[0].chat_messages[0].created_at", "ISO 8601"),
    ],
)
def test_a_bad_meeting_data_fixture_names_file_path_and_reason(tmp_path, change, path, reason):
    folder = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), folder)
    _edit_meeting_data(folder, change)
    with pytest.raises(FixtureError) as error:
        load_fixtures(folder)
    assert error.value.file.name == "meeting_data.json"
    assert error.value.path == path
    assert reason in error.value.reason


def test_a_reset_restores_the_fixture_meeting_data(client, sandbox):
    with freeze_time(T0):
        meeting.add_participant(sandbox, project(sandbox), "bot_sbxJoinedRec0000", name="Extra")
        assert len(get(client, "bot_sbxJoinedRec0000", "participants").json["results"]) == 3
        sandbox.reset()
        assert len(get(client, "bot_sbxJoinedRec0000", "participants").json["results"]) == 2


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda sb, p, b: meeting.add_participant(sb, p, b, name="A", is_host="yes"), "is_host must be true or false"),
        (lambda sb, p, b: meeting.add_participant(sb, p, b, name=5), "name must be a string"),
        (lambda sb, p, b: meeting.add_utterance(sb, p, b, speaker_uuid=None, text="x", duration_ms=1),
         "speaker_uuid must be a non-empty string"),
        (lambda sb, p, b: meeting.add_utterance(sb, p, b, speaker_uuid="7", text="x", duration_ms=-1),
         "duration_ms must be at least 0"),
        (lambda sb, p, b: meeting.add_chat_message(sb, p, b, sender_uuid="7", text="x", additional_data=[]),
         "additional_data must be an object"),
        (lambda sb, p, b: meeting.upload_recording(sb, p, b, start_timestamp_ms="now"), "start_timestamp_ms must be an integer from 0 to 9223372036854775807 (epoch milliseconds)"),
    ],
)
def test_bad_simulation_input_is_refused_naming_the_field(sandbox, call, message):
    with pytest.raises(SandboxInputError) as error:
        call(sandbox, project(sandbox), "bot_sbxJoinedRec0000")
    assert error.value.message == message
