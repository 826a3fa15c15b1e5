"""The body of `POST /zoom_oauth_connections` as the real server reads it
(docs/contract/zoom-oauth.md#create-zoom-connection;
docs/contract/zoom-oauth.md).

`CreateZoomOAuthConnection` mirrors `CreateZoomOAuthConnectionSerializer`: the fields in declaration order
(the order of the error map), DRF's string and boolean rules, the bot metadata rules, then the two checks
on the object as a whole, run only when every field is valid: unknown fields first, then "at least one of
the two flags". What follows (the app, the code exchange, scopes, the user) needs the store and is the
use case's (`sandbox.usecases.zoom_oauth`). Pure module: no Flask, no store.
"""

from __future__ import annotations

from sandbox.contract import messages as msg
from sandbox.contract.drf import BooleanField, CharField, JSONField, Serializer, ValidationError
from sandbox.contract.requests import BodyRule
from sandbox.contract.requests.bots import BotValidation, load

__all__ = [
    "LOCAL_RECORDING_SCOPES",
    "ONBEHALF_SCOPES",
    "CREATE_ZOOM_OAUTH_CONNECTION_BODY",
    "CreateZoomOAuthConnection",
    "missing_scopes",
    "parse_create_zoom_oauth_connection",
]

#: The scopes a token needs, by capability (docs/contract/zoom-oauth.md#create-zoom-connection step 6), in the real
# server's list order.
LOCAL_RECORDING_SCOPES = (
    "user:read:user",
    "user:read:zak",
    "meeting:read:list_meetings",
    "meeting:read:local_recording_token",
)
ONBEHALF_SCOPES = ("user:read:user", "user:read:token")


class CreateZoomOAuthConnection(Serializer):
    """`CreateZoomOAuthConnectionSerializer`."""

    reject_unknown_fields = True

    zoom_oauth_app_id = CharField(
        required=False,
        default=None,
        metadata={"description": "The Zoom OAuth app (`zoa_...`); leave it out to use the project's only one."},
    )
    authorization_code = CharField(metadata={"description": "The code Zoom gave the user's browser."})
    redirect_uri = CharField(
        metadata={"description": "The redirect URI the code was issued for (not checked to be a URL)."}
    )
    is_local_recording_token_supported = BooleanField(required=False, default=True)
    is_onbehalf_token_supported = BooleanField(required=False, default=False)
    metadata = JSONField(required=False, default=None)

    validate_metadata = BotValidation.validate_metadata

    def validate_object(self, data):
        if not data["is_local_recording_token_supported"] and not data["is_onbehalf_token_supported"]:
            raise ValidationError(msg.ZOOM_FLAGS_BOTH_FALSE)


CREATE_ZOOM_OAUTH_CONNECTION = CreateZoomOAuthConnection()
#: `CreateZoomOAuthConnectionSerializer` fields in declaration order.
CREATE_ZOOM_OAUTH_CONNECTION_FIELDS = tuple(CREATE_ZOOM_OAUTH_CONNECTION.fields)


def parse_create_zoom_oauth_connection(body):
    """A `POST /zoom_oauth_connections` body, validated: `{zoom_oauth_app_id, authorization_code,
    redirect_uri, is_local_recording_token_supported, is_onbehalf_token_supported, metadata}`, or
    FieldErrors with the real map (fields, then unknown fields, then the flags)."""
    return load(CREATE_ZOOM_OAUTH_CONNECTION, body)


CREATE_ZOOM_OAUTH_CONNECTION_BODY = BodyRule(
    "CreateZoomOAuthConnectionRequest",
    lambda data, context: parse_create_zoom_oauth_connection(data),
    CreateZoomOAuthConnection,
)


def missing_scopes(values, granted):
    """The scopes the connection needs that `granted` (the token answer's `scope` split on spaces) lacks.

    The real server builds the list from a set, so its order varies from run to run; the sandbox keeps
    the order above (local recording's first), which is one of the orders the real server can show."""
    required = []
    if values["is_local_recording_token_supported"]:
        required.extend(LOCAL_RECORDING_SCOPES)
    if values["is_onbehalf_token_supported"]:
        required.extend(ONBEHALF_SCOPES)
    return [scope for scope in dict.fromkeys(required) if scope not in granted]
