"""Fault injection: POST/GET/DELETE /sandbox/faults[/{id}] — the next matching /api/v1 requests of a project wait
and/or answer as told, before any state change."""

import threading
import time

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.control_helpers import MEET, get_bot, new_project, post_json

BOT_PATH = f"/api/v1/bots/{SEED_BOT}"
LEAVE_PATH = f"{BOT_PATH}/leave"


def add_fault(client, auth=AUTH, **body):
    response = post_json(client, "/sandbox/faults", body, auth)
    assert response.status_code == 201, response.data
    return response.json


def real_elapsed(fn):
    start = time.clock_gettime(time.CLOCK_MONOTONIC)  # freezegun leaves clock_gettime alone
    result = fn()
    return result, time.clock_gettime(time.CLOCK_MONOTONIC) - start


def test_a_fault_answers_the_next_matching_request_as_told(client):
    add_fault(client, method="POST", path="/api/v1/bots/*/leave", status=503, body={"detail": "upstream down"})
    response = client.post(LEAVE_PATH, headers=AUTH)
    assert response.status_code == 503
    assert response.data == b'{"detail":"upstream down"}'
    assert response.headers["Content-Type"] == "application/json"
    assert client.post(LEAVE_PATH, headers=AUTH).status_code == 200  # times defaults to 1


def test_a_faulted_request_changes_nothing(client):
    add_fault(client, method="POST", path=LEAVE_PATH, status=500)
    assert client.post(LEAVE_PATH, headers=AUTH).status_code == 500
    bot = get_bot(client, SEED_BOT)
    assert bot["state"] == "joined_not_recording"
    assert [e["type"] for e in bot["events"]] == ["join_requested", "joined_meeting"]


def test_a_faulted_create_creates_no_bot(client):
    add_fault(client, method="POST", path="/api/v1/bots", status=502)
    before = client.get("/api/v1/bots", headers=AUTH).json["results"]
    assert post_json(client, "/api/v1/bots", {"meeting_url": MEET, "bot_name": "x"}).status_code == 502
    assert client.get("/api/v1/bots", headers=AUTH).json["results"] == before


def test_a_fault_without_a_body_answers_a_default_error(client):
    add_fault(client, method="GET", path=BOT_PATH, status=503)
    assert client.get(BOT_PATH, headers=AUTH).json == {"error": "Injected fault: 503 Service Unavailable"}


def test_a_fault_answer_carries_the_apis_headers_and_its_own(client):
    add_fault(client, method="GET", path=BOT_PATH, status=500, headers={"X-Request-Id": "abc"})
    response = client.get(BOT_PATH, headers=AUTH)
    assert response.headers["X-Request-Id"] == "abc"
    assert response.headers["Allow"] == "GET, PATCH, DELETE, HEAD, OPTIONS"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_star_matches_exactly_one_path_segment(client):
    add_fault(client, path="/api/v1/bots/*", status=418, times=None)
    assert client.get(BOT_PATH, headers=AUTH).status_code == 418
    assert client.post(LEAVE_PATH, headers=AUTH).status_code == 200
    assert client.get("/api/v1/bots", headers=AUTH).status_code == 200


def test_a_fault_matches_only_its_method(client):
    add_fault(client, method="POST", path=BOT_PATH + "/leave", status=503)
    assert client.get(f"{BOT_PATH}", headers=AUTH).status_code == 200
    assert client.post(LEAVE_PATH, headers=AUTH).status_code == 503


def test_a_fault_without_a_method_matches_any_method(client):
    add_fault(client, path=BOT_PATH, status=503, times=2)
    assert client.get(BOT_PATH, headers=AUTH).status_code == 503
    assert client.patch(BOT_PATH, headers=AUTH, json={}).status_code == 503


def test_a_get_fault_also_answers_head(client):
    add_fault(client, method="GET", path=BOT_PATH, status=503)
    assert client.head(BOT_PATH, headers=AUTH).status_code == 503


def test_times_counts_down_and_the_used_up_fault_disappears(client):
    fault = add_fault(client, method="GET", path=BOT_PATH, status=503, times=2)
    assert fault["remaining"] == 2
    assert client.get(BOT_PATH, headers=AUTH).status_code == 503
    listed = client.get(f"/sandbox/faults/{fault['id']}", headers=AUTH).json
    assert (listed["remaining"], listed["hits"]) == (1, 1)
    assert client.get(BOT_PATH, headers=AUTH).status_code == 503
    assert client.get(BOT_PATH, headers=AUTH).status_code == 200
    assert client.get("/sandbox/faults", headers=AUTH).json == {"results": []}


def test_times_null_answers_every_matching_request_until_removed(client):
    fault = add_fault(client, method="GET", path=BOT_PATH, status=503, times=None)
    for _ in range(5):
        assert client.get(BOT_PATH, headers=AUTH).status_code == 503
    assert client.get(f"/sandbox/faults/{fault['id']}", headers=AUTH).json["hits"] == 5
    assert client.delete(f"/sandbox/faults/{fault['id']}", headers=AUTH).json == {"deleted": 1}
    assert client.get(BOT_PATH, headers=AUTH).status_code == 200


