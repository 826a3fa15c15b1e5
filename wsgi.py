"""`app` for any WSGI server: `waitress-serve wsgi:app` (settings from SANDBOX_* environment variables)."""

from sandbox import create_app

app = create_app()
