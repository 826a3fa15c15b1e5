"""The sandbox's front door and docs page: `GET /` (a JSON index), `GET /api/docs` (Swagger UI over the served
OpenAPI document, from the files the flask-swagger-ui package ships) and `GET /api/schema` readable by any site.

The browser test opens the page in Debian's Chromium (as the dashboard's does): it renders from this origin
only, breaks no Content-Security-Policy rule, and "Try it out" calls the sandbox with the key pasted in the
Authorize dialog. Its screenshot is `test-artifacts/api-docs.png`.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sandbox.web.docs import CONTENT_SECURITY_POLICY

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")


def test_the_root_is_a_json_index_of_where_everything_is(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {
        "name": "Attendee Sandbox",
        "version": response.json["version"],
        "api": "http://localhost/api/v1",
        "docs": "http://localhost/api/docs",
        "schema": "http://localhost/api/schema",
        "dashboard": "http://localhost/sandbox/ui",
    }
    assert client.head("/").status_code == 200


def test_the_index_names_the_public_url_when_one_is_set(shared_app):
    client = shared_app(public_url="https://sandbox.example.com").test_client()
    assert client.get("/").json["docs"] == "https://sandbox.example.com/api/docs"


def test_the_docs_page_loads_swagger_ui_from_this_sandbox_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert 'data-schema="/api/schema"' in page
    assert "<script>" not in page  # no inline script: the policy allows none


@pytest.mark.parametrize(
    "name, media",
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("docs.js", "text/javascript"),
        ("docs.css", "text/css"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_the_docs_pages_files_are_served_with_the_same_policy(client, name, media):
    response = client.get(f"/api/docs/assets/{name}")
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert len(response.data) > 100


@pytest.mark.parametrize("name", ["index.html", "oauth2-redirect.html", "..%2Fdocs.py", "nope.js"])
def test_no_other_file_is_served(client, name):
    response = client.get(f"/api/docs/assets/{name}")
    assert response.status_code == 404
    assert response.json == {"error": "Not Found"}


def test_any_site_may_read_the_openapi_document(client):
    response = client.get("/api/schema", headers={"Origin": "https://editor.example.com"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# -- in a browser -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium: apt-get install -y chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.test_dashboard_browser import CHROMIUM_ARGS

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_try_it_out_calls_the_sandbox_with_the_authorized_key(browser, sandbox_project):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    origin = urlsplit(sandbox_project.base_url).netloc
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on(
        "request",
        lambda request: urlsplit(request.url).netloc not in (origin, "")
        and urlsplit(request.url).scheme in ("http", "https")
        and problems.append(f"fetched from elsewhere: {request.url}"),
    )
    try:
        page.goto(sandbox_project.base_url + "/api/docs")
        clock = page.locator("#operations-Sandbox-sandbox_clock")
        expect(clock).to_be_visible(timeout=15000)

        page.locator("button.authorize").first.click()
        token = page.locator(".auth-container").filter(has_text="Token").first
        token.locator("input").fill(sandbox_project.api_key)  # the bare key: the page adds "Token "
        token.locator("button.authorize").click()
        token.locator("button.btn-done").click()

        clock.locator(".opblock-summary").click()
        clock.get_by_role("button", name="Try it out").click()
        clock.get_by_role("button", name="Execute").click()
        status = clock.locator(".live-responses-table tbody .response-col_status").first
        expect(status).to_contain_text("200", timeout=10000)
        expect(clock.locator(".live-responses-table .microlight").first).to_contain_text("offset_seconds")
        journal = sandbox_project.client.requests()  # the control plane is not journaled: ask the clock's project
        assert journal == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"), full_page=False)
    finally:
        context.close()
    assert problems == []
