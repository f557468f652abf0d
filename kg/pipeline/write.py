"""The one way data gets into the store: :func:`write` checks a change, then applies it.

Every door calls it: ``kg load``, ``kg ingest``, the Graph Store protocol (PUT, POST,
DELETE) and SPARQL Update. Whatever the door, the same change meets the same checks and,
if refused, the same :class:`WriteRefused` (status and message):

- graph names are normalised (scheme and host case) or refused (400) before any comparison;
- the default graph, and the ontology and reference graphs (built from the repository's
  files) cannot be written (403), except by ``kg load`` of a build, for exactly those two;
- any other graph must be a statement graph ``<base>graph/statement/<id>`` (403);
- a statement graph, as the change leaves it, must hold exactly its statement (an
  ``ekg:Statement`` named ``<base>id/statement/<id>``, nothing about another statement),
  give every subject an ``rdf:type``, and pass the SHACL shapes with the ontology and
  reference data (422). An emptied statement graph is a statement taken out: allowed.

A refused write changes nothing.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.config import Settings
from kg.model.namespaces import EKG, SEM, IRIError, IRIs
from kg.model.terms import to_rdflib
from kg.pipeline.validate import Context, Validator, load_shapes
from kg.sources.ontology import load_ontology
from kg.sources.reference import ReferenceIndex, Vocabulary, load_reference
from kg.store.base import ChangeSet, Store

RdfTriple = tuple[Node, Node, Node]
_WRITING = threading.Lock()  # one write at a time in a process: checked, then applied
MAX_SHOWN = 50  # findings listed in a refusal's message


class WriteRefused(Exception):
    """A write that was refused, and changed nothing: an HTTP status (400 bad graph name,
    403 protected graph, 422 a graph that fails its checks), a message that says what and
    where, and the findings (one line each)."""

    def __init__(self, status: int, message: str, findings: Sequence[str] = (),
                 graphs: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.findings = list(findings)
        self.graphs = graphs or {}  # statement graph -> its problems (422 only)

    def __str__(self) -> str:
        return self.message


@dataclass
class WriteContext:
    """What checking a write needs, put together once: the base IRIs, the ontology, the
    reference data (with the event closure) and the shapes; the vocabulary, reference index
    and validator are made from them when first asked for."""

    iris: IRIs
    ontology: Graph
    reference: Graph
    shapes_dir: Path | None = None
    shapes: Graph | None = field(default=None, repr=False)

    @classmethod
    def from_files(cls, settings: Settings) -> WriteContext:
        """From the repository's ontology, reference data and shapes (raises SourceError,
        FileNotFoundError)."""
        ontology = load_ontology(settings.ontology_dir)
        reference = load_reference(settings.reference_dir, settings.iris)
        add_event_closure(reference)
        return cls(settings.iris, ontology, reference, settings.shapes_dir)

    @classmethod
    def from_store(cls, store: Store, settings: Settings) -> WriteContext:
        """From the ontology and reference graphs the store holds (as loaded by a build)."""
        iris = settings.iris
        return cls(iris, stored_graph(store, str(iris.ontology_graph)),
                   stored_graph(store, str(iris.reference_graph)), settings.shapes_dir)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.ontology)

    @cached_property
    def references(self) -> ReferenceIndex:
        return ReferenceIndex(self.reference)

    @cached_property
    def validator(self) -> Validator:
        if self.shapes is None:
            if self.shapes_dir is None:
                raise ValueError("a write context needs shapes to check statements")
            self.shapes = load_shapes(self.shapes_dir)
        return Validator(self.shapes, self.ontology, self.iris)

    @cached_property
    def checks(self) -> Context:
        """The validator's context for statement checks (see :mod:`kg.pipeline.validate`)."""
        return self.validator.context(self.reference)

    def prepare(self) -> WriteContext:
        """Make everything now (before forking workers, which then share it)."""
        _ = self.vocabulary, self.references, self.checks
        return self


