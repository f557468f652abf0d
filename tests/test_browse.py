"""Browse pages and linked data: every IRI dereferences; pages show real content, escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from conftest import FIRST, kill_idle_query_processes, make_app
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
BASE = "https://w3id.org/ekg/"
STATEMENT = f"/id/statement/{FIRST}"


def page(client, url: str) -> str:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, (url, r.get_data(as_text=True)[:500])
    assert r.mimetype == "text/html"
    return r.get_data(as_text=True)


def store_description(app, iri: str) -> Graph:
    store = app.extensions["kg"].store
    triples = store.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
    return Graph().parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES),
                         format="nt")


def test_home_page_has_the_corpus_at_a_glance(client):
    html = page(client, "/")
    assert "Latest statements" in html and "Events with the most claims" in html
    assert re.search(r'href="/id/statement/unga-2023-general-debate-[A-Z]{3}"', html)
    assert 'role="search"' in html and 'href="/.well-known/void"' in html
    for target in ("/queries", "/sparql", "/ontology", "/downloads"):
        assert f'href="{target}"' in html


def test_statement_page_highlights_every_claimed_sentence(client, built):
    html = page(client, STATEMENT)
    statement = next(s for s in built.statements if s.statement_id == FIRST)
    anchored = {str(o).rsplit(".", 2)[-2] + "." + str(o).rsplit(".", 1)[-1]
                for o in statement.graph.objects(None, ox_ekg("anchor"))}
    marked = set(re.findall(r'<mark id="(p\d+\.s\d+)" class="claimed"', html))
    assert marked == anchored and len(marked) == 19
    assert "Yashar Aliyev" in html and "Azerbaijan" in html and "2021-05-25" in html
    assert "Security Council open debate" in html
    assert "Figure (13)" in html and "Characterisation (15)" in html
    assert f'href="/id/claim/{FIRST}.khojaly-figure"' in html


def ox_ekg(local: str):
    from kg.model.namespaces import EKG

    return EKG[local]


def test_khojaly_event_page_lists_figures_side_by_side(client):
    html = page(client, "/id/event/khojaly-1992-02")
    assert "Khojaly killings (February 1992)" in html
    row = re.search(r"<tr>.*?hundreds of Azerbaijani civilians.*?</tr>", html, re.S).group(0)
    assert "Azerbaijan" in row and "Yashar Aliyev" in row and "2021-05-25" in row
    assert f'href="{STATEMENT}#p11.s1"' in row
    assert "100 – 999" in row
    assert "According to <strong>Azerbaijan</strong>" in html  # characterisations, attributed
    assert "genocide" in html and "as perpetrator" in html
    assert '<svg role="img"' in html  # the chart, with the table as its text alternative


def test_event_page_shows_the_hierarchy(client):
    html = page(client, "/id/event/khojaly-1992-02")
    assert 'href="/id/event/nk-war-1988-1994"' in html and 'href="/id/event/nk-conflict"' in html
    parent = page(client, "/id/event/nk-conflict")
    assert "Sub-events" in parent and 'href="/id/event/nk-war-1988-1994"' in parent


def test_delegation_and_speaker_pages(client):
    for url in ("/id/state/AZE", "/id/person/yashar-aliyev"):
        html = page(client, url)
        assert f'href="{STATEMENT}"' in html
        assert "about 4000 citizens of Azerbaijan" in html


def test_claim_and_figure_pages_link_up_and_down(client):
    claim = page(client, f"/id/claim/{FIRST}.missing-figures")
    assert "<blockquote" in claim and "including 719 civilians" in claim
    assert f'href="{STATEMENT}"' in claim and f"/id/figure/{FIRST}.missing-figures.f2" in claim
    figure = page(client, f"/id/figure/{FIRST}.missing-figures.f2")
    assert "“719 civilians”" in figure and "Part of" in figure
    assert f'href="/id/figure/{FIRST}.missing-figures.f1"' in figure
    whole = page(client, f"/id/figure/{FIRST}.missing-figures.f1")
    assert "Includes" in whole and "3,600 – 4,400" in whole


def test_generic_page_groups_properties_and_incoming_links(client):
    html = page(client, "/id/meeting/unsc-2021-05-25-poc")
    assert "Properties" in html and "Links to this resource" in html
    assert "at meeting" in html.lower()
    listing = page(client, "/id/meeting/unsc-2021-05-25-poc?incoming=https%3A%2F%2Fw3id.org"
                           "%2Fekg%2Font%23atMeeting")
    assert f'href="{STATEMENT}"' in listing.split('id="incoming"')[1]


def test_concepts_and_ontology_terms_dereference(client):
    assert "killed" in page(client, "/vocab/measure/killed")
    assert "Claim" in page(client, "/resource?iri=https%3A%2F%2Fw3id.org%2Fekg%2Font%23Claim")


def test_unknown_iris_are_404_pages(client):
    r = client.get("/id/event/no-such-event", headers=HTML)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert b"nothing is known about" in r.data
    assert client.get("/id/event/no-such-event.ttl").status_code == 404


@pytest.mark.parametrize("iri", [
    f"{BASE}id/event/khojaly-1992-02",
    f"{BASE}id/statement/{FIRST}",
    f"{BASE}id/figure/{FIRST}.missing-figures.f2",
    f"{BASE}id/state/AZE",
])
@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
])
def test_rdf_by_content_negotiation_matches_the_store(app, client, iri, accept, fmt):
    r = client.get(iri[len(BASE) - 1:], headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert "Accept" in r.headers["Vary"]
    assert isomorphic(Graph().parse(data=r.data, format=fmt), store_description(app, iri))


@pytest.mark.parametrize(("suffix", "media"), [
    ("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
    ("rdf", "application/rdf+xml"),
])
def test_suffixes_pick_a_format(client, suffix, media):
    r = client.get(f"/id/event/khojaly-1992-02.{suffix}")
    assert r.status_code == 200 and r.mimetype == media
    # IRIs whose local names contain dots are not mistaken for suffixes
    assert client.get(f"/id/figure/{FIRST}.missing-figures.f2", headers=HTML).status_code == 200


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.jsonld: list[str] = []
        self.alternates: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = True
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates.append(attrs.get("type", ""))

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.jsonld.append(data)


def test_html_advertises_its_rdf_twins_and_embeds_json_ld(app, client):
    r = client.get("/id/event/khojaly-1992-02", headers=HTML)
    parser = _Scripts()
    parser.feed(r.get_data(as_text=True))
    assert set(parser.alternates) >= {"text/turtle", "application/ld+json",
                                      "application/n-triples"}
    embedded = Graph().parse(data=parser.jsonld[0], format="json-ld")
    assert isomorphic(embedded, store_description(app, f"{BASE}id/event/khojaly-1992-02"))
    assert 'rel="alternate"' in r.headers["Link"]


def test_search_over_labels_and_quotes(client):
    html = page(client, "/search?q=khojaly")
    assert 'href="/id/event/khojaly-1992-02"' in html
    assert f'href="{STATEMENT}#p11.s1"' in html
    assert "No names match" in page(client, "/search?q=zzzzqqq")
    assert client.get("/search?q=" + "x" * 600, headers=HTML).status_code == 400
    # statements are found by name; claims by their sentences, not by their made-up labels
    assert f'href="{STATEMENT}"' in page(client, "/search?q=Yashar Aliyev (Azerbaijan), 2021")
    assert "No names match" in page(client, "/search?q=aggression-2020-characterisation")


def test_labels_with_markup_are_shown_as_text(built_file):
    app = make_app(built_file)
    store = app.extensions["kg"].store
    store.update(
        'PREFIX ekg: <https://w3id.org/ekg/ont#> '
        'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> '
        'INSERT DATA { GRAPH <https://w3id.org/ekg/graph/reference> { '
        '<https://w3id.org/ekg/id/event/xss> a ekg:EventReference ; '
        'rdfs:label "<script>alert(\'xss\')</script> event" . '
        '<https://w3id.org/ekg/id/event/khojaly-1992-02> '
        'rdfs:comment "<img src=x onerror=alert(1)>" } }')
    client = app.test_client()
    for url in ("/id/event/xss", "/search?q=script", "/id/event/khojaly-1992-02"):
        html = page(client, url)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html or "&lt;img src=x" in html
    app.extensions["kg"].close()


# -- downloads and dataset description -------------------------------------------------------

def test_dumps_parse_and_hold_every_named_graph(app, client):
    graphs = set(app.extensions["kg"].store.graph_names())
    for name, fmt in (("kg.nq", "nquads"), ("kg.trig", "trig")):
        r = client.get(f"/downloads/{name}")
        assert r.status_code == 200 and r.is_streamed
        ds = Dataset()
        ds.parse(data=r.data, format=fmt)
        assert {str(g.identifier) for g in ds.graphs() if len(g)} == graphs
    union = Graph().parse(data=client.get("/downloads/kg.ttl").data, format="turtle")
    count = app.extensions["kg"].store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    )[0]["n"]
    assert len(union) == count
    jsonld = json.loads(client.get("/downloads/kg.jsonld").data)
    assert {g["@id"] for g in jsonld} == graphs
    ds = Dataset()
    ds.parse(data=client.get("/downloads/kg.jsonld").data, format="json-ld")
    assert {str(g.identifier) for g in ds.graphs() if len(g)} == graphs


def test_one_statement_graph_on_its_own(app, client):
    r = client.get(f"/graph/statement/{FIRST}.ttl")
    graph = Graph().parse(data=r.data, format="turtle")
    store = app.extensions["kg"].store
    n = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{BASE}graph/statement/{FIRST}> "
                     "{ ?s ?p ?o } }")[0]["n"]
    assert len(graph) == n
    assert "triples" in page(client, f"/graph/statement/{FIRST}")
    assert client.get("/graph/statement/nope.ttl").status_code == 404


def test_void_counts_match_the_store(app, client):
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    void = Graph().parse(data=r.data, format="turtle")
    store = app.extensions["kg"].store
    counts = {row["g"]: row["n"] for row in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    rows = void.query("""
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?subset ?n WHERE { ?d void:subset ?subset . ?subset void:triples ?n }""")
    assert {str(r.subset): int(r.n) for r in rows} == counts
    total = void.query("""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?n WHERE { ?d a void:Dataset ; void:sparqlEndpoint ?e ; void:triples ?n }""")
    assert [int(r.n) for r in total] == [sum(counts.values())]
    text = r.get_data(as_text=True)
    assert "creativecommons.org/licenses/by/4.0" in text and "/downloads/kg.nq" in text
    assert "void:exampleResource" in text


def test_ontology_and_shapes_pages_and_downloads(client):
    html = page(client, "/ontology")
    assert "Figure claim" in html or "figure claim" in html.lower()
    assert "more than" in html and "1123" in html  # qualifier concept, CAMEO notation
    turtle = Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    assert len(turtle) > 1000
    shapes = page(client, "/shapes")
    assert "NoFactsOnReferenceShape" in shapes and "Reference node carries a figure" in shapes
    assert len(Graph().parse(data=client.get("/shapes.ttl").data, format="turtle")) > 100
    downloads = page(client, "/downloads")
    assert "/downloads/kg.trig" in downloads and f"/graph/statement/{FIRST}.ttl" in downloads


def test_pages_are_accessible_html(client):
    for url in ("/", STATEMENT, "/id/event/khojaly-1992-02", "/queries", "/ontology"):
        html = page(client, url)
        assert '<html lang="en">' in html and "<main>" in html and "<h1>" in html
        assert html.count("<h1>") == 1
        for svg in re.findall(r"<svg[^>]*>", html):
            assert 'role="img"' in svg and "aria-labelledby" in svg


def test_page_queries_keep_the_query_time_limit(built_file):
    """Pages run their queries in the query processes, stopped at the time limit: 503, and
    the service answers the next request at once."""
    strict = make_app(built_file, QUERY_TIMEOUT=0.0005)
    try:
        client = strict.test_client()
        for path in ("/", f"/id/statement/{FIRST}", "/search?q=missing"):
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "5"
            assert "time limit" in response.get_data(as_text=True)
    finally:
        strict.extensions["kg"].close()


def test_pages_are_kept_per_store_version(built_file):
    """A page's queries are answered once per store version: seen again, the page needs no
    query process (they are all stopped here); after a write (a new store version, so new query
    processes) it shows the new data."""
    app = make_app(built_file)
    kg = app.extensions["kg"]
    client = app.test_client()
    try:
        first = page(client, "/id/event/khojaly-1992-02")
        kill_idle_query_processes(app)
        assert page(client, "/id/event/khojaly-1992-02") == first
        kg.store.update(
            'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> '
            'INSERT DATA { GRAPH <https://w3id.org/ekg/graph/reference> { '
            '<https://w3id.org/ekg/id/event/khojaly-1992-02> rdfs:comment "kept-page check" } }')
        assert "kept-page check" in page(client, "/id/event/khojaly-1992-02")
    finally:
        kg.close()


def test_nothing_is_kept_with_no_cache(built_file):
    app = make_app(built_file, CACHE_MB=0)
    kg = app.extensions["kg"]
    client = app.test_client()
    try:
        page(client, "/id/event/khojaly-1992-02")
        kill_idle_query_processes(app)
        response = client.get("/id/event/khojaly-1992-02", headers=HTML)
        assert response.status_code == 503  # computed again, by a query process found dead
    finally:
        kg.close()


def test_a_pages_heavy_queries_run_side_by_side_in_order(built_file):
    """``select_all`` answers in the order asked, also when the queries wait for each other
    for the one query process there is (no deadlock)."""
    app = make_app(built_file, QUERY_PROCESSES=1, CACHE_MB=0)
    kg = app.extensions["kg"]
    try:
        res = kg.resources()
        bodies = [f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}" for n in range(6)]
        assert [rows[0]["n"] for rows in res.select_all(*bodies)] == list(range(6))
        client = app.test_client()
        html = page(client, "/id/event/nk-conflict")
        assert "Khojaly" in html or "khojaly" in html
    finally:
        kg.close()


# The wide forms of the event and actor pages' queries, which the pages narrowed: each table's
# rows are chosen and sorted on a few columns first (kg.web.views). The reference here joins
# everything for every row, in the same total order.
WIDE_FIGURES = """
  ?claim ekg:figure ?figure ; ekg:statedIn ?statement ; ekg:anchor ?segment ; ekg:about ?event .
  ?figure ekg:statedText ?stated ; ekg:measure ?measure ; ekg:population ?population ;
          ekg:approximation ?qualifier .
  ?segment ekg:segmentId ?sentence .
  ?statement dcterms:date ?date ; ekg:delegation ?delegation ; ekg:speaker ?speaker .
  ?measure skos:prefLabel ?measureLabel . ?population skos:prefLabel ?populationLabel .
  ?qualifier skos:prefLabel ?qualifierLabel .
  ?delegation rdfs:label ?delegationLabel . ?speaker foaf:name ?speakerName .
  ?event rdfs:label ?eventLabel .
  OPTIONAL { ?figure schema:value ?value } OPTIONAL { ?figure schema:minValue ?min }
  OPTIONAL { ?figure schema:maxValue ?max } OPTIONAL { ?figure ekg:partOf ?whole }
  OPTIONAL { ?claim ekg:explicitness ?explicitness }
  OPTIONAL { ?figure ekg:unit/skos:prefLabel ?unitLabel }
  OPTIONAL { ?figure ekg:currency ?currency }
  OPTIONAL { ?figure ekg:numerator ?numerator } OPTIONAL { ?figure ekg:denominator ?denominator }
  OPTIONAL { ?figure ekg:fromPlace/rdfs:label ?fromLabel }
  OPTIONAL { ?figure ekg:toPlace/rdfs:label ?toLabel }
