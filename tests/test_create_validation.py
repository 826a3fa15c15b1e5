"""Validation of the create and PATCH bodies (docs/contract/bots-endpoints.md#patch-bot,
docs/contract/create-bot.md#create-order-of-checks, docs/contract/create-bot.md#create-fields,
docs/contract/docs-vs-server.md#patch-unknown-fields to #explicit-null-on-create,
docs/contract/create-bot.md#meeting-url-invalid-values to #create-body-parsing), tested on the
module directly: exact messages, exact key order of the error map."""

import json
import re
from datetime import datetime, timezone

import pytest

from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.requests.bots import (
    check_bot_webhooks,
    check_patch_bot_storage,
    parse_create_bot,
    parse_patch_bot,
)

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
MEET = "https://meet.google.com/abc-defg-hij"
ZOOM = "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1"
TEAMS = "https://teams.live.com/meet/9312345?p=abcdef"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
JPEG = (
    "/9j/4AAQSkZJRgABAQEAYABgAAD/2wBDABcQERQRDhcUEhQaGBcbIjklIh8fIkYyNSk5UkhXVVFIUE5bZoNvW2F8Yk5QcptzfIeLkpSSWG2grJ+O"
    "qoOPko3/2wBDARgaGiIeIkMlJUONXlBejY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY3/wAARCAABAAED"
    "ASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKB"
    "kaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZ"
    "mqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQF"
    "BgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5"
    "OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX"
    "2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDoqKKK+UNz/9k="
)
TRIGGERS_ENUM = (
    "['bot.state_change', 'transcript.update', 'chat_messages.update', 'participant_events.join_leave', "
    "'calendar.events_update', 'calendar.state_change', 'async_transcription.state_change', "
    "'zoom_oauth_connection.state_change', 'bot_logs.update', 'participant_events.speech_start_stop']"
)
ALLOWED_FIELDS = (
    "automatic_leave_settings, bot_chat_message, bot_image, bot_name, calendar_event_id, callback_settings, "
    "debug_settings, deduplication_key, external_media_storage_settings, google_meet_settings, join_at, "
    "kubernetes_settings, meeting_url, metadata, recording_settings, rtmp_settings, teams_settings, "
    "transcription_settings, voice_agent_settings, webhooks, websocket_settings, zoom_settings"
)
DB_ERROR = re.compile(
    r"^An error occurred while creating the bot\. Error ID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
RECORDING_DEFAULTS = {
    "format": "mp4",
    "view": "speaker_view",
    "resolution": "1080p",
    "record_chat_messages_when_paused": False,
    "record_async_transcription_audio_chunks": False,
    "record_participant_speech_start_stop_events": False,
    "reserve_additional_storage": False,
}
AUTOMATIC_LEAVE_DEFAULTS = {
    "silence_timeout_seconds": 600,
    "silence_activate_after_seconds": 1200,
    "only_participant_in_meeting_timeout_seconds": 60,
    "wait_for_host_to_start_meeting_timeout_seconds": 600,
    "waiting_room_timeout_seconds": 900,
    "max_uptime_seconds": None,
    "enable_closed_captions_timeout_seconds": None,
    "authorized_user_not_in_meeting_timeout_seconds": 600,
    "bot_keywords": None,
}


def create(**fields):
    body = {"meeting_url": MEET, "bot_name": "Test Bot", **fields}
    return parse_create_bot(body, now=NOW)


def create_errors(body, **kwargs):
    with pytest.raises(FieldErrors) as info:
        parse_create_bot(body, now=NOW, **kwargs)
    return info.value.errors


def field_errors(**fields):
    return create_errors({"meeting_url": MEET, "bot_name": "Test Bot", **fields})


def patch_errors(body):
    with pytest.raises(FieldErrors) as info:
        parse_patch_bot(body, now=NOW)
    return info.value.errors


def attendee_error(body, **kwargs):
    with pytest.raises(AttendeeError) as info:
        parse_create_bot(body, now=NOW, **kwargs)
    assert not isinstance(info.value, FieldErrors)
    return info.value.message


# --- The whole body ---------------------------------------------------------------------------------


def test_minimal_request_is_normalized_with_every_default():
    parsed = create()
    assert parsed == {
        "meeting_url": MEET,
        "platform": "google_meet",
        "bot_name": "Test Bot",
        "bot_image": None,
        "metadata": None,
        "bot_chat_message": None,
        "join_at": None,
        "deduplication_key": None,
        "webhooks": [],
        "callback_settings": None,
        "external_media_storage_settings": None,
        "voice_agent_settings": None,
        "transcription_settings": {"meeting_closed_captions": {}},
        "websocket_settings": None,
        "rtmp_settings": None,
        "recording_settings": RECORDING_DEFAULTS,
        "google_meet_settings": {
            "use_login": False,
            "login_mode": "always",
            "ui_interaction_mode": "humanized",
            "login_group_name": None,
        },
        "teams_settings": {"use_login": False, "login_mode": "always", "login_group_name": None},
        "zoom_settings": {"sdk": "native"},
        "debug_settings": {"create_debug_recording": False},
        "automatic_leave_settings": AUTOMATIC_LEAVE_DEFAULTS,
    }


@pytest.mark.parametrize(
    "body, message",
    [
        ([{"meeting_url": MEET}], "Invalid data. Expected a dictionary, but got list."),
        ("just a string", "Invalid data. Expected a dictionary, but got str."),
        (5, "Invalid data. Expected a dictionary, but got int."),
        (1.5, "Invalid data. Expected a dictionary, but got float."),
        (True, "Invalid data. Expected a dictionary, but got bool."),
    ],
)
def test_non_object_body_is_a_non_field_error_instead_of_a_500(body, message):
    assert create_errors(body) == {"non_field_errors": [message]}


def test_null_body_is_drf_no_data_provided():
    assert create_errors(None) == {"non_field_errors": ["No data provided"]}


def test_empty_body_gives_the_required_errors():
    errors = create_errors({})
    assert list(errors) == ["meeting_url", "bot_name"]
    assert errors == {"meeting_url": ["This field is required."], "bot_name": ["This field is required."]}


def test_error_map_follows_field_declaration_order_not_body_order():
    body = {
        "kubernetes_settings": {"bot_pod_spec_type": "HIGH"},
        "automatic_leave_settings": {"foo": 1},
        "debug_settings": {"x": 1},
        "zoom_settings": {"sdk": "x"},
        "teams_settings": {"use_login": "maybe"},
        "google_meet_settings": {"login_mode": "x"},
        "recording_settings": "mp4",
        "rtmp_settings": {"destination_url": "rtmp://x"},
        "websocket_settings": {"audio": {"url": "ws://x"}},
        "transcription_settings": {"foo": {}},
        "voice_agent_settings": {},
        "external_media_storage_settings": {},
        "callback_settings": {"zoom_tokens_url": "http://x"},
        "webhooks": None,
        "deduplication_key": "",
        "calendar_event_id": None,
        "join_at": 5,
        "bot_chat_message": {},
        "metadata": [],
        "bot_image": {},
        "bot_name": "",
        "meeting_url": "https://example.com/x",
        "unknown": 1,
    }
    errors = create_errors(body)
    assert list(errors) == [
        "meeting_url",
        "bot_name",
        "bot_image",
        "metadata",
        "bot_chat_message",
        "join_at",
        "calendar_event_id",
        "deduplication_key",
        "webhooks",
        "callback_settings",
        "external_media_storage_settings",
        "voice_agent_settings",
        "transcription_settings",
        "websocket_settings",
        "rtmp_settings",
        "recording_settings",
        "google_meet_settings",
        "teams_settings",
        "zoom_settings",
        "debug_settings",
        "automatic_leave_settings",
        "kubernetes_settings",
    ]
    assert errors["calendar_event_id"] == ["This field may not be null."]
    assert errors["deduplication_key"] == ["This field may not be blank."]
    assert errors["bot_image"] == {"type": ["This field is required."], "data": ["This field is required."]}
    assert errors["bot_chat_message"] == {"message": ["This field is required."]}


def test_unknown_fields_are_reported_sorted_with_the_sorted_allowed_list():
    assert field_errors(foo=1, bar=2) == {
        "non_field_errors": [f"Unexpected field(s): bar, foo. Allowed fields are: {ALLOWED_FIELDS}"]
    }


def test_unknown_field_check_runs_only_when_every_field_is_valid():
    assert field_errors(foo=1, metadata={}) == {"metadata": ["Metadata must have at least one key"]}


# --- calendar_event_id (docs/contract/create-bot.md#create-order-of-checks step 2)
# --------------------------------------------------------------------


def test_calendar_event_id_is_refused_before_field_validation():
    body = {"calendar_event_id": "cev_abc", "meeting_url": 5, "foo": 1}
    assert attendee_error(body) == "Calendar event with id cev_abc does not exist in this project."


def test_calendar_event_id_blank_is_a_field_error():
    assert field_errors(calendar_event_id="") == {"calendar_event_id": ["This field may not be blank."]}


# --- meeting_url ------------------------------------------------------------------------------------


def test_meeting_url_is_normalized_and_its_platform_returned():
    parsed = create(meeting_url="https://us02web.zoom.us/j/81234567890?pwd=AbC123.1&uname=x#success")
    assert parsed["meeting_url"] == ZOOM
    assert parsed["platform"] == "zoom"


def test_meeting_url_without_scheme_becomes_https():
    assert create(meeting_url="meet.google.com/abc-defg-hij")["meeting_url"] == MEET


def test_meeting_url_invalid():
    assert field_errors(meeting_url="https://zoom.us/my/room") == {"meeting_url": ["Invalid meeting URL"]}


def test_meeting_url_blank():
    assert field_errors(meeting_url="") == {"meeting_url": ["This field may not be blank."]}


def test_meeting_url_null():
    assert field_errors(meeting_url=None) == {"meeting_url": ["This field may not be null."]}


@pytest.mark.parametrize("value", [5, ["https://meet.google.com/abc-defg-hij"], True, {"url": MEET}])
def test_meeting_url_not_a_string_is_a_400_field_error_instead_of_a_500(value):
    assert field_errors(meeting_url=value) == {"meeting_url": ["Not a valid string."]}


# --- bot_name ---------------------------------------------------------------------------------------


def test_bot_name_number_is_converted_to_string():
    assert create(bot_name=123)["bot_name"] == "123"


def test_bot_name_whitespace_is_trimmed():
    assert create(bot_name="  My Bot \n")["bot_name"] == "My Bot"


def test_bot_name_blank():
    assert field_errors(bot_name="") == {"bot_name": ["This field may not be blank."]}
    assert field_errors(bot_name="   ") == {"bot_name": ["This field may not be blank."]}


def test_bot_name_null():
    assert field_errors(bot_name=None) == {"bot_name": ["This field may not be null."]}


def test_bot_name_emoji():
    assert field_errors(bot_name="Bot 🤖") == {"bot_name": ["Bot name cannot contain emojis or rare script characters."]}


@pytest.mark.parametrize("value", [["a"], {"a": "b"}, False])
def test_bot_name_list_object_or_boolean_is_not_a_valid_string(value):
    assert field_errors(bot_name=value) == {"bot_name": ["Not a valid string."]}


def test_bot_name_of_255_characters_is_accepted():
    assert create(bot_name="x" * 255)["bot_name"] == "x" * 255


def test_bot_name_of_256_characters_is_the_generic_database_error():
    message = attendee_error({"meeting_url": MEET, "bot_name": "x" * 256})
    assert DB_ERROR.match(message)


def test_bot_name_database_error_comes_after_field_validation():
    errors = create_errors({"meeting_url": MEET, "bot_name": "x" * 256, "metadata": {}})
    assert errors == {"metadata": ["Metadata must have at least one key"]}
    errors = create_errors({"meeting_url": MEET, "bot_name": "x" * 256, "foo": 1})
    assert list(errors) == ["non_field_errors"]


def test_database_checks_can_be_left_to_the_caller():
    parsed = parse_create_bot({"meeting_url": MEET, "bot_name": "x" * 256}, now=NOW, db_checks=False)
    assert parsed["bot_name"] == "x" * 256


def test_bot_name_null_character():
    assert field_errors(bot_name="a\x00b") == {"bot_name": ["Null characters are not allowed."]}


# --- bot_image --------------------------------------------------------------------------------------


def test_bot_image_png_is_accepted():
    assert create(bot_image={"type": "image/png", "data": PNG})["bot_image"] == {"type": "image/png", "data": PNG}


def test_bot_image_jpeg_is_accepted():
    assert create(bot_image={"type": "image/jpeg", "data": JPEG})["bot_image"]["type"] == "image/jpeg"


def test_bot_image_bytes_that_are_not_an_image_of_that_type():
    data = "aGVsbG8gd29ybGQ="
    assert field_errors(bot_image={"type": "image/png", "data": data}) == {
        "bot_image": {"non_field_errors": ["Data is not a valid png image."]}
    }
    assert field_errors(bot_image={"type": "image/jpeg", "data": PNG}) == {
        "bot_image": {"non_field_errors": ["Data is not a valid jpeg image."]}
    }


def test_bot_image_unknown_type():
    assert field_errors(bot_image={"type": "image/gif", "data": PNG}) == {
        "bot_image": {"type": ['"image/gif" is not a valid choice.']}
    }


def test_bot_image_without_data():
    assert field_errors(bot_image={"type": "image/png"}) == {"bot_image": {"data": ["This field is required."]}}


def test_bot_image_bad_base64_padding():
    assert field_errors(bot_image={"type": "image/png", "data": "abc"}) == {
        "bot_image": {"non_field_errors": ["Invalid base64 encoded data"]}
    }


def test_bot_image_not_an_object():
    assert field_errors(bot_image="image.png") == {
        "bot_image": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}
    }


