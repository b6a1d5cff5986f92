"""The chainkg knowledge graph: its schema, the GraphStore protocol and its two backends."""

from graph.errors import (
    ChainKGError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    SchemaError,
    StoreError,
    ValidationError,
)

__all__ = [
    "ChainKGError",
    "ConflictError",
    "NotFoundError",
    "PermissionDenied",
    "SchemaError",
    "StoreError",
    "ValidationError",
]
