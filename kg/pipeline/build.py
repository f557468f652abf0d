"""Build the dataset: ontology graph + reference graph + one graph per statement.

The same files and base IRI always give the same dataset; N-Quads output is
written with sorted lines, so rebuilding gives a byte-identical file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from kg.config import Settings
from kg.files import write_atomically
from kg.model.namespaces import IRIs
from kg.model.terms import TermCache, ox_quads
from kg.model.triples import Triple
from kg.pipeline.write import WriteContext, add_event_closure
from kg.sources.annotations import BuiltStatement, annotation_files, build_statement
from kg.sources.yamlsource import SourceError

__all__ = ["FORMATS", "BuildError", "BuildResult", "add_event_closure", "build",
           "nquads_lines", "write_dataset"]

FORMATS = {".nq": "nquads", ".trig": "trig"}


class BuildError(Exception):
    """One or more input files could not be built; each error is located."""

    def __init__(self, errors: list[SourceError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class BuildResult:
    ontology: Graph
    reference: Graph
    statements: list[BuiltStatement] = field(default_factory=list)
    context: WriteContext | None = field(default=None, repr=False)

    def dataset(self, iris: IRIs) -> Dataset:
        ds = Dataset()
        iris.bind(ds.namespace_manager)
        _fill(ds.graph(iris.ontology_graph), self.ontology)
        _fill(ds.graph(iris.reference_graph), self.reference)
        for built in self.statements:
            _fill(ds.graph(built.graph_iri), built.triples)
        return ds

    def graphs(self, iris: IRIs) -> list[tuple[URIRef, Graph]]:
        """Every named graph with its IRI, ontology and reference first."""
        return [(iris.ontology_graph, self.ontology), (iris.reference_graph, self.reference)] + [
            (b.graph_iri, b.graph) for b in self.statements
        ]


def _fill(target: Graph, source: Iterable[Triple]) -> None:
    for triple in source:
        target.add(triple)


def build(settings: Settings, only: list[Path] | None = None,
          context: WriteContext | None = None) -> BuildResult:
    """Build everything (or the annotation files ``only``), with the ontology and reference
    data of ``context`` (default: the repository's files); raise BuildError listing every
    file that failed."""
    iris = settings.iris
    errors: list[SourceError] = []
    if context is None:
        try:
            context = WriteContext.from_files(settings)
        except SourceError as exc:
            raise BuildError([exc]) from exc
    result = BuildResult(ontology=context.ontology, reference=context.reference,
                         context=context)
    files = only if only is not None else list(annotation_files(settings.statements_dir))
    for path in files:
        try:
            result.statements.append(
                build_statement(path, iris, context.vocabulary, context.references))
        except SourceError as exc:
            errors.append(exc)
    if errors:
        raise BuildError(errors)
    return result


def nquads_lines(result: BuildResult, iris: IRIs) -> list[str]:
    """The dataset as sorted N-Quads lines: the same input always gives the same lines.

    The triples go to pyoxigraph term by term (no N-Triples text in between) and its
    N-Quads writer writes them; a statement's rdflib graph is made only to canonicalise
    its blank nodes."""
    sources: list[tuple[URIRef, Iterable[Triple], Callable[[], Graph]]] = [
        (iris.ontology_graph, result.ontology, lambda: result.ontology),
        (iris.reference_graph, result.reference, lambda: result.reference)]
    sources += [(b.graph_iri, b.triples, lambda b=b: b.graph) for b in result.statements]
    memo = TermCache()  # each term converted once across graphs
    quads: list[ox.Quad] = []
    for graph_iri, triples, as_graph in sources:
        if any(isinstance(term, BNode) for triple in triples for term in triple):
            triples = to_canonical_graph(as_graph())  # blank node labels from content
        quads.extend(ox_quads(triples, graph_iri, memo))
    text = (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
    return sorted(set(text.splitlines()))


def write_dataset(result: BuildResult, iris: IRIs, path: Path) -> int:
    """Write the dataset to ``path`` (N-Quads or TriG by suffix), atomically.

    Returns the number of quads written.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unknown output format {suffix!r}: use .nq (N-Quads) or .trig (TriG)")
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = nquads_lines(result, iris)
    if FORMATS[suffix] == "nquads":
        payload = "\n".join(lines) + "\n"
    else:
        payload = result.dataset(iris).serialize(format="trig")
    write_atomically(path, payload)
    return len(lines)