"""
WIDE_CHARACTERISATIONS = """
  ?claim a ekg:CharacterisationClaim ; ekg:about ?event ;
         ekg:legalCategory/skos:prefLabel ?categoryLabel ; ekg:statedIn ?statement ;
         ekg:anchor/ekg:segmentId ?sentence .
  ?event rdfs:label ?eventLabel .
  ?statement dcterms:date ?date ; ekg:delegation/rdfs:label ?delegationLabel ;
             ekg:speaker/foaf:name ?speakerName .
  OPTIONAL { ?claim ekg:characterisedAs ?said }
  OPTIONAL { ?claim ekg:characterisationCue ?cue }
  OPTIONAL { ?claim ekg:explicitness ?explicitness }
"""
WIDE_ATTRIBUTIONS = """
  ?claim a ekg:AttributionClaim ; ekg:about ?event ; ekg:responsibleAgent ?agent ;
         ekg:responsibilityRole/skos:prefLabel ?role ; ekg:statedIn ?statement ;
         ekg:anchor/ekg:segmentId ?sentence .
  ?event rdfs:label ?eventLabel . ?agent rdfs:label ?agentLabel .
  ?statement dcterms:date ?date ; ekg:delegation/rdfs:label ?delegationLabel ;
             ekg:speaker/foaf:name ?speakerName .
  OPTIONAL { ?claim ekg:agentNamedAs ?namedAs }
  OPTIONAL { ?claim ekg:explicitness ?explicitness }
