"""The OpenAPI 3.0 document of everything the sandbox serves, generated, so it agrees with behaviour by
construction:

* paths and operations from the endpoint table (sandbox/contract/endpoints.py): its routes, methods, query
  parameters, statuses, and the errors each kind of row can produce (the Attendee API's 401, 406, 415 for a
  row that reads its body, 429 for a throttled POST; the control plane's admin token, guards and 400s);
* request bodies from the table's body rules: the serializers' own `openapi()` (every field with the limits
  it enforces, sandbox/contract/drf.py), or the fragment a hand-written parser states;
* responses from the marshmallow schemas of sandbox/contract/responses.py, by the converter below (fields in
  order, all required unless `optional`, closed objects, their patterns and enums);
* the state, event and trigger enumerations from sandbox/contract/states.py and webhooks.py.

`build_openapi()` is the Attendee bots API (`/api/v1`); `openapi_document()` adds the sandbox's own
endpoints, and the routes that are not rows document themselves (`extra_paths`). Pure module: no Flask, no
I/O; each call returns a new document that shares nothing with another.

Where the document departs from Attendee's published one, the real server's behaviour wins; `DIVERGENCES`
lists each departure and why.
"""

from __future__ import annotations

import re

from marshmallow import fields

from sandbox.contract import endpoints as table
from sandbox.contract.endpoints import ADMIN_TOKEN, ATTENDEE, CONTROL, OPEN, PROJECT_TOKEN
from sandbox.contract.responses import (  # noqa: F401 - the vocabulary the document names
    ASYNC_TRANSCRIPTION_STATES,
    BOT_STATES,
    ENUMS,
    EVENT_SUB_TYPES,
    EVENT_TYPES,
    ref,
)
from sandbox.contract.states import APP_SESSION_STATES, RECORDING_STATES, TRANSCRIPTION_STATES  # noqa: F401
from sandbox.contract.webhooks import TRIGGERS as WEBHOOK_TRIGGERS  # noqa: F401

__all__ = [
    "API_PREFIX",
    "SANDBOX_PREFIX",
    "BOT_STATES",
    "EVENT_TYPES",
    "EVENT_SUB_TYPES",
    "DIVERGENCES",
    "UndocumentedResponse",
    "build_openapi",
    "openapi_document",
    "add_sandbox_paths",
    "find_operation",
    "find_response",
    "response_schema",
    "allowed_methods",
]

OPENAPI_VERSION = "3.0.3"
API_PREFIX = "/api/v1"
SANDBOX_PREFIX = "/sandbox"
SECURITY_SCHEME = "Token"
ADMIN_SCHEME = "SandboxAdminToken"
JSON = "application/json"

#: Where this document deliberately departs from the published Attendee document, and why.
DIVERGENCES = (
    "Bot.events[].sub_type is omitted when absent, never null (contract 10.1); it is tied to its event type.",
    "Bot.transcription_state and Bot.recording_state are nullable (contract 10.11); the published "
    "document has them non-null, and the sandbox never returns null for API-created bots.",
    "ChatMessage.sender_name is nullable (contract 6.11); the published document has it non-null.",
    "Endpoints missing from the published document are documented (contract 10.13): POST/DELETE "
    "transcript, admit_from_waiting_room, change_gallery_view_page, transcription_settings.",
    "Statuses missing from the published document are documented (contract 10.14): 401, 406, 415, 429, "
    "empty 200 bodies, 200 (not 201) for async transcription creation, 500 of create and chat.",
    "Authentication is a Token security scheme instead of header parameters (contract 10.12).",
    "Response objects are closed (additionalProperties: false), lists always carry next and previous, "
    "ids, datetimes and some strings carry the patterns the server is known to produce.",
    "Request bodies state the limits the real serializers enforce, and only those (a bot_name longer than "
    "255 characters is the database's error, not a field's, so no maxLength is stated).",
)

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Order of methods in DRF's `Allow` header.
_ALLOW_ORDER = ("get", "post", "put", "patch", "delete", "head", "options")
PATH_PARAMETERS = {
    "object_id": "Bot id, e.g. `bot_D5zWNQV3GFhR84VM`.",
    "uuid": "The participant's uuid.",
    "platform_uuid": "The remote event's id (its `platform_uuid`): 1 to 1024 characters.",
    "authorization_code": "The code, as `POST /api/v1/zoom_oauth_connections` will send it (1 to 1024 characters).",
    "fault_id": "The fault's id (`flt_...`).",
    "delivery_id": "The delivery's id (`whd_...`).",
    "project_id": "The project's id (`proj_...`): the one the key belongs to.",
}


