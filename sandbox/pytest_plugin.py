"""The sandbox as a pytest plugin: installing the package is enough (it registers itself through the
`pytest11` entry point), the fixtures are there in every test of the project it is installed into.

* `attendee_sandbox` (session): the real sandbox server (waitress, the production server) on a free port
  of 127.0.0.1 in a background thread, with its own temporary data file and the background runner of
  scripted steps on, torn down at the end of the session.
* `sandbox_project` (function): a fresh, isolated project on that server (`POST /sandbox/projects`), with
  `base_url`, `api_url`, `api_key`, `webhook_secret`, `headers`, and helpers over the control API:
  `advance(seconds)`, `inject(bot_id, type, sub_type=None)`, `requests()`, `deliveries()`, ..., and the
  stand-ins for the calendar providers and Zoom: `calendar(...)`, `add_remote_event(calendar_id, uuid,
  **fields)`, `cancel_remote_event`, `remove_remote_event`, `sync(calendar_id)`, `fail_syncs(...)`,
  `zoom_oauth_app(...)`, `zoom_code(...)`.
* `webhook_receiver` (function): a local HTTP receiver, subscribed to every trigger of `sandbox_project`,
  that records each delivery and verifies its `X-Webhook-Signature` with the project's secret (contract
  9.6: HMAC-SHA256 over the canonical JSON, keyed with the base64-decoded secret).
* `attendee_sandbox_settings` (session): override it in a conftest to configure the server, e.g.
  `{"step_delays": {"left_meeting": 0.5}}` (any setting of `create_app`).
* the marker `@pytest.mark.attendee_project(scenario=..., zoom_credentials=..., name=...)` sets the fields
  of the test's `sandbox_project` (any field of `POST /sandbox/projects`, the capabilities included:
  `google_tts_credentials`, `async_transcription`, `transcription_credentials`,
  `external_media_storage_credentials`).

Only the standard library is used to talk to the server; the server itself is created only when a test
asks for one of the fixtures.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.client import SandboxClient, SandboxError
from sandbox.contract.webhooks import TRIGGERS

__all__ = [
    "ReceivedWebhook",
    "SandboxControlError",
    "SandboxProject",
    "SandboxServer",
    "WebhookReceiver",
    "canonical_json",
    "verify_signature",
    "wait_until",
]

#: Every trigger a project-level subscription may ask for (docs/contract/webhooks.md#triggers): the receiver hears them
# all.
ALL_TRIGGERS = TRIGGERS  # the webhook trigger codes (docs/contract/webhooks.md#triggers), defined once in sandbox/infra/webhooks.py
POLL_INTERVAL = 0.02  # seconds between two looks while waiting on the server's threads
DEFAULT_WAIT = 10.0  # seconds a wait gives up after
SERVER_THREADS = 8


# -- signatures (docs/contract/webhooks.md#webhook-signature)
# ---------------------------------------------------------------------------


def canonical_json(payload):
    """The bytes a webhook signature covers: keys sorted at every level, no whitespace, raw UTF-8."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "backslashreplace"  # a lone surrogate as its JSON escape, as the sandbox signs it
    )


def verify_signature(body, signature, secret):
    """True when `signature` (the `X-Webhook-Signature` header) signs `body` with the project `secret`.

    `body` is the raw request body (bytes or str) or the already parsed JSON object. The signature covers
    the canonical re-serialization of the JSON, not the raw bytes, so the body is parsed first.
    """
    if not signature or not secret:
        return False
    if isinstance(body, (bytes, bytearray, str)):
        try:
            body = json.loads(body)
        except ValueError:
            return False
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = base64.b64encode(hmac.new(key, canonical_json(body), hashlib.sha256).digest()).decode("ascii")
    return hmac.compare_digest(expected, signature)


