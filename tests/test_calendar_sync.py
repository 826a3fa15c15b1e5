"""The calendar sync (docs/contract/calendars.md#calendar-states, docs/contract/calendars.md#sync-and-linked-bots to
#other-calendar-links, docs/contract/calendars.md#calendar-simulation): the engine over the providers' JSON (window,
field
mappings, meeting-URL search, upsert, vanished and cancelled events), the state machine and its failures,
the effect on linked bots, and when syncs run (on create and PATCH, every 24 h, 60 s after a remote
change, in time order with the bots' steps)."""

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.contract.errors import SandboxInputError
from sandbox.contract.responses import dump_bot
from sandbox.domain.calendar_sync import (
    extract_meeting_url_from_text,
    google_event_data,
    microsoft_event_data,
)
from sandbox.usecases import bots, calendars, control
from tests.calendar_helpers import without_calendars
from tests.calendar_helpers import (  # noqa: F401 - fixtures
    MEET,
    NOW,
    TEAMS,
    ZOOM,
    advance,
    calendar_view,
    create_calendar,
    disconnect,
    dump_calendar,
    events,
    frozen,
    iso,
    project,
    project_of,
    put_event,
    put_remote,
    sb,
    sync_failures,
)
from tests.control_helpers import create_bot_directly

GOOGLE_REVOKED = (
    "Google Authentication error: {'error': 'invalid_grant', 'error_description': 'Token has been expired or revoked.'}"
)


def event_by_uuid(sb, project, uuid):
    return next(event for event in events(sb, project) if event["platform_uuid"] == uuid)


def linked_bot(sb, project, event_id, **body):
    bot = create_bot_directly(sb, project_of(sb, project["id"]), {"calendar_event_id": event_id, "bot_name": "N", **body})
    return bot


# -- extract_meeting_url_from_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        ("Join: https://meet.google.com/abc-defg-hij?authuser=0.", "https://meet.google.com/abc-defg-hij?authuser=0"),
        ("(https://us02web.zoom.us/j/81234567890?pwd=AbC123.1&uname=x)", "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1&uname=x"),
        ('<a href="https://teams.live.com/meet/9876543210?p=abc">join</a>', "https://teams.live.com/meet/9876543210?p=abc"),
        ("docs https://example.com/x then https://meet.google.com/abc-defg-hij;", "https://meet.google.com/abc-defg-hij"),
        ("see https://meet.google.com/abc-defg-hij]}>", "https://meet.google.com/abc-defg-hij"),
        ("no link at all", None),
        ("http://example.com only", None),
        ("", None),
        (None, None),
    ],
)
def test_the_first_run_the_normalizer_accepts_is_kept_as_found(text, found):
    assert extract_meeting_url_from_text(text) == found


def test_google_mapping_searches_the_sources_in_their_order():
    base = {"id": "g", "start": {"dateTime": "2026-12-02T10:00:00Z"}, "end": {"date": "2026-12-03"}}
    every = {
        **base,
        "conferenceData": {"entryPoints": [{"entryPointType": "phone", "uri": "tel:+1"}, {"entryPointType": "video", "uri": ZOOM}]},
        "hangoutLink": MEET,
        "location": TEAMS,
        "description": "https://meet.google.com/xyz-abcd-efg",
        "summary": "https://meet.google.com/sum-mary-url",
    }
    order = ["conferenceData", "hangoutLink", "location", "description", "summary"]
    expected = [ZOOM, MEET, TEAMS, "https://meet.google.com/xyz-abcd-efg", "https://meet.google.com/sum-mary-url"]
    for index, url in enumerate(expected):
        event = {key: value for key, value in every.items() if key not in order[:index]}
        assert google_event_data(event)["meeting_url"] == url
    data = google_event_data({**base, "summary": "s" * 9000, "description": "d" * 9000, "status": "cancelled"})
    assert len(data["raw"]["summary"]) == len(data["raw"]["description"]) == 8000 and len(data["name"]) == 9000
    assert data["is_deleted"] is True and data["attendees"] == []
    assert data["end_time"] == datetime(2026, 12, 3, tzinfo=timezone.utc)  # an all-day end: midnight UTC


