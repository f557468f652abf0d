"""The store interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any


class StoreError(Exception):
    """The store cannot do what was asked; the message says why."""


class Store(ABC):
    """A quad store holding the named graphs of the knowledge graph."""

    @abstractmethod
    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Run a SELECT over the union of all graphs; rows map variable -> Python value."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs in the store."""

    @abstractmethod
    def replace_all(self, dataset_file: Path) -> None:
        """Replace the store's whole content with an N-Quads/TriG file, atomically."""

    @abstractmethod
    def is_empty(self) -> bool:
        """True if the store holds no quads."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (optional)."""
