"""Scripted timelines: which bot-side steps follow which event, and when.

A scenario maps an event type to the steps that follow it (`"on": {"leave_requested": [...]}`). Whenever a
bot's event is applied — by the API, the control API or a step of the script itself — and its scenario
has steps for that event type, those steps replace the bot's pending ones. A step is either an event
(`{"after": 2, "event": "left_meeting"}`) or an action that is not an event (`{"after": 4, "action":
"upload_recording"}`); `after` is seconds after the previous step (the first: after the trigger). Steps are
stored on the bot with absolute due times and applied lazily (see service.py), each stamped with its due
time.

`step_delays` (a setting) overrides `after` for a step name across every scenario.

`"media"` says how the scenario's bots play the media requests they are sent (`output_audio`, `speech`,
`output_video`): `automatic` (the default) picks each up `media_starts` seconds after its request (a
`step_delays` name too) once the one before it has finished, and plays it for its duration; `manual` plays
only what the control plane's `/media/start` and `/media/finish` say.
"""

from dataclasses import dataclass
from datetime import timedelta

from sandbox.contract.datetimes import to_stored
from sandbox.contract.errors import AttendeeError
from sandbox.domain.lifecycle import EVENT_TYPES, check_event_pair

DEFAULT_SCENARIO = "happy_path"

# How a scenario's bots play media requests (the scenario's `media`), the first being the default.
MEDIA_MODES = ("automatic", "manual")

# Actions a step may take besides an event: name -> (required arguments, optional arguments).
ACTIONS = {
    "upload_recording": ((), ("start_timestamp_ms",)),
    "transcription_fails": (("reason",), ()),
    "participant_joins": (("name", "uuid"), ("user_uuid", "is_host", "is_the_bot", "timestamp_ms")),
    "participant_event": (("uuid", "event_type"), ("event_data",)),
    "utterance": (("speaker_uuid", "text", "duration_ms"), ("timestamp_ms",)),
    "chat_message": (("sender_uuid", "text"), ("to", "additional_data", "timestamp")),
    "audio_chunk": (("speaker_uuid",), ("timestamp_ms", "duration_ms", "text")),
}

# How long before join_at a scheduled bot starts joining, by platform (docs/contract/bot-timing.md#bot-timing).
PLATFORM_LEAD_SECONDS = {"zoom_native": 0, "zoom_web": 5, "google_meet": 5, "teams": 10}
STAGE_AHEAD_SECONDS = 300


class ScenarioError(ValueError):
    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Scenario:
    name: str
    description: str
    on: dict
    media: str = MEDIA_MODES[0]

    def steps_after(self, event_type):
        return self.on.get(event_type, [])

    @property
    def step_names(self):
        """Event type -> the names of the steps it starts (what the catalogue shows)."""
        return {trigger: [step_name(step) for step in steps] for trigger, steps in self.on.items()}


def load_scenarios(data, where="scenarios.json"):
    """Validate the scenarios file's content and return {name: Scenario}; ScenarioError names the spot."""
    if not isinstance(data, dict) or not data:
        raise ScenarioError(f"{where}:$", "must be an object of named scenarios")
    scenarios = {}
    for name, body in data.items():
        path = f"{where}:$.{name}"
        if not isinstance(body, dict):
            raise ScenarioError(path, "must be an object")
        unknown = set(body) - {"description", "on", "media"}
        if unknown:
            raise ScenarioError(path, f"unknown keys {sorted(unknown)}")
        media = body.get("media", MEDIA_MODES[0])
        if media not in MEDIA_MODES:
            raise ScenarioError(f"{path}.media", f"must be one of {', '.join(MEDIA_MODES)}")
        on = body.get("on", {})
        if not isinstance(on, dict):
            raise ScenarioError(f"{path}.on", "must be an object of event type -> steps")
        for trigger, steps in on.items():
            if trigger not in EVENT_TYPES:
                raise ScenarioError(f"{path}.on.{trigger}", "not an event type of the contract")
            if not isinstance(steps, list):
                raise ScenarioError(f"{path}.on.{trigger}", "must be a list of steps")
            for index, step in enumerate(steps):
                _check_step(f"{path}.on.{trigger}[{index}]", step)
        scenarios[name] = Scenario(name, str(body.get("description", "")), on, media)
    if DEFAULT_SCENARIO not in scenarios:
        raise ScenarioError(f"{where}:$", f"the default scenario {DEFAULT_SCENARIO!r} is missing")
    return scenarios


def _check_step(path, step):
    if not isinstance(step, dict):
        raise ScenarioError(path, "a step must be an object")
    after = step.get("after", 0)
    if isinstance(after, bool) or not isinstance(after, (int, float)) or after < 0:
        raise ScenarioError(f"{path}.after", "must be a number of seconds >= 0")
    if ("event" in step) == ("action" in step):
        raise ScenarioError(path, "a step has exactly one of 'event' or 'action'")
    if "event" in step:
        unknown = set(step) - {"after", "event", "sub_type", "metadata"}
        if unknown:
            raise ScenarioError(path, f"unknown keys {sorted(unknown)}")
        try:
            check_event_pair(step["event"], step.get("sub_type"))
        except AttendeeError as exc:
            raise ScenarioError(f"{path}.event", exc.message) from None
        if not isinstance(step.get("metadata", {}), dict):
            raise ScenarioError(f"{path}.metadata", "must be an object")
        return
    action = step["action"]
    if action not in ACTIONS:
        raise ScenarioError(f"{path}.action", f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    required, optional = ACTIONS[action]
    missing = [arg for arg in required if arg not in step]
    if missing:
        raise ScenarioError(path, f"action {action} needs {', '.join(missing)}")
    unknown = set(step) - {"after", "action", *required, *optional}
    if unknown:
        raise ScenarioError(path, f"unknown keys {sorted(unknown)}")


def step_name(step):
    return step.get("event") or step["action"]


def plan(steps, start, step_delays=None):
    """Steps with absolute due times (stored form), each `after` seconds after the previous one."""
    step_delays = step_delays or {}
    due = start
    planned = []
    for step in steps:
        after = step_delays.get(step_name(step), step.get("after", 0))
        due = due + timedelta(seconds=after)
        item = {k: v for k, v in step.items() if k != "after"}
        item["due"] = to_stored(due)
        planned.append(item)
    return planned


def plan_scheduled_join(join_at, platform_key, now):
    """A scheduled bot's way in: `staged` 5 minutes before join_at, `join_requested` at join_at minus the lead.
    Their metadata (`join_at`, `source: scheduler`) is the events' default (domain/event_metadata.py)."""
    staged_at = max(now, join_at - timedelta(seconds=STAGE_AHEAD_SECONDS))
    join_at_lead = join_at - timedelta(seconds=PLATFORM_LEAD_SECONDS[platform_key])
    return [
        {"event": "staged", "due": to_stored(staged_at)},
        {"event": "join_requested", "due": to_stored(max(staged_at, join_at_lead))},
    ]
