"""The store interface every backend implements.

Query results are pyoxigraph's own result objects whatever the backend, so one
serialisation layer serves every store: ``ox.QuerySolutions`` for SELECT,
``ox.QueryBoolean`` for ASK, and an iterable of ``ox.Triple`` for CONSTRUCT and
DESCRIBE. A remote store parses its server's answer into these objects, which
also shields clients from the server's quirks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

QueryResult = ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]


class StoreError(Exception):
    """The store cannot do what was asked; the message says why (shown to clients)."""


class StoreUnavailable(StoreError):
    """The store cannot be reached right now (a remote server is down)."""


class QueryTimeout(StoreError):
    """The query ran past its time limit and was stopped."""


class QuerySyntaxError(StoreError):
    """The query or update is not valid SPARQL; the message has the parser's words."""


def python_value(term: Any) -> Any:
    """A plain Python value for an RDF term (integers as int, everything else as text)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        if term.datatype.value.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        return term.value
    return term.value


class Store(ABC):
    """A quad store holding the named graphs of the knowledge graph.

    The default graph of queries is the union of all named graphs, unless the
    caller names the default graphs (SPARQL protocol ``default-graph-uri``).
    """

    @abstractmethod
    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None,
              timeout: float | None = None) -> QueryResult:
        """Run a SPARQL query. Raises QuerySyntaxError, QueryTimeout, StoreUnavailable."""

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update, atomically."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs in the store, sorted."""

    @abstractmethod
    def replace_graph(self, graph: str, ntriples: str) -> None:
        """Replace one named graph with the given N-Triples, atomically."""

    def replace_graphs(self, graphs: Sequence[tuple[str, str]]) -> None:
        """Replace several named graphs, each by its N-Triples. Atomic as a whole where the
        store can do it (the embedded store: one transaction); otherwise one by one."""
        for graph, ntriples in graphs:
            self.replace_graph(graph, ntriples)

    @abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove one named graph (no error if it does not exist)."""

    @abstractmethod
    def replace_all(self, dataset_file: Path) -> None:
        """Replace the store's whole content with an N-Quads/TriG file."""

    @abstractmethod
    def dump(self) -> Iterator[bytes]:
        """Every quad of every named graph, as N-Quads, streamed in chunks."""

    @abstractmethod
    def is_empty(self) -> bool:
        """True if the store holds no quads."""

    def graph_triples(self, graph: str) -> Iterable[ox.Triple]:
        """The triples of one named graph, as the store yields them (none if no such graph)."""
        name = ox.NamedNode(graph)
        return self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}")

    def select(self, sparql: str, timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a SELECT over the union of all graphs; rows map variable -> Python value."""
        result = self.query(sparql, timeout=timeout)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: python_value(row[n]) for n in names} for row in result]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (optional)."""
