"""Zoom OAuth connections through their use cases (docs/contract/zoom-oauth.md#zoom-oauth,
docs/contract/zoom-oauth.md#bots-depend-on-zoom): the order of checks of 12.7.3 with
its exact messages, the upsert on the Zoom user, the states of 12.7.4, the meeting-list sync as due work,
the control hooks standing in for Zoom and the dashboard, and the Zoom URL rule for bots."""

from datetime import timedelta

import pytest

from sandbox.contract.errors import AttendeeError, FieldErrors, SandboxInputError
from sandbox.contract.requests.zoom_oauth import parse_create_zoom_oauth_connection
from sandbox.usecases import zoom_oauth
from tests.calendar_helpers import without_calendars
from tests.calendar_helpers import (  # noqa: F401 - fixtures
    SECOND_PROJECT,
    ZOOM,
    advance,
    auth_failure,
    compact,
    dump_zoom_oauth_connection,
    frozen,
    project,
    project_of,
    put_app,
    put_code,
    sb,
    sync_success,
)
from tests.control_helpers import create_bot_directly

INVALID_CLIENT = (
    "Zoom Authentication error: {'reason': 'Invalid client_id or client_secret', 'error': 'invalid_client'}"
)


def connect(sb, project, code="code-1", **fields):
    body = {"authorization_code": code, "redirect_uri": "https://app.example/cb", **fields}
    return zoom_oauth.create_connection(sb, project_of(sb, project["id"]), parse_create_zoom_oauth_connection(body))


