"""One dispatch for every row of the endpoint table (sandbox/contract/endpoints.py): the routes, their checks
in the real server's order, the body, the use case and the answer.

Attendee rows (`/api/v1`) answer as Django REST framework does (docs/contract/conventions.md#order-of-checks): routing
(no match: the
catch-all's 404, without authentication), content negotiation (406), authentication (401), the throttle for
POSTs of throttled views (429), the method check (405, with the row's `Allow`), OPTIONS from the row, an
injected fault, then the view. Werkzeug would answer a wrong method before anything else, so each route is
registered for every method and dispatches itself.

Control rows (`/sandbox`) are registered for their own methods (Werkzeug's 405 and automatic OPTIONS), run
after the guards (sandbox/web/guards.py: Host, other sites' pages, JSON bodies only), authenticate with a
project's token or the admin token, and answer errors as `{"error": ...}`.

Then, for both: the query's checked parameters, the body read and validated (when the row says: see
`body_read`), the use case called by name with `(sb, project, *path, body=..., <query>=..., request=...)`,
and its result dumped with the row's schema and status.
"""

import importlib
import re

from flask import Blueprint, current_app, g, request
from marshmallow.utils import get_value

from sandbox.contract import endpoints as table
from sandbox.contract.endpoints import (
    ADMIN_TOKEN,
    AFTER_LOOKUP,
    ATTENDEE,
    IN_USE_CASE,
    LOOKUPS,
    NOT_FOUND_VIEW,
    PARSES,
    PROJECT_TOKEN,
    RENDERS,
    RequestFacts,
    options_metadata,
)
from sandbox.contract.errors import (
    AttendeeError,
    BodyTooLarge,
    DetailError,
    NotAuthenticated,
    SandboxInputError,
)
from sandbox.contract.inputs import InputError, find_lone_surrogate, loads_json
from sandbox.contract.pagination import Rows, paginate, request_url
from sandbox.contract.requests import Body, ParseContext
from sandbox.contract.responses import AS_SENT, Created
from sandbox.domain.store import StoredDoc
from sandbox.usecases.control import check_admin
from sandbox.web.guards import control_body_too_large_message, public_base_url, read_body
from sandbox.web.responses import SECURITY_HEADERS, empty_response, error_response, json_response, stored_response

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
PATH_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
USE_CASES = "sandbox.usecases"

__all__ = [
    "ALL_METHODS", "Route", "acceptable", "authenticate", "parse_body", "register", "request_facts", "sandbox",
    "token_of", "use_case",
]


def sandbox():
    return current_app.extensions["sandbox"]


def register(app, endpoints=None):
    """Serve every row of `endpoints` (the table, read when the app is made) and the Attendee API's catch-all."""
    rows = table.ENDPOINTS if endpoints is None else endpoints
    api = Blueprint("attendee_api", __name__)
    control = Blueprint("sandbox_control", __name__)
    for endpoint in rows:
        route = Route(endpoint)
        if endpoint.kind == ATTENDEE:
            api.add_url_rule(endpoint.rule, endpoint=endpoint.rule, view_func=route.attendee, methods=ALL_METHODS)
        else:
            control.add_url_rule(endpoint.rule, endpoint=endpoint.rule, view_func=route.control,
                                 methods=list(endpoint.operations))
    api.add_url_rule("/api/v1/", endpoint="catch_all_root", view_func=not_found, methods=ALL_METHODS)
    api.add_url_rule("/api/v1/<path:rest>", endpoint="catch_all", view_func=not_found, methods=ALL_METHODS)
    app.register_blueprint(api)
    app.register_blueprint(control)


