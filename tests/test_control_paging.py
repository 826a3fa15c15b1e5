"""The sandbox's own lists page at any size: `GET /sandbox/requests` and `GET /sandbox/webhooks/deliveries`
answer newest first, `limit` items a page (100 by default, at most SANDBOX_PAGE_LIMIT), with the API's cursor
links (`next`, `previous`) and `count`, how many match in all."""

from urllib.parse import parse_qs, urlsplit

import pytest
from freezegun import freeze_time

from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.webhook_helpers import DEFAULT_PROJECT, subscribe_project

LOG = "/sandbox/webhooks/deliveries"
JOURNAL = "/sandbox/requests"


def get(client, url, headers=AUTH):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def walk(client, url, link="next"):
    """Every page from `url` on, following `link`."""
    pages = []
    while url:
        pages.append(get(client, url))
        url = pages[-1][link]
    return pages


def pending_deliveries(sb, count, bot_id=SEED_BOT, trigger="bot.state_change"):
    """`count` deliveries recorded while the workers are stopped: they stay pending, nothing is sent."""
    sb.outbox.close()
    subscribe_project(sb, "http://127.0.0.1:9/hook", triggers=("bot.state_change", "transcript.update"))
    ids = []
    for number in range(count):
        with sb.store.lock:
            [doc] = sb.outbox.emit(DEFAULT_PROJECT, bot_id, trigger, {"number": number})
        ids.append(doc["id"])
    return ids


# -- the request journal ----------------------------------------------------------------------------------------


def test_the_journal_pages_newest_first_with_cursor_links_and_a_count(client):
    for _ in range(250):
        client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    pages = walk(client, JOURNAL)
    assert [len(page["results"]) for page in pages] == [100, 100, 50]
    assert {page["count"] for page in pages} == {250}
    ids = [entry["id"] for page in pages for entry in page["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 250
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert pages[1]["next"].startswith("http://localhost/sandbox/requests?cursor=")

    back = get(client, pages[2]["previous"])  # previous of the last page is the middle one
    assert [e["id"] for e in back["results"]] == [e["id"] for e in pages[1]["results"]]


def test_the_journals_filters_and_limit_are_kept_in_its_links(client):
    for _ in range(7):
        client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
        client.get("/api/v1/bots/bot_nope", headers=AUTH)
    first = get(client, f"{JOURNAL}?status=404&limit=3")
    query = parse_qs(urlsplit(first["next"]).query)
    assert query["status"] == ["404"] and query["limit"] == ["3"]
    pages = walk(client, f"{JOURNAL}?status=404&limit=3")
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert {e["status"] for p in pages for e in p["results"]} == {404}


def test_a_journal_page_holds_at_most_the_page_limit(shared_app):
    client = shared_app(page_limit=5).test_client()
    for _ in range(12):
        client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    assert len(get(client, f"{JOURNAL}?limit=1000")["results"]) == 5
    assert len(get(client, JOURNAL)["results"]) == 5  # the default 100 is capped too


def test_a_bad_cursor_is_a_clear_400_on_both_lists(client):
    for url in (JOURNAL, LOG):
        for cursor in ("not-base64!", "cD14", "cD0tMQ=="):  # garbage, p=x, p=-1
            response = client.get(f"{url}?cursor={cursor}", headers=AUTH)
            assert (response.status_code, response.json) == (
                400,
                {"error": "Invalid cursor: follow the next or previous link of a page as it is"},
            ), (url, cursor)


# -- the delivery log ---------------------------------------------------------------------------------------


def test_the_delivery_log_pages_newest_first_with_cursor_links_and_a_count(sandbox, client):
    ids = pending_deliveries(sandbox, 230)
    pages = walk(client, LOG)
    assert [len(page["results"]) for page in pages] == [100, 100, 30]
    assert {page["count"] for page in pages} == {230}
    assert [d["id"] for page in pages for d in page["results"]] == ids[::-1]
    assert [d["payload"]["number"] for d in pages[0]["results"][:2]] == [229, 228]

    backwards = walk(client, pages[-1]["previous"], link="previous")  # the middle page, then the first
    assert [d["id"] for page in reversed(backwards) for d in page["results"]] == ids[::-1][:200]


def test_deliveries_made_at_one_instant_page_without_a_gap_or_a_repeat(sandbox, client):
    """Under a frozen clock every delivery has the same `created_at`: the cursors' offsets tell them apart,
    as the API's lists do."""
    with freeze_time("2026-11-30T12:00:00Z"):
        ids = pending_deliveries(sandbox, 75)
        pages = walk(client, f"{LOG}?limit=20")
    assert [d["id"] for page in pages for d in page["results"]] == ids[::-1]


def test_the_delivery_log_filters_before_it_pages(sandbox, client):
    ids = pending_deliveries(sandbox, 30)
    with sandbox.store.lock:
        [chat] = sandbox.outbox.emit(DEFAULT_PROJECT, SEED_BOT, "transcript.update", {"id": "utt_x"})
    page = get(client, f"{LOG}?trigger=transcript.update")
    assert (page["count"], [d["id"] for d in page["results"]]) == (1, [chat["id"]])
    pages = walk(client, f"{LOG}?trigger=bot.state_change&status=pending&limit=12")
    assert [d["id"] for p in pages for d in p["results"]] == ids[::-1]
    assert get(client, f"{LOG}?status=delivered") == {"count": 0, "next": None, "previous": None, "results": []}
    assert get(client, LOG, headers=SECOND_AUTH)["count"] == 0  # another project's log


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "9" * 5000])
def test_a_bad_limit_is_a_clear_400(client, limit):
    response = client.get(f"{LOG}?limit={limit}", headers=AUTH)
    assert (response.status_code, response.json) == (400, {"error": "limit must be a positive integer"})
