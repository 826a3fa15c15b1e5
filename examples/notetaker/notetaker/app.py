"""The Notetaker web app: `POST /meetings` sends a bot to a meeting, `POST /calendars` connects a user's
calendar, `POST /attendee/webhook` receives Attendee's webhooks (a project webhook for `bot.state_change` and
`calendar.events_update`, set up in Attendee's dashboard).

Each time a connected calendar's events change (`calendar.events_update`), every upcoming event with a meeting
link that has no bot yet gets one (`POST /bots` with `calendar_event_id`); Attendee moves it with the event
and deletes it if the event is cancelled.

When a bot's post-processing completes, the recording is downloaded and the transcript saved next to it:
`<NOTES_DIR>/<bot_id>.mp4` and `<NOTES_DIR>/<bot_id>.md`. A bot that ends in `fatal_error` gets a
`<bot_id>.md` saying why. Each delivery is handled once, by its idempotency key (Attendee retries a
delivery that did not get a 2xx, with the same key).

Configuration (`app.config`): `ATTENDEE_BASE_URL` (https://app.attendee.dev), `ATTENDEE_API_KEY`,
`ATTENDEE_WEBHOOK_SECRET`, `NOTES_DIR`.
"""

import threading
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, request

from notetaker.attendee import AttendeeClient, verify_signature


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(ATTENDEE_BASE_URL="https://app.attendee.dev", NOTES_DIR="notes")
    app.config.update(config or {})
    handled = set()
    lock = threading.Lock()

    @app.post("/meetings")
    def start_meeting():
        meeting_url = (request.get_json(silent=True) or {}).get("meeting_url")
        if not meeting_url:
            return jsonify(error="meeting_url is required"), 400
        bot = attendee().create_bot(meeting_url, bot_name="Notetaker", metadata={"source": "notetaker"})
        return jsonify(bot_id=bot["id"], state=bot["state"]), 201

    @app.post("/calendars")
    def connect_calendar():
        body = request.get_json(silent=True) or {}
        fields = ("platform", "client_id", "client_secret", "refresh_token")
        if any(not body.get(name) for name in fields):
            return jsonify(error=f"{', '.join(fields)} are required"), 400
        calendar = attendee().connect_calendar(*(body[name] for name in fields), body.get("user"))
        schedule_bots(attendee(), calendar["id"])  # events already synced, if any
        return jsonify(calendar_id=calendar["id"], state=calendar["state"]), 201

    @app.post("/attendee/webhook")
    def attendee_webhook():
        payload = request.get_json(silent=True)
        signature = request.headers.get("X-Webhook-Signature")
        if payload is None or not verify_signature(payload, signature, current_app.config["ATTENDEE_WEBHOOK_SECRET"]):
            return jsonify(error="invalid signature"), 401
        with lock:
            if payload["idempotency_key"] in handled:
                return jsonify(ok=True, duplicate=True)
        if payload["trigger"] == "calendar.events_update":
            schedule_bots(attendee(), payload["calendar_id"])
        elif payload["trigger"] == "bot.state_change":
            data = payload["data"]
            if data["event_type"] == "post_processing_completed":
                save_meeting(attendee(), payload["bot_id"], notes_dir())
            elif data["new_state"] == "fatal_error":
                save_failure(payload["bot_id"], data, notes_dir())
        with lock:
            handled.add(payload["idempotency_key"])  # only once handled: a failed one is retried
        return jsonify(ok=True)

    return app


def attendee():
    return AttendeeClient(current_app.config["ATTENDEE_BASE_URL"], current_app.config["ATTENDEE_API_KEY"])


def notes_dir():
    path = Path(current_app.config["NOTES_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def schedule_bots(client, calendar_id):
    """A bot for every event of the calendar with a meeting link that has none yet (deleted events skipped)."""
    for event in client.calendar_events(calendar_id):
        if event["meeting_url"] and not event["is_deleted"] and not event["bots"]:
            client.create_bot_for_event(event["id"])


def save_meeting(client, bot_id, notes):
    """Download the recording and write the transcript as Markdown."""
    recording = client.get_recording(bot_id)
    suffix = Path(urlsplit(recording["url"]).path).suffix or ".mp4"
    client.download(recording["url"], notes / f"{bot_id}{suffix}")
    lines = [f"# Meeting notes ({bot_id})", ""]
    for utterance in client.get_transcript(bot_id):
        speaker = utterance["speaker_name"] or utterance["speaker_uuid"]
        lines.append(f"**{speaker}:** {utterance['transcription']['transcript']}")
    (notes / f"{bot_id}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def save_failure(bot_id, data, notes):
    reason = data["event_type"] + (f"/{data['event_sub_type']}" if data.get("event_sub_type") else "")
    text = f"# Meeting notes ({bot_id})\n\nThe bot could not record this meeting: {reason}.\n"
    (notes / f"{bot_id}.md").write_text(text, encoding="utf-8")
