"""PATCH /api/v1/bots/{id} (docs/contract/bots-endpoints.md#patch-bot) and DELETE /api/v1/bots/{id}
(docs/contract/bots-endpoints.md#delete-bot)."""

import json

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.openapi_check import assert_valid_response

MEET = "https://meet.google.com/abc-defg-hij"
SCHEDULED_FIXTURE = "bot_sbxScheduled0000"
ENDED = "bot_sbxEnded00000000"
DATA_DELETED = "bot_sbxDataDeleted00"
PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def scheduled_only(state):
    return (
        f"Bot is in state {state} but join_at, meeting_url, bot_name, bot_image and recording_settings "
        "can only be updated when in the scheduled state"
    )


@pytest.fixture(autouse=True)
def frozen_clock():
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        yield frozen


def patch(client, bot_id, body, headers=AUTH):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.patch(f"/api/v1/bots/{bot_id}", headers=headers, data=data, content_type="application/json")


def delete(client, bot_id, headers=AUTH):
    return client.delete(f"/api/v1/bots/{bot_id}", headers=headers)


def get(client, bot_id):
    return client.get(f"/api/v1/bots/{bot_id}", headers=AUTH)


def create(client, **fields):
    body = {"meeting_url": MEET, "bot_name": "Bot", **fields}
    response = client.post("/api/v1/bots", headers=AUTH, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.json
    return response.json["id"]


def check_openapi(response, method, bot_id="bot_x"):
    assert_valid_response(method, f"/api/v1/bots/{bot_id}", response.status_code, response.get_data(), response.headers.get("Content-Type"))


# -- PATCH metadata ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bot_id", [SEED_BOT, ENDED, DATA_DELETED, SCHEDULED_FIXTURE])
def test_metadata_can_be_replaced_in_any_state(client, bot_id):
    before = get(client, bot_id).json
    response = patch(client, bot_id, {"metadata": {"new": "value"}})
    assert response.status_code == 200
    assert response.json == {**before, "metadata": {"new": "value"}}
    assert get(client, bot_id).json["metadata"] == {"new": "value"}
    check_openapi(response, "PATCH")


def test_metadata_is_replaced_not_merged(client):
    patch(client, SEED_BOT, {"metadata": {"a": "1"}})
    assert get(client, SEED_BOT).json["metadata"] == {"a": "1"}


def test_patch_echoes_metadata_in_input_order_and_reads_back_in_jsonb_order(client):
    response = patch(client, SEED_BOT, {"metadata": {"zz": "1", "a": "2", "bbb": "3", "b": "4"}})
    assert response.data.startswith(b'{"id":"bot_weIAju4OXNZkDTpZ","metadata":{"zz":"1","a":"2","bbb":"3","b":"4"},')
    assert get(client, SEED_BOT).data.startswith(b'{"id":"bot_weIAju4OXNZkDTpZ","metadata":{"a":"2","b":"4","zz":"1","bbb":"3"},')


def test_a_patch_without_metadata_returns_it_in_jsonb_order(client):
    bot_id = create(client, join_at="2027-01-01T08:00:00Z", metadata={"zz": "1", "a": "2"})
    response = patch(client, bot_id, {"bot_name": "Renamed"})
    assert b'"metadata":{"a":"2","zz":"1"}' in response.data


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"metadata": None}, {"metadata": ["This field may not be null."]}),
        ({"metadata": []}, {"metadata": ["Metadata must be an object not an array or other type"]}),
        ({"metadata": {"a": 1}}, {"metadata": ["Value for key 'a' must be a string"]}),
        ({"join_at": None}, {"join_at": ["This field may not be null."]}),
        ({"bot_name": ""}, {"bot_name": ["This field may not be blank."]}),
        ({"meeting_url": "https://example.com"}, {"meeting_url": ["Invalid meeting URL"]}),
    ],
)
def test_invalid_fields_are_refused_with_field_errors(client, body, errors):
    response = patch(client, SCHEDULED_FIXTURE, body)
    assert response.status_code == 400
    assert response.json == errors
    check_openapi(response, "PATCH")


def test_field_errors_come_before_the_state_rule(client):
    assert patch(client, ENDED, {"join_at": "soon"}).json == {
        "join_at": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]
    }


