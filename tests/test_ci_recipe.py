"""The CI recipe (examples/ci): its script, run as the workflow runs it, against a throwaway project folder on
127.0.0.1: the sandbox starts in the background, `attendee-sandbox wait` waits for it, the project's tests see
ATTENDEE_API_URL and ATTENDEE_API_KEY, the script exits with the tests' status and prints the sandbox's log only
when they fail, and the sandbox is stopped (its data saved) either way."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_pytest_plugin import USER_PYTEST

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "ci" / "run.sh"
WORKFLOW = ROOT / "examples" / "ci" / "github-actions.yml"
SANDBOX = Path(sys.executable).with_name("attendee-sandbox")

PROJECT_TEST = '''
import json
import os
import urllib.request


def test_the_sandbox_answers_with_the_default_projects_bots():
    request = urllib.request.Request(
        os.environ["ATTENDEE_API_URL"] + "/api/v1/bots",
        headers={"Authorization": "Token " + os.environ["ATTENDEE_API_KEY"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["results"]


def test_that_fails_when_asked():
    assert os.environ.get("FAIL_ON_PURPOSE") != "1", "failing on purpose"
'''


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def project(tmp_path):
    if shutil.which("bash") is None or not SANDBOX.exists():
        pytest.skip("needs bash and the installed attendee-sandbox command")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "test_integration.py").write_text(PROJECT_TEST)

    def run(**env):
        return subprocess.run(
            ["bash", str(SCRIPT), sys.executable, "-m", "pytest", "-q", *USER_PYTEST],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=180,
            stdin=subprocess.DEVNULL,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "ATTENDEE_"))},
                "ATTENDEE_SANDBOX": str(SANDBOX),
                "SANDBOX_PORT": str(free_port()),
                "SANDBOX_DATA": str(tmp_path / "data.json"),
                "SANDBOX_LOG": str(tmp_path / "sandbox.log"),
                **env,
            },
        )

    return run


def test_the_script_runs_the_tests_against_a_background_sandbox_and_stops_it(project, tmp_path):
    result = project()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "the sandbox's log" not in result.stderr
    log = (tmp_path / "sandbox.log").read_text()
    assert '"path": "/api/v1/bots", "status": 200' in log  # the tests' request, in the JSON console log
    assert log.rstrip().endswith("Attendee Sandbox stopped; data saved.")  # SIGTERM at the end: stopped cleanly


def test_a_failing_run_exits_with_the_tests_status_and_prints_the_sandboxs_log(project, tmp_path):
    result = project(FAIL_ON_PURPOSE="1")
    assert result.returncode == 1
    assert "1 failed, 1 passed" in result.stdout
    assert f"---- the sandbox's log ({tmp_path / 'sandbox.log'}) ----" in result.stderr
    assert "Attendee Sandbox listening on http://127.0.0.1:" in result.stderr


def test_a_sandbox_that_never_answers_fails_the_run_with_its_log(project, tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]  # busy: the sandbox stops at once, and `wait` gives up
        result = project(SANDBOX_PORT=str(port), SANDBOX_WAIT="2")
    assert result.returncode == 1
    assert f"attendee-sandbox: port {port} on 127.0.0.1 is already in use" in result.stderr


def test_the_workflow_installs_the_sandbox_apart_waits_and_calls_the_script():
    workflow = WORKFLOW.read_text()
    assert 'python -m venv "$RUNNER_TEMP/sandbox"' in workflow
    assert "ATTENDEE_SANDBOX=$RUNNER_TEMP/sandbox/bin/attendee-sandbox" in workflow
    assert "run: ci/run.sh python -m pytest -q" in workflow
    assert '$sandbox wait --url "$url"' in SCRIPT.read_text()  # `attendee-sandbox wait`
