"""The bundled seed data: load and validate fixture files, and (re)build the store from them.

Three files under the fixtures folder: `projects.json`, `bots.json`, `scenarios.json`, and optionally
`meeting_data.json` (participants, their events, utterances and chat messages of fixture bots) and
`calendars.json` (calendars with their remote calendars' events). A project may declare its Zoom OAuth
app (`"zoom_oauth_app": {"id"?, "client_id", "webhook_secret"?}`). Everything is
checked before anything is stored — a bot's event history must be one the state machine accepts — and
a bad file stops start-up with the file, the JSON path and the reason (`FixtureError`); the store is
replaced in one step, so nothing is ever half-loaded.
"""

import base64
import binascii
import json
import re
from pathlib import Path

from sandbox.contract.datetimes import parse_query_datetime, parse_stored_datetime, to_stored
from sandbox.contract.errors import AttendeeError, FieldErrors, SandboxInputError
from sandbox.contract.meeting_urls import InvalidMeetingUrl, meeting_platform
from sandbox.contract.requests.calendars import check_calendar_insert, parse_create_calendar
from sandbox.domain import lifecycle, remote_calendar
from sandbox.domain.calendar import new_calendar
from sandbox.domain.project import CAPABILITIES
from sandbox.domain.scenarios import ScenarioError, load_scenarios

API_KEY_RE = re.compile(r"^[A-Za-z0-9]{32}$")
ID_RE = {prefix: re.compile(rf"^{prefix}_[A-Za-z0-9]{{16}}$") for prefix in ("proj", "bot", "rec", "cal", "zoa")}


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
    meeting_data = _load_meeting_data(folder / MEETING_DATA_FILE, bots)
    zoom_apps = [project.pop("_zoom_oauth_app") for project in projects if project.get("_zoom_oauth_app")]
    calendar_tables = _load_calendars(folder / CALENDARS_FILE, {p["id"] for p in projects})
    return {"projects": projects, "bots": bots, **meeting_data, "zoom_oauth_apps": zoom_apps, **calendar_tables}


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
        project = {
            "id": project_id,
            "name": check.optional(item, "name", path, str, project_id),
            "api_key": api_key,
            "webhook_secret": secret,
            **{name: check.optional(item, name, path, bool, default) for name, (default, _) in CAPABILITIES.items()},
            "scenario": scenario,
            "webhooks": webhooks,
            "clock_offset_seconds": 0.0,
        }
        if item.get("zoom_oauth_app") is not None:
            app_path = f"{path}.zoom_oauth_app"
            project["_zoom_oauth_app"] = _zoom_oauth_app(check, item["zoom_oauth_app"], app_path, project_id)
        projects.append(project)
    return projects


def _zoom_oauth_app(check, item, path, project_id):
    """A project's Zoom OAuth app: `{"id"?: zoa_..., "client_id", "webhook_secret"?}` (the id defaults to
    `zoa_` and the project id's 16 characters)."""
    if not isinstance(item, dict):
        check.fail(path, "must be an object {id?, client_id, webhook_secret?}")
    unknown = set(item) - {"id", "client_id", "webhook_secret"}
    if unknown:
        check.fail(path, f"unknown keys {sorted(unknown)}")
    app_id = check.optional(item, "id", path, str, "zoa_" + project_id[len("proj_"):])
    if not ID_RE["zoa"].match(app_id):
        check.fail(f"{path}.id", "must be zoa_ followed by 16 letters or digits")
    client_id = check.require(item, "client_id", path)
    if not client_id.strip() or len(client_id) > 255:
        check.fail(f"{path}.client_id", "must be a non-empty string of at most 255 characters")
    return {
        "id": app_id,
        "project_id": project_id,
        "client_id": client_id,
        "webhook_secret": check.optional(item, "webhook_secret", path, str, None),
        "created_at": FIXTURE_EPOCH,
        "updated_at": FIXTURE_EPOCH,
    }


def _owned_id(check, item, path, prefix, seen, project_ids):
    """`(id, project_id)` of a fixture item that belongs to a project: a unique `<prefix>_` id of 16 letters
    or digits (remembered in `seen`) and a project of projects.json."""
    item_id = check.require(item, "id", path)
    if not ID_RE[prefix].match(item_id) or item_id in seen:
        check.fail(f"{path}.id", f"must be a unique {prefix}_ followed by 16 letters or digits")
    seen.add(item_id)
    project_id = check.require(item, "project_id", path)
    if project_id not in project_ids:
        check.fail(f"{path}.project_id", f"no project {project_id!r} in projects.json")
    return item_id, project_id


