"""kg's compiled SHACL engine reports exactly what pyshacl reports.

Compared result by result (focus, path, message, severity, shape, with repeats) on every
shape fixture, on the shipped statements and reference data, and on statements mutated at
random (seeded) so that every kind of constraint fails somewhere.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.plugins.sparql import prepareQuery

from kg.model.namespaces import EKG, SCHEMA, IRIs
from kg.pipeline import shacl_engine
from kg.pipeline.shacl_engine import (
    COMPONENTS,
    PARAMETERS,
    CompiledShapes,
    Data,
    TripleIndex,
    Unsupported,
    _SimpleSelect,
)
from kg.pipeline.validate import Validator, load_shapes
from kg.sources.ontology import load_ontology

FIXTURES = sorted((Path(__file__).resolve().parent / "shapes").glob("*/*.ttl"))
MUTANTS = 60


@pytest.fixture(scope="module")
def engines(settings, built) -> tuple[Validator, Validator]:
    shapes = load_shapes(settings.shapes_dir)
    compiled = Validator(shapes, built.ontology, settings.iris, engine="compiled")
    reference = Validator(shapes, built.ontology, settings.iris, engine="pyshacl")
    assert (compiled.engine, reference.engine) == ("compiled", "pyshacl")
    return compiled, reference


def _bag(findings) -> Counter:
    return Counter((f.unit, f.severity, f.focus, f.path, f.message, f.shape) for f in findings)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_on_every_shape_fixture(engines, path):
    compiled, reference = engines
    data = Graph().parse(path, format="turtle", publicID=IRIs().base)
    expected = _bag(reference.check(data, path.stem))
    assert _bag(compiled.check(data, path.stem)) == expected
    if path.parent.name == "invalid":
        assert expected, "an invalid fixture that pyshacl accepts proves nothing"


@pytest.mark.slow  # pyshacl on the whole shipped graph: ~7 s of CPU
def test_same_results_on_the_shipped_graph(engines, built):
    compiled, reference = engines
    statements = [(s.statement_id, s.graph) for s in built.statements]
    ours = compiled.validate(statements, built.reference)
    theirs = reference.validate(statements, built.reference)
    assert _bag(ours.findings) == _bag(theirs.findings)
    assert ours.units == theirs.units == 1 + len(statements)


def _mutate(graph: Graph, reference: Graph, rng: random.Random) -> Graph:
    """The graph with one to three random changes of the kinds that break shapes."""
    out = Graph()
    triples = sorted(graph, key=lambda t: tuple(map(str, t)))
    for triple in triples:
        out.add(triple)
    nodes = sorted({s for s, _, _ in triples}, key=str)
    others = sorted({s for s, _, _ in reference}, key=str)
    for _ in range(rng.randint(1, 3)):
        s, p, o = rng.choice(triples)
        kind = rng.randrange(9)
        if kind == 0:  # drop a triple
            out.remove((s, p, o))
        elif kind == 1:  # a second, different value
            out.add((s, p, rng.choice(nodes + others)))
        elif kind == 2 and isinstance(o, Literal):  # a literal of another datatype
            out.remove((s, p, o))
            out.add((s, p, Literal(str(o), datatype=rng.choice(
                [XSD.string, XSD.integer, XSD.date, XSD.gYear, None]))))
        elif kind == 3 and isinstance(o, Literal):  # a language tag, or a number
            out.remove((s, p, o))
            out.add((s, p, rng.choice([Literal(str(o), lang="en"), Literal(rng.randint(-5, 10**6)),
                                       Literal("not a number", datatype=XSD.integer)])))
        elif kind == 4:  # an object of the wrong kind
            out.remove((s, p, o))
            out.add((s, p, rng.choice(others + [Literal("text")])))
        elif kind == 5:  # retype a node
            out.add((rng.choice(nodes + others), RDF.type,
                     rng.choice(sorted(set(graph.objects(None, RDF.type)), key=str))))
        elif kind == 6:  # claim-level facts on a reference node
            out.add((rng.choice(others), p, o))
        elif kind == 7:  # drop every triple of a node
            for triple in list(out.triples((s, None, None))):
                out.remove(triple)
        else:  # bounds the wrong way round, or a part larger than its whole
            for figure in set(out.objects(None, EKG.figure)):
                for bound in ("minValue", "maxValue"):
                    out.set((figure, SCHEMA[bound], Literal(rng.randint(0, 900))))
    return out


@pytest.mark.slow  # pyshacl on 60 mutated statements: ~20 s of CPU
def test_same_results_on_mutated_statements(engines, built):
    compiled, reference = engines
    rng = random.Random(20261129)
    context_ours = compiled.context(built.reference)
    context_theirs = reference.context(built.reference)
    statements = sorted(built.statements, key=lambda s: s.statement_id)
    seen: Counter = Counter()
    for number in range(MUTANTS):
        statement = rng.choice(statements)
        mutant = _mutate(statement.graph, built.reference, rng)
        unit = f"{statement.statement_id}#{number}"
        theirs = _bag(reference.check_statement(mutant, unit, context_theirs, built.reference))
        ours = _bag(compiled.check_statement(mutant, unit, context_ours, built.reference))
        assert ours == theirs, f"mutant {number} of {statement.statement_id}"
        seen.update(key[5] for key in theirs)
    # The mutants must exercise many shapes, or the comparison proves little.
    assert len(seen) >= 10, seen


def test_unsupported_shapes_are_refused_and_auto_falls_back(settings, built):
    shapes = load_shapes(settings.shapes_dir)
    shapes.add((URIRef("https://example.org/S"), RDF.type, SH.NodeShape))
    shapes.add((URIRef("https://example.org/S"), SH.closed, Literal(True)))
    with pytest.raises(Unsupported, match="closed"):
        CompiledShapes.compile(shapes)
    auto = Validator(shapes, built.ontology, settings.iris)
    assert auto.engine == "pyshacl" and "closed" in auto.fallback


def test_unknown_engine_is_refused(settings):
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        Validator(load_shapes(ROOT / "shapes"), load_ontology(ROOT / "ontology"), settings.iris,
                  engine="fast")


def test_a_concept_from_the_wrong_scheme_fails_in_a_statement_check(engines, built):
    """The nested shape (sh:node) of a value outside the statement is checked too. (pyshacl's
    own focus_nodes option skips it, so kg's pyshacl path rewrites the shapes' targets
    instead.)"""
    statement = next(s for s in built.statements if any(s.graph.objects(None, EKG.measure)))
    figure, measure = next(iter(statement.graph.subject_objects(EKG.measure)))
    population = next(statement.graph.objects(figure, EKG.population))
    wrong = Graph()
    for triple in statement.graph:
        wrong.add(triple)
    wrong.set((figure, EKG.measure, population))
    for validator in engines:
        context = validator.context(built.reference)
        findings = validator.check_statement(wrong, "wrong", context, built.reference)
        assert [f.message for f in findings] == [
            "A figure needs exactly one measure from the measure scheme."], validator.engine


def _constraint_queries(shapes: Graph) -> list[str]:
    prefixes = "".join(f"PREFIX {p}: <{n}>\n" for p, n in sorted(
        (str(shapes.value(d, SH.prefix)), str(shapes.value(d, SH.namespace)))
        for d in shapes.objects(None, SH.declare)))
    return [prefixes + str(q) for q in shapes.objects(None, SH.select)]


def test_simple_sparql_constraints_match_rdflibs_answers(settings, built):
    """The SPARQL-based constraints kg ships are matched over the indexes, not by rdflib's
    engine: on the shipped statements, broken so that each constraint has rows to report,
    every focus gets the rows rdflib's engine gives."""
    queries = _constraint_queries(load_shapes(settings.shapes_dir))
    assert len(queries) >= 3
    data_graph = Graph()
    for statement in built.statements:
        for triple in statement.graph:
            data_graph.add(triple)
    for figure in list(data_graph.subjects(SCHEMA.maxValue, None)):
        data_graph.set((figure, SCHEMA.maxValue, Literal(0)))  # a part's lower bound exceeds it
    for document in list(data_graph.subjects(EKG.charCount, None)):
        data_graph.set((document, EKG.charCount, Literal(100)))  # segments end past the text
    for claim in list(data_graph.subjects(SCHEMA.author, None))[:5]:
        data_graph.set((claim, SCHEMA.author, URIRef("https://example.org/someone-else")))
    data = Data(TripleIndex(data_graph))
    foci = set(data_graph.subjects()) | {URIRef("https://example.org/nothing")}
    rows_seen = []
    for text in queries:
        query = prepareQuery(text)
        plan = _SimpleSelect.of(query.algebra)
        assert plan is not None, text
        rows_seen.append(0)
        for focus in foci:
            theirs = sorted(sorted((str(k), v) for k, v in row.asdict().items())
                            for row in data_graph.query(query, initBindings={"this": focus}))
            ours = sorted(sorted(row.items()) for row in plan.rows(data, focus))
            assert ours == theirs, (text, focus)
            rows_seen[-1] += len(ours)
    assert min(rows_seen) > 0, f"each constraint needs rows to compare: {rows_seen}"


