"""POST /sandbox/projects and POST /sandbox/reset: isolated projects for tests, and the way back to the
fixtures; both act on the whole sandbox (open unless SANDBOX_ADMIN_TOKEN is set)."""

import base64
import re

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, DEFAULT_KEY, SEED_BOT
from tests.control_helpers import (
    advance,
    create_bot,
    get_bot,
    new_project,
    post_json,
    token,
)
from tests.openapi_check import assert_valid_response

WEBHOOK = {"url": "https://example.com/hooks/attendee", "triggers": ["bot.state_change"]}


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def test_create_project_answers_201_with_id_name_key_and_secret_first(client):
    response = post_json(client, "/sandbox/projects", {"name": "CI run 42"})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    body = response.json
    assert list(body)[:4] == ["id", "name", "api_key", "webhook_secret"]
    assert re.fullmatch(r"proj_[A-Za-z0-9]{16}", body["id"])
    assert body["name"] == "CI run 42"
    assert re.fullmatch(r"[A-Za-z0-9]{32}", body["api_key"])
    assert len(base64.b64decode(body["webhook_secret"], validate=True)) == 32
    assert body["zoom_credentials"] is True
    assert body["scenario"] == "happy_path"
    assert body["webhooks"] == []


def test_create_project_without_a_body_uses_the_defaults(client):
    response = client.post("/sandbox/projects")
    assert response.status_code == 201
    assert response.json["name"] == response.json["id"]
    assert response.json["scenario"] == "happy_path"


def test_create_project_reads_only_a_json_body_as_a_cross_site_form_cannot_send_one(client, sandbox):
    response = client.post(
        "/sandbox/projects", data='{"name": "from curl"}', content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json == {
        "error": 'Unsupported media type "application/x-www-form-urlencoded": the /sandbox endpoints read JSON '
        "bodies (send Content-Type: application/json; with curl, -H 'Content-Type: application/json' or --json)"
    }
    assert len(sandbox.store.scan("projects", "")) == 2


def test_the_new_key_authenticates_the_api(client):
    project = new_project(client)
    response = client.get("/api/v1/bots", headers=project["auth"])
    assert response.status_code == 200
    assert response.json == {"next": None, "previous": None, "results": []}
    assert_valid_response("GET", "/api/v1/bots", 200, response.data, response.headers["Content-Type"])


def test_a_new_project_does_not_see_the_fixture_bots(client):
    project = new_project(client)
    response = client.get(f"/api/v1/bots/{SEED_BOT}", headers=project["auth"])
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'


def test_a_new_projects_bots_are_invisible_to_other_projects(client):
    project = new_project(client)
    bot = create_bot(client, project["auth"])
    assert client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH).status_code == 404
    assert [b["id"] for b in client.get("/api/v1/bots", headers=project["auth"]).json["results"]] == [bot["id"]]
    assert bot["id"] not in [b["id"] for b in client.get("/api/v1/bots", headers=AUTH).json["results"]]


def test_the_projects_default_scenario_drives_its_bots(client):
    project = new_project(client, scenario="manual")
    bot = create_bot(client, project["auth"])
    advance(client, 3600, project["auth"])
    assert get_bot(client, bot["id"], project["auth"])["state"] == "joining"


def test_a_bots_sandbox_scenario_overrides_the_projects_default(client):
    project = new_project(client, scenario="manual")
    bot = create_bot(client, project["auth"], scenario="happy_path")
    advance(client, 3, project["auth"])
    assert get_bot(client, bot["id"], project["auth"])["state"] == "joined_recording"


def test_zoom_credentials_false_makes_zoom_bots_fail_as_on_the_real_server(client):
    project = new_project(client, zoom_credentials=False)
    response = post_json(
        client,
        "/api/v1/bots",
        {"meeting_url": "https://zoom.us/j/81234567890", "bot_name": "Z"},
        project["auth"],
    )
    assert response.status_code == 400
    assert response.json == {
        "error": "Zoom App credentials are required to create a Zoom bot. Please add Zoom credentials at "
        f"https://app.attendee.dev/projects/{project['id']}/credentials"
    }


def test_project_webhooks_are_stored_as_project_level_subscriptions(client, sandbox):
    project = new_project(client, webhooks=[WEBHOOK])
    assert project["webhooks"] == [WEBHOOK]
    assert sandbox.store.get("projects", project["id"])["webhooks"] == [WEBHOOK]


