"""Calendar and Zoom OAuth connection requests (docs/contract/calendars.md#create-calendar,
docs/contract/calendars.md#patch-calendar, docs/contract/calendars.md#list-calendar-events,
docs/contract/zoom-oauth.md#create-zoom-connection): every message
and field order the real server was seen to produce, the order of the query checks, and the OpenAPI
fragments stating exactly the limits that are enforced."""

from datetime import datetime, timezone

import pytest
from openapi_spec_validator import validate as validate_openapi_document
from werkzeug.datastructures import MultiDict

from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.openapi import build_openapi
from sandbox.contract.requests.calendars import (
    CREATE_CALENDAR_FIELDS,
    CreateCalendar,
    PatchCalendar,
    check_calendar_insert,
    parse_create_calendar,
    parse_patch_calendar,
)
from sandbox.contract.requests.zoom_oauth import (
    CREATE_ZOOM_OAUTH_CONNECTION_FIELDS,
    CreateZoomOAuthConnection,
    missing_scopes,
    parse_create_zoom_oauth_connection,
)
from sandbox.web.pipeline import query_arguments
from tests.calendar_helpers import calendar_events_query, operation

VALID = {"client_id": "cid", "client_secret": "sec", "refresh_token": "tok", "platform": "google"}


def field_errors(parse, body):
    with pytest.raises(FieldErrors) as caught:
        parse(body)
    return caught.value.body()


def parse_calendar_events_query(query):
    """What the row hands the use case, without the filters left out (None)."""
    return {name: value for name, value in calendar_events_query(query).items() if value is not None}


def query_error(query):
    with pytest.raises(AttendeeError) as caught:
        parse_calendar_events_query(query)
    assert caught.value.status == 400
    return caught.value.body()


# -- POST /calendars ---------------------------------------------------------------------------------------


def test_create_calendar_fields_are_declared_in_the_real_order():
    assert CREATE_CALENDAR_FIELDS == (
        "platform_uuid",
        "client_id",
        "client_secret",
        "refresh_token",
        "platform",
        "metadata",
        "deduplication_key",
    )


def test_create_calendar_reports_every_field_at_once_in_declaration_order():
    body = {
        "platform_uuid": None,
        "client_id": "",
        "client_secret": " ",
        "refresh_token": None,
        "platform": "yahoo",
        "metadata": None,
        "deduplication_key": "",
    }
    errors = field_errors(parse_create_calendar, body)
    assert list(errors) == list(CREATE_CALENDAR_FIELDS)
    assert errors == {
        "platform_uuid": ["This field may not be null."],
        "client_id": ["This field may not be blank."],
        "client_secret": ["This field may not be blank."],
        "refresh_token": ["This field may not be null."],
        "platform": ['"yahoo" is not a valid choice.'],
        "metadata": ["This field may not be null."],
        "deduplication_key": ["This field may not be blank."],
    }


def test_create_calendar_required_fields_types_and_platform_case():
    assert field_errors(parse_create_calendar, {}) == {
        "client_id": ["This field is required."],
        "client_secret": ["This field is required."],
        "refresh_token": ["This field is required."],
        "platform": ["This field is required."],
    }
    body = {"client_id": True, "client_secret": [], "refresh_token": {}, "platform": "Google", "metadata": {}}
    assert field_errors(parse_create_calendar, body) == {
        "client_id": ["Not a valid string."],
        "client_secret": ["Not a valid string."],
        "refresh_token": ["Not a valid string."],
        "platform": ['"Google" is not a valid choice.'],
        "metadata": ["Metadata must have at least one key"],
    }


@pytest.mark.parametrize(
    "metadata, message",
    [
        ([1], "Metadata must be an object not an array or other type"),
        ({}, "Metadata must have at least one key"),
        ({"a": 1}, "Value for key 'a' must be a string"),
        ({"a": "x" * 1000}, "Metadata must be less than 1000 characters"),
    ],
)
def test_create_calendar_metadata_follows_the_bot_metadata_rules(metadata, message):
    assert field_errors(parse_create_calendar, {**VALID, "metadata": metadata}) == {"metadata": [message]}