@pytest.mark.parametrize("text", [
    "SELECT $this ?x WHERE { $this ?p ?x }",  # a variable predicate
    "SELECT $this ?x WHERE { $this <https://example.org/p>+ ?x }",  # a path
    "SELECT $this ?x WHERE { $this <https://example.org/p> ?x OPTIONAL { ?x ?q ?y } }",
    "SELECT $this ?x WHERE { $this <https://example.org/p> [ <https://example.org/q> ?x ] }",
])
def test_other_sparql_constraints_are_left_to_rdflib(text):
    assert _SimpleSelect.of(prepareQuery(text).algebra) is None


# ------------------------------------------------------------------ the component registry


def _parameters(shapes: Graph) -> set:
    """The SHACL parameters a shapes graph uses on its shapes (not in SPARQL constraints)."""
    inner = set(shapes.objects(None, SH.sparql)) | set(shapes.objects(None, SH.declare)) | set(
        shapes.objects(None, SH.prefixes)) | set(shapes.objects(None, SH.path))
    return {p for s, p in shapes.subject_predicates() if s not in inner
            and str(p).startswith(str(SH)) and p not in (SH.prefix, SH.namespace, SH.declare)}


def test_every_parameter_the_shapes_use_has_a_registered_component(settings):
    used = _parameters(load_shapes(settings.shapes_dir))
    constraints = used - shacl_engine._DESCRIPTIVE
    assert constraints, "the shapes constrain nothing?"
    assert constraints <= set(PARAMETERS) | shacl_engine._READ_WITH_OTHERS
    for iri, component in COMPONENTS.items():
        assert str(iri).startswith(str(SH)) and str(iri).endswith("ConstraintComponent")
        assert all(PARAMETERS[p] is component for p in component.parameters)
    assert {PARAMETERS[p].iri for p in (SH["class"], SH.datatype, SH.minCount, SH["in"],
                                        SH.pattern, SH.sparql)} == {
        SH.ClassConstraintComponent, SH.DatatypeConstraintComponent,
        SH.MinCountConstraintComponent, SH.InConstraintComponent,
        SH.PatternConstraintComponent, SH.SPARQLConstraintComponent}


