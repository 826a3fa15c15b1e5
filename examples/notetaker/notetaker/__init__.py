"""Notetaker: a small Attendee integration. It sends a bot to a meeting, listens for Attendee's webhooks and,
once the bot has finished post-processing, downloads the recording and saves the transcript as notes."""

from notetaker.app import create_app
from notetaker.attendee import AttendeeClient, verify_signature

__all__ = ["AttendeeClient", "create_app", "verify_signature"]
