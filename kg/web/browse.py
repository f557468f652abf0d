"""Dereferenceable IRIs and browse pages: ``/id/…``, ``/vocab/…``, ``/graph/…``, ``/resource``,
``/search`` and the home page.

Every IRI minted under the configured base resolves here: browsers get an HTML page, RDF
clients get Turtle, N-Triples, JSON-LD or RDF/XML by content negotiation (``Vary: Accept``),
and ``.ttl``, ``.nt``, ``.jsonld`` or ``.rdf`` suffixes pick a format by hand.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for

from kg.model.namespaces import EKG, VOCAB_BASE
from kg.web import conneg
from kg.web.errors import HTTPProblem
from kg.web.resources import Resources
from kg.web.state import get_kg
from kg.web.views import (
    actor_view,
    claim_view,
    event_view,
    figure_view,
    home_view,
    search_view,
    statement_view,
)

bp = Blueprint("browse", __name__)

SUFFIXES = {"ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "rdf": "rdfxml"}
PAGE_KINDS = [
    (str(EKG.Statement), "statement"),
    (str(EKG.EventReference), "event"),
    (str(EKG.Figure), "figure"),
    (str(EKG.MemberState), "actor"),
    (str(EKG.Person), "actor"),
    (str(EKG.Organisation), "actor"),
    (str(EKG.Claim), "claim"),
]


def resources() -> Resources:
    return get_kg().resources()


@bp.get("/")
def home() -> Response:
    """The corpus at a glance: counts, latest statements, most-discussed events, search."""
    view = home_view(resources())
    return _html("browse/home.html", view=view, counts=view["counts"])


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; answer with the SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/search")
def search() -> Response:
    """Search labels (events, places, people, states, concepts) and quoted sentences."""
    text = request.args.get("q", "")
    if len(text) > 500:
        raise HTTPProblem(400, "the search text is longer than 500 characters")
    kg = get_kg()
    index = (lambda: kg.search_index(wait=False)) if kg.has_search_index else None
    return _html("browse/search.html", q=text, view=search_view(kg.resources(), text, index))


@bp.get("/id/<path:rest>")
def by_id(rest: str) -> Response:
    return _dereference(get_kg().settings.base_iri + "id/", rest)


@bp.get("/graph/<path:rest>")
def by_graph(rest: str) -> Response:
    return _named_graph(get_kg().settings.base_iri + "graph/", rest)


@bp.get("/vocab/<path:rest>")
def by_vocab(rest: str) -> Response:
    return _dereference(VOCAB_BASE, rest)


@bp.get("/resource")
def by_iri() -> Response:
    """Any IRI in the graph, given as ``?iri=`` (ontology terms, external links…)."""
    iri = request.args.get("iri", "")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise HTTPProblem(400, "parameter 'iri' must be an absolute IRI") from None
    return _resource(iri, None)


def _dereference(namespace: str, rest: str) -> Response:
    iri = namespace + rest
    stem, dot, ext = rest.rpartition(".")
    res = resources()
    if dot and ext in SUFFIXES and not res.exists(iri) and res.exists(namespace + stem):
        return _resource(namespace + stem, SUFFIXES[ext])
    return _resource(iri, None)


def _resource(iri: str, forced: str | None) -> Response:
    res = resources()
    try:
        found = res.exists(iri)
    except ValueError:
        found = False
    if not found:
        raise HTTPProblem(404, f"nothing is known about {iri}")
    accept = conneg.accept_header()
    if forced is None and conneg.wants_html(accept):
        return _page(res, iri)
    fmt = conneg.choose(conneg.GRAPH, accept, forced, html=False)
    triples = res.describe_triples(iri)
    body = ox.serialize(triples, format=conneg.OX_RDF[fmt.name],
                        prefixes=_prefixes(triples) if fmt.name in ("turtle", "rdfxml") else None)
    response = Response(body or b"", 200, content_type=fmt.content_type)
    response.vary.add("Accept")
    _alternates(response, iri)
    return response


def _prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    from kg.web.results import used_prefixes

    return used_prefixes(get_kg().settings.iris.prefixes(), triples)


def _twin(iri: str, ext: str) -> str | None:
    kg = get_kg()
    base = kg.settings.base_iri
    if iri.startswith(base + "id/"):
        return url_for("browse.by_id", rest=iri[len(base) + 3:] + "." + ext)
    if iri.startswith(VOCAB_BASE):
        return url_for("browse.by_vocab", rest=iri[len(VOCAB_BASE):] + "." + ext)
    return None


def _alternates(response: Response, iri: str) -> None:
    for ext, name in SUFFIXES.items():
        twin = _twin(iri, ext)
        if twin:
            media = conneg.BY_NAME[name].media_type
            response.headers.add("Link", f'<{twin}>; rel="alternate"; type="{media}"')


def _page(res: Resources, iri: str) -> Response:
    types = res.types(iri)
    kind = next((k for t, k in PAGE_KINDS if t in types), "generic")
    view = None
    if kind == "statement":
        view = statement_view(res, iri)
    elif kind == "event":
        view = event_view(res, iri)
    elif kind == "figure":
        view = figure_view(res, iri)
    elif kind == "claim":
        view = claim_view(res, iri)
    elif kind == "actor":
        view = actor_view(res, iri)
    if not view and kind != "actor":
        kind = "generic"
    triples = res.describe_triples(iri)
    jsonld = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]"
    # Inside <script>, "<" and ">" are escaped so no text from the data can end or open a tag.
    embedded = (json.dumps(json.loads(jsonld), ensure_ascii=False)
                .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    labels = res.labels({iri})
    context = {
        "iri": iri, "label": labels.get(iri) or res.curie(iri), "kind": kind, "view": view,
        "types": [res.link(t, res.labels(types)) for t in sorted(types)],
        "outgoing": res.outgoing(iri), "incoming": res.incoming_counts(iri),
        "jsonld": embedded,
        "twins": [(ext, _twin(iri, ext)) for ext in SUFFIXES if _twin(iri, ext)],
    }
    prop = request.args.get("incoming")
    if prop:
        try:
            page = max(1, int(request.args.get("page", "1")))
            context["incoming_page"] = (prop, page, res.incoming(iri, prop, page))
        except ValueError:
            raise HTTPProblem(400, "parameters 'incoming' (an IRI) and 'page' (a number) "
                                   "are not valid") from None
    response = _html(f"browse/{kind}.html", **context)
    _alternates(response, iri)
    return response


def _named_graph(namespace: str, rest: str) -> Response:
    kg = get_kg()
    stem, dot, ext = rest.rpartition(".")
    name, forced = (stem, SUFFIXES.get(ext)) if dot and ext in SUFFIXES else (rest, None)
    iri = namespace + name
    if iri not in kg.graph_names():
        raise HTTPProblem(404, f"no graph named {iri}")
    accept = conneg.accept_header()
    if forced is None and conneg.wants_html(accept):
        count = kg.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(iri)} "
                                "{ ?s ?p ?o } }")[0]["n"]
        twins = [(e, url_for("browse.by_graph", rest=f"{name}.{e}")) for e in SUFFIXES]
        return _html("browse/graph.html", iri=iri, count=count, twins=twins)
    fmt = conneg.choose(conneg.GRAPH, accept, forced, html=False)
    triples = list(kg.store.graph_triples(iri))
    body = ox.serialize(triples, format=conneg.OX_RDF[fmt.name],
                        prefixes=_prefixes(triples) if fmt.name in ("turtle", "rdfxml") else None)
    response = Response(body or b"", 200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _html(template: str, **context) -> Response:
    response = Response(render_template(template, **context), 200, mimetype="text/html")
    response.vary.add("Accept")
    return response