def add_event_closure(reference: Graph) -> None:
    """Materialise ekg:withinEvent, the reflexive and transitive closure of sem:subEventOf.

    Queries then find an event's sub-events with one triple pattern instead of a property
    path, which every store answers fast (Virtuoso's ``*`` paths misbehave in larger queries).
    """
    events = set(reference.subjects(RDF.type, EKG.EventReference))
    parents = {e: set(reference.objects(e, SEM.subEventOf)) for e in events}
    for event in events:
        seen, todo = {event}, [event]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        for ancestor in seen:
            reference.add((event, EKG.withinEvent, ancestor))


def stored_graph(store: Store, name: str) -> Graph:
    """A named graph of the store as an rdflib graph (empty if there is none)."""
    graph = Graph()
    for triple in as_rdflib(store.graph_triples(name)):
        graph.add(triple)
    return graph


def _term(term: object) -> Node:
    try:
        return to_rdflib(term)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ValueError(f"RDF-star terms are not accepted: {term}") from exc


def as_rdflib(triples: Iterable[ox.Triple]) -> list[RdfTriple]:
    """pyoxigraph triples as rdflib ones."""
    return [(_term(t.subject), _term(t.predicate), _term(t.object)) for t in triples]


def as_oxigraph(ntriples: str) -> list[ox.Triple]:
    """N-Triples text as pyoxigraph triples."""
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


# -- names ------------------------------------------------------------------------------

def _name(iris: IRIs, graph: str, allow_reference: bool) -> str:
    """The normalised name of a graph the change writes, or WriteRefused."""
    if graph == "":
        raise WriteRefused(403, "the default graph is the union of the named graphs and "
                                "cannot be written: write a statement graph "
                                f"{iris.base}graph/statement/<id>")
    try:
        name = iris.graph_name(graph)
    except IRIError as exc:
        raise WriteRefused(400, str(exc)) from exc
    if name.kind in ("ontology", "reference"):
        if not allow_reference:
            raise WriteRefused(403, f"<{name.iri}>: the reference and ontology graphs are "
                                    "built from the repository's files; change the files and "
                                    "rebuild")
    elif name.kind != "statement":
        raise WriteRefused(403, f"<{graph}>: only statement graphs "
                                f"{iris.base}graph/statement/<id> can be written")
    return name.iri


def normalised(iris: IRIs, changes: ChangeSet, allow_reference: bool = False) -> ChangeSet:
    """The change with every graph name normalised; WriteRefused for a name that cannot be
    written (see the module docstring)."""
    names: dict[str, str] = {}

    def name(graph: str) -> str:
        if graph not in names:
            names[graph] = _name(iris, graph, allow_reference)
        return names[graph]

    def quad(q: ox.Quad) -> ox.Quad:
        graph = "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        return ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(name(graph)))

    graphs: dict[str, list[ox.Triple]] = {}
    for graph, triples in changes.graphs.items():
        graphs.setdefault(name(graph), []).extend(triples)
    return ChangeSet(graphs=graphs, dropped={name(g) for g in changes.dropped},
                     removed=[quad(q) for q in changes.removed],
                     added=[quad(q) for q in changes.added])


def _after(store: Store | None, changes: ChangeSet, graph: str) -> list[ox.Triple]:
    """The triples of ``graph`` as the (normalised) change leaves it (``store`` None: an
    empty store)."""
    if graph in changes.graphs:
        triples = list(changes.graphs[graph])
    elif graph in changes.dropped or store is None:
        triples = []
    else:
        triples = list(store.graph_triples(graph))
    removed = {ox.Triple(q.subject, q.predicate, q.object) for q in changes.removed
               if q.graph_name.value == graph}
    current = dict.fromkeys(t for t in triples if t not in removed)
    for q in changes.added:
        if q.graph_name.value == graph:
            current[ox.Triple(q.subject, q.predicate, q.object)] = None
    return list(current)


# -- statement graphs -------------------------------------------------------------------

