"""The store's incremental indexes (sandbox/infra/store.py: `count_by`, `find`, `ordered`, `summary`,
`sequence`): what they answer is always what a scan of the scope would say, after every kind of write
(put, a changed put, delete, replace_all), after a restart from the data file and from its journal, and
after a prune."""

import random
from datetime import datetime, timedelta, timezone

from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.infra.retention import prune
from sandbox.infra.store import MemoryStore, TinyDBStore
from tests.conftest import abandon_store

PROJECT = {"id": "proj_a", "name": "A"}
STATES = ("ready", "joining", "joined_recording", "leaving", "ended", "fatal_error", "scheduled")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def bot(n, project="proj_a", *, state="ready", key=None, event=None, created=0, due=None):
    return {
        "id": f"bot_{n:016d}",
        "project_id": project,
        "state": state,
        "deduplication_key": key,
        "calendar_event_id": event,
        "created_at": to_stored(START + timedelta(seconds=created)),
        "pending_steps": [] if due is None else [{"event": "joined_meeting", "due": to_stored(START + timedelta(seconds=due))}],
        "events": [],
    }


def expected(store, scope):
    """The indexes' answers, worked out from a scan (the slow way)."""
    bots = store.scan("bots", scope)
    counts = {}
    for doc in bots:
        counts[doc["state"]] = counts.get(doc["state"], 0) + 1
    keys = {}
    for doc in bots:
        if doc.get("deduplication_key") is not None:
            keys.setdefault(doc["deduplication_key"], []).append(doc["id"])
    events = {}
    for doc in bots:
        if doc.get("calendar_event_id") is not None:
            events.setdefault(doc["calendar_event_id"], []).append(doc["id"])
    order = [doc["id"] for doc in sorted(bots, key=lambda doc: parse_stored_datetime(doc["created_at"]))]
    dues = {doc["id"]: doc["pending_steps"][0]["due"] if doc["pending_steps"] else None for doc in bots}
    return counts, keys, events, order, dues


def assert_indexes_agree(store, scope="proj_a"):
    counts, keys, events, order, dues = expected(store, scope)
    assert store.count_by("bots", scope) == counts
    for key, holders in keys.items():
        assert store.find("bots", scope, "deduplication_key", key) == holders
    for event, holders in events.items():
        assert store.find("bots", scope, "calendar_event_id", event) == holders
    assert [key for _, _, key in store.ordered("bots", scope)] == order
    assert {key: facts.next_due for key, facts in store.summaries("bots", scope).items()} == dues
    sequences = [store.sequence("bots", doc["id"]) for doc in store.scan("bots", scope)]
    assert sequences == sorted(sequences)  # the insertion order, as a scan lists it


def test_counts_keys_and_order_follow_every_kind_of_write():
    store = MemoryStore()
    store.put("bots", bot(1, state="joining", key="k1", created=30))
    store.put("bots", bot(2, state="joining", key="k1", created=10))
    store.put("bots", bot(3, state="ended", event="evt_1", created=10))  # same time as bot 2: inserted after it
    assert store.count_by("bots", "proj_a") == {"joining": 2, "ended": 1}
    assert store.find("bots", "proj_a", "deduplication_key", "k1") == [bot(1)["id"], bot(2)["id"]]
    assert [key for _, _, key in store.ordered("bots", "proj_a")] == [bot(2)["id"], bot(3)["id"], bot(1)["id"]]
    store.put("bots", bot(1, state="ended", key="k2", created=30))  # a changed bot keeps its place
    assert store.count_by("bots", "proj_a") == {"joining": 1, "ended": 2}
    assert store.find("bots", "proj_a", "deduplication_key", "k1") == [bot(2)["id"]]
    assert store.find("bots", "proj_a", "deduplication_key", "k2") == [bot(1)["id"]]
    store.delete("bots", bot(2)["id"])
    assert store.count_by("bots", "proj_a") == {"ended": 2}
    assert store.find("bots", "proj_a", "deduplication_key", "k1") == []
    assert store.summary("bots", bot(2)["id"]) is None
    assert_indexes_agree(store)
    store.replace_all({"projects": [PROJECT], "bots": [bot(9, state="leaving", key="k9")]})
    assert store.count_by("bots", "proj_a") == {"leaving": 1}
    assert store.find("bots", "proj_a", "deduplication_key", "k2") == []
    assert_indexes_agree(store)


