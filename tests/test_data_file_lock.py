"""One process per data file: `serve` holds an exclusive lock on its data file for its whole life.

The finding: nothing locked the data file, so a second `serve` on it, or `attendee-sandbox reset` against a
running server, silently lost acknowledged writes. Each test runs real `python -m sandbox serve` processes
on 127.0.0.1 (ended by their PID) and checks that every write the first server acknowledged is still there.
"""

import json
import os
import subprocess
import sys

import pytest

from sandbox import create_app
from sandbox.cli import main
from sandbox.infra.store import DataFileInUse, TinyDBStore
from tests.conftest import AUTH, SEED_BOT, abandon_store
from tests.test_cli import call, start_server, stop_server

CREATE = {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Lock Bot"}


def create_bot(base_url):
    import requests

    response = requests.post(f"{base_url}/api/v1/bots", json=CREATE, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def running(tmp_path):
    """A served sandbox on tmp_path/data.json with one acknowledged bot: (data path, base URL, process, bot id)."""
    data = tmp_path / "data.json"
    process, base_url, _ = start_server(data, env={"SANDBOX_BACKGROUND_STEPS": "false"})  # idle between requests
    try:
        yield data, base_url, process, create_bot(base_url)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def in_use(data, process, base_url):
    return f"attendee-sandbox: {data} is in use by a running sandbox (pid {process.pid}, serving {base_url})"


def test_a_second_serve_on_the_same_data_file_exits_naming_the_file_and_its_holder(running):
    data, base_url, process, bot_id = running
    second = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert second.returncode == 2
    assert second.stdout == ""
    assert second.stderr == in_use(data, process, base_url) + ": stop it first, or give this one another --data file\n"

    later = create_bot(base_url)  # the first server is unharmed and keeps writing
    code, _ = stop_server(process)
    assert code == 0
    stored = TinyDBStore(data)
    assert stored.get("bots", bot_id) is not None and stored.get("bots", later) is not None


@pytest.mark.parametrize(
    "command, advice",
    [
        (["reset"], "use POST /sandbox/reset on that server instead"),
        (["prune", "--days", "0"], "stop it first (a running sandbox prunes by itself when SANDBOX_RETENTION_DAYS is set)"),
    ],
)
def test_reset_and_prune_refuse_a_data_file_a_running_server_holds(running, capsys, command, advice):
    data, base_url, process, bot_id = running
    call(base_url, f"/api/v1/bots/{SEED_BOT}/leave", "POST")
    before = {path.name: path.read_bytes() for path in data.parent.iterdir() if path.name != "data.json.holder"}
    assert main([*command, "--data", str(data)]) == 2
    assert capsys.readouterr().err == in_use(data, process, base_url) + f": {advice}\n"
    after = {path.name: path.read_bytes() for path in data.parent.iterdir() if path.name != "data.json.holder"}
    assert after == before

    code, _ = stop_server(process)
    assert code == 0
    stored = TinyDBStore(data)
    assert stored.get("bots", bot_id) is not None
    assert stored.get("bots", SEED_BOT)["state"] == "leaving"


def test_the_lock_goes_with_the_server_and_a_killed_servers_holder_file_does_not_block(tmp_path):
    data = tmp_path / "data.json"
    process, base_url, _ = start_server(data)
    bot_id = create_bot(base_url)
    assert json.loads((tmp_path / "data.json.holder").read_text()) == {"pid": process.pid, "url": base_url}
    process.kill()  # SIGKILL: no clean-up, the holder file stays behind
    process.wait()
    assert (tmp_path / "data.json.holder").exists()

    again, base_url, _ = start_server(data)  # the OS lock went with the process: the stale file is no obstacle
    try:
        assert json.loads((tmp_path / "data.json.holder").read_text())["pid"] == again.pid
        assert call(base_url, f"/api/v1/bots/{bot_id}")[0] == 200
    finally:
        code, _ = stop_server(again)
    assert code == 0
    assert not (tmp_path / "data.json.holder").exists()  # a clean stop removes it
    assert main(["reset", "--data", str(data)]) == 0  # and the file is free


def test_create_app_takes_the_lock_and_shutdown_lets_it_go(tmp_path):
    """Any process that opens the store takes the lock: create_app under another WSGI server, the pytest
    plugin, reset, prune."""
    data = tmp_path / "data.json"
    first = create_app({"data_path": data, "testing": True})
    try:
        with pytest.raises(DataFileInUse) as refused:
            create_app({"data_path": data, "testing": True})
        assert str(refused.value) == f"{data} is in use by a running sandbox (pid {os.getpid()})"
        with pytest.raises(DataFileInUse):
            TinyDBStore(data)
    finally:
        first.extensions["sandbox"].shutdown()
    second = create_app({"data_path": data, "testing": True})
    second.extensions["sandbox"].shutdown()


def test_a_holder_file_that_cannot_be_read_still_gives_a_clear_refusal(tmp_path):
    store = TinyDBStore(tmp_path / "data.json")
    try:
        (tmp_path / "data.json.holder").write_text("garbage")
        with pytest.raises(DataFileInUse, match=r"is in use by a running sandbox \(pid unknown\)$"):
            TinyDBStore(tmp_path / "data.json")
    finally:
        abandon_store(store)


def test_the_pytest_plugin_names_its_server_in_the_holder_file(tmp_path, attendee_sandbox):
    holder = json.loads(attendee_sandbox.data_path.with_name("data.json.holder").read_text())
    assert holder == {"pid": os.getpid(), "url": attendee_sandbox.base_url}
