"""Calendars, calendar events and Zoom OAuth connections over HTTP (docs/contract/calendars.md, zoom-oauth.md):
the exact bytes, messages, field orders, headers and orders of checks the real server was seen to produce, on
the bundled fixtures; then the sync rules end to end on the plugin's real server, with a real webhook receiver.
(The use cases' rules are covered in tests/test_calendar*.py and tests/test_zoom_oauth.py.)"""

import json
import re
from datetime import datetime, timedelta

import pytest

from sandbox.pytest_plugin import SandboxControlError, wait_until
from tests.conftest import AUTH, SECOND_AUTH

CALENDAR = "cal_sbx0DefaultCal01"  # fixtures/calendars.json
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
GOOGLE = {"platform": "google", "client_id": "cid", "client_secret": "sec", "refresh_token": "tok"}
MEET = "https://meet.google.com/abc-defg-hij"
API_DATETIME = r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z"'


def post(client, path, body, headers=JSON_AUTH):
    return client.post(path, data=body if isinstance(body, str) else json.dumps(body), headers=headers)


def keys(response):
    return list(json.loads(response.data))


# -- the bundled calendar --------------------------------------------------------------------------------------


def test_the_bundled_calendar_is_connected_and_synced_with_its_three_events(client):
    calendar = client.get(f"/api/v1/calendars/{CALENDAR}", headers=AUTH).json
    assert (calendar["platform"], calendar["state"], calendar["deduplication_key"]) == ("google", "connected", "demo-user")
    assert calendar["last_successful_sync_at"] is not None
    events = client.get("/api/v1/calendar_events?ordering=start_time", headers=AUTH).json["results"]
    assert [(e["name"], e["meeting_url"]) for e in events] == [
        ("Weekly sync", MEET),
        ("Customer call", "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1"),
        ("Team lunch", None),
    ]
    assert events[0]["attendees"] == [{"name": "Ada", "email": "ada@example.com"}, {"name": "Grace", "email": "grace@example.com"}]
    app = client.get("/sandbox/zoom_oauth_app", headers=AUTH).json
    assert (app["id"], app["client_id"]) == ("zoa_sbx0Default00001", "sandbox-zoom-client-id")
    assert client.get("/api/v1/calendars", headers=SECOND_AUTH).json["results"] == []  # the second project has none


def test_a_bot_from_the_bundled_zoom_event_is_accepted_through_the_zoom_oauth_app(client):
    events = client.get("/api/v1/calendar_events?ordering=start_time", headers=AUTH).json["results"]
    created = post(client, "/api/v1/bots", {"calendar_event_id": events[1]["id"], "bot_name": "Notetaker"})
    assert created.status_code == 201, created.json
    assert (created.json["state"], created.json["join_at"]) == ("scheduled", events[1]["start_time"])


# -- calendars ---------------------------------------------------------------------------------------------------


def test_create_answers_the_twelve_fields_in_order_trimmed_with_metadata_as_sent(client):
    body = {**GOOGLE, "client_id": "  cid  ", "deduplication_key": "  user-1  ", "platform_uuid": "  cal@x  ",
            "metadata": {"zz": "1", "a": "2", "bbb": "3"}}
    response = post(client, "/api/v1/calendars", body)
    assert response.status_code == 201
    text = response.get_data(as_text=True)
    assert re.fullmatch(
        r'\{"id":"cal_[A-Za-z0-9]{16}","platform":"google","client_id":"cid","platform_uuid":"cal@x",'
        r'"state":"connected","metadata":\{"zz":"1","a":"2","bbb":"3"\},"deduplication_key":"user-1",'
        r'"connection_failure_data":null,"created_at":' + API_DATETIME + ',"updated_at":' + API_DATETIME
        + r',"last_successful_sync_at":null,"last_attempted_sync_at":null\}',
        text,
    ), text
    got = client.get(f"/api/v1/calendars/{response.json['id']}", headers=AUTH)
    assert '"metadata":{"a":"2","zz":"1","bbb":"3"}' in got.get_data(as_text=True)  # JSONB order when read back


