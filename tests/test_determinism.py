"""Determinism: `--seed N` / SANDBOX_SEED make ids, keys, secrets and random delays reproducible, so two runs of
the same test produce the same ids."""

import pytest
from freezegun import freeze_time

from sandbox import cli
from sandbox.domain.ids import IdFactory
from tests.control_helpers import advance, create_bot, new_project, post_json


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-30T12:00:00Z") as clock:
        yield clock


def a_test_run(client):
    """What a typical test does; returns every id and secret it was given."""
    project = new_project(client, name="run")
    auth = project["auth"]
    bot = create_bot(client, auth)
    advance(client, 60, auth)
    fault = post_json(client, "/sandbox/faults", {"path": "/api/v1/bots/*", "status": 503}, auth).json
    participants = client.get(f"/api/v1/bots/{bot['id']}/participants", headers=auth).json["results"]
    messages = client.get(f"/api/v1/bots/{bot['id']}/chat_messages", headers=auth).json["results"]
    return {
        "project": {k: project[k] for k in ("id", "api_key", "webhook_secret")},
        "bot": bot["id"],
        "fault": fault["id"],
        "participants": [p["id"] for p in participants],
        "messages": [m["id"] for m in messages],
    }


def test_the_same_seed_gives_the_same_ids_in_two_runs(make_app):
    first = a_test_run(make_app(seed=1234, in_memory=True).test_client())
    second = a_test_run(make_app(seed=1234, in_memory=True).test_client())
    assert first == second
    assert len(first["participants"]) == 2 and len(first["messages"]) == 1


def test_another_seed_gives_other_ids(make_app):
    first = a_test_run(make_app(seed=1, in_memory=True).test_client())
    second = a_test_run(make_app(seed=2, in_memory=True).test_client())
    assert first["project"]["id"] != second["project"]["id"]
    assert first["bot"] != second["bot"]


def test_without_a_seed_ids_differ_between_runs(make_app):
    first = new_project(make_app(in_memory=True).test_client())
    second = new_project(make_app(in_memory=True).test_client())
    assert first["id"] != second["id"]
    assert first["api_key"] != second["api_key"]
    assert first["webhook_secret"] != second["webhook_secret"]


def test_the_seed_comes_from_sandbox_seed(make_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_SEED", "77")
    from_env = new_project(make_app(in_memory=True).test_client())
    monkeypatch.delenv("SANDBOX_SEED")
    from_setting = new_project(make_app(seed=77, in_memory=True).test_client())
    assert from_env["id"] == from_setting["id"]


def test_serve_seed_seeds_the_app(monkeypatch, tmp_path):
    seen = {}

    class FakeServer:
        """waitress's server, replaced: `run` makes one request to the app being served, then returns."""

        effective_port = 8000

        def __init__(self, app):
            self.app = app
            self.task_dispatcher = self  # waitress's dispatcher: shut down at exit

        def shutdown(self, cancel_pending=True, timeout=5):
            seen["dispatcher_shut_down"] = True

        def run(self):
            seen["seed"] = self.app.extensions["sandbox"].settings.seed
            seen["project"] = new_project(self.app.test_client())["id"]

    monkeypatch.setattr("waitress.create_server", lambda app, **kwargs: FakeServer(app))
    assert cli.main(["serve", "--port", "0", "--seed", "99", "--data", str(tmp_path / "data.json")]) == 0
    ids = IdFactory(99)
    [ids.new("evt") for _ in range(3)]  # the bundled calendar's three events, made by its first sync at start-up
    assert seen == {"seed": 99, "project": ids.new("proj"), "dispatcher_shut_down": True}


def test_random_delays_are_reproducible_with_a_seed():
    first, second = IdFactory(5), IdFactory(5)
    assert [first.uniform(0, 2) for _ in range(5)] == [second.uniform(0, 2) for _ in range(5)]
    assert [first.uuid4() for _ in range(3)] == [second.uuid4() for _ in range(3)]