"""


def _first(res, where: str, order: str, columns: list[str], key: tuple[str, ...],
           limit: int) -> list[dict]:
    """The wide form's rows, in ``order``, of the first ``limit`` distinct ``key``s."""
    rows = res.select(f"SELECT {' '.join('?' + c for c in columns)} WHERE {{ {where} }} "
                      f"ORDER BY {order}")
    kept: set[tuple] = set()
    for row in rows:
        if len(kept) == limit:
            break
        kept.add(tuple(row.get(k) for k in key))
    return [row for row in rows if tuple(row.get(k) for k in key) in kept]


def _check_pages_against_wide_forms(res, events: list[str], actors: list[str],
                                    limit: int) -> int:
    from kg.web import views

    figure_columns = ["claim", "figure", "stated", "measure", "measureLabel", "populationLabel",
                      "qualifierLabel", "value", "min", "max", "whole", "sentence", "statement",
                      "date", "delegation", "delegationLabel", "speaker", "speakerName",
                      "event", "eventLabel", "explicitness", "unitLabel", "currency", "numerator",
                      "denominator", "fromLabel", "toLabel"]
    compared = 0
    for event in events:
        view = views.event_view(res, event)
        within = f"?event ekg:withinEvent <{event}> ."
        expected = [
            _first(res, within + WIDE_FIGURES, views.EVENT_FIGURE_ORDER + " ?sentence",
                   figure_columns, ("figure", "event"), limit),
            _first(res, within + WIDE_CHARACTERISATIONS,
                   views.CHARACTERISATION_ORDER + " ?sentence",
                   ["claim", "categoryLabel", "said", "cue", "sentence", "statement", "date",
                    "delegationLabel", "speakerName", "eventLabel", "explicitness"],
                   ("claim", "categoryLabel", "event"), limit),
            _first(res, within + WIDE_ATTRIBUTIONS,
                   views.ATTRIBUTION_ORDER + " ?agent ?role ?sentence",
                   ["claim", "agent", "agentLabel", "role", "namedAs", "sentence", "statement",
                    "date", "delegationLabel", "speakerName", "eventLabel", "explicitness"],
                   ("claim", "event"), limit)]
        found = [view["figures"], view["characterisations"], view["attributions"]]
        assert found == expected, event
        compared += sum(map(len, found))
    for actor in actors:
        view = views.actor_view(res, actor)
        mine = (f"{{ ?statement ekg:delegation <{actor}> }} UNION "
                f"{{ ?statement ekg:speaker <{actor}> }}")
        expected_figures = _first(res, mine + WIDE_FIGURES,
                                  views.ACTOR_FIGURE_ORDER + " ?sentence", figure_columns,
                                  ("figure", "event"), limit)
        assert view["figures"] == expected_figures, actor
        statements = res.select(f"""
            SELECT ?statement ?label ?date ?meetingLabel ?speakerName ?delegationLabel
                   (COUNT(DISTINCT ?claim) AS ?claims) WHERE {{
              {mine}
              ?statement a ekg:Statement ; rdfs:label ?label ; dcterms:date ?date ;
                         ekg:atMeeting/rdfs:label ?meetingLabel ;
                         ekg:speaker/foaf:name ?speakerName ;
                         ekg:delegation/rdfs:label ?delegationLabel .
              OPTIONAL {{ ?claim ekg:statedIn ?statement }}
            }} GROUP BY ?statement ?label ?date ?meetingLabel ?speakerName ?delegationLabel
            ORDER BY STR(?date) ?statement""")
        assert view["statements"] == statements, actor
        compared += len(view["figures"]) + len(statements)
    return compared


