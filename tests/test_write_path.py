"""The one write path: every door (kg load, kg ingest, PUT/POST/DELETE /graph-store, SPARQL
Update) checks the same change the same way; an update is evaluated once, so replicas and
reopened stores agree (relative IRIs, RAND()); refused writes change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from conftest import FIRST, ROOT, copy_home

from kg.cli import main
from kg.model.namespaces import IRIs
from kg.store import EmbeddedStore
from kg.web import create_app

TOKEN = "write-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
IRI = IRIs()
G1 = str(IRI.statement_graph(FIRST))
S1 = f"<{IRI.mint('stmt', FIRST)}>"
DATE = "<http://purl.org/dc/terms/date>"
OTHER_DATE = '"2021-05-26"^^<http://www.w3.org/2001/XMLSchema#date>'
BAD_TRIPLE = f"{S1} {DATE} {OTHER_DATE} ."  # a second date: fails the shapes
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
SEE_ALSO = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"


def folder_app(path: Path):
    """An app over the on-disk store at ``path`` (as one serving process would have)."""
    app = create_app({"HOME": ROOT, "TESTING": True, "UPDATE_TOKEN": TOKEN,
                      "STORE_INSTANCE": EmbeddedStore(path)})
    return app


@pytest.fixture
def two_apps(built_file, tmp_path):
    """Two apps (two serving processes' views) over one store folder, and the folder."""
    path = tmp_path / "store"
    EmbeddedStore(path).replace_all(built_file)
    apps = [folder_app(path), folder_app(path)]
    yield [a.test_client() for a in apps], path
    for app in apps:
        app.extensions["kg"].close()


def _update(client, text: str):
    return client.post("/sparql", data=text, content_type=UPDATE, headers=AUTH)


def _rows(client, query: str) -> list[dict]:
    r = client.get(f"/sparql?query={quote(query)}",
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return json.loads(r.data)["results"]["bindings"]


def _values(rows: list[dict], name: str) -> set[str]:
    return {row[name]["value"] for row in rows}


def _stored(path: Path, query: str) -> set[str]:
    """Values of ?v in a fresh view of the store (as after a restart)."""
    store = EmbeddedStore(path)
    try:
        return {str(row["v"]) for row in store.select(query)}
    finally:
        store.close()


# defect 1: an update with a relative IRI broke every other process until restart

def test_a_relative_iri_is_resolved_once_and_replicated(two_apps):
    (a, b), path = two_apps
    assert _update(a, f"INSERT DATA {{ GRAPH <{G1}> {{ {S1} {SEE_ALSO} <relative> }} }}"
                   ).status_code == 200
    seen = f"SELECT ?v {{ {S1} {SEE_ALSO} ?v }}"
    for client in (a, b):
        assert _values(_rows(client, seen), "v") == {"http://localhost/relative"}
    # the other process goes on answering and writing
    assert _update(b, f"INSERT DATA {{ GRAPH <{G1}> {{ {S1} {SEE_ALSO} <second> }} }}"
                   ).status_code == 200
    for client in (a, b):
        assert _values(_rows(client, seen), "v") == {"http://localhost/relative",
                                                     "http://localhost/second"}
    assert _stored(path, seen) == {"http://localhost/relative", "http://localhost/second"}


# defect 2: each replica evaluated RAND() (NOW(), UUID(), ...) again

def test_rand_in_an_update_gives_one_value_everywhere(two_apps):
    (a, b), path = two_apps
    update = (f"INSERT {{ GRAPH <{G1}> {{ {S1} {COMMENT} ?r }} }} "
              "WHERE { BIND (CONCAT(STR(RAND()), STR(UUID()), STR(NOW())) AS ?r) }")
    assert _update(a, update).status_code == 200
    seen = f"SELECT ?v {{ {S1} {COMMENT} ?v }}"
    values = [_values(_rows(client, seen), "v") for client in (a, b)]
    values.append(_stored(path, seen))
    assert len(values[0]) == 1 and values[0] == values[1] == values[2]


# defect 3: SPARQL Update walked around the Graph Store's guards

def test_updates_meet_the_graph_store_guards(two_apps, monkeypatch):
    (a, _), path = two_apps
    count = f"SELECT (COUNT(*) AS ?v) {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
    before = _values(_rows(a, count), "v")
    reference = str(IRI.reference_graph)
    r = _update(a, f"INSERT DATA {{ GRAPH <{reference}> {{ <http://e/s> <http://e/p> 1 }} }}")
    assert r.status_code == 403 and "built from the repository" in r.get_data(as_text=True)
    r = _update(a, f"INSERT DATA {{ GRAPH <{G1}> {{ {BAD_TRIPLE[:-2]} }} }}")
    assert r.status_code == 422
    assert "exactly one date" in r.get_data(as_text=True)
    r = _update(a, "INSERT DATA { <http://e/s> <http://e/p> 1 }")
    assert r.status_code == 403 and "default graph" in r.get_data(as_text=True)
    assert _values(_rows(a, count), "v") == before
    assert not _rows(a, "SELECT ?v { <http://e/s> ?p ?v }")
    monkeypatch.setenv("KG_STORE", f"oxigraph:{path}")
    result = CliRunner().invoke(main, ["--home", str(ROOT), "validate", "--store"])
    assert result.exit_code == 0 and "valid:" in result.output, result.output


# the same bad graph through every door: the same refusal

def _bad_graph(built) -> str:
    statement = next(s for s in built.statements if s.statement_id == FIRST)
    return statement.triples.ntriples() + BAD_TRIPLE + "\n"


def _refusal(text: str) -> str:
    """The refusal's message as the write path words it (from its first line on)."""
    start = text.index(f"<{G1}>: the graph fails")
    return text[start:].strip()


def test_the_same_bad_graph_is_refused_alike_through_every_door(built, built_file, tmp_path,
                                                                monkeypatch):
    messages = {}
    # kg load of a dataset holding it
    dataset = tmp_path / "bad.nq"
    lines = built_file.read_text(encoding="utf-8")
    dataset.write_text(lines + f"{BAD_TRIPLE[:-2]} <{G1}> .\n", encoding="utf-8")
    monkeypatch.setenv("KG_STORE", f"oxigraph:{tmp_path}/loaded")
    result = CliRunner().invoke(main, ["--home", str(ROOT), "load", str(dataset)])
    assert result.exit_code == 2
    messages["load"] = _refusal(result.stderr)
    assert not (tmp_path / "loaded").exists() or EmbeddedStore(tmp_path / "loaded").is_empty()
    # kg ingest of the graph
    home = copy_home(tmp_path / "home")
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / f"{FIRST}.nt").write_text(_bad_graph(built), encoding="utf-8")
    monkeypatch.setenv("KG_STORE", f"oxigraph:{tmp_path}/ingested")
    result = CliRunner().invoke(main, ["--home", str(home), "ingest", str(folder), "--jobs", "1"])
    assert result.exit_code == 2 and "0 statement(s) loaded, 1 failed" in result.output
    messages["ingest"] = _refusal(result.stderr)
    store = EmbeddedStore(tmp_path / "ingested")
    assert G1 not in store.graph_names()
    store.close()
    # the Graph Store and SPARQL Update
    path = tmp_path / "served"
    EmbeddedStore(path).replace_all(built_file)
    app = folder_app(path)
    client = app.test_client()
    try:
        r = client.put("/graph-store", query_string={"graph": G1}, data=_bad_graph(built),
                       content_type="application/n-triples", headers=AUTH)
        assert r.status_code == 422
        messages["put"] = _refusal(r.get_data(as_text=True))
        r = client.post("/graph-store", query_string={"graph": G1}, data=BAD_TRIPLE,
                        content_type="application/n-triples", headers=AUTH)
        assert r.status_code == 422
        messages["post"] = _refusal(r.get_data(as_text=True))
        r = _update(client, f"INSERT DATA {{ GRAPH <{G1}> {{ {BAD_TRIPLE[:-2]} }} }}")
        assert r.status_code == 422
        messages["sparql"] = _refusal(r.get_data(as_text=True))
        assert not _rows(client, f"SELECT ?v {{ {S1} {DATE} {OTHER_DATE} BIND (1 AS ?v) }}")
    finally:
        app.extensions["kg"].close()
    assert "exactly one date" in messages["put"]
    assert len(set(messages.values())) == 1, messages


def test_ingest_lists_graph_files_beside_annotations(tmp_path):
    """Graph files sit in an ingest folder beside annotation files (listing order: by name)."""
    from kg.pipeline.ingest import listing

    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("b.yaml", "a.nt", "c.ttl", "notes.txt", "README.md"):
        (folder / name).write_text("", encoding="utf-8")
    assert [p.name for p in listing(folder)] == ["a.nt", "b.yaml", "c.ttl"]


@pytest.mark.parametrize(("name", "kind", "statement_id"), [
    (G1, "statement", FIRST),
    (G1.replace("https://w3id.org", "HTTPS://W3ID.ORG"), "statement", FIRST),
    (str(IRI.reference_graph), "reference", None),
    (str(IRI.ontology_graph), "ontology", None),
    ("http://example.org/graph/statement/x", "other", None),
    ("https://w3id.org/elsewhere/graph/statement/x", "other", None),
])
def test_graph_names_are_parsed_by_the_iris(name, kind, statement_id):
    parsed = IRI.graph_name(name)
    assert (parsed.kind, parsed.statement_id) == (kind, statement_id)
    assert parsed.iri.startswith(name.split("//")[0].lower())
    assert IRI.graph_statement_id(name) == statement_id


@pytest.mark.parametrize("name", [
    f"{G1}/", f"{G1}#x", f"{G1}?", f"{G1}?x=1", f"{G1}/../{FIRST}", G1.replace("-", "%2D"),
    G1.replace("/statement/", "/statement//"), "", "not an iri", "relative/graph",
])
def test_ambiguous_graph_names_are_refused(name):
    from kg.model.namespaces import IRIError

    with pytest.raises(IRIError):
        IRI.graph_name(name)
    assert IRI.graph_statement_id(name) is None


def test_statement_ids_are_parsed_out_of_statement_iris():
    assert IRI.statement_id(S1[1:-1]) == FIRST
    assert IRI.statement_id(f"{IRI.base}id/statement/a/b") is None
    assert IRI.statement_id(f"{IRI.base}id/claim/{FIRST}") is None


def test_a_verdict_counts_only_for_the_content_it_was_made_for(built, settings):
    """An ingest worker's verdict spares the writer a second check of the same graph, and of
    that graph only: a verdict on other content is not taken."""
    import pyoxigraph as ox

    from kg.pipeline.write import Verdict, WriteContext, as_oxigraph, check, content_digest
    from kg.store.base import ChangeSet

    context = WriteContext.from_files(settings)
    bad = as_oxigraph(_bad_graph(built))
    good = [t for t in bad if str(t.object) != OTHER_DATE]
    assert len(good) == len(bad) - 1
    forged = {G1: Verdict(content_digest(good), ())}  # made for the good graph
    _, problems = check(None, context, ChangeSet(graphs={G1: bad}), verdicts=forged)
    assert "exactly one date" in "\n".join(problems[G1])
    honest = {G1: Verdict(content_digest(list(reversed(bad))), ("a worker's finding",))}
    _, problems = check(None, context, ChangeSet(graphs={G1: bad}), verdicts=honest)
    assert problems == {G1: ["a worker's finding"]}  # taken: same content, any order
    assert isinstance(bad[0], ox.Triple)
