"""Data files for the benchmark, written with the store API before the server starts.

`prepare(path, bots=N)` writes the bundled fixtures plus generated bots so that the default project holds
N bots in all. Generated bots are copies of the fixture bots (8 in 10 `ended`, the rest in every other state; none
has pending scripted steps, so a server that loads them does no catch-up work) with their own ids,
metadata and creation times, and the full `settings` a bot created through the API stores.
"""

import copy
import random
from datetime import datetime, timedelta, timezone

from sandbox import create_app
from sandbox.config import default_fixtures_dir
from sandbox.contract.datetimes import to_stored
from sandbox.domain.ids import IdFactory
from sandbox.infra.fixtures import load_fixtures
from sandbox.infra.store import TinyDBStore
from sandbox.usecases import bots

DEFAULT_PROJECT = "proj_sbx0Default00001"
CREATE_BODY = {"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Bench Bot"}


def created_bot_settings():
    """The `settings` a bot created through POST /api/v1/bots stores (or {} if create is unavailable)."""
    app = create_app({"in_memory": True, "testing": True, "background_steps": False})
    sb = app.extensions["sandbox"]
    try:
        project = sb.store.get("projects", DEFAULT_PROJECT)
        bot, _ = bots.create_bot(sb, project, dict(CREATE_BODY))
        return copy.deepcopy(bot.get("settings") or {})
    except Exception:  # noqa: BLE001 - a benchmark still runs while create is being written
        return {}
    finally:
        sb.shutdown()


def prepare(path, bots=0, *, project_webhooks=None, seed=1, in_meeting=False, ended=False):
    """Write a data file at `path`: the fixtures, plus generated bots up to `bots` in the default project.

    `in_meeting`: every generated bot is in a meeting (`joined_recording`) with a deduplication key of its
    own, as in a busy project (the server then needs a concurrency limit above `bots`). `ended`: every
    generated bot is `ended`, as in a long-lived demo project.
    Returns the ids of the generated bots (the fixture bots' ids when none are generated).
    """
    tables = load_fixtures(default_fixtures_dir())
    if project_webhooks is not None:
        for project in tables["projects"]:
            if project["id"] == DEFAULT_PROJECT:
                project["webhooks"] = project_webhooks
    templates = [bot for bot in tables["bots"] if bot["project_id"] == DEFAULT_PROJECT]
    finished = [bot for bot in templates if bot["state"] in ("ended", "fatal_error", "data_deleted")]
    ended = [bot for bot in finished if bot["state"] == "ended"]
    recording = [bot for bot in templates if bot["state"] == "joined_recording"]
    others = [bot for bot in templates if bot not in finished]
    missing = max(0, bots - len(templates))
    ids = IdFactory(seed)
    rng = random.Random(seed)
    settings = created_bot_settings() if missing else {}
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    generated = []
    for number in range(missing):
        # As in a long-lived sandbox, most bots are finished: 8 in 10 ended, 1 fatal_error or data_deleted,
        # 1 in another state (so a project of 10,000 stays under the 2,500 concurrent bots limit).
        kind = number % 10
        if in_meeting:
            template = recording[0]
        elif ended or kind < 8:
            template = ended[0]
        elif kind == 8:
            template = finished[(number // 10) % len(finished)]
        else:
            template = others[(number // 10) % len(others)]
        bot = copy.deepcopy(template)
        bot["id"] = ids.new("bot")
        bot["recording"]["id"] = ids.new("rec")
        bot["created_at"] = to_stored(start + timedelta(seconds=number))
        bot["metadata"] = {"customer_id": f"cust-{rng.randrange(10**6)}", "run": number}
        bot["deduplication_key"] = f"key-{number}" if in_meeting else None
        bot["settings"] = copy.deepcopy(settings) or bot.get("settings") or {}
        bot["pending_steps"] = []
        generated.append(bot)
    tables["bots"] = tables["bots"] + generated
    store = TinyDBStore(path)
    store.replace_all(tables)
    store.close()
    return [bot["id"] for bot in generated] or [bot["id"] for bot in templates]
