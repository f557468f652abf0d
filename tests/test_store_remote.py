"""The remote store on real Virtuoso and Oxigraph servers, checked against embedded Oxigraph."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from servers import (  # noqa: F401 - oxigraph_server and virtuoso are fixtures
    VIRTUOSO_TEST_GRANTS,
    OxigraphServer,
    VirtuosoServer,
    free_port,
    oxigraph_server,
    require_oxigraph,
    require_virtuoso,
    virtuoso,
)

from kg.store import open_store
from kg.store.base import ChangeSet, QuerySyntaxError, QueryTimeout, StoreError, StoreUnavailable
from kg.store.remote import RemoteStore, normalise_json_results, query_shape

PREFIXES = """PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
REFERENCE = "https://w3id.org/ekg/graph/reference"
ONTOLOGY = "https://w3id.org/ekg/graph/ontology"
SCRATCH = "http://example.org/test/scratch"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# Queries on the shipped graph, answered by the union of the named graphs.
SELECTS = {
    "counts by class": """SELECT ?class (COUNT(?x) AS ?n)
        WHERE { ?x a ?class FILTER(STRSTARTS(STR(?class), STR(ekg:))) } GROUP BY ?class""",
    "figures with bounds": """SELECT ?figure ?value ?min ?max ?rule WHERE {
        ?figure a ekg:Figure .
        OPTIONAL { ?figure schema:value ?value }
        OPTIONAL { ?figure schema:minValue ?min }
        OPTIONAL { ?figure schema:maxValue ?max }
        OPTIONAL { ?figure ekg:boundsRule ?rule } }""",
    "claims by graph": """SELECT ?g ?claim ?type WHERE {
        GRAPH ?g { ?claim a ?type } FILTER(?type IN (ekg:FigureClaim, ekg:EventClaim)) }""",
    "labels containing": """SELECT ?s ?label WHERE {
        ?s rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "displaced")) }""",
    # Virtuoso keeps integers beyond 32 bits as decimals, so its own DATATYPE() calls them
    # xsd:decimal (the store reads them back as integers: test_integers_beyond_32_bits_...).
    "dates and years": """SELECT ?s ?p ?when WHERE {
        ?s ?p ?when FILTER(DATATYPE(?when) IN (xsd:date, xsd:gYear)
                           || (DATATYPE(?when) = xsd:decimal && ABS(?when) < 2147483648)) }""",
    "language tags": """SELECT ?s ?p ?label (LANG(?label) AS ?lang) WHERE {
        ?s ?p ?label FILTER(isLiteral(?label) && LANG(?label) NOT IN ("", "en")) }""",
}
ORDERED = {
    "largest lower bounds": """SELECT ?figure ?min WHERE { ?figure schema:minValue ?min }
        ORDER BY DESC(?min) ?figure LIMIT 5""",
    "first member states": """SELECT ?state ?label WHERE {
        ?state a ekg:MemberState ; rdfs:label ?label FILTER(LANG(?label) = "en") }
        ORDER BY ?label LIMIT 10""",
}
VIRTUOSO_ONLY = pytest.mark.parametrize("remote", ["virtuoso"], indirect=True)
CONSTRUCT = """CONSTRUCT { ?f schema:minValue ?min ; schema:maxValue ?max ; a ekg:Figure }
    WHERE { ?f a ekg:Figure ; schema:minValue ?min OPTIONAL { ?f schema:maxValue ?max } }"""


@dataclass
class Remote:
    """A loaded remote store and the server behind it."""

    name: str
    store: RemoteStore
    server: VirtuosoServer | OxigraphServer

    def store_with(self, **options: Any) -> RemoteStore:
        """Another RemoteStore on the same server, with changed options."""
        settings = {
            "query_url": self.store.query_url, "update_url": self.store.update_url,
            "graph_store_url": self.store.graph_store_url,
            "union_default_graph_param": self.store.union_default_graph_param}
        return RemoteStore(**{**settings, **options})