def test_microsoft_mapping_reads_the_online_meeting_subject_and_body_never_the_location():
    event = {
        "id": "m",
        "subject": "Weekly",
        "body": {"content": "x" * 9000 + MEET},
        "start": {"dateTime": "2026-12-02T10:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-02T11:00:00.1234567", "timeZone": "Europe/Paris"},
        "location": {"displayName": ZOOM},
        "attendees": [{"emailAddress": {"name": "A", "address": "a@x"}}],
        "iCalUId": "uid",
        "isCancelled": True,
    }
    data = microsoft_event_data(event)
    assert data["meeting_url"] == MEET  # from the body (searched whole), not the location
    assert len(data["raw"]["body"]["content"]) == 8000
    assert data["end_time"] == datetime(2026, 12, 2, 10, 0, 0, 123456, tzinfo=timezone.utc)
    assert data["attendees"] == [{"email": "a@x", "name": "A"}] and data["is_deleted"] is True
    assert microsoft_event_data({**event, "onlineMeeting": {"joinUrl": TEAMS}})["meeting_url"] == TEAMS
    assert microsoft_event_data({**event, "body": {}, "subject": f"Call {ZOOM}"})["meeting_url"] == ZOOM


# -- one sync over the remote calendar -----------------------------------------------------------------------


def test_all_day_events_start_at_midnight_in_their_time_zone_else_utc(sb, project):
    google = create_calendar(sb, project)
    microsoft = create_calendar(sb, project, platform="microsoft")
    for calendar in (google, microsoft):
        for uuid, tz in (("utc", None), ("paris", "Europe/Paris")):
            body = {"all_day_date": "2026-12-05", **({"time_zone": tz} if tz else {})}
            put_remote(sb, project, calendar["id"], uuid, body, sync=True)
    for event in events(sb, project):
        expected = ("2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z")
        if event["platform_uuid"] == "paris":
            expected = ("2026-12-04T23:00:00Z", "2026-12-05T23:00:00Z")
        assert (event["start_time"], event["end_time"]) == expected


def test_the_window_is_one_day_back_to_28_days_ahead(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "behind", start=NOW - timedelta(days=1, hours=1), minutes=30, sync=False)
    put_event(sb, project, calendar["id"], "overlaps", start=NOW - timedelta(days=1, minutes=10), minutes=30, sync=False)
    put_event(sb, project, calendar["id"], "last", start=NOW + timedelta(days=28, minutes=-1), sync=False)
    put_event(sb, project, calendar["id"], "beyond", start=NOW + timedelta(days=28), sync=False)
    report = calendars.sync_now(sb, project, calendar["id"])
    assert report["window"] == {"start": "2026-11-30T09:00:00Z", "end": "2026-12-29T09:00:00Z"}
    assert sorted(event["platform_uuid"] for event in events(sb, project)) == ["last", "overlaps"]


def test_the_window_end_is_a_setting(frozen):
    from sandbox.assembly import build_sandbox

    sandbox = build_sandbox({"in_memory": True, "testing": True, "calendar_sync_window_days": 2}, without_calendars())
    try:
        project = project_of(sandbox)
        calendar = create_calendar(sandbox, project)
        put_event(sandbox, project, calendar["id"], "in", start=NOW + timedelta(days=1, hours=23))
        report = put_event(sandbox, project, calendar["id"], "out", start=NOW + timedelta(days=2))["sync"]
        assert report["window"]["end"] == "2026-12-03T09:00:00Z"
        assert [event["platform_uuid"] for event in events(sandbox, project)] == ["in"]
    finally:
        sandbox.shutdown()


def test_an_unchanged_event_is_left_alone_and_a_changed_one_overwritten(sb, project, frozen):
    calendar = create_calendar(sb, project)
    first = put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(days=1), name="A")["sync"]
    assert (len(first["created"]), first["webhook"]) == (1, "calendar.events_update")
    frozen.tick(timedelta(minutes=1))
    same = put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(days=1), name="A")["sync"]
    assert (same["created"], same["updated"], same["webhook"]) == ([], [], None)
    assert event_by_uuid(sb, project, "e")["updated_at"] == "2026-12-01T09:00:00Z"
    frozen.tick(timedelta(minutes=1))
    changed = put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(days=1), name="B")["sync"]
    assert len(changed["updated"]) == 1 and changed["webhook"] == "calendar.events_update"
    event = event_by_uuid(sb, project, "e")
    assert (event["name"], event["updated_at"], event["created_at"]) == ("B", "2026-12-01T09:02:00Z", "2026-12-01T09:00:00Z")


