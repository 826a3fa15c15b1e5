"""The remote calendar: the sandbox's stand-in for a user's Google or Microsoft calendar
(docs/contract/calendars.md#calendar-simulation,
docs/contract/calendars.md#calendar-simulation).

One document per calendar in the `remote_calendars` table (same id as the calendar). It holds:

* `events`: the remote events, in the order they were first put, each
  `{platform_uuid, name, start_time, end_time | all_day_date, time_zone, meeting_url, location, description,
  attendees, ical_uid, cancelled, raw}`; fixture events may give their times relative to `anchor`
  (`starts_in_minutes` and `duration_minutes`, or `all_day_in_days`), resolved from the first sync on;
* `failures`: the next syncs' injected failure `{kind, error, remaining}` (or None);
* `token_revoked`: the refresh token is refused (a calendar created or PATCHed with `sbx-invalid`).

What the real handlers receive from the providers is built here as the provider's own JSON
(`provider_event`: a Google Calendar event, or a Microsoft Graph event as `calendarView` returns it with
`Prefer: outlook.timezone="UTC"`), so the sync engine (`sandbox.domain.calendar_sync`) maps it with the
real handlers' field mappings. Listing follows the providers' window rule (events overlapping
[start, end)); a cancelled event is listed as cancelled; a removed event is gone from the listing and
fetching it by id is a 404.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone

from sandbox.contract import messages as msg
from sandbox.contract.datetimes import format_api_datetime, parse_stored_datetime, to_stored
from sandbox.contract.errors import SandboxInputError
from sandbox.contract.meeting_urls import GOOGLE_MEET, TEAMS, InvalidMeetingUrl, classify_meeting_url
from sandbox.contract.requests import providers
from sandbox.contract.requests.providers import FAILURE_KINDS, PLATFORM_UUID_MAX_LENGTH, zone  # noqa: F401

REMOTE_CALENDARS = "remote_calendars"
#: A calendar created (or PATCHed) with this refresh token is refused by the "provider" at its next sync.
INVALID_REFRESH_TOKEN = "sbx-invalid"

#: What the providers' token endpoints answer to a revoked refresh token (the Google one observed on the
#: wire); the sync's error text is `<Platform> Authentication error: <repr of this>`
# (docs/contract/calendars.md#calendar-auth-errors).
REVOKED_TOKEN_RESPONSES = {
    "google": {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    "microsoft": {
        "error": "invalid_grant",
        "error_description": "AADSTS70000: The provided value for the input parameter 'refresh_token' is not valid.",
    },
}
PLATFORM_NAMES = {"google": "Google", "microsoft": "Microsoft"}
GRAPH_ICAL_UID_PREFIX = "040000008200E00074C5B7101A82E008"  # how Outlook's iCalUIds begin

# The keys the sandbox writes into a provider event: a remote event's free-form `raw` may add others.
GOOGLE_KEYS = (
    "kind", "id", "status", "summary", "description", "location", "start", "end", "iCalUID", "attendees",
    "hangoutLink", "conferenceData",
)  # fmt: skip
MICROSOFT_KEYS = (
    "id", "subject", "body", "start", "end", "isAllDay", "location", "attendees", "iCalUId", "isCancelled",
    "isOnlineMeeting", "onlineMeetingProvider", "onlineMeeting", "onlineMeetingUrl",
)  # fmt: skip
PROVIDER_KEYS = {"google": GOOGLE_KEYS, "microsoft": MICROSOFT_KEYS}

def new_remote_calendar(calendar):
    return {
        "id": calendar["id"],
        "project_id": calendar["project_id"],
        "events": [],
        "failures": None,
        "token_revoked": calendar.get("refresh_token") == INVALID_REFRESH_TOKEN,
        "anchor": None,
    }


def credentials_changed(remote, refresh_token):
    """A PATCH gave a new refresh token: the provider judges it at the next sync."""
    remote["token_revoked"] = refresh_token == INVALID_REFRESH_TOKEN


def auth_error_text(platform):
    """The sync's error for a revoked token: `Google Authentication error: {'error': 'invalid_grant', ...}`."""
    return msg.CALENDAR_AUTHENTICATION_ERROR.format(
        platform=PLATFORM_NAMES[platform], response=REVOKED_TOKEN_RESPONSES[platform]
    )


# -- the remote events -----------------------------------------------------------------------------------