def wait_until(condition, timeout=DEFAULT_WAIT, interval=POLL_INTERVAL, message=None):
    """Call `condition()` until it returns something truthy and return that; fail the test after `timeout`
    seconds with `message` (a string, or a function giving one). For what happens on the server's threads
    (scripted steps in real time, webhook deliveries)."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            pytest.fail(text or f"condition not met within {timeout} s", pytrace=False)
        time.sleep(interval)


# -- talking to the server: the public client (sandbox/client.py), its errors as one line of a test's report --


class SandboxControlError(AssertionError):
    """The sandbox refused a control call (or did not answer): `status` (None: no answer), `body` (its
    answer) and `error`, the client's `SandboxError`. Its message is the one line that says so."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error
        self.status = error.status
        self.body = error.body


def _control(client, operation, /, *args, **kwargs):
    """`client.<operation>(...)`; a refusal fails the test with one line, without this plugin's frames."""
    __tracebackhide__ = True
    try:
        return getattr(client, operation)(*args, **kwargs)
    except SandboxError as error:
        raise SandboxControlError(error) from None


# -- the server --------------------------------------------------------------------------------------------


class SandboxServer:
    """The running sandbox: `base_url` (e.g. `http://127.0.0.1:54321`), `app` (the Flask app) and `sandbox`
    (its use cases, for looking inside); `create_project(**fields)` makes another isolated project."""

    def __init__(self, app, server, data_path):
        self.app = app
        self.sandbox = app.extensions["sandbox"]
        self.data_path = data_path
        self.base_url = f"http://127.0.0.1:{server.effective_port}"
        self._server = server
        self._thread = threading.Thread(target=server.run, name="attendee-sandbox-server", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout=5.0):
        """Close every connection and the listening socket from the server's own loop, join the thread,
        stop the request workers, then the sandbox (its background runner, webhook workers, data file)."""
        server = self._server

        def close_all():  # runs in the server's loop, woken by its trigger
            for channel in list(server._map.values()):
                if channel is not server and channel is not server.trigger:
                    channel.handle_close()  # an open HTTP connection
            server.close()  # the listening socket and the trigger: the loop's map is empty, run() returns

        if self._thread.is_alive():
            server.trigger.pull_trigger(close_all)
            self._thread.join(timeout)
        server.task_dispatcher.shutdown()
        self.sandbox.shutdown()

    def url(self, path=""):
        return self.base_url + path

    def client(self, api_key=None):
        """A `SandboxClient` of this server (sandbox/client.py), as the project whose key is `api_key`."""
        return SandboxClient(self.base_url, api_key)

    def control(self, method, path, body=None, api_key=None):
        """Any control (or API) call; the parsed JSON answer, or `SandboxControlError` for a non-2xx."""
        __tracebackhide__ = True
        return _control(self.client(api_key), "request", method, path, body)

    def create_project(self, **fields):
        """`POST /sandbox/projects` (fields: name, webhooks, scenario, zoom_credentials and the other
        capabilities): a new project."""
        __tracebackhide__ = True
        return SandboxProject(self, _control(self.client(), "create_project", **fields))

    def __repr__(self):
        return f"<SandboxServer {self.base_url}>"


