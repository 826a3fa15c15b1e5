"""The facts index (`<data>.facts`, sandbox/infra/store.py): a checkpoint writes, beside the data file, each
document's place in it and its facts, so that a start-up cuts the documents out of the file instead of
decoding them. A load through it must equal a load that decodes everything; an index of another file (a kill
between the two writes, a file edited or replaced since, an older version's data file with no index at all)
is ignored and the file is decoded as before."""

import json
import os
import shutil
import zlib

import pytest

from sandbox.infra.store import BotFacts, TinyDBStore, _bot_facts
from tests.conftest import abandon_store

INDEXES = ("docs", "scope_of", "scopes", "summary", "sequence", "counts", "found", "order")


def bot(n, **extra):
    steps = [{"due": f"2026-01-01T00:00:{n % 60:02d}.000000Z", "event": "joined_meeting"}] if n % 3 == 0 else []
    return {"id": f"bot_{n:016d}", "project_id": "proj_a" if n % 4 else "proj_b", "state": ["ready", "ended"][n % 2],
            "deduplication_key": f"k{n}" if n % 5 == 0 else None, "created_at": f"2025-01-01T00:{n % 60:02d}:00Z",
            "pending_steps": steps, "name": "Bøt \u00e9 " * (n % 3), **extra}


def write_data_file(path, bots=40):
    store = TinyDBStore(path)
    store.replace_all({
        "projects": [{"id": "proj_a", "api_key": "a"}, {"id": "proj_b", "api_key": "b"}],
        "bots": [bot(n) for n in range(bots)],
        "deliveries": [{"id": f"del_{n}", "project_id": "proj_a", "bot_id": bot(n)["id"], "trigger": "t",
                        "status": "delivered", "created_at": "2025-01-01T00:00:00Z"} for n in range(5)],
        "utterances": [{"id": f"utt_{n}", "bot_id": bot(n)["id"], "text": "hello"} for n in range(5)],
    })
    return store


def state(store):
    return {name: getattr(store.tables, name) for name in INDEXES}


def loaded_state(path, monkeypatch=None, indexed=True):
    """The in-memory state a fresh load of `path` builds (the store then let go of without a checkpoint)."""
    store = load(path, monkeypatch, indexed)
    try:
        return state(store)
    finally:
        abandon_store(store)


def load(path, monkeypatch=None, indexed=True):
    """A fresh store on `path`, through the index or (indexed=False) decoding every document."""
    if not indexed:
        monkeypatch.setattr(TinyDBStore, "_load_indexed", lambda self: False)
    store = TinyDBStore(path)
    if not indexed:
        monkeypatch.undo()
    return store


def test_a_checkpoint_writes_the_index_and_a_load_through_it_equals_decoding_every_document(tmp_path, monkeypatch):
    path = tmp_path / "data.json"
    store = write_data_file(path)
    store.put("bots", bot(99, state="joined_recording"))
    store.delete("bots", bot(4)["id"])
    store.close()  # a checkpoint: the index now describes the data file
    assert (tmp_path / "data.json.facts").exists()
    indexed = load(path)
    assert indexed._load_indexed()
    abandon_store(indexed)
    assert loaded_state(path) == loaded_state(path, monkeypatch, indexed=False)


def test_the_facts_kept_in_the_index_are_the_facts_of_the_documents(tmp_path):
    path = tmp_path / "data.json"
    write_data_file(path).close()
    store = load(path)
    for key, raw in store.tables.docs["bots"].items():
        assert store.tables.summary["bots"][key] == _bot_facts(json.loads(raw))
        assert isinstance(store.tables.summary["bots"][key], BotFacts)
    store.close()


def test_the_data_file_is_byte_for_byte_what_it_was_without_an_index(tmp_path):
    """The index is a file of its own: the data file stays TinyDB's JSON, readable by TinyDB."""
    path = tmp_path / "data.json"
    write_data_file(path).close()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"projects", "bots", "deliveries", "utterances"}
    assert data["bots"]["1"] == bot(0)
    index = json.loads((tmp_path / "data.json.facts").read_text())
    assert index["size"] == path.stat().st_size and index["crc32"] == zlib.crc32(path.read_bytes())