def test_the_first_matching_fault_answers(client):
    add_fault(client, method="GET", path=BOT_PATH, status=500)
    add_fault(client, method="GET", path="/api/v1/bots/*", status=502)
    assert client.get(BOT_PATH, headers=AUTH).status_code == 500
    assert client.get(BOT_PATH, headers=AUTH).status_code == 502


def test_a_delay_only_fault_waits_then_answers_normally(client):
    add_fault(client, method="GET", path=BOT_PATH, delay_ms=150)
    response, elapsed = real_elapsed(lambda: client.get(BOT_PATH, headers=AUTH))
    assert response.status_code == 200
    assert response.json["id"] == SEED_BOT
    assert elapsed >= 0.15


def test_a_delayed_fault_waits_then_answers_as_told(client):
    add_fault(client, method="GET", path=BOT_PATH, status=504, delay_ms=100)
    response, elapsed = real_elapsed(lambda: client.get(BOT_PATH, headers=AUTH))
    assert response.status_code == 504
    assert elapsed >= 0.1


def test_the_journal_records_the_faulted_answer_and_its_delay(client):
    add_fault(client, method="GET", path=BOT_PATH, status=503, delay_ms=100)
    client.get(BOT_PATH, headers=AUTH)
    [entry] = client.get("/sandbox/requests", headers=AUTH).json["results"]
    assert entry["status"] == 503
    assert entry["duration_ms"] >= 100


def test_a_request_without_a_key_is_refused_before_any_fault(client):
    add_fault(client, path=BOT_PATH, status=503, times=None)
    response = client.get(BOT_PATH)
    assert response.status_code == 401


# -- the throttle, mimicked exactly ---------------------------------------------------------------------------


@freeze_time("2026-11-30T12:00:00Z")
def test_a_429_fault_answers_exactly_what_the_real_throttle_answers(make_app, tmp_path):
    throttled = make_app(throttle_rate="1/min").test_client()
    body = {"meeting_url": MEET, "bot_name": "t"}
    assert post_json(throttled, "/api/v1/bots", body).status_code == 201
    real = post_json(throttled, "/api/v1/bots", body)
    assert real.status_code == 429

    faulted_client = make_app(data_path=tmp_path / "faulted.json").test_client()  # a sandbox of its own
    add_fault(faulted_client, method="POST", path="/api/v1/bots", status=429)
    faulted = post_json(faulted_client, "/api/v1/bots", body)
    assert faulted.status_code == 429
    assert faulted.data == real.data == b'{"detail":"Request was throttled. Expected available in 60 seconds."}'
    assert sorted(faulted.headers.items()) == sorted(real.headers.items())


def test_a_429_fault_takes_its_retry_after(client):
    add_fault(client, method="GET", path=BOT_PATH, status=429, retry_after=1)
    response = client.get(BOT_PATH, headers=AUTH)
    assert response.data == b'{"detail":"Request was throttled. Expected available in 1 second."}'
    assert response.headers["Retry-After"] == "1"


def test_a_429_fault_with_its_own_body_answers_that_body(client):
    add_fault(client, method="GET", path=BOT_PATH, status=429, body={"error": "slow down"})
    response = client.get(BOT_PATH, headers=AUTH)
    assert response.json == {"error": "slow down"}
    assert "Retry-After" not in response.headers


# -- listing and removing --------------------------------------------------------------------------------------


@freeze_time("2026-11-30T12:00:00Z")
def test_a_created_fault_is_answered_listed_and_readable(client):
    response = post_json(client, "/sandbox/faults", {"method": "post", "path": "/api/v1/bots/*/leave", "status": 503, "body": {"x": 1}})
    assert response.status_code == 201
    fault = response.json
    assert fault == {
        "id": fault["id"],
        "method": "POST",
        "path": "/api/v1/bots/*/leave",
        "status": 503,
        "body": {"x": 1},
        "headers": {},
        "delay_ms": 0,
        "times": 1,
        "remaining": 1,
        "hits": 0,
        "created_at": "2026-11-30T12:00:00Z",
    }
    assert fault["id"].startswith("flt_")
    assert client.get("/sandbox/faults", headers=AUTH).json == {"results": [fault]}
    assert client.get(f"/sandbox/faults/{fault['id']}", headers=AUTH).json == fault


def test_delete_all_faults(client):
    add_fault(client, path=BOT_PATH, status=503)
    add_fault(client, path=LEAVE_PATH, status=503)
    assert client.delete("/sandbox/faults", headers=AUTH).json == {"deleted": 2}
    assert client.get(BOT_PATH, headers=AUTH).status_code == 200


def test_an_unknown_fault_is_a_404(client):
    for response in (
        client.get("/sandbox/faults/flt_nothing000000000", headers=AUTH),
        client.delete("/sandbox/faults/flt_nothing000000000", headers=AUTH),
    ):
        assert response.status_code == 404
        assert response.json == {"error": "Fault not found"}