def _remote_for(name: str, server: VirtuosoServer | OxigraphServer) -> RemoteStore:
    if name == "virtuoso":
        return RemoteStore(server.query_url, server.update_url, server.graph_store_url)
    return RemoteStore(server.query_url, server.update_url, server.graph_store_url,
                       union_default_graph_param=True)


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def remote(request: pytest.FixtureRequest, built_file: Path) -> Remote:
    """Each server loaded with the shipped graph by replace_all (which drops a stale graph)."""
    server = request.getfixturevalue("virtuoso" if request.param == "virtuoso"
                                     else "oxigraph_server")
    store = _remote_for(request.param, server)
    store.update(f"INSERT DATA {{ GRAPH <{SCRATCH}-stale> {{ <urn:a> <urn:b> <urn:c> }} }}")
    store.replace_all(built_file)
    return Remote(request.param, store, server)


@pytest.fixture(scope="module")
def reference(built_file: Path) -> ox.Store:
    """The same file in an embedded in-memory pyoxigraph store."""
    store = ox.Store()
    store.bulk_load(path=str(built_file), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture
def scratch(remote: Remote) -> Iterator[str]:
    """A graph IRI for one test, dropped afterwards."""
    yield SCRATCH
    remote.store.drop_graph(SCRATCH)


def _key(term: Any) -> Any:
    if isinstance(term, ox.Literal):
        return (term.value, term.datatype.value, term.language)
    if isinstance(term, ox.BlankNode):
        return "_:"
    return None if term is None else term.value


def _rows(result: Any) -> list[tuple[Any, ...]]:
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(_key(row[name]) for name in names) for row in result]


def _file_graphs(path: Path) -> set[str]:
    return {quad.graph_name.value for quad in ox.parse(path=path, format=ox.RdfFormat.N_QUADS)}


def _canonical(quads: Any) -> ox.Dataset:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def test_graph_names_are_the_files_graphs(remote: Remote, built_file: Path) -> None:
    assert remote.store.graph_names() == sorted(_file_graphs(built_file))
    assert not remote.store.is_empty()


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_select_same_rows_as_embedded(remote: Remote, reference: ox.Store, name: str) -> None:
    sparql = PREFIXES + SELECTS[name]
    expected = _rows(reference.query(sparql, use_default_graph_as_union=True))
    got = _rows(remote.store.query(sparql))
    assert expected, "the query must find something in the shipped graph"
    assert Counter(got) == Counter(expected)


def test_integers_beyond_32_bits_come_back_as_integers(remote: Remote,
                                                      reference: ox.Store) -> None:
    """A sum of money ("$3 billion") is an xsd:integer beyond 32 bits, which Virtuoso keeps
    as a decimal: the remote store reads it back as the integer it was stored as, in SELECT
    answers and in CONSTRUCT graphs alike."""
    sparql = PREFIXES + """SELECT ?figure ?value WHERE { ?figure schema:value ?value
        FILTER(?value > 2147483647) }"""
    expected = _rows(reference.query(sparql, use_default_graph_as_union=True))
    assert expected, "the shipped graph has figures beyond 32 bits"
    assert Counter(_rows(remote.store.query(sparql))) == Counter(expected)
    graph = remote.store.query(PREFIXES + """CONSTRUCT { ?figure schema:value ?value }
        WHERE { ?figure schema:value ?value FILTER(?value > 2147483647) }""")
    assert {t.object.datatype.value for t in graph} == {str(XSD_INTEGER)}


def test_figures_with_integer_bounds(remote: Remote, reference: ox.Store) -> None:
    """The shipped graph's figures (15 when this was written), bounds as Python ints."""
    sparql = PREFIXES + SELECTS["figures with bounds"]
    rows = remote.store.select(sparql)
    assert len(rows) == len(list(reference.query(sparql, use_default_graph_as_union=True)))
    assert len(rows) >= 15
    bounded = [row for row in rows if row["min"] is not None]
    assert bounded and all(isinstance(row["min"], int) for row in bounded)


