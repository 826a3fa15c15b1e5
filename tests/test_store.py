"""Storage: durable across restarts and kills, never half-written, safe under threads (docs/design/storage.md#store-shape);
a data file that is not the sandbox's is refused untouched; every file it writes is its owner's only."""

import json
import os
import stat
import sys
import threading

import pytest
from tinydb import TinyDB

from sandbox import create_app
from sandbox.cli import main
from sandbox.infra.store import MemoryStore, StoreError, TinyDBStore
from tests.conftest import abandon_store

PROJECT = {"id": "proj_a", "name": "A"}
NOT_A_DATA_FILE = (
    "not a sandbox data file ({reason}); it was left untouched: "
    "give another --data file, or replace it with the fixtures (attendee-sandbox reset)"
)


def bot(n, project="proj_a"):
    return {"id": f"bot_{n:016d}", "project_id": project, "n": n}


def new_store(path, **options):
    """A store on a new data file that holds one project (what makes it a sandbox data file)."""
    store = TinyDBStore(path, **options)
    assert store.is_new
    store.replace_all({"projects": [PROJECT]})
    return store


def test_what_was_written_survives_a_restart(tmp_path):
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.close()
    assert TinyDBStore(tmp_path / "data.json").get("bots", bot(1)["id"]) == bot(1)


def test_acknowledged_writes_survive_without_a_clean_close(tmp_path):
    """A killed process never closes its store: the journal alone brings every write back."""
    store = new_store(tmp_path / "data.json")
    for n in range(50):
        store.put("bots", bot(n))
    store.delete("bots", bot(7)["id"])
    abandon_store(store)
    reopened = TinyDBStore(tmp_path / "data.json")
    assert reopened.count("bots", "proj_a") == 49
    assert reopened.get("bots", bot(7)["id"]) is None


TORN = b'{"op":"put","table":"bots","doc":{"id":"bot_torn'


def test_a_torn_last_journal_line_is_cut_off_and_kept_aside_with_a_warning(tmp_path, capsys):
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    abandon_store(store)
    journal = tmp_path / "data.json.journal"
    complete = journal.read_bytes()
    with open(journal, "ab") as out:
        out.write(TORN)
    reopened = TinyDBStore(tmp_path / "data.json")
    assert reopened.get("bots", bot(1)["id"]) == bot(1)
    assert reopened.count("bots", "proj_a") == 1
    assert journal.read_bytes() == complete  # only the torn tail went
    assert (tmp_path / "data.json.journal.torn").read_bytes() == TORN + b"\n"
    assert capsys.readouterr().err == (
        f"attendee-sandbox: warning: {journal}: cut off its torn last line ({len(TORN)} bytes of a write a kill "
        f"interrupted, never acknowledged); kept in {journal}.torn\n"
    )


def test_the_write_after_a_torn_line_survives_the_next_restart(tmp_path, capsys):
    """The finding: the next acknowledged write was glued onto the torn line, and the start after that failed
    with the write stuck inside an unreadable line."""
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    abandon_store(store)
    with open(tmp_path / "data.json.journal", "ab") as out:
        out.write(TORN)
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(2))  # acknowledged
    abandon_store(store)
    again = TinyDBStore(tmp_path / "data.json")
    assert again.get("bots", bot(1)["id"]) == bot(1) and again.get("bots", bot(2)["id"]) == bot(2)
    capsys.readouterr()


def test_a_torn_line_of_an_unfinished_checkpoint_journal_is_cut_off_too(tmp_path, capsys):
    """The rotated journal (`.journal.1`) is appended to when a checkpoint did not finish: same rule."""
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    abandon_store(store)
    os.replace(tmp_path / "data.json.journal", tmp_path / "data.json.journal.1")
    with open(tmp_path / "data.json.journal.1", "ab") as out:
        out.write(TORN)
    store = TinyDBStore(tmp_path / "data.json")
    store.put("bots", bot(2))
    store.close()
    assert (tmp_path / "data.json.journal.1.torn").read_bytes() == TORN + b"\n"
    again = TinyDBStore(tmp_path / "data.json")
    assert again.count("bots", "proj_a") == 2
    assert "cut off its torn last line" in capsys.readouterr().err


