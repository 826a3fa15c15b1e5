"""The endpoint table (sandbox/contract/endpoints.py) is the one source of the routes: every row resolves to a
use case the pipeline can call, every JSON route comes from a row, the Attendee rows carry the contract's
`Allow` and OPTIONS names, each row's `body_read` decides when a body's refusal is raised, and one more row
is all it takes to serve one more endpoint (and document it)."""

import ast
import inspect
import re
import sys
import types
from pathlib import Path

import pytest

from sandbox.contract import endpoints as table
from sandbox.contract import responses as shapes
from sandbox.contract.endpoints import (
    ADMIN_TOKEN,
    AFTER_LOOKUP,
    ATTENDEE,
    CONTROL,
    ENDPOINTS,
    FIRST,
    IN_USE_CASE,
    OPEN,
    Endpoint,
    Operation,
    Param,
)
from sandbox.contract.requests import BodyRule, ParseContext
from sandbox.contract.requests.commands import parse_chat_message
from sandbox.web.pipeline import PATH_ARGUMENT, use_case
from tests.conftest import AUTH, FIXTURE_BOTS

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contract"
CONVENTIONS = CONTRACT / "conventions.md"
CALENDARS = CONTRACT / "calendars.md"
# Routes registered by hand, not rows (the table's docstring says why).
HAND_REGISTERED = {
    "/api/v1/",
    "/api/v1/<path:rest>",
    "/api/schema",
    "/api/docs",
    "/api/docs/assets/<name>",
    "/sandbox/media/<path:file_name>",
}
JOINED = FIXTURE_BOTS["joined_recording"]
ENDED = FIXTURE_BOTS["ended"]
UNKNOWN = "bot_doesNotExist0000"
# The generic views that allow POST: OPTIONS describes their output serializer under actions.POST.
LIST_CREATE_VIEWS = ("/api/v1/bots", "/api/v1/calendars", "/api/v1/zoom_oauth_connections")
NOT_FOUND = {"bot": {"error": "Bot not found"}, "calendar": {"error": "Calendar not found"}}


def rows(kind=None):
    return [endpoint for endpoint in ENDPOINTS if kind is None or endpoint.kind == kind]


def operations(kind=None):
    return [(endpoint, method, op) for endpoint in rows(kind) for method, op in endpoint.operations.items()]


def named(triples):
    return [f"{method} {endpoint.rule}" for endpoint, method, _ in triples]


