"""One root exception for chainkg and the few specific kinds the interfaces map to messages."""

from __future__ import annotations


class ChainKGError(Exception):
    """Root of every error chainkg raises on purpose."""


class SchemaError(ChainKGError):
    """A node label, edge type or (source, edge, target) pattern the schema does not allow."""


class ValidationError(ChainKGError):
    """Input that is malformed: names the file, the row and the problem."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        super().__init__(message)


class NotFoundError(ChainKGError):
    """An id that does not exist; `suggestions` lists close matches. `ambiguous`: what was typed
    fits several, which `suggestions` lists (none is picked silently)."""

    def __init__(
        self, kind: str, key: str, suggestions: list[str] | None = None, *, ambiguous: bool = False
    ) -> None:
        self.kind = kind
        self.key = key
        self.suggestions = suggestions or []
        self.ambiguous = ambiguous
        if ambiguous:
            message = f"'{key}' fits more than one {kind}；请写全称或编号（give the full name or id）：{'、'.join(self.suggestions)}"
        else:
            hint = f"；相近的有：{'、'.join(self.suggestions)}" if self.suggestions else ""
            message = f"unknown {kind} '{key}'{hint}"
        super().__init__(message)


class StoreError(ChainKGError):
    """The store cannot be reached or refused the operation."""


class PermissionDenied(ChainKGError):
    """The actor's role or region does not allow this action (HTTP 403)."""


class ConflictError(ChainKGError):
    """The data changed since it was read, or its state does not allow the action (HTTP 409)."""
