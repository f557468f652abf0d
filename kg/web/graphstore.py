"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect graph identification).

GET is public. PUT (replace), POST (merge) and DELETE need the update bearer token.
Uploads are parsed in a child process (so a hostile document cannot crash or exhaust
the server), never fetch anything (no remote JSON-LD contexts, no XML DTDs or
entities), and a statement graph must pass the SHACL shapes before it replaces the
stored one, atomically: a refused upload leaves the store exactly as it was.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import Blueprint, Response, request
from rdflib import Graph

from kg.isolation import IsolatedFailure, run_in_child
from kg.web import conneg
from kg.web.auth import Unauthorised, require_token
from kg.web.errors import error_response
from kg.web.state import get_kg

bp = Blueprint("graphstore", __name__)

UPLOAD_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_TRIPLES = 200_000


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    return error_response(exc.status, exc.message, exc.headers)


def _parse(body: bytes, fmt: ox.RdfFormat, base: str) -> str:
    """Runs in the child: parse, refuse quads and oversized graphs, return N-Triples."""
    triples = []
    for quad in ox.parse(body, format=fmt, base_iri=base):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            raise ValueError("the document names graphs; send one graph's triples")
        triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
        if len(triples) > MAX_TRIPLES:
            raise ValueError(f"more than {MAX_TRIPLES} triples")
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _graph_param() -> str:
    if "default" in request.args:
        raise Refused(400, "the default graph is the union of all named graphs and cannot be "
                           "read or written here: name a graph with ?graph=<iri> (or download "
                           "/downloads/kg.ttl)")
    graphs = request.args.getlist("graph")
    if len(graphs) != 1:
        raise Refused(400, "give exactly one ?graph=<iri>")
    try:
        ox.NamedNode(graphs[0])
    except ValueError as exc:
        raise Refused(400, f"graph must be an absolute IRI: {exc}") from exc
    return graphs[0]


def _authorise() -> None:
    try:
        require_token("writing")
    except Unauthorised as exc:
        raise Refused(exc.status, exc.message, exc.headers) from exc


def _protected(graph: str) -> None:
    iris = get_kg().settings.iris
    if graph in (str(iris.reference_graph), str(iris.ontology_graph)):
        raise Refused(403, "the reference and ontology graphs are built from the repository's "
                           "files; change the files and rebuild")


def _upload(graph: str) -> str:
    mimetype = (request.mimetype or "").lower()
    fmt = UPLOAD_FORMATS.get(mimetype)
    if fmt is None:
        raise Refused(415, f"unsupported Content-Type ({mimetype or 'none'}): send "
                           f"{', '.join(sorted(set(UPLOAD_FORMATS) - {'text/plain'}))}")
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Refused(415, "the body must be UTF-8")
    body = request.get_data(cache=False)
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(body):
        raise Refused(400, "XML document type declarations and entities are not accepted")
    try:
        return run_in_child(_parse, body, fmt, graph, timeout=20.0, memory_mb=1024)
    except IsolatedFailure as exc:
        raise Refused(400, f"the document could not be parsed: {exc}") from exc
    except (SyntaxError, ValueError) as exc:
        message = " ".join(str(exc).split())[:300]
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            message = "remote JSON-LD contexts are not fetched; inline the @context"
        raise Refused(400, f"the document could not be parsed: {message}") from exc


def _check_statement(graph: str, ntriples: str) -> None:
    """SHACL for a statement graph, with the store's own ontology and reference data."""
    kg = get_kg()
    if not graph.startswith(f"{kg.settings.base_iri}graph/statement/"):
        return
    validator, context, reference = kg.validation_context(_store_graph)
    data = Graph().parse(data=ntriples, format="nt")
    findings = validator.check_statement(data, graph.rsplit("/", 1)[-1], context, reference)
    violations = [f for f in findings if f.severity == "Violation"]
    if violations:
        lines = "\n".join(str(f) for f in violations[:50])
        raise Refused(422, f"the graph fails the SHACL shapes ({len(violations)} "
                           f"violation(s)); nothing was changed:\n{lines}")


def _store_graph(graph: str) -> Graph:
    return Graph().parse(data=_ntriples(graph), format="nt")


def _ntriples(graph: str) -> str:
    """A stored graph as N-Triples text."""
    triples = list(get_kg().store.graph_triples(graph))
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _exists(graph: str) -> bool:
    return graph in get_kg().store.graph_names()


@bp.get("/graph-store")
def read() -> Response:
    """A named graph's triples, by content negotiation."""
    graph = _graph_param()
    if not _exists(graph):
        raise Refused(404, f"no graph named {graph}")
    try:
        fmt = conneg.choose(conneg.GRAPH, request.headers.get("Accept"), None, html=False)
    except conneg.NotAcceptable as exc:
        raise Refused(406, str(exc)) from exc
    triples = list(get_kg().store.graph_triples(graph))
    response = Response(ox.serialize(triples, format=conneg.OX_RDF[fmt.name]) or b"", 200,
                        content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


@bp.put("/graph-store")
def replace() -> Response:
    """Replace a named graph (statement graphs must pass SHACL first)."""
    _authorise()
    graph = _graph_param()
    _protected(graph)
    ntriples = _upload(graph)
    _check_statement(graph, ntriples)
    existed = _exists(graph)
    get_kg().store.replace_graph(graph, ntriples)
    get_kg().invalidate()
    return Response(status=204 if existed else 201)


@bp.post("/graph-store")
def merge() -> Response:
    """Add triples to a named graph (the merged graph must pass SHACL)."""
    _authorise()
    graph = _graph_param()
    _protected(graph)
    ntriples = _upload(graph)
    merged = (_ntriples(graph) if _exists(graph) else "") + ntriples
    _check_statement(graph, merged)
    get_kg().store.replace_graph(graph, merged)
    get_kg().invalidate()
    return Response(status=204)


@bp.delete("/graph-store")
def delete() -> Response:
    """Drop a named graph."""
    _authorise()
    graph = _graph_param()
    _protected(graph)
    if not _exists(graph):
        raise Refused(404, f"no graph named {graph}")
    get_kg().store.drop_graph(graph)
    get_kg().invalidate()
    return Response(status=204)