def test_create_calendar_trims_coerces_numbers_and_keeps_metadata_order():
    values = parse_create_calendar(
        {
            **VALID,
            "client_id": "  cid  ",
            "deduplication_key": "  user-1  ",
            "platform_uuid": 5,
            "metadata": {"zz": "1", "a": "2", "bbb": "3"},
        }
    )
    assert values == {
        "platform_uuid": "5",
        "client_id": "cid",
        "client_secret": "sec",
        "refresh_token": "tok",
        "platform": "google",
        "metadata": {"zz": "1", "a": "2", "bbb": "3"},
        "deduplication_key": "user-1",
    }
    assert list(values["metadata"]) == ["zz", "a", "bbb"]
    assert parse_create_calendar(VALID)["platform_uuid"] is None


def test_create_calendar_unknown_fields_only_once_every_field_is_valid():
    body = {**VALID, "zzz": 1, "extra": 2}
    assert field_errors(parse_create_calendar, body) == {
        "non_field_errors": [
            "Unexpected field(s): extra, zzz. Allowed fields are: client_id, client_secret, deduplication_key, "
            "metadata, platform, platform_uuid, refresh_token"
        ]
    }
    invalid_platform = {**body, "platform": "x"}
    assert field_errors(parse_create_calendar, invalid_platform) == {"platform": ['"x" is not a valid choice.']}


def test_create_calendar_body_that_is_not_an_object():
    assert field_errors(parse_create_calendar, []) == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_what_the_insert_refuses_is_the_unexpected_error_with_an_error_id():
    for values in (
        {**VALID, "client_id": "c" * 256},
        {**VALID, "platform_uuid": "p" * 1025},
        {**VALID, "deduplication_key": "k" * 1025},
        {**VALID, "metadata": {"a": "nul\x00"}},
    ):
        with pytest.raises(FieldErrors) as caught:
            check_calendar_insert(values)
        (message,) = caught.value.body()["non_field_errors"]
        assert message.startswith("An unexpected error occurred while creating the calendar. Error ID: ")
    check_calendar_insert({**VALID, "client_id": "c" * 255, "deduplication_key": "k" * 1024})


# -- PATCH /calendars/{id} -----------------------------------------------------------------------------------


def test_patch_calendar_refuses_null_metadata_blank_credentials_and_other_fields():
    assert field_errors(parse_patch_calendar, {"metadata": None, "client_secret": None, "refresh_token": ""}) == {
        "client_secret": ["This field may not be null."],
        "refresh_token": ["This field may not be blank."],
        "metadata": ["This field may not be null."],
    }
    others = {"client_id": "x", "platform": "google", "deduplication_key": "k"}
    assert field_errors(parse_patch_calendar, others) == {
        "non_field_errors": [
            "Unexpected field(s): client_id, deduplication_key, platform. "
            "Allowed fields are: client_secret, metadata, refresh_token"
        ]
    }
    assert field_errors(parse_patch_calendar, [1]) == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_patch_calendar_returns_only_what_was_sent():
    assert parse_patch_calendar({}) == {}
    assert parse_patch_calendar({"refresh_token": "  new  ", "metadata": {"b": "1", "a": "2"}}) == {
        "refresh_token": "new",
        "metadata": {"b": "1", "a": "2"},
    }


# -- the queries --------------------------------------------------------------------------------------------


def test_calendars_query_applies_the_deduplication_key_whenever_present():
    def parse_calendars_query(query):
        return query_arguments(operation("GET", "/api/v1/calendars"), MultiDict(query))

    assert parse_calendars_query({}) == {"deduplication_key": None}
    assert parse_calendars_query({"deduplication_key": ""}) == {"deduplication_key": ""}
    assert parse_calendars_query({"deduplication_key": "k", "state": "x"}) == {"deduplication_key": "k"}


def test_calendar_events_query_defaults_and_present_but_empty_filters():
    assert parse_calendar_events_query({}) == {"ordering": "-updated_at"}
    assert parse_calendar_events_query({"calendar_id": "", "event_id": "", "calendar_deduplication_key": ""}) == {
        "calendar_id": "",
        "calendar_deduplication_key": "",
        "event_id": "",
        "ordering": "-updated_at",
    }