def table_in(section, page=CONVENTIONS, skip=2):
    """The rows of the Markdown table under the `<a id="section">` anchor of a contract page (`skip`: the
    paragraphs between the anchor and the table)."""
    text = page.read_text(encoding="utf-8").split(f'<a id="{section}"></a>', 1)[1]
    lines = [line for line in text.split("\n\n", skip + 1)[skip].splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def resource_routes():
    """calendars.md's route inventory, the rows the sandbox serves (app sessions are out of scope):
    `{rule: (view class, Allow)}`."""
    routes = {}
    for path, view, methods, *_ in table_in("empty-segment-catch-all", CALENDARS, skip=1):
        path = path.strip("`")
        if path.startswith(("calendar", "zoom_oauth")):
            rule = "/api/v1/" + path.replace("{object_id}", "<object_id>")
            routes[rule] = (re.findall(r"`(\w+View)`", view)[0], re.findall(r"`([A-Z, ]+)`", methods)[0])
    return routes


def drf_view_name(view_class):
    """DRF's `get_view_name`: the class name without `View`, split before each capital that starts a word."""
    name = view_class.removesuffix("View")
    return re.sub(r"((?<=[a-z])[A-Z]|(?<!\A)[A-Z](?=[a-z]))", r" \1", name).strip()


def bot_paths(cell):
    """`/bots/{id}/recording`, `/chat_messages` -> the table's rules of those paths."""
    paths, base = [], None
    for code in re.findall(r"`([^`]+)`", cell):
        if code.startswith("/bots"):
            base = code.rsplit("/", 1)[0] if code.startswith("/bots/{id}/") else None
            paths.append(code)
        else:
            paths.append(base + code)
    return ["/api/v1" + path.replace("{id}", "<object_id>") for path in paths]


# -- every row is served, by a use case the pipeline can call ------------------------------------------------------


@pytest.mark.parametrize("endpoint, method, operation", operations(), ids=named(operations()))
def test_every_operation_resolves_to_a_use_case_that_takes_what_the_row_hands_it(endpoint, method, operation):
    function = use_case(operation.use_case)
    assert function.__module__ == "sandbox.usecases." + operation.use_case.rpartition(".")[0]
    args = ["sb"] + ([] if endpoint.kind == CONTROL and endpoint.auth in (ADMIN_TOKEN, OPEN) else ["project"])
    args += PATH_ARGUMENT.findall(endpoint.rule)
    if operation.all_query:
        kwargs = {"query": {}}
    else:
        kwargs = {param.keyword: None for param in operation.query if param.keyword}
    if operation.body is not None:
        if operation.body.arguments:
            fields = operation.body.openapi()["properties"]
            kwargs.update({name: None for name in fields})
        else:
            kwargs["body"] = None
    if operation.request:
        kwargs["request"] = None
    inspect.signature(function).bind(*args, **kwargs)  # raises TypeError if the call would fail


def test_every_json_route_comes_from_a_row_and_every_row_is_served(app):
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/sandbox")) and not rule.rule.startswith("/sandbox/ui"):
            served.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    for path in HAND_REGISTERED:
        assert served.pop(path), path
    expected = {
        endpoint.rule: set(table.METHOD_ORDER[:5]) if endpoint.kind == ATTENDEE else set(endpoint.operations)
        for endpoint in ENDPOINTS
    }
    assert served == expected  # Attendee routes take every method and answer 405 themselves


def test_the_rows_are_unique_and_neither_the_table_nor_a_use_case_imports_the_web():
    assert len({endpoint.rule for endpoint in ENDPOINTS}) == len(ENDPOINTS)
    assert len({op.operation_id for _, _, op in operations()}) == len(operations())
    modules = {table} | {sys.modules[use_case(operation.use_case).__module__] for _, _, operation in operations()}
    for module in modules:
        imported = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        assert not [name for name in imported if name.split(".")[0] in ("flask", "werkzeug")], module.__name__
        assert not [name for name in imported if name.startswith("sandbox.web")], module.__name__


# -- the contract's Allow and OPTIONS names ---------------------------------------------------------------------------


def test_every_attendee_row_has_the_contracts_allow_header():
    documented = {}
    for cell, allow in table_in("allow-header"):
        if cell != "catch-all":
            documented.update(dict.fromkeys(bot_paths(cell), allow.strip("`")))
    documented.update({rule: allow for rule, (_, allow) in resource_routes().items()})
    assert {endpoint.rule: endpoint.allow for endpoint in rows(ATTENDEE)} == documented


def test_every_attendee_row_has_the_contracts_view_name():
    documented = {}
    for cell, _, name in table_in("view-names"):
        if cell != "catch-all":
            [rule] = bot_paths(cell)
            documented[rule] = name.strip("`")
    options_names = CALENDARS.read_text(encoding="utf-8").split('<a id="resource-options"></a>', 1)[1][:600]
    for rule, (view_class, _) in resource_routes().items():
        documented[rule] = drf_view_name(view_class)
        assert f'"{documented[rule]}"' in options_names, rule  # the names the contract lists for OPTIONS
    assert documented["/api/v1/zoom_oauth_connections"] == "Zoom O Auth Connection List Create"
    assert {endpoint.rule: endpoint.view_name for endpoint in rows(ATTENDEE)} == documented


@pytest.mark.parametrize("endpoint", rows(ATTENDEE), ids=lambda endpoint: endpoint.rule)
def test_options_and_a_wrong_method_answer_from_the_row(client, endpoint):
    path = endpoint.rule.replace("<object_id>", JOINED)
    options = client.options(path, headers=AUTH)
    assert options.status_code == 200 and options.headers["Allow"] == endpoint.allow
    assert options.json["name"] == endpoint.view_name
    assert ("actions" in options.json) is (endpoint.rule in LIST_CREATE_VIEWS)
    wrong = client.put(path, headers=AUTH)
    assert (wrong.status_code, wrong.json) == (405, {"detail": 'Method "PUT" not allowed.'})
    assert wrong.headers["Allow"] == endpoint.allow


# -- body_read: when a body's refusal is raised ------------------------------------------------------------------------


def body_rows(read):
    return [
        (endpoint, method, operation)
        for endpoint, method, operation in operations(ATTENDEE)
        if operation.body is not None and operation.body_read == read
    ]


def test_every_attendee_body_is_read_at_one_of_the_three_points_and_a_control_body_first():
    assert {operation.body_read for _, _, operation in operations(ATTENDEE) if operation.body} == {
        FIRST,
        AFTER_LOOKUP,
        IN_USE_CASE,
    }
    assert {operation.body_read for _, _, operation in operations(CONTROL)} == {FIRST}
    for endpoint, _, operation in body_rows(AFTER_LOOKUP):
        assert endpoint.resource in table.LOOKUPS, endpoint.rule


def send(client, endpoint, method, bot, data):
    path = endpoint.rule.replace("<object_id>", bot)
    return client.open(path, method=method, data=data, headers={**AUTH, "Content-Type": "application/json"})


@pytest.mark.parametrize("endpoint, method, operation", body_rows(FIRST), ids=named(body_rows(FIRST)))
def test_a_body_read_first_is_refused_before_the_lookup(client, endpoint, method, operation):
    response = send(client, endpoint, method, UNKNOWN, "{oops")
    assert response.status_code == 400 and response.json["detail"].startswith("JSON parse error"), response.data


def existing(client, resource):
    """An object of the resource in the default project."""
    if resource == "bot":
        return JOINED
    body = {"client_id": "cid", "client_secret": "sec", "refresh_token": "tok", "platform": "google"}
    return client.post("/api/v1/calendars", json=body, headers=AUTH).json["id"]


@pytest.mark.parametrize("endpoint, method, operation", body_rows(AFTER_LOOKUP), ids=named(body_rows(AFTER_LOOKUP)))
def test_a_body_read_after_the_lookup_is_refused_only_once_the_object_exists(client, endpoint, method, operation):
    assert send(client, endpoint, method, UNKNOWN, "{oops").json == NOT_FOUND[endpoint.resource]
    response = send(client, endpoint, method, existing(client, endpoint.resource), "{oops")
    assert response.status_code == 400 and response.json["detail"].startswith("JSON parse error"), response.data


@pytest.mark.parametrize("endpoint, method, operation", body_rows(IN_USE_CASE), ids=named(body_rows(IN_USE_CASE)))
def test_a_body_read_in_the_use_case_is_refused_after_the_use_cases_own_checks(
    client, sandbox, endpoint, method, operation
):
    assert send(client, endpoint, method, UNKNOWN, "[]").json == {"error": "Bot not found"}
    project = sandbox.project_for_key(AUTH["Authorization"].split()[1])
    try:
        operation.body.parse([], ParseContext(sandbox.now(project), sandbox.settings))
    except Exception as error:  # noqa: BLE001 - what the body alone would be refused with
        body_refusal = error.body()
    else:
        pytest.fail("an array is no valid body")
    response = send(client, endpoint, method, ENDED, "[]")  # an ended bot fails the use case's own checks
    assert response.status_code == 400 and response.json != body_refusal, response.data


# -- one row is all it takes ------------------------------------------------------------------------------------


def poke(sb, project, bot_id, body, *, loudly=False):
    """A use case of the test: the bot, untouched (its message goes nowhere)."""
    with sb.bot_unit(project, bot_id) as unit:
        return unit.bot


POKE = Endpoint(
    "/api/v1/bots/<object_id>/poke",
    {
        "POST": Operation(
            "poking.poke", "pokeBot", "Poke a bot.", shapes.BOT, returns="The bot.",
            body=BodyRule("PokeRequest", lambda data, context: parse_chat_message(data), {"type": "object"}),
            body_read=AFTER_LOOKUP, query=(Param("loudly", "Poke loudly.", {"type": "boolean"}),),
            errors={400: "Invalid body.", 404: "Bot not found."},
        )
    },
    "Poke",
    throttled=True,
    resource="bot",
)


@pytest.fixture
def poking(monkeypatch, make_app):
    module = types.ModuleType("sandbox.usecases.poking")
    module.poke = poke
    monkeypatch.setitem(sys.modules, "sandbox.usecases.poking", module)
    monkeypatch.setattr(table, "ENDPOINTS", (*ENDPOINTS, POKE))
    return make_app(throttle_rate="1/min").test_client()


def test_one_more_row_is_served_with_the_pipelines_rules_and_documented(poking):
    path = f"/api/v1/bots/{JOINED}/poke"
    answer = poking.post(path, json={"message": "hi"}, headers=AUTH)
    assert answer.status_code == 200 and answer.json["id"] == JOINED
    assert answer.headers["Allow"] == "POST, OPTIONS" and answer.headers["X-Frame-Options"] == "DENY"
    assert poking.options(path, headers=AUTH).json["name"] == "Poke"
    assert poking.get(path, headers=AUTH).status_code == 405
    assert poking.post(path, json={"message": "hi"}).status_code == 401
    assert poking.post(f"/api/v1/bots/{UNKNOWN}/poke", data="{oops", headers=AUTH).status_code == 429  # throttled
    document = poking.get("/api/schema").json
    operation = document["paths"]["/api/v1/bots/{object_id}/poke"]["post"]
    assert operation["operationId"] == "pokeBot" and operation["x-throttled"] is True
    assert set(operation["responses"]) == {"200", "400", "401", "404", "406", "415", "429"}
    assert document["components"]["schemas"]["PokeRequest"] == {"type": "object"}
