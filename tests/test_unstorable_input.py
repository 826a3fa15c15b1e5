"""Issue 10, finding 10: values no page, answer or webhook could carry are refused at the control plane's
door with a 400 naming the field (a lone surrogate: valid JSON, not UTF-8; `NaN`, `Infinity`, `1e999`:
not JSON once written back), and a lone surrogate already in a data file never makes a page answer 500 or
a webhook fail to sign."""

import json

import pytest

from sandbox.contract.requests.bots import parse_create_bot
from sandbox.contract.webhooks import envelope
from sandbox.infra.webhooks.signing import encode_body, sign
from sandbox.pytest_plugin import verify_signature
from sandbox.usecases import bots, control, meeting
from tests.conftest import AUTH, FIXTURE_BOTS

JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
JOINED = FIXTURE_BOTS["joined_recording"]
SURROGATE = "\\ud800"  # as the JSON text carries it
SURROGATE_MESSAGE = (
    "{} contains a lone surrogate (an unpaired \\ud800-\\udfff escape), which UTF-8 cannot carry: "
    "send the character itself or a complete surrogate pair"
)
HOOK = {"url": "https://127.0.0.1:9/hook", "triggers": ["bot.state_change"]}
# (path, body as JSON text with one lone surrogate, the field the 400 names)
REFUSED = [
    ("/sandbox/projects", '{"name": "%s team"}', "name"),
    ("/sandbox/projects", '{"webhooks": [{"url": "https://x.test/%s", "triggers": ["bot.state_change"]}]}', "webhooks[0].url"),
    (f"/sandbox/bots/{JOINED}/participants", '{"name": "Dana %s"}', "name"),
    (f"/sandbox/bots/{JOINED}/participants", '{"name": "Dana", "uuid": "%s"}', "uuid"),
    (f"/sandbox/bots/{JOINED}/utterances", '{"speaker_uuid": "16778240", "text": "hi %s", "duration_ms": 10}', "text"),
    (f"/sandbox/bots/{JOINED}/chat_messages", '{"sender_uuid": "16778240", "text": "%s"}', "text"),
    (f"/sandbox/bots/{JOINED}/chat_messages", '{"sender_uuid": "1", "text": "a", "additional_data": {"%s": 1}}', "a key of additional_data"),
    (f"/sandbox/bots/{JOINED}/events", '{"type": "fatal_error", "metadata": {"a": ["%s"]}}', "metadata.a[0]"),
    (f"/sandbox/bots/{JOINED}/participants/16778240/events", '{"event_type": "update", "event_data": {"n": "%s"}}', "event_data.n"),
    ("/sandbox/faults", '{"path": "/api/v1/bots", "status": 500, "body": {"detail": "%s"}}', "body.detail"),
    ("/sandbox/clock/advance", '{"%s": 1}', "a key of the body"),
]


def everything(sandbox):
    """Every table of the store, to show a refused request changed nothing."""
    return {table: sandbox.store.scan(table, scope) for table, scope in
            (("projects", ""), ("bots", "proj_sbx0Default00001"), ("participants", JOINED),
             ("utterances", JOINED), ("chat_messages", JOINED))}


@pytest.mark.parametrize("path, body, field", REFUSED)
def test_a_lone_surrogate_in_a_control_body_is_refused_naming_the_field(client, sandbox, path, body, field):
    before = everything(sandbox)
    response = client.post(path, headers=JSON_AUTH, data=body % SURROGATE)
    assert (response.status_code, response.json) == (400, {"error": SURROGATE_MESSAGE.format(field)})
    assert everything(sandbox) == before
    assert sandbox.faults.list("proj_sbx0Default00001") == []


def test_a_complete_surrogate_pair_is_a_character_and_is_accepted(client):
    response = client.post("/sandbox/projects", headers=JSON_AUTH, data='{"name": "\\ud83d\\ude00 team"}')
    assert (response.status_code, response.json["name"]) == (201, "\U0001f600 team")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
