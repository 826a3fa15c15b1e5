"""The real server's request serializers, declared on `sandbox.contract.drf`, one module per area, with the
parse functions the domain calls (same signatures and results as before the toolkit existed)."""
