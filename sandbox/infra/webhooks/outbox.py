"""Webhooks (docs/contract/webhooks.md#webhooks): every delivery the sandbox's bots produce, byte for byte as the real
server sends them, with a delivery log a developer can read.

* **Selection (docs/contract/webhooks.md#subscriptions).** A bot with any bot-level subscription (`bot["webhooks"]`)
uses only those; otherwise
  the project's (`project["webhooks"]`). A subscription matches when its `triggers` contain the trigger.
* **Recording (docs/contract/webhooks.md#subscriptions, docs/contract/webhooks.md#envelope).** `DeliveryOutbox.emit`
runs under the store lock right after the bot is saved
  (`Sandbox._commit`), in event order. It writes one document per matching subscription to the store
  table `deliveries` (`data` frozen as given, a UUID4 idempotency key) and hands it to the workers. It
  never touches the network.
* **The request (docs/contract/webhooks.md#webhook-request, docs/contract/webhooks.md#webhook-signature).** The
envelope `idempotency_key, bot_id, bot_metadata, trigger, data` is sent
  as python-requests' `json=` would (separators `", "`/`": "`, ASCII escapes) with python-requests'
  headers in its order, and signed over the *canonical* JSON (sorted keys, compact, raw UTF-8) with the
  base64-decoded project secret. `bot_metadata` and the secret are read at each attempt, as the real
  server does, so an unchanged bot gets the same signature on every attempt.
* **Attempts (docs/contract/webhooks.md#webhook-request, docs/contract/webhooks.md#retry-policy).** One 10 s deadline
over the whole exchange (connect, send, headers, body;
  `SANDBOX_WEBHOOK_TIMEOUT`), redirects not followed, any 2xx succeeds, 3 attempts in all; the wait
  before retry n is uniform in [0, 2^(n-1)] s (Celery's full jitter). The standard library's http.client
  does the I/O, outside the store lock, on `SANDBOX_WEBHOOK_WORKERS` worker threads.
* **Order (sandbox guarantee).** Deliveries of one bot to one URL leave in the order of its events: a
  delivery waits until the one before it has been delivered or has failed for good (its retries
  included). The real server, whose deliveries are independent Celery tasks, does not promise this.
* **Fairness (sandbox guarantee).** Projects take turns for the workers, and one project's deliveries
  occupy at most `SANDBOX_WEBHOOK_WORKERS_PER_PROJECT` of them: receivers that hang or drip-feed their
  answer slow their own project only.
* **Restarts.** Deliveries still `pending` in the store are queued again when the sandbox starts.
* **Subjects.** A delivery is about a bot (`emit`) or, for the calendar and Zoom OAuth triggers, a calendar
  or a connection (`emit_for`): those go to the project's subscriptions only, name their object in their
  own field (`calendar_id`, `zoom_oauth_connection_id`; `bot_id` is then null), and their envelope is read
  at each attempt from the object, with only `idempotency_key`, `trigger` and `data` once it is gone
  (docs/contract/webhooks.md#resource-webhooks). Lanes are per subject and URL.

Waiting is done in real time (condition waits on a monotonic clock that freezegun does not freeze), while
attempts are stamped with the sandbox's clock (`clock.wall_now()`).
"""

import base64
import binascii
import heapq
import itertools
import sys
import threading
import traceback
from collections import deque
from datetime import timedelta

from sandbox.contract.datetimes import (
    parse_stored_datetime,
    to_stored,
)
from sandbox.contract.errors import AttendeeError
from sandbox.contract.webhooks import PROJECT_ONLY_TRIGGERS, SUBJECT_ENVELOPES, SUBJECTS, TRIGGERS, envelope
from sandbox.domain.clock import monotonic as _monotonic
from sandbox.infra.webhooks.signing import encode_body, request_headers, sign
from sandbox.infra.webhooks.transport import AttemptResult, post

STATUSES = ("pending", "delivered", "failed")

MAX_ATTEMPTS = 3  # MAX_WEBHOOK_DELIVERY_ATTEMPTS: attempts in all, not retries (docs/contract/docs-vs-server.md#retry-count)
BACKOFF_CAP = 600.0
SELF_DELIVERY = "The webhook URL reaches the sandbox itself ({address}); the sandbox never sends webhooks to itself"


# -- the request: envelope, body bytes, signature ------------------------------------------------------


