"""The dashboard's calendars page in a real browser (Playwright on Debian's Chromium, as
tests/test_dashboard_browser.py): a project's calendar synced through the plugin's hooks, a bot made from an
event shown with it, Disconnect pressed and the page updated live. The screenshot is saved as a test artifact
(`test-artifacts/dashboard-calendars.png`)."""

import json
import re
import urllib.request
from datetime import datetime, timedelta

from tests.test_dashboard_browser import ARTIFACTS, browser, expect, page  # noqa: F401 - fixtures (skips without Chromium)

SCREENSHOT = ARTIFACTS / "dashboard-calendars.png"


def later(project, hours):
    now = datetime.fromisoformat(project.clock()["now"].replace("Z", "+00:00")).replace(microsecond=0, second=0, minute=0)
    return (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def test_the_calendars_page_shows_events_their_bots_and_disconnects_live(page, sandbox_project):  # noqa: F811
    calendar = sandbox_project.calendar(deduplication_key="demo-user")
    events = [
        ("weekly-sync", "Weekly sync", 3, {"meeting_url": "https://meet.google.com/abc-defg-hij"}),
        ("customer-call", "Customer call", 27, {"location": "https://us02web.zoom.us/j/81234567890?pwd=AbC123.1"}),
        ("team-lunch", "Team lunch", 51, {"location": "Cafeteria, 2nd floor"}),
    ]
    for uuid, name, hours, link in events:
        sandbox_project.add_remote_event(calendar["id"], uuid, name=name, start_time=later(sandbox_project, hours),
                                         end_time=later(sandbox_project, hours + 1), **link)
    sandbox_project.sync(calendar["id"])
    weekly = next(e for e in sandbox_project.control("GET", "/api/v1/calendar_events")["results"]
                  if e["platform_uuid"] == "weekly-sync")
    request = urllib.request.Request(
        sandbox_project.api_url + "/bots", method="POST",
        data=json.dumps({"calendar_event_id": weekly["id"], "bot_name": "Notetaker"}).encode(),
        headers={**sandbox_project.headers, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        bot = json.loads(response.read())

    page.goto(sandbox_project.base_url + "/sandbox/ui")
    page.get_by_label("API key").fill(sandbox_project.api_key)
    page.get_by_role("button", name="Sign in").click()
    page.locator(".topbar-nav").get_by_role("link", name="Calendars").click()
    expect(page.get_by_role("heading", name="Calendars")).to_be_visible()
    rows = page.locator(".events-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Weekly sync")
    expect(rows.nth(0)).to_contain_text("Google Meet")
    expect(rows.nth(0).locator(".bot-chip")).to_contain_text(bot["id"])
    expect(rows.nth(1)).to_contain_text("Zoom")
    expect(rows.nth(2)).to_contain_text("no link")
    state = page.get_by_test_id(f"calendar-state-{calendar['id']}")
    expect(state).to_have_text("connected")

    page.locator("#toast").wait_for(state="hidden")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000

    page.get_by_test_id(f"disconnect-{calendar['id']}").click()
    expect(page.locator("#toast")).to_contain_text(re.compile(r"Disconnect: .*1 bots deleted"))
    expect(state).to_have_text("disconnected")  # the live region, refreshed
    expect(rows.nth(0).locator(".bot-chip")).to_have_count(0)
    page.get_by_test_id(f"reconnect-{calendar['id']}").click()
    expect(state).to_have_text("connected")
    assert page.problems == []
