"""The HTTP server of `serve` and of the pytest plugin: waitress, with limits chosen so that no client and
no project can lock the others out.

* **Connections.** At most `SANDBOX_CONNECTION_LIMIT` (`--connection-limit`, 1000) are open; beyond it
  waitress stops accepting and new clients wait in the listen backlog until one closes. The open-file
  limit is raised to fit when the system allows (else the connection limit is lowered, with a warning),
  and waitress polls with poll(), which has no 1024-descriptor ceiling as select() has.
* **Header timeout.** A connection must deliver a request's headers within `SANDBOX_HEADER_TIMEOUT`
  (`--header-timeout`, 10 s), counted from the connection's start for its first request and from a
  request's first byte for the next ones. waitress has no such timeout, and a client that sends a byte
  now and then resets its idle timer: 150 of them held every connection. A late client is answered
  `408 Request Timeout` with `{"error": ...}` and the connection is closed (one that sent nothing is
  closed without an answer).
* **Idle timeout.** A connection with no request in progress is closed after `SANDBOX_IDLE_TIMEOUT`
  (`--idle-timeout`, 30 s; waitress's `channel_timeout`, 120 s by default). Timeouts are checked at
  least once a second.
* **Bodies.** waitress receives a request's whole body before the application runs, so it is told the
  body limit itself (`SANDBOX_MAX_BODY_BYTES`): a larger declared body is answered at once, unread, and a
  chunked one is cut off at the limit, with the application's own answer (Django's 400), not waitress's
  text 413. Nothing larger is ever spooled to disk. What the client still sends is then read and dropped
  for at most `LINGER_SECONDS` before the connection closes (a lingering close), so that the client
  reads the answer rather than a connection reset.
* **Delayed requests.** A request a fault's `delay_ms` holds keeps its worker thread asleep; meanwhile
  the server gets one more thread (`LendingDispatcher`), so the project's other requests and every
  other project's still find a free one. At most `SANDBOX_DELAYED_REQUESTS_PER_PROJECT` (32) requests of
  one project and `SANDBOX_DELAYED_REQUESTS_LIMIT` (128) in all are held at once; one more is answered
  429 at once (`DelayedRequests`). Under another WSGI server (or the Flask test client) nothing lends
  threads: the limits still hold and a delay sleeps in the server's own thread.
"""

import json
import math
import socket
import sys
import threading
import time
from functools import partial
from http import HTTPStatus

import waitress
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import RequestEntityTooLarge, build_http_date

from sandbox.contract.errors import BodyTooLarge
from sandbox.domain.clock import monotonic

IDENT = "attendee-sandbox"  # the Server header
CHECK_INTERVAL = 1  # seconds: waitress's loop wakes at least this often, and so do the timeout checks
LINGER_SECONDS = 5  # how long the rest of a refused body is drained before the connection closes
FILE_HEADROOM = 256  # open files kept beside the connections: the data file, webhook sockets, ...


# -- the header timeout ------------------------------------------------------------------------------------


class BodyTooLargeTask(ErrorTask):
    """waitress's answer to a body over its limit, replaced by the sandbox's own (the one the application
    gives when a body over the limit reaches it): `{"detail": ...}` under /api, `{"error": ...}` elsewhere."""

    max_body_bytes = None  # set per server by `create_server`

    def execute(self):
        if not isinstance(self.request.error, RequestEntityTooLarge):
            return super().execute()
        if (self.request.path or "").startswith("/api/"):
            body = BodyTooLarge().body()
        else:
            body = {"error": f"The body is larger than {self.max_body_bytes} bytes (SANDBOX_MAX_BODY_BYTES)"}
        data = json.dumps(body, separators=(",", ":")).encode()
        self.channel.linger()
        self.status = "400 Bad Request"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(data)
        self.write(data)


