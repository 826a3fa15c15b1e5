"""Bot-side facts the control plane expresses so a test can set up what the real server would be in: a
participant's join time and the bot's own participant, a chat message's platform time, per-speaker audio
without a real-time transcript, a recording file whose first-buffer time was never recorded, and a project's
credentials and flags (docs/contract/bots-endpoints.md#get-transcript to #chat-messages,
docs/contract/bots-endpoints.md#participant-events, docs/contract/bots-endpoints.md#participants,
docs/contract/create-bot.md#create-order-of-checks, docs/contract/bots-endpoints.md#async-transcription-response)."""

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH
from tests.control_helpers import advance, capture_webhooks, create_bot, inject, new_project, post_json
from tests.openapi_check import assert_valid_response

NOW_MS = 1796040000000  # 2026-11-30T12:00:00Z
EXTERNAL_STORAGE_REFUSED = (
    "External media storage credentials are required to upload recordings to an external storage bucket. "
    "Please add external media storage credentials at https://app.attendee.dev/projects/{}/credentials."
)
TRANSCRIPTION = {"transcription_settings": {"deepgram": {"language": "en"}}}


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def meeting_bot(client, headers=AUTH, record=True, **fields):
    """A bot of the `manual` scenario in the meeting, recording unless `record` is false."""
    bot_id = create_bot(client, headers=headers, scenario="manual", **fields)["id"]
    assert inject(client, bot_id, "joined_meeting", headers=headers).status_code == 200
    if record:
        assert inject(client, bot_id, "recording_permission_granted", headers=headers).status_code == 200
    return bot_id


def sim(client, bot_id, what, body, headers=AUTH):
    return post_json(client, f"/sandbox/bots/{bot_id}/{what}", body, headers)


def api_get(client, bot_id, what, headers=AUTH):
    path = f"/api/v1/bots/{bot_id}/{what}"
    response = client.get(path, headers=headers)
    assert_valid_response("GET", path, response.status_code, response.data, response.headers.get("Content-Type"))
    return response


def end(client, bot_id, headers=AUTH):
    assert inject(client, bot_id, "meeting_ended", headers=headers).status_code == 200
    assert sim(client, bot_id, "recording_file", {}, headers).status_code == 201
    assert inject(client, bot_id, "post_processing_completed", headers=headers).status_code == 200


# -- 4. participants: the platform's join time, the bot's own participant -------------------------------------


