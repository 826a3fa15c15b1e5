"""POST /api/v1/bots/{id}/send_chat_message (docs/contract/bots-endpoints.md#send-chat-message,
docs/contract/conventions.md#body-parsing, docs/contract/conventions.md#throttling)."""

import pytest
from freezegun import freeze_time

from tests.commands_support import (
    ENDED_BOT,
    FIXTURE_BOTS,
    JOINED_STATES,
    MEET_BOT,
    NOT_JOINED_STATES,
    OTHER_PROJECT_BOT,
    UNKNOWN_BOT,
    assert_empty_200,
    call,
    check_openapi,
    commands_of,
    put_participant,
)
from tests.conftest import AUTH

ACTION = "send_chat_message"
ALICE = "c0ffee00-1111-4222-8333-444455556666"


def send(client, body=None, bot_id=MEET_BOT, **kwargs):
    return call(client, "POST", bot_id, ACTION, body, **kwargs)


@freeze_time("2026-11-30T12:00:00Z")
def test_a_valid_message_gets_an_empty_200_and_is_recorded_on_the_bot(client, sandbox):
    response = send(client, {"message": "Hello everyone"})
    assert_empty_200(response)
    check_openapi("POST", MEET_BOT, ACTION, response)
    assert commands_of(sandbox, MEET_BOT) == [
        {
            "command": "send_chat_message",
            "created_at": "2026-11-30T12:00:00+00:00",
            "to": "everyone",
            "to_user_uuid": None,
            "message": "Hello everyone",
        }
    ]


def test_the_message_is_trimmed_and_to_defaults_to_everyone(client, sandbox):
    assert_empty_200(send(client, {"message": "  hi  "}))
    recorded = commands_of(sandbox, MEET_BOT)[-1]
    assert (recorded["to"], recorded["message"]) == ("everyone", "hi")


