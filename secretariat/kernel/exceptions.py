"""The one exception a broken business rule raises.

Services raise ``ApplicationError`` with a message meant for the person acting; the
web views turn it into a form error, the API into a 400/409 response carrying the
message, and the admin into an error message. Malformed input never gets this far:
forms and serializers refuse it first.
"""


class ApplicationError(Exception):
    """A business rule refused the action. ``message`` is shown to the user."""

    status_code = 400

    def __init__(self, message, *, field=None, code="invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConflictError(ApplicationError):
    """The action clashes with the object's current state (e.g. a transition that is
    not allowed from the current status)."""

    status_code = 409

    def __init__(self, message, *, field=None, code="conflict"):
        super().__init__(message, field=field, code=code)