def _load_bots(file, data, project_ids, scenario_book):
    check = _Checker(file)
    if not isinstance(data, list):
        check.fail("$", "must be a list of bots")
    bots, seen = [], set()
    for index, item in enumerate(data):
        path = f"$[{index}]"
        if not isinstance(item, dict):
            check.fail(path, "must be an object")
        bot_id, project_id = _owned_id(check, item, path, "bot", seen, project_ids)
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
            replayed = lifecycle.replay(
                bot_id, stored_events, start_state=start, join_at=join_at, settings=item.get("settings")
            )
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
        meeting_url = check.require(item, "meeting_url", path)
        try:
            platform = meeting_platform(meeting_url)
        except InvalidMeetingUrl:
            check.fail(f"{path}.meeting_url", f"not a meeting URL the real server accepts: {meeting_url!r}")
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
                "meeting_url": meeting_url,
                "platform": platform,
                "state": state,
                "events": replayed["events"],  # with the metadata the real server gives each event
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


# -- meeting data (optional file) -----------------------------------------------------------------------

MEETING_DATA_FILE = "meeting_data.json"
_MEETING_ID_RE = {prefix: re.compile(rf"^{prefix}_[A-Za-z0-9]{{16}}$") for prefix in ("par", "pe", "msg")}
_STORED_PARTICIPANT_EVENTS = ("join", "leave", "speech_start", "speech_stop")
_CHAT_TO = ("everyone", "only_bot")


