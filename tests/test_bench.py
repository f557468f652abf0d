"""The benchmark's own correctness (not its timings): the corpus generator is deterministic and
writes kg's model, and every benchmark query returns the same rows on every backend."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, make_app
from rdflib import Dataset, Graph

sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402 - bench/generate.py
import run  # noqa: E402 - bench/run.py

from kg.model.bounds import interpret  # noqa: E402
from kg.pipeline.validate import Validator, load_shapes  # noqa: E402
from kg.sources.annotations import build_statement  # noqa: E402

SMALL = 50
EKG = "https://w3id.org/ekg/ont#"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "http://schema.org/"


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.nq"
    generate.generate(SMALL, 1, path)
    return path


@pytest.fixture(scope="module")
def small_corpus() -> generate.Corpus:
    return generate.corpus(SMALL, 1)


@pytest.fixture(scope="module")
def oxigraph(corpus_file: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(corpus_file), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def queries(oxigraph: ox.Store) -> list[run.BenchQuery]:
    return run.saved_queries() + run.browse_queries(run.record_views(oxigraph))


def _select(store: ox.Store, sparql: str) -> list[ox.QuerySolution]:
    return list(store.query(sparql, use_default_graph_as_union=True))


# -- the generator ---------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, corpus_file: Path) -> None:
    again = tmp_path / "again.nq"
    other = tmp_path / "other.nq"
    generate.generate(SMALL, 1, again)
    generate.generate(SMALL, 2, other)
    assert again.read_bytes() == corpus_file.read_bytes()
    assert other.read_bytes() != corpus_file.read_bytes()


def test_annotation_files_are_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate.generate(10, 1, None, first, 5)
    generate.generate(10, 1, None, second, 5)
    names = sorted(p.name for p in first.iterdir())
    assert len(names) == 10  # five .yaml and five .txt
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_counts_and_shapes(oxigraph: ox.Store) -> None:
    def count(sparql: str) -> int:
        return int(_select(oxigraph, f"PREFIX ekg: <{EKG}> {sparql}")[0][0].value)

    assert count("SELECT (COUNT(*) AS ?n) { ?s a ekg:Statement }") == SMALL
    # declared complete, as the saved queries that count by delegation need
    assert count("SELECT (COUNT(*) AS ?n) { ?s ekg:curationStatus ?c }") == SMALL
    graphs = {g.value for g in oxigraph.named_graphs()}
    assert len([g for g in graphs if "/graph/statement/" in g]) == SMALL
    assert {"https://w3id.org/ekg/graph/reference",
            "https://w3id.org/ekg/graph/ontology"} <= graphs
    assert count("SELECT (COUNT(*) AS ?n) { ?e a ekg:EventReference }") == 500
    # the 193 member states and the two other states of the reference data (CSK, VAT)
    assert count("SELECT (COUNT(*) AS ?n) { ?s a ekg:MemberState }") == 195
    # every state gets a speaker; the real reference people keep theirs
    real = sum(1 for line in (ROOT / "data/reference/people.ttl").read_text(
        encoding="utf-8").splitlines() if line.startswith("person:"))
    assert 190 <= count("SELECT (COUNT(DISTINCT ?p) AS ?n) { ?post ekg:holder ?p }") \
        <= 195 + real
    claims = count("SELECT (COUNT(*) AS ?n) { ?c a ekg:Claim }")
    assert 7 * SMALL <= claims <= 13 * SMALL
    # the hierarchy and its materialised closure
    assert bool(oxigraph.query(f"""PREFIX ekg: <{EKG}> ASK {{
        <https://w3id.org/ekg/id/event/khojaly-1992-02> ekg:withinEvent
        <https://w3id.org/ekg/id/event/nk-conflict> }}""", use_default_graph_as_union=True))
    deep = count("""SELECT (MAX(?n) AS ?n) { SELECT ?e (COUNT(?a) AS ?n)
        { ?e ekg:withinEvent ?a } GROUP BY ?e }""")
    assert deep >= 4
    # the statement the saved queries' examples name
    assert count("""SELECT (COUNT(*) AS ?n) {
        <https://w3id.org/ekg/id/statement/unsc-2021-05-25-poc-AZE> a ekg:Statement }""") == 1


def test_quotes_are_anchored_to_the_text(oxigraph: ox.Store) -> None:
    rows = _select(oxigraph, f"""PREFIX oa: <{OA}> PREFIX schema: <{SCHEMA}>
        SELECT ?text ?start ?end ?exact WHERE {{
          ?segment oa:hasSource ?doc ; oa:hasSelector ?p , ?q .
          ?doc schema:text ?text . ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }}""")
    assert len(rows) > SMALL
    for row in rows:
        text, start, end = row["text"].value, int(row["start"].value), int(row["end"].value)
        assert text[start:end] == row["exact"].value


def test_figures_carry_the_bounds_of_their_rule(oxigraph: ox.Store) -> None:
    rows = _select(oxigraph, f"""PREFIX ekg: <{EKG}> PREFIX schema: <{SCHEMA}>
        SELECT ?q ?value ?min ?max ?rule WHERE {{
          ?f a ekg:Figure ; ekg:approximation ?q ; ekg:boundsRule ?rule .
          OPTIONAL {{ ?f schema:value ?value }} OPTIONAL {{ ?f schema:minValue ?min }}
          OPTIONAL {{ ?f schema:maxValue ?max }} }}""")
    assert len(rows) > SMALL
    qualifiers = set()
    for row in rows:
        qualifier = row["q"].value.rsplit("/", 1)[-1]
        qualifiers.add(qualifier)
        value = int(row["value"].value) if row["value"] else None
        bounds = interpret(qualifier, value)
        assert (bounds.minimum, bounds.maximum, bounds.rule) == (
            int(row["min"].value) if row["min"] else None,
            int(row["max"].value) if row["max"] else None,
            row["rule"].value.rsplit("/", 1)[-1])
    assert {"exact", "about", "over"} <= qualifiers
    parts = _select(oxigraph, f"PREFIX ekg: <{EKG}> SELECT * {{ ?p ekg:partOf ?w }}")
    assert parts


def test_every_kind_of_claim_is_generated(oxigraph: ox.Store) -> None:
    kinds = {row["t"].value.rsplit("#", 1)[-1] for row in _select(
        oxigraph, f"PREFIX ekg: <{EKG}> SELECT DISTINCT ?t {{ ?c a ekg:Claim ; a ?t }}")}
    assert {"FigureClaim", "AttributionClaim", "CharacterisationClaim", "AccusationClaim",
            "EventClaim", "ReportedSpeechClaim"} <= kinds


def test_direct_rdf_is_what_kg_builds_from_the_annotations(
        tmp_path: Path, small_corpus: generate.Corpus) -> None:
    vocab, refs = small_corpus.vocabulary(), small_corpus.reference_index()
    specs = [small_corpus.factory.make(i) for i in (0, 1, 7)] + list(
        small_corpus.extra_statements(3))
    for spec in specs:
        path = generate.write_annotation_files(spec, tmp_path)
        built = build_statement(path, generate.IRIS, vocab, refs)
        direct = Graph().parse(data="\n".join(f"{t} ." for t in small_corpus.emitter.triples(spec)),
                               format="nt")
        assert set(built.graph) == set(direct), spec.statement_id


def test_statement_graphs_pass_the_shapes(small_corpus: generate.Corpus) -> None:
    validator = Validator(load_shapes(ROOT / "shapes"), small_corpus.reference.ontology,
                          generate.IRIS)
    reference = small_corpus.reference.graph
    context = validator.context(reference)
    for index in range(6):
        spec = small_corpus.factory.make(index)
        graph = Graph().parse(data="\n".join(f"{t} ." for t in
                                             small_corpus.emitter.triples(spec)), format="nt")
        findings = validator.check_statement(graph, spec.statement_id, context, reference)
        violations = [str(f) for f in findings if f.severity == "Violation"]
        assert not violations, violations[:3]


# -- the same rows on every backend ---------------------------------------------------------------


def test_the_query_set(queries: list[run.BenchQuery]) -> None:
    names = {q.name for q in queries}
    saved = {p.stem for p in (ROOT / "queries").glob("*.rq")}
    assert saved <= names
    assert {q.name for q in queries if q.kind == "browse"} == {
        "browse:event-figures", "browse:statement-claims", "browse:search-quotes",
        "browse:search-labels", "browse:home-events"}
    assert set(run.REFERENCE.values()) <= saved
    # parameters are bound as kg binds them (VALUES; a literal used only in FILTERs, inline)
    lookup = next(q for q in queries if q.name == "statement-claims")
    assert "VALUES ?statement" in lookup.sparql and "LIMIT 201" in lookup.sparql


def test_rdflib_and_oxigraph_return_the_same_rows(corpus_file: Path, oxigraph: ox.Store,
                                                  queries: list[run.BenchQuery]) -> None:
    dataset = Dataset(default_union=True)
    dataset.parse(str(corpus_file), format="nquads")
    for query in queries:
        _, expected = run._run_once("oxigraph", oxigraph, query.sparql)
        _, rows = run._run_once("rdflib", dataset, query.sparql)
        assert run.digest(rows) == run.digest(expected), (query.name, len(rows), len(expected))


def test_the_kg_endpoint_returns_the_same_rows(corpus_file: Path, oxigraph: ox.Store,
                                               queries: list[run.BenchQuery]) -> None:
    app = make_app(corpus_file, RESULT_LIMIT=10_000_000)
    client = app.test_client()
    try:
        for query in queries:
            _, expected = run._run_once("oxigraph", oxigraph, query.sparql)
            graph = query.form in ("CONSTRUCT", "DESCRIBE")
            response = client.post("/sparql", data={"query": query.sparql}, headers={
                "Accept": run.ACCEPT_GRAPH if graph else run.ACCEPT_RESULTS})
            assert response.status_code == 200, (query.name, response.data[:300])
            media = response.headers["Content-Type"].split(";")[0]
            rows = (run.rows_from_graph(response.data, media) if graph
                    else run.rows_from_json(response.data))
            assert run.digest(rows) == run.digest(expected), query.name
            if query.api_path is None:
                continue
            # the saved-query API: the same rows (one page of them)
            api = query.api_path if graph else re.sub(r"\.json(\?|$)", r".srj\1", query.api_path)
            response = client.get(api)
            assert response.status_code == 200, (query.name, response.data[:300])
            if graph:
                rows = run.rows_from_graph(response.data, "text/turtle")
                assert run.digest(rows) == run.digest(expected), query.name
                continue
            rows = run.rows_from_json(response.data)
            if query.page_size is None or len(expected) <= query.page_size:
                assert run.digest(rows) == run.digest(expected), query.name
            else:
                assert len(rows) == query.page_size, query.name
                assert set(rows) <= set(expected), query.name
            listing = json.loads(client.get(query.api_path).data)
            assert len(listing.get("rows", [])) == len(rows), query.name
    finally:
        app.extensions["kg"].close()


FIGURES = """
PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?figure ?event ?measure ?population ?affiliation ?delegation ?min ?max WHERE {
  ?claim ekg:figure ?figure ; ekg:about ?e ; ekg:statedIn ?statement .
  ?figure ekg:measure ?m ; ekg:population ?p .
  ?statement ekg:delegation ?d .
  ?e rdfs:label ?event . ?m skos:prefLabel ?measure . ?p skos:prefLabel ?population .
  ?d rdfs:label ?delegation .
  OPTIONAL { ?figure ekg:populationAffiliation ?affiliation }
  OPTIONAL { ?figure schema:minValue ?min } OPTIONAL { ?figure schema:maxValue ?max }
}"""


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """300 statements: enough figures of one event and measure to disagree."""
    path = tmp_path_factory.mktemp("medium") / "corpus.nq"
    generate.generate(300, 1, path)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def test_contested_figures_set_each_delegations_lowest_against_anothers_highest(
        medium: ox.Store) -> None:
    """Checked against the figures, summarised in Python: per event, measure, population and
    affiliation and per delegation, its lowest upper bound against the highest lower bound
    of any other delegation, where the first is below the second."""
    def value(term: object) -> object:
        return None if term is None else term.value  # type: ignore[attr-defined]

    figures = [{k: value(row[k]) for k in ("event", "measure", "population", "affiliation",
                                           "delegation", "min", "max")}
               for row in _select(medium, FIGURES)]
    key = ("event", "measure", "population", "affiliation")
    groups: dict[tuple, list[dict]] = {}
    for figure in figures:
        groups.setdefault(tuple(figure[k] for k in key), []).append(figure)
    expected = set()
    for low_key in {tuple(f[k] for k in (*key, "delegation")) for f in figures}:
        *group, delegation = low_key
        mine = groups[tuple(group)]
        lows = [float(f["max"]) for f in mine
                if f["delegation"] == delegation and f["max"] is not None]
        highs = [float(f["min"]) for f in mine
                 if f["delegation"] != delegation and f["min"] is not None]
        if not lows or not highs or min(lows) >= max(highs):
            continue
        expected |= {(group[0], group[1], group[2], delegation, min(lows), f["delegation"],
                      max(highs)) for f in mine if f["delegation"] != delegation
                     and f["min"] is not None and float(f["min"]) == max(highs)}
    text = (ROOT / "queries" / "contested-figures.rq").read_text(encoding="utf-8")
    found = {(row["eventLabel"].value, row["measureLabel"].value,
              row["populationLabel"].value, row["lowDelegation"].value,
              float(row["lowMax"].value), row["highDelegation"].value,
              float(row["highMin"].value)) for row in _select(medium, text)}
    assert len(expected) >= 20, "the corpus should have contested figures"
    assert found == expected
    # rdflib (the benchmark's baseline) gives the same rows: it joins parts of a query that
    # hold no DISTINCT lazily, and gave wrong answers before each part was made one.
    dataset = Dataset(default_union=True)
    dataset.parse(data=medium.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    assert {(str(row.eventLabel), str(row.measureLabel), str(row.populationLabel),
             str(row.lowDelegation), float(row.lowMax), str(row.highDelegation),
             float(row.highMin)) for row in dataset.query(text)} == expected
