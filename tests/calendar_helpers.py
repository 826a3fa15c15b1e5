"""Helpers for the calendar and Zoom OAuth tests (not a test module): a sandbox built in memory and driven
through its use cases, at a frozen wall clock, with the default project's clock moved by advance_clock."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from sandbox.assembly import build_sandbox, read_fixtures
from sandbox.config import default_fixtures_dir
from sandbox.contract import responses as shapes
from werkzeug.datastructures import MultiDict

from sandbox.contract.endpoints import ENDPOINTS
from sandbox.contract.requests import ParseContext
from sandbox.contract.requests.calendars import parse_create_calendar
from sandbox.contract.responses import Created
from sandbox.usecases import calendars, control
from sandbox.web.pipeline import query_arguments, use_case

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


BUNDLED_CALENDAR = "cal_sbx0DefaultCal01"  # fixtures/calendars.json's calendar of the default project


@pytest.fixture
def sb(frozen):
    """A sandbox of the bundled fixtures without their calendar and Zoom OAuth app (the tests here make
    their own; tests/test_calendar_fixtures.py covers the bundled ones)."""
    sandbox = build_sandbox({"in_memory": True, "testing": True, "seed": 13}, without_calendars())
    yield sandbox
    sandbox.shutdown()


def without_calendars(fixtures_dir=None):
    """`read_fixtures` of the bundled folder (or `fixtures_dir`) with no calendars and no Zoom OAuth apps."""
    scenario_book, tables = read_fixtures(fixtures_dir or default_fixtures_dir())
    empty = {"calendars": [], "remote_calendars": [], "zoom_oauth_apps": []}
    return scenario_book, {**tables, **empty}


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


def hook(sb, project, method, rule, *path, body=None, **query):
    """Run a row of the endpoint table as the pipeline does: its query parameters and body checked, then its
    use case called with them (a `Created` result unwrapped). `rule` may leave out `/sandbox/`."""
    rule = rule if rule.startswith("/") else "/sandbox/" + rule
    row = operation(method, rule)
    stored = project_of(sb, project["id"])
    kwargs = query_arguments(row, MultiDict({name: str(value).lower() for name, value in query.items()}))
    if row.body is not None:
        value = row.body.parse({} if body is None else body, ParseContext(sb.now(stored), sb.settings))
        kwargs.update(value if row.body.arguments else {"body": value})
    result = use_case(row.use_case)(sb, stored, *path, **kwargs)
    return result.value if isinstance(result, Created) else result


def put_remote(sb, project, calendar_id, uuid, body, *, sync=False):
    """PUT /sandbox/calendars/{id}/remote_events/{uuid} (?sync=true)."""
    return hook(sb, project, "PUT", "calendars/<object_id>/remote_events/<platform_uuid>", calendar_id, uuid,
                body=body, sync=sync)


def put_event(sb, project, calendar_id, uuid, *, start=None, minutes=30, sync=True, **fields):
    """Put a timed remote event starting at `start` (default: a day after the project's now)."""
    start = start or sb.now(project_of(sb, project["id"])).replace(microsecond=0) + timedelta(days=1)
    body = {"start_time": iso(start), "end_time": iso(start + timedelta(minutes=minutes)), **fields}
    return put_remote(sb, project, calendar_id, uuid, body, sync=sync)


def sync_failures(sb, project, calendar_id, body):
    return hook(sb, project, "POST", "calendars/<object_id>/sync_failures", calendar_id, body=body)


def disconnect(sb, project, calendar_id, body=None):
    return hook(sb, project, "POST", "calendars/<object_id>/disconnect", calendar_id, body=body)


def put_app(sb, project, body):
    """PUT /sandbox/zoom_oauth_app: `(the app as answered, created)`."""
    result = use_case("zoom_oauth.put_app")(sb, project_of(sb, project["id"]), **_parsed("PUT", "zoom_oauth_app", body))
    app = result.value if isinstance(result, Created) else result
    return shapes.ZOOM_OAUTH_APP.dump(app), isinstance(result, Created)


def _parsed(method, rule, body):
    return operation(method, "/sandbox/" + rule).body.parse(body, None)


def put_code(sb, project, code, body):
    return hook(sb, project, "PUT", "zoom_oauth/codes/<authorization_code>", code, body=body)


def auth_failure(sb, project, connection_id, body=None):
    """POST .../auth_failure: `(the connection, whether a webhook was sent)`."""
    answer = hook(sb, project, "POST", "zoom_oauth_connections/<object_id>/auth_failure", connection_id, body=body)
    return answer["zoom_oauth_connection"], answer["webhook"] is not None


def sync_success(sb, project, connection_id, body=None):
    answer = hook(sb, project, "POST", "zoom_oauth_connections/<object_id>/sync_success", connection_id, body=body)
    return answer["zoom_oauth_connection"]


def operation(method, rule):
    """The endpoint table's operation of `method` on `rule`."""
    return next(endpoint for endpoint in ENDPOINTS if endpoint.rule == rule).operations[method]


def calendar_events_query(query):
    """The keyword arguments `GET /calendar_events?<query>` hands its use case: the row's parameters checked
    in the row's order (the first error is raised), as the pipeline checks them."""
    return query_arguments(operation("GET", "/api/v1/calendar_events"), MultiDict(query))


def events(sb, project, **query):
    """GET /calendar_events as dumped objects (every page)."""
    listed = calendars.list_calendar_events(sb, project_of(sb, project["id"]), **calendar_events_query(query))
    return [shapes.CALENDAR_EVENT.dump(event) for event in listed]


def calendar_view(sb, project, calendar_id):
    return dump_calendar(calendars.get_calendar(sb, project_of(sb, project["id"]), calendar_id))


def advance(sb, project, seconds):
    """POST /sandbox/clock/advance: returns what was applied on the way (bots' events as the answer shows them)."""
    from sandbox.contract.responses import CLOCK_ADVANCED

    return CLOCK_ADVANCED.dump(control.advance_clock(sb, project_of(sb, project["id"]), {"seconds": seconds}))["events"]
