"""POST /api/v1/bots (docs/contract/bots-endpoints.md#create-bot, docs/contract/create-bot.md#create-bot): the order of
the checks, their exact answers, and what is stored."""

import json
import re

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AUTH, SECOND_AUTH
from tests.openapi_check import assert_valid_response

MEET = "https://meet.google.com/abc-defg-hij"
ZOOM = "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1&uname=x#success"
DEFAULT_PROJECT = "proj_sbx0Default00001"
ZOOM_CREDENTIALS_MESSAGE = (
    "Zoom App credentials are required to create a Zoom bot. Please add Zoom credentials at "
    "https://{domain}/projects/proj_sbx0Default00001/credentials"
)
STORAGE_MESSAGE = (
    "External media storage credentials are required to upload recordings to an external storage bucket. "
    "Please add external media storage credentials at https://app.attendee.dev/projects/proj_sbx0Default00001/credentials."
)
DEDUP_MESSAGE = (
    "Deduplication key already in use. A bot in a non-terminal state with this deduplication key already exists. "
    "Please use a different deduplication key or wait for that bot to terminate."
)
FUTURE = "2027-06-01T08:00:00Z"
ERROR_ID = re.compile(r"^An error occurred while creating the bot\. Error ID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(autouse=True)
def frozen_clock():
    """Tests run on a fixed date (join_at limits are relative to now); some freeze their own instant."""
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        yield frozen


class Recorder:
    """An outbox that keeps what the use cases emit (the webhook dispatcher's place)."""

    def __init__(self):
        self.sent = []

    def emit(self, project_id, bot_id, trigger, data):
        self.sent.append((project_id, bot_id, trigger, data))


def create(client, body=None, headers=AUTH, **kwargs):
    """POST /bots with `body` serialized in the given key order (the test client's `json=` sorts keys)."""
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = "application/json"
    return client.post("/api/v1/bots", headers=headers, **kwargs)


def bot_body(**fields):
    return {"meeting_url": MEET, "bot_name": "Test Bot", **fields}


def check_openapi(response, method="POST", path="/api/v1/bots"):
    assert_valid_response(method, path, response.status_code, response.get_data(), response.headers.get("Content-Type"))


def set_project(sandbox, project_id=DEFAULT_PROJECT, **fields):
    """Change the stored project; `zoom_credentials=False` also takes away its Zoom OAuth app (the bundled
    default project has one, and it lets Zoom bots be created as Zoom credentials do)."""
    project = sandbox.store.get("projects", project_id)
    project.update(fields)
    sandbox.store.put("projects", project)
    if fields.get("zoom_credentials") is False:
        for app in sandbox.store.scan("zoom_oauth_apps", project_id):
            sandbox.store.delete("zoom_oauth_apps", app["id"])
    sandbox.projects_changed()


def in_meeting_count(sandbox, project_id=DEFAULT_PROJECT):
    from sandbox.domain.lifecycle import BOT_STATES, IN

    return sum(1 for bot in sandbox.store.scan("bots", project_id) if BOT_STATES[bot["state"]] == IN)


# -- success --------------------------------------------------------------------------------------------


def test_the_created_bot_is_stored_and_readable(client):
    created = create(client, bot_body(deduplication_key="k-1")).json
    response = client.get(f"/api/v1/bots/{created['id']}", headers=AUTH)
    assert response.status_code == 200
    assert response.json == created


def test_meeting_url_is_stored_normalized(client):
    response = create(client, bot_body(meeting_url=ZOOM))
    assert response.status_code == 201
    assert response.json["meeting_url"] == "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1"
    check_openapi(response)


def test_immediate_create_returns_metadata_in_jsonb_order(client):
    response = create(client, bot_body(metadata={"zz": "1", "a": "2", "bbb": "3", "b": "4"}))
    assert response.data.startswith(b'{"id":"' + response.json["id"].encode() + b'","metadata":{"a":"2","b":"4","zz":"1","bbb":"3"},')


@freeze_time("2026-11-30T11:22:06Z")
def test_scheduled_create_echoes_metadata_in_input_order_and_reads_back_in_jsonb_order(client):
    response = create(client, bot_body(join_at="2027-01-01T08:00:00Z", metadata={"zz": "1", "a": "2", "bbb": "3", "b": "4"}))
    bot_id = response.json["id"].encode()
    assert response.data.startswith(b'{"id":"' + bot_id + b'","metadata":{"zz":"1","a":"2","bbb":"3","b":"4"},')
    again = client.get(f"/api/v1/bots/{bot_id.decode()}", headers=AUTH)
    assert again.data.startswith(b'{"id":"' + bot_id + b'","metadata":{"a":"2","b":"4","zz":"1","bbb":"3"},')


def test_numeric_deduplication_key_is_returned_as_a_string(client):
    assert create(client, bot_body(deduplication_key=5)).json["deduplication_key"] == "5"


def test_form_encoded_body_creates_a_bot(client):
    response = client.post(
        "/api/v1/bots", headers=AUTH, data={"meeting_url": MEET, "bot_name": "Form Bot"}, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201
    assert response.json["state"] == "joining"


def test_json_with_charset_is_accepted(client):
    response = client.post("/api/v1/bots", headers=AUTH, data=json.dumps(bot_body()), content_type="application/json; charset=utf-8")
    assert response.status_code == 201


def test_ids_and_stored_document_have_the_documented_shape(client, sandbox):
    bot_id = create(client, bot_body(metadata={"k": "v"}, webhooks=[{"url": "https://example.com/hook", "triggers": ["bot.state_change"]}])).json["id"]
    stored = sandbox.store.get("bots", bot_id)
    assert stored["project_id"] == DEFAULT_PROJECT
    assert stored["platform"] == "google_meet"
    assert stored["bot_name"] == "Test Bot"
    assert stored["scenario"] == "happy_path"
    assert re.fullmatch(r"rec_[A-Za-z0-9]{16}", stored["recording"]["id"])
    assert stored["recording"] == {"id": stored["recording"]["id"], "state": "not_started", "transcription_state": "not_started", "format": "mp4", "file": None}
    assert stored["webhooks"] == [{"url": "https://example.com/hook", "triggers": ["bot.state_change"]}]
    assert stored["events"][0]["metadata"] == {"source": "api"}


def test_normalized_settings_are_stored_with_their_defaults(client, sandbox):
    bot_id = create(client, bot_body(recording_settings={"format": "mp3"})).json["id"]
    settings_ = sandbox.store.get("bots", bot_id)["settings"]
    assert settings_["recording_settings"] == {
        "format": "mp3",
        "view": "speaker_view",
        "resolution": "1080p",
        "record_chat_messages_when_paused": False,
        "record_async_transcription_audio_chunks": False,
        "record_participant_speech_start_stop_events": False,
        "reserve_additional_storage": False,
    }
    assert settings_["transcription_settings"] == {"meeting_closed_captions": {}}
    assert settings_["zoom_settings"] == {"sdk": "native"}
    assert settings_["automatic_leave_settings"]["silence_timeout_seconds"] == 600
    assert sandbox.store.get("bots", bot_id)["recording"]["format"] == "mp3"
    assert set(settings_) == {
        "recording_settings", "transcription_settings", "zoom_settings", "google_meet_settings", "teams_settings",
        "automatic_leave_settings", "voice_agent_settings", "bot_chat_message", "bot_image", "websocket_settings",
        "rtmp_settings", "callback_settings", "external_media_storage_settings", "debug_settings",
    }  # fmt: skip


def test_create_sends_the_join_requested_webhook_and_a_scheduled_create_sends_none(client, sandbox):
    recorder = Recorder()
    sandbox.outbox.emit = recorder.emit
    with freeze_time("2026-11-30T11:22:39.991033Z"):
        bot_id = create(client, bot_body()).json["id"]
        create(client, bot_body(join_at="2027-01-01T08:00:00Z"))
    assert recorder.sent == [
        (
            DEFAULT_PROJECT,
            bot_id,
            "bot.state_change",
            {
                "new_state": "joining",
                "old_state": "ready",
                "created_at": "2026-11-30T11:22:39.991033+00:00",
                "event_type": "join_requested",
                "event_metadata": {"source": "api"},
                "event_sub_type": None,
            },
        )
    ]
    assert list(recorder.sent[0][3]) == ["new_state", "old_state", "created_at", "event_type", "event_metadata", "event_sub_type"]


# -- bodies the real server answers with a 500 ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, kind",
    [(b'[{"meeting_url": "https://meet.google.com/abc-defg-hij"}]', "list"), (b'"just a string"', "str"), (b"5", "int")],
)
def test_a_body_that_is_not_a_json_object_is_a_clear_400(client, raw, kind):
    response = client.post("/api/v1/bots", headers=AUTH, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    check_openapi(response)


@pytest.mark.parametrize("meeting_url", [5, ["https://meet.google.com/abc-defg-hij"], {"url": "x"}, True])
def test_a_non_string_meeting_url_is_a_clear_field_error(client, meeting_url):
    response = create(client, bot_body(meeting_url=meeting_url))
    assert response.status_code == 400
    assert response.json == {"meeting_url": ["Not a valid string."]}


def test_an_empty_json_body_gives_the_required_errors(client):
    response = client.post("/api/v1/bots", headers=AUTH, data=b"", content_type="application/json")
    assert response.status_code == 400
    assert response.data == b'{"meeting_url":["This field is required."],"bot_name":["This field is required."]}'
    check_openapi(response)


def test_malformed_json_is_a_parse_error(client):
    response = client.post("/api/v1/bots", headers=AUTH, data=b'{"meeting_url": }', content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"detail": "JSON parse error - Expecting value: line 1 column 17 (char 16)"}


def test_a_text_body_is_an_unsupported_media_type(client):
    response = client.post("/api/v1/bots", headers=AUTH, data=b"hello", content_type="text/plain")
    assert response.status_code == 415
    assert response.json == {"detail": 'Unsupported media type "text/plain" in request.'}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["meeting_url", "bot_name", "metadata", "join_at", "deduplication_key", "webhooks", "recording_settings",
             "zoom_settings", "bot_image", "bot_chat_message", "automatic_leave_settings", "transcription_settings", "other"]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=20) | st.sampled_from([MEET, ZOOM, "2027-01-01T08:00:00Z", "mp3"]),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
            max_leaves=6,
        ),
    )
    | st.lists(st.integers(), max_size=2)
    | st.text(max_size=5)
)
def test_no_input_gives_a_server_error(client, body):
    response = client.post("/api/v1/bots", headers=AUTH, data=json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400)
    assert not response.json.get("error", "").startswith("The sandbox could not handle")


