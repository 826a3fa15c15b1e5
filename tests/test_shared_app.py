"""The suite's shared app (tests/conftest.py): whatever a test changes, the next test finds the app as a new
one has it.

Each turn first compares everything a test can reach (the Flask app's config, and the sandbox with every
collaborator, walked attribute by attribute) with an app built from scratch, then changes all of it the
ways the suite's tests do. Whichever turn runs second (in any order) checks the leftovers of the first.
"""

import base64
import functools
import random
import re
import threading
import types
from collections import deque

import freezegun
import pytest

from sandbox import create_app
from tests.conftest import AUTH, SHARED_SETTINGS
from tests.control_helpers import capture_webhooks, create_bot, new_project, post_json

CALLABLES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    type,
    functools.partial,
)


SEEDED_IDS = re.compile(r"evt_[A-Za-z0-9]{16}")  # the bundled calendar's events, made by its first sync


def describe(value, secrets, seen):
    """A comparable picture of `value` and of everything it holds: containers item by item, objects as
    their class and attributes, functions by name; `secrets` (the media key) and the random ids of the
    objects made as the fixtures are first served masked."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "<media key>")
        return SEEDED_IDS.sub("<event id>", value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, CALLABLES):
        return ("callable", getattr(value, "__qualname__", repr(value)))
    if isinstance(value, threading.Thread):
        return ("thread", value.name, value.is_alive())
    if isinstance(value, threading.Event):
        return ("event", value.is_set())
    if isinstance(value, random.Random):
        return ("random", type(value).__name__, None if type(value) is random.SystemRandom else value.getstate())
    containers = (dict, list, tuple, deque, set, frozenset)
    if not isinstance(value, containers) and not hasattr(value, "__dict__"):
        return re.sub(r" at 0x[0-9a-f]+", "", repr(value))  # numbers, datetimes, paths, locks, counters
    if id(value) in seen:
        return ("seen", type(value).__qualname__)
    seen.add(id(value))
    if isinstance(value, dict):
        items = [(describe(repr(key), secrets, seen), describe(item, secrets, seen)) for key, item in value.items()]
        return sorted(items, key=repr)
    if isinstance(value, (list, tuple, deque)):
        return [describe(item, secrets, seen) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((describe(item, secrets, seen) for item in value), key=repr)
    return (type(value).__qualname__, describe(vars(value), secrets, seen))


def picture(app):
    sandbox = app.extensions["sandbox"]
    secrets = [base64.b64encode(sandbox.media_key).decode()]
    return {"config": describe(dict(app.config), secrets, set()), "sandbox": describe(sandbox, secrets, set())}


@pytest.fixture
def frozen():
    """Both apps built at one instant: what the bundled calendar's first sync stamps is the same."""
    with freezegun.freeze_time("2026-12-01T09:00:00Z", tick=False):
        yield


@pytest.fixture
def new_app():
    """An app built from scratch with the shared app's settings: what every test must find."""
    app = create_app(SHARED_SETTINGS)
    yield app
    app.extensions["sandbox"].shutdown()


def change_everything(app, client, sb):
    """What the suite's tests do to the app they are given, and more."""
    # Through the API: the store, the journal, the throttle, faults, the due index, the project-key cache
    project = new_project(client, name="leftover")
    create_bot(client, project["auth"])
    create_bot(client)
    fault = {"method": "GET", "path": "/api/v1/bots", "status": 503, "times": None}
    assert post_json(client, "/sandbox/faults", fault).status_code == 201
    assert client.get("/api/v1/bots", headers=AUTH).status_code == 503
    assert post_json(client, "/sandbox/clock/advance", {"seconds": 60}).status_code == 200
    sb.own_address.learn({"SERVER_NAME": "elsewhere.test", "SERVER_PORT": "8000"})
    app.config["MAX_CONTENT_LENGTH"] = 1  # the Flask app's own config
    # Settings (test_create.py, test_media_output.py, test_bot_settings_commands.py, test_self_webhooks.py)
    sb.settings.concurrent_bots_limit = 1
    sb.settings.enable_zoom_video_output = True
    sb.settings.voice_agent_url_prefix_allowlist = "https://allowed.example.com/"
    sb.settings.listen_host, sb.settings.listen_port = "127.0.0.1", 9
    sb.settings.step_delays["joined_meeting"] = 0.5
    # The outbox tweaked (test_webhook_delivery.py, test_webhook_log.py, test_fuzz.py, test_bot_life.py),
    # its threads started and stopped (test_webhooks.py), then replaced (control_helpers.capture_webhooks)
    sb.outbox.backoff_scale = 0.01
    sb.outbox.timeout = 0.5
    sb.outbox.transport = lambda url, body, headers, timeout: None
    sb.outbox.emit = lambda *args: None
    sb.outbox._start_workers()
    sb.outbox.close()
    capture_webhooks(sb)
    # The id factory (test_webhook_delivery.py replaces `uniform`; a seeded generator has a state)
    sb.ids.uniform = lambda low, high: low
    sb.ids._random = random.Random(5)
    sb.ids.new("bot")
    sb.store.turn = lambda generation: None  # test_lock_fairness.py
    # The fixtures and scenarios the sandbox was built from, changed in place
    sb.fixtures["bots"][0]["bot_name"] = "changed"
    sb.scenarios["happy_path"].on["join_requested"].append({"after": 1, "event": "joined_meeting"})
    sb.last_prune = object()  # test_retention.py reads it
    sb.stop_event.set()  # as after a shutdown (test_fixtures.py, test_fuzz.py)


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_finds_the_app_as_a_new_one_has_it_whatever_the_test_before_changed(turn, frozen, app, client, new_app):
    sb = app.extensions["sandbox"]
    assert picture(app) == picture(new_app)
    change_everything(app, client, sb)
    assert picture(app) != picture(new_app)  # the change is seen: the comparison is not blind
