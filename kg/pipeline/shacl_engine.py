"""SHACL shapes compiled into Python checks over dictionary indexes.

pyshacl is the reference engine, but checking one statement with it costs 170–350 ms,
most of it building rdflib graphs (the statement merged with its context) and re-reading
the shapes. This engine reads the shapes once into plain objects and checks a statement
over a union of triple indexes: the statement's own (built per check) and the context's
(built once), in a few milliseconds.

It implements the SHACL Core features kg's shapes use, with pyshacl's semantics (the same
literal comparison, datatype and pattern rules), and SPARQL-based constraints (SELECT),
run by rdflib's SPARQL engine with ``$this`` pre-bound, as pyshacl runs them. Shapes that
use anything else raise :class:`Unsupported` when compiled, and the caller falls back to
pyshacl. ``tests/test_shacl_engine.py`` checks that both engines report the same results on
every shape fixture, the shipped statements and many mutated statements.

Where a shape has no ``sh:message`` the wording of a result differs from pyshacl's
generic messages (the focus, path and shape are the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.evalutils import _ebv
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext
from rdflib.store import Store as RdflibStore
from rdflib.term import Node, Variable

Triple = tuple[Node, Node, Node]
_TYPE, _SUBCLASS = RDF.type, RDFS.subClassOf
_LENIENT = (SH.Warning, SH.Info)  # severities that pyshacl (allow_warnings) lets conform
_NONE: dict[Node, set[Node]] = {}


class Unsupported(Exception):
    """The shapes use a SHACL feature this engine does not implement."""


# ------------------------------------------------------------------------------ data


class TripleIndex:
    """Triples indexed subject → predicate → objects and predicate → object → subjects."""

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        self.spo: dict[Node, dict[Node, set[Node]]] = {}
        self.pos: dict[Node, dict[Node, set[Node]]] = {}
        for triple in triples:
            self.add(triple)

    def add(self, triple: Triple) -> None:
        s, p, o = triple
        self.spo.setdefault(s, {}).setdefault(p, set()).add(o)
        self.pos.setdefault(p, {}).setdefault(o, set()).add(s)

    def __bool__(self) -> bool:
        return bool(self.spo)


class Data:
    """The union of some triple indexes: the data graph the shapes are checked against."""

    def __init__(self, *layers: TripleIndex) -> None:
        self.layers = [layer for layer in layers if layer]
        self._supers: dict[Node, set[Node]] = {}
        self._graph: Graph | None = None

    def graph(self) -> Graph:
        """The same data as a read-only rdflib graph, for rdflib's SPARQL engine."""
        if self._graph is None:
            self._graph = Graph(store=_DataStore(self), bind_namespaces="none")
        return self._graph

    @staticmethod
    def _get(indexes: Iterable[dict[Node, dict[Node, set[Node]]]], first: Node,
             second: Node) -> set[Node]:
        out: set[Node] = set()
        for index in indexes:
            values = index.get(first, _NONE).get(second)
            if values:
                out |= values
        return out

    def objects(self, s: Node, p: Node) -> set[Node]:
        return self._get((layer.spo for layer in self.layers), s, p)

    def subjects(self, p: Node, o: Node) -> set[Node]:
        return self._get((layer.pos for layer in self.layers), p, o)

    def subjects_of(self, p: Node) -> set[Node]:
        out: set[Node] = set()
        for layer in self.layers:
            for subjects in layer.pos.get(p, {}).values():
                out |= subjects
        return out

    def objects_of(self, p: Node) -> set[Node]:
        out: set[Node] = set()
        for layer in self.layers:
            out.update(layer.pos.get(p, {}))
        return out

    def superclasses(self, cls: Node) -> set[Node]:
        """``cls`` and everything it is an ``rdfs:subClassOf*`` of."""
        known = self._supers.get(cls)
        if known is None:
            known = self._closure(cls, self.objects)
            self._supers[cls] = known
        return known

    @staticmethod
    def _closure(start: Node, step: Callable[[Node, Node], set[Node]]) -> set[Node]:
        seen = {start}
        todo = [start]
        while todo:
            for nxt in step(todo.pop(), _SUBCLASS):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def is_instance(self, node: Node, cls: Node) -> bool:
        if isinstance(node, Literal):
            return False
        return any(cls in self.superclasses(t) for t in self.objects(node, _TYPE))

    def all_types(self, node: Node) -> set[Node]:
        """Every class ``node`` is an instance of, through ``rdfs:subClassOf*``."""
        types = self.objects(node, _TYPE)
        return set().union(*(self.superclasses(t) for t in types)) if types else set()

    def instances(self, cls: Node) -> set[Node]:
        out: set[Node] = set()
        for sub in self._closure(cls, lambda c, p: self.subjects(p, c)):
            out |= self.subjects(_TYPE, sub)
        return out

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        seen: set[Triple] = set()
        for layer in self.layers:
            for triple in _layer_triples(layer, s, p, o):
                if triple not in seen:
                    seen.add(triple)
                    yield triple


