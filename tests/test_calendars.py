"""Calendars and calendar events through their use cases (docs/contract/calendars.md#calendar-object,
docs/contract/calendars.md#calendar-events): the objects' exact bytes
and field order, create/list/get/PATCH/DELETE with their refusals, and GET /calendar_events' filters and
ordering. Built in memory at a frozen clock; the sync itself is tested in test_calendar_sync.py."""

from datetime import timedelta

import pytest

from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.requests.calendars import parse_patch_calendar
from sandbox.contract import responses as shapes
from sandbox.contract.responses import dump_bot
from sandbox.usecases import bots, calendars
from tests.calendar_helpers import (  # noqa: F401 - fixtures
    MEET,
    NOW,
    SECOND_PROJECT,
    advance,
    calendar_view,
    compact,
    create_calendar,
    disconnect,
    dump_calendar,
    events,
    frozen,
    iso,
    project,
    project_of,
    put_event,
    sb,
)
from tests.control_helpers import create_bot_directly


def test_the_objects_fields_in_the_real_order():
    assert tuple(shapes.CALENDAR.fields) == (
        "id", "platform", "client_id", "platform_uuid", "state", "metadata", "deduplication_key",
        "connection_failure_data", "created_at", "updated_at", "last_successful_sync_at", "last_attempted_sync_at",
    )  # fmt: skip
    assert tuple(shapes.CALENDAR_EVENT.fields) == (
        "id", "calendar_id", "platform_uuid", "meeting_url", "start_time", "end_time", "is_deleted", "attendees",
        "ical_uid", "name", "raw", "bots", "created_at", "updated_at",
    )  # fmt: skip
    assert tuple(shapes.ZOOM_OAUTH_CONNECTION.fields) == (
        "id", "zoom_oauth_app_id", "user_id", "account_id", "state", "metadata", "is_local_recording_token_supported",
        "is_onbehalf_token_supported", "connection_failure_data", "created_at", "updated_at", "last_successful_sync_at",
        "last_attempted_sync_at",
    )  # fmt: skip


# -- POST /calendars -------------------------------------------------------------------------------------------


def test_create_answers_the_calendar_in_memory_connected_and_never_synced(sb, project):
    calendar = create_calendar(
        sb,
        project,
        client_id="  cid  ",
        deduplication_key="  user-1  ",
        platform_uuid="  cal@x  ",
        metadata={"zz": "1", "a": "2", "bbb": "3"},
    )
    assert compact(dump_calendar(calendar, echo_metadata=True)) == (
        f'{{"id":"{calendar["id"]}","platform":"google","client_id":"cid","platform_uuid":"cal@x",'
        '"state":"connected","metadata":{"zz":"1","a":"2","bbb":"3"},"deduplication_key":"user-1",'
        '"connection_failure_data":null,"created_at":"2026-12-01T09:00:00Z","updated_at":"2026-12-01T09:00:00Z",'
        '"last_successful_sync_at":null,"last_attempted_sync_at":null}'
    )
    assert calendar["id"].startswith("cal_") and len(calendar["id"]) == 20
    # The queued sync has run by the next read; stored metadata reads back in JSONB order.
    view = calendar_view(sb, project, calendar["id"])
    assert view["metadata"] == {"a": "2", "zz": "1", "bbb": "3"} and list(view["metadata"]) == ["a", "zz", "bbb"]
    assert view["last_successful_sync_at"] == view["last_attempted_sync_at"] == "2026-12-01T09:00:00Z"
    assert "client_secret" not in view and "refresh_token" not in view


def test_the_deduplication_key_is_unique_per_project_whatever_the_state(sb, project):
    first = create_calendar(sb, project, deduplication_key="user-1")
    disconnect(sb, project, first["id"], {})
    with pytest.raises(FieldErrors) as caught:
        create_calendar(sb, project, deduplication_key="  user-1 ")
    assert caught.value.status == 400
    assert caught.value.body() == {
        "deduplication_key": ["A calendar with this deduplication key already exists in this project."]
    }
    create_calendar(sb, project_of(sb, SECOND_PROJECT), deduplication_key="user-1")  # another project may
    create_calendar(sb, project)
    create_calendar(sb, project)  # any number without a key
    assert len(calendars.list_calendars(sb, project)) == 3


