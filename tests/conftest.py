"""The app fixtures.

`app`, `client` and `sandbox` serve one Flask app compiled once per session (Werkzeug compiles its URL
rules in 20-40 ms, most of a test's setup before). Each test gets a brand-new sandbox on it, built from
fixtures read once (`shared_app`): a new store seeded in memory and new settings, clock, id factory,
outbox, journal, faults, throttle and own-address cache, so nothing a test replaces or tweaks can reach
the next test. The app's own config is put back too. A test that needs its own settings or a data file
builds a whole app with `make_app(**config)` (on tmp_path/data.json by default); other settings may be
given to `shared_app(**settings)`.
"""

import os
import pickle

import freezegun
import pytest

from sandbox import create_app
from sandbox.assembly import build_sandbox, read_fixtures
from sandbox.config import load_settings

DEFAULT_KEY = "sbx0DefaultProjectKey00000000001"
SECOND_KEY = "sbx0SecondProjectKey000000000002"
DEFAULT_SECRET = "c2J4MERlZmF1bHRQcm9qZWN0V2ViaG9va1NlY3JldCE="
SEED_BOT = "bot_weIAju4OXNZkDTpZ"
AUTH = {"Authorization": f"Token {DEFAULT_KEY}"}
# The bundled fixture bots of the default project, one per bot state (README's table).
FIXTURE_BOTS = {
    "ready": "bot_sbxReady00000000",
    "scheduled": "bot_sbxScheduled0000",
    "staged": "bot_sbxStaged0000000",
    "joining": "bot_sbxJoining000000",
    "waiting_room": "bot_sbxWaitingRoom00",
    "joined_not_recording": "bot_sbxJoinedNotRec0",
    "joined_recording": "bot_sbxJoinedRec0000",
    "joined_recording_paused": "bot_sbxRecPaused0000",
    "joined_recording_permission_denied": "bot_sbxPermDenied000",
    "joining_breakout_room": "bot_sbxJoiningBreako",
    "leaving_breakout_room": "bot_sbxLeavingBreako",
    "leaving": "bot_sbxLeaving000000",
    "post_processing": "bot_sbxPostProcessin",
    "ended": "bot_sbxEnded00000000",
    "fatal_error": "bot_sbxFatalError000",
    "data_deleted": "bot_sbxDataDeleted00",
}
SECOND_AUTH = {"Authorization": f"Token {SECOND_KEY}"}

# pytest times each phase with `_pytest.timing`'s clocks: frozen there, `--durations` printed the frozen date
# as a duration; left alone, they measure real time. The libraries after it are left alone too: freezegun
# visits every loaded module at each freeze_time (27 ms with ~1,300 modules loaded, 6 ms without these),
# and none of them calls the sandbox's code or the tests' (their own timeouts had better be real).
freezegun.configure(
    extend_ignore_list=[
        "_pytest.timing",
        *("annotated_types", "attr", "attrs", "certifi", "charset_normalizer", "click", "dotenv", "filelock"),
        *("greenlet", "idna", "jsonschema_path", "jsonschema_specifications", "lazy_object_proxy", "pathable"),
        *("openapi_schema_validator", "openapi_spec_validator", "playwright", "pydantic", "pydantic_core"),
        *("pydantic_settings", "pygments", "referencing", "requests", "rpds", "typing_inspection", "urllib3"),
        "yaml",
    ]
)


@pytest.fixture
def make_app(tmp_path):
    """`make_app(**config)`: a whole new app (Flask app and sandbox) on tmp_path/data.json unless `config`
    says otherwise; shut down after the test."""
    apps = []

    def make(**config):
        settings = {"data_path": tmp_path / "data.json", "testing": True, **config}
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["sandbox"].shutdown()


# The settings the Flask app itself is built from (its `app.config`), the same for every shared sandbox.
APP_LEVEL_SETTINGS = ("testing", "max_body_bytes")
SHARED_SETTINGS = {"in_memory": True, "testing": True}


@pytest.fixture(scope="session")
def compiled_app():
    """The session's one Flask app with its config as built; `shared_app` gives it each test's sandbox."""
    app = create_app(SHARED_SETTINGS)
    built = app.extensions["sandbox"].settings
    yield app, dict(app.config), {name: getattr(built, name) for name in APP_LEVEL_SETTINGS}
    app.extensions["sandbox"].shutdown()


@pytest.fixture(scope="session")
def read_fixtures_once():
    """`read_fixtures` of a folder, read and checked once per session; each call returns a new copy (the
    sandbox keeps it, and a test may change what it reads)."""
    pickled = {}

    def read(fixtures_dir):
        if fixtures_dir not in pickled:
            pickled[fixtures_dir] = pickle.dumps(read_fixtures(fixtures_dir))
        return pickle.loads(pickled[fixtures_dir])

    return read


@pytest.fixture
def shared_app(compiled_app, read_fixtures_once):
    """`shared_app(**settings)`: the compiled app with a new in-memory sandbox of these settings (none of
    the app's own), as a new app has it; once per test, shut down after it."""
    app, config, app_level = compiled_app
    installed = []

    def install(**overrides):
        assert not installed, "one shared app per test: make_app builds any other"
        settings = load_settings({**SHARED_SETTINGS, **overrides})
        assert {name: getattr(settings, name) for name in APP_LEVEL_SETTINGS} == app_level, "use make_app"
        sandbox = build_sandbox(settings, read_fixtures_once(settings.fixtures_dir))
        installed.append(sandbox)
        app.config.clear()
        app.config.update(config)
        app.extensions["sandbox"] = sandbox
        return app

    yield install
    for sandbox in installed:
        sandbox.shutdown()


@pytest.fixture
def app(shared_app):
    return shared_app()


@pytest.fixture(scope="session")
def plain_fixtures_dir(tmp_path_factory):
    """The meeting-data tests' fixtures (tests/meeting_support.py's `plain_fixtures`), once per session."""
    from tests.meeting_support import plain_fixtures

    return plain_fixtures(tmp_path_factory.mktemp("meeting"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sandbox(app):
    return app.extensions["sandbox"]


def abandon_store(store):
    """What kill -9 leaves of a TinyDBStore: its journal as written, no checkpoint, and its data file's OS lock
    gone with the process (the holder file stays behind, stale). For tests that reopen the same file."""
    os.close(store._journal)
    store._journal = None
    store._file_lock.release()
    store._file_lock = None
