"""Saved queries: each one's answer on the shipped graph, typed parameters, pages, OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIRST, ROOT
from openapi_spec_validator import validate

from kg.cli import main
from kg.sources.queries import load_catalogue
from kg.sources.yamlsource import SourceError

CATALOGUE = load_catalogue(ROOT / "queries")
STATEMENT = f"https://w3id.org/ekg/id/statement/{FIRST}"


def rows(client, name, **params):
    r = client.get(f"/queries/{name}.json", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return json.loads(r.data)["rows"]


def test_there_are_at_least_twelve_research_questions():
    assert len(CATALOGUE) >= 12
    assert all(q.title and q.description for q in CATALOGUE.values())


# -- one test per saved query, on the shipped graph --------------------------------------

def test_figures_for_event_khojaly(client):
    found = rows(client, "figures-for-event", event="ev:khojaly-1992-02")
    first = next(r for r in found if r["statement"] == STATEMENT)
    assert (first["stated"], first["qualifier"], first["min"], first["max"]) == (
        "hundreds of Azerbaijani civilians", "hundreds", 100, 999)
    assert first["delegation"] == "Azerbaijan" and first["speaker"] == "Yashar Aliyev"
    assert first["date"] == "2021-05-25" and "Khojaly" in first["quote"]


def test_figures_for_event_include_sub_events(client):
    found = rows(client, "figures-for-event", event="ev:nk-conflict", page_size="500")
    ours = {r["stated"] for r in found if r["statement"] == STATEMENT}
    assert len(ours) == 14  # 15 figures; "hundreds of Azerbaijani civilians" stated twice
    killed = rows(client, "figures-for-event", event="ev:nk-hostilities-2020",
                  measure="meas:killed")
    assert {r["stated"] for r in killed if r["statement"] == STATEMENT} == {
        "101 Azerbaijani civilians", "12 children"}


def test_figure_over_time_missing_persons(client):
    found = [r for r in rows(client, "figure-over-time", delegation="st:AZE",
                             measure="meas:missing") if r["statement"] == STATEMENT]
    assert sorted((r["stated"], r["value"], r["min"], r["max"], r["partOf"]) for r in found) == [
        ("719 civilians", 719, 719, 719, "about 4000 citizens of Azerbaijan"),
        ("about 4000 citizens of Azerbaijan", 4000, 3600, 4400, None),
    ]
    assert all(r["year"] == 2021 for r in found)


def test_figures_change_over_time_across_the_corpus(client):
    expelled = {r["year"]: (r["stated"], r["min"], r["max"])
                for r in rows(client, "figure-over-time", delegation="st:AZE",
                              measure="meas:expelled")}
    assert expelled[2021] == ("over 200,000 Azerbaijanis", 200001, None)
    assert expelled[2023] == ("some 300.000 Azerbaijanis", 270000, 330000)
    mines = {(r["year"], r["stated"], r["min"], r["max"])
             for r in rows(client, "figure-over-time", delegation="st:AZE",
                           measure="meas:killed-or-wounded")
             if "ceasefire" in r["eventLabel"]}
    assert (2022, "more than 240 Azerbaijani civilians and military", 241, None) in mines
    assert (2023, "315 individuals", 315, 315) in mines


def test_both_parties_describe_the_same_events(client):
    found = rows(client, "legal-characterisations", event="ev:nk-conflict")
    delegations = {r["delegation"] for r in found}
    assert {"Armenia", "Azerbaijan"} <= delegations
    accusations = rows(client, "accusations")
    assert {r["accusedLabel"] for r in accusations if r["accuser"] == "Azerbaijan"} >= {"Armenia"}
    assert {r["accusedLabel"] for r in accusations if r["accuser"] == "Armenia"} >= {"Azerbaijan"}


def test_legal_characterisations_of_khojaly(client):
    found = {(r["delegation"], r["categoryLabel"]): r
             for r in rows(client, "legal-characterisations", event="ev:khojaly-1992-02")}
    for category in ("war crime", "crime against humanity", "genocide"):
        first = found[("Azerbaijan", category)]["first"]
        assert first <= "2021-05-25"  # the 25 May 2021 statement, or an earlier one
        assert found[("Azerbaijan", category)]["statements"] >= 2


def test_legal_characterisations_filtered_by_category(client):
    found = rows(client, "legal-characterisations", event="ev:nk-conflict",
                 category="legal:aggression")
    assert {r["categoryLabel"] for r in found} == {"aggression"}
    assert any(r["eventLabel"].startswith("2020") for r in found)


def test_responsibility_for_khojaly(client):
    found = [r for r in rows(client, "responsibility", event="ev:khojaly-1992-02")
             if r["date"] == "2021-05-25"]
    assert [(r["agentLabel"], r["role"], r["namedAs"]) for r in found] == [
        ("Armenia", "perpetrator", "Armenian forces")]


def test_contested_figures_are_none_within_one_delegation(client):
    # Pairs come only from different delegations; one statement alone has none.
    assert all(r["lowDelegation"] != r["highDelegation"]
               for r in rows(client, "contested-figures"))


def test_part_exceeds_whole_is_empty_on_consistent_data(client):
    assert rows(client, "part-exceeds-whole") == []


def test_parts_and_wholes(client):
    found = {(r["partStated"], r["wholeStated"]) for r in rows(client, "parts-and-wholes")}
    assert {("719 civilians", "about 4000 citizens of Azerbaijan"),
            ("12 children", "101 Azerbaijani civilians")} <= found


def test_statement_claims_pages_through_every_claim(client):
    first = client.get("/queries/statement-claims.json",
                       query_string={"statement": f"stmt:{FIRST}", "page_size": "50"})
    body = json.loads(first.data)
    assert len(body["rows"]) == 50 and body["next"]
    assert 'rel="next"' in first.headers["Link"]
    second = json.loads(client.get(body["next"]).data)
    claims = {r["claim"] for r in body["rows"] + second["rows"]}
    assert len(claims) == 82 and second["next"] is None
    sentence = next(r for r in body["rows"] if r["sentence"] == "p12.s1")
    assert sentence["start"] == 1660 and sentence["quote"].startswith("The scale of")


def test_delegation_statements(client):
    found = rows(client, "delegation-statements", delegation="st:AZE")
    ours = next(r for r in found if r["statement"] == STATEMENT)
    assert ours["claims"] == 82 and ours["figures"] == 15 and ours["speaker"] == "Yashar Aliyev"


def test_mentions_of_an_event_and_a_place(client):
    by_event = rows(client, "mentions", target="ev:khojaly-1992-02")
    kinds = {r["kind"] for r in by_event if r["statement"] == STATEMENT}
    assert {"figure claim", "event claim", "characterisation claim"} <= {k.lower() for k in kinds}
    by_place = rows(client, "mentions", target="pl:khojaly")
    assert any(r["statement"] == STATEMENT for r in by_place)


def test_quote_search(client):
    found = rows(client, "quote-search", text="MISSING")
    assert any(r["sentence"] == "p12.s1" and "719 civilians" in r["quote"] for r in found)
    assert rows(client, "quote-search", text="no such words anywhere") == []


def test_events_by_claims(client):
    found = {r["label"]: r for r in rows(client, "events-by-claims")}
    khojaly = next(v for k, v in found.items() if k.startswith("Khojaly"))
    assert khojaly["claims"] >= 7 and khojaly["statements"] >= 1
    counts = [r["claims"] for r in rows(client, "events-by-claims")]
    assert counts == sorted(counts, reverse=True)


def test_accusations_against_armenia(client):
    found = rows(client, "accusations", accused="st:ARM")
    ours = {r["conduct"]: r for r in found if r["year"] == 2021 and r["accuser"] == "Azerbaijan"}
    assert len(ours) >= 15
    assert ours["disinformation"]["cameo"] == "111"


def _all_pages(client, name, **params):
    """Every row of a paginated saved query, page after page."""
    found, page = [], 1
    while True:
        chunk = rows(client, name, page=page, **params)
        found += chunk
        if not chunk:
            return found
        page += 1


def test_reported_speech(client):
    # Ordered by date: the 2021 statement's rows lie beyond the first page since the corpus
    # holds statements from 1991 on.
    found = [r for r in _all_pages(client, "reported-speech") if r["date"] == "2021-05-25"]
    assert [(r["sourceLabel"], r["symbol"]) for r in found] == [
        ("Secretary-General of the United Nations", "S/2021/423")]
    assert found[0]["content"].startswith("what is needed urgently now")


def test_event_claims_graph_as_turtle(client):
    from rdflib import Graph, URIRef

    r = client.get("/queries/event-claims-graph.ttl",
                   query_string={"event": "ev:khojaly-1992-02"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    graph = Graph().parse(data=r.data, format="turtle")
    assert (URIRef(STATEMENT), None, None) in graph
    assert len(set(graph.subjects(URIRef("https://w3id.org/ekg/ont#statedIn"), None))) >= 7


def test_every_saved_query_has_a_test_above():
    here = Path(__file__).read_text(encoding="utf-8")
    untested = [name for name in CATALOGUE if f'"{name}"' not in here
                and f"/queries/{name}." not in here]
    assert untested == []


# -- parameters are typed, and injection is harmless ----------------------------------------

@pytest.mark.parametrize("value", [
    'x" } UNION { ?s ?p ?o } #',
    "x' . ?s ?p ?o",
    "} } SELECT * { ?s ?p ?o",
    "line\nbreak",
    'quote"s',
    "{ braces }",
])
def test_string_parameters_are_bound_as_literals(client, value):
    r = client.get("/queries/quote-search.json", query_string={"text": value})
    assert r.status_code == 200
    assert json.loads(r.data)["rows"] == []  # matched as text, never as SPARQL


@pytest.mark.parametrize("value", [
    "https://w3id.org/ekg/id/event/x> } UNION { ?s ?p ?o",
    "https://w3id.org/ekg/id/event/with space",
    "<https://w3id.org/ekg/id/event/khojaly-1992-02>",
    "javascript alert(1)",
    "ev:khojaly-1992-02> . ?a ?b ?c",
    "",
])
def test_bad_iris_are_refused_naming_the_parameter(client, value):
    r = client.get("/queries/responsibility.json", query_string={"event": value or " "})
    assert r.status_code == 400
    assert "parameter 'event'" in json.loads(r.data)["error"]


def test_values_must_come_from_the_graph(client):
    r = client.get("/queries/figures-for-event.json", query_string={"event": "ev:not-an-event"})
    assert r.status_code == 400 and "must be one of the listed values" in r.data.decode()


def test_unknown_and_missing_parameters(client):
    r = client.get("/queries/responsibility.json", query_string={"evnt": "ev:nk-conflict"})
    assert r.status_code == 400 and "unknown parameter(s) 'evnt'" in r.data.decode()
    r = client.get("/queries/statement-claims.json")
    assert r.status_code == 400 and "parameter 'statement' is required" in r.data.decode()
    r = client.get("/queries/statement-claims.json",
                   query_string={"statement": f"stmt:{FIRST}", "page": "0"})
    assert r.status_code == 400 and "'page'" in r.data.decode()


def test_errors_in_the_format_asked_for(client):
    assert client.get("/queries/responsibility.csv?evnt=x").mimetype == "text/plain"
    page = client.get("/queries/responsibility?evnt=x", headers={"Accept": "text/html"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert b"unknown parameter" in page.data


def test_csv_and_sparql_json_twins(client):
    import csv
    import io

    r = client.get("/queries/parts-and-wholes.csv")
    table = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert table[0][:3] == ["delegation", "date", "measureLabel"] and len(table) >= 3
    srj = json.loads(client.get("/queries/parts-and-wholes.srj").data)
    assert len(srj["results"]["bindings"]) == len(table) - 1


def test_query_page_has_form_sparql_and_linked_results(client):
    r = client.get("/queries/figures-for-event?event=ev:khojaly-1992-02",
                   headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<select id="p-event" name="event">' in html and "<pre class=\"sparql\">" in html
    assert "hundreds of Azerbaijani civilians" in html
    assert 'href="/id/statement/' in html  # IRIs link to this service's pages
    assert 'rel="alternate"' in html


# -- the catalogue is checked, and documented ------------------------------------------------

def test_a_broken_query_fails_loudly_naming_the_file(tmp_path):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "broken.rq").write_text(
        "#+ title: Broken\n#+ description: x\nSELECT * WHERE { ?s }\n")
    with pytest.raises(SourceError, match=r"broken.rq.*SPARQL syntax error"):
        load_catalogue(folder)
    (folder / "broken.rq").write_text("#+ title: T\n#+ description: D\n#+ params:\n"
                                      "#+   who: {type: iri}\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(SourceError, match=r"broken.rq.*'who' is declared but \?who is not used"):
        load_catalogue(folder)


def test_cli_check_queries(tmp_path):
    result = CliRunner().invoke(main, ["--home", str(ROOT), "check-queries"])
    assert result.exit_code == 0 and f"{len(CATALOGUE)} saved queries" in result.output


def test_openapi_document_validates_and_every_operation_answers(client):
    document = json.loads(client.get("/openapi.json").data)
    validate(document)
    examples = {name: (q.examples[0] if q.examples else {}) for name, q in CATALOGUE.items()}
    examples["statement-claims"] = {"statement": f"stmt:{FIRST}"}
    examples["quote-search"] = {"text": "civilians"}
    called = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            params = {}
            if path.startswith("/queries/"):
                params = examples[path.rsplit("/", 1)[-1]]
            elif path == "/sparql":
                params = {"query": "ASK {}"}
            accept = next(iter(operation["responses"]["200"]["content"]))
            r = client.open(path, method=method.upper(), query_string=params,
                            headers={"Accept": accept})
            assert r.status_code == 200, (path, r.get_data(as_text=True))
            assert r.mimetype == accept
            called += 1
    assert called == len(CATALOGUE) + 2
    page = client.get("/openapi", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"figuresForEvent" in page.data


def test_answers_are_kept_until_the_store_changes(built_file):
    """A repeated API request is answered from the kept response (no query runs); a write
    makes every kept answer stale."""
    from conftest import make_app

    app = make_app(built_file, UPDATE_TOKEN="t")
    kg = app.extensions["kg"]
    client = app.test_client()
    path = f"/queries/statement-claims.json?statement={STATEMENT}"
    try:
        first = client.get(path)
        assert first.status_code == 200
        claims = [r["claim"] for r in first.get_json()["rows"]]
        real_run = kg.executor.run

        def refuse(*args, **kwargs):
            raise AssertionError("the kept answer should have been used")

        kg.executor.run = refuse
        again = client.get(path)
        assert again.data == first.data and again.headers["Content-Type"] == \
            first.headers["Content-Type"]
        kg.executor.run = real_run
        gone = claims[0]
        update = f"DELETE WHERE {{ GRAPH ?g {{ <{gone}> ?p ?o }} }}"
        assert client.post("/sparql", data={"update": update},
                           headers={"Authorization": "Bearer t"}).status_code in (200, 204)
        after = [r["claim"] for r in client.get(path).get_json()["rows"]]
        assert gone not in after and len(after) == len(claims) - 1
    finally:
        kg.close()


# -- binding parameters ----------------------------------------------------------------------

def _bound(sparql: str, **terms) -> str:
    from kg.sources.queries import with_values

    return with_values(sparql, terms)


def test_a_literal_used_only_in_filters_is_written_into_them():
    import pyoxigraph as ox

    text = (ROOT / "queries" / "quote-search.rq").read_text(encoding="utf-8")
    bound = _bound(text, text=ox.Literal("missing"))
    assert "VALUES ?text" not in bound and "?text" not in bound.split("WHERE", 1)[1]
    assert 'LCASE("missing")' in bound


def test_other_terms_are_bound_with_values():
    import pyoxigraph as ox

    iri = ox.NamedNode("https://w3id.org/ekg/id/event/khojaly-1992-02")
    word = ox.Literal("x")
    query = "SELECT ?s WHERE { ?s ?p ?o FILTER (?o = ?w) }"
    assert "VALUES ?w" not in _bound(query, w=word)
    assert "VALUES ?w { <https" in _bound(query, w=iri)  # IRIs: always VALUES
    for text in (
        "SELECT ?s ?w WHERE { ?s ?p ?o FILTER (?o = ?w) }",  # projected
        "SELECT ?s WHERE { ?s ?p ?w FILTER (?o = ?w) }",  # in a triple pattern too
        "SELECT ?s WHERE { { ?s ?p ?o FILTER (?o = ?w) } }",  # a nested group's FILTER
        "SELECT ?s WHERE { ?s ?p ?o FILTER (?o = ?w) } ORDER BY ?w",  # ordered by
        "SELECT ?s WHERE { ?s ?p ?o FILTER regex(?o, ?w) }",  # FILTER without parentheses
    ):
        bound = _bound(text, w=word)
        assert 'VALUES ?w { "x" }' in bound, text


def test_inlined_literals_cannot_break_out_of_their_string():
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
                      ox.Literal('say "hi" } ; DROP ALL #\nthere')))
    text = "SELECT ?s WHERE { ?s ?p ?o FILTER (CONTAINS(?o, ?w)) }"
    for needle, found in (('"hi" } ; DROP ALL #\nthere', 1), ("\\", 0), ("') }", 0)):
        bound = _bound(text, w=ox.Literal(needle))
        assert "VALUES" not in bound
        assert len(list(store.query(bound))) == found, needle


def test_kept_answers_are_bounded_in_bytes_entries_and_size_per_answer(built_file):
    """The answer cache: an answer over an eighth of KG_CACHE_MB is never kept; the least
    recently used answers go first when the bytes or the entries run out."""
    from dataclasses import dataclass

    from conftest import make_app

    @dataclass
    class Body:
        body: bytes

    app = make_app(built_file, CACHE_MB=1)
    kg = app.extensions["kg"]
    runs: list[str] = []

    def answer(name: str, size: int):
        def compute() -> Body:
            runs.append(name)
            return Body(b"x" * size)
        return kg.remembered(("test", name), compute)

    try:
        eighth = 2**20 // 8
        answer("big", eighth + 1)
        answer("big", eighth + 1)
        assert runs == ["big", "big"]  # too big to keep
        runs.clear()
        for name in "abcdefgh":  # 8 x (an eighth - 1) fits in 1 MiB
            answer(name, eighth - 1)
        answer("a", eighth - 1)  # a hit: "a" becomes the most recently used
        answer("i", eighth - 1)  # over the byte budget: "b", the least recently used, goes
        assert runs == list("abcdefghi")
        runs.clear()
        answer("a", 10)
        answer("b", 10)
        assert runs == ["b"]
        kg._cache.clear()
        kg._cache.max_entries = 3
        runs.clear()
        for name in "wxyzw":
            answer(name, 10)
        assert runs == list("wxyzw")  # four entries for three places: "w" went first
    finally:
        kg.close()


# -- research questions over thirty years --------------------------------------------------

def _words(text: str) -> str:
    return " ".join(text.split())


def test_figure_series_keeps_one_quantity(client):
    found = rows(client, "figure-series", delegation="st:AZE", measure="meas:expelled",
                 population="pop:national-group", from_place="st:ARM")
    assert [(r["year"], _words(r["stated"]), r["fromPlaceLabel"]) for r in found] == [
        (1992, "230,000 of them", "Armenia"),
        (1995, "some 200,000 persons", "Armenia"),
        (2021, "over 200,000 Azerbaijanis", "Armenia"),
        (2023, "some 300.000 Azerbaijanis", "Armenia"),
    ]
    assert all(r["explicitness"] for r in found)
    everywhere = rows(client, "figure-series", delegation="st:AZE", measure="meas:expelled",
                      population="pop:national-group")
    assert {r["fromPlaceLabel"] for r in everywhere} == {"Armenia", "Nagorno-Karabakh"}
    assert all(r["max"] is None or r["max"] < 1_000_000 for r in everywhere)
    complete = rows(client, "figure-series", delegation="st:AZE", measure="meas:expelled",
                    population="pop:national-group", curation="cur:complete")
    assert {r["year"] for r in complete} == {1992, 1994, 1995, 2002, 2023}


def test_measure_by_delegation_side_by_side(client):
    found = rows(client, "measure-by-delegation", measure="meas:killed",
                 population="pop:servicemembers")
    by = {(r["year"], r["delegation"]): r for r in found}
    assert (by[(2022, "Armenia")]["lowest"], by[(2022, "Azerbaijan")]["lowest"]) == (2, 80)
    assert by[(2022, "Azerbaijan")]["said"] == "80 servicemen"
    displaced = rows(client, "measure-by-delegation", measure="meas:displaced",
                     population="pop:national-group")
    # Both parties' figures, side by side; other conflicts' (e.g. Syria's) left out.
    assert {r["delegation"] for r in displaced} == {"Armenia", "Azerbaijan"}
    assert {r["year"] for r in displaced if r["delegation"] == "Armenia"} == {2006}
    assert {r["year"]: r["lowest"] for r in displaced}[1992] == 450000
    assert all(r["figures"] == 1 for r in displaced)
    complete = rows(client, "measure-by-delegation", measure="meas:displaced",
                    population="pop:national-group", curation="cur:complete")
    # Azerbaijan's statements of 2019 to 2023, curated completely, state such figures.
    assert max(r["year"] for r in complete) == 2023


def test_legal_labels_by_year_for_each_party(client):
    aze = rows(client, "legal-labels-by-year", event="ev:nk-conflict", delegation="st:AZE")
    years = {r["year"] for r in aze}
    assert {1992, 2000, 2016, 2023} <= years
    occupation = {r["year"]: r["claims"] for r in aze if r["categoryLabel"] == "occupation"}
    assert occupation[2016] == 9
    arm = rows(client, "legal-labels-by-year", event="ev:nk-conflict", delegation="st:ARM")
    labels_2023 = {r["categoryLabel"] for r in arm if r["year"] == 2023}
    assert {"aggression", "ethnic cleansing", "genocide"} <= labels_2023
    assert all(0 <= r["inferred"] <= r["claims"] for r in aze + arm)


def test_first_use_of_a_label(client):
    found = rows(client, "first-use-of-label", event="ev:nk-conflict")
    firsts = {}
    for r in found:
        firsts.setdefault(r["categoryLabel"], set()).add((r["first"], r["delegation"]))
    assert firsts["war crime"] == {("2012", "Azerbaijan")}
    assert firsts["mercenarism"] == {("2004", "Armenia")}
    assert all(r["explicitness"] for r in found)
    assert len({r["first"] for r in found if r["categoryLabel"] == "occupation"}) == 1
    one = rows(client, "first-use-of-label", event="ev:nk-conflict",
               category="legal:mercenarism")
    assert {(r["first"], r["speaker"], r["said"]) for r in one} == {
        ("2004", "Vartan Oskanian", "mercenaries")}


def test_third_party_characterisations_by_year(client):
    found = rows(client, "third-party-characterisations", event="ev:nk-conflict",
                 party_a="st:ARM", party_b="st:AZE")
    assert found and not {r["delegation"] for r in found} & {"Armenia", "Azerbaijan"}
    assert ("Türkiye", 2020, "accusation", "aggression", "Armenia") in {
        (r["delegation"], r["year"], r["kind"], r["label"], r["accusedLabel"]) for r in found}
    assert all(r["explicitness"] for r in found)


def test_claim_rows_say_whether_the_claim_was_said_or_inferred(client):
    words = {"explicit", "implicit from context", "anaphoric"}
    for name, params in [
        ("figure-over-time", {"delegation": "st:AZE", "measure": "meas:missing"}),
        ("figures-for-event", {"event": "ev:khojaly-1992-02"}),
        ("responsibility", {"event": "ev:khojaly-1992-02"}),
        ("statement-claims", {"statement": "stmt:unga-1994-general-debate-AZE"}),
        ("reported-speech", {}),
        ("quote-search", {"text": "Khojaly"}),
    ]:
        found = rows(client, name, **params)
        assert found and {r["explicitness"] for r in found} <= words, name
    claims = rows(client, "statement-claims", statement="stmt:unga-1994-general-debate-AZE",
                  page_size="500")
    assert "implicit from context" in {r["explicitness"] for r in claims}


@pytest.mark.parametrize("name, params", [
    ("legal-characterisations", {"event": "ev:nk-conflict"}),
    ("accusations", {}),
    ("delegation-statements", {"delegation": "st:AZE"}),
    ("mentions", {"target": "ev:displacement-1988-1994"}),
])
def test_counts_by_delegation_filter_by_curation_status(client, name, params):
    every = rows(client, name, page_size="500", **params)
    complete = rows(client, name, page_size="500", curation="cur:complete", **params)
    unverified = rows(client, name, page_size="500", curation="cur:unverified", **params)
    assert every and complete and unverified
    assert len(complete) < len(every) and len(unverified) < len(every)