def test_calendar_events_updated_after_alias_rules():
    utc = timezone.utc
    assert parse_calendar_events_query({"updated_at_gte": ""}) == {"ordering": "-updated_at"}
    alias = parse_calendar_events_query({"updated_after": "2026-12-02"})
    assert alias["updated_at_gte"] == datetime(2026, 12, 2, tzinfo=utc)
    both = {"updated_at_gte": "2026-12-03T10:00:00Z", "updated_after": "garbage"}
    assert parse_calendar_events_query(both)["updated_at_gte"] == datetime(2026, 12, 3, 10, tzinfo=utc)
    invalid = {"error": "Invalid updated_at_gte format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"}
    assert query_error({"updated_after": ""}) == invalid
    assert query_error({"updated_at_gte": "", "updated_after": ""}) == invalid
    assert query_error({"updated_at_gte": "", "updated_after": "nope"}) == invalid
    assert query_error({"updated_at_gte": "2026-13-01"}) == invalid


def test_calendar_events_date_filters_messages_and_forms():
    assert query_error({"start_time_gte": ""}) == {
        "error": "Invalid start_time_gte format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"
    }
    assert query_error({"end_time_lte": "x"}) == {
        "error": "Invalid end_time_lte format. Use ISO 8601 format (e.g., 2025-01-13T18:00:00Z)"
    }
    # Python 3.10's parse_datetime refuses the compact form, and an unescaped + arrives as a space.
    assert "start_time_gte" in query_error({"start_time_gte": "20261204T001803Z"})["error"]
    assert "start_time_gte" in query_error({"start_time_gte": "2026-12-04T00:18:03 01:00"})["error"]
    parsed = parse_calendar_events_query(
        {"start_time_gte": "2026-12-04 00:18:03+01:00", "end_time_lte": "2026-12-05T01"}
    )
    assert parsed["start_time_gte"] == datetime(2026, 12, 3, 23, 18, 3, tzinfo=timezone.utc)
    assert parsed["end_time_lte"] == datetime(2026, 12, 5, 1, tzinfo=timezone.utc)


def test_calendar_events_checks_run_in_the_real_order():
    ordering_error = {
        "error": "Invalid ordering. Allowed values: -updated_at, updated_at, start_time, -start_time, end_time, "
        "-end_time, created_at, -created_at"
    }
    assert query_error({"ordering": ""}) == ordering_error
    assert query_error({"ordering": "name"}) == ordering_error
    # The date filters come first, updated_at_gte before start_time_gte before end_time_lte.
    everything_bad = {"ordering": "x", "end_time_lte": "x", "start_time_gte": "x", "updated_after": "x"}
    assert "updated_at_gte" in query_error(everything_bad)["error"]
    assert "start_time_gte" in query_error({**everything_bad, "updated_after": "2026-12-01"})["error"]
    only_end_bad = {**everything_bad, "updated_after": "2026-12-01", "start_time_gte": "2026-12-01"}
    assert "end_time_lte" in query_error(only_end_bad)["error"]
    assert query_error({**only_end_bad, "end_time_lte": "2026-12-01"})["error"].startswith("Invalid ordering.")
    assert parse_calendar_events_query({"ordering": "start_time"})["ordering"] == "start_time"


# -- POST /zoom_oauth_connections ----------------------------------------------------------------------------


def test_zoom_connection_fields_order_and_messages():
    assert CREATE_ZOOM_OAUTH_CONNECTION_FIELDS == (
        "zoom_oauth_app_id",
        "authorization_code",
        "redirect_uri",
        "is_local_recording_token_supported",
        "is_onbehalf_token_supported",
        "metadata",
    )
    assert field_errors(parse_create_zoom_oauth_connection, {}) == {
        "authorization_code": ["This field is required."],
        "redirect_uri": ["This field is required."],
    }
    body = {
        "zoom_oauth_app_id": None,
        "authorization_code": "",
        "redirect_uri": "not a url",
        "is_local_recording_token_supported": "maybe",
        "is_onbehalf_token_supported": None,
        "metadata": {},
    }
    assert field_errors(parse_create_zoom_oauth_connection, body) == {
        "zoom_oauth_app_id": ["This field may not be null."],
        "authorization_code": ["This field may not be blank."],
        "is_local_recording_token_supported": ["Must be a valid boolean."],
        "is_onbehalf_token_supported": ["This field may not be null."],
        "metadata": ["Metadata must have at least one key"],
    }


