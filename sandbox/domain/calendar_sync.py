"""The sync engine: what one successful calendar sync does to the stored events
(docs/contract/calendars.md#sync-algorithm,
docs/contract/calendars.md#sync-algorithm), as pure code over documents.

`sync_events(...)` takes the calendar, its remote calendar, its stored events and the time, and returns a
`SyncResult`: the events to create, those updated and those marked deleted, in the order the real
`CalendarSyncHandler.sync_events` handles them (vanished events first, then the listing's events). The
caller saves them, syncs the linked bots of the updated and deleted ones, writes the sync fields and
sends the webhook (`sandbox.usecases.calendars`).

The provider's JSON is mapped with the real handlers' field mappings (`google_event_data`,
`microsoft_event_data`), so `raw`, `meeting_url`, times and attendees come out as the real server stores
them; `extract_meeting_url_from_text` is the real server's URL search.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.contract.meeting_urls import InvalidMeetingUrl, classify_meeting_url
from sandbox.domain import remote_calendar

WINDOW_BEFORE = timedelta(days=1)  # the window starts a day back (docs/contract/calendars.md#sync-algorithm step 2)
RAW_TEXT_LIMIT = 8000  # Google's description and summary, Graph's body.content, are cut to this in `raw`

# `https?://` runs end at whitespace, `<`, `>`, `"` and `'`; their trailing `).,;]}>` characters go.
_URL_RUN = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ").,;]}>"


def extract_meeting_url_from_text(text):
    """The first `http(s)://` run of `text` the meeting URL normalizer accepts as Zoom, Meet or Teams, as
    found (not normalized), or None."""
    if not text or not isinstance(text, str):
        return None
    for match in _URL_RUN.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        try:
            classify_meeting_url(url)
        except (InvalidMeetingUrl, TypeError):
            continue
        return url
    return None


def _first_url(*texts):
    for text in texts:
        url = extract_meeting_url_from_text(text)
        if url:
            return url
    return None


# -- the field mappings (`_remote_event_to_calendar_event_data`) -------------------------------------------


def _aware(moment, tz_name):
    if moment.tzinfo is None:
        try:
            tz = remote_calendar.zone(tz_name) if tz_name else timezone.utc
        except ValueError:
            tz = timezone.utc
        moment = moment.replace(tzinfo=tz)
    return moment


def _google_time(value):
    """Google's `start`/`end`: `dateTime` (a floating one gets `timeZone`), or `date`: midnight in
    `timeZone`, else UTC."""
    tz_name = value.get("timeZone") or "UTC"
    if "dateTime" in value:
        return _aware(datetime.fromisoformat(value["dateTime"]), tz_name)
    day = date.fromisoformat(value["date"])
    return _aware(datetime.combine(day, time()), tz_name)


def _graph_time(value):
    """Graph's `dateTimeTimeZone`: `timeZone` applies when the text has no offset (fractions past six
    digits are cut)."""
    return _aware(datetime.fromisoformat(value["dateTime"]), value.get("timeZone"))


def google_event_data(event):
    """`GoogleCalendarSyncHandler._remote_event_to_calendar_event_data`."""
    conference_url = None
    for entry_point in (event.get("conferenceData") or {}).get("entryPoints", []):
        if entry_point.get("entryPointType") == "video":
            conference_url = entry_point.get("uri")
            break
    raw = dict(event)
    for key in ("description", "summary"):
        if raw.get(key):
            raw[key] = raw[key][:RAW_TEXT_LIMIT]
    return {
        "platform_uuid": event["id"],
        "meeting_url": _first_url(
            conference_url,
            event.get("hangoutLink"),
            event.get("location"),
            event.get("description"),
            event.get("summary"),
        ),
        "name": event.get("summary"),
        "start_time": _google_time(event["start"]),
        "end_time": _google_time(event["end"]),
        "attendees": [{"email": a.get("email"), "name": a.get("displayName")} for a in event.get("attendees", [])],
        "raw": raw,
        "is_deleted": event.get("status") == "cancelled",
        "ical_uid": event.get("iCalUID"),
    }


def microsoft_event_data(event):
    """`MicrosoftCalendarSyncHandler._remote_event_to_calendar_event_data`."""
    raw = copy.deepcopy(event)
    if (raw.get("body") or {}).get("content"):
        raw["body"]["content"] = raw["body"]["content"][:RAW_TEXT_LIMIT]
    attendees = []
    for attendee in event.get("attendees") or []:
        address = attendee.get("emailAddress") or {}
        attendees.append({"email": address.get("address"), "name": address.get("name")})
    return {
        "platform_uuid": event.get("id"),
        "meeting_url": _first_url(
            (event.get("onlineMeeting") or {}).get("joinUrl"),
            event.get("onlineMeetingUrl"),
            event.get("subject", ""),
            (event.get("body") or {}).get("content", ""),
        ),
        "name": event.get("subject"),
        "start_time": _graph_time(event.get("start") or {}),
        "end_time": _graph_time(event.get("end") or {}),
        "attendees": attendees,
        "raw": raw,
        "is_deleted": bool(event.get("isCancelled")),
        "ical_uid": event.get("iCalUId"),
    }


EVENT_DATA = {"google": google_event_data, "microsoft": microsoft_event_data}
#: The fields an update overwrites (every field of the mapping but the key).
UPDATED_FIELDS = ("meeting_url", "name", "start_time", "end_time", "attendees", "raw", "is_deleted", "ical_uid")


def _stored(data):
    """The mapping's values as the event document keeps them (datetimes in stored form)."""
    return {
        **data,
        "start_time": to_stored(data["start_time"]),
        "end_time": to_stored(data["end_time"]),
    }


