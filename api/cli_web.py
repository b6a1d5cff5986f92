"""The web commands of `chainkg`: `serve` and `viz` (registered on the main group)."""

from __future__ import annotations

from api.cli import cli  # noqa: F401  (commands below attach to this group)
