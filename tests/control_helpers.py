"""Helpers for the control-plane tests (not a test module): projects, bots, the clock and captured webhooks."""

import json

from tests.conftest import AUTH

MEET = "https://meet.google.com/abc-defg-hij"
DEFAULT_PROJECT = "proj_sbx0Default00001"
SECOND_PROJECT = "proj_sbx0Second000002"


def token(api_key):
    return {"Authorization": f"Token {api_key}"}


def post_json(client, url, body=None, headers=AUTH):
    """POST a JSON body in the given key order (the test client's `json=` would sort its keys)."""
    kwargs = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
    return client.post(url, headers=headers, **kwargs)


def new_project(client, **body):
    response = post_json(client, "/sandbox/projects", body)
    assert response.status_code == 201, response.data
    project = response.json
    project["auth"] = token(project["api_key"])
    return project


def create_bot(client, headers=AUTH, scenario=None, **fields):
    body = {"meeting_url": MEET, "bot_name": "Control Test Bot", **fields}
    if scenario is not None:
        body["metadata"] = {**(body.get("metadata") or {}), "sandbox_scenario": scenario}
    response = post_json(client, "/api/v1/bots", body, headers)
    assert response.status_code == 201, response.data
    return response.json


def advance(client, seconds, headers=AUTH):
    response = post_json(client, "/sandbox/clock/advance", {"seconds": seconds}, headers)
    assert response.status_code == 200, response.data
    return response.json


def inject(client, bot_id, event_type, sub_type=None, headers=AUTH, **extra):
    body = {"type": event_type, **({"sub_type": sub_type} if sub_type is not None else {}), **extra}
    return post_json(client, f"/sandbox/bots/{bot_id}/events", body, headers)


def get_bot(client, bot_id, headers=AUTH):
    response = client.get(f"/api/v1/bots/{bot_id}", headers=headers)
    assert response.status_code == 200, response.data
    return response.json


def event_types(bot):
    return [e["type"] for e in bot["events"]]


class CapturingOutbox:
    """Stands in for the webhook dispatcher: keeps what the use cases emit, in order."""

    def __init__(self):
        self.sent = []

    def emit(self, project_id, bot_id, trigger, data):
        self.sent.append((project_id, bot_id, trigger, data))

    def close(self):
        pass

    def of(self, trigger, project_id=None):
        return [(p, b, d) for p, b, t, d in self.sent if t == trigger and (project_id is None or p == project_id)]


def capture_webhooks(sb):
    outbox = CapturingOutbox()
    sb.outbox = outbox
    return outbox


def create_bot_directly(sb, project, body):
    """`POST /bots` without HTTP: the body rule of the endpoint table (what the web layer does), then the use
    case; returns the bot."""
    from sandbox.contract.requests import ParseContext
    from sandbox.contract.requests.bots import CREATE_BOT_BODY
    from sandbox.usecases import bots

    parsed = CREATE_BOT_BODY.parse(body, ParseContext(now=sb.now(project), settings=sb.settings))
    return bots.create_bot(sb, project, parsed)
