"""A fresh app per test, on its own temporary data file (Flask tutorial style)."""

import os

import pytest

from sandbox import create_app

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


def abandon_store(store):
    """What kill -9 leaves of a TinyDBStore: its journal as written, no checkpoint, and its data file's OS lock
    gone with the process (the holder file stays behind, stale). For tests that reopen the same file."""
    os.close(store._journal)
    store._journal = None
    store._file_lock.release()
    store._file_lock = None
