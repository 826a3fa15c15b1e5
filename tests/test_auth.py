"""Authentication, the catch-all, method checks and content negotiation (docs/contract/conventions.md#conventions,
docs/contract/conventions.md#authorization-header to #other-project, docs/contract/conventions.md#catch-all,
docs/contract/conventions.md#method-not-allowed, docs/contract/conventions.md#order-of-checks)."""

import pytest

from tests.conftest import AUTH, DEFAULT_KEY, SECOND_AUTH, SEED_BOT

BOT_URL = f"/api/v1/bots/{SEED_BOT}"
INVALID_HEADER = {"detail": "Invalid Authorization header. Should have this format: Token <api_key>"}


def test_missing_authorization_header_is_401_with_token_challenge(client):
    response = client.get(BOT_URL)
    assert response.status_code == 401
    assert response.data == b'{"detail":"Missing Authorization header"}'
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("value", ["Bearer x", "Token", f"Token {DEFAULT_KEY} extra", "", "   "])
def test_a_header_not_exactly_token_and_key_is_401_invalid_header(client, value):
    response = client.get(BOT_URL, headers={"Authorization": value})
    assert response.status_code == 401
    assert response.json == INVALID_HEADER
    assert response.headers["WWW-Authenticate"] == "Token"


def test_an_unknown_key_is_401_invalid_or_disabled(client):
    response = client.get(BOT_URL, headers={"Authorization": "Token " + "x" * 32})
    assert response.status_code == 401
    assert response.data == b'{"detail":"Invalid or disabled API key"}'
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("scheme", ["token", "TOKEN", "ToKeN"])
def test_the_token_scheme_is_case_insensitive(client, scheme):
    assert client.get(BOT_URL, headers={"Authorization": f"{scheme} {DEFAULT_KEY}"}).status_code == 200


def test_a_bot_of_another_project_is_not_found(client):
    response = client.get(BOT_URL, headers=SECOND_AUTH)
    assert response.status_code == 404
    assert response.data == b'{"error":"Bot not found"}'


def test_authentication_runs_before_the_method_check(client):
    response = client.put(BOT_URL + "/leave")
    assert response.status_code == 401
    assert response.json == {"detail": "Missing Authorization header"}


def test_wrong_method_with_a_valid_key_is_405_with_allow(client):
    response = client.put(BOT_URL + "/leave", headers=AUTH)
    assert response.status_code == 405
    assert response.data == b'{"detail":"Method \\"PUT\\" not allowed."}'
    assert response.headers["Allow"] == "POST, OPTIONS"
    response = client.get(BOT_URL + "/leave", headers=AUTH)
    assert response.json == {"detail": 'Method "GET" not allowed.'}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bots/",
        f"/api/v1/bots/{SEED_BOT}/",
        f"/api/v1/bots/{SEED_BOT}/leave/",
        "/api/v1/Bots",
        f"/api/v1/bots/{SEED_BOT}/nonsense",
        "/api/v1/",
        "/api/v1//bots",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_unknown_paths_are_the_catch_all_404_without_authentication(client, path, method):
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.data == b'{"error":"Not found"}'
    assert response.headers["Allow"] == "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"


def test_head_on_an_unknown_path_is_404_with_no_body(client):
    response = client.head("/api/v1/bots/")
    assert response.status_code == 404
    assert response.data == b""


def test_options_on_an_unknown_path_is_not_found_metadata(client):
    response = client.options("/api/v1/nothing")
    assert response.status_code == 200
    assert response.json["name"] == "Not Found"


def test_bad_basic_header_on_an_unknown_path_is_403(client):
    response = client.get("/api/v1/nothing", headers={"Authorization": "Basic !!!notbase64"})
    assert response.status_code == 403
    assert response.json == {"detail": "Invalid basic header. Credentials not correctly base64 encoded."}


def test_options_with_a_key_gives_drf_metadata(client):
    response = client.options(BOT_URL + "/leave", headers=AUTH)
    assert response.status_code == 200
    assert response.data == (
        b'{"name":"Bot Leave","description":"","renders":["application/json","text/html"],'
        b'"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}'
    )


def test_options_without_a_key_is_401(client):
    assert client.options(BOT_URL + "/leave").status_code == 401


def test_head_gives_the_get_status_and_headers_without_body(client):
    get = client.get(BOT_URL, headers=AUTH)
    head = client.head(BOT_URL, headers=AUTH)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["Content-Type"] == "application/json"


def test_accept_xml_is_406_before_authentication(client):
    response = client.get(BOT_URL, headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.json == {"detail": "Could not satisfy the request Accept header."}


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", "text/html, application/xml"])
def test_acceptable_accept_headers_get_json(client, accept):
    response = client.get(BOT_URL, headers={**AUTH, "Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"


def test_accept_json_with_indent_pretty_prints(client):
    response = client.get(BOT_URL, headers={**AUTH, "Accept": "application/json; indent=2"})
    assert response.data.startswith(b'{\n  "id": "bot_weIAju4OXNZkDTpZ",\n  "metadata": {\n')


def test_every_drf_response_carries_the_security_headers(client):
    for response in (client.get(BOT_URL, headers=AUTH), client.get(BOT_URL), client.get("/api/v1/x")):
        assert response.headers["Vary"] == "Accept"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path, headers, status_line",
    [
        (BOT_URL, AUTH, "200 OK"),
        (BOT_URL, {}, "401 Unauthorized"),
        ("/api/v1/nothing", {}, "404 Not Found"),
        (BOT_URL, {"Accept": "application/xml"}, "406 Not Acceptable"),
    ],
)
def test_status_lines_carry_the_reason_phrase_as_django_writes_it(client, path, headers, status_line):
    assert client.get(path, headers=headers).status == status_line
