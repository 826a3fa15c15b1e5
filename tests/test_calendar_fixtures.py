"""Fixtures for calendars and Zoom OAuth: a project's Zoom OAuth app, `calendars.json` with remote events
(absolute, or relative to the first sync), checked like the API's bodies; a reset brings them back."""

import json
import shutil
from datetime import timedelta

import pytest

from sandbox.assembly import build_sandbox
from sandbox.config import default_fixtures_dir
from sandbox.contract.requests.zoom_oauth import parse_create_zoom_oauth_connection
from sandbox.infra.fixtures import FixtureError, load_fixtures
from sandbox.usecases import calendars, zoom_oauth
from tests.calendar_helpers import DEFAULT_PROJECT, MEET, NOW, ZOOM, create_calendar, events, frozen  # noqa: F401

CALENDAR_ID = "cal_sbxFixtureCal001"


@pytest.fixture
def fixtures_copy(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), folder)
    return folder


def write(folder, name, data):
    (folder / name).write_text(json.dumps(data))


def with_app(folder, app):
    projects = json.loads((folder / "projects.json").read_text())
    projects[0]["zoom_oauth_app"] = app
    write(folder, "projects.json", projects)


CALENDAR = {
    "id": CALENDAR_ID,
    "project_id": DEFAULT_PROJECT,
    "platform": "google",
    "client_id": "sandbox-client",
    "deduplication_key": "demo-user",
    "metadata": {"owner": "demo"},
    "created_at": "2026-06-01T00:00:00Z",
    "remote_events": [
        {"platform_uuid": "standup", "name": "Standup", "starts_in_minutes": 60, "duration_minutes": 15, "meeting_url": MEET},
        {"platform_uuid": "zoom-call", "name": "Zoom", "starts_in_minutes": 1500, "location": ZOOM},
        {"platform_uuid": "offsite", "name": "Offsite", "all_day_in_days": 2, "time_zone": "Europe/Paris"},
        {"platform_uuid": "old", "start_time": "2026-12-01T12:00:00Z", "end_time": "2026-12-01T13:00:00Z", "cancelled": True},
    ],
}


def test_a_projects_zoom_oauth_app_and_its_calendars_load_and_are_synced_as_seeded(fixtures_copy, frozen):
    with_app(fixtures_copy, {"client_id": "zoom-client"})
    write(fixtures_copy, "calendars.json", [CALENDAR])
    tables = load_fixtures(fixtures_copy)
    assert [app["id"] for app in tables["zoom_oauth_apps"]] == ["zoa_sbx0Default00001"]
    assert "_zoom_oauth_app" not in tables["projects"][0]
    sb = build_sandbox({"in_memory": True, "testing": True, "fixtures_dir": fixtures_copy})
    try:
        project = sb.store.get("projects", DEFAULT_PROJECT)
        frozen.tick(timedelta(minutes=5))  # read later: the first sync ran as the store was seeded
        listed = {event["platform_uuid"]: event for event in events(sb, project, ordering="start_time")}
        assert listed["standup"]["start_time"] == "2026-12-01T10:00:00Z"
        assert listed["standup"]["end_time"] == "2026-12-01T10:15:00Z"
        assert listed["zoom-call"]["meeting_url"] == ZOOM
        assert listed["offsite"]["start_time"] == "2026-12-02T23:00:00Z"  # midnight in Paris, two days on
        assert listed["old"]["is_deleted"] is True
        calendar = calendars.get_calendar(sb, project, CALENDAR_ID)
        assert (calendar["state"], calendar["last_successful_sync_at"]) == ("connected", "2026-12-01T09:00:00+00:00")
        assert calendar["created_at"] == "2026-06-01T00:00:00+00:00"  # as given; first synced at seeding
        body = parse_create_zoom_oauth_connection({"authorization_code": "c", "redirect_uri": "x"})
        assert zoom_oauth.create_connection(sb, project, body)["zoom_oauth_app_id"] == "zoa_sbx0Default00001"
        create_calendar(sb, project)
        sb.reset()  # the fixture calendar again, first synced at the reset; the API's calendar gone
        assert [c["id"] for c in sb.store.scan("calendars", DEFAULT_PROJECT)] == [CALENDAR_ID]
        reset = sb.store.get("calendars", CALENDAR_ID)
        assert (reset["queued_sync_at"], reset["last_successful_sync_at"]) == (None, "2026-12-01T09:05:00+00:00")
        assert len(sb.store.scan("calendar_events", DEFAULT_PROJECT)) == 4
        assert sb.store.scan("zoom_oauth_connections", DEFAULT_PROJECT) == []
    finally:
        sb.shutdown()


