"""POST /admit_from_waiting_room, POST /change_gallery_view_page, PATCH /transcription_settings and
PATCH /voice_agent_settings (docs/contract/bots-endpoints.md#admit-from-waiting-room to #voice-agent-settings,
docs/contract/bots-endpoints.md#state-gates, docs/contract/create-bot.md#create-fields)."""

import pytest
from freezegun import freeze_time

from sandbox.contract.jsonschemas import TRANSCRIPTION_SETTINGS_SCHEMA
from tests.commands_support import (
    ENDED_BOT,
    FIXTURE_BOTS,
    JOINED_STATES,
    MEET_BOT,
    NOT_JOINED_STATES,
    TEAMS_URL,
    UNKNOWN_BOT,
    ZOOM_BOT,
    ZOOM_URL,
    assert_empty_200,
    call,
    check_openapi,
    commands_of,
    put_bot,
    stored_bot,
)
from tests.conftest import AUTH, SEED_BOT

FROZEN = "2026-11-30T12:00:00Z"
ZOOM_WEB_GALLERY = {"zoom_settings": {"sdk": "web"}, "recording_settings": {"format": "mp4", "view": "gallery_view"}}
RESERVED = {"voice_agent_settings": {"reserve_resources": True}}
AGENT_URL = "https://agent.example.com/talk"
CAPTION_PROPERTIES = TRANSCRIPTION_SETTINGS_SCHEMA["properties"]["meeting_closed_captions"]["properties"]
TEAMS_LANGUAGES = CAPTION_PROPERTIES["teams_language"]["enum"]
MEET_LANGUAGES = CAPTION_PROPERTIES["google_meet_language"]["enum"]
PARSE_ERROR = {
    "detail": "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
}


def zoom_bot(sandbox, state="joined_recording", settings=None, bot_id="bot_cmdZoomWebGall00"):
    settings = ZOOM_WEB_GALLERY if settings is None else settings
    return put_bot(sandbox, bot_id, meeting_url=ZOOM_URL, state=state, settings=settings)


def captions(**languages):
    return {"transcription_settings": {"meeting_closed_captions": languages}}


# ============================================================================ admit_from_waiting_room


@freeze_time(FROZEN)
def test_admit_from_waiting_room_on_a_joined_zoom_bot_gets_an_empty_200_and_is_recorded(client, sandbox):
    response = call(client, "POST", ZOOM_BOT, "admit_from_waiting_room")
    assert_empty_200(response)
    check_openapi("POST", ZOOM_BOT, "admit_from_waiting_room", response)
    assert commands_of(sandbox, ZOOM_BOT) == [
        {"command": "admit_from_waiting_room", "created_at": "2026-11-30T12:00:00+00:00"}
    ]


@pytest.mark.parametrize(
    "raw, content_type", [(b"garbage {", "application/json"), (b"hello", "text/plain"), (b"[1]", "application/json")]
)
def test_admit_from_waiting_room_ignores_any_body(client, raw, content_type):
    assert_empty_200(call(client, "POST", ZOOM_BOT, "admit_from_waiting_room", raw=raw, content_type=content_type))


def test_admit_from_waiting_room_of_an_unknown_bot_is_bot_not_found(client):
    response = call(client, "POST", UNKNOWN_BOT, "admit_from_waiting_room")
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'
    check_openapi("POST", UNKNOWN_BOT, "admit_from_waiting_room", response)


@pytest.mark.parametrize("bot", [MEET_BOT, ENDED_BOT])
def test_admit_from_waiting_room_is_zoom_only_before_the_state_gate(client, bot):
    response = call(client, "POST", bot, "admit_from_waiting_room")
    assert response.status_code == 400
    assert response.data == b'{"error":"Admitting from waiting room is not supported for this meeting type"}'
    check_openapi("POST", bot, "admit_from_waiting_room", response)


def test_admit_from_waiting_room_on_teams_is_not_supported(client, sandbox):
    bot_id = put_bot(sandbox, "bot_cmdTeamsJoined00", meeting_url=TEAMS_URL)
    response = call(client, "POST", bot_id, "admit_from_waiting_room")
    assert response.json == {"error": "Admitting from waiting room is not supported for this meeting type"}


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_a_zoom_bot_that_is_not_joined_cannot_admit_from_waiting_room(client, sandbox, state):
    bot_id = zoom_bot(sandbox, state=state)
    response = call(client, "POST", bot_id, "admit_from_waiting_room")
    assert response.status_code == 400
    assert response.json == {"error": f"Bot is in state {state} and cannot admit from waiting room"}


