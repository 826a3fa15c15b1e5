"""A bot's meeting: participants, their events, utterances, chat messages, the recording file and async
(post-meeting) transcriptions, as the real server stores and shows them (docs/contract/bots-endpoints.md#get-transcript
to #chat-messages, docs/contract/bots-endpoints.md#participant-events, docs/contract/bots-endpoints.md#participants,
docs/contract/bot-timing.md#bot-timing, docs/contract/webhooks.md#webhook-data,
11.14-11.17, 11.24-11.26).

Two layers:

* the inner layer works on an open unit of work (`sb.bot_unit`) at a given time: `participant_joins`,
  `participant_event_in`, `utterance_in`, `chat_message_in`. Scripted steps run inside a unit that is already
  open, so the scripted actions registered by `attach` call these directly (stamped with the step's due time).
* the outer layer opens the unit itself at the project's clock: `add_participant`, `participant_event`,
  `add_utterance`, `add_chat_message`, `upload_recording`; the control API (simulating a meeting) calls these.
  Each returns the stored item (with its participant: `Attributed`), or `Dropped` when the
  real server would not store it (the participant is created either way). Bad input, a bot outside the
  meeting or an unknown participant is a `SandboxInputError`.

Stored documents (tables `participants`, `participant_events`, `utterances`, `chat_messages`,
`async_transcriptions`; each with `id`, `bot_id`, `project_id`, `created_at` in the project's clock):

* participant: `uuid, user_uuid, name, is_host, is_the_bot`;
* participant event: `participant_id, event_type, event_data, timestamp_ms`;
* utterance: `participant_id, source_id, async_transcription_id (None: real-time), transcription, timestamp_ms,
  duration_ms, updated_at`;
* chat message: `participant_id, source_id, text, timestamp (epoch s), to, additional_data`;
* audio chunk: `participant_id, timestamp_ms, duration_ms, text` (per-speaker audio recorded for async
  transcription, with what a provider would hear in it);
* async transcription: `state, failure_data, settings, updated_at, complete_due, failure_reasons_due` (how it
  will end: `None` complete, else failed with those reasons).

The rules of the real server kept here: host status is read at read time (GET shows the participant's current
`is_host`, a webhook shows it as it was); utterances are kept only while the recording is `in_progress`, chat
messages also while it is `paused` with `record_chat_messages_when_paused`, and the participant is created
either way; the first saved utterance moves `transcription_state` not_started -> in_progress; an `update`
participant event changes host status and is never stored; speech events are stored only with
`record_participant_speech_start_stop_events`; the bot's own participant is in no list and fires no webhook.

No Flask here: the web layer parses requests and serializes what these return with the schemas the endpoint
table names (sandbox/contract/endpoints.py).
"""

from pathlib import Path

from sandbox.contract.datetimes import (
    epoch_ms,
    parse_filter_datetime,
    parse_stored_datetime,
    to_stored,
)
from sandbox.contract.errors import AttendeeError, SandboxInputError
from sandbox.contract.jsonb import jsonb_order
from sandbox.contract.responses import CHAT_MESSAGE, PARTICIPANT_EVENT, Attributed, Dropped
from sandbox.domain import bot as bot_model
from sandbox.domain import lifecycle, scenarios
from sandbox.domain.project import capability
from sandbox.infra import media

PARTICIPANTS = "participants"
PARTICIPANT_EVENTS = "participant_events"
UTTERANCES = "utterances"
CHAT_MESSAGES = "chat_messages"
ASYNC_TRANSCRIPTIONS = "async_transcriptions"
AUDIO_CHUNKS = "audio_chunks"

#: Event types a participant event may have; `update` is never stored
# (docs/contract/bots-endpoints.md#participant-events).
PARTICIPANT_EVENT_TYPES = ("join", "leave", "speech_start", "speech_stop", "update")
SPEECH_EVENT_TYPES = ("speech_start", "speech_stop")
CHAT_TO = ("everyone", "only_bot")

#: States in which the bot's process is in the meeting and can see participants, speech and chat.
IN_MEETING_STATES = lifecycle.JOINED_STATES + (
    "joining_breakout_room",
    "leaving_breakout_room",
    "leaving",
    "post_processing",
)

#: How long an audio chunk lasts when the control plane does not say.
DEFAULT_AUDIO_CHUNK_MS = 1000
#: An async transcription without the project's transcription credentials (the failure reasons of docs/contract/state-machine.md#recording-states).
NO_CREDENTIALS = "credentials_not_found"
#: Epoch times the control plane accepts: what fits the real server's bigint columns, in ms and in seconds.
MAX_EPOCH_MS = 2**63 - 1
MAX_EPOCH_SECONDS = MAX_EPOCH_MS // 1000

#: `MAX_ASYNC_TRANSCRIPTIONS_PER_RECORDING` of the real server
# (docs/contract/bots-endpoints.md#create-async-transcription check 7).
MAX_ASYNC_TRANSCRIPTIONS = 4
#: How long an async transcription stays `in_progress` (docs/contract/bots-endpoints.md#async-transcription-response);
# a step name for the `step_delays` setting.
ASYNC_COMPLETION_ACTION = "async_transcription_completes"
ASYNC_TRANSCRIPTION_SECONDS = 60

#: Real Zoom participant ids are numbers like 16778240 (2^24 + 1024): default uuids follow that pattern.
_ZOOM_UUID_BASE = 1 << 24
_ZOOM_UUID_STEP = 1024



# ------------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------------


def _table_docs(sb, table, bot_id):
    return sb.store.scan(table, bot_id)


