"""The real server's request serializers, declared on `sandbox.contract.drf` (one module per area), the
sandbox's own control-plane bodies (`control`), and how the endpoint table names a body.

* `BodyRule`: what an endpoint reads from its body: `parse(data, context)` returns the value the use case
  receives (or raises the contract's error), `schema` documents it in the OpenAPI document.
* `Body`: a body parsed and checked before the domain ran, handed to a use case that raises its refusal
  where the real view meets it (`IN_USE_CASE`: after the use case's own checks). Plain data: a value or
  an error, never a callback into the web layer.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

#: When the real view reads its body (sandbox/contract/endpoints.py): before anything else, once the object
#: of the path exists (the lookup's 404 first), or where the use case asks for it.
FIRST, AFTER_LOOKUP, IN_USE_CASE = "first", "after_lookup", "in_use_case"


@dataclass(frozen=True)
class ParseContext:
    """What a body's checks read besides the body: the project's clock (`now`) and the sandbox's settings."""

    now: Any
    settings: Any


@dataclass(frozen=True)
class BodyRule:
    """A body as an endpoint reads it.

    `name` is its component in the document, `schema` a serializer class (its `openapi()`) or an OpenAPI
    fragment, `required` whether the document says a body must be sent. With `arguments`, the parsed value
    is a dict of the use case's keyword arguments."""

    name: str
    parse: Callable
    schema: Any
    required: bool = True
    arguments: bool = False

    def openapi(self):
        return self.schema.openapi() if hasattr(self.schema, "openapi") else copy.deepcopy(self.schema)


@dataclass(frozen=True)
class Body:
    """A request body read and checked before the domain ran: its `value`, or the `error` that refuses it
    (`unreadable` when reading failed: a parse error, an unsupported media type, a body too large)."""

    value: Any = None
    error: Exception | None = None
    unreadable: bool = False

    def read(self):
        """Where the real view first touches `request.data`: a body that could not be read is refused here."""
        if self.unreadable:
            raise self.error

    def validated(self):
        """Where the real view validates the body: its value, or its refusal."""
        if self.error is not None:
            raise self.error
        return self.value


def passed_as_sent(data, context):
    """A body the use case checks itself (the control plane's, whose rules live with their use cases)."""
    return data
