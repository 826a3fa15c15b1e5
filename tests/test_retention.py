"""Retention: finished bots older than N days are pruned with their meeting data (setting
`retention_days` / SANDBOX_RETENTION_DAYS at start-up and periodically, and `attendee-sandbox prune`)."""

import copy
import json
import time

import pytest
from freezegun import freeze_time

from sandbox.cli import main
from sandbox.config import ConfigError, default_fixtures_dir
from sandbox.infra import retention
from sandbox.infra.fixtures import load_fixtures
from sandbox.infra.store import TinyDBStore
from tests.conftest import AUTH
from tests.openapi_check import assert_valid_response

NOW = "2026-11-30T12:00:00Z"
DEFAULT_PROJECT = "proj_sbx0Default00001"
SECOND_PROJECT = "proj_sbx0Second000002"
FIXTURE_ENDED = "bot_sbxEnded00000000"
OLD = "bot_retOldEnded00001"
RECENT = "bot_retRecentEnded01"
BOT_TABLES = ("utterances", "participants", "participant_events", "chat_messages", "async_transcriptions")
NOT_FOUND = b'{"error":"Bot not found"}'


def finished_bot(bot_id, last_event_at, *, state="ended", project_id=DEFAULT_PROJECT, **changes):
    """A copy of the fixture's ended bot with its own id, whose last event happened at `last_event_at`."""
    fixtures = load_fixtures(default_fixtures_dir())
    bot = copy.deepcopy(next(b for b in fixtures["bots"] if b["id"] == FIXTURE_ENDED))
    bot.update(id=bot_id, project_id=project_id, state=state, **changes)
    bot["recording"]["id"] = "rec_" + bot_id[4:]
    bot["events"][-1]["created_at"] = last_event_at
    return bot


def seed_meeting_data(store, bot_id, project_id=DEFAULT_PROJECT):
    """One document per bot-scoped table and two webhook delivery records, for `bot_id`."""
    for table in BOT_TABLES:
        store.put(table, {"id": f"{table}_{bot_id}", "bot_id": bot_id})
    for trigger in ("bot.state_change", "transcript.update"):
        store.put("deliveries", {"id": f"whd_{trigger}_{bot_id}", "project_id": project_id, "bot_id": bot_id,
                                 "trigger": trigger, "status": "delivered"})


def documents_of(store, bot_id, project_id=DEFAULT_PROJECT):
    found = {table: len(store.scan(table, bot_id)) for table in BOT_TABLES}
    found["deliveries"] = sum(1 for d in store.scan("deliveries", project_id) if d.get("bot_id") == bot_id)
    return found


def get(client, bot_id):
    return client.get(f"/api/v1/bots/{bot_id}", headers=AUTH)


# -- what is pruned, what is kept -----------------------------------------------------------------------------


@freeze_time(NOW)
def test_a_bot_that_ended_more_than_the_period_ago_is_pruned_with_its_meeting_data(sandbox, client):
    sandbox.store.put("bots", finished_bot(OLD, "2026-11-22T11:59:59+00:00"))
    seed_meeting_data(sandbox.store, OLD)
    seed_meeting_data(sandbox.store, "bot_sbxJoinedRec0000")  # another bot's data stays
    others = documents_of(sandbox.store, "bot_sbxJoinedRec0000")

    report = retention.prune_sandbox(sandbox, days=7)

    assert report.bots == [OLD]
    assert report.documents == {**{table: 1 for table in BOT_TABLES}, "deliveries": 2}
    response = get(client, OLD)
    assert (response.status_code, response.data) == (404, NOT_FOUND)
    assert_valid_response("GET", f"/api/v1/bots/{OLD}", 404, response.data, response.headers["Content-Type"])
    assert documents_of(sandbox.store, OLD) == {**{table: 0 for table in BOT_TABLES}, "deliveries": 0}
    assert documents_of(sandbox.store, "bot_sbxJoinedRec0000") == others


@freeze_time(NOW)
@pytest.mark.parametrize("state", ["fatal_error", "data_deleted"])
def test_every_post_meeting_state_is_pruned(sandbox, state):
    sandbox.store.put("bots", finished_bot(OLD, "2026-11-01T00:00:00+00:00", state=state))
    assert retention.prune_sandbox(sandbox, days=7).bots == [OLD]


@freeze_time(NOW)
def test_a_bot_that_ended_within_the_period_is_kept(sandbox, client):
    sandbox.store.put("bots", finished_bot(RECENT, "2026-11-23T12:00:01+00:00"))
    assert retention.prune_sandbox(sandbox, days=7).bots == []
    response = get(client, RECENT)
    assert response.status_code == 200
    assert_valid_response("GET", f"/api/v1/bots/{RECENT}", 200, response.data, response.headers["Content-Type"])