# -- checks after field validation, in 7.1's order ---------------------------------------------------------


def test_zoom_url_without_zoom_credentials_gives_the_exact_message(client, sandbox):
    set_project(sandbox, zoom_credentials=False)
    response = create(client, bot_body(meeting_url=ZOOM))
    assert response.status_code == 400
    assert response.json == {"error": ZOOM_CREDENTIALS_MESSAGE.format(domain="app.attendee.dev")}
    check_openapi(response)


def test_the_credentials_link_uses_the_site_domain_setting(make_app):
    app = make_app(site_domain="attendee.example.test")
    set_project(app.extensions["sandbox"], zoom_credentials=False)
    response = create(app.test_client(), bot_body(meeting_url=ZOOM))
    assert response.json == {"error": ZOOM_CREDENTIALS_MESSAGE.format(domain="attendee.example.test")}


def test_a_meet_url_needs_no_zoom_credentials(client, sandbox):
    set_project(sandbox, zoom_credentials=False)
    assert create(client, bot_body()).status_code == 201


def test_field_errors_come_before_the_zoom_credentials_check(client, sandbox):
    set_project(sandbox, zoom_credentials=False)
    response = create(client, bot_body(meeting_url=ZOOM, bot_name=""))
    assert response.json == {"bot_name": ["This field may not be blank."]}