def test_each_project_is_indexed_on_its_own():
    store = MemoryStore()
    store.put("bots", bot(1, state="joining", key="k"))
    store.put("bots", bot(2, "proj_b", state="ended", key="k"))
    assert store.count_by("bots", "proj_a") == {"joining": 1}
    assert store.count_by("bots", "proj_b") == {"ended": 1}
    assert store.find("bots", "proj_b", "deduplication_key", "k") == [bot(2)["id"]]
    assert store.count_by("bots", "proj_none") == {}


def test_the_next_due_step_is_a_fact_of_the_bot():
    store = MemoryStore()
    store.put("bots", bot(1, due=5))
    assert store.summary("bots", bot(1)["id"]).next_due == to_stored(START + timedelta(seconds=5))
    store.put("bots", bot(1))
    assert store.summary("bots", bot(1)["id"]).next_due is None


def test_random_writes_keep_every_index_equal_to_a_scan():
    rng = random.Random(14)
    store = MemoryStore()
    for step in range(1500):
        n = rng.randrange(60)
        if rng.random() < 0.2:
            store.delete("bots", bot(n)["id"])
        else:
            store.put("bots", bot(
                n, rng.choice(("proj_a", "proj_a", "proj_b")), state=rng.choice(STATES),
                key=rng.choice((None, "k1", "k2", "k3")), event=rng.choice((None, "evt_1", "evt_2")),
                created=rng.randrange(40), due=rng.choice((None, rng.randrange(100))),
            ))
        if step % 100 == 0:
            assert_indexes_agree(store, "proj_a")
            assert_indexes_agree(store, "proj_b")
    assert_indexes_agree(store, "proj_a")
    assert_indexes_agree(store, "proj_b")


def test_a_restart_rebuilds_the_indexes_from_the_data_file_and_the_journal(tmp_path):
    path = tmp_path / "data.json"
    store = TinyDBStore(path)
    store.replace_all({"projects": [PROJECT], "bots": [bot(n, state=STATES[n % 7], key=f"k{n % 3}", created=n % 4)
                                                       for n in range(20)]})
    store.checkpoint()
    store.put("bots", bot(3, state="ended", key="k9", created=1))  # in the journal only
    store.delete("bots", bot(4)["id"])
    before = expected(store, "proj_a")
    abandon_store(store)  # as after a kill: the journal is replayed over the data file
    reopened = TinyDBStore(path)
    assert expected(reopened, "proj_a") == before
    assert_indexes_agree(reopened)
    reopened.close()  # the data file now holds everything
    again = TinyDBStore(path)
    assert expected(again, "proj_a") == before
    assert_indexes_agree(again)
    again.close()


def test_a_prune_leaves_the_indexes_equal_to_a_scan(tmp_path):
    from sandbox.domain.clock import Clock

    store = MemoryStore()
    store.replace_all({"projects": [{**PROJECT, "clock_offset_seconds": 0.0}]})
    for n in range(10):
        doc = bot(n, state="ended" if n % 2 else "joining", key="k", created=n)
        doc["created_at"] = to_stored(datetime(2020, 1, 1, tzinfo=timezone.utc))
        store.put("bots", doc)
        store.put("deliveries", {"id": f"whd_{n:016d}", "project_id": "proj_a", "bot_id": doc["id"],
                                 "trigger": "bot.state_change", "status": "delivered"})
    report = prune(store, Clock(), 30)
    assert len(report.bots) == 5
    assert report.documents["deliveries"] == 5
    assert store.count_by("bots", "proj_a") == {"joining": 5}
    assert len(store.find("bots", "proj_a", "deduplication_key", "k")) == 5
    for n in range(10):
        assert len(store.find("deliveries", "proj_a", "bot_id", bot(n)["id"])) == (0 if n % 2 else 1)
    assert_indexes_agree(store)
