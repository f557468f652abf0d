"""Triple stores behind one interface: embedded Oxigraph (default) or a remote SPARQL server."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kg.store.base import Store, StoreError
from kg.store.embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "Store", "StoreError", "open_store"]


def open_store(spec: str, home: Path, read_only: bool = False,
               options: Mapping[str, str] | None = None) -> Store:
    """Open the store named by ``spec``: ``oxigraph:PATH`` (relative to ``home``) or ``memory:``."""
    kind, _, rest = spec.partition(":")
    if kind == "oxigraph":
        path = Path(rest).expanduser()
        if not path.is_absolute():
            path = home / path
        return EmbeddedStore(path, read_only=read_only)
    if kind == "memory":
        return EmbeddedStore(None)
    raise StoreError(f"unknown store {spec!r}: use oxigraph:PATH or memory:")
