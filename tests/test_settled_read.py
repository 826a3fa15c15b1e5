"""GET /api/v1/bots/{id} of a bot with nothing due reads the bot as stored (`Sandbox.settled_bot`), without
the project's lock; a bot with a step due, or a project with other work due, still goes through a unit of
work that applies it first."""

import threading

from tests.conftest import AUTH, SEED_BOT

CREATE = {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "B"}


def test_a_settled_bot_is_read_while_the_projects_lock_is_held(client, sandbox):
    project = sandbox.default_project()
    held, release = threading.Event(), threading.Event()

    def hold():
        with sandbox.project_lock(project["id"]):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        assert sandbox.settled_bot(project, SEED_BOT) is not None
        assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 200
    finally:
        release.set()
        holder.join()


def test_the_settled_read_is_the_stored_bot(client, sandbox):
    project = sandbox.default_project()
    bot, raw = sandbox.settled_bot(project, SEED_BOT)
    assert (bot, raw) == sandbox.store.get_with_raw("bots", SEED_BOT)


def test_a_bot_with_a_step_due_is_caught_up_first(client, sandbox):
    created = client.post("/api/v1/bots", json=CREATE, headers=AUTH).get_json()
    project = sandbox.default_project()
    assert sandbox.settled_bot(project, created["id"]) is not None  # its next step is not due yet
    stored = sandbox.store.get("bots", created["id"])
    due_now = [{**stored["pending_steps"][0], "due": "2000-01-01T00:00:00+00:00"}]
    sandbox.store.put("bots", {**stored, "pending_steps": due_now})
    assert sandbox.settled_bot(project, created["id"]) is None
    answer = client.get(f"/api/v1/bots/{created['id']}", headers=AUTH).get_json()
    assert answer["state"] != created["state"]
    assert len(answer["events"]) == len(created["events"]) + 1


def test_another_projects_bot_and_an_unknown_bot_are_not_settled_reads(client, sandbox):
    projects = sandbox.store.scan("projects", "")
    other = next(project for project in projects if project["id"] != sandbox.default_project()["id"])
    assert sandbox.settled_bot(other, SEED_BOT) is None
    assert sandbox.settled_bot(sandbox.default_project(), "bot_doesNotExist0000") is None
    assert sandbox.settled_bot(sandbox.default_project(), 7) is None