def _load_meeting_data(file, bots):
    """`meeting_data.json`: a list of `{"bot_id", "participants", "participant_events", "utterances",
    "chat_messages"}`, stored as sandbox/usecases/meeting.py stores them. Missing file: no meeting data.

    participants `{id, uuid, name, user_uuid?, is_host?, is_the_bot?, created_at}`; participant_events `{id,
    participant_uuid, event_type, event_data?, created_at, timestamp_ms?}`; utterances `{speaker_uuid, text,
    duration_ms, created_at, timestamp_ms?}` (default: `created_at` minus the duration); chat_messages `{id,
    sender_uuid, text, to?, additional_data?, created_at}` (`timestamp`: `created_at` in epoch seconds).
    """
    tables = {"participants": [], "participant_events": [], "utterances": [], "chat_messages": []}
    if not file.exists():
        return tables
    data = read_json(file.parent, file.name)
    check = _Checker(file)
    if not isinstance(data, list):
        check.fail("$", "must be a list of {bot_id, participants, participant_events, utterances, chat_messages}")
    bots_by_id = {bot["id"]: bot for bot in bots}
    seen_ids, seen_bots = set(), set()

    def unique_id(item, path, prefix):
        value = check.require(item, "id", path)
        if not _MEETING_ID_RE[prefix].match(value) or value in seen_ids:
            check.fail(f"{path}.id", f"must be a unique {prefix}_ followed by 16 letters or digits")
        seen_ids.add(value)
        return value

    def optional_text(item, key, path):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            check.fail(f"{path}.{key}", "must be a string or null")
        return value

    for index, entry in enumerate(data):
        path = f"$[{index}]"
        bot_id = check.require(entry, "bot_id", path)
        bot = bots_by_id.get(bot_id)
        if bot is None:
            check.fail(f"{path}.bot_id", f"no bot {bot_id!r} in bots.json")
        if bot_id in seen_bots:
            check.fail(f"{path}.bot_id", "this bot already has an entry")
        seen_bots.add(bot_id)
        if bot["state"] == "data_deleted":
            check.fail(f"{path}.bot_id", "a data_deleted bot has no meeting data")
        unknown = set(entry) - {"bot_id", "participants", "participant_events", "utterances", "chat_messages"}
        if unknown:
            check.fail(path, f"unknown keys {sorted(unknown)}")
        base = {"bot_id": bot_id, "project_id": bot["project_id"]}

        by_uuid = {}
        for p_index, item in enumerate(check.optional(entry, "participants", path, list, [])):
            p_path = f"{path}.participants[{p_index}]"
            participant_id = unique_id(item, p_path, "par")
            uuid = check.require(item, "uuid", p_path)
            if uuid in by_uuid:
                check.fail(f"{p_path}.uuid", "another participant of this bot has this uuid")
            created = check.datetime(check.require(item, "created_at", p_path), f"{p_path}.created_at")
            doc = {
                "id": participant_id,
                **base,
                "created_at": to_stored(created),
                "uuid": uuid,
                "user_uuid": optional_text(item, "user_uuid", p_path),
                "name": optional_text(item, "name", p_path),
                "is_host": check.optional(item, "is_host", p_path, bool, False),
                "is_the_bot": check.optional(item, "is_the_bot", p_path, bool, False),
            }
            by_uuid[uuid] = doc
            tables["participants"].append(doc)

        def participant_of(item, key, item_path):
            uuid = check.require(item, key, item_path)
            if uuid not in by_uuid:
                check.fail(f"{item_path}.{key}", f"no participant with uuid {uuid!r} in this entry's participants")
            return by_uuid[uuid]

        recorded = bot["recording"]["state"] != "not_started"
        for e_index, item in enumerate(check.optional(entry, "participant_events", path, list, [])):
            e_path = f"{path}.participant_events[{e_index}]"
            event_id = unique_id(item, e_path, "pe")
            participant = participant_of(item, "participant_uuid", e_path)
            event_type = check.require(item, "event_type", e_path)
            if event_type not in _STORED_PARTICIPANT_EVENTS:
                check.fail(f"{e_path}.event_type", f"one of {', '.join(_STORED_PARTICIPANT_EVENTS)}")
            created = check.datetime(check.require(item, "created_at", e_path), f"{e_path}.created_at")
            tables["participant_events"].append(
                {
                    "id": event_id,
                    **base,
                    "created_at": to_stored(created),
                    "participant_id": participant["id"],
                    "event_type": event_type,
                    "event_data": check.optional(item, "event_data", e_path, dict, {}),
                    "timestamp_ms": check.optional(item, "timestamp_ms", e_path, int, int(created.timestamp() * 1000)),
                }
            )

        for u_index, item in enumerate(check.optional(entry, "utterances", path, list, [])):
            u_path = f"{path}.utterances[{u_index}]"
            if not recorded:
                check.fail(u_path, "a bot whose recording_state is not_started has no utterances")
            participant = participant_of(item, "speaker_uuid", u_path)
            text = check.require(item, "text", u_path)
            duration = check.require(item, "duration_ms", u_path, int)
            created = check.datetime(check.require(item, "created_at", u_path), f"{u_path}.created_at")
            default_start = int(created.timestamp() * 1000) - duration
            tables["utterances"].append(
                {
                    "id": f"utt_{bot_id[4:16]}{u_index:04d}",
                    **base,
                    "created_at": to_stored(created),
                    "participant_id": participant["id"],
                    "source_id": None,
                    "async_transcription_id": None,
                    "transcription": {"transcript": text},
                    "timestamp_ms": check.optional(item, "timestamp_ms", u_path, int, default_start),
                    "duration_ms": duration,
                    "updated_at": to_stored(created),
                }
            )

        for m_index, item in enumerate(check.optional(entry, "chat_messages", path, list, [])):
            m_path = f"{path}.chat_messages[{m_index}]"
            if not recorded:
                check.fail(m_path, "a bot whose recording_state is not_started has no chat messages")
            message_id = unique_id(item, m_path, "msg")
            participant = participant_of(item, "sender_uuid", m_path)
            to = check.optional(item, "to", m_path, str, "everyone")
            if to not in _CHAT_TO:
                check.fail(f"{m_path}.to", f"one of {', '.join(_CHAT_TO)}")
            created = check.datetime(check.require(item, "created_at", m_path), f"{m_path}.created_at")
            tables["chat_messages"].append(
                {
                    "id": message_id,
                    **base,
                    "created_at": to_stored(created),
                    "participant_id": participant["id"],
                    "source_id": None,
                    "text": check.require(item, "text", m_path),
                    "timestamp": int(created.timestamp()),
                    "to": to,
                    "additional_data": check.optional(item, "additional_data", m_path, dict, {}),
                }
            )
    return tables


# -- calendars (optional file) -----------------------------------------------------------------------------------