def test_an_unknown_bot_is_bot_not_found_before_the_body_is_validated(client):
    response = send(client, {"to": "nobody"}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'
    check_openapi("POST", UNKNOWN_BOT, ACTION, response)


def test_another_projects_bot_is_bot_not_found(client):
    response = send(client, {"message": "hi"}, bot_id=OTHER_PROJECT_BOT)
    assert response.status_code == 404
    assert response.json == {"error": "Bot not found"}


def test_a_missing_message_is_required(client):
    response = send(client, {})
    assert response.status_code == 400
    assert response.data == b'{"message":["This field is required."]}'
    check_openapi("POST", MEET_BOT, ACTION, response)


def test_a_blank_message_may_not_be_blank(client):
    response = send(client, {"message": "   "})
    assert response.json == {"message": ["This field may not be blank."]}


def test_a_message_of_10000_characters_is_accepted(client):
    assert_empty_200(send(client, {"message": "a" * 10000}))


def test_a_message_of_more_than_10000_characters_must_be_less_than_10000(client):
    response = send(client, {"message": "a" * 10001})
    assert response.status_code == 400
    assert response.json == {"message": ["Message must be less than 10000 characters"]}


def test_a_message_with_a_character_outside_the_bmp_is_refused(client):
    response = send(client, {"message": "Hello \U0001F600"})
    assert response.status_code == 400
    assert response.data == b'{"message":["Message cannot contain emojis or rare script characters."]}'


def test_a_message_with_non_ascii_bmp_characters_is_accepted(client, sandbox):
    assert_empty_200(send(client, {"message": "Grüße — 你好"}))
    assert commands_of(sandbox, MEET_BOT)[-1]["message"] == "Grüße — 你好"


def test_an_unknown_to_is_not_a_valid_choice(client):
    response = send(client, {"message": "hi", "to": "nobody"})
    assert response.status_code == 400
    assert response.data == b'{"to":["\\"nobody\\" is not a valid choice."]}'


@pytest.mark.parametrize("to", ["everyone", "everyone_but_host"])
def test_everyone_and_everyone_but_host_are_accepted(client, sandbox, to):
    assert_empty_200(send(client, {"message": "hi", "to": to}))
    assert commands_of(sandbox, MEET_BOT)[-1]["to"] == to


def test_specific_user_without_to_user_uuid_requires_it(client):
    response = send(client, {"message": "hi", "to": "specific_user"})
    assert response.status_code == 400
    assert response.data == b'{"to_user_uuid":["This field is required when the \'to\' value is \'specific_user\'."]}'


def test_specific_user_with_a_blank_to_user_uuid_requires_it(client):
    response = send(client, {"message": "hi", "to": "specific_user", "to_user_uuid": ""})
    assert response.json == {"to_user_uuid": ["This field is required when the 'to' value is 'specific_user'."]}


def test_to_user_uuid_with_another_to_should_only_be_provided_for_specific_user(client):
    response = send(client, {"message": "hi", "to_user_uuid": ALICE})
    assert response.status_code == 400
    assert response.json == {
        "to_user_uuid": ["This field should only be provided when the 'to' value is 'specific_user'."]
    }


@pytest.mark.parametrize("uuid", [None, ""])
def test_a_null_or_blank_to_user_uuid_is_allowed_with_everyone(client, uuid):
    assert_empty_200(send(client, {"message": "hi", "to": "everyone", "to_user_uuid": uuid}))


def test_a_to_user_uuid_longer_than_255_characters_is_refused(client):
    response = send(client, {"message": "hi", "to": "specific_user", "to_user_uuid": "u" * 256})
    assert response.json == {"to_user_uuid": ["Ensure this field has no more than 255 characters."]}


def test_field_errors_come_in_the_serializers_declaration_order(client):
    response = send(client, {"to": "x", "to_user_uuid": ["not", "a", "string"]})
    assert response.data == (
        b'{"to_user_uuid":["Not a valid string."],"to":["\\"x\\" is not a valid choice."],'
        b'"message":["This field is required."]}'
    )


def test_body_validation_comes_before_the_state_gate(client):
    response = send(client, {}, bot_id=ENDED_BOT)
    assert response.json == {"message": ["This field is required."]}


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_a_bot_that_is_not_joined_cannot_send_chat_messages(client, sandbox, state):
    bot_id = FIXTURE_BOTS[state]
    response = send(client, {"message": "hi"}, bot_id=bot_id)
    assert response.status_code == 400
    assert response.data == f'{{"error":"Bot is in state {state} and cannot send chat messages"}}'.encode()
    assert commands_of(sandbox, bot_id) == []


def test_the_state_refusal_matches_the_openapi_document(client):
    response = send(client, {"message": "hi"}, bot_id=ENDED_BOT)
    check_openapi("POST", ENDED_BOT, ACTION, response)


@pytest.mark.parametrize("state", JOINED_STATES)
def test_every_joined_state_can_send_chat_messages(client, state):
    bot_id = "bot_sbxPermDenied000" if state == "joined_recording_permission_denied" else FIXTURE_BOTS[state]
    assert_empty_200(send(client, {"message": "hi"}, bot_id=bot_id))


def test_a_to_user_uuid_that_is_no_participant_is_refused(client, sandbox):
    response = send(client, {"message": "hi", "to": "specific_user", "to_user_uuid": ALICE})
    assert response.status_code == 400
    assert response.data == (
        b'{"error":"No participant found with uuid c0ffee00-1111-4222-8333-444455556666. '
        b'Use the /participants endpoint to get the list of participants."}'
    )
    check_openapi("POST", MEET_BOT, ACTION, response)
    assert commands_of(sandbox, MEET_BOT) == []


def test_a_participant_of_another_bot_does_not_count(client, sandbox):
    put_participant(sandbox, FIXTURE_BOTS["joined_not_recording"], ALICE)
    response = send(client, {"message": "hi", "to": "specific_user", "to_user_uuid": ALICE})
    assert response.status_code == 400
    assert response.json["error"].startswith(f"No participant found with uuid {ALICE}.")


def test_a_message_to_a_participant_of_the_bot_is_accepted(client, sandbox):
    put_participant(sandbox, MEET_BOT, ALICE)
    assert_empty_200(send(client, {"message": "psst", "to": "specific_user", "to_user_uuid": ALICE}))
    recorded = commands_of(sandbox, MEET_BOT)[-1]
    assert (recorded["to"], recorded["to_user_uuid"], recorded["message"]) == ("specific_user", ALICE, "psst")


def test_the_state_gate_comes_before_the_participant_check(client):
    response = send(client, {"message": "hi", "to": "specific_user", "to_user_uuid": ALICE}, bot_id=ENDED_BOT)
    assert response.json == {"error": "Bot is in state ended and cannot send chat messages"}


# -- body parsing (docs/contract/conventions.md#body-parsing)
# -------------------------------------------------------------------------------


def test_a_json_array_body_is_not_a_dictionary(client):
    response = send(client, raw=b'["hi"]', content_type="application/json")
    assert response.status_code == 400
    assert response.data == b'{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}'
    check_openapi("POST", MEET_BOT, ACTION, response)


def test_a_json_null_body_is_no_data(client):
    response = send(client, raw=b"null", content_type="application/json")
    assert response.json == {"non_field_errors": ["No data provided"]}


def test_malformed_json_is_a_parse_error(client):
    response = send(client, raw=b'{"message": }', content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"detail": "JSON parse error - Expecting value: line 1 column 13 (char 12)"}
    check_openapi("POST", MEET_BOT, ACTION, response)


def test_a_text_body_is_an_unsupported_media_type(client):
    response = send(client, raw=b"hello", content_type="text/plain")
    assert response.status_code == 415
    assert response.data == b'{"detail":"Unsupported media type \\"text/plain\\" in request."}'
    check_openapi("POST", MEET_BOT, ACTION, response)


def test_the_bot_lookup_comes_before_body_parsing(client):
    response = send(client, raw=b"{not json", content_type="application/json", bot_id=UNKNOWN_BOT)
    assert response.status_code == 404


def test_an_empty_json_body_is_an_empty_object(client):
    response = send(client, raw=b"", content_type="application/json")
    assert response.json == {"message": ["This field is required."]}


def test_a_form_encoded_body_is_accepted(client, sandbox):
    response = send(client, raw=b"message=from+a+form&to=everyone", content_type="application/x-www-form-urlencoded")
    assert_empty_200(response)
    assert commands_of(sandbox, MEET_BOT)[-1]["message"] == "from a form"


# -- the view ----------------------------------------------------------------------------------------


def test_get_is_not_allowed_and_allow_lists_post_and_options(client):
    response = client.get(f"/api/v1/bots/{MEET_BOT}/{ACTION}", headers=AUTH)
    assert response.status_code == 405
    assert response.json == {"detail": 'Method "GET" not allowed.'}
    assert response.headers["Allow"] == "POST, OPTIONS"


def test_posts_are_throttled_even_for_unknown_bots(make_app):
    client = make_app(throttle_rate="2/min").test_client()
    with freeze_time("2026-11-30T12:00:00Z"):
        assert send(client, {"message": "one"}).status_code == 200
        assert send(client, {"message": "two"}, bot_id=UNKNOWN_BOT).status_code == 404
        response = send(client, {"message": "three"}, bot_id=UNKNOWN_BOT)
    assert response.status_code == 429
    assert response.json == {"detail": "Request was throttled. Expected available in 60 seconds."}
    assert response.headers["Retry-After"] == "60"


def test_recorded_commands_are_capped_oldest_first(client, sandbox):
    from sandbox.usecases.commands import MAX_RECORDED_COMMANDS

    for number in range(MAX_RECORDED_COMMANDS + 3):
        assert_empty_200(send(client, {"message": f"m{number}"}))
    recorded = commands_of(sandbox, MEET_BOT)
    assert len(recorded) == MAX_RECORDED_COMMANDS
    assert recorded[0]["message"] == "m3"
    assert recorded[-1]["message"] == f"m{MAX_RECORDED_COMMANDS + 2}"