#: What `<object_id>` names, by the path's resource (the first segment after the prefix).
OBJECT_IDS = {
    "bots": ("Bot id, e.g. `bot_D5zWNQV3GFhR84VM`.", "The bot's id (`bot_...`)."),
    "calendars": ("Calendar id, e.g. `cal_PtJD6xkFkrpjYhaI`.", "The calendar's id (`cal_...`)."),
    "zoom_oauth_connections": (
        "Zoom OAuth connection id, e.g. `zoc_FIn7N2LiHyr3d3PF`.", "The Zoom OAuth connection's id (`zoc_...`)."
    ),
}
#: The tag of an Attendee operation, by its resource.
TAGS = {"bots": "Bots", "calendars": "Calendars", "calendar_events": "Calendars",
        "zoom_oauth_connections": "Zoom OAuth connections"}
TAG_DESCRIPTIONS = {
    "Bots": "Meeting bots (`/api/v1/bots`).",
    "Calendars": "Google and Microsoft calendars and their events (`/api/v1/calendars`, `/api/v1/calendar_events`).",
    "Zoom OAuth connections": "Zoom users' authorizations of the project's Zoom OAuth app "
    "(`/api/v1/zoom_oauth_connections`).",
}


def resource_of(template):
    """`/api/v1/calendars/{object_id}` -> `calendars`; `/sandbox/calendars/...` -> `calendars`."""
    return template.strip("/").split("/")[2 if template.startswith(API_PREFIX) else 1]


def object_id_param(template, control=False):
    described = OBJECT_IDS.get(resource_of(template), OBJECT_IDS["bots"])
    return path_param("object_id", described[1] if control else described[0])


class UndocumentedResponse(LookupError):
    """The document has no operation for that method and path, or no response for that status."""


# --------------------------------------------------------------------------------------------------
# Small builders
# --------------------------------------------------------------------------------------------------


def string(**extra):
    return {"type": "string", **extra}


def json_content(description, schema, headers=None):
    response = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def error(description):
    return json_content(description, ref("Error"))


def path_param(name, description=None):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": string(),
        "description": description or PATH_PARAMETERS[name],
    }


def query_param(name, description, schema=None, **extra):
    return {"name": name, "in": "query", "required": False, "schema": schema or string(), "description": description,
            **extra}


