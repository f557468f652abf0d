"""`kg build`: the dataset parses, is deterministic, and holds the first statement fully."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import FIRST, ROOT
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.cli import main
from kg.config import load_settings
from kg.pipeline.build import build, nquads_lines, write_dataset


@pytest.mark.slow  # rdflib parses the whole dataset twice
def test_dataset_parses_as_nquads_and_trig_with_every_graph(built, settings, tmp_path):
    iris = settings.iris
    expected = {str(iri) for iri, _ in built.graphs(iris)}
    assert str(iris.statement_graph(FIRST)) in expected
    for name, fmt in (("kg.nq", "nquads"), ("kg.trig", "trig")):
        path = tmp_path / name
        write_dataset(built, iris, path)
        ds = Dataset()
        ds.parse(data=path.read_bytes(), format=fmt)
        graphs = {str(g.identifier) for g in ds.graphs() if len(g)}
        assert graphs == expected
        for iri, graph in built.graphs(iris):
            assert isomorphic(ds.graph(iri), graph), f"{iri} differs after {fmt} round trip"


@pytest.mark.slow  # rdflib writes and parses every graph as Turtle
def test_each_graph_round_trips_through_turtle(built, settings):
    for iri, graph in built.graphs(settings.iris):
        again = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
        assert isomorphic(again, graph), iri


def test_rebuilding_gives_the_same_bytes(settings, built):
    assert nquads_lines(build(settings), settings.iris) == nquads_lines(built, settings.iris)


def test_nquads_hold_exactly_each_built_graph(settings, built):
    """The N-Quads come from pyoxigraph's writer over the bridged terms, sorted and each line
    once; read back by rdflib, each named graph is the built graph (isomorphic). Not compared
    byte for byte with rdflib's own writer: texts copied from UN records hold form feeds and
    carriage returns, which the two writers escape differently."""
    from rdflib import Dataset
    from rdflib.compare import isomorphic

    lines = nquads_lines(built, settings.iris)
    assert lines == sorted(set(lines))
    dataset = Dataset()
    dataset.parse(data="\n".join(lines) + "\n", format="nquads")
    for iri, graph in built.graphs(settings.iris):
        assert isomorphic(dataset.graph(iri), graph), iri


def test_the_base_iri_is_configurable(tmp_path):
    other = load_settings({"HOME": ROOT, "BASE_IRI": "https://kg.example.org/"}, environ={})
    lines = nquads_lines(build(other), other.iris)
    assert any("<https://kg.example.org/id/state/AZE>" in line for line in lines)
    assert any(f"<https://kg.example.org/graph/statement/{FIRST}>" in line for line in lines)
    assert not any("https://w3id.org/ekg/id/" in line for line in lines)


@pytest.mark.slow  # three builds through the CLI
def test_cli_build_writes_nquads_and_trig(tmp_path):
    runner = CliRunner()
    for name in ("out.nq", "out.trig"):
        result = runner.invoke(main, ["--home", str(ROOT), "build", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert re.search(r"built \d+ statement\(s\)", result.output)
        assert (tmp_path / name).stat().st_size > 10_000
    bad = runner.invoke(main, ["--home", str(ROOT), "build", "-o", str(tmp_path / "out.xml")])
    assert bad.exit_code == 2 and "unknown output format" in bad.stderr


@pytest.fixture(scope="module")
def store(built_file: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(built_file), format=ox.RdfFormat.N_QUADS)
    return store


PREFIXES = """
PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# stated text -> (qualifier, value, min, max, measure, population, event)
FIGURES = {
    "tens of thousands of people":
        ("tens-of-thousands", None, 10000, 99999, "killed", "people", "nk-war-1988-1994"),
    "over 200,000 Azerbaijanis":
        ("over", 200000, 200001, None, "expelled", "national-group", "displacement-1988-1994"),
    "more than 700,000 population":
        ("more-than", 700000, 700001, None, "displaced", None, "displacement-1988-1994"),
    "hundreds of Azerbaijani civilians#khojaly":
        ("hundreds", None, 100, 999, "killed", "civilians", "khojaly-1992-02"),
    "about 4000 citizens of Azerbaijan":
        ("about", 4000, 3600, 4400, "missing", "citizens", "missing-persons-nk-conflict"),
    "719 civilians":
        ("exact", 719, 719, 719, "missing", "civilians", "missing-persons-nk-conflict"),
    "numerous casualties among Azerbaijani civilians":
        ("numerous", None, 2, None, "casualties", "civilians", "nk-hostilities-2020"),
    "101 Azerbaijani civilians":
        ("exact", 101, 101, 101, "killed", "civilians", "nk-hostilities-2020"),
    "12 children": ("exact", 12, 12, 12, "killed", "children", "nk-hostilities-2020"),
    "Over 400 civilians": ("over", 400, 401, None, "wounded", "civilians", "nk-hostilities-2020"),
    "some 84,000 people":
        ("some", 84000, 75600, 92400, "displaced", "people", "nk-hostilities-2020"),
    "hundreds of civilian objects":
        ("hundreds", None, 100, 999, "destroyed-or-damaged", "civilian-objects",
         "nk-hostilities-2020"),
    "more than 300 cities, towns and villages":
        ("more-than", 300, 301, None, "settlements-retaken", "settlements", "nk-hostilities-2020"),
    "hundreds of Azerbaijani civilians#landmines":
        ("hundreds", None, 100, 999, "killed-or-wounded", "civilians",
         "post-ceasefire-landmine-incidents"),
    "thousands of civilians":
        ("thousands", None, 1000, 9999, "killed-and-tortured", "civilians", "nk-conflict"),
}