def test_typed_literals_keep_their_datatype(remote: Remote) -> None:
    """Virtuoso's JSON says "typed-literal"; the result must still be an xsd:integer literal."""
    result = remote.store.query(PREFIXES + "SELECT ?min WHERE { ?f schema:minValue ?min } LIMIT 1")
    (row,) = list(result)
    assert isinstance(row["min"], ox.Literal)
    assert row["min"].datatype.value == XSD_INTEGER


@pytest.mark.parametrize("name", sorted(ORDERED))
def test_order_by_limit_same_list(remote: Remote, reference: ox.Store, name: str) -> None:
    sparql = PREFIXES + ORDERED[name]
    expected = _rows(reference.query(sparql, use_default_graph_as_union=True))
    assert _rows(remote.store.query(sparql)) == expected


def test_ask(remote: Remote) -> None:
    yes = remote.store.query(PREFIXES + "ASK { ?f a ekg:Figure ; schema:minValue ?m "
                             "FILTER(?m > 1000) }")
    no = remote.store.query(PREFIXES + "ASK { ?s a ekg:NoSuchClass }")
    assert isinstance(yes, ox.QueryBoolean) and bool(yes) is True
    assert isinstance(no, ox.QueryBoolean) and bool(no) is False


def test_construct_same_graph(remote: Remote, reference: ox.Store) -> None:
    expected = {str(t) for t in reference.query(PREFIXES + CONSTRUCT,
                                                use_default_graph_as_union=True)}
    got = {str(t) for t in remote.store.query(PREFIXES + CONSTRUCT)}
    assert len(expected) > 15
    assert got == expected


def test_protocol_dataset_restricts_the_query(remote: Remote, reference: ox.Store) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    in_reference = len(list(reference.quads_for_pattern(None, None, None, ox.NamedNode(REFERENCE))))
    rows = _rows(remote.store.query(count, default_graphs=[REFERENCE]))
    assert rows == [((str(in_reference), XSD_INTEGER, None),)]

    per_graph = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    got = _rows(remote.store.query(per_graph, named_graphs=[REFERENCE, ONTOLOGY]))
    assert set(got) == {(REFERENCE,), (ONTOLOGY,)}

    with pytest.raises(StoreError, match="cannot combine"):
        remote.store.query(f"SELECT * FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}",
                           default_graphs=[REFERENCE])


def test_from_clause_alone_is_obeyed(remote: Remote, reference: ox.Store) -> None:
    """No protocol dataset: the query's FROM wins (Oxigraph would let union-default-graph win)."""
    sparql = f"SELECT (COUNT(*) AS ?n) FROM <{REFERENCE}> WHERE {{ ?s ?p ?o }}"
    expected = _rows(reference.query(sparql))
    assert _rows(remote.store.query(sparql)) == expected


@pytest.mark.parametrize("mode", ["graph store", "update", "update in chunks"])
def test_replace_graph_shows_new_content_only(remote: Remote, scratch: str, mode: str) -> None:
    store = {"graph store": remote.store,
             "update": remote.store_with(graph_store_url=None),
             "update in chunks": remote.store_with(graph_store_url=None, chunk_size=2)}[mode]
    old = "".join(f'<urn:old:{i}> <urn:p> "old {i}" .\n' for i in range(5))
    new = ('<urn:s> <urn:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
           '<urn:s> <urn:p> "é \\"quoted\\"\\nline"@fr .\n'
           '<urn:s> <urn:p> _:list .\n_:list <urn:first> "a" .\n_:list <urn:rest> _:tail .\n'
           '_:tail <urn:first> "b" .\n<urn:t> <urn:p> <urn:s> .\n')
    store.replace_graph(scratch, old)
    store.replace_graph(scratch, new)
    got = remote.store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{scratch}> {{ ?s ?p ?o }} }}")
    expected = ox.parse(new, format=ox.RdfFormat.N_TRIPLES)
    assert _canonical(ox.Quad(t.subject, t.predicate, t.object) for t in got) == \
        _canonical(expected)
    assert scratch in remote.store.graph_names()