def test_bot_image_null():
    assert field_errors(bot_image=None) == {"bot_image": ["This field may not be null."]}


# --- metadata ---------------------------------------------------------------------------------------


def test_metadata_is_kept_in_the_order_sent():
    metadata = {"zz": "1", "a": "2"}
    assert list(create(metadata=metadata)["metadata"]) == ["zz", "a"]


def test_metadata_must_be_an_object():
    assert field_errors(metadata=["a"]) == {"metadata": ["Metadata must be an object not an array or other type"]}
    assert field_errors(metadata="a") == {"metadata": ["Metadata must be an object not an array or other type"]}


def test_metadata_must_have_a_key():
    assert field_errors(metadata={}) == {"metadata": ["Metadata must have at least one key"]}


def test_metadata_values_must_be_strings():
    assert field_errors(metadata={"k": "v", "a": 1}) == {"metadata": ["Value for key 'a' must be a string"]}


def test_metadata_dumped_size_limit_is_1000():
    fits = {"k": "x" * (1000 - len(json.dumps({"k": ""})))}
    assert create(metadata=fits)["metadata"] == fits
    too_big = {"k": "x" * (1001 - len(json.dumps({"k": ""})))}
    assert field_errors(metadata=too_big) == {"metadata": ["Metadata must be less than 1000 characters"]}


