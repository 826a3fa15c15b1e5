"""`GET /api/schema`: the OpenAPI document of the Attendee bots API plus every `/sandbox` endpoint."""

import json
import re

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT4

from sandbox.contract.openapi import build_openapi, find_response
from sandbox.web.schema import openapi_document
from tests.conftest import AUTH, SEED_BOT

DOC_URI = "urn:attendee-sandbox:served-openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
DOC = openapi_document()
REGISTRY = Registry().with_resource(DOC_URI, DRAFT4.create_resource(DOC))


def assert_documented(method, path, response):
    """The response's status is documented for the operation, and a JSON body matches its schema."""
    template, documented = find_response(DOC, method, path, response.status_code)
    content = documented.get("content") or {}
    if "application/json" not in content:
        assert response.mimetype in content or not content, (method, path, response.mimetype)
        return
    assert response.mimetype == "application/json"
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in ("paths", template, method.lower(), "responses", str(response.status_code), "content", "application/json", "schema")
    )
    validator = OAS30Validator({"$ref": f"{DOC_URI}#/{pointer}"}, registry=REGISTRY, format_checker=oas30_format_checker)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(json.loads(response.data))]
    assert not errors, f"{method} {path} -> {response.status_code}: {errors}\n{response.data[:600]!r}"


def rule_template(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_the_schema_is_served_without_authentication_as_a_valid_openapi_document(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    validate(response.json)
    assert response.json["openapi"] == "3.0.3"
    assert response.json["info"]["title"] == "Attendee Sandbox"


def test_its_server_is_the_url_it_was_fetched_from(make_app):
    client = make_app(allowed_hosts=".test").test_client()
    doc = client.get("/api/schema", base_url="http://sandbox.test:8123").json
    assert doc["servers"] == [{"url": "http://sandbox.test:8123", "description": "Attendee Sandbox"}]


def test_its_server_is_the_public_url_when_one_is_set(make_app):
    client = make_app(public_url="https://sandbox.example.com").test_client()
    doc = client.get("/api/schema").json
    assert doc["servers"] == [{"url": "https://sandbox.example.com", "description": "Attendee Sandbox"}]


def test_under_api_v1_the_catch_all_still_answers(client):
    response = client.get("/api/v1/schema")
    assert (response.status_code, response.json) == (404, {"error": "Not found"})


def test_it_holds_the_attendee_bots_api_unchanged():
    api = build_openapi()
    assert {path: DOC["paths"][path] for path in api["paths"]} == api["paths"]
    for name, schema in api["components"]["schemas"].items():
        assert DOC["components"]["schemas"][name] == schema


def test_every_sandbox_route_is_documented_and_every_documented_route_exists(app):
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/sandbox"):
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            served.setdefault(rule_template(rule.rule), set()).update(methods)
    documented = {
        path: {m for m in item if m in HTTP_METHODS} for path, item in DOC["paths"].items() if path.startswith("/sandbox")
    }
    assert documented == served


def test_sandbox_operations_are_tagged_and_say_how_they_authenticate():
    for path, item in DOC["paths"].items():
        if not path.startswith("/sandbox"):
            continue
        for method in set(item) & set(HTTP_METHODS):
            operation = item[method]
            assert operation["tags"][0] in ("Sandbox", "Sandbox dashboard"), (path, method)
            assert "security" in operation, (path, method)
            assert operation["operationId"]
    assert DOC["paths"]["/sandbox/clock"]["get"]["security"] == [{"Token": []}]
    assert DOC["paths"]["/sandbox/projects"]["post"]["security"] == [{}, {"SandboxAdminToken": []}]


@pytest.fixture
def exchange(client):
    def call(method, path, body=None, headers=AUTH, expect=None):
        response = client.open(path, method=method, json=body, headers=headers)
        if expect is not None:
            assert response.status_code == expect, response.data
        assert_documented(method, path, response)
        return response

    return call


def test_the_control_apis_answers_match_the_document(exchange):
    project = exchange("POST", "/sandbox/projects", {"name": "Schema"}, headers={}, expect=201).json
    exchange("POST", "/sandbox/projects", {"nam": "x"}, headers={}, expect=400)
    exchange("GET", "/sandbox/scenarios", headers={}, expect=200)
    exchange("GET", "/sandbox/clock", expect=200)
    exchange("GET", "/sandbox/clock", headers={}, expect=401)
    exchange("POST", "/sandbox/clock/advance", {"seconds": 1}, expect=200)
    exchange("POST", "/sandbox/clock/advance", {"seconds": -1}, expect=400)
    exchange("POST", "/sandbox/bots/bot_sbxRecPaused0000/events", {"type": "recording_resumed"}, expect=200)
    exchange("POST", "/sandbox/bots/bot_nope000000000000/events", {"type": "meeting_ended"}, expect=404)
    exchange("POST", f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)
    exchange("GET", f"/sandbox/bots/{SEED_BOT}/steps", expect=200)
    exchange("POST", f"/sandbox/bots/{SEED_BOT}/advance", {"steps": 1}, expect=200)
    exchange("POST", f"/sandbox/bots/{SEED_BOT}/advance", {"steps": 0}, expect=400)
    bot = "bot_sbxJoinedRec0000"
    dana = exchange("POST", f"/sandbox/bots/{bot}/participants", {"name": "Dana"}, expect=201).json
    exchange("POST", f"/sandbox/bots/{bot}/participants/{dana['uuid']}/events", {"event_type": "leave"}, expect=201)
    exchange(
        "POST",
        f"/sandbox/bots/{bot}/participants/{dana['uuid']}/events",
        {"event_type": "update", "event_data": {"isHost": {"before": False, "after": True}}},
        expect=200,
    )
    exchange("POST", f"/sandbox/bots/{bot}/participants/{dana['uuid']}/events", {"event_type": "speech_start"}, expect=200)
    exchange("POST", f"/sandbox/bots/{bot}/utterances", {"speaker_uuid": dana["uuid"], "text": "hi", "duration_ms": 10}, expect=201)
    exchange("POST", f"/sandbox/bots/{bot}/chat_messages", {"sender_uuid": dana["uuid"], "text": "hi"}, expect=201)
    exchange(
        "POST", "/sandbox/bots/bot_sbxJoinedNotRec0/utterances", {"speaker_uuid": "1", "text": "hi", "duration_ms": 10}, expect=200
    )
    exchange("POST", "/sandbox/bots/bot_sbxPostProcessin/recording_file", {}, expect=201)
    exchange("POST", "/sandbox/bots/bot_sbxLeaving000000/recording_file", {"start_timestamp_ms": None}, expect=201)
    exchange("POST", f"/sandbox/bots/{bot}/participants", {"name": "Bot", "is_the_bot": True, "timestamp_ms": 1}, expect=201)
    exchange("POST", f"/sandbox/bots/{bot}/chat_messages", {"sender_uuid": dana["uuid"], "text": "hi", "timestamp": 1}, expect=201)
    exchange("POST", f"/sandbox/bots/{bot}/audio_chunks", {"speaker_uuid": dana["uuid"], "timestamp_ms": 1}, expect=200)
    exchange("POST", f"/sandbox/bots/{bot}/audio_chunks", {"speaker_uuid": dana["uuid"]}, expect=400)
    exchange("PATCH", "/sandbox/projects/proj_sbx0Default00001", {"transcription_credentials": False}, expect=200)
    exchange("PATCH", "/sandbox/projects/proj_sbx0Second000002", {}, expect=404)
    exchange("PATCH", "/sandbox/projects/proj_sbx0Default00001", {"name": 3}, expect=400)
    exchange("GET", f"/sandbox/bots/{bot}/media", expect=200)
    exchange("POST", f"/sandbox/bots/{bot}/media/start", {"media_type": "audio"}, expect=409)
    exchange("POST", f"/sandbox/bots/{bot}/media/finish", {"media_type": "video"}, expect=409)
    exchange("POST", f"/sandbox/bots/{bot}/media/finish", {"media_type": "image"}, expect=400)
    video = {"url": "https://cdn.example.com/clip.mp4"}
    exchange("POST", f"/api/v1/bots/{bot}/output_video", video, expect=200)
    exchange("POST", f"/sandbox/bots/{bot}/media/start", {"media_type": "video"}, expect=200)
    exchange("POST", f"/sandbox/bots/{bot}/media/finish", {"media_type": "video"}, expect=200)
    exchange("GET", f"/sandbox/bots/{bot}/media", expect=200)
    exchange("GET", "/sandbox/requests", expect=200)
    exchange("GET", "/sandbox/requests?colour=blue", expect=400)
    exchange("DELETE", "/sandbox/requests", expect=200)
    fault = exchange("POST", "/sandbox/faults", {"method": "GET", "path": "/api/v1/bots", "status": 503}, expect=201).json
    exchange("GET", "/sandbox/faults", expect=200)
    exchange("GET", f"/sandbox/faults/{fault['id']}", expect=200)
    exchange("DELETE", f"/sandbox/faults/{fault['id']}", expect=200)
    exchange("GET", f"/sandbox/faults/{fault['id']}", expect=404)
    exchange("DELETE", "/sandbox/faults", expect=200)
    exchange("GET", "/sandbox/webhooks/deliveries", expect=200)
    exchange("GET", "/sandbox/webhooks/deliveries?status=lost", expect=400)
    exchange("POST", "/sandbox/webhooks/deliveries/whd_nope/redeliver", expect=404)
    recording = exchange("GET", "/api/v1/bots/bot_sbxEnded00000000/recording", expect=200).json
    exchange("GET", recording["url"].removeprefix("http://localhost"), headers={}, expect=200)
    exchange("GET", "/sandbox/media/bot_sbxEnded00000000-rec_sbxEnded00000000.mp4", headers={}, expect=403)
    exchange("POST", "/sandbox/reset", headers={}, expect=200)
    assert project["id"].startswith("proj_")


def test_webhook_deliveries_match_the_document(app, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    client = app.test_client()
    created = client.post(
        "/sandbox/projects", json={"webhooks": [{"url": httpserver.url_for("/hook"), "triggers": ["bot.state_change"]}]}
    ).json
    headers = {"Authorization": f"Token {created['api_key']}"}
    client.post("/api/v1/bots", json={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "x"}, headers=headers)
    assert app.extensions["sandbox"].outbox.wait_idle(5)
    listed = client.get("/sandbox/webhooks/deliveries", headers=headers)
    assert listed.json["count"] == 1
    assert_documented("GET", "/sandbox/webhooks/deliveries", listed)
    delivery_id = listed.json["results"][0]["id"]
    again = client.post(f"/sandbox/webhooks/deliveries/{delivery_id}/redeliver", headers=headers)
    assert again.status_code == 202
    assert_documented("POST", f"/sandbox/webhooks/deliveries/{delivery_id}/redeliver", again)
    assert app.extensions["sandbox"].outbox.wait_idle(5)


def test_the_dashboard_pages_match_the_document(client):
    assert_documented("GET", "/sandbox/ui", client.get("/sandbox/ui"))
    client.post("/sandbox/ui/sign-in", data={"api_key": AUTH["Authorization"].split()[1]})
    assert_documented("GET", f"/sandbox/ui/bots/{SEED_BOT}", client.get(f"/sandbox/ui/bots/{SEED_BOT}"))
    answer = client.post(f"/sandbox/ui/bots/{SEED_BOT}/leave", headers={"Accept": "application/json"})
    assert_documented("POST", f"/sandbox/ui/bots/{SEED_BOT}/leave", answer)