def test_drop_graph(remote: Remote, scratch: str) -> None:
    remote.store.replace_graph(scratch, "<urn:a> <urn:b> <urn:c> .\n")
    assert scratch in remote.store.graph_names()
    remote.store.drop_graph(scratch)
    remote.store.drop_graph(scratch)  # a missing graph is no error
    assert scratch not in remote.store.graph_names()
    assert not remote.store.query(f"ASK {{ GRAPH <{scratch}> {{ ?s ?p ?o }} }}")


def test_update_insert_data_is_visible(remote: Remote, scratch: str) -> None:
    remote.store.update(f"INSERT DATA {{ GRAPH <{scratch}> {{ <s> <p> 42 }} }}",
                        base_iri="http://example.org/base/")
    rows = remote.store.select("SELECT ?s ?o WHERE { ?s <http://example.org/base/p> ?o }")
    assert rows == [{"s": "http://example.org/base/s", "o": 42}]


@pytest.mark.parametrize("mode", ["graph store", "update in chunks"])
def test_apply_a_change_set(remote: Remote, scratch: str, mode: str) -> None:
    store = {"graph store": remote.store,
             "update in chunks": remote.store_with(graph_store_url=None, chunk_size=2)}[mode]
    other = f"{scratch}-other"
    first = ox.parse('<urn:s> <urn:p> "1" .\n<urn:s> <urn:p> _:b .\n_:b <urn:q> "2" .\n',
                     format=ox.RdfFormat.N_TRIPLES)
    store.apply(ChangeSet(graphs={scratch: [q.triple for q in first]},
                          added=[ox.Quad(ox.NamedNode(f"urn:o{i}"), ox.NamedNode("urn:p"),
                                         ox.Literal(str(i)), ox.NamedNode(other))
                                 for i in range(5)]))
    store.apply(ChangeSet(
        removed=[ox.Quad(ox.NamedNode("urn:o0"), ox.NamedNode("urn:p"), ox.Literal("0"),
                         ox.NamedNode(other))],
        added=[ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("3"),
                       ox.NamedNode(scratch))]))
    got = remote.store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{scratch}> {{ ?s ?p ?o }} }}")
    expected = ox.parse('<urn:s> <urn:p> "1" .\n<urn:s> <urn:p> _:b .\n_:b <urn:q> "2" .\n'
                        '<urn:s> <urn:p> "3" .\n', format=ox.RdfFormat.N_TRIPLES)
    assert _canonical(ox.Quad(t.subject, t.predicate, t.object) for t in got) == \
        _canonical(expected)
    rows = remote.store.select(f"SELECT ?s WHERE {{ GRAPH <{other}> {{ ?s ?p ?o }} }} ORDER BY ?s")
    assert [row["s"] for row in rows] == [f"urn:o{i}" for i in range(1, 5)]
    store.apply(ChangeSet(dropped={other}))
    assert other not in remote.store.graph_names()
    with pytest.raises(StoreError, match="blank node"):
        store.apply(ChangeSet(removed=[ox.Quad(ox.BlankNode("b"), ox.NamedNode("urn:q"),
                                               ox.Literal("2"), ox.NamedNode(scratch))]))


@pytest.mark.parametrize("page_size", [5000, 1000])
def test_dump_round_trips(remote: Remote, reference: ox.Store, built_file: Path,
                          page_size: int) -> None:
    """The dump holds the file's quads, as a store keeps them (canonical numbers: 30.0 is 30)."""
    store = remote.store_with(page_size=page_size)
    quads = list(ox.parse(b"".join(store.dump()), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(list(ox.parse(path=built_file, format=ox.RdfFormat.N_QUADS)))
    assert _canonical(quads) == _canonical(reference.quads_for_pattern(None, None, None, None))


def test_syntax_error_has_the_servers_message(remote: Remote) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        remote.store.query("SELEC ?x WHERE { ?x ?p ?o }")
    assert str(caught.value).strip()
    with pytest.raises(QuerySyntaxError):
        remote.store.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> } }")


