"""The bundled seed data: load and validate fixture files, and (re)build the store from them.

Three files under the fixtures folder: `projects.json`, `bots.json`, `scenarios.json`. Everything is
checked before anything is stored — a bot's event history must be one the state machine accepts — and
a bad file stops start-up with the file, the JSON path and the reason (`FixtureError`); the store is
replaced in one step, so nothing is ever half-loaded.
"""

import base64
import binascii
import json
import re
from pathlib import Path

from sandbox import lifecycle
from sandbox.errors import AttendeeError
from sandbox.scenarios import ScenarioError, load_scenarios
from sandbox.timefmt import parse_query_datetime, to_stored

API_KEY_RE = re.compile(r"^[A-Za-z0-9]{32}$")
ID_RE = {prefix: re.compile(rf"^{prefix}_[A-Za-z0-9]{{16}}$") for prefix in ("proj", "bot", "rec")}


class FixtureError(ValueError):
    def __init__(self, file, path, reason):
        super().__init__(f"{file}: at {path}: {reason}")
        self.file, self.path, self.reason = file, path, reason


def read_json(folder, name):
    file = Path(folder) / name
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(file, "$", "file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(file, "$", f"not valid JSON ({exc})") from None


def load_scenario_book(folder):
    data = read_json(folder, "scenarios.json")
    try:
        return load_scenarios(data, where="$")
    except ScenarioError as exc:
        raise FixtureError(Path(folder) / "scenarios.json", exc.path.removeprefix("$:"), exc.reason) from None


def load_fixtures(folder, scenario_book=None):
    """Read and validate every fixture file; return `{table: [docs]}` ready for `Store.replace_all`."""
    folder = Path(folder)
    scenario_book = scenario_book or load_scenario_book(folder)
    projects = _load_projects(folder / "projects.json", read_json(folder, "projects.json"), scenario_book)
    bots = _load_bots(folder / "bots.json", read_json(folder, "bots.json"), {p["id"] for p in projects}, scenario_book)
    return {"projects": projects, "bots": bots}


class _Checker:
    """Small helpers that fail with the file and JSON path."""

    def __init__(self, file):
        self.file = file

    def fail(self, path, reason):
        raise FixtureError(self.file, path, reason)

    def require(self, obj, key, path, kind=str):
        if not isinstance(obj, dict) or key not in obj:
            self.fail(path, f"missing required key {key!r}")
        value = obj[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(f"{path}.{key}", f"must be {getattr(kind, '__name__', kind)}")
        return value

    def optional(self, obj, key, path, kind, default=None):
        if obj.get(key) is None:
            return default
        return self.require(obj, key, path, kind)

    def datetime(self, value, path):
        parsed = parse_query_datetime(value) if isinstance(value, str) and "T" in value else None
        if parsed is None:
            self.fail(path, f"not an ISO 8601 datetime: {value!r}")
        return parsed


def _load_projects(file, data, scenario_book):
    check = _Checker(file)
    if not isinstance(data, list) or not data:
        check.fail("$", "must be a non-empty list of projects")
    projects, keys, ids = [], set(), set()
    for index, item in enumerate(data):
        path = f"$[{index}]"
        if not isinstance(item, dict):
            check.fail(path, "must be an object")
        project_id = check.require(item, "id", path)
        if not ID_RE["proj"].match(project_id):
            check.fail(f"{path}.id", "must be proj_ followed by 16 letters or digits")
        api_key = check.require(item, "api_key", path)
        if not API_KEY_RE.match(api_key):
            check.fail(f"{path}.api_key", "must be 32 letters or digits")
        secret = check.require(item, "webhook_secret", path)
        try:
            if len(base64.b64decode(secret, validate=True)) != 32:
                raise ValueError
        except (binascii.Error, ValueError):
            check.fail(f"{path}.webhook_secret", "must be standard base64 of 32 bytes")
        if project_id in ids or api_key in keys:
            check.fail(path, "duplicate project id or API key")
        ids.add(project_id)
        keys.add(api_key)
        scenario = check.optional(item, "scenario", path, str, "happy_path")
        if scenario not in scenario_book:
            check.fail(f"{path}.scenario", f"unknown scenario {scenario!r}")
        webhooks = check.optional(item, "webhooks", path, list, [])
        for w_index, hook in enumerate(webhooks):
            w_path = f"{path}.webhooks[{w_index}]"
            check.require(hook, "url", w_path)
            triggers = check.require(hook, "triggers", w_path, list)
            if not triggers or not all(isinstance(t, str) for t in triggers):
                check.fail(f"{w_path}.triggers", "must be a non-empty list of trigger codes")
        projects.append(
            {
                "id": project_id,
                "name": check.optional(item, "name", path, str, project_id),
                "api_key": api_key,
                "webhook_secret": secret,
                "zoom_credentials": check.optional(item, "zoom_credentials", path, bool, True),
                "scenario": scenario,
                "webhooks": webhooks,
                "clock_offset_seconds": 0.0,
            }
        )
    return projects


def _load_bots(file, data, project_ids, scenario_book):
    check = _Checker(file)
    if not isinstance(data, list):
        check.fail("$", "must be a list of bots")
    bots, seen = [], set()
    for index, item in enumerate(data):
        path = f"$[{index}]"
        if not isinstance(item, dict):
            check.fail(path, "must be an object")
        bot_id = check.require(item, "id", path)
        if not ID_RE["bot"].match(bot_id) or bot_id in seen:
            check.fail(f"{path}.id", "must be a unique bot_ followed by 16 letters or digits")
        seen.add(bot_id)
        project_id = check.require(item, "project_id", path)
        if project_id not in project_ids:
            check.fail(f"{path}.project_id", f"no project {project_id!r} in projects.json")
        events = check.optional(item, "events", path, list, [])
        stored_events = []
        for e_index, event in enumerate(events):
            e_path = f"{path}.events[{e_index}]"
            event_type = check.require(event, "type", e_path)
            created = check.datetime(check.require(event, "created_at", e_path), f"{e_path}.created_at")
            stored = {"type": event_type, "created_at": to_stored(created), "metadata": event.get("metadata") or {}}
            if event.get("sub_type") is not None:
                stored["sub_type"] = event["sub_type"]
            stored_events.append(stored)
        join_at = item.get("join_at")
        join_at = to_stored(check.datetime(join_at, f"{path}.join_at")) if join_at is not None else None
        start = "scheduled" if join_at and (not events or events[0].get("type") == "staged") else "ready"
        try:
            replayed = lifecycle.replay(bot_id, stored_events, start_state=start, join_at=join_at)
        except AttendeeError as exc:
            check.fail(f"{path}.events", f"the state machine refuses this history: {exc.message}")
        state = replayed["state"]
        declared = item.get("state")
        if declared is not None and declared != state:
            check.fail(f"{path}.state", f"declared {declared!r} but the events lead to {state!r}")
        recording_state = check.optional(item, "recording_state", path, str, "not_started")
        transcription_state = check.optional(item, "transcription_state", path, str, "not_started")
        if recording_state not in lifecycle.RECORDING_STATES:
            check.fail(f"{path}.recording_state", f"one of {', '.join(lifecycle.RECORDING_STATES)}")
        if transcription_state not in lifecycle.TRANSCRIPTION_STATES:
            check.fail(f"{path}.transcription_state", f"one of {', '.join(lifecycle.TRANSCRIPTION_STATES)}")
        metadata = item.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            check.fail(f"{path}.metadata", "must be an object or null")
        scenario = check.optional(item, "scenario", path, str, None)
        if scenario is not None and scenario not in scenario_book:
            check.fail(f"{path}.scenario", f"unknown scenario {scenario!r}")
        recording_format = check.optional(item, "recording_format", path, str, "mp4")
        if recording_format not in ("mp4", "mp3", "none"):
            check.fail(f"{path}.recording_format", "one of mp4, mp3, none")
        file_info = None
        if item.get("recording_file") is not None:
            start_ms = check.require(item["recording_file"], "start_timestamp_ms", f"{path}.recording_file", int)
            file_info = {"uploaded_at": stored_events[-1]["created_at"] if stored_events else None, "start_timestamp_ms": start_ms}
        created_at = item.get("created_at")
        if created_at is not None:
            created_at = to_stored(check.datetime(created_at, f"{path}.created_at"))
        else:
            created_at = stored_events[0]["created_at"] if stored_events else join_at
        if created_at is None:
            check.fail(path, "a bot with no events and no join_at needs created_at")
        bots.append(
            {
                "id": bot_id,
                "project_id": project_id,
                "created_at": created_at,
                "bot_name": check.optional(item, "bot_name", path, str, "Sandbox Bot"),
                "meeting_url": check.require(item, "meeting_url", path),
                "state": state,
                "events": stored_events,
                "recording": {
                    "id": check.optional(item, "recording_id", path, str, "rec_" + bot_id[4:]),
                    "state": recording_state,
                    "transcription_state": transcription_state,
                    "format": recording_format,
                    "file": file_info,
                },
                "join_at": join_at,
                "deduplication_key": check.optional(item, "deduplication_key", path, str, None),
                "metadata": metadata,
                "scenario": scenario,
                "pending_steps": [],
                "breakout_return_state": replayed.get("breakout_return_state"),
                "settings": item.get("settings") or {},
                "webhooks": check.optional(item, "webhooks", path, list, []),
            }
        )
    bots.sort(key=lambda bot: bot["created_at"])
    return bots