def template_of(rule):
    """A Flask rule (`/bots/<object_id>`) as an OpenAPI path template (`/bots/{object_id}`)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


# --------------------------------------------------------------------------------------------------
# marshmallow schemas -> components
# --------------------------------------------------------------------------------------------------

#: What each marshmallow field type says (first match wins); Raw, Method and Function say nothing by
#: themselves: their `metadata["openapi"]` does.
_FIELD_TYPES = (
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Number, {"type": "number"}),
    (fields.String, {"type": "string"}),
    (fields.Mapping, {"type": "object"}),
)


_CONSTANT_TYPES = {bool: "boolean", int: "integer", float: "number"}


class Components:
    """The component schemas of a document, collected while its operations are described."""

    def __init__(self):
        self.schemas = {name: dict(schema) for name, schema in ENUMS.items()}

    def of(self, schema):
        """A reference to the component of a schema (class or instance), an array of it for `many`."""
        cls = schema if isinstance(schema, type) else type(schema)
        name = cls.Meta.name
        if name not in self.schemas:
            if hasattr(cls, "openapi_components"):
                self.schemas.update(cls.openapi_components())
            else:
                self.schemas[name] = {}  # taken: a schema that refers to itself stops here
                self.schemas[name] = self.object_of(cls)
        if getattr(schema, "many", False):
            return {"type": "array", "items": ref(name)}
        return ref(name)

    def object_of(self, cls):
        properties, required = {}, []
        for name, field in cls._declared_fields.items():
            key = field.data_key or name
            properties[key] = self.field(field)
            if not field.metadata.get("optional"):
                required.append(key)
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if not getattr(cls.Meta, "open", False):
            schema["additionalProperties"] = False
        description = getattr(cls.Meta, "description", None)
        if description:
            schema["description"] = description
        return schema

    def field(self, field):
        if hasattr(field, "openapi_fragment"):  # a field that says its schema itself, with components of its own
            return field.openapi_fragment(self)
        if "schema" in field.metadata:
            fragment = self.of(field.metadata["schema"])
        elif isinstance(field, fields.Nested):
            fragment = self.of(field.nested)
            if field.many:
                fragment = {"type": "array", "items": fragment}
        elif isinstance(field, fields.List):
            fragment = {"type": "array", "items": self.field(field.inner)}
        elif hasattr(field, "OPENAPI"):
            fragment = dict(field.OPENAPI)
        elif isinstance(field, fields.Constant):
            fragment = {"type": _CONSTANT_TYPES.get(type(field.constant), "string"), "enum": [field.constant]}
        else:
            fragment = next((dict(said) for kind, said in _FIELD_TYPES if isinstance(field, kind)), {})
        said = field.metadata.get("openapi") or {}
        if "$ref" in said:
            return dict(said)  # OpenAPI 3.0: a reference stands alone
        return {**fragment, **said}

    def body(self, rule):
        """A body rule's component (what its serializer or parser states)."""
        self.schemas.setdefault(rule.name, rule.openapi())
        return ref(rule.name)


#: The three shapes of error body (docs/contract/conventions.md#error-shapes) and OPTIONS' answer.
ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {
            "error": string(description="Human-readable message."),
            "raw_error": string(description="Underlying decoder error (output_audio only)."),
        },
        "required": ["error"],
        "additionalProperties": False,
        "description": 'A hand-written error of the server: `{"error": "..."}`.',
    },
    "Detail": {
        "type": "object",
        "properties": {"detail": string(description="Human-readable message.")},
        "required": ["detail"],
        "additionalProperties": False,
        "description": 'A framework error (auth, negotiation, parsing, throttling, cursor): `{"detail": "..."}`.',
    },
    "FieldErrors": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]},
        "description": "Serializer validation errors: field name (or `non_field_errors`) to a list of messages, "
        "or to a nested map of the same kind.",
    },
    "BadRequest": {
        "description": "Any 400 body of a view that reads its request body.",
        "anyOf": [ref("Error"), ref("Detail"), ref("FieldErrors")],
    },
    "OptionsMetadata": {
        "type": "object",
        "required": ["name", "description", "renders", "parses"],
        "properties": {
            "name": string(),
            "description": string(),
            "renders": {"type": "array", "items": string()},
            "parses": {"type": "array", "items": string()},
            "actions": {"type": "object"},
        },
        "description": "Metadata of a view, answered to OPTIONS.",
    },
}


# --------------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------------


def _request_body(rule, components):
    return {"required": rule.required, "content": {JSON: {"schema": components.body(rule)}}}


def _answers(operation, components):
    """The success answers of an operation, by status."""
    if operation.response is None:
        return {str(operation.status): {"description": operation.returns + " Empty body (Content-Length 0) and "
                                        "no Content-Type."}}
    if not isinstance(operation.response, tuple):
        return {str(operation.status): json_content(operation.returns, components.of(operation.response))}
    by_status = {}
    for choice in operation.response:
        by_status.setdefault(choice.status, []).append(choice)
    out = {}
    for status, choices in by_status.items():
        schemas = [components.of(choice.schema) for choice in choices]
        out[str(status)] = json_content(
            "; or ".join(choice.description for choice in choices),
            schemas[0] if len(schemas) == 1 else {"oneOf": schemas},
        )
    return out