def _layer_triples(layer: TripleIndex, s: Node | None, p: Node | None,
                   o: Node | None) -> Iterator[Triple]:
    if s is not None:
        by_p = layer.spo.get(s, {})
        for pred, objects in ([(p, by_p.get(p, ()))] if p is not None else by_p.items()):
            for obj in objects:
                if o is None or obj == o:
                    yield s, pred, obj
    elif p is not None:
        by_o = layer.pos.get(p, {})
        for obj, subjects in ([(o, by_o.get(o, ()))] if o is not None else by_o.items()):
            for subj in subjects:
                yield subj, p, obj
    else:
        for pred, by_o in layer.pos.items():
            for obj, subjects in by_o.items():
                if o is None or obj == o:
                    for subj in subjects:
                        yield subj, pred, obj


class _DataStore(RdflibStore):
    """A read-only rdflib store over :class:`Data`, for rdflib's SPARQL engine."""

    def __init__(self, data: Data) -> None:
        super().__init__()
        self.data = data

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:
        s, p, o = triple_pattern  # rdflib's Graph walks property paths itself
        for triple in self.data.triples(s, p, o):
            yield triple, iter(())

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self.data.triples(None, None, None))


# ------------------------------------------------------------------------------ paths


@dataclass(frozen=True)
class Path:
    """A compiled property path: a predicate, an inverse predicate or a sequence."""

    kind: str  # "pred", "inv", "seq"
    pred: Node | None = None
    steps: tuple[Path, ...] = ()

    def values(self, data: Data, focus: Node) -> set[Node]:
        if self.kind == "pred":
            return data.objects(focus, self.pred)  # type: ignore[arg-type]
        if self.kind == "inv":
            return data.subjects(self.pred, focus)  # type: ignore[arg-type]
        nodes = {focus}
        for step in self.steps:
            nodes = set().union(*(step.values(data, n) for n in nodes)) if nodes else set()
        return nodes

    def text(self, curie: Callable[[Node], str]) -> str:
        if self.kind == "pred":
            return curie(self.pred)  # type: ignore[arg-type]
        if self.kind == "inv":
            return "^" + curie(self.pred)  # type: ignore[arg-type]
        return "/".join(step.text(curie) for step in self.steps)


def _path(shapes: Graph, node: Node) -> Path:
    if isinstance(node, URIRef):
        return Path("pred", node)
    inverse = shapes.value(node, SH.inversePath)
    if inverse is not None:
        if not isinstance(inverse, URIRef):
            raise Unsupported("inverse of a complex path")
        return Path("inv", inverse)
    if shapes.value(node, RDF.first) is not None:
        return Path("seq", steps=tuple(_path(shapes, step) for step in Collection(shapes, node)))
    raise Unsupported(f"property path {node}")


# ------------------------------------------------------------------------------ shapes

# Parameters that describe a shape without constraining it.
_DESCRIPTIVE = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message,
                SH.severity, SH.deactivated, SH.path, SH.property, SH.targetClass,
                SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.declare}
_VALUE_KINDS = {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral,
                SH.IRIOrLiteral}


@dataclass
class Result:
    """One validation result, before it is put into words."""

    focus: Node
    shape: Shape
    value: Node | None = None
    message: str | None = None  # a SPARQL constraint's message, variables filled in


Check = Callable[[Data, Node, set[Node]], list[Result]]