# -- one sync ---------------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    window_start: datetime
    window_end: datetime
    created: list = field(default_factory=list)  # new event documents
    updated: list = field(default_factory=list)  # changed event documents (listing order)
    deleted: list = field(default_factory=list)  # events that vanished (a 404 by id): marked deleted
    listed: int = 0  # events the provider returned (after the fetches by id)

    @property
    def changed(self):
        """Whether the sync created, updated or marked deleted any event (then one webhook fires)."""
        return bool(self.created or self.updated or self.deleted)


def sync_window(now, window_days):
    return now - WINDOW_BEFORE, now + timedelta(days=window_days)


def sync_events(calendar, remote, local_events, *, now, window_days, new_id):
    """One successful sync of `calendar` at `now` (docs/contract/calendars.md#sync-algorithm steps 2-5.2). `local_events`: the calendar's
    stored events (documents, changed in place); `new_id()` makes an `evt_` id. Returns a SyncResult."""
    platform = calendar["platform"]
    window_start, window_end = sync_window(now, window_days)
    anchor = remote_calendar.anchor_of(remote, now)
    listing = remote_calendar.list_events(platform, remote, window_start, window_end, anchor)
    listed_ids = {item["id"] for item in listing}
    result = SyncResult(window_start, window_end)
    stamp = to_stored(now)
    by_uuid = {event["platform_uuid"]: event for event in local_events}

    # step 5.1: local events that are not deleted, start inside the window and were not listed: fetch each.
    for event in local_events:
        if event["is_deleted"] or event["platform_uuid"] in listed_ids:
            continue
        if not window_start <= parse_stored_datetime(event["start_time"]) < window_end:
            continue
        found = remote_calendar.fetch_event(platform, remote, event["platform_uuid"], anchor)
        if found is None:  # 404: marked deleted, its last known data kept
            event["is_deleted"] = True
            event["updated_at"] = stamp
            result.deleted.append(event)
        else:  # moved out of the window, say: treated as listed
            listing.append(found)
    result.listed = len(listing)

    # step 5.2: upsert every listed event on (calendar, platform_uuid), comparing raw and the extracted URL.
    for item in listing:
        data = _stored(EVENT_DATA[platform](item))
        existing = by_uuid.get(data["platform_uuid"])
        if existing is None:
            event = {
                "id": new_id(),
                "project_id": calendar["project_id"],
                "calendar_id": calendar["id"],
                **data,
                "created_at": stamp,
                "updated_at": stamp,
            }
            by_uuid[event["platform_uuid"]] = event
            result.created.append(event)
        elif existing["raw"] == data["raw"] and existing["meeting_url"] == data["meeting_url"]:
            continue
        else:
            for name in UPDATED_FIELDS:
                existing[name] = data[name]
            existing["updated_at"] = stamp
            result.updated.append(existing)
    return result
