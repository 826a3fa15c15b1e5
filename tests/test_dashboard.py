"""The dashboard (`/sandbox/ui`): server-rendered pages, their live fragments and their actions, with the
Flask client. (tests/test_dashboard_browser.py drives the same pages in Chromium.)"""

import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from freezegun import freeze_time

from sandbox.contract.webhooks import TRIGGERS
from sandbox.usecases import control, meeting
from tests.conftest import DEFAULT_KEY, SECOND_KEY, SEED_BOT

UI = "/sandbox/ui"
ENDED_BOT = "bot_sbxEnded00000000"
OTHER_PROJECT_BOT = "bot_sbxOtherProject0"
LEAVE_REFUSED_WHEN_ENDED = (
    "Event leave_requested not allowed when bot is in state ended. It is only allowed in these states: "
    "joined_recording_paused, joined_recording, joined_not_recording, joined_recording_permission_denied, "
    "waiting_room, joining, joining_breakout_room, leaving_breakout_room"
)
JSON = {"Accept": "application/json"}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.text = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(" ".join(data.split()))

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def page(response):
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    return Elements(response.get_data(as_text=True))


def sign_in(client, key=DEFAULT_KEY):
    response = client.post(f"{UI}/sign-in", data={"api_key": key})
    assert response.status_code == 303
    return response


def bot_doc(sandbox, bot_id):
    return sandbox.store.get("bots", bot_id)


@pytest.fixture
def ui(client):
    sign_in(client)
    return client


# -- signing in ------------------------------------------------------------------------------------------


def test_signed_out_the_dashboard_shows_the_sign_in_form(client):
    html = page(client.get(UI))
    [form] = html.find("form", action=f"{UI}/sign-in")
    assert form["method"] == "post"
    assert html.find("input", name="api_key", type="password")
    assert "Sign in to a project" in html.text


def test_an_unknown_key_is_refused_with_the_apis_message_and_no_cookie(client):
    response = client.post(f"{UI}/sign-in", data={"api_key": "not-a-key"})
    assert response.status_code == 401
    assert "Invalid or disabled API key" in Elements(response.get_data(as_text=True)).text
    assert "Set-Cookie" not in response.headers


def test_signing_in_sets_an_http_only_strict_cookie_scoped_to_the_dashboard(client):
    response = sign_in(client)
    assert response.headers["Location"] == UI
    assert response.headers["Set-Cookie"] == (
        f"attendee_sandbox_key={DEFAULT_KEY}; HttpOnly; Path={UI}; SameSite=Strict"
    )


def test_signing_out_forgets_the_key(ui):
    response = ui.post(f"{UI}/sign-out")
    assert response.status_code == 303
    assert "attendee_sandbox_key=;" in response.headers["Set-Cookie"]
    assert "Sign in to a project" in page(ui.get(UI)).text


def test_fragments_and_actions_need_a_signed_in_project(client):
    assert client.get(f"{UI}/partials/bots").status_code == 401
    assert client.get(f"{UI}/partials/bots/{SEED_BOT}").status_code == 401
    refused = client.post(f"{UI}/bots/{SEED_BOT}/leave", headers=JSON)
    assert (refused.status_code, refused.json) == (401, {"ok": False, "error": "Sign in with a project's API key first"})
    redirected = client.get(f"{UI}/bots/{SEED_BOT}")
    assert (redirected.status_code, redirected.headers["Location"]) == (303, UI)


def test_a_post_from_another_site_is_refused(ui, sandbox):
    response = ui.post(f"{UI}/bots/{SEED_BOT}/leave", headers={**JSON, "Origin": "http://evil.example"})
    assert response.status_code == 403
    assert bot_doc(sandbox, SEED_BOT)["state"] == "joined_not_recording"
    allowed = ui.post(f"{UI}/bots/{SEED_BOT}/leave", headers={**JSON, "Origin": "http://localhost"})
    assert allowed.json == {"ok": True, "message": "Leave requested"}


# -- nothing from elsewhere ----------------------------------------------------------------------------------


def test_pages_load_only_the_dashboards_own_files(ui):
    response = ui.get(UI)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self';")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = page(response)
    assert [a["src"] for a in html.find("script")] == [f"{UI}/static/dashboard.js"]
    assert [a["href"] for a in html.find("link", rel="stylesheet")] == [f"{UI}/static/dashboard.css"]
    assert not [a for _, a in html.tags if "style" in a or a.get("src", "").startswith("http")]


