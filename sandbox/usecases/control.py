"""The sandbox's own control plane (the `/sandbox/...` endpoints), as plain use cases — no Flask here.

What the real service cannot do and a test needs:

* **Isolation.** `create_project` makes a project of its own (bots, clock, webhooks, journal, faults are
  all per project); `reset` restores the fixtures and forgets everything else.
* **Time travel, per project.** `advance_clock` moves one project's clock forward and applies, in time
  order across all its bots, every scripted step that falls due on the way, each stamped with its due
  time, sending its webhooks.
* **Driving a bot.** `inject_event` applies any bot-side event through the one state machine;
  `advance_bot` applies a bot's next pending steps now (moto's manual progression).
* **A request journal** (`RequestJournal`) of each project's `/api/v1` requests, bounded in memory.
* **Fault injection** (`FaultRegistry`): the dispatcher asks `match(project_id, method, path)` before
  any state change and answers as told.

Every input is validated here with a clear `SandboxInputError` (400 `{"error": ...}`), so the routes only
parse JSON and call these functions.
"""

import hmac
from datetime import timedelta

from sandbox.contract.datetimes import (
    parse_stored_datetime,
    to_stored,
)
from sandbox.contract.errors import SandboxInputError
from sandbox.contract.inputs import check_fields, is_int, is_number
from sandbox.contract.requests.control import MAX_ADVANCE_SECONDS, MAX_PROJECT_WEBHOOKS
from sandbox.contract.webhooks import TRIGGERS
from sandbox.domain import lifecycle
from sandbox.domain.faults import FaultRegistry
from sandbox.domain.journal import RequestJournal
from sandbox.domain.project import CAPABILITIES
from sandbox.domain.sandbox import ACTION
from sandbox.domain.scenarios import DEFAULT_SCENARIO

# Webhook triggers (docs/contract/webhooks.md#triggers) a project-level subscription may ask for.
WEBHOOK_TRIGGERS = TRIGGERS  # the webhook trigger codes (docs/contract/webhooks.md#triggers), defined once in sandbox/infra/webhooks.py
MAX_MANUAL_STEPS = 1000  # `"steps": "all"` stops here, should a scenario loop on itself



# -- small validators ----------------------------------------------------------------------------------


def check_admin(settings, header_value):
    """Sandbox-wide endpoints are open unless SANDBOX_ADMIN_TOKEN is set; then the header must match."""
    token = settings.admin_token
    if not token:
        return
    if header_value is None:
        raise SandboxInputError(
            "This endpoint acts on the whole sandbox: send the X-Sandbox-Admin-Token header "
            "(SANDBOX_ADMIN_TOKEN is set)",
            status=401,
        )
    if not hmac.compare_digest(header_value.encode(), token.encode()):
        raise SandboxInputError("Invalid X-Sandbox-Admin-Token", status=403)


# -- projects and reset -------------------------------------------------------------------------------

# The fields a create or PATCH body may set: the first four as ever (messages list them in this order), then the
# other capabilities.
PROJECT_FIELDS = (
    "name", "webhooks", "zoom_credentials", "scenario", *(name for name in CAPABILITIES if name != "zoom_credentials")
)


def _project_fields(sb, body):
    """The fields of a create or PATCH body, each checked (a SandboxInputError names the first bad one)."""
    check_fields(body, PROJECT_FIELDS)
    fields = {}
    if "name" in body:
        name = body["name"]
        if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 255):
            raise SandboxInputError("name must be a non-empty string of at most 255 characters")
        fields["name"] = name
    if "webhooks" in body:
        fields["webhooks"] = _check_project_webhooks(
            body["webhooks"], sb.settings.require_https_webhooks, sb.own_address
        )
    for name in CAPABILITIES:
        if name in body:
            if not isinstance(body[name], bool):
                raise SandboxInputError(f"{name} must be true or false")
            fields[name] = body[name]
    if "scenario" in body:
        check_scenario_name(sb, body["scenario"], "scenario")
        fields["scenario"] = body["scenario"]
    return fields


def create_project(sb, body):
    """POST /sandbox/projects: a new, empty project with its own key, secret, clock, default scenario and
    capabilities (credentials and flags, domain/project.py; each defaults to what projects always had)."""
    fields = _project_fields(sb, body)
    with sb.store.lock:
        project_id = sb.ids.new("proj")
        project = {
            "id": project_id,
            "name": fields.get("name") or project_id,
            "api_key": sb.ids.api_key(),
            "webhook_secret": sb.ids.webhook_secret(),
            **{name: fields.get(name, default) for name, (default, _) in CAPABILITIES.items()},
            "scenario": fields.get("scenario", DEFAULT_SCENARIO),
            "webhooks": fields.get("webhooks", []),
            "clock_offset_seconds": 0.0,
        }
        sb.store.put("projects", project)
    sb.projects_changed()
    return project