def test_event_and_actor_tables_are_the_first_rows_of_the_wide_queries(app, monkeypatch):
    """On the shipped graph, for every event, delegation and speaker: the event and actor
    pages' tables hold the rows, in the order, that the wide queries give, at the pages' row
    limit and at a limit of 2 (which cuts most tables short)."""
    from kg.web import views

    res = app.extensions["kg"].resources()
    events = [r["e"] for r in res.select("SELECT ?e WHERE { ?e a ekg:EventReference }")]
    actors = [r["a"] for r in res.select(
        "SELECT DISTINCT ?a WHERE { ?s ekg:delegation|ekg:speaker ?a }")]
    assert _check_pages_against_wide_forms(res, events, actors, views.SHOWN) > 20
    monkeypatch.setattr(views, "SHOWN", 2)
    assert _check_pages_against_wide_forms(res, events, actors, 2) > 20


def _required_after_optional(node, found: list[str]) -> None:
    """Collect each join of a required pattern onto an OPTIONAL's result in an algebra tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        left, right = node.get("p1"), node.get("p2")
        if (node.name == "Join" and isinstance(left, CompValue) and left.name == "LeftJoin"
                and isinstance(right, CompValue) and right.name == "BGP"):
            found.append(" ".join(str(t) for triple in right["triples"] for t in triple))
        for value in node.values():
            _required_after_optional(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _required_after_optional(value, found)


def test_page_queries_join_their_required_patterns_before_their_optionals(app):
    """Every query of the event and actor pages keeps its required patterns ahead of its
    OPTIONALs. A required pattern after an OPTIONAL is a join of its own, planned apart:
    with the statement keys there, the event page's figures query ran for minutes at
    100,000 statements in Oxigraph instead of under a second (``bench/``)."""
    from rdflib.plugins.sparql import prepareQuery

    from kg.web import views

    kg = app.extensions["kg"]
    seen: list[str] = []
    base = kg.resources()

    def run(sparql: str):
        seen.append(sparql)
        return base.run(sparql)

    res = type(base)(base.store, base.iris, run)
    views.event_view(res, f"{BASE}id/event/khojaly-1992-02")
    views.actor_view(res, f"{BASE}id/state/AZE")
    assert len(seen) >= 6
    for sparql in seen:
        found: list[str] = []
        _required_after_optional(prepareQuery(sparql).algebra, found)
        assert not found, (found, sparql)


def test_statement_page_shows_its_curation_and_which_claims_are_inferred(client):
    html = page(client, "/id/statement/unga-1994-general-debate-AZE")
    curation = html.split('<dd class="curation">', 1)[1].split("</dd>", 1)[0]
    assert curation.startswith("complete")
    assert "complete: accusation, attribution, characterisation, event, figure" in curation
    assert "not curated: appeal, procedural, thematic" in curation
    assert "of them inferred by the curator from context or a pronoun" in html
    assert "inferred by the curator from context" in html and "(inferred)</a>" in html
    partial = page(client, "/id/statement/unga-1992-general-debate-RUS")
    assert '<dd class="curation">partial; partial: accusation, attribution' in partial
    assert "Only the claims about the Nagorno-Karabakh conflict are recorded" in partial
    unverified = page(client, "/id/statement/unga-2021-general-debate-FRA")
    assert '<dd class="curation">completeness not verified' in unverified


def test_claim_pages_say_whether_the_claim_was_said_or_inferred(client):
    inferred = page(client, "/id/claim/unga-1994-general-debate-AZE.nk-annexation-accusation")
    assert 'class="explicitness inferred">inferred by the curator from context<' in inferred
    said = page(client, f"/id/claim/{FIRST}.missing-figures")
    assert 'class="explicitness said">said in the sentence<' in said


def test_claim_pages_say_how_to_cite_the_claim(client):
    html = page(client, f"/id/claim/{FIRST}.missing-figures")
    cite = html.split('<p class="cite">', 1)[1].split("</p>", 1)[0]
    assert cite.startswith("Yashar Aliyev (Azerbaijan), ")
    assert "2021-05-25, sentence " in cite and "Protection of civilians" in cite
    assert f"<code>https://w3id.org/ekg/id/claim/{FIRST}.missing-figures</code>" in cite


def test_figure_pages_and_tables_show_unit_place_and_explicitness(client):
    expelled = page(client, "/id/figure/unsc-2021-05-25-poc-AZE.expulsion-figure.f1")
    assert "<dt>From</dt><dd>Armenia</dd>" in expelled
    assert "<dt>Said or inferred</dt>" in expelled
    event = page(client, "/id/event/displacement-1988-1994")
    assert '<th scope="col">Unit</th>' in event and '<th scope="col">Said or inferred</th>' in event
    assert "(national or ethnic group from Armenia)" in event
    share = page(client, "/id/event/nk-conflict")
    assert "<td>percent</td>" in share


def test_void_counts_statements_by_curation_status(app, client):
    void = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    rows = void.query("""
        PREFIX void: <http://rdfs.org/ns/void#>
        PREFIX ekg: <https://w3id.org/ekg/ont#>
        SELECT ?status ?n WHERE {
          ?d void:classPartition ?p . ?p void:class ekg:Statement ; void:entities ?n .
          OPTIONAL { ?p ekg:curationStatus ?status } }""")
    counts = {str(r.status).rsplit("/", 1)[-1] if r.status else None: int(r.n) for r in rows}
    store = app.extensions["kg"].store
    expected = {str(r["status"]).rsplit("/", 1)[-1]: int(r["n"]) for r in store.select(
        "PREFIX ekg: <https://w3id.org/ekg/ont#> SELECT ?status (COUNT(?s) AS ?n) WHERE { "
        "?s ekg:curationStatus ?status } GROUP BY ?status")}
    assert {k: v for k, v in counts.items() if k} == expected
    assert counts[None] == sum(expected.values())
    assert expected["complete"] >= 18 and expected["partial"] >= 3