def _declared_errors(endpoint, operation):
    """The errors the row names: a 400 of a view that reads its body can take any of the three shapes; a
    list's 404 is also its invalid cursor; a `(description, media type)` pair is a non-JSON answer."""
    out = {}
    for status, said in operation.errors.items():
        if isinstance(said, tuple):
            description, media = said
            out[str(status)] = {"description": description, "content": {media: {"schema": string()}}}
        elif status == 400 and operation.body is not None and endpoint.kind == ATTENDEE:
            out[str(status)] = json_content(said, ref("BadRequest"))
        else:
            out[str(status)] = error(said)
    if operation.paginated:
        if endpoint.resource is None:
            out["404"] = json_content('Invalid cursor: `{"detail":"Invalid cursor"}`.', ref("Detail"))
        else:
            out["404"] = json_content(
                f'{endpoint.resource.capitalize()} not found (`{{"error":"{endpoint.resource.capitalize()} not '
                'found"}`) or invalid cursor (`{"detail":"Invalid cursor"}`).',
                {"anyOf": [ref("Error"), ref("Detail")]},
            )
    return out


def _query_parameters(operation):
    out = []
    for param in operation.query:
        extra = {"style": "form", "explode": True} if param.many else {}
        out.append(query_param(param.name, param.description, dict(param.schema), **extra))
        if param.alias:
            out.append(query_param(
                param.alias, f"Deprecated alias of `{param.name}`, read when that one is absent or empty.",
                dict(param.schema), deprecated=True,
            ))
    return out


