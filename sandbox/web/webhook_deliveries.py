"""The webhook delivery log (`/sandbox/webhooks/...`), a sandbox feature the real server has no API for.

* `GET /sandbox/webhooks/deliveries[?bot_id=&trigger=&status=]`: the project's deliveries, oldest first,
  each with its URL, trigger, idempotency key, payload (`data`), signature and attempts.
* `POST /sandbox/webhooks/deliveries/{id}/redeliver`: send a delivered or failed delivery again (same
  idempotency key and data, three more attempts); `202` with the delivery, now `pending`.

Both authenticate with the project's API key exactly as the Attendee API does (`Authorization: Token
<key>`, the same 401 bodies); a delivery of another project is a 404. Errors are JSON.
"""

from flask import Blueprint, request

from sandbox.contract.errors import AttendeeError
from sandbox.contract.responses import DELIVERY, DELIVERY_LIST
from sandbox.web.pipeline import authenticate, sandbox
from sandbox.web.responses import error_response, json_response

FILTERS = ("bot_id", "trigger", "status")


def make_blueprint():
    bp = Blueprint("sandbox_webhook_deliveries", __name__, url_prefix="/sandbox/webhooks")
    bp.add_url_rule("/deliveries", endpoint="deliveries", view_func=list_deliveries, methods=["GET"])
    bp.add_url_rule(
        "/deliveries/<delivery_id>/redeliver", endpoint="redeliver", view_func=redeliver, methods=["POST"]
    )
    return bp


def _outbox():
    outbox = sandbox().outbox
    if not hasattr(outbox, "list_deliveries"):  # pragma: no cover - only without the webhooks module
        raise AttendeeError("Webhook delivery is not enabled in this sandbox", status=404)
    return outbox


def list_deliveries():
    try:
        project = authenticate()
        filters = {name: request.args.get(name) for name in FILTERS if request.args.get(name) not in (None, "")}
        docs = _outbox().list_deliveries(project, **filters)
    except AttendeeError as error:
        return error_response(error)
    return json_response(200, DELIVERY_LIST.dump(docs))


def redeliver(delivery_id):
    try:
        project = authenticate()
        doc = _outbox().redeliver(project, delivery_id)
    except AttendeeError as error:
        return error_response(error)
    return json_response(202, DELIVERY.dump(doc))