def test_create_errors_come_keyed_in_declaration_order_then_unknown_fields_then_the_key_conflict(client):
    every = {"platform_uuid": None, "client_id": "", "client_secret": " ", "refresh_token": None, "platform": "yahoo",
             "metadata": None, "deduplication_key": ""}
    response = post(client, "/api/v1/calendars", every)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        '{"platform_uuid":["This field may not be null."],"client_id":["This field may not be blank."],'
        '"client_secret":["This field may not be blank."],"refresh_token":["This field may not be null."],'
        '"platform":["\\"yahoo\\" is not a valid choice."],"metadata":["This field may not be null."],'
        '"deduplication_key":["This field may not be blank."]}'
    )
    unknown = post(client, "/api/v1/calendars", {**GOOGLE, "zzz": 1, "extra": 2})
    assert unknown.json == {"non_field_errors": [
        "Unexpected field(s): extra, zzz. Allowed fields are: client_id, client_secret, deduplication_key, metadata, "
        "platform, platform_uuid, refresh_token"
    ]}
    conflict = post(client, "/api/v1/calendars", {**GOOGLE, "deduplication_key": "demo-user"})  # the bundled one's
    assert (conflict.status_code, conflict.json) == (
        400, {"deduplication_key": ["A calendar with this deduplication key already exists in this project."]}
    )
    array = post(client, "/api/v1/calendars", "[]")
    assert array.json == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    assert post(client, "/api/v1/calendars", {**GOOGLE, "deduplication_key": "demo-user"}, SECOND_AUTH | {
        "Content-Type": "application/json"}).status_code == 201  # another project may use the key


def test_the_deduplication_filter_applies_when_present_even_empty(client):
    assert client.get("/api/v1/calendars?deduplication_key=", headers=AUTH).json["results"] == []
    found = client.get("/api/v1/calendars?deduplication_key=demo-user", headers=AUTH).json["results"]
    assert [c["id"] for c in found] == [CALENDAR]


def test_patch_looks_up_first_refuses_fixed_fields_and_null_metadata_and_queues_a_sync(client):
    missing = client.patch("/api/v1/calendars/cal_doesNotExist0000", data="garbage", headers=JSON_AUTH)
    assert (missing.status_code, missing.json) == (404, {"error": "Calendar not found"})
    fixed = client.patch(f"/api/v1/calendars/{CALENDAR}", data=json.dumps(
        {"client_id": "x", "platform": "microsoft", "deduplication_key": "k"}), headers=JSON_AUTH)
    assert fixed.json == {"non_field_errors": [
        "Unexpected field(s): client_id, deduplication_key, platform. Allowed fields are: client_secret, metadata, "
        "refresh_token"
    ]}
    cleared = client.patch(f"/api/v1/calendars/{CALENDAR}", data='{"metadata": null}', headers=JSON_AUTH)
    assert cleared.json == {"metadata": ["This field may not be null."]}
    changed = client.patch(f"/api/v1/calendars/{CALENDAR}", data='{"metadata": {"b": "1", "a": "2"}}', headers=JSON_AUTH)
    assert changed.status_code == 200 and '"metadata":{"b":"1","a":"2"}' in changed.get_data(as_text=True)
    assert keys(changed)[:3] == ["id", "platform", "client_id"]


def test_delete_answers_an_empty_200_without_content_type_and_removes_scheduled_bots(client):
    events = client.get("/api/v1/calendar_events?ordering=start_time", headers=AUTH).json["results"]
    bot = post(client, "/api/v1/bots", {"calendar_event_id": events[0]["id"], "bot_name": "Notetaker"}).json
    response = client.delete(f"/api/v1/calendars/{CALENDAR}", headers=AUTH)
    assert (response.status_code, response.data, response.headers.get("Content-Length")) == (200, b"", "0")
    assert "Content-Type" not in response.headers
    assert client.get(f"/api/v1/bots/{bot['id']}", headers=AUTH).status_code == 404
    assert client.get("/api/v1/calendar_events", headers=AUTH).json["results"] == []
    again = client.delete(f"/api/v1/calendars/{CALENDAR}", headers=AUTH)
    assert (again.status_code, again.json) == (404, {"error": "Calendar not found"})


