"""SHACL validation, one statement at a time.

pyshacl validates each named graph of a Dataset on its own, so links from a
statement graph to reference nodes would fail ``sh:class``. The reference graph
is checked once, in full, with the ontology and vocabularies. Each statement
graph is then checked merged with a small context (the class hierarchy, the
concepts' schemes and types, and the types of the reference nodes: all that its
``sh:class`` and concept checks need), with pyshacl's focus limited to the
statement's own subjects, so checking one statement costs the same however large
the reference data is. pyshacl's ``ont_graph`` is not used: it brings in class
definitions only, not the ``skos:inScheme`` of concepts that the shapes check.

Two engines check the same data: kg's compiled engine (:mod:`kg.pipeline.shacl_engine`, the
default: a few milliseconds a statement) and pyshacl (the reference, used when the shapes
need a feature the compiled engine lacks, or when asked for). Both report the same results
on every shape fixture and statement (tested).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

from kg.model.namespaces import IRIs
from kg.pipeline.shacl_engine import CompiledShapes, Data, Result, Triple, TripleIndex, Unsupported
from kg.sources.reference import parse_turtle_files

ENGINES = ("auto", "compiled", "pyshacl")


@dataclass(frozen=True)
class Finding:
    """One SHACL result, in words."""

    unit: str  # "reference" or the statement id
    severity: str  # "Violation", "Warning", "Info"
    focus: str
    path: str
    message: str
    shape: str

    def __str__(self) -> str:
        path = f" path {self.path}" if self.path else ""
        return f"{self.unit}: {self.severity}: {self.focus}{path}: {self.message} [{self.shape}]"


@dataclass
class Report:
    findings: list[Finding]
    units: int

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations


def load_shapes(shapes_dir: Path) -> Graph:
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no SHACL shapes (*.ttl) in {shapes_dir}")
    return parse_turtle_files(files)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _retarget(shapes: Graph, data: Graph, focus: set) -> None:
    """Replace the targets of ``shapes`` by the nodes of ``focus`` (IRIs) they target in
    ``data``, as sh:targetNode."""
    targeted: dict = {}
    declared = [t for t in shapes if t[1] in _TARGETS]
    for shape in set(shapes.subjects(RDF.type, RDFS.Class)):  # implicit class targets
        shapes.remove((shape, RDF.type, RDFS.Class))
        declared.append((shape, SH.targetClass, shape))
    for shape, kind, value in declared:
        shapes.remove((shape, kind, value))
        for node in focus:
            if not isinstance(node, URIRef):
                continue
            if kind == SH.targetClass:
                hit = any(value in data.transitive_objects(t, RDFS.subClassOf)
                          for t in data.objects(node, RDF.type))
            elif kind == SH.targetNode:
                hit = node == value
            elif kind == SH.targetSubjectsOf:
                hit = (node, value, None) in data
            else:
                hit = (None, value, node) in data
            if hit:
                targeted.setdefault(shape, set()).add(node)
    for shape, nodes in targeted.items():
        for node in nodes:
            shapes.add((shape, SH.targetNode, node))


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace)
    return copy


@dataclass
class Context:
    """What statement checks need besides the statement (see the module's docstring)."""

    graph: Graph  # for pyshacl
    index: TripleIndex  # the same triples, for the compiled engine
    reference: Graph
    descriptions: dict  # reference subject -> its triples

    def described(self, nodes: Iterable, reference: Graph) -> list[tuple]:
        """The reference triples about ``nodes``."""
        if reference is self.reference:
            return [t for n in nodes for t in self.descriptions.get(n, ())]
        return [t for n in nodes for t in reference.triples((n, None, None))]


class Validator:
    """Validates graphs against the shapes, with the ontology mixed in.

    ``engine``: "auto" (the compiled engine unless the shapes need pyshacl), "compiled"
    (raise :class:`~kg.pipeline.shacl_engine.Unsupported` if it cannot) or "pyshacl"."""

    def __init__(self, shapes: Graph, ontology: Graph, iris: IRIs, engine: str = "auto") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown SHACL engine {engine!r}: choose one of {ENGINES}")
        self.shapes = shapes
        self.ontology = ontology
        self.iris = iris
        self._nm = Graph()
        iris.bind(self._nm.namespace_manager)
        self.compiled: CompiledShapes | None = None
        self.fallback = ""  # why "auto" chose pyshacl
        if engine != "pyshacl":
            try:
                self.compiled = CompiledShapes.compile(shapes)
            except Unsupported as exc:
                if engine == "compiled":
                    raise
                self.fallback = str(exc)
        self._ontology_index: TripleIndex | None = None

    @property
    def engine(self) -> str:
        return "compiled" if self.compiled is not None else "pyshacl"

    def _ontology(self) -> TripleIndex:
        if self._ontology_index is None:
            self._ontology_index = TripleIndex(self.ontology)
        return self._ontology_index

    def _term(self, term: object, results: Graph) -> str:
        if isinstance(term, BNode):
            # A property path: show it in SHACL's own terms, briefly.
            inverse = results.value(term, SH.inversePath)
            if inverse is not None:
                return "^" + self._term(inverse, results)
            items = list(results.items(term))
            if items:
                return "/".join(self._term(i, results) for i in items)
        return self._curie(term)

    def check(self, data: Graph, unit: str) -> list[Finding]:
        """Validate one plain graph (with the ontology added); return its findings."""
        if self.compiled is not None:
            return self._compiled(Data(TripleIndex(data), self._ontology()), unit)
        merged = _copy(self.ontology)
        for triple in data:
            merged.add(triple)
        return self._check(merged, unit)

    def _check(self, data: Graph, unit: str, focus: set | None = None) -> list[Finding]:
        """pyshacl's findings; with ``focus``, only for those of the focus nodes that the
        shapes target.

        pyshacl's own ``focus_nodes`` option is not used: it also skips the nested shapes
        (sh:node, sh:or, sh:not) of every value node outside the set, literals included, so
        a concept from the wrong scheme or a date given as text would pass. The shapes'
        targets are instead rewritten to name the targeted focus nodes (sh:targetNode)."""
        if focus is not None and not focus:
            return []
        shapes = _copy(self.shapes)  # pyshacl may add to the shapes graph it is given
        if focus is not None:
            _retarget(shapes, data, focus)
        conforms, results, _ = shacl_validate(
            data, shacl_graph=shapes, inference="none", allow_warnings=True)
        findings = []
        # Top-level results only: sh:detail holds nested results of sh:node checks.
        top = [r for report in results.subjects(RDF.type, SH.ValidationReport)
               for r in results.objects(report, SH.result)]
        for result in top:
            severity = results.value(result, SH.resultSeverity)
            message = results.value(result, SH.resultMessage)
            shape = results.value(result, SH.sourceShape)
            findings.append(Finding(
                unit=unit,
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=self._term(results.value(result, SH.focusNode), results),
                path=self._term(results.value(result, SH.resultPath), results)
                if results.value(result, SH.resultPath) is not None else "",
                message=str(message) if message else "constraint not satisfied",
                shape=self._curie(self._owner(shape)),
            ))
        return sorted(findings, key=lambda f: (f.focus, f.path, f.message))

    def _compiled(self, data: Data, unit: str, focus: set | None = None) -> list[Finding]:
        assert self.compiled is not None
        return sorted((self._finding(r, unit) for r in self.compiled.validate(data, focus)),
                      key=lambda f: (f.focus, f.path, f.message))

    def _finding(self, result: Result, unit: str) -> Finding:
        shape = result.shape
        message = result.message
        if message is None:
            message = shape.messages[0] if shape.messages else "constraint not satisfied"
        return Finding(
            unit=unit,
            severity=str(shape.severity).rsplit("#", 1)[-1],
            focus=self._curie(result.focus),
            path=shape.path.text(self._curie) if shape.path is not None else "",
            message=message,
            shape=self._curie(self._owner(shape.node)),
        )

    def _owner(self, shape: object) -> object:
        """The shape to name in a finding: a property shape (a blank node) by its node shape."""
        if isinstance(shape, BNode):
            return self.shapes.value(None, SH.property, shape) or shape
        return shape

    def _curie(self, term: object) -> str:
        if isinstance(term, URIRef | Literal):
            return term.n3(self._nm.namespace_manager)
        return "[]" if isinstance(term, BNode) else str(term)

    def validate(self, statements: Iterable[tuple[str, Iterable[Triple]]],
                 reference: Graph) -> Report:
        """Check the reference graph once, then each statement merged with it."""
        if self.compiled is not None:
            findings = self._compiled(Data(TripleIndex(reference), self._ontology()),
                                      "reference")
        else:
            base = _copy(self.ontology)
            for triple in reference:
                base.add(triple)
            findings = self._check(base, "reference")
        seen = {(f.focus, f.path, f.message) for f in findings}
        context = self.context(reference)
        units = 1
        for statement_id, graph in statements:
            units += 1
            for finding in self.check_statement(graph, statement_id, context, reference):
                if (finding.focus, finding.path, finding.message) not in seen:
                    findings.append(finding)
        return Report(findings, units)

    def context(self, reference: Graph) -> Context:
        """What statement checks need from the ontology and reference data (see above)."""
        context = Graph()
        for s, p, o in self.ontology:
            if p in (RDFS.subClassOf, SKOS.inScheme, RDF.type):
                context.add((s, p, o))
        for triple in reference.triples((None, RDF.type, None)):
            context.add(triple)
        descriptions: dict = {}
        for triple in reference:
            descriptions.setdefault(triple[0], []).append(triple)
        return Context(context, TripleIndex(context), reference, descriptions)

    def check_statement(self, graph: Iterable[Triple], unit: str, context: Context,
                        reference: Graph | None = None) -> list[Finding]:
        """Validate one statement's triples (a graph, or what a build made) against the
        shapes, with the given context.

        A reference node the statement graph says something about is checked too, with its
        whole description from ``reference``."""
        focus = {s for s, _, _ in graph if isinstance(s, URIRef)}
        described = context.described(focus, reference) if reference is not None else []
        if self.compiled is not None:
            own = TripleIndex(graph)
            for triple in described:
                own.add(triple)
            return self._compiled(Data(own, context.index), unit, focus)
        merged = _copy(context.graph)
        for triple in graph:
            merged.add(triple)
        for triple in described:
            merged.add(triple)
        return self._check(merged, unit, focus)
