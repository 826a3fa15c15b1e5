"""Typed errors of the domain, each carrying the status and body the real server answers with.

The domain raises these; the HTTP layer only turns them into responses. Three body shapes coexist on
the real server (docs/contract/conventions.md#conventions): hand-written `{"error": ...}`, framework `{"detail": ...}`
and
serializer field maps `{"field": ["message"], ...}`.
"""


class AttendeeError(Exception):
    """A hand-written error of the real server: `{"error": message}` (400 unless said otherwise)."""

    status = 400

    def __init__(self, message, status=None, headers=None, **extra):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self):
        return {"error": self.message, **self.extra}


class BotNotFound(AttendeeError):
    status = 404

    def __init__(self):
        super().__init__("Bot not found")


class SandboxWasReset(AttendeeError):
    """A reset replaced everything while this request's bulk work had let go of the store lock between bots
    (the real server has no reset): nothing more was done."""

    status = 409

    def __init__(self):
        super().__init__("The sandbox was reset while this request ran; send it again")


class TransitionNotAllowed(AttendeeError):
    """An event the transition table does not allow from the bot's current state."""


class DetailError(AttendeeError):
    """A framework error of the real server: `{"detail": message}`."""

    def body(self):
        return {"detail": self.message}


class NotAuthenticated(DetailError):
    """Every 401 of the real server carries `WWW-Authenticate: Token` (docs/contract/conventions.md#unauthorized)."""

    status = 401

    def __init__(self, message):
        super().__init__(message, headers={"WWW-Authenticate": "Token"})


class FieldErrors(AttendeeError):
    """Serializer validation errors: a map of field name to messages (or nested maps)."""

    def __init__(self, errors, status=400):
        super().__init__("validation failed", status)
        self.errors = errors

    def body(self):
        return self.errors


class SandboxInputError(AttendeeError):
    """Bad input to the sandbox's own control API (`/sandbox/...`), answered as `{"error": message}`."""


class BodyTooLarge(DetailError):
    """Django's `RequestDataTooBig` (a body over `DATA_UPLOAD_MAX_MEMORY_SIZE`, SANDBOX_MAX_BODY_BYTES here):
    the same 400 and Django's own message, as JSON rather than Django's HTML error page."""

    def __init__(self):
        super().__init__("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