def test_external_media_storage_always_needs_credentials_the_sandbox_has_not(client):
    response = create(client, bot_body(external_media_storage_settings={"bucket_name": "my-bucket"}))
    assert response.status_code == 400
    assert response.json == {"error": STORAGE_MESSAGE}


def test_zoom_credentials_are_checked_before_external_storage(client, sandbox):
    set_project(sandbox, zoom_credentials=False)
    response = create(client, bot_body(meeting_url=ZOOM, external_media_storage_settings={"bucket_name": "b"}))
    assert response.json == {"error": ZOOM_CREDENTIALS_MESSAGE.format(domain="app.attendee.dev")}


def test_the_concurrency_limit_counts_in_meeting_bots(make_app):
    app = make_app(concurrent_bots_limit=1000)
    sandbox = app.extensions["sandbox"]
    limit = in_meeting_count(sandbox) + 1
    sandbox.settings.concurrent_bots_limit = limit
    client = app.test_client()
    assert create(client, bot_body()).status_code == 201
    response = create(client, bot_body())
    assert response.status_code == 400
    assert response.json == {
        "error": f"You have exceeded the maximum number of concurrent bots ({limit}) for your account. "
        "Please reach out to customer support to increase the limit."
    }


def test_scheduled_bots_do_not_count_toward_the_concurrency_limit_but_are_refused_by_it(app):
    sandbox = app.extensions["sandbox"]
    sandbox.settings.concurrent_bots_limit = in_meeting_count(sandbox)
    client = app.test_client()
    response = create(client, bot_body(join_at=FUTURE))
    assert response.json["error"].startswith("You have exceeded the maximum number of concurrent bots")
    sandbox.settings.concurrent_bots_limit += 1
    assert create(client, bot_body(join_at=FUTURE)).status_code == 201
    assert create(client, bot_body(join_at=FUTURE)).status_code == 201


