"""(being written)"""


def attach(sandbox):
    """Hook this module into the use cases (called once by create_app)."""
