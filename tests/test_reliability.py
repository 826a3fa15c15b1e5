"""Reliability of a served sandbox: concurrent requests never break the state machine, acknowledged writes
are never lost (threads, SIGKILL, SIGTERM).

Each test runs the README's serve command (`python -m sandbox serve --port 0`, waitress) as its own process
on 127.0.0.1, drives it for a bounded time with a bounded number of threads, and ends the processes it
started by their PID. Data files are prepared with the store API before a server starts.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sandbox.config import default_fixtures_dir
from sandbox.infra.fixtures import load_fixtures
from sandbox.infra.store import TinyDBStore
from tests.conftest import DEFAULT_KEY, SEED_BOT, abandon_store
from tests.openapi_check import assert_valid_response

AUTH = {"Authorization": f"Token {DEFAULT_KEY}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
DEFAULT_PROJECT = "proj_sbx0Default00001"
LEAVE_ALLOWED = (
    "joined_recording_paused, joined_recording, joined_not_recording, joined_recording_permission_denied, "
    "waiting_room, joining, joining_breakout_room, leaving_breakout_room"
)
SECOND_LEAVE = (
    "Event leave_requested not allowed when bot is in state leaving. "
    f"It is only allowed in these states: {LEAVE_ALLOWED}"
)
CREATE_BODY = {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Reliability Bot"}
FIXTURE_BOTS_THAT_CAN_LEAVE = (
    "bot_sbxJoinedNotRec0",
    "bot_sbxJoinedRec0000",
    "bot_sbxRecPaused0000",
    "bot_sbxWaitingRoom00",
    "bot_sbxJoining000000",
)
STORM_SECONDS = 1.5
START_TIMEOUT = 20.0


def monotonic():
    return time.clock_gettime(time.CLOCK_MONOTONIC)


# -- servers ------------------------------------------------------------------------------------------------


class Served:
    """One `python -m sandbox serve --port 0` process; ended by its PID."""

    def __init__(self, data, env=None):
        self.data = data
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--data", str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        first = self.process.stdout.readline()
        if not first.startswith("Attendee Sandbox listening on "):
            self.kill()
            raise AssertionError(f"no banner: {first!r} {self.process.stderr.read()}")
        self.url = first.split()[-1]
        for _ in range(4):  # the rest of the banner
            self.process.stdout.readline()

    @property
    def pid(self):
        return self.process.pid

    def kill(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        return self.process.returncode

    def terminate(self, timeout=15):
        """SIGTERM, then wait: (exit code, rest of stdout, stderr)."""
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return self.process.returncode, out, err

    def close(self):
        if self.process.poll() is None:
            self.kill()
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


@pytest.fixture
def servers():
    started = []

    def start(data, env=None):
        served = Served(data, env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()


def prepare_data(path, project_webhooks=None, extra_journal_lines=0):
    """A data file holding the fixtures (optionally with project webhooks and a long journal)."""
    tables = load_fixtures(default_fixtures_dir())
    if project_webhooks is not None:
        for project in tables["projects"]:
            if project["id"] == DEFAULT_PROJECT:
                project["webhooks"] = project_webhooks
    store = TinyDBStore(path)
    store.replace_all(tables)
    store.close()
    if extra_journal_lines:
        project = next(p for p in tables["projects"] if p["id"] == DEFAULT_PROJECT)
        line = json.dumps({"op": "put", "table": "projects", "doc": project}).encode() + b"\n"
        with open(f"{path}.journal", "ab") as journal:
            journal.write(line * extra_journal_lines)


def read_data_file(path):
    """The data file as JSON (TinyDB's format: {table: {doc_id: doc}}) -> {table: {id: doc}}."""
    data = json.loads(path.read_bytes())
    return {table: {doc["id"]: doc for doc in docs.values()} for table, docs in data.items()}


# -- a webhook receiver ---------------------------------------------------------------------------------------


class Receiver:
    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.bodies.append(json.loads(raw))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def received(self):
        with self.lock:
            return list(self.bodies)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiving = Receiver()
    yield receiving
    receiving.close()


# -- the write storm -------------------------------------------------------------------------------------------


class Storm:
    """8 threads creating bots, leaving them (and fixture bots), patching metadata and reading, until stopped.

    Only writes whose full answer arrived are recorded as acknowledged.
    """

    def __init__(self, base_url, threads=8, seed=7):
        self.base_url = base_url
        self.threads = threads
        self.seed = seed
        self.stop = threading.Event()
        self.server_gone = threading.Event()  # set just before the server is killed or told to stop
        self.lock = threading.Lock()
        self.created = set()
        self.left = set()
        self.patched = {}  # bot id -> the last metadata acknowledged
        self.attempted = {}  # bot id -> the last metadata sent: at a kill, possibly written but never answered
        self.statuses = {}
        self.bad_bodies = []
        self.workers = []

    def _note(self, response):
        with self.lock:
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                self.bad_bodies.append(response.content[:300])

    def _work(self, number):
        rng = random.Random(self.seed * 100 + number)
        session = requests.Session()
        mine = []
        sequence = 0
        try:
            while not self.stop.is_set():
                sequence += 1
                roll = rng.random()
                try:
                    if roll < 0.35 or not mine:
                        response = session.post(f"{self.base_url}/api/v1/bots", json=CREATE_BODY, headers=AUTH, timeout=10)
                        self._note(response)
                        if response.status_code == 201:
                            bot_id = response.json()["id"]
                            mine.append(bot_id)
                            with self.lock:
                                self.created.add(bot_id)
                    elif roll < 0.55:
                        bot_id = mine.pop(rng.randrange(len(mine)))
                        response = session.post(f"{self.base_url}/api/v1/bots/{bot_id}/leave", headers=JSON_AUTH, timeout=10)
                        self._note(response)
                        if response.status_code == 200:
                            with self.lock:
                                self.left.add(bot_id)
                    elif roll < 0.75:
                        bot_id = rng.choice(mine)
                        metadata = {"writer": str(number), "sequence": str(sequence)}
                        with self.lock:
                            self.attempted[bot_id] = metadata
                        response = session.patch(
                            f"{self.base_url}/api/v1/bots/{bot_id}", json={"metadata": metadata}, headers=AUTH, timeout=10
                        )
                        self._note(response)
                        if response.status_code == 200:
                            with self.lock:
                                self.patched[bot_id] = metadata
                    else:
                        bot_id = rng.choice(mine + [SEED_BOT])
                        self._note(session.get(f"{self.base_url}/api/v1/bots/{bot_id}", headers=AUTH, timeout=10))
                except requests.RequestException:
                    if self.server_gone.is_set():
                        return  # an answer cut off by the kill was never acknowledged
                    raise
        finally:
            session.close()

    def start(self):
        self.errors = []

        def run(number):
            try:
                self._work(number)
            except Exception as exc:  # noqa: BLE001 - reported by `join`
                self.errors.append(exc)

        self.workers = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(self.threads)]
        for worker in self.workers:
            worker.start()
        return self

    def run_for(self, seconds):
        end = monotonic() + seconds
        while monotonic() < end and not self.errors:
            time.sleep(0.05)
        return self

    def end(self):
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=15)
        assert not any(worker.is_alive() for worker in self.workers)

    def check_no_errors(self):
        assert not self.errors, self.errors
        assert not self.bad_bodies and all(status < 500 for status in self.statuses), self.statuses