# -- isolation -------------------------------------------------------------------------------------------------


def test_a_fault_of_one_project_does_not_touch_another(client):
    fault = add_fault(client, path="/api/v1/bots/*", status=503, times=None)
    assert client.get("/api/v1/bots/bot_sbxOtherProject0", headers=SECOND_AUTH).status_code == 200
    assert client.get("/sandbox/faults", headers=SECOND_AUTH).json == {"results": []}
    assert client.get(f"/sandbox/faults/{fault['id']}", headers=SECOND_AUTH).status_code == 404
    assert client.delete(f"/sandbox/faults/{fault['id']}", headers=SECOND_AUTH).status_code == 404
    assert client.get(BOT_PATH, headers=AUTH).status_code == 503


def test_two_projects_inject_faults_and_advance_clocks_at_once_without_seeing_each_other(app):
    clients = [app.test_client(), app.test_client()]
    projects = [new_project(c) for c in clients]
    bots = []
    for c, p in zip(clients, projects):
        bots.append(post_json(c, "/api/v1/bots", {"meeting_url": MEET, "bot_name": "iso"}, p["auth"]).json["id"])
    statuses = {}
    errors = []

    def run(index, status):
        c, p, bot = clients[index], projects[index], bots[index]
        try:
            add_fault(c, p["auth"], method="GET", path="/api/v1/bots/*", status=status, times=None)
            seen = []
            for _ in range(25):
                seen.append(c.get(f"/api/v1/bots/{bot}", headers=p["auth"]).status_code)
                assert post_json(c, "/sandbox/clock/advance", {"seconds": index + 1}, p["auth"]).status_code == 200
            statuses[index] = set(seen)
        except AssertionError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in ((0, 502), (1, 503))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors
    assert statuses == {0: {502}, 1: {503}}
    for index, (c, p) in enumerate(zip(clients, projects)):
        faults = c.get("/sandbox/faults", headers=p["auth"]).json["results"]
        assert [(f["status"], f["hits"]) for f in faults] == [((502, 503)[index], 25)]
        assert c.get("/sandbox/clock", headers=p["auth"]).json["offset_seconds"] == 25.0 * (index + 1)
        journal = c.get("/sandbox/requests", headers=p["auth"]).json
        assert journal["count"] == 26  # the create and the 25 reads, only this project's
        assert {e["path"] for e in journal["results"]} <= {"/api/v1/bots", f"/api/v1/bots/{bots[index]}"}
    # the fixture projects saw nothing of it
    assert client_faults(clients[0], AUTH) == []


def client_faults(client, headers):
    return client.get("/sandbox/faults", headers=headers).json["results"]


# -- validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Missing required field(s): path"),
        ({"path": "/api/v1/bots", "status": 503, "code": 1}, "Unknown field(s): code. Allowed fields: method, path, status, body, headers, delay_ms, times, retry_after"),
        ({"path": "/sandbox/clock", "status": 503}, "path must be an /api/v1/... path; * matches one path segment"),
        ({"path": 5, "status": 503}, "path must be an /api/v1/... path; * matches one path segment"),
        ({"path": "/api/v1/bots?x=1", "status": 503}, "path matches the path only: leave out the query string"),
        ({"path": "/api/v1/bots", "method": "FETCH", "status": 503}, "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, *"),
        ({"path": "/api/v1/bots", "status": 99}, "status must be an HTTP status code from 100 to 599, or null for a delay only"),
        ({"path": "/api/v1/bots", "status": "503"}, "status must be an HTTP status code from 100 to 599, or null for a delay only"),
        ({"path": "/api/v1/bots"}, "A fault needs a status, a delay_ms, or both"),
        ({"path": "/api/v1/bots", "delay_ms": -1}, "delay_ms must be an integer from 0 to 60000"),
        ({"path": "/api/v1/bots", "delay_ms": 60001}, "delay_ms must be an integer from 0 to 60000"),
        ({"path": "/api/v1/bots", "status": 503, "times": 0}, "times must be a positive integer, or null for every matching request"),
        ({"path": "/api/v1/bots", "status": 503, "headers": {"X": 1}}, "headers must be an object of header names to string values"),
        ({"path": "/api/v1/bots", "status": 503, "retry_after": 5}, "retry_after only applies to a 429 fault"),
        ({"path": "/api/v1/bots", "status": 429, "retry_after": "soon"}, "retry_after must be a whole number of seconds >= 0"),
        ({"path": "/api/v1/bots", "delay_ms": 10, "body": {}}, "body needs a status: a fault without one only delays the request"),
    ],
)
def test_fault_input_is_validated_with_clear_400s(client, body, message):
    response = post_json(client, "/sandbox/faults", body)
    assert response.status_code == 400
    assert response.json == {"error": message}
    assert client.get("/sandbox/faults", headers=AUTH).json == {"results": []}


def test_faults_need_the_projects_key(client):
    assert post_json(client, "/sandbox/faults", {"path": BOT_PATH, "status": 503}, headers={}).status_code == 401
    assert client.get("/sandbox/faults").status_code == 401
