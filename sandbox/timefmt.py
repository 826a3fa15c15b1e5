"""The real server's datetime formats: moved to `sandbox.contract.datetimes`; re-exported until the modules move."""

from sandbox.contract.datetimes import (
    epoch_ms,
    format_api_datetime,
    format_webhook_datetime,
    parse_query_datetime,
    parse_stored_datetime,
    to_stored,
)

__all__ = [
    "epoch_ms",
    "format_api_datetime",
    "format_webhook_datetime",
    "parse_query_datetime",
    "parse_stored_datetime",
    "to_stored",
]
