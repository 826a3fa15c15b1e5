"""Webhook triggers and envelopes, as the real server defines them (docs/contract/webhooks.md).

Pure data and pure functions: which triggers exist (in the real enum order, which jsonschema messages
show), which only ever go to project-level subscriptions, and the envelope every delivery carries."""

from sandbox.contract.jsonb import jsonb_order


# The trigger codes in the real server's enum order (9.2).
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


# Triggers that only ever go to project-level subscriptions (9.1); bots never fire them anyway.
PROJECT_ONLY_TRIGGERS = ("calendar.events_update", "calendar.state_change", "zoom_oauth_connection.state_change")


def envelope(idempotency_key, bot_id, bot_metadata, trigger, data):
    """The body object, keys in the order the real server builds it (9.3). `bot_metadata` is the bot's
    metadata as the delivery task reads it from the database: in JSONB key order."""
    return {
        "idempotency_key": idempotency_key,
        "bot_id": bot_id,
        "bot_metadata": jsonb_order(bot_metadata),
        "trigger": trigger,
        "data": data,
    }
