"""The README's Quickstart is what a new user runs first: its commands are the ones CI runs, its shell session
works against a served sandbox as printed, and no example uses a placeholder it never defined."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title):
    start = README.index(f"\n## {title}\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, re.S)


QUICKSTART = section("Quickstart")
SERVE_COMMAND, TEST_COMMAND, VARIABLES, SESSION = (block.strip() for block in bash_blocks(QUICKSTART))


def test_the_test_command_is_exactly_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == TEST_COMMAND


def test_the_two_commands_use_two_virtual_environments():
    """Running the tests reinstalls the package in its environment: never the one a running sandbox uses."""
    serve_venv = re.match(r"python3 -m venv (\S+) ", SERVE_COMMAND).group(1)
    test_venv = re.match(r"python3 -m venv (\S+) ", TEST_COMMAND).group(1)
    assert serve_venv != test_venv
    assert f"{serve_venv}/bin/pip install . " in SERVE_COMMAND  # a copy, not an editable install
    assert SERVE_COMMAND.endswith(f"{serve_venv}/bin/attendee-sandbox serve")


def test_every_shell_variable_is_defined_before_an_example_uses_it():
    defined = set()
    for block in bash_blocks(README):
        for line in block.splitlines():
            command = line.split("  #")[0]
            used = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", command))
            assert used <= defined, f"{sorted(used - defined)} used before it is defined: {line}"
            defined.update(re.findall(r"(?:^|;|&&)\s*([A-Za-z_][A-Za-z0-9_]*)=", command))


def test_no_example_has_an_id_to_fill_in():
    """Shown answers may elide ids (`proj_…` in a comment); a command never asks the reader to fill one in."""
    for block in bash_blocks(README):
        for line in block.splitlines():
            command = re.sub(r"(^|\s)#.*", "", line)
            assert not re.search(r"(bot|whd|flt|proj|cal|zoc)_(xxx|…)", command), line


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
def test_the_seed_session_runs_as_printed_against_a_served_sandbox(tmp_path):
    """The variables and the four commands, run by bash against `serve`; `sleep N` advances the project's
    clock by N seconds instead of waiting (the README's own shortcut), so the test takes no real time."""
    process, base_url, _ = start_server(tmp_path / "data.json")
    try:
        variables = VARIABLES.replace("S=http://127.0.0.1:8000", f"S={base_url}", 1)
        advance = 'sleep() { curl -s -X POST "$S/sandbox/clock/advance" -H "$K" -H "$J" -d "{\\"seconds\\": $1}" >/dev/null; }'
        script = "\n".join([variables, advance, SESSION, 'curl -s -X POST "$S/sandbox/reset"; echo'])
        run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        leave, second_leave, ended, reset = (json.loads(line) for line in run.stdout.splitlines())
    finally:
        stop_server(process)
    assert leave["state"] == "leaving"
    assert [event["type"] for event in leave["events"]][-1] == "leave_requested"
    assert second_leave == {
        "error": "Event leave_requested not allowed when bot is in state leaving. It is only allowed in these "
        "states: joined_recording_paused, joined_recording, joined_not_recording, "
        "joined_recording_permission_denied, waiting_room, joining, joining_breakout_room, leaving_breakout_room"
    }
    assert ended["state"] == "ended"
    assert [event["type"] for event in ended["events"]][-2:] == ["left_meeting", "post_processing_completed"]
    assert (ended["recording_state"], ended["transcription_state"]) == ("complete", "complete")
    assert reset["reset"] is True


def test_the_printed_answers_are_the_sandbox_s_answers():
    """The Quickstart shows the first leave's answer and the second's verbatim."""
    shown = re.findall(r"```json\n(.*?)```", QUICKSTART, re.S)
    first, second = (json.loads(block.strip()) for block in shown)
    assert first["id"] == "bot_weIAju4OXNZkDTpZ" and first["state"] == "leaving"
    assert second["error"].startswith("Event leave_requested not allowed when bot is in state leaving.")


def test_the_client_example_runs_as_printed_against_a_served_sandbox(tmp_path):
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "SandboxClient(" in block]
    process, base_url, _ = start_server(tmp_path / "data.json")
    try:
        namespace = {}
        exec(example.replace("http://127.0.0.1:8000", base_url), namespace)  # noqa: S102 - the README's own code
        bot = namespace["client"].bot("bot_sbxJoinedRec0000")
    finally:
        stop_server(process)
    assert bot["state"] == "fatal_error"
    assert isinstance(namespace["failed"], list)


def test_every_setting_is_in_the_configuration_table():
    """A limit a user cannot find is a limit they cannot change: every environment variable the sandbox reads
    has its row in the README's Configuration table."""
    from sandbox.config import ENVIRONMENT

    table = section("Configuration")
    missing = [variable for variable, _ in ENVIRONMENT.values() if f"`{variable}`" not in table]
    assert missing == []


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
def test_the_calendar_flow_runs_as_printed_against_a_served_sandbox(tmp_path):
    """The bundled calendar's flow: a bot from the first event, the event moved on Google's side and synced
    (the bot re-planned at the new start, a `calendar.events_update` logged), then cancelled (the bot deleted)."""
    section_text = section("Calendars and Zoom OAuth connections")
    flow = next(block for block in bash_blocks(section_text) if "CAL_BOT=" in block)
    process, base_url, _ = start_server(tmp_path / "data.json")
    try:
        variables = VARIABLES.replace("S=http://127.0.0.1:8000", f"S={base_url}", 1)
        after = (
            'echo; echo "$START"; curl -s "$S/api/v1/bots/$CAL_BOT" -H "$K"; echo; '
            'curl -s "$S/sandbox/webhooks/deliveries?calendar_id=cal_sbx0DefaultCal01" -H "$K"'
        )
        script = "\n".join([variables, "set -e", flow, after])
        run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        start, bot_now, deliveries = run.stdout.splitlines()[-3:]
    finally:
        stop_server(process)
    moved = [line for line in run.stdout.splitlines() if '"bots_patched"' in line]
    assert moved and '"outcome":"synced"' in moved[0] and '"bots_patched":["bot_' in moved[0]  # re-planned
    assert json.loads(bot_now) == {"error": "Bot not found"}  # deleted with its cancelled event
    triggers = [delivery["trigger"] for delivery in json.loads(deliveries)["results"]]
    assert "calendar.events_update" in triggers
    assert start.endswith("T10:00:00Z")