def test_unknown_fields_are_silently_ignored(client):
    response = patch(client, SEED_BOT, {"nonsense": 1, "metadata": {"k": "v"}})
    assert response.status_code == 200
    assert response.json["metadata"] == {"k": "v"}


def test_a_non_object_body_is_refused(client):
    response = patch(client, SEED_BOT, b"[1, 2]")
    assert response.status_code == 400
    assert response.json == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_patch_of_an_unknown_bot_is_bot_not_found_whatever_the_body(client):
    response = patch(client, "bot_doesNotExist0000", b"not json")
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'
    check_openapi(response, "PATCH")


def test_patch_of_another_projects_bot_is_bot_not_found(client):
    assert patch(client, SEED_BOT, {"metadata": {"k": "v"}}, headers=SECOND_AUTH).status_code == 404
    assert get(client, SEED_BOT).json["metadata"] == {"customer_id": "abc123"}


# -- PATCH of the scheduled-only fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"join_at": "2027-02-01T08:00:00Z"},
        {"meeting_url": "https://meet.google.com/xyz-abcd-efg"},
        {"bot_name": "Other"},
        {"bot_image": {"type": "image/png", "data": PNG_1PX}},
        {"recording_settings": {"format": "mp3"}},
    ],
)
def test_scheduled_only_fields_are_refused_outside_scheduled(client, body):
    before = get(client, ENDED).json
    response = patch(client, ENDED, body)
    assert response.status_code == 400
    assert response.json == {"error": scheduled_only("ended")}
    assert get(client, ENDED).json == before
    check_openapi(response, "PATCH")


def test_a_refused_patch_changes_nothing_not_even_metadata(client):
    patch(client, SEED_BOT, {"metadata": {"x": "y"}, "bot_name": "Other"})
    assert get(client, SEED_BOT).json["metadata"] == {"customer_id": "abc123"}


def test_sending_the_same_values_is_allowed_in_any_state(client, frozen_clock):
    bot_id = create(client, join_at="2026-11-30T12:10:00Z", bot_name="Same")
    frozen_clock.move_to("2026-11-30T12:09:56Z")  # joining since 12:09:55, join_at still ahead
    body = {"join_at": "2026-11-30T14:10:00+02:00", "meeting_url": MEET, "bot_name": "Same"}
    response = patch(client, bot_id, body)
    assert response.status_code == 200
    assert response.json["state"] == "joining"


def test_the_same_url_in_another_spelling_is_the_same_value(client):
    assert patch(client, ENDED, {"meeting_url": "meet.google.com/abc-defg-hij?authuser=0"}).status_code == 200


def test_an_empty_recording_settings_is_not_a_change(client):
    assert patch(client, ENDED, {"recording_settings": {}}).status_code == 200


def test_a_scheduled_bot_takes_every_field(client, sandbox):
    bot_id = create(client, join_at="2027-01-01T08:00:00Z")
    response = patch(
        client,
        bot_id,
        {
            "join_at": "2027-02-01T10:00:00+02:00",
            "meeting_url": "https://zoom.us/j/81234567890?pwd=abc&x=1",
            "bot_name": "  Renamed  ",
            "bot_image": {"type": "image/png", "data": PNG_1PX},
            "recording_settings": {"format": "mp3"},
        },
    )
    assert response.status_code == 200
    assert response.json["state"] == "scheduled"
    assert response.json["join_at"] == "2027-02-01T08:00:00Z"
    assert response.json["meeting_url"] == "https://zoom.us/j/81234567890?pwd=abc"
    stored = sandbox.store.get("bots", bot_id)
    assert stored["bot_name"] == "Renamed"
    assert stored["platform"] == "zoom"
    assert stored["settings"]["bot_image"] == {"type": "image/png", "data": PNG_1PX}
    assert stored["settings"]["recording_settings"]["format"] == "mp3"
    assert stored["settings"]["recording_settings"]["view"] == "speaker_view"
    assert stored["recording"]["format"] == "mp3"


def test_a_past_join_at_is_refused(client):
    bot_id = create(client, join_at="2027-01-01T08:00:00Z")
    assert patch(client, bot_id, {"join_at": "2026-11-30T11:59:59Z"}).json == {"join_at": ["join_at cannot be in the past"]}


