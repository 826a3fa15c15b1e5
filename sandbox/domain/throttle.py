"""The real server's POST throttle (docs/contract/conventions.md#throttling): DRF's SimpleRateThrottle keyed
by project, a sliding window shared by every throttled view of a project."""

import math
import threading
from collections import deque

from sandbox.config import parse_rate
from sandbox.contract.errors import (
    DetailError,
)


class Throttled(DetailError):
    def __init__(self, wait):
        seconds = math.ceil(wait)
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(
            f"Request was throttled. Expected available in {seconds} {unit}.",
            status=429,
            headers={"Retry-After": str(seconds)},
        )


class ProjectPostThrottle:
    """DRF's SimpleRateThrottle keyed by project: a sliding window over the last period, shared by every
    throttled view of a project; every POST that reaches it counts, whatever its outcome
    (docs/contract/conventions.md#throttle-counts-failures)."""

    def __init__(self, clock, rate, disabled=False):
        self.clock = clock
        self.num_requests, self.duration = parse_rate(rate)
        self.disabled = disabled
        self.history = {}
        self.lock = threading.Lock()

    def clear(self):
        with self.lock:
            self.history.clear()

    def check(self, project):
        if self.disabled:
            return
        now = self.clock.wall_now().timestamp()
        with self.lock:
            history = self.history.setdefault(project["id"], deque())
            while history and history[-1] <= now - self.duration:
                history.pop()
            if len(history) >= self.num_requests:
                remaining = self.duration - (now - history[-1]) if history else self.duration
                available = self.num_requests - len(history) + 1
                raise Throttled(remaining / available if available > 0 else remaining)
            history.appendleft(now)
