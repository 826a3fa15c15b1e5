"""Property-based fuzz of every `/api/v1` and `/sandbox` route (hypothesis): random methods, paths, ids,
query strings, headers and bodies never get a 5xx, and every error of the Attendee API and the control API
is a JSON object.

The routes come from the app's own URL map, so a route added later is fuzzed too. One app serves a whole
run, so state builds up between examples as it would in a long-lived sandbox (bots created, left, time
travelled...). Webhook deliveries are answered by a stub transport: the fuzz sends nothing over the network.
Injected faults (whose statuses are the caller's choice, 5xx included) are cleared after every example.

The dashboard (`/sandbox/ui`) is a browser UI: it is held to "no 5xx" only, as its errors are pages.

`SANDBOX_FUZZ_EXAMPLES=N` runs N random examples instead of the fixed, reproducible default set.
"""

import json
import os
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sandbox import create_app
from sandbox.infra.webhooks.transport import AttemptResult
from tests.conftest import DEFAULT_KEY, SECOND_KEY, SEED_BOT

EXAMPLES = int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "0") or 0)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES or 400,
    derandomize=not EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
HIDDEN_CRASH = "The sandbox could not handle"
DASHBOARD = "/sandbox/ui"
FIXTURE_BOTS = [
    SEED_BOT,
    "bot_sbxReady00000000",
    "bot_sbxScheduled0000",
    "bot_sbxJoinedRec0000",
    "bot_sbxRecPaused0000",
    "bot_sbxLeaving000000",
    "bot_sbxEnded00000000",
    "bot_sbxFatalError000",
    "bot_sbxDataDeleted00",
    "bot_sbxOtherProject0",
]
BODY_KEYS = [
    # POST/PATCH /api/v1/bots
    "meeting_url", "bot_name", "join_at", "metadata", "deduplication_key", "webhooks", "recording_settings",
    "transcription_settings", "bot_image", "bot_chat_message", "automatic_leave_settings", "zoom_settings",
    "google_meet_settings", "teams_settings", "voice_agent_settings", "websocket_settings", "rtmp_settings",
    "callback_settings", "external_media_storage_settings", "debug_settings", "calendar_event_id",
    # bot commands
    "message", "to", "to_user_uuid", "text", "text_to_speech_settings", "type", "data", "url", "page", "direction",
    # the control API
    "name", "triggers", "zoom_credentials", "scenario", "seconds", "steps", "sub_type", "uuid", "speaker_uuid",
    "duration_ms", "is_host", "event_type", "method", "path", "status", "body", "headers", "delay_ms", "times",
    "retry_after", "format", "is_the_bot", "timestamp_ms", "timestamp", "start_timestamp_ms", "media_type",
    "google_tts_credentials", "async_transcription", "transcription_credentials", "external_media_storage_credentials",
]
QUERY_KEYS = ["cursor", "states", "meeting_url", "deduplication_key", "join_at_after", "join_at_before", "limit",
              "method", "path", "status", "bot_id", "trigger", "updated_after"]


def _rules():
    """{rule: the methods it answers} for every /api/v1 and /sandbox route (the Attendee API's routes are
    registered for every method and dispatch themselves: their handlers say which methods they serve)."""
    from sandbox.contract.endpoints import ATTENDEE, ENDPOINTS

    handled = {endpoint.rule: set(endpoint.operations) for endpoint in ENDPOINTS if endpoint.kind == ATTENDEE}
    app = create_app({"in_memory": True, "testing": True})
    try:
        rules = {}
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith(("/api/v1", "/sandbox")):
                methods = handled.get(rule.rule) or (rule.methods - {"HEAD", "OPTIONS"})
                rules.setdefault(rule.rule, set()).update(methods)
        return {rule: sorted(methods) for rule, methods in sorted(rules.items())}
    finally:
        app.extensions["sandbox"].shutdown()


SEEN_IDS = []  # ids the sandbox answered with during the run (bots created, faults, deliveries...)


RULES = _rules()
ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "https://meet.google.com/abc-defg-hij",
            "https://zoom.us/j/123?pwd=456",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
            "http://127.0.0.1:9/hook",
            "2026-12-01T10:00:00Z",
            "1999-01-01T00:00:00+05:00",
            "bot.state_change",
            "joined_meeting",
            "leave_requested",
            "everyone",
            "happy_path",
            "audio",
            "video",
            "mp3",
            "all",
            "*",
            "",
            "\u0000",
            "\ud800",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(BODY_KEYS) | st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
