"""Request input the sandbox refuses on purpose rather than trip over later (issue 10): JSON nested deeper
than `SANDBOX_MAX_JSON_DEPTH`, numbers JSON cannot write back, integers out of range in a query string,
and strings that UTF-8 cannot carry. No Flask here: the routes decide how a refusal is answered.

Every `json.loads` of request input goes through `loads_json`, every integer of a query string or form
through `parse_int`, so no input reaches Python's limits (the recursion limit, the 4,300-digit limit of
`int()`) and comes back as an unexpected exception.
"""

import json
import math

from sandbox.contract.errors import SandboxInputError

MAX_DIGITS = 30  # more digits than any range the sandbox checks (and far below int()'s 4,300)

__all__ = [
    "InputError",
    "check_fields",
    "find_lone_surrogate",
    "is_int",
    "is_number",
    "loads_json",
    "optional_text",
    "parse_int",
    "query_int",
]


class InputError(ValueError):
    """Input refused with a message that says what is wrong (the caller picks the status and body shape)."""


def _too_deep(max_depth):
    return InputError(
        f"Nesting too deep: more than {max_depth} levels of arrays and objects (SANDBOX_MAX_JSON_DEPTH)"
    )


def _refuse_constant(constant):
    raise InputError(f"Out of range float values are not JSON compliant: {constant!r}")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"Number out of range: {text}")
    return value


def loads_json(text, *, max_depth, finite=False):
    """`json.loads` of request input, refusing `NaN`/`Infinity` (the real server's strict parser does too) and
    documents nested deeper than `max_depth`; with `finite`, also numbers such as `1e999` that only a float
    infinity can hold. Raises InputError, or ValueError with Python's own message for malformed JSON."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float if finite else None)
    except RecursionError:  # deeper than Python's own limit: refused like any document deeper than ours
        raise _too_deep(max_depth) from None
    if isinstance(value, (dict, list)) and _depth_exceeds(value, max_depth):
        raise _too_deep(max_depth)
    return value


def _depth_exceeds(value, max_depth):
    """True when arrays and objects nest deeper than `max_depth` (a walk without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def find_lone_surrogate(value, where=""):
    """The path (`webhooks[0].url`, `a key of metadata`) of the first string in `value` holding a lone
    surrogate (`"\\ud800"` is valid JSON, but no UTF-8 page, answer or webhook can carry it), or None."""
    stack = [(value, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if _has_lone_surrogate(node):
                return path or "the body"
        elif isinstance(node, dict):
            for key, child in reversed(node.items()):
                if _has_lone_surrogate(key):
                    return f"a key of {path}" if path else "a key of the body"
                stack.append((child, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in reversed(list(enumerate(node))))
    return None


def _has_lone_surrogate(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_int(text, name, *, minimum=None, maximum=None):
    """An integer of a query string or form: ASCII digits (an optional leading `-` when `minimum` allows it),
    within [minimum, maximum]. Raises InputError naming `name` and the range."""
    text = str(text).strip()
    digits = text[1:] if text.startswith("-") and (minimum is None or minimum < 0) else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise InputError(f"{name} must be {_int_range(minimum, maximum)}")
    value = int(text)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InputError(f"{name} must be {_int_range(minimum, maximum)}")
    return value


def _int_range(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    if minimum is not None:
        return f"an integer >= {minimum}"
    if maximum is not None:
        return f"an integer <= {maximum}"
    return "an integer"


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def query_int(text, message, minimum=None, maximum=None):
    """An integer of a control-plane query string or form, or a 400 with `message` (which names it and its
    range): never Python's own errors, whatever the digits."""
    try:
        return parse_int(text, "value", minimum=minimum, maximum=maximum)
    except InputError:
        raise SandboxInputError(message) from None


def check_fields(body, allowed, required=()):
    """The body must be an object with only `allowed` keys and every `required` one."""
    if not isinstance(body, dict):
        raise SandboxInputError("The body must be a JSON object")
    unknown = [key for key in body if key not in allowed]
    if unknown:
        raise SandboxInputError(f"Unknown field(s): {', '.join(unknown)}. Allowed fields: {', '.join(allowed)}")
    missing = [key for key in required if key not in body]
    if missing:
        raise SandboxInputError(f"Missing required field(s): {', '.join(missing)}")
    return body


def optional_text(body, name, max_length=2000):
    """`body[name]`: absent or null (None), or a non-empty string of at most `max_length` characters."""
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > max_length):
        raise SandboxInputError(f"{name} must be a non-empty string of at most {max_length} characters")
    return value