_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:label ; sh:languageIn ( "en" "fr" ) ] .
"""


def test_a_parameter_without_a_component_is_unsupported_and_one_can_be_registered(monkeypatch):
    shapes = Graph().parse(data=_SHAPE, format="turtle")
    with pytest.raises(Unsupported, match="languageIn"):
        CompiledShapes.compile(shapes)

    def language_in(c, shape, param):
        allowed = {str(tag).lower() for tag in Collection(c.g, c.g.value(shape.node, param))}
        return [shacl_engine._each(shape, lambda d, f, v: not (
            isinstance(v, Literal) and (v.language or "").lower() in allowed))]

    monkeypatch.setattr(shacl_engine, "COMPONENTS", dict(COMPONENTS))
    monkeypatch.setattr(shacl_engine, "PARAMETERS", dict(PARAMETERS))
    shacl_engine.component(SH.LanguageInConstraintComponent, SH.languageIn)(language_in)
    compiled = CompiledShapes.compile(shapes)
    ex = "https://example.org/"
    data = Graph().parse(data=f"""
        <{ex}a> a <{ex}Thing> ; <{ex}label> "yes"@en, "non"@FR .
        <{ex}b> a <{ex}Thing> ; <{ex}label> "ja"@de .""", format="turtle")
    results = compiled.validate(Data(TripleIndex(data)))
    assert [(str(r.focus), str(r.value)) for r in results] == [(f"{ex}b", "ja")]


def test_count_and_comparison_components_need_a_path():
    for parameter in ("sh:minCount 1", "sh:lessThan ex:other"):
        shapes = Graph().parse(data=f"""
            @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
            ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; {parameter} .""",
                               format="turtle")
        with pytest.raises(Unsupported, match="on a node shape"):
            CompiledShapes.compile(shapes)