def test_zoom_connection_whole_object_checks_unknown_fields_first_then_the_flags():
    base = {"authorization_code": "c", "redirect_uri": "x"}
    unknown = {**base, "foo": 1, "is_local_recording_token_supported": 0}
    assert field_errors(parse_create_zoom_oauth_connection, unknown) == {
        "non_field_errors": [
            "Unexpected field(s): foo. Allowed fields are: authorization_code, is_local_recording_token_supported, "
            "is_onbehalf_token_supported, metadata, redirect_uri, zoom_oauth_app_id"
        ]
    }
    assert field_errors(parse_create_zoom_oauth_connection, {**base, "is_local_recording_token_supported": "no"}) == {
        "non_field_errors": [
            "At least one of is_local_recording_token_supported or is_onbehalf_token_supported must be true"
        ]
    }


def test_zoom_connection_defaults_and_boolean_spellings():
    values = parse_create_zoom_oauth_connection({"authorization_code": 123, "redirect_uri": "x"})
    assert values == {
        "zoom_oauth_app_id": None,
        "authorization_code": "123",
        "redirect_uri": "x",
        "is_local_recording_token_supported": True,
        "is_onbehalf_token_supported": False,
        "metadata": None,
    }
    for spelling, expected in (("yes", True), ("off", False), (1, True), ("0", False), ("TRUE", True)):
        values = parse_create_zoom_oauth_connection(
            {"authorization_code": "c", "redirect_uri": "x", "is_onbehalf_token_supported": spelling}
        )
        assert values["is_onbehalf_token_supported"] is expected


def test_missing_scopes_in_the_required_order():
    local_only = {"is_local_recording_token_supported": True, "is_onbehalf_token_supported": False}
    both = {"is_local_recording_token_supported": True, "is_onbehalf_token_supported": True}
    onbehalf = {"is_local_recording_token_supported": False, "is_onbehalf_token_supported": True}
    granted = "user:read:user user:read:zak meeting:read:list_meetings meeting:read:local_recording_token".split(" ")
    assert missing_scopes(local_only, granted) == []
    assert missing_scopes(both, granted) == ["user:read:token"]
    assert missing_scopes(onbehalf, [""]) == ["user:read:user", "user:read:token"]


# -- OpenAPI ---------------------------------------------------------------------------------------------------


def test_the_serializers_are_valid_openapi_and_state_their_limits():
    schemas = {s.__name__: s.openapi() for s in (CreateCalendar, PatchCalendar, CreateZoomOAuthConnection)}
    validate_openapi_document(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}
    )
    create = schemas["CreateCalendar"]
    assert create["required"] == ["client_id", "client_secret", "refresh_token", "platform"]
    assert create["additionalProperties"] is False
    assert create["properties"]["platform"]["enum"] == ["google", "microsoft"]
    metadata = {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}}
    assert create["properties"]["metadata"] == metadata
    for name in ("client_id", "platform_uuid", "deduplication_key"):
        assert create["properties"][name]["minLength"] == 1
    assert "required" not in schemas["PatchCalendar"]
    zoom = schemas["CreateZoomOAuthConnection"]["properties"]
    assert zoom["is_local_recording_token_supported"] == {"type": "boolean", "default": True}
    assert zoom["is_onbehalf_token_supported"] == {"type": "boolean", "default": False}


def test_the_query_parameters_are_described_in_checking_order():
    paths = build_openapi()["paths"]
    events = paths["/api/v1/calendar_events"]["get"]["parameters"]
    names = [parameter["name"] for parameter in events]
    assert names == [
        "cursor",
        "calendar_id",
        "calendar_deduplication_key",
        "updated_at_gte",
        "updated_after",
        "event_id",
        "start_time_gte",
        "end_time_lte",
        "ordering",
    ]
    assert events[4]["deprecated"] is True
    assert [parameter["name"] for parameter in paths["/api/v1/calendars"]["get"]["parameters"]] == [
        "cursor", "deduplication_key",
    ]  # fmt: skip