@pytest.mark.parametrize("path", ["/api/v1/calendars/", "/api/v1/zoom_oauth_connections/", "/api/v1/calendars/x/y"])
def test_paths_the_object_id_converter_does_not_match_reach_the_catch_all_without_a_key(client, path):
    response = client.get(path)
    assert (response.status_code, response.json) == (404, {"error": "Not found"})


@pytest.mark.parametrize("path, name", [
    ("/api/v1/calendars", "Calendar List Create"),
    (f"/api/v1/calendars/{CALENDAR}", "Calendar Detail Patch Delete"),
    ("/api/v1/calendar_events", "Calendar Event List"),
    ("/api/v1/zoom_oauth_connections", "Zoom O Auth Connection List Create"),
    ("/api/v1/zoom_oauth_connections/zoc_x", "Zoom O Auth Connection Detail Patch Delete"),
])
def test_options_name_the_views_as_the_real_server(client, path, name):
    assert client.options(path, headers=AUTH).json["name"] == name


# -- calendar events ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query, error", [
    ("updated_after=", "Invalid updated_at_gte format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"),
    ("updated_at_gte=&updated_after=nope", "Invalid updated_at_gte format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"),
    ("start_time_gte=", "Invalid start_time_gte format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"),
    ("end_time_lte=2026-13-01", "Invalid end_time_lte format. Use ISO 8601 format (e.g., 2025-01-13T18:00:00Z)"),
    ("ordering=", "Invalid ordering. Allowed values: -updated_at, updated_at, start_time, -start_time, end_time, "
                  "-end_time, created_at, -created_at"),
    ("ordering=name&start_time_gte=bad", "Invalid start_time_gte format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"),
])
def test_calendar_event_filters_answer_their_exact_errors_first_error_wins(client, query, error):
    response = client.get(f"/api/v1/calendar_events?{query}", headers=AUTH)
    assert (response.status_code, response.json) == (400, {"error": error})


def test_calendar_event_fields_in_order_and_filters_that_apply_even_empty(client):
    response = client.get("/api/v1/calendar_events?ordering=start_time", headers=AUTH)
    assert keys(response) == ["next", "previous", "results"]
    first = response.json["results"][0]
    assert list(first) == ["id", "calendar_id", "platform_uuid", "meeting_url", "start_time", "end_time", "is_deleted",
                           "attendees", "ical_uid", "name", "raw", "bots", "created_at", "updated_at"]
    for empty in ("calendar_id=", "event_id=", "calendar_deduplication_key="):
        assert client.get(f"/api/v1/calendar_events?{empty}", headers=AUTH).json["results"] == []
    assert client.get("/api/v1/calendar_events?updated_at_gte=", headers=AUTH).json["results"]  # alone: no filter
    one = client.get(f"/api/v1/calendar_events?event_id={first['id']}", headers=AUTH).json["results"]
    assert [e["id"] for e in one] == [first["id"]]
    bad_cursor = client.get("/api/v1/calendar_events?cursor=nope", headers=AUTH)
    assert (bad_cursor.status_code, bad_cursor.json) == (404, {"detail": "Invalid cursor"})


# -- Zoom OAuth connections --------------------------------------------------------------------------------------


