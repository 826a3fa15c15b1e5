"""`GET /api/schema`: the OpenAPI 3.0 document of everything the sandbox serves (sandbox/contract/openapi.py
generates it from the endpoint table), with the routes that are not rows, which document themselves: the
recording files (`media.openapi_paths`) and the dashboard (`dashboard.openapi_paths`); the index `GET /` and
the docs page `GET /api/docs` (sandbox/web/docs.py) are not API. Any site may read it (CORS), so a viewer
hosted elsewhere can load it too.

The server is the URL the document was fetched from, so "Try it" in a viewer works against this sandbox. The
path is outside `/api/v1` on purpose: the Attendee API's catch-all answers everything under it.
"""

from flask import Blueprint

from sandbox.contract import openapi
from sandbox.web import dashboard, media
from sandbox.web.guards import public_base_url
from sandbox.web.responses import json_response


def make_blueprint():
    bp = Blueprint("sandbox_schema", __name__)
    bp.add_url_rule("/api/schema", endpoint="schema", view_func=schema, methods=["GET"])
    return bp


def schema():
    """Any site may read it (`Access-Control-Allow-Origin: *`): a viewer elsewhere, an editor, a generator."""
    return json_response(200, openapi_document(public_base_url()), {"Access-Control-Allow-Origin": "*"})


def openapi_document(server_url=None):
    """The whole document: the endpoint table's rows and the hand-registered routes."""
    return openapi.openapi_document(
        server_url,
        extra_paths={**media.openapi_paths(), **dashboard.openapi_paths()},
        extra_tags=[dashboard.OPENAPI_TAG],
    )