def test_a_complete_last_line_is_never_cut(tmp_path, capsys):
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    abandon_store(store)
    journal = tmp_path / "data.json.journal"
    before = journal.read_bytes()
    TinyDBStore(tmp_path / "data.json").close()
    assert not (tmp_path / "data.json.journal.torn").exists()
    assert before.endswith(b"\n") and capsys.readouterr().err == ""


def test_a_corrupt_journal_line_in_the_middle_stops_with_its_line_number(tmp_path):
    new_store(tmp_path / "data.json").close()
    (tmp_path / "data.json.journal").write_bytes(b"garbage\n" + json.dumps({"op": "put", "table": "t", "doc": {"id": "x"}}).encode() + b"\n")
    with pytest.raises(StoreError, match="line 1"):
        TinyDBStore(tmp_path / "data.json")


def test_the_data_file_is_a_tinydb_database_after_a_checkpoint(tmp_path):
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.checkpoint()
    db = TinyDB(tmp_path / "data.json", access_mode="r")
    assert db.table("bots").all() == [bot(1)]
    assert db.table("projects").all() == [PROJECT]
    db.close()
    assert (tmp_path / "data.json.journal").read_bytes() == b""


REAL_REPLACE = os.replace


def crash(source, target):
    """os.replace that fails (disk full) when it would put a new data file in place."""
    if os.path.basename(target) == "data.json":
        raise OSError("disk full")
    return REAL_REPLACE(source, target)


def test_a_checkpoint_never_leaves_a_half_written_data_file(tmp_path, monkeypatch):
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.checkpoint()
    before = (tmp_path / "data.json").read_bytes()
    store.put("bots", bot(2))
    monkeypatch.setattr("sandbox.infra.store.os.replace", crash)
    with pytest.raises(OSError):
        store.checkpoint()
    monkeypatch.undo()
    assert (tmp_path / "data.json").read_bytes() == before
    abandon_store(store)
    reopened = TinyDBStore(tmp_path / "data.json")  # the rotated journal still holds bot 2
    assert reopened.get("bots", bot(2)["id"]) == bot(2)


# -- only a sandbox data file is loaded; only a path that does not exist is new --------------------------------


def test_a_file_that_is_not_json_stops_with_its_name(tmp_path):
    (tmp_path / "data.json").write_text("not json")
    with pytest.raises(StoreError, match="data.json: not a sandbox data file \\(not JSON"):
        TinyDBStore(tmp_path / "data.json")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "it is empty"),
        (b"{}", "it has no projects"),
        (b"null", "it holds null"),
        (b"[]", "it holds an array, not TinyDB's object of tables"),
        (b'{"projects": {}}', "it has no projects"),
        (b'{"bots": {"1": {"id": "bot_x", "project_id": "p"}}}', "it has no projects"),
        (b'{"projects": []}', "a table is not an object of documents"),
    ],
)
def test_a_data_file_that_is_not_the_sandboxs_stops_the_store_and_is_left_untouched(tmp_path, content, reason):
    """The finding: 0 bytes, {}, null or [] (with an empty journal) was taken for a new file and filled with
    the fixtures, silently replacing what was there."""
    path = tmp_path / "data.json"
    path.write_bytes(content)
    (tmp_path / "data.json.journal").write_bytes(b"")
    with pytest.raises(StoreError) as error:
        TinyDBStore(path)
    assert str(error.value) == f"{path}: " + NOT_A_DATA_FILE.format(reason=reason)
    assert path.read_bytes() == content
    assert (tmp_path / "data.json.journal").read_bytes() == b""
    assert not (tmp_path / "data.json.holder").exists()
    TinyDBStore(path, load=False).close()  # the lock was let go: an explicit reset may replace it


