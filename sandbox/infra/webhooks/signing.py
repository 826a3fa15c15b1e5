"""The bytes of a webhook request and its signature, as the real server sends them (docs/contract/webhooks.md).

The body is what python-requests sends for `json=body` (separators with spaces, ASCII escapes); the
signature is HMAC-SHA256 over the canonical JSON (sorted keys, compact, raw UTF-8) keyed with the
base64-decoded project secret, base64-encoded."""

import base64
import hashlib
import hmac
import json

USER_AGENT = "Attendee-Webhook/1.0"


def encode_body(body):
    """The bytes python-requests sends for `json=body`: default separators (with spaces), ASCII escapes."""
    return json.dumps(body, allow_nan=False).encode("utf-8")


def canonical_json(body):
    """What the signature covers (docs/contract/webhooks.md#webhook-signature): sorted keys at every level, no
    whitespace, raw UTF-8 (a lone surrogate,
    which UTF-8 cannot hold, as its `\\udXXX` escape: the same JSON value)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace")


def sign(body, secret_b64):
    """HMAC-SHA256 of the canonical JSON, keyed with the base64-decoded project secret, base64
    (docs/contract/webhooks.md#webhook-signature)."""
    key = base64.b64decode(secret_b64, validate=True)
    return base64.b64encode(hmac.new(key, canonical_json(body), hashlib.sha256).digest()).decode("ascii")


def request_headers(signature, content_length):
    """python-requests' default headers merged with the real server's, in the order requests sends them."""
    return [
        ("User-Agent", USER_AGENT),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
        ("Content-Type", "application/json"),
        ("X-Webhook-Signature", signature),
        ("Content-Length", str(content_length)),
    ]
