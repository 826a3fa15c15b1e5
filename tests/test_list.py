"""GET /api/v1/bots (docs/contract/bots-endpoints.md#list-bots, docs/contract/pagination.md#pagination,
docs/contract/pagination.md#list-query-parameters): cursor pagination and the filters."""

import base64
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.control_helpers import create_bot
from tests.openapi_check import assert_valid_response

MEET = "https://meet.google.com/abc-defg-hij"
VALID_STATES = (
    "ready, joining, joined_not_recording, joined_recording, leaving, post_processing, fatal_error, waiting_room, "
    "ended, data_deleted, scheduled, staged, joined_recording_paused, joining_breakout_room, leaving_breakout_room, "
    "joined_recording_permission_denied, connecting, connected, disconnecting"
)
DEFAULT_PROJECT = "proj_sbx0Default00001"


@pytest.fixture(autouse=True)
def frozen_clock():
    with freeze_time("2026-11-30T12:00:00.500000Z") as frozen:
        yield frozen


def create(client, **fields):
    """POST /api/v1/bots answered 201: the new bot."""
    return create_bot(client, **{"bot_name": "Bot", **fields})


def listing(client, query="", headers=AUTH):
    return client.get("/api/v1/bots" + query, headers=headers)


def check_openapi(response, query=""):
    assert_valid_response("GET", "/api/v1/bots" + query, response.status_code, response.get_data(), response.headers.get("Content-Type"))


def cursor_of(url):
    return base64.b64decode(parse_qs(urlsplit(url).query)["cursor"][0]).decode()


def project_bot_ids(sandbox, project=DEFAULT_PROJECT):
    bots = sandbox.store.scan("bots", project)
    return [b["id"] for b in sorted(bots, key=lambda b: b["created_at"])]


def walk(client, url, key="next"):
    pages = []
    while url:
        response = client.get(url, headers=AUTH)
        assert response.status_code == 200
        pages.append(response.json)
        url = response.json[key]
    return pages


# -- envelope and pages ------------------------------------------------------------------------------------


def test_a_short_list_is_one_page_without_count(client, sandbox):
    response = listing(client)
    assert response.status_code == 200
    assert list(response.json) == ["next", "previous", "results"]
    assert response.json["next"] is None and response.json["previous"] is None
    assert [b["id"] for b in response.json["results"]] == project_bot_ids(sandbox)
    check_openapi(response)


def test_items_are_full_bot_objects(client):
    seed = next(b for b in listing(client).json["results"] if b["id"] == SEED_BOT)
    assert seed == client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).json


def test_pages_hold_25_bots_oldest_first_with_absolute_links(client, sandbox, frozen_clock):
    created = []
    for _ in range(30):
        frozen_clock.tick(1)
        created.append(create(client)["id"])
    everything = project_bot_ids(sandbox)
    first = listing(client)
    assert [b["id"] for b in first.json["results"]] == everything[:25]
    assert first.json["previous"] is None
    assert sandbox.store.get("bots", everything[24])["created_at"] == "2026-11-30T12:00:08.500000+00:00"
    expected_cursor = base64.b64encode(b"p=2026-11-30+12%3A00%3A08.500000%2B00%3A00").decode()
    assert first.json["next"] == f"http://localhost/api/v1/bots?cursor={expected_cursor}"
    assert cursor_of(first.json["next"]) == "p=2026-11-30+12%3A00%3A08.500000%2B00%3A00"

    second = client.get(first.json["next"], headers=AUTH)
    assert [b["id"] for b in second.json["results"]] == everything[25:]
    assert second.json["next"] is None
    assert cursor_of(second.json["previous"]) == "r=1&p=2026-11-30+12%3A00%3A09.500000%2B00%3A00"
    back = client.get(second.json["previous"], headers=AUTH)
    assert back.json["results"] == first.json["results"]
    assert back.json["previous"] is None
    assert back.json["next"] == first.json["next"]
    check_openapi(second, "?cursor=" + expected_cursor)


def test_bots_sharing_a_timestamp_are_paged_with_offsets(client, sandbox):
    for _ in range(30):
        create(client)  # all at the same frozen instant
    everything = project_bot_ids(sandbox)
    pages = walk(client, "/api/v1/bots")
    assert [b["id"] for page in pages for b in page["results"]] == everything
    fixtures_last = sandbox.store.get("bots", everything[-31])["created_at"].replace("T", " ")
    assert cursor_of(pages[0]["next"]) == "o=8&p=" + quote_plus(fixtures_last)
    assert cursor_of(pages[1]["previous"]) == "o=25&r=1"


