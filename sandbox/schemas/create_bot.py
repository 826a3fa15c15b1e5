"""Create and PATCH bodies: moved to `sandbox.contract.requests.bots`; re-exported until the modules move."""

from sandbox.contract.requests.bots import (
    check_bot_insert,
    check_bot_webhooks,
    check_patch_bot_storage,
    create_db_error,
    parse_create_bot,
    parse_patch_bot,
)

__all__ = [
    "check_bot_insert",
    "check_bot_webhooks",
    "check_patch_bot_storage",
    "create_db_error",
    "parse_create_bot",
    "parse_patch_bot",
]