def test_a_bot_that_ended_frees_its_concurrency_slot(app):
    sandbox = app.extensions["sandbox"]
    sandbox.settings.concurrent_bots_limit = in_meeting_count(sandbox) + 1
    client = app.test_client()
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        bot_id = create(client, bot_body()).json["id"]
        assert create(client, bot_body()).status_code == 400
        client.post(f"/api/v1/bots/{bot_id}/leave", headers=AUTH)
        frozen.tick(7)  # left_meeting +2 s, post_processing_completed +5 s: applied when the limit is counted
        assert create(client, bot_body()).status_code == 201


def test_the_concurrency_limit_is_per_project(app):
    sandbox = app.extensions["sandbox"]
    sandbox.settings.concurrent_bots_limit = in_meeting_count(sandbox)
    client = app.test_client()
    assert create(client, bot_body()).status_code == 400
    assert create(client, bot_body(), headers=SECOND_AUTH).status_code == 201


def test_the_concurrency_limit_comes_before_the_deduplication_conflict(app):
    sandbox = app.extensions["sandbox"]
    client = app.test_client()
    assert create(client, bot_body(deduplication_key="dup")).status_code == 201
    sandbox.settings.concurrent_bots_limit = in_meeting_count(sandbox)
    assert create(client, bot_body(deduplication_key="dup")).json["error"].startswith("You have exceeded")


# -- step 7: the row, deduplication, chat, webhooks --------------------------------------------------------


def test_a_deduplication_key_in_use_is_refused_with_the_exact_message(client):
    assert create(client, bot_body(deduplication_key="meeting-42")).status_code == 201
    response = create(client, bot_body(deduplication_key="meeting-42"))
    assert response.status_code == 400
    assert response.json == {"error": DEDUP_MESSAGE}
    check_openapi(response)


def test_a_scheduled_bot_holds_its_deduplication_key(client):
    assert create(client, bot_body(deduplication_key="k", join_at=FUTURE)).status_code == 201
    assert create(client, bot_body(deduplication_key="k")).json == {"error": DEDUP_MESSAGE}


def test_a_deduplication_key_is_free_again_once_its_holder_ended(client):
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        holder = create(client, bot_body(deduplication_key="k")).json["id"]
        client.post(f"/api/v1/bots/{holder}/leave", headers=AUTH)
        frozen.tick(6.9)
        assert create(client, bot_body(deduplication_key="k")).json == {"error": DEDUP_MESSAGE}
        frozen.tick(0.1)
        response = create(client, bot_body(deduplication_key="k"))
    assert response.status_code == 201
    assert response.json["deduplication_key"] == "k"


def test_the_same_deduplication_key_may_be_used_in_another_project(client):
    assert create(client, bot_body(deduplication_key="shared")).status_code == 201
    assert create(client, bot_body(deduplication_key="shared"), headers=SECOND_AUTH).status_code == 201


def test_a_refused_creation_creates_nothing(client, sandbox):
    create(client, bot_body(deduplication_key="k"))
    before = sandbox.store.count("bots", DEFAULT_PROJECT)
    create(client, bot_body(deduplication_key="k"))
    create(client, bot_body(webhooks=[{"url": f"https://e.com/{i}", "triggers": ["bot.state_change"]} for i in range(3)]))
    assert sandbox.store.count("bots", DEFAULT_PROJECT) == before


def test_a_bot_name_longer_than_the_column_is_the_generic_database_error(client):
    assert create(client, bot_body(bot_name="n" * 255)).status_code == 201
    response = create(client, bot_body(bot_name="n" * 256))
    assert response.status_code == 400
    assert ERROR_ID.match(response.json["error"])


def test_the_row_error_comes_before_the_deduplication_conflict(client):
    create(client, bot_body(deduplication_key="k"))
    assert ERROR_ID.match(create(client, bot_body(deduplication_key="k", bot_name="n" * 256)).json["error"])


def test_the_deduplication_conflict_comes_before_the_chat_message_participant_check(client):
    create(client, bot_body(deduplication_key="k"))
    chat = {"to": "specific_user", "to_user_uuid": "u-1", "message": "hi"}
    assert create(client, bot_body(deduplication_key="k", bot_chat_message=chat)).json == {"error": DEDUP_MESSAGE}
    assert create(client, bot_body(bot_chat_message=chat)).json == {
        "error": "No participant found with uuid u-1. Use the /participants endpoint to get the list of participants."
    }


