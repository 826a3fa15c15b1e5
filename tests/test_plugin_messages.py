"""What a user of the pytest plugin reads when a test fails: a `wait_for_state` timeout names the bot, the state
awaited, the last state seen and the webhooks received; a refused control call is one line, without the
plugin's (or the client's) frames."""

import pytest

from tests.test_pytest_plugin import USER_PYTEST

pytest_plugins = ["pytester"]

MEETING_URL = "https://meet.google.com/abc-defg-hij"


def test_a_state_timeout_names_the_bot_the_state_the_last_state_and_the_webhooks(sandbox_project, webhook_receiver):
    bot = sandbox_project.control("POST", "/api/v1/bots", {"meeting_url": MEETING_URL, "bot_name": "Notetaker"})
    webhook_receiver.wait_for("bot.state_change", bot_id=bot["id"])
    with pytest.raises(pytest.fail.Exception) as failed:
        webhook_receiver.wait_for_state(bot["id"], "ended", timeout=0.2)
    message = str(failed.value)
    # Real-time steps: the bot may move on meanwhile, so its states are not pinned here.
    assert message.startswith(f"{bot['id']} did not reach 'ended' within 0.2 s; last state seen: 'join")
    assert "(its last bot.state_change webhook), 'join" in message
    assert f" by GET /api/v1/bots/{bot['id']} now; webhooks received for it: " in message
    assert message.endswith(")") and "(bot.state_change -> joining" in message


REFUSED = '''
def test_refused(sandbox_project):
    sandbox_project.inject("bot_nope", "meeting_ended")
'''


def test_a_refused_control_call_is_one_line_without_the_plugins_frames(pytester):
    pytester.makepyfile(test_refused=REFUSED)
    result = pytester.runpytest_subprocess(*USER_PYTEST, timeout=120)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    one_line = "SandboxControlError: POST /sandbox/bots/bot_nope/events answered 404: Bot not found\n"
    assert f"E       sandbox.pytest_plugin.{one_line}" in output
    assert "pytest_plugin.py:" not in output and "client.py:" not in output
    failure = output.split("_ test_refused _")[1].split("short test summary")[0]
    assert len(failure.strip().splitlines()) <= 12, failure