def test_page_size_is_ignored_but_carried_into_the_next_link(client, frozen_clock):
    for _ in range(10):
        frozen_clock.tick(1)
        create(client)
    response = listing(client, "?page_size=5")
    assert len(response.json["results"]) == 25
    assert response.json["next"].startswith("http://localhost/api/v1/bots?cursor=")
    assert response.json["next"].endswith("&page_size=5")
    assert len(client.get(response.json["next"], headers=AUTH).json["results"]) == 2


def test_other_query_parameters_are_kept_sorted_by_name(client, frozen_clock):
    for _ in range(30):
        frozen_clock.tick(0.001)  # nobody joins meanwhile (joined_meeting comes 2 s after create)
        create(client)
    response = listing(client, "?zeta=1&states=joining&states=scheduled&alpha=2")
    assert len(response.json["results"]) == 25
    query = urlsplit(response.json["next"]).query
    assert [part.split("=")[0] for part in query.split("&")] == ["alpha", "cursor", "states", "states", "zeta"]
    assert query.endswith("&states=joining&states=scheduled&zeta=1")


def test_an_empty_cursor_is_the_first_page(client):
    assert listing(client, "?cursor=").json == listing(client).json


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        "abc",  # bad padding
        base64.b64encode(b"o=-1").decode(),
        base64.b64encode(b"o=x").decode(),
        base64.b64encode(b"r=yes").decode(),
        base64.b64encode(b"p=not-a-datetime").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        "%C3%A9",
    ],
)
def test_an_unreadable_cursor_is_invalid_cursor_404(client, cursor):
    response = listing(client, "?cursor=" + cursor)
    assert response.status_code == 404
    assert response.data == b'{"detail":"Invalid cursor"}'
    check_openapi(response, "?cursor=x")


def test_a_cursor_past_the_end_is_an_empty_page_that_links_back(client):
    past = base64.b64encode(b"p=2099-01-01+00%3A00%3A00%2B00%3A00").decode()
    response = listing(client, "?cursor=" + past)
    assert response.status_code == 200
    assert response.json["results"] == [] and response.json["next"] is None
    assert cursor_of(response.json["previous"]) == "r=1&p=2099-01-01+00%3A00%3A00%2B00%3A00"


def test_the_list_only_shows_the_keys_project(client):
    other = [b["id"] for b in listing(client, headers=SECOND_AUTH).json["results"]]
    assert other == ["bot_sbxOtherProject0"]
    assert "bot_sbxOtherProject0" not in [b["id"] for b in listing(client).json["results"]]


def test_every_listed_bot_is_brought_up_to_date(client, frozen_clock):
    bot_id = create(client)["id"]
    frozen_clock.tick(3)
    listed = next(b for b in listing(client).json["results"] if b["id"] == bot_id)
    assert listed["state"] == "joined_recording"
    assert [e["type"] for e in listed["events"]] == ["join_requested", "joined_meeting", "recording_permission_granted"]


# -- filters -----------------------------------------------------------------------------------------------


def ids(response):
    assert response.status_code == 200, response.json
    return [b["id"] for b in response.json["results"]]


def test_meeting_url_filter_matches_the_normalized_url_exactly(client):
    zoom = create(client, meeting_url="https://zoom.com/j/81234567890?pwd=abc")["id"]
    assert ids(listing(client, "?meeting_url=" + quote_plus("https://zoom.us/j/81234567890?pwd=abc"))) == [zoom]
    assert ids(listing(client, "?meeting_url=" + quote_plus("https://zoom.com/j/81234567890?pwd=abc"))) == []
    assert ids(listing(client, "?meeting_url=meet.google.com%2Fabc-defg-hij")) == []


def test_deduplication_key_filter(client):
    bot_id = create(client, deduplication_key="abc")["id"]
    assert ids(listing(client, "?deduplication_key=abc")) == [bot_id]
    assert ids(listing(client, "?deduplication_key=ab")) == []


def test_empty_filter_values_are_ignored(client):
    assert listing(client, "?meeting_url=&deduplication_key=&join_at_after=&join_at_before=").json == listing(client).json


