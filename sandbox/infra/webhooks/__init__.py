"""Webhook delivery: the request bytes and signature (`signing`), one HTTP attempt (`transport`), and the outbox that records deliveries and works them off (`outbox`)."""
