"""The `attendee-sandbox` command: a real production server (waitress) in its own process."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from sandbox.cli import main
from tests.conftest import DEFAULT_KEY, DEFAULT_SECRET, SEED_BOT


def start_server(data, *extra, env=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(data), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    banner = [process.stdout.readline() for _ in range(5)]
    if not banner[0].startswith("Attendee Sandbox listening on "):
        process.kill()
        raise AssertionError(f"no banner: {banner} {process.stderr.read()}")
    return process, banner[0].split()[-1], "".join(banner)


def stop_server(process):
    process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, out


def call(base_url, path, method="GET"):
    request = urllib.request.Request(
        base_url + path,
        method=method,
        headers={"Authorization": f"Token {DEFAULT_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server(tmp_path):
    process, base_url, banner = start_server(tmp_path / "data.json")
    yield base_url, banner, process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_prints_the_url_key_and_webhook_secret(server):
    base_url, banner, _ = server
    assert base_url.startswith("http://127.0.0.1:")
    assert DEFAULT_KEY in banner and DEFAULT_SECRET in banner


def test_serve_uses_waitress_and_answers_the_seed_request(server):
    base_url, _, _ = server
    status, headers, body = call(base_url, f"/api/v1/bots/{SEED_BOT}/leave", "POST")
    assert status == 200
    assert headers["Server"] == "attendee-sandbox"  # waitress's ident, not Werkzeug's development server
    assert json.loads(body)["state"] == "leaving"


def test_the_background_runner_finishes_post_processing_in_a_served_sandbox(tmp_path):
    process, base_url, _ = start_server(
        tmp_path / "data.json", env={"SANDBOX_STEP_DELAYS": "left_meeting=0.1,upload_recording=0,post_processing_completed=0.1"}
    )
    try:
        call(base_url, f"/api/v1/bots/{SEED_BOT}/leave", "POST")
        time.sleep(0.5)
        code, _ = stop_server(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0
    # Nobody read the bot while it ran; the file written at shutdown has it ended.
    from sandbox.infra.store import TinyDBStore

    assert TinyDBStore(tmp_path / "data.json").get("bots", SEED_BOT)["state"] == "ended"


def test_sigterm_flushes_and_a_restart_resumes(tmp_path, server):
    base_url, _, process = server
    call(base_url, f"/api/v1/bots/{SEED_BOT}/leave", "POST")
    code, out = stop_server(process)
    assert code == 0 and "data saved" in out
    assert (tmp_path / "data.json.journal").read_bytes() == b""  # everything is in the data file
    again, base_url, _ = start_server(tmp_path / "data.json")
    try:
        status, _, body = call(base_url, f"/api/v1/bots/{SEED_BOT}")
        assert json.loads(body)["events"][2]["type"] == "leave_requested"
    finally:
        stop_server(again)


def test_reset_restores_the_fixtures(tmp_path, server, capsys):
    base_url, _, process = server
    call(base_url, f"/api/v1/bots/{SEED_BOT}/leave", "POST")
    stop_server(process)
    assert main(["reset", "--data", str(tmp_path / "data.json")]) == 0
    from sandbox.infra.store import TinyDBStore

    assert TinyDBStore(tmp_path / "data.json").get("bots", SEED_BOT)["state"] == "joined_not_recording"
    assert "Restored the fixtures" in capsys.readouterr().out


def test_environment_variables_do_what_the_flags_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SANDBOX_DATA", str(tmp_path / "env-data.json"))
    assert main(["reset"]) == 0
    assert (tmp_path / "env-data.json").exists()


def test_a_bad_fixture_folder_stops_the_command_with_a_clear_message(tmp_path, capsys):
    (tmp_path / "fixtures").mkdir()
    assert main(["reset", "--data", str(tmp_path / "d.json"), "--fixtures", str(tmp_path / "fixtures")]) == 2
    assert capsys.readouterr().err == f"attendee-sandbox: {tmp_path / 'fixtures' / 'scenarios.json'}: at $: file not found\n"
    assert not (tmp_path / "d.json").exists()
