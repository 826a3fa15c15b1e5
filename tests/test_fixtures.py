"""Fixtures: the bundled data is complete and valid; a bad file stops start-up naming file, path and reason."""

import json
import shutil

import pytest

from sandbox import create_app
from sandbox.config import default_fixtures_dir
from sandbox.domain import lifecycle
from sandbox.infra.fixtures import FixtureError, load_fixtures
from tests.conftest import DEFAULT_SECRET

SECOND_SECRET = "c2J4MFNlY29uZFByb2plY3RXZWJob29rU2VjcmV0ISE="


@pytest.fixture
def fixtures_copy(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), folder)
    return folder


def edit(folder, name, change):
    data = json.loads((folder / name).read_text())
    change(data)
    (folder / name).write_text(json.dumps(data))


def test_the_bundled_fixtures_have_a_bot_in_every_bot_state():
    states = {bot["state"] for bot in load_fixtures(default_fixtures_dir())["bots"]}
    assert states == set(lifecycle.BOT_STATES) - set(lifecycle.APP_SESSION_STATES)


def test_the_two_projects_have_the_documented_keys_and_secrets():
    projects = load_fixtures(default_fixtures_dir())["projects"]
    assert [(p["api_key"], p["webhook_secret"]) for p in projects] == [
        ("sbx0DefaultProjectKey00000000001", DEFAULT_SECRET),
        ("sbx0SecondProjectKey000000000002", SECOND_SECRET),
    ]


def test_the_seed_bot_is_as_the_seed_page_shows_it():
    bots = {bot["id"]: bot for bot in load_fixtures(default_fixtures_dir())["bots"]}
    seed = bots["bot_weIAju4OXNZkDTpZ"]
    assert seed["meeting_url"] == "https://zoom.us/j/123?pwd=456"
    assert seed["metadata"] == {"customer_id": "abc123"}
    assert [(e["type"], e["created_at"]) for e in seed["events"]] == [
        ("join_requested", "2024-01-18T12:34:56+00:00"),
        ("joined_meeting", "2024-01-18T12:35:00+00:00"),
    ]
    assert seed["state"] == "joined_not_recording"
    assert (seed["recording"]["state"], seed["recording"]["transcription_state"]) == ("in_progress", "in_progress")
    assert seed["join_at"] == "2024-01-18T12:34:56+00:00"


def test_the_readme_table_lists_every_fixture_bot():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for bot in load_fixtures(default_fixtures_dir())["bots"]:
        assert f"`{bot['id']}`" in readme and f"`{bot['state']}`" in readme


@pytest.mark.parametrize(
    "name, change, path, reason",
    [
        ("bots.json", lambda d: d[3]["events"].append({"type": "left_meeting", "created_at": "2026-11-02T04:00:00Z"}),
         "$[3].events", "the state machine refuses this history: Event left_meeting not allowed"),
        ("bots.json", lambda d: d[1].update(state="ended"), "$[1].state", "declared 'ended' but the events lead to 'ready'"),
        ("bots.json", lambda d: d[0].update(project_id="proj_nope000000000000"), "$[0].project_id", "no project"),
        ("bots.json", lambda d: d[0]["events"][0].update(created_at="yesterday"), "$[0].events[0].created_at", "not an ISO 8601"),
        ("projects.json", lambda d: d[0].update(webhook_secret="short"), "$[0].webhook_secret", "base64 of 32 bytes"),
        ("projects.json", lambda d: d[1].update(api_key=d[0]["api_key"]), "$[1]", "duplicate"),
        ("scenarios.json", lambda d: d["happy_path"]["on"]["leave_requested"].append({"after": 1, "event": "no_such"}),
         "$.happy_path.on.leave_requested[3].event", "Unknown event type"),
        ("scenarios.json", lambda d: d["happy_path"]["on"]["leave_requested"].append({"after": -1, "event": "left_meeting"}),
         "$.happy_path.on.leave_requested[3].after", "seconds >= 0"),
    ],
)
def test_a_bad_fixture_names_file_path_and_reason(fixtures_copy, name, change, path, reason):
    edit(fixtures_copy, name, change)
    with pytest.raises(FixtureError) as error:
        load_fixtures(fixtures_copy)
    assert error.value.file.name == name
    assert error.value.path == path
    assert reason in error.value.reason


def test_invalid_json_names_the_file(fixtures_copy):
    (fixtures_copy / "bots.json").write_text("[{]")
    with pytest.raises(FixtureError, match="bots.json: at \\$: not valid JSON"):
        load_fixtures(fixtures_copy)


def test_a_bad_fixture_stops_start_up_and_writes_no_data_file(fixtures_copy, tmp_path):
    edit(fixtures_copy, "bots.json", lambda d: d[1].update(state="ended"))
    with pytest.raises(FixtureError):
        create_app({"data_path": tmp_path / "data.json", "fixtures_dir": fixtures_copy, "testing": True})
    assert not (tmp_path / "data.json").exists()


def test_fixtures_load_only_into_a_new_data_file(make_app):
    sandbox = make_app().extensions["sandbox"]  # on a data file, which the second app opens again
    bot = sandbox.store.get("bots", "bot_weIAju4OXNZkDTpZ")
    bot["metadata"] = {"changed": "yes"}
    sandbox.store.put("bots", bot)
    sandbox.shutdown()
    again = make_app().extensions["sandbox"]
    assert again.store.get("bots", "bot_weIAju4OXNZkDTpZ")["metadata"] == {"changed": "yes"}
