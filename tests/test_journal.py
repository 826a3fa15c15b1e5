"""The request journal: GET and DELETE /sandbox/requests — each project's /api/v1 requests, newest first."""

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.control_helpers import advance, new_project, post_json

BOT_PATH = f"/api/v1/bots/{SEED_BOT}"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def journal(client, headers=AUTH, **filters):
    response = client.get("/sandbox/requests", headers=headers, query_string=filters)
    assert response.status_code == 200, response.data
    return response.json


def test_a_request_is_recorded_with_method_path_query_status_time_and_duration(client):
    client.get(f"{BOT_PATH}?expand=1&x=%C3%BC", headers=AUTH)
    body = journal(client)
    assert body["count"] == 1
    [entry] = body["results"]
    assert list(entry) == ["id", "method", "path", "query", "status", "time", "duration_ms", "body"]
    assert entry["method"] == "GET"
    assert entry["path"] == BOT_PATH
    assert entry["query"] == "expand=1&x=%C3%BC"
    assert entry["status"] == 200
    assert entry["time"] == "2026-11-30T12:00:00Z"
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["body"] is None


def test_entries_come_newest_first(client):
    client.get(BOT_PATH, headers=AUTH)
    client.post(f"{BOT_PATH}/leave", headers=AUTH)
    client.post(f"{BOT_PATH}/leave", headers=AUTH)
    results = journal(client)["results"]
    assert [(e["method"], e["path"], e["status"]) for e in results] == [
        ("POST", f"{BOT_PATH}/leave", 400),
        ("POST", f"{BOT_PATH}/leave", 200),
        ("GET", BOT_PATH, 200),
    ]
    assert results[0]["id"] > results[1]["id"] > results[2]["id"]


def test_a_json_body_is_kept_decoded(client):
    post_json(client, "/api/v1/bots", {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "J"})
    [entry] = journal(client)["results"]
    assert entry["body"] == {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "J"}
    assert entry["status"] == 201


def test_a_body_that_is_not_json_is_kept_as_text(client):
    client.post(f"{BOT_PATH}/leave", headers=AUTH, data="bye now", content_type="text/plain")
    assert journal(client)["results"][0]["body"] == "bye now"


def test_a_long_body_is_cut(client):
    client.post(f"{BOT_PATH}/leave", headers=AUTH, data="x" * 10_000, content_type="text/plain")
    entry = journal(client)["results"][0]
    assert entry["body"] == "x" * 1024
    assert entry["body_truncated"] is True


def test_the_time_is_the_projects_clock(client, frozen):
    advance(client, 3600)
    frozen.tick(2)
    client.get(BOT_PATH, headers=AUTH)
    assert journal(client)["results"][0]["time"] == "2026-11-30T13:00:02Z"


def test_refusals_are_recorded_with_their_status(client):
    client.get("/api/v1/bots/bot_doesNotExist0000", headers=AUTH)
    client.get(BOT_PATH, headers={**AUTH, "Accept": "application/xml"})
    client.put(BOT_PATH, headers=AUTH)
    assert [(e["status"]) for e in journal(client)["results"]] == [405, 406, 404]


def test_an_unknown_api_path_is_recorded_for_the_key_it_carried(client):
    client.get("/api/v1/nothing/here", headers=AUTH)
    [entry] = journal(client)["results"]
    assert (entry["path"], entry["status"]) == ("/api/v1/nothing/here", 404)


def test_head_requests_are_recorded_as_head(client):
    client.head(BOT_PATH, headers=AUTH)
    assert journal(client)["results"][0]["method"] == "HEAD"


def test_a_request_without_a_valid_key_belongs_to_no_project(client):
    client.get(BOT_PATH)
    client.get(BOT_PATH, headers={"Authorization": "Token " + "x" * 32})
    assert journal(client)["count"] == 0
    assert journal(client, SECOND_AUTH)["count"] == 0


def test_sandbox_requests_are_not_recorded(client):
    client.get("/sandbox/clock", headers=AUTH)
    advance(client, 1)
    client.get("/sandbox/requests", headers=AUTH)
    assert journal(client)["count"] == 0