# -- subscriptions --------------------------------------------------------------------------------------


def select_subscriptions(project, bot, trigger):
    """The subscriptions a delivery goes to (docs/contract/webhooks.md#subscriptions): the bot's own, exclusively, when
    it has any."""
    bot_level = (bot or {}).get("webhooks") or []
    if bot_level:
        if trigger in PROJECT_ONLY_TRIGGERS:
            return []
        candidates = bot_level
    else:
        candidates = (project or {}).get("webhooks") or []
    return [s for s in candidates if trigger in (s.get("triggers") or []) and s.get("is_active", True)]


# -- one HTTP attempt -------------------------------------------------------------------------------------


# -- the queue: lanes of deliveries, one per (subject, url), shared fairly between projects ---------------


class Lanes:
    """Per-lane FIFO queues, handed to the workers project by project in turn.

    A lane is `(project_id, subject id, url)` (the subject: a bot, a calendar or a connection); it is busy
    while a worker handles its head. A lane that is neither busy nor empty has exactly one entry in its
    project's heap of lanes due, and a project with such entries has one place in `rotation`. `take`
    serves the first project in the rotation that has a lane due and fewer than `per_project` lanes busy,
    then sends it to the back: one project's slow or hanging receivers hold at most `per_project` workers,
    and the others are served in turn. Waiting uses real time.
    """

    def __init__(self, per_project):
        self.per_project = per_project
        self.cond = threading.Condition()
        self.queues = {}
        self.busy = set()
        self.busy_by_project = {}
        self.ready = {}  # project id -> heap of (due, order, lane)
        self.rotation = deque()  # project ids with lanes due, the next to be served first
        self.order = itertools.count()
        self.closed = False

    def add(self, lane, delivery_id, delay=0.0):
        with self.cond:
            if self.closed:
                return
            queue = self.queues.setdefault(lane, deque())
            queue.append(delivery_id)
            if len(queue) == 1 and lane not in self.busy:
                self._schedule(lane, delay)
                self.cond.notify()

    def _schedule(self, lane, delay):
        project = lane[0]
        heap = self.ready.get(project)
        if heap is None:
            heap = self.ready[project] = []
            self.rotation.append(project)
        heapq.heappush(heap, (_monotonic() + max(0.0, delay), next(self.order), lane))

    def take(self):
        """Block until a lane's head is due and its project may have another worker; returns (lane,
        delivery id), or None once closed."""
        with self.cond:
            while not self.closed:
                now = _monotonic()
                wake_at = None
                for index, project in enumerate(self.rotation):
                    if self.busy_by_project.get(project, 0) >= self.per_project:
                        continue  # finish() wakes the workers when one of its lanes is done
                    heap = self.ready[project]
                    due, _, lane = heap[0]
                    if due > now:
                        wake_at = due if wake_at is None else min(wake_at, due)
                        continue
                    heapq.heappop(heap)
                    del self.rotation[index]
                    if heap:
                        self.rotation.append(project)  # served: to the back of the line
                    else:
                        del self.ready[project]
                    self.busy.add(lane)
                    self.busy_by_project[project] = self.busy_by_project.get(project, 0) + 1
                    return lane, self.queues[lane][0]
                self.cond.wait(None if wake_at is None else wake_at - now)
            return None

    def finish(self, lane, retry_in=None):
        """The head was handled: drop it (done) or try it again in `retry_in` seconds."""
        with self.cond:
            freed = 0  # lanes that may be served now besides the one this worker takes next
            if lane in self.busy:
                self.busy.discard(lane)
                project = lane[0]
                if self.busy_by_project[project] >= self.per_project and project in self.ready:
                    freed += 1  # workers skipped the project while it was at its limit
                self.busy_by_project[project] -= 1
                if not self.busy_by_project[project]:
                    del self.busy_by_project[project]
            queue = self.queues.get(lane)
            if queue:
                if retry_in is None:
                    queue.popleft()
                if queue:
                    self._schedule(lane, retry_in or 0.0)
                    freed += 1
                else:
                    del self.queues[lane]
            # Wake only as many waiting workers as there is new work for (the finishing worker comes back for
            # more itself): waking all of them for every delivery kept every worker busy scanning.
            if freed:
                self.cond.notify(freed)

    def wait_idle(self, timeout):
        end = _monotonic() + timeout
        with self.cond:
            while self.queues or self.busy:
                remaining = end - _monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(min(remaining, 0.05))
            return True

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()


