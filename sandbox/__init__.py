"""Attendee Sandbox: a faithful, stateful fake of the Attendee meeting-bot API.

The package is layered (README, "Architecture"): `contract` (the real server's rules as data), `domain`
(bots, their state machine, scenarios, clock), `usecases` (what each request does), `infra` (storage,
media, webhooks) and `web` (the only layer that knows Flask). Importing the package loads no Flask:
`create_app` comes from `sandbox.web.app` on first use.
"""

__version__ = "0.1.0"
__all__ = ["create_app", "__version__"]


def __getattr__(name):
    """`from sandbox import create_app` without importing Flask for everyone else (PEP 562)."""
    if name == "create_app":
        from sandbox.web.app import create_app

        return create_app
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