@dataclass(eq=False)
class Shape:
    node: Node
    path: Path | None = None
    severity: URIRef = SH.Violation
    messages: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    target_classes: list[Node] = field(default_factory=list)
    target_nodes: list[Node] = field(default_factory=list)
    target_subjects_of: list[Node] = field(default_factory=list)
    target_objects_of: list[Node] = field(default_factory=list)
    deactivated: bool = False
    owner: Shape | None = None  # the node shape of a property shape

    def targets(self, data: Data) -> set[Node]:
        found = set(self.target_nodes)
        for cls in self.target_classes:
            found |= data.instances(cls)
        for pred in self.target_subjects_of:
            found |= data.subjects_of(pred)
        for pred in self.target_objects_of:
            found |= data.objects_of(pred)
        return found

    def is_target(self, data: Data, node: Node, types: set[Node]) -> bool:
        """Whether ``node`` (an instance of ``types``) is a target of this shape."""
        if node in self.target_nodes:
            return True
        if any(cls in types for cls in self.target_classes):
            return True
        if any(data.objects(node, pred) for pred in self.target_subjects_of):
            return True
        return any(data.subjects(pred, node) for pred in self.target_objects_of)

    def evaluate(self, data: Data, focus: Node) -> list[Result]:
        """All results of this shape (and its property shapes) for one focus node."""
        if self.deactivated:
            return []
        values = self.path.values(data, focus) if self.path is not None else {focus}
        results: list[Result] = []
        for check in self.checks:
            results.extend(check(data, focus, values))
        for prop in self.properties:
            for value in values:
                results.extend(prop.evaluate(data, value))
        return results

    def conforms(self, data: Data, focus: Node) -> bool:
        """What sh:node, sh:or, sh:not and sh:and ask of a nested shape (pyshacl's rule:
        a shape whose severity is a warning or info conforms whatever it finds)."""
        if self.severity in _LENIENT:
            return True
        return all(r.shape.severity in _LENIENT for r in self.evaluate(data, focus))


def _each(shape: Shape, fails: Callable[[Data, Node, Node], bool]) -> Check:
    """A check made of one test per value node: a result for every value that fails."""
    def check(data: Data, focus: Node, values: set[Node]) -> list[Result]:
        return [Result(focus, shape, v) for v in values if fails(data, focus, v)]
    return check


def _datatype_ok(value: Node, datatype: Node) -> bool:
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        if getattr(value, "ill_typed", None) is True:
            return False
        return _actual_datatype(value, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and value.datatype:
        return True
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return _actual_datatype(value, datatype)
    if datatype == RDF.langString and value.language:
        return _actual_datatype(value, datatype)
    return False


_PYTHON_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int,
    XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date,
    XSD.time: time, XSD.dateTime: datetime,
}


def _actual_datatype(value: Literal, datatype: Node) -> bool:
    wanted = _PYTHON_TYPES.get(datatype)
    return True if wanted is None else isinstance(value.value, wanted)


