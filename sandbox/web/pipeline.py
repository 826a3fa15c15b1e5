"""The Attendee API's request pipeline: one registration per route, the contract's order of checks.

The real server (Django REST framework) answers every route in the same order (contract 1.8): routing
(no match: the catch-all 404, no authentication), content negotiation (406), authentication (401),
throttle for POSTs of throttled views (429), method check (405), then the view. Werkzeug would answer a
wrong method before anything else, so each route is registered for every method and `AttendeeRoute`
dispatches itself.
"""

from dataclasses import dataclass, field

from flask import current_app, g, request

from sandbox.contract.errors import (
    AttendeeError,
    DetailError,
    FieldErrors,
    NotAuthenticated,
)
from sandbox.contract.inputs import loads_json
from sandbox.web.guards import read_body
from sandbox.web.responses import (
    SECURITY_HEADERS,
    error_response,
    json_response,
)

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def sandbox():
    return current_app.extensions["sandbox"]


@dataclass
class AttendeeRoute:
    """One DRF view: its handlers by method, which POSTs are throttled, and its OPTIONS name."""

    rule: str
    name: str
    description: str = ""
    handlers: dict = field(default_factory=dict)
    throttled: bool = False
    actions: dict | None = None

    def handler(self, method):
        def register(fn):
            self.handlers[method] = fn
            return fn

        return register

    @property
    def allow(self):
        methods = set(self.handlers) | {"OPTIONS"} | ({"HEAD"} if "GET" in self.handlers else set())
        return ", ".join(m for m in METHOD_ORDER if m in methods)

    def dispatch(self, **path_args):
        headers = {**SECURITY_HEADERS, "Allow": self.allow}
        req = request._get_current_object()  # one proxy lookup, not one per attribute
        sb = current_app.extensions["sandbox"]
        try:
            check_accept()
            project = authenticate()
            g.project = project
            if req.method == "POST" and self.throttled:
                sb.throttle.check(project)
            method = "GET" if req.method == "HEAD" else req.method
            if req.method == "OPTIONS":
                return json_response(200, self.options_body(), headers)
            if method not in self.handlers:
                raise DetailError(f'Method "{req.method}" not allowed.', status=405)
            fault = sb.faults.match(project["id"], req.method, req.path)
            faulted = fault_response(fault, sb.delayed_requests, project["id"]) if fault is not None else None
            response = faulted if faulted is not None else self.handlers[method](project, **path_args)
        except AttendeeError as error:
            response = error_response(error)
        present = {name for name, _ in response.headers.items()}
        response.headers.extend([(name, value) for name, value in headers.items() if name not in present])
        return response  # for HEAD, Werkzeug sends the GET's headers and drops the body

    def options_body(self):
        body = {"name": self.name, "description": self.description, "renders": RENDERS, "parses": PARSES}
        if self.actions:
            body["actions"] = self.actions
        return body


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
    accept = request.headers.get("Accept")
    if accept is None or not accept.strip():
        return
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "application/*", "application/json", "text/*", "text/html"):
            return
    raise DetailError("Could not satisfy the request Accept header.", status=406)


# -- authentication (1.1-1.3) -------------------------------------------------------------------------


def authenticate():
    header = request.headers.get("Authorization")
    if header is None:
        raise NotAuthenticated("Missing Authorization header")
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "token":
        raise NotAuthenticated("Invalid Authorization header. Should have this format: Token <api_key>")
    project = sandbox().project_for_key(parts[1])
    if project is None:
        raise NotAuthenticated("Invalid or disabled API key")
    return project


# -- throttling (1.7) ---------------------------------------------------------------------------------


# -- request bodies (1.4) -----------------------------------------------------------------------------


def request_data():
    """The body as DRF's default parsers read it, or the contract's 400/415 answers.

    Only views that read the body call this: the others ignore any body, even garbage (1.4). As in DRF, the
    parser is chosen from the Content-Type before the body is read; reading it is Django's `request.body`
    (400 `Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.` above SANDBOX_MAX_BODY_BYTES).
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


def request_object():
    """The body of a serializer-based view: it must be a JSON object (1.4)."""
    data = request_data()
    if data is None:
        raise FieldErrors({"non_field_errors": ["No data provided"]})
    if not isinstance(data, dict):
        raise FieldErrors({"non_field_errors": [invalid_data_message(data)]})
    return data


_PYTHON_TYPE_NAMES = {list: "list", str: "str", int: "int", float: "float", bool: "bool", type(None): "NoneType"}


def invalid_data_message(data):
    return f"Invalid data. Expected a dictionary, but got {_PYTHON_TYPE_NAMES.get(type(data), type(data).__name__)}."
