"""The bots API's use cases: create, list, get, PATCH, DELETE, leave, delete_data, pause and resume
(docs/contract/bots-endpoints.md).

Each is a function of `(sb, project, ...)`: it runs the real view's checks in the real view's order,
changes the bot through `sb.apply` (the one state machine) inside a unit of work (`sb.bot_unit`), and
returns the bot (the endpoint table's schema shows it). The body arrives parsed and validated
(sandbox/contract/requests/bots.py), at the point the endpoint table says the real view reads it.
"""

import json

from sandbox.contract.datetimes import parse_stored_datetime, to_stored
from sandbox.contract.errors import AttendeeError
from sandbox.contract.pagination import Rows
from sandbox.contract.meeting_urls import STORED_MAX_LENGTH, meeting_platform
from sandbox.contract.messages import (
    CANNOT_PAUSE,
    CANNOT_RESUME,
    CONCURRENCY_LIMIT,
    DATA_DELETE_NOT_ALLOWED,
    DEDUPLICATION_CONFLICT,
    DELETE_ONLY_WHEN_SCHEDULED,
    EXTERNAL_STORAGE_CREDENTIALS_REQUIRED,
    PATCH_ONLY_WHEN_SCHEDULED,
    ZOOM_CREDENTIALS_REQUIRED,
)
from sandbox.contract.requests.bots import (
    CalendarEventRequest,
    apply_calendar_event,
    check_bot_insert,
    check_bot_webhooks,
    check_patch_bot_storage,
    create_db_error,
    parse_create_bot,
)
from sandbox.domain import bot as bot_model
from sandbox.domain import lifecycle, scenarios
from sandbox.domain.bot import new_bot
from sandbox.domain.project import capability
from sandbox.domain.sandbox import Unit
from sandbox.domain.store import StoredDoc
from sandbox.usecases import calendars
from sandbox.usecases.zoom_oauth import has_zoom_oauth_app

UNKNOWN_SCENARIO = "Unknown sandbox_scenario '{name}'. Known scenarios: {known}"
SCENARIO_METADATA_KEY = "sandbox_scenario"  # the metadata key that picks a bot's scenario
# What `delete_data` removes, by table (each scoped by bot id), and what it keeps
# (docs/contract/bots-endpoints.md#delete-data).
BOT_DATA_TABLES = ("utterances", "participant_events", "participants", "chat_messages", "audio_chunks")
KEPT_DELIVERY_TRIGGER = "bot.state_change"
REMOVER_PREFIX = "remover_"


def get_bot(sb, project, bot_id):
    """GET /bots/{id}: the bot up to date, as a `StoredDoc` (its dump is cached while it is unchanged).
    A bot with nothing due is read as stored, without waiting for the project's lock (`settled_bot`)."""
    settled = sb.settled_bot(project, bot_id)
    if settled is not None:
        return StoredDoc(*settled)
    with sb.bot_unit(project, bot_id) as unit:
        pass
    return StoredDoc(unit.bot, unit.raw) if unit.raw is not None else unit.bot


def leave(sb, project, bot_id):
    """POST /leave (docs/contract/bots-endpoints.md#leave): leave_requested/user_requested, then the scenario's
    post-processing."""
    with sb.bot_unit(project, bot_id) as unit:
        sb.apply(unit, "leave_requested", "user_requested", at=sb.now(project))
        return unit.bot


