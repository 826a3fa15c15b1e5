"""One walk over every route of the Attendee API, through its success and error paths, validating every
answer against the OpenAPI document the sandbox itself serves at `GET /api/schema`."""

import base64
import struct
import zlib
from pathlib import Path

import pytest
from freezegun import freeze_time

from sandbox.contract.endpoints import ATTENDEE, ENDPOINTS
from sandbox.contract.openapi import build_openapi
from tests.conftest import AUTH, FIXTURE_BOTS, SEED_BOT
from tests.openapi_check import assert_valid_response

JOINED = FIXTURE_BOTS["joined_recording"]
ZOOM_JOINED = FIXTURE_BOTS["joined_recording_permission_denied"]  # a Zoom bot in a joined state
ENDED = FIXTURE_BOTS["ended"]
MEET = "https://meet.google.com/abc-defg-hij"
MP3 = base64.b64encode((Path(__file__).resolve().parent.parent / "fixtures" / "media" / "recording.mp3").read_bytes()).decode()


def tiny_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


PNG = base64.b64encode(tiny_png()).decode()


CALENDARS, EVENTS, ZOOM_CONNECTIONS = "api/v1/calendars", "api/v1/calendar_events", "api/v1/zoom_oauth_connections"
CALENDAR, ZOOM_CONNECTION = CALENDARS + "/{id}", ZOOM_CONNECTIONS + "/{id}"
GOOGLE = {"client_id": "cid", "client_secret": "sec", "refresh_token": "tok", "platform": "google"}


def bot_path(bot_id, suffix=""):
    return f"/api/v1/bots/{bot_id}" + (f"/{suffix}" if suffix else "")


