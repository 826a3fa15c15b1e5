"""The sandbox's one clock.

Nothing else reads the wall clock. `now(offset_seconds)` is the wall clock (which freezegun freezes in
tests) plus a project's time-travel offset, so each project can run ahead on its own. Real-time waits
(webhook retries and deadlines, the HTTP server's timeouts) use `monotonic`, which freezegun leaves alone.
"""

import time
from datetime import datetime, timedelta, timezone


def _monotonic_source():
    """A monotonic clock for real-time waits. `time.clock_gettime` is one freezegun leaves alone."""
    clock_gettime = getattr(time, "clock_gettime", None)
    if clock_gettime is not None and hasattr(time, "CLOCK_MONOTONIC"):
        return lambda: clock_gettime(time.CLOCK_MONOTONIC)
    return time.monotonic  # pragma: no cover - platforms without clock_gettime


monotonic = _monotonic_source()


class Clock:
    def wall_now(self):
        return datetime.now(timezone.utc)

    def now(self, offset_seconds=0.0):
        return self.wall_now() + timedelta(seconds=offset_seconds)