@pytest.mark.parametrize(
    "change, path, reason",
    [
        (lambda c: c.update(project_id="proj_nope0000000000"), "$[0].project_id", "no project"),
        (lambda c: c.update(id="cal_short"), "$[0].id", "cal_ followed by 16"),
        (lambda c: c.update(platform="yahoo"), "$[0]", "POST /calendars"),
        (lambda c: c.update(color="red"), "$[0]", "unknown keys"),
        (lambda c: c["remote_events"][0].update(time_zone="Mars/Base"), "$[0].remote_events[0]", "unknown time zone"),
        (lambda c: c["remote_events"][1].update(platform_uuid="standup"), "$[0].remote_events[1].platform_uuid", "another"),
        (lambda c: c["remote_events"][2].pop("all_day_in_days"), "$[0].remote_events[2]", "Give start_time"),
    ],
)
def test_a_bad_calendar_fixture_stops_start_up_naming_the_spot(fixtures_copy, change, path, reason):
    calendar = json.loads(json.dumps(CALENDAR))
    change(calendar)
    write(fixtures_copy, "calendars.json", [calendar])
    with pytest.raises(FixtureError) as caught:
        load_fixtures(fixtures_copy)
    assert caught.value.file.name == "calendars.json"
    assert caught.value.path == path and reason in caught.value.reason


def test_a_fixture_calendar_without_a_creation_time_is_created_at_seeding(fixtures_copy, frozen):
    write(fixtures_copy, "calendars.json", [{key: value for key, value in CALENDAR.items() if key != "created_at"}])
    sb = build_sandbox({"in_memory": True, "testing": True, "fixtures_dir": fixtures_copy})
    try:
        stored = sb.store.get("calendars", CALENDAR_ID)
        assert stored["created_at"] == stored["sync_task_enqueued_at"] == "2026-12-01T09:00:00+00:00"
    finally:
        sb.shutdown()


def test_deduplication_keys_are_unique_per_project_in_fixtures_too(fixtures_copy):
    second = {**CALENDAR, "id": "cal_sbxFixtureCal002", "remote_events": []}
    write(fixtures_copy, "calendars.json", [CALENDAR, second])
    with pytest.raises(FixtureError) as caught:
        load_fixtures(fixtures_copy)
    assert caught.value.path == "$[1].deduplication_key"


def test_a_bad_zoom_oauth_app_fixture(fixtures_copy):
    with_app(fixtures_copy, {"id": "zoa_x", "client_id": "c"})
    with pytest.raises(FixtureError) as caught:
        load_fixtures(fixtures_copy)
    assert (caught.value.file.name, caught.value.path) == ("projects.json", "$[0].zoom_oauth_app.id")


def test_a_data_file_written_by_the_reset_command_is_stamped_and_synced_when_first_served(tmp_path, frozen):
    """`python -m sandbox reset` stores the fixtures as loaded (the bundled calendar not yet created nor
    synced); the first serve of that file completes them, as a new store's seeding does."""
    from sandbox import cli

    data = tmp_path / "data.json"
    assert cli.main(["reset", "--data", str(data)]) == 0
    sb = build_sandbox({"data_path": data, "testing": True})
    try:
        calendar = sb.store.get("calendars", "cal_sbx0DefaultCal01")
        assert (calendar["created_at"], calendar["last_successful_sync_at"]) == (
            "2026-12-01T09:00:00+00:00", "2026-12-01T09:00:00+00:00")
        listed = events(sb, sb.store.get("projects", DEFAULT_PROJECT), ordering="start_time")
        assert [(e["name"], e["start_time"]) for e in listed] == [
            ("Weekly sync", "2026-12-01T12:00:00Z"), ("Customer call", "2026-12-02T12:00:00Z"),
            ("Team lunch", "2026-12-03T12:00:00Z")]
    finally:
        sb.shutdown()
    reopened = build_sandbox({"data_path": data, "testing": True})  # served before: nothing stamped again
    try:
        assert reopened.store.get("calendars", "cal_sbx0DefaultCal01") == calendar
    finally:
        reopened.shutdown()
