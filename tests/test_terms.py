"""The rdflib ↔ pyoxigraph bridge: exact term by term, the same graphs as a text round trip."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, XSD

from kg.cli import main
from kg.model.terms import (
    TermCache,
    graph_name_to_ox,
    ox_quads,
    ox_triples,
    quad_to_ox,
    quad_to_rdflib,
    rdflib_graph,
    to_ox,
    to_rdflib,
    triple_to_ox,
    triple_to_rdflib,
)

S, P = URIRef("https://example.org/s"), URIRef("https://example.org/p")
G = URIRef("https://example.org/g")
CASES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# rdflib warns about ill-typed literals ("1e0"^^xsd:boolean) that the bridge carries as they are.
WEIRD = pytest.mark.filterwarnings("ignore:(Serializing|Parsing) weird:UserWarning")


def _via_text(graph: Graph) -> Graph:
    """What the old way gave: rdflib writes N-Triples, pyoxigraph parses them, and back."""
    triples = [q.triple for q in ox.parse(graph.serialize(format="nt"),
                                          format=ox.RdfFormat.N_TRIPLES)]
    text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    return Graph().parse(data=text, format="nt")


def _plain_triples(graph: Graph) -> list:
    """``graph``'s triples, each xsd:string literal the plain literal it is in RDF 1.1."""
    return [(s, p, Literal(str(o), normalize=False)
             if isinstance(o, Literal) and o.datatype == XSD.string else o) for s, p, o in graph]


def _plain(graph: Graph) -> Graph:
    out = Graph()
    for triple in _plain_triples(graph):
        out.add(triple)
    return out


@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/ekg/id/state/AZE"),
    URIRef("urn:uuid:0f3d"),
    URIRef("https://example.org/é?q=1#frag"),
    BNode("b0"), BNode("N0123456789abcdef"), BNode("_x.y-z"),
    Literal("plain"), Literal(""), Literal('quote " \\ \n\r\t é 𝄞'),
    Literal("chat", lang="fr"), Literal("colour", lang="en-gb"),
    Literal("01", datatype=XSD.integer, normalize=False),
    Literal(" 1.0E0 ", datatype=XSD.double, normalize=False),
    Literal("2021-05-25", datatype=XSD.date), Literal("true", datatype=XSD.boolean),
    Literal("not a number", datatype=XSD.integer),  # ill-typed, kept as written
    Literal("x", datatype=URIRef("https://example.org/custom")),
    Literal("<b>x</b>", datatype=RDF.HTML),
])
def test_each_kind_of_term_goes_there_and_back_exactly(term):
    there = to_ox(term)
    back = to_rdflib(there)
    assert back == term and type(back) is type(term)
    assert str(back) == str(term)  # the lexical form, not a canonical one
    assert to_ox(back) == there


def test_literal_forms_in_pyoxigraph():
    assert to_ox(Literal("x")) == ox.Literal("x")
    assert to_ox(Literal("x")).datatype == ox.NamedNode(str(XSD.string))
    assert to_ox(Literal("x", lang="en")) == ox.Literal("x", language="en")
    assert to_ox(Literal("01", datatype=XSD.integer, normalize=False)) == ox.Literal(
        "01", datatype=ox.NamedNode(str(XSD.integer)))
    assert to_ox(URIRef("urn:a")) == ox.NamedNode("urn:a")
    assert to_ox(BNode("b1")) == ox.BlankNode("b1")


def test_xsd_string_is_the_plain_literal():
    """RDF 1.1: "x" and "x"^^xsd:string are one term; rdflib spells them apart, pyoxigraph
    does not; coming back it is the plain literal, as rdflib's N-Triples parser makes it."""
    typed = Literal("x", datatype=XSD.string)
    assert to_ox(typed) == to_ox(Literal("x"))
    assert to_rdflib(to_ox(typed)) == Literal("x")
    assert to_rdflib(ox.Literal("x", datatype=ox.NamedNode(str(XSD.string)))) == Literal("x")


def test_pyoxigraph_literals_keep_their_lexical_form_in_rdflib():
    """rdflib's own parsers canonicalise "01"^^xsd:integer to "1"; the bridge does not."""
    literal = ox.Literal("01", datatype=ox.NamedNode(str(XSD.integer)))
    assert str(to_rdflib(literal)) == "01"
    assert to_ox(to_rdflib(literal)) == literal


def test_blank_node_labels_n_triples_cannot_spell_get_a_stable_label():
    for label in ("-a", ".a", "a.", "a b", "a:b", "é!"):
        first, second = to_ox(BNode(label)), to_ox(BNode(label))
        assert first == second
        assert first != to_ox(BNode(label + "x"))
        ox.parse(f"_:{first.value} <urn:p> <urn:o> .", format=ox.RdfFormat.N_TRIPLES)