def test_serving_an_empty_data_file_stops_start_up_with_one_line_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "data.json"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="it is empty"):
        create_app({"data_path": path, "testing": True})
    assert main(["serve", "--port", "0", "--data", str(path)]) == 2
    assert capsys.readouterr().err == f"attendee-sandbox: {path}: " + NOT_A_DATA_FILE.format(reason="it is empty") + "\n"
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json", "data.json.lock"]


def test_reset_replaces_a_file_that_is_not_a_data_file_on_request(tmp_path, capsys):
    path = tmp_path / "data.json"
    path.write_bytes(b"{}")
    assert main(["reset", "--data", str(path)]) == 0
    assert TinyDBStore(path).count("projects", "") >= 1


def test_a_journal_without_its_data_file_stops_the_store(tmp_path):
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    abandon_store(store)
    (tmp_path / "data.json").unlink()
    with pytest.raises(StoreError) as error:
        TinyDBStore(tmp_path / "data.json")
    assert str(error.value) == (
        f"{tmp_path / 'data.json.journal'}: holds writes, but its data file {tmp_path / 'data.json'} does not exist; "
        "it was left untouched: restore the data file, or move the journal away to start afresh"
    )


def test_a_crash_during_the_very_first_write_leaves_no_data_file(tmp_path, monkeypatch):
    """The fixtures go in through a temporary file that replaces the data file: a new path never holds a
    partial one, so the next start finds it new again (and not a file it must refuse)."""
    monkeypatch.setattr("sandbox.infra.store.os.replace", crash)
    with pytest.raises(OSError):
        create_app({"data_path": tmp_path / "data.json", "testing": True})
    monkeypatch.undo()
    assert not (tmp_path / "data.json").exists()
    app = create_app({"data_path": tmp_path / "data.json", "testing": True})
    try:
        assert app.extensions["sandbox"].store.count("projects", "") >= 1
    finally:
        app.extensions["sandbox"].shutdown()


# -- files are their owner's only -----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_every_file_the_store_writes_is_created_0600(tmp_path, monkeypatch, capsys):
    """The finding: data file and journal were 0644, readable by anyone on the machine, and they hold every
    API key, webhook secret and the media signing key. Created with umask 0 so that only the store's own
    mode counts."""
    old_umask = os.umask(0)
    try:
        store = new_store(tmp_path / "data" / "data.json")
        store.put("bots", bot(1))
        store.set_holder_url("http://127.0.0.1:8000")
        monkeypatch.setattr("sandbox.infra.store.os.replace", crash)
        with pytest.raises(OSError):
            store.checkpoint()  # leaves the temporary file and the rotated journal behind
        monkeypatch.undo()
        abandon_store(store)
        with open(tmp_path / "data" / "data.json.journal", "ab") as out:
            out.write(TORN)
        store = TinyDBStore(tmp_path / "data" / "data.json")  # the .torn file
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "data").iterdir()}
        store.close()
    finally:
        os.umask(old_umask)
    assert set(modes) == {
        "data.json", "data.json.tmp", "data.json.journal", "data.json.journal.1", "data.json.journal.torn",
        "data.json.lock", "data.json.holder", "data.json.facts",
    }
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    capsys.readouterr()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_data_file_written_by_an_older_version_is_made_0600_at_open(tmp_path):
    store = new_store(tmp_path / "data.json")
    store.close()
    os.chmod(tmp_path / "data.json", 0o644)
    TinyDBStore(tmp_path / "data.json").close()
    assert stat.S_IMODE((tmp_path / "data.json").stat().st_mode) == 0o600


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
    store = new_store(tmp_path / "data.json")
    store.put("bots", bot(1))
    store.replace_all({"projects": [PROJECT], "bots": [bot(2)]})
    assert store.get("bots", bot(1)["id"]) is None
    abandon_store(store)
    assert TinyDBStore(tmp_path / "data.json").get("bots", bot(2)["id"]) == bot(2)


def test_eight_threads_under_the_lock_lose_no_write(tmp_path):
    store = new_store(tmp_path / "data.json", checkpoint_every=150)
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
