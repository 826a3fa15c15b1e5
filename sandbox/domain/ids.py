"""Ids, keys and secrets in the real server's formats (docs/contract/ids-and-time.md#ids-and-time), reproducible with a
seed."""

import base64
import random
import secrets
import threading
import uuid

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class IdFactory:
    """`bot_` + 16 characters, UUID4 idempotency keys, 32-byte webhook secrets, 32-character API keys.

    With a seed every value comes from one seeded generator, so two runs of the same test produce the
    same ids; without one they come from the operating system's randomness.
    """

    def __init__(self, seed=None):
        self._random = random.Random(seed) if seed is not None else secrets.SystemRandom()
        self._lock = threading.Lock()

    def _chars(self, n):
        with self._lock:
            return "".join(self._random.choice(ALPHABET) for _ in range(n))

    def new(self, prefix):
        return f"{prefix}_{self._chars(16)}"

    def api_key(self):
        return self._chars(32)

    def uuid4(self):
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def webhook_secret(self):
        with self._lock:
            raw = bytes(self._random.getrandbits(8) for _ in range(32))
        return base64.b64encode(raw).decode()

    def uniform(self, low, high):
        with self._lock:
            return self._random.uniform(low, high)
