"""What the sandbox reads of a request (issue 10: nothing shared can be starved).

Bodies are at most `SANDBOX_MAX_BODY_BYTES` (Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB by default):
refused on `Content-Length` before a byte is read, and cut off one byte past the limit while reading a body
of unknown length. `read_body` is the only way the sandbox reads a body; the request journal samples at
most a prefix of one nobody read (`body_sample`).
"""

import io

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from sandbox.api.responses import error_response, json_response
from sandbox.errors import BodyTooLarge

BODY_CACHE = "sandbox.body"  # the environ key of the body `read_body` read
READ_CHUNK = 65536

__all__ = ["body_sample", "control_body_too_large_message", "init_app", "read_body"]


def init_app(app):
    limit = app.extensions["sandbox"].settings.max_body_bytes
    app.config["MAX_CONTENT_LENGTH"] = limit  # Werkzeug refuses a longer Content-Length, bounds chunked input
    app.config["MAX_FORM_MEMORY_SIZE"] = limit  # Django reads form fields up to the same limit
    app.register_error_handler(RequestEntityTooLarge, body_too_large)


def settings():
    return current_app.extensions["sandbox"].settings


def refusal(status, message):
    """A refusal on any route: `{"detail": ...}` under /api (the framework's shape), `{"error": ...}` elsewhere
    (the control plane's)."""
    key = "detail" if request.path.startswith("/api/") else "error"
    return json_response(status, {key: message})


def _has_body():
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


# -- bodies -----------------------------------------------------------------------------------------------------


def read_body():
    """The request body, read once: BodyTooLarge above SANDBOX_MAX_BODY_BYTES, before reading a longer
    Content-Length, and as soon as a body of unknown length (chunked) goes past the limit."""
    cached = request.environ.get(BODY_CACHE)
    if cached is not None:
        return cached
    limit = settings().max_body_bytes
    length = request.content_length
    if length is None and "wsgi.input_terminated" in request.environ:
        # Werkzeug would stop at the limit without saying so; read one byte more to know. What was read
        # becomes a body of known length, which Werkzeug then parses as any other (forms).
        data = _read_at_most(request.environ["wsgi.input"], limit)
        request.environ["wsgi.input"] = io.BytesIO(data)
        request.environ["CONTENT_LENGTH"] = str(len(data))
    elif length is not None and length > limit:
        raise BodyTooLarge()
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise BodyTooLarge() from None
    request.environ[BODY_CACHE] = data
    return data


def _read_at_most(stream, limit):
    chunks, total = [], 0
    while chunk := stream.read(min(READ_CHUNK, limit + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge()
    return b"".join(chunks)


def body_sample(size):
    """(the body's first `size` bytes, its whole length in bytes or None when unknown), reading no more of a
    body nobody read than `size` bytes (one of unknown length: at most SANDBOX_MAX_BODY_BYTES, then let go)."""
    cached = request.environ.get(BODY_CACHE)
    if cached is not None:
        return cached[:size], len(cached)
    length = request.content_length
    if length == 0 or (length is None and not _has_body()):
        return b"", 0
    if length is None:
        try:
            data = read_body()
        except BodyTooLarge:
            return b"", None
        return data[:size], len(data)
    return request.environ["wsgi.input"].read(min(size, length)), length


def body_too_large(error):
    """A body over the limit met outside `read_body` (a form parsed by Werkzeug): the same answer."""
    if request.path.startswith("/api/"):
        return error_response(BodyTooLarge())
    return refusal(400, control_body_too_large_message())


def control_body_too_large_message():
    return f"The body is larger than {settings().max_body_bytes} bytes (SANDBOX_MAX_BODY_BYTES)"