@pytest.mark.parametrize("state", JOINED_STATES)
def test_a_zoom_bot_in_any_joined_state_can_admit_from_waiting_room(client, sandbox, state):
    assert_empty_200(call(client, "POST", zoom_bot(sandbox, state=state), "admit_from_waiting_room"))


def test_admit_from_waiting_room_is_throttled(make_app):
    client = make_app(throttle_rate="1/min").test_client()
    with freeze_time(FROZEN):
        assert call(client, "POST", ZOOM_BOT, "admit_from_waiting_room").status_code == 200
        assert call(client, "POST", ZOOM_BOT, "admit_from_waiting_room").status_code == 429


# =========================================================================== change_gallery_view_page


@freeze_time(FROZEN)
def test_change_gallery_view_page_without_a_body_goes_to_the_next_page(client, sandbox):
    bot_id = zoom_bot(sandbox)
    response = call(client, "POST", bot_id, "change_gallery_view_page")
    assert_empty_200(response)
    check_openapi("POST", bot_id, "change_gallery_view_page", response)
    assert commands_of(sandbox, bot_id) == [
        {"command": "change_gallery_view_page", "created_at": "2026-11-30T12:00:00+00:00", "direction": "next"}
    ]


@pytest.mark.parametrize(
    "body, direction",
    [
        ({"direction": "next"}, "next"),
        ({"direction": "previous"}, "previous"),
        ({"direction": "sideways"}, "previous"),
        ({"direction": "NEXT"}, "previous"),
        ({"direction": None}, "previous"),
        ({"direction": 1}, "previous"),
        ({}, "next"),
        ({"other": "x"}, "next"),
    ],
)
def test_any_direction_other_than_next_means_previous(client, sandbox, body, direction):
    bot_id = zoom_bot(sandbox)
    assert_empty_200(call(client, "POST", bot_id, "change_gallery_view_page", body))
    assert commands_of(sandbox, bot_id)[-1]["direction"] == direction


def test_change_gallery_view_page_of_an_unknown_bot_is_bot_not_found(client):
    response = call(client, "POST", UNKNOWN_BOT, "change_gallery_view_page", {})
    assert response.status_code == 404
    check_openapi("POST", UNKNOWN_BOT, "change_gallery_view_page", response)


def test_changing_the_gallery_page_is_zoom_only(client):
    response = call(client, "POST", ENDED_BOT, "change_gallery_view_page", {})
    assert response.status_code == 400
    assert response.data == b'{"error":"Changing gallery view page is not supported for this meeting type"}'
    check_openapi("POST", ENDED_BOT, "change_gallery_view_page", response)


@pytest.mark.parametrize(
    "settings", [{}, {"zoom_settings": {"sdk": "native"}, "recording_settings": {"view": "gallery_view"}}]
)
def test_changing_the_gallery_page_needs_the_zoom_web_sdk(client, sandbox, settings):
    bot_id = zoom_bot(sandbox, state="ended", settings=settings)
    response = call(client, "POST", bot_id, "change_gallery_view_page", {})
    assert response.json == {"error": "Changing gallery view page is only supported for Zoom Web SDK"}


def test_a_fixture_zoom_bot_uses_the_native_sdk(client):
    response = call(client, "POST", SEED_BOT, "change_gallery_view_page")
    assert response.json == {"error": "Changing gallery view page is only supported for Zoom Web SDK"}


@pytest.mark.parametrize("view", [None, "speaker_view", "speaker_view_no_sidebar"])
def test_changing_the_gallery_page_needs_gallery_view(client, sandbox, view):
    recording = {} if view is None else {"view": view}
    settings = {"zoom_settings": {"sdk": "web"}, "recording_settings": recording}
    bot_id = zoom_bot(sandbox, state="ended", settings=settings)
    response = call(client, "POST", bot_id, "change_gallery_view_page", {})
    assert response.json == {
        "error": "Changing gallery view page is only supported for when recording in gallery view"
    }


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_a_bot_that_is_not_joined_cannot_change_the_gallery_view_page(client, sandbox, state):
    bot_id = zoom_bot(sandbox, state=state)
    response = call(client, "POST", bot_id, "change_gallery_view_page", {})
    assert response.json == {"error": f"Bot is in state {state} and cannot change the gallery view page"}


