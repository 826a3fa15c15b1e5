"""GET /api/v1/bots/{id}/recording (docs/contract/bots-endpoints.md#get-recording) and the sandbox's media route behind
its signed URL."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from freezegun import freeze_time

from sandbox.config import default_fixtures_dir
from tests.conftest import AUTH, SECOND_AUTH, SEED_BOT
from tests.meeting_support import (
    DATA_DELETED_BOT,
    ENDED_BOT,
    JOINING_BOT,
    end_bot,
    plain_fixtures,
    recording_bot,
)
from tests.openapi_check import assert_valid_response

T0 = "2026-11-30T12:00:00Z"
MP4 = (default_fixtures_dir() / "media" / "recording.mp4").read_bytes()
MP3 = (default_fixtures_dir() / "media" / "recording.mp3").read_bytes()
NO_FILE = b'{"error":"No recording file found for bot"}'


@pytest.fixture
def app(shared_app, plain_fixtures_dir):
    return shared_app(fixtures_dir=plain_fixtures_dir)


def recording(client, bot_id, headers=AUTH):
    return client.get(f"/api/v1/bots/{bot_id}/recording", headers=headers)


def check_openapi(bot_id, response):
    assert_valid_response(
        "GET", f"/api/v1/bots/{bot_id}/recording", response.status_code, response.get_data(), response.content_type
    )


def download(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def with_param(url, **changes):
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def leave_seed_bot(client, frozen):
    assert client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
    frozen.tick(7)


# -- the end-to-end path ---------------------------------------------------------------------------


def test_after_post_processing_the_recording_url_downloads_the_bundled_mp4(client):
    with freeze_time(T0) as frozen:
        leave_seed_bot(client, frozen)
        response = recording(client, SEED_BOT)
        assert response.status_code == 200
        check_openapi(SEED_BOT, response)
        body = response.json
        assert list(body) == ["url", "start_timestamp_ms"]
        media = download(client, body["url"])
    assert media.status_code == 200
    assert media.data == MP4
    assert media.headers["Content-Type"] == "video/mp4"


def test_a_tampered_recording_url_is_refused_with_403(client):
    with freeze_time(T0) as frozen:
        leave_seed_bot(client, frozen)
        url = recording(client, SEED_BOT).json["url"]
        signature = parse_qs(urlsplit(url).query)["X-Sandbox-Signature"][0]
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        responses = [
            download(client, with_param(url, **{"X-Sandbox-Signature": flipped})),
            download(client, with_param(url, **{"X-Sandbox-Expires": "9999999999"})),
            download(client, url.replace(".mp4?", ".mp3?")),
        ]
    for response in responses:
        assert response.status_code == 403
        assert response.json == {
            "error": "The request signature we calculated does not match the signature you provided."
        }


def test_a_recording_url_expires_1800_s_after_it_was_issued(client):
    with freeze_time(T0) as frozen:
        leave_seed_bot(client, frozen)
        url = recording(client, SEED_BOT).json["url"]
        frozen.tick(1800)
        assert download(client, url).status_code == 200
        frozen.tick(1)
        response = download(client, url)
    assert (response.status_code, response.data) == (403, b'{"error":"Request has expired"}')
    assert response.headers["Content-Type"] == "application/json"
    assert parse_qs(urlsplit(url).query)["X-Sandbox-Expires"] == [str(1796040007 + 1800)]  # issued at T0 + 7 s


def test_a_recording_url_without_its_signature_is_refused_with_403(client):
    with freeze_time(T0) as frozen:
        leave_seed_bot(client, frozen)
        url = recording(client, SEED_BOT).json["url"]
        response = client.get(urlsplit(url).path)
    assert response.status_code == 403
    assert response.json == {
        "error": "Query-string authentication requires the X-Sandbox-Expires, X-Sandbox-Nonce and "
        "X-Sandbox-Signature parameters"
    }


# -- GET /recording ------------------------------------------------------------------------------------


def test_every_call_gives_a_new_url(client):
    with freeze_time(T0) as frozen:
        leave_seed_bot(client, frozen)
        first, second = recording(client, SEED_BOT).json, recording(client, SEED_BOT).json
    assert first["url"] != second["url"]
    assert first["start_timestamp_ms"] == second["start_timestamp_ms"]


def test_the_url_points_at_the_allowed_host_the_client_called(make_app):
    client = make_app(allowed_hosts="sandbox.test").test_client()
    response = client.get(f"/api/v1/bots/{ENDED_BOT}/recording", headers=AUTH, base_url="http://sandbox.test:9000")
    url = response.json["url"]
    assert url.startswith(f"http://sandbox.test:9000/sandbox/media/{ENDED_BOT}-rec_sbxEnded00000000.mp4?")


def test_the_url_is_at_the_public_url_when_one_is_set(make_app):
    client = make_app(public_url="https://sandbox.example.com/").test_client()
    response = client.get(f"/api/v1/bots/{ENDED_BOT}/recording", headers=AUTH)
    url = response.json["url"]
    assert url.startswith(f"https://sandbox.example.com/sandbox/media/{ENDED_BOT}-rec_sbxEnded00000000.mp4?")


def test_start_timestamp_ms_is_the_first_media_buffer(client):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen)
        end_bot(client, frozen, bot_id)
        body = recording(client, bot_id).json
    assert body["start_timestamp_ms"] == 1796040003000  # recording_permission_granted at T0 + 3 s


def test_the_ended_fixture_bot_has_a_recording(client):
    response = recording(client, ENDED_BOT)
    assert response.json["start_timestamp_ms"] == 1793628005345
    assert download(client, response.json["url"]).data == MP4


def test_the_recording_before_the_upload_is_404_no_recording_file(client):
    with freeze_time(T0) as frozen:
        joined = recording(client, SEED_BOT)
        assert client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=AUTH).status_code == 200
        frozen.tick(5.9)
        post_processing = recording(client, SEED_BOT)
        frozen.tick(0.1)
        uploaded = recording(client, SEED_BOT)
    assert (joined.status_code, joined.data) == (404, NO_FILE)
    check_openapi(SEED_BOT, joined)
    assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).json["state"] in ("post_processing", "ended")
    assert (post_processing.status_code, post_processing.data) == (404, NO_FILE)
    assert uploaded.status_code == 200


def test_a_bot_with_format_none_has_no_recording_file(client):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen, format="none")
        end_bot(client, frozen, bot_id)
        response = recording(client, bot_id)
        bot = client.get(f"/api/v1/bots/{bot_id}", headers=AUTH).json
    assert (response.status_code, response.data) == (404, NO_FILE)
    assert bot["recording_state"] == "complete"


def test_a_bot_that_never_recorded_has_no_recording_file(client):
    with freeze_time(T0) as frozen:
        assert client.post(f"/api/v1/bots/{JOINING_BOT}/leave", headers=AUTH).status_code == 200
        frozen.tick(7)
        response = recording(client, JOINING_BOT)
    assert (response.status_code, response.data) == (404, NO_FILE)


def test_an_mp3_recording_downloads_the_bundled_mp3(client):
    with freeze_time(T0) as frozen:
        bot_id = recording_bot(client, frozen, format="mp3")
        end_bot(client, frozen, bot_id)
        url = recording(client, bot_id).json["url"]
        media = download(client, url)
    assert ".mp3?" in url
    assert (media.status_code, media.headers["Content-Type"]) == (200, "audio/mpeg")
    assert media.data == MP3


def test_after_delete_data_there_is_no_recording_file_and_old_urls_are_gone(client):
    url = recording(client, ENDED_BOT).json["url"]
    assert client.post(f"/api/v1/bots/{ENDED_BOT}/delete_data", headers=AUTH).status_code == 200
    response = recording(client, ENDED_BOT)
    assert (response.status_code, response.data) == (404, NO_FILE)
    assert recording(client, DATA_DELETED_BOT).data == NO_FILE
    gone = download(client, url)
    assert gone.status_code == 404
    assert gone.json == {"error": "The recording file does not exist (its data was deleted)"}


def test_the_recording_of_an_unknown_or_foreign_bot_is_bot_not_found(client):
    unknown = recording(client, "bot_doesNotExist0000")
    foreign = recording(client, ENDED_BOT, headers=SECOND_AUTH)
    assert (unknown.status_code, unknown.data) == (404, b'{"error":"Bot not found"}')
    assert (foreign.status_code, foreign.data) == (404, b'{"error":"Bot not found"}')
    check_openapi("bot_doesNotExist0000", unknown)


# -- the media route -------------------------------------------------------------------------------


def test_a_range_request_gets_part_of_the_file(client):
    url = recording(client, ENDED_BOT).json["url"]
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.data == MP4[:100]


def test_the_expiry_is_read_on_the_clock_of_the_bots_project(client, sandbox):
    """A project that travelled an hour ahead issues URLs expiring an hour after its own now."""
    travelled = {**sandbox.store.get("projects", "proj_sbx0Default00001"), "clock_offset_seconds": 3600.0}
    sandbox.store.put("projects", travelled)
    sandbox.projects_changed()
    with freeze_time(T0) as frozen:
        url = recording(client, ENDED_BOT).json["url"]
        frozen.tick(1800)
        assert download(client, url).status_code == 200
        frozen.tick(1)
        assert download(client, url).status_code == 403


def test_a_recording_url_keeps_working_after_a_restart(make_app, tmp_path):
    fixtures = plain_fixtures(tmp_path)
    first = make_app(fixtures_dir=fixtures)
    url = recording(first.test_client(), ENDED_BOT).json["url"]
    first.extensions["sandbox"].shutdown()
    second = make_app(fixtures_dir=fixtures)
    assert download(second.test_client(), url).data == MP4


def test_a_url_signed_by_another_sandbox_is_refused(make_app, tmp_path):
    url = recording(make_app(fixtures_dir=plain_fixtures(tmp_path)).test_client(), ENDED_BOT).json["url"]
    other = make_app(fixtures_dir=plain_fixtures(tmp_path / "other"), data_path=tmp_path / "other.json")
    assert download(other.test_client(), url).status_code == 403


def test_the_recording_route_only_allows_get(client):
    response = client.post(f"/api/v1/bots/{ENDED_BOT}/recording", headers=AUTH)
    assert (response.status_code, response.data) == (405, b'{"detail":"Method \\"POST\\" not allowed."}')
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
