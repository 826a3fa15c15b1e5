"""The pytest plugin (sandbox/pytest_plugin.py): installing the package is enough to get the fixtures.

The plugin is loaded in this very test run through its `pytest11` entry point, so the fixtures are used
directly here; pytester runs a user's test file in a fresh pytest process with nothing but the plugin.
"""

import base64
import hashlib
import hmac
import importlib.metadata
import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sandbox.infra.webhooks.signing import sign
from sandbox.pytest_plugin import (
    SandboxControlError,
    canonical_json,
    verify_signature,
    wait_until,
)

pytest_plugins = ["pytester"]
# A user's pytest process: the sandbox's plugin, not this project's other test tools (importing Hypothesis's
# plugin takes seconds where bytecode is not cached).
USER_PYTEST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")

MEETING_URL = "https://meet.google.com/abc-defg-hij"
README = Path(__file__).resolve().parents[1] / "README.md"

# The README's plugin example, exactly as a user pastes it (tests/test_pytest_plugin.py keeps it in step).
README_TEST = '''\
import json
import urllib.request


def attendee(project, method, path, body=None):
    """A minimal Attendee API client: your integration's own client goes here."""
    request = urllib.request.Request(
        f"{project.base_url}/api/v1{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {project.api_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_a_bot_records_the_meeting_and_ends(sandbox_project, webhook_receiver):
    bot = attendee(sandbox_project, "POST", "/bots", {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Notetaker"})
    assert bot["state"] == "joining"

    sandbox_project.advance(5)  # time travel: the bot joins and starts recording
    assert attendee(sandbox_project, "GET", f"/bots/{bot['id']}")["state"] == "joined_recording"

    attendee(sandbox_project, "POST", f"/bots/{bot['id']}/leave")
    sandbox_project.advance(10)  # it leaves, uploads the recording, finishes post-processing

    ended = webhook_receiver.wait_for_state(bot["id"], "ended")
    assert ended.signature_valid  # X-Webhook-Signature checked with sandbox_project.webhook_secret
    assert ended.data["event_type"] == "post_processing_completed"
    recording = attendee(sandbox_project, "GET", f"/bots/{bot['id']}/recording")
    assert recording["url"].startswith(sandbox_project.base_url + "/sandbox/media/")
    assert [r["path"] for r in sandbox_project.requests(method="POST")] == [
        f"/api/v1/bots/{bot['id']}/leave",
        "/api/v1/bots",
    ]


def test_a_crashed_bot_is_reported(sandbox_project, webhook_receiver):
    bot = attendee(sandbox_project, "POST", "/bots", {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Notetaker"})
    sandbox_project.advance(5)

    sandbox_project.inject(bot["id"], "fatal_error", "process_terminated")

    failed = webhook_receiver.wait_for_state(bot["id"], "fatal_error")
    assert failed.data["event_sub_type"] == "process_terminated"
    assert attendee(sandbox_project, "GET", f"/bots/{bot['id']}")["state"] == "fatal_error"
    assert failed.idempotency_key in [d["idempotency_key"] for d in sandbox_project.deliveries(bot_id=bot["id"])]
'''


