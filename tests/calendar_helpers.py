"""Helpers for the calendar and Zoom OAuth tests (not a test module): a sandbox built in memory and driven
through its use cases, at a frozen wall clock, with the default project's clock moved by advance_clock."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from sandbox.assembly import build_sandbox
from sandbox.contract import responses as shapes
from sandbox.contract.requests.calendars import parse_calendar_events_query, parse_create_calendar
from sandbox.usecases import calendars, control

NOW = datetime(2026, 12, 1, 9, 0, 0, tzinfo=timezone.utc)
DEFAULT_PROJECT = "proj_sbx0Default00001"
SECOND_PROJECT = "proj_sbx0Second000002"
GOOGLE = {"client_id": "cid", "client_secret": "sec", "refresh_token": "tok", "platform": "google"}
MEET = "https://meet.google.com/abc-defg-hij"
ZOOM = "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1"
TEAMS = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%22t%22%2c%22Oid%22%3a%22o%22%7d"
)


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_clock:
        yield frozen_clock


@pytest.fixture
def sb(frozen):
    sandbox = build_sandbox({"in_memory": True, "testing": True, "seed": 13})
    yield sandbox
    sandbox.shutdown()


@pytest.fixture
def project(sb):
    return project_of(sb)


def project_of(sb, project_id=DEFAULT_PROJECT):
    """The stored project (its clock offset is current)."""
    return sb.store.get("projects", project_id)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def iso(moment):
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def dump_calendar(calendar, *, echo_metadata=False):
    """The Calendar object (`echo_metadata`: the metadata in the client's order, as create and PATCH answer)."""
    return (shapes.CALENDAR_AS_SENT if echo_metadata else shapes.CALENDAR).dump(calendar)


def dump_calendar_event(event, bots=()):
    return shapes.CALENDAR_EVENT.dump({**event, "bots": list(bots)})


def dump_zoom_oauth_connection(connection, *, echo_metadata=False):
    schema = shapes.ZOOM_OAUTH_CONNECTION_AS_SENT if echo_metadata else shapes.ZOOM_OAUTH_CONNECTION
    return schema.dump(connection)


def create_calendar(sb, project, **fields):
    return calendars.create_calendar(sb, project, parse_create_calendar({**GOOGLE, **fields}))


def put_event(sb, project, calendar_id, uuid, *, start=None, minutes=30, sync=True, **fields):
    """Put a timed remote event starting at `start` (default: a day after the project's now)."""
    start = start or sb.now(project_of(sb, project["id"])).replace(microsecond=0) + timedelta(days=1)
    body = {"start_time": iso(start), "end_time": iso(start + timedelta(minutes=minutes)), **fields}
    return calendars.put_remote_event(sb, project_of(sb, project["id"]), calendar_id, uuid, body, sync=sync)


def events(sb, project, **query):
    """GET /calendar_events as dumped objects."""
    listed = calendars.list_calendar_events(sb, project_of(sb, project["id"]), parse_calendar_events_query(query))
    return [dump_calendar_event(event, bots) for event, bots in listed]


def calendar_view(sb, project, calendar_id):
    return dump_calendar(calendars.get_calendar(sb, project_of(sb, project["id"]), calendar_id))


def advance(sb, project, seconds):
    """POST /sandbox/clock/advance: returns what was applied on the way (bots' events as the answer shows them)."""
    from sandbox.contract.responses import CLOCK_ADVANCED

    return CLOCK_ADVANCED.dump(control.advance_clock(sb, project_of(sb, project["id"]), {"seconds": seconds}))["events"]