def _sorted_by_created(docs):
    return sorted(docs, key=lambda doc: parse_stored_datetime(doc["created_at"]))


def _new_doc(unit, prefix, at, **fields):
    return {
        "id": unit.sandbox.ids.new(prefix),
        "bot_id": unit.bot["id"],
        "project_id": unit.project["id"],
        "created_at": to_stored(at),
        **fields,
    }


# ------------------------------------------------------------------------------------------------------
# What webhooks carry (docs/contract/webhooks.md#webhook-data, JSONB key order); the API's objects are the schemas of
# sandbox/contract/responses.py
# ------------------------------------------------------------------------------------------------------


def transcript_update_data(utterance, participant):
    """`transcript.update` (docs/contract/webhooks.md#webhook-data): the transcription holds only `transcript`
    (docs/contract/docs-vs-server.md#transcript-update-words)."""
    transcription = utterance.get("transcription")
    return jsonb_order(
        {
            "speaker_name": participant.get("name"),
            "speaker_uuid": participant["uuid"],
            "speaker_user_uuid": participant.get("user_uuid"),
            "speaker_is_host": bool(participant.get("is_host")),
            "timestamp_ms": utterance["timestamp_ms"],
            "duration_ms": utterance["duration_ms"],
            "transcription": {"transcript": transcription.get("transcript")} if transcription else None,
        }
    )


def async_transcription_data(transcription):
    """`async_transcription.state_change` (docs/contract/webhooks.md#webhook-data)."""
    return jsonb_order(
        {"state": transcription["state"], "id": transcription["id"], "failure_data": transcription.get("failure_data")}
    )


# ------------------------------------------------------------------------------------------------------
# Participants
# ------------------------------------------------------------------------------------------------------


def find_participant(sb, bot_id, uuid):
    for participant in _table_docs(sb, PARTICIPANTS, bot_id):
        if participant["uuid"] == uuid:
            return participant
    return None


def _participants_by_id(sb, bot_id):
    return {p["id"]: p for p in _table_docs(sb, PARTICIPANTS, bot_id)}


def default_participant_uuid(sb, bot):
    """A numeric uuid like the real Zoom ones (16778240, 16779264, ...), unused in this bot's meeting:
    neither by a participant already there nor by one its scenario will bring in later."""
    used = {p["uuid"] for p in _table_docs(sb, PARTICIPANTS, bot["id"])}
    used |= {str(step["uuid"]) for step in bot.get("pending_steps", []) if step.get("action") == "participant_joins"}
    n = len(used) + 1
    while str(_ZOOM_UUID_BASE + _ZOOM_UUID_STEP * n) in used:
        n += 1
    return str(_ZOOM_UUID_BASE + _ZOOM_UUID_STEP * n)


def _get_or_create_participant(unit, at, uuid, *, name=None, user_uuid=None, is_host=False, is_the_bot=False):
    """`Participant.objects.get_or_create(bot, uuid, defaults=...)`: an existing participant keeps its data."""
    sb = unit.sandbox
    participant = find_participant(sb, unit.bot["id"], uuid)
    if participant is not None:
        return participant
    participant = _new_doc(
        unit,
        "par",
        at,
        uuid=uuid,
        user_uuid=user_uuid,
        name=name,
        is_host=bool(is_host),
        is_the_bot=bool(is_the_bot),
    )
    sb.store.put(PARTICIPANTS, participant)
    return participant


def participant_joins(
    unit, at, *, name, uuid=None, user_uuid=None, is_host=False, is_the_bot=False, timestamp_ms=None
):
    """A participant joins (inner layer): get or create the participant, store a `join` event stamped
    `timestamp_ms` (the platform's time; default `at`), fire `participant_events.join_leave` (not for the
    bot itself, which no list shows either). Returns the participant."""
    uuid = str(uuid) if uuid is not None else default_participant_uuid(unit.sandbox, unit.bot)
    participant = _get_or_create_participant(
        unit, at, uuid, name=name, user_uuid=user_uuid, is_host=is_host, is_the_bot=is_the_bot
    )
    _store_participant_event(unit, at, participant, "join", {}, timestamp_ms)
    return participant


def participant_event_in(unit, at, uuid, *, event_type, event_data=None, timestamp_ms=None):
    """A participant event (inner layer). Returns the stored event (`Attributed`); for `update`, the
    participant; `Dropped` when speech events are not recorded; None for an unknown participant."""
    event_data = dict(event_data or {})
    participant = find_participant(unit.sandbox, unit.bot["id"], str(uuid))
    if participant is None:
        return None  # the real bot ignores events of participants its adapter does not know
    if event_type == "update":
        is_host = event_data.get("isHost")
        if isinstance(is_host, dict) and "after" in is_host:
            participant["is_host"] = bool(is_host["after"])
            unit.sandbox.store.put(PARTICIPANTS, participant)
        return participant
    if event_type in SPEECH_EVENT_TYPES and not bot_model.setting(unit.bot, "recording_settings").get(
        "record_participant_speech_start_stop_events"
    ):
        return Dropped("recording_settings.record_participant_speech_start_stop_events is off", participant)
    event = _store_participant_event(unit, at, participant, event_type, event_data, timestamp_ms)
    return Attributed(event, participant)


def _store_participant_event(unit, at, participant, event_type, event_data, timestamp_ms=None):
    event = _new_doc(
        unit,
        "pe",
        at,
        participant_id=participant["id"],
        event_type=event_type,
        event_data=event_data,
        timestamp_ms=int(timestamp_ms) if timestamp_ms is not None else epoch_ms(at),
    )
    unit.sandbox.store.put(PARTICIPANT_EVENTS, event)
    if not participant.get("is_the_bot"):
        trigger = (
            "participant_events.speech_start_stop"
            if event_type in SPEECH_EVENT_TYPES
            else "participant_events.join_leave"
        )
        unit.emit(trigger, jsonb_order(PARTICIPANT_EVENT.dump(Attributed(event, participant))))
    return event


