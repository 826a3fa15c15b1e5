"""The sandbox's one clock.

Nothing else reads the wall clock. `now(offset_seconds)` is the wall clock (which freezegun freezes in
tests) plus a project's time-travel offset, so each project can run ahead on its own.
"""

from datetime import datetime, timedelta, timezone


class Clock:
    def wall_now(self):
        return datetime.now(timezone.utc)

    def now(self, offset_seconds=0.0):
        return self.wall_now() + timedelta(seconds=offset_seconds)