def create_bot(sb, project, body):
    """POST /bots (docs/contract/bots-endpoints.md#create-bot, docs/contract/create-bot.md#create-order-of-checks):
    every check in the real server's order, then the bot.

    1. (credits: the sandbox has none to run out of);
    2. a truthy `calendar_event_id`: the event looked up among the project's calendars (their due syncs
       run first), its URL and start taken, the bot always `scheduled` and linked to it
       (docs/contract/calendars.md#create-bot-from-event); such a
       body arrives as sent (`CalendarEventRequest`) and is validated here, with the event's values;
    3. field validation (`parse_create_bot`, done by the web layer for any other body: `body` is its
       result), then the sandbox's own check of `sandbox_scenario`;
    4. a Zoom URL needs the project's Zoom credentials or a Zoom OAuth app
    (docs/contract/zoom-oauth.md#bots-depend-on-zoom); 5. external storage
    settings need the project's external media storage credentials (then they are stored with the bot's
    settings); 6. the concurrency limit; 7. the "transaction": row errors, deduplication conflict, the chat
    message to a participant, the bot-level webhooks.

    An immediate bot then takes `join_requested` (source api) through `apply`, so its scenario's join
    script starts; a scheduled bot gets its way in planned (`staged`, then the scheduler's
    `join_requested`), applied lazily like every scripted step. Returns the bot.
    """
    now = sb.now(project)
    event = None
    if isinstance(body, CalendarEventRequest):  # step 2 (docs/contract/calendars.md#create-bot-from-event)
        with sb.project_lock(project["id"]):
            sb.catch_up_other_work(project)  # an event a due sync creates or changes is found as it is then
        event = calendars.find_calendar_event(sb, project, body.data["calendar_event_id"])
        body = parse_create_bot(
            apply_calendar_event(body.data, event),
            now=now,
            voice_agents_enabled=sb.settings.enable_voice_agents,
            require_https_webhooks=sb.settings.require_https_webhooks,
            db_checks=False,
            calendar_event_applied=True,
        )
    parsed = body
    scenario = _scenario_for_new_bot(sb, project, parsed["metadata"])
    urls = [hook.get("url", "") for hook in parsed["webhooks"]]
    reaches_sandbox = {url: sb.own_address.reached_by(url) for url in urls}  # may resolve: not under the lock
    credentials_link = {"domain": sb.settings.site_domain, "project_id": project["id"]}
    zoom_app = has_zoom_oauth_app(sb, project)
    if parsed["platform"] == "zoom" and not capability(project, "zoom_credentials") and not zoom_app:
        raise AttendeeError(ZOOM_CREDENTIALS_REQUIRED.format(**credentials_link))
    if parsed["external_media_storage_settings"] and not capability(project, "external_media_storage_credentials"):
        raise AttendeeError(EXTERNAL_STORAGE_CREDENTIALS_REQUIRED.format(**credentials_link))
    with sb.bulk_work(project["id"]) as generation:
        sb.catch_up_due_bots(project, generation)  # a bot whose script has ended frees its slot and key
        with sb.store.lock:
            return _insert_bot(sb, project, parsed, scenario, now, reaches_sandbox, event)


def _insert_bot(sb, project, parsed, scenario, now, reaches_sandbox, event=None):
    """Steps 6 and 7 of create_bot, then the bot (callers hold the project's lock and the store lock)."""
    limit = sb.settings.concurrent_bots_limit
    # The store counts the project's bots by state and indexes them by key as they change: no bot is read.
    by_state = sb.store.count_by("bots", project["id"])
    in_meeting = sum(count for state, count in by_state.items() if lifecycle.BOT_STATES.get(state) == lifecycle.IN)
    if in_meeting >= limit:
        raise AttendeeError(CONCURRENCY_LIMIT.format(limit=limit))
    # Step 7, in the order the real server's transaction fails: the bot row, its unique
    # deduplication index, the chat message request, the webhook subscriptions.
    check_bot_insert({**parsed, "bot_chat_message": None})
    if len(parsed["meeting_url"]) > STORED_MAX_LENGTH:
        raise create_db_error()
    key = parsed["deduplication_key"]
    if key is not None and any(
        sb.store.summary("bots", holder).state not in lifecycle.POST_MEETING_STATES
        for holder in sb.store.find("bots", project["id"], "deduplication_key", key)
    ):
        raise AttendeeError(DEDUPLICATION_CONFLICT)
    check_bot_insert(parsed)
    check_bot_webhooks(
        parsed["webhooks"],
        require_https=sb.settings.require_https_webhooks,
        reaches_sandbox=reaches_sandbox,
    )

    bot = new_bot(sb.ids, project["id"], parsed, scenario=scenario, now=now)
    if event is not None:
        bot["calendar_event_id"] = event["id"]  # listed in the event's `bots`; the event itself is unchanged
    unit = Unit(sb, project, bot)
    if parsed["join_at"] is None:
        sb.apply(unit, "join_requested", at=now)  # its metadata: {"source": "api"} (docs/contract/state-machine.md#event-metadata)
    else:
        bot["pending_steps"] = scenarios.plan_scheduled_join(parsed["join_at"], bot_model.platform_key(bot), now)
        unit.dirty = True
    sb.commit(unit)
    return bot


