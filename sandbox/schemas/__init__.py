"""Marshmallow schemas: request validation and response serialization, kept apart from HTTP."""