def refusal(call, *args, **kwargs):
    with pytest.raises(AttendeeError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 400
    return caught.value.body()


@pytest.fixture
def app(sb, project):
    view, created = put_app(sb, project, {"client_id": "zoom-client", "webhook_secret": "whs"})
    assert created and view["id"].startswith("zoa_")
    return view


def test_the_app_must_exist_and_the_messages_name_the_project(sb, project):
    assert refusal(connect, sb, project) == {
        "error": "No Zoom OAuth App found in this project (Default project). Please add a Zoom OAuth App first."
    }
    assert refusal(connect, sb, project, "c", zoom_oauth_app_id="zoa_nope") == {
        "error": "Zoom OAuth App with id zoa_nope does not exist in this project (Default project)."
    }


def test_a_connection_in_its_13_fields_answered_as_held_in_memory(sb, project, app):
    connection = connect(sb, project, metadata={"tenant": "t1", "a": "b"}, is_onbehalf_token_supported=True)
    answer = dump_zoom_oauth_connection(connection, echo_metadata=True)
    assert compact(answer) == (
        f'{{"id":"{connection["id"]}","zoom_oauth_app_id":"{app["id"]}","user_id":"{connection["user_id"]}",'
        f'"account_id":"{connection["account_id"]}","state":"connected","metadata":{{"tenant":"t1","a":"b"}},'
        '"is_local_recording_token_supported":true,"is_onbehalf_token_supported":true,'
        '"connection_failure_data":null,"created_at":"2026-12-01T09:00:00Z","updated_at":"2026-12-01T09:00:00Z",'
        '"last_successful_sync_at":null,"last_attempted_sync_at":null}'
    )
    # The queued meeting-list sync has run by the next read; metadata in JSONB order.
    stored = dump_zoom_oauth_connection(zoom_oauth.get_connection(sb, project, connection["id"]))
    assert list(stored["metadata"]) == ["a", "tenant"]
    assert stored["last_successful_sync_at"] == stored["last_attempted_sync_at"] == "2026-12-01T09:00:00Z"


def test_checks_after_the_fields_run_in_the_real_order(sb, project, app):
    put_code(sb, project, "fails", {"outcome": "exchange_fails", "scopes": ""})
    assert refusal(connect, sb, project, "fails") == {
        "error": "Error exchanging access code for tokens. Please check that the authorization code and redirect "
        "URI are correct."
    }
    put_code(sb, project, "narrow", {"outcome": "user_info_fails", "scopes": ["user:read:user"]})
    onbehalf_only = {"is_local_recording_token_supported": False, "is_onbehalf_token_supported": True}
    assert refusal(connect, sb, project, "narrow", **onbehalf_only) == {
        "error": "The authorization is missing the following required scopes: ['user:read:token']."
    }
    put_code(sb, project, "no-scope", {"scopes": None})
    assert refusal(connect, sb, project, "no-scope") == {
        "error": "The authorization is missing the following required scopes: ['user:read:user', 'user:read:zak', "
        "'meeting:read:list_meetings', 'meeting:read:local_recording_token']."
    }
    put_code(sb, project, "no-user", {"outcome": "user_info_fails"})
    assert refusal(connect, sb, project, "no-user") == {
        "error": "Error getting user info. Please check that the access token is valid."
    }
    put_code(sb, project, "inactive", {"user": {"status": "inactive"}})
    assert refusal(connect, sb, project, "inactive") == {"error": "The user is not active."}
    assert zoom_oauth.list_connections(sb, project) == []


def test_posting_again_for_the_same_user_is_an_upsert(sb, project, app, frozen):
    put_code(sb, project, "one", {"user": {"id": "zu_123", "account_id": "acct_9"}})
    put_code(sb, project, "two", {"user": {"id": "zu_123", "account_id": "acct_10"}})
    first = connect(sb, project, "one", metadata={"k": "v"})
    auth_failure(sb, project, first["id"], {})
    frozen.tick(timedelta(minutes=1))
    second = connect(sb, project, "two", is_onbehalf_token_supported=True)
    assert second["id"] == first["id"] and second["created_at"] == first["created_at"]
    answer = dump_zoom_oauth_connection(second)
    assert (answer["account_id"], answer["metadata"], answer["state"], answer["connection_failure_data"]) == (
        "acct_10",
        None,
        "connected",
        None,
    )
    assert len(zoom_oauth.list_connections(sb, project)) == 1


def test_unregistered_codes_yield_a_user_derived_from_the_code(sb, project, app):
    first, again, other = connect(sb, project, "abc"), connect(sb, project, "abc"), connect(sb, project, "xyz")
    assert first["id"] == again["id"] != other["id"]
    assert first["user_id"] != other["user_id"] and len(first["user_id"]) == 22


def test_states_an_auth_failure_once_a_sync_reconnects_silently(sb, project, app, frozen):
    connection = connect(sb, project)
    frozen.tick(timedelta(seconds=5))
    failed, sent = auth_failure(sb, project, connection["id"], {})
    assert sent and failed["state"] == "disconnected"
    assert failed["connection_failure_data"] == {"error": INVALID_CLIENT, "timestamp": "2026-12-01T09:00:05+00:00"}
    frozen.tick(timedelta(seconds=5))
    again, sent_again = auth_failure(sb, project, connection["id"], {"error": "other"})
    assert not sent_again and again["connection_failure_data"]["error"] == INVALID_CLIENT  # skipped: kept
    synced = sync_success(sb, project, connection["id"], {"meeting_ids": [111, "222"]})
    assert (synced["state"], synced["connection_failure_data"], synced["meeting_ids"]) == ("connected", None, ["111", "222"])
    assert synced["last_successful_sync_at"] == "2026-12-01T09:00:10+00:00"


def test_an_onbehalf_only_connection_never_gets_sync_times(sb, project, app):
    connection = connect(sb, project, is_local_recording_token_supported=False, is_onbehalf_token_supported=True)
    advance(sb, project, 8 * 86400)
    auth_failure(sb, project, connection["id"], {})
    refreshed = sync_success(sb, project, connection["id"], {})
    assert refreshed["state"] == "connected"
    assert refreshed["last_successful_sync_at"] is None and refreshed["last_attempted_sync_at"] is None


def test_the_meeting_list_sync_runs_weekly_while_connected(sb, project, app):
    connection = connect(sb, project)
    applied = [item for item in advance(sb, project, 15 * 86400) if "zoom_oauth_connection_id" in item]
    assert [item["at"] for item in applied] == ["2026-12-01T09:00:00Z", "2026-12-08T09:00:00Z", "2026-12-15T09:00:00Z"]
    auth_failure(sb, project, connection["id"], {})
    assert [item for item in advance(sb, project, 8 * 86400) if "zoom_oauth_connection_id" in item] == []


def test_a_new_client_secret_revives_only_the_client_secret_failures(sb, project, app):
    fixable = connect(sb, project, "a")
    other = connect(sb, project, "b")
    auth_failure(sb, project, fixable["id"], {})
    auth_failure(sb, project, other["id"], {"error": "Zoom Authentication error: {'error': 'invalid_grant'}"})
    assert zoom_oauth.client_secret_changed(sb, project) == {"reconnected": [fixable["id"]]}
    assert zoom_oauth.get_connection(sb, project, fixable["id"])["state"] == "connected"
    assert zoom_oauth.get_connection(sb, project, other["id"])["state"] == "disconnected"


def test_get_and_delete_are_scoped_and_the_app_cannot_go_while_connections_exist(sb, project, app):
    connection = connect(sb, project)
    for call in (zoom_oauth.get_connection, zoom_oauth.delete_connection):
        with pytest.raises(AttendeeError) as caught:
            call(sb, project_of(sb, SECOND_PROJECT), connection["id"])
        assert (caught.value.status, caught.value.body()) == (404, {"error": "Zoom OAuth Connection not found"})
    with pytest.raises(SandboxInputError) as caught:
        zoom_oauth.delete_app(sb, project)
    assert caught.value.status == 409
    zoom_oauth.delete_connection(sb, project, connection["id"])
    zoom_oauth.delete_app(sb, project)
    with pytest.raises(SandboxInputError) as caught:
        zoom_oauth.get_app(sb, project)
    assert caught.value.status == 404


def test_the_app_keeps_its_id_when_changed_and_bodies_are_checked(sb, project, app):
    view, created = put_app(sb, project, {"client_id": "new"})
    assert (view["id"], view["client_id"], view["webhook_secret"], created) == (app["id"], "new", None, False)
    for body in ({}, {"client_id": ""}, {"client_id": "x", "secret": "y"}):
        with pytest.raises(SandboxInputError):
            put_app(sb, project, body)
    for code, body in (("", {}), ("c", {"outcome": "maybe"}), ("c", {"user": {"status": "gone"}}), ("c", {"scopes": 5})):
        with pytest.raises(SandboxInputError):
            put_code(sb, project, code, body)


def test_registered_codes_are_bounded_by_a_setting(frozen):
    from sandbox.assembly import build_sandbox

    sandbox = build_sandbox({"in_memory": True, "testing": True, "zoom_oauth_codes_per_project": 1}, without_calendars())
    try:
        project = project_of(sandbox)
        put_code(sandbox, project, "a", {})
        put_code(sandbox, project, "a", {"outcome": "exchange_fails"})
        with pytest.raises(SandboxInputError) as caught:
            put_code(sandbox, project, "b", {})
        assert caught.value.status == 409 and "SANDBOX_ZOOM_OAUTH_CODES_PER_PROJECT" in caught.value.message
    finally:
        sandbox.shutdown()


def test_metadata_the_database_cannot_hold_is_the_unexpected_error(sb, project, app):
    with pytest.raises(FieldErrors) as caught:
        connect(sb, project, metadata={"a": "\x00"})
    (message,) = caught.value.body()["non_field_errors"]
    assert message.startswith("An unexpected error occurred while creating the zoom oauth connection. Error ID: ")


def test_a_zoom_url_needs_zoom_credentials_or_a_zoom_oauth_app(sb, project):
    stored = project_of(sb, project["id"])
    stored["zoom_credentials"] = False
    sb.store.put("projects", stored)
    with pytest.raises(AttendeeError) as caught:
        create_bot_directly(sb, stored, {"meeting_url": ZOOM, "bot_name": "Z"})
    assert caught.value.message.startswith("Zoom App credentials are required to create a Zoom bot.")
    put_app(sb, stored, {"client_id": "zoom-client"})
    bot = create_bot_directly(sb, stored, {"meeting_url": ZOOM, "bot_name": "Z"})
    assert bot["platform"] == "zoom"
