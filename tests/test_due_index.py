"""The incremental structures of issue 14 answer exactly what the slow ways did:

* the due index's heap (`Sandbox._heap`, `run_due_steps`, `tracked_bots`): popped in due order, stale
  entries skipped, rebuilt from the store's facts, bounded;
* the lazily cut page of GET /api/v1/bots (`pagination.Rows`): the same bytes as a page cut from every bot;
* the cached dump of GET /api/v1/bots/{id} (`web.responses.DumpCache`): the same bytes as a fresh dump, and
  a changed bot is never answered from the cache;
* the document-at-a-time load of a data file: the same documents and facts as the whole-file load.
"""

import json
from datetime import timedelta

import pytest
from freezegun import freeze_time

from sandbox.contract import responses as shapes
from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.contract.pagination import paginate
from sandbox.infra.store import MemoryTables, TinyDBStore
from sandbox.usecases import bots as bot_cases
from sandbox.web.responses import encode_json
from tests.conftest import AUTH, SEED_BOT, abandon_store
from tests.control_helpers import create_bot

MEET = "https://meet.google.com/abc-defg-hij"
DEFAULT_PROJECT = "proj_sbx0Default00001"


@pytest.fixture(autouse=True)
def frozen_clock():
    with freeze_time("2026-11-30T12:00:00.500000Z") as frozen:
        yield frozen


def create(client, **fields):
    """POST /api/v1/bots answered 201: the new bot."""
    return create_bot(client, **{"bot_name": "Bot", **fields})


def fake_bot(number, due):
    return {"id": f"bot_fake{number:012d}", "pending_steps": [{"event": "joined_meeting", "due": to_stored(due)}]}


# -- the due index ------------------------------------------------------------------------------------


def test_the_heap_gives_the_earliest_due_first_and_skips_stale_entries(sandbox):
    project = sandbox.store.get("projects", DEFAULT_PROJECT)
    now = sandbox.now(project)
    dues = {3: 30, 1: 10, 4: 40, 2: 20}
    for number, seconds in dues.items():
        sandbox.track_due(project, fake_bot(number, now + timedelta(seconds=seconds)))
    sandbox.track_due(project, fake_bot(1, now + timedelta(seconds=50)))  # moved later: its old entry is stale
    live = []
    import heapq

    heap = list(sandbox._heap)
    while heap:
        wall_due, key = heapq.heappop(heap)
        entry = sandbox._due.get(key)
        if key.startswith("bot_fake") and entry is not None and entry[0] == wall_due:
            live.append(key)
    assert live == ["bot_fake000000000002", "bot_fake000000000003", "bot_fake000000000004", "bot_fake000000000001"]
    assert [key for key in sandbox.tracked_bots(DEFAULT_PROJECT) if key.startswith("bot_fake")] == [
        "bot_fake000000000003", "bot_fake000000000001", "bot_fake000000000004", "bot_fake000000000002"]
    wait = sandbox.run_due_steps()  # nothing due yet: the wait is until the earliest live entry
    assert wait == pytest.approx(20.0, abs=0.01)
    for number in dues:
        sandbox.untrack(f"bot_fake{number:012d}")
    assert not [key for key in sandbox.tracked_bots(DEFAULT_PROJECT) if key.startswith("bot_fake")]


def test_reading_a_bot_that_changed_nothing_adds_no_entry(client, sandbox):
    bot = create(client)
    size = len(sandbox._heap)
    for _ in range(50):
        assert client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH).status_code == 200
    assert len(sandbox._heap) == size


def test_the_heap_stays_bounded_by_the_live_entries(sandbox):
    project = sandbox.store.get("projects", DEFAULT_PROJECT)
    now = sandbox.now(project)
    for step in range(2000):  # one document re-indexed 2,000 times: 2,000 stale entries at most briefly
        sandbox.track_due(project, fake_bot(7, now + timedelta(seconds=100 + step)))
    assert len(sandbox._heap) <= 2 * len(sandbox._due) + 65
    sandbox.untrack("bot_fake000000000007")


def test_the_index_rebuilt_from_the_stores_facts_is_the_index_kept_by_writes(client, sandbox, frozen_clock):
    for number in range(12):
        create(client, bot_name=f"Bot {number}")
        frozen_clock.tick(0.3)
    kept = dict(sandbox._due)
    kept_bots = sandbox.tracked_bots(DEFAULT_PROJECT)
    sandbox.rebuild_due_index()
    assert sandbox._due == kept
    assert sorted(sandbox.tracked_bots(DEFAULT_PROJECT)) == sorted(kept_bots)
    for bot_id in kept_bots:  # every bot with steps pending, at its first step's time
        doc = sandbox.store.get("bots", bot_id)
        offset = timedelta(seconds=sandbox.store.get("projects", DEFAULT_PROJECT).get("clock_offset_seconds", 0.0))
        assert kept[bot_id][0] == parse_stored_datetime(doc["pending_steps"][0]["due"]) - offset