class Route:
    """One row, served: what it knows once (its `Allow`, its OPTIONS answer, its use cases) and its views."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.path_arguments = PATH_ARGUMENT.findall(endpoint.rule)
        self.headers = {**SECURITY_HEADERS, "Allow": endpoint.allow}
        self.options = options_metadata(endpoint) if endpoint.kind == ATTENDEE else None
        self.use_cases = {method: use_case(op.use_case) for method, op in endpoint.operations.items()}

    def attendee(self, **path):
        """The Attendee API's order of checks, then the operation; the row's headers on every answer."""
        req = request._get_current_object()  # one proxy lookup, not one per attribute
        sb = current_app.extensions["sandbox"]
        try:
            check_accept()
            project = authenticate()
            g.project = project
            if req.method == "POST" and self.endpoint.throttled:
                sb.throttle.check(project)
            if req.method == "OPTIONS":
                return json_response(200, self.options, self.headers)
            method = "GET" if req.method == "HEAD" else req.method
            if method not in self.endpoint.operations:
                raise DetailError(f'Method "{req.method}" not allowed.', status=405)
            fault = sb.faults.match(project["id"], req.method, req.path)
            faulted = fault_response(fault, sb.delayed_requests, project["id"]) if fault is not None else None
            response = faulted if faulted is not None else self.run(sb, method, project, path)
        except AttendeeError as error:
            response = error_response(error)
        # The row's headers (fixed, valid strings) appended as Headers.extend would, without its per-header checks.
        listed = response.headers._list
        present = {name for name, _ in listed}
        listed.extend([(name, value) for name, value in self.headers.items() if name not in present])
        return response  # for HEAD, Werkzeug sends the GET's headers and drops the body

    def control(self, **path):
        """The control plane: its own authentication, then the operation; errors as `{"error": ...}`."""
        sb = current_app.extensions["sandbox"]
        method = "GET" if request.method == "HEAD" else request.method
        try:
            project = None
            if self.endpoint.auth == PROJECT_TOKEN:
                project = authenticate()
            elif self.endpoint.auth == ADMIN_TOKEN:
                check_admin(sb.settings, request.headers.get("X-Sandbox-Admin-Token"))
            return self.run(sb, method, project, path)
        except AttendeeError as error:
            return error_response(error)

    def run(self, sb, method, project, path):
        operation = self.endpoint.operations[method]
        args = [sb] + ([] if project is None else [project]) + [path[name] for name in self.path_arguments]
        kwargs = query_arguments(operation, request.args)
        body = None
        if operation.body is not None:
            body = self.read_body(sb, operation, project, args)
            kwargs.update(body if operation.body.arguments else {"body": body})
        if operation.request:
            kwargs["request"] = request_facts()
        ordering = kwargs.get(operation.ordering_param, operation.ordering)
        return answer(operation, self.use_cases[method](*args, **kwargs), body, ordering)

    def read_body(self, sb, operation, project, args):
        """The body read and validated now, before the domain runs; its refusal raised now, after the lookup
        (`AFTER_LOOKUP`: the object's 404 first), or by the use case (`IN_USE_CASE`: it gets a `Body`)."""
        rule = operation.body
        context = ParseContext(None if project is None else sb.now(project), sb.settings)
        if self.endpoint.kind != ATTENDEE:
            return rule.parse(control_body(), context)
        value, error, unreadable = None, None, False
        try:
            data = request_data()
        except AttendeeError as exc:
            error, unreadable = exc, True
        else:
            try:
                value = rule.parse(data, context)
            except AttendeeError as exc:
                error = exc
        if operation.body_read == IN_USE_CASE:
            return Body(value, error, unreadable)
        if error is not None:
            if operation.body_read == AFTER_LOOKUP:
                use_case(LOOKUPS[self.endpoint.resource])(*args)  # the object's 404 comes first
            raise error
        return value


_USE_CASES = {}


def use_case(name):
    """`"bots.leave"` -> `sandbox.usecases.bots.leave`."""
    if name not in _USE_CASES:
        module, _, function = name.rpartition(".")
        _USE_CASES[name] = getattr(importlib.import_module(f"{USE_CASES}.{module}"), function)
    return _USE_CASES[name]


def query_arguments(operation, args):
    """The query parameters the row declares, as the use case's keyword arguments: the last value of each
    (Django's `QueryDict.get`) or every value (`many`), checked by the row's `check` where it has one. A row
    with `all_query` hands every parameter over as `query`."""
    if operation.all_query:
        return {"query": {name: args.getlist(name)[-1] for name in args}}
    out = {}
    for param in operation.query:
        if not param.keyword:
            continue
        values = args.getlist(param.name)
        value = values if param.many else (values[-1] if values else None)
        if param.alias and not value:  # `get(name) or get(alias)`
            aliased = args.getlist(param.alias)
            value = aliased[-1] if aliased else None
        out[param.keyword] = value if param.check is None else param.check(param.name, value)
    return out


def answer(operation, result, body, ordering="created_at"):
    """The use case's result dumped with the row's schema and status (a page of it, for a list, in
    `ordering`: a field, `-field` descending)."""
    if isinstance(operation.response, tuple):
        choice = next(choice for choice in operation.response if isinstance(result, choice.type))
        return json_response(choice.status, choice.schema.dump(result.value if isinstance(result, Created) else result))
    if operation.response is None:
        return empty_response(operation.status)
    schema = operation.response
    if operation.paginated:
        field = ordering.lstrip("-")
        if isinstance(result, Rows):  # the unfiltered bot list: only the page's bots are read
            page, next_url, previous_url = paginate(
                result.keys, result.created_at_of, request_url(request), page_size=operation.page_size,
                descending=ordering.startswith("-"), load=result.load,
            )
        else:
            page, next_url, previous_url = paginate(
                result, lambda item: get_value(item, field), request_url(request), page_size=operation.page_size,
                descending=ordering.startswith("-"),
            )
        result = {"next": next_url, "previous": previous_url, "results": page}
    elif operation.as_sent and isinstance(body, dict) and body.get(operation.as_sent) is not None:
        schema = AS_SENT.get(schema, schema)
    elif isinstance(result, StoredDoc):
        return stored_response(current_app.extensions["dump_cache"], operation.status, schema, result)
    return json_response(operation.status, schema.dump(result))


def request_facts():
    """The request's facts a use case may read (`RequestFacts`)."""
    return RequestFacts(host_url=request.host_url, public_url=public_base_url(), url=request_url(request))


def parse_body(rule, data, sb, project):
    """A body rule of the table applied to `data` outside a request of its endpoint (the dashboard's forms)."""
    return rule.parse(data, ParseContext(sb.now(project), sb.settings))


def fault_response(fault, delayed_requests, project_id):
    """An injected fault (control API): wait `delay_ms`, then answer as told, before any state change.

    The wait is `delayed_requests.hold`'s: bounded per project and in all (a 429 past the limits), on a
    thread the server lends meanwhile, so a project's delayed requests never delay another project's.
    """
    if fault.delay_ms:
        delayed_requests.hold(project_id, fault.delay_ms / 1000)
    if fault.status is None:
        return None
    return json_response(fault.status, fault.body, {**fault.headers})


# -- content negotiation (406) ------------------------------------------------------------------------


def check_accept():
    if not acceptable(request.environ.get("HTTP_ACCEPT")):  # request.headers.get("Accept"), without its lookups
        raise DetailError("Could not satisfy the request Accept header.", status=406)


def acceptable(accept):
    """Whether an Accept header (None: absent) names a media type the API renders."""
    if accept is None or not accept.strip():
        return True
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "application/*", "application/json", "text/*", "text/html"):
            return True
    return False


