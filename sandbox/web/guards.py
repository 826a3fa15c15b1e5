"""What every request must satisfy before the sandbox acts on it (issue 10: nothing shared can be starved, and
nothing but a client of this sandbox can drive it).

* **Host.** The `Host` header must match `SANDBOX_ALLOWED_HOSTS` (Django's `ALLOWED_HOSTS` patterns; by
  default the loopback names, the address the sandbox listens on and the public URL's host), on every
  route: a web page that rebinds its own name to 127.0.0.1 could otherwise drive the control plane and
  read the API's answers. A 400 names the host and the setting to change.
* **The control plane's JSON API** (`/sandbox/...` but the dashboard and the recording files) refuses a
  request that another site's page sent (its `Origin` is not the sandbox's own) and any body that is not
  `application/json`: a cross-site form can neither reset the sandbox nor create a project.
* **Bodies.** At most `SANDBOX_MAX_BODY_BYTES` (16 MiB by default; over it, the answer of Django's
  `DATA_UPLOAD_MAX_MEMORY_SIZE`): refused on `Content-Length` before a byte is read, and cut off one byte past the limit while
  reading a body of unknown length. `read_body` is the only way the sandbox reads a body; the request
  journal samples at most a prefix of one nobody read (`body_sample`).
* **Security headers** on every answer that lacks them, as Django's middleware adds them.
"""

import functools
import io
import ipaddress
import re
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from sandbox.contract.errors import BodyTooLarge
from sandbox.web.responses import error_response, json_response

BODY_CACHE = "sandbox.body"  # the environ key of the body `read_body` read
LOOPBACK_HOSTS = (".localhost", "127.0.0.1", "[::1]")  # Django's ALLOWED_HOSTS while DEBUG, with no hosts set
WILDCARD_ADDRESSES = ("", "0.0.0.0", "::")  # listening on every interface names no host
BODY_METHODS = ("POST", "PUT", "PATCH")
READ_CHUNK = 65536
JSON_MEDIA = "application/json"
# The blueprint of the control plane's JSON API, the control rows of the endpoint table (the dashboard posts
# forms with its own origin check; recording files are fetched by media players of any page).
JSON_CONTROL_BLUEPRINTS = ("sandbox_control",)
# What Django's SecurityMiddleware and XFrameOptionsMiddleware add to every response of the real server.
MIDDLEWARE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Django's host_validation_re: a domain name or a bracketed IPv6 address, then an optional port.
HOST_PATTERN = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?")

__all__ = [
    "body_sample", "control_body_too_large_message", "host_allowed", "host_domain", "init_app", "public_base_url",
    "read_body",
]


def init_app(app):
    limit = app.extensions["sandbox"].settings.max_body_bytes
    app.config["MAX_CONTENT_LENGTH"] = limit  # Werkzeug refuses a longer Content-Length, bounds chunked input
    app.config["MAX_FORM_MEMORY_SIZE"] = limit  # Django reads form fields up to the same limit
    app.before_request(check_host)
    app.before_request(check_control_request)
    app.after_request(add_security_headers)
    app.register_error_handler(RequestEntityTooLarge, body_too_large)


def settings():
    return current_app.extensions["sandbox"].settings


def refusal(status, message):
    """A refusal on any route: `{"detail": ...}` under /api (the framework's shape), `{"error": ...}` elsewhere
    (the control plane's)."""
    key = "detail" if request.path.startswith("/api/") else "error"
    return json_response(status, {key: message})


# -- Host ---------------------------------------------------------------------------------------------------


def allowed_hosts(config):
    """SANDBOX_ALLOWED_HOSTS, or the loopback names, the address the sandbox listens on and the public URL's host."""
    if config.allowed_hosts is not None:
        return config.allowed_hosts
    return _default_hosts(config.listen_host, config.public_url)


@functools.lru_cache(maxsize=8)
def _default_hosts(listen_host, public_url):
    hosts = list(LOOPBACK_HOSTS)
    listen = (listen_host or "").strip().lower()
    if listen not in WILDCARD_ADDRESSES:
        hosts.append(_bracketed(listen))
    if public_url:
        hosts.append(_bracketed(urlsplit(public_url).hostname))
    return tuple(hosts)


def _bracketed(host):
    """An IPv6 address as a Host header carries it: `[::1]`."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def host_domain(host):
    """Django's `split_domain_port`: the lower-cased domain of a Host header without its port and trailing
    dot, or "" when it is not a valid host name."""
    host = host.lower()
    if not HOST_PATTERN.fullmatch(host):
        return ""
    domain = host if host.endswith("]") else host.rsplit(":", 1)[0]
    return domain[:-1] if domain.endswith(".") else domain


def host_matches(domain, pattern):
    """Django's `validate_host`: `*`, the exact name, or `.example.com` for it and its subdomains."""
    if pattern == "*" or pattern == domain:
        return True
    return pattern.startswith(".") and (domain.endswith(pattern) or domain == pattern[1:])


def check_host():
    """Before anything else, on every route. A request without a Host header (HTTP/1.0) names no host to
    rebind and is let through."""
    host = request.environ.get("HTTP_HOST")  # request.headers.get("Host")
    if host is None:
        return None
    domain = host_domain(host)
    if not domain:
        reason = "The domain name provided is not valid according to RFC 1034/1035."
    elif host_allowed(domain, settings()):
        return None
    else:
        reason = f"You may need to add {domain!r} to SANDBOX_ALLOWED_HOSTS."
    return refusal(400, f"Invalid HTTP_HOST header: {host!r}. {reason}")


def host_allowed(domain, config):
    """Whether a Host header's domain (`host_domain`) matches SANDBOX_ALLOWED_HOSTS (or the default hosts)."""
    return any(host_matches(domain, pattern) for pattern in allowed_hosts(config))


def public_base_url():
    """Where clients reach this sandbox, ending with `/`: SANDBOX_PUBLIC_URL, else the request's own host (an
    allowed one, checked before the route ran)."""
    public = settings().public_url
    return f"{public}/" if public else request.host_url


# -- the control plane's JSON API -------------------------------------------------------------------------------


def check_control_request():
    """Before every route of the control plane's JSON API: its own pages' Origin only, JSON bodies only."""
    if request.blueprint not in JSON_CONTROL_BLUEPRINTS:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and not _own_origin(origin):
        own = request.host_url.rstrip("/")
        return refusal(403, f"Cross-site request refused: Origin {origin!r} is not this sandbox's own ({own})")
    if request.method in BODY_METHODS:
        content_type = request.headers.get("Content-Type")
        if (content_type is not None or _has_body()) and request.mimetype != JSON_MEDIA:
            return refusal(
                415,
                f'Unsupported media type "{content_type or ""}": the /sandbox endpoints read JSON bodies '
                "(send Content-Type: application/json; with curl, -H 'Content-Type: application/json' or --json)",
            )
    return None


def _own_origin(origin):
    netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
    own = {request.host.lower()}
    public = settings().public_url
    if public:
        own.add(urlsplit(public).netloc.lower())
    return netloc in own


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
    environ = request.environ
    cached = environ.get(BODY_CACHE)
    if cached is not None:
        return cached[:size], len(cached)
    if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
        return b"", 0  # no length, not chunked: no body (most GETs), without parsing headers
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


# -- headers ----------------------------------------------------------------------------------------------------


def add_security_headers(response):
    """`response.headers.setdefault` for each header (fixed, valid strings), in one pass over the headers."""
    listed = response.headers._list
    present = {name.lower() for name, _ in listed}
    listed.extend([(name, value) for name, value in MIDDLEWARE_HEADERS.items() if name.lower() not in present])
    return response
