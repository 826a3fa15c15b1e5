"""The HTTP layer, the only package that imports Flask.

Every JSON endpoint is a row of the endpoint table (sandbox/contract/endpoints.py), served by
`sandbox.web.pipeline`; the modules here add what cannot be a row: the guards every request passes first,
the request journal's hooks, the recording files (`media`), the dashboard, `GET /api/schema`, and the index
`GET /` with the API docs page (`docs`). Each
module may define `make_blueprint()` and `init_app(app)`.
"""

from sandbox.web import dashboard, docs, guards, journal, media, pipeline, schema

# guards first: its Host check runs before every other hook (the request journal's included).
API_MODULES = (guards, media, journal, dashboard, schema, docs)


def register_blueprints(app):
    pipeline.register(app)
    for module in API_MODULES:
        if hasattr(module, "make_blueprint"):
            app.register_blueprint(module.make_blueprint())
        if hasattr(module, "init_app"):
            module.init_app(app)