def _scenario_for_new_bot(sb, project, metadata):
    """The scenario a new bot follows: its metadata's `sandbox_scenario`, else its project's."""
    name = (metadata or {}).get(SCENARIO_METADATA_KEY)
    if name is None:
        name = project.get("scenario") or scenarios.DEFAULT_SCENARIO
    if name not in sb.scenarios:
        known = ", ".join(sorted(sb.scenarios))
        raise AttendeeError(UNKNOWN_SCENARIO.format(name=name, known=known))
    return name


def list_bots(
    sb,
    project,
    *,
    meeting_url=None,
    deduplication_key=None,
    states=None,
    join_at_after=None,
    join_at_before=None,
):
    """GET /bots (docs/contract/bots-endpoints.md#list-bots, docs/contract/pagination.md#pagination): the project's
    bots, up to date, filtered (AND), oldest first.

    `states` is a list of state codes (already checked); the join_at bounds are aware datetimes and
    strict, and a bot without join_at never matches them (SQL NULL comparisons).
    """
    if not (meeting_url or deduplication_key or states or join_at_after is not None or join_at_before is not None):
        return bot_rows(sb, project)
    bots = current_bots(sb, project)

    def keep(bot):
        if meeting_url and bot["meeting_url"] != meeting_url:
            return False
        if deduplication_key and bot.get("deduplication_key") != deduplication_key:
            return False
        if states and bot["state"] not in states:
            return False
        if join_at_after is not None or join_at_before is not None:
            if not bot.get("join_at"):
                return False
            join_at = parse_stored_datetime(bot["join_at"])
            if join_at_after is not None and not join_at > join_at_after:
                return False
            if join_at_before is not None and not join_at < join_at_before:
                return False
        return True

    return [bot for bot in bots if keep(bot)]


def current_bots(sb, project):
    """Every bot of the project, up to date, oldest first (decoded: the dashboard, a filtered list)."""
    with sb.bulk_work(project["id"]) as generation:
        return sb.current_bots(project, generation)


def bot_rows(sb, project):
    """The unfiltered list as `Rows`: the bots with due steps are brought up to date (the due index knows
    them), the order is the store's creation order, and only the page's bots are read."""
    with sb.bulk_work(project["id"]) as generation:
        sb.catch_up_due_bots(project, generation)
        entries = sb.store.ordered("bots", project["id"])  # (created_at, insertion number, id), oldest first
    return Rows(entries, _entry_time, lambda entry: sb.store.get("bots", entry[2]))


def _entry_time(entry):
    return entry[0]