def test_metadata_size_counts_non_ascii_as_json_escapes():
    value = {"k": "ü" * 166}  # 166 * 6 + 9 = 1005 characters once dumped
    assert field_errors(metadata=value) == {"metadata": ["Metadata must be less than 1000 characters"]}


def test_metadata_null_is_refused():
    assert field_errors(metadata=None) == {"metadata": ["This field may not be null."]}


# --- bot_chat_message -------------------------------------------------------------------------------


def test_bot_chat_message_defaults_to_everyone():
    assert create(bot_chat_message={"message": "Hello"})["bot_chat_message"] == {
        "to": "everyone",
        "to_user_uuid": None,
        "message": "Hello",
    }


def test_bot_chat_message_specific_user_needs_a_uuid():
    assert field_errors(bot_chat_message={"to": "specific_user", "message": "hi"}) == {
        "bot_chat_message": {"to_user_uuid": ["This field is required when the 'to' value is 'specific_user'."]}
    }


def test_bot_chat_message_uuid_only_with_specific_user():
    assert field_errors(bot_chat_message={"to": "everyone", "to_user_uuid": "u1", "message": "hi"}) == {
        "bot_chat_message": {"to_user_uuid": ["This field should only be provided when the 'to' value is 'specific_user'."]}
    }


def test_bot_chat_message_bad_recipient():
    assert field_errors(bot_chat_message={"to": "x", "message": "hi"}) == {
        "bot_chat_message": {"to": ['"x" is not a valid choice.']}
    }