def test_the_static_files_are_served(client):
    script = client.get(f"{UI}/static/dashboard.js")
    assert script.status_code == 200
    assert script.mimetype in ("text/javascript", "application/javascript")
    styles = client.get(f"{UI}/static/dashboard.css")
    assert (styles.status_code, styles.mimetype) == (200, "text/css")
    assert b"@import" not in styles.data and b"url(http" not in styles.data


# -- the bots list -------------------------------------------------------------------------------------------------


def test_the_bots_list_shows_the_projects_bots_newest_first_with_their_state_badges(ui, sandbox):
    html = page(ui.get(UI))
    rows = [a["data-bot-id"] for a in html.find("tr") if "data-bot-id" in a]
    project = sandbox.project_for_key(DEFAULT_KEY)
    stored = sorted(sandbox.store.scan("bots", project["id"]), key=lambda b: b["created_at"], reverse=True)
    assert rows == [bot["id"] for bot in stored]
    assert OTHER_PROJECT_BOT not in rows
    [badge] = html.find("span", data_testid=f"state-{SEED_BOT}")
    assert badge["class"] == "badge tone-progress"
    [ended] = html.find("span", data_testid=f"state-{ENDED_BOT}")
    assert ended["class"] == "badge tone-done"
    [fatal] = html.find("span", data_testid="state-bot_sbxFatalError000")
    assert fatal["class"] == "badge tone-error"


def test_the_bots_fragment_holds_the_live_regions_of_the_list(ui):
    html = page(ui.get(f"{UI}/partials/bots"))
    assert [a["data-region"] for _, a in html.tags if "data-region" in a] == ["clock", "bots"]
    assert html.find("span", data_testid=f"state-{SEED_BOT}")
    assert "Cache-Control" in ui.get(f"{UI}/partials/bots").headers


def add_bots(sandbox, count):
    """`count` ended bots copied from a fixture bot, a second apart and newer than the fixtures, newest last."""
    template = bot_doc(sandbox, ENDED_BOT)
    ids = []
    for number in range(count):
        bot = {
            **template,
            "id": f"bot_page{number:012d}",
            "bot_name": f"Paged Notetaker {number}",
            "metadata": {"customer": f"Customer-{number:03d}"},
            "created_at": f"2030-01-01T00:{number // 60:02d}:{number % 60:02d}.000000Z",
        }
        sandbox.store.put("bots", bot)
        ids.append(bot["id"])
    return ids


def rows_of(html):
    return [a["data-bot-id"] for a in html.find("tr") if "data-bot-id" in a]


def test_the_bots_list_is_paged_newest_first(ui, sandbox):
    ids = add_bots(sandbox, 120)
    project_bots = sandbox.store.count("bots", sandbox.project_for_key(DEFAULT_KEY)["id"])
    first = page(ui.get(UI))
    assert rows_of(first) == ids[::-1][:50]
    assert f"1–50 of {project_bots} bots" in first.text
    assert [a["href"] for a in first.find("a", rel="next")] == [f"{UI}?page=2"]
    assert not first.find("a", rel="prev")
    second = page(ui.get(f"{UI}?page=2"))
    assert rows_of(second) == ids[::-1][50:100]
    assert [a["href"] for a in second.find("a", rel="prev")] == [UI]
    last = page(ui.get(f"{UI}?page=999"))  # past the end: the last page
    assert len(rows_of(last)) == project_bots - 100 and not last.find("a", rel="next")
    assert rows_of(page(ui.get(f"{UI}?page=abc"))) == rows_of(first)


def test_the_bots_list_filters_by_state_and_says_when_the_state_is_unknown(ui, sandbox):
    add_bots(sandbox, 60)
    ended = page(ui.get(f"{UI}?state=ended"))
    badges = [a for a in ended.find("span") if a.get("data-testid", "").startswith("state-")]
    assert len(badges) == 50 and {a["class"] for a in badges} == {"badge tone-done"}
    assert "1–50 of 61 bots in ended" in " ".join(ended.text)
    assert [a["href"] for a in ended.find("a", rel="next")] == [f"{UI}?state=ended&page=2"]
    [selected] = [a for t, a in ended.tags if t == "option" and "selected" in a and a.get("value") == "ended"]
    fatal = page(ui.get(f"{UI}?state=fatal_error"))
    assert rows_of(fatal) == ["bot_sbxFatalError000"]
    unknown = page(ui.get(f"{UI}?state=<b>"))
    assert "Unknown state '<b>': showing every state" in unknown.text
    assert len(rows_of(unknown)) == 50