def browse_bots(sb, project, *, state=None, search=None, page=1, size=50):
    """The dashboard's list, newest first: `{"bots", "page", "pages", "found", "counts", "in_project"}` — page
    `page` (from 1; past the last, the last) of `size` bots in `state` if given and matching `search` (a
    lower-case needle in the id, the name or the metadata) if given; how many were found; each state's count
    among the searched bots; how many the project has. Without a search, only the page's bots are read (the
    store's facts give states and order), so a page costs the same at 10 bots as at 10,000; a search reads
    every bot."""
    if search:
        every = current_bots(sb, project)
        in_project = len(every)
        bots = [bot for bot in every if _bot_matches(bot, search)]
        bots.reverse()
        counts = {}
        for bot in bots:
            counts[bot["state"]] = counts.get(bot["state"], 0) + 1
        found = [bot for bot in bots if not state or bot["state"] == state]
        load = None
    else:
        rows = bot_rows(sb, project)  # the due bots caught up first: the facts below are current
        facts = sb.store.summaries("bots", project["id"])
        in_project = len(facts)
        found = [entry for entry in reversed(rows.keys) if not state or facts[entry[2]].state == state]
        counts = sb.store.count_by("bots", project["id"])
        load = rows.load
    pages = max(1, -(-len(found) // size))
    page = min(max(1, page), pages)
    shown = found[(page - 1) * size : page * size]
    if load is not None:
        shown = [bot for bot in map(load, shown) if bot is not None]
    return {"bots": shown, "page": page, "pages": pages, "found": len(found), "counts": counts, "in_project": in_project}


def _bot_matches(bot, needle):
    if needle in bot["id"].lower() or needle in (bot.get("bot_name") or "").lower():
        return True
    metadata = bot.get("metadata")
    return bool(metadata) and needle in json.dumps(metadata, ensure_ascii=False).lower()


def patch_bot(sb, project, bot_id, body):
    """PATCH /bots/{id} (docs/contract/bots-endpoints.md#patch-bot). `body` is the changes `parse_patch_bot` validated
    (the real view reads the
    body after the bot lookup: an unknown bot is a 404 whatever the body, see the endpoint table).

    join_at, meeting_url, bot_name, bot_image and recording_settings only change while `scheduled`;
    sending the stored join_at/meeting_url/bot_name again is not a change. metadata is replaced in
    any state. A scheduled bot whose join_at or meeting_url changed gets its way in planned again.
    Returns the bot.
    """
    changes = body
    with sb.bot_unit(project, bot_id) as unit:
        now = sb.now(project)
        apply_patch(sb, unit, changes, now)
        return unit.bot


def apply_patch(sb, unit, changes, now):
    """Apply validated PATCH changes (`parse_patch_bot`) to the unit's bot by the PATCH rules
    (docs/contract/bots-endpoints.md#patch-bot), or
    raise before changing anything: the state rule, then the database error. Also the path of a calendar
    sync re-planning a linked bot (docs/contract/calendars.md#sync-and-linked-bots), which sends no webhook either."""
    bot = unit.bot
    moves_join = "join_at" in changes and to_stored(changes["join_at"]) != bot.get("join_at")
    moves_url = "meeting_url" in changes and changes["meeting_url"] != bot["meeting_url"]
    renames = "bot_name" in changes and changes["bot_name"] != bot.get("bot_name")
    always_a_change = "bot_image" in changes or "recording_settings" in changes
    scheduled_only = moves_join or moves_url or renames or always_a_change
    if scheduled_only and bot["state"] != "scheduled":
        raise AttendeeError(PATCH_ONLY_WHEN_SCHEDULED.format(state=bot["state"]))
    check_patch_bot_storage(changes)
    settings = bot.setdefault("settings", {})
    if "join_at" in changes:
        bot["join_at"] = to_stored(changes["join_at"])
    if "meeting_url" in changes:
        bot["meeting_url"] = changes["meeting_url"]
        bot["platform"] = meeting_platform(changes["meeting_url"])
    if "metadata" in changes:
        bot["metadata"] = changes["metadata"]
    if "bot_name" in changes:
        bot["bot_name"] = changes["bot_name"]
    if "bot_image" in changes:
        settings["bot_image"] = changes["bot_image"]
    if "recording_settings" in changes:
        settings["recording_settings"] = changes["recording_settings"]
        bot["recording"]["format"] = changes["recording_settings"].get("format") or "mp4"
    if bot["state"] == "scheduled" and (moves_join or moves_url):
        join_at = parse_stored_datetime(bot["join_at"])
        bot["pending_steps"] = scenarios.plan_scheduled_join(join_at, bot_model.platform_key(bot), now)
    unit.dirty = True
    return moves_join or moves_url


def delete_bot(sb, project, bot_id):
    """DELETE /bots/{id} (docs/contract/bots-endpoints.md#delete-bot): only a scheduled bot, hard-deleted; no webhook;
    its key is free again."""
    with sb.bot_unit(project, bot_id) as unit:
        if unit.bot["state"] != "scheduled":
            raise AttendeeError(DELETE_ONLY_WHEN_SCHEDULED.format(state=unit.bot["state"]))
        unit.deleted = True


def delete_data(sb, project, bot_id):
    """POST /delete_data (docs/contract/bots-endpoints.md#delete-data): from `ended` or `fatal_error` only (its own
    message, not the
    transition table's). Deletes the bot's utterances (real-time and async: one table), participants,
    their events, chat messages, the recording file and audio chunks, and the webhook delivery records
    of every trigger but bot.state_change; scrubs `remover_*` keys from event metadata and from the
    stored state-change payloads. Keeps metadata, events and the recording and transcription states.
    Then `data_deleted`, whose webhook follows."""
    with sb.bot_unit(project, bot_id) as unit:
        bot = unit.bot
        allowed, _ = lifecycle.TRANSITIONS["data_deleted"]
        if bot["state"] not in allowed:
            raise AttendeeError(DATA_DELETE_NOT_ALLOWED)
        for table in BOT_DATA_TABLES:
            for doc in sb.store.scan(table, bot["id"]):
                sb.store.delete(table, doc["id"])
        # The store indexes deliveries by bot and knows their triggers: only this bot's kept ones are decoded.
        for delivery_id in sb.store.find("deliveries", project["id"], "bot_id", bot["id"]):
            if sb.store.summary("deliveries", delivery_id).trigger != KEPT_DELIVERY_TRIGGER:
                sb.store.delete("deliveries", delivery_id)
            else:
                delivery = sb.store.get("deliveries", delivery_id)
                if _scrub_removers(delivery):
                    sb.store.put("deliveries", delivery)
        bot["recording"]["file"] = None
        bot["recording"].pop("audio_chunks", None)  # the per-speaker audio async transcriptions need
        for event in bot["events"]:
            for key in [k for k in event.get("metadata") or {} if k.startswith(REMOVER_PREFIX)]:
                del event["metadata"][key]
        unit.dirty = True
        sb.apply(unit, "data_deleted", at=sb.now(project))
        return bot


def pause_recording(sb, project, bot_id):
    """POST /pause_recording (docs/contract/bots-endpoints.md#pause-recording): only from `joined_recording`. The
    sandbox's bot obeys at once, so
    the answer is always the bot in `joined_recording_paused` (recording `paused`), never the real
    server's `Unable to pause recording` timeout."""
    with sb.bot_unit(project, bot_id) as unit:
        if unit.bot["state"] != "joined_recording":
            raise AttendeeError(CANNOT_PAUSE.format(state=unit.bot["state"]))
        sb.apply(unit, "recording_paused", at=sb.now(project))
        return unit.bot


def resume_recording(sb, project, bot_id):
    """POST /resume_recording (docs/contract/bots-endpoints.md#resume-recording): only from `joined_recording_paused`;
    answered at once, with the
    bot back in `joined_recording` (recording `in_progress`). Its message ends with a period."""
    with sb.bot_unit(project, bot_id) as unit:
        if unit.bot["state"] != "joined_recording_paused":
            raise AttendeeError(CANNOT_RESUME.format(state=unit.bot["state"]))
        sb.apply(unit, "recording_resumed", at=sb.now(project))
        return unit.bot


def _scrub_removers(value):
    """Remove `remover_*` keys from every `event_metadata` object inside `value`; True if any went."""
    removed = False
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "event_metadata" and isinstance(item, dict):
                for name in [k for k in item if k.startswith(REMOVER_PREFIX)]:
                    del item[name]
                    removed = True
            else:
                removed = _scrub_removers(item) or removed
    elif isinstance(value, list):
        for item in value:
            removed = _scrub_removers(item) or removed
    return removed