def update_project(sb, project, project_id, body):
    """PATCH /sandbox/projects/{id}, authenticated with that project's own key: change any of the creation
    fields of an existing project (a fixture project too); what is not sent stays. `name: null` names it
    after its id again. Returns the project. Another project's id is a 404, as if it did not exist."""
    if project["id"] != project_id:
        raise SandboxInputError("Project not found", status=404)
    fields = _project_fields(sb, body)
    if "name" in fields and fields["name"] is None:
        fields["name"] = project["id"]
    with sb.project_lock(project["id"]), sb.store.lock:
        stored = sb.store.get("projects", project["id"])  # the request's copy may be stale
        stored.update(fields)
        sb.store.put("projects", stored)
    sb.projects_changed()
    return stored


def check_scenario_name(sb, name, field_name):
    if not isinstance(name, str):
        raise SandboxInputError(f"{field_name} must be a string naming a scenario")
    if name not in sb.scenarios:
        raise SandboxInputError(f"Unknown scenario '{name}'. Known scenarios: {', '.join(sorted(sb.scenarios))}")


def _check_project_webhooks(webhooks, require_https, own_address):
    if not isinstance(webhooks, list):
        raise SandboxInputError("webhooks must be a list of {\"url\": ..., \"triggers\": [...]} objects")
    if len(webhooks) > MAX_PROJECT_WEBHOOKS:
        raise SandboxInputError(f"A project has at most {MAX_PROJECT_WEBHOOKS} webhook subscriptions")
    seen, out = set(), []
    for index, hook in enumerate(webhooks):
        where = f"webhooks[{index}]"
        if not isinstance(hook, dict):
            raise SandboxInputError(f"{where} must be an object with url and triggers")
        unknown = [key for key in hook if key not in ("url", "triggers")]
        if unknown:
            raise SandboxInputError(f"{where}: unknown field(s): {', '.join(unknown)}. Allowed fields: url, triggers")
        url = hook.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
            raise SandboxInputError(f"{where}.url must be an http:// or https:// URL")
        if require_https and not url.startswith("https://"):
            raise SandboxInputError(f"{where}.url must use https:// (SANDBOX_REQUIRE_HTTPS_WEBHOOKS is set)")
        itself = own_address.reached_by(url)
        if itself is not None:
            raise SandboxInputError(
                f"{where}.url must not point at the sandbox itself ({itself}): the sandbox never sends webhooks to itself"
            )
        if url in seen:
            raise SandboxInputError(f"{where}.url is already used by another subscription of this project")
        seen.add(url)
        triggers = hook.get("triggers")
        if not isinstance(triggers, list) or not triggers:
            raise SandboxInputError(f"{where}.triggers must be a non-empty list of trigger codes")
        for trigger in triggers:
            if trigger not in WEBHOOK_TRIGGERS:
                raise SandboxInputError(
                    f"{where}.triggers: unknown trigger {trigger!r}. Valid triggers: {', '.join(WEBHOOK_TRIGGERS)}"
                )
        out.append({"url": url, "triggers": list(dict.fromkeys(triggers))})
    return out


def reset(sb):
    """POST /sandbox/reset: the fixtures again; every other project, bot, journal entry and fault is gone."""
    sb.reset()
    return {"projects": len(sb.fixtures.get("projects", [])), "bots": len(sb.fixtures.get("bots", []))}


# -- the clock ----------------------------------------------------------------------------------------


def clock_view(sb, project):
    """The project's now and how far ahead of the wall clock it is."""
    return {"now": sb.now(project), "offset_seconds": project.get("clock_offset_seconds", 0.0)}


def advance_clock(sb, project, body):
    """POST /sandbox/clock/advance: move one project's clock forward by `seconds`.

    Every scripted step of the project's bots that falls due on the way is applied in time order (across
    bots: the earliest due step first, ties in the bots' creation order), each stamped with its due time,
    and its webhooks are handed to the outbox in that order; the project's other due work (calendar
    syncs, every 24 h of the clock and as queued; Zoom meeting-list syncs) runs in the same order
    (`Sandbox.apply_due_work`). Returns the clock view with what was `applied`, in time order: the bots'
    events (`StateChange`s) and, for each other item, its report (`{"<kind>_id": ..., ...}`); and the scripted
    actions applied (`(bot_id, action, result)`: not in the API's answer, the dashboard's toast counts them).
    """
    check_fields(body, ("seconds",), required=("seconds",))
    seconds = body["seconds"]
    if not is_number(seconds) or seconds < 0:
        raise SandboxInputError("seconds must be a number >= 0 (the clock only moves forward)")
    if seconds > MAX_ADVANCE_SECONDS:
        raise SandboxInputError(f"seconds must be at most {MAX_ADVANCE_SECONDS} (ten years)")
    # Bulk work: the project's lock throughout (its own requests wait and then see every bot advanced), the
    # store lock one step at a time (other projects' requests get in between steps).
    with sb.bulk_work(project["id"]) as generation:
        with sb.store.turn(generation):
            project = sb.store.get("projects", project["id"])  # the stored one: the request's may be stale
            project["clock_offset_seconds"] = project.get("clock_offset_seconds", 0.0) + seconds
            sb.store.put("projects", project)
            sb.projects_changed()
        target = sb.now(project)
        applied = sb.apply_due_work(project, target, generation)  # also re-indexes the other kinds of work
        sb.retrack_bots(project)  # their wall-clock due times moved with the offset
        return {
            **clock_view(sb, project),
            "events": [item for kind, item in applied if kind != ACTION],
            "actions": [item for kind, item in applied if kind == ACTION],  # not in the answer: the dashboard's toast
        }