def test_the_bots_list_searches_names_ids_and_metadata(ui, sandbox):
    add_bots(sandbox, 60)
    assert rows_of(page(ui.get(f"{UI}?q=paged+notetaker+7"))) == ["bot_page000000000007"]
    assert rows_of(page(ui.get(f"{UI}?q=BOT_SBXFATAL"))) == ["bot_sbxFatalError000"]
    assert rows_of(page(ui.get(f"{UI}?q=customer-012"))) == ["bot_page000000000012"]
    assert rows_of(page(ui.get(f"{UI}?q=customer-01&state=fatal_error"))) == []
    none = page(ui.get(f"{UI}?q=nobody"))
    assert "No bots match." in none.text
    # the search is cut at 200 characters and spaces are folded
    [field] = page(ui.get(f"{UI}?q=" + "x" * 500)).find("input", name="q")
    assert field["value"] == "x" * 200


def test_the_live_refresh_sends_the_list_only_when_it_changed(ui, sandbox):
    add_bots(sandbox, 120)
    html = page(ui.get(f"{UI}?state=ended"))
    [body] = html.find("body")
    assert body["data-live"] == f"{UI}/partials/bots?state=ended"
    [region] = [a for _, a in html.tags if a.get("data-region") == "bots"]
    version = region["data-version"]
    same = ui.get(f"{UI}/partials/bots?state=ended&since={version}")
    assert [a["data-region"] for _, a in page(same).tags if "data-region" in a] == ["clock"]
    assert len(same.data) < 1000
    stale = ui.get(f"{UI}/partials/bots?state=ended&since=0000")
    assert [a["data-region"] for _, a in page(stale).tags if "data-region" in a] == ["clock", "bots"]
    # a bot on the page changes state: the next refresh sends the page again, with a new version
    everything = page(ui.get(f"{UI}/partials/bots?q={SEED_BOT}"))
    [region] = [a for _, a in everything.tags if a.get("data-region") == "bots"]
    ui.post(f"{UI}/bots/{SEED_BOT}/events", data={"type": "fatal_error", "sub_type": "bot_not_launched"})
    changed = page(ui.get(f"{UI}/partials/bots?q={SEED_BOT}&since={region['data-version']}"))
    [fresh] = [a for _, a in changed.tags if a.get("data-region") == "bots"]
    assert fresh["data-version"] != region["data-version"]
    assert changed.find("span", data_testid=f"state-{SEED_BOT}")[0]["class"] == "badge tone-error"


def test_the_second_projects_key_shows_only_its_bot(client):
    sign_in(client, SECOND_KEY)
    html = page(client.get(UI))
    assert [a["data-bot-id"] for a in html.find("tr") if "data-bot-id" in a] == [OTHER_PROJECT_BOT]


def test_the_scenario_picker_lists_every_scenario_with_the_projects_default_selected(ui, sandbox):
    html = page(ui.get(UI))
    options = [a for t, a in html.tags if t == "option" and "title" in a]
    assert [o["value"] for o in options] == list(sandbox.scenarios)
    assert [o["value"] for o in options if "selected" in o] == ["happy_path"]


# -- creating a bot --------------------------------------------------------------------------------------------------


def test_creating_a_bot_with_another_scenario_puts_it_in_the_bots_metadata(ui, sandbox):
    response = ui.post(
        f"{UI}/bots",
        data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo", "scenario": "manual"},
        headers=JSON,
    )
    assert response.status_code == 200
    bot_id = response.json["message"].removeprefix("Created ")
    assert response.json == {"ok": True, "message": f"Created {bot_id}", "redirect": f"{UI}/bots/{bot_id}"}
    bot = bot_doc(sandbox, bot_id)
    assert (bot["bot_name"], bot["state"], bot["scenario"]) == ("Demo", "joining", "manual")
    assert bot["metadata"] == {"sandbox_scenario": "manual"}


def test_creating_a_bot_with_the_projects_scenario_adds_no_metadata(ui, sandbox):
    response = ui.post(
        f"{UI}/bots",
        data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo", "scenario": "happy_path"},
    )
    assert response.status_code == 303
    bot_id = response.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    assert response.headers["Location"] == f"{UI}/bots/{bot_id}?notice=Created+{bot_id}"
    assert bot_doc(sandbox, bot_id)["metadata"] is None


