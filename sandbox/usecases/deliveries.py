"""The webhook delivery log of a project (`/sandbox/webhooks/deliveries`), a sandbox feature the real server
has no API for: each delivery with its URL, trigger, idempotency key, payload, signature and attempts."""


def list_deliveries(sb, project, *, bot_id=None, calendar_id=None, zoom_oauth_connection_id=None, trigger=None,
                    status=None):
    """The project's deliveries, oldest first: a bot's, a calendar's or a Zoom OAuth connection's; an empty
    filter is no filter (an unknown trigger or status is a 400 naming the valid ones)."""
    return sb.outbox.list_deliveries(
        project,
        bot_id=bot_id or None,
        calendar_id=calendar_id or None,
        zoom_oauth_connection_id=zoom_oauth_connection_id or None,
        trigger=trigger or None,
        status=status or None,
    )


def redeliver(sb, project, delivery_id):
    """Send a delivered or failed delivery again: same idempotency key and data, three more attempts; the
    delivery, `pending` again (409 while it is still pending, 404 for another project's)."""
    return sb.outbox.redeliver(project, delivery_id)
