"""Bad input gets a clear JSON error and changes nothing: no 5xx, no stack trace, on any id, body or header."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AUTH, SEED_BOT

WEIRD_IDS = [
    "x" * 10000,
    "bot_ü漢字🙂",
    "%00%ff",
    "..",
    "bot_weIAju4OXNZkDTpz",  # wrong case
    "'; DROP TABLE bots; --",
]


@pytest.mark.parametrize("bot_id", WEIRD_IDS)
@pytest.mark.parametrize("suffix, method", [("", "GET"), ("/leave", "POST")])
def test_weird_bot_ids_are_bot_not_found(client, bot_id, suffix, method):
    response = client.open(f"/api/v1/bots/{bot_id}{suffix}", method=method, headers=AUTH)
    assert response.status_code == 404
    assert response.json in ({"error": "Bot not found"}, {"error": "Not found"})


def test_an_encoded_slash_is_decoded_before_routing_as_on_the_real_server(client):
    response = client.get(f"/api/v1/bots/{SEED_BOT}%2Fleave", headers=AUTH)
    assert response.status_code == 405
    assert response.json == {"detail": 'Method "GET" not allowed.'}


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Token " + "k" * 100000},
        {"Authorization": "Token ключ"},
        {"Authorization": "\t\tToken\t\tsbx0DefaultProjectKey00000000001"},
        {"Content-Type": "application/json; charset=nonsense"},
        {"Accept": ";;;,,,"},
        {"X-Anything": "\x7f"},
    ],
)
def test_odd_headers_get_a_json_answer(client, headers):
    response = client.post(f"/api/v1/bots/{SEED_BOT}/leave", headers=headers)
    assert response.status_code < 500
    json.loads(response.data)


def test_a_tab_separated_token_header_is_accepted_like_the_real_split_on_whitespace(client):
    response = client.get(f"/api/v1/bots/{SEED_BOT}", headers={"Authorization": "Token\tsbx0DefaultProjectKey00000000001"})
    assert response.status_code == 200


def test_paths_outside_the_api_get_json_not_html(client):
    response = client.get("/api/v2/bots")
    assert response.status_code == 404
    assert response.json == {"error": "Not Found"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    body=st.binary(max_size=200),
    content_type=st.sampled_from([None, "application/json", "text/plain", "", "multipart/form-data"]),
    authorized=st.booleans(),
)
def test_any_request_under_the_api_gets_a_json_answer_below_500(client, path, method, body, content_type, authorized):
    headers = dict(AUTH) if authorized else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    from urllib.parse import quote

    response = client.open("/api/v1/bots/" + quote(path, safe="/"), method=method, data=body, headers=headers)
    assert response.status_code < 500
    if method != "HEAD" and response.data:
        json.loads(response.data)


def test_there_is_no_static_route_at_the_root(client):
    response = client.get("/static/dashboard.css")
    assert response.status_code == 404
    assert response.json == {"error": "Not Found"}


def test_a_lone_surrogate_already_stored_is_answered_as_its_json_escape(client, sandbox):
    bot = sandbox.store.get("bots", SEED_BOT)
    bot["metadata"] = {"note": "\ud800 stored"}
    sandbox.store.put("bots", bot)
    response = client.get(f"/api/v1/bots/{SEED_BOT}", headers=AUTH)
    assert response.status_code == 200
    assert b'"note":"\\ud800 stored"' in response.data
    assert response.json["metadata"] == {"note": "\ud800 stored"}