# (route suffix, method, path or a function of the walk's state, JSON body (None: none), expected status)
WALK = [
    ("", "GET", "/api/v1/bots", None, 200),
    ("", "GET", "/api/v1/bots?states=JOINING", None, 400),
    ("", "GET", "/api/v1/bots?cursor=not-a-cursor", None, 404),
    ("", "POST", "/api/v1/bots", {"meeting_url": MEET, "bot_name": "Walker"}, 201),
    ("", "POST", "/api/v1/bots", {"meeting_url": "https://example.com/x", "bot_name": "Walker"}, 400),
    ("", "POST", "/api/v1/bots", {"meeting_url": MEET, "bot_name": "Later", "join_at": "2027-01-01T08:00:00Z"}, 201),
    ("{id}", "GET", bot_path(SEED_BOT), None, 200),
    ("{id}", "GET", bot_path("bot_doesNotExist0000"), None, 404),
    ("{id}", "PATCH", bot_path(JOINED), {"metadata": {"k": "v"}}, 200),
    ("{id}", "PATCH", bot_path(JOINED), {"bot_name": "Renamed"}, 400),
    ("{id}", "DELETE", lambda walk: bot_path(walk["scheduled"]), None, 200),
    ("{id}", "DELETE", bot_path(JOINED), None, 400),
    ("leave", "POST", bot_path(SEED_BOT, "leave"), None, 200),
    ("leave", "POST", bot_path(SEED_BOT, "leave"), None, 400),
    ("leave", "POST", bot_path("bot_doesNotExist0000", "leave"), None, 404),
    ("transcript", "GET", bot_path(ENDED, "transcript"), None, 200),
    ("transcript", "GET", bot_path(ENDED, "transcript") + "?updated_after=yesterday", None, 400),
    ("transcript", "POST", bot_path(JOINED, "transcript"), {"transcription_settings": {"deepgram": {}}}, 400),
    ("transcript", "DELETE", bot_path(ENDED, "transcript"), None, 200),
    ("transcript", "DELETE", bot_path("bot_doesNotExist0000", "transcript"), None, 404),
    ("recording", "GET", bot_path(ENDED, "recording"), None, 200),
    ("recording", "GET", bot_path(JOINED, "recording"), None, 404),
    ("chat_messages", "GET", bot_path(ENDED, "chat_messages"), None, 200),
    ("chat_messages", "GET", bot_path(ENDED, "chat_messages") + "?updated_after=x", None, 400),
    ("send_chat_message", "POST", bot_path(JOINED, "send_chat_message"), {"message": "Hello"}, 200),
    ("send_chat_message", "POST", bot_path(ENDED, "send_chat_message"), {"message": "Hello"}, 400),
    ("speech", "POST", bot_path(JOINED, "speech"),
     {"text": "Hi", "text_to_speech_settings": {"google": {"voice_language_code": "en-US", "voice_name": "en-US-Casual-K"}}}, 200),
    ("speech", "POST", bot_path(JOINED, "speech"), {"text": "Hi", "text_to_speech_settings": {"google": {}}}, 400),
    ("output_audio", "POST", bot_path(JOINED, "output_audio"), {"type": "audio/mp3", "data": MP3}, 200),
    ("output_audio", "POST", bot_path(JOINED, "output_audio"), {}, 400),
    ("output_image", "POST", bot_path(JOINED, "output_image"), {"type": "image/png", "data": PNG}, 200),
    ("output_image", "POST", bot_path(JOINED, "output_image"), {"type": "image/gif", "data": PNG}, 400),
    ("output_video", "POST", bot_path(FIXTURE_BOTS["joined_not_recording"], "output_video"), {"url": "https://cdn.example.com/a.mp4"}, 200),
    ("output_video", "POST", bot_path(JOINED, "output_video"), {"url": "http://cdn.example.com/a.mp4"}, 400),
    ("delete_data", "POST", bot_path(FIXTURE_BOTS["fatal_error"], "delete_data"), None, 200),
    ("delete_data", "POST", bot_path(JOINED, "delete_data"), None, 400),
    ("pause_recording", "POST", bot_path(JOINED, "pause_recording"), None, 200),
    ("pause_recording", "POST", bot_path(ENDED, "pause_recording"), None, 400),
    ("resume_recording", "POST", bot_path(JOINED, "resume_recording"), None, 200),
    ("resume_recording", "POST", bot_path(ENDED, "resume_recording"), None, 400),
    ("admit_from_waiting_room", "POST", bot_path(ZOOM_JOINED, "admit_from_waiting_room"), None, 200),
    ("admit_from_waiting_room", "POST", bot_path(JOINED, "admit_from_waiting_room"), None, 400),
    ("change_gallery_view_page", "POST", bot_path(JOINED, "change_gallery_view_page"), {"direction": "next"}, 400),
    ("transcription_settings", "PATCH", bot_path(JOINED, "transcription_settings"),
     {"transcription_settings": {"meeting_closed_captions": {"google_meet_language": "de-DE"}}}, 200),
    ("transcription_settings", "PATCH", bot_path(JOINED, "transcription_settings"), {}, 400),
    ("voice_agent_settings", "PATCH", bot_path(JOINED, "voice_agent_settings"), {"url": "https://agent.example.com"}, 400),
    ("participant_events", "GET", bot_path(ENDED, "participant_events"), None, 200),
    ("participant_events", "GET", bot_path(ENDED, "participant_events") + "?after=soon", None, 400),
    ("participants", "GET", bot_path(ENDED, "participants"), None, 200),
    ("participants", "GET", bot_path(ENDED, "participants") + "?is_host=maybe", None, 400),
    # calendars, calendar events and Zoom OAuth connections (contract 12)
    (CALENDARS, "GET", "/" + CALENDARS + "?deduplication_key=", None, 200),
    (CALENDARS, "GET", "/" + CALENDARS + "?cursor=not-a-cursor", None, 404),
    (CALENDARS, "POST", "/" + CALENDARS, {**GOOGLE, "metadata": {"zz": "1", "a": "2"}}, 201),
    (CALENDARS, "POST", "/" + CALENDARS, {**GOOGLE, "platform": "yahoo"}, 400),
    (CALENDAR, "GET", lambda walk: walk["/" + CALENDARS], None, 200),
    (CALENDAR, "GET", "/" + CALENDARS + "/cal_doesNotExist0000", None, 404),
    (CALENDAR, "PATCH", lambda walk: walk["/" + CALENDARS], {"metadata": {"k": "v"}}, 200),
    (CALENDAR, "PATCH", lambda walk: walk["/" + CALENDARS], {"client_id": "other"}, 400),
    (CALENDAR, "PATCH", "/" + CALENDARS + "/cal_doesNotExist0000", {}, 404),
    (EVENTS, "GET", "/" + EVENTS + "?ordering=start_time", None, 200),
    (EVENTS, "GET", "/" + EVENTS + "?ordering=name", None, 400),
    (EVENTS, "GET", "/" + EVENTS + "?cursor=not-a-cursor", None, 404),
    (CALENDAR, "DELETE", lambda walk: walk["/" + CALENDARS], None, 200),
    (CALENDAR, "DELETE", "/" + CALENDARS + "/cal_doesNotExist0000", None, 404),
    (ZOOM_CONNECTIONS, "POST", "/" + ZOOM_CONNECTIONS, {"authorization_code": "c"}, 400),
    ("sandbox", "PUT", "/sandbox/zoom_oauth_app", {"client_id": "zoom-client"}, 200),  # the bundled project's app
    ("sandbox", "DELETE", "/sandbox/zoom_oauth_app", None, 200),
    ("sandbox", "PUT", "/sandbox/zoom_oauth_app", {"client_id": "zoom-client"}, 201),
    (ZOOM_CONNECTIONS, "POST", "/" + ZOOM_CONNECTIONS, {"authorization_code": "c", "redirect_uri": "https://a.b/cb"}, 201),
    (ZOOM_CONNECTIONS, "GET", "/" + ZOOM_CONNECTIONS, None, 200),
    (ZOOM_CONNECTIONS, "GET", "/" + ZOOM_CONNECTIONS + "?cursor=not-a-cursor", None, 404),
    (ZOOM_CONNECTION, "GET", lambda walk: walk["/" + ZOOM_CONNECTIONS], None, 200),
    (ZOOM_CONNECTION, "DELETE", lambda walk: walk["/" + ZOOM_CONNECTIONS], None, 200),
    (ZOOM_CONNECTION, "GET", lambda walk: walk["/" + ZOOM_CONNECTIONS], None, 404),
]
# Every route also answers 401 without a key; the success path of change_gallery_view_page and
# voice_agent_settings needs a Zoom web-SDK bot in gallery view / a bot created with reserved resources,
# which tests/test_bot_settings_commands.py builds.
NO_SUCCESS_WITH_FIXTURES = {"change_gallery_view_page", "voice_agent_settings"}
# Every Attendee route of the endpoint table, by its suffix after /api/v1/bots ("" and "{id}" for the bot).
ROUTES = [
    endpoint.rule.removeprefix("/api/v1/bots").removeprefix("/").replace("<object_id>", "{id}").removeprefix("{id}/")
    for endpoint in ENDPOINTS
    if endpoint.kind == ATTENDEE
]