def test_the_gallery_body_is_only_read_after_the_checks(client, sandbox):
    response = call(client, "POST", MEET_BOT, "change_gallery_view_page", raw=b"{x", content_type="application/json")
    assert response.json == {"error": "Changing gallery view page is not supported for this meeting type"}
    bot_id = zoom_bot(sandbox)
    response = call(client, "POST", bot_id, "change_gallery_view_page", raw=b"{x", content_type="application/json")
    assert response.status_code == 400
    assert response.json == PARSE_ERROR
    response = call(client, "POST", bot_id, "change_gallery_view_page", raw=b"x", content_type="text/plain")
    assert response.status_code == 415


def test_a_gallery_body_that_is_not_an_object_is_refused_with_a_clear_message(client, sandbox):
    bot_id = zoom_bot(sandbox)
    raw = b'["next"]'
    response = call(client, "POST", bot_id, "change_gallery_view_page", raw=raw, content_type="application/json")
    assert response.status_code == 400
    assert "must be a JSON object" in response.json["error"]


def test_a_form_encoded_direction_is_read(client, sandbox):
    bot_id = zoom_bot(sandbox)
    form = "application/x-www-form-urlencoded"
    response = call(client, "POST", bot_id, "change_gallery_view_page", raw=b"direction=previous", content_type=form)
    assert_empty_200(response)
    assert commands_of(sandbox, bot_id)[-1]["direction"] == "previous"


# ============================================================================= transcription_settings


@freeze_time(FROZEN)
def test_a_meet_bot_with_default_settings_changes_its_caption_language(client, sandbox):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", captions(google_meet_language="de-DE"))
    assert_empty_200(response)
    check_openapi("PATCH", MEET_BOT, "transcription_settings", response)
    assert stored_bot(sandbox, MEET_BOT)["settings"]["transcription_settings"] == {
        "meeting_closed_captions": {"google_meet_language": "de-DE"}
    }
    assert commands_of(sandbox, MEET_BOT) == [
        {
            "command": "transcription_settings",
            "created_at": "2026-11-30T12:00:00+00:00",
            "meeting_closed_captions": {"google_meet_language": "de-DE"},
        }
    ]


def test_the_new_language_is_merged_into_the_existing_caption_settings(client, sandbox):
    existing = {"teams_language": "en-us", "merge_consecutive_captions": True}
    settings = {"transcription_settings": {"meeting_closed_captions": existing}}
    bot_id = put_bot(sandbox, "bot_cmdTeamsJoined00", meeting_url=TEAMS_URL, settings=settings)
    assert_empty_200(call(client, "PATCH", bot_id, "transcription_settings", captions(teams_language="de-de")))
    assert stored_bot(sandbox, bot_id)["settings"]["transcription_settings"] == {
        "meeting_closed_captions": {"teams_language": "de-de", "merge_consecutive_captions": True}
    }


def test_transcription_settings_of_an_unknown_bot_is_bot_not_found_before_parsing(client):
    response = call(client, "PATCH", UNKNOWN_BOT, "transcription_settings", raw=b"{x", content_type="application/json")
    assert response.status_code == 404
    check_openapi("PATCH", UNKNOWN_BOT, "transcription_settings", response)


def test_transcription_settings_parse_errors_come_before_the_state_gate(client):
    response = call(client, "PATCH", ENDED_BOT, "transcription_settings", raw=b"{x", content_type="application/json")
    assert response.status_code == 400
    assert response.json == PARSE_ERROR
    response = call(client, "PATCH", ENDED_BOT, "transcription_settings", raw=b"x", content_type="text/plain")
    assert response.status_code == 415
    check_openapi("PATCH", ENDED_BOT, "transcription_settings", response)


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_a_bot_that_is_not_joined_cannot_update_transcription_settings(client, state):
    body = captions(google_meet_language="de-DE")
    response = call(client, "PATCH", FIXTURE_BOTS[state], "transcription_settings", body)
    assert response.status_code == 400
    assert response.json == {"error": f"Bot is in state {state} and cannot update transcription settings"}


def test_the_state_gate_comes_before_body_validation(client):
    response = call(client, "PATCH", ENDED_BOT, "transcription_settings", raw=b"[]", content_type="application/json")
    assert response.json == {"error": "Bot is in state ended and cannot update transcription settings"}