def _local(term) -> str | None:
    return None if term is None else term.value.rsplit("/", 1)[-1]


def test_all_fifteen_figures_with_qualifier_bounds_and_event(store):
    rows = store.query(PREFIXES + """
        SELECT ?text ?qualifier ?value ?min ?max ?measure ?population ?event WHERE {
          ?claim a ekg:FigureClaim ; ekg:figure ?f ; ekg:about ?event ;
                 ekg:statedIn <https://w3id.org/ekg/id/statement/unsc-2021-05-25-poc-AZE> .
          ?f ekg:statedText ?text ; ekg:approximation ?qualifier ; ekg:measure ?measure ;
             ekg:population ?population .
          OPTIONAL { ?f schema:value ?value } OPTIONAL { ?f schema:minValue ?min }
          OPTIONAL { ?f schema:maxValue ?max }
        }""", use_default_graph_as_union=True)
    found = {}
    for r in rows:
        key = r["text"].value
        if key == "hundreds of Azerbaijani civilians":
            key += "#khojaly" if _local(r["event"]) == "khojaly-1992-02" else "#landmines"
        num = [None if r[v] is None else int(r[v].value) for v in ("value", "min", "max")]
        found[key] = (_local(r["qualifier"]), *num, _local(r["measure"]),
                      _local(r["population"]), _local(r["event"]))
    assert len(found) == 15
    for text, (qual, value, lo, hi, measure, population, event) in FIGURES.items():
        got = found[text]
        assert got[:5] == (qual, value, lo, hi, measure), text
        if population:
            assert got[5] == population, text
        assert got[6] == event, text


def test_both_part_of_links(store):
    rows = store.query(PREFIXES + """
        SELECT ?part ?whole WHERE {
          ?p ekg:partOf ?w . ?p ekg:statedText ?part . ?w ekg:statedText ?whole .
          ?c ekg:figure ?p ;
             ekg:statedIn <https://w3id.org/ekg/id/statement/unsc-2021-05-25-poc-AZE> .
        } ORDER BY ?part""", use_default_graph_as_union=True)
    assert [(r["part"].value, r["whole"].value) for r in rows] == [
        ("12 children", "101 Azerbaijani civilians"),
        ("719 civilians", "about 4000 citizens of Azerbaijan"),
    ]


def test_every_claim_is_attributed_and_anchored_to_its_exact_sentence(store, built):
    rows = list(store.query(PREFIXES + """
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?claim ?text ?start ?end ?exact WHERE {
          ?claim a ekg:Claim ; ekg:statedIn ?s ; ekg:anchor ?seg .
          ?s ekg:speaker ?speaker .
          ?seg oa:hasSource/schema:text ?text ; oa:hasSelector ?pos , ?quote .
          ?pos oa:start ?start ; oa:end ?end . ?quote oa:exact ?exact .
        }""", use_default_graph_as_union=True))
    assert len({r["claim"] for r in rows}) == sum(s.claim_count for s in built.statements)
    for r in rows:
        text = r["text"].value
        assert text[int(r["start"].value):int(r["end"].value)] == r["exact"].value


def test_no_reference_node_carries_a_figure_or_blame(store):
    ask = store.query(PREFIXES + """
        ASK { GRAPH ?g { ?ref ?p ?o } FILTER (STRENDS(STR(?g), "/graph/reference"))
              VALUES ?p { ekg:figure schema:value schema:minValue schema:maxValue
                          ekg:responsibleAgent ekg:legalCategory ekg:accused } }""")
    assert not bool(ask)
