"""Zoom OAuth connections: the API's use cases (docs/contract/zoom-oauth.md#zoom-oauth, docs/contract/zoom-oauth.md)
and the control
hooks that stand in for Zoom and for the dashboard's Zoom OAuth app (docs/contract/calendars.md#calendar-simulation
items 10-14).

`create_connection` takes the validated body (`CreateZoomOAuthConnection`) and runs the rest of
docs/contract/zoom-oauth.md#create-zoom-connection-order-of-checks in its order: the project's app, the code exchange, the scopes, the user, the upsert on the Zoom
user. What a code yields is what the control plane registered (`put_code`), or, for any other code, a
user who granted every scope. State changes go through `sandbox.domain.zoom_oauth.apply_connection_event`
(its table is `ZOOM_OAUTH_CONNECTION_TRANSITIONS`), and `zoom_oauth_connection.state_change` goes to the
project's subscriptions only. A connection with local recording gets its meeting-list sync queued on
creation and weekly (due work, as a calendar's syncs), which sets `last_*_sync_at`. The control hooks take
the values the endpoint table validated (`sandbox.contract.requests.providers`).
"""

from __future__ import annotations

import uuid

from sandbox.contract import messages as msg
from sandbox.contract.calendar_states import CLIENT_SECRET_ERROR_MARK, DISCONNECTED
from sandbox.contract.datetimes import format_api_datetime, parse_stored_datetime, to_stored
from sandbox.contract.errors import AttendeeError, FieldErrors, SandboxInputError
from sandbox.contract.requests.bots import _unstorable
from sandbox.contract.requests.providers import check_authorization_code
from sandbox.contract.responses import ZOOM_OAUTH_CONNECTION, Created, state_webhook_data
from sandbox.contract.requests.zoom_oauth import missing_scopes
from sandbox.domain import zoom_oauth as zoom
from sandbox.domain.sandbox import DueWork


class ZoomOAuthConnectionNotFound(AttendeeError):
    status = 404

    def __init__(self):
        super().__init__(msg.ZOOM_CONNECTION_NOT_FOUND)


def _connection(sb, project, connection_id):
    connection = sb.store.get(zoom.CONNECTIONS, connection_id) if isinstance(connection_id, str) else None
    if connection is None or connection["project_id"] != project["id"]:
        raise ZoomOAuthConnectionNotFound()
    return connection


def project_app(sb, project):
    """The project's Zoom OAuth app, or None (the sandbox keeps at most one, as the dashboard does)."""
    apps = sb.store.scan(zoom.APPS, project["id"])
    return apps[0] if apps else None


def has_zoom_oauth_app(sb, project):
    """Whether the project has a Zoom OAuth app: enough for a Zoom bot
    (docs/contract/zoom-oauth.md#bots-depend-on-zoom)."""
    return sb.store.count(zoom.APPS, project["id"]) > 0


def _save(sb, project, connection, webhook=None):
    sb.store.put(zoom.CONNECTIONS, connection)
    sb.track_due(project, connection, MEETING_LIST_SYNC.kind)
    if webhook:
        data = state_webhook_data(ZOOM_OAUTH_CONNECTION.dump(connection))
        sb.outbox.emit_for(project["id"], "zoom_oauth_connection", connection["id"], webhook, data)


def _up_to_date(sb, project):
    with sb.bulk_work(project["id"]) as generation:
        sb.catch_up_due_bots(project, generation)


# -- the API ---------------------------------------------------------------------------------------------------


def list_connections(sb, project):
    """GET /zoom_oauth_connections (docs/contract/zoom-oauth.md#zoom-list-get-delete): every connection of the
    project's app, newest first."""
    _up_to_date(sb, project)
    connections = sb.store.scan(zoom.CONNECTIONS, project["id"])
    return sorted(connections, key=lambda c: parse_stored_datetime(c["created_at"]), reverse=True)


def get_connection(sb, project, connection_id):
    """GET /zoom_oauth_connections/{id}, or `404 {"error":"Zoom OAuth Connection not found"}`."""
    _up_to_date(sb, project)
    with sb.store.lock:
        return _connection(sb, project, connection_id)


def delete_connection(sb, project, connection_id):
    """DELETE /zoom_oauth_connections/{id}: a hard delete (its meeting ids go with it); no webhook, and
    scheduled bots are left alone."""
    with sb.project_lock(project["id"]), sb.store.lock:
        connection = _connection(sb, project, connection_id)
        sb.store.delete(zoom.CONNECTIONS, connection["id"])
        sb.untrack(connection["id"])


