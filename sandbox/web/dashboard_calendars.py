"""The dashboard's calendars page (`/sandbox/ui/calendars`): a project's calendars with their events and the bots
made from them, the buttons that stand in for the provider (sync now, disconnect, reconnect), and the project's
Zoom OAuth app and connections.

A part of the dashboard blueprint (`register`), in the dashboard's style: server-rendered, live regions refreshed
from `GET /sandbox/ui/partials/calendars`, forms that work without the script. Every read and action goes
through the same use cases as `GET /api/v1/calendars`, `/calendar_events`, `/zoom_oauth_connections` and the
control hooks `POST /sandbox/calendars/{id}/sync|disconnect|reconnect`, so what a button does is what the API
call does (the same syncs, bot changes and webhooks).
"""

from flask import Response, render_template, url_for

from sandbox.contract import responses as shapes
from sandbox.contract.errors import AttendeeError
from sandbox.contract.meeting_urls import InvalidMeetingUrl, classify_meeting_url
from sandbox.usecases import calendars, zoom_oauth
from sandbox.web import dashboard as page
from sandbox.web.pipeline import sandbox

CALENDAR_TONES = {"connected": "live", "disconnected": "error"}
CONNECTION_TONES = {"connected": "live", "disconnected": "error"}
# The provider stand-in's buttons: the form action's last segment -> (label, the control hook's use case).
CALENDAR_ACTIONS = {
    "sync": ("Sync now", calendars.sync_now),
    "disconnect": ("Disconnect", calendars.disconnect),
    "reconnect": ("Reconnect", calendars.reconnect),
}


def register(bp):
    """Add the calendars page, its live fragment and its buttons to the dashboard blueprint."""
    bp.add_url_rule("/calendars", endpoint="calendars", view_func=calendars_page, methods=["GET"])
    bp.add_url_rule("/partials/calendars", endpoint="calendars_partial", view_func=calendars_partial, methods=["GET"])
    bp.add_url_rule(
        "/calendars/<calendar_id>/<action>", endpoint="calendar_action", view_func=calendar_action, methods=["POST"]
    )


def calendars_page():
    project = page._require_project()
    return render_template("dashboard_calendars.html", **calendars_context(project), **page._page_context(project))


def calendars_partial():
    project = page._require_project()
    return render_template("dashboard_calendars_live.html", **calendars_context(project), **page._clock_context(project))


def calendar_action(calendar_id, action):
    project = page._require_project()
    back = url_for(".calendars")
    if action not in CALENDAR_ACTIONS:
        return Response("Not found", 404, mimetype="text/plain")
    label, use_case = CALENDAR_ACTIONS[action]
    try:
        report = use_case(sandbox(), project, calendar_id)
    except AttendeeError as error:
        return page._failed(error, back)
    return page._done(f"{label}: {sync_summary(report)}", back)


def sync_summary(report):
    """One line saying what a sync did: its outcome, the events and bots it changed, the calendar's state."""
    parts = [report["outcome"]]
    for key, word in (("created", "created"), ("updated", "updated"), ("deleted", "deleted")):
        if report.get(key):
            parts.append(f"{len(report[key])} {word}")
    for key, word in (("bots_patched", "bots re-planned"), ("bots_deleted", "bots deleted")):
        if report.get(key):
            parts.append(f"{len(report[key])} {word}")
    if report.get("error"):
        parts.append(report["error"])
    return f"{', '.join(parts)} (calendar {report['state']})"


def calendars_context(project):
    """The project's calendars (newest first), each with its events (by start time, deleted ones flagged) and
    their bots; the Zoom OAuth app and connections. Read through the API's use cases (due syncs run first)."""
    sb = sandbox()
    listed = calendars.list_calendars(sb, project)
    events = calendars.list_calendar_events(sb, project, ordering="start_time")
    by_calendar = {}
    for event in events:
        by_calendar.setdefault(event["calendar_id"], []).append(event_summary(event))
    items = []
    for calendar in listed:
        shown = shapes.CALENDAR.dump(calendar)
        items.append({
            **shown,
            "tone": CALENDAR_TONES.get(shown["state"], "idle"),
            "events": by_calendar.get(shown["id"], []),
            "actions": {name: label for name, (label, _) in CALENDAR_ACTIONS.items()},
        })
    with sb.store.lock:
        app = zoom_oauth.project_app(sb, project)
    app = shapes.ZOOM_OAUTH_APP.dump(app) if app else None
    connections = [
        {**shapes.ZOOM_OAUTH_CONNECTION.dump(doc), "tone": CONNECTION_TONES.get(doc["state"], "idle")}
        for doc in zoom_oauth.list_connections(sb, project)
    ]
    return {"calendars": items, "zoom_oauth_app": app, "zoom_oauth_connections": connections}


def event_summary(event):
    shown = shapes.CALENDAR_EVENT.dump(event)
    return {
        **shown,
        "platform": page.PLATFORM_NAMES.get(_platform(shown["meeting_url"]), ""),
        "bots": [page.bot_summary(bot) for bot in event["bots"]],
    }


def _platform(meeting_url):
    if not meeting_url:
        return None
    try:
        return classify_meeting_url(meeting_url)[0]
    except InvalidMeetingUrl:  # a link the bots API would refuse: shown without a platform
        return None


def openapi_paths(page_op, action_op, path_param):
    """The calendars page's routes in the OpenAPI document, built with the dashboard's own helpers."""
    calendar = path_param("calendar_id", "The calendar's id.")
    action = path_param("action", "sync, disconnect or reconnect.")
    return {
        "/sandbox/ui/calendars": {
            "get": page_op(
                "dashboard_calendars",
                "The project's calendars with their events and linked bots, and its Zoom OAuth connections",
            )
        },
        "/sandbox/ui/partials/calendars": {
            "get": page_op("dashboard_calendars_fragment", "The live regions of the calendars page (HTML)",
                           status_codes=("200", "401"))
        },
        "/sandbox/ui/calendars/{calendar_id}/{action}": {
            "post": action_op(
                "dashboard_calendar_action",
                "Sync a calendar now, disconnect or reconnect it (POST /sandbox/calendars/{id}/sync|disconnect|reconnect)",
                {},
                [calendar, action],
            )
        },
    }
