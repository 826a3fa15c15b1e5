"""The Bot object as the real server serializes it (contract section 3): nine fields in a fixed order."""

from marshmallow import Schema, fields

from sandbox.contract.datetimes import format_api_datetime
from sandbox.contract.jsonb import jsonb_order


class BotSchema(Schema):
    """`metadata` comes back in JSONB key order, except where the real server echoes its in-memory value
    (the create response of a scheduled bot, PATCH responses): dump those with `context_echo=True`."""

    id = fields.String()
    metadata = fields.Method("dump_metadata")
    meeting_url = fields.String()
    state = fields.String()
    events = fields.Method("dump_events")
    transcription_state = fields.Method("dump_transcription_state")
    recording_state = fields.Method("dump_recording_state")
    join_at = fields.Method("dump_join_at")
    deduplication_key = fields.String(allow_none=True)

    def __init__(self, *, echo_metadata=False, **kwargs):
        super().__init__(**kwargs)
        self.echo_metadata = echo_metadata

    def dump_metadata(self, bot):
        metadata = bot.get("metadata")
        if metadata is None or self.echo_metadata:
            return metadata
        return jsonb_order(metadata)

    def dump_events(self, bot):
        return public_events(bot)

    def dump_transcription_state(self, bot):
        return (bot.get("recording") or {}).get("transcription_state")

    def dump_recording_state(self, bot):
        return (bot.get("recording") or {}).get("state")

    def dump_join_at(self, bot):
        return format_api_datetime(bot["join_at"]) if bot.get("join_at") else None


BOT = BotSchema()
BOT_ECHO = BotSchema(echo_metadata=True)


def dump_bot(bot, *, echo_metadata=False):
    return (BOT_ECHO if echo_metadata else BOT).dump(bot)


def public_events(bot):
    """Events as the API shows them: oldest first, `sub_type` only when there is one, no metadata."""
    out = []
    for event in bot["events"]:
        item = {"type": event["type"], "created_at": format_api_datetime(event["created_at"])}
        if event.get("sub_type") is not None:
            item["sub_type"] = event["sub_type"]
        out.append(item)
    return out