def test_a_clock_advance_re_indexes_the_pending_bots_at_their_new_wall_clock_times(client, sandbox):
    for number in range(5):
        create(client, bot_name=f"Bot {number}")
    response = client.post("/sandbox/clock/advance", headers=AUTH, json={"seconds": 1})
    assert response.status_code == 200
    project = sandbox.store.get("projects", DEFAULT_PROJECT)
    offset = timedelta(seconds=project["clock_offset_seconds"])
    for bot_id in sandbox.tracked_bots(DEFAULT_PROJECT):
        doc = sandbox.store.get("bots", bot_id)
        assert sandbox._due[bot_id][0] == parse_stored_datetime(doc["pending_steps"][0]["due"]) - offset
    every_pending = [doc["id"] for doc in sandbox.store.scan("bots", DEFAULT_PROJECT) if doc.get("pending_steps")]
    assert sorted(sandbox.tracked_bots(DEFAULT_PROJECT)) == sorted(every_pending)


# -- the lazily cut page --------------------------------------------------------------------------------


def test_every_page_of_the_lazy_list_is_byte_identical_to_a_page_cut_from_every_bot(client, sandbox, frozen_clock):
    for number in range(23):
        create(client, bot_name=f"Bot {number}")
        if number % 3 == 0:  # ties: bots created at one instant (offset cursors)
            frozen_clock.tick(1)
    project = sandbox.store.get("projects", DEFAULT_PROJECT)
    seen = 0
    for page_size in ("", "&page_size=10"):
        todo, visited = [f"http://localhost/api/v1/bots?x=1{page_size}"], set()
        while todo:
            url = todo.pop()
            if url in visited:
                continue
            visited.add(url)
            response = client.get(url, headers=AUTH)
            assert response.status_code == 200
            every = bot_cases.current_bots(sandbox, project)
            page, following, previous = paginate(every, lambda bot: bot["created_at"], url)
            expected = encode_json(shapes.BOT_PAGE.dump({"next": following, "previous": previous, "results": page}))
            assert response.get_data() == expected
            todo.extend(link for link in (following, previous) if link)
            seen += 1
    assert seen >= 4


# -- the cached dump ------------------------------------------------------------------------------------


def test_the_cached_answer_is_the_fresh_dump_and_follows_every_change(client, sandbox):
    bot = create(client)
    path = f"/api/v1/bots/{bot['id']}"

    def fresh():
        return encode_json(shapes.BOT.dump(sandbox.store.get("bots", bot["id"])))

    first = client.get(path, headers=AUTH).get_data()
    assert first == fresh() and client.get(path, headers=AUTH).get_data() == first  # the second from the cache
    assert client.patch(path, headers=AUTH, json={"metadata": {"b": "1", "a": "2"}}).status_code == 200
    changed = client.get(path, headers=AUTH).get_data()
    assert changed == fresh() and changed != first
    assert json.loads(changed)["metadata"] == {"a": "2", "b": "1"}
    client.post("/sandbox/clock/advance", headers=AUTH, json={"seconds": 60})  # the script moves the bot on
    assert client.get(path, headers=AUTH).get_data() == fresh()
    indented = client.get(path, headers={**AUTH, "Accept": "application/json; indent=2"}).get_data()
    assert indented == json.dumps(json.loads(fresh()), indent=2, ensure_ascii=False).encode()


def test_the_cache_holds_at_most_its_limit(make_app):
    app = make_app(dump_cache_bots=2)
    client = app.test_client()
    ids = [create(client, bot_name=f"Bot {n}")["id"] for n in range(4)] + [SEED_BOT]
    for bot_id in ids:
        assert client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).status_code == 200
    assert len(app.extensions["dump_cache"].entries) == 2


def test_the_cache_setting_comes_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_DUMP_CACHE_BOTS", "0")
    app = make_app()
    client = app.test_client()
    assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 200
    assert app.extensions["sandbox"].settings.dump_cache_bots == 0
    assert not app.extensions["dump_cache"].entries


# -- the document-at-a-time load ------------------------------------------------------------------------


def test_the_streamed_load_keeps_what_the_whole_file_load_keeps(tmp_path, make_app):
    app = make_app(data_path=str(tmp_path / "data.json"))
    client = app.test_client()
    for number in range(5):
        create(client, bot_name=f"Bot é {number}", metadata={"k": "ü\u2028"})
    sb = app.extensions["sandbox"]
    sb.shutdown()
    streamed = TinyDBStore(tmp_path / "data.json")
    assert streamed.tables.docs  # the store's own layout loads document by document
    whole = MemoryTables()
    for name, docs in json.loads((tmp_path / "data.json").read_text(encoding="utf-8")).items():
        for doc in docs.values():
            whole.put(name, doc, json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    for table, docs in whole.docs.items():
        assert {key: json.loads(raw) for key, raw in streamed.tables.docs[table].items()} == {
            key: json.loads(raw) for key, raw in docs.items()}
        assert list(streamed.tables.scopes[table]) == list(whole.scopes[table])
    assert streamed.tables.summary == whole.summary
    assert streamed.tables.order == whole.order
    abandon_store(streamed)


def test_a_data_file_in_another_layout_is_still_read_whole(tmp_path, make_app):
    app = make_app(data_path=str(tmp_path / "data.json"))
    app.extensions["sandbox"].shutdown()
    data = json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))
    (tmp_path / "data.json").write_text(json.dumps(data, indent=2), encoding="utf-8")  # TinyDB's own, indented
    store = TinyDBStore(tmp_path / "data.json")
    assert store.get("bots", SEED_BOT)["id"] == SEED_BOT
    abandon_store(store)