@freeze_time(NOW)
@pytest.mark.parametrize("state", ["joined_recording", "leaving", "post_processing", "scheduled", "ready"])
def test_a_bot_not_yet_finished_is_kept_however_old(sandbox, state):
    sandbox.store.put("bots", finished_bot(OLD, "2025-01-01T00:00:00+00:00", state=state))
    assert retention.prune_sandbox(sandbox, days=0).bots == []
    assert sandbox.store.get("bots", OLD) is not None


@freeze_time(NOW)
def test_a_finished_bot_with_scripted_steps_still_pending_is_kept(sandbox):
    pending = [{"due": "2026-11-01T00:00:05+00:00", "action": "upload_recording"}]
    sandbox.store.put("bots", finished_bot(OLD, "2026-11-01T00:00:00+00:00", pending_steps=pending))
    assert retention.prune_sandbox(sandbox, days=7).bots == []


@freeze_time(NOW)
def test_the_fixture_bots_are_never_pruned(sandbox):
    report = retention.prune_sandbox(sandbox, days=0)
    assert report.bots == []
    assert sandbox.store.get("bots", FIXTURE_ENDED)["state"] == "ended"


@freeze_time(NOW)
def test_each_project_is_pruned_by_its_own_clock(sandbox):
    second = sandbox.store.get("projects", SECOND_PROJECT)
    second["clock_offset_seconds"] = 10 * 86400.0  # this project lives ten days ahead
    sandbox.store.put("projects", second)
    sandbox.store.put("bots", finished_bot("bot_retAheadEnded001", "2026-11-25T12:00:00+00:00", project_id=SECOND_PROJECT))
    sandbox.store.put("bots", finished_bot(RECENT, "2026-11-25T12:00:00+00:00"))
    assert retention.prune_sandbox(sandbox, days=7).bots == ["bot_retAheadEnded001"]


def test_a_bot_created_run_and_ended_through_the_api_is_pruned_a_week_later(sandbox, client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        created = client.post("/api/v1/bots", json={"meeting_url": "https://meet.google.com/abc-defg-hij",
                                                    "bot_name": "Retained"}, headers=AUTH)
        assert created.status_code == 201
        bot_id = created.json["id"]
        frozen.tick(30)  # joined; participants came and talked
        assert client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH).status_code == 200
        frozen.tick(60)
        assert get(client, bot_id).json["state"] == "ended"
        assert documents_of(sandbox.store, bot_id)["utterances"] > 0
        assert documents_of(sandbox.store, bot_id)["participants"] > 0

        frozen.tick(7 * 86400 - 120)  # not yet a week after its last event
        assert retention.prune_sandbox(sandbox, days=7).bots == []
        frozen.tick(120)
        assert retention.prune_sandbox(sandbox, days=7).bots == [bot_id]
        assert get(client, bot_id).data == NOT_FOUND
        assert sum(documents_of(sandbox.store, bot_id).values()) == 0


# -- the setting ------------------------------------------------------------------------------------------------


def data_file_with(path, *bots):
    """A data file holding the fixtures plus `bots`, each with meeting data."""
    tables = load_fixtures(default_fixtures_dir())
    tables["bots"] = tables["bots"] + list(bots)
    store = TinyDBStore(path)
    store.replace_all(tables)
    for bot in bots:
        seed_meeting_data(store, bot["id"], bot["project_id"])
    store.close()


@freeze_time(NOW)
def test_the_retention_setting_prunes_at_start_up(tmp_path, make_app):
    data_file_with(tmp_path / "data.json", finished_bot(OLD, "2026-11-01T00:00:00+00:00"),
                   finished_bot(RECENT, "2026-11-29T00:00:00+00:00"))
    app = make_app(retention_days=7)
    sb = app.extensions["sandbox"]
    assert sb.last_prune.bots == [OLD]
    assert sb.store.get("bots", OLD) is None and sb.store.get("bots", RECENT) is not None
    assert sum(documents_of(sb.store, OLD).values()) == 0


@freeze_time(NOW)
def test_the_retention_setting_is_read_from_the_environment(tmp_path, make_app, monkeypatch):
    data_file_with(tmp_path / "data.json", finished_bot(OLD, "2026-11-01T00:00:00+00:00"))
    monkeypatch.setenv("SANDBOX_RETENTION_DAYS", "7")
    assert make_app().extensions["sandbox"].store.get("bots", OLD) is None