class SandboxProject:
    """One isolated project: its bots, clock, webhooks, request journal and faults are its own.

    Point the code under test at `base_url` (the server root, as `https://app.attendee.dev` is the real
    one's) or `api_url` (`base_url + "/api/v1"`) with `api_key`; check webhook signatures with
    `webhook_secret`. The helpers below call the sandbox's control API with the project's key.
    """

    def __init__(self, server, created):
        self.server = server
        self.id = created["id"]
        self.name = created["name"]
        self.api_key = created["api_key"]
        self.webhook_secret = created["webhook_secret"]
        self.scenario = created.get("scenario")
        self.webhooks = created.get("webhooks", [])
        self.client = server.client(self.api_key)  # the public client, with this project's key

    @property
    def base_url(self):
        return self.server.base_url

    @property
    def api_url(self):
        return self.server.base_url + "/api/v1"

    @property
    def headers(self):
        """The `Authorization` header of the Attendee API."""
        return {"Authorization": f"Token {self.api_key}"}

    def control(self, method, path, body=None):
        __tracebackhide__ = True
        return _control(self.client, "request", method, path, body)

    # -- time -------------------------------------------------------------------------------------------
    def clock(self):
        """`GET /sandbox/clock`: `{"now", "offset_seconds"}` of this project's clock."""
        __tracebackhide__ = True
        return _control(self.client, "clock")

    def advance(self, seconds):
        """`POST /sandbox/clock/advance`: move this project's clock forward; every scripted step that falls
        due on the way is applied in time order (its webhooks sent). Returns the events applied."""
        __tracebackhide__ = True
        return _control(self.client, "advance", seconds)["events"]

    # -- bots ---------------------------------------------------------------------------------------------
    def bot(self, bot_id):
        """`GET /api/v1/bots/{id}`: the bot as the API shows it."""
        __tracebackhide__ = True
        return _control(self.client, "bot", bot_id)

    def inject(self, bot_id, type, sub_type=None, metadata=None):  # noqa: A002 - the control API's name
        """`POST /sandbox/bots/{id}/events`: apply a bot event now (e.g. `meeting_ended`, or `fatal_error`
        with `sub_type="process_terminated"`); returns the bot object."""
        __tracebackhide__ = True
        return _control(self.client, "inject", bot_id, type, sub_type, metadata)

    def advance_bot(self, bot_id, steps=1):
        """`POST /sandbox/bots/{id}/advance`: apply the bot's next `steps` scripted steps (or `"all"`) now."""
        __tracebackhide__ = True
        return _control(self.client, "advance_bot", bot_id, steps)

    def steps(self, bot_id):
        """`GET /sandbox/bots/{id}/steps`: the bot's scenario and its pending steps."""
        __tracebackhide__ = True
        return _control(self.client, "steps", bot_id)

    def add_participant(self, bot_id, name, **fields):
        """`POST /sandbox/bots/{id}/participants`: someone joins the bot's meeting (fields: uuid,
        user_uuid, is_host, is_the_bot, timestamp_ms); returns the participant."""
        __tracebackhide__ = True
        return _control(self.client, "add_participant", bot_id, name, **fields)

    def add_utterance(self, bot_id, speaker_uuid, text, duration_ms=1000, **fields):
        """`POST /sandbox/bots/{id}/utterances`: the speaker says `text` now (a `transcript.update`)."""
        __tracebackhide__ = True
        return _control(self.client, "add_utterance", bot_id, speaker_uuid, text, duration_ms, **fields)

    def add_chat_message(self, bot_id, sender_uuid, text, **fields):
        """`POST /sandbox/bots/{id}/chat_messages`: a participant writes in the meeting chat."""
        __tracebackhide__ = True
        return _control(self.client, "add_chat_message", bot_id, sender_uuid, text, **fields)

    # -- calendars: the stand-in for Google and Microsoft (README, "Calendars and Zoom OAuth connections") ----
    def calendar(self, platform="google", **fields):
        """`POST /api/v1/calendars` with placeholder credentials (any field overrides them, e.g.
        `deduplication_key`, `metadata`, `refresh_token="sbx-invalid"`): the new Calendar object. Its first
        sync is queued, as on the real server; `sync(calendar_id)` runs it now."""
        body = {"platform": platform, "client_id": "sandbox-client", "client_secret": "sandbox-secret",
                "refresh_token": "sandbox-refresh-token", **fields}
        return self.control("POST", "/api/v1/calendars", body)

    def add_remote_event(self, calendar_id, platform_uuid, *, sync=False, **fields):
        """`PUT /sandbox/calendars/{id}/remote_events/{platform_uuid}`: the remote calendar now has this event
        (created or changed). Fields: `start_time` and `end_time` (or `all_day_date`), `name`, `time_zone`,
        `meeting_url` | `location` | `description`, `attendees`, `ical_uid`. `sync=True` runs a sync at once
        (otherwise one runs within 60 s of the project's clock). Returns the hook's answer."""
        __tracebackhide__ = True
        return _control(self.client, "put_remote_event", calendar_id, platform_uuid, sync=sync, **fields)

    def cancel_remote_event(self, calendar_id, platform_uuid, *, sync=False):
        """`POST .../remote_events/{platform_uuid}/cancel`: the event is listed as cancelled."""
        __tracebackhide__ = True
        return _control(self.client, "cancel_remote_event", calendar_id, platform_uuid, sync=sync)

    def remove_remote_event(self, calendar_id, platform_uuid, *, sync=False):
        """`DELETE .../remote_events/{platform_uuid}`: the event is gone from the remote listing."""
        __tracebackhide__ = True
        return _control(self.client, "delete_remote_event", calendar_id, platform_uuid, sync=sync)

    def remote_events(self, calendar_id):
        """`GET /sandbox/calendars/{id}/remote_events`: the calendar as the provider has it."""
        __tracebackhide__ = True
        return _control(self.client, "remote_calendar", calendar_id)

    def sync(self, calendar_id):
        """`POST /sandbox/calendars/{id}/sync`: run a sync now; its report (created, updated, deleted, bots
        patched or deleted, webhook, state)."""
        __tracebackhide__ = True
        return _control(self.client, "sync_calendar", calendar_id)

    def fail_syncs(self, calendar_id, kind="auth_error", *, error=None, times=None):
        """`POST /sandbox/calendars/{id}/sync_failures`: the next syncs fail (`"auth_error"` disconnects the
        calendar; `"transient"` is retried)."""
        body = {"kind": kind, **({"error": error} if error is not None else {}), **({"times": times} if times else {})}
        __tracebackhide__ = True
        return _control(self.client, "add_sync_failures", calendar_id, **body)

    def disconnect_calendar(self, calendar_id, error=None):
        """`POST /sandbox/calendars/{id}/disconnect`: an authentication failure now; the sync report."""
        __tracebackhide__ = True
        return _control(self.client, "disconnect_calendar", calendar_id, **({"error": error} if error else {}))

    def reconnect_calendar(self, calendar_id):
        """`POST /sandbox/calendars/{id}/reconnect`: the provider accepts the credentials again; a sync runs."""
        __tracebackhide__ = True
        return _control(self.client, "reconnect_calendar", calendar_id)

    # -- Zoom OAuth: the stand-in for Zoom ------------------------------------------------------------------
    def zoom_oauth_app(self, client_id="sandbox-zoom-client", webhook_secret=None):
        """`PUT /sandbox/zoom_oauth_app`: make (or change) the project's Zoom OAuth app; the app."""
        body = {"client_id": client_id, **({"webhook_secret": webhook_secret} if webhook_secret else {})}
        __tracebackhide__ = True
        return _control(self.client, "put_zoom_oauth_app", **body)

    def zoom_code(self, authorization_code, outcome="ok", *, scopes=None, user=None):
        """`PUT /sandbox/zoom_oauth/codes/{code}`: what exchanging this authorization code yields (`"ok"`,
        `"exchange_fails"`, `"user_info_fails"`; `scopes`; `user` `{"id", "account_id", "status"}`)."""
        body = {"outcome": outcome, **({"scopes": scopes} if scopes is not None else {}), **({"user": user} if user else {})}
        __tracebackhide__ = True
        return _control(self.client, "put_zoom_oauth_code", authorization_code, **body)

    def zoom_auth_failure(self, connection_id, error=None):
        """`POST /sandbox/zoom_oauth_connections/{id}/auth_failure`: as if a refresh failed (disconnects it)."""
        __tracebackhide__ = True
        return _control(self.client, "zoom_auth_failure", connection_id, **({"error": error} if error else {}))

    # -- what happened ------------------------------------------------------------------------------------
    def requests(self, method=None, path=None, status=None, limit=None):
        """`GET /sandbox/requests`: this project's `/api/v1` requests, newest first (`path` may use `*`
        for one segment, e.g. `/api/v1/bots/*/leave`); every page, or the newest `limit`."""
        __tracebackhide__ = True
        return _control(self.client, "requests", method, path, status, limit)

    def deliveries(self, bot_id=None, trigger=None, status=None, calendar_id=None, zoom_oauth_connection_id=None):
        """`GET /sandbox/webhooks/deliveries`: this project's webhook deliveries, oldest first (every page of
        the newest-first log), each with its payload, signature, status (`pending`, `delivered`, `failed`)
        and attempts (a bot's, a calendar's or a Zoom OAuth connection's)."""
        __tracebackhide__ = True
        return _control(
            self.client, "deliveries", bot_id, trigger, status,
            calendar_id=calendar_id, zoom_oauth_connection_id=zoom_oauth_connection_id,
        )[::-1]

    def add_fault(self, **fault):
        """`POST /sandbox/faults`: the next matching `/api/v1` requests wait and/or answer as told."""
        __tracebackhide__ = True
        return _control(self.client, "add_fault", **fault)

    def __repr__(self):
        return f"<SandboxProject {self.id} at {self.base_url}>"