def test_values_the_row_cannot_hold_are_the_unexpected_error_and_store_nothing(sb, project):
    with pytest.raises(FieldErrors) as caught:
        create_calendar(sb, project, client_id="c" * 256)
    (message,) = caught.value.body()["non_field_errors"]
    assert message.startswith("An unexpected error occurred while creating the calendar. Error ID: ")
    assert calendars.list_calendars(sb, project) == []


# -- GET /calendars, GET /calendars/{id} -------------------------------------------------------------------------


def test_list_is_newest_first_and_the_key_filter_applies_when_present(sb, project, frozen):
    older = create_calendar(sb, project, deduplication_key="a")
    frozen.tick(timedelta(seconds=1))
    newer = create_calendar(sb, project, deduplication_key="b")
    assert [c["id"] for c in calendars.list_calendars(sb, project)] == [newer["id"], older["id"]]
    assert [c["id"] for c in calendars.list_calendars(sb, project, deduplication_key="a")] == [older["id"]]
    assert calendars.list_calendars(sb, project, deduplication_key="") == []
    assert calendars.list_calendars(sb, project, deduplication_key="A") == []


def test_get_another_projects_or_an_unknown_calendar_is_the_404(sb, project):
    other = create_calendar(sb, project_of(sb, SECOND_PROJECT))
    for calendar_id in (other["id"], "cal_nope", 5):
        with pytest.raises(AttendeeError) as caught:
            calendars.get_calendar(sb, project, calendar_id)
        assert (caught.value.status, caught.value.body()) == (404, {"error": "Calendar not found"})


# -- PATCH /calendars/{id} ---------------------------------------------------------------------------------------


def test_patch_replaces_metadata_echoes_it_and_queues_a_sync_every_time(sb, project, frozen):
    calendar = create_calendar(sb, project, metadata={"k": "v"})
    frozen.tick(timedelta(minutes=5))
    changes = parse_patch_calendar({"metadata": {"zz": "1", "a": "2"}})
    patched = calendars.patch_calendar(sb, project, calendar["id"], changes)
    answer = dump_calendar(patched, echo_metadata=True)
    assert list(answer["metadata"]) == ["zz", "a"]
    assert answer["updated_at"] == "2026-12-01T09:05:00Z"
    assert answer["last_attempted_sync_at"] == "2026-12-01T09:00:00Z"  # the PATCH's own sync has not run yet
    assert calendar_view(sb, project, calendar["id"])["last_attempted_sync_at"] == "2026-12-01T09:05:00Z"
    frozen.tick(timedelta(minutes=5))
    calendars.patch_calendar(sb, project, calendar["id"], {})  # even an empty PATCH queues one
    assert calendar_view(sb, project, calendar["id"])["last_successful_sync_at"] == "2026-12-01T09:10:00Z"


def test_patch_keeps_the_state_and_a_good_token_reconnects_at_the_sync(sb, project, frozen):
    calendar = create_calendar(sb, project, refresh_token="sbx-invalid")
    disconnected = calendar_view(sb, project, calendar["id"])
    assert disconnected["state"] == "disconnected"
    frozen.tick(timedelta(minutes=1))
    patched = calendars.patch_calendar(sb, project, calendar["id"], {"refresh_token": "good"})
    assert dump_calendar(patched)["state"] == "disconnected"  # the PATCH itself changes no state
    view = calendar_view(sb, project, calendar["id"])
    assert view["state"] == "connected" and view["connection_failure_data"] is None


