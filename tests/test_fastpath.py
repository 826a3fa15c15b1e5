"""GET /api/v1/bots/{id}'s fast layer (sandbox/web/fastpath.py) answers exactly as the Flask pipeline would:
the same status line, headers (in order) and body, and the same request-journal entry, for the plain case it
answers itself and for every request it leaves to Flask."""

from datetime import timedelta

import pytest

from sandbox.contract.datetimes import parse_stored_datetime
from sandbox.web.fastpath import FastBotGet
from tests.conftest import AUTH, FIXTURE_BOTS, SECOND_AUTH, SEED_BOT

JSON = {"Content-Type": "application/json"}


def call(app, path, method="GET", headers=None, **kwargs):
    """(status line, header list, body) of one request through the app's whole WSGI stack."""
    response = app.test_client().open(path, method=method, headers=headers or {}, **kwargs)
    return response.status, response.headers.to_wsgi_list(), response.data


@pytest.fixture
def both(app):
    """`both(path, ...)`: the answer with the fast layer, then the same request with Flask alone."""
    fast = app.wsgi_app
    assert isinstance(fast, FastBotGet)

    def answer(path, **kwargs):
        with_fast = call(app, path, **kwargs)
        app.wsgi_app = fast.wsgi
        try:
            without = call(app, path, **kwargs)
        finally:
            app.wsgi_app = fast
        return with_fast, without

    return answer


def journal(client, auth=AUTH):
    entries = client.get("/sandbox/requests", headers=auth).get_json()["results"]
    return [{key: entry[key] for key in ("method", "path", "query", "status", "body")} for entry in entries]


CASES = {
    "plain": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, **JSON}),
    "no content type": dict(path=f"/api/v1/bots/{SEED_BOT}", headers=AUTH),
    "accept json": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, "Accept": "application/json"}),
    "accept indent": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, "Accept": "application/json; indent=2"}),
    "accept refused": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, "Accept": "image/png"}),
    "query": dict(path=f"/api/v1/bots/{SEED_BOT}?x=1", headers=AUTH),
    "another bot": dict(path=f"/api/v1/bots/{FIXTURE_BOTS['ended']}", headers=AUTH),
    "unknown bot": dict(path="/api/v1/bots/bot_doesNotExist0000", headers=AUTH),
    "other project's bot": dict(path=f"/api/v1/bots/{SEED_BOT}", headers=SECOND_AUTH),
    "no token": dict(path=f"/api/v1/bots/{SEED_BOT}"),
    "bad scheme": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={"Authorization": "Bearer x"}),
    "unknown key": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={"Authorization": "Token nope"}),
    "bad host": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, "Host": "evil.test"}),
    "trailing slash": dict(path=f"/api/v1/bots/{SEED_BOT}/", headers=AUTH),
    "encoded id": dict(path="/api/v1/bots/bot_%C3%A9", headers=AUTH),
    "head": dict(path=f"/api/v1/bots/{SEED_BOT}", method="HEAD", headers=AUTH),
    "body": dict(path=f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, **JSON}, data=b'{"a": 1}'),
}


@pytest.mark.parametrize("case", CASES)
def test_every_answer_is_the_flask_pipelines_byte_for_byte(both, client, case):
    with_fast, without = both(**CASES[case])
    assert with_fast == without
    for auth in (AUTH, SECOND_AUTH):  # each project's journal: nothing, or the same entry twice
        entries = journal(client, auth)
        assert len(entries) in (0, 2) and entries[:1] == entries[1:]


def test_the_plain_case_never_reaches_flask_and_the_rest_always_does(app, monkeypatch):
    fast, reached = app.wsgi_app, []
    flask_wsgi = fast.wsgi

    def spy(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return flask_wsgi(environ, start_response)

    monkeypatch.setattr(fast, "wsgi", spy)
    assert call(app, f"/api/v1/bots/{SEED_BOT}", headers=AUTH)[0] == "200 OK"
    assert reached == []
    assert call(app, "/api/v1/bots/bot_doesNotExist0000", headers=AUTH)[0] == "404 Not Found"
    assert call(app, f"/api/v1/bots/{SEED_BOT}", headers={**AUTH, "Accept": "image/png"})[0] == "406 Not Acceptable"
    assert reached == ["/api/v1/bots/bot_doesNotExist0000", f"/api/v1/bots/{SEED_BOT}"]


def test_a_live_fault_is_served_and_used_up_once(app, client):
    """A project with live faults goes to Flask before anything is counted: `times` is used up once."""
    fault = {"method": "GET", "path": f"/api/v1/bots/{SEED_BOT}", "status": 503, "body": {"x": 1}, "times": 1}
    assert client.post("/sandbox/faults", json=fault, headers=AUTH).status_code == 201
    assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 503
    assert client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH).status_code == 200


def test_due_scripted_steps_are_applied_and_the_answer_follows_the_bot(app, client, sandbox):
    """The fast layer runs the same use case: a bot's due steps are caught up, the cached dump follows."""
    created = client.post("/api/v1/bots", json={"meeting_url": "https://meet.google.com/abc-defg-hij",
                                                "bot_name": "B"}, headers=AUTH).get_json()
    before = client.get(f"/api/v1/bots/{created['id']}", headers=AUTH).get_json()
    client.post("/sandbox/clock/advance", json={"seconds": 600}, headers=AUTH)
    fast = client.get(f"/api/v1/bots/{created['id']}", headers=AUTH)
    app_wsgi = app.wsgi_app
    app.wsgi_app = app_wsgi.wsgi
    try:
        slow = client.get(f"/api/v1/bots/{created['id']}", headers=AUTH)
    finally:
        app.wsgi_app = app_wsgi
    assert fast.data == slow.data and fast.get_json()["state"] != before["state"]


def test_the_journal_keeps_the_projects_clock(client, sandbox):
    client.post("/sandbox/clock/advance", json={"seconds": 3600}, headers=AUTH)
    client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    entry = client.get("/sandbox/requests?limit=1", headers=AUTH).get_json()["results"][0]
    assert entry["path"] == f"/api/v1/bots/{SEED_BOT}"
    now = sandbox.now(sandbox.default_project())
    assert abs(parse_stored_datetime(entry["time"]) - now) < timedelta(minutes=1)
