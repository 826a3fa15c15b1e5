"""The project's own OpenAPI document (`sandbox.openapi`) and the response checker built on it."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox.contract import openapi as oa  # noqa: E402
from sandbox.contract.openapi import (  # noqa: E402
    UndocumentedResponse,
    add_sandbox_paths,
    allowed_methods,
    build_openapi,
    find_operation,
    openapi_document,
    response_schema,
)

try:
    from tests.openapi_check import (
        assert_invalid_response,
        assert_valid_response,
        openapi_doc,
    )
except ImportError:  # tests/ is not a package here
    from openapi_check import (
        assert_invalid_response,
        assert_valid_response,
        openapi_doc,
    )

BOT = "/api/v1/bots/{object_id}"
CALENDARS = "/api/v1/calendars"
CALENDAR = CALENDARS + "/{object_id}"
EVENTS = "/api/v1/calendar_events"
ZOOM_CONNECTIONS = "/api/v1/zoom_oauth_connections"
ZOOM_CONNECTION = ZOOM_CONNECTIONS + "/{object_id}"
JSON = "application/json"

# Contract docs/contract/conventions.md#conventions: the Allow header of every bots route.
ALLOW = {
    "/api/v1/bots": "GET, POST, HEAD, OPTIONS",
    BOT: "GET, PATCH, DELETE, HEAD, OPTIONS",
    BOT + "/transcript": "GET, POST, DELETE, HEAD, OPTIONS",
    **{BOT + "/" + name: "GET, HEAD, OPTIONS" for name in ("recording", "chat_messages", "participant_events", "participants")},
    **{
        BOT + "/" + name: "POST, OPTIONS"
        for name in (
            "leave",
            "delete_data",
            "speech",
            "output_audio",
            "output_image",
            "output_video",
            "send_chat_message",
            "pause_recording",
            "resume_recording",
            "admit_from_waiting_room",
            "change_gallery_view_page",
        )
    },
    **{BOT + "/" + name: "PATCH, OPTIONS" for name in ("transcription_settings", "voice_agent_settings")},
    # Contract 12.1: calendars, calendar events, Zoom OAuth connections (no PATCH on a connection).
    CALENDARS: "GET, POST, HEAD, OPTIONS",
    CALENDAR: "GET, PATCH, DELETE, HEAD, OPTIONS",
    EVENTS: "GET, HEAD, OPTIONS",
    ZOOM_CONNECTIONS: "GET, POST, HEAD, OPTIONS",
    ZOOM_CONNECTION: "GET, DELETE, HEAD, OPTIONS",
}

# Contract 1.7: POST views with the project throttle.
THROTTLED = {
    ("post", "/api/v1/bots"),
    *(
        ("post", BOT + "/" + name)
        for name in (
            "speech",
            "output_audio",
            "output_image",
            "output_video",
            "send_chat_message",
            "pause_recording",
            "resume_recording",
            "admit_from_waiting_room",
            "change_gallery_view_page",
        )
    ),
    ("post", CALENDARS),
    ("post", ZOOM_CONNECTIONS),
}

# Contract 1.4: views that parse their body (and so can answer 415).
READS_BODY = {
    ("post", "/api/v1/bots"),
    ("patch", BOT),
    ("post", BOT + "/transcript"),
    *(
        ("post", BOT + "/" + name)
        for name in ("speech", "output_audio", "output_image", "output_video", "send_chat_message", "change_gallery_view_page")
    ),
    ("patch", BOT + "/transcription_settings"),
    ("patch", BOT + "/voice_agent_settings"),
    ("post", CALENDARS),
    ("patch", CALENDAR),
    ("post", ZOOM_CONNECTIONS),
}

# Contract 6: statuses each operation names (besides 401 and 406, which every operation has).
STATUSES = {
    ("get", "/api/v1/bots"): {200, 400, 404},
    ("post", "/api/v1/bots"): {201, 400, 500},
    ("get", BOT): {200, 404},
    ("patch", BOT): {200, 400, 404},
    ("delete", BOT): {200, 400, 404},
    ("post", BOT + "/leave"): {200, 400, 404},
    ("get", BOT + "/transcript"): {200, 400, 404},
    ("post", BOT + "/transcript"): {200, 400, 404},
    ("delete", BOT + "/transcript"): {200, 404},
    ("get", BOT + "/recording"): {200, 404},
    ("get", BOT + "/chat_messages"): {200, 400, 404},
    ("post", BOT + "/send_chat_message"): {200, 400, 404, 500},
    ("post", BOT + "/speech"): {200, 400, 404},
    ("post", BOT + "/output_audio"): {200, 400, 404},
    ("post", BOT + "/output_image"): {200, 400, 404},
    ("post", BOT + "/output_video"): {200, 400, 404},
    ("post", BOT + "/delete_data"): {200, 400, 404},
    ("post", BOT + "/pause_recording"): {200, 400, 404},
    ("post", BOT + "/resume_recording"): {200, 400, 404},
    ("post", BOT + "/admit_from_waiting_room"): {200, 400, 404},
    ("post", BOT + "/change_gallery_view_page"): {200, 400, 404},
    ("patch", BOT + "/transcription_settings"): {200, 400, 404},
    ("patch", BOT + "/voice_agent_settings"): {200, 400, 404},
    ("get", BOT + "/participant_events"): {200, 400, 404},
    ("get", BOT + "/participants"): {200, 400, 404},
    # contract 12
    ("get", CALENDARS): {200, 404},
    ("post", CALENDARS): {201, 400},
    ("get", CALENDAR): {200, 404},
    ("patch", CALENDAR): {200, 400, 404},
    ("delete", CALENDAR): {200, 404},
    ("get", EVENTS): {200, 400, 404},
    ("get", ZOOM_CONNECTIONS): {200, 404},
    ("post", ZOOM_CONNECTIONS): {201, 400},
    ("get", ZOOM_CONNECTION): {200, 404},
    ("delete", ZOOM_CONNECTION): {200, 404},
}

# Contract 6: operations answering an empty 200.
EMPTY_200 = {
    ("delete", BOT),
    ("delete", BOT + "/transcript"),
    *(
        ("post", BOT + "/" + name)
        for name in (
            "send_chat_message",
            "speech",
            "output_audio",
            "output_image",
            "output_video",
            "admit_from_waiting_room",
            "change_gallery_view_page",
        )
    ),
    ("patch", BOT + "/transcription_settings"),
    ("patch", BOT + "/voice_agent_settings"),
    ("delete", CALENDAR),
    ("delete", ZOOM_CONNECTION),
}

# ---- verified example bodies of the contract ------------------------------------------------------

IMMEDIATE_BOT = (
    '{"id":"bot_D5zWNQV3GFhR84VM","metadata":null,"meeting_url":"https://meet.google.com/abc-defg-hij",'
    '"state":"joining","events":[{"type":"join_requested","created_at":"2026-11-30T11:22:06.771543Z"}],'
    '"transcription_state":"not_started","recording_state":"not_started","join_at":null,"deduplication_key":null}'
)
SCHEDULED_BOT = (
    '{"id":"bot_GBkxGwRPxxzFPBHV","metadata":null,"meeting_url":"https://meet.google.com/abc-defg-hij",'
    '"state":"scheduled","events":[],"transcription_state":"not_started","recording_state":"not_started",'
    '"join_at":"2027-01-01T08:00:00Z","deduplication_key":null}'
)
LEAVING_BOT = (
    '{"id":"bot_D5zWNQV3GFhR84VM","metadata":{"a":"2","b":"4","zz":"1","bbb":"3"},'
    '"meeting_url":"https://meet.google.com/abc-defg-hij","state":"leaving",'
    '"events":[{"type":"join_requested","created_at":"2026-11-30T11:22:06.771543Z"},'
    '{"type":"leave_requested","created_at":"2026-11-30T11:22:35.804735Z","sub_type":"user_requested"}],'
    '"transcription_state":"not_started","recording_state":"not_started","join_at":null,"deduplication_key":"5"}'
)
LEAVE_400 = (
    '{"error":"Event leave_requested not allowed when bot is in state leaving. It is only allowed in these '
    "states: joined_recording_paused, joined_recording, joined_not_recording, joined_recording_permission_denied, "
    'waiting_room, joining, joining_breakout_room, leaving_breakout_room"}'
)
TRANSCRIPT = (
    '[{"speaker_name":"Alice","speaker_uuid":"16778240","speaker_user_uuid":null,"speaker_is_host":true,'
    '"timestamp_ms":1796037801000,"duration_ms":1500,"transcription":{"transcript":"Hello world"}}]'
)
CHAT_MESSAGE = {
    "id": "msg_d64FNFYlnHTz9nBy",
    "text": "hi bot",
    "timestamp_ms": 1796037805000,
    "timestamp": 1796037805,
    "to": "only_bot",
    "sender_name": "Alice",
    "sender_uuid": "16778240",
    "sender_user_uuid": None,
    "additional_data": {},
}
PARTICIPANT = {"id": "par_CKyD9Ey0WslHpU35", "name": "Alice", "uuid": "16778240", "user_uuid": None, "is_host": True}
PARTICIPANT_EVENT = {
    "id": "pe_vDAEAMrsEDVrusTQ",
    "participant_name": None,
    "participant_uuid": "16778240",
    "participant_user_uuid": None,
    "participant_is_host": False,
    "event_type": "join",
    "event_data": {},
    "timestamp_ms": 1796037800000,
}
NEXT_URL = "http://127.0.0.1:8000/api/v1/bots?cursor=cD0yMDI2LTExLTMwKzExJTNBMjMlM0E1OC43MDA5MzUlMkIwMCUzQTAw"


def _bytes(body) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def ok(method, path, status, body=b"", content_type=JSON):
    assert_valid_response(method, path, status, _bytes(body), content_type if body else None)


def bad(method, path, status, body=b"", content_type=JSON):
    return assert_invalid_response(method, path, status, _bytes(body), content_type)


def _operations(doc):
    for template, item in doc["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                yield template, method, operation


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# ---- the document itself --------------------------------------------------------------------------


def test_document_passes_openapi_spec_validator():
    spec_validator = pytest.importorskip("openapi_spec_validator")
    spec_validator.validate(build_openapi())
    spec_validator.validate(build_openapi("http://127.0.0.1:8000"))


def test_document_structure():
    doc = build_openapi()
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": "/", "description": "Attendee Sandbox"}]
    operation_ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert len(operation_ids) == len(set(operation_ids))
    for template, method, operation in _operations(doc):
        assert operation["responses"], (method, template)
        for status, response in operation["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status), (method, template, status)
            assert response["description"], (method, template, status)
        declared = {p["name"] for p in doc["paths"][template].get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", template)), template


def test_every_ref_resolves_and_every_schema_is_valid():
    doc = build_openapi()
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    for name, schema in schemas.items():
        OAS30Validator.check_schema(schema)


def test_build_returns_independent_documents():
    first, second = build_openapi(), build_openapi()
    assert first == second
    first["components"]["schemas"]["Bot"]["required"].append("extra")
    first["paths"]["/api/v1/bots"]["get"]["responses"]["401"]["headers"]["WWW-Authenticate"]["x"] = 1
    assert "extra" not in second["components"]["schemas"]["Bot"]["required"]
    assert "extra" not in build_openapi()["components"]["schemas"]["Bot"]["required"]
    head_401 = first["paths"]["/api/v1/bots"]["head"]["responses"]["401"]["headers"]["WWW-Authenticate"]
    assert "x" not in head_401


def test_server_url():
    doc = build_openapi("http://127.0.0.1:8000/")
    assert doc["servers"][0]["url"] == "http://127.0.0.1:8000"


def test_module_reads_no_file_and_takes_its_vocabulary_from_the_contract():
    """Generated, pure: no Flask, no file read, nothing of the domain or the web layer; states, events and
    triggers come from the contract's state machine and webhooks, so the document cannot drift from them."""
    source = Path(oa.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert {name.split(".")[0] for name in imported} <= {"__future__", "re", "typing", "marshmallow", "sandbox"}
    assert not [name for name in imported if name.startswith(("sandbox.domain", "sandbox.web", "sandbox.infra"))]
    for needle in ("/shared", "attendee-openapi", ".yml", ".yaml", "open("):
        assert needle not in source, needle
    from sandbox.contract import states, webhooks

    schemas = build_openapi()["components"]["schemas"]
    assert schemas["BotStateEnum"]["enum"] == [s for s in states.BOT_STATES if s not in states.APP_SESSION_STATES]
    assert schemas["RecordingStateEnum"]["enum"] == list(states.RECORDING_STATES)
    served = openapi_document()["components"]["schemas"]["SandboxDelivery"]["properties"]["trigger"]["enum"]
    assert served == list(webhooks.TRIGGERS)


# ---- routes, methods and statuses -----------------------------------------------------------------


def test_routes_and_methods_match_the_allow_table():
    doc = build_openapi()
    assert set(doc["paths"]) == set(ALLOW)
    for template, allow in ALLOW.items():
        assert ", ".join(allowed_methods(doc, template)) == allow, template
        concrete = template.replace("{object_id}", "bot_D5zWNQV3GFhR84VM")
        assert ", ".join(allowed_methods(doc, concrete)) == allow, concrete
    assert allowed_methods(doc, "/api/v1/bots/") == []


def test_every_bot_operation_uses_token_auth():
    doc = build_openapi()
    scheme = doc["components"]["securitySchemes"]["Token"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    for template, method, operation in _operations(doc):
        assert operation["security"] == [{"Token": []}], (method, template)
        assert {"401", "406"} <= set(operation["responses"]), (method, template)
        assert operation["responses"]["401"]["headers"]["WWW-Authenticate"]


def test_statuses_named_by_the_contract():
    doc = build_openapi()
    for (method, template), statuses in STATUSES.items():
        operation = doc["paths"][template][method]
        expected = statuses | {401, 406}
        if (method, template) in THROTTLED:
            expected.add(429)
        if (method, template) in READS_BODY:
            expected.add(415)
        assert {int(s) for s in operation["responses"]} == expected, (method, template)
        assert operation["x-throttled"] is ((method, template) in THROTTLED)
        if (method, template) in THROTTLED:
            assert "Retry-After" in operation["responses"]["429"]["headers"]
    # HEAD mirrors GET without bodies; OPTIONS answers DRF metadata.
    for template, item in doc["paths"].items():
        if "get" in item:
            assert set(item["head"]["responses"]) == set(item["get"]["responses"])
            assert all("content" not in r for r in item["head"]["responses"].values())
        assert response_schema(doc, "OPTIONS", template, 200) == {"$ref": "#/components/schemas/OptionsMetadata"}


def test_request_bodies():
    doc = build_openapi()
    expected = {
        ("post", "/api/v1/bots"): "CreateBotRequest",
        ("patch", BOT): "PatchBotRequest",
        ("post", BOT + "/transcript"): "AsyncTranscriptionRequest",
        ("post", BOT + "/send_chat_message"): "BotChatMessageRequest",
        ("post", BOT + "/speech"): "SpeechRequest",
        ("post", BOT + "/output_audio"): "OutputAudioRequest",
        ("post", BOT + "/output_image"): "BotImage",
        ("post", BOT + "/output_video"): "OutputVideoRequest",
        ("post", BOT + "/change_gallery_view_page"): "ChangeGalleryViewPageRequest",
        ("patch", BOT + "/transcription_settings"): "TranscriptionSettingsPatchRequest",
        ("patch", BOT + "/voice_agent_settings"): "VoiceAgentSettingsPatchRequest",
        ("post", CALENDARS): "CreateCalendarRequest",
        ("patch", CALENDAR): "PatchCalendarRequest",
        ("post", ZOOM_CONNECTIONS): "CreateZoomOAuthConnectionRequest",
    }
    for template, method, operation in _operations(doc):
        name = expected.get((method, template))
        if name is None:
            assert "requestBody" not in operation, (method, template)
        else:
            schema = operation["requestBody"]["content"][JSON]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{name}"}, (method, template)
    create = doc["components"]["schemas"]["CreateBotRequest"]
    assert create["required"] == ["meeting_url", "bot_name"] and create["additionalProperties"] is False
    assert len(create["properties"]) == 22  # the allowed fields of docs/contract/create-bot.md#create-fields


def test_empty_200_responses_have_no_content():
    doc = build_openapi()
    for template, method, operation in _operations(doc):
        if method == "head":
            continue
        has_content = "content" in operation["responses"].get("200", {"content": 1})
        assert has_content is ((method, template) not in EMPTY_200), (method, template)


def test_enums_follow_the_contract():
    schemas = build_openapi()["components"]["schemas"]
    assert schemas["BotStateEnum"]["enum"] == list(oa.BOT_STATES) and len(oa.BOT_STATES) == 16
    assert len(schemas["EventTypeEnum"]["enum"]) == 19
    assert len(schemas["EventSubTypeEnum"]["enum"]) == 31
    assert schemas["RecordingStateEnum"]["enum"] == ["not_started", "in_progress", "complete", "failed", "paused"]
    assert schemas["TranscriptionStateEnum"]["enum"] == ["not_started", "in_progress", "complete", "failed"]
    bot = schemas["Bot"]
    assert list(bot["properties"]) == [
        "id",
        "metadata",
        "meeting_url",
        "state",
        "events",
        "transcription_state",
        "recording_state",
        "join_at",
        "deduplication_key",
    ]
    assert bot["required"] == list(bot["properties"])
    for name in ("metadata", "join_at", "deduplication_key", "transcription_state", "recording_state"):
        assert bot["properties"][name]["nullable"] is True
    for name in ("PaginatedBotList", "PaginatedChatMessageList", "PaginatedParticipantList", "PaginatedParticipantEventList"):
        assert set(schemas[name]["properties"]) == {"next", "previous", "results"}


# ---- path matching --------------------------------------------------------------------------------


def test_response_schema_matches_concrete_paths():
    doc = build_openapi()
    bot_ref = {"$ref": "#/components/schemas/Bot"}
    assert response_schema(doc, "POST", "/api/v1/bots/bot_abc/leave", 200) == bot_ref
    assert response_schema(doc, "post", "/api/v1/bots/bot_abc/leave?x=1", 200) == bot_ref
    assert response_schema(doc, "GET", "/api/v1/bots/bot_abc", 200) == bot_ref
    assert response_schema(doc, "GET", "/api/v1/bots", 200) == {"$ref": "#/components/schemas/PaginatedBotList"}
    assert response_schema(doc, "POST", "/api/v1/bots/bot_abc/leave", 404) == {"$ref": "#/components/schemas/Error"}
    assert response_schema(doc, "DELETE", "/api/v1/bots/bot_abc", 200) is None
    assert response_schema(doc, "HEAD", "/api/v1/bots/bot_abc", 200) is None
    assert response_schema(doc, "POST", "/api/v1/bots", 500) is None  # an HTML page, no JSON
    assert find_operation(doc, "GET", "/api/v1/bots/bot_abc/transcript")[0] == BOT + "/transcript"
    for method, path, status in (
        ("POST", "/api/v1/bots/bot_abc/leave", 418),  # undocumented status
        ("GET", "/api/v1/bots/bot_abc/leave", 200),  # undocumented method
        ("GET", "/api/v1/bots/", 200),  # trailing slash: the catch-all
        ("POST", "/api/v1/bots/bot_abc/leave/", 200),
        ("GET", "/api/v1/bots//leave", 200),
        ("GET", "/api/v1/Bots", 200),
        ("GET", "/api/v1/bots/a/b/c", 200),
    ):
        with pytest.raises(UndocumentedResponse):
            response_schema(doc, method, path, status)


def test_add_sandbox_paths():
    doc = build_openapi()
    clock = {"type": "object", "properties": {"now": {"type": "string"}}}
    item = {
        "post": {
            "operationId": "advanceClock",
            "responses": {"200": {"description": "ok", "content": {JSON: {"schema": {"$ref": "#/components/schemas/SandboxClock"}}}}},
        }
    }
    add_sandbox_paths(doc, {"/sandbox/clock/advance": item}, {"SandboxClock": clock})
    assert response_schema(doc, "POST", "/sandbox/clock/advance", 200) == {"$ref": "#/components/schemas/SandboxClock"}
    operation = doc["paths"]["/sandbox/clock/advance"]["post"]
    assert operation["tags"] == ["Sandbox"] and operation["security"] == []
    assert [tag["name"] for tag in doc["tags"]].count("Sandbox") == 1
    pytest.importorskip("openapi_spec_validator").validate(doc)

    add_sandbox_paths(doc, {"/sandbox/clock/advance": {"get": {"responses": {"200": {"description": "ok"}}}}}, {"SandboxClock": clock})
    assert set(doc["paths"]["/sandbox/clock/advance"]) == {"post", "get"}
    with pytest.raises(ValueError):
        add_sandbox_paths(doc, {"/sandbox/clock/advance": item})
    with pytest.raises(ValueError):
        add_sandbox_paths(doc, {"/api/v1/bots/{object_id}/poke": item})
    with pytest.raises(ValueError):
        add_sandbox_paths(doc, {"/sandbox/other": item}, {"Bot": {"type": "object"}})
    assert "/sandbox/other" not in doc["paths"]


# ---- the response checker on the contract's examples ----------------------------------------------


def test_checker_accepts_the_bot_examples():
    ok("POST", "/api/v1/bots", 201, IMMEDIATE_BOT)
    ok("POST", "/api/v1/bots", 201, SCHEDULED_BOT)
    ok("GET", "/api/v1/bots/bot_GBkxGwRPxxzFPBHV", 200, SCHEDULED_BOT)
    ok("POST", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/leave", 200, LEAVING_BOT)
    ok("PATCH", "/api/v1/bots/bot_D5zWNQV3GFhR84VM", 200, LEAVING_BOT)
    ended = json.loads(LEAVING_BOT)
    ended["state"] = "data_deleted"
    ended["transcription_state"] = ended["recording_state"] = "complete"
    ended["events"] += [
        {"type": "left_meeting", "created_at": "2026-11-30T11:22:39.991033Z"},
        {"type": "post_processing_completed", "created_at": "2026-11-30T11:23:29.164378Z"},
        {"type": "data_deleted", "created_at": "2026-11-30T11:24:00Z"},
    ]
    ok("POST", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/delete_data", 200, ended)
    failed = json.loads(IMMEDIATE_BOT)
    failed["state"] = "fatal_error"
    failed["events"].append(
        {"type": "could_not_join_meeting", "created_at": "2026-11-30T11:22:10.000001Z", "sub_type": "meeting_not_found"}
    )
    ok("GET", "/api/v1/bots/bot_D5zWNQV3GFhR84VM", 200, failed)
    paused = json.loads(IMMEDIATE_BOT)
    paused.update(state="joined_recording_paused", recording_state="paused", transcription_state=None)
    paused["events"].append({"type": "recording_paused", "created_at": "2026-11-30T11:22:12.500000Z"})
    ok("POST", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/pause_recording", 200, paused)


def test_checker_accepts_lists_and_data():
    ok("GET", "/api/v1/bots", 200, '{"next":null,"previous":null,"results":[]}')
    page = {"next": NEXT_URL, "previous": None, "results": [json.loads(IMMEDIATE_BOT), json.loads(SCHEDULED_BOT)]}
    ok("GET", "/api/v1/bots?states=ended&states=scheduled", 200, page)
    ok("GET", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/transcript", 200, TRANSCRIPT)
    ok("GET", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/transcript", 200, "[]")
    words = json.loads(TRANSCRIPT)
    words[0]["speaker_name"] = None
    words[0]["transcription"]["words"] = [{"word": "Hello", "start": 0.0, "end": 0.4}]
    ok("GET", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/transcript?split_on_turns=true", 200, words)
    ok(
        "GET",
        "/api/v1/bots/bot_D5zWNQV3GFhR84VM/recording",
        200,
        {"url": "https://bucket.s3.amazonaws.com/bot_D5zWNQV3GFhR84VM-rec_ceObZeImkVsxJN6E.mp4?X-Amz-Expires=1800", "start_timestamp_ms": None},
    )
    ok("GET", "/api/v1/bots/bot_x/recording", 200, {"url": "https://x/y.mp4", "start_timestamp_ms": 1733114771000})
    ok("GET", "/api/v1/bots/bot_x/chat_messages", 200, {"next": None, "previous": None, "results": [CHAT_MESSAGE]})
    ok("GET", "/api/v1/bots/bot_x/participants", 200, {"next": None, "previous": None, "results": [PARTICIPANT]})
    ok("GET", "/api/v1/bots/bot_x/participant_events", 200, {"next": None, "previous": None, "results": [PARTICIPANT_EVENT]})
    ok(
        "POST",
        "/api/v1/bots/bot_x/transcript",
        200,
        {
            "bot_id": "bot_D5zWNQV3GFhR84VM",
            "id": "tran_4VPwhyPyrLD2jAiO",
            "created_at": "2026-11-30T11:30:00.123456Z",
            "updated_at": "2026-11-30T11:30:00.123456Z",
            "state": "not_started",
            "failure_data": None,
        },
    )
    ok("OPTIONS", "/api/v1/bots/bot_x/leave", 200,
       '{"name":"Bot Leave","description":"","renders":["application/json","text/html"],'
       '"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}')


def test_checker_accepts_errors_and_empty_bodies():
    ok("POST", "/api/v1/bots/bot_D5zWNQV3GFhR84VM/leave", 400, LEAVE_400)
    ok("POST", "/api/v1/bots/bot_nope/leave", 404, '{"error":"Bot not found"}')
    ok("GET", "/api/v1/bots/bot_x", 401, '{"detail":"Missing Authorization header"}')
    ok("GET", "/api/v1/bots", 404, '{"detail":"Invalid cursor"}')
    ok("GET", "/api/v1/bots/bot_x/participants?cursor=zz", 404, '{"detail":"Invalid cursor"}')
    ok("GET", "/api/v1/bots", 406, '{"detail":"Could not satisfy the request Accept header."}')
    ok("GET", "/api/v1/bots?states=JOINING", 400, '{"error":"Invalid state: JOINING. Valid states are: ready"}')
    ok("POST", "/api/v1/bots", 400, '{"meeting_url":["Invalid meeting URL"]}')
    ok("POST", "/api/v1/bots", 400, '{"bot_image":{"type":["\\"image/gif\\" is not a valid choice."]}}')
    ok("POST", "/api/v1/bots", 400, '{"detail":"JSON parse error - Expecting value: line 1 column 17 (char 16)"}')
    ok("POST", "/api/v1/bots", 415, '{"detail":"Unsupported media type \\"text/plain\\" in request."}')
    ok("POST", "/api/v1/bots", 429, '{"detail":"Request was throttled. Expected available in 60 seconds."}')
    ok("POST", "/api/v1/bots", 500, "<title>Server Error (500)</title>", "text/html")
    ok("POST", "/api/v1/bots/bot_x/output_audio", 400,
       '{"error":"Error creating the audio blob. Are you sure it\'s a valid audio/mp3 file?",'
       '"raw_error":"Decoding failed. ffmpeg returned error code: 1"}')
    ok("POST", "/api/v1/bots/bot_x/output_image", 400, '{"non_field_errors":["Data is not a valid png image."]}')
    ok("PATCH", "/api/v1/bots/bot_x/transcription_settings", 400,
       '{"transcription_settings":{"transcription_settings":"Please specify a transcription provider."}}')
    ok("DELETE", "/api/v1/bots/bot_GBkxGwRPxxzFPBHV", 200)
    ok("DELETE", "/api/v1/bots/bot_x/transcript", 200)
    ok("POST", "/api/v1/bots/bot_x/speech", 200)
    ok("PATCH", "/api/v1/bots/bot_x/voice_agent_settings", 200)
    assert_valid_response("HEAD", "/api/v1/bots/bot_x", 200, b"", JSON)  # same headers as GET, no body


def test_checker_rejects_a_numeric_sub_type_or_a_missing_state():
    bot = json.loads(LEAVING_BOT)
    bot["events"][1]["sub_type"] = 5
    bad("POST", "/api/v1/bots/bot_x/leave", 200, bot)
    bot = json.loads(IMMEDIATE_BOT)
    del bot["state"]
    errors = bad("POST", "/api/v1/bots", 201, bot)
    assert "'state' is a required property" in errors[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["events"][0].update(sub_type=None),  # omitted, never null
        lambda b: b["events"][0].update(sub_type="user_requested"),  # join_requested has none
        lambda b: b["events"][0].update(type="leave_requested", sub_type="meeting_not_found"),  # wrong family
        lambda b: b["events"].append({"type": "fatal_error", "created_at": "2026-11-30T11:22:06Z"}),  # needs one
        lambda b: b["events"][0].update(created_at="2026-11-30T11:22:06.771543+00:00"),  # API uses Z
        lambda b: b["events"][0].update(metadata={"source": "api"}),  # metadata is webhook-only
        lambda b: b.update(state="JOINING"),
        lambda b: b.update(state="connecting"),  # app sessions only
        lambda b: b.update(recording_state="paused_ish"),
        lambda b: b.update(metadata=[]),
        lambda b: b.update(join_at="2027-01-01T08:00:00"),
        lambda b: b.update(id="abc"),
        lambda b: b.update(count=1),
        lambda b: b.pop("deduplication_key"),
    ],
)
def test_checker_rejects_bad_bots(change):
    bot = json.loads(IMMEDIATE_BOT)
    change(bot)
    bad("GET", "/api/v1/bots/bot_D5zWNQV3GFhR84VM", 200, bot)


def test_checker_rejects_other_bad_responses():
    bad("GET", "/api/v1/bots", 200, {"count": 0, "next": None, "previous": None, "results": []})
    bad("GET", "/api/v1/bots", 200, {"results": []})
    bad("GET", "/api/v1/bots/bot_x/chat_messages", 200, {"next": None, "previous": None, "results": [{**CHAT_MESSAGE, "timestamp_ms": "1796037805000"}]})
    bad("GET", "/api/v1/bots/bot_x/transcript", 200, [{**json.loads(TRANSCRIPT)[0], "transcription": {"transcript": ""}}])
    bad("GET", "/api/v1/bots/bot_x/transcript", 200, {"next": None, "previous": None, "results": []})
    bad("GET", "/api/v1/bots/bot_x/recording", 200, {"url": "https://x", "start_timestamp_ms": "1733114771000"})
    bad("POST", "/api/v1/bots/bot_x/leave", 400, '{"detail":"Bot not found"}')
    bad("POST", "/api/v1/bots/bot_x/leave", 400, '{"error":5}')
    bad("POST", "/api/v1/bots/bot_x/leave", 418, '{"error":"teapot"}')  # undocumented status
    bad("PUT", "/api/v1/bots/bot_x/leave", 200, LEAVING_BOT)  # undocumented method
    bad("GET", "/api/v1/bots/", 404, '{"error":"Not found"}')  # the catch-all is not documented
    bad("POST", "/api/v1/bots/bot_x/leave", 200, b"")  # a Bot body is required
    bad("POST", "/api/v1/bots/bot_x/leave", 200, LEAVING_BOT, "text/html")
    bad("POST", "/api/v1/bots/bot_x/leave", 200, b"{not json", JSON)
    bad("DELETE", "/api/v1/bots/bot_x", 200, b"{}", JSON)  # documented as empty
    bad("HEAD", "/api/v1/bots/bot_x", 200, IMMEDIATE_BOT, JSON)
    bad("POST", "/api/v1/bots", 500, '{"error":"x"}', JSON)  # documented as HTML only


def test_checker_reports_clearly():
    with pytest.raises(AssertionError) as info:
        assert_valid_response("POST", "/api/v1/bots/bot_x/leave", 418, b"{}", JSON)
    assert "does not document status 418" in str(info.value)
    assert openapi_doc() is openapi_doc()