def api(project, method, path, body=None):
    request = urllib.request.Request(
        f"{project.api_url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={**project.headers, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def create_bot(project):
    status, bot = api(project, "POST", "/bots", {"meeting_url": MEETING_URL, "bot_name": "Plugin test"})
    assert status == 201, bot
    return bot


# -- installing the package is enough ------------------------------------------------------------------------


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert {(ep.name, ep.value) for ep in entry_points if ep.name == "attendee_sandbox"} == {
        ("attendee_sandbox", "sandbox.pytest_plugin")
    }


def test_the_readme_test_passes_in_a_project_with_nothing_but_the_installed_plugin(pytester):
    """A user's project: no conftest, no plugin option, a fresh pytest process: the pasted test passes."""
    pytester.makepyfile(test_integration=README_TEST)
    result = pytester.runpytest_subprocess(*USER_PYTEST, timeout=120)
    result.assert_outcomes(passed=2)


def test_the_readme_shows_the_tested_plugin_example():
    text = README.read_text(encoding="utf-8")
    if "def test_a_bot_records_the_meeting_and_ends" not in text:
        pytest.skip("the plugin section is not in README.md yet (the lead merges it)")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert README_TEST in blocks


def test_the_server_is_stopped_at_the_end_of_the_session(pytester, tmp_path):
    record = tmp_path / "base_url.txt"
    pytester.makepyfile(
        test_record=f"""
        def test_record_the_url(attendee_sandbox):
            open({str(record)!r}, "w").write(attendee_sandbox.base_url)
        """
    )
    result = pytester.runpytest_subprocess(*USER_PYTEST, timeout=120)
    result.assert_outcomes(passed=1)
    port = int(record.read_text().rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_the_server_settings_can_be_overridden_in_a_conftest(pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def attendee_sandbox_settings():
            return {"step_delays": {"joined_meeting": 30}, "seed": 7}
        """
    )
    pytester.makepyfile(
        test_settings="""
        def test_settings(attendee_sandbox):
            settings = attendee_sandbox.sandbox.settings
            assert settings.step_delays == {"joined_meeting": 30.0}
            assert settings.seed == 7
            assert settings.background_steps is True
        """
    )
    result = pytester.runpytest_subprocess(*USER_PYTEST, timeout=120)
    result.assert_outcomes(passed=1)


# -- the session's server ------------------------------------------------------------------------------------


def test_the_session_server_is_waitress_on_a_loopback_port_with_its_own_data_file(attendee_sandbox):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", attendee_sandbox.base_url)
    try:
        urllib.request.urlopen(attendee_sandbox.url("/api/v1/bots"), timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 401
        assert error.headers["Server"] == "attendee-sandbox"  # waitress, with the sandbox's ident
        assert json.load(error) == {"detail": "Missing Authorization header"}
    else:  # pragma: no cover
        pytest.fail("an unauthenticated request was answered")
    settings = attendee_sandbox.sandbox.settings
    assert settings.background_steps is True
    assert settings.testing is False
    assert Path(settings.data_path) == attendee_sandbox.data_path
    assert attendee_sandbox.data_path.name == "data.json"
    assert attendee_sandbox.data_path.parent.exists()


def test_scripted_steps_happen_in_real_time_without_advancing_the_clock(sandbox_project):
    bot = create_bot(sandbox_project)
    joined = wait_until(
        lambda: api(sandbox_project, "GET", f"/bots/{bot['id']}")[1]["state"] == "joined_recording",
        timeout=10,
        message="the background runner did not apply the scripted join steps",
    )
    assert joined
    assert sandbox_project.clock()["offset_seconds"] == 0.0


# -- sandbox_project ---------------------------------------------------------------------------------------------


def test_each_test_gets_a_fresh_project_of_its_own(sandbox_project, attendee_sandbox):
    assert sandbox_project.base_url == attendee_sandbox.base_url
    assert sandbox_project.api_url == attendee_sandbox.base_url + "/api/v1"
    assert sandbox_project.id.startswith("proj_")
    assert sandbox_project.id != attendee_sandbox.sandbox.default_project()["id"]
    assert len(base64.b64decode(sandbox_project.webhook_secret)) == 32
    assert sandbox_project.headers == {"Authorization": f"Token {sandbox_project.api_key}"}
    assert api(sandbox_project, "GET", "/bots") == (200, {"next": None, "previous": None, "results": []})


def test_advance_applies_the_steps_due_on_the_way_and_returns_them(sandbox_project):
    bot = create_bot(sandbox_project)
    events = sandbox_project.advance(5)
    assert [(e["bot_id"], e["event_type"], e["new_state"]) for e in events] == [
        (bot["id"], "joined_meeting", "joined_not_recording"),
        (bot["id"], "recording_permission_granted", "joined_recording"),
    ]
    assert sandbox_project.clock()["offset_seconds"] == 5.0


def test_inject_applies_a_bot_event_and_returns_the_bot(sandbox_project):
    bot = create_bot(sandbox_project)
    sandbox_project.advance(5)
    injected = sandbox_project.inject(bot["id"], "meeting_ended")
    assert injected["id"] == bot["id"]
    assert injected["state"] == "post_processing"
    failed = sandbox_project.inject(create_bot(sandbox_project)["id"], "fatal_error", "process_terminated")
    assert failed["state"] == "fatal_error"
    assert failed["events"][-1]["sub_type"] == "process_terminated"


def test_a_refused_control_call_raises_with_the_sandboxs_answer(sandbox_project):
    bot = create_bot(sandbox_project)
    with pytest.raises(SandboxControlError) as caught:
        sandbox_project.inject(bot["id"], "post_processing_completed")
    assert caught.value.status == 400
    assert caught.value.body["error"].startswith("Event post_processing_completed not allowed when bot is in state joining.")


def test_requests_lists_the_projects_api_calls_newest_first(sandbox_project):
    bot = create_bot(sandbox_project)
    api(sandbox_project, "GET", f"/bots/{bot['id']}")
    journal = sandbox_project.requests()
    assert [(r["method"], r["path"], r["status"]) for r in journal] == [
        ("GET", f"/api/v1/bots/{bot['id']}", 200),
        ("POST", "/api/v1/bots", 201),
    ]
    assert [r["path"] for r in sandbox_project.requests(method="POST")] == ["/api/v1/bots"]


def test_meeting_helpers_add_participants_and_utterances(sandbox_project):
    bot = create_bot(sandbox_project)
    sandbox_project.advance(3)
    dana = sandbox_project.add_participant(bot["id"], "Dana", is_host=True)
    assert (dana["name"], dana["is_host"]) == ("Dana", True)
    sandbox_project.add_utterance(bot["id"], dana["uuid"], "Hello from the plugin", duration_ms=1200)
    status, transcript = api(sandbox_project, "GET", f"/bots/{bot['id']}/transcript")
    assert status == 200
    assert [(u["speaker_name"], u["transcription"]["transcript"]) for u in transcript][-1] == (
        "Dana",
        "Hello from the plugin",
    )


@pytest.mark.attendee_project(scenario="manual", name="Marked project")
def test_the_attendee_project_marker_sets_the_projects_fields(sandbox_project):
    assert sandbox_project.name == "Marked project"
    assert sandbox_project.scenario == "manual"
    bot = create_bot(sandbox_project)
    assert sandbox_project.advance(60) == []  # the manual scenario does nothing by itself
    assert api(sandbox_project, "GET", f"/bots/{bot['id']}")[1]["state"] == "joining"


# -- webhook_receiver ---------------------------------------------------------------------------------------------


def test_the_receiver_is_subscribed_to_the_project_and_verifies_each_signature(sandbox_project, webhook_receiver):
    assert sandbox_project.webhooks == [
        {"url": webhook_receiver.url, "triggers": [
            "bot.state_change",
            "transcript.update",
            "chat_messages.update",
            "participant_events.join_leave",
            "calendar.events_update",
            "calendar.state_change",
            "async_transcription.state_change",
            "zoom_oauth_connection.state_change",
            "bot_logs.update",
            "participant_events.speech_start_stop",
        ]}
    ]
    bot = create_bot(sandbox_project)
    joining = webhook_receiver.wait_for_state(bot["id"], "joining")
    assert joining.signature_valid
    assert joining.trigger == "bot.state_change"
    assert joining.bot_id == bot["id"]
    assert joining.headers["User-Agent"] == "Attendee-Webhook/1.0"
    assert joining.data["old_state"] == "ready"
    logged = wait_until(  # the sandbox records the attempt once the receiver has answered
        lambda: (found := sandbox_project.deliveries(bot_id=bot["id"], trigger="bot.state_change"))[0]["attempts"]
        and found
    )
    assert logged[0]["idempotency_key"] == joining.idempotency_key
    assert logged[0]["signature"] == joining.signature


def test_a_request_with_a_wrong_signature_is_recorded_as_invalid_and_refused(sandbox_project, webhook_receiver):
    body = json.dumps({"idempotency_key": "k", "bot_id": "bot_x", "trigger": "bot.state_change", "data": {}}).encode()
    forged = base64.b64encode(hmac.new(b"another secret", body, hashlib.sha256).digest()).decode()
    request = urllib.request.Request(
        webhook_receiver.url, data=body, method="POST", headers={"X-Webhook-Signature": forged}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    [received] = webhook_receiver.deliveries
    assert received.signature_valid is False
    assert received.body == body


def test_respond_with_makes_the_sandbox_retry_with_the_same_key_and_signature(sandbox_project, webhook_receiver):
    webhook_receiver.respond_with(500)
    bot = create_bot(sandbox_project)
    first = webhook_receiver.wait_for_state(bot["id"], "joining")
    webhook_receiver.respond_with(200)
    attempts = webhook_receiver.wait_for(
        "bot.state_change", predicate=lambda d: d.idempotency_key == first.idempotency_key, count=2
    )
    assert {(d.idempotency_key, d.signature, d.signature_valid) for d in attempts} == {
        (first.idempotency_key, first.signature, True)
    }


# -- the signature helper (docs/contract/webhooks.md#webhook-signature)
# ---------------------------------------------------------------------------


def test_verify_signature_checks_the_canonical_json_with_the_decoded_secret():
    secret = base64.b64encode(bytes(range(32))).decode()
    payload = {"trigger": "bot.state_change", "data": {"z": 1.0, "a": "Zürich"}, "bot_id": "bot_x"}
    canonical = '{"bot_id":"bot_x","data":{"a":"Zürich","z":1.0},"trigger":"bot.state_change"}'.encode()
    assert canonical_json(payload) == canonical
    signature = base64.b64encode(hmac.new(bytes(range(32)), canonical, hashlib.sha256).digest()).decode()
    assert signature == sign(payload, secret)  # the sandbox's own signing agrees
    sent = json.dumps(payload).encode()  # as python-requests sends it: spaces, \\u00fc escapes
    assert verify_signature(sent, signature, secret)
    assert verify_signature(payload, signature, secret)
    assert not verify_signature(sent, signature, base64.b64encode(bytes(32)).decode())
    assert not verify_signature(sent.replace(b"bot_x", b"bot_y"), signature, secret)
    assert not verify_signature(sent, None, secret)
    assert not verify_signature(b"not json", signature, secret)


def test_waiting_gives_up_after_the_timeout_saying_what_did_not_arrive(sandbox_project, webhook_receiver):
    with pytest.raises(pytest.fail.Exception) as failed:
        webhook_receiver.wait_for("transcript.update", timeout=0.1)
    assert str(failed.value) == "1 webhook(s) transcript.update did not arrive within 0.1 s; got []"
    with pytest.raises(pytest.fail.Exception, match="^condition not met within 0.05 s$"):
        wait_until(lambda: False, timeout=0.05)


# -- the calendar and Zoom OAuth hooks ------------------------------------------------------------------------


def _later(project, hours):
    from datetime import datetime, timedelta

    now = datetime.fromisoformat(project.clock()["now"].replace("Z", "+00:00")).replace(microsecond=0)
    return (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def _post(project, path, body):
    request = urllib.request.Request(project.api_url + path, data=json.dumps(body).encode(), method="POST")
    for name, value in {**project.headers, "Content-Type": "application/json"}.items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_calendar_helpers_drive_a_sync_whose_webhook_arrives_signed(sandbox_project, webhook_receiver):
    calendar = sandbox_project.calendar(deduplication_key="user-1")
    assert (calendar["platform"], calendar["state"], calendar["deduplication_key"]) == ("google", "connected", "user-1")
    start, end = _later(sandbox_project, 5), _later(sandbox_project, 6)
    put = sandbox_project.add_remote_event(calendar["id"], "standup", name="Standup", start_time=start, end_time=end,
                                           meeting_url=MEETING_URL, sync=True)
    assert put["created"] is True and put["sync"]["outcome"] == "synced"
    [update] = webhook_receiver.wait_for("calendar.events_update")
    assert update.signature_valid and update.calendar_id == calendar["id"] and update.bot_id is None
    assert sandbox_project.remote_events(calendar["id"])["events"][0]["platform_uuid"] == "standup"
    listed = wait_until(lambda: sandbox_project.control("GET", "/api/v1/calendar_events")["results"])
    bot = _post(sandbox_project, "/bots", {"calendar_event_id": listed[0]["id"], "bot_name": "Notetaker"})
    assert (bot["state"], bot["join_at"]) == ("scheduled", start)
    moved = _later(sandbox_project, 8)
    sandbox_project.add_remote_event(calendar["id"], "standup", name="Standup", start_time=moved,
                                     end_time=_later(sandbox_project, 9), meeting_url=MEETING_URL)
    report = sandbox_project.sync(calendar["id"])
    assert report["bots_patched"] == [bot["id"]]
    assert sandbox_project.control("GET", f"/api/v1/bots/{bot['id']}")["join_at"] == moved
    sandbox_project.cancel_remote_event(calendar["id"], "standup", sync=True)
    with pytest.raises(SandboxControlError) as gone:  # a cancelled event's scheduled bot is hard-deleted
        sandbox_project.control("GET", f"/api/v1/bots/{bot['id']}")
    assert gone.value.status == 404
    logged = wait_until(lambda: len(found := sandbox_project.deliveries(calendar_id=calendar["id"])) >= 3 and found)
    assert {d["trigger"] for d in logged} == {"calendar.events_update"}
    sandbox_project.remove_remote_event(calendar["id"], "standup")
    assert sandbox_project.remote_events(calendar["id"])["events"] == []


def test_failed_syncs_disconnect_and_reconnect(sandbox_project, webhook_receiver):
    calendar = sandbox_project.calendar(platform="microsoft")
    assert sandbox_project.fail_syncs(calendar["id"], "auth_error", error="revoked")["remaining"] == 1
    assert sandbox_project.sync(calendar["id"])["state"] == "disconnected"
    [change] = webhook_receiver.wait_for("calendar.state_change")
    assert change.signature_valid and change.calendar_id == calendar["id"]
    assert sandbox_project.reconnect_calendar(calendar["id"])["state"] == "connected"
    assert sandbox_project.disconnect_calendar(calendar["id"])["state"] == "disconnected"


def test_zoom_helpers_make_an_app_a_code_and_a_failing_connection(sandbox_project, webhook_receiver):
    app = sandbox_project.zoom_oauth_app("my-zoom-client")
    assert app["id"].startswith("zoa_") and app["client_id"] == "my-zoom-client"
    sandbox_project.zoom_code("code-1", user={"id": "zoom-user-1", "account_id": "acct-1", "status": "active"})
    connection = _post(sandbox_project, "/zoom_oauth_connections",
                       {"authorization_code": "code-1", "redirect_uri": "https://app.example.com/zoom"})
    assert (connection["user_id"], connection["state"]) == ("zoom-user-1", "connected")
    failed = sandbox_project.zoom_auth_failure(connection["id"], "invalid_grant")
    assert failed["zoom_oauth_connection"]["state"] == "disconnected"
    [change] = webhook_receiver.wait_for("zoom_oauth_connection.state_change")
    assert change.signature_valid and change.zoom_oauth_connection_id == connection["id"]
    sandbox_project.zoom_code("code-2", "exchange_fails")
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(sandbox_project, "/zoom_oauth_connections", {"authorization_code": "code-2", "redirect_uri": "https://a.b"})
    assert refused.value.code == 400
