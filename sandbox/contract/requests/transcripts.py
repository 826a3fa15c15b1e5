"""The body of `POST /bots/{id}/transcript`, an async transcription
(docs/contract/bots-endpoints.md#create-async-transcription check 8)."""

from __future__ import annotations

from sandbox.contract import jsonschemas as js
from sandbox.contract import messages as msg
from sandbox.contract.drf import JsonSchemaField, Serializer, ValidationError
from sandbox.contract.errors import FieldErrors
from sandbox.contract.requests import BodyRule
from sandbox.contract.requests.bots import load


class CreateAsyncTranscription(Serializer):
    """`CreateAsyncTranscriptionSerializer` (the view feeds it `{"transcription_settings": <body's>}`)."""

    transcription_settings = JsonSchemaField(js.TRANSCRIPTION_SETTINGS_SCHEMA)

    def validate_transcription_settings(self, value):
        if "meeting_closed_captions" in value:
            raise ValidationError({"transcription_settings": msg.ASYNC_NO_CLOSED_CAPTIONS})
        if (value.get("deepgram") or {}).get("callback"):
            raise ValidationError({"transcription_settings": msg.ASYNC_NO_DEEPGRAM_CALLBACK})
        if "custom_async" in value or "custom_async_v2" in value:
            # The sandbox has no CUSTOM_ASYNC_TRANSCRIPTION_URL.
            raise ValidationError({"transcription_settings": msg.CUSTOM_ASYNC_UNSET})
        if not value:
            raise ValidationError({"transcription_settings": msg.ASYNC_NO_PROVIDER})
        return value


CREATE_ASYNC_TRANSCRIPTION = CreateAsyncTranscription()


def validate_async_transcription_settings(value):
    """The settings of a new async transcription, or FieldErrors with the real messages."""
    return load(CREATE_ASYNC_TRANSCRIPTION, {"transcription_settings": value})["transcription_settings"]


def parse_async_transcription(data, context=None):
    """`TranscriptView.post`'s body: an object (DRF's `No data provided` and `Invalid data` otherwise) whose
    `transcription_settings` are those of the new transcription."""
    if data is None:
        raise FieldErrors({"non_field_errors": [msg.NO_DATA]})
    if not isinstance(data, dict):
        raise FieldErrors({"non_field_errors": [msg.NOT_A_DICT.format(type(data).__name__)]})
    return validate_async_transcription_settings(data.get("transcription_settings"))


ASYNC_TRANSCRIPTION_BODY = BodyRule("AsyncTranscriptionRequest", parse_async_transcription, CreateAsyncTranscription)
