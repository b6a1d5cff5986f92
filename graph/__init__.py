"""The chainkg knowledge graph: its schema, the GraphStore protocol and its two backends."""

from graph.errors import ChainKGError, NotFoundError, SchemaError, StoreError, ValidationError

__all__ = ["ChainKGError", "NotFoundError", "SchemaError", "StoreError", "ValidationError"]