bodies = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(BODY_KEYS), json_values, max_size=6).map(lambda d: ("json", d)),
    st.dictionaries(st.sampled_from(BODY_KEYS), scalars, max_size=6).map(lambda d: ("json", d)),
    json_values.map(lambda v: ("json", v)),
    st.binary(max_size=200).map(lambda b: ("raw", b)),
    st.dictionaries(st.sampled_from(BODY_KEYS), st.text(max_size=30), max_size=4).map(lambda d: ("form", d)),
)
path_values = st.one_of(
    st.sampled_from(FIXTURE_BOTS),
    st.integers(0, 10**6).map(lambda n: SEEN_IDS[n % len(SEEN_IDS)] if SEEN_IDS else SEED_BOT),
    st.sampled_from(["16778240", "16779264", "0", "-1", "whd_x", "flt_x", "recording.mp4", "../../etc/passwd"]),
    st.text(min_size=1, max_size=30),
)
authorizations = st.one_of(
    st.sampled_from(
        [
            f"Token {DEFAULT_KEY}",
            f"Token {DEFAULT_KEY}",
            f"Token {SECOND_KEY}",
            "Token",
            "Token wrong",
            f"token {DEFAULT_KEY} extra",
            "Bearer x",
            "Basic Zm9vOmJhcg==",
            "Basic !!",
        ]
    ),
    st.none(),
    st.text(max_size=30),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=latin-1",
            "application/json; charset=bogus",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
        ]
    ),
    st.none(),
    st.text(max_size=30),
)
accepts = st.one_of(
    st.none(),
    st.sampled_from(["*/*", "application/json", "application/json; indent=4", "text/html", "image/png", "text/*"]),
    st.text(max_size=30),
)


def _header_safe(value):
    """Header values travel as latin-1 text without line breaks."""
    return value.encode("latin-1", "replace").decode("latin-1").replace("\r", " ").replace("\n", " ")


def usually(draw, likely, strategy, odds=4):
    """`likely` (a strategy) `odds` times in `odds + 1`, else anything `strategy` gives."""
    return draw(likely if draw(st.integers(0, odds)) else strategy)


@st.composite
def requests_(draw):
    if draw(st.integers(0, 9)) == 0:  # a random path under one of the two prefixes
        prefix = draw(st.sampled_from(["/api/v1/", "/sandbox/"]))
        path, methods = prefix + quote(draw(st.text(max_size=40)), safe="/"), METHODS
    else:
        rule = draw(st.sampled_from(sorted(RULES)))
        path = ARGUMENT.sub(lambda m: quote(usually(draw, st.sampled_from(FIXTURE_BOTS), path_values, 1), safe=""), rule)
        methods = RULES[rule]
    method = usually(draw, st.sampled_from(methods), st.sampled_from(METHODS))
    query = draw(st.lists(st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=8), st.text(max_size=20)), max_size=3))
    headers = {}
    for name, likely, anything in (
        ("Authorization", st.just(f"Token {DEFAULT_KEY}"), authorizations),
        ("Content-Type", st.just("application/json"), content_types),
        ("Accept", st.sampled_from([None, "*/*", "application/json"]), accepts),
    ):
        value = usually(draw, likely, anything, 8)
        if value is not None:
            headers[name] = _header_safe(value)
    if draw(st.integers(0, 4)) == 0:
        headers["X-Sandbox-Admin-Token"] = _header_safe(draw(st.text(max_size=10)))
    body = draw(bodies)
    data = b""
    if body is not None:
        kind, value = body
        if kind == "json":
            data = json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        elif kind == "raw":
            data = value
        else:
            data = urlencode(value).encode()
    return method, path, query, headers, data


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app = create_app({"data_path": tmp_path_factory.mktemp("fuzz") / "data.json", "testing": True})
    sb = app.extensions["sandbox"]
    sb.outbox.transport = lambda url, body, headers, timeout: AttemptResult(200, "")
    yield app
    sb.shutdown()


@FUZZ_SETTINGS
@given(request=requests_())
def test_no_route_answers_5xx_and_every_api_error_is_a_json_object(fuzz_app, request):
    method, path, query, headers, data = request
    client = fuzz_app.test_client()
    try:
        response = client.open(path, method=method, query_string=query, headers=headers, data=data)
    finally:
        fuzz_app.extensions["sandbox"].faults.clear_all()
    status, body = response.status_code, response.get_data()
    event(f"status {status}")  # `--hypothesis-show-statistics` shows how deep the run went
    where = f"{method} {path} {query} {headers} {data[:200]!r} -> {status} {body[:300]!r}"
    assert status < 500, where
    if response.mimetype == "application/json" and status in (200, 201) and method != "HEAD":
        found = json.loads(body)
        if isinstance(found, dict) and isinstance(found.get("id"), str) and len(SEEN_IDS) < 500:
            SEEN_IDS.append(found["id"])
    if path.startswith(DASHBOARD) or method == "HEAD" or status < 400:
        return
    assert response.mimetype == "application/json", where
    parsed = json.loads(body)
    assert isinstance(parsed, dict) and parsed, where
    assert HIDDEN_CRASH not in body.decode("utf-8", "replace"), where
