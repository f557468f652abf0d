"""The embedded store: pyoxigraph, on disk (persistent) or in memory."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.store.base import Store, StoreError

_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}


def _python(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype.endswith(("#integer", "#int", "#long")):
            return int(term.value)
        return term.value
    return term.value


class EmbeddedStore(Store):
    """A pyoxigraph store; ``path=None`` keeps it in memory."""

    def __init__(self, path: Path | None, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._store = self._open()

    def _open(self) -> ox.Store:
        if self.path is None:
            return ox.Store()
        try:
            if self.read_only:
                return ox.Store.read_only(str(self.path))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    @property
    def oxigraph(self) -> ox.Store:
        return self._store

    def select(self, sparql: str) -> list[dict[str, Any]]:
        solutions = self._store.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: _python(row[n]) for n in names} for row in solutions]

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is None

    def replace_all(self, dataset_file: Path) -> None:
        fmt = _FORMATS.get(dataset_file.suffix.lower())
        if fmt is None:
            raise StoreError(f"cannot load {dataset_file.name}: use an .nq or .trig file")
        if self.path is None:
            fresh = ox.Store()
            fresh.bulk_load(path=str(dataset_file), format=fmt)
            self._store = fresh
            return
        # Load into a new folder, then swap folders: readers never see a half-loaded store.
        staging = self.path.with_name(self.path.name + ".loading")
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(staging, ignore_errors=True)
        fresh = ox.Store(str(staging))
        fresh.bulk_load(path=str(dataset_file), format=fmt)
        fresh.optimize()
        fresh.flush()
        del fresh
        del self._store
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        staging.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self._store = self._open()
