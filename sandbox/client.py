"""A Python client of a running sandbox: `from sandbox.client import SandboxClient`.

    client = SandboxClient("http://127.0.0.1:8000", "sbx0DefaultProjectKey00000000001")
    client.advance(60)                                   # the project's clock, one minute on
    client.inject("bot_sbxJoinedRec0000", "fatal_error", "heartbeat_timeout")
    failed = client.deliveries(status="failed")          # every page, newest first

Every operation of the control plane (`/sandbox/...`: projects, reset, scenarios, the clock, a bot's events and
steps, the simulated meeting, media playback, the request journal, faults, the webhook delivery log, the
stand-ins for Google, Microsoft and Zoom) is a method; `OPERATIONS` maps each endpoint-table row to its method,
and the test suite checks that no row is missing. The lists follow the `next` links of their pages. The
`attendee-sandbox` control commands and the pytest plugin are built on this class.

Standard library only (urllib, never through a proxy: the sandbox is local), a timeout on every call and no
retries: a refusal raises at once, with the server's own message. Errors by what happened:
`SandboxUnreachable` (no answer), `SandboxRedirect` (3xx, not followed), `SandboxClientError` (4xx),
`SandboxServerError` (5xx); all are `SandboxError`, with `method`, `path`, `status` and `body`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from sandbox.contract.webhooks import TRIGGERS

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_URL",
    "OPERATIONS",
    "SandboxClient",
    "SandboxClientError",
    "SandboxError",
    "SandboxRedirect",
    "SandboxServerError",
    "SandboxUnreachable",
    "error_message",
]

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0  # seconds one call may take, connecting included
WAIT_INTERVAL = 0.2  # seconds between two looks while waiting for a sandbox to answer
USER_AGENT = "attendee-sandbox-client"


# -- errors ---------------------------------------------------------------------------------------------------


def error_message(body):
    """What the server said: the `error` or `detail` of its JSON answer, else the answer itself, compact."""
    if isinstance(body, dict):
        for key in ("error", "detail"):
            if isinstance(body.get(key), str):
                return body[key]
    if isinstance(body, str):
        return body.strip()
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class SandboxError(Exception):
    """A call that did not succeed: `method`, `path`, `status` (None without an answer), `body` (the parsed
    JSON answer, or its text) and `message`, the server's own words."""

    def __init__(self, method, path, status, body, message=None):
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        self.message = error_message(body) if message is None else message
        super().__init__(self.describe())

    def describe(self):
        return f"{self.method} {self.path} answered {self.status}: {self.message}"


class SandboxUnreachable(SandboxError):
    """No answer: nothing listens at the URL, the connection broke, or the call timed out."""

    def describe(self):
        return f"{self.method} {self.path}: no answer ({self.message})"


class SandboxRedirect(SandboxError):
    """A 3xx answer (redirects are not followed: a sandbox never sends one, so the URL is wrong)."""


class SandboxClientError(SandboxError):
    """A 4xx answer: the request was refused (bad input, unknown id, wrong key, a state that forbids it)."""


class SandboxServerError(SandboxError):
    """A 5xx answer (the sandbox answers none itself: a proxy in front of it, or an injected fault)."""


ERRORS_BY_FAMILY = {3: SandboxRedirect, 4: SandboxClientError, 5: SandboxServerError}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


# -- the client -------------------------------------------------------------------------------------------------