def assert_every_acknowledged_write_is_there(bots, storm):
    """`bots`: {id: bot document or API object} as read back."""
    missing = sorted(storm.created - set(bots))
    assert not missing, f"{len(missing)} acknowledged creates lost, e.g. {missing[:3]}"
    for bot_id in storm.left:
        assert "leave_requested" in [event["type"] for event in bots[bot_id]["events"]], bot_id
    for bot_id, metadata in storm.patched.items():
        # Each bot is patched by one worker, one request at a time: what is stored is the last acknowledged
        # write, or the write that was in flight when the server died (applied, but its answer cut off).
        assert bots[bot_id]["metadata"] in (metadata, storm.attempted[bot_id]), bot_id


# -- 50 concurrent leaves ----------------------------------------------------------------------------------------


def test_fifty_concurrent_leaves_of_one_bot_give_one_200_and_49_transition_refusals(tmp_path, servers, receiver):
    data = tmp_path / "data.json"
    prepare_data(data, project_webhooks=[{"url": receiver.url, "triggers": ["bot.state_change"]}])
    # The bot stays `leaving` for the whole test: its next scripted step is a minute away.
    served = servers(data, env={"SANDBOX_STEP_DELAYS": "left_meeting=60"})
    barrier = threading.Barrier(50)
    answers = []
    lock = threading.Lock()

    def leave():
        with requests.Session() as session:
            barrier.wait(timeout=10)
            response = session.post(f"{served.url}/api/v1/bots/{SEED_BOT}/leave", headers=JSON_AUTH, timeout=15)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=leave) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] + [400] * 49
    accepted = next(r for r in answers if r.status_code == 200)
    assert accepted.json()["state"] == "leaving"
    assert_valid_response("POST", f"/api/v1/bots/{SEED_BOT}/leave", 200, accepted.content, accepted.headers["Content-Type"])
    for refused in (r for r in answers if r.status_code == 400):
        assert refused.content == json.dumps({"error": SECOND_LEAVE}, separators=(",", ":")).encode()
    refused = next(r for r in answers if r.status_code == 400)
    assert_valid_response("POST", f"/api/v1/bots/{SEED_BOT}/leave", 400, refused.content, refused.headers["Content-Type"])

    bot = requests.get(f"{served.url}/api/v1/bots/{SEED_BOT}", headers=AUTH, timeout=10).json()
    assert [event["type"] for event in bot["events"]].count("leave_requested") == 1

    end = monotonic() + 5
    while not receiver.received() and monotonic() < end:
        time.sleep(0.02)
    time.sleep(0.3)  # room for a (wrong) second delivery to arrive
    state_changes = [body for body in receiver.received() if body["trigger"] == "bot.state_change"]
    assert len(state_changes) == 1
    assert state_changes[0]["bot_id"] == SEED_BOT
    assert state_changes[0]["data"]["event_type"] == "leave_requested"
    assert (state_changes[0]["data"]["old_state"], state_changes[0]["data"]["new_state"]) == ("joined_not_recording", "leaving")