# -- the webhook receiver ------------------------------------------------------------------------------------


class ReceivedWebhook:
    """One request the receiver got: `body` (raw bytes), `headers`, `json`, `signature`, `signature_valid`,
    and the envelope's `idempotency_key`, `bot_id`, `bot_metadata`, `calendar_id`, `zoom_oauth_connection_id`,
    `trigger`, `data`."""

    def __init__(self, path, headers, body, secret):
        self.path = path
        self.headers = headers
        self.body = body
        self.signature = headers.get("X-Webhook-Signature")
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None
        self.signature_valid = self.json is not None and verify_signature(self.json, self.signature, secret)
        envelope = self.json if isinstance(self.json, dict) else {}
        self.idempotency_key = envelope.get("idempotency_key")
        self.bot_id = envelope.get("bot_id")
        self.bot_metadata = envelope.get("bot_metadata")
        self.calendar_id = envelope.get("calendar_id")  # a calendar's webhooks
        self.zoom_oauth_connection_id = envelope.get("zoom_oauth_connection_id")  # a Zoom OAuth connection's
        self.trigger = envelope.get("trigger")
        self.data = envelope.get("data")

    def __repr__(self):
        state = ""
        if self.trigger == "bot.state_change" and isinstance(self.data, dict):
            state = f" {self.data.get('old_state')} -> {self.data.get('new_state')}"
        return f"<ReceivedWebhook {self.trigger}{state} valid={self.signature_valid}>"


