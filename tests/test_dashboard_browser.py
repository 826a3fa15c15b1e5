"""The dashboard in a real browser: Playwright for Python driving Debian's Chromium (`/usr/bin/chromium`).

A demo's path through `/sandbox/ui`: sign in, create a bot, watch it reach `joined_recording` live, press
Leave, advance the clock, see `ended`, open the webhook deliveries; and on a phone (390x844): the clock's
toast, the chat and transcript times, a redelivery, a second project and the switcher, the reset's
confirmation, with no horizontal scroll. The screenshots are saved as test artifacts
(`test-artifacts/dashboard.png`, `dashboard-390-*.png`). Playwright's own browser downloads are never used.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SCREENSHOT = ARTIFACTS / "dashboard.png"
VIEWPORT = {"width": 1440, "height": 900}  # a laptop screen

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is not installed at /usr/bin/chromium: install Debian's package with "
        "`apt-get install -y chromium` (.ci/run does) to run the dashboard's browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, attendee_sandbox):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and page.problems.append(f"console: {message.text}"))
    origin = urlsplit(attendee_sandbox.base_url).netloc

    def outside(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != origin:
            page.problems.append(f"fetched from elsewhere: {request.url}")

    page.on("request", outside)
    yield page
    context.close()


@pytest.mark.attendee_project(name="Demo project")
def test_a_demo_creates_a_bot_watches_it_record_leaves_and_ends(page, sandbox_project, webhook_receiver):
    page.goto(sandbox_project.base_url + "/sandbox/ui")
    expect(page.get_by_role("heading", name="Sign in to a project")).to_be_visible()
    page.get_by_label("API key").fill(sandbox_project.api_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Bots")).to_be_visible()
    expect(page.locator(".topbar-project")).to_contain_text("Demo project")
    expect(page.get_by_text("No bots yet.")).to_be_visible()

    form = page.get_by_test_id("create-bot")
    form.get_by_label("Meeting URL").fill("https://meet.google.com/abc-defg-hij")
    form.get_by_label("Bot name").fill("Demo Notetaker")
    form.get_by_label("Scenario").select_option("happy_path")
    form.get_by_role("button", name="Create bot").click()
    page.wait_for_url(re.compile(r".*/sandbox/ui/bots/bot_[A-Za-z0-9]{16}$"))
    bot_id = page.url.rsplit("/", 1)[1]
    state = page.get_by_test_id("bot-state")

    expect(state).to_have_text("joined_recording", timeout=15_000)  # live, in real time (about 3 s)
    # the happy_path scenario's Alice and Bob join a second later, live too
    expect(page.locator(".tab-participants .count")).to_have_text(re.compile(r"^[2-9]$"), timeout=10_000)
    meeting = page.get_by_test_id("add-participant")
    meeting.get_by_label("Participant").fill("Dana Demo")
    meeting.get_by_label("host").check()
    meeting.get_by_role("button", name="Add participant").click()
    utterance = page.get_by_test_id("add-utterance")
    utterance.get_by_label("Utterance").select_option(label="Dana Demo")
    utterance.get_by_placeholder("What they say").fill("Welcome to the sandbox demo.")
    utterance.get_by_role("button", name="Add utterance").click()
    page.get_by_role("link", name=re.compile("^Transcript")).click()
    expect(page.locator(".panel-transcript .utterance").last).to_have_text("Welcome to the sandbox demo.")
    page.get_by_test_id("leave").click()
    expect(state).to_have_text("leaving")
    page.get_by_test_id("advance-10").click()  # left_meeting, the upload, post_processing_completed
    expect(state).to_have_text("ended")
    expect(page.locator(".panel-timeline .tl-event strong").last).to_have_text("post_processing_completed")

    page.get_by_test_id("tab-deliveries").click()
    panel = page.locator(".panel-deliveries")
    expect(panel).to_be_visible()
    ended = panel.locator(".delivery", has_text="post_processing → ended")
    expect(ended.locator(".badge").first).to_have_text("delivered")
    expect(ended.locator(".attempts tbody tr")).to_have_count(1)
    expect(ended.locator(".attempts .http").first).to_have_text("200")
    webhook_receiver.wait_for_state(bot_id, "ended")

    page.locator("#toast").wait_for(state="hidden")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000

    page.get_by_role("link", name="← All bots").click()
    expect(page.get_by_test_id(f"state-{bot_id}")).to_have_text("ended")
    assert page.problems == []


PHONE = {"width": 390, "height": 844}
PHONE_SCREENSHOTS = {"bot": ARTIFACTS / "dashboard-390-bot.png", "bots": ARTIFACTS / "dashboard-390-bots.png"}


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.attendee_project(name="Phone demo")
def test_on_a_phone_a_demo_reads_the_chat_redelivers_switches_projects_and_resets(
    browser, attendee_sandbox, sandbox_project, webhook_receiver
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.goto(sandbox_project.base_url + "/sandbox/ui")
    page.get_by_label("API key").fill(sandbox_project.api_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Bots")).to_be_visible()

    form = page.get_by_test_id("create-bot")
    form.get_by_label("Bot name").fill("Acme Phone Notetaker")
    form.get_by_role("button", name="Create bot").click()
    page.wait_for_url(re.compile(r".*/sandbox/ui/bots/bot_[A-Za-z0-9]{16}$"))
    bot_id = page.url.rsplit("/", 1)[1]
    # +1 min: the happy_path meeting plays out; the toast says what happened
    page.get_by_test_id("advance-60").click()
    expect(page.locator("#toast")).to_contain_text(re.compile(r"^\+1 min: .*utterances?, 1 chat message"))

    page.get_by_test_id("tab-chat").click()
    chat = page.locator(".panel-chat")
    expect(chat).to_be_visible()
    expect(chat.locator(".speaker").first).to_have_text("Bob Martinez")
    expect(chat.locator(".utterance").first).to_contain_text("Here is the checklist")
    expect(chat.locator(".at").first).to_have_text(re.compile(r"^\d\d:\d\d\d\d:\d\d:\d\d$"))
    page.get_by_role("link", name=re.compile("^Transcript")).click()
    expect(page.locator(".panel-transcript .at").first).to_have_text(re.compile(r"^00:0\d"))

    page.get_by_test_id("tab-deliveries").click()
    first = page.locator(".panel-deliveries .delivery").last  # the oldest: ready → joining
    expect(first.locator(".badge").first).to_have_text("delivered", timeout=10_000)
    first.get_by_role("button", name="Redeliver").click()
    expect(page.locator("#toast")).to_contain_text("Redelivering bot.state_change to " + webhook_receiver.url)
    expect(page.locator(".panel-deliveries .delivery").last.locator(".attempts tbody tr")).to_have_count(2)
    assert page_width(page) <= PHONE["width"]
    page.evaluate("document.getElementById('toast').hidden = true")  # not in the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(PHONE_SCREENSHOTS["bot"]), full_page=True)

    # a second project: signed in once, then one pick in the switcher
    other = attendee_sandbox.create_project(name="Second demo")
    page.get_by_test_id("add-project").click()
    page.get_by_label("API key").fill(other.api_key)
    page.get_by_role("button", name="Sign in").click()
    switcher = page.get_by_test_id("project-switcher").locator("select")
    expect(switcher.locator("option:checked")).to_have_text("Second demo")
    expect(page.get_by_text("No bots yet.")).to_be_visible()
    switcher.select_option(label="Phone demo")  # switches at once, no key typed
    expect(page.locator("#toast")).to_have_text("Switched to Phone demo")
    expect(page.get_by_test_id(f"state-{bot_id}")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    page.evaluate("document.getElementById('toast').hidden = true")
    page.screenshot(path=str(PHONE_SCREENSHOTS["bots"]), full_page=True)
    for path in PHONE_SCREENSHOTS.values():
        assert path.stat().st_size > 10_000

    # reset: a confirmation page first; the box must be ticked
    page.get_by_test_id("reset").click()
    expect(page.get_by_role("heading", name="Reset the sandbox?")).to_be_visible()
    page.get_by_test_id("confirm-reset").click()
    expect(page.get_by_role("heading", name="Reset the sandbox?")).to_be_visible()  # the browser asks for the box
    page.get_by_label("Yes, reset the whole sandbox").check()
    page.get_by_test_id("confirm-reset").click()
    # both projects were made after the fixtures: gone, so the dashboard asks for a key again, and says why
    expect(page.get_by_role("heading", name="Sign in to a project")).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("Sandbox reset: ")
    assert problems == []
    context.close()
