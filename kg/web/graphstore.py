"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect graph identification).

GET is public. PUT (replace), POST (merge) and DELETE need the update bearer token, and
write statement graphs only. Uploads are parsed in a child process (so a hostile document
cannot crash or exhaust the server), never fetch anything (no remote JSON-LD contexts, no
XML DTDs or entities), and go through the one write path (:mod:`kg.pipeline.write`): the
graph as the write leaves it must hold exactly its statement and pass the SHACL shapes, or
nothing changes.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import Blueprint, Response, request

from kg.isolation import IsolatedFailure, run_in_child
from kg.pipeline.write import WriteRefused, as_oxigraph, normalised, write
from kg.store.base import ChangeSet
from kg.web import conneg
from kg.web.auth import Unauthorised, require_token
from kg.web.errors import HTTPProblem
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
        raise HTTPProblem(400, "the default graph is the union of all named graphs and cannot "
                               "be read or written here: name a graph with ?graph=<iri> (or "
                               "download /downloads/kg.ttl)")
    graphs = request.args.getlist("graph")
    if len(graphs) != 1:
        raise HTTPProblem(400, "give exactly one ?graph=<iri>")
    try:
        ox.NamedNode(graphs[0])
    except ValueError as exc:
        raise HTTPProblem(400, f"graph must be an absolute IRI: {exc}") from exc
    return graphs[0]


def _writable(graph: str) -> str:
    """The graph's normalised name if a write may name it (the write path's rule, applied
    before the body is read)."""
    kg = get_kg()
    try:
        return normalised(kg.settings.iris, ChangeSet(dropped={graph})).dropped.pop()
    except WriteRefused as exc:
        raise HTTPProblem(exc.status, exc.message) from exc


def _upload(graph: str) -> list[ox.Triple]:
    mimetype = (request.mimetype or "").lower()
    fmt = UPLOAD_FORMATS.get(mimetype)
    if fmt is None:
        raise HTTPProblem(415, f"unsupported Content-Type ({mimetype or 'none'}): send "
                               f"{', '.join(sorted(set(UPLOAD_FORMATS) - {'text/plain'}))}")
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise HTTPProblem(415, "the body must be UTF-8")
    body = request.get_data(cache=False)
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(body):
        raise HTTPProblem(400, "XML document type declarations and entities are not accepted")
    try:
        text = run_in_child(_parse, body, fmt, graph, timeout=20.0, memory_mb=1024)
    except IsolatedFailure as exc:
        raise HTTPProblem(400, f"the document could not be parsed: {exc}") from exc
    except (SyntaxError, ValueError) as exc:
        message = " ".join(str(exc).split())[:300]
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            message = "remote JSON-LD contexts are not fetched; inline the @context"
        raise HTTPProblem(400, f"the document could not be parsed: {message}") from exc
    return as_oxigraph(text)


def _write(changes: ChangeSet) -> None:
    """Through the one write path (the same checks as every other door)."""
    kg = get_kg()
    try:
        write(kg.store, kg.write_context(), changes)
    except WriteRefused as exc:
        raise HTTPProblem(exc.status, exc.message) from exc
    finally:
        kg.invalidate()


def _exists(graph: str) -> bool:
    return graph in get_kg().store.graph_names()


@bp.get("/graph-store")
def read() -> Response:
    """A named graph's triples, by content negotiation."""
    graph = _graph_param()
    if not _exists(graph):
        raise HTTPProblem(404, f"no graph named {graph}")
    try:
        fmt = conneg.choose(conneg.GRAPH, request.headers.get("Accept"), None, html=False)
    except conneg.NotAcceptable as exc:
        raise HTTPProblem(406, str(exc), {"Vary": "Accept"}) from exc
    triples = list(get_kg().store.graph_triples(graph))
    response = Response(ox.serialize(triples, format=conneg.OX_RDF[fmt.name]) or b"", 200,
                        content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


@bp.put("/graph-store")
def replace() -> Response:
    """Replace a statement graph (checked by the write path first)."""
    _authorise()
    graph = _writable(_graph_param())
    triples = _upload(graph)
    existed = _exists(graph)
    _write(ChangeSet(graphs={graph: triples}))
    return Response(status=204 if existed else 201)


def _authorise() -> None:
    try:
        require_token("writing")
    except Unauthorised as exc:
        raise HTTPProblem(exc.status, exc.message, exc.headers) from exc


@bp.post("/graph-store")
def merge() -> Response:
    """Add triples to a statement graph (the merged graph is checked)."""
    _authorise()
    graph = _writable(_graph_param())
    triples = _upload(graph)
    node = ox.NamedNode(graph)
    _write(ChangeSet(added=[ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]))
    return Response(status=204)


@bp.delete("/graph-store")
def delete() -> Response:
    """Drop a statement graph."""
    _authorise()
    graph = _writable(_graph_param())
    if not _exists(graph):
        raise HTTPProblem(404, f"no graph named {graph}")
    _write(ChangeSet(dropped={graph}))
    return Response(status=204)