def test_bot_chat_message_text_rules():
    assert field_errors(bot_chat_message={"message": "hi 😀"}) == {
        "bot_chat_message": {"message": ["Message cannot contain emojis or rare script characters."]}
    }
    assert field_errors(bot_chat_message={"message": "x" * 10001}) == {
        "bot_chat_message": {"message": ["Message must be less than 10000 characters"]}
    }


def test_bot_chat_message_to_a_specific_user_fails_on_the_participant_check():
    message = attendee_error(
        {"meeting_url": MEET, "bot_name": "b", "bot_chat_message": {"to": "specific_user", "to_user_uuid": "u1", "message": "hi"}}
    )
    assert message == "No participant found with uuid u1. Use the /participants endpoint to get the list of participants."


# --- join_at ----------------------------------------------------------------------------------------


def test_join_at_z_is_an_aware_utc_datetime():
    join_at = create(join_at="2027-01-01T08:00:00Z")["join_at"]
    assert join_at == datetime(2027, 1, 1, 8, 0, tzinfo=timezone.utc)
    assert join_at.utcoffset().total_seconds() == 0


def test_join_at_offset_is_converted_to_utc():
    assert create(join_at="2027-01-01T10:00:00+02:00")["join_at"] == datetime(2027, 1, 1, 8, 0, tzinfo=timezone.utc)


def test_join_at_without_seconds_or_offset_is_utc():
    assert create(join_at="2027-10-01T08:00")["join_at"] == datetime(2027, 10, 1, 8, 0, tzinfo=timezone.utc)


