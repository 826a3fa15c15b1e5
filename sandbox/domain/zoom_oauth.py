"""Zoom OAuth: the project's Zoom OAuth app, what exchanging an authorization code yields, and the
connections with their one state-changing function (docs/contract/zoom-oauth.md#zoom-oauth,
docs/contract/zoom-oauth.md).

Documents:

* `zoom_oauth_apps`: `{id: zoa_..., project_id, client_id, webhook_secret, created_at, updated_at}`, at
  most one per project (the dashboard only ever makes one);
* `zoom_oauth_codes`: one document per project (`id` = `zcodes_<project id>`), `codes`: authorization
  code -> `{outcome, scopes, user}` as the control plane registered it;
* `zoom_oauth_connections`: the 13 fields of the ZoomOAuthConnection object, plus the refresh token,
  the meeting ids the last meeting-list sync mapped, and `sync_task_enqueued_at` /
  `queued_sync_at` for the meeting-list sync (due work, like a calendar's sync).

Unregistered codes stand for a user who granted every scope: the exchange succeeds, and the Zoom user
(`id`, `account_id`) is derived from the code, `active`.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from sandbox.contract.calendar_states import CONNECTED, ZOOM_OAUTH_CONNECTION_TRANSITIONS
from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.contract.requests.providers import CODE_OUTCOMES, USER_STATUSES  # noqa: F401
from sandbox.contract.requests.zoom_oauth import LOCAL_RECORDING_SCOPES, ONBEHALF_SCOPES
from sandbox.domain.calendar import apply_transition

APPS = "zoom_oauth_apps"
CODES = "zoom_oauth_codes"
CONNECTIONS = "zoom_oauth_connections"

ALL_SCOPES = " ".join(dict.fromkeys((*LOCAL_RECORDING_SCOPES, *ONBEHALF_SCOPES)))
#: What an authentication failure of a connection says by default (observed on the wire, docs/contract/zoom-oauth.md#zoom-connection-states).
DEFAULT_AUTH_ERROR_RESPONSE = {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
MEETING_LIST_SYNC_PERIOD = timedelta(days=7)  # run_scheduler: a connected local-recording connection


def codes_doc_id(project_id):
    return f"zcodes_{project_id}"


def new_app(ids, project_id, client_id, webhook_secret, *, now):
    stamp = to_stored(now)
    return {
        "id": ids.new("zoa"),
        "project_id": project_id,
        "client_id": client_id,
        "webhook_secret": webhook_secret,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _derived(code, salt, length=22):
    digest = hashlib.sha256(f"{salt}:{code}".encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:length]


def exchange_outcome(registered, code):
    """What exchanging `code` yields: `{outcome, scopes, user}`. `scopes` is the token answer's `scope`
    (None: the answer has none, so every scope is missing); `user` is Zoom's `/v2/users/me`."""
    entry = registered.get(code) if registered else None
    default_user = {"id": _derived(code, "user"), "account_id": _derived(code, "account"), "status": "active"}
    if entry is None:
        return {"outcome": "ok", "scopes": ALL_SCOPES, "user": default_user}
    return {
        "outcome": entry.get("outcome", "ok"),
        "scopes": entry.get("scopes", ALL_SCOPES),
        "user": {**default_user, **(entry.get("user") or {})},
    }


def granted_scopes(scopes):
    """The token answer's `scope` split on spaces (`""` when absent, as the real `.get("scope", "")`)."""
    return (scopes or "").split(" ")


def new_connection(ids, app, user, values, refresh_token, *, now):
    stamp = to_stored(now)
    return {
        "id": ids.new("zoc"),
        "project_id": app["project_id"],
        "zoom_oauth_app_id": app["id"],
        "user_id": user["id"],
        "account_id": user["account_id"],
        "state": CONNECTED,
        "metadata": values["metadata"],
        "is_local_recording_token_supported": values["is_local_recording_token_supported"],
        "is_onbehalf_token_supported": values["is_onbehalf_token_supported"],
        "connection_failure_data": None,
        "created_at": stamp,
        "updated_at": stamp,
        "last_successful_sync_at": None,
        "last_attempted_sync_at": None,
        "refresh_token": refresh_token,
        "meeting_ids": [],
        "sync_task_enqueued_at": None,
        "queued_sync_at": None,
    }


def authorize(connection, user, values, refresh_token, *, now):
    """The upsert of a connection for the same Zoom user (docs/contract/zoom-oauth.md#create-zoom-connection step 8):
    same id and created_at; the
    refresh token, account, metadata (None when left out) and both flags replaced; connected."""
    connection["account_id"] = user["account_id"]
    connection["metadata"] = values["metadata"]
    connection["is_local_recording_token_supported"] = values["is_local_recording_token_supported"]
    connection["is_onbehalf_token_supported"] = values["is_onbehalf_token_supported"]
    connection["refresh_token"] = refresh_token
    apply_connection_event(connection, "authorized", at=now)


def apply_connection_event(connection, happening, *, at, error=None):
    """Move a connection by `ZOOM_OAUTH_CONNECTION_TRANSITIONS` (`apply_transition`)."""
    return apply_transition(ZOOM_OAUTH_CONNECTION_TRANSITIONS, connection, happening, at=at, error=error)


# -- the meeting-list sync (due work) ----------------------------------------------------------------------


def queue_meeting_list_sync(connection, at):
    """`enqueue_sync_zoom_oauth_connection_task`: only for connections with local recording."""
    if not connection["is_local_recording_token_supported"]:
        return
    stamp = to_stored(at)
    connection["sync_task_enqueued_at"] = stamp
    connection["queued_sync_at"] = stamp
    connection["updated_at"] = stamp


def next_meeting_list_sync_due(connection):
    """The queued meeting-list sync, or the scheduler's weekly one for a connected local-recording
    connection; None for an onbehalf-only connection (its sync times stay null forever)."""
    if not connection["is_local_recording_token_supported"]:
        return None
    due = []
    if connection.get("queued_sync_at"):
        due.append(parse_stored_datetime(connection["queued_sync_at"]))
    if connection["state"] == CONNECTED:
        enqueued = connection.get("sync_task_enqueued_at")
        first = parse_stored_datetime(enqueued) + MEETING_LIST_SYNC_PERIOD if enqueued else None
        due.append(first or parse_stored_datetime(connection["created_at"]))
    return min(due) if due else None


def run_meeting_list_sync(connection, at, meeting_ids=None):
    """A meeting-list sync that succeeds at `at` (the stand-in for Zoom always answers): the sync times,
    connected, the meeting ids it mapped (kept when not given). Returns the webhook trigger (None)."""
    queued = connection.get("queued_sync_at")
    if not queued or parse_stored_datetime(queued) > at:
        connection["sync_task_enqueued_at"] = to_stored(at)
    connection["queued_sync_at"] = None
    if meeting_ids is not None:
        connection["meeting_ids"] = list(meeting_ids)
    return apply_connection_event(connection, "sync_succeeded", at=at)
