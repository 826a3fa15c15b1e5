"""Helpers for the bot command tests (send_chat_message, media output, settings commands).

Bots with particular settings (Zoom web SDK, gallery view, reserved voice agent, ...) are put straight into
the store, copied from a fixture bot, so these tests do not depend on `POST /bots`.
"""

import copy
import json

from sandbox.contract.meeting_urls import meeting_platform
from tests.conftest import AUTH
from tests.conftest import FIXTURE_BOTS as ALL_FIXTURE_BOTS
from tests.openapi_check import assert_valid_response

DEFAULT_PROJECT = "proj_sbx0Default00001"
MEET_URL = "https://meet.google.com/abc-defg-hij"
ZOOM_URL = "https://zoom.us/j/81234567890?pwd=AbC123.1"
TEAMS_URL = "https://teams.live.com/meet/9312345?p=abcdef"

JOINED_STATES = (
    "joined_recording",
    "joined_not_recording",
    "joined_recording_permission_denied",
    "joined_recording_paused",
)
# Google Meet fixture bots, one per state.
FIXTURE_BOTS = {state: bot for state, bot in ALL_FIXTURE_BOTS.items() if state != "joined_recording_permission_denied"}
NOT_JOINED_STATES = tuple(s for s in FIXTURE_BOTS if s not in JOINED_STATES)
MEET_BOT = FIXTURE_BOTS["joined_recording"]
ENDED_BOT = FIXTURE_BOTS["ended"]
# A Zoom fixture bot in a joined state, with `settings: {}` (so the native SDK).
ZOOM_BOT = "bot_sbxPermDenied000"
UNKNOWN_BOT = "bot_doesNotExist0000"
OTHER_PROJECT_BOT = "bot_sbxOtherProject0"


def put_bot(sandbox, bot_id, *, meeting_url=MEET_URL, state="joined_recording", settings=None, platform=None):
    """A copy of the joined-recording fixture bot with another id, URL, state and settings."""
    bot = copy.deepcopy(sandbox.store.get("bots", MEET_BOT))
    bot.update(id=bot_id, meeting_url=meeting_url, state=state, settings=settings or {})
    bot["recording"]["id"] = "rec_" + bot_id[4:]
    bot["platform"] = platform or meeting_platform(meeting_url)
    sandbox.store.put("bots", bot)
    return bot_id


def put_participant(sandbox, bot_id, uuid, name="Alice"):
    sandbox.store.put(
        "participants",
        {"id": "par_" + uuid.replace("-", "")[:16], "bot_id": bot_id, "uuid": uuid, "user_uuid": None,
         "full_name": name, "is_host": False},
    )


def stored_bot(sandbox, bot_id):
    return sandbox.store.get("bots", bot_id)


def commands_of(sandbox, bot_id):
    return stored_bot(sandbox, bot_id).get("commands", [])


def call(client, method, bot_id, action, body=None, *, headers=None, raw=None, content_type=None, **kwargs):
    """One request to `/api/v1/bots/<bot_id>/<action>`: `body` as JSON, or `raw` bytes with `content_type`."""
    headers = dict(AUTH if headers is None else headers)
    path = f"/api/v1/bots/{bot_id}/{action}"
    if raw is not None:
        if content_type is not None:
            headers["Content-Type"] = content_type
        return client.open(path, method=method, data=raw, headers=headers, **kwargs)
    if body is not None:
        headers["Content-Type"] = "application/json"
        return client.open(path, method=method, data=json.dumps(body), headers=headers, **kwargs)
    return client.open(path, method=method, headers=headers, **kwargs)


def assert_empty_200(response):
    assert response.status_code == 200, response.data
    assert response.data == b""
    assert response.headers.get("Content-Length") == "0"
    assert "Content-Type" not in response.headers


def check_openapi(method, bot_id, action, response):
    assert_valid_response(
        method,
        f"/api/v1/bots/{bot_id}/{action}",
        response.status_code,
        response.get_data(),
        response.headers.get("Content-Type"),
    )