def _framework_errors(throttled, reads_body):
    """What DRF itself answers before the view (docs/contract/conventions.md)."""
    responses = {
        "401": json_content(
            "Missing, malformed, unknown or disabled API key.",
            ref("Detail"),
            headers={"WWW-Authenticate": {"schema": string(enum=["Token"]), "description": "Always `Token`."}},
        ),
        "406": json_content("The Accept header cannot be satisfied.", ref("Detail")),
    }
    if reads_body:
        responses["415"] = json_content("The request body has an unsupported content type.", ref("Detail"))
    if throttled:
        responses["429"] = json_content(
            "Too many POST requests for the project.",
            ref("Detail"),
            headers={"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
        )
    return responses


def _attendee_operation(endpoint, method, operation, components):
    tag = TAGS[resource_of(template_of(endpoint.rule))]
    doc = {"operationId": operation.operation_id, "summary": operation.summary, "tags": [tag]}
    if operation.description:
        doc["description"] = operation.description
    parameters = _query_parameters(operation)
    if parameters:
        doc["parameters"] = parameters
    if operation.body is not None:
        doc["requestBody"] = _request_body(operation.body, components)
    throttled = method == "POST" and endpoint.throttled
    responses = {
        **_answers(operation, components),
        **_declared_errors(endpoint, operation),
        **_framework_errors(throttled, operation.body is not None),
    }
    doc["responses"] = {status: responses[status] for status in sorted(responses)}
    doc["security"] = [{SECURITY_SCHEME: []}]
    doc["x-throttled"] = throttled
    doc["x-published"] = operation.published
    return doc


def _head_of(get):
    """HEAD answers exactly like GET, without a body."""
    head = {
        "operationId": "head" + get["operationId"][0].upper() + get["operationId"][1:],
        "summary": "Headers of: " + get["summary"],
        "tags": list(get["tags"]),
    }
    if "parameters" in get:
        head["parameters"] = [dict(p) for p in get["parameters"]]
    head["responses"] = {}
    for status, response in get["responses"].items():
        head["responses"][status] = {"description": response["description"] + " (no body for HEAD)"}
        if "headers" in response:
            head["responses"][status]["headers"] = response["headers"]
    head["security"] = [{SECURITY_SCHEME: []}]
    head["x-throttled"] = False
    head["x-published"] = False
    return head


def _options(template):
    """OPTIONS of a path: `optionsBots`, `optionsBot`, `optionsBotLeave`, `optionsCalendarEvents`, ..."""
    parts = template[len(API_PREFIX) + 1:].split("/")
    words = [parts[0].removesuffix("s")] + parts[2:] if parts[1:2] == ["{object_id}"] else parts
    return {
        "operationId": "options" + "".join(w.capitalize() for p in words for w in p.split("_")),
        "summary": "Describe the view (DRF metadata).",
        "tags": [TAGS[resource_of(template)]],
        "responses": {
            "200": json_content("Name, description, renderers and parsers of the view.", ref("OptionsMetadata")),
            **_framework_errors(throttled=False, reads_body=False),
        },
        "security": [{SECURITY_SCHEME: []}],
        "x-throttled": False,
        "x-published": False,
    }


def _attendee_paths(rows, components):
    paths = {}
    for endpoint in rows:
        template = template_of(endpoint.rule)
        item = {
            method.lower(): _attendee_operation(endpoint, method, operation, components)
            for method, operation in endpoint.operations.items()
        }
        if "get" in item:
            item["head"] = _head_of(item["get"])
        item["options"] = _options(template)
        ordered = {method: item[method] for method in _ALLOW_ORDER if method in item}
        names = re.findall(r"\{([^}]+)\}", template)
        if names:
            ordered["parameters"] = [object_id_param(template) if name == "object_id" else path_param(name)
                                     for name in names]
        paths[template] = ordered
    return dict(sorted(paths.items()))


BAD_INPUT = "Bad input: `{\"error\": \"<what is wrong>\"}`."
UNAUTHORIZED = "Missing, malformed, unknown or disabled API key (the API's own 401)."
CROSS_SITE = "Sent by another site's page: its `Origin` is not this sandbox's own (sandbox/web/guards.py)."
NOT_JSON = "A body (or a `Content-Type`) other than `application/json`: a form cannot drive the control plane."
SECURITY = {
    PROJECT_TOKEN: [{SECURITY_SCHEME: []}],
    ADMIN_TOKEN: [{}, {ADMIN_SCHEME: []}],
    OPEN: [],
}


def _control_operation(endpoint, method, operation, components):
    doc = {"operationId": operation.operation_id, "summary": operation.summary, "security": SECURITY[endpoint.auth]}
    if operation.description:
        doc["description"] = operation.description
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", endpoint.rule)
    template = template_of(endpoint.rule)
    parameters = [object_id_param(template, control=True) if name == "object_id" else path_param(name)
                  for name in names]
    parameters += _query_parameters(operation)
    if parameters:
        doc["parameters"] = parameters
    if operation.body is not None:
        doc["requestBody"] = _request_body(operation.body, components)
    responses = {**_answers(operation, components)}
    if operation.body is not None or operation.query:
        responses["400"] = error(BAD_INPUT)
    responses.update(_declared_errors(endpoint, operation))
    if endpoint.auth == PROJECT_TOKEN:
        responses["401"] = json_content(UNAUTHORIZED, ref("Detail"))
    elif endpoint.auth == ADMIN_TOKEN:
        responses["401"] = error("SANDBOX_ADMIN_TOKEN is set and the header is missing.")
        responses["403"] = error("The admin token is wrong.")
    responses.setdefault("403", error(CROSS_SITE))
    if method in ("POST", "PUT", "PATCH"):
        responses["415"] = error(NOT_JSON)
    doc["responses"] = {status: responses[status] for status in sorted(responses)}
    return doc


def _control_paths(rows, components):
    paths = {}
    for endpoint in rows:
        paths[template_of(endpoint.rule)] = {
            method.lower(): _control_operation(endpoint, method, operation, components)
            for method, operation in endpoint.operations.items()
        }
    return paths


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


_GENERATED = {}  # id(table) -> (table, what `_generate` made of it): the document is made once per table


def _generated(rows):
    cached = _GENERATED.get(id(rows))
    if cached is None or cached[0] is not rows:
        if len(_GENERATED) >= 8:  # tables made on the fly (tests) do not pile up
            _GENERATED.clear()
        cached = _GENERATED[id(rows)] = (rows, _generate(rows))
    return cached[1]


def _generate(rows):
    """(the Attendee API's paths and components, the control plane's paths and components) of a table."""
    api = Components()
    api.schemas.update(ERROR_SCHEMAS)
    api_paths = _attendee_paths([row for row in rows if row.kind == ATTENDEE], api)
    control = Components()
    control.schemas.update(api.schemas)
    control_paths = _control_paths([row for row in rows if row.kind == CONTROL], control)
    extra = {name: schema for name, schema in control.schemas.items() if name not in api.schemas}
    return (api_paths, api.schemas), (control_paths, extra)


def build_openapi(server_url: str | None = None, endpoints=None) -> dict:
    """The OpenAPI 3.0.3 document of the Attendee bots API (the table's `/api/v1` rows).

    `server_url` (e.g. `http://127.0.0.1:8000`) becomes the only server; without it the document is
    relative to wherever it is served. Every call returns a new dict that shares nothing with others.
    """
    (paths, schemas), _ = _generated(table.ENDPOINTS if endpoints is None else tuple(endpoints))
    server = {"url": server_url.rstrip("/") if server_url else "/", "description": "Attendee Sandbox"}
    doc = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Attendee Sandbox: Attendee bots API",
            "version": "1.0.0",
            "description": "The Attendee meeting-bot API (https://attendee.dev) as faked by the Attendee Sandbox. "
            "Shapes follow Attendee's published OpenAPI document, corrected to what the real server returns.",
        },
        "servers": [server],
        "tags": [{"name": tag, "description": TAG_DESCRIPTIONS[tag]} for tag in dict.fromkeys(TAGS.values())],
        "paths": paths,
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Authorization: Token <api key>` (the word `Token` is case-insensitive).",
                }
            },
            "schemas": schemas,
        },
    }
    return _fresh(doc)


def openapi_document(server_url=None, endpoints=None, extra_paths=None, extra_tags=()):
    """The whole document served at `/api/schema`: the Attendee bots API, the sandbox's own endpoints (the
    table's `/sandbox` rows), and `extra_paths`, the routes that are not rows and document themselves."""
    rows = table.ENDPOINTS if endpoints is None else tuple(endpoints)
    doc = build_openapi(server_url, rows)
    doc["info"]["title"] = "Attendee Sandbox"
    doc["info"]["description"] += (
        " The sandbox's own endpoints (control API, webhook delivery log, recording files, dashboard) are "
        "under `/sandbox` and tagged `Sandbox`; they are not part of Attendee."
    )
    doc["components"]["securitySchemes"][ADMIN_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-Sandbox-Admin-Token",
        "description": "Only when the sandbox runs with SANDBOX_ADMIN_TOKEN set: sandbox-wide endpoints demand it.",
    }
    _, (paths, schemas) = _generated(rows)
    add_sandbox_paths(doc, _fresh({**paths, **(extra_paths or {})}), _fresh(schemas))
    doc["tags"].extend(_fresh(list(extra_tags)))
    return doc


def add_sandbox_paths(doc: dict, paths: dict, schemas: dict | None = None) -> None:
    """Merge the sandbox's own endpoints (`/sandbox/...`) into `doc`, in place.

    `paths` maps path templates, which must start with `/sandbox`, to OpenAPI path items; `schemas` adds
    component schemas, referenced as `#/components/schemas/<name>`. Operations are tagged `Sandbox` unless
    they carry tags, and declare no security unless they say otherwise. A method already documented for a
    path, or a schema name already used with different content, raises `ValueError`; nothing is changed then.
    """
    schemas = schemas or {}
    existing_schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if name in existing_schemas and existing_schemas[name] != schema:
            raise ValueError(f"schema {name!r} is already defined differently")
    doc_paths = doc.setdefault("paths", {})
    for template, item in paths.items():
        if not (template == SANDBOX_PREFIX or template.startswith(SANDBOX_PREFIX + "/")):
            raise ValueError(f"sandbox path {template!r} must start with {SANDBOX_PREFIX}/")
        clash = set(doc_paths.get(template, {})) & set(item) & set(_HTTP_METHODS)
        if clash:
            raise ValueError(f"{template} already documents {', '.join(sorted(clash))}")

    existing_schemas.update(schemas)
    for template, item in paths.items():
        merged = doc_paths.setdefault(template, {})
        for key, value in item.items():
            if key in _HTTP_METHODS:
                value = {"tags": ["Sandbox"], "security": [], **value}
            merged[key] = value
    tags = doc.setdefault("tags", [])
    if paths and not any(tag.get("name") == "Sandbox" for tag in tags):
        tags.append({"name": "Sandbox", "description": "The sandbox's own control API (not part of Attendee)."})


def _fresh(node):
    """A copy in which no two places share a mutable object (unlike deepcopy, which keeps aliasing)."""
    if isinstance(node, dict):
        return {key: _fresh(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_fresh(value) for value in node]
    return node


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^{}/]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + r"\Z")


def find_operation(doc: dict, method: str, path: str) -> tuple[str, dict]:
    """Find the operation of `method` on a concrete request `path`; return `(template, operation)`.

    The query string is ignored. A path matching several templates prefers the one with fewer
    parameters (literal segments win). Raises `UndocumentedResponse` when nothing matches.
    """
    path = path.split("#", 1)[0].split("?", 1)[0]
    method = method.lower()
    candidates = sorted(
        (template for template in doc.get("paths", {}) if _template_regex(template).match(path)),
        key=lambda template: template.count("{"),
    )
    if not candidates:
        raise UndocumentedResponse(f"no documented path matches {path}")
    for template in candidates:
        operation = doc["paths"][template].get(method)
        if operation is not None:
            return template, operation
    raise UndocumentedResponse(f"{method.upper()} is not documented for {candidates[0]}")


def find_response(doc: dict, method: str, path: str, status: int) -> tuple[str, dict]:
    """Return `(template, response object)` of `status` for `method` on `path`, or raise
    `UndocumentedResponse`."""
    template, operation = find_operation(doc, method, path)
    response = operation.get("responses", {}).get(str(status))
    if response is None:
        documented = ", ".join(operation.get("responses", {}))
        raise UndocumentedResponse(
            f"{method.upper()} {template} does not document status {status} (documented: {documented})"
        )
    return template, response


def response_schema(doc: dict, method: str, path: str, status: int) -> dict | None:
    """The schema of the `application/json` body of `status` for `method` on a concrete `path`.

    Returns None when that response has no JSON body (an empty body, or only a non-JSON one such as the
    HTML error page). References are left as they are: validate against the whole document. Raises
    `UndocumentedResponse` when the operation or the status is not documented.
    """
    _, response = find_response(doc, method, path, status)
    media = (response.get("content") or {}).get(JSON)
    return None if media is None else media["schema"]


def allowed_methods(doc: dict, path: str) -> list[str]:
    """The methods of the path template matching `path`, upper-case, in the order of DRF's `Allow`
    header (e.g. `["GET", "POST", "HEAD", "OPTIONS"]`); empty when no template matches."""
    path = path.split("?", 1)[0]
    for template in sorted(doc.get("paths", {}), key=lambda t: t.count("{")):
        if _template_regex(template).match(path):
            item = doc["paths"][template]
            return [m.upper() for m in _ALLOW_ORDER if m in item]
    return []