def create_connection(sb, project, body):
    """POST /zoom_oauth_connections (docs/contract/zoom-oauth.md#create-zoom-connection steps 4-9), `body` validated by the serializer: the app, the
    code exchange, the scopes, the user, then the upsert on (app, Zoom user id) - the same id and
    created_at for the same user, connected, no webhook - and the meeting-list sync queued. Returns the
    connection as held in memory (the answer keeps the metadata's order; its sync times are still null)."""
    values = body
    now = sb.now(project)
    with sb.project_lock(project["id"]), sb.store.lock:
        apps = sb.store.scan(zoom.APPS, project["id"])
        app_id = values["zoom_oauth_app_id"]
        if app_id:
            app = next((candidate for candidate in apps if candidate["id"] == app_id), None)
            if app is None:
                raise AttendeeError(msg.ZOOM_APP_NOT_IN_PROJECT.format(app_id=app_id, project_name=project["name"]))
        elif apps:
            app = apps[0]
        else:
            raise AttendeeError(msg.ZOOM_NO_APP.format(project_name=project["name"]))
        codes = (sb.store.get(zoom.CODES, zoom.codes_doc_id(project["id"])) or {}).get("codes")
        exchange = zoom.exchange_outcome(codes, values["authorization_code"])
        if exchange["outcome"] == "exchange_fails":
            raise AttendeeError(msg.ZOOM_CODE_EXCHANGE_FAILED)
        missing = missing_scopes(values, zoom.granted_scopes(exchange["scopes"]))
        if missing:
            raise AttendeeError(msg.ZOOM_MISSING_SCOPES.format(missing))
        if exchange["outcome"] == "user_info_fails":
            raise AttendeeError(msg.ZOOM_USER_INFO_FAILED)
        user = exchange["user"]
        if user["status"] != "active":
            raise AttendeeError(msg.ZOOM_USER_NOT_ACTIVE)
        if _unstorable(values["metadata"]):  # JSONB refuses it: the real server's catch-all
            raise FieldErrors({"non_field_errors": [msg.ZOOM_CONNECTION_UNEXPECTED.format(uuid.uuid4())]})
        refresh_token = f"sbx-zoom-refresh-{uuid.uuid4().hex}"
        existing = next(
            (
                connection
                for connection in sb.store.scan(zoom.CONNECTIONS, project["id"])
                if connection["zoom_oauth_app_id"] == app["id"] and connection["user_id"] == user["id"]
            ),
            None,
        )
        if existing is None:
            connection = zoom.new_connection(sb.ids, app, user, values, refresh_token, now=now)
        else:
            connection = existing
            zoom.authorize(connection, user, values, refresh_token, now=now)
        zoom.queue_meeting_list_sync(connection, now)
        _save(sb, project, connection)
        return connection


# -- due work: the meeting-list sync ------------------------------------------------------------------------


class MeetingListSyncWork(DueWork):
    """A local-recording connection's meeting-list sync (queued on creation, then weekly while connected):
    the stand-in for Zoom always answers, so it sets the sync times (`last_*_sync_at`)."""

    kind = "zoom_oauth_connection"
    table = zoom.CONNECTIONS
    rank = 2

    def due_at(self, doc):
        return zoom.next_meeting_list_sync_due(doc)

    def run(self, sb, project, doc, at):
        webhook = zoom.run_meeting_list_sync(doc, at)
        _save(sb, project, doc, webhook)
        return {"zoom_oauth_connection_id": doc["id"], "at": format_api_datetime(at), "outcome": "synced"}, []


MEETING_LIST_SYNC = MeetingListSyncWork()


# -- the control plane: the stand-in for Zoom and the dashboard -------------------------------------------------


def put_app(sb, project, *, client_id, webhook_secret=None):
    """PUT /sandbox/zoom_oauth_app `{"client_id", "webhook_secret"?}`: the project's Zoom OAuth app (`zoa_...`),
    created (`Created`), or changed keeping its id."""
    now = sb.now(project)
    with sb.project_lock(project["id"]), sb.store.lock:
        app = project_app(sb, project)
        created = app is None
        if created:
            app = zoom.new_app(sb.ids, project["id"], client_id, webhook_secret, now=now)
        else:
            app.update(client_id=client_id, webhook_secret=webhook_secret, updated_at=to_stored(now))
        sb.store.put(zoom.APPS, app)
        return Created(app) if created else app


def get_app(sb, project):
    """GET /sandbox/zoom_oauth_app: the project's app, or 404."""
    with sb.store.lock:
        app = project_app(sb, project)
    if app is None:
        raise SandboxInputError(
            "This project has no Zoom OAuth app (PUT /sandbox/zoom_oauth_app makes one)", status=404
        )
    return app


def delete_app(sb, project):
    """DELETE /sandbox/zoom_oauth_app: refused (409) while connections exist, as the real foreign key is.
    Returns how many apps went (1)."""
    with sb.project_lock(project["id"]), sb.store.lock:
        app = project_app(sb, project)
        if app is None:
            raise SandboxInputError("This project has no Zoom OAuth app", status=404)
        count = sum(1 for c in sb.store.scan(zoom.CONNECTIONS, project["id"]) if c["zoom_oauth_app_id"] == app["id"])
        if count:
            raise SandboxInputError(
                f"The Zoom OAuth app {app['id']} has {count} connection(s); delete them first "
                "(DELETE /api/v1/zoom_oauth_connections/{id})",
                status=409,
            )
        sb.store.delete(zoom.APPS, app["id"])
        return 1


