"""The baseline: a bare Flask route that returns a fixed bot JSON, on the same waitress server the
sandbox's serve command uses (same host, port handling, 8 threads). Run as `python -m bench.baseline`."""

import argparse
import signal

from flask import Flask, Response
from waitress import create_server

# The seed bot as GET /api/v1/bots/{id} answers it (compact JSON), fixed.
BOT_JSON = (
    b'{"id":"bot_weIAju4OXNZkDTpZ","metadata":{"customer_id":"abc123"},"meeting_url":"https://zoom.us/j/123?pwd=456",'
    b'"state":"joined_not_recording","events":[{"type":"join_requested","created_at":"2024-01-18T12:34:56Z"},'
    b'{"type":"joined_meeting","created_at":"2024-01-18T12:35:00Z"}],"transcription_state":"in_progress",'
    b'"recording_state":"in_progress","join_at":"2024-01-18T12:34:56Z","deduplication_key":null}'
)


def make_app():
    app = Flask(__name__)

    @app.route("/api/v1/bots/<object_id>")
    def bot(object_id):
        return Response(BOT_JSON, status=200, content_type="application/json")

    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    server = create_server(make_app(), host=args.host, port=args.port, threads=args.threads, ident="bench-baseline")

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