# -- authentication (docs/contract/conventions.md#authorization-header to #other-project)
# -------------------------------------------------------------------------


def authenticate():
    header = request.environ.get("HTTP_AUTHORIZATION")  # request.headers.get("Authorization")
    if header is None:
        raise NotAuthenticated("Missing Authorization header")
    key = token_of(header)
    if key is None:
        raise NotAuthenticated("Invalid Authorization header. Should have this format: Token <api_key>")
    project = sandbox().project_for_key(key)
    if project is None:
        raise NotAuthenticated("Invalid or disabled API key")
    return project


def token_of(header):
    """The API key of an `Authorization: Token <api_key>` header, or None when it is not of that form."""
    parts = header.split()
    return parts[1] if len(parts) == 2 and parts[0].lower() == "token" else None


# -- request bodies (docs/contract/conventions.md#body-parsing)
# -----------------------------------------------------------------------------


def request_data():
    """The body as DRF's default parsers read it, or the contract's 400/415 answers.

    Only rows with a body read it: the others ignore any body, even garbage
    (docs/contract/conventions.md#body-parsing). As in DRF, the parser is
    chosen from the Content-Type before the body is read; reading it is Django's `request.body` (400
    `Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.` above SANDBOX_MAX_BODY_BYTES).
    """
    length = request.content_length
    if length == 0 or (length is None and not read_body()):
        return {}
    content_type = request.headers.get("Content-Type")
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json":
        raw = read_body()
        try:
            text = raw.decode(request.mimetype_params.get("charset", "utf-8"))
            return loads_json(text, max_depth=sandbox().settings.max_json_depth)
        except (ValueError, LookupError) as exc:
            raise DetailError(f"JSON parse error - {exc}") from None
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        read_body()  # bounded; Werkzeug parses the form from what it read
        return {key: request.form.get(key) for key in request.form}
    raise DetailError(f'Unsupported media type "{content_type or ""}" in request.', status=415)