def statement_problems(context: WriteContext, graph: str,
                       triples: Iterable[RdfTriple]) -> list[str]:
    """Why a statement graph (its triples as the write leaves them) may not be stored:
    empty if it may."""
    iris = context.iris
    name = iris.graph_name(graph)
    assert name.statement_id is not None
    sid = name.statement_id
    data = list(triples)
    if not data:
        return []
    own = URIRef(str(iris.mint("stmt", sid)))
    typed: dict[Node, set[Node]] = {}
    for s, p, o in data:
        typed.setdefault(s, set())
        if p == RDF.type:
            typed[s].add(o)
    problems = []
    if EKG.Statement not in typed.get(own, set()):
        problems.append(f"{sid}: Violation: the graph holds no ekg:Statement <{own}>: a "
                        "statement graph holds exactly its statement")
    others = sorted({str(t) for triple in data for t in triple
                     if isinstance(t, URIRef) and t != own and iris.statement_id(str(t))}
                    | {str(s) for s, kinds in typed.items()
                       if EKG.Statement in kinds and s != own})
    problems += [f"{sid}: Violation: <{other}> is another statement: a statement graph "
                 "holds exactly its statement" for other in others]
    problems += [f"{sid}: Violation: {subject.n3()} has no rdf:type in the graph"
                 for subject, kinds in typed.items() if not kinds]
    findings = context.validator.check_statement(data, sid, context.checks, context.reference)
    problems += [str(f) for f in findings if f.severity == "Violation"]
    return problems


def refusal(graph: str, problems: Sequence[str]) -> WriteRefused:
    """The refusal of a statement graph with these problems (the same from every door)."""
    shown = "\n".join(problems[:MAX_SHOWN])
    more = f"\n… and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
    return WriteRefused(422, f"<{graph}>: the graph fails the SHACL shapes and statement "
                             f"checks ({len(problems)} violation(s)); nothing was changed:\n"
                             f"{shown}{more}", problems, {graph: list(problems)})


@dataclass(frozen=True)
class Verdict:
    """:func:`statement_problems` of a statement graph, found by a worker that had the graph
    at hand (an ingest worker that built it), bound to the graph's content by its digest: a
    write of exactly that content takes the verdict instead of checking it again."""

    digest: str
    problems: tuple[str, ...]


def content_digest(triples: Iterable[ox.Triple]) -> str:
    """A digest of a graph's triples, the same whatever their order."""
    lines = sorted(str(t) for t in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def verdict(context: WriteContext, graph: str, triples: list[ox.Triple],
            built: Iterable[RdfTriple]) -> Verdict:
    """The verdict on replacing ``graph`` by ``triples`` (``built``: the same triples as
    rdflib made them)."""
    return Verdict(content_digest(triples), tuple(statement_problems(context, graph, built)))


def check(store: Store | None, context: WriteContext, changes: ChangeSet, *,
          allow_reference: bool = False, jobs: int = 1,
          verdicts: Mapping[str, Verdict] | None = None
          ) -> tuple[ChangeSet, dict[str, list[str]]]:
    """The normalised change and the problems of each statement graph it leaves unfit
    (``{}`` if none). Raises WriteRefused for a graph name that cannot be written."""
    changes = normalised(context.iris, changes, allow_reference)
    names = sorted(g for g in changes.touched() if context.iris.graph_name(g).kind == "statement")
    partial = {q.graph_name.value for q in [*changes.removed, *changes.added]}
    known: dict[str, list[str]] = {}
    for graph, given in (verdicts or {}).items():
        if (graph in changes.graphs and graph not in partial
                and given.digest == content_digest(changes.graphs[graph])):
            known[graph] = list(given.problems)
    work = [(g, _after(store, changes, g)) for g in names if g not in known]
    if jobs > 1 and len(work) >= 8:
        results = _in_workers(context, work, jobs)
    else:
        results = [statement_problems(context, g, as_rdflib(triples)) for g, triples in work]
    found = dict(zip([g for g, _ in work], results, strict=True)) | known
    return changes, {g: p for g, p in sorted(found.items()) if p}


def write(store: Store, context: WriteContext, changes: ChangeSet, *,
          allow_reference: bool = False, jobs: int = 1, whole: Path | None = None,
          verdicts: Mapping[str, Verdict] | None = None) -> None:
    """Check a change (see the module docstring) and apply it; WriteRefused, and nothing
    changed, if any part of it is refused. ``jobs``: worker processes for the statement
    checks of a large change. ``whole``: the dataset file the change was read from by
    :func:`read_dataset` (it replaces the store's whole content): applied by loading the file,
    a store's fastest whole replacement. ``verdicts``: see :class:`Verdict`."""
    with _WRITING:  # checked against the data it is applied to (two merges, each fine alone)
        store.refresh()
        _write_checked(store, context, changes, allow_reference, jobs, whole, verdicts)


def _write_checked(store: Store, context: WriteContext, changes: ChangeSet,
                   allow_reference: bool, jobs: int, whole: Path | None,
                   verdicts: Mapping[str, Verdict] | None) -> None:
    changes, problems = check(store, context, changes, allow_reference=allow_reference,
                              jobs=jobs, verdicts=verdicts)
    if problems:
        graph = min(problems)
        refused = refusal(graph, problems[graph])
        if len(problems) > 1:
            refused.message += (f"\n({len(problems) - 1} more graph(s) refused: "
                                f"{', '.join(sorted(problems)[1:][:10])})")
        refused.graphs = problems
        raise refused
    if whole is not None:
        store.replace_all(whole)
    elif not changes.is_empty():
        store.apply(changes)


# -- a built dataset ----------------------------------------------------------------------

_DATASET_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}