CALENDARS_FILE = "calendars.json"
CREATE_KEYS = ("platform", "client_id", "platform_uuid", "deduplication_key", "metadata")
FIXTURE_EPOCH = "2026-01-01T00:00:00+00:00"  # when fixture objects without a creation time were made
CALENDAR_KEYS = {
    "id", "project_id", "platform", "client_id", "client_secret", "refresh_token", "platform_uuid",
    "deduplication_key", "metadata", "created_at", "remote_events",
}  # fmt: skip


def _load_calendars(file, project_ids):
    """`calendars.json`: a list of calendars `{id, project_id, platform, client_id, client_secret?,
    refresh_token?, platform_uuid?, deduplication_key?, metadata?, created_at?, remote_events?}`, each
    checked as `POST /calendars` checks it, with its remote calendar's events checked as
    `PUT /sandbox/calendars/{id}/remote_events/{platform_uuid}` checks them (plus `platform_uuid`, and
    times relative to the first sync: `starts_in_minutes`/`duration_minutes`, `all_day_in_days`;
    `cancelled`). A fixture calendar is connected and never synced; without `created_at` it is created when
    the store is first served, and first synced then (the scheduler's "never queued" rule;
    `Sandbox.stamp_seeded`, `settle_seeded`). Missing file: no calendars."""
    tables = {"calendars": [], "remote_calendars": []}
    if not file.exists():
        return tables
    data = read_json(file.parent, file.name)
    check = _Checker(file)
    if not isinstance(data, list):
        check.fail("$", "must be a list of calendars")
    seen, keys = set(), set()
    for index, item in enumerate(data):
        path = f"$[{index}]"
        if not isinstance(item, dict):
            check.fail(path, "must be an object")
        unknown = set(item) - CALENDAR_KEYS
        if unknown:
            check.fail(path, f"unknown keys {sorted(unknown)}")
        calendar_id, project_id = _owned_id(check, item, path, "cal", seen, project_ids)
        body = {key: item[key] for key in CREATE_KEYS if key in item}
        body.setdefault("client_secret", item.get("client_secret", "sbx-fixture-secret"))
        body.setdefault("refresh_token", item.get("refresh_token", "sbx-fixture-token"))
        try:
            values = parse_create_calendar(body)
            check_calendar_insert(values)
        except FieldErrors as exc:
            check.fail(path, f"refused as POST /calendars would refuse it: {exc.body()}")
        key = values["deduplication_key"]
        if key is not None:
            if (project_id, key) in keys:
                check.fail(f"{path}.deduplication_key", "another calendar of this project has this key")
            keys.add((project_id, key))
        created = item.get("created_at")
        created = check.datetime(created, f"{path}.created_at") if created is not None else None
        calendar = new_calendar(_FixedId(calendar_id), project_id, values, now=created or _epoch())
        if created is None:  # created when the store is seeded (`Sandbox.stamp_seeded`)
            calendar["created_at"] = calendar["updated_at"] = None
        remote = remote_calendar.new_remote_calendar(calendar)
        for e_index, event in enumerate(check.optional(item, "remote_events", path, list, [])):
            e_path = f"{path}.remote_events[{e_index}]"
            if not isinstance(event, dict):
                check.fail(e_path, "must be an object")
            event = dict(event)
            platform_uuid = event.pop("platform_uuid", None)
            if not isinstance(platform_uuid, str) or not platform_uuid or len(platform_uuid) > 1024:
                check.fail(f"{e_path}.platform_uuid", "must be a string of 1 to 1024 characters")
            if remote_calendar.find_event(remote, platform_uuid) is not None:
                check.fail(f"{e_path}.platform_uuid", "another event of this calendar has this platform_uuid")
            try:
                checked = remote_calendar.check_remote_event(event, values["platform"], relative=True)
            except SandboxInputError as exc:
                check.fail(e_path, exc.message)
            remote_calendar.put_event(remote, platform_uuid, checked)
        tables["calendars"].append(calendar)
        tables["remote_calendars"].append(remote)
    return tables


class _FixedId:
    """An id factory that gives the fixture's own id."""

    def __init__(self, value):
        self.value = value

    def new(self, prefix):
        return self.value


def _epoch():
    return parse_stored_datetime(FIXTURE_EPOCH)