def test_patch_with_metadata_the_database_cannot_hold_is_a_clear_400(sb, project):
    calendar = create_calendar(sb, project)
    with pytest.raises(FieldErrors) as caught:
        calendars.patch_calendar(sb, project, calendar["id"], {"metadata": {"a": "\x00"}})
    assert caught.value.body()["non_field_errors"][0].startswith("An unexpected error occurred while updating")


# -- DELETE /calendars/{id} --------------------------------------------------------------------------------------


def test_delete_hard_deletes_scheduled_linked_bots_and_unlinks_the_others(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "ev-1", meeting_url=MEET)
    (event,) = events(sb, project)
    scheduled = create_bot_directly(sb, project, {"calendar_event_id": event["id"], "bot_name": "A"})
    staged = create_bot_directly(sb, project, {"calendar_event_id": event["id"], "bot_name": "B"})
    from sandbox.usecases import control

    control.inject_event(sb, project, staged["id"], {"type": "staged"})
    calendars.delete_calendar(sb, project, calendar["id"])
    with pytest.raises(AttendeeError):
        bots.get_bot(sb, project, scheduled["id"])
    kept = bots.get_bot(sb, project, staged["id"])
    assert kept["state"] == "staged" and kept["calendar_event_id"] is None
    assert events(sb, project) == []
    assert sb.store.scan("calendar_events", project["id"]) == []
    with pytest.raises(AttendeeError) as caught:
        calendars.delete_calendar(sb, project, calendar["id"])
    assert caught.value.body() == {"error": "Calendar not found"}


# -- GET /calendar_events ----------------------------------------------------------------------------------------


def test_an_event_in_its_14_fields_with_its_bots(sb, project):
    calendar = create_calendar(sb, project)
    start = NOW + timedelta(days=2)
    put_event(
        sb,
        project,
        calendar["id"],
        "g-1",
        start=start,
        name="Planning",
        description="Join at https://meet.google.com/abc-defg-hij?authuser=0.",
        attendees=[{"email": "a@example.com", "name": "A"}],
    )
    (event,) = events(sb, project)
    bot = create_bot_directly(sb, project, {"calendar_event_id": event["id"], "bot_name": "Notetaker"})
    (event,) = events(sb, project)
    assert list(event) == list(shapes.CALENDAR_EVENT.fields)
    assert event["meeting_url"] == "https://meet.google.com/abc-defg-hij?authuser=0"  # as found, not normalized
    assert (event["start_time"], event["end_time"]) == ("2026-12-03T09:00:00Z", "2026-12-03T09:30:00Z")
    assert compact(event["attendees"]) == '[{"name":"A","email":"a@example.com"}]'
    assert event["ical_uid"] == "g-1@google.com" and event["name"] == "Planning" and event["is_deleted"] is False
    raw_keys = ["id", "end", "kind", "start", "status", "iCalUID", "summary", "attendees", "description"]
    assert list(event["raw"]) == raw_keys  # JSONB order
    assert event["bots"] == [dump_bot(bots.get_bot(sb, project, bot["id"]))]
    assert event["created_at"] == event["updated_at"] == "2026-12-01T09:00:00Z"  # linking a bot moves nothing


def _two_calendars(sb, project, frozen):
    first = create_calendar(sb, project, deduplication_key="first")
    second = create_calendar(sb, project, deduplication_key="second")
    put_event(sb, project, first["id"], "a", start=NOW + timedelta(days=1))
    frozen.tick(timedelta(minutes=1))
    put_event(sb, project, second["id"], "b", start=NOW + timedelta(days=3))
    frozen.tick(timedelta(minutes=1))
    put_event(sb, project, first["id"], "c", start=NOW + timedelta(days=2), minutes=600)
    return first, second


