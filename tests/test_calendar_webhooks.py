"""Calendar and Zoom OAuth webhooks end to end, through real receivers on 127.0.0.1
(docs/contract/webhooks.md#resource-webhooks): when they
fire, their envelopes and four-key `data` byte for byte, the signature, project-level subscriptions only,
the keys read again at delivery and dropped once the object is gone, and no bot webhook from a sync."""

import json
from datetime import timedelta

from sandbox.contract.requests.zoom_oauth import parse_create_zoom_oauth_connection
from sandbox.usecases import calendars, zoom_oauth
from tests.calendar_helpers import (  # noqa: F401 - fixtures
    MEET,
    NOW,
    auth_failure,
    create_calendar,
    disconnect,
    events,
    frozen,
    project,
    project_of,
    put_app,
    put_code,
    put_event,
    sb,
)
from tests.control_helpers import create_bot_directly
from tests.webhook_helpers import (  # noqa: F401 - fixtures
    Recorder,
    _shared_receiver_server,
    receiver_server,
    settle,
    subscribe_project,
    verifies,
)

CALENDAR_TRIGGERS = ("calendar.events_update", "calendar.state_change")


def test_one_events_update_per_sync_that_changed_something(sb, project, receiver_server):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url, CALENDAR_TRIGGERS)
    calendar = create_calendar(sb, project, deduplication_key="user-1", metadata={"k": "v"})
    put_event(sb, project, calendar["id"], "a", sync=False)  # (its catch-up runs the create's sync: no events)
    report = put_event(sb, project, calendar["id"], "b")["sync"]  # two events created: one webhook
    assert len(report["created"]) == 2
    put_event(sb, project, calendar["id"], "b")  # nothing changed: nothing sent
    calendars.cancel_remote_event(sb, project, calendar["id"], "a", sync=True)
    settle(sb)
    bodies = [call["body"] for call in receiver.calls]
    assert len(bodies) == 2
    key = json.loads(bodies[0])["idempotency_key"]
    assert bodies[0] == (
        '{"idempotency_key": "%s", "calendar_id": "%s", "calendar_deduplication_key": "user-1", '
        '"calendar_metadata": {"k": "v"}, "trigger": "calendar.events_update", "data": {"state": "connected", '
        '"last_attempted_sync_at": "2026-12-01T09:00:00Z", "connection_failure_data": null, '
        '"last_successful_sync_at": "2026-12-01T09:00:00Z"}}' % (key, calendar["id"])
    ).encode()
    for call in receiver.calls:
        assert verifies(call["body"], call["headers"]["X-Webhook-Signature"])
        assert call["headers"]["User-Agent"] == "Attendee-Webhook/1.0"


def test_every_authentication_failure_sends_a_state_change_and_reconnecting_none(sb, project, receiver_server, frozen):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url, ("calendar.state_change", "bot.state_change"))
    calendar = create_calendar(sb, project, refresh_token="sbx-invalid")
    put_event(sb, project, calendar["id"], "e", meeting_url=MEET, sync=False)
    calendars.reconnect(sb, project, calendar["id"])  # the first sync fails; the reconnect is silent
    (event,) = events(sb, project)
    bot = create_bot_directly(sb, project_of(sb), {"calendar_event_id": event["id"], "bot_name": "x"})
    frozen.tick(timedelta(seconds=1))
    calendars.patch_calendar(sb, project, calendar["id"], {"refresh_token": "sbx-invalid"})
    calendars.get_calendar(sb, project, calendar["id"])  # its sync fails again: the bot goes, silently
    settle(sb)
    bodies = receiver.bodies()
    assert [body["trigger"] for body in bodies] == ["calendar.state_change", "calendar.state_change"]
    assert bodies[0]["data"] == {
        "state": "disconnected",
        "last_attempted_sync_at": None,
        "connection_failure_data": {
            "error": "Google Authentication error: {'error': 'invalid_grant', 'error_description': "
            "'Token has been expired or revoked.'}",
            "timestamp": "2026-12-01T09:00:00+00:00",
        },
        "last_successful_sync_at": None,
    }
    assert list(bodies[1]["data"]) == ["state", "last_attempted_sync_at", "connection_failure_data", "last_successful_sync_at"]
    assert bodies[1]["data"]["last_attempted_sync_at"] == "2026-12-01T09:00:00Z"  # the reconnect's sync
    assert bodies[1]["data"]["connection_failure_data"]["timestamp"] == "2026-12-01T09:00:01+00:00"
    assert sb.store.get("bots", bot["id"]) is None


