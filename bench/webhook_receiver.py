"""A local webhook receiver for the benchmark: answers 200 and notes when each delivery arrived."""

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """`with Receiver() as r:` serves on 127.0.0.1:<free port>; `r.url`, `r.deliveries` [(arrival, body)]."""

    def __init__(self, host="127.0.0.1"):
        self.deliveries = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                arrived = time.time()
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with receiver.lock:
                    receiver.deliveries.append((arrived, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self):
        with self.lock:
            return len(self.deliveries)

    def state_change_delays(self):
        """Seconds from each `bot.state_change`'s event time (`data.created_at`) to its arrival."""
        with self.lock:
            items = list(self.deliveries)
        delays = []
        for arrived, body in items:
            if not body or body.get("trigger") != "bot.state_change":
                continue
            created = datetime.fromisoformat(body["data"]["created_at"]).timestamp()
            delays.append(arrived - created)
        return delays