def test_a_refused_create_shows_the_apis_validation_message_in_the_form(ui):
    response = ui.post(f"{UI}/bots", data={"meeting_url": "not a url", "bot_name": "Demo"}, headers=JSON)
    assert (response.status_code, response.json) == (400, {"ok": False, "error": "meeting_url: Invalid meeting URL"})
    blank = ui.post(
        f"{UI}/bots", data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "", "scenario": "manual"}
    )
    assert blank.headers["Location"] == (
        f"{UI}?create_error=bot_name%3A+This+field+may+not+be+blank.&meeting_url=https%3A%2F%2Fmeet.google.com"
        "%2Fabc-defg-hij&bot_name=&webhook_url=&scenario=manual"
    )
    html = page(ui.get(blank.headers["Location"]))
    [error] = html.find("p", data_testid="create-error")
    assert "hidden" not in error
    assert "bot_name: This field may not be blank." in html.text
    assert html.find("input", name="bot_name", value="")  # what was typed, not the default
    assert [a["value"] for t, a in html.tags if t == "option" and "selected" in a and "title" in a] == ["manual"]
    assert "hidden" in page(ui.get(UI)).find("p", data_testid="create-error")[0]


def test_the_create_form_subscribes_the_bot_to_a_webhook_url(ui, sandbox):
    html = page(ui.get(UI))
    assert html.find("input", name="webhook_url", type="url")
    response = ui.post(
        f"{UI}/bots",
        data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo", "webhook_url": "https://hooks.example/in"},
        headers=JSON,
    )
    bot_id = response.json["message"].removeprefix("Created ")
    [hook] = bot_doc(sandbox, bot_id)["webhooks"]
    assert hook["url"] == "https://hooks.example/in"
    assert hook["triggers"] == list(TRIGGERS)
    refused = ui.post(
        f"{UI}/bots",
        data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo", "webhook_url": "ftp://hooks.example"},
        headers=JSON,
    )
    assert refused.json == {"ok": False, "error": "webhooks: 'ftp://hooks.example' does not match '^https://.*'"}
    itself = ui.post(
        f"{UI}/bots",
        data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo", "webhook_url": "http://localhost/x"},
        headers=JSON,
    )
    assert itself.json["error"].startswith("webhook URL must not point at the sandbox itself")


# -- the bot page -------------------------------------------------------------------------------------------------------


def test_the_bot_page_draws_the_events_as_a_timeline_of_states(ui):
    html = page(ui.get(f"{UI}/bots/{SEED_BOT}"))
    [state] = html.find("span", data_testid="bot-state")
    assert state["class"] == "badge badge-large tone-progress"
    text = " ".join(html.text)
    assert "join_requested ready → joining" in text
    assert "joined_meeting joining → joined_not_recording" in text
    assert "12:35:00 +4.0 s" in text
    assert [a["class"] for a in html.find("li") if a.get("class", "").startswith("tl-item")] == [
        "tl-item tone-progress",
        "tl-item tone-progress",
    ]


def test_the_bot_page_shows_pending_scripted_steps(ui, sandbox):
    ui.post(f"{UI}/bots/{SEED_BOT}/leave", headers=JSON)
    html = page(ui.get(f"{UI}/bots/{SEED_BOT}"))
    pending = [a for a in html.find("li") if a.get("class") == "tl-item tl-pending"]
    steps = control.bot_steps(sandbox, sandbox.project_for_key(DEFAULT_KEY), SEED_BOT)["pending_steps"]
    assert len(pending) == len(steps) > 0
    assert "left_meeting next scripted step" in " ".join(html.text)


def test_a_bot_of_another_project_is_not_found(ui):
    response = ui.get(f"{UI}/bots/{OTHER_PROJECT_BOT}")
    assert response.status_code == 404
    assert "Bot not found" in Elements(response.get_data(as_text=True)).text
    assert ui.get(f"{UI}/partials/bots/{OTHER_PROJECT_BOT}").status_code == 404


def test_the_bot_fragment_holds_every_live_region_of_the_page(ui):
    html = page(ui.get(f"{UI}/partials/bots/{SEED_BOT}"))
    assert [a["data-region"] for _, a in html.tags if "data-region" in a] == [
        "clock",
        "summary",
        "tabs",
        "timeline",
        "deliveries",
        "transcript",
        "chat",
        "participants",
        "actions",
        "speakers",
        "recording",
    ]
    full = page(ui.get(f"{UI}/bots/{SEED_BOT}"))
    assert sorted(a["data-region"] for _, a in full.tags if "data-region" in a) == sorted(
        a["data-region"] for _, a in html.tags if "data-region" in a
    )


def test_the_tab_in_the_query_is_the_one_shown(ui):
    body = page(ui.get(f"{UI}/bots/{SEED_BOT}?tab=deliveries")).find("body")[0]
    assert body["data-tab"] == "deliveries"
    assert page(ui.get(f"{UI}/bots/{SEED_BOT}?tab=nonsense")).find("body")[0]["data-tab"] == "timeline"


