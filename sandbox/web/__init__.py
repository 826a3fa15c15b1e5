"""The HTTP layer, the only package that imports Flask. Its blueprints: the Attendee API (`/api/v1`) and the sandbox's own endpoints (`/sandbox`).

Each API module may define `make_blueprint()` and `init_app(app)`; the handler modules of the bots API
attach their handlers to `bots.ROUTES` when imported, so they are imported before its blueprint is made.
"""

from sandbox.web import (
    bot_commands,
    bot_data,
    bots,
    control,
    dashboard,
    guards,
    schema,
    webhook_deliveries,
)

# guards first: its Host check runs before every other hook (the request journal's included).
API_MODULES = (guards, bot_data, bot_commands, control, webhook_deliveries, bots, dashboard, schema)


def register_blueprints(app):
    for module in API_MODULES:
        if hasattr(module, "make_blueprint"):
            app.register_blueprint(module.make_blueprint())
        if hasattr(module, "init_app"):
            module.init_app(app)