@freeze_time(NOW)
def test_without_the_setting_nothing_is_pruned(tmp_path, make_app):
    data_file_with(tmp_path / "data.json", finished_bot(OLD, "2020-01-01T00:00:00+00:00"))
    sb = make_app().extensions["sandbox"]
    assert sb.last_prune is None and sb.retention is None
    assert sb.store.get("bots", OLD) is not None


def test_a_negative_retention_setting_stops_start_up_with_a_clear_message(make_app):
    with pytest.raises(ConfigError, match=r"the retention period must be a whole number of days >= 0, not -1"):
        make_app(retention_days=-1)


def test_a_served_sandbox_keeps_pruning_in_the_background(tmp_path, make_app):
    app = make_app(retention_days=7, testing=False)
    sb = app.extensions["sandbox"]
    assert isinstance(sb.retention, retention.PeriodicPrune) and sb.retention.interval == 3600
    sb.retention.stop()

    periodic = retention.PeriodicPrune(sb, interval=0.02).start()
    try:
        sb.store.put("bots", finished_bot(OLD, "2020-01-01T00:00:00+00:00"))
        end = time.clock_gettime(time.CLOCK_MONOTONIC) + 3
        while sb.store.get("bots", OLD) is not None and time.clock_gettime(time.CLOCK_MONOTONIC) < end:
            time.sleep(0.01)
        assert sb.store.get("bots", OLD) is None
    finally:
        periodic.stop()
    assert not periodic.thread.is_alive()


def test_a_sandbox_in_testing_mode_prunes_only_at_start_up(make_app):
    assert make_app(retention_days=7).extensions["sandbox"].retention is None


# -- attendee-sandbox prune -----------------------------------------------------------------------------------------


@freeze_time(NOW)
def test_the_prune_command_prunes_a_data_file(tmp_path, capsys):
    data = tmp_path / "data.json"
    data_file_with(data, finished_bot(OLD, "2026-11-01T00:00:00+00:00"), finished_bot(RECENT, "2026-11-29T00:00:00+00:00"))
    assert main(["prune", "--data", str(data), "--days", "7"]) == 0
    assert capsys.readouterr().out == (
        f"{data}: pruned 1 bot(s) whose meeting ended more than 7 day(s) ago, with 7 document(s) of their data\n"
    )
    assert (tmp_path / "data.json.journal").read_bytes() == b""  # written into the data file itself
    stored = {doc["id"] for doc in json.loads(data.read_bytes())["bots"].values()}
    assert OLD not in stored and RECENT in stored and FIXTURE_ENDED in stored


@freeze_time(NOW)
def test_the_prune_command_takes_its_period_from_the_environment(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data.json"
    data_file_with(data, finished_bot(OLD, "2026-11-01T00:00:00+00:00"))
    monkeypatch.setenv("SANDBOX_RETENTION_DAYS", "30")
    assert main(["prune", "--data", str(data)]) == 0
    assert "pruned 0 bot(s) whose meeting ended more than 30 day(s) ago" in capsys.readouterr().out
    monkeypatch.setenv("SANDBOX_DATA", str(data))
    assert main(["prune", "--days", "7"]) == 0
    assert "pruned 1 bot(s)" in capsys.readouterr().out


def test_the_prune_command_without_a_period_stops_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SANDBOX_RETENTION_DAYS", raising=False)
    data = tmp_path / "data.json"
    data_file_with(data)
    assert main(["prune", "--data", str(data)]) == 2
    assert capsys.readouterr().err == "attendee-sandbox: no retention period: give --days N or set SANDBOX_RETENTION_DAYS\n"


def test_the_prune_command_refuses_a_negative_period(tmp_path, capsys):
    data = tmp_path / "data.json"
    data_file_with(data)
    assert main(["prune", "--data", str(data), "--days", "-3"]) == 2
    assert capsys.readouterr().err == (
        "attendee-sandbox: the retention period must be a whole number of days >= 0, not -3\n"
    )


def test_the_prune_command_does_not_create_a_missing_data_file(tmp_path, capsys):
    assert main(["prune", "--data", str(tmp_path / "none.json"), "--days", "7"]) == 2
    assert capsys.readouterr().err == f"attendee-sandbox: {tmp_path / 'none.json'}: no such data file\n"
    assert list(tmp_path.iterdir()) == []


def test_serve_with_a_negative_retention_setting_stops_before_listening(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SANDBOX_RETENTION_DAYS", "-1")
    assert main(["serve", "--port", "0", "--data", str(tmp_path / "data.json")]) == 2
    assert "the retention period must be a whole number of days >= 0, not -1" in capsys.readouterr().err
