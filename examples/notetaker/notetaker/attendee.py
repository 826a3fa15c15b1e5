"""A small client of the Attendee API (https://docs.attendee.dev), with `requests`, as integrations write one.

Nothing here knows about the sandbox: point `base_url` at https://app.attendee.dev and use a real API key,
and it works the same.
"""

import base64
import hashlib
import hmac
import json

import requests


class AttendeeClient:
    def __init__(self, base_url, api_key, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {api_key}"

    def _url(self, path):
        return f"{self.base_url}/api/v1{path}"

    def create_bot(self, meeting_url, bot_name="Notetaker", metadata=None):
        body = {"meeting_url": meeting_url, "bot_name": bot_name}
        if metadata:
            body["metadata"] = metadata
        response = self.session.post(self._url("/bots"), json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def get_bot(self, bot_id):
        response = self.session.get(self._url(f"/bots/{bot_id}"), timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def get_recording(self, bot_id):
        """`{"url": <short-lived signed URL>, "start_timestamp_ms": ...}`."""
        response = self.session.get(self._url(f"/bots/{bot_id}/recording"), timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def get_transcript(self, bot_id):
        """A list of utterances: `speaker_name`, `timestamp_ms`, `duration_ms`, `transcription.transcript`..."""
        response = self.session.get(self._url(f"/bots/{bot_id}/transcript"), timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def connect_calendar(self, platform, client_id, client_secret, refresh_token, deduplication_key=None):
        """`POST /calendars`: connect a user's Google or Microsoft calendar (its OAuth credentials)."""
        body = {"platform": platform, "client_id": client_id, "client_secret": client_secret,
                "refresh_token": refresh_token}
        if deduplication_key:
            body["deduplication_key"] = deduplication_key
        response = self.session.post(self._url("/calendars"), json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def calendar_events(self, calendar_id):
        """Every event of the calendar (`GET /calendar_events`, all pages), each with the bots made from it."""
        events, url = [], self._url(f"/calendar_events?calendar_id={calendar_id}")
        while url:
            response = self.session.get(url, timeout=self.timeout)
            response.raise_for_status()
            page = response.json()
            events.extend(page["results"])
            url = page["next"]
        return events

    def create_bot_for_event(self, calendar_event_id, bot_name="Notetaker"):
        """`POST /bots` with `calendar_event_id`: a bot scheduled at the event's start, moved with it."""
        body = {"calendar_event_id": calendar_event_id, "bot_name": bot_name}
        response = self.session.post(self._url("/bots"), json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def download(self, url, path):
        """Download a signed recording URL. It carries its own credentials: no Authorization header."""
        with requests.get(url, stream=True, timeout=self.timeout) as response:
            response.raise_for_status()
            with open(path, "wb") as out:
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    out.write(chunk)
        return path


def verify_signature(payload, signature, secret):
    """Attendee signs the JSON payload re-serialized with sorted keys and no spaces, with HMAC-SHA256 and the
    base64-decoded webhook secret; the signature is base64 in the `X-Webhook-Signature` header."""
    if not signature:
        return False
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = hmac.new(base64.b64decode(secret), canonical, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), signature)
