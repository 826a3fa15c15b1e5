"""Every limit the served OpenAPI document states for a request body is the limit the sandbox enforces, with
the contract's message: a value at the limit is not refused for that field, a value one past it is refused
with the exact message for that field.

The walk covers every `maxLength`, `minLength`, `maxItems`, `minItems`, `maximum` and `minimum` of every
request body the document serves (the Attendee API's and the control plane's), through `$ref`s, nested
objects, array items and `oneOf`. A limit the document states without an expectation below fails, so a new
limit cannot go untested; an expectation whose limit the document no longer states fails too.
"""

from dataclasses import dataclass
from typing import Callable

import pytest

from sandbox.web.schema import openapi_document
from tests.conftest import AUTH, FIXTURE_BOTS

LIMIT_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum")
MEET = "https://meet.google.com/abc-defg-hij"
JOINED = FIXTURE_BOTS["joined_recording"]
SCHEDULED = FIXTURE_BOTS["scheduled"]
GOOGLE_VOICE = {"google": {"voice_language_code": "en-US", "voice_name": "en-US-Casual-K"}}
BLANK = "This field may not be blank."
DOC = openapi_document()


def stated_limits(doc):
    """(METHOD, path template, field path, keyword, limit) of every limit of every JSON request body."""
    schemas = doc["components"]["schemas"]

    def walk(node, path, seen):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                yield from walk(schemas[name], path, seen | {name})
            return
        for keyword in LIMIT_KEYWORDS:
            if keyword in node:
                yield ".".join(path), keyword, node[keyword]
        for name, sub in node.get("properties", {}).items():
            yield from walk(sub, (*path, name), seen)
        if isinstance(node.get("items"), dict):
            yield from walk(node["items"], (*path[:-1], path[-1] + "[]") if path else ("[]",), seen)
        if isinstance(node.get("additionalProperties"), dict):
            yield from walk(node["additionalProperties"], (*path, "*"), seen)
        for key in ("oneOf", "anyOf", "allOf"):
            for sub in node.get(key, []):
                yield from walk(sub, path, seen)

    for template, item in doc["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and "application/json" in body["content"]:
                for field, keyword, limit in walk(body["content"]["application/json"]["schema"], (), frozenset()):
                    yield method.upper(), template, field, keyword, limit


@dataclass(frozen=True)
class Expect:
    """How to send a value of the field (`body(value)`, to `bot` for a bot's path), and the refusal one past
    the limit: `message` at `at` in a field-error map, or the control plane's `{"error": message}` (`at` None).
    `item(i)` makes valid array items; `strict`: a value at the limit is valid, so nothing refuses the field
    (else only the limit's message must not). `own_project`: send it as a project of its own. `setup(client)`
    makes what the path names and returns its `object_id` (a calendar, a Zoom OAuth connection)."""

    body: Callable
    message: str
    at: tuple | None = None
    bot: str = JOINED
    item: Callable | None = None
    strict: bool = True
    own_project: bool = False
    setup: Callable | None = None


def create(**fields):
    return {"meeting_url": MEET, "bot_name": "Limits", **fields}


def hook(i):
    return {"url": f"https://hooks.example.com/{i}", "triggers": ["bot.state_change"]}


def leave_after(name):
    return Expect(
        lambda v: create(automatic_leave_settings={name: v}),
        f"{name} must be a positive integer",
        ("automatic_leave_settings",),
    )


FAULT = {"path": "/api/v1/bots/*/leave"}
DEFAULT_PROJECT = "proj_sbx0Default00001"
EPOCH_MS_MESSAGE = "must be an integer from 0 to 9223372036854775807 (epoch milliseconds)"
EPOCH_SECONDS_MESSAGE = "must be an integer from 0 to 9223372036854775 (epoch seconds)"


def epoch(field, body, unit_message=EPOCH_MS_MESSAGE):
    """Both limits of an epoch field of a control body."""
    return {keyword: Expect(lambda v: {**body, field: v}, f"{field} {unit_message}") for keyword in ("minimum", "maximum")}
AUTOMATIC_LEAVE = (
    "silence_timeout_seconds",
    "silence_activate_after_seconds",
    "only_participant_in_meeting_timeout_seconds",
    "wait_for_host_to_start_meeting_timeout_seconds",
    "waiting_room_timeout_seconds",
    "max_uptime_seconds",
    "enable_closed_captions_timeout_seconds",
    "authorized_user_not_in_meeting_timeout_seconds",
)

EXPECTED = {
    # -- POST /api/v1/bots (CreateBotSerializer) --
    ("POST", "/api/v1/bots", "meeting_url", "minLength"): Expect(
        lambda v: create(meeting_url=v), BLANK, ("meeting_url",), strict=False  # "a" is no meeting URL
    ),
    ("POST", "/api/v1/bots", "bot_name", "minLength"): Expect(lambda v: create(bot_name=v), BLANK, ("bot_name",)),
    ("POST", "/api/v1/bots", "bot_image.data", "minLength"): Expect(
        lambda v: create(bot_image={"type": "image/png", "data": v}), BLANK, ("bot_image", "data")
    ),
    ("POST", "/api/v1/bots", "bot_chat_message.to_user_uuid", "maxLength"): Expect(
        lambda v: create(bot_chat_message={"to": "specific_user", "to_user_uuid": v, "message": "hi"}),
        "Ensure this field has no more than 255 characters.",
        ("bot_chat_message", "to_user_uuid"),
    ),
    ("POST", "/api/v1/bots", "bot_chat_message.message", "maxLength"): Expect(
        lambda v: create(bot_chat_message={"message": v}),
        "Message must be less than 10000 characters",
        ("bot_chat_message", "message"),
    ),
    ("POST", "/api/v1/bots", "bot_chat_message.message", "minLength"): Expect(
        lambda v: create(bot_chat_message={"message": v}), BLANK, ("bot_chat_message", "message")
    ),
    ("POST", "/api/v1/bots", "calendar_event_id", "minLength"): Expect(
        lambda v: create(calendar_event_id=v), BLANK, ("calendar_event_id",)
    ),
    ("POST", "/api/v1/bots", "deduplication_key", "minLength"): Expect(
        lambda v: create(deduplication_key=v), BLANK, ("deduplication_key",)
    ),
    ("POST", "/api/v1/bots", "webhooks[].triggers", "minItems"): Expect(
        lambda v: create(webhooks=[{"url": "https://hooks.example.com/bot", "triggers": v}]),
        "[] should be non-empty",
        ("webhooks",),
        item=lambda i: "bot.state_change",
    ),
    **{
        ("POST", "/api/v1/bots", f"automatic_leave_settings.{name}", "minimum"): leave_after(name)
        for name in AUTOMATIC_LEAVE
    },
    # -- PATCH /api/v1/bots/{id} (PatchBotSerializer), on a scheduled bot --
    ("PATCH", "/api/v1/bots/{object_id}", "meeting_url", "minLength"): Expect(
        lambda v: {"meeting_url": v}, BLANK, ("meeting_url",), bot=SCHEDULED, strict=False
    ),
    ("PATCH", "/api/v1/bots/{object_id}", "bot_name", "minLength"): Expect(
        lambda v: {"bot_name": v}, BLANK, ("bot_name",), bot=SCHEDULED
    ),
    ("PATCH", "/api/v1/bots/{object_id}", "bot_image.data", "minLength"): Expect(
        lambda v: {"bot_image": {"type": "image/png", "data": v}}, BLANK, ("bot_image", "data"), bot=SCHEDULED
    ),
    # -- the bot commands, on a joined bot --
    ("POST", "/api/v1/bots/{object_id}/output_image", "data", "minLength"): Expect(
        lambda v: {"type": "image/png", "data": v}, BLANK, ("data",)
    ),
    ("POST", "/api/v1/bots/{object_id}/output_video", "url", "minLength"): Expect(
        lambda v: {"url": v}, BLANK, ("url",), strict=False  # "a" is no URL
    ),
    ("POST", "/api/v1/bots/{object_id}/send_chat_message", "to_user_uuid", "maxLength"): Expect(
        lambda v: {"to": "specific_user", "to_user_uuid": v, "message": "hi"},
        "Ensure this field has no more than 255 characters.",
        ("to_user_uuid",),
    ),
    ("POST", "/api/v1/bots/{object_id}/send_chat_message", "message", "maxLength"): Expect(
        lambda v: {"message": v}, "Message must be less than 10000 characters", ("message",)
    ),
    ("POST", "/api/v1/bots/{object_id}/send_chat_message", "message", "minLength"): Expect(
        lambda v: {"message": v}, BLANK, ("message",)
    ),
    ("POST", "/api/v1/bots/{object_id}/speech", "text", "minLength"): Expect(
        lambda v: {"text": v, "text_to_speech_settings": GOOGLE_VOICE}, BLANK, ("text",)
    ),
    # -- the control plane --
    ("POST", "/sandbox/projects", "name", "maxLength"): Expect(
        lambda v: {"name": v}, "name must be a non-empty string of at most 255 characters"
    ),
    ("POST", "/sandbox/projects", "name", "minLength"): Expect(
        lambda v: {"name": v}, "name must be a non-empty string of at most 255 characters"
    ),
    ("POST", "/sandbox/projects", "webhooks", "maxItems"): Expect(
        lambda v: {"webhooks": v}, "A project has at most 2 webhook subscriptions", item=hook
    ),
    ("POST", "/sandbox/projects", "webhooks[].triggers", "minItems"): Expect(
        lambda v: {"webhooks": [{"url": "https://hooks.example.com/p", "triggers": v}]},
        "webhooks[0].triggers must be a non-empty list of trigger codes",
        item=lambda i: "bot.state_change",
    ),
    ("POST", "/sandbox/clock/advance", "seconds", "maximum"): Expect(
        lambda v: {"seconds": v}, "seconds must be at most 316224000 (ten years)", own_project=True
    ),
    ("POST", "/sandbox/clock/advance", "seconds", "minimum"): Expect(
        lambda v: {"seconds": v}, "seconds must be a number >= 0 (the clock only moves forward)", own_project=True
    ),
    ("POST", "/sandbox/bots/{object_id}/advance", "steps", "minimum"): Expect(
        lambda v: {"steps": v}, 'steps must be a positive integer or "all"'
    ),
    ("POST", "/sandbox/bots/{object_id}/utterances", "duration_ms", "minimum"): Expect(
        lambda v: {"speaker_uuid": "7", "text": "hi", "duration_ms": v}, "duration_ms must be at least 0"
    ),
    **{
        ("POST", "/sandbox/bots/{object_id}/participants", "timestamp_ms", keyword): expect
        for keyword, expect in epoch("timestamp_ms", {"name": "Limits"}).items()
    },
    **{
        ("POST", "/sandbox/bots/{object_id}/chat_messages", "timestamp", keyword): expect
        for keyword, expect in epoch("timestamp", {"sender_uuid": "7", "text": "hi"}, EPOCH_SECONDS_MESSAGE).items()
    },
    **{
        ("POST", "/sandbox/bots/{object_id}/audio_chunks", "timestamp_ms", keyword): expect
        for keyword, expect in epoch("timestamp_ms", {"speaker_uuid": "7"}).items()
    },
    ("POST", "/sandbox/bots/{object_id}/audio_chunks", "duration_ms", "minimum"): Expect(
        lambda v: {"speaker_uuid": "7", "timestamp_ms": 1796040000000, "duration_ms": v},
        "duration_ms must be at least 0",
    ),
    **{
        ("POST", "/sandbox/bots/{object_id}/recording_file", "start_timestamp_ms", keyword): expect
        for keyword, expect in epoch("start_timestamp_ms", {}).items()
    },
    ("PATCH", "/sandbox/projects/{project_id}", "name", "maxLength"): Expect(
        lambda v: {"name": v}, "name must be a non-empty string of at most 255 characters"
    ),
    ("PATCH", "/sandbox/projects/{project_id}", "name", "minLength"): Expect(
        lambda v: {"name": v}, "name must be a non-empty string of at most 255 characters"
    ),
    ("PATCH", "/sandbox/projects/{project_id}", "webhooks", "maxItems"): Expect(
        lambda v: {"webhooks": v}, "A project has at most 2 webhook subscriptions", item=hook
    ),
    ("PATCH", "/sandbox/projects/{project_id}", "webhooks[].triggers", "minItems"): Expect(
        lambda v: {"webhooks": [{"url": "https://hooks.example.com/p", "triggers": v}]},
        "webhooks[0].triggers must be a non-empty list of trigger codes",
        item=lambda i: "bot.state_change",
    ),
    ("POST", "/sandbox/faults", "status", "maximum"): Expect(
        lambda v: {**FAULT, "status": v}, "status must be an HTTP status code from 100 to 599, or null for a delay only"
    ),
    ("POST", "/sandbox/faults", "status", "minimum"): Expect(
        lambda v: {**FAULT, "status": v}, "status must be an HTTP status code from 100 to 599, or null for a delay only"
    ),
    ("POST", "/sandbox/faults", "delay_ms", "maximum"): Expect(
        lambda v: {**FAULT, "status": 503, "delay_ms": v}, "delay_ms must be an integer from 0 to 60000"
    ),
    ("POST", "/sandbox/faults", "delay_ms", "minimum"): Expect(
        lambda v: {**FAULT, "status": 503, "delay_ms": v}, "delay_ms must be an integer from 0 to 60000"
    ),
    ("POST", "/sandbox/faults", "times", "minimum"): Expect(
        lambda v: {**FAULT, "status": 503, "times": v},
        "times must be a positive integer, or null for every matching request",
    ),
    ("POST", "/sandbox/faults", "retry_after", "minimum"): Expect(
        lambda v: {**FAULT, "status": 429, "retry_after": v}, "retry_after must be a whole number of seconds >= 0"
    ),
}

CALENDAR_BODY = {"client_id": "cid", "client_secret": "sec", "refresh_token": "tok", "platform": "google"}
ZOOM_CONNECTION_BODY = {"authorization_code": "code", "redirect_uri": "https://app.example/cb"}
REMOTE_EVENT = {"start_time": "2026-12-20T10:00:00Z", "end_time": "2026-12-20T10:30:00Z"}
ERROR_TEXT = "error must be a non-empty string of at most 2000 characters"
ZOOM_TEXT = "must be a non-empty string of at most 255 characters"


def a_calendar(client):
    return client.post("/api/v1/calendars", json=CALENDAR_BODY, headers=AUTH).json["id"]


def a_zoom_app(client):
    client.put("/sandbox/zoom_oauth_app", json={"client_id": "zoom-client"}, headers=AUTH)


def a_zoom_connection(client):
    a_zoom_app(client)
    return client.post("/api/v1/zoom_oauth_connections", json=ZOOM_CONNECTION_BODY, headers=AUTH).json["id"]


def calendar_field(name):
    return Expect(lambda v: {**CALENDAR_BODY, name: v}, BLANK, (name,))


def remote_event(name, limit):
    return Expect(lambda v: {**REMOTE_EVENT, name: v}, f"{name} must be at most {limit} characters", setup=a_calendar)


def attendee(name):
    return Expect(
        lambda v: {**REMOTE_EVENT, "attendees": [{"email": "a@example.com", "name": "A", name: v}]},
        f"attendees[0].{name} must be a string of at most 1024 characters, or null",
        setup=a_calendar,
    )


def error_text(template, body=None, setup=a_calendar):
    return {
        (method, template, "error", keyword): Expect(lambda v: {**(body or {}), "error": v}, ERROR_TEXT, setup=setup)
        for method in ("POST",)
        for keyword in ("minLength", "maxLength")
    }


REMOTE_EVENT_PATH = "/sandbox/calendars/{object_id}/remote_events/{platform_uuid}"
ZOOM_CODE_PATH = "/sandbox/zoom_oauth/codes/{authorization_code}"
CALENDAR_EXPECTED = {
    # -- POST /api/v1/calendars and PATCH /api/v1/calendars/{id} (CreateCalendarSerializer, PatchCalendarSerializer) --
    **{("POST", "/api/v1/calendars", name, "minLength"): calendar_field(name) for name in (
        "platform_uuid", "client_id", "client_secret", "refresh_token", "deduplication_key",
    )},
    **{
        ("PATCH", "/api/v1/calendars/{object_id}", name, "minLength"): Expect(
            lambda v, name=name: {name: v}, BLANK, (name,), setup=a_calendar
        )
        for name in ("client_secret", "refresh_token")
    },
    # -- POST /api/v1/zoom_oauth_connections (CreateZoomOAuthConnectionSerializer), with the project's app --
    **{
        ("POST", "/api/v1/zoom_oauth_connections", name, "minLength"): Expect(
            lambda v, name=name: {**ZOOM_CONNECTION_BODY, name: v}, BLANK, (name,),
            setup=lambda client: a_zoom_app(client) or "-",
        )
        for name in ("zoom_oauth_app_id", "authorization_code", "redirect_uri")
    },
    # -- the stand-ins for Google and Microsoft --
    **{
        ("PUT", REMOTE_EVENT_PATH, name, "maxLength"): remote_event(name, limit)
        for name, limit in (("name", 1024), ("meeting_url", 2048), ("location", 2048), ("description", 8000),
                            ("ical_uid", 1024))
    },
    ("PUT", REMOTE_EVENT_PATH, "attendees", "maxItems"): Expect(
        lambda v: {**REMOTE_EVENT, "attendees": v},
        'attendees must be a list of at most 500 {"email", "name"} objects',
        item=lambda i: {"email": f"a{i}@example.com", "name": None},
        setup=a_calendar,
    ),
    ("PUT", REMOTE_EVENT_PATH, "attendees[].email", "maxLength"): attendee("email"),
    ("PUT", REMOTE_EVENT_PATH, "attendees[].name", "maxLength"): attendee("name"),
    **error_text("/sandbox/calendars/{object_id}/sync_failures", {"kind": "auth_error"}),
    **{
        ("POST", "/sandbox/calendars/{object_id}/sync_failures", "times", keyword): Expect(
            lambda v: {"kind": "transient", "times": v}, "times must be an integer from 1 to 100", setup=a_calendar
        )
        for keyword in ("minimum", "maximum")
    },
    **error_text("/sandbox/calendars/{object_id}/disconnect"),
    # -- the stand-ins for Zoom --
    **{
        ("PUT", "/sandbox/zoom_oauth_app", name, keyword): Expect(
            lambda v, name=name: {"client_id": "zoom-client", name: v}, f"{name} {ZOOM_TEXT}"
        )
        for name in ("client_id", "webhook_secret")
        for keyword in ("minLength", "maxLength")
    },
    ("PUT", ZOOM_CODE_PATH, "scopes", "maxLength"): Expect(
        lambda v: {"scopes": v},
        "scopes must be a space-separated string of at most 4000 characters, a list of scope names, or null",
    ),
    **{
        ("PUT", ZOOM_CODE_PATH, f"user.{name}", keyword): Expect(
            lambda v, name=name: {"user": {name: v}}, f"user.{name} {ZOOM_TEXT}"
        )
        for name in ("id", "account_id")
        for keyword in ("minLength", "maxLength")
    },
    **error_text("/sandbox/zoom_oauth_connections/{object_id}/auth_failure", setup=a_zoom_connection),
    ("POST", "/sandbox/zoom_oauth_connections/{object_id}/sync_success", "meeting_ids", "maxItems"): Expect(
        lambda v: {"meeting_ids": v}, "meeting_ids must be a list of at most 1000 Zoom meeting ids",
        item=lambda i: i + 1, setup=a_zoom_connection,
    ),
    ("POST", "/sandbox/zoom_oauth_connections/{object_id}/sync_success", "meeting_ids[]", "minimum"): Expect(
        lambda v: {"meeting_ids": [v]}, "meeting_ids must be a list of at most 1000 Zoom meeting ids",
        setup=a_zoom_connection,
    ),
}
EXPECTED.update(CALENDAR_EXPECTED)

LIMITS = list(stated_limits(DOC))
# The other values a path names.
PATH_VALUES = {"{project_id}": DEFAULT_PROJECT, "{platform_uuid}": "event-1", "{authorization_code}": "code-1"}


def at_and_past(keyword, limit, item):
    """A value at the limit and one just past it."""
    if keyword in ("maxLength", "minLength"):
        past = limit + 1 if keyword == "maxLength" else limit - 1
        return "a" * limit, "a" * past
    if keyword in ("maxItems", "minItems"):
        past = limit + 1 if keyword == "maxItems" else limit - 1
        return [item(i) for i in range(limit)], [item(i) for i in range(past)]
    return limit, limit + 1 if keyword == "maximum" else limit - 1


def refusals(response, at):
    """The messages that refuse the field: under `at` in a field-error map, or a control-plane `error`."""
    body = response.json if response.status_code >= 400 else None
    if not isinstance(body, dict):
        return []
    if at is None:
        return [body["error"]] if "error" in body else []
    node = body
    for key in at:
        if not isinstance(node, dict) or key not in node:
            return []
        node = node[key]
    return node if isinstance(node, list) else [node]


def test_the_walk_covers_the_served_document_and_finds_the_limits_of_both_planes(client):
    served = client.get("/api/schema").json
    assert list(stated_limits(served)) == LIMITS
    assert {template.split("/")[1] for _, template, *_ in LIMITS} == {"api", "sandbox"}


def test_every_stated_limit_has_an_expectation_and_every_expectation_a_stated_limit():
    stated = {(method, template, field, keyword) for method, template, field, keyword, _ in LIMITS}
    assert stated - set(EXPECTED) == set(), "a limit the document states has no expectation here"
    assert set(EXPECTED) - stated == set(), "an expectation here has no limit in the document"


@pytest.mark.parametrize("stated", LIMITS, ids=lambda s: f"{s[0]} {s[1]} {s[2]} {s[3]}={s[4]}")
def test_a_value_at_the_limit_passes_and_one_past_it_is_refused_with_the_contracts_message(make_app, stated):
    method, template, field, keyword, limit = stated
    expect = EXPECTED[(method, template, field, keyword)]
    client = make_app(in_memory=True).test_client()
    headers = AUTH
    if expect.own_project:
        headers = {"Authorization": f"Token {client.post('/sandbox/projects', json={}).json['api_key']}"}
    path = template.replace("{object_id}", expect.setup(client) if expect.setup else expect.bot)
    for name, value in PATH_VALUES.items():
        path = path.replace(name, value)
    at, past = at_and_past(keyword, limit, expect.item)

    refused = client.open(path, method=method, json=expect.body(past), headers=headers)
    assert refused.status_code == 400, refused.data
    assert expect.message in refusals(refused, expect.at), refused.data

    accepted = client.open(path, method=method, json=expect.body(at), headers=headers)
    if expect.strict:
        assert refusals(accepted, expect.at) == [], accepted.data
    else:
        assert expect.message not in refusals(accepted, expect.at), accepted.data
    if expect.at is None:  # the control plane answers one error at a time: the value at the limit is taken
        assert accepted.status_code < 300, accepted.data