def test_project_creation_starts_the_projects_clock_at_the_wall_clock(client):
    project = new_project(client)
    assert client.get("/sandbox/clock", headers=project["auth"]).json == {
        "now": "2026-11-30T12:00:00Z",
        "offset_seconds": 0.0,
    }


@pytest.mark.parametrize(
    "body, message",
    [
        (
            {"nme": "typo"},
            "Unknown field(s): nme. Allowed fields: name, webhooks, zoom_credentials, scenario, google_tts_credentials, "
            "async_transcription, transcription_credentials, external_media_storage_credentials",
        ),
        ({"async_transcription": "no"}, "async_transcription must be true or false"),
        ({"external_media_storage_credentials": None}, "external_media_storage_credentials must be true or false"),
        ({"name": ""}, "name must be a non-empty string of at most 255 characters"),
        ({"name": 5}, "name must be a non-empty string of at most 255 characters"),
        ({"name": "x" * 256}, "name must be a non-empty string of at most 255 characters"),
        ({"zoom_credentials": "yes"}, "zoom_credentials must be true or false"),
        ({"scenario": 3}, "scenario must be a string naming a scenario"),
        ({"webhooks": {"url": "https://a.example"}}, 'webhooks must be a list of {"url": ..., "triggers": [...]} objects'),
        (
            {"webhooks": [WEBHOOK, {**WEBHOOK, "url": "https://b.example/h"}, {**WEBHOOK, "url": "https://c.example/h"}]},
            "A project has at most 2 webhook subscriptions",
        ),
        ({"webhooks": [WEBHOOK, WEBHOOK]}, "webhooks[1].url is already used by another subscription of this project"),
        ({"webhooks": [{"url": "ftp://x.example/h", "triggers": ["bot.state_change"]}]}, "webhooks[0].url must be an http:// or https:// URL"),
        ({"webhooks": [{"url": "https://x.example/h"}]}, "webhooks[0].triggers must be a non-empty list of trigger codes"),
        ({"webhooks": [{"url": "https://x.example/h", "triggers": []}]}, "webhooks[0].triggers must be a non-empty list of trigger codes"),
        ({"webhooks": ["https://x.example/h"]}, "webhooks[0] must be an object with url and triggers"),
        (
            {"webhooks": [{**WEBHOOK, "secret": "s"}]},
            "webhooks[0]: unknown field(s): secret. Allowed fields: url, triggers",
        ),
    ],
)
def test_create_project_validates_its_input_with_clear_400s(client, body, message):
    response = post_json(client, "/sandbox/projects", body)
    assert response.status_code == 400
    assert response.json == {"error": message}


def test_an_unknown_webhook_trigger_is_a_400_naming_the_valid_ones(client):
    response = post_json(client, "/sandbox/projects", {"webhooks": [{"url": "https://x.example/h", "triggers": ["bot.created"]}]})
    assert response.status_code == 400
    assert response.json["error"].startswith("webhooks[0].triggers: unknown trigger 'bot.created'. Valid triggers: bot.state_change, ")


def test_an_unknown_default_scenario_is_a_400_naming_the_known_ones(client, sandbox):
    response = post_json(client, "/sandbox/projects", {"scenario": "sunny_day"})
    assert response.status_code == 400
    assert response.json == {
        "error": f"Unknown scenario 'sunny_day'. Known scenarios: {', '.join(sorted(sandbox.scenarios))}"
    }