class WebhookReceiver:
    """A local HTTP server recording every POST. A request whose signature does not verify with `secret` is
    recorded (`signature_valid` False) and answered 400; the others get `respond_with`'s status (200)."""

    def __init__(self, secret=None):
        self.secret = secret
        self.project = None  # the SandboxProject it is subscribed for: a timeout asks it for a bot's state
        self.status = 200
        self._received = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                received = ReceivedWebhook(self.path, dict(self.headers.items()), body, receiver.secret)
                with receiver._lock:
                    receiver._received.append(received)
                    status = receiver.status if received.signature_valid else 400
                answer = b'{"ok":true}' if status < 300 else b'{"ok":false}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/webhooks"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.name = "attendee-sandbox-webhook-receiver"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5.0)

    def respond_with(self, status):
        """Answer the next deliveries with `status` (e.g. 500 to see the sandbox retry)."""
        with self._lock:
            self.status = status

    @property
    def deliveries(self):
        """Everything received so far, in arrival order."""
        with self._lock:
            return list(self._received)

    def matching(self, trigger=None, bot_id=None, predicate=None):
        return [
            d
            for d in self.deliveries
            if (trigger is None or d.trigger == trigger)
            and (bot_id is None or d.bot_id == bot_id)
            and (predicate is None or predicate(d))
        ]

    def wait_for(self, trigger=None, *, bot_id=None, predicate=None, count=1, timeout=DEFAULT_WAIT):
        """Wait until at least `count` matching deliveries have arrived; return all the matching ones."""
        __tracebackhide__ = True
        return wait_until(
            lambda: (found := self.matching(trigger, bot_id, predicate)) and len(found) >= count and found,
            timeout=timeout,
            message=lambda: f"{count} webhook(s) {trigger or ''} did not arrive within {timeout} s; got {self.deliveries!r}",
        )

    def wait_for_state(self, bot_id, state, timeout=DEFAULT_WAIT):
        """Wait for the `bot.state_change` webhook of `bot_id` entering `state`; return it. A timeout says
        which bot and state, the last state seen (its webhooks, and the sandbox's answer now) and what
        arrived for the bot."""
        __tracebackhide__ = True

        def entered(delivery):
            return delivery.trigger == "bot.state_change" and _new_state(delivery) == state

        return wait_until(
            lambda: self.matching(bot_id=bot_id, predicate=entered),
            timeout=timeout,
            message=lambda: self._state_timeout(bot_id, state, timeout),
        )[0]

    def _state_timeout(self, bot_id, state, timeout):
        received = self.deliveries
        own = [d for d in received if d.bot_id == bot_id]
        changes = [_new_state(d) for d in own if d.trigger == "bot.state_change"]
        seen = f"{changes[-1]!r} (its last bot.state_change webhook)" if changes else "none by webhook"
        now = self._state_now(bot_id)
        if now is not None:
            seen += f", {now!r} by GET /api/v1/bots/{bot_id} now"
        listed = ", ".join(
            f"{d.trigger} -> {_new_state(d)}" if d.trigger == "bot.state_change" else d.trigger for d in own
        )
        return (
            f"{bot_id} did not reach {state!r} within {timeout:g} s; last state seen: {seen}; "
            f"webhooks received for it: {len(own)} of {len(received)} in all"
            + (f" ({listed})" if listed else "")
        )

    def _state_now(self, bot_id):
        if self.project is None:
            return None
        try:
            return self.project.client.bot(bot_id).get("state")
        except SandboxError:
            return None

    def clear(self):
        with self._lock:
            self._received.clear()

    def __repr__(self):
        return f"<WebhookReceiver {self.url} ({len(self.deliveries)} received)>"