def _range_ok(value: Node, bound: Literal, accept: Callable[[int], bool]) -> bool:
    if not isinstance(value, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    try:
        return accept(compare_literal(value, bound))
    except (TypeError, NotImplementedError):
        return False


def _string(value: Node) -> str:
    if isinstance(value, Literal) and value.value is not None and \
            value.datatype in (None, RDF.langString, XSD.string):
        return str(value.value)
    return str(value)


def _node_kind_ok(value: Node, kind: Node) -> bool:
    is_iri, is_blank, is_literal = (isinstance(value, URIRef), isinstance(value, BNode),
                                    isinstance(value, Literal))
    return {SH.IRI: is_iri, SH.BlankNode: is_blank, SH.Literal: is_literal,
            SH.BlankNodeOrIRI: is_blank or is_iri, SH.BlankNodeOrLiteral: is_blank or is_literal,
            SH.IRIOrLiteral: is_iri or is_literal}[kind]


def _comparable(node: Node) -> tuple[Any, bool]:
    if isinstance(node, URIRef):
        return str(node), True
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False


def _pair_check(shape: Shape, other: Node, strict: bool) -> Check:
    """sh:lessThan / sh:lessThanOrEquals, compared as pyshacl compares them."""
    def check(data: Data, focus: Node, values: set[Node]) -> list[Result]:
        results = []
        for value in values:
            left, left_is_string = _comparable(value)
            for compare in data.objects(focus, other):
                right, right_is_string = _comparable(compare)
                if isinstance(value, BNode) or isinstance(compare, BNode) or \
                        left_is_string != right_is_string:
                    ok = False
                else:
                    try:
                        ok = bool(left < right) if strict else bool(left <= right)
                    except TypeError:
                        ok = False
                if not ok:
                    results.append(Result(focus, shape, value))
        return results
    return check


def _one_literal(shapes: Graph, node: Node, param: Node) -> Literal:
    values = list(shapes.objects(node, param))
    if len(values) != 1 or not isinstance(values[0], Literal):
        raise Unsupported(f"{param} on {node} needs exactly one literal")
    return values[0]


@dataclass
class _Sparql:
    query: Any
    messages: list[str]


# ------------------------------------------------------------------------------ components

Compile = Callable[["Compiler", Shape, URIRef], list[Check]]


@dataclass(frozen=True)
class Component:
    """One SHACL constraint component (as pyshacl has a class for each, in
    ``pyshacl/constraints``): its IRI, the parameters that make a shape use it, and how a
    shape's use of it compiles into checks."""

    iri: URIRef
    parameters: tuple[URIRef, ...]
    compile: Compile
    optional: tuple[URIRef, ...] = ()  # parameters read with the main one (sh:flags)
    property_only: bool = False  # only on property shapes (sh:minCount needs a path)


COMPONENTS: dict[URIRef, Component] = {}  # component IRI → component
PARAMETERS: dict[URIRef, Component] = {}  # each parameter → its component
_READ_WITH_OTHERS: set[URIRef] = set()


def component(iri: URIRef, *parameters: URIRef, optional: tuple[URIRef, ...] = (),
              property_only: bool = False) -> Callable[[Compile], Compile]:
    """Register the decorated function as the compiler of constraint component ``iri``:
    called with the compiler, the shape and the parameter met, it returns the checks."""
    def register(function: Compile) -> Compile:
        entry = Component(iri, parameters, function, optional, property_only)
        COMPONENTS[iri] = entry
        for parameter in parameters:
            PARAMETERS[parameter] = entry
        _READ_WITH_OTHERS.update(optional)
        return function
    return register


@component(SH.ClassConstraintComponent, SH["class"])
def _class(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    return [_each(shape, lambda d, f, v, cls=cls: not d.is_instance(v, cls))
            for cls in c.g.objects(shape.node, param)]


@component(SH.DatatypeConstraintComponent, SH.datatype)
def _datatype(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    datatype = c.g.value(shape.node, param)
    return [_each(shape, lambda d, f, v: not _datatype_ok(v, datatype))]


@component(SH.NodeKindConstraintComponent, SH.nodeKind)
def _node_kind(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    kind = c.g.value(shape.node, param)
    if kind not in _VALUE_KINDS:
        raise Unsupported(f"sh:nodeKind {kind}")
    return [_each(shape, lambda d, f, v: not _node_kind_ok(v, kind))]


def _count(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    limit = int(_one_literal(c.g, shape.node, param))
    low = param == SH.minCount

    def count(d: Data, f: Node, values: set[Node]) -> list[Result]:
        bad = len(values) < limit if low else len(values) > limit
        return [Result(f, shape)] if bad else []
    return [count]


component(SH.MinCountConstraintComponent, SH.minCount, property_only=True)(_count)
component(SH.MaxCountConstraintComponent, SH.maxCount, property_only=True)(_count)

_ACCEPT: dict[URIRef, Callable[[int], bool]] = {
    SH.minInclusive: lambda c: c >= 0, SH.maxInclusive: lambda c: c <= 0,
    SH.minExclusive: lambda c: c > 0, SH.maxExclusive: lambda c: c < 0}


def _range(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    bound, accept = _one_literal(c.g, shape.node, param), _ACCEPT[param]
    return [_each(shape, lambda d, f, v: not _range_ok(v, bound, accept))]


for _iri, _param in ((SH.MinInclusiveConstraintComponent, SH.minInclusive),
                     (SH.MaxInclusiveConstraintComponent, SH.maxInclusive),
                     (SH.MinExclusiveConstraintComponent, SH.minExclusive),
                     (SH.MaxExclusiveConstraintComponent, SH.maxExclusive)):
    component(_iri, _param)(_range)


@component(SH.MinLengthConstraintComponent, SH.minLength)
def _min_length(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    length = int(_one_literal(c.g, shape.node, param))
    return [_each(shape, lambda d, f, v: length > 0 and (
        isinstance(v, BNode) or len(_string(v)) < length))]


@component(SH.MaxLengthConstraintComponent, SH.maxLength)
def _max_length(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    length = int(_one_literal(c.g, shape.node, param))
    return [_each(shape, lambda d, f, v: isinstance(v, BNode) or len(_string(v)) > length)]


@component(SH.PatternConstraintComponent, SH.pattern, optional=(SH.flags,))
def _pattern(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    flags_lit = c.g.value(shape.node, SH.flags)
    flags = str(flags_lit).lower() if flags_lit is not None else ""
    regex = re.compile(str(_one_literal(c.g, shape.node, param)),
                       (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)
                       | (re.S if "s" in flags else 0) | (re.X if "x" in flags else 0))
    return [_each(shape, lambda d, f, v: isinstance(v, BNode)
                  or regex.search(_string(v)) is None)]


@component(SH.UniqueLangConstraintComponent, SH.uniqueLang)
def _unique_lang(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    if _one_literal(c.g, shape.node, param).value is not True:
        return []

    def unique(d: Data, f: Node, values: set[Node]) -> list[Result]:
        seen: set[str] = set()
        twice: set[str] = set()
        for v in values:
            if isinstance(v, Literal) and v.language:
                lang = v.language.lower()
                (twice if lang in seen else seen).add(lang)
        return [Result(f, shape) for _ in twice]
    return [unique]


@component(SH.HasValueConstraintComponent, SH.hasValue)
def _has_value(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    return [lambda d, f, values, w=wanted: [] if w in values else [Result(f, shape)]
            for wanted in c.g.objects(shape.node, param)]


@component(SH.InConstraintComponent, SH["in"])
def _in(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    allowed = set(Collection(c.g, c.g.value(shape.node, param)))
    return [_each(shape, lambda d, f, v: v not in allowed)]


@component(SH.NodeConstraintComponent, SH.node)
def _node(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    return [_each(shape, lambda d, f, v, s=inner: not s.conforms(d, v))
            for inner in c._shapes(shape.node, param)]


@component(SH.NotConstraintComponent, SH["not"])
def _not(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    return [_each(shape, lambda d, f, v, s=inner: s.conforms(d, v))
            for inner in c._shapes(shape.node, param)]


@component(SH.OrConstraintComponent, SH["or"])
def _or(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    options = c._shapes(shape.node, param)
    return [_each(shape, lambda d, f, v: not any(s.conforms(d, v) for s in options))]


@component(SH.AndConstraintComponent, SH["and"])
def _and(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    parts = c._shapes(shape.node, param)
    return [_each(shape, lambda d, f, v: not all(s.conforms(d, v) for s in parts))]


def _less_than(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    return [_pair_check(shape, other, strict=param == SH.lessThan)
            for other in c.g.objects(shape.node, param)]


component(SH.LessThanConstraintComponent, SH.lessThan, property_only=True)(_less_than)
component(SH.LessThanOrEqualsConstraintComponent, SH.lessThanOrEquals,
          property_only=True)(_less_than)


@component(SH.SPARQLConstraintComponent, SH.sparql)
def _sparql(c: Compiler, shape: Shape, param: URIRef) -> list[Check]:
    return [c._sparql(shape, constraint) for constraint in c.g.objects(shape.node, param)]


class Compiler:
    """Reads a shapes graph into :class:`Shape` objects."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.done: dict[Node, Shape] = {}

    def shape(self, node: Node, owner: Shape | None = None) -> Shape:
        if node in self.done:
            return self.done[node]
        g = self.g
        shape = Shape(node=node, owner=owner)
        self.done[node] = shape
        path = g.value(node, SH.path)
        if path is not None:
            shape.path = _path(g, path)
        severity = g.value(node, SH.severity)
        if severity is not None:
            shape.severity = severity  # type: ignore[assignment]
        shape.messages = sorted(str(m) for m in g.objects(node, SH.message))
        deactivated = g.value(node, SH.deactivated)
        shape.deactivated = isinstance(deactivated, Literal) and deactivated.value is True
        shape.target_classes = list(g.objects(node, SH.targetClass))
        if (node, RDF.type, RDFS.Class) in g:
            shape.target_classes.append(node)
        shape.target_nodes = list(g.objects(node, SH.targetNode))
        shape.target_subjects_of = list(g.objects(node, SH.targetSubjectsOf))
        shape.target_objects_of = list(g.objects(node, SH.targetObjectsOf))
        for prop in g.objects(node, SH.property):
            shape.properties.append(self.shape(prop, owner=shape))
        for param in set(g.predicates(node, None)):
            if param in _DESCRIPTIVE or param == RDF.type or not str(param).startswith(str(SH)):
                continue
            self._constraint(shape, param)
        return shape

    def _shapes(self, node: Node, param: Node) -> list[Shape]:
        out = []
        for value in self.g.objects(node, param):
            if param in (SH["or"], SH["and"], SH.xone):
                out.extend(self.shape(item) for item in Collection(self.g, value))
            else:
                out.append(self.shape(value))
        return out

    def _constraint(self, shape: Shape, param: Node) -> None:
        """The checks of the constraint component that ``param`` belongs to."""
        component = PARAMETERS.get(param)  # type: ignore[call-overload]
        if component is None:
            if param in _READ_WITH_OTHERS:
                return  # read by its component's main parameter (sh:flags with sh:pattern)
            raise Unsupported(f"{param} (on {shape.node})")
        if component.property_only and shape.path is None:
            raise Unsupported(f"{param} on a node shape")
        shape.checks.extend(component.compile(self, shape, param))  # type: ignore[arg-type]

    def _sparql(self, shape: Shape, constraint: Node) -> Check:
        g = self.g
        for param in g.predicates(constraint, None):
            if param not in (SH.select, SH.message, SH.prefixes, RDF.type, SH.deactivated):
                raise Unsupported(f"{param} in a SPARQL-based constraint")
        deactivated = g.value(constraint, SH.deactivated)
        if isinstance(deactivated, Literal) and deactivated.value is True:
            return lambda d, f, v: []
        namespaces: dict[str, str] = {}
        for owner in g.objects(constraint, SH.prefixes):
            for declaration in g.objects(owner, SH.declare):
                namespaces[str(g.value(declaration, SH.prefix))] = str(
                    g.value(declaration, SH.namespace))
        text = "".join(f"PREFIX {p}: <{n}>\n" for p, n in sorted(namespaces.items())) + \
            str(_one_literal(g, constraint, SH.select))
        query = prepareQuery(text)
        plan = _SimpleSelect.of(query.algebra)
        messages = sorted(str(m) for m in g.objects(constraint, SH.message))
        own = shape.messages

        def solutions(data: Data, focus: Node) -> Iterator[dict[str, Node]]:
            if plan is not None:
                yield from plan.rows(data, focus)
                return
            for row in data.graph().query(query, initBindings={"this": focus}):
                yield {str(k): v for k, v in row.asdict().items()}  # type: ignore[union-attr]

        def check(data: Data, focus: Node, values: set[Node]) -> list[Result]:
            results: list[Result] = []
            rows: list[dict[str, Node]] = []
            for bound in solutions(data, focus):
                if bound in rows:
                    continue
                rows.append(bound)
                texts = [m for m in messages if m not in own] + own
                message = _fill(texts[0], bound, focus) if texts else None
                results.append(Result(bound.get("this", focus), shape,
                                      bound.get("value", focus), message))
            return results
        return check


@dataclass
class _SimpleSelect:
    """A SELECT that is one basic graph pattern with constant predicates and FILTERs, as most
    SPARQL-based constraints are: its pattern is matched over the data's indexes, and each
    match is kept if rdflib's own FILTER evaluation keeps it. Answers as rdflib's engine does
    (the differential tests hold it to pyshacl), without its per-query setup (a few
    milliseconds a statement)."""

    patterns: list[Triple]
    condition: Any  # an rdflib expression, or None
    projected: list[Variable]

    @classmethod
    def of(cls, algebra: Any) -> _SimpleSelect | None:
        """The plan of a query's algebra, or None if it is not that simple."""
        if getattr(algebra, "name", None) != "SelectQuery" or algebra.get("datasetClause"):
            return None
        project = algebra.p
        if getattr(project, "name", None) != "Project":
            return None
        part, condition = project.p, None
        if getattr(part, "name", None) == "Filter":
            part, condition = part.p, part.expr
        if getattr(part, "name", None) != "BGP" or not part.triples:
            return None
        for s, p, o in part.triples:
            if not isinstance(p, URIRef) or isinstance(s, BNode) or isinstance(o, BNode):
                return None  # a variable or path as predicate, or blank nodes: rdflib's
        return cls(list(part.triples), condition, list(project.PV))

    def rows(self, data: Data, focus: Node) -> Iterator[dict[str, Node]]:
        """The projected solutions with ``$this`` bound to ``focus``."""
        context = QueryContext(data.graph()) if self.condition is not None else None
        for solution in self._match(data, self.patterns, {Variable("this"): focus}):
            if context is not None and not _ebv(self.condition,
                                                FrozenBindings(context, solution)):
                continue
            yield {str(v): solution[v] for v in self.projected if v in solution}

    def _match(self, data: Data, patterns: list[Triple],
               solution: dict[Variable, Node]) -> Iterator[dict[Variable, Node]]:
        if not patterns:
            yield solution
            return

        def value(term: Node) -> Node | None:
            return solution.get(term) if isinstance(term, Variable) else term

        # The pattern with most of its terms known next: a lookup, not a scan.
        best = max(range(len(patterns)), key=lambda i: (value(patterns[i][0]) is not None) +
                   (value(patterns[i][2]) is not None))
        s, p, o = patterns[best]
        rest = patterns[:best] + patterns[best + 1:]
        for ts, _, to in data.triples(value(s), p, value(o)):
            extended = dict(solution)
            if isinstance(s, Variable):
                extended[s] = ts
            if isinstance(o, Variable):
                if extended.get(o, to) != to:  # the same variable as subject and object
                    continue
                extended[o] = to
            yield from self._match(data, rest, extended)


def _fill(message: str, bound: dict[str, Node], focus: Node) -> str:
    values = {"this": focus, **bound}
    for name, value in values.items():
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, v=value: str(v), message)
    return message


@dataclass
class CompiledShapes:
    """The shapes of a shapes graph, ready to check data."""

    roots: list[Shape]

    def __post_init__(self) -> None:
        self.by_class: dict[Node, list[Shape]] = {}
        self.by_other: list[Shape] = []  # shapes with targets other than classes
        for shape in self.roots:
            for cls in shape.target_classes:
                self.by_class.setdefault(cls, []).append(shape)
            if shape.target_nodes or shape.target_subjects_of or shape.target_objects_of:
                self.by_other.append(shape)

    @classmethod
    def compile(cls, shapes: Graph) -> CompiledShapes:
        compiler = Compiler(shapes)
        nodes: set[Node] = set(shapes.subjects(RDF.type, SH.NodeShape))
        nodes |= set(shapes.subjects(RDF.type, SH.PropertyShape))
        for param in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            nodes |= set(shapes.subjects(param, None))
        roots = []
        for node in sorted(nodes, key=str):
            shape = compiler.shape(node)
            if shape.owner is None:
                roots.append(shape)
        for shape in compiler.done.values():  # property shapes with targets of their own
            if shape.owner is not None and (shape.target_classes or shape.target_nodes or
                                            shape.target_subjects_of or shape.target_objects_of):
                raise Unsupported(f"targets on the property shape {shape.node}")
        return cls(roots)

    def validate(self, data: Data, focus: set[Node] | None = None) -> list[Result]:
        """Every result for the targets in ``data`` (only those in ``focus``, if given:
        IRIs only, as pyshacl's focus_nodes)."""
        results: list[Result] = []
        if focus is None:
            for shape in self.roots:
                for node in shape.targets(data):
                    results.extend(shape.evaluate(data, node))
            return results
        for node in focus:
            if isinstance(node, URIRef):
                types = data.all_types(node)
                shapes = {id(s): s for c in types for s in self.by_class.get(c, ())}
                for shape in self.by_other:
                    if shape.is_target(data, node, types):
                        shapes[id(shape)] = shape
                for shape in shapes.values():
                    results.extend(shape.evaluate(data, node))
        return results
