"""Helpers shared by the meeting-data tests (test_transcript, test_recording, test_participants,
test_chat_messages, test_meeting): bots that record, the default project, a webhook recorder."""

import json
import shutil

from sandbox.config import default_fixtures_dir
from tests.conftest import AUTH

DEFAULT_PROJECT = "proj_sbx0Default00001"
SECOND_PROJECT = "proj_sbx0Second000002"
ENDED_BOT = "bot_sbxEnded00000000"
JOINED_RECORDING_BOT = "bot_sbxJoinedRec0000"
JOINED_NOT_RECORDING_BOT = "bot_sbxJoinedNotRec0"
PAUSED_BOT = "bot_sbxRecPaused0000"
JOINING_BOT = "bot_sbxJoining000000"
DATA_DELETED_BOT = "bot_sbxDataDeleted00"
OTHER_PROJECT_BOT = "bot_sbxOtherProject0"
MEET_URL = "https://meet.google.com/abc-defg-hij"


#: The bundled fixtures' scenarios script a whole meeting; these tests script their own, on a bot that only joins,
#: records, and after a leave ends (left_meeting +2 s, upload +6 s, post_processing_completed +7 s).
PLAIN_SCENARIOS = {
    "happy_path": {
        "description": "Joins and records; nobody else does anything.",
        "on": {
            "join_requested": [
                {"after": 2, "event": "joined_meeting"},
                {"after": 1, "event": "recording_permission_granted"},
            ],
            "leave_requested": [
                {"after": 2, "event": "left_meeting"},
                {"after": 4, "action": "upload_recording"},
                {"after": 1, "event": "post_processing_completed"},
            ],
            "meeting_ended": [
                {"after": 4, "action": "upload_recording"},
                {"after": 1, "event": "post_processing_completed"},
            ],
        },
    }
}


def plain_fixtures(tmp_path, scenarios=None):
    """A copy of the bundled fixtures whose scenarios are `PLAIN_SCENARIOS` (or `scenarios`)."""
    folder = tmp_path / "plain_fixtures"
    shutil.copytree(default_fixtures_dir(), folder)
    (folder / "scenarios.json").write_text(json.dumps(scenarios or PLAIN_SCENARIOS))
    return folder


def project(sandbox, project_id=DEFAULT_PROJECT):
    return sandbox.store.get("projects", project_id)


def create_bot(client, **fields):
    body = {"meeting_url": MEET_URL, "bot_name": "Meeting Data Bot", **fields}
    response = client.post("/api/v1/bots", json=body, headers=AUTH)
    assert response.status_code == 201, response.data
    return response.json["id"]


def recording_bot(client, frozen, **recording_settings):
    """A new bot that has reached `joined_recording` (the happy path: joined at +2 s, recording at +3 s)."""
    fields = {"recording_settings": recording_settings} if recording_settings else {}
    bot_id = create_bot(client, **fields)
    frozen.tick(3)
    assert client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json["state"] == "joined_recording"
    return bot_id


def end_bot(client, frozen, bot_id):
    """Leave, then let post-processing finish (left_meeting +2 s, upload +6 s, ended +7 s)."""
    assert client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH).status_code == 200
    frozen.tick(7)
    assert client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json["state"] == "ended"


class WebhookRecorder:
    """Wraps the sandbox's outbox: remembers every emitted `(bot_id, trigger, data)` and passes it on."""

    def __init__(self, outbox):
        self.outbox = outbox
        self.emitted = []

    def emit(self, project_id, bot_id, trigger, data):
        self.emitted.append((bot_id, trigger, data))
        self.outbox.emit(project_id, bot_id, trigger, data)

    def close(self):
        getattr(self.outbox, "close", lambda: None)()

    def of(self, trigger):
        return [data for _, t, data in self.emitted if t == trigger]

    def raw(self, trigger):
        """The `data` objects of `trigger`, serialized compactly with their key order."""
        return [json.dumps(data, separators=(",", ":"), ensure_ascii=False) for data in self.of(trigger)]


def record_webhooks(sandbox):
    recorder = WebhookRecorder(sandbox.outbox)
    sandbox.outbox = recorder
    return recorder