def test_each_project_sees_only_its_own_requests(client):
    project = new_project(client)
    client.get(BOT_PATH, headers=AUTH)
    client.get("/api/v1/bots", headers=project["auth"])
    assert [e["path"] for e in journal(client)["results"]] == [BOT_PATH]
    assert [e["path"] for e in journal(client, project["auth"])["results"]] == ["/api/v1/bots"]
    assert journal(client, SECOND_AUTH)["count"] == 0


# -- filters -------------------------------------------------------------------------------------------------


@pytest.fixture
def traffic(client):
    client.get(BOT_PATH, headers=AUTH)
    client.get("/api/v1/bots", headers=AUTH)
    client.post(f"{BOT_PATH}/leave", headers=AUTH)
    client.post(f"{BOT_PATH}/leave", headers=AUTH)
    client.get("/api/v1/bots/bot_doesNotExist0000", headers=AUTH)
    return client


def test_filter_by_method_is_case_insensitive(traffic):
    assert [e["path"] for e in journal(traffic, method="post")["results"]] == [f"{BOT_PATH}/leave"] * 2


def test_filter_by_exact_path(traffic):
    assert journal(traffic, path="/api/v1/bots")["count"] == 1


def test_filter_by_path_with_a_star_for_one_segment(traffic):
    assert [e["path"] for e in journal(traffic, path="/api/v1/bots/*")["results"]] == [
        "/api/v1/bots/bot_doesNotExist0000",
        BOT_PATH,
    ]
    assert journal(traffic, path="/api/v1/bots/*/leave")["count"] == 2


def test_filter_by_status(traffic):
    assert [e["path"] for e in journal(traffic, status="404")["results"]] == ["/api/v1/bots/bot_doesNotExist0000"]
    assert journal(traffic, status="400")["count"] == 1


def test_limit_keeps_the_newest_and_count_says_how_many_matched(traffic):
    body = journal(traffic, limit="2")
    assert body["count"] == 5
    assert [e["status"] for e in body["results"]] == [404, 400]


def test_filters_combine(traffic):
    assert journal(traffic, method="POST", status="200")["count"] == 1


def test_the_default_page_is_the_newest_hundred(client):
    for _ in range(101):
        client.get(BOT_PATH, headers=AUTH)
    body = journal(client)
    assert body["count"] == 101
    assert len(body["results"]) == 100


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"status": "abc"}, "status must be an HTTP status code such as 404"),
        ({"limit": "0"}, "limit must be a positive integer (at most 10000 entries are kept)"),
        ({"limit": "ten"}, "limit must be a positive integer (at most 10000 entries are kept)"),
        ({"verb": "GET"}, "Unknown filter(s): verb. Filters: method, path, status, limit, cursor"),
    ],
)
def test_bad_filters_are_clear_400s(client, filters, message):
    response = client.get("/sandbox/requests", headers=AUTH, query_string=filters)
    assert response.status_code == 400
    assert response.json == {"error": message}


# -- clearing and bounds -------------------------------------------------------------------------------------------


def test_delete_clears_the_projects_journal_only(client):
    client.get(BOT_PATH, headers=AUTH)
    client.get(BOT_PATH, headers=AUTH)
    client.get("/api/v1/bots", headers=SECOND_AUTH)
    response = client.delete("/sandbox/requests", headers=AUTH)
    assert response.status_code == 200
    assert response.json == {"deleted": 2}
    assert journal(client) == {"count": 0, "next": None, "previous": None, "results": []}
    assert journal(client, SECOND_AUTH)["count"] == 1


def test_the_journal_keeps_at_most_the_configured_number_of_entries(make_app):
    client = make_app(journal_limit=3).test_client()
    for index in range(5):
        client.get(f"{BOT_PATH}?n={index}", headers=AUTH)
    assert [e["query"] for e in journal(client)["results"]] == ["n=4", "n=3", "n=2"]


def test_the_journal_limit_comes_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_JOURNAL_LIMIT", "2")
    client = make_app().test_client()
    for _ in range(4):
        client.get(BOT_PATH, headers=AUTH)
    assert journal(client)["count"] == 2


def test_the_journal_needs_the_projects_key(client):
    assert client.get("/sandbox/requests").status_code == 401
    assert client.delete("/sandbox/requests").status_code == 401