def find_event(remote, platform_uuid):
    return next((event for event in remote["events"] if event["platform_uuid"] == platform_uuid), None)


def put_event(remote, platform_uuid, values):
    """The remote calendar now has this event (`values` already validated); returns (event, created)."""
    event = {"platform_uuid": platform_uuid, "cancelled": False, **values}
    for index, existing in enumerate(remote["events"]):
        if existing["platform_uuid"] == platform_uuid:
            remote["events"][index] = event
            return event, False
    remote["events"].append(event)
    return event, True


def cancel_event(remote, platform_uuid):
    """The event is listed as cancelled (Google `status: cancelled`, Graph `isCancelled: true`)."""
    event = find_event(remote, platform_uuid)
    if event is not None:
        event["cancelled"] = True
    return event


def remove_event(remote, platform_uuid):
    """The event is gone: left out of the listing, and fetching it by id answers 404."""
    before = len(remote["events"])
    remote["events"] = [event for event in remote["events"] if event["platform_uuid"] != platform_uuid]
    return len(remote["events"]) < before


def take_failure(remote):
    """The injected failure the next sync meets (`{kind, error}`), using one of its times; or None."""
    failures = remote.get("failures")
    if not failures:
        return None
    failures["remaining"] -= 1
    if failures["remaining"] <= 0:
        remote["failures"] = None
    return {"kind": failures["kind"], "error": failures.get("error")}


def anchor_of(remote, now):
    """The moment fixture events' relative times count from: the first sync's minute (set once), so that
    they fall on whole minutes as calendar events do."""
    if not remote.get("anchor"):
        remote["anchor"] = to_stored(now.replace(second=0, microsecond=0))
    return parse_stored_datetime(remote["anchor"])


# -- times ---------------------------------------------------------------------------------------------------


def _all_day_date(event, anchor):
    if event.get("all_day_date"):
        return date.fromisoformat(event["all_day_date"])
    if event.get("all_day_in_days") is not None:
        local_anchor = anchor.astimezone(zone(event.get("time_zone")))
        return local_anchor.date() + timedelta(days=event["all_day_in_days"])
    return None


def event_span(event, anchor):
    """`(kind, start, end)`: kind `date` (start and end are dates; end is the next day) or `datetime`
    (aware)."""
    day = _all_day_date(event, anchor)
    if day is not None:
        return "date", day, day + timedelta(days=1)
    if event.get("start_time"):
        return "datetime", parse_stored_datetime(event["start_time"]), parse_stored_datetime(event["end_time"])
    start = anchor + timedelta(minutes=event["starts_in_minutes"])
    return "datetime", start, start + timedelta(minutes=event.get("duration_minutes", 30))


