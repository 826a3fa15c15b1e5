"""Check sandbox responses against the project's own OpenAPI document (`sandbox.openapi`).

A helper for tests, not a test module:

    from openapi_check import assert_valid_response   # or: from tests.openapi_check import ...

    response = client.post("/api/v1/bots/bot_x/leave", headers=auth)
    assert_valid_response("POST", "/api/v1/bots/bot_x/leave", response.status_code,
                          response.get_data(), response.headers.get("Content-Type"))

Schemas are validated with openapi-schema-validator's `OAS30Validator`. `$ref`s are resolved through a
`referencing` registry holding the whole document under `DOC_URI`: the validated schema is a `$ref`
into the document, so `#/components/...` references inside it resolve against the document.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

try:
    import sandbox  # noqa: F401
except ImportError:  # imported from tests/ without the project root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jsonschema
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from sandbox.contract.openapi import UndocumentedResponse, build_openapi, find_response

__all__ = ["DOC_URI", "openapi_doc", "validation_errors", "assert_valid_response", "assert_invalid_response"]

DOC_URI = "urn:attendee-sandbox:openapi"


@functools.lru_cache(maxsize=1)
def openapi_doc() -> dict:
    """The document, built once. Treat it as read-only."""
    return build_openapi()


@functools.lru_cache(maxsize=1)
def _registry() -> Registry:
    return Registry().with_resource(DOC_URI, DRAFT4.create_resource(openapi_doc()))


@functools.lru_cache(maxsize=1)
def _format_checker() -> jsonschema.FormatChecker:
    """OpenAPI's formats (int32, byte, ...) plus `date-time` (RFC 3339), when a checker for it exists."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = dict(oas30_format_checker.checkers)
    date_time = jsonschema.FormatChecker().checkers.get("date-time")
    if date_time is not None:
        checker.checkers["date-time"] = date_time
    return checker


def _pointer(*parts: str) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _excerpt(body: bytes, limit: int = 600) -> str:
    text = body.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "..."


def validation_errors(method: str, path: str, status: int, body_bytes: bytes, content_type: str | None) -> list[str]:
    """Everything wrong with a response, as readable messages; `[]` when it conforms to the document."""
    doc = openapi_doc()
    label = f"{method.upper()} {path} -> {status}"
    try:
        template, response = find_response(doc, method, path, status)
    except UndocumentedResponse as exc:
        return [f"{label}: undocumented: {exc}"]
    body_bytes = body_bytes or b""
    content = response.get("content") or {}

    if not content:
        if body_bytes:
            return [f"{label}: the document says no body, got {len(body_bytes)} bytes: {_excerpt(body_bytes)}"]
        return []

    media_type = _media_type(content_type)
    if "application/json" not in content:
        if media_type not in content:
            return [f"{label}: content type {content_type!r} is not one of {sorted(content)}"]
        return []
    if media_type != "application/json":
        return [f"{label}: expected an application/json body, got content type {content_type!r}"]
    try:
        instance = json.loads(body_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"{label}: the body is not JSON ({exc}): {_excerpt(body_bytes)}"]

    method_key = method.lower()
    ref = DOC_URI + "#" + _pointer("paths", template, method_key, "responses", str(status), "content", "application/json", "schema")
    validator = OAS30Validator({"$ref": ref}, registry=_registry(), format_checker=_format_checker())
    messages = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        detail = error.message
        best = jsonschema.exceptions.best_match(error.context) if error.context else None
        if best is not None:
            inner = "/".join(str(p) for p in best.absolute_path)
            detail += f" [closest: {inner or '(root)'}: {best.message}]"
        messages.append(f"{label}: at {where}: {detail}")
    if messages:
        messages.append(f"{label}: body was {_excerpt(body_bytes)}")
    return messages


def assert_valid_response(method: str, path: str, status: int, body_bytes: bytes, content_type: str | None) -> None:
    """Assert that a response conforms to the OpenAPI document: the operation documents `status`,
    a JSON body validates against its schema, and an empty-bodied status has an empty body."""
    errors = validation_errors(method, path, status, body_bytes, content_type)
    assert not errors, "response does not match the OpenAPI document:\n  " + "\n  ".join(errors)


def assert_invalid_response(method: str, path: str, status: int, body_bytes: bytes, content_type: str | None) -> list[str]:
    """Assert that a response does NOT conform (for negative tests); return the reasons."""
    errors = validation_errors(method, path, status, body_bytes, content_type)
    assert errors, f"{method.upper()} {path} -> {status} unexpectedly matches the OpenAPI document"
    return errors
