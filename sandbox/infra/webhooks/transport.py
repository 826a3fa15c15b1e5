"""One webhook attempt over HTTP: a POST as python-requests would send it with `allow_redirects=False`,
within one deadline for the whole exchange (connect, TLS, send, headers, body), however slowly the
receiver drips. It never raises: whatever goes wrong is the attempt's error."""

import http.client
import io
import socket
import ssl
import zlib
from urllib.parse import quote, urlsplit

from sandbox.domain.clock import monotonic as _monotonic

RESPONSE_TEXT_LIMIT = 500  # characters of the response body kept, as the real server's dashboard


RESPONSE_READ_LIMIT = 64 * 1024  # bytes read from a receiver at most: a huge body is cut, not downloaded


class AttemptResult:
    def __init__(self, status_code=None, response_text="", error=None):
        self.status_code = status_code
        self.response_text = response_text
        self.error = error

    @property
    def ok(self):
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def post(url, body, headers, timeout):
    """POST `body` once, as python-requests would with `allow_redirects=False`; never raises.

    `timeout` is the whole attempt's budget: connecting, sending, reading the headers and reading the
    body (up to RESPONSE_READ_LIMIT bytes) all end by one deadline. Every socket operation waits only what
    is left of it, so a receiver that drip-feeds its answer cannot stretch the attempt.
    """
    try:
        return _post(url, body, headers, timeout)
    except Exception as exc:  # noqa: BLE001 - whatever goes wrong is this attempt's error, never the worker's
        return AttemptResult(error=f"{type(exc).__name__}: {exc}")


def _post(url, body, headers, timeout):
    deadline = _monotonic() + timeout
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port
    except ValueError as exc:
        return AttemptResult(error=f"InvalidURL: {exc}")
    if scheme not in ("http", "https"):
        return AttemptResult(error=f"InvalidSchema: No connection adapters were found for {url!r}")
    if not parts.hostname:
        return AttemptResult(error=f"InvalidURL: Invalid URL {url!r}: No host supplied")
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_URL_SAFE)
    if scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    conn._create_connection = lambda address, *_: _connect_by(address, deadline)  # noqa: SLF001 - http.client's hook
    try:
        try:
            conn.connect()  # TCP, then (https) the TLS handshake within what is left
        except (socket.timeout, TimeoutError) as exc:
            return AttemptResult(error=f"ConnectTimeout: {exc or 'timed out'}")
        except ssl.SSLError as exc:
            return AttemptResult(error=f"SSLError: {exc}")
        except OSError as exc:
            return AttemptResult(error=f"ConnectionError: {exc}")
        conn.sock = _DeadlineSocket(conn.sock, deadline)
        try:
            conn.putrequest("POST", path, skip_accept_encoding=True)  # Host first, as urllib3 sends it
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(body)
            response = conn.getresponse()
            raw = _read_limited(response)
        except (socket.timeout, TimeoutError) as exc:
            return AttemptResult(error=f"ReadTimeout: {exc or 'timed out'}")
        except (OSError, http.client.HTTPException) as exc:
            return AttemptResult(error=f"ConnectionError: {type(exc).__name__}: {exc}")
        text = _decode(raw, response.getheader("Content-Encoding"), response.getheader("Content-Type"))
        result = AttemptResult(response.status, text[:RESPONSE_TEXT_LIMIT])
        if not 200 <= response.status < 300:
            if 300 <= response.status < 400:
                location = response.getheader("Location")
                result.error = f"Redirect not followed (HTTP {response.status}" + (
                    f", Location: {location})" if location else ")"
                )
            else:
                result.error = f"HTTP {response.status} is not a 2xx status"
        return result
    finally:
        conn.close()


def _time_left(deadline):
    """Seconds until `deadline`; TimeoutError once it has passed."""
    left = deadline - _monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _connect_by(address, deadline):
    """`socket.create_connection` where every address tried gets only what is left of the budget."""
    host, port = address
    error = None
    for family, kind, proto, _, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_time_left(deadline))
            sock.connect(sockaddr)
            sock.settimeout(_time_left(deadline))  # the TLS handshake, if any, has what is left
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, TimeoutError) and deadline <= _monotonic():
                break
    raise error if error is not None else OSError(f"getaddrinfo returned no address for {host}")


class _DeadlineSocket:
    """The connection's socket for http.client: each send and each receive waits only what is left until
    the attempt's deadline (a plain socket timeout restarts at every byte a drip-feeding receiver sends)."""

    def __init__(self, sock, deadline):
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data):
        self._sock.settimeout(_time_left(self._deadline))
        return self._sock.sendall(data)  # a socket timeout bounds the whole sendall (Python >= 3.5)

    def makefile(self, mode="rb", *args, **kwargs):
        # As socket.makefile does: the reader holds a reference, so http.client closing the connection
        # (a `Connection: close` answer) leaves the body readable until the response is closed too.
        self._sock._io_refs += 1  # noqa: SLF001
        return io.BufferedReader(_DeadlineIO(self._sock, self._deadline))

    def close(self):
        self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _DeadlineIO(socket.SocketIO):
    def __init__(self, sock, deadline):
        super().__init__(sock, "rb")
        self._deadline = deadline

    def readinto(self, buffer):
        self._sock.settimeout(_time_left(self._deadline))
        return super().readinto(buffer)


# What python-requests leaves unquoted when it re-quotes a URL (`requests.utils.requote_uri`).
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def _read_limited(response):
    chunks, size = [], 0
    while size < RESPONSE_READ_LIMIT:
        chunk = response.read1(min(16384, RESPONSE_READ_LIMIT - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _decode(raw, content_encoding, content_type):
    """The response body as text, roughly as requests' `response.text` gives it."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "deflate") and raw:
        try:
            wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
            raw = zlib.decompressobj(wbits).decompress(raw, RESPONSE_READ_LIMIT)
        except zlib.error:
            try:
                raw = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, RESPONSE_READ_LIMIT)
            except zlib.error:
                pass
    charset = None
    media, _, params = (content_type or "").partition(";")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("'\"")
    if charset is None and media.strip().lower().startswith("text/"):
        charset = "ISO-8859-1"
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")