def read_dataset(path: Path, store: Store, settings: Settings) -> tuple[ChangeSet, WriteContext]:
    """A built dataset file as the change that makes the store hold exactly it (every graph
    replaced, graphs it lacks dropped), and the context to check it with: the dataset's own
    ontology and reference graphs (else the store's). Raises WriteRefused (400) for a file
    that cannot be read."""
    fmt = _DATASET_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise WriteRefused(400, f"cannot load {path.name}: use an .nq or .trig file")
    graphs: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(path=str(path), format=fmt):
            graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            graphs.setdefault(graph, []).append(ox.Triple(quad.subject, quad.predicate,
                                                          quad.object))
    except (OSError, SyntaxError, ValueError) as exc:
        raise WriteRefused(400, f"cannot load {path}: {' '.join(str(exc).split())[:300]}") \
            from exc
    iris = settings.iris
    ontology, reference = str(iris.ontology_graph), str(iris.reference_graph)
    context = WriteContext.from_store(store, settings)
    if ontology in graphs or reference in graphs:
        context = WriteContext(iris, _graph(graphs.get(ontology, [])),
                               _graph(graphs.get(reference, [])), settings.shapes_dir)
    dropped = set(store.graph_names()) - set(graphs)
    return ChangeSet(graphs=graphs, dropped=dropped), context


def _graph(triples: list[ox.Triple]) -> Graph:
    graph = Graph()
    for triple in as_rdflib(triples):
        graph.add(triple)
    return graph


# -- checks in worker processes -----------------------------------------------------------

# The context of a worker process, set once in each forked worker (compiled shapes hold
# functions, which cannot be pickled; fork hands them over for free).
_CONTEXT: WriteContext | None = None


def _start(context: WriteContext) -> None:
    global _CONTEXT  # noqa: PLW0603 - per worker process, see above
    _CONTEXT = context


_WORK: list[tuple[str, list[ox.Triple]]] = []


def _check_one(index: int) -> list[str]:
    assert _CONTEXT is not None
    graph, triples = _WORK[index]
    return statement_problems(_CONTEXT, graph, as_rdflib(triples))


def _in_workers(context: WriteContext, work: list[tuple[str, list[ox.Triple]]],
                jobs: int) -> list[list[str]]:
    """Check in forked workers, which inherit the context and the work (nothing pickled but
    indexes and answers)."""
    global _WORK  # noqa: PLW0603 - handed to the forked workers, see above
    context.prepare()
    _WORK = work
    try:
        with ProcessPoolExecutor(min(jobs, len(os.sched_getaffinity(0))),
                                 mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start, initargs=(context,)) as pool:
            return list(pool.map(_check_one, range(len(work)),
                                 chunksize=max(1, len(work) // (4 * jobs))))
    finally:
        _WORK = []