#: The endpoint table's control rows (their operation ids) -> the method that calls each.
OPERATIONS = {
    "sandbox_create_project": "create_project",
    "sandbox_update_project": "update_project",
    "sandbox_reset": "reset",
    "sandbox_scenarios": "scenarios",
    "sandbox_clock": "clock",
    "sandbox_advance_clock": "advance",
    "sandbox_inject_event": "inject",
    "sandbox_advance_bot": "advance_bot",
    "sandbox_bot_steps": "steps",
    "sandbox_add_participant": "add_participant",
    "sandbox_participant_event": "participant_event",
    "sandbox_add_utterance": "add_utterance",
    "sandbox_add_chat_message": "add_chat_message",
    "sandbox_add_audio_chunk": "add_audio_chunk",
    "sandbox_media_requests": "media_requests",
    "sandbox_media_start": "start_media",
    "sandbox_media_finish": "finish_media",
    "sandbox_recording_file": "upload_recording",
    "sandbox_requests": "requests",
    "sandbox_clear_requests": "clear_requests",
    "sandbox_add_fault": "add_fault",
    "sandbox_faults": "faults",
    "sandbox_clear_faults": "clear_faults",
    "sandbox_fault": "fault",
    "sandbox_remove_fault": "remove_fault",
    "sandbox_webhook_deliveries": "deliveries",
    "sandbox_redeliver": "redeliver",
    # The stand-ins for Google, Microsoft and Zoom (calendars and Zoom OAuth connections).
    "sandbox_remote_calendar": "remote_calendar",
    "sandbox_put_remote_event": "put_remote_event",
    "sandbox_delete_remote_event": "delete_remote_event",
    "sandbox_cancel_remote_event": "cancel_remote_event",
    "sandbox_sync_calendar": "sync_calendar",
    "sandbox_calendar_sync_failures": "add_sync_failures",
    "sandbox_disconnect_calendar": "disconnect_calendar",
    "sandbox_reconnect_calendar": "reconnect_calendar",
    "sandbox_zoom_oauth_app": "zoom_oauth_app",
    "sandbox_put_zoom_oauth_app": "put_zoom_oauth_app",
    "sandbox_delete_zoom_oauth_app": "delete_zoom_oauth_app",
    "sandbox_zoom_client_secret_changed": "zoom_client_secret_changed",
    "sandbox_put_zoom_oauth_code": "put_zoom_oauth_code",
    "sandbox_zoom_auth_failure": "zoom_auth_failure",
    "sandbox_zoom_sync_success": "zoom_sync_success",
}


def _quote(value):
    return urllib.parse.quote(str(value), safe="")


def _query(params):
    """`?a=1&b=x` of the parameters that are not None (a list repeats its parameter)."""
    kept = {name: value for name, value in params.items() if value is not None}
    return "?" + urllib.parse.urlencode(kept, doseq=True) if kept else ""


