"""GET /api/v1/bots/{id}, the request a client polls most, answered without Flask's per-request machinery.

Flask builds a request context, a Werkzeug request, a URL adapter and a response object, and runs its
hooks one by one, for every request: that machinery cost more than the answer itself (a cached dump). This
WSGI layer sits in front of the Flask app and answers the plain case of the row's GET itself, through the
same steps and helpers as the pipeline: the Host guard, the Accept check, the token's project, the live
faults, the use case (`bots.get_bot`, which catches the bot's script up), the cached dump, the row's
headers, the request journal and the console log's project. Anything else goes to Flask untouched, before
anything happened: another method or path, a query string, a body, an Accept asking for `indent`, any
check that would refuse, a project with live faults, a bot that is not found. So every answer keeps its
bytes, refusals included (tests/test_fastpath.py compares both paths).
"""

import re
import time

from sandbox.contract import endpoints as table
from sandbox.contract.endpoints import ATTENDEE
from sandbox.contract.errors import AttendeeError
from sandbox.domain.store import StoredDoc
from sandbox.web import journal
from sandbox.web.console import PROJECT_KEY
from sandbox.web.guards import MIDDLEWARE_HEADERS, host_allowed, host_domain
from sandbox.web.pipeline import Route, acceptable, token_of

# The row's `<object_id>` as ids are written: a path Werkzeug would decode or route otherwise goes to Flask.
BOT_PATH = re.compile(r"/api/v1/bots/([A-Za-z0-9_-]{1,100})")
NO_BODY = ("", "0")


def bot_get_row(endpoints=None):
    """The endpoint table's row of GET /api/v1/bots/{id}, when its GET is one this layer can answer: a plain
    use case with no query, body or request facts, whose result is dumped with one schema."""
    for endpoint in table.ENDPOINTS if endpoints is None else endpoints:
        if endpoint.rule != table.BOT or endpoint.kind != ATTENDEE:
            continue
        operation = endpoint.operations.get("GET")
        if operation is None or operation.query or operation.all_query or operation.body is not None:
            return None
        if operation.request or operation.paginated or operation.as_sent or isinstance(operation.response, tuple):
            return None
        return endpoint if operation.response is not None else None
    return None


class FastBotGet:
    """The WSGI application served: the fast answer when it applies, else the Flask app's `wsgi_app`."""

    def __init__(self, app, wsgi, endpoint):
        self.app = app
        self.wsgi = wsgi
        route = Route(endpoint)
        operation = endpoint.operations["GET"]
        self.get_bot = route.use_cases["GET"]
        self.schema = operation.response
        self.status = f"{operation.status} OK" if operation.status == 200 else None
        headers = dict(route.headers)
        headers.update({name: value for name, value in MIDDLEWARE_HEADERS.items() if name not in headers})
        self.headers = list(headers.items())

    def __call__(self, environ, start_response):
        answer = self.answer(environ) if environ.get("REQUEST_METHOD") == "GET" and self.status else None
        if answer is None:
            return self.wsgi(environ, start_response)
        start_response(self.status, answer[0])
        return [answer[1]]

    def answer(self, environ):
        """(headers, body) of the plain case, or None for Flask to answer (nothing done yet)."""
        if environ.get("QUERY_STRING") or environ.get("SCRIPT_NAME") or "HTTP_TRANSFER_ENCODING" in environ:
            return None
        if environ.get("CONTENT_LENGTH", "") not in NO_BODY:
            return None
        path = environ.get("PATH_INFO", "")
        match = BOT_PATH.fullmatch(path)
        if match is None:
            return None
        start = (time.perf_counter(), None)
        extensions = self.app.extensions
        sb = extensions["sandbox"]
        host = environ.get("HTTP_HOST")
        if host is not None:
            domain = host_domain(host)
            if not domain or not host_allowed(domain, sb.settings):
                return None
        accept = environ.get("HTTP_ACCEPT")
        if accept is not None and ("indent" in accept or not acceptable(accept)):
            return None
        key = token_of(environ.get("HTTP_AUTHORIZATION") or "")
        project = sb.project_for_key(key) if key is not None else None
        if project is None or sb.faults.has_faults(project["id"]):
            return None
        sb.own_address.learn(environ)
        start = (start[0], sb.clock.wall_now())
        try:
            doc = self.get_bot(sb, project, match.group(1))
        except AttendeeError:
            return None  # the bot's 404, answered by Flask (the bot's catch-up, if any, is saved already)
        if not isinstance(doc, StoredDoc):
            return None
        body = extensions["dump_cache"].encoded(self.schema, doc, None)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *self.headers]
        environ[PROJECT_KEY] = project["id"]
        try:
            journal.record(sb, project, "GET", path, "", 200, start, (b"", 0))
        except Exception:  # noqa: BLE001 - the journal must never break a request (as its hook)
            pass
        return headers, body


def install(app):
    """Serve GET /api/v1/bots/{id} through `FastBotGet` in front of `app.wsgi_app` (when the row allows)."""
    endpoint = bot_get_row()
    if endpoint is not None:
        app.wsgi_app = FastBotGet(app, app.wsgi_app, endpoint)
    return app