def test_unreachable_server_is_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    store = RemoteStore(url, timeout=2)
    for call in (lambda: store.query("ASK {}"), store.graph_names,
                 lambda: store.update("CLEAR SILENT ALL"), store.is_empty):
        with pytest.raises(StoreUnavailable, match="is not reachable"):
            call()


def test_silent_server_times_out() -> None:
    """A server that accepts the connection but never answers: QueryTimeout, not a hang."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        store = RemoteStore(f"http://127.0.0.1:{listener.getsockname()[1]}/sparql")
        with pytest.raises(QueryTimeout):
            store.query("ASK {}", timeout=0.1)


@VIRTUOSO_ONLY
def test_virtuoso_partial_results_raise_timeout(remote: Remote) -> None:
    """Virtuoso answers a query past its ``timeout`` with partial results, flagged in headers."""
    store = remote.store
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) < STR(?f)) }"
    with pytest.raises(QueryTimeout, match="incomplete"):
        store.query(heavy, timeout=0.5)


@VIRTUOSO_ONLY
def test_virtuoso_row_limit_raises(remote: Remote) -> None:
    """More rows than ResultSetMaxRows: an error, never a silently short result."""
    assert isinstance(remote.server, VirtuosoServer)
    many = (PREFIXES + "SELECT ?x WHERE { ?x a ?c . ?y a ekg:MemberState . ?z a ekg:Claim }")
    with pytest.raises(StoreError, match="ResultSetMaxRows"):
        remote.store.query(many)


@VIRTUOSO_ONLY
def test_virtuoso_system_graphs_are_not_kg_graphs(remote: Remote, built_file: Path) -> None:
    """Virtuoso's union default graph holds its own graphs too; graph_names() leaves them out."""
    everything = remote.store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    seen = {row[0] for row in _rows(everything)}
    assert "http://www.openlinksw.com/schemas/virtrdf#" in seen
    assert set(remote.store.graph_names()) == _file_graphs(built_file)