def test_a_third_bot_level_webhook_is_refused(client):
    hooks = [{"url": f"https://example.com/{i}", "triggers": ["bot.state_change"]} for i in range(3)]
    response = create(client, bot_body(webhooks=hooks))
    assert response.json == {"error": "You have reached the maximum number of webhooks for a single bot"}
    assert create(client, bot_body(webhooks=hooks[:2])).status_code == 201


def test_the_same_webhook_url_twice_is_refused(client):
    hook = {"url": "https://example.com/hook", "triggers": ["bot.state_change"]}
    response = create(client, bot_body(webhooks=[hook, {**hook, "triggers": ["transcript.update"]}]))
    assert response.json == {"error": "URL already subscribed for this bot"}


def test_an_empty_webhook_list_is_accepted(client):
    assert create(client, bot_body(webhooks=[])).status_code == 201


def test_a_calendar_event_id_is_refused_before_anything_else(client):
    response = create(client, {"calendar_event_id": "cal_123", "bot_name": ""})
    assert response.json == {"error": "Calendar event with id cal_123 does not exist in this project."}


# -- sandbox scenarios -----------------------------------------------------------------------------------


def test_an_unknown_sandbox_scenario_is_refused_with_the_known_names(client, sandbox):
    response = create(client, bot_body(metadata={"sandbox_scenario": "no_such_script"}))
    assert response.status_code == 400
    known = sorted(sandbox.scenarios)
    assert "happy_path" in known
    assert response.json == {"error": f"Unknown sandbox_scenario 'no_such_script'. Known scenarios: {', '.join(known)}"}
    check_openapi(response)


def test_field_errors_come_before_the_scenario_check(client):
    response = create(client, bot_body(metadata={"sandbox_scenario": "no_such_script"}, bot_name=""))
    assert response.json == {"bot_name": ["This field may not be blank."]}


@pytest.fixture
def two_scenarios(make_app, tmp_path):
    """An app whose scenario book has a second scenario, `slow_join`: joined_meeting after 30 s."""
    from sandbox.config import default_fixtures_dir

    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    for name in ("projects.json", "bots.json"):
        (fixtures / name).write_text((default_fixtures_dir() / name).read_text())
    book = json.loads((default_fixtures_dir() / "scenarios.json").read_text())
    book["slow_join"] = {"description": "joins after 30 s", "on": {"join_requested": [{"after": 30, "event": "joined_meeting"}]}}
    (fixtures / "scenarios.json").write_text(json.dumps(book))
    return make_app(fixtures_dir=fixtures)


def test_metadata_sandbox_scenario_chooses_the_bots_script(two_scenarios):
    client = two_scenarios.test_client()
    with freeze_time("2026-11-30T12:00:00Z") as frozen:
        slow = create(client, bot_body(metadata={"sandbox_scenario": "slow_join"})).json["id"]
        usual = create(client, bot_body()).json["id"]
        frozen.tick(3)
        assert client.get(f"/api/v1/bots/{slow}", headers=AUTH).json["state"] == "joining"
        assert client.get(f"/api/v1/bots/{usual}", headers=AUTH).json["state"] == "joined_recording"
        frozen.tick(27)
        assert client.get(f"/api/v1/bots/{slow}", headers=AUTH).json["state"] == "joined_not_recording"


def test_without_sandbox_scenario_the_projects_scenario_is_used(two_scenarios):
    sandbox = two_scenarios.extensions["sandbox"]
    set_project(sandbox, scenario="slow_join")
    bot_id = create(two_scenarios.test_client(), bot_body()).json["id"]
    assert sandbox.store.get("bots", bot_id)["scenario"] == "slow_join"


def test_unknown_scenario_names_are_listed_sorted(two_scenarios):
    response = create(two_scenarios.test_client(), bot_body(metadata={"sandbox_scenario": "x"}))
    names = response.json["error"].removeprefix("Unknown sandbox_scenario 'x'. Known scenarios: ").split(", ")
    assert "slow_join" in names and "happy_path" in names
    assert names == sorted(names)


def test_another_projects_key_creates_in_that_project(client, sandbox):
    bot_id = create(client, bot_body(), headers=SECOND_AUTH).json["id"]
    assert sandbox.store.get("bots", bot_id)["project_id"] == "proj_sbx0Second000002"
    assert client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).status_code == 404