@pytest.mark.parametrize(
    "path, body",
    [
        ("/sandbox/clock/advance", '{"seconds": %s}'),
        (f"/sandbox/bots/{JOINED}/events", '{"type": "fatal_error", "metadata": {"a": %s}}'),
        ("/sandbox/faults", '{"path": "/api/v1/bots", "status": 500, "body": {"n": %s}}'),
    ],
)
def test_numbers_json_cannot_write_back_are_refused_by_the_control_plane(client, sandbox, path, body, number):
    before = everything(sandbox)
    response = client.post(path, headers=JSON_AUTH, data=body % number)
    assert response.status_code == 400
    if number.lstrip("-").isalpha():  # the constants JSON lacks, as the real server's strict parser says
        expected = f"Out of range float values are not JSON compliant: '{number}'"
    else:  # a number only a float infinity holds
        expected = f"Number out of range: {number}"
    assert response.json == {"error": f"The body is refused: {expected}"}
    assert everything(sandbox) == before
    assert client.get("/sandbox/faults", headers=AUTH).json == {"results": []}


def test_the_apis_own_parse_message_for_nan_stays_the_real_servers(client):
    response = client.post("/api/v1/bots", headers=JSON_AUTH, data='{"bot_name": NaN}')
    assert response.json == {"detail": "JSON parse error - Out of range float values are not JSON compliant: 'NaN'"}


# -- a lone surrogate already stored (an older data file) ------------------------------------------------------------


@pytest.fixture
def stored(make_app):
    """A sandbox whose data holds lone surrogates everywhere the dashboard shows text, written through the use
    cases (the HTTP door would refuse them): a project, its bot, a participant, an utterance, a chat message."""
    app = make_app(testing=False, background_steps=False)  # as served: a failure would be a 500 page
    sb = app.extensions["sandbox"]
    project = control.create_project(sb, {"name": "Team \udc80", "webhooks": [HOOK]})
    body = parse_create_bot({"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Bot"}, now=sb.now(project))
    bot = bots.create_bot(sb, project, body)
    control.advance_clock(sb, project, {"seconds": 60})
    stored_bot = sb.store.get("bots", bot["id"])
    stored_bot["bot_name"] = "Bot \ud801"
    stored_bot["metadata"] = {"note": "\udfff"}
    sb.store.put("bots", stored_bot)
    dana = meeting.add_participant(sb, project, bot["id"], name="Dana \ud800", uuid="u1")
    meeting.add_utterance(sb, project, bot["id"], speaker_uuid=dana["uuid"], text="said \udbff", duration_ms=1000)
    meeting.add_chat_message(sb, project, bot["id"], sender_uuid=dana["uuid"], text="chat \udc00")
    client = app.test_client()
    client.set_cookie("attendee_sandbox_key", project["api_key"], path="/sandbox/ui")
    return client, sb, project, bot["id"]


def test_no_dashboard_page_answers_500_for_a_stored_lone_surrogate(stored):
    client, _, _, bot_id = stored
    pages = [
        "/sandbox/ui",
        "/sandbox/ui?q=note&state=joined_recording",
        "/sandbox/ui/partials/bots",
        "/sandbox/ui/reset",
        f"/sandbox/ui/partials/bots/{bot_id}",
        *(f"/sandbox/ui/bots/{bot_id}?tab={tab}" for tab in ("timeline", "deliveries", "transcript", "chat", "participants")),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.data.decode("utf-8")  # valid UTF-8 throughout
    bot_page = client.get(f"/sandbox/ui/bots/{bot_id}?tab=participants").data
    assert b"Dana \\ud800" in bot_page
    assert b"Team \\udc80" in client.get("/sandbox/ui").data
    assert b"chat \\udc00" in client.get(f"/sandbox/ui/bots/{bot_id}?tab=chat").data


def test_api_answers_carry_a_stored_lone_surrogate_as_its_json_escape(stored):
    client, _, project, bot_id = stored
    headers = {"Authorization": f"Token {project['api_key']}"}
    for path in ("participants", "transcript", "chat_messages", "participant_events"):
        response = client.get(f"/api/v1/bots/{bot_id}/{path}", headers=headers)
        assert response.status_code == 200, path
        json.loads(response.data)


def test_a_webhook_of_a_stored_lone_surrogate_is_signed_and_verifies(stored):
    _, sb, project, bot_id = stored
    docs = [doc for doc in sb.store.scan("deliveries", project["id"]) if doc["bot_id"] == bot_id]
    assert docs
    for doc in docs:
        body = envelope(doc["idempotency_key"], bot_id, {"note": "\udfff"}, doc["trigger"], {**doc["payload"], "x": "\ud800"})
        signature = sign(body, project["webhook_secret"])
        assert verify_signature(encode_body(body), signature, project["webhook_secret"])
