"""Fixtures of the Notetaker's tests: the app served on a local port, with a sandbox project of its own.

`attendee_sandbox` comes from the attendee-sandbox pytest plugin, which installing the package registers.
"""

import threading

import pytest
from notetaker import create_app
from werkzeug.serving import make_server


class RunningNotetaker:
    def __init__(self, app, server, project):
        self.app = app
        self.url = f"http://127.0.0.1:{server.server_port}"
        self.project = project
        self.notes_dir = app.config["NOTES_DIR"]


@pytest.fixture
def notetaker(request, attendee_sandbox, tmp_path):
    """The Notetaker on a free port, and a sandbox project whose webhooks go to it (a project-level
    subscription, as one sets it up in Attendee's dashboard). `@pytest.mark.scenario("name")` picks the
    project's scenario: how its bots behave."""
    marker = request.node.get_closest_marker("scenario")
    app = create_app({"NOTES_DIR": tmp_path / "notes"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    project = attendee_sandbox.create_project(
        scenario=marker.args[0] if marker else "happy_path",
        webhooks=[{"url": f"http://127.0.0.1:{server.server_port}/attendee/webhook", "triggers": ["bot.state_change", "calendar.events_update"]}],
    )
    app.config.update(
        ATTENDEE_BASE_URL=project.base_url,
        ATTENDEE_API_KEY=project.api_key,
        ATTENDEE_WEBHOOK_SECRET=project.webhook_secret,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield RunningNotetaker(app, server, project)
    server.shutdown()
    thread.join(5)


def pytest_configure(config):
    config.addinivalue_line("markers", "scenario(name): the sandbox scenario of the Notetaker's project")
