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
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; callers choose by these, never by the backend's class.

    ``versioned``: ``version`` names the data a reader sees, so answers may be kept per
    version (a write changes it). ``forkable``: queries may run in forked child processes
    that see the same data (copy-on-write), so a time limit can kill them.
    ``union_default``: ``query(union_default=False)`` leaves the dataset to the query's own
    FROM clauses. ``stored_graphs_only``: FROM and the protocol's graph parameters only ever
    select graphs the store holds (a server that may fetch an unknown one is False).
    """

    versioned: bool = False
    forkable: bool = False
    union_default: bool = False
    stored_graphs_only: bool = False


@dataclass
class ChangeSet:
    """What one write changes, computed once by the writer and replicated as it is (never
    re-evaluated: an update's ``RAND()``, ``NOW()`` or relative IRIs are resolved already).

    Applied in this order, atomically: the graphs in ``dropped`` go; each graph in
    ``graphs`` is replaced by its triples (an empty list leaves it empty, that is, gone);
    ``removed`` quads go; ``added`` quads come. Quads are in named graphs or the default
    graph (``ox.DefaultGraph``).
    """

    graphs: dict[str, list[ox.Triple]] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    removed: list[ox.Quad] = field(default_factory=list)
    added: list[ox.Quad] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.graphs or self.dropped or self.removed or self.added)

    def graph_quads(self) -> list[ox.Quad]:
        """The triples of ``graphs`` as quads in their graphs (made once: a change set is not
        changed once made)."""
        quads = self.__dict__.get("_graph_quads")
        if quads is None:
            quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                     for graph, triples in self.graphs.items() for t in triples]
            self.__dict__["_graph_quads"] = quads
        return quads

    def touched(self) -> set[str]:
        """The named graphs this change writes (``""`` stands for the default graph)."""
        names = set(self.dropped) | set(self.graphs)
        for quad in [*self.removed, *self.added]:
            graph = quad.graph_name
            names.add("" if isinstance(graph, ox.DefaultGraph) else graph.value)
        return names

    def as_update(self) -> str:
        """The change as one SPARQL update of data only (the same on every replica)."""
        parts = [f"DROP SILENT GRAPH {ox.NamedNode(g)}"
                 for g in sorted(self.dropped | set(self.graphs))]
        for index, (graph, triples) in enumerate(sorted(self.graphs.items())):
            if triples:
                parts.append(f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{\n"
                             f"{_triples_text(triples, f'g{index}x')}}} }}")
        if self.removed:
            parts.append(f"DELETE DATA {{\n{_quads_text(self.removed)}}}")
        if self.added:
            parts.append(f"INSERT DATA {{\n{_quads_text(self.added)}}}")
        return " ;\n".join(parts)


def _triples_text(triples: Iterable[ox.Triple], prefix: str) -> str:
    """Triples in N-Triples syntax, their blank nodes renamed apart per graph (one update
    may not use a blank node label in two INSERT DATA blocks)."""
    def term(t: Any) -> str:
        return f"_:{prefix}{t.value}" if isinstance(t, ox.BlankNode) else str(t)
    return "".join(f"{term(t.subject)} {t.predicate} {term(t.object)} .\n" for t in triples)


def _quads_text(quads: Iterable[ox.Quad]) -> str:
    lines = []
    for quad in quads:
        triple = f"{quad.subject} {quad.predicate} {quad.object} ."
        if isinstance(quad.graph_name, ox.DefaultGraph):
            lines.append(triple + "\n")
        else:
            lines.append(f"GRAPH {quad.graph_name} {{ {triple} }}\n")
    return "".join(lines)


class Store(ABC):
    """A quad store holding the named graphs of the knowledge graph.

    The default graph of queries is the union of all named graphs, unless the
    caller names the default graphs (SPARQL protocol ``default-graph-uri``).
    """

    capabilities: Capabilities = Capabilities()

    @abstractmethod
    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None,
              timeout: float | None = None, union_default: bool = True) -> QueryResult:
        """Run a SPARQL query. Raises QuerySyntaxError, QueryTimeout, StoreUnavailable.

        ``union_default=False`` leaves the dataset to the query's FROM clauses, where the
        store can (``capabilities.union_default``); others ignore it."""

    @property
    def version(self) -> object | None:
        """The version of the data this process reads (None: not versioned)."""
        return None

    def refresh(self) -> None:  # noqa: B027 - optional hook
        """Bring what this process reads up to the store's latest version (optional)."""

    def fork_guard(self) -> AbstractContextManager[Any]:
        """Held while forking a query process: a forkable store's in-memory data must not be
        changing then (a child would inherit locks held by a thread it does not have)."""
        return nullcontext()

    @abstractmethod
    def apply(self, changes: ChangeSet) -> None:
        """Apply a change set atomically (where the store can), the one write primitive.
        (``changes.as_update()`` is the change as one SPARQL update of data.)"""

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update: evaluated once, here, into the change set it makes, which is
        applied (and replicated) as it is. QuerySyntaxError / UpdateError if it cannot be."""
        from kg.store.changes import changes_of_update

        self.apply(changes_of_update(self, sparql, base_iri=base_iri))

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