@pytest.fixture
def served_schema(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    return response.json


def test_the_served_schema_documents_the_api_exactly_as_the_checker_validates(served_schema):
    built = build_openapi()
    api_paths = {path: ops for path, ops in served_schema["paths"].items() if path.startswith("/api/v1")}
    assert api_paths == built["paths"]
    assert served_schema["components"]["schemas"]["Bot"] == built["components"]["schemas"]["Bot"]


def test_every_route_answers_its_success_and_error_paths_as_the_document_says(client, served_schema):
    walk = {}
    seen = {}
    with freeze_time("2026-11-30T12:00:00Z"):
        for suffix, method, path, body, expected in WALK:
            path = path(walk) if callable(path) else path
            response = client.open(path, method=method, json=body, headers=AUTH)
            assert response.status_code == expected, (method, path, response.data)
            if suffix == "sandbox":  # a step of the control plane the walk needs (its own document is checked apart)
                continue
            assert_valid_response(method, path.split("?")[0], expected, response.data, response.content_type)
            if response.status_code == 201 and body and "join_at" in body:
                walk["scheduled"] = response.json["id"]
            elif response.status_code == 201 and path.startswith("/api/v1/"):  # what GET/PATCH/DELETE then name
                walk[path] = f"{path}/{response.json['id']}"
            seen.setdefault(suffix, set()).add("success" if expected < 300 else "error")
            unauthenticated = client.open(path, method=method, json=body)
            assert unauthenticated.status_code == 401
            assert_valid_response(method, path.split("?")[0], 401, unauthenticated.data, unauthenticated.content_type)
    for suffix in ROUTES:
        wanted = {"error"} if suffix in NO_SUCCESS_WITH_FIXTURES else {"success", "error"}
        assert wanted <= seen.get(suffix, set()), suffix


def test_a_throttled_post_answers_429_as_the_document_says(make_app):
    client = make_app(throttle_rate="1/min").test_client()
    path = "/api/v1/bots"
    assert client.post(path, json={"meeting_url": MEET, "bot_name": "A"}, headers=AUTH).status_code == 201
    response = client.post(path, json={"meeting_url": MEET, "bot_name": "B"}, headers=AUTH)
    assert response.status_code == 429
    assert_valid_response("POST", path, 429, response.data, response.content_type)