# -- threads --------------------------------------------------------------------------------------------------------


def test_eight_threads_creating_leaving_and_reading_lose_no_acknowledged_write(tmp_path, servers):
    data = tmp_path / "data.json"
    prepare_data(data)
    served = servers(data, env={"DISABLE_RATE_LIMITING": "true"})
    storm = Storm(served.url).start().run_for(STORM_SECONDS)
    storm.end()
    storm.check_no_errors()
    assert len(storm.created) >= 5 and storm.left and storm.patched  # the storm did write

    with requests.Session() as session:
        read_back = {}
        for bot_id in storm.created:
            response = session.get(f"{served.url}/api/v1/bots/{bot_id}", headers=AUTH, timeout=10)
            assert response.status_code == 200, (bot_id, response.status_code, response.content[:200])
            read_back[bot_id] = response.json()
    assert_every_acknowledged_write_is_there(read_back, storm)

    code, _, err = served.terminate()
    assert code == 0, err
    stored = read_data_file(data)  # parses, and holds everything without the journal
    assert_every_acknowledged_write_is_there(stored["bots"], storm)


# -- SIGKILL -----------------------------------------------------------------------------------------------------------


def test_a_server_killed_during_a_write_storm_restarts_with_every_acknowledged_write(tmp_path, servers):
    data = tmp_path / "data.json"
    # The journal is 4,900 entries long, so the storm's writes push it past the store's checkpoint threshold
    # (5,000): the kill may land while a checkpoint writes the data file.
    prepare_data(data, extra_journal_lines=4_900)
    served = servers(data, env={"DISABLE_RATE_LIMITING": "true"})
    storm = Storm(served.url).start().run_for(STORM_SECONDS)
    storm.server_gone.set()
    assert served.kill() == -signal.SIGKILL  # mid-storm: the threads are still writing
    storm.end()
    storm.check_no_errors()
    assert len(storm.created) >= 5 and storm.left and storm.patched

    again = servers(data)  # the data file and its journal load
    with requests.Session() as session:
        read_back = {}
        for bot_id in storm.created:
            response = session.get(f"{again.url}/api/v1/bots/{bot_id}", headers=AUTH, timeout=10)
            assert response.status_code == 200, (bot_id, response.status_code)
            read_back[bot_id] = response.json()
    assert_every_acknowledged_write_is_there(read_back, storm)
    code, _, err = again.terminate()
    assert code == 0, err
    assert_every_acknowledged_write_is_there(read_data_file(data)["bots"], storm)