def test_triples_and_quads_both_ways():
    triple = (S, P, Literal("v", lang="en"))
    assert triple_to_rdflib(triple_to_ox(triple)) == triple
    for name in (G, BNode("g1")):
        quad = (*triple, name)
        assert quad_to_rdflib(quad_to_ox(quad)) == quad
    for default in (None, DATASET_DEFAULT_GRAPH_ID):
        assert quad_to_ox((*triple, default)).graph_name == ox.DefaultGraph()
        assert quad_to_rdflib(quad_to_ox((*triple, default)))[3] is None
    assert graph_name_to_ox(Graph(identifier=G)) == ox.NamedNode(str(G))
    with pytest.raises(TypeError, match="literal cannot name a graph"):
        graph_name_to_ox(Literal("g"))
    with pytest.raises(TypeError):
        to_ox("not a term")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_rdflib("not a term")  # type: ignore[arg-type]


def test_a_shared_cache_converts_each_term_once():
    cache = TermCache()
    first = ox_quads([(S, P, Literal("a")), (S, P, BNode("b"))], G, cache)
    second = ox_triples([(S, P, Literal("a"))], cache)
    assert len(cache) == 4  # S, P, "a", _:b
    before = dict(cache)
    ox_triples([(S, P, BNode("b"))], cache)
    assert all(cache[k] is v for k, v in before.items())  # nothing converted again
    assert first[0].subject == second[0].subject
    assert {q.graph_name for q in first} == {ox.NamedNode(str(G))}


def _canonical(triples: list[ox.Triple]) -> ox.Dataset:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def test_the_shipped_statements_cross_as_a_text_round_trip_would(built, settings):
    """Each shipped graph reaches pyoxigraph as the N-Triples text path brought it, and
    comes back to rdflib unchanged (and to pyoxigraph again, where it has blank nodes)."""
    for iri, graph in built.graphs(settings.iris):
        triples = ox_triples(graph)
        assert len(triples) == len(graph)
        text = [q.triple for q in ox.parse(graph.serialize(format="nt"),
                                           format=ox.RdfFormat.N_TRIPLES)]
        assert _canonical(triples) == _canonical(text), iri
        if any(isinstance(t, BNode) for triple in graph for t in triple):
            back = rdflib_graph(triples)
            assert isomorphic(back, _plain(graph)), iri
            assert _canonical(ox_triples(back)) == _canonical(triples), iri
        else:  # the same terms exactly
            assert {triple_to_rdflib(t) for t in triples} == set(_plain_triples(graph)), iri
    first = built.statements[0].graph
    assert set(rdflib_graph(ox_triples(first))) == set(_plain_triples(first))


# -------------------------------------------------------------- random graphs (hypothesis)

_iris = st.sampled_from(["https://example.org/", "urn:x:", "http://e/é/"]).flatmap(
    lambda base: st.text("abcxyz0123_-~é", min_size=0, max_size=8).map(
        lambda rest: URIRef(base + rest)))
_bnodes = st.sampled_from(["b1", "b2", "N0f", "x.y", "a-b"]).map(BNode)
_text = st.text(max_size=20)
_languages = st.sampled_from(["en", "fr", "en-gb", "zh-hant-tw"])
_datatypes = st.sampled_from([XSD.integer, XSD.decimal, XSD.double, XSD.boolean, XSD.date,
                              XSD.dateTime, XSD.gYear, XSD.anyURI, RDF.HTML,
                              URIRef("https://example.org/dt")])
_lexical = st.one_of(_text, st.integers().map(str), st.sampled_from(
    ["01", "+1", "1.50", "1e0", "true", "0", "2021-05-25", "2021-05-25T10:00:00Z", "-0"]))
_literals = st.one_of(
    _text.map(lambda t: Literal(t, normalize=False)),
    st.builds(lambda t, lang: Literal(t, lang=lang, normalize=False), _text, _languages),
    st.builds(lambda t, dt: Literal(t, datatype=dt, normalize=False), _lexical, _datatypes))
_triples = st.tuples(st.one_of(_iris, _bnodes), _iris, st.one_of(_iris, _bnodes, _literals))


@WEIRD
@CASES
@given(st.lists(_triples, max_size=12))
def test_random_graphs_cross_both_ways(triples):
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    there = ox_triples(graph)
    back = rdflib_graph(there)
    assert isomorphic(back, graph)
    assert sorted(map(str, ox_triples(back))) == sorted(map(str, there))


@WEIRD
@CASES
@given(st.lists(_triples, max_size=12), st.one_of(st.none(), _iris, _bnodes))
def test_random_quads_cross_both_ways(triples, name):
    quads = ox_quads(triples, name)
    assert [quad_to_rdflib(q) for q in quads] == [(*t, name) for t in triples]
    dataset = ox.Dataset(quads)
    assert len(dataset) == len(set(triples))


def test_kg_validate_store_reads_the_stored_graphs_through_the_bridge(home, built, built_file,
                                                                    monkeypatch):
    """`kg validate --store` gets each stored graph as rdflib terms without N-Triples text,
    and finds the shipped graphs valid, as `kg validate` finds the files."""
    monkeypatch.setenv("KG_STORE", "oxigraph:var/test-store")
    monkeypatch.setenv("KG_BUILD_FILE", str(built_file))
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(home), "load"]).exit_code == 0
    result = runner.invoke(main, ["--home", str(home), "validate", "--store"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"valid: {1 + len(built.statements)} graph(s) checked: 0 violation(s)")