def test_buttons_are_disabled_where_the_state_machine_refuses_them(ui):
    ended = page(ui.get(f"{UI}/bots/{ENDED_BOT}"))
    assert all("disabled" in b for b in ended.find("button", data_testid="leave"))
    assert all("disabled" in b for b in ended.find("button", data_testid="fatal-error"))
    live = page(ui.get(f"{UI}/bots/{SEED_BOT}"))
    assert not any("disabled" in b for b in live.find("button", data_testid="leave"))


def test_an_uploaded_recording_is_playable_from_the_page(ui):
    html = page(ui.get(f"{UI}/bots/{ENDED_BOT}"))
    [video] = html.find("video")
    assert re.fullmatch(
        rf"http://localhost/sandbox/media/{ENDED_BOT}-rec_sbxEnded00000000\.mp4\?X-Sandbox-Expires=\d+&.*", video["src"]
    )
    media = ui.get(video["src"].removeprefix("http://localhost"))
    assert (media.status_code, media.mimetype) == (200, "video/mp4")
    assert not page(ui.get(f"{UI}/bots/{SEED_BOT}")).find("video")


# -- actions ---------------------------------------------------------------------------------------------------------------


def test_leave_requests_the_leave_as_the_api_does(ui, sandbox):
    response = ui.post(f"{UI}/bots/{SEED_BOT}/leave")
    assert (response.status_code, response.headers["Location"]) == (303, f"{UI}/bots/{SEED_BOT}?notice=Leave+requested")
    bot = bot_doc(sandbox, SEED_BOT)
    assert bot["state"] == "leaving"
    assert (bot["events"][-1]["type"], bot["events"][-1]["sub_type"]) == ("leave_requested", "user_requested")


def test_a_refused_leave_shows_the_transition_message(ui):
    response = ui.post(f"{UI}/bots/{ENDED_BOT}/leave", headers=JSON)
    assert (response.status_code, response.json) == (400, {"ok": False, "error": LEAVE_REFUSED_WHEN_ENDED})


@freeze_time("2026-11-30T12:00:00Z")
def test_advancing_the_clock_applies_the_steps_due_on_the_way(ui, sandbox):
    ui.post(f"{UI}/bots/{SEED_BOT}/leave", headers=JSON)
    response = ui.post(f"{UI}/clock/advance", data={"seconds": "10", "back": f"{UI}/bots/{SEED_BOT}"}, headers=JSON)
    assert response.json == {"ok": True, "message": f"+10 s: {SEED_BOT} → ended"}
    assert bot_doc(sandbox, SEED_BOT)["state"] == "ended"
    assert sandbox.project_for_key(DEFAULT_KEY)["clock_offset_seconds"] == 10.0
    minute = ui.post(f"{UI}/clock/advance", data={"seconds": "60", "back": f"{UI}/bots/{SEED_BOT}"})
    assert minute.headers["Location"] == f"{UI}/bots/{SEED_BOT}?notice=%2B1+min%3A+no+scripted+step+was+due"
    assert "12:01:10" in " ".join(page(ui.get(f"{UI}/partials/bots")).text)


def test_the_clock_toast_says_what_the_advance_applied(ui, sandbox):
    created = ui.post(
        f"{UI}/bots", data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo"}, headers=JSON
    )
    bot_id = created.json["message"].removeprefix("Created ")
    back = f"{UI}/bots/{bot_id}"
    # happy_path: joined and recording at +3 s, Alice and Bob join at +4 s and +4.5 s
    joined = ui.post(f"{UI}/clock/advance", data={"seconds": "5", "back": back}, headers=JSON)
    assert joined.json["message"] == f"+5 s: 2 participants joined, {bot_id} → joined_recording"
    # then four utterances and a chat message
    talked = ui.post(f"{UI}/clock/advance", data={"seconds": "60", "back": back}, headers=JSON)
    assert talked.json["message"] == "+1 min: 4 utterances, 1 chat message"
    ui.post(f"{UI}/bots/{bot_id}/leave", headers=JSON)
    left = ui.post(f"{UI}/clock/advance", data={"seconds": "10", "back": back}, headers=JSON)
    assert left.json["message"] == f"+10 s: {bot_id} → ended"


def test_the_clock_toast_names_at_most_three_bots():
    from types import SimpleNamespace

    from sandbox.web.dashboard import advance_summary

    events = [SimpleNamespace(bot_id=f"bot_{n}", new_state=state) for n in range(5) for state in ("joining", "ended")]
    events.append({"calendar_id": "cal_1", "synced": True})
    actions = [("bot_0", "utterance", {}), ("bot_0", "utterance", None), ("bot_1", "chat_message", {})]
    assert advance_summary({"events": events, "actions": actions}) == (
        "1 utterance, 1 chat message, 1 calendar sync, bot_0 → ended, bot_1 → ended, bot_2 → ended, and 2 more bots"
    )


