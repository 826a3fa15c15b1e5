"""Webhook triggers and envelopes, as the real server defines them (docs/contract/webhooks.md).

Pure data and pure functions: which triggers exist (in the real enum order, which jsonschema messages
show), which only ever go to project-level subscriptions, what a delivery can be about (its subject: a
bot, a calendar, a Zoom OAuth connection), and the envelope each kind of delivery carries."""

from sandbox.contract.jsonb import jsonb_order


# The trigger codes in the real server's enum order (docs/contract/webhooks.md#triggers).
TRIGGERS = (
    "bot.state_change",
    "transcript.update",
    "chat_messages.update",
    "participant_events.join_leave",
    "calendar.events_update",
    "calendar.state_change",
    "async_transcription.state_change",
    "zoom_oauth_connection.state_change",
    "bot_logs.update",
    "participant_events.speech_start_stop",
)


# Triggers that only ever go to project-level subscriptions (docs/contract/webhooks.md#subscriptions); bots never fire
# them anyway.
PROJECT_ONLY_TRIGGERS = ("calendar.events_update", "calendar.state_change", "zoom_oauth_connection.state_change")


def envelope(idempotency_key, bot_id, bot_metadata, trigger, data):
    """The body object, keys in the order the real server builds it (docs/contract/webhooks.md#envelope).
    `bot_metadata` is the bot's
    metadata as the delivery task reads it from the database: in JSONB key order."""
    return {
        "idempotency_key": idempotency_key,
        "bot_id": bot_id,
        "bot_metadata": jsonb_order(bot_metadata),
        "trigger": trigger,
        "data": data,
    }


# What a delivery is about: subject kind -> (the store table of its object, the delivery document's field
# naming it). Bots' deliveries keep `bot_id` alone; the others name their object in their own field.
SUBJECTS = {
    "bot": ("bots", "bot_id"),
    "calendar": ("calendars", "calendar_id"),
    "zoom_oauth_connection": ("zoom_oauth_connections", "zoom_oauth_connection_id"),
}


def calendar_envelope(idempotency_key, calendar, trigger, data):
    """A calendar delivery's body (docs/contract/webhooks.md#resource-webhooks), the calendar's fields read now
    (metadata in JSONB order); only
    `idempotency_key`, `trigger` and `data` once the calendar is gone."""
    if calendar is None:
        return {"idempotency_key": idempotency_key, "trigger": trigger, "data": data}
    metadata = calendar.get("metadata")
    return {
        "idempotency_key": idempotency_key,
        "calendar_id": calendar["id"],
        "calendar_deduplication_key": calendar.get("deduplication_key"),
        "calendar_metadata": None if metadata is None else jsonb_order(metadata),
        "trigger": trigger,
        "data": data,
    }


def zoom_oauth_connection_envelope(idempotency_key, connection, trigger, data):
    """A Zoom OAuth connection delivery's body (docs/contract/webhooks.md#resource-webhooks), read now; three keys once
    the connection is gone."""
    if connection is None:
        return {"idempotency_key": idempotency_key, "trigger": trigger, "data": data}
    metadata = connection.get("metadata")
    return {
        "idempotency_key": idempotency_key,
        "zoom_oauth_connection_id": connection["id"],
        "zoom_oauth_connection_metadata": None if metadata is None else jsonb_order(metadata),
        "user_id": connection["user_id"],
        "account_id": connection["account_id"],
        "trigger": trigger,
        "data": data,
    }


# subject kind (other than bots) -> its envelope
SUBJECT_ENVELOPES = {"calendar": calendar_envelope, "zoom_oauth_connection": zoom_oauth_connection_envelope}
