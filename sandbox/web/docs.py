"""The sandbox's front door and its API docs page.

* `GET /`: a small JSON index naming where everything is (the Attendee API, the docs page, the OpenAPI
  document, the dashboard), so that a browser or a script pointed at the bare address finds its way. The real
  server's `/` is its web application (README, Fidelity notes).
* `GET /api/docs`: the served OpenAPI document (`/api/schema`) rendered by Swagger UI, whose files come from
  the `flask-swagger-ui` package (its `dist` folder, Swagger UI's own build): nothing is fetched from another
  site, nor downloaded at run time. "Try it out" calls this sandbox (same origin); the Authorize dialog's
  Token scheme sets the `Authorization` header, and `Token ` is put before a bare key (sandbox/web/static/docs/
  docs.js). The page and its files carry a Content-Security-Policy that allows only this origin's scripts,
  styles, data: images (Swagger UI's icons) and calls.
"""

import importlib.metadata
import importlib.util
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_from_directory

from sandbox.web.guards import public_base_url
from sandbox.web.responses import json_response

DOCS_PATH = "/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
# The files of Swagger UI's own build the page uses, from the package's `dist` folder.
SWAGGER_UI_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png")
OWN_FILES = ("docs.js", "docs.css")  # sandbox/web/static/docs: the page's set-up and its few styles
OWN_DIR = Path(__file__).resolve().parent / "static" / "docs"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
ASSET_MAX_AGE = 3600  # seconds a browser may keep Swagger UI's files (they change with the package only)


def swagger_ui_dir():
    """The `dist` folder of the installed flask-swagger-ui package (found without importing it)."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


def sandbox_version():
    try:
        return importlib.metadata.version("attendee-sandbox")
    except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def make_blueprint():
    bp = Blueprint("sandbox_docs", __name__, template_folder="templates")
    bp.add_url_rule("/", endpoint="index", view_func=index, methods=["GET"])
    bp.add_url_rule(DOCS_PATH, endpoint="docs", view_func=docs_page, methods=["GET"])
    bp.add_url_rule(f"{ASSETS_PATH}/<name>", endpoint="asset", view_func=asset, methods=["GET"])
    return bp


def index():
    base = public_base_url().rstrip("/")
    return json_response(
        200,
        {
            "name": "Attendee Sandbox",
            "version": sandbox_version(),
            "api": f"{base}/api/v1",
            "docs": f"{base}{DOCS_PATH}",
            "schema": f"{base}/api/schema",
            "dashboard": f"{base}/sandbox/ui",
        },
    )


def docs_page():
    html = render_template("api_docs.html", assets=ASSETS_PATH, schema="/api/schema", version=sandbox_version())
    response = Response(html, mimetype="text/html")
    _secure(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def asset(name):
    if name in SWAGGER_UI_FILES:
        folder = swagger_ui_dir()
    elif name in OWN_FILES:
        folder = OWN_DIR
    else:
        folder = None
    if folder is None:
        abort(404)
    response = send_from_directory(folder, name, max_age=ASSET_MAX_AGE)
    _secure(response)
    return response


def _secure(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