def test_a_zoom_native_bot_transcribes_with_deepgram_by_default(client):
    response = call(client, "PATCH", ZOOM_BOT, "transcription_settings", {})
    assert response.status_code == 400
    assert response.data == b'{"error":"Bot is not transcribing with meeting closed captions"}'
    check_openapi("PATCH", ZOOM_BOT, "transcription_settings", response)


def test_a_zoom_web_sdk_bot_transcribes_with_closed_captions_by_default(client, sandbox):
    bot_id = zoom_bot(sandbox, settings={"zoom_settings": {"sdk": "web"}})
    assert_empty_200(call(client, "PATCH", bot_id, "transcription_settings", captions(teams_language="fr-fr")))


@pytest.mark.parametrize(
    "transcription",
    [
        {"deepgram": {"language": "multi"}},
        {"meeting_closed_captions": {}, "gladia": {}},
        {"elevenlabs": {"model_id": "scribe_v1"}},
    ],
)
def test_a_bot_with_another_provider_is_not_transcribing_with_closed_captions(client, sandbox, transcription):
    bot_id = put_bot(sandbox, "bot_cmdOtherProvider", settings={"transcription_settings": transcription})
    response = call(client, "PATCH", bot_id, "transcription_settings", captions(google_meet_language="de-DE"))
    assert response.json == {"error": "Bot is not transcribing with meeting closed captions"}


def test_a_missing_transcription_settings_is_required(client):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", {})
    assert response.status_code == 400
    assert response.data == b'{"transcription_settings":["This field is required."]}'
    check_openapi("PATCH", MEET_BOT, "transcription_settings", response)


def test_a_null_transcription_settings_may_not_be_null(client):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", {"transcription_settings": None})
    assert response.json == {"transcription_settings": ["This field may not be null."]}


def test_both_languages_are_valid_under_each_of_the_one_of_schemas(client):
    body = captions(teams_language="en-us", google_meet_language="en-US")
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", body)
    assert response.data == (
        b"{\"transcription_settings\":[\"{'teams_language': 'en-us', 'google_meet_language': 'en-US'} is valid under "
        b"each of {'required': ['google_meet_language']}, {'required': ['teams_language']}\"]}"
    )


def test_no_language_is_valid_under_none_of_the_schemas(client):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", captions())
    assert response.json == {"transcription_settings": ["{} is not valid under any of the given schemas"]}


def test_an_unknown_teams_language_lists_every_teams_language(client):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", captions(teams_language="xx"))
    assert response.json == {"transcription_settings": [f"'xx' is not one of {TEAMS_LANGUAGES!r}"]}
    assert response.json["transcription_settings"][0].startswith("'xx' is not one of ['ar-sa', ")


def test_an_unknown_google_meet_language_lists_every_meet_language(client):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", captions(google_meet_language="klingon"))
    assert response.json == {"transcription_settings": [f"'klingon' is not one of {MEET_LANGUAGES!r}"]}


@pytest.mark.parametrize(
    "value, message",
    [
        ({}, "'meeting_closed_captions' is a required property"),
        (
            {"meeting_closed_captions": {"zoom_language": "English"}},
            "Additional properties are not allowed ('zoom_language' was unexpected)",
        ),
        (
            {"meeting_closed_captions": {"teams_language": "en-us"}, "deepgram": {}},
            "Additional properties are not allowed ('deepgram' was unexpected)",
        ),
        ("en-us", "'en-us' is not of type 'object'"),
        ({"meeting_closed_captions": "en-us"}, "'en-us' is not of type 'object'"),
    ],
)
def test_other_transcription_settings_errors_use_jsonschema_wording(client, value, message):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", {"transcription_settings": value})
    assert response.json == {"transcription_settings": [message]}


def test_a_transcription_settings_array_body_is_not_a_dictionary(client):
    response = call(client, "PATCH", MEET_BOT, "transcription_settings", raw=b"[]", content_type="application/json")
    assert response.json == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_transcription_settings_patches_are_not_throttled(make_app):
    client = make_app(throttle_rate="1/min").test_client()
    with freeze_time(FROZEN):
        for _ in range(3):
            body = captions(google_meet_language="de-DE")
            assert_empty_200(call(client, "PATCH", MEET_BOT, "transcription_settings", body))