# ------------------------------------------------------------------------------------------------------
# Utterances and chat messages
# ------------------------------------------------------------------------------------------------------


def utterance_in(unit, at, *, speaker_uuid, text, duration_ms, timestamp_ms=None, source_id=None):
    """An utterance (inner layer). The speaker is created if unknown; the utterance is kept only while the
    recording is in progress (docs/contract/bots-endpoints.md#data-outside-recording). A known `source_id` updates that
    utterance in place (docs/contract/bots-endpoints.md#utterance-resave). Fires
    `transcript.update`, even for empty text (docs/contract/bots-endpoints.md#empty-utterances). Returns the utterance
    (`Attributed`), or `Dropped`."""
    sb, bot = unit.sandbox, unit.bot
    participant = _get_or_create_participant(unit, at, str(speaker_uuid))
    recording = bot.get("recording") or {}
    if recording.get("state") != "in_progress":
        return Dropped(f"no recording is in progress (recording_state {recording.get('state')})", participant)
    duration_ms = int(duration_ms)
    existing = None
    if source_id is not None:
        existing = next(
            (
                u
                for u in _table_docs(sb, UTTERANCES, bot["id"])
                if u.get("source_id") == source_id and u.get("async_transcription_id") is None
            ),
            None,
        )
    if existing is not None:
        utterance = existing
        utterance.update(
            participant_id=participant["id"],
            transcription={"transcript": text},
            duration_ms=duration_ms,
            updated_at=to_stored(at),
        )
        if timestamp_ms is not None:
            utterance["timestamp_ms"] = int(timestamp_ms)
    else:
        start_ms = int(timestamp_ms) if timestamp_ms is not None else epoch_ms(at) - duration_ms
        utterance = _new_doc(
            unit,
            "utt",
            at,
            participant_id=participant["id"],
            source_id=source_id,
            async_transcription_id=None,
            transcription={"transcript": text},
            timestamp_ms=start_ms,
            duration_ms=duration_ms,
            updated_at=to_stored(at),
        )
    sb.store.put(UTTERANCES, utterance)
    unit.emit("transcript.update", transcript_update_data(utterance, participant))
    if recording.get("transcription_state") == "not_started":
        recording["transcription_state"] = "in_progress"  # docs/contract/state-machine.md#recording-states: the first utterance saved while recording
    if bot_model.setting(bot, "recording_settings").get("record_async_transcription_audio_chunks"):
        recording["audio_chunks"] = True  # the per-speaker audio an async transcription needs (docs/contract/bots-endpoints.md#create-async-transcription check 6)
    unit.dirty = True
    return Attributed(utterance, participant)


def chat_message_in(
    unit, at, *, sender_uuid, text, to="everyone", additional_data=None, source_id=None, timestamp=None
):
    """A chat message the bot received (inner layer), sent at `timestamp` (epoch seconds, as the platform
    reports it; default `at`). The sender is created if unknown; the message is kept only while the recording
    is in progress, or paused with `record_chat_messages_when_paused` (docs/contract/bots-endpoints.md#chat-messages,
    docs/contract/bots-endpoints.md#data-outside-recording). A known `source_id`
    updates that message. Fires `chat_messages.update`. Returns the message (`Attributed`), or `Dropped`."""
    sb, bot = unit.sandbox, unit.bot
    participant = _get_or_create_participant(unit, at, str(sender_uuid))
    state = (bot.get("recording") or {}).get("state")
    when_paused = bot_model.setting(bot, "recording_settings").get("record_chat_messages_when_paused")
    if not (state == "in_progress" or (state == "paused" and when_paused)):
        reason = f"no recording is in progress (recording_state {state})"
        if state == "paused":
            reason += " and recording_settings.record_chat_messages_when_paused is off"
        return Dropped(reason, participant)
    existing = None
    if source_id is not None:
        existing = next((m for m in _table_docs(sb, CHAT_MESSAGES, bot["id"]) if m.get("source_id") == source_id), None)
    fields = {
        "participant_id": participant["id"],
        "text": text,
        "timestamp": int(at.timestamp()) if timestamp is None else int(timestamp),
        "to": to,
        "additional_data": dict(additional_data or {}),
    }
    if existing is not None:
        message = {**existing, **fields}
    else:
        message = _new_doc(unit, "msg", at, source_id=source_id, **fields)
    sb.store.put(CHAT_MESSAGES, message)
    row = Attributed(message, participant)
    unit.emit("chat_messages.update", jsonb_order(CHAT_MESSAGE.dump(row)))
    return row



