"""Responses byte for byte as the real server writes them (docs/contract/conventions.md#conventions).

Compact JSON (no spaces), raw UTF-8, keys in the order given, no trailing newline, `Content-Type:
application/json` without a charset; empty 200s with `Content-Length: 0` and no `Content-Type`; the
security headers DRF adds to every response. `Accept: application/json; indent=2` pretty-prints
(docs/contract/conventions.md#content-negotiation).
"""

import json

from flask import Response, request

SECURITY_HEADERS = {
    "Vary": "Accept",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def encode_json(body, indent=None):
    """A lone surrogate (which UTF-8 cannot hold) is written as its `\\udXXX` escape: the same JSON value."""
    separators = None if indent else (",", ":")
    return json.dumps(body, ensure_ascii=False, indent=indent, separators=separators).encode("utf-8", "backslashreplace")


def requested_indent():
    """The `indent` parameter of an `application/json` Accept entry, as DRF's JSONRenderer honours it: what
    `int()` reads, within 1..8."""
    accept = request.environ.get("HTTP_ACCEPT", "")  # request.headers.get("Accept", "")
    if "indent" not in accept:
        return None
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if media == "application/json":
            for param in params:
                name, _, value = param.partition("=")
                if name.strip() == "indent":
                    try:
                        return max(0, min(int(value), 8)) or None  # `indent=0` is no indent
                    except ValueError:  # DRF ignores what int() refuses (`indent=²`, 5,000 digits)
                        return None
    return None


class DumpCache:
    """The encoded answers of stored documents (`StoredDoc`), by schema and id, each kept while the stored
    JSON is the very same string: a bot's dump depends on the bot alone, and the store writes a new string
    whenever the bot changes. At most `limit` entries (SANDBOX_DUMP_CACHE_BOTS), the oldest dropped first;
    an `indent`ed answer is never cached."""

    def __init__(self, limit):
        self.limit = limit
        self.entries = {}  # (schema, id) -> (stored JSON, encoded answer)

    def encoded(self, schema, doc, indent):
        if indent is not None or self.limit <= 0:
            return encode_json(schema.dump(doc), indent)
        key = (schema, doc["id"])
        entry = self.entries.get(key)
        if entry is not None and entry[0] is doc.raw:
            return entry[1]
        body = encode_json(schema.dump(doc))
        if key not in self.entries and len(self.entries) >= self.limit:
            try:
                del self.entries[next(iter(self.entries))]
            except (KeyError, RuntimeError, StopIteration):  # another thread changed it meanwhile
                pass
        self.entries[key] = (doc.raw, body)
        return body


def stored_response(cache, status, schema, doc):
    """`json_response(status, schema.dump(doc))` for a `StoredDoc`, through the cache."""
    return Response(cache.encoded(schema, doc, requested_indent()), status=status, mimetype="application/json")


def json_response(status, body, headers=None):
    return Response(encode_json(body, requested_indent()), status=status, mimetype="application/json", headers=headers)


def empty_response(status=200, headers=None):
    response = Response(b"", status=status)
    del response.headers["Content-Type"]
    response.headers.update(headers or {})
    return response


def error_response(error, headers=None):
    """A domain error (sandbox.errors) as the body and status it carries."""
    return json_response(error.status, error.body(), {**error.headers, **(headers or {})})