# -- SIGTERM -------------------------------------------------------------------------------------------------------------


def test_sigterm_during_a_write_storm_flushes_every_acknowledged_write_and_exits_cleanly(tmp_path, servers):
    data = tmp_path / "data.json"
    prepare_data(data)
    served = servers(data, env={"DISABLE_RATE_LIMITING": "true"})
    storm = Storm(served.url).start().run_for(STORM_SECONDS)
    storm.server_gone.set()
    code, out, err = served.terminate()
    storm.end()
    assert code == 0, err
    assert "Attendee Sandbox stopped; data saved." in out
    assert "Traceback" not in err
    storm.check_no_errors()
    assert len(storm.created) >= 5

    assert (tmp_path / "data.json.journal").read_bytes() == b""  # everything is in the data file itself
    assert not (tmp_path / "data.json.journal.1").exists() and not (tmp_path / "data.json.tmp").exists()
    assert_every_acknowledged_write_is_there(read_data_file(data)["bots"], storm)


# -- what the data file can hold ---------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_stored_document_survives_the_journal_a_checkpoint_and_a_restart(tmp_path):
    """JSON may carry "\\ud800" (the API parses it), which UTF-8 cannot encode: the store writes it escaped and
    never fails on it, so one such request cannot stop every later checkpoint and the shutdown."""
    path = tmp_path / "data.json"
    doc = {"id": "proj_surrogate000001", "name": "broken \ud800 name"}
    store = TinyDBStore(path)
    store.replace_all({"projects": [{"id": "proj_plain0000000001", "name": "plain"}]})
    store.put("projects", doc)
    abandon_store(store)
    store = TinyDBStore(path)
    assert store.get("projects", doc["id"]) == doc  # from the journal, as after a kill
    store.close()  # the final checkpoint writes it into the data file
    assert (tmp_path / "data.json.journal").read_bytes() == b""
    assert read_data_file(path)["projects"][doc["id"]] == doc
    assert TinyDBStore(path).get("projects", doc["id"]) == doc


# -- a torn journal line -------------------------------------------------------------------------------------------


def test_a_torn_journal_line_left_by_a_kill_costs_no_later_acknowledged_write(tmp_path, servers):
    """The finding: the torn line was skipped at load but not cut off, the next acknowledged write was glued onto
    it, and the start after that failed with that write stuck inside the bad line."""
    data = tmp_path / "data.json"
    prepare_data(data)
    quiet = {"SANDBOX_BACKGROUND_STEPS": "false"}
    first = servers(data, env=quiet)
    before = requests.post(f"{first.url}/api/v1/bots", json=CREATE_BODY, headers=AUTH, timeout=10).json()["id"]
    first.kill()
    torn = b'{"op":"put","table":"bots","doc":{"id":"bot_cutShortByAKill'
    with open(f"{data}.journal", "ab") as journal:
        journal.write(torn)  # what a kill in the middle of a journal write leaves

    second = servers(data, env=quiet)
    after = requests.post(f"{second.url}/api/v1/bots", json=CREATE_BODY, headers=AUTH, timeout=10)
    assert after.status_code == 201  # acknowledged
    second.kill()
    assert "cut off its torn last line" in second.process.stderr.read()
    assert (tmp_path / "data.json.journal.torn").read_bytes() == torn + b"\n"

    third = servers(data, env=quiet)
    for bot_id in (before, after.json()["id"]):
        assert requests.get(f"{third.url}/api/v1/bots/{bot_id}", headers=AUTH, timeout=10).status_code == 200
    code, _, err = third.terminate()
    assert code == 0, err