def test_join_at_short_fraction_is_padded_and_negative_offset_converted():
    join_at = create(join_at="2027-10-01T08:00:00.5-05:30")["join_at"]
    assert join_at == datetime(2027, 10, 1, 13, 30, 0, 500000, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", [1798790400, "tomorrow", "2027-13-01T08:00:00Z", "2027-10-01T08:00:00+2", True, []])
def test_join_at_wrong_format(value):
    assert field_errors(join_at=value) == {
        "join_at": [
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ]
    }


def test_join_at_in_the_past():
    assert field_errors(join_at="2026-11-30T11:59:59Z") == {"join_at": ["join_at cannot be in the past"]}


def test_join_at_more_than_three_years_ahead():
    assert create(join_at="2029-11-30T12:00:00Z")["join_at"] == datetime(2029, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert field_errors(join_at="2029-11-30T12:00:01Z") == {"join_at": ["join_at cannot be more than 3 years in the future"]}


def test_join_at_null():
    assert field_errors(join_at=None) == {"join_at": ["This field may not be null."]}


# --- deduplication_key ------------------------------------------------------------------------------


def test_deduplication_key_number_becomes_a_string():
    assert create(deduplication_key=5)["deduplication_key"] == "5"


def test_deduplication_key_blank():
    assert field_errors(deduplication_key="") == {"deduplication_key": ["This field may not be blank."]}


def test_deduplication_key_null():
    assert field_errors(deduplication_key=None) == {"deduplication_key": ["This field may not be null."]}


def test_deduplication_key_over_the_column_size_is_the_generic_database_error():
    assert create(deduplication_key="k" * 1024)["deduplication_key"] == "k" * 1024
    assert DB_ERROR.match(attendee_error({"meeting_url": MEET, "bot_name": "b", "deduplication_key": "k" * 1025}))


# --- webhooks ---------------------------------------------------------------------------------------


def hook(url="https://example.com/hook", triggers=("bot.state_change",), **extra):
    return {"url": url, "triggers": list(triggers), **extra}


def test_webhooks_are_returned():
    hooks = [hook(), hook("https://example.com/2", ["calendar.events_update", "zoom_oauth_connection.state_change"])]
    assert create(webhooks=hooks)["webhooks"] == hooks


def test_webhooks_empty_list_is_accepted():
    assert create(webhooks=[])["webhooks"] == []


def test_webhooks_null():
    assert field_errors(webhooks=None) == {"webhooks": ["This field may not be null."]}


@pytest.mark.parametrize(
    "webhooks, message",
    [
        ([hook("http://x.com")], "'http://x.com' does not match '^https://.*'"),
        ([hook(triggers=["foo"])], f"'foo' is not one of {TRIGGERS_ENUM}"),
        ([hook(triggers=[])], "[] should be non-empty"),
        (
            [hook(triggers=["bot.state_change", "bot.state_change"])],
            "['bot.state_change', 'bot.state_change'] has non-unique elements",
        ),
        ([{"url": "https://x.com"}], "'triggers' is a required property"),
        ([{"triggers": ["bot.state_change"]}], "'url' is a required property"),
        ([hook(secret="s")], "Additional properties are not allowed ('secret' was unexpected)"),
        (
            {"url": "https://x.com", "triggers": ["bot.state_change"]},
            "{'url': 'https://x.com', 'triggers': ['bot.state_change']} is not of type 'array'",
        ),
    ],
)
def test_webhooks_schema_messages(webhooks, message):
    assert field_errors(webhooks=webhooks) == {"webhooks": [message]}


def test_webhooks_http_allowed_when_https_is_not_required():
    body = {"meeting_url": MEET, "bot_name": "b", "webhooks": [hook("http://localhost:8000/hook")]}
    parsed = parse_create_bot(body, now=NOW, require_https_webhooks=False)
    assert parsed["webhooks"] == [hook("http://localhost:8000/hook")]


def test_webhooks_other_schemes_keep_the_real_message_when_https_is_not_required():
    body = {"meeting_url": MEET, "bot_name": "b", "webhooks": [hook("ftp://x.com")]}
    assert create_errors(body, require_https_webhooks=False) == {"webhooks": ["'ftp://x.com' does not match '^https://.*'"]}


def test_bot_webhooks_duplicate_url():
    with pytest.raises(AttendeeError) as info:
        check_bot_webhooks([hook(), hook(triggers=["transcript.update"])])
    assert info.value.message == "URL already subscribed for this bot"


def test_bot_webhooks_third_one_is_over_the_limit():
    check_bot_webhooks([hook("https://a.com"), hook("https://b.com")])
    with pytest.raises(AttendeeError) as info:
        check_bot_webhooks([hook("https://a.com"), hook("https://b.com"), hook("https://c.com")])
    assert info.value.message == "You have reached the maximum number of webhooks for a single bot"


def test_bot_webhooks_duplicate_is_found_before_the_limit():
    with pytest.raises(AttendeeError) as info:
        check_bot_webhooks([hook("https://a.com"), hook("https://b.com"), hook("https://a.com")])
    assert info.value.message == "URL already subscribed for this bot"


def test_bot_webhooks_https_rule():
    with pytest.raises(AttendeeError) as info:
        check_bot_webhooks([hook("http://a.com")])
    assert info.value.message == "webhook URL must start with https://"
    check_bot_webhooks([hook("http://a.com")], require_https=False)


# --- callback, external storage, voice agent ---------------------------------------------------------


def test_callback_settings_url_must_be_https():
    assert field_errors(callback_settings={"zoom_tokens_url": "http://x"}) == {
        "callback_settings": ["'http://x' does not match '^https://.*'"]
    }
    assert create(callback_settings={"zoom_tokens_url": "https://x"})["callback_settings"] == {"zoom_tokens_url": "https://x"}


def test_external_media_storage_settings_needs_a_bucket():
    assert field_errors(external_media_storage_settings={"recording_file_name": "x"}) == {
        "external_media_storage_settings": ["'bucket_name' is a required property"]
    }
    assert create(external_media_storage_settings={"bucket_name": "b"})["external_media_storage_settings"] == {"bucket_name": "b"}


def test_voice_agent_settings_refused_unless_enabled():
    assert field_errors(voice_agent_settings={"url": "https://agent.example.com"}) == {
        "voice_agent_settings": [
            "Voice agents are not enabled. Please set the ENABLE_VOICE_AGENTS environment variable to true to use voice agents."
        ]
    }


def test_voice_agent_settings_when_enabled():
    body = {"meeting_url": MEET, "bot_name": "b", "voice_agent_settings": {"url": "https://agent.example.com"}}
    parsed = parse_create_bot(body, now=NOW, voice_agents_enabled=True)
    assert parsed["voice_agent_settings"] == {"url": "https://agent.example.com", "reserve_resources": True}
    body["voice_agent_settings"] = {"url": "https://a", "screenshare_url": "https://b"}
    assert create_errors(body, voice_agents_enabled=True) == {
        "voice_agent_settings": {"url": "You cannot provide both url and screenshare_url."}
    }
    body["voice_agent_settings"] = {"url": "http://a"}
    assert create_errors(body, voice_agents_enabled=True) == {"voice_agent_settings": {"url": "URL must start with https://"}}


def test_voice_agent_settings_refused_on_zoom_native():
    body = {"meeting_url": ZOOM, "bot_name": "b", "voice_agent_settings": {"url": "https://agent.example.com"}}
    assert create_errors(body, voice_agents_enabled=True) == {
        "voice_agent_settings": [
            "Voice agent is not supported for Zoom when using the native SDK. "
            "Please set 'zoom_settings.sdk' to 'web' in the bot creation request."
        ]
    }


# --- transcription_settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, zoom_settings, expected",
    [
        (ZOOM, None, {"deepgram": {"language": "multi"}}),
        (ZOOM, {"sdk": "web"}, {"meeting_closed_captions": {}}),
        (MEET, None, {"meeting_closed_captions": {}}),
        (TEAMS, None, {"meeting_closed_captions": {}}),
    ],
)
def test_transcription_settings_default_by_platform(url, zoom_settings, expected):
    fields = {"meeting_url": url}
    if zoom_settings:
        fields["zoom_settings"] = zoom_settings
    assert create(**fields)["transcription_settings"] == expected


def test_transcription_settings_two_providers_are_accepted():
    assert create(transcription_settings={"deepgram": {}, "gladia": {}})["transcription_settings"] == {
        "deepgram": {"language": "multi"},
        "gladia": {},
    }


def test_transcription_settings_deepgram_language_kept_or_multi():
    assert create(transcription_settings={"deepgram": {"language": "en"}})["transcription_settings"] == {
        "deepgram": {"language": "en"}
    }
    assert create(transcription_settings={"deepgram": {"model": "nova-3"}})["transcription_settings"] == {
        "deepgram": {"model": "nova-3", "language": "multi"}
    }


def test_transcription_settings_schema_messages():
    assert field_errors(transcription_settings={"foo": {}}) == {
        "transcription_settings": ["Additional properties are not allowed ('foo' was unexpected)"]
    }
    assert field_errors(transcription_settings={"openai": {}}) == {"transcription_settings": ["'model' is a required property"]}
    assert field_errors(transcription_settings={"elevenlabs": {}}) == {
        "transcription_settings": ["'model_id' is a required property"]
    }


def test_transcription_settings_closed_captions_refused_on_zoom_native():
    errors = field_errors(meeting_url=ZOOM, transcription_settings={"meeting_closed_captions": {}})
    assert errors == {
        "transcription_settings": {
            "transcription_settings": "Closed caption based transcription is not supported for Zoom when using the native SDK. "
            "Please set 'zoom_settings.sdk' to 'web' in the bot creation request."
        }
    }
    web = create(meeting_url=ZOOM, zoom_settings={"sdk": "web"}, transcription_settings={"meeting_closed_captions": {}})
    assert web["transcription_settings"] == {"meeting_closed_captions": {}}


def test_transcription_settings_detect_language_only_refused_with_callback():
    assert create(transcription_settings={"deepgram": {"detect_language": True}})["transcription_settings"]["deepgram"] == {
        "detect_language": True,
        "language": "multi",
    }
    assert field_errors(transcription_settings={"deepgram": {"detect_language": True, "callback": "https://x"}}) == {
        "transcription_settings": {
            "transcription_settings": "Language detection is not supported for streaming transcription. "
            "Please pass language='multi' instead of detect_language=true."
        }
    }


def test_transcription_settings_custom_async_needs_the_environment_variable():
    assert field_errors(transcription_settings={"custom_async": {}}) == {
        "transcription_settings": {
            "transcription_settings": "CUSTOM_ASYNC_TRANSCRIPTION_URL environment variable is not set. Please set the "
            "CUSTOM_ASYNC_TRANSCRIPTION_URL environment variable to the URL of your custom async transcription service."
        }
    }


def test_transcription_settings_null():
    assert field_errors(transcription_settings=None) == {"transcription_settings": ["This field may not be null."]}


# --- websocket and rtmp -----------------------------------------------------------------------------


def test_websocket_settings_default_sample_rate():
    parsed = create(websocket_settings={"audio": {"url": "wss://x"}, "per_participant_audio": {"url": "wss://y"}})
    assert parsed["websocket_settings"] == {
        "audio": {"url": "wss://x", "sample_rate": 16000},
        "per_participant_audio": {"url": "wss://y", "sample_rate": 16000},
    }


def test_websocket_settings_url_must_be_wss():
    assert field_errors(websocket_settings={"audio": {"url": "ws://x"}}) == {
        "websocket_settings": {"audio": {"url": "URL must start with wss://"}}
    }


def test_websocket_settings_sample_rates():
    assert field_errors(websocket_settings={"per_participant_audio": {"url": "wss://x", "sample_rate": 24000}}) == {
        "websocket_settings": ["24000 is not one of [8000, 16000]"]
    }


def test_websocket_settings_video_needs_one_resolution():
    video = {"url": "wss://x", "webcam_resolution": "none", "screenshare_resolution": "none"}
    assert field_errors(websocket_settings={"per_participant_video": video}) == {
        "websocket_settings": {
            "per_participant_video": "At least one of webcam_resolution or screenshare_resolution must be set to a non-none value."
        }
    }


def test_rtmp_settings_destination_scheme():
    assert field_errors(rtmp_settings={"destination_url": "http://x", "stream_key": "k"}) == {
        "rtmp_settings": {"destination_url": "URL must start with rtmp:// or rtmps://"}
    }
    assert create(rtmp_settings={"destination_url": "rtmps://x", "stream_key": "k"})["rtmp_settings"]["stream_key"] == "k"


def test_rtmp_settings_without_stream_key():
    assert field_errors(rtmp_settings={"destination_url": "rtmp://x"}) == {"rtmp_settings": ["'stream_key' is a required property"]}


# --- recording_settings -----------------------------------------------------------------------------


def test_recording_settings_missing_keys_get_defaults():
    assert create(recording_settings={"format": "mp3"})["recording_settings"] == {**RECORDING_DEFAULTS, "format": "mp3"}


def test_recording_settings_not_an_object():
    assert field_errors(recording_settings="mp4") == {"recording_settings": ["'mp4' is not of type 'object'"]}


def test_recording_settings_format_and_view():
    assert field_errors(recording_settings={"format": "wav"}) == {
        "recording_settings": {"format": "Format must be mp4 or mp3 or 'none'"}
    }
    assert field_errors(recording_settings={"view": "grid"}) == {
        "recording_settings": {"view": "View must be speaker_view or gallery_view or speaker_view_no_sidebar"}
    }


def test_recording_settings_schema_messages():
    assert field_errors(recording_settings={"resolution": "4k"}) == {"recording_settings": ["'4k' is not one of ['1080p', '720p']"]}
    assert field_errors(recording_settings={"foo": 1}) == {
        "recording_settings": ["Additional properties are not allowed ('foo' was unexpected)"]
    }


def test_recording_settings_reserve_additional_storage():
    assert field_errors(recording_settings={"reserve_additional_storage": True}) == {
        "recording_settings": {"reserve_additional_storage": "Not supported unless using Kubernetes"}
    }


def test_recording_settings_null():
    assert field_errors(recording_settings=None) == {"recording_settings": ["This field may not be null."]}


# --- platform settings ------------------------------------------------------------------------------


def test_google_meet_settings_login_mode():
    assert field_errors(google_meet_settings={"login_mode": "x"}) == {
        "google_meet_settings": ["'x' is not one of ['always', 'only_if_required']"]
    }


def test_google_meet_settings_use_login_defaults_to_robotic():
    assert create(google_meet_settings={"use_login": True})["google_meet_settings"] == {
        "use_login": True,
        "login_mode": "always",
        "ui_interaction_mode": "robotic",
        "login_group_name": None,
    }


def test_teams_settings_use_login_must_be_boolean():
    assert field_errors(teams_settings={"use_login": "maybe"}) == {"teams_settings": ["'maybe' is not of type 'boolean'"]}


def test_zoom_settings_sdk():
    assert field_errors(zoom_settings={"sdk": "x"}) == {"zoom_settings": ["'x' is not one of ['web', 'native']"]}


def test_debug_settings_extra_keys():
    assert field_errors(debug_settings={"x": 1}) == {"debug_settings": ["Additional properties are not allowed ('x' was unexpected)"]}


def test_kubernetes_settings_refused():
    assert field_errors(kubernetes_settings={"bot_pod_spec_type": "HIGH"}) == {
        "kubernetes_settings": ["Custom bot pod spec types are not allowed."]
    }


# --- automatic_leave_settings -----------------------------------------------------------------------


def test_automatic_leave_settings_missing_keys_get_defaults():
    parsed = create(automatic_leave_settings={"max_uptime_seconds": 3600})
    assert parsed["automatic_leave_settings"] == {**AUTOMATIC_LEAVE_DEFAULTS, "max_uptime_seconds": 3600}


def test_automatic_leave_settings_unexpected_attribute():
    assert field_errors(automatic_leave_settings={"foo": 1}) == {"automatic_leave_settings": ["Unexpected attribute: foo"]}


def test_automatic_leave_settings_positive_integers():
    assert field_errors(automatic_leave_settings={"silence_timeout_seconds": 0}) == {
        "automatic_leave_settings": ["silence_timeout_seconds must be a positive integer"]
    }
    assert field_errors(automatic_leave_settings={"max_uptime_seconds": None}) == {
        "automatic_leave_settings": ["max_uptime_seconds must be a positive integer"]
    }


def test_automatic_leave_settings_bot_keywords():
    assert field_errors(automatic_leave_settings={"bot_keywords": "bot"}) == {
        "automatic_leave_settings": ["bot_keywords must be a list of strings or null"]
    }
    assert field_errors(automatic_leave_settings={"bot_keywords": ["bot", 1]}) == {
        "automatic_leave_settings": ["Each keyword in bot_keywords must be a string"]
    }


def test_automatic_leave_settings_null():
    assert field_errors(automatic_leave_settings=None) == {"automatic_leave_settings": ["This field may not be null."]}


# --- database-side checks ---------------------------------------------------------------------------


def test_metadata_with_a_nul_character_is_the_generic_database_error():
    assert DB_ERROR.match(attendee_error({"meeting_url": MEET, "bot_name": "b", "metadata": {"k": "a\x00"}}))


# --- PATCH (docs/contract/bots-endpoints.md#patch-bot)
# ------------------------------------------------------------------------------------


def test_patch_returns_only_the_sent_fields_and_ignores_unknown_ones():
    assert parse_patch_bot({"metadata": {"a": "b"}, "foo": 1}, now=NOW) == {"metadata": {"a": "b"}}
    assert parse_patch_bot({}, now=NOW) == {}


def test_patch_normalizes_every_field():
    changes = parse_patch_bot(
        {
            "join_at": "2027-01-01T10:00:00+02:00",
            "meeting_url": "meet.google.com/abc-defg-hij",
            "bot_name": 42,
            "bot_image": {"type": "image/png", "data": PNG},
            "recording_settings": {"view": "gallery_view"},
        },
        now=NOW,
    )
    assert changes == {
        "join_at": datetime(2027, 1, 1, 8, 0, tzinfo=timezone.utc),
        "meeting_url": MEET,
        "bot_name": "42",
        "bot_image": {"type": "image/png", "data": PNG},
        "recording_settings": {**RECORDING_DEFAULTS, "view": "gallery_view"},
    }


def test_patch_empty_recording_settings_is_a_no_op():
    assert parse_patch_bot({"recording_settings": {}}, now=NOW) == {}


def test_patch_nulls():
    assert patch_errors({"join_at": None}) == {"join_at": ["This field may not be null."]}
    assert patch_errors({"metadata": None}) == {"metadata": ["This field may not be null."]}


def test_patch_bot_name_blank_and_emoji():
    assert patch_errors({"bot_name": ""}) == {"bot_name": ["This field may not be blank."]}
    assert patch_errors({"bot_name": "🤖"}) == {"bot_name": ["Bot name cannot contain emojis or rare script characters."]}


def test_patch_errors_follow_the_patch_serializer_order():
    errors = patch_errors(
        {"recording_settings": {"format": "x"}, "bot_image": {}, "bot_name": "", "metadata": {}, "meeting_url": "x", "join_at": 1}
    )
    assert list(errors) == ["join_at", "meeting_url", "metadata", "bot_name", "bot_image", "recording_settings"]
    assert errors["meeting_url"] == ["Invalid meeting URL"]
    assert errors["join_at"] == [
        "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
    ]
    assert errors["bot_image"] == {"type": ["This field is required."], "data": ["This field is required."]}
    assert errors["recording_settings"] == {"format": "Format must be mp4 or mp3 or 'none'"}


def test_patch_join_at_rules_are_the_create_rules():
    assert patch_errors({"join_at": "2020-01-01T00:00:00Z"}) == {"join_at": ["join_at cannot be in the past"]}


def test_patch_non_object_body():
    assert patch_errors(["x"]) == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_patch_database_error_is_the_patch_message():
    with pytest.raises(AttendeeError) as info:
        check_patch_bot_storage({"bot_name": "x" * 256})
    assert re.match(r"^An error occurred while patching the bot\. Error ID: [0-9a-f-]{36}$", info.value.message)
    check_patch_bot_storage({"bot_name": "x" * 255, "metadata": {"a": "b"}})
