"""The project POST throttle (docs/contract/conventions.md#throttling, docs/contract/conventions.md#order-of-checks,
docs/contract/conventions.md#throttle-counts-failures), with a small rate: 3 POSTs a minute."""

import json

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.openapi_check import assert_valid_response

MEET = "https://meet.google.com/abc-defg-hij"
RECORDING = "bot_sbxJoinedRec0000"
PAUSED = "bot_sbxRecPaused0000"
ENDED = "bot_sbxEnded00000000"
SCHEDULED = "bot_sbxScheduled0000"
THROTTLED_60 = b'{"detail":"Request was throttled. Expected available in 60 seconds."}'


@pytest.fixture
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        yield frozen


@pytest.fixture
def client(shared_app, frozen):
    return shared_app(throttle_rate="3/min").test_client()


def create(client, headers=AUTH, **fields):
    body = {"meeting_url": MEET, "bot_name": "Bot", **fields}
    return client.post("/api/v1/bots", headers=headers, data=json.dumps(body), content_type="application/json")


def pause(client, bot_id=RECORDING, headers=AUTH):
    return client.post(f"/api/v1/bots/{bot_id}/pause_recording", headers=headers)


def resume(client, bot_id=PAUSED):
    return client.post(f"/api/v1/bots/{bot_id}/resume_recording", headers=AUTH)


def use_up(client):
    for _ in range(3):
        assert create(client).status_code == 201


def test_the_fourth_post_in_a_minute_is_throttled_with_the_exact_answer(client):
    use_up(client)
    response = create(client)
    assert response.status_code == 429
    assert response.data == THROTTLED_60
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Content-Type"] == "application/json"
    assert_valid_response("POST", "/api/v1/bots", 429, response.get_data(), response.headers["Content-Type"])


def test_a_throttled_create_creates_nothing(client, make_app):
    use_up(client)
    before = client.get("/api/v1/bots", headers=AUTH).json["results"]
    create(client)
    assert client.get("/api/v1/bots", headers=AUTH).json["results"] == before


def test_the_wait_is_rounded_up_and_a_wait_of_one_is_singular(client, frozen):
    use_up(client)
    frozen.tick(58.5)
    response = create(client)
    assert response.data == b'{"detail":"Request was throttled. Expected available in 2 seconds."}'
    assert response.headers["Retry-After"] == "2"
    frozen.tick(0.5)
    response = create(client)
    assert response.data == b'{"detail":"Request was throttled. Expected available in 1 second."}'
    assert response.headers["Retry-After"] == "1"


def test_the_window_slides_over_the_last_60_seconds(client, frozen):
    assert create(client).status_code == 201
    frozen.tick(30)
    assert create(client).status_code == 201
    assert create(client).status_code == 201
    assert create(client).status_code == 429
    frozen.tick(30)  # the first POST has left the window
    assert create(client).status_code == 201
    assert create(client).status_code == 429


def test_gets_and_other_methods_never_count(client):
    for _ in range(5):
        assert client.get("/api/v1/bots", headers=AUTH).status_code == 200
        assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 200
        assert client.head("/api/v1/bots", headers=AUTH).status_code == 200
        assert client.put("/api/v1/bots", headers=AUTH).status_code == 405
    use_up(client)


def test_create_pause_and_resume_share_one_counter(client):
    assert create(client).status_code == 201
    assert pause(client).status_code == 200
    assert resume(client).status_code == 200
    response = pause(client, PAUSED)
    assert response.status_code == 429
    assert response.data == THROTTLED_60
    assert create(client).status_code == 429


def test_a_throttled_post_to_an_unknown_bot_is_still_429(client):
    use_up(client)
    response = pause(client, "bot_doesNotExist0000")
    assert response.status_code == 429
    assert response.data == THROTTLED_60
    assert_valid_response(
        "POST", "/api/v1/bots/bot_doesNotExist0000/pause_recording", 429, response.get_data(), response.headers["Content-Type"]
    )


def test_refused_posts_count_toward_the_limit(client):
    assert create(client, bot_name="").status_code == 400
    assert pause(client, "bot_doesNotExist0000").status_code == 404
    assert pause(client, ENDED).status_code == 400
    assert create(client).status_code == 429


def test_unparseable_bodies_count_too(client):
    assert client.post("/api/v1/bots", headers=AUTH, data=b"{", content_type="application/json").status_code == 400
    assert client.post("/api/v1/bots", headers=AUTH, data=b"x", content_type="text/plain").status_code == 415
    assert create(client).status_code == 201
    assert create(client).status_code == 429


def test_unthrottled_views_still_answer_when_the_limit_is_reached(client):
    scheduled = create(client, join_at="2027-01-01T08:00:00Z").json["id"]
    assert create(client).status_code == 201
    assert create(client).status_code == 201
    assert create(client).status_code == 429
    assert client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
    assert client.post(f"/api/v1/bots/{ENDED}/delete_data", headers=AUTH).status_code == 200
    assert client.patch(f"/api/v1/bots/{SCHEDULED}", headers=AUTH, json={"metadata": {"k": "v"}}).status_code == 200
    assert client.delete(f"/api/v1/bots/{scheduled}", headers=AUTH).status_code == 200
    assert create(client).status_code == 429


def test_unthrottled_posts_do_not_count(client):
    for bot_id in (SEED_BOT, RECORDING):
        client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
    client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH)  # refused (already leaving): still not counted
    client.post(f"/api/v1/bots/{ENDED}/delete_data", headers=AUTH)
    use_up(client)


def test_authentication_comes_before_the_throttle(client):
    use_up(client)
    response = client.post("/api/v1/bots", data=json.dumps({}), content_type="application/json")
    assert response.status_code == 401
    assert response.json == {"detail": "Missing Authorization header"}
    response = client.post("/api/v1/bots", headers={"Authorization": "Token nope"})
    assert response.status_code == 401


def test_the_counter_is_per_project(client):
    use_up(client)
    assert create(client).status_code == 429
    assert create(client, headers=SECOND_AUTH).status_code == 201


def test_rate_limiting_can_be_disabled(shared_app, frozen):
    client = shared_app(throttle_rate="3/min", disable_rate_limiting=True).test_client()
    for _ in range(5):
        assert create(client).status_code == 201


def test_the_default_rate_is_3000_a_minute(sandbox):
    throttle = sandbox.throttle
    assert (throttle.num_requests, throttle.duration) == (3000, 60.0)


def test_calendar_and_zoom_connection_posts_share_the_bots_counter_and_invalid_ones_count(client):
    json_auth = {**AUTH, "Content-Type": "application/json"}
    assert client.post("/api/v1/calendars", headers=json_auth, data="{}").status_code == 400  # counts
    assert client.post("/api/v1/zoom_oauth_connections", headers=json_auth, data="{}").status_code == 400
    assert create(client).status_code == 201
    throttled = client.post("/api/v1/calendars", headers=json_auth, data="{}")
    assert (throttled.status_code, throttled.data) == (429, THROTTLED_60)
    assert client.post("/api/v1/zoom_oauth_connections", headers=json_auth, data="{}").status_code == 429
    calendar = "/api/v1/calendars/cal_sbx0DefaultCal01"
    assert client.patch(calendar, headers=json_auth, data="{}").status_code == 200  # PATCH is never throttled
    assert client.get("/api/v1/calendars", headers=AUTH).status_code == 200