def test_event_filters_combine_and_apply_when_present(sb, project, frozen):
    first, second = _two_calendars(sb, project, frozen)

    def uuids(**query):
        return [event["platform_uuid"] for event in events(sb, project, **query)]

    assert uuids() == ["c", "b", "a"]  # -updated_at by default
    assert uuids(calendar_id=first["id"]) == ["c", "a"]
    assert uuids(calendar_id="") == []
    assert uuids(calendar_deduplication_key="second") == ["b"]
    assert uuids(updated_at_gte="2026-12-01T09:01:00Z") == ["c", "b"]
    assert uuids(updated_after="2026-12-01 09:02") == ["c"]
    assert uuids(start_time_gte="2026-12-03") == ["c", "b"]
    assert uuids(start_time_gte="2026-12-03T09:00:01%2B00:00".replace("%2B", "+")) == ["b"]
    assert uuids(end_time_lte=iso(NOW + timedelta(days=2, hours=9))) == ["a"]
    a_id = next(e["id"] for e in events(sb, project) if e["platform_uuid"] == "a")
    assert uuids(event_id=a_id) == ["a"] and uuids(event_id="") == []
    assert uuids(calendar_id=second["id"], start_time_gte="2026-12-02") == ["b"]
    assert uuids(calendar_id=project_of(sb, SECOND_PROJECT)["id"]) == []


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("updated_at", ["a", "b", "c"]),
        ("start_time", ["a", "c", "b"]),
        ("-start_time", ["b", "c", "a"]),
        ("end_time", ["a", "c", "b"]),
        ("-end_time", ["b", "c", "a"]),
        ("created_at", ["a", "b", "c"]),
        ("-created_at", ["c", "b", "a"]),
    ],
)
def test_event_ordering(sb, project, frozen, ordering, expected):
    _two_calendars(sb, project, frozen)
    assert [event["platform_uuid"] for event in events(sb, project, ordering=ordering)] == expected


def test_deleted_events_stay_listed_and_flagged(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "gone")
    put_event(sb, project, calendar["id"], "cancelled")
    calendars.delete_remote_event(sb, project, calendar["id"], "gone", sync=True)
    calendars.cancel_remote_event(sb, project, calendar["id"], "cancelled", sync=True)
    flags = {event["platform_uuid"]: event["is_deleted"] for event in events(sb, project)}
    assert flags == {"gone": True, "cancelled": True}


def test_events_of_another_project_are_never_listed(sb, project):
    other = project_of(sb, SECOND_PROJECT)
    calendar = create_calendar(sb, other)
    put_event(sb, other, calendar["id"], "theirs")
    assert events(sb, project) == [] and len(events(sb, other)) == 1


def test_a_calendar_created_as_the_project_clock_moves(sb, project):
    advance(sb, project, 3600)
    calendar = create_calendar(sb, project_of(sb, project["id"]))
    assert dump_calendar(calendar)["created_at"] == "2026-12-01T10:00:00Z"


# -- newest-first pages (docs/contract/calendars.md#resource-conventions: DRF's CursorPagination over a `-field`
# ordering) -------------------------


def test_newest_first_lists_page_backwards_through_time(sb, project, frozen):
    import base64
    from urllib.parse import parse_qs, urlsplit

    from sandbox.contract.pagination import paginate

    created = []
    for _ in range(30):
        created.append(create_calendar(sb, project)["id"])
        frozen.tick(timedelta(seconds=1))
    listed = calendars.list_calendars(sb, project)
    url = "http://testserver/api/v1/calendars?deduplication_key=x"
    page, next_url, previous_url = paginate(listed, lambda c: c["created_at"], url, descending=True)
    assert [c["id"] for c in page] == created[::-1][:25] and previous_url is None
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]
    assert base64.b64decode(cursor).decode() == "p=2026-12-01+09%3A00%3A05%2B00%3A00"
    page, next_url, previous_url = paginate(listed, lambda c: c["created_at"], next_url, descending=True)
    assert [c["id"] for c in page] == created[::-1][25:] and next_url is None
    page, _, _ = paginate(listed, lambda c: c["created_at"], previous_url, descending=True)
    assert [c["id"] for c in page] == created[::-1][:25]
