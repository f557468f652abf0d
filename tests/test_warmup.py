"""A serving process computes the home page, parameterless saved queries and the heaviest
events' pages before serving."""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import kill_idle_query_processes, make_app
from rdflib import Dataset

from kg.model.namespaces import EKG
from kg.web.warmup import heavy_actors, heavy_events, warm_paths

BASE = "https://w3id.org/ekg/"
HTML = {"Accept": "text/html"}


def test_warm_paths_are_the_home_page_and_the_queries_without_parameters(app):
    paths = warm_paths(app)
    catalogue = app.extensions["kg"].catalogue
    assert paths[0] == "/"
    assert {p.removeprefix("/queries/").removesuffix(".json") for p in paths[1:]} == {
        name for name, query in catalogue.items() if not query.params}
    assert "/queries/parts-and-wholes.json" in paths
    assert "/queries/figures-for-event.json" not in paths  # it takes an event


def test_a_warmed_app_answers_them_without_running_a_query(built_file):
    gc.unfreeze()
    app = make_app(built_file, WARM_UP=True)
    kg = app.extensions["kg"]
    try:
        assert gc.get_freeze_count() > 0  # what it made is out of the collector's sight
        kill_idle_query_processes(app)  # no query process can answer now
        client = app.test_client()
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        r = client.get("/queries/parts-and-wholes.json")
        assert r.status_code == 200 and r.get_json()["rows"]
        # not warmed: it needs a query process, and finds the killed one
        assert client.get("/queries/figures-for-event.json").status_code == 503
    finally:
        kg.close()


def test_apps_are_not_warmed_unless_asked(built_file):
    app = make_app(built_file)
    try:
        assert not app.extensions["kg"].executor._idle  # no query has run
    finally:
        app.extensions["kg"].close()


def test_nothing_is_computed_first_for_a_remote_store():
    from conftest import ROOT

    from kg.web import create_app
    from kg.web.warmup import warm_up

    # nothing listens there: a request would fail, and none is made (answers of a remote
    # store are not kept, so there is nothing to compute in advance)
    app = create_app({"HOME": ROOT, "STORE": "sparql:http://127.0.0.1:9/sparql",
                      "TESTING": True})
    try:
        assert warm_up(app) == {}
    finally:
        app.extensions["kg"].close()


def _claims_counted(dataset: Path) -> tuple[Counter, Counter]:
    """Counted in Python from the built dataset: per event, the (claim, event) pairs of the
    claims about it or about events within it; per delegation or speaker, the claims of its
    statements."""
    graph = Dataset()
    graph.parse(dataset, format="nquads")
    within: dict = defaultdict(set)
    for part, _, event, _ in graph.quads((None, EKG.withinEvent, None, None)):
        within[part].add(event)
    events: Counter = Counter()
    for _claim, part in {(s, o) for s, _, o, _ in graph.quads((None, EKG.about, None, None))}:
        for event in within[part]:
            events[event] += 1
    statements: dict = defaultdict(set)
    for role in (EKG.delegation, EKG.speaker):
        for statement, _, actor, _ in graph.quads((None, role, None, None)):
            statements[actor].add(statement)
    per_statement = Counter(
        st for _, st in {(c, st) for c, _, st, _ in graph.quads((None, EKG.statedIn, None, None))})
    actors = Counter({actor: sum(per_statement[st] for st in sts)
                      for actor, sts in statements.items()})
    return events, actors


def _most_first(counts: Counter, least: int) -> list[str]:
    return [str(k) for k in sorted((k for k, n in counts.items() if n >= least),
                                   key=lambda k: (-counts[k], str(k)))]


def test_the_pages_with_the_most_claims_are_warmed(built_file):
    events, actors = _claims_counted(built_file)
    least = sorted(events.values())[-4]  # the four (or so) heaviest hierarchies
    heavy = _most_first(events, least), _most_first(actors, least)
    assert 4 <= len(heavy[0]) < len(events) and 1 <= len(heavy[1]) < len(actors)
    app = make_app(built_file, WARM_UP=True, WARM_PAGE_CLAIMS=least)
    kg = app.extensions["kg"]
    try:
        assert (heavy_events(app), heavy_actors(app)) == heavy
        pages = ["/" + iri.removeprefix(BASE) for iri in heavy[0] + heavy[1]]
        assert warm_paths(app)[-len(pages):] == pages
        kill_idle_query_processes(app)  # only kept answers can serve a page now
        client = app.test_client()
        for path in pages:
            page = client.get(path, headers=HTML)
            assert page.status_code == 200 and "Figures" in page.get_data(as_text=True), path
        lighter = [next(k for k, n in counts.items() if n < least) for counts in (events, actors)]
        for iri in lighter:  # not warmed
            assert client.get("/" + str(iri).removeprefix(BASE), headers=HTML).status_code == 503
    finally:
        kg.close()


def test_no_pages_are_warmed_when_the_setting_is_0(built_file):
    app = make_app(built_file, WARM_PAGE_CLAIMS=0)
    try:
        assert heavy_events(app) == [] and heavy_actors(app) == []
        assert not any(p.startswith("/id/") for p in warm_paths(app))
    finally:
        app.extensions["kg"].close()


def test_the_setting_is_read_from_the_environment_and_checked():
    from conftest import ROOT

    from kg.config import ConfigError, load_settings

    assert load_settings({"HOME": ROOT}, environ={}).warm_page_claims == 10_000
    assert load_settings({"HOME": ROOT}, environ={"KG_WARM_PAGE_CLAIMS": "500"}
                         ).warm_page_claims == 500
    for bad, says in (("-1", "at least 0"), ("many", "must be a number")):
        with pytest.raises(ConfigError, match=says):
            load_settings({"HOME": ROOT}, environ={"KG_WARM_PAGE_CLAIMS": bad})