def control_body():
    """The control plane's body: a JSON object ({} when empty). Refused with a 400 naming what is wrong: over
    SANDBOX_MAX_BODY_BYTES, not JSON, `NaN` or a number only an infinity holds, nested deeper than
    SANDBOX_MAX_JSON_DEPTH, or a string with a lone surrogate (no UTF-8 page or webhook could carry it)."""
    try:
        raw = read_body()
    except BodyTooLarge:
        raise SandboxInputError(control_body_too_large_message()) from None
    if not raw.strip():
        return {}
    try:
        data = loads_json(raw.decode("utf-8"), max_depth=sandbox().settings.max_json_depth, finite=True)
    except InputError as exc:
        raise SandboxInputError(f"The body is refused: {exc}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise SandboxInputError(f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SandboxInputError("The body must be a JSON object")
    where = find_lone_surrogate(data)
    if where is not None:
        raise SandboxInputError(
            f"{where} contains a lone surrogate (an unpaired \\ud800-\\udfff escape), which UTF-8 cannot carry: "
            "send the character itself or a complete surrogate pair"
        )
    return data


# -- the catch-all (docs/contract/conventions.md#catch-all)
# ------------------------------------------------------------------------------


def not_found(rest=""):
    """Any other path under /api/v1 (docs/contract/conventions.md#catch-all): 404 `Not found` to every method, with no
    authentication."""
    headers = {**SECURITY_HEADERS, "Allow": ", ".join(ALL_METHODS)}
    if request.method == "OPTIONS":
        body = {"name": NOT_FOUND_VIEW, "description": "", "renders": RENDERS, "parses": PARSES}
        return json_response(200, body, headers)
    basic = _basic_auth_refusal(request.headers.get("Authorization", ""))
    if basic:
        return json_response(403, {"detail": basic}, headers)
    return json_response(404, {"error": "Not found"}, headers)


def _basic_auth_refusal(header):
    """The catch-all uses DRF's session and basic authentication, so a bad Basic header is a 403."""
    import base64
    import binascii

    parts = header.split()
    if not parts or parts[0].lower() != "basic":
        return None
    if len(parts) == 1:
        return "Invalid basic header. No credentials provided."
    if len(parts) > 2:
        return "Invalid basic header. Credentials string should not contain spaces."
    try:
        decoded = base64.b64decode(parts[1]).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "Invalid basic header. Credentials not correctly base64 encoded."
    if ":" not in decoded:
        return "Invalid basic header. Credentials not correctly base64 encoded."
    return "Invalid username/password."
