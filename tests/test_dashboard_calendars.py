"""The dashboard's calendars page (`/sandbox/ui/calendars`): the bundled calendar, its events and the bots made
from them, the provider buttons (sync now, disconnect, reconnect) doing what the control hooks do, and the
project's Zoom OAuth app and connections. (tests/test_dashboard_browser.py drives it in Chromium.)"""

import json

from tests.conftest import AUTH, SECOND_KEY
from tests.test_dashboard import JSON, UI, Elements, page, sign_in, ui  # noqa: F401 - the `ui` fixture

CALENDAR = "cal_sbx0DefaultCal01"
CALENDARS = f"{UI}/calendars"


def bundled_events(client):
    listed = client.get("/api/v1/calendar_events?ordering=start_time", headers=AUTH).json["results"]
    return {event["platform_uuid"]: event for event in listed}


def bot_from(client, event):
    body = {"calendar_event_id": event["id"], "bot_name": "Notetaker"}
    response = client.post("/api/v1/bots", data=json.dumps(body), headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 201, response.json
    return response.json


def test_the_page_shows_the_bundled_calendar_its_events_and_the_zoom_oauth_app(ui):
    html = page(ui.get(CALENDARS))
    [article] = html.find("article", data_calendar_id=CALENDAR)
    assert [a["data-event-id"] for a in html.find("tr") if "data-event-id" in a] == [
        event["id"] for event in bundled_events(ui).values()
    ]
    text = " ".join(html.text)
    for shown in ("Weekly sync", "Google Meet", "Customer call", "Zoom", "Team lunch", "no link", "connected",
                  "zoa_sbx0Default00001", "sandbox-zoom-client-id"):
        assert shown in text
    for action in ("sync", "disconnect", "reconnect"):
        assert html.find("form", action=f"{CALENDARS}/{CALENDAR}/{action}")
    assert html.find("a", href=CALENDARS)  # the top bar's link


def test_a_bot_made_from_an_event_is_shown_with_it_and_disconnect_deletes_it(ui, sandbox):
    event = bundled_events(ui)["weekly-sync"]
    bot = bot_from(ui, event)
    html = page(ui.get(CALENDARS))
    assert html.find("a", href=f"{UI}/bots/{bot['id']}")
    answer = ui.post(f"{CALENDARS}/{CALENDAR}/disconnect", headers=JSON)
    assert answer.json["ok"] is True
    assert answer.json["message"].startswith("Disconnect: ") and answer.json["message"].endswith("(calendar disconnected)")
    assert "1 bots deleted" in answer.json["message"]
    assert sandbox.store.get("bots", bot["id"]) is None  # a scheduled bot of a disconnected calendar is gone
    html = page(ui.get(CALENDARS))
    assert "disconnected" in html.text
    [button] = html.find("button", data_testid=f"disconnect-{CALENDAR}")
    assert "disabled" in button
    reconnected = ui.post(f"{CALENDARS}/{CALENDAR}/reconnect", headers=JSON).json
    assert reconnected == {"ok": True, "message": "Reconnect: synced (calendar connected)"}
    assert ui.get(f"/api/v1/calendars/{CALENDAR}", headers=AUTH).json["state"] == "connected"


def test_sync_now_runs_the_sync_hook_and_a_remote_change_shows(ui):
    body = {"name": "Moved", "start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T11:00:00Z"}
    put = ui.put(f"/sandbox/calendars/{CALENDAR}/remote_events/new-one", data=json.dumps(body),
                 headers={**AUTH, "Content-Type": "application/json"})
    assert put.status_code in (200, 201), put.json
    answer = ui.post(f"{CALENDARS}/{CALENDAR}/sync", headers=JSON).json
    assert answer["ok"] is True and answer["message"].startswith("Sync now: synced")
    without_script = ui.post(f"{CALENDARS}/{CALENDAR}/sync")
    assert without_script.status_code == 303 and without_script.headers["Location"].startswith(f"{CALENDARS}?notice=")


def test_an_unknown_calendar_or_action_and_another_projects_calendar(ui, client):
    refused = ui.post(f"{CALENDARS}/cal_doesNotExist0000/sync", headers=JSON)
    assert (refused.status_code, refused.json) == (400, {"ok": False, "error": "Calendar not found"})
    assert ui.post(f"{CALENDARS}/{CALENDAR}/explode", headers=JSON).status_code == 404
    sign_in(client, SECOND_KEY)
    other = client.post(f"{CALENDARS}/{CALENDAR}/sync", headers=JSON)
    assert other.json == {"ok": False, "error": "Calendar not found"}
    empty = page(client.get(CALENDARS))
    assert "No calendars yet." in empty.text and "No Zoom OAuth app:" in " ".join(empty.text)


def test_the_live_fragment_and_signed_out_answers(ui, client):
    fragment = Elements(ui.get(f"{UI}/partials/calendars").get_data(as_text=True))
    assert {a.get("data-region") for _, a in fragment.tags} >= {"calendars", "zoom"}
    ui.post(f"{UI}/sign-out")
    assert ui.get(f"{UI}/partials/calendars").status_code == 401
    assert ui.get(CALENDARS).headers["Location"] == UI
    assert ui.post(f"{CALENDARS}/{CALENDAR}/sync", headers=JSON).status_code == 401


def test_zoom_oauth_connections_are_listed(ui):
    body = {"authorization_code": "dashboard-code", "redirect_uri": "https://app.example.com/zoom/callback"}
    created = ui.post("/api/v1/zoom_oauth_connections", data=json.dumps(body),
                      headers={**AUTH, "Content-Type": "application/json"})
    assert created.status_code == 201, created.json
    html = page(ui.get(CALENDARS))
    [item] = html.find("li", data_connection_id=created.json["id"])
    assert created.json["user_id"] in " ".join(html.text)