def test_moving_join_at_plans_the_way_in_again(client, frozen_clock):
    bot_id = create(client, join_at="2026-11-30T12:10:00Z")
    patch(client, bot_id, {"join_at": "2026-11-30T13:00:00Z"})
    frozen_clock.move_to("2026-11-30T12:10:00Z")
    assert get(client, bot_id).json["state"] == "scheduled"
    frozen_clock.move_to("2026-11-30T12:55:00Z")
    bot = get(client, bot_id).json
    assert bot["state"] == "staged"
    assert bot["events"] == [{"type": "staged", "created_at": "2026-11-30T12:55:00Z"}]
    frozen_clock.move_to("2026-11-30T12:59:55Z")  # Google Meet starts joining 5 s ahead
    assert get(client, bot_id).json["events"][-1] == {"type": "join_requested", "created_at": "2026-11-30T12:59:55Z"}


def test_changing_the_meeting_url_changes_the_platform_lead(client, frozen_clock):
    bot_id = create(client, join_at="2026-11-30T13:00:00Z")
    patch(client, bot_id, {"meeting_url": "https://teams.live.com/meet/9312345?p=abcdef"})
    frozen_clock.move_to("2026-11-30T12:59:50Z")  # Teams: 10 s ahead
    assert get(client, bot_id).json["state"] == "joining"


# -- DELETE ------------------------------------------------------------------------------------------------


def test_a_scheduled_bot_is_hard_deleted_with_an_empty_200(client):
    bot_id = create(client, join_at="2027-01-01T08:00:00Z")
    response = delete(client, bot_id)
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "0"
    assert "Content-Type" not in response.headers
    check_openapi(response, "DELETE")
    assert get(client, bot_id).status_code == 404
    assert bot_id not in [b["id"] for b in client.get("/api/v1/bots", headers=AUTH).json["results"]]


def test_delete_sends_no_webhook(client, sandbox):
    bot_id = create(client, join_at="2027-01-01T08:00:00Z")
    sent = []
    sandbox.outbox.emit = lambda *args: sent.append(args)
    delete(client, bot_id)
    assert sent == []


def test_deleting_frees_the_deduplication_key(client):
    bot_id = create(client, join_at="2027-01-01T08:00:00Z", deduplication_key="k")
    assert client.post("/api/v1/bots", headers=AUTH, json={"meeting_url": MEET, "bot_name": "B", "deduplication_key": "k"}).status_code == 400
    delete(client, bot_id)
    create(client, deduplication_key="k")


@pytest.mark.parametrize("bot_id, state", [(SEED_BOT, "joined_not_recording"), (ENDED, "ended"), ("bot_sbxStaged0000000", "staged")])
def test_only_a_scheduled_bot_can_be_deleted(client, bot_id, state):
    response = delete(client, bot_id)
    assert response.status_code == 400
    assert response.data == f'{{"error":"Bot is in state {state} but can only be deleted when in scheduled state"}}'.encode()
    assert get(client, bot_id).status_code == 200
    check_openapi(response, "DELETE")


def test_a_bot_whose_staging_time_passed_is_no_longer_deletable(client, frozen_clock):
    bot_id = create(client, join_at="2026-11-30T12:10:00Z")
    frozen_clock.tick(300)
    assert delete(client, bot_id).json == {"error": "Bot is in state staged but can only be deleted when in scheduled state"}


def test_delete_of_an_unknown_or_foreign_bot_is_bot_not_found(client):
    assert delete(client, "bot_doesNotExist0000").status_code == 404
    response = delete(client, SCHEDULED_FIXTURE, headers=SECOND_AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}
    check_openapi(response, "DELETE")
    assert get(client, SCHEDULED_FIXTURE).status_code == 200


def test_a_deleted_bot_leaves_no_scripted_steps_behind(client, sandbox):
    bot_id = create(client, join_at="2026-11-30T12:10:00Z")
    delete(client, bot_id)
    assert bot_id not in sandbox._due
    sandbox.run_due_steps()
    assert [kind for _, _, kind in sandbox._due.values()] == ["calendar"]  # nothing but the bundled calendar's sync