def test_a_participants_join_takes_the_platforms_timestamp(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    assert sim(client, bot_id, "participants", {"name": "Alice", "uuid": "7", "timestamp_ms": 1796039999123}).status_code == 201
    [event] = api_get(client, bot_id, "participant_events").json["results"]
    assert event["timestamp_ms"] == 1796039999123
    [(_, _, data)] = outbox.of("participant_events.join_leave")
    assert data["timestamp_ms"] == 1796039999123


def test_the_bots_own_participant_is_stored_but_never_listed_nor_sent(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    response = sim(client, bot_id, "participants", {"name": "Notetaker", "uuid": "100", "is_the_bot": True})
    assert response.status_code == 201
    assert response.json["name"] == "Notetaker"
    sim(client, bot_id, "participants/100/events", {"event_type": "leave"})
    assert api_get(client, bot_id, "participants").json["results"] == []
    assert api_get(client, bot_id, "participant_events").json["results"] == []
    assert outbox.of("participant_events.join_leave") == []
    # stored: its speech is attributed to it, as the real bot's own utterances are
    said = sim(client, bot_id, "utterances", {"speaker_uuid": "100", "text": "Recording started", "duration_ms": 800})
    assert said.json["speaker_name"] == "Notetaker"


# -- 5. chat messages: the platform's time ---------------------------------------------------------------------


def test_a_chat_message_takes_the_platforms_timestamp_and_derives_timestamp_ms(client, sandbox):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client)
    stored = sim(client, bot_id, "chat_messages", {"sender_uuid": "7", "text": "hi", "timestamp": 1796039990})
    assert stored.status_code == 201
    assert (stored.json["timestamp"], stored.json["timestamp_ms"]) == (1796039990, 1796039990000)
    [listed] = api_get(client, bot_id, "chat_messages").json["results"]
    assert (listed["timestamp"], listed["timestamp_ms"]) == (1796039990, 1796039990000)
    [(_, _, data)] = outbox.of("chat_messages.update")
    assert (data["timestamp"], data["timestamp_ms"]) == (1796039990, 1796039990000)
    default = sim(client, bot_id, "chat_messages", {"sender_uuid": "7", "text": "again"})
    assert default.json["timestamp"] == NOW_MS // 1000


# -- 6. per-speaker audio without a real-time transcript -------------------------------------------------------


def test_audio_chunks_without_utterances_let_an_async_transcription_be_made(client, sandbox, frozen):
    outbox = capture_webhooks(sandbox)
    bot_id = meeting_bot(client, recording_settings={"record_async_transcription_audio_chunks": True})
    sim(client, bot_id, "participants", {"name": "Alice", "uuid": "7"})
    chunk = sim(client, bot_id, "audio_chunks", {"speaker_uuid": "7", "timestamp_ms": NOW_MS - 4000, "duration_ms": 2500, "text": "Hello"})
    assert chunk.status_code == 201
    assert chunk.json == {
        "id": chunk.json["id"],
        "speaker_name": "Alice",
        "speaker_uuid": "7",
        "timestamp_ms": NOW_MS - 4000,
        "duration_ms": 2500,
        "text": "Hello",
    }
    sim(client, bot_id, "audio_chunks", {"speaker_uuid": "8", "timestamp_ms": NOW_MS - 9000})
    assert outbox.of("transcript.update") == []  # no utterance, no real-time transcript
    end(client, bot_id)
    bot = client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json
    assert bot["transcription_state"] == "not_started"
    assert api_get(client, bot_id, "transcript").json == []

    created = post_json(client, f"/api/v1/bots/{bot_id}/transcript", TRANSCRIPTION)
    assert created.status_code == 200, created.data
    frozen.tick(60)
    async_id = created.json["id"]
    transcript = api_get(client, bot_id, f"transcript?async_transcription_id={async_id}").json
    assert [(u["speaker_uuid"], u["timestamp_ms"], u["duration_ms"], u["transcription"]) for u in transcript] == [
        ("7", NOW_MS - 4000, 2500, {"transcript": "Hello"})  # the text-less chunk (8) has an empty transcript
    ]


def test_without_audio_chunks_there_is_nothing_to_transcribe_again(client):
    bot_id = meeting_bot(client, recording_settings={"record_async_transcription_audio_chunks": True})
    end(client, bot_id)
    response = post_json(client, f"/api/v1/bots/{bot_id}/transcript", TRANSCRIPTION)
    assert response.json == {
        "error": "Cannot create async transcription because the per-speaker audio data has been deleted or was never created."
    }


@pytest.mark.parametrize(
    ("settings", "record", "reason"),
    [
        ({}, True, "recording_settings.record_async_transcription_audio_chunks is off"),
        ({"record_async_transcription_audio_chunks": True}, False, "no recording is in progress (recording_state not_started)"),
    ],
)
def test_audio_the_real_bot_would_not_record_is_dropped(client, settings, record, reason):
    bot_id = meeting_bot(client, record=record, recording_settings=settings)
    response = sim(client, bot_id, "audio_chunks", {"speaker_uuid": "7", "timestamp_ms": NOW_MS})
    assert response.status_code == 200
    assert (response.json["dropped"], response.json["reason"]) == (True, reason)


def test_delete_data_deletes_the_audio_chunks(client):
    bot_id = meeting_bot(client, recording_settings={"record_async_transcription_audio_chunks": True})
    sim(client, bot_id, "audio_chunks", {"speaker_uuid": "7", "timestamp_ms": NOW_MS})
    end(client, bot_id)
    assert post_json(client, f"/api/v1/bots/{bot_id}/delete_data").status_code == 200
    response = post_json(client, f"/api/v1/bots/{bot_id}/transcript", TRANSCRIPTION)
    assert response.json["error"].startswith("Cannot create async transcription because bot is not in state ended")


# -- 7. a recording file with no first-buffer time -------------------------------------------------------------


def test_a_recording_file_may_have_no_first_buffer_time(client):
    bot_id = meeting_bot(client)
    inject(client, bot_id, "meeting_ended")
    uploaded = sim(client, bot_id, "recording_file", {"start_timestamp_ms": None})
    assert uploaded.status_code == 201
    assert uploaded.json == {"uploaded_at": "2026-11-30T12:00:00Z", "start_timestamp_ms": None}
    recording = api_get(client, bot_id, "recording")
    assert recording.status_code == 200
    assert recording.json["start_timestamp_ms"] is None
    assert b'"start_timestamp_ms":null' in recording.data


def test_a_recording_file_without_the_field_starts_when_the_bot_started_recording(client, frozen):
    bot_id = meeting_bot(client)
    frozen.tick(30)
    inject(client, bot_id, "meeting_ended")
    assert sim(client, bot_id, "recording_file", {}).json["start_timestamp_ms"] == NOW_MS
    other = meeting_bot(client)
    inject(client, other, "meeting_ended")
    assert sim(client, other, "recording_file", {"start_timestamp_ms": 0}).json["start_timestamp_ms"] == 0


# -- 9. project capabilities -----------------------------------------------------------------------------------


def test_a_new_project_shows_its_capabilities_with_todays_defaults(client):
    project = new_project(client)
    assert {k: project[k] for k in list(project)[4:11]} == {
        "zoom_credentials": True,
        "scenario": "happy_path",
        "webhooks": [],
        "google_tts_credentials": True,
        "async_transcription": True,
        "transcription_credentials": True,
        "external_media_storage_credentials": False,
    }


def test_external_storage_settings_are_accepted_with_the_projects_storage_credentials(client, sandbox):
    project = new_project(client, external_media_storage_credentials=True)
    settings = {"bucket_name": "my-bucket", "recording_file_name": "rec.mp4"}
    bot = create_bot(client, headers=project["auth"], external_media_storage_settings=settings)
    assert bot["state"] == "joining"
    assert sandbox.store.get("bots", bot["id"])["settings"]["external_media_storage_settings"] == settings


def test_without_storage_credentials_external_storage_is_refused_as_today(client):
    project = new_project(client)
    response = post_json(
        client,
        "/api/v1/bots",
        {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "x", "external_media_storage_settings": {"bucket_name": "b"}},
        project["auth"],
    )
    assert (response.status_code, response.json) == (400, {"error": EXTERNAL_STORAGE_REFUSED.format(project["id"])})


def test_patch_changes_a_fixture_projects_capabilities_and_keeps_the_rest(client):
    response = client.patch(
        "/sandbox/projects/proj_sbx0Default00001", json={"async_transcription": False, "name": "Renamed"}, headers=AUTH
    )
    assert response.status_code == 200, response.data
    project = response.json
    assert (project["name"], project["async_transcription"], project["api_key"]) == (
        "Renamed", False, "sbx0DefaultProjectKey00000000001"
    )
    assert (project["zoom_credentials"], project["scenario"], project["google_tts_credentials"]) == (True, "happy_path", True)


def test_patch_answers_clear_400s_and_changes_nothing(client):
    bad = client.patch("/sandbox/projects/proj_sbx0Default00001", json={"transcription_credentials": "no", "name": "x"}, headers=AUTH)
    assert (bad.status_code, bad.json) == (400, {"error": "transcription_credentials must be true or false"})
    unknown = client.patch("/sandbox/projects/proj_sbx0Default00001", json={"api_key": "x"}, headers=AUTH)
    assert unknown.status_code == 400 and unknown.json["error"].startswith("Unknown field(s): api_key. Allowed fields: name")
    other = client.patch("/sandbox/projects/proj_sbx0Second000002", json={"name": "x"}, headers=AUTH)
    assert (other.status_code, other.json) == (404, {"error": "Project not found"})
    assert client.patch("/sandbox/projects/proj_sbx0Default00001", json={}).status_code == 401
    same = client.patch("/sandbox/projects/proj_sbx0Second000002", json={}, headers=SECOND_AUTH).json
    assert same["name"] == "Second project"
    assert client.patch("/sandbox/projects/proj_sbx0Default00001", json={}, headers=AUTH).json["name"] == "Default project"


def test_without_google_tts_credentials_speech_is_refused(client):
    client.patch("/sandbox/projects/proj_sbx0Default00001", json={"google_tts_credentials": False}, headers=AUTH)
    speech = {"text": "hi", "text_to_speech_settings": {"google": {"voice_language_code": "en-US", "voice_name": "x"}}}
    response = post_json(client, "/api/v1/bots/bot_sbxJoinedRec0000/speech", speech)
    assert response.json == {
        "error": "Google Text-to-Speech credentials are required. Please add credentials at "
        "http://localhost/projects/proj_sbx0Default00001/credentials"
    }


def async_ready_bot(client, headers):
    bot_id = meeting_bot(client, headers=headers, recording_settings={"record_async_transcription_audio_chunks": True})
    sim(client, bot_id, "utterances", {"speaker_uuid": "7", "text": "Hello", "duration_ms": 1000}, headers)
    end(client, bot_id, headers)
    return bot_id


def test_without_the_async_flag_async_transcription_is_not_enabled(client):
    project = new_project(client, async_transcription=False)
    bot_id = async_ready_bot(client, project["auth"])
    response = post_json(client, f"/api/v1/bots/{bot_id}/transcript", TRANSCRIPTION, project["auth"])
    assert (response.status_code, response.json) == (400, {"error": "Async transcription is not enabled for your account."})


def test_without_transcription_credentials_an_async_transcription_fails_60_s_later(client, sandbox, frozen):
    outbox = capture_webhooks(sandbox)
    project = new_project(client, transcription_credentials=False)
    bot_id = async_ready_bot(client, project["auth"])
    created = post_json(client, f"/api/v1/bots/{bot_id}/transcript", TRANSCRIPTION, project["auth"])
    assert created.json["state"] == "not_started"
    tran_id = created.json["id"]
    frozen.tick(59)
    advance(client, 0, project["auth"])
    assert [d["state"] for _, _, d in outbox.of("async_transcription.state_change")] == ["in_progress"]
    frozen.tick(1)
    advance(client, 0, project["auth"])
    assert outbox.of("async_transcription.state_change")[-1][2] == {
        "id": tran_id,
        "state": "failed",
        "failure_data": {"failure_reasons": ["credentials_not_found"]},
    }
    response = api_get(client, bot_id, f"transcript?async_transcription_id={tran_id}", project["auth"])
    assert response.json == {"error": f"Async transcription {tran_id} is not complete. It is in state failed"}


def test_an_async_transcription_whose_utterances_were_deleted_ends_complete_even_without_credentials(client, frozen):
    project = new_project(client, transcription_credentials=False)
    bot_id = async_ready_bot(client, project["auth"])
    tran_id = post_json(client, f"/api/v1/bots/{bot_id}/transcript", TRANSCRIPTION, project["auth"]).json["id"]
    deleted = client.delete(f"/api/v1/bots/{bot_id}/transcript?async_transcription_id={tran_id}", headers=project["auth"])
    assert deleted.status_code == 200
    frozen.tick(60)
    response = api_get(client, bot_id, f"transcript?async_transcription_id={tran_id}", project["auth"])
    assert (response.status_code, response.json) == (200, [])


def test_a_fixture_file_may_give_a_project_its_capabilities(make_app, tmp_path):
    import json
    import shutil

    from sandbox.config import default_fixtures_dir

    fixtures = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), fixtures)
    projects = json.loads((fixtures / "projects.json").read_text())
    projects[0]["external_media_storage_credentials"] = True
    projects[0]["google_tts_credentials"] = False
    (fixtures / "projects.json").write_text(json.dumps(projects))
    client = make_app(fixtures_dir=fixtures).test_client()
    project = client.patch("/sandbox/projects/proj_sbx0Default00001", json={}, headers=AUTH).json
    assert (project["external_media_storage_credentials"], project["google_tts_credentials"]) == (True, False)