def test_bot_level_subscriptions_to_calendar_triggers_never_fire(sb, project, receiver_server):
    project_hook = Recorder(receiver_server, path="/project")
    bot_hook = Recorder(receiver_server, path="/bot")
    subscribe_project(sb, project_hook.url, ("bot.state_change",))
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", meeting_url=MEET)
    (event,) = events(sb, project)
    create_bot_directly(
        sb,
        project_of(sb),
        {"calendar_event_id": event["id"], "bot_name": "x", "webhooks": [{"url": bot_hook.url, "triggers": list(CALENDAR_TRIGGERS)}]},
    )
    put_event(sb, project, calendar["id"], "e", meeting_url=MEET, start=None, name="changed")
    disconnect(sb, project, calendar["id"], {})
    settle(sb)
    assert bot_hook.calls == [] and project_hook.calls == []


def test_the_envelope_is_read_at_delivery_and_only_three_keys_once_the_calendar_is_gone(sb, project, receiver_server):
    sb.outbox.backoff_scale = 0.02

    def change_then_delete(number):
        if number == 0:
            calendars.patch_calendar(sb, project_of(sb), calendar["id"], {"metadata": {"new": "1"}})
        if number == 1:
            calendars.delete_calendar(sb, project_of(sb), calendar["id"])

    receiver = Recorder(receiver_server, statuses=[500, 500, 200], before=change_then_delete)
    subscribe_project(sb, receiver.url, ("calendar.events_update",))
    calendar = create_calendar(sb, project, deduplication_key="k", metadata={"old": "1"})
    put_event(sb, project, calendar["id"], "e")
    settle(sb)
    first, second, third = receiver.bodies()
    assert first["calendar_metadata"] == {"old": "1"} and second["calendar_metadata"] == {"new": "1"}
    assert list(third) == ["idempotency_key", "trigger", "data"]
    assert first["idempotency_key"] == third["idempotency_key"] and first["data"] == third["data"]
    for call in receiver.calls:
        assert verifies(call["body"], call["headers"]["X-Webhook-Signature"])
    (delivery,) = sb.outbox.list_deliveries(project)
    assert (delivery["bot_id"], delivery["calendar_id"], delivery["status"]) == (None, calendar["id"], "delivered")


def test_a_zoom_connection_state_change_envelope(sb, project, receiver_server, frozen):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url, ("zoom_oauth_connection.state_change",))
    put_app(sb, project, {"client_id": "zc"})
    put_code(sb, project, "c", {"user": {"id": "zu_123", "account_id": "acct_9"}})
    body = {"authorization_code": "c", "redirect_uri": "x", "metadata": {"tenant": "t1"}}
    connection = zoom_oauth.create_connection(sb, project_of(sb), parse_create_zoom_oauth_connection(body))
    zoom_oauth.get_connection(sb, project, connection["id"])  # its meeting-list sync
    frozen.tick(timedelta(seconds=3))
    auth_failure(sb, project, connection["id"], {})
    auth_failure(sb, project, connection["id"], {})  # already disconnected: nothing
    zoom_oauth.client_secret_changed(sb, project)  # revived, with a webhook
    settle(sb)
    first, second = (call["body"] for call in receiver.calls)
    key = json.loads(first)["idempotency_key"]
    assert first == (
        '{"idempotency_key": "%s", "zoom_oauth_connection_id": "%s", "zoom_oauth_connection_metadata": '
        '{"tenant": "t1"}, "user_id": "zu_123", "account_id": "acct_9", "trigger": '
        '"zoom_oauth_connection.state_change", "data": {"state": "disconnected", "last_attempted_sync_at": '
        '"2026-12-01T09:00:00Z", "connection_failure_data": {"error": "Zoom Authentication error: {\'reason\': '
        '\'Invalid client_id or client_secret\', \'error\': \'invalid_client\'}", "timestamp": '
        '"2026-12-01T09:00:03+00:00"}, "last_successful_sync_at": "2026-12-01T09:00:00Z"}}' % (key, connection["id"])
    ).encode()
    assert json.loads(second)["data"]["state"] == "connected"
    assert all(verifies(call["body"], call["headers"]["X-Webhook-Signature"]) for call in receiver.calls)


def test_a_sync_that_re_plans_or_deletes_bots_sends_no_bot_webhook(sb, project, receiver_server):
    receiver = Recorder(receiver_server)
    subscribe_project(sb, receiver.url, ("bot.state_change",))
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "moved", meeting_url=MEET)
    put_event(sb, project, calendar["id"], "cancelled", meeting_url=MEET)
    for event in events(sb, project):
        create_bot_directly(sb, project_of(sb), {"calendar_event_id": event["id"], "bot_name": "x"})
    report = put_event(sb, project, calendar["id"], "moved", meeting_url=MEET, name="later")["sync"]
    assert len(report["bots_patched"]) == 0 and len(report["updated"]) == 1  # same URL and start: nothing to patch
    report = put_event(sb, project, calendar["id"], "moved", start=NOW + timedelta(days=2), meeting_url=MEET)["sync"]
    assert len(report["bots_patched"]) == 1
    report = calendars.cancel_remote_event(sb, project, calendar["id"], "cancelled", sync=True)["sync"]
    assert len(report["bots_deleted"]) == 1
    settle(sb)
    assert receiver.calls == [] and sb.outbox.list_deliveries(project) == []