def test_advance_goes_back_only_to_a_dashboard_page(ui):
    response = ui.post(f"{UI}/clock/advance", data={"seconds": "1", "back": "https://evil.example/"})
    assert response.headers["Location"].startswith(f"{UI}?notice=")
    bad = ui.post(f"{UI}/clock/advance", data={"seconds": "soon"}, headers=JSON)
    assert (bad.status_code, bad.json) == (400, {"ok": False, "error": "seconds must be a number"})


def test_inject_meeting_ended_or_a_fatal_error(ui, sandbox):
    ended = ui.post(f"{UI}/bots/{SEED_BOT}/events", data={"type": "meeting_ended"}, headers=JSON)
    assert ended.json == {"ok": True, "message": "Injected meeting_ended"}
    assert bot_doc(sandbox, SEED_BOT)["state"] == "post_processing"
    failed = ui.post(
        f"{UI}/bots/bot_sbxJoinedRec0000/events", data={"type": "fatal_error", "sub_type": "heartbeat_timeout"}, headers=JSON
    )
    assert failed.json == {"ok": True, "message": "Injected fatal_error (heartbeat_timeout)"}
    event = bot_doc(sandbox, "bot_sbxJoinedRec0000")["events"][-1]
    assert (event["type"], event["sub_type"]) == ("fatal_error", "heartbeat_timeout")


def test_participants_and_utterances_show_on_their_tabs(ui, sandbox):
    joined = ui.post(f"{UI}/bots/bot_sbxJoinedRec0000/participants", data={"name": "Dana", "is_host": "1"}, headers=JSON)
    assert joined.json == {"ok": True, "message": "Dana joined the meeting"}
    project = sandbox.project_for_key(DEFAULT_KEY)
    [dana] = [p for p in meeting.list_participants(sandbox, project, "bot_sbxJoinedRec0000") if p["name"] == "Dana"]
    html = page(ui.get(f"{UI}/bots/bot_sbxJoinedRec0000"))
    assert {"value": dana["uuid"]} in [a for t, a in html.tags if t == "option"]  # a speaker to pick
    said = ui.post(
        f"{UI}/bots/bot_sbxJoinedRec0000/utterances",
        data={"speaker_uuid": dana["uuid"], "text": "Hello from the dashboard", "duration_ms": "1500"},
        headers=JSON,
    )
    assert said.json == {"ok": True, "message": "Utterance added"}
    text = " ".join(page(ui.get(f"{UI}/partials/bots/bot_sbxJoinedRec0000")).text)
    assert re.search(r"\d\d:\d\d \d\d:\d\d:\d\d Dana host Hello from the dashboard 1.5 s", text)
    assert f"Dana {dana['uuid']} yes {dana['id']}" in text


@freeze_time("2026-11-30T12:00:00Z")
def test_the_chat_tab_and_the_transcript_show_who_and_when(ui, sandbox):
    created = ui.post(
        f"{UI}/bots", data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo"}, headers=JSON
    )
    bot_id = created.json["message"].removeprefix("Created ")
    ui.post(f"{UI}/clock/advance", data={"seconds": "60"}, headers=JSON)  # happy_path: recording from 12:00:03
    project = sandbox.project_for_key(DEFAULT_KEY)
    bob = meeting.find_participant(sandbox, bot_id, "16779264")
    meeting.add_chat_message(sandbox, project, bot_id, sender_uuid=bob["uuid"], text="<b>not bold</b>", to="only_bot")
    html = page(ui.get(f"{UI}/bots/{bot_id}?tab=chat"))
    [body] = html.find("body")
    assert body["data-tab"] == "chat"
    [link] = html.find("a", data_testid="tab-chat")
    assert link["href"] == "?tab=chat"
    text = " ".join(html.text)
    # mm:ss into the recording (from recording_permission_granted at 12:00:03), then the clock time
    assert "Chat 2" in text
    assert "00:14 12:00:17 Bob Martinez Here is the checklist: https://example.com/launch-checklist" in text
    assert "00:57 12:01:00 Bob Martinez to the bot only <b>not bold</b>" in text
    assert "&lt;b&gt;not bold&lt;/b&gt;" in ui.get(f"{UI}/bots/{bot_id}").get_data(as_text=True)
    assert "00:00 12:00:03 Alice Chen host Hi Bob, thanks for joining." in text
    [first] = html.find("time")[:1]
    assert first["datetime"] == "2026-11-30T12:00:03.300Z"