def test_an_older_data_file_with_no_index_loads_and_gets_one_at_its_next_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "data.json"
    write_data_file(path).close()
    expected = loaded_state(path, monkeypatch, indexed=False)
    os.remove(tmp_path / "data.json.facts")
    store = load(path)
    assert state(store) == expected
    store.close()
    assert (tmp_path / "data.json.facts").exists()


@pytest.mark.parametrize("change", ["edited", "replaced", "truncated index", "not json", "other version"])
def test_an_index_of_another_file_is_ignored(tmp_path, monkeypatch, change):
    path = tmp_path / "data.json"
    write_data_file(path).close()
    facts = tmp_path / "data.json.facts"
    if change == "edited":  # the same size, another content: the CRC tells
        path.write_bytes(path.read_bytes().replace(b'"hello"', b'"HELLO"'))
    elif change == "replaced":  # another data file (a copy of an earlier one) under the same name
        other = tmp_path / "other" / "data.json"
        write_data_file(other, bots=39).close()
        shutil.copy(other, path)
    elif change == "truncated index":
        facts.write_bytes(facts.read_bytes()[:100])
    elif change == "not json":
        facts.write_text("null")
    else:
        index = json.loads(facts.read_text())
        index["version"] += 1
        facts.write_text(json.dumps(index))
    store = load(path)
    assert not store._load_indexed()
    assert store.get("utterances", "utt_0")["text"] == ("HELLO" if change == "edited" else "hello")
    got = state(store)
    abandon_store(store)
    assert got == loaded_state(path, monkeypatch, indexed=False)


def test_a_kill_between_the_data_file_and_its_index_loads_the_new_data_file(tmp_path, monkeypatch):
    """The checkpoint replaces the data file, then writes the index: a kill in between leaves the old index,
    which no longer matches, so the new data file is decoded, and nothing acknowledged is lost."""
    path = tmp_path / "data.json"
    store = write_data_file(path)
    store.put("bots", bot(77))
    monkeypatch.setattr(TinyDBStore, "_write_facts_index", lambda self, *args: None)
    store.checkpoint()
    store.put("bots", bot(78))
    monkeypatch.undo()
    abandon_store(store)
    reopened = load(path)
    assert not reopened._load_indexed()
    assert reopened.get("bots", bot(77)["id"]) == bot(77) and reopened.get("bots", bot(78)["id"]) == bot(78)
    reopened.close()
    again = load(path)
    assert again._load_indexed()
    again.close()


def test_a_torn_journal_after_an_indexed_checkpoint_still_recovers(tmp_path, capsys):
    path = tmp_path / "data.json"
    store = write_data_file(path)
    store.checkpoint()
    store.put("bots", bot(50))
    abandon_store(store)
    with open(tmp_path / "data.json.journal", "ab") as out:
        out.write(b'{"op":"put","table":"bots","doc":{"id":"bot_torn')
    reopened = load(path)
    assert reopened.get("bots", bot(50)["id"]) == bot(50)
    assert reopened.summary("bots", bot(50)["id"]) == _bot_facts(bot(50))
    assert "cut off its torn last line" in capsys.readouterr().err
    assert reopened._load_indexed()  # the data file was loaded through its index (this reloads it alone)
    reopened.close()


def test_a_lone_surrogate_is_cut_out_as_its_escape(tmp_path):
    """A document holding a lone surrogate is written with its `\\udXXX` escape; the index's places count
    the bytes written, so the next document is still cut out whole."""
    path = tmp_path / "data.json"
    store = write_data_file(path)
    store.put("bots", bot(60, name="\ud800"))
    store.put("bots", bot(61))
    store.close()
    reopened = load(path)
    assert reopened._load_indexed()
    assert reopened.get("bots", bot(60)["id"])["name"] == "\ud800"
    assert reopened.get("bots", bot(61)["id"]) == bot(61)
    reopened.close()
