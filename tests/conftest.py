"""A fresh app per test, on its own temporary data file (Flask tutorial style)."""

import pytest

from sandbox import create_app

DEFAULT_KEY = "sbx0DefaultProjectKey00000000001"
SECOND_KEY = "sbx0SecondProjectKey000000000002"
DEFAULT_SECRET = "c2J4MERlZmF1bHRQcm9qZWN0V2ViaG9va1NlY3JldCE="
SEED_BOT = "bot_weIAju4OXNZkDTpZ"
AUTH = {"Authorization": f"Token {DEFAULT_KEY}"}
SECOND_AUTH = {"Authorization": f"Token {SECOND_KEY}"}


@pytest.fixture
def make_app(tmp_path):
    apps = []

    def make(**config):
        settings = {"data_path": tmp_path / "data.json", "testing": True, **config}
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["sandbox"].shutdown()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sandbox(app):
    return app.extensions["sandbox"]