def test_zoom_connection_checks_in_order_and_the_upsert(client):
    fields = post(client, "/api/v1/zoom_oauth_connections", {})
    assert fields.get_data(as_text=True) == (
        '{"authorization_code":["This field is required."],"redirect_uri":["This field is required."]}'
    )
    every = {"zoom_oauth_app_id": None, "authorization_code": "", "redirect_uri": "x",
             "is_local_recording_token_supported": "maybe", "is_onbehalf_token_supported": None, "metadata": {}}
    assert post(client, "/api/v1/zoom_oauth_connections", every).get_data(as_text=True) == (
        '{"zoom_oauth_app_id":["This field may not be null."],"authorization_code":["This field may not be blank."],'
        '"is_local_recording_token_supported":["Must be a valid boolean."],'
        '"is_onbehalf_token_supported":["This field may not be null."],"metadata":["Metadata must have at least one key"]}'
    )
    base = {"authorization_code": "code-a", "redirect_uri": "https://app.example.com/zoom"}
    assert post(client, "/api/v1/zoom_oauth_connections", {**base, "foo": 1}).json == {"non_field_errors": [
        "Unexpected field(s): foo. Allowed fields are: authorization_code, is_local_recording_token_supported, "
        "is_onbehalf_token_supported, metadata, redirect_uri, zoom_oauth_app_id"
    ]}
    flags = {**base, "is_local_recording_token_supported": False}
    assert post(client, "/api/v1/zoom_oauth_connections", flags).json == {"non_field_errors": [
        "At least one of is_local_recording_token_supported or is_onbehalf_token_supported must be true"
    ]}
    other_app = post(client, "/api/v1/zoom_oauth_connections", {**base, "zoom_oauth_app_id": "zoa_nope"})
    assert other_app.json == {"error": "Zoom OAuth App with id zoa_nope does not exist in this project (Default project)."}
    no_app = post(client, "/api/v1/zoom_oauth_connections", base, {**SECOND_AUTH, "Content-Type": "application/json"})
    assert no_app.json == {"error": "No Zoom OAuth App found in this project (Second project). Please add a Zoom OAuth App first."}
    first = post(client, "/api/v1/zoom_oauth_connections", {**base, "metadata": {"zz": "1", "a": "2"}})
    assert first.status_code == 201
    assert list(first.json) == ["id", "zoom_oauth_app_id", "user_id", "account_id", "state", "metadata",
                                "is_local_recording_token_supported", "is_onbehalf_token_supported",
                                "connection_failure_data", "created_at", "updated_at", "last_successful_sync_at",
                                "last_attempted_sync_at"]
    assert '"metadata":{"zz":"1","a":"2"}' in first.get_data(as_text=True)
    again = post(client, "/api/v1/zoom_oauth_connections", base)  # the same Zoom user: the same connection
    assert (again.json["id"], again.json["created_at"], again.json["metadata"]) == (
        first.json["id"], first.json["created_at"], None)


@pytest.mark.parametrize("outcome, error", [
    ("exchange_fails", "Error exchanging access code for tokens. Please check that the authorization code and "
                       "redirect URI are correct."),
    ("user_info_fails", "Error getting user info. Please check that the access token is valid."),
])
def test_zoom_code_outcomes_answer_the_real_messages(client, outcome, error):
    assert client.put(f"/sandbox/zoom_oauth/codes/bad-{outcome}", data=json.dumps({"outcome": outcome}),
                      headers=JSON_AUTH).status_code in (200, 201)
    body = {"authorization_code": f"bad-{outcome}", "redirect_uri": "https://app.example.com/zoom"}
    response = post(client, "/api/v1/zoom_oauth_connections", body)
    assert (response.status_code, response.json) == (400, {"error": error})


def test_zoom_connection_detail_has_no_patch_and_deletes_with_an_empty_200(client):
    body = {"authorization_code": "code-d", "redirect_uri": "https://app.example.com/zoom"}
    connection = post(client, "/api/v1/zoom_oauth_connections", body).json
    path = f"/api/v1/zoom_oauth_connections/{connection['id']}"
    patch = client.patch(path, data="{}", headers=JSON_AUTH)
    assert (patch.status_code, patch.json) == (405, {"detail": 'Method "PATCH" not allowed.'})
    assert patch.headers["Allow"] == "GET, DELETE, HEAD, OPTIONS"
    deleted = client.delete(path, headers=AUTH)
    assert (deleted.status_code, deleted.data) == (200, b"")
    missing = client.get(path, headers=AUTH)
    assert (missing.status_code, missing.json) == (404, {"error": "Zoom OAuth Connection not found"})


def test_the_delivery_log_filters_by_calendar_and_connection(client):
    body = {"start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T11:00:00Z"}  # out of the window: no change
    hook = client.put(f"/sandbox/calendars/{CALENDAR}/remote_events/x?sync=true", data=json.dumps(body), headers=JSON_AUTH)
    assert hook.status_code == 201
    assert client.get(f"/sandbox/webhooks/deliveries?calendar_id={CALENDAR}", headers=AUTH).json["results"] == []
    assert client.get("/sandbox/webhooks/deliveries?zoom_oauth_connection_id=zoc_x", headers=AUTH).json["results"] == []