def audio_chunk_in(unit, at, *, speaker_uuid, timestamp_ms=None, duration_ms=None, text=None):
    """Per-speaker audio the bot recorded (inner layer), with no utterance: a bot recording with real-time
    transcription off. The real bot keeps it only with `record_async_transcription_audio_chunks` and while the
    recording is in progress; the speaker is created either way. An async transcription made later has one
    utterance per chunk, whose transcript is `text` (what the provider would hear; `""` if not given).
    Returns the chunk (`Attributed`), or `Dropped`."""
    sb, bot = unit.sandbox, unit.bot
    participant = _get_or_create_participant(unit, at, str(speaker_uuid))
    if not bot_model.setting(bot, "recording_settings").get("record_async_transcription_audio_chunks"):
        return Dropped("recording_settings.record_async_transcription_audio_chunks is off", participant)
    recording = bot.get("recording") or {}
    if recording.get("state") != "in_progress":
        return Dropped(f"no recording is in progress (recording_state {recording.get('state')})", participant)
    duration_ms = DEFAULT_AUDIO_CHUNK_MS if duration_ms is None else int(duration_ms)
    start_ms = int(timestamp_ms) if timestamp_ms is not None else epoch_ms(at) - duration_ms
    chunk = _new_doc(
        unit, "chk", at, participant_id=participant["id"], timestamp_ms=start_ms, duration_ms=duration_ms, text=text
    )
    sb.store.put(AUDIO_CHUNKS, chunk)
    recording["audio_chunks"] = True  # the per-speaker audio an async transcription needs (docs/contract/bots-endpoints.md#create-async-transcription check 6)
    unit.dirty = True
    return Attributed(chunk, participant)


# ------------------------------------------------------------------------------------------------------
# The outer layer: the control API's and the tests' entry points
# ------------------------------------------------------------------------------------------------------


def _require_in_meeting(unit):
    state = unit.bot["state"]
    if state not in IN_MEETING_STATES:
        raise SandboxInputError(
            f"Bot is in state {state}: meeting activity can only be simulated while the bot is in the meeting "
            f"({', '.join(IN_MEETING_STATES)})"
        )


def _in_meeting(sb, project, bot_id, record, *args, **fields):
    """Apply one piece of simulated meeting activity (`record(unit, now, *args, **fields)`, a domain function)
    to a bot in the meeting, in one unit of work; refused while the bot is not in the meeting."""
    with sb.bot_unit(project, bot_id) as unit:
        _require_in_meeting(unit)
        return record(unit, sb.now(project), *args, **fields)


