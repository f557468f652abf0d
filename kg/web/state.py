"""The per-app service state: settings, store, query executor. Reached with ``get_kg()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from kg.config import Settings
from kg.store import EmbeddedStore, Store
from kg.web.executor import ForkExecutor, InlineExecutor

DEFAULT_EXAMPLE = """PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Every figure cited, by delegation and date, with its stated text and interpreted bounds
SELECT ?date ?delegation ?stated ?min ?max WHERE {
  ?claim a ekg:FigureClaim ; ekg:figure ?figure ; ekg:statedIn ?statement .
  ?statement dcterms:date ?date ; ekg:delegation/rdfs:label ?delegation .
  ?figure ekg:statedText ?stated .
  OPTIONAL { ?figure schema:minValue ?min } OPTIONAL { ?figure schema:maxValue ?max }
}
ORDER BY ?date ?delegation
LIMIT 100
"""


@dataclass
class KG:
    """What every request needs; created once per app by ``create_app``."""

    settings: Settings
    store: Store
    executor: ForkExecutor | InlineExecutor
    _graphs: list[str] | None = field(default=None, repr=False)

    @property
    def is_embedded(self) -> bool:
        return isinstance(self.store, EmbeddedStore)

    def graph_names(self) -> list[str]:
        if self._graphs is None:
            self._graphs = self.store.graph_names()
        return self._graphs

    def invalidate(self) -> None:
        """Forget cached facts about the store after a write."""
        self._graphs = None

    def examples(self) -> list[tuple[str, str]]:
        """``(title, text)`` of the saved queries, shown as examples on the query page."""
        out = []
        folder: Path = self.settings.queries_dir
        for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
            text = path.read_text(encoding="utf-8")
            title = path.stem.replace("-", " ")
            for line in text.splitlines():
                if line.startswith("#+ title:") or line.startswith("#+ summary:"):
                    title = line.split(":", 1)[1].strip().strip("'\"")
                    break
            out.append((title, text))
        return out

    def example_query(self) -> str:
        return DEFAULT_EXAMPLE

    def close(self) -> None:
        self.executor.close()
        self.store.close()


def make_executor(settings: Settings, store: Store) -> ForkExecutor | InlineExecutor:
    if isinstance(store, EmbeddedStore):
        return ForkExecutor(store, settings.query_processes)
    return InlineExecutor(store)


def get_kg() -> KG:
    return current_app.extensions["kg"]
