"""One hierarchy of domain refusals; `api/` maps each family to HTTP in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A command refused by a business rule. `code` is stable; `field` names the culprit."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The command contradicts what the record already holds."""

    code = "conflict"


class InvalidCommand(DomainError):
    """The command is well formed but breaks a rule (dates, codes, states)."""

    code = "invalid_command"


class NotPermitted(DomainError):
    """The actor's role or scope does not allow the command."""

    code = "forbidden"