def test_a_body_that_is_not_json_is_a_400(client):
    response = client.post("/sandbox/projects", data="{name", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"].startswith("The body is not valid JSON: ")


def test_a_body_that_is_not_an_object_is_a_400(client):
    response = client.post("/sandbox/projects", data="[1]", content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": "The body must be a JSON object"}


def test_http_webhooks_are_refused_when_https_is_required(make_app):
    client = make_app(require_https_webhooks=True).test_client()
    response = post_json(client, "/sandbox/projects", {"webhooks": [{"url": "http://127.0.0.1:9/h", "triggers": ["bot.state_change"]}]})
    assert response.status_code == 400
    assert response.json == {"error": "webhooks[0].url must use https:// (SANDBOX_REQUIRE_HTTPS_WEBHOOKS is set)"}


# -- the admin token ---------------------------------------------------------------------------------------


def test_sandbox_wide_endpoints_are_open_without_an_admin_token(client):
    assert client.post("/sandbox/projects").status_code == 201
    assert client.post("/sandbox/reset").status_code == 200


@pytest.mark.parametrize("path", ["/sandbox/projects", "/sandbox/reset"])
def test_with_an_admin_token_set_a_missing_header_is_401(make_app, path):
    client = make_app(admin_token="s3cret").test_client()
    response = client.post(path)
    assert response.status_code == 401
    assert response.json == {
        "error": "This endpoint acts on the whole sandbox: send the X-Sandbox-Admin-Token header "
        "(SANDBOX_ADMIN_TOKEN is set)"
    }


@pytest.mark.parametrize("path", ["/sandbox/projects", "/sandbox/reset"])
def test_with_an_admin_token_set_a_wrong_header_is_403(make_app, path):
    client = make_app(admin_token="s3cret").test_client()
    response = client.post(path, headers={"X-Sandbox-Admin-Token": "guess"})
    assert response.status_code == 403
    assert response.json == {"error": "Invalid X-Sandbox-Admin-Token"}


def test_with_an_admin_token_set_the_right_header_is_let_through(make_app):
    client = make_app(admin_token="s3cret").test_client()
    assert client.post("/sandbox/projects", headers={"X-Sandbox-Admin-Token": "s3cret"}).status_code == 201
    assert client.post("/sandbox/reset", headers={"X-Sandbox-Admin-Token": "s3cret"}).status_code == 200


def test_the_admin_token_comes_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_ADMIN_TOKEN", "from-env")
    client = make_app().test_client()
    assert client.post("/sandbox/projects").status_code == 401
    assert client.post("/sandbox/projects", headers={"X-Sandbox-Admin-Token": "from-env"}).status_code == 201


def test_project_endpoints_do_not_take_the_admin_token_but_the_projects_key(make_app):
    client = make_app(admin_token="s3cret").test_client()
    response = client.get("/sandbox/clock", headers={"X-Sandbox-Admin-Token": "s3cret"})
    assert response.status_code == 401
    assert response.json == {"detail": "Missing Authorization header"}
    assert response.headers["WWW-Authenticate"] == "Token"
    assert client.get("/sandbox/clock", headers=AUTH).status_code == 200


def test_project_endpoints_refuse_an_unknown_key_as_the_api_does(client):
    response = client.get("/sandbox/clock", headers=token("x" * 32))
    assert response.status_code == 401
    assert response.json == {"detail": "Invalid or disabled API key"}


# -- reset -------------------------------------------------------------------------------------------------


def test_reset_restores_the_fixture_bots(client, sandbox):
    assert client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
    response = client.post("/sandbox/reset")
    assert response.status_code == 200
    assert response.json == {
        "reset": True,
        "projects": len(sandbox.fixtures["projects"]),
        "bots": len(sandbox.fixtures["bots"]),
    }
    bot = get_bot(client, SEED_BOT)
    assert bot["state"] == "joined_not_recording"
    assert [e["type"] for e in bot["events"]] == ["join_requested", "joined_meeting"]


def test_reset_removes_created_projects_and_their_bots(client, sandbox):
    project = new_project(client)
    bot = create_bot(client, project["auth"])
    client.post("/sandbox/reset")
    response = client.get("/api/v1/bots", headers=project["auth"])
    assert response.status_code == 401
    assert response.json == {"detail": "Invalid or disabled API key"}
    assert sandbox.store.get("bots", bot["id"]) is None


def test_reset_removes_bots_created_in_fixture_projects(client):
    bot = create_bot(client)
    client.post("/sandbox/reset")
    assert client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH).status_code == 404


def test_reset_brings_every_clock_back_to_the_wall_clock(client):
    advance(client, 600)
    client.post("/sandbox/reset")
    assert client.get("/sandbox/clock", headers=AUTH).json["offset_seconds"] == 0.0


def test_reset_clears_the_journal_and_the_faults(client):
    client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    post_json(client, "/sandbox/faults", {"method": "GET", "path": "/api/v1/bots/*", "status": 503})
    client.post("/sandbox/reset")
    assert client.get("/sandbox/requests", headers=AUTH).json == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get("/sandbox/faults", headers=AUTH).json == {"results": []}
    assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 200


def test_reset_keeps_the_default_key_working(client):
    client.post("/sandbox/reset")
    assert client.get(f"/api/v1/bots/{SEED_BOT}", headers={"Authorization": f"Token {DEFAULT_KEY}"}).status_code == 200


def test_unknown_sandbox_paths_answer_json_404(client):
    response = client.get("/sandbox/nothing-here")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"


def test_a_wrong_method_on_a_sandbox_path_answers_json_405(client):
    response = client.get("/sandbox/reset")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