def put_code(sb, project, authorization_code, *, outcome="ok", scopes=zoom.ALL_SCOPES, user=None):
    """PUT /sandbox/zoom_oauth/codes/{authorization_code} `{"outcome"?: "ok" | "exchange_fails" |
    "user_info_fails", "scopes"?, "user"?: {"id", "account_id", "status"}}`: what exchanging that code
    yields. `scopes`: the token answer's `scope` (None: the answer has none, so every scope is missing;
    by default every scope). `user`: Zoom's `/v2/users/me` (missing keys are derived from the code;
    `status` other than `active` is refused at POST). Returns the registration."""
    code = check_authorization_code(authorization_code)
    entry = {"outcome": outcome, "scopes": scopes}
    if user:
        entry["user"] = user
    limit = sb.settings.zoom_oauth_codes_per_project
    with sb.project_lock(project["id"]), sb.store.lock:
        doc_id = zoom.codes_doc_id(project["id"])
        doc = sb.store.get(zoom.CODES, doc_id) or {"id": doc_id, "project_id": project["id"], "codes": {}}
        if code not in doc["codes"] and len(doc["codes"]) >= limit:
            raise SandboxInputError(
                f"This project already has {limit} registered authorization codes, the most "
                "SANDBOX_ZOOM_OAUTH_CODES_PER_PROJECT allows",
                status=409,
            )
        doc["codes"][code] = entry
        sb.store.put(zoom.CODES, doc)
    return {"authorization_code": code, **zoom.exchange_outcome({code: entry}, code)}


def auth_failure(sb, project, connection_id, *, error=None):
    """POST /sandbox/zoom_oauth_connections/{id}/auth_failure `{"error"?}`: an authentication error as a
    sync, a token refresh or a bot joining meets it: `disconnected` with the failure data and one
    `zoom_oauth_connection.state_change`; nothing at all when already disconnected. Returns
    `{zoom_oauth_connection, webhook}` (the trigger sent, or None)."""
    _up_to_date(sb, project)
    with sb.project_lock(project["id"]), sb.store.lock:
        connection = _connection(sb, project, connection_id)
        text = error or msg.ZOOM_AUTHENTICATION_ERROR.format(zoom.DEFAULT_AUTH_ERROR_RESPONSE)
        webhook = zoom.apply_connection_event(connection, "auth_failed", at=sb.now(project), error=text)
        if webhook:
            _save(sb, project, connection, webhook)
        return {"zoom_oauth_connection": connection, "webhook": webhook}


def sync_success(sb, project, connection_id, *, meeting_ids=None):
    """POST /sandbox/zoom_oauth_connections/{id}/sync_success `{"meeting_ids"?}`: a meeting-list sync (a
    local-recording connection: the sync times, the meeting ids it mapped) or a token refresh (onbehalf
    only) that succeeds: `connected`, silently. Returns `{zoom_oauth_connection, webhook}` (no webhook)."""
    _up_to_date(sb, project)
    with sb.project_lock(project["id"]), sb.store.lock:
        connection = _connection(sb, project, connection_id)
        now = sb.now(project)
        if connection["is_local_recording_token_supported"]:
            _claim_meeting_ids(sb, project, connection, meeting_ids or [])
            webhook = zoom.run_meeting_list_sync(connection, now, meeting_ids)
        else:
            webhook = zoom.apply_connection_event(connection, "refresh_succeeded", at=now)
        _save(sb, project, connection, webhook)
        return {"zoom_oauth_connection": connection, "webhook": webhook}


def _claim_meeting_ids(sb, project, connection, meeting_ids):
    """Within an app a meeting id belongs to one connection: the others lose the ids this one maps."""
    claimed = set(meeting_ids)
    for other in sb.store.scan(zoom.CONNECTIONS, project["id"]):
        if other["id"] != connection["id"] and claimed & set(other.get("meeting_ids") or []):
            other["meeting_ids"] = [m for m in other["meeting_ids"] if m not in claimed]
            sb.store.put(zoom.CONNECTIONS, other)


def client_secret_changed(sb, project):
    """POST /sandbox/zoom_oauth_app/client_secret_changed: `validate_zoom_oauth_connections` - every
    disconnected connection whose failure says `Invalid client_id or client_secret` is connected again,
    each with a `zoom_oauth_connection.state_change`. Returns `{"reconnected": [ids]}`."""
    _up_to_date(sb, project)
    with sb.project_lock(project["id"]), sb.store.lock:
        app = project_app(sb, project)
        if app is None:
            raise SandboxInputError("This project has no Zoom OAuth app", status=404)
        now = sb.now(project)
        revived = []
        for connection in sb.store.scan(zoom.CONNECTIONS, project["id"]):
            error = (connection.get("connection_failure_data") or {}).get("error") or ""
            if connection["state"] != DISCONNECTED or CLIENT_SECRET_ERROR_MARK not in error:
                continue
            webhook = zoom.apply_connection_event(connection, "client_secret_fixed", at=now)
            _save(sb, project, connection, webhook)
            revived.append(connection["id"])
        return {"reconnected": revived}