# -- the fixtures -------------------------------------------------------------------------------------------


def _new_state(delivery):
    return delivery.data.get("new_state") if isinstance(delivery.data, dict) else None


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "attendee_project(**fields): fields of the test's sandbox_project (scenario, zoom_credentials, name, ...)",
    )


@pytest.fixture(scope="session")
def attendee_sandbox_settings():
    """Settings of the session's sandbox server (as `create_app(config)` takes them); override in a conftest."""
    return {}


@pytest.fixture(scope="session")
def attendee_sandbox(tmp_path_factory, attendee_sandbox_settings):
    """The sandbox server, started once per test session on 127.0.0.1 and a free port."""
    from sandbox import create_app
    from sandbox.web.server import create_server  # serve's server: the same limits and timeouts

    data_path = tmp_path_factory.mktemp("attendee-sandbox") / "data.json"
    settings = {**attendee_sandbox_settings, "data_path": data_path, "background_steps": True, "testing": False}
    app = create_app(settings)
    try:
        server = create_server(app, "127.0.0.1", 0, SERVER_THREADS)
    except Exception:
        app.extensions["sandbox"].shutdown()
        raise
    sandbox = app.extensions["sandbox"]
    sandbox.store.set_holder_url(f"http://127.0.0.1:{sandbox.settings.listen_port}")  # named if another opens it
    running = SandboxServer(app, server, data_path).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def _attendee_webhook_receiver():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def sandbox_project(request, attendee_sandbox):
    """A new project of its own for this test. When the test also uses `webhook_receiver`, the project is
    subscribed to it (project level, every trigger), as a project's dashboard subscription would be."""
    marker = request.node.get_closest_marker("attendee_project")
    fields = dict(marker.kwargs) if marker else {}
    receiver = None
    if "webhook_receiver" in request.fixturenames:
        receiver = request.getfixturevalue("_attendee_webhook_receiver")
        fields["webhooks"] = [*fields.get("webhooks", []), {"url": receiver.url, "triggers": list(ALL_TRIGGERS)}]
    project = attendee_sandbox.create_project(**fields)
    if receiver is not None:
        receiver.secret, receiver.project = project.webhook_secret, project
    return project


@pytest.fixture
def webhook_receiver(sandbox_project, _attendee_webhook_receiver):
    """The deliveries of `sandbox_project`'s webhooks, each with its signature checked."""
    _attendee_webhook_receiver.secret = sandbox_project.webhook_secret
    _attendee_webhook_receiver.project = sandbox_project
    return _attendee_webhook_receiver
