#!/usr/bin/env bash
# Run a project's tests against Attendee Sandbox, as a CI job does: start the sandbox in the background, wait
# until it answers, run the tests, and print the sandbox's log when they fail.
#
#   examples/ci/run.sh                       # runs: python -m pytest -q
#   examples/ci/run.sh npm test              # any test command
#
# The tests find the sandbox in ATTENDEE_API_URL (e.g. http://127.0.0.1:8000) and ATTENDEE_API_KEY (the
# default project's key, read from the sandbox's banner). Settings, all optional:
#   ATTENDEE_SANDBOX   the command that runs the sandbox (default: attendee-sandbox; e.g. the one of the
#                      virtual environment it was installed in, kept apart from the project's own)
#   SANDBOX_PORT       the port it listens on (default: 8000)
#   SANDBOX_DATA       its data file (default: a fresh one in a temporary folder)
#   SANDBOX_LOG        its console log, one JSON object a line (default: beside the data file)
#   SANDBOX_WAIT       seconds to wait for it to answer (default: 30)
set -euo pipefail

sandbox="${ATTENDEE_SANDBOX:-attendee-sandbox}"
port="${SANDBOX_PORT:-8000}"
work="$(mktemp -d)"
export SANDBOX_DATA="${SANDBOX_DATA:-$work/data.json}"
log="${SANDBOX_LOG:-$work/sandbox.log}"
url="http://127.0.0.1:$port"

$sandbox serve --host 127.0.0.1 --port "$port" --log-format json >"$log" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  kill -TERM "$sandbox_pid" 2>/dev/null || true  # SIGTERM: it saves its data file and stops
  wait "$sandbox_pid" 2>/dev/null || true
}
trap stop_sandbox EXIT

show_log() {
  echo "---- the sandbox's log ($log) ----" >&2
  cat "$log" >&2
}

if ! $sandbox wait --url "$url" --timeout "${SANDBOX_WAIT:-30}"; then
  show_log
  exit 1
fi
export ATTENDEE_API_URL="$url"
ATTENDEE_API_KEY="$(awk '/^  API key:/ {print $3; exit}' "$log")"
export ATTENDEE_API_KEY

if [ "$#" -eq 0 ]; then
  set -- python -m pytest -q
fi
status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then
  show_log
fi
exit "$status"
