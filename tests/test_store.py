"""Storage: durable across restarts and kills, never half-written, safe under threads (MEASUREMENTS.md)."""

import json
import threading

import pytest
from tinydb import TinyDB

from sandbox.store import MemoryStore, StoreError, TinyDBStore


def bot(n, project="proj_a"):
    return {"id": f"bot_{n:016d}", "project_id": project, "n": n}


def test_what_was_written_survives_a_restart(tmp_path):
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.close()
    assert TinyDBStore(tmp_path / "data.json").get("bots", bot(1)["id"]) == bot(1)


def test_acknowledged_writes_survive_without_a_clean_close(tmp_path):
    """A killed process never closes its store: the journal alone brings every write back."""
    store = TinyDBStore(tmp_path / "data.json")
    for n in range(50):
        store.put("bots", bot(n))
    store.delete("bots", bot(7)["id"])
    reopened = TinyDBStore(tmp_path / "data.json")
    assert reopened.count("bots", "proj_a") == 49
    assert reopened.get("bots", bot(7)["id"]) is None


def test_a_torn_last_journal_line_is_ignored(tmp_path):
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(1))
    with open(tmp_path / "data.json.journal", "ab") as journal:
        journal.write(b'{"op":"put","table":"bots","doc":{"id":"bot_torn')
    reopened = TinyDBStore(tmp_path / "data.json")
    assert reopened.get("bots", bot(1)["id"]) == bot(1)
    assert reopened.count("bots", "proj_a") == 1


def test_a_corrupt_journal_line_in_the_middle_stops_with_its_line_number(tmp_path):
    (tmp_path / "data.json.journal").write_bytes(b"garbage\n" + json.dumps({"op": "put", "table": "t", "doc": {"id": "x"}}).encode() + b"\n")
    with pytest.raises(StoreError, match="line 1"):
        TinyDBStore(tmp_path / "data.json")


def test_the_data_file_is_a_tinydb_database_after_a_checkpoint(tmp_path):
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.put("projects", {"id": "proj_a", "name": "A"})
    store.checkpoint()
    db = TinyDB(tmp_path / "data.json", access_mode="r")
    assert db.table("bots").all() == [bot(1)]
    assert db.table("projects").all() == [{"id": "proj_a", "name": "A"}]
    db.close()
    assert (tmp_path / "data.json.journal").read_bytes() == b""


def test_a_checkpoint_never_leaves_a_half_written_data_file(tmp_path, monkeypatch):
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.checkpoint()
    before = (tmp_path / "data.json").read_bytes()
    store.put("bots", bot(2))

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("sandbox.store.os.replace", crash)
    with pytest.raises(OSError):
        store.checkpoint()
    monkeypatch.undo()
    assert (tmp_path / "data.json").read_bytes() == before
    reopened = TinyDBStore(tmp_path / "data.json")  # the rotated journal still holds bot 2
    assert reopened.get("bots", bot(2)["id"]) == bot(2)


def test_a_file_that_is_not_a_data_file_stops_with_its_name(tmp_path):
    (tmp_path / "data.json").write_text("not json")
    with pytest.raises(StoreError, match="data.json"):
        TinyDBStore(tmp_path / "data.json")


def test_get_returns_a_copy_the_caller_may_change(tmp_path):
    store = MemoryStore()
    store.put("bots", bot(1))
    copy = store.get("bots", bot(1)["id"])
    copy["n"] = 99
    assert store.get("bots", bot(1)["id"])["n"] == 1


def test_scan_lists_one_scope_in_insertion_order():
    store = MemoryStore()
    for n in (3, 1, 2):
        store.put("bots", bot(n))
    store.put("bots", bot(9, project="proj_b"))
    assert [b["n"] for b in store.scan("bots", "proj_a")] == [3, 1, 2]
    assert store.count("bots", "proj_b") == 1


def test_replace_all_swaps_everything_at_once(tmp_path):
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.replace_all({"bots": [bot(2)]})
    assert store.get("bots", bot(1)["id"]) is None
    assert TinyDBStore(tmp_path / "data.json").get("bots", bot(2)["id"]) == bot(2)


def test_eight_threads_under_the_lock_lose_no_write(tmp_path):
    store = TinyDBStore(tmp_path / "data.json", checkpoint_every=150)
    store.put("counters", {"id": "c", "project_id": "p", "value": 0})

    def work(thread):
        for n in range(100):
            store.put("bots", bot(thread * 1000 + n))
            with store.lock:
                counter = store.get("counters", "c")
                counter["value"] += 1
                store.put("counters", counter)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    reopened = TinyDBStore(tmp_path / "data.json")
    assert reopened.count("bots", "proj_a") == 800
    assert reopened.get("counters", "c")["value"] == 800