# -- the sync rules end to end: the plugin's server, a real receiver -----------------------------------------------


def _at(project, hours):
    now = datetime.fromisoformat(project.clock()["now"].replace("Z", "+00:00")).replace(microsecond=0)
    return (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def _create_bot(project, event_id):
    import urllib.request

    request = urllib.request.Request(project.api_url + "/bots", method="POST",
                                     data=json.dumps({"calendar_event_id": event_id, "bot_name": "N"}).encode(),
                                     headers={**project.headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _events(project):
    return {e["platform_uuid"]: e for e in project.control("GET", "/api/v1/calendar_events")["results"]}


def test_sync_rules_end_to_end_with_signed_webhooks_and_no_bot_webhooks(sandbox_project, webhook_receiver):
    calendar = sandbox_project.calendar(metadata={"user": "ada"})
    for uuid, hours in (("moves", 5), ("cancelled", 6), ("vanishes", 7)):
        sandbox_project.add_remote_event(calendar["id"], uuid, name=uuid, start_time=_at(sandbox_project, hours),
                                         end_time=_at(sandbox_project, hours + 1), meeting_url=MEET)
    assert sandbox_project.sync(calendar["id"])["created"]
    [created] = webhook_receiver.wait_for("calendar.events_update")
    assert created.signature_valid
    assert list(created.json) == ["idempotency_key", "calendar_id", "calendar_deduplication_key", "calendar_metadata",
                                  "trigger", "data"]
    assert (created.calendar_id, created.json["calendar_metadata"]) == (calendar["id"], {"user": "ada"})
    bots = {uuid: _create_bot(sandbox_project, event["id"]) for uuid, event in _events(sandbox_project).items()}

    moved = _at(sandbox_project, 9)
    sandbox_project.add_remote_event(calendar["id"], "moves", name="moves", start_time=moved,
                                     end_time=_at(sandbox_project, 10), meeting_url=MEET)
    sandbox_project.cancel_remote_event(calendar["id"], "cancelled")
    sandbox_project.remove_remote_event(calendar["id"], "vanishes")
    report = sandbox_project.sync(calendar["id"])
    assert report["bots_patched"] == [bots["moves"]["id"]]
    assert sorted(report["bots_deleted"]) == sorted([bots["cancelled"]["id"], bots["vanishes"]["id"]])
    webhook_receiver.wait_for("calendar.events_update", count=2)  # once for the whole sync
    events = _events(sandbox_project)
    assert (events["cancelled"]["is_deleted"], events["vanishes"]["is_deleted"]) == (True, True)  # kept, flagged
    assert sandbox_project.control("GET", f"/api/v1/bots/{bots['moves']['id']}")["join_at"] == moved
    with pytest.raises(SandboxControlError):
        sandbox_project.control("GET", f"/api/v1/bots/{bots['cancelled']['id']}")

    assert sandbox_project.sync(calendar["id"])["webhook"] is None  # nothing changed: nothing sent
    sandbox_project.fail_syncs(calendar["id"], "auth_error", times=2)
    sandbox_project.sync(calendar["id"])
    sandbox_project.sync(calendar["id"])  # disconnected again: a second state_change
    changes = webhook_receiver.wait_for("calendar.state_change", count=2)
    assert [c.data["state"] for c in changes] == ["disconnected", "disconnected"]
    assert all(c.signature_valid for c in changes)
    with pytest.raises(SandboxControlError):  # a disconnected calendar's scheduled bots are deleted
        sandbox_project.control("GET", f"/api/v1/bots/{bots['moves']['id']}")
    wait_until(lambda: all(d["status"] == "delivered" for d in sandbox_project.deliveries(calendar_id=calendar["id"])))
    assert webhook_receiver.matching("bot.state_change") == []  # re-planned or deleted bots send no bot webhook