class SandboxChannel(HTTPChannel):
    """waitress's connection, closed when a request's headers are late (see the module's docstring)."""

    def __init__(self, server, sock, addr, adj, map=None, *, header_timeout, error_task_class=ErrorTask):  # noqa: A002
        self.header_timeout = header_timeout
        self.error_task_class = error_task_class
        self.first_headers_due = monotonic() + header_timeout
        self.requests_begun = 0
        super().__init__(server, sock, addr, adj, map)

    def parser_class(self, adj):
        """waitress makes one parser per request, at the request's first byte: its clock starts there (the
        first request's at connect)."""
        parser = HTTPRequestParser(adj)
        first = self.requests_begun == 0
        self.requests_begun += 1
        parser.headers_due = self.first_headers_due if first else monotonic() + self.header_timeout
        return parser

    # -- the lingering close after a refused body --------------------------------------------------------

    lingering_until = None  # set by `linger`: the deadline of the drain that replaces the close
    draining = False

    def linger(self):
        """Once the answer is sent, drain the unread rest of the request instead of closing at once."""
        self.lingering_until = monotonic() + LINGER_SECONDS

    def handle_close(self):
        if self.lingering_until is not None and not self.draining and self.connected:
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer is complete: the client sees its end
            except OSError:
                return super().handle_close()
            self.draining = True
            # Only a draining connection answers these otherwise than waitress's: the loop asks every
            # connection at each of its turns, so the others keep waitress's methods, with no extra call.
            self.readable, self.writable = self._readable_while_draining, self._never_writable
            return None
        self.lingering_until, self.draining = None, False
        self.__dict__.pop("readable", None)
        self.__dict__.pop("writable", None)
        return super().handle_close()

    def _never_writable(self):
        return False

    def _readable_while_draining(self):
        if monotonic() >= self.lingering_until:
            self.handle_close()
            return False
        return True

    def handle_read(self):
        if not self.draining:
            return super().handle_read()
        try:
            self.recv(self.adj.recv_bytes)  # dropped; at the end of the stream recv closes the connection
        except OSError:
            self.handle_close()
        return None

    def check_headers_due(self):
        """Called by the server's maintenance, once a second (`watch_headers`): whether this connection's
        request headers are late."""
        if self.draining:
            return
        if self.requests or self.will_close or self.close_when_flushed:
            return  # a request is being served: the time is the application's, not the client's
        partial_request = self.request
        if partial_request is None:
            if self.requests_begun == 0 and monotonic() >= self.first_headers_due:
                self.will_close = True  # connected and never sent a byte: nothing to answer
            return
        if partial_request.headers_finished or monotonic() < partial_request.headers_due:
            return
        with self.requests_lock:
            partial_request.close()
            self.request = None
        self._answer_and_close(408, f"The request headers did not arrive within {self.header_timeout:g} s")

    def _answer_and_close(self, status, message):
        body = json.dumps({"error": message}).encode()
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Server: {self.adj.ident}\r\nDate: {build_http_date(time.time())}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        with self.outbuf_lock:
            self.outbufs[-1].append(head + body)
            self.current_outbuf_count += len(head) + len(body)
            self.total_outbufs_len += len(head) + len(body)
        self.close_when_flushed = True  # writable() now: waitress's loop sends it, then closes


# -- threads lent to delayed requests ---------------------------------------------------------------------


class LendingDispatcher(ThreadedTaskDispatcher):
    """waitress's worker threads, plus one more for each request a fault's delay holds asleep."""

    def __init__(self, threads):
        super().__init__()
        self.base_threads = threads
        self.lent = 0
        self.closed = False
        self._lending = threading.Lock()
        self.set_thread_count(threads)

    def lend(self):
        """One more thread while the caller sleeps; False once the server is stopping."""
        with self._lending:
            if self.closed:
                return False
            self.lent += 1
            self.set_thread_count(self.base_threads + self.lent)
            return True

    def give_back(self):
        with self._lending:
            self.lent -= 1
            if not self.closed:
                self.set_thread_count(self.base_threads + self.lent)

    def shutdown(self, cancel_pending=True, timeout=5):
        with self._lending:
            self.closed = True  # a delayed request ending now must not start threads again
        return super().shutdown(cancel_pending=cancel_pending, timeout=timeout)



# -- the server -----------------------------------------------------------------------------------------------


def create_server(app, host, port, threads):
    """waitress serving `app` on host:port with the sandbox's limits; the settings learn where it listens."""
    sandbox = app.extensions["sandbox"]
    settings = sandbox.settings
    dispatcher = LendingDispatcher(threads)
    server = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident=IDENT,
        connection_limit=fit_open_files(settings.connection_limit),
        channel_timeout=max(1, math.ceil(settings.idle_timeout)),
        cleanup_interval=CHECK_INTERVAL,
        asyncore_loop_timeout=CHECK_INTERVAL,
        asyncore_use_poll=True,
        max_request_body_size=settings.max_body_bytes + 1,  # waitress refuses from this size on
        _dispatcher=dispatcher,  # waitress's own hook for a task dispatcher
    )
    # One listening server, or several behind a MultiSocketServer (a host name with several addresses).
    listeners = [s for s in getattr(server, "map", {}).values() if isinstance(s, BaseWSGIServer)] or [server]
    error_task = type("BodyTooLargeTask", (BodyTooLargeTask,), {"max_body_bytes": settings.max_body_bytes})
    for listener in listeners:
        listener.channel_class = partial(
            SandboxChannel, header_timeout=settings.header_timeout, error_task_class=error_task
        )
        watch_headers(listener)
    sandbox.delayed_requests.lender = dispatcher
    settings.listen_host, settings.listen_port = host, int(listeners[0].effective_port)
    return server


def watch_headers(listener):
    """The header timeout checked by waitress's maintenance, which its loop runs every `cleanup_interval`
    (CHECK_INTERVAL, 1 s): once a second for all connections rather than at every turn of the loop for each
    (the loop turns a few times per request)."""
    maintenance = getattr(listener, "maintenance", None)
    if maintenance is None:  # not a waitress listener (a stand-in): nothing runs maintenance
        return

    def maintain(now):
        maintenance(now)
        for channel in list(listener.active_channels.values()):
            if isinstance(channel, SandboxChannel):
                channel.check_headers_due()

    listener.maintenance = maintain


def fit_open_files(connection_limit):
    """Raise the open-file limit to hold `connection_limit` connections; the limit that fits."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no such limit to raise
        return connection_limit
    needed = connection_limit + FILE_HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return connection_limit
    fitted = max(1, soft - FILE_HEADROOM)
    print(
        f"attendee-sandbox: connection limit lowered from {connection_limit} to {fitted} "
        f"(the open-file limit is {soft}; raise it with ulimit -n)",
        file=sys.stderr,
        flush=True,
    )
    return fitted