@VIRTUOSO_ONLY
def test_virtuoso_digest_credentials(remote: Remote) -> None:
    """Virtuoso's authenticated endpoints (queries, updates, Graph Store PUT) use digest."""
    server = remote.server
    assert isinstance(server, VirtuosoServer)
    store = RemoteStore(server.auth_query_url, graph_store_url=server.auth_graph_store_url,
                        user=server.user, password=server.password)
    graph = f"{SCRATCH}-digest"
    store.replace_graph(graph, "<urn:a> <urn:b> <urn:c> .\n")
    assert store.query(f"ASK {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    store.drop_graph(graph)
    assert graph not in store.graph_names()
    wrong = RemoteStore(server.auth_query_url, user=server.user, password="wrong")
    with pytest.raises(StoreError, match="refused access"):
        wrong.query("ASK {}")


def test_open_store_sparql(remote: Remote, tmp_path: Path) -> None:
    server = remote.server
    union = "true" if remote.name == "oxigraph" else "false"
    store = open_store(f"sparql:{server.query_url}", tmp_path, options={
        "update_url": server.update_url, "graph_store_url": server.graph_store_url,
        "timeout": "5", "union_default_graph": union})
    assert isinstance(store, RemoteStore)
    assert (store.update_url, store.timeout, store.union_default_graph_param) == (
        server.update_url, 5.0, union == "true")
    assert store.graph_names() == remote.store.graph_names()
    assert store.query(PREFIXES + "ASK { ?f a ekg:Figure }")
    with pytest.raises(StoreError, match="unknown option"):
        open_store("sparql:http://127.0.0.1:1/sparql", tmp_path, options={"colour": "red"})


def test_query_shape_ignores_strings_iris_and_comments() -> None:
    assert query_shape("PREFIX from: <urn:from> SELECT * WHERE { ?s from:x 'FROM' }") == \
        query_shape("SELECT * WHERE { ?s ?p ?o }")
    tricky = '# FROM <a>\nASK { ?from <urn:FROM> """FROM x""" FILTER(?a < ?b && ?c > 2) }'
    assert query_shape(tricky).form == "ASK" and not query_shape(tricky).has_dataset
    assert query_shape("CONSTRUCT WHERE { ?s ?p ?o }").form == "CONSTRUCT"
    assert query_shape("select * from <urn:g> { ?s ?p ?o }").has_dataset
    assert query_shape("SELECT * FROM NAMED <urn:g> { GRAPH ?g { ?s ?p ?o } }").has_dataset


def test_virtuoso_json_is_normalised() -> None:
    virtuoso_json = (b'{ "head": { "link": [], "vars": ["n", "b"] }, "results": { "distinct": '
                     b'false, "ordered": true, "bindings": [ { "n": { "type": "typed-literal", '
                     b'"datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "7" }, '
                     b'"b": { "type": "bnode", "value": "nodeID://b10000" }} ] } }')
    result = ox.parse_query_results(normalise_json_results(virtuoso_json),
                                    format=ox.QueryResultsFormat.JSON)
    (row,) = list(result)
    assert row["n"] == ox.Literal("7", datatype=ox.NamedNode(XSD_INTEGER))
    assert isinstance(row["b"], ox.BlankNode)


TRIG = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p "one" ; ex:q [ ex:r 1 ; ex:s ( "x" "y" ) ] . }
ex:g2 { ex:b ex:p "two"@en . }
"""


def test_private_oxigraph_server_from_empty_to_restart(tmp_path: Path) -> None:
    """A server of its own: empty, TriG load, bad files change nothing, stop and start again."""
    server = OxigraphServer(folder=tmp_path, binary=require_oxigraph())
    server.start()
    try:
        store = RemoteStore(server.query_url, server.update_url, server.graph_store_url,
                            union_default_graph_param=True)
        assert store.is_empty() and store.graph_names() == []
        trig = tmp_path / "data.trig"
        trig.write_text(TRIG)
        store.replace_all(trig)
        graphs = ["http://example.org/g1", "http://example.org/g2"]
        assert store.graph_names() == graphs and not store.is_empty()
        dumped = list(ox.parse(b"".join(store.dump()), format=ox.RdfFormat.N_QUADS))
        assert _canonical(dumped) == _canonical(ox.parse(TRIG, format=ox.RdfFormat.TRIG))

        broken = tmp_path / "broken.nq"
        broken.write_text('<urn:a> <urn:b> "c" <urn:g3> .\n<urn:a> <urn:b> .\n')
        in_default = tmp_path / "default.nq"
        in_default.write_text("<urn:a> <urn:b> <urn:c> .\n")
        for bad in (broken, in_default, tmp_path / "data.ttl"):
            with pytest.raises(StoreError, match="cannot load"):
                store.replace_all(bad)
        assert store.graph_names() == graphs

        server.stop()
        with pytest.raises(StoreUnavailable, match="not reachable"):
            store.graph_names()
        server.start()
        assert store.graph_names() == graphs
    finally:
        server.stop()


def test_private_virtuoso_is_empty_and_survives_restart(tmp_path: Path) -> None:
    """Virtuoso's system graphs do not make it look loaded; data outlives a restart."""
    server = VirtuosoServer(folder=tmp_path, binary=require_virtuoso())
    server.start()
    try:
        server.isql(VIRTUOSO_TEST_GRANTS)
        store = RemoteStore(server.query_url, server.update_url, server.graph_store_url)
        assert store.is_empty() and store.graph_names() == []
        store.replace_graph(SCRATCH, '<urn:a> <urn:b> _:c .\n_:c <urn:d> "1" .\n')
        assert store.graph_names() == [SCRATCH] and not store.is_empty()
        server.stop()
        with pytest.raises(StoreUnavailable, match="not reachable"):
            store.query("ASK {}")
        server.start()
        assert store.graph_names() == [SCRATCH]
    finally:
        server.stop()
