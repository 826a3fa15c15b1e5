"""POST /bots with `calendar_event_id` through the bots' use case (docs/contract/calendars.md#create-bot-from-event):
the lookup and the
refusals in their order, the event's URL and start taken, the bot always scheduled and listed in the
event's `bots`, no deduplication per event."""

from datetime import timedelta

import pytest

from sandbox.contract.errors import AttendeeError, FieldErrors
from sandbox.contract.requests.bots import parse_patch_bot
from sandbox.contract.responses import dump_bot
from sandbox.usecases import bots, calendars
from tests.calendar_helpers import (  # noqa: F401 - fixtures
    MEET,
    NOW,
    SECOND_PROJECT,
    TEAMS,
    ZOOM,
    create_calendar,
    disconnect,
    events,
    frozen,
    project,
    project_of,
    put_event,
    sb,
)
from tests.control_helpers import create_bot_directly


def create(sb, project, body):
    return create_bot_directly(sb, project_of(sb, project["id"]), body)


def error_of(sb, project, body):
    with pytest.raises(AttendeeError) as caught:
        create(sb, project, body)
    assert caught.value.status == 400
    return caught.value.body()


@pytest.fixture
def event(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", meeting_url="https://meet.google.com/abc-defg-hij?authuser=0")
    return events(sb, project)[0]


def test_a_bot_from_an_event_is_scheduled_at_its_start_and_listed_with_it(sb, project, event):
    bot = create(sb, project, {"calendar_event_id": event["id"], "bot_name": "Notetaker", "meeting_url": ""})
    answer = dump_bot(bot, echo_metadata=True)  # a scheduled bot's create answer
    assert (answer["state"], answer["events"], answer["join_at"]) == ("scheduled", [], event["start_time"])
    assert answer["meeting_url"] == MEET  # normalized as usual
    second = create(sb, project, {"calendar_event_id": event["id"], "bot_name": "Again", "join_at": None})
    (listed,) = events(sb, project)
    assert [item["id"] for item in listed["bots"]] == [bot["id"], second["id"]]
    assert listed["updated_at"] == event["updated_at"]


def test_the_checks_come_in_their_order(sb, project, event):
    other = project_of(sb, SECOND_PROJECT)
    theirs_calendar = create_calendar(sb, other)
    put_event(sb, other, theirs_calendar["id"], "t", meeting_url=MEET)
    theirs = events(sb, other)[0]
    assert error_of(sb, project, {"calendar_event_id": theirs["id"], "meeting_url": "x"}) == {
        "error": f"Calendar event with id {theirs['id']} does not exist in this project."
    }
    assert error_of(sb, project, {"calendar_event_id": 5}) == {
        "error": "Calendar event with id 5 does not exist in this project."
    }
    assert error_of(sb, project, {"calendar_event_id": event["id"], "meeting_url": MEET, "join_at": "x"}) == {
        "error": "meeting_url should not be provided when calendar_event_id is specified. The meeting URL will be "
        "taken from the calendar event."
    }
    assert error_of(sb, project, {"calendar_event_id": event["id"], "join_at": "2027-01-01T00:00:00Z"}) == {
        "error": "join_at should not be provided when calendar_event_id is specified. The join time will be taken "
        "from the calendar event."
    }
    with pytest.raises(FieldErrors) as caught:  # then the normal validation
        create(sb, project, {"calendar_event_id": event["id"]})
    assert caught.value.body() == {"bot_name": ["This field is required."]}


@pytest.mark.parametrize("value, message", [("", "This field may not be blank."), (None, "This field may not be null.")])
def test_a_falsy_event_id_is_the_serializers(sb, project, value, message):
    with pytest.raises(FieldErrors) as caught:
        create(sb, project, {"calendar_event_id": value, "meeting_url": MEET, "bot_name": "x"})
    assert caught.value.body() == {"calendar_event_id": [message]}


def test_deleted_events_and_disconnected_calendars_are_not_checked(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "gone", meeting_url=MEET)
    calendars.delete_remote_event(sb, project, calendar["id"], "gone", sync=True)
    disconnect(sb, project, calendar["id"], {})
    (gone,) = events(sb, project)
    assert gone["is_deleted"] is True
    bot = create(sb, project, {"calendar_event_id": gone["id"], "bot_name": "x"})
    assert bot["state"] == "scheduled"


def test_what_the_normal_validation_says_about_the_events_values(sb, project):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "no-url")
    put_event(sb, project, calendar["id"], "started", start=NOW - timedelta(minutes=5), meeting_url=MEET)
    put_event(sb, project, calendar["id"], "teams", start=NOW + timedelta(days=3), meeting_url=TEAMS)
    by_uuid = {event["platform_uuid"]: event for event in events(sb, project)}
    with pytest.raises(FieldErrors) as caught:
        create(sb, project, {"calendar_event_id": by_uuid["no-url"]["id"], "bot_name": "x"})
    assert caught.value.body() == {"meeting_url": ["This field may not be null."]}
    with pytest.raises(FieldErrors) as caught:
        create(sb, project, {"calendar_event_id": by_uuid["started"]["id"], "bot_name": "x"})
    assert caught.value.body() == {"join_at": ["join_at cannot be in the past"]}
    bot = create(sb, project, {"calendar_event_id": by_uuid["teams"]["id"], "bot_name": "x"})
    assert bot["meeting_url"] == (
        'https://teams.microsoft.com/l/meetup-join/19:meeting_abc@thread.v2/0?context={"Tid":"t","Oid":"o"}'
    )


def test_a_zoom_event_needs_zoom_credentials_or_an_app(sb, project):
    stored = project_of(sb, project["id"])
    stored["zoom_credentials"] = False
    sb.store.put("projects", stored)
    calendar = create_calendar(sb, stored)
    put_event(sb, stored, calendar["id"], "z", meeting_url=ZOOM)
    (event,) = events(sb, stored)
    assert error_of(sb, stored, {"calendar_event_id": event["id"], "bot_name": "x"})["error"].startswith(
        "Zoom App credentials are required"
    )


def test_a_linked_bot_may_be_patched_and_deleted_by_hand(sb, project, event):
    bot = create(sb, project, {"calendar_event_id": event["id"], "bot_name": "x"})
    changes = parse_patch_bot({"join_at": "2026-12-05T10:00:00Z"}, now=sb.now(project))
    patched = bots.patch_bot(sb, project, bot["id"], changes)
    assert patched["join_at"] == "2026-12-05T10:00:00+00:00"
    bots.delete_bot(sb, project, bot["id"])
    assert events(sb, project)[0]["bots"] == []


def test_a_due_sync_runs_before_the_event_is_looked_up(sb, project, frozen):
    calendar = create_calendar(sb, project)
    put_event(sb, project, calendar["id"], "e", meeting_url=MEET)
    put_event(sb, project, calendar["id"], "e", meeting_url=ZOOM, sync=False)  # picked up at 09:01
    event = sb.store.scan("calendar_events", project["id"])[0]
    assert event["meeting_url"] == MEET
    frozen.tick(timedelta(seconds=60))  # the pick-up is due; nothing has read the project since
    bot = create(sb, project, {"calendar_event_id": event["id"], "bot_name": "x"})
    assert bot["platform"] == "zoom"