# -- driving a bot ------------------------------------------------------------------------------------

API_ONLY_EVENTS = {
    "data_deleted": "data_deleted is created by POST /api/v1/bots/{id}/delete_data, which also deletes the "
    "bot's data: call that endpoint instead",
}


def inject_event(sb, project, bot_id, body):
    """POST /sandbox/bots/{id}/events: apply one event through the state machine, now (project clock).

    The scenario's steps that follow this event type start as they would after a real one.
    """
    check_fields(body, ("type", "sub_type", "metadata"), required=("type",))
    event_type, sub_type = body["type"], body.get("sub_type")
    if not isinstance(event_type, str):
        raise SandboxInputError("type must be a string naming an event type")
    if sub_type is not None and not isinstance(sub_type, str):
        raise SandboxInputError("sub_type must be a string or null")
    metadata = body.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise SandboxInputError("metadata must be an object")
    lifecycle.check_event_pair(event_type, sub_type)
    if event_type in API_ONLY_EVENTS:
        raise SandboxInputError(API_ONLY_EVENTS[event_type])
    with sb.bot_unit(project, bot_id) as unit:
        sb.apply(unit, event_type, sub_type, at=sb.now(project), metadata=metadata)
        return unit.bot


def advance_bot(sb, project, bot_id, body):
    """POST /sandbox/bots/{id}/advance: apply the bot's next `steps` pending steps now.

    Each applied step is stamped with the project's current time, and the steps after it move earlier by
    the same amount, so the rest of the script keeps its spacing. A step whose event the bot's state no
    longer allows is dropped, as it would be when it fell due. Returns the bot, the steps `applied` (each
    stamped `due` now, with whether it `applied`) and its `pending_steps`.
    """
    check_fields(body, ("steps",))
    steps = body.get("steps", 1)
    if steps == "all":
        steps = MAX_MANUAL_STEPS
    elif not is_int(steps) or steps < 1:
        raise SandboxInputError('steps must be a positive integer or "all"')
    applied = []
    with sb.bot_unit(project, bot_id) as unit:
        now = sb.now(project)
        bot = unit.bot
        while bot.get("pending_steps") and len(applied) < steps:
            step = bot["pending_steps"][0]
            early = parse_stored_datetime(step["due"]) - now
            if early > timedelta(0):
                for pending in bot["pending_steps"]:
                    pending["due"] = to_stored(parse_stored_datetime(pending["due"]) - early)
            before = len(unit.changes)
            sb.catch_up(unit, now, limit=1)
            applied.append({**step, "due": to_stored(now), "applied": "action" in step or len(unit.changes) > before})
        return {"bot": bot, "applied": applied, "pending_steps": bot.get("pending_steps") or []}


def bot_steps(sb, project, bot_id):
    """GET /sandbox/bots/{id}/steps: the bot's scenario and what it will do next, and when."""
    with sb.bot_unit(project, bot_id) as unit:
        bot = unit.bot
        return {"bot": bot, "scenario": sb.scenario_of(bot).name, "pending_steps": bot.get("pending_steps") or []}


def scenario_catalogue(sb):
    """GET /sandbox/scenarios: every scenario (its description, which event types start its steps)."""
    return {"default": DEFAULT_SCENARIO, "results": list(sb.scenarios.values())}


# -- path patterns (faults, journal filters) -----------------------------------------------------------


# -- the request journal -------------------------------------------------------------------------------


# -- fault injection ----------------------------------------------------------------------------------


__all__ = [
    "advance_bot",
    "advance_clock",
    "bot_steps",
    "check_admin",
    "check_fields",
    "clock_view",
    "create_project",
    "inject_event",
    "reset",
    "scenario_catalogue",
    "update_project",
    "FaultRegistry",
    "RequestJournal",
]
