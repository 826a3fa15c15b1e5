"""The application factory: `create_app(config)` builds the sandbox (`sandbox.assembly.build_sandbox`) and
serves it with the blueprints of `sandbox.web`, answering as the real server does on every route.
"""

import sys
import traceback
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from sandbox.assembly import build_sandbox
from sandbox.config import load_settings
from sandbox.web.responses import DumpCache

__all__ = ["create_app"]


class LazyBuilderRule(Rule):
    """Werkzeug's rule, whose two URL builders (Python code generated and compiled per rule: most of what
    registering the ~90 routes cost at start-up) are compiled at their first use instead: the sandbox
    builds few URLs, and never at start-up."""

    def _compile_builder(self, append_unknown=True):
        compiled = []

        def build(rule, *args, **kwargs):
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown).__get__(rule, None))
            return compiled[0](*args, **kwargs)

        return build


class SandboxResponse(Response):
    """A text body (a dashboard page) holding a lone surrogate, say from an old data file, is written with its
    `\\udXXX` escape instead of failing to encode: no page answers 500 for a value it shows."""

    def set_data(self, value):
        if isinstance(value, str):
            value = value.encode("utf-8", "backslashreplace")
        super().set_data(value)


def create_app(config=None):
    settings = load_settings(config)
    app = Flask(__name__, static_folder=None)  # the dashboard serves its own files under /sandbox/ui
    app.response_class = SandboxResponse
    app.url_rule_class = LazyBuilderRule
    app.url_map.merge_slashes = False  # `/api/v1//bots` is the catch-all's, not a redirect
    app.config["TESTING"] = settings.testing

    sandbox = build_sandbox(settings)
    app.extensions["sandbox"] = sandbox
    app.extensions["dump_cache"] = DumpCache(settings.dump_cache_bots)

    from sandbox.web import register_blueprints

    register_blueprints(app)
    _register_error_handlers(app)
    # Under a WSGI server other than `serve`'s, the environ is the only word on the sandbox's own address.
    # The sandbox is looked up per request: the test suite gives its one app a fresh sandbox per test.
    app.before_request(lambda: current_app.extensions["sandbox"].own_address.learn(request.environ))
    _one_hook_each_way(app)
    from sandbox.web import fastpath

    fastpath.install(app)  # GET /api/v1/bots/{id}'s plain case, in front of Flask
    return app


def _one_hook_each_way(app):
    """The app's before- and after-request hooks run as one hook each, in Flask's order (the befores in
    order until one answers, the afters in reverse): Flask's own cost per hook is paid once per request."""
    befores = tuple(app.before_request_funcs.pop(None, ()))
    afters = tuple(reversed(app.after_request_funcs.pop(None, ())))

    def before_request():
        for hook in befores:
            answer = hook()
            if answer is not None:
                return answer
        return None

    def after_request(response):
        for hook in afters:
            response = hook(response)
        return response

    if befores:
        app.before_request(before_request)
    if afters:
        app.after_request(after_request)


def _register_error_handlers(app):
    from sandbox.web.responses import json_response

    @app.after_request
    def reason_phrase(response):
        """`401 Unauthorized`, as Django writes status lines (Werkzeug would write `401 UNAUTHORIZED`)."""
        try:
            response.status = f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
        except ValueError:
            pass
        return response

    @app.errorhandler(HTTPException)
    def http_error(error):
        """Paths the router cannot match under /api/v1 (e.g. `//`) are the catch-all's; paths outside the
        API (the real server's are Django HTML pages) answer JSON here."""
        if error.code == 404 and request.path.startswith("/api/v1/"):
            from sandbox.web.pipeline import not_found

            return not_found()
        return json_response(error.code, {"error": error.name})

    @app.errorhandler(Exception)
    def unexpected(error):
        """The sandbox never answers 5xx: a bug becomes a clear 400 that says so, and is logged."""
        traceback.print_exception(error, file=sys.stderr)
        message = f"The sandbox could not handle {request.method} {request.path}: {type(error).__name__}"
        return json_response(400, {"error": message})