def test_transcription_settings_only_allows_patch(client):
    response = client.post(f"/api/v1/bots/{MEET_BOT}/transcription_settings", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["Allow"] == "PATCH, OPTIONS"


# =============================================================================== voice_agent_settings


def reserved_bot(sandbox, state="joined_recording", agent=None):
    settings = {"voice_agent_settings": {"reserve_resources": True, **(agent or {})}}
    return put_bot(sandbox, "bot_cmdVoiceAgent000", state=state, settings=settings)


def agent_settings(sandbox, bot_id):
    return stored_bot(sandbox, bot_id)["settings"]["voice_agent_settings"]


@freeze_time(FROZEN)
def test_a_reserved_bot_gets_a_voice_agent_url_with_an_empty_200(client, sandbox):
    bot_id = reserved_bot(sandbox, agent={"screenshare_url": "https://old.example.com"})
    response = call(client, "PATCH", bot_id, "voice_agent_settings", {"url": AGENT_URL})
    assert_empty_200(response)
    check_openapi("PATCH", bot_id, "voice_agent_settings", response)
    assert agent_settings(sandbox, bot_id) == {"reserve_resources": True, "url": AGENT_URL}
    assert commands_of(sandbox, bot_id) == [
        {"command": "voice_agent_settings", "created_at": "2026-11-30T12:00:00+00:00", "url": AGENT_URL}
    ]


def test_a_screenshare_url_replaces_the_url(client, sandbox):
    bot_id = reserved_bot(sandbox, agent={"url": AGENT_URL})
    share = "https://share.example.com"
    assert_empty_200(call(client, "PATCH", bot_id, "voice_agent_settings", {"screenshare_url": share}))
    assert agent_settings(sandbox, bot_id) == {"reserve_resources": True, "screenshare_url": share}


def test_an_empty_url_turns_the_agent_off(client, sandbox):
    bot_id = reserved_bot(sandbox, agent={"url": AGENT_URL})
    assert_empty_200(call(client, "PATCH", bot_id, "voice_agent_settings", {"url": ""}))
    assert agent_settings(sandbox, bot_id) == {"reserve_resources": True, "url": ""}


def test_an_empty_body_changes_nothing(client, sandbox):
    bot_id = reserved_bot(sandbox, agent={"url": AGENT_URL})
    assert_empty_200(call(client, "PATCH", bot_id, "voice_agent_settings", {}))
    assert agent_settings(sandbox, bot_id) == {"reserve_resources": True, "url": AGENT_URL}


def test_voice_agent_settings_of_an_unknown_bot_is_bot_not_found(client):
    response = call(client, "PATCH", UNKNOWN_BOT, "voice_agent_settings", {"url": AGENT_URL})
    assert response.status_code == 404
    check_openapi("PATCH", UNKNOWN_BOT, "voice_agent_settings", response)


def test_voice_agent_parse_errors_come_before_the_state_gate(client):
    response = call(client, "PATCH", ENDED_BOT, "voice_agent_settings", raw=b"nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"}
    check_openapi("PATCH", ENDED_BOT, "voice_agent_settings", response)


@pytest.mark.parametrize("state", NOT_JOINED_STATES)
def test_a_bot_that_is_not_joined_cannot_update_voice_agent_settings(client, sandbox, state):
    response = call(client, "PATCH", reserved_bot(sandbox, state=state), "voice_agent_settings", {"url": AGENT_URL})
    assert response.status_code == 400
    assert response.json == {"error": f"Bot is in state {state} and cannot update voice agent settings"}


def test_the_state_gate_comes_before_the_reservation_check(client):
    response = call(client, "PATCH", ENDED_BOT, "voice_agent_settings", {"url": AGENT_URL})
    assert response.json == {"error": "Bot is in state ended and cannot update voice agent settings"}


@pytest.mark.parametrize(
    "settings", [{}, {"voice_agent_settings": None}, {"voice_agent_settings": {"reserve_resources": False}}]
)
def test_a_bot_created_without_reserved_resources_is_refused(client, sandbox, settings):
    bot_id = put_bot(sandbox, "bot_cmdNotReserved00", settings=settings)
    response = call(client, "PATCH", bot_id, "voice_agent_settings", {"url": AGENT_URL})
    assert response.status_code == 400
    assert response.data == (
        b'{"error":"Voice agent resources were not reserved. You must create the bot with '
        b'voice_agent_settings.reserve_resources set to true."}'
    )
    check_openapi("PATCH", bot_id, "voice_agent_settings", response)


def test_the_reservation_check_comes_before_body_validation(client):
    response = call(client, "PATCH", MEET_BOT, "voice_agent_settings", raw=b"[]", content_type="application/json")
    assert response.json["error"].startswith("Voice agent resources were not reserved.")


@pytest.mark.parametrize("field", ["url", "screenshare_url"])
def test_a_voice_agent_url_must_start_with_https(client, sandbox, field):
    response = call(client, "PATCH", reserved_bot(sandbox), "voice_agent_settings", {field: "http://agent.example.com"})
    assert response.status_code == 400
    assert response.json == {field: ["URL must start with https://"]}


def test_the_https_check_ignores_case(client, sandbox):
    body = {"url": "HTTPS://agent.example.com"}
    assert_empty_200(call(client, "PATCH", reserved_bot(sandbox), "voice_agent_settings", body))


def test_unknown_fields_are_named_sorted_with_the_allowed_fields(client, sandbox):
    body = {"zeta": 1, "url": AGENT_URL, "alpha": 2}
    response = call(client, "PATCH", reserved_bot(sandbox), "voice_agent_settings", body)
    assert response.status_code == 400
    assert response.data == (
        b'{"non_field_errors":["Unexpected field(s): alpha, zeta. Allowed fields are: screenshare_url, url"]}'
    )
    check_openapi("PATCH", "bot_cmdVoiceAgent000", "voice_agent_settings", response)


def test_field_errors_come_before_the_unknown_fields_check(client, sandbox):
    body = {"url": "http://x.com", "reserve_resources": True}
    response = call(client, "PATCH", reserved_bot(sandbox), "voice_agent_settings", body)
    assert response.json == {"url": ["URL must start with https://"]}


def test_both_urls_at_once_are_refused(client, sandbox):
    response = call(
        client, "PATCH", reserved_bot(sandbox), "voice_agent_settings", {"url": AGENT_URL, "screenshare_url": AGENT_URL}
    )
    assert response.json == {
        "non_field_errors": ["Cannot provide both url and screenshare_url. Please specify only one."]
    }


def test_one_url_with_an_empty_other_is_accepted(client, sandbox):
    bot_id = reserved_bot(sandbox)
    assert_empty_200(call(client, "PATCH", bot_id, "voice_agent_settings", {"url": AGENT_URL, "screenshare_url": ""}))
    assert agent_settings(sandbox, bot_id) == {"reserve_resources": True, "screenshare_url": ""}


@pytest.mark.parametrize("value, message", [(None, "This field may not be null."), (["x"], "Not a valid string.")])
def test_voice_agent_urls_are_strings(client, sandbox, value, message):
    body = {"url": value, "screenshare_url": value}
    response = call(client, "PATCH", reserved_bot(sandbox), "voice_agent_settings", body)
    assert response.json == {"url": [message], "screenshare_url": [message]}


def test_a_url_outside_the_allowlist_is_refused(client, sandbox):
    sandbox.settings.voice_agent_url_prefix_allowlist = "https://allowed.example.com/,https://other.example.com/"
    bot_id = reserved_bot(sandbox)
    response = call(client, "PATCH", bot_id, "voice_agent_settings", {"screenshare_url": AGENT_URL})
    assert response.json == {
        "screenshare_url": [
            "URL is not allowed for voice agent. Please set the VOICE_AGENT_URL_PREFIX_ALLOWLIST environment variable "
            "to the comma-separated list of allowed URL prefixes."
        ]
    }
    assert_empty_200(call(client, "PATCH", bot_id, "voice_agent_settings", {"url": "https://other.example.com/agent"}))


def test_a_voice_agent_array_body_is_not_a_dictionary(client, sandbox):
    bot_id = reserved_bot(sandbox)
    response = call(client, "PATCH", bot_id, "voice_agent_settings", raw=b"[]", content_type="application/json")
    assert response.json == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_voice_agent_settings_only_allows_patch(client):
    response = client.post(f"/api/v1/bots/{MEET_BOT}/voice_agent_settings", headers=AUTH)
    assert response.status_code == 405
    assert response.json == {"detail": 'Method "POST" not allowed.'}
    assert response.headers["Allow"] == "PATCH, OPTIONS"