def _require_text(value, name, *, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise SandboxInputError(f"{name} must be a string")
    return value


def _require_int(value, name, *, allow_none=False, minimum=None):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SandboxInputError(f"{name} must be an integer")
    if minimum is not None and value < minimum:
        raise SandboxInputError(f"{name} must be at least {minimum}")
    return value


def _require_uuid(value, name, *, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise SandboxInputError(f"{name} must be a non-empty string")
    return str(value)


def _require_epoch(value, name, maximum):
    """An optional epoch time (`None`: now): an integer from 0 to `maximum` (milliseconds or seconds)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        unit = "milliseconds" if maximum == MAX_EPOCH_MS else "seconds"
        raise SandboxInputError(f"{name} must be an integer from 0 to {maximum} (epoch {unit})")
    return value


def _require_bool(value, name):
    if not isinstance(value, bool):
        raise SandboxInputError(f"{name} must be true or false")
    return value


def _require_object(value, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SandboxInputError(f"{name} must be an object")
    return value


def add_participant(
    sb, project, bot_id, *, name, uuid=None, user_uuid=None, is_host=False, is_the_bot=False, timestamp_ms=None
):
    """A participant joins the bot's meeting now (a `join` participant event, stamped `timestamp_ms` as the
    platform reports it). An existing uuid re-joins and keeps its name and host status (use an `update` event
    to change those). `is_the_bot`: the bot's own participant, stored but in no list and in no webhook."""
    _require_text(name, "name", allow_none=True)
    uuid = _require_uuid(uuid, "uuid", allow_none=True)
    _require_text(user_uuid, "user_uuid", allow_none=True)
    _require_bool(is_host, "is_host")
    _require_bool(is_the_bot, "is_the_bot")
    _require_epoch(timestamp_ms, "timestamp_ms", MAX_EPOCH_MS)
    return _in_meeting(
        sb, project, bot_id, participant_joins,
        name=name, uuid=uuid, user_uuid=user_uuid, is_host=is_host, is_the_bot=is_the_bot, timestamp_ms=timestamp_ms,
    )


def participant_event(sb, project, bot_id, uuid, *, event_type, event_data=None, timestamp_ms=None):
    """An event of a participant already in the meeting: `join`, `leave`, `speech_start`, `speech_stop` or
    `update` (`{"isHost": {"before": .., "after": ..}}` changes host status; never stored, docs/contract/bots-endpoints.md#participant-events)."""
    if event_type not in PARTICIPANT_EVENT_TYPES:
        raise SandboxInputError(
            f"Invalid event_type: {event_type}. Valid event types are: {', '.join(PARTICIPANT_EVENT_TYPES)}"
        )
    event_data = _require_object(event_data, "event_data")
    _require_int(timestamp_ms, "timestamp_ms", allow_none=True)
    with sb.bot_unit(project, bot_id) as unit:
        _require_in_meeting(unit)
        if find_participant(sb, bot_id, str(uuid)) is None:
            raise SandboxInputError(f"No participant with uuid {uuid} in this bot's meeting", status=404)
        return participant_event_in(
            unit, sb.now(project), uuid, event_type=event_type, event_data=event_data, timestamp_ms=timestamp_ms
        )


def add_utterance(sb, project, bot_id, *, speaker_uuid, text, duration_ms, timestamp_ms=None, source_id=None):
    """The speaker says `text` now (a closed caption); dropped when the recording is not in progress."""
    speaker_uuid = _require_uuid(speaker_uuid, "speaker_uuid")
    _require_text(text, "text")
    _require_int(duration_ms, "duration_ms", minimum=0)
    _require_int(timestamp_ms, "timestamp_ms", allow_none=True)
    _require_text(source_id, "source_id", allow_none=True)
    return _in_meeting(
        sb, project, bot_id, utterance_in,
        speaker_uuid=speaker_uuid, text=text, duration_ms=duration_ms, timestamp_ms=timestamp_ms, source_id=source_id,
    )


def add_chat_message(
    sb, project, bot_id, *, sender_uuid, text, to="everyone", additional_data=None, source_id=None, timestamp=None
):
    """A participant writes in the meeting chat now (`to`: `everyone` or `only_bot`); `timestamp` is the
    platform's time of the message in epoch seconds (default: now), `timestamp_ms` that times 1000."""
    _require_epoch(timestamp, "timestamp", MAX_EPOCH_SECONDS)
    sender_uuid = _require_uuid(sender_uuid, "sender_uuid")
    _require_text(text, "text")
    if to not in CHAT_TO:
        raise SandboxInputError(f"Invalid to: {to}. Valid values are: {', '.join(CHAT_TO)}")
    additional_data = _require_object(additional_data, "additional_data")
    _require_text(source_id, "source_id", allow_none=True)
    return _in_meeting(
        sb, project, bot_id, chat_message_in,
        sender_uuid=sender_uuid, text=text, to=to, additional_data=additional_data, source_id=source_id,
        timestamp=timestamp,
    )


def add_audio_chunk(sb, project, bot_id, *, speaker_uuid, timestamp_ms, duration_ms=None, text=None):
    """The bot records `duration_ms` of the speaker's audio from `timestamp_ms`, with no utterance (real-time
    transcription off); an async transcription can then be created from it."""
    speaker_uuid = _require_uuid(speaker_uuid, "speaker_uuid")
    _require_epoch(timestamp_ms, "timestamp_ms", MAX_EPOCH_MS)
    if timestamp_ms is None:
        raise SandboxInputError(f"timestamp_ms must be an integer from 0 to {MAX_EPOCH_MS} (epoch milliseconds)")
    _require_int(duration_ms, "duration_ms", allow_none=True, minimum=0)
    _require_text(text, "text", allow_none=True)
    return _in_meeting(
        sb, project, bot_id, audio_chunk_in,
        speaker_uuid=speaker_uuid, timestamp_ms=timestamp_ms, duration_ms=duration_ms, text=text,
    )


UNSET = object()


def upload_recording(sb, project, bot_id, *, start_timestamp_ms=UNSET):
    """The bot uploads its recording file now (the scripted action `upload_recording`): from now on GET
    /recording answers a URL. `start_timestamp_ms` is the first media buffer's epoch time; `None` when it was
    never recorded (GET /recording then shows `null`, docs/contract/bots-endpoints.md#get-recording); not given: when the bot started recording, or now.
    Returns the file `{"uploaded_at", "start_timestamp_ms"}` (the one already there, if any); a bot with
    nothing to upload (format `none`, never recorded) is a SandboxInputError."""
    if start_timestamp_ms is not UNSET:
        _require_epoch(start_timestamp_ms, "start_timestamp_ms", MAX_EPOCH_MS)
    with sb.bot_unit(project, bot_id) as unit:
        if unit.bot["state"] == "data_deleted":
            raise SandboxInputError("The bot has no recording file to upload: its data was deleted")
        step = {} if start_timestamp_ms is UNSET else {"start_timestamp_ms": start_timestamp_ms}
        sb.actions["upload_recording"](unit, step, sb.now(project))
        recording = unit.bot.get("recording") or {}
        if not recording.get("file"):
            reason = "its recording format is none" if recording.get("format") == "none" else "it never recorded"
            raise SandboxInputError(f"The bot has no recording file to upload: {reason}")
        return dict(recording["file"])


# ------------------------------------------------------------------------------------------------------
# Reading (GET endpoints): each opens the bot's unit (Bot 404, scripted steps brought up to date)
# ------------------------------------------------------------------------------------------------------


def _require_recording(bot):
    if not bot.get("recording"):
        raise AttendeeError("No recording found for bot", status=404)
    return bot["recording"]


def list_participants(sb, project, bot_id, *, is_host=None, participant_id=None):
    """GET /participants (docs/contract/bots-endpoints.md#participants): the bot's participants but the bot, oldest
    first.

    `is_host` is the raw query value (None when absent): `true`/`false` in any case, else a 400.
    """
    with sb.bot_unit(project, bot_id):  # Bot 404; due scripted steps applied
        host_filter = None
        if is_host is not None:
            value = str(is_host).strip().lower()
            if value not in ("true", "false"):
                raise AttendeeError("Invalid is_host value. Use true or false.")
            host_filter = value == "true"
        rows = []
        for participant in _sorted_by_created(_table_docs(sb, PARTICIPANTS, bot_id)):
            if participant.get("is_the_bot"):
                continue
            if host_filter is not None and bool(participant.get("is_host")) != host_filter:
                continue
            if participant_id and participant["id"] != participant_id:
                continue
            rows.append(participant)
        return rows


def list_participant_events(sb, project, bot_id, *, after=None, before=None):
    """GET /participant_events (docs/contract/bots-endpoints.md#participant-events): events of participants but the
    bot, oldest first, `after`/`before`
    strictly on `created_at` (raw query values). Returns `Attributed` events."""
    with sb.bot_unit(project, bot_id):  # Bot 404; due scripted steps applied
        after_at = parse_filter_datetime("after", after)
        before_at = parse_filter_datetime("before", before)
        participants = _participants_by_id(sb, bot_id)
        rows = []
        for event in _sorted_by_created(_table_docs(sb, PARTICIPANT_EVENTS, bot_id)):
            participant = participants.get(event["participant_id"])
            if participant is None or participant.get("is_the_bot"):
                continue
            created = parse_stored_datetime(event["created_at"])
            if after_at is not None and not created > after_at:
                continue
            if before_at is not None and not created < before_at:
                continue
            rows.append(Attributed(event, participant))
        return rows


def list_chat_messages(sb, project, bot_id, *, updated_after=None):
    """GET /chat_messages (docs/contract/bots-endpoints.md#chat-messages): oldest first; `updated_after` filters on
    `created_at`, strictly (docs/contract/docs-vs-server.md#chat-updated-after)."""
    with sb.bot_unit(project, bot_id):  # Bot 404; due scripted steps applied
        after_at = parse_filter_datetime("updated_after", updated_after)
        participants = _participants_by_id(sb, bot_id)
        rows = []
        for message in _sorted_by_created(_table_docs(sb, CHAT_MESSAGES, bot_id)):
            participant = participants.get(message["participant_id"])
            if participant is None:
                continue
            if after_at is not None and not parse_stored_datetime(message["created_at"]) > after_at:
                continue
            rows.append(Attributed(message, participant))
        return rows


def get_transcript(sb, project, bot_id, *, updated_after=None, async_transcription_id=None):
    """GET /transcript (docs/contract/bots-endpoints.md#get-transcript): a plain list of utterances with text, sorted
    by `timestamp_ms`.

    Checks in the real view's order: Bot 404, recording 404, the async transcription (404 unknown, 400 not
    complete), then `updated_after` (on `updated_at`, strictly). The real `split_on_turns=true` re-splits by word
    timings and changes nothing when an utterance has no `words`; the sandbox's utterances (closed captions)
    never have any, so the parameter is accepted and has no effect.
    """
    with sb.bot_unit(project, bot_id) as unit:
        _require_recording(unit.bot)
        async_id = None
        if async_transcription_id:
            transcription = _find_async(unit, async_transcription_id)
            if transcription["state"] != "complete":
                raise AttendeeError(
                    f"Async transcription {transcription['id']} is not complete. "
                    f"It is in state {transcription['state']}"
                )
            async_id = transcription["id"]
        after_at = parse_filter_datetime("updated_after", updated_after)
        participants = _participants_by_id(sb, bot_id)
        utterances = [
            u
            for u in _table_docs(sb, UTTERANCES, bot_id)
            if u.get("async_transcription_id") == async_id and u.get("transcription") is not None
        ]
        if after_at is not None:
            utterances = [u for u in utterances if parse_stored_datetime(u["updated_at"]) > after_at]
        utterances.sort(key=lambda u: u["timestamp_ms"])
        items = []
        for utterance in utterances:
            participant = participants.get(utterance["participant_id"])
            if participant is None or not utterance["transcription"].get("transcript", ""):
                continue
            items.append(Attributed(utterance, participant))
        return items


def delete_transcript(sb, project, bot_id, *, async_transcription_id=None):
    """DELETE /transcript (docs/contract/bots-endpoints.md#delete-transcript): the real-time utterances, or those of
    one async transcription (docs/contract/bots-endpoints.md#delete-transcript-in-progress,
    docs/contract/bots-endpoints.md#failed-async-transcription)."""
    with sb.bot_unit(project, bot_id) as unit:
        _require_recording(unit.bot)
        transcription = _find_async(unit, async_transcription_id) if async_transcription_id else None
        async_id = transcription["id"] if transcription else None
        for utterance in _table_docs(sb, UTTERANCES, bot_id):
            if utterance.get("async_transcription_id") == async_id:
                sb.store.delete(UTTERANCES, utterance["id"])
        if transcription is not None and transcription["state"] == "in_progress":
            # docs/contract/bots-endpoints.md#delete-transcript-in-progress: with its (failed) utterances gone, nothing is left to fail: it ends complete.
            transcription["failure_reasons_due"] = None
            sb.store.put(ASYNC_TRANSCRIPTIONS, transcription)


# ------------------------------------------------------------------------------------------------------
# The recording file and its signed URL (docs/contract/bots-endpoints.md#get-recording)
# ------------------------------------------------------------------------------------------------------


def recording_url(sb, project, bot_id, request):
    """GET /recording (docs/contract/bots-endpoints.md#get-recording): `{"url", "start_timestamp_ms"}` with a new URL
    on every call, valid 1800 s, at
    the sandbox's public URL (`request.public_url`: SANDBOX_PUBLIC_URL, else the request's allowed host)."""
    with sb.bot_unit(project, bot_id) as unit:
        recording = _require_recording(unit.bot)
        file = recording.get("file")
        fmt = recording.get("format") or "mp4"
        if not file or fmt not in media.MEDIA_TYPES:
            raise AttendeeError("No recording file found for bot", status=404)
        url = media.sign_recording_url(
            request.public_url, unit.bot["id"], recording["id"], fmt, sb.now(project), sb.media_key
        )
        return {"url": url, "start_timestamp_ms": file.get("start_timestamp_ms")}


class MediaNotFound(Exception):
    """A correctly signed URL whose file is gone (deleted data, deleted bot)."""


def open_recording_media(sb, path, query):
    """The file behind a signed recording URL: `(file path, media type)`.

    Raises `media.MediaUrlRefused` (tampered, malformed or expired URL) or `MediaNotFound`. The expiry is
    checked against the clock of the bot's project (time travel moves it), or the wall clock if the bot is gone.
    """
    now = sb.clock.wall_now()
    with sb.store.lock:
        file_name = (path or "").rpartition("/")[2]
        bot = sb.store.get("bots", file_name.partition("-")[0]) if "-" in file_name else None
        project = sb.store.get("projects", bot["project_id"]) if bot else None
        if project is not None:
            now = sb.now(project)
        bot_id, recording_id, fmt = media.verify_recording_url(path, query, now, sb.media_key)
        recording = (bot or {}).get("recording") or {}
        if bot is None or recording.get("id") != recording_id or not recording.get("file"):
            raise MediaNotFound(f"{bot_id}-{recording_id}.{fmt}")
    return media_file_path(sb, fmt), media.MEDIA_TYPES[fmt]


def media_file_path(sb, fmt):
    """The bundled recording file: `<fixtures>/media/recording.<fmt>`, or the packaged one if that folder has
    none (a custom fixtures folder without media)."""
    from sandbox.config import default_fixtures_dir

    path = media.media_file_path(fmt, Path(sb.settings.fixtures_dir) / "media")
    if not path.is_file():
        path = media.media_file_path(fmt, default_fixtures_dir() / "media")
    return path


# ------------------------------------------------------------------------------------------------------
# Async (post-meeting) transcription (docs/contract/bots-endpoints.md#create-async-transcription,
# docs/contract/bot-timing.md#bot-timing, docs/contract/bots-endpoints.md#async-transcription-response to
# #failed-async-transcription)
# ------------------------------------------------------------------------------------------------------


def async_transcription_enabled(project):
    """The real server's organization flag; the sandbox enables it unless the project says `false`."""
    return capability(project, "async_transcription")


def _find_async(unit, transcription_id):
    transcription = unit.sandbox.store.get(ASYNC_TRANSCRIPTIONS, str(transcription_id))
    if transcription is None or transcription["bot_id"] != unit.bot["id"]:
        raise AttendeeError("Async Transcription not found", status=404)
    return _settle_async(unit, transcription, unit.sandbox.now(unit.project))


def _settle_async(unit, transcription, now):
    """Complete an in-progress transcription whose time has come (at its due time), if no step did yet."""
    due = transcription.get("complete_due")
    if transcription["state"] == "in_progress" and due and parse_stored_datetime(due) <= now:
        return _finish_async(unit, transcription, parse_stored_datetime(due), transcription.get("failure_reasons_due"))
    return transcription


def _finish_async(unit, transcription, at, failure_reasons=None):
    if transcription["state"] not in ("not_started", "in_progress"):
        return transcription
    transcription["state"] = "failed" if failure_reasons else "complete"
    transcription["failure_data"] = {"failure_reasons": list(failure_reasons)} if failure_reasons else None
    transcription["updated_at"] = to_stored(at)
    unit.sandbox.store.put(ASYNC_TRANSCRIPTIONS, transcription)
    unit.emit("async_transcription.state_change", async_transcription_data(transcription))
    return transcription


def _async_completes(unit, step, at):
    """Scripted action: the transcription task's last check, at its due time: complete, or failed with the
    reasons its utterances failed for (no transcription credentials)."""
    transcription = unit.sandbox.store.get(ASYNC_TRANSCRIPTIONS, step.get("transcription_id", ""))
    if transcription is not None and transcription["bot_id"] == unit.bot["id"]:
        _finish_async(unit, transcription, at, transcription.get("failure_reasons_due"))


def create_async_transcription(sb, project, bot_id, body):
    """POST /transcript (docs/contract/bots-endpoints.md#create-async-transcription), checks in the real view's order;
    the body (a `Body` of
    `parse_async_transcription`) is refused only at check 8, where the real view reads it
    (docs/contract/conventions.md#body-parsing). Returns the new
    transcription as it was created (`not_started`); it then moves to `in_progress` at once (webhook) and, 60 s
    later (webhook), to `complete`, or to `failed` with `credentials_not_found` when the project has no
    transcription credentials (docs/contract/bots-endpoints.md#async-transcription-response). Its utterances, made when
    it starts, are a copy of the real-time ones
    and one per audio chunk recorded without an utterance."""
    with sb.bot_unit(project, bot_id) as unit:
        bot = unit.bot
        if not async_transcription_enabled(project):
            raise AttendeeError("Async transcription is not enabled for your account.")
        if not bot_model.setting(bot, "recording_settings").get("record_async_transcription_audio_chunks"):
            raise AttendeeError(
                "Cannot generate async transcription because you did not enable "
                "recording_settings.record_async_transcription_audio_chunks when you created the bot."
            )
        if bot["state"] != "ended":
            raise AttendeeError(
                f"Cannot create async transcription because bot is not in state ended. It is in state {bot['state']}"
            )
        recording = _require_recording(bot)
        if not recording.get("audio_chunks"):
            raise AttendeeError(
                "Cannot create async transcription because the per-speaker audio data has been deleted or was "
                "never created."
            )
        if sb.store.count(ASYNC_TRANSCRIPTIONS, bot["id"]) >= MAX_ASYNC_TRANSCRIPTIONS:
            raise AttendeeError(
                f"You cannot have more than {MAX_ASYNC_TRANSCRIPTIONS} async transcriptions per bot."
            )
        settings = body.validated()

        at = sb.now(project)
        transcription = _new_doc(
            unit, "tran", at, state="not_started", failure_data=None, settings=settings, updated_at=to_stored(at)
        )
        created = dict(transcription)  # the answer shows it as created: `not_started`

        # The task starts at once: in_progress, with the real-time utterances copied as its own.
        completion = {
            "after": ASYNC_TRANSCRIPTION_SECONDS,
            "action": ASYNC_COMPLETION_ACTION,
            "transcription_id": transcription["id"],
        }
        [step] = scenarios.plan([completion], at, sb.settings.step_delays)
        failure = None if capability(project, "transcription_credentials") else [NO_CREDENTIALS]
        transcription.update(state="in_progress", complete_due=step["due"], failure_reasons_due=failure)
        sb.store.put(ASYNC_TRANSCRIPTIONS, transcription)
        unit.emit("async_transcription.state_change", async_transcription_data(transcription))

        def transcribe(source, text):
            """The async transcription's utterance of what `source` (an utterance or an audio chunk) said."""
            sb.store.put(UTTERANCES, _new_doc(
                unit,
                "utt",
                at,
                participant_id=source["participant_id"],
                source_id=None,
                async_transcription_id=transcription["id"],
                transcription={"transcript": text},
                timestamp_ms=source["timestamp_ms"],
                duration_ms=source["duration_ms"],
                updated_at=to_stored(at),
            ))

        for utterance in _table_docs(sb, UTTERANCES, bot["id"]):
            text = (utterance.get("transcription") or {}).get("transcript")
            if utterance.get("async_transcription_id") is None and text:
                transcribe(utterance, text)
        for chunk in sorted(_table_docs(sb, AUDIO_CHUNKS, bot["id"]), key=lambda c: c["timestamp_ms"]):
            transcribe(chunk, chunk.get("text") or "")
        _add_pending_step(unit, step)
        return created


def _add_pending_step(unit, step):
    """Keep the bot's pending steps ordered by due time (the runner applies them in order)."""
    steps = list(unit.bot.get("pending_steps") or [])
    due = parse_stored_datetime(step["due"])
    index = len(steps)
    while index > 0 and parse_stored_datetime(steps[index - 1]["due"]) > due:
        index -= 1
    steps.insert(index, step)
    unit.bot["pending_steps"] = steps
    unit.dirty = True


def finish_async_transcription(sb, project, bot_id, transcription_id, *, failure_reasons=None):
    """End an async transcription now (control API): `complete`, or `failed` with
    `{"failure_reasons": [...]}` (e.g. `["credentials_not_found"]`, what the real server reports without
    provider credentials). A transcription already complete or failed is left as it is."""
    if failure_reasons is not None and (
        not isinstance(failure_reasons, list) or not all(isinstance(r, str) for r in failure_reasons)
    ):
        raise SandboxInputError("failure_reasons must be a list of strings")
    with sb.bot_unit(project, bot_id) as unit:
        transcription = _find_async(unit, transcription_id)
        return _finish_async(unit, transcription, sb.now(project), failure_reasons)


# ------------------------------------------------------------------------------------------------------
# Scripted actions (scenarios.ACTIONS) and attach
# ------------------------------------------------------------------------------------------------------


def _scripted(fn):
    """A scripted step runs inside a unit at its due time; activity outside the meeting is skipped silently, as
    the real bot only reports what it sees while it is in the meeting."""

    def action(unit, step, at):
        if unit.bot["state"] not in IN_MEETING_STATES:
            return None
        return fn(unit, step, at)

    return action


@_scripted
def _step_participant_joins(unit, step, at):
    return participant_joins(
        unit,
        at,
        name=step.get("name"),
        uuid=step.get("uuid"),
        user_uuid=step.get("user_uuid"),
        is_host=bool(step.get("is_host", False)),
        is_the_bot=bool(step.get("is_the_bot", False)),
        timestamp_ms=step.get("timestamp_ms"),
    )


@_scripted
def _step_participant_event(unit, step, at):
    if step.get("event_type") not in PARTICIPANT_EVENT_TYPES:
        return None
    return participant_event_in(
        unit, at, step["uuid"], event_type=step["event_type"], event_data=step.get("event_data")
    )


@_scripted
def _step_utterance(unit, step, at):
    return utterance_in(
        unit,
        at,
        speaker_uuid=step["speaker_uuid"],
        text=str(step["text"]),
        duration_ms=int(step["duration_ms"]),
        timestamp_ms=step.get("timestamp_ms"),
    )


@_scripted
def _step_chat_message(unit, step, at):
    to = step.get("to", "everyone")
    return chat_message_in(
        unit,
        at,
        sender_uuid=step["sender_uuid"],
        text=str(step["text"]),
        to=to if to in CHAT_TO else "everyone",
        additional_data=step.get("additional_data") if isinstance(step.get("additional_data"), dict) else None,
        timestamp=step.get("timestamp"),
    )


@_scripted
def _step_audio_chunk(unit, step, at):
    return audio_chunk_in(
        unit,
        at,
        speaker_uuid=step["speaker_uuid"],
        timestamp_ms=step.get("timestamp_ms"),
        duration_ms=step.get("duration_ms"),
        text=step.get("text"),
    )


# The meeting's scripted actions (steps that are not bot events), by the name scenarios use.
MEETING_ACTIONS = {
    "participant_joins": _step_participant_joins,
    "participant_event": _step_participant_event,
    "utterance": _step_utterance,
    "chat_message": _step_chat_message,
    "audio_chunk": _step_audio_chunk,
    ASYNC_COMPLETION_ACTION: _async_completes,
}

__all__ = [
    "add_audio_chunk",
    "add_chat_message",
    "add_participant",
    "add_utterance",
    "chat_message_in",
    "create_async_transcription",
    "delete_transcript",
    "finish_async_transcription",
    "get_transcript",
    "list_chat_messages",
    "list_participant_events",
    "list_participants",
    "open_recording_media",
    "participant_event",
    "participant_event_in",
    "participant_joins",
    "recording_url",
    "upload_recording",
    "utterance_in",
]