def event_interval(event, anchor):
    """The event's [start, end) in UTC (an all-day event: midnight to midnight in its time zone)."""
    kind, start, end = event_span(event, anchor)
    if kind == "date":
        tz = zone(event.get("time_zone"))
        start = datetime.combine(start, time(), tzinfo=tz)
        end = datetime.combine(end, time(), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


# -- what the providers answer --------------------------------------------------------------------------------


def _platform_of_url(text):
    try:
        return classify_meeting_url(text)[0] if text else None
    except (InvalidMeetingUrl, TypeError):
        return None


def _google_time(kind, value, tz_name):
    if kind == "date":
        out = {"date": value.isoformat()}
        if tz_name:
            out["timeZone"] = tz_name
        return out
    if tz_name:
        return {"dateTime": value.astimezone(zone(tz_name)).isoformat(), "timeZone": tz_name}
    return {"dateTime": value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"), "timeZone": "UTC"}


def _graph_time(moment):
    """Graph's `dateTimeTimeZone` in UTC (`Prefer: outlook.timezone="UTC"`): seven fraction digits."""
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return {"dateTime": naive.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0", "timeZone": "UTC"}


def _stable_hex(text, length):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length].upper()


def google_event(event, anchor):
    """The event as Google Calendar's `events.list` (singleEvents, showDeleted) returns it."""
    kind, start, end = event_span(event, anchor)
    tz_name = event.get("time_zone")
    out = {"kind": "calendar#event", "id": event["platform_uuid"]}
    out["status"] = "cancelled" if event.get("cancelled") else "confirmed"
    for key, source in (("summary", "name"), ("description", "description"), ("location", "location")):
        if event.get(source) is not None:
            out[key] = event[source]
    out["start"] = _google_time(kind, start, tz_name)
    out["end"] = _google_time(kind, end, tz_name)
    out["iCalUID"] = event.get("ical_uid") or f"{event['platform_uuid']}@google.com"
    if event.get("attendees"):
        out["attendees"] = [_google_attendee(attendee) for attendee in event["attendees"]]
    url = event.get("meeting_url")
    if url:
        if _platform_of_url(url) == GOOGLE_MEET:
            out["hangoutLink"] = url
        out["conferenceData"] = {"entryPoints": [{"entryPointType": "video", "uri": url}]}
    out.update(event.get("raw") or {})
    return out


def _google_attendee(attendee):
    out = {}
    if attendee.get("email") is not None:
        out["email"] = attendee["email"]
    if attendee.get("name") is not None:
        out["displayName"] = attendee["name"]
    return out


def microsoft_event(event, anchor):
    """The event as Microsoft Graph's `calendarView` returns it (the real handler's `$select` fields).

    Graph finds no meeting URL in `location`: the real mapping reads the online meeting, the subject and
    the body only."""
    start, end = event_interval(event, anchor)
    url = event.get("meeting_url")
    out = {
        "id": event["platform_uuid"],
        "subject": event.get("name"),
        "body": {"contentType": "html", "content": event.get("description") or ""},
        "start": _graph_time(start),
        "end": _graph_time(end),
        "isAllDay": event_span(event, anchor)[0] == "date",
        "location": {"displayName": event.get("location") or ""},
        "attendees": [
            {"type": "required", "emailAddress": {"name": attendee.get("name"), "address": attendee.get("email")}}
            for attendee in event.get("attendees") or []
        ],
        "iCalUId": event.get("ical_uid") or GRAPH_ICAL_UID_PREFIX + _stable_hex(event["platform_uuid"], 40),
        "isCancelled": bool(event.get("cancelled")),
        "isOnlineMeeting": bool(url),
        "onlineMeetingProvider": "teamsForBusiness" if _platform_of_url(url) == TEAMS else "unknown",
        "onlineMeeting": {"joinUrl": url} if url else None,
        "onlineMeetingUrl": None,
    }
    out.update(event.get("raw") or {})
    return out


PROVIDER_EVENT = {"google": google_event, "microsoft": microsoft_event}


def provider_event(platform, event, anchor):
    return PROVIDER_EVENT[platform](event, anchor)


def list_events(platform, remote, window_start, window_end, anchor):
    """The provider's listing for the window: events overlapping it, cancelled ones included."""
    listed = []
    for event in remote["events"]:
        start, end = event_interval(event, anchor)
        if end > window_start and start < window_end:
            listed.append(provider_event(platform, event, anchor))
    return listed


def fetch_event(platform, remote, platform_uuid, anchor):
    """The provider's answer to fetching one event by id: its JSON, or None for a 404."""
    event = find_event(remote, platform_uuid)
    return None if event is None else provider_event(platform, event, anchor)


def public_remote_event(event, anchor):
    """A remote event as the control plane shows it: its fields, then its resolved times (`Z` form).
    `anchor`: what relative fixture times count from (`remote_anchor`)."""
    out = dict(event)
    start, end = event_interval(event, anchor)
    out["starts_at"] = format_api_datetime(start)
    out["ends_at"] = format_api_datetime(end)
    return out


def remote_anchor(remote, now):
    """The anchor relative times count from, without setting it (before the first sync: `now`)."""
    return parse_stored_datetime(remote["anchor"]) if remote.get("anchor") else now


# -- what the control plane and the fixtures may put -------------------------------------------------------------


def check_raw_keys(raw, platform):
    """A remote event's free-form `raw` may add keys to the provider's event, not replace those the sandbox
    writes from the other fields."""
    taken = [key for key in raw or {} if key in PROVIDER_KEYS[platform]]
    if taken:
        raise SandboxInputError(
            f"raw: {', '.join(taken)} are written by the sandbox from the other fields; raw may add other keys"
        )


def check_remote_event(body, platform, *, relative=False):
    """A remote event for a calendar of `platform`: its fields (`sandbox.contract.requests.providers`), then
    its `raw` keys."""
    values = providers.check_remote_event(body, relative=relative)
    check_raw_keys(values["raw"], platform)
    return values
