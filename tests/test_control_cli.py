"""The control commands of `attendee-sandbox` against a served sandbox (the plugin's waitress server, over
HTTP): human tables, `--json`, one line quoting the server on a refusal (exit 1), `wait` for CI scripts and
`reset --url` through the server (in a server process of its own: it would reset the shared one)."""

import json
import re
import socket
import subprocess
import sys
import time

import pytest

from sandbox.cli import main
from sandbox.control_cli import default_key, table
from tests.conftest import DEFAULT_KEY
from tests.test_serve_console import Served

MEETING_URL = "https://meet.google.com/abc-defg-hij"


@pytest.fixture
def cli(sandbox_project, capsys):
    """Run `attendee-sandbox ARGS --url <the server> --key <the project's key>`: (exit code, stdout, stderr)."""

    def run(*args, key=True):
        extra = ["--url", sandbox_project.base_url] + (["--key", sandbox_project.api_key] if key else [])
        code = main([*args, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def new_bot(project):
    return project.control("POST", "/api/v1/bots", {"meeting_url": MEETING_URL, "bot_name": "Notetaker"})


def test_the_default_key_is_the_bundled_default_projects():
    assert default_key() == DEFAULT_KEY


def test_bots_is_a_table_and_json_is_the_apis_objects(cli, sandbox_project):
    bot = new_bot(sandbox_project)
    code, out, err = cli("bots")
    assert (code, err) == (0, "")
    header, row = out.splitlines()
    assert header.split() == ["ID", "STATE", "RECORDING", "TRANSCRIPTION", "MEETING", "URL"]
    assert row.split() == [bot["id"], "joining", "not_started", "not_started", MEETING_URL]
    code, out, _ = cli("bots", "--json")
    assert [b["id"] for b in json.loads(out)] == [bot["id"]]
    assert cli("bots", "--state", "ended")[1] == "No bots.\n"


def test_bot_shows_its_events_and_pending_steps(cli, sandbox_project):
    bot = new_bot(sandbox_project)
    code, out, _ = cli("bot", bot["id"])
    assert code == 0
    assert out.startswith(f"Bot:           {bot['id']}\nState:         joining\n")
    assert "Scenario:      happy_path" in out
    events = out.split("\nEvents:\n")[1].split("\n\nPending steps:\n")
    assert re.search(r"^\S+Z\s+join_requested\s+-$", events[0], re.M)
    assert re.search(r"^\S+Z\s+joined_meeting\s+-$", events[1], re.M)


def test_advance_says_what_it_applied(cli, sandbox_project):
    bot = new_bot(sandbox_project)
    code, out, _ = cli("advance", "60")
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"Clock now \S+Z \(offset 60 s\); \d+ step\(s\) applied", lines[0])
    assert f"  {bot['id']} joining -> joined_not_recording (joined_meeting)" in lines


def test_inject_and_its_refusal_in_one_line(cli, sandbox_project):
    bot = new_bot(sandbox_project)
    code, out, err = cli("inject", bot["id"], "post_processing_completed")
    assert code == 1 and out == ""
    assert err.startswith(
        f"attendee-sandbox: POST /sandbox/bots/{bot['id']}/events answered 400: "
        "Event post_processing_completed not allowed"
    )
    assert err.count("\n") == 1
    assert cli("inject", bot["id"], "fatal_error", "heartbeat_timeout") == (0, f"{bot['id']} is now fatal_error\n", "")


def test_deliveries_and_redeliver(cli, sandbox_project, webhook_receiver):
    bot = new_bot(sandbox_project)
    webhook_receiver.wait_for("bot.state_change", bot_id=bot["id"])
    time.sleep(0.1)  # the delivery is settled once the receiver has answered
    code, out, _ = cli("deliveries", "--bot", bot["id"], "--status", "delivered")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "STATUS", "TRIGGER", "BOT", "ATTEMPTS", "URL"]
    delivery_id = rows[-1].split()[0]
    assert rows[-1].split()[1:] == ["delivered", "bot.state_change", bot["id"], "1", webhook_receiver.url]
    again = f"{delivery_id} is pending again: it goes to {webhook_receiver.url}\n"
    assert cli("redeliver", delivery_id) == (0, again, "")
    assert cli("deliveries", "--status", "failed") == (0, "No deliveries.\n", "")
    with pytest.raises(SystemExit) as refused:
        cli("deliveries", "--status", "lost")
    assert refused.value.code == 2


def test_projects_create_prints_the_key_and_secret(cli, webhook_receiver):
    code, out, _ = cli("projects", "create", "Demo", "--webhook", webhook_receiver.url)
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"Project:         proj_\w+ \(Demo\)", lines[0])
    assert re.fullmatch(r"API key:         \w{32}", lines[1])
    assert lines[3] == f"Webhook:         {webhook_receiver.url}"
    code, out, _ = cli("projects", "create", "Demo 2", "--json")
    assert json.loads(out)["name"] == "Demo 2"


def test_a_sandbox_that_does_not_answer_is_one_line(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["bots", "--url", f"http://127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"attendee-sandbox: GET /api/v1/bots: no answer (http://127.0.0.1:{port}: [Errno 111] Connection refused)\n"
    )


def test_wait_exits_0_once_the_sandbox_answers_and_1_after_its_timeout(attendee_sandbox, capsys):
    assert main(["wait", "--url", attendee_sandbox.base_url, "--timeout", "5"]) == 0
    assert capsys.readouterr().out == f"The sandbox at {attendee_sandbox.base_url} answers\n"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    assert main(["wait", "--url", f"http://127.0.0.1:{port}", "--timeout", "0.5"]) == 1
    assert time.monotonic() - started < 5
    assert "no answer" in capsys.readouterr().err


def test_reset_url_resets_the_running_sandbox_and_reset_data_on_its_file_is_refused(tmp_path):
    served = Served(tmp_path / "data.json", "--quiet")
    try:
        status, created = served.call("/api/v1/bots", "POST", {"meeting_url": MEETING_URL, "bot_name": "Notetaker"})
        assert status == 201
        run = subprocess.run(
            [sys.executable, "-m", "sandbox", "reset", "--url", served.url],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert (run.returncode, run.stderr) == (0, "")
        said = rf"Reset the sandbox at {served.url}: the fixtures are back \(\d+ projects, \d+ bots\)\n"
        assert re.fullmatch(said, run.stdout)
        assert served.call(f"/api/v1/bots/{created['id']}")[0] == 404

        refused = subprocess.run(
            [sys.executable, "-m", "sandbox", "reset", "--data", str(tmp_path / "data.json")],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert refused.returncode == 2
        assert refused.stderr.endswith(": use POST /sandbox/reset on that server instead\n")
    finally:
        served.kill()


def test_table_aligns_columns_and_dashes_empty_cells():
    rows = [{"id": "a", "state": None}, {"id": "bbb", "state": "ended"}]
    assert table(rows, (("ID", "id"), ("STATE", "state"))) == "ID   STATE\na    -\nbbb  ended"