def test_a_vanished_event_in_the_window_is_marked_deleted_keeping_its_data(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", name="Kept", meeting_url=MEET)
    report = calendars.delete_remote_event(sb, project, calendar["id"], "e", sync=True)["sync"]
    assert len(report["deleted"]) == 1 and report["webhook"] == "calendar.events_update"
    event = event_by_uuid(sb, project, "e")
    assert (event["is_deleted"], event["name"], event["meeting_url"]) == (True, "Kept", MEET)
    again = calendars.sync_now(sb, project, calendar["id"])
    assert (again["deleted"], again["webhook"]) == ([], None)  # deleted events are not fetched again


def test_an_event_moved_out_of_the_window_is_fetched_by_id_and_updated(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e")
    report = put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(days=40))["sync"]
    assert len(report["updated"]) == 1 and report["deleted"] == []
    assert event_by_uuid(sb, project, "e")["start_time"] == "2027-01-10T09:00:00Z"


def test_a_cancelled_event_is_an_update_flagged_deleted(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e")
    report = calendars.cancel_remote_event(sb, project, calendar["id"], "e", sync=True)["sync"]
    assert len(report["updated"]) == 1 and report["deleted"] == []
    assert event_by_uuid(sb, project, "e")["raw"]["status"] == "cancelled"


def test_remote_event_hooks_refuse_what_is_unclear(sb, project):
    calendar = create_calendar(sb, project)
    cases = [
        ({"start_time": "2026-12-02T10:00:00Z"}, "end_time must be an ISO 8601 datetime"),
        ({"all_day_date": "2026-12-02", "start_time": "2026-12-02T10:00:00Z"}, "not both"),
        ({"all_day_date": "20261202"}, "all_day_date must be a date"),
        ({"all_day_date": "2026-12-02", "time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"start_time": "2026-12-02T10:00:00Z", "end_time": "2026-12-02T09:00:00Z"}, "before start_time"),
        ({"all_day_date": "2026-12-02", "color": "red"}, "Unknown field(s): color"),
        ({"all_day_date": "2026-12-02", "raw": {"summary": "x"}}, "raw: summary are written by the sandbox"),
        ({"all_day_date": "2026-12-02", "attendees": [{"mail": "x"}]}, "attendees[0]"),
        ({"all_day_date": "2026-12-02", "name": "n" * 1025}, "name must be at most 1024 characters"),
    ]
    for body, message in cases:
        with pytest.raises(SandboxInputError) as caught:
            put_remote(sb, project, calendar["id"], "e", body)
        assert caught.value.status == 400 and message in caught.value.message, body
    with pytest.raises(SandboxInputError) as caught:
        calendars.cancel_remote_event(sb, project, calendar["id"], "missing")
    assert caught.value.status == 404
    assert calendars.remote_calendar_view(sb, project, calendar["id"])["events"] == []


def test_the_remote_calendar_is_bounded_by_a_setting(frozen):
    from sandbox.assembly import build_sandbox

    sandbox = build_sandbox({"in_memory": True, "testing": True, "remote_events_per_calendar": 2}, without_calendars())
    try:
        project = project_of(sandbox)
        calendar = create_calendar(sandbox, project)
        put_event(sandbox, project, calendar["id"], "a", sync=False)
        put_event(sandbox, project, calendar["id"], "b", sync=False)
        put_event(sandbox, project, calendar["id"], "b", sync=False, name="changed")  # replacing is fine
        with pytest.raises(SandboxInputError) as caught:
            put_event(sandbox, project, calendar["id"], "c", sync=False)
        assert caught.value.status == 409 and "SANDBOX_REMOTE_EVENTS_PER_CALENDAR" in caught.value.message
    finally:
        sandbox.shutdown()


# -- states and failures (docs/contract/calendars.md#calendar-states, docs/contract/calendars.md#calendar-auth-errors)
# -----------------------------------------------------------------------


def test_a_revoked_token_is_created_connected_and_disconnected_by_its_first_sync(sb, project):
    calendar = create_calendar(sb, project, refresh_token="sbx-invalid")
    assert dump_calendar(calendar)["state"] == "connected"
    view = calendar_view(sb, project, calendar["id"])
    assert view["state"] == "disconnected"
    assert view["connection_failure_data"] == {"error": GOOGLE_REVOKED, "timestamp": "2026-12-01T09:00:00+00:00"}
    assert view["last_attempted_sync_at"] is None and view["last_successful_sync_at"] is None
    assert view["updated_at"] == "2026-12-01T09:00:00Z"


def test_a_disconnected_calendar_is_not_synced_by_the_scheduler(sb, project):
    calendar = create_calendar(sb, project, refresh_token="sbx-invalid")
    calendar_view(sb, project, calendar["id"])
    put_event(sb, project, calendar["id"], "e", sync=False)
    assert [item for item in advance(sb, project, 3 * 86400) if "calendar_id" in item] == []
    assert events(sb, project) == []


def test_transient_failures_move_only_the_attempt_and_retry_with_backoff(sb, project):
    calendar = create_calendar(sb, project)
    calendar_view(sb, project, calendar["id"])  # the first sync: 09:00:00
    sync_failures(sb, project, calendar["id"], {"kind": "transient", "times": 3})
    report = calendars.sync_now(sb, project, calendar["id"])
    assert (report["outcome"], report["retry_at"]) == ("transient_error", "2026-12-01T09:00:01Z")
    applied = [item for item in advance(sb, project, 10) if "calendar_id" in item]
    assert [(item["at"], item["outcome"]) for item in applied] == [
        ("2026-12-01T09:00:01Z", "transient_error"),
        ("2026-12-01T09:00:03Z", "transient_error"),
        ("2026-12-01T09:00:07Z", "synced"),
    ]
    view = calendar_view(sb, project, calendar["id"])
    assert view["state"] == "connected" and view["last_successful_sync_at"] == "2026-12-01T09:00:07Z"


def test_a_transient_failure_keeps_the_state_and_gives_up_after_six_retries(sb, project):
    calendar = create_calendar(sb, project)
    sync_failures(sb, project, calendar["id"], {"kind": "transient", "times": 7})
    assert calendar_view(sb, project, calendar["id"])["last_attempted_sync_at"] == "2026-12-01T09:00:00Z"
    applied = [item for item in advance(sb, project, 3600) if "calendar_id" in item]
    assert [item["outcome"] for item in applied] == ["transient_error"] * 6
    view = calendar_view(sb, project, calendar["id"])
    assert (view["state"], view["last_successful_sync_at"]) == ("connected", None)
    assert view["last_attempted_sync_at"] == "2026-12-01T09:01:03Z"  # 1+2+4+8+16+32 s later


def test_every_authentication_failure_disconnects_again_with_its_own_error(sb, project, frozen):
    calendar = create_calendar(sb, project)
    calendar_view(sb, project, calendar["id"])
    sync_failures(sb, project, calendar["id"], {"kind": "auth_error", "error": "first", "times": 2})
    assert calendars.sync_now(sb, project, calendar["id"])["webhook"] == "calendar.state_change"
    frozen.tick(timedelta(seconds=30))
    second = calendars.patch_calendar(sb, project, calendar["id"], {})  # its sync meets the second failure
    assert second["state"] == "disconnected"
    view = calendar_view(sb, project, calendar["id"])
    assert view["connection_failure_data"] == {"error": "first", "timestamp": "2026-12-01T09:00:30+00:00"}
    assert view["last_attempted_sync_at"] == "2026-12-01T09:00:00Z"


def test_disconnect_and_reconnect_hooks(sb, project):
    calendar = create_calendar(sb, project, refresh_token="sbx-invalid")
    report = disconnect(sb, project, calendar["id"], {"error": "Google Authentication error: {}"})
    assert (report["outcome"], report["webhook"], report["state"]) == ("auth_error", "calendar.state_change", "disconnected")
    report = calendars.reconnect(sb, project, calendar["id"])
    assert (report["outcome"], report["webhook"], report["state"]) == ("synced", None, "connected")
    assert calendar_view(sb, project, calendar["id"])["connection_failure_data"] is None
    with pytest.raises(SandboxInputError):
        sync_failures(sb, project, calendar["id"], {"kind": "network"})


# -- linked bots (docs/contract/calendars.md#sync-and-linked-bots, docs/contract/calendars.md#other-calendar-links)
# --------------------------------------------------------------------------------


def test_a_moved_event_moves_its_scheduled_bots_through_the_patch_rules(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", meeting_url="https://meet.google.com/abc-defg-hij?authuser=0")
    event = event_by_uuid(sb, project, "e")
    first, second = linked_bot(sb, project, event["id"]), linked_bot(sb, project, event["id"])
    assert first["meeting_url"] == MEET and first["join_at"] == "2026-12-02T09:00:00+00:00"
    report = put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(days=1, hours=1), meeting_url=ZOOM)["sync"]
    assert report["bots_patched"] == [first["id"], second["id"]] and report["bots_not_patched"] == []
    for bot_id in (first["id"], second["id"]):
        bot = dump_bot(bots.get_bot(sb, project, bot_id))
        assert (bot["join_at"], bot["meeting_url"]) == ("2026-12-02T10:00:00Z", "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1")
        assert bot["state"] == "scheduled" and bot["events"] == []


def test_a_change_that_fails_validation_leaves_both_old_values(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", meeting_url=MEET)
    bot = linked_bot(sb, project, event_by_uuid(sb, project, "e")["id"])
    report = put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(days=2))["sync"]  # no URL now
    assert report["bots_patched"] == []
    assert report["bots_not_patched"] == [{"bot_id": bot["id"], "errors": {"meeting_url": ["This field may not be null."]}}]
    kept = bots.get_bot(sb, project, bot["id"])
    assert (kept["meeting_url"], kept["join_at"]) == (MEET, "2026-12-02T09:00:00+00:00")
    report = put_event(sb, project, calendar["id"], "e", start=NOW - timedelta(hours=1), meeting_url=MEET)["sync"]
    assert report["bots_not_patched"][0]["errors"] == {"join_at": ["join_at cannot be in the past"]}


def test_cancelled_events_delete_scheduled_bots_but_a_staged_bot_still_joins(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(minutes=10), meeting_url=MEET)
    event = event_by_uuid(sb, project, "e")
    scheduled = linked_bot(sb, project, event["id"])
    staged = linked_bot(sb, project, event["id"])
    control.inject_event(sb, project, staged["id"], {"type": "staged"})
    report = calendars.cancel_remote_event(sb, project, calendar["id"], "e", sync=True)["sync"]
    assert report["bots_deleted"] == [scheduled["id"]]
    with pytest.raises(Exception):
        bots.get_bot(sb, project, scheduled["id"])
    advance(sb, project, 600)
    assert bots.get_bot(sb, project, staged["id"])["state"] not in ("scheduled", "staged")
    (listed,) = events(sb, project)
    assert [bot["id"] for bot in listed["bots"]] == [staged["id"]]


def test_a_disconnection_deletes_the_scheduled_bots_of_every_event(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "a", meeting_url=MEET)
    put_event(sb, project, calendar["id"], "b", meeting_url=MEET, start=NOW + timedelta(days=3))
    ids = [linked_bot(sb, project, event["id"])["id"] for event in events(sb, project)]
    report = disconnect(sb, project, calendar["id"], {})
    assert sorted(report["bots_deleted"]) == sorted(ids)
    assert all(event["bots"] == [] for event in events(sb, project))


# -- when syncs run (docs/contract/calendars.md#when-sync-runs)
# --------------------------------------------------------------------------------------


def test_the_scheduler_syncs_a_connected_calendar_every_24_hours_of_its_clock(sb, project):
    calendar = create_calendar(sb, project)
    applied = [item for item in advance(sb, project, 2 * 86400 + 60) if "calendar_id" in item]
    assert [item["at"] for item in applied] == ["2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z"]
    assert calendar_view(sb, project, calendar["id"])["last_successful_sync_at"] == "2026-12-03T09:00:00Z"


def test_a_remote_change_is_synced_60_seconds_after_it(sb, project):
    calendar = create_calendar(sb, project)
    calendar_view(sb, project, calendar["id"])
    advance(sb, project, 100)
    put_event(sb, project, calendar["id"], "e", sync=False)
    advance(sb, project, 30)
    put_event(sb, project, calendar["id"], "f", sync=False)  # a second change: the same pick-up
    assert advance(sb, project, 29) == [] and events(sb, project) == []
    (sync,) = advance(sb, project, 1)
    assert (sync["at"], len(sync["created"])) == ("2026-12-01T09:02:40Z", 2)


def test_a_read_applies_the_due_sync_lazily_and_the_background_runner_too(sb, project, frozen):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", sync=False)
    frozen.tick(timedelta(seconds=60))
    assert sb.run_due_steps() == pytest.approx(86400)  # the runner did the pick-up; the next is 24 h after it
    stored = sb.store.get("calendars", calendar["id"])
    assert stored["last_successful_sync_at"] == "2026-12-01T09:01:00+00:00"
    assert len(events(sb, project)) == 1
    calendars.delete_calendar(sb, project, calendar["id"])
    assert sb.run_due_steps() is None  # nothing left to wait for


def test_syncs_and_bot_steps_run_in_time_order(sb, project):
    """A change picked up at 09:01 moves the bot before its staged step; a cancellation picked up after the
    bot was staged leaves it alone."""
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(minutes=7), meeting_url=MEET)
    bot = linked_bot(sb, project, event_by_uuid(sb, project, "e")["id"])  # staged at 09:02
    put_event(sb, project, calendar["id"], "e", start=NOW + timedelta(minutes=30), meeting_url=MEET, sync=False)
    advance(sb, project, 61)  # the pick-up at 09:01 comes before 09:02
    moved = bots.get_bot(sb, project, bot["id"])
    assert (moved["state"], moved["join_at"]) == ("scheduled", "2026-12-01T09:30:00+00:00")
    advance(sb, project, 25 * 60)  # staged at 09:25
    calendars.cancel_remote_event(sb, project, calendar["id"], "e")
    advance(sb, project, 60)
    assert bots.get_bot(sb, project, bot["id"])["state"] == "staged"