class SandboxClient:
    """A running sandbox at `base_url` (e.g. `http://127.0.0.1:8000`), seen as the project whose API key is
    `api_key` (the control plane's project endpoints and the Attendee API), with `admin_token` for the
    sandbox-wide ones when the sandbox has SANDBOX_ADMIN_TOKEN set. Each call waits at most `timeout`
    seconds. Safe to share between threads: it keeps no state but these."""

    def __init__(self, base_url=DEFAULT_URL, api_key=None, admin_token=None, timeout=DEFAULT_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.admin_token = admin_token
        self.timeout = timeout

    def __repr__(self):
        return f"<SandboxClient {self.base_url}>"

    def for_project(self, project):
        """The same sandbox seen as another project (a `create_project` answer, or an API key)."""
        key = project["api_key"] if isinstance(project, dict) else project
        return SandboxClient(self.base_url, key, self.admin_token, self.timeout)

    # -- the transport ------------------------------------------------------------------------------------------
    def request(self, method, path, body=None, *, admin=False, timeout=None):
        """One call: the parsed JSON answer (None for an empty one), or a `SandboxError`. `path` starts with
        `/` (a page's absolute `next` link works too: its path and query are kept); `admin` sends the admin
        token instead of the API key."""
        if "://" in path:
            parts = urllib.parse.urlsplit(path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if admin:
            if self.admin_token:
                request.add_header("X-Sandbox-Admin-Token", self.admin_token)
        elif self.api_key:
            request.add_header("Authorization", f"Token {self.api_key}")
        try:
            with _OPENER.open(request, timeout=self.timeout if timeout is None else timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError, ValueError) as error:  # refused, reset, timed out, bad URL
            reason = getattr(error, "reason", None) or error
            raise SandboxUnreachable(method, path, None, None, f"{self.base_url}: {reason}") from None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        if not 200 <= status < 300:
            raise ERRORS_BY_FAMILY.get(status // 100, SandboxError)(method, path, status, parsed)
        return parsed

    def pages(self, path, limit=None):
        """The items of a paged list from `path` on, following `next` (at most `limit` of them)."""
        page = self.request("GET", path)
        items = list(page["results"])
        while page.get("next") and (limit is None or len(items) < limit):
            page = self.request("GET", page["next"])
            items.extend(page["results"])
        return items if limit is None else items[:limit]

    def page(self, path):
        """One page of a list, as the server answers it (`results`, `next`, `previous`, and `count` for the
        sandbox's own lists)."""
        return self.request("GET", path)

    # -- the sandbox itself ---------------------------------------------------------------------------------
    def index(self):
        """`GET /`: what this sandbox serves (its API, docs page, schema and dashboard URLs)."""
        return self.request("GET", "/")

    def wait(self, timeout=30.0, interval=WAIT_INTERVAL):
        """Return `index()` once the sandbox answers; `SandboxUnreachable` (the last reason) after `timeout`
        seconds. For scripts that start a sandbox in the background."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.request("GET", "/", timeout=max(0.1, min(self.timeout, deadline - time.monotonic())))
            except SandboxUnreachable:
                if time.monotonic() + interval > deadline:
                    raise
            time.sleep(interval)

    def reset(self):
        """`POST /sandbox/reset` (sandbox-wide): the fixtures again, everything else forgotten."""
        return self.request("POST", "/sandbox/reset", admin=True)

    def scenarios(self):
        """`GET /sandbox/scenarios`: the scenario catalogue."""
        return self.request("GET", "/sandbox/scenarios")

    # -- projects -------------------------------------------------------------------------------------------
    def create_project(self, name=None, *, webhooks=None, **fields):
        """`POST /sandbox/projects` (sandbox-wide): a new isolated project with its key and secret. `webhooks`:
        subscriptions, each a URL (every trigger) or `{"url", "triggers"}`; `fields`: `scenario` and the
        capabilities (`zoom_credentials`, `async_transcription`, ...)."""
        body = {**fields}
        if name is not None:
            body["name"] = name
        if webhooks is not None:
            body["webhooks"] = [every_trigger(hook) if isinstance(hook, str) else hook for hook in webhooks]
        return self.request("POST", "/sandbox/projects", body, admin=True)

    def update_project(self, project_id, **fields):
        """`PATCH /sandbox/projects/{id}` with this client's key (that project's own)."""
        return self.request("PATCH", f"/sandbox/projects/{_quote(project_id)}", fields)

    # -- the clock --------------------------------------------------------------------------------------------
    def clock(self):
        """`GET /sandbox/clock`: `{"now", "offset_seconds"}` of the project's clock."""
        return self.request("GET", "/sandbox/clock")

    def advance(self, seconds):
        """`POST /sandbox/clock/advance`: the project's clock `seconds` on; every step due on the way is
        applied in time order. `{"now", "offset_seconds", "events"}`."""
        return self.request("POST", "/sandbox/clock/advance", {"seconds": seconds})

    # -- the API's bots (read) ------------------------------------------------------------------------------
    def bots(self, states=None, limit=None):
        """`GET /api/v1/bots`, every page (oldest first, as the API lists them); `states` filters."""
        return self.pages("/api/v1/bots" + _query({"states": states}), limit)

    def bot(self, bot_id):
        """`GET /api/v1/bots/{id}`."""
        return self.request("GET", f"/api/v1/bots/{_quote(bot_id)}")

    # -- driving a bot ------------------------------------------------------------------------------------
    def inject(self, bot_id, type, sub_type=None, metadata=None):  # noqa: A002 - the control API's name
        """`POST /sandbox/bots/{id}/events`: apply a bot event now (e.g. `fatal_error`, `process_terminated`);
        the bot."""
        body = {"type": type}
        if sub_type is not None:
            body["sub_type"] = sub_type
        if metadata is not None:
            body["metadata"] = metadata
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/events", body)

    def advance_bot(self, bot_id, steps=1):
        """`POST /sandbox/bots/{id}/advance`: the bot's next `steps` scripted steps (or `"all"`) now."""
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/advance", {"steps": steps})

    def steps(self, bot_id):
        """`GET /sandbox/bots/{id}/steps`: the bot's scenario and its pending steps."""
        return self.request("GET", f"/sandbox/bots/{_quote(bot_id)}/steps")

    # -- the meeting ------------------------------------------------------------------------------------------
    def add_participant(self, bot_id, name, **fields):
        """`POST /sandbox/bots/{id}/participants` (fields: uuid, user_uuid, is_host, is_the_bot, timestamp_ms)."""
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/participants", {"name": name, **fields})

    def participant_event(self, bot_id, uuid, event_type, **fields):
        """`POST /sandbox/bots/{id}/participants/{uuid}/events` (event_type: join, leave, speech_start,
        speech_stop, update; fields: event_data, timestamp_ms)."""
        path = f"/sandbox/bots/{_quote(bot_id)}/participants/{_quote(uuid)}/events"
        return self.request("POST", path, {"event_type": event_type, **fields})

    def add_utterance(self, bot_id, speaker_uuid, text, duration_ms=1000, **fields):
        """`POST /sandbox/bots/{id}/utterances`: the speaker says `text` now."""
        body = {"speaker_uuid": speaker_uuid, "text": text, "duration_ms": duration_ms, **fields}
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/utterances", body)

    def add_chat_message(self, bot_id, sender_uuid, text, **fields):
        """`POST /sandbox/bots/{id}/chat_messages`: a participant writes in the meeting chat."""
        body = {"sender_uuid": sender_uuid, "text": text, **fields}
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/chat_messages", body)

    def add_audio_chunk(self, bot_id, speaker_uuid, timestamp_ms, **fields):
        """`POST /sandbox/bots/{id}/audio_chunks` (fields: duration_ms, text)."""
        body = {"speaker_uuid": speaker_uuid, "timestamp_ms": timestamp_ms, **fields}
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/audio_chunks", body)

    def upload_recording(self, bot_id, **fields):
        """`POST /sandbox/bots/{id}/recording_file`: the bot uploads its recording now (start_timestamp_ms)."""
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/recording_file", fields)

    def media_requests(self, bot_id):
        """`GET /sandbox/bots/{id}/media`: the bot's media requests, oldest first."""
        return self.request("GET", f"/sandbox/bots/{_quote(bot_id)}/media")["results"]

    def start_media(self, bot_id, media_type):
        """`POST /sandbox/bots/{id}/media/start`: the oldest enqueued request of `media_type` plays."""
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/media/start", {"media_type": media_type})

    def finish_media(self, bot_id, media_type):
        """`POST /sandbox/bots/{id}/media/finish`: the playing request of `media_type` ends."""
        return self.request("POST", f"/sandbox/bots/{_quote(bot_id)}/media/finish", {"media_type": media_type})

    # -- the request journal --------------------------------------------------------------------------------
    def requests(self, method=None, path=None, status=None, limit=None):
        """`GET /sandbox/requests`, every page or the newest `limit`: the project's `/api/v1` requests,
        newest first (`path` may use `*` for one segment)."""
        query = _query({"method": method, "path": path, "status": status, "limit": _page_size(limit)})
        return self.pages("/sandbox/requests" + query, limit)

    def clear_requests(self):
        """`DELETE /sandbox/requests`: how many entries went."""
        return self.request("DELETE", "/sandbox/requests")["deleted"]

    # -- faults -----------------------------------------------------------------------------------------------
    def add_fault(self, **fault):
        """`POST /sandbox/faults` (method, path, status, body, headers, delay_ms, times): the fault."""
        return self.request("POST", "/sandbox/faults", fault)

    def faults(self):
        """`GET /sandbox/faults`: the project's live faults."""
        return self.request("GET", "/sandbox/faults")["results"]

    def fault(self, fault_id):
        """`GET /sandbox/faults/{id}`."""
        return self.request("GET", f"/sandbox/faults/{_quote(fault_id)}")

    def remove_fault(self, fault_id):
        """`DELETE /sandbox/faults/{id}`."""
        return self.request("DELETE", f"/sandbox/faults/{_quote(fault_id)}")["deleted"]

    def clear_faults(self):
        """`DELETE /sandbox/faults`: how many went."""
        return self.request("DELETE", "/sandbox/faults")["deleted"]

    # -- the webhook delivery log -----------------------------------------------------------------------------
    def deliveries(self, bot_id=None, trigger=None, status=None, limit=None, calendar_id=None,
                   zoom_oauth_connection_id=None):
        """`GET /sandbox/webhooks/deliveries`, every page or the newest `limit`: newest first, each with its
        payload, signature, status and attempts (a calendar's or a Zoom OAuth connection's too)."""
        query = _query(
            {
                "bot_id": bot_id,
                "calendar_id": calendar_id,
                "zoom_oauth_connection_id": zoom_oauth_connection_id,
                "trigger": trigger,
                "status": status,
                "limit": _page_size(limit),
            }
        )
        return self.pages("/sandbox/webhooks/deliveries" + query, limit)

    def redeliver(self, delivery_id):
        """`POST /sandbox/webhooks/deliveries/{id}/redeliver`: the delivery, pending again."""
        return self.request("POST", f"/sandbox/webhooks/deliveries/{_quote(delivery_id)}/redeliver")

    # -- calendars: the provider's side (Google, Microsoft) ----------------------------------------------------
    def remote_calendar(self, calendar_id):
        """`GET /sandbox/calendars/{id}/remote_events`: the calendar on the provider's side (its remote events,
        injected failures, whether its token is refused)."""
        return self.request("GET", f"/sandbox/calendars/{_quote(calendar_id)}/remote_events")

    def put_remote_event(self, calendar_id, platform_uuid, sync=False, **event):
        """`PUT /sandbox/calendars/{id}/remote_events/{platform_uuid}`: the provider's calendar has this event
        (created or changed); with `sync`, the calendar syncs now and the answer carries its report."""
        return self.request("PUT", self._remote_event(calendar_id, platform_uuid, "", sync), event)

    def delete_remote_event(self, calendar_id, platform_uuid, sync=False):
        """`DELETE .../remote_events/{platform_uuid}`: the event is gone from the provider."""
        return self.request("DELETE", self._remote_event(calendar_id, platform_uuid, "", sync))

    def cancel_remote_event(self, calendar_id, platform_uuid, sync=False):
        """`POST .../remote_events/{platform_uuid}/cancel`: the provider lists the event as cancelled."""
        return self.request("POST", self._remote_event(calendar_id, platform_uuid, "/cancel", sync))

    def sync_calendar(self, calendar_id):
        """`POST /sandbox/calendars/{id}/sync`: a sync now; what it did."""
        return self.request("POST", f"/sandbox/calendars/{_quote(calendar_id)}/sync")

    def add_sync_failures(self, calendar_id, **failures):
        """`POST /sandbox/calendars/{id}/sync_failures`: the next syncs fail (`auth_error`, `transient`)."""
        return self.request("POST", f"/sandbox/calendars/{_quote(calendar_id)}/sync_failures", failures)

    def disconnect_calendar(self, calendar_id, **fields):
        """`POST /sandbox/calendars/{id}/disconnect`: an authentication failure now; the sync's report."""
        return self.request("POST", f"/sandbox/calendars/{_quote(calendar_id)}/disconnect", fields)

    def reconnect_calendar(self, calendar_id):
        """`POST /sandbox/calendars/{id}/reconnect`: the provider accepts the credentials again; a sync runs."""
        return self.request("POST", f"/sandbox/calendars/{_quote(calendar_id)}/reconnect")

    def _remote_event(self, calendar_id, platform_uuid, suffix, sync):
        path = f"/sandbox/calendars/{_quote(calendar_id)}/remote_events/{_quote(platform_uuid)}{suffix}"
        return path + ("?sync=true" if sync else "")

    # -- Zoom: the project's OAuth app and the provider's side ---------------------------------------------------
    def zoom_oauth_app(self):
        """`GET /sandbox/zoom_oauth_app`: the project's Zoom OAuth app."""
        return self.request("GET", "/sandbox/zoom_oauth_app")

    def put_zoom_oauth_app(self, **app):
        """`PUT /sandbox/zoom_oauth_app`: make or change the project's Zoom OAuth app."""
        return self.request("PUT", "/sandbox/zoom_oauth_app", app)

    def delete_zoom_oauth_app(self):
        """`DELETE /sandbox/zoom_oauth_app`."""
        return self.request("DELETE", "/sandbox/zoom_oauth_app")

    def zoom_client_secret_changed(self):
        """`POST /sandbox/zoom_oauth_app/client_secret_changed`: the connections it reconnected."""
        return self.request("POST", "/sandbox/zoom_oauth_app/client_secret_changed")

    def put_zoom_oauth_code(self, authorization_code, **registration):
        """`PUT /sandbox/zoom_oauth/codes/{code}`: what exchanging this authorization code yields."""
        return self.request("PUT", f"/sandbox/zoom_oauth/codes/{_quote(authorization_code)}", registration)

    def zoom_auth_failure(self, connection_id, **fields):
        """`POST /sandbox/zoom_oauth_connections/{id}/auth_failure`: an authentication failure of it."""
        return self.request("POST", f"/sandbox/zoom_oauth_connections/{_quote(connection_id)}/auth_failure", fields)

    def zoom_sync_success(self, connection_id, **fields):
        """`POST /sandbox/zoom_oauth_connections/{id}/sync_success`: a successful meeting-list sync."""
        return self.request("POST", f"/sandbox/zoom_oauth_connections/{_quote(connection_id)}/sync_success", fields)


def every_trigger(url):
    """A project subscription of `url` to every trigger."""
    return {"url": url, "triggers": list(TRIGGERS)}


def _page_size(limit):
    """The page size that fetches `limit` items in as few pages as the server allows (None: its default)."""
    return None if limit is None else max(1, int(limit))