def test_states_can_be_repeated(client):
    found = ids(listing(client, "?states=ended&states=scheduled"))
    assert found == ["bot_sbxScheduled0000", "bot_sbxEnded00000000"]


def test_a_comma_separated_states_value_is_not_split(client):
    response = listing(client, "?states=ended,scheduled")
    assert response.status_code == 400
    assert response.json == {"error": f"Invalid state: ended,scheduled. Valid states are: {VALID_STATES}"}
    check_openapi(response, "?states=ended")


def test_states_are_case_sensitive(client):
    assert listing(client, "?states=JOINING").json == {"error": f"Invalid state: JOINING. Valid states are: {VALID_STATES}"}


def test_an_empty_states_value_is_invalid(client):
    response = listing(client, "?states=")
    assert response.status_code == 400
    assert response.data == f'{{"error":"Invalid state: . Valid states are: {VALID_STATES}"}}'.encode()


def test_a_states_filter_sees_the_current_state(client, frozen_clock):
    bot_id = create(client)["id"]
    assert bot_id in ids(listing(client, "?states=joining"))
    frozen_clock.tick(2)
    assert bot_id not in ids(listing(client, "?states=joining"))
    assert bot_id in ids(listing(client, "?states=joined_not_recording"))


def test_join_at_filters_are_strict(client):
    early = create(client, join_at="2027-01-01T08:00:00Z")["id"]
    late = create(client, join_at="2027-01-02T08:00:00Z")["id"]
    found = ids(listing(client, "?join_at_after=2027-01-01T08:00:00Z"))
    assert late in found and early not in found
    found = ids(listing(client, "?join_at_before=2027-01-02T08:00:00Z"))
    assert early in found and late not in found
    assert ids(listing(client, "?join_at_after=2026-12-31T00:00:00Z&join_at_before=2027-01-01T08:00:00.000001Z")) == [early]


def test_join_at_filters_accept_a_bare_date_and_offsets(client):
    early = create(client, join_at="2027-01-01T08:00:00Z")["id"]
    assert early in ids(listing(client, "?join_at_after=2027-01-01"))
    assert early not in ids(listing(client, "?join_at_after=2027-01-01T09:00:00%2B01:00"))
    assert early in ids(listing(client, "?join_at_after=2027-01-01T09:00:00%2B02:00"))


def test_join_at_filters_read_the_forms_join_at_accepts(client):
    """One parser (Django's parse_datetime on Python 3.10) for join_at and the filters: an hour alone is a datetime."""
    early = create(client, join_at="2027-01-01T08")["id"]
    assert early in ids(listing(client, "?join_at_after=2027-01-01T07"))
    assert early not in ids(listing(client, "?join_at_after=2027-01-01T08"))
    assert early in ids(listing(client, "?join_at_before=2027-01-01X09:00"))


def test_bots_without_join_at_never_match_a_join_at_filter(client):
    immediate = create(client)["id"]
    assert immediate not in ids(listing(client, "?join_at_before=2099-01-01T00:00:00Z"))


@pytest.mark.parametrize("name", ["join_at_after", "join_at_before"])
@pytest.mark.parametrize("value", ["yesterday", "2027-01-01T08:00:00+01:00", "2027-13-01T08:00:00Z", "2027-01-01T25:00"])
def test_an_invalid_join_at_filter_gives_its_message(client, name, value):
    response = listing(client, f"?{name}={value}")  # an unescaped + becomes a space: invalid
    assert response.status_code == 400
    assert response.json == {"error": f"Invalid {name} format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"}
    check_openapi(response, f"?{name}=x")


def test_filters_are_checked_before_the_cursor(client):
    response = listing(client, "?cursor=bad!&states=nope")
    assert response.status_code == 400
    assert response.json["error"].startswith("Invalid state: nope.")


def test_unknown_query_parameters_are_ignored(client):
    assert listing(client, "?foo=bar&metadata=x").json["results"] == listing(client).json["results"]


def test_filters_apply_before_paging(client, frozen_clock):
    for i in range(30):
        frozen_clock.tick(0.001)
        create(client, deduplication_key=f"k{i}")
    response = listing(client, "?states=joining")
    assert len(response.json["results"]) == 25
    rest = client.get(response.json["next"], headers=AUTH).json
    assert len(rest["results"]) == 6  # 30 new + the fixture `joining` bot
    assert {b["state"] for b in rest["results"]} == {"joining"}
