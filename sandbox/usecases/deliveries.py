"""The webhook delivery log of a project (`/sandbox/webhooks/deliveries`), a sandbox feature the real server
has no API for: each delivery with its URL, trigger, idempotency key, payload, signature and attempts."""

from operator import itemgetter

from sandbox.contract.pagination import control_page, page_limit

LIMIT_MESSAGE = "limit must be a positive integer"


def list_deliveries(sb, project, *, bot_id=None, calendar_id=None, zoom_oauth_connection_id=None, trigger=None,
                    status=None, limit=None, request):
    """A page of the project's deliveries, newest first, with `next`/`previous` links and `count`: a bot's, a
    calendar's or a Zoom OAuth connection's; an empty filter is no filter (an unknown trigger or status is a 400
    naming the valid ones). Only the page's deliveries are read: the filters and the cursor work on the store's
    summaries."""
    found = sb.outbox.find_deliveries(
        project,
        bot_id=bot_id or None,
        calendar_id=calendar_id or None,
        zoom_oauth_connection_id=zoom_oauth_connection_id or None,
        trigger=trigger or None,
        status=status or None,
    )
    size = page_limit(limit, sb.settings.page_limit, LIMIT_MESSAGE)
    page = control_page(found, itemgetter(1), request.url, size)
    docs = (sb.store.get("deliveries", key) for key, _ in page["results"])
    return {**page, "results": [doc for doc in docs if doc is not None]}  # one deleted meanwhile is left out


def redeliver(sb, project, delivery_id):
    """Send a delivered or failed delivery again: same idempotency key and data, three more attempts; the
    delivery, `pending` again (409 while it is still pending, 404 for another project's)."""
    return sb.outbox.redeliver(project, delivery_id)