# -- the dispatcher -----------------------------------------------------------------------------------------


class DeliveryNotFound(AttendeeError):
    status = 404

    def __init__(self):
        super().__init__("Delivery not found")


class DeliveryOutbox:
    """`sandbox.outbox`: records deliveries, works them off on worker threads, and answers the log."""

    def __init__(self, *, store, clock, ids, settings, own_address):
        self.store = store
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.own_address = own_address
        self.timeout = settings.webhook_timeout  # one attempt's whole budget, as DELIVER_WEBHOOK_REQUEST_TIMEOUT
        self.backoff_scale = 1.0  # tests may shorten the backoff; 1.0 is the real server's
        self.transport = post
        self.lanes = Lanes(settings.webhook_workers_per_project)
        self.worker_count = settings.webhook_workers
        self.threads = []
        self._start_lock = threading.Lock()
        # `serve`'s console log (sandbox/web/console.py): told of every emission and every failed attempt.
        self.observer = None

    # -- recording -----------------------------------------------------------------------------------
    def emit(self, project_id, bot_id, trigger, data):
        """Record one delivery per matching subscription and queue it; called under the store lock."""
        return self.emit_for(project_id, "bot", bot_id, trigger, data)

    def emit_for(self, project_id, kind, subject_id, trigger, data):
        """`emit` for any subject (`SUBJECTS`): a bot's subscriptions are its own when it has any, the
        others' are the project's only."""
        table, field = SUBJECTS[kind]
        if self.observer is not None:
            self.observer.emitted(project_id, kind, subject_id, trigger, data)
        with self.store.lock:
            project = self.store.get("projects", project_id)
            bot = self.store.get(table, subject_id) if kind == "bot" else None
            subscriptions = select_subscriptions(project, bot, trigger)
            created = []
            for subscription in subscriptions:
                now = to_stored(self.clock.wall_now())
                doc = {
                    "id": self.ids.new("whd"),
                    "project_id": project_id,
                    "bot_id": subject_id if kind == "bot" else None,
                    "trigger": trigger,
                    "url": subscription["url"],
                    "idempotency_key": self.ids.uuid4(),
                    "payload": data,
                    "signature": None,
                    "status": "pending",
                    "attempts": [],
                    "max_attempts": MAX_ATTEMPTS,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                if kind != "bot":
                    doc[field] = subject_id
                self.store.put("deliveries", doc)
                created.append(doc)
        for doc in created:
            self._queue(doc)
        return created

    def _queue(self, doc, delay=0.0):
        self._start_workers()
        self.lanes.add((doc["project_id"], subject_of(doc)[1], doc["url"]), doc["id"], delay)

    def requeue_pending(self):
        """At start-up: queue again every delivery the store still has as pending, in recorded order."""
        wall_now = self.clock.wall_now()
        with self.store.lock:
            pending = [
                doc
                for project in self.store.scan("projects", "")
                for doc in self.store.scan("deliveries", project["id"])
                if doc.get("status") == "pending"
            ]
        for doc in pending:
            delay = 0.0
            if doc.get("next_attempt_at"):
                delay = (parse_stored_datetime(doc["next_attempt_at"]) - wall_now).total_seconds()
            self._queue(doc, min(max(delay, 0.0), BACKOFF_CAP))
        return len(pending)

    # -- the workers ---------------------------------------------------------------------------------
    def _start_workers(self):
        with self._start_lock:
            if self.threads or self.lanes.closed:
                return
            for number in range(self.worker_count):
                thread = threading.Thread(target=self._work, name=f"sandbox-webhooks-{number}", daemon=True)
                thread.start()
                self.threads.append(thread)

    def _work(self):
        while True:
            taken = self.lanes.take()
            if taken is None:
                return
            lane, delivery_id = taken
            retry_in = None
            try:
                retry_in = self.attempt(delivery_id)
            except Exception as exc:  # noqa: BLE001 - a bug must not kill the worker nor hide the delivery
                traceback.print_exc(file=sys.stderr)
                self._fail_unexpectedly(delivery_id, exc)
            finally:
                self.lanes.finish(lane, retry_in)

    def attempt(self, delivery_id):
        """One attempt of one delivery; returns the seconds until its retry, or None when it is done."""
        with self.store.lock:
            if self.lanes.closed:
                return None
            doc = self.store.get("deliveries", delivery_id)
            if doc is None or doc["status"] != "pending":
                return None  # deleted (delete_data, reset) or already settled
            project = self.store.get("projects", doc["project_id"])
            kind, subject_id = subject_of(doc)
            subject = self.store.get(SUBJECTS[kind][0], subject_id)
            refusal = self._refusal(doc, project, subject if kind == "bot" else True)
            if refusal is not None:
                return self._settle(doc, AttemptResult(error=refusal), None, 0.0, final=True)
            if kind == "bot":
                metadata = subject.get("metadata")
                body = envelope(doc["idempotency_key"], subject_id, metadata, doc["trigger"], doc["payload"])
            else:  # read now; a deleted calendar or connection leaves idempotency_key, trigger and data
                body = SUBJECT_ENVELOPES[kind](doc["idempotency_key"], subject, doc["trigger"], doc["payload"])
            signature = sign(body, project["webhook_secret"])
            try:
                data = encode_body(body)
            except ValueError as exc:  # NaN or infinity: python-requests refuses to send it
                return self._settle(doc, AttemptResult(error=f"InvalidJSONError: {exc}"), signature, 0.0, final=True)
        started = self.clock.wall_now()
        clock_start = _monotonic()
        itself = self.own_address.reached_by(doc["url"])  # outside the lock: it may resolve a name
        if itself is None:
            result = self.transport(doc["url"], data, request_headers(signature, len(data)), self.timeout)
        else:
            result, signature = AttemptResult(error=SELF_DELIVERY.format(address=itself)), None
        elapsed = _monotonic() - clock_start
        with self.store.lock:
            if self.lanes.closed:
                return None
            current = self.store.get("deliveries", delivery_id)
            if current is None or current["status"] != "pending":
                return None
            return self._settle(current, result, signature, elapsed, started=started, final=itself is not None)

    def _fail_unexpectedly(self, delivery_id, exc):
        with self.store.lock:
            if self.lanes.closed:
                return
            doc = self.store.get("deliveries", delivery_id)
            if doc is not None and doc["status"] == "pending":
                error = f"The sandbox could not deliver this webhook: {type(exc).__name__}: {exc}"
                self._settle(doc, AttemptResult(error=error), doc.get("signature"), 0.0, final=True)

    def _refusal(self, doc, project, bot):
        """Why a delivery is failed without a request, or None (`bot`: the bot, or True for the subjects
        whose envelope does without their object)."""
        if project is None:
            return "The project no longer exists"
        if bot is None:
            return "The bot no longer exists"
        if self.settings.require_https_webhooks and not doc["url"].lower().startswith("https://"):
            return "Webhook URL must start with https:// (require_https_webhooks is on)"
        secret = project.get("webhook_secret")
        try:
            if not secret or len(base64.b64decode(secret, validate=True)) == 0:
                return "The project has no webhook secret"
        except (binascii.Error, ValueError):
            return "The project's webhook secret is not base64"
        return None

    def _settle(self, doc, result, signature, elapsed, started=None, final=False):
        """Under the store lock: record the attempt and decide what happens next."""
        at = started or self.clock.wall_now()
        doc["attempts"].append(
            {
                "attempted_at": to_stored(at),
                "status_code": result.status_code,
                "error": result.error,
                "response_body": result.response_text,
                "duration_ms": int(round(elapsed * 1000)),
                "signature": signature,
            }
        )
        if signature is not None:
            doc["signature"] = signature
        retry_in = None
        if result.ok:
            doc["status"] = "delivered"
            doc["next_attempt_at"] = None
        elif final or len(doc["attempts"]) >= doc.get("max_attempts", MAX_ATTEMPTS):
            doc["status"] = "failed"
            doc["next_attempt_at"] = None
        else:
            attempts_this_round = len(doc["attempts"]) - (doc.get("max_attempts", MAX_ATTEMPTS) - MAX_ATTEMPTS)
            ceiling = min(BACKOFF_CAP, 2.0 ** (attempts_this_round - 1))
            retry_in = self.ids.uniform(0.0, ceiling) * self.backoff_scale
            doc["next_attempt_at"] = to_stored(self.clock.wall_now() + timedelta(seconds=retry_in))
        self.store.put("deliveries", doc)
        if not result.ok and self.observer is not None:
            self.observer.attempt_failed(doc, doc["attempts"][-1], retry_in is None)
        return retry_in

    # -- the log ---------------------------------------------------------------------------------------
    def list_deliveries(self, project, bot_id=None, trigger=None, status=None, calendar_id=None,
                        zoom_oauth_connection_id=None):
        """Every matching delivery of the project, oldest first, filtered by subject (a bot, a calendar, a Zoom
        OAuth connection), trigger and status (a bot's few; `find_deliveries` for a log)."""
        _check_filters(trigger, status)
        wanted = _subjects(bot_id, calendar_id, zoom_oauth_connection_id)
        docs = self.store.scan("deliveries", project["id"])
        return [
            doc
            for doc in docs
            if all(doc.get(field) == value for field, value in wanted.items())
            and (trigger is None or doc["trigger"] == trigger)
            and (status is None or doc["status"] == status)
        ]

    def find_deliveries(self, project, bot_id=None, trigger=None, status=None, calendar_id=None,
                        zoom_oauth_connection_id=None):
        """`[(id, created_at)]` of the matching deliveries, newest first, from the store's summaries: no
        delivery is decoded, so a log of any size is filtered and paged at the cost of its page."""
        _check_filters(trigger, status)
        wanted = _subjects(bot_id, calendar_id, zoom_oauth_connection_id)
        found = []
        for key, (of_bot, of_trigger, of_status, created_at, of_calendar, of_connection) in self.store.summaries(
            "deliveries", project["id"]
        ).items():
            subjects = {"bot_id": of_bot, "calendar_id": of_calendar, "zoom_oauth_connection_id": of_connection}
            if (
                all(subjects[field] == value for field, value in wanted.items())
                and (trigger is None or of_trigger == trigger)
                and (status is None or of_status == status)
            ):
                found.append((key, created_at))
        found.reverse()  # the store keeps them in creation order
        return found

    def get_delivery(self, project, delivery_id):
        doc = self.store.get("deliveries", delivery_id) if isinstance(delivery_id, str) else None
        if doc is None or doc["project_id"] != project["id"]:
            raise DeliveryNotFound()
        return doc

    def redeliver(self, project, delivery_id):
        """Send a settled delivery again: same idempotency key and data, three more attempts."""
        with self.store.lock:
            doc = self.get_delivery(project, delivery_id)
            if doc["status"] == "pending":
                raise AttendeeError(
                    "This delivery is still pending; it can be redelivered once it has been delivered or has failed",
                    status=409,
                )
            doc["status"] = "pending"
            doc["max_attempts"] = len(doc["attempts"]) + MAX_ATTEMPTS
            doc["next_attempt_at"] = to_stored(self.clock.wall_now())
            self.store.put("deliveries", doc)
        self._queue(doc)
        return doc

    # -- life cycle -------------------------------------------------------------------------------------
    def wait_idle(self, timeout=5.0):
        """True once nothing is queued or in flight (tests, a clean shutdown)."""
        return self.lanes.wait_idle(timeout)

    def close(self, timeout=1.0):
        """Stop the workers; deliveries not yet settled stay pending in the store for the next start."""
        self.lanes.close()
        end = _monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, end - _monotonic()))


def _check_filters(trigger, status):
    if trigger is not None and trigger not in TRIGGERS:
        raise AttendeeError(f"Invalid trigger: {trigger}. Valid triggers are: {', '.join(TRIGGERS)}")
    if status is not None and status not in STATUSES:
        raise AttendeeError(f"Invalid status: {status}. Valid statuses are: {', '.join(STATUSES)}")


def _subjects(bot_id, calendar_id, zoom_oauth_connection_id):
    """The subject filters given (an empty one is no filter), by the delivery field each names."""
    subjects = {"bot_id": bot_id, "calendar_id": calendar_id, "zoom_oauth_connection_id": zoom_oauth_connection_id}
    return {field: value for field, value in subjects.items() if value is not None}


def subject_of(doc):
    """`(kind, id)` of what a delivery is about (`SUBJECTS`)."""
    for kind, (_, field) in SUBJECTS.items():
        if doc.get(field):
            return kind, doc[field]
    return "bot", doc.get("bot_id")
