"""The Notetaker against the Attendee Sandbox: the same HTTP calls and webhooks as against Attendee itself.

Each test gets its own sandbox project (the `notetaker` fixture, conftest.py) and moves the project's clock
with `advance` instead of waiting for the meeting to happen.
"""

import json

import pytest
import requests

from sandbox.pytest_plugin import wait_until

MEETING_URL = "https://meet.google.com/abc-defg-hij"


def start_meeting(notetaker):
    response = requests.post(f"{notetaker.url}/meetings", json={"meeting_url": MEETING_URL}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["bot_id"]


def attendee_get(project, path):
    response = requests.get(f"{project.api_url}{path}", headers=project.headers, timeout=10)
    response.raise_for_status()
    return response.json()


def saved_notes(notetaker, bot_id):
    path = notetaker.notes_dir / f"{bot_id}.md"
    return wait_until(lambda: path.exists() and path.read_text(encoding="utf-8"), message=f"{path} was not written")


def post_processing_delivery(project, bot_id):
    return next(
        d
        for d in project.deliveries(bot_id=bot_id, trigger="bot.state_change")
        if d["payload"]["event_type"] == "post_processing_completed"
    )


def test_the_recording_and_transcript_are_saved_when_post_processing_completes(notetaker):
    project = notetaker.project
    bot_id = start_meeting(notetaker)
    assert attendee_get(project, f"/bots/{bot_id}")["state"] == "joining"

    project.advance(30)  # the bot joins and records; in the happy_path scenario Alice and Bob talk
    dana = project.add_participant(bot_id, "Dana")
    project.add_utterance(bot_id, dana["uuid"], "Action item: Dana ships the beta on Tuesday.", duration_ms=2500)
    requests.post(f"{project.api_url}/bots/{bot_id}/leave", headers=project.headers, timeout=10).raise_for_status()
    project.advance(10)  # left_meeting, the upload, post_processing_completed: the webhook goes out

    notes = saved_notes(notetaker, bot_id)
    transcript = attendee_get(project, f"/bots/{bot_id}/transcript")
    expected = [f"# Meeting notes ({bot_id})", ""] + [
        f"**{u['speaker_name']}:** {u['transcription']['transcript']}" for u in transcript
    ]
    assert notes == "\n".join(expected) + "\n"
    assert notes.splitlines()[-1] == "**Dana:** Action item: Dana ships the beta on Tuesday."
    recording = (notetaker.notes_dir / f"{bot_id}.mp4").read_bytes()
    assert recording[4:8] == b"ftyp"  # an MP4 file
    assert attendee_get(project, f"/bots/{bot_id}")["state"] == "ended"


@pytest.mark.scenario("host_ends_meeting")
def test_a_meeting_the_host_ends_is_saved_without_a_leave(notetaker):
    bot_id = start_meeting(notetaker)
    notetaker.project.advance(60)  # the host ends the meeting; post-processing completes

    notes = saved_notes(notetaker, bot_id)
    assert notes.startswith(f"# Meeting notes ({bot_id})\n\n**")
    assert (notetaker.notes_dir / f"{bot_id}.mp4").stat().st_size > 0


@pytest.mark.scenario("could_not_join_meeting_not_found")
def test_a_bot_that_could_not_join_leaves_a_note_saying_why(notetaker):
    bot_id = start_meeting(notetaker)
    notetaker.project.advance(10)

    notes = saved_notes(notetaker, bot_id)
    assert notes == (
        f"# Meeting notes ({bot_id})\n\n"
        "The bot could not record this meeting: could_not_join_meeting/meeting_not_found.\n"
    )
    assert not (notetaker.notes_dir / f"{bot_id}.mp4").exists()


@pytest.mark.scenario("host_ends_meeting")
def test_a_failed_attendee_call_is_retried_through_the_webhook_retry(notetaker):
    project = notetaker.project
    project.add_fault(method="GET", path="/api/v1/bots/*/transcript", status=503, times=1)
    bot_id = start_meeting(notetaker)
    project.advance(60)

    saved_notes(notetaker, bot_id)
    delivery = wait_until(lambda: (d := post_processing_delivery(project, bot_id))["status"] == "delivered" and d)
    assert [attempt["status_code"] for attempt in delivery["attempts"]] == [500, 200]
    assert [r["status"] for r in project.requests(path=f"/api/v1/bots/{bot_id}/transcript")] == [200, 503]


@pytest.mark.scenario("host_ends_meeting")
def test_a_redelivered_webhook_is_handled_once(notetaker):
    project = notetaker.project
    bot_id = start_meeting(notetaker)
    project.advance(60)
    saved_notes(notetaker, bot_id)
    delivery = wait_until(lambda: (d := post_processing_delivery(project, bot_id))["status"] == "delivered" and d)

    project.control("POST", f"/sandbox/webhooks/deliveries/{delivery['id']}/redeliver")

    again = wait_until(lambda: len((d := post_processing_delivery(project, bot_id))["attempts"]) == 2 and d)
    assert json.loads(again["attempts"][1]["response_body"]) == {"duplicate": True, "ok": True}
    assert len(project.requests(path=f"/api/v1/bots/{bot_id}/recording")) == 1


def test_a_webhook_without_a_valid_signature_is_refused(notetaker):
    body = {"idempotency_key": "k", "bot_id": "bot_x", "bot_metadata": None, "trigger": "bot.state_change", "data": {}}
    response = requests.post(
        f"{notetaker.url}/attendee/webhook", json=body, headers={"X-Webhook-Signature": "bm90IGEgc2lnbmF0dXJl"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}


# -- calendar-driven: a bot for every meeting of the user's calendar -----------------------------------------


def hours_later(project, hours):
    from datetime import datetime, timedelta

    now = datetime.fromisoformat(project.clock()["now"].replace("Z", "+00:00")).replace(microsecond=0)
    return (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def bots_by_event(project, calendar_id):
    events = attendee_get(project, f"/calendar_events?calendar_id={calendar_id}")["results"]
    return {event["platform_uuid"]: [bot["id"] for bot in event["bots"]] for event in events}


def test_a_connected_calendar_gets_a_bot_for_each_meeting_and_attendee_keeps_them_in_step(notetaker):
    project = notetaker.project
    credentials = {"platform": "google", "client_id": "cid", "client_secret": "secret", "refresh_token": "token",
                   "user": "ada"}
    response = requests.post(f"{notetaker.url}/calendars", json=credentials, timeout=10)
    assert response.status_code == 201, response.text
    calendar_id = response.json()["calendar_id"]
    start = hours_later(project, 4)
    # The user's calendar, as Google has it (the sandbox's stand-in for Google), then synced
    project.add_remote_event(calendar_id, "standup", name="Standup", start_time=start,
                             end_time=hours_later(project, 5), meeting_url=MEETING_URL)
    project.add_remote_event(calendar_id, "zoom-call", name="Customer call", start_time=hours_later(project, 30),
                             end_time=hours_later(project, 31), location="https://us02web.zoom.us/j/81234567890")
    project.add_remote_event(calendar_id, "lunch", name="Lunch", start_time=hours_later(project, 6),
                             end_time=hours_later(project, 7), location="Cafeteria")
    project.sync(calendar_id)  # calendar.events_update -> the Notetaker schedules its bots

    scheduled = wait_until(lambda: (found := bots_by_event(project, calendar_id))["standup"] and found["zoom-call"] and found)
    assert scheduled["lunch"] == []  # no meeting link, no bot
    [standup_bot] = scheduled["standup"]
    bot = attendee_get(project, f"/bots/{standup_bot}")
    assert (bot["state"], bot["join_at"], bot["meeting_url"]) == ("scheduled", start, MEETING_URL)

    # The standup moves: Attendee re-plans the bot (no new bot); cancelled, the bot is deleted
    moved = hours_later(project, 8)
    project.add_remote_event(calendar_id, "standup", name="Standup", start_time=moved,
                             end_time=hours_later(project, 9), meeting_url=MEETING_URL, sync=True)
    assert wait_until(lambda: attendee_get(project, f"/bots/{standup_bot}")["join_at"] == moved)
    project.cancel_remote_event(calendar_id, "standup", sync=True)
    gone = requests.get(f"{project.api_url}/bots/{standup_bot}", headers=project.headers, timeout=10)
    assert gone.status_code == 404
    # A new meeting gets its bot from the next webhook
    project.add_remote_event(calendar_id, "retro", name="Retro", start_time=hours_later(project, 50),
                             end_time=hours_later(project, 51), meeting_url="https://meet.google.com/xyz-abcd-efg",
                             sync=True)
    assert wait_until(lambda: bots_by_event(project, calendar_id)["retro"])
    assert len(project.deliveries(calendar_id=calendar_id, trigger="calendar.events_update")) == 4  # one per sync that changed events