def test_an_utterance_needs_a_speaker_and_a_participant_needs_a_name(ui):
    nobody = ui.post(f"{UI}/bots/{SEED_BOT}/utterances", data={"text": "hi"}, headers=JSON)
    assert nobody.json == {"ok": False, "error": "Add a participant first: an utterance needs a speaker"}
    nameless = ui.post(f"{UI}/bots/{SEED_BOT}/participants", data={"name": " "}, headers=JSON)
    assert nameless.json == {"ok": False, "error": "A participant needs a name"}


def bot_with_a_delivered_webhook(app, httpserver):
    """A project subscribed to `bot.state_change` at a receiver that answers 200, signed in, and a bot created
    from the form whose first webhook has been delivered: `(sb, project, client, bot_id)`."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("thanks", status=200)
    sb = app.extensions["sandbox"]
    project = control.create_project(
        sb, {"name": "Hooks", "webhooks": [{"url": httpserver.url_for("/hook"), "triggers": ["bot.state_change"]}]}
    )
    client = app.test_client()
    sign_in(client, project["api_key"])
    created = client.post(
        f"{UI}/bots", data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Demo"}, headers=JSON
    )
    bot_id = created.json["redirect"].rsplit("/", 1)[1]
    assert sb.outbox.wait_idle(5)
    return sb, project, client, bot_id


def test_webhook_deliveries_show_with_their_attempts(app, httpserver):
    sb, project, client, bot_id = bot_with_a_delivered_webhook(app, httpserver)
    html = page(client.get(f"{UI}/bots/{bot_id}?tab=deliveries"))
    text = " ".join(html.text)
    assert "delivered bot.state_change ready → joining" in text
    assert f"POST {httpserver.url_for('/hook')}" in text
    assert re.search(r"1 \d\d:\d\d:\d\d 200 \d+ ms thanks", text)
    assert "Webhooks 1" in text


def test_a_settled_delivery_is_redelivered_from_its_bot_page(app, httpserver):
    sb, project, client, bot_id = bot_with_a_delivered_webhook(app, httpserver)
    [delivery] = sb.outbox.list_deliveries(project, bot_id=bot_id)
    html = page(client.get(f"{UI}/bots/{bot_id}?tab=deliveries"))
    [form] = html.find("form", action=f"{UI}/deliveries/{delivery['id']}/redeliver")
    [button] = html.find("button", data_testid=f"redeliver-{delivery['id']}")
    assert "disabled" not in button
    answer = client.post(form["action"], data={"bot_id": bot_id}, headers=JSON)
    assert answer.json == {
        "ok": True,
        "message": f"Redelivering bot.state_change to {httpserver.url_for('/hook')}: 3 more attempts",
    }
    assert sb.outbox.wait_idle(5)
    [again] = sb.outbox.list_deliveries(project, bot_id=bot_id)
    assert (again["status"], len(again["attempts"])) == ("delivered", 2)
    assert again["idempotency_key"] == delivery["idempotency_key"]
    # without the script: back to the bot's Webhooks tab with the notice; another project's delivery is not found
    plain = client.post(form["action"], data={"bot_id": bot_id})
    assert plain.headers["Location"].startswith(f"{UI}/bots/{bot_id}?tab=deliveries&notice=Redelivering+bot.state_change")
    sign_in(client)
    refused = client.post(form["action"], data={"bot_id": bot_id}, headers=JSON)
    assert refused.json == {"ok": False, "error": "Delivery not found"}


def test_reset_asks_for_confirmation_on_a_page_then_restores_the_fixtures(ui, sandbox):
    html = page(ui.get(UI))
    [link] = html.find("a", data_testid="reset")
    assert link["href"] == f"{UI}/reset"
    ui.post(f"{UI}/bots", data={"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Gone soon"})
    fixtures, projects = len(sandbox.fixtures["bots"]), len(sandbox.fixtures["projects"])
    default_project = sandbox.project_for_key(DEFAULT_KEY)["id"]
    held = sandbox.store.count("bots", default_project)
    confirm = page(ui.get(f"{UI}/reset"))
    assert "Reset the sandbox?" in confirm.text
    assert f"The sandbox holds {projects} projects and {fixtures + 1} bots now." in " ".join(confirm.text)
    [form] = confirm.find("form", action=f"{UI}/reset")
    assert form["method"] == "post" and "data-ajax" not in form
    assert confirm.find("input", type="checkbox", name="confirm", value="reset")
    assert not confirm.find("input", name="admin_token")
    unconfirmed = ui.post(f"{UI}/reset")
    assert unconfirmed.headers["Location"] == f"{UI}/reset?error=Tick+the+box+to+confirm+the+reset"
    assert sandbox.store.count("bots", default_project) == held  # nothing done
    done = ui.post(f"{UI}/reset", data={"confirm": "reset"})
    message = (
        f"Sandbox reset: {projects} projects and {fixtures} bots from the fixtures; every other project, bot, webhook "
        "delivery, journal entry and fault is gone"
    )
    assert done.status_code == 303
    assert done.headers["Location"] == f"{UI}?" + urlencode({"notice": message})
    assert "Gone soon" not in page(ui.get(done.headers["Location"])).text
    assert message in page(ui.get(done.headers["Location"])).text
    assert ui.post(f"{UI}/reset", data={"confirm": "reset"}, headers=JSON).json == {"ok": True, "message": message}


def test_reset_needs_the_admin_token_when_one_is_set(ui, sandbox):
    sandbox.settings.admin_token = "s3cret"
    assert page(ui.get(f"{UI}/reset")).find("input", name="admin_token", type="password")
    missing = ui.post(f"{UI}/reset", data={"confirm": "reset"}, headers=JSON)
    assert missing.json["error"].startswith("This endpoint acts on the whole sandbox: send the X-Sandbox-Admin-Token")
    wrong = ui.post(f"{UI}/reset", data={"confirm": "reset", "admin_token": "nope"}, headers=JSON)
    assert wrong.json == {"ok": False, "error": "Invalid X-Sandbox-Admin-Token"}
    right = ui.post(f"{UI}/reset", data={"confirm": "reset", "admin_token": "s3cret"}, headers=JSON)
    assert right.json["ok"] is True


def test_the_switcher_lists_every_project_signed_into_and_switches_without_the_key(client, sandbox):
    sign_in(client)
    assert not page(client.get(UI)).find("select", name="project_id")  # one project: its name only
    sign_in(client, SECOND_KEY)
    html = page(client.get(UI))
    [switcher] = html.find("form", data_testid="project-switcher")
    assert switcher["action"] == f"{UI}/switch"
    options = [a for t, a in html.tags if t == "option" and a.get("value", "").startswith("proj_")]
    default_id = sandbox.project_for_key(DEFAULT_KEY)["id"]
    second_id = sandbox.project_for_key(SECOND_KEY)["id"]
    assert [o["value"] for o in options] == [second_id, default_id]  # most recent first
    assert [o["value"] for o in options if "selected" in o] == [second_id]
    assert rows_of(html) == [OTHER_PROJECT_BOT]
    switched = client.post(f"{UI}/switch", data={"project_id": default_id})
    assert switched.status_code == 303 and "notice=Switched+to+" in switched.headers["Location"]
    assert OTHER_PROJECT_BOT not in rows_of(page(client.get(UI)))
    assert f"{DEFAULT_KEY}; HttpOnly; Path={UI}; SameSite=Strict" in switched.headers["Set-Cookie"]
    unknown = client.post(f"{UI}/switch", data={"project_id": "proj_nope"}, headers=JSON)
    assert unknown.json == {"ok": False, "error": "Not a project this browser signed into: sign in with its key"}
    # signing out forgets them all
    client.post(f"{UI}/sign-out")
    assert "Sign in to a project" in page(client.get(UI)).text


def test_the_switcher_remembers_at_most_ten_projects(client, sandbox):
    from sandbox.web.dashboard import SIGNED_IN_PROJECTS_LIMIT

    made = [control.create_project(sandbox, {"name": f"Team {n}"}) for n in range(SIGNED_IN_PROJECTS_LIMIT + 1)]
    for project in made[:SIGNED_IN_PROJECTS_LIMIT]:
        sign_in(client, project["api_key"])
    last = client.post(f"{UI}/sign-in", data={"api_key": made[-1]["api_key"]})
    assert "forgot+Team+0" in last.headers["Location"]
    html = page(client.get(UI))
    names = [a["value"] for t, a in html.tags if t == "option" and a.get("value", "").startswith("proj_")]
    assert len(names) == SIGNED_IN_PROJECTS_LIMIT
    assert made[0]["id"] not in names and made[-1]["id"] == names[0]
    # a hand-made cookie with more keys is cut to the limit, and a key no longer valid is left out
    client.set_cookie("attendee_sandbox_keys", " ".join(["bogus"] * 50 + [DEFAULT_KEY]), path=UI)
    assert len([a for t, a in page(client.get(UI)).tags if t == "option" and a.get("value", "").startswith("proj_")]) <= 1


def test_the_sign_in_page_adds_a_project_while_signed_in(ui):
    html = page(ui.get(f"{UI}/sign-in"))
    assert html.find("input", name="api_key")
    assert "← Back to Default project" in html.text
