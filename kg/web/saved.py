"""``/queries``: the saved queries as pages, a JSON/CSV/Turtle API and an OpenAPI description."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from kg.sources.queries import ParameterError, SavedQuery, bind, expand_curie, paginate, with_values
from kg.web import conneg
from kg.web.errors import HTTPProblem, error_response, problem
from kg.web.executor import QueryFailed, QueryJob
from kg.web.openapi import openapi_document
from kg.web.results import Collected, to_csv, to_tsv
from kg.web.state import get_kg

bp = Blueprint("saved", __name__)

MAX_PAGE_SIZE = 1000
#: Media types a saved query answers in (besides its HTML page), and their format names.
OFFERS = {"application/json": "json", "text/csv": "csv", "text/tab-separated-values": "tsv",
          "application/sparql-results+json": "srj", "text/turtle": "turtle",
          "application/ld+json": "jsonld", "application/n-triples": "ntriples"}
EXTENSIONS = {"json": "json", "csv": "csv", "tsv": "tsv", "srj": "srj", "ttl": "turtle",
              "nt": "ntriples", "jsonld": "jsonld"}


def _catalogue() -> dict[str, SavedQuery]:
    return get_kg().catalogue


def _query_or_404(name: str) -> SavedQuery:
    query = _catalogue().get(name)
    if query is None:
        raise HTTPProblem(404, f"no saved query named {name}; see /queries")
    return query


@bp.get("/queries.json")
def index_json() -> Response:
    """The catalogue as JSON."""
    return index(as_json=True)


@bp.get("/queries")
def index(as_json: bool = False) -> Response:
    """The catalogue: HTML for browsers, JSON for programs (``/queries.json``)."""
    queries = list(_catalogue().values())
    if as_json or not conneg.prefers_html(conneg.accept_header()):
        body = [{"name": q.name, "title": q.title, "description": q.description, "tags": q.tags,
                 "form": q.form, "url": url_for("saved.run", name=q.name, _external=True),
                 "parameters": [_param_json(p) for p in q.params]} for q in queries]
        return Response(json.dumps(body, ensure_ascii=False, indent=1), 200,
                         mimetype="application/json")
    return Response(render_template("queries/list.html", queries=queries), 200,
                    mimetype="text/html")


def _param_json(p) -> dict[str, Any]:
    return {"name": p.name, "type": p.type, "required": p.required, "default": p.default,
            "description": p.description}


@bp.get("/queries/<name>")
def run(name: str) -> Response:
    """One saved query: its page (HTML), or its results by content negotiation."""
    if "." in name:
        stem, _, ext = name.rpartition(".")
        if ext not in EXTENSIONS:
            raise HTTPProblem(404, f"no format .{ext} for saved queries; use one of: "
                                   f"{', '.join('.' + e for e in EXTENSIONS)}")
        return _answer(_query_or_404(stem), EXTENSIONS[ext])
    query = _query_or_404(name)
    accept = conneg.accept_header()
    if conneg.wants_html(accept):
        return _answer(query, "html")
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    media = conneg.pick(list(OFFERS), accept,
                        default="text/turtle" if graph_form else "application/json")
    response = _answer(query, OFFERS[media])
    response.vary.add("Accept")
    return response


def _allowed_values(query: SavedQuery) -> dict[str, frozenset[str]]:
    kg = get_kg()
    return {p.name: kg.allowed_values(query.name, p.name) for p in query.params if p.values_query}


@dataclass
class _Kept:
    """A finished saved-query response, kept while the store is unchanged."""

    body: bytes
    headers: list[tuple[str, str]]
    status: int = 200


def _answer(query: SavedQuery, fmt: str) -> Response:
    """The answer in ``fmt``; API answers (not the HTML page) are kept per store version, so
    a repeated request costs no parameter checks, decoding or encoding."""
    if fmt == "html":
        return _respond(query, fmt)
    key = ("response", request.host_url, query.name, fmt,
           tuple(sorted(request.args.items(multi=True))))

    def compute() -> _Kept:
        response = _respond(query, fmt)
        return _Kept(response.get_data(), list(response.headers.items()), response.status_code)

    kept = get_kg().remembered(key, compute, keep=lambda k: k.status == 200)
    return Response(kept.body, kept.status, headers=kept.headers)


def _respond(query: SavedQuery, fmt: str) -> Response:
    kg = get_kg()
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    if graph_form and fmt in ("json", "csv", "tsv", "srj"):
        fmt = "jsonld" if fmt == "json" else fmt
        if fmt != "jsonld":
            return _fail(fmt, query, HTTPProblem(
                406, f"{query.name} builds a graph: ask for .ttl, .nt or .jsonld"))
    if not graph_form and fmt in ("turtle", "ntriples", "jsonld"):
        return _fail(fmt, query, HTTPProblem(
            406, f"{query.name} returns a table: ask for .json, .csv, .tsv or .srj"))
    raw = {k: v for k, v in request.args.items()}
    try:
        page, size = _page(query, raw)
        terms = bind(query, raw, kg.settings.iris, _allowed_values(query))
    except ParameterError as exc:
        return _fail(fmt, query, HTTPProblem(400, str(exc)))
    text = with_values(query.text, terms)
    if query.pagination:
        text = paginate(text, page, size)
    override = fmt if graph_form else "json"  # tables: SPARQL JSON, re-written below
    job = QueryJob(sparql=text, override=override, limit=kg.settings.result_limit,
                   prefixes=kg.settings.iris.prefixes())
    try:
        answer = kg.run_cached(job)
    except QueryFailed as exc:
        return _fail(fmt, query, problem(exc))
    values = {k: v.value for k, v in terms.items()}
    if graph_form:
        if fmt == "html":
            return _page_html(query, values, graph_text=answer.body.decode("utf-8"))
        return Response(answer.body, 200, content_type=answer.media_type)
    data = json.loads(answer.body) if override == "json" else None
    has_next = False
    if query.pagination and data is not None and len(data["results"]["bindings"]) > size:
        data["results"]["bindings"] = data["results"]["bindings"][:size]
        has_next = True
    links = _links(query, raw, page, size, has_next)
    if fmt == "srj":
        response = Response(json.dumps(data, ensure_ascii=False), 200,
                            content_type="application/sparql-results+json; charset=utf-8")
    elif fmt == "json":
        response = Response(json.dumps(_simple(query, values, data, page, size, links),
                                       ensure_ascii=False, indent=1), 200,
                            content_type="application/json; charset=utf-8")
    elif fmt == "html":
        response = _page_html(query, values, data=data, links=links, page=page, size=size)
    else:
        collected = Collected(conneg.SOLUTIONS, data["head"]["vars"], [
            [_term(row.get(v)) for v in data["head"]["vars"]] for row in data["results"]["bindings"]
        ])
        body = to_csv(collected) if fmt == "csv" else to_tsv(collected)
        response = Response(body, 200, content_type=conneg.BY_NAME[fmt].content_type)
    if links:
        response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return response


def _page(query: SavedQuery, raw: dict[str, str]) -> tuple[int, int]:
    size = query.pagination or 0
    try:
        page = int(raw.get("page", "1"))
        if "page_size" in raw:
            size = int(raw["page_size"])
    except ValueError as exc:
        raise ParameterError("parameters 'page' and 'page_size' must be integers") from exc
    if page < 1:
        raise ParameterError("parameter 'page' must be at least 1")
    if query.pagination and not 1 <= size <= MAX_PAGE_SIZE:
        raise ParameterError(f"parameter 'page_size' must be between 1 and {MAX_PAGE_SIZE}")
    if not query.pagination and ("page" in raw or "page_size" in raw):
        if page != 1:
            raise ParameterError(f"{query.name} is not paginated: it has no page {page}")
    return page, size


def _links(query: SavedQuery, raw: dict[str, str], page: int, size: int,
           has_next: bool) -> dict[str, str]:
    if not query.pagination:
        return {}
    base = request.base_url

    def url(p: int) -> str:
        params = {k: v for k, v in raw.items() if k not in ("page",)}
        params["page"] = str(p)
        return f"{base}?{urlencode(params)}"

    links = {"first": url(1)}
    if page > 1:
        links["prev"] = url(page - 1)
    if has_next:
        links["next"] = url(page + 1)
    return links


def _term(cell: dict[str, str] | None) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    """A SPARQL JSON cell back to an RDF term."""
    if cell is None:
        return None
    if cell["type"] == "uri":
        return ox.NamedNode(cell["value"])
    if cell["type"] == "bnode":
        return ox.BlankNode(cell["value"])
    if "xml:lang" in cell:
        return ox.Literal(cell["value"], language=cell["xml:lang"])
    if "datatype" in cell:
        return ox.Literal(cell["value"], datatype=ox.NamedNode(cell["datatype"]))
    return ox.Literal(cell["value"])


def _plain(cell: dict[str, str] | None) -> Any:
    if cell is None:
        return None
    if cell["type"] == "literal" and "datatype" in cell:
        return python_value_from_json(cell)
    return cell["value"]


def python_value_from_json(cell: dict[str, str]) -> Any:
    datatype = cell.get("datatype", "")
    if datatype.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
        try:
            return int(cell["value"])
        except ValueError:
            return cell["value"]
    if datatype.endswith(("#decimal", "#double", "#float")):
        try:
            return float(cell["value"])
        except ValueError:
            return cell["value"]
    if datatype.endswith("#boolean"):
        return cell["value"] == "true"
    return cell["value"]


def _simple(query: SavedQuery, values: dict[str, str], data: dict[str, Any], page: int,
            size: int, links: dict[str, str]) -> dict[str, Any]:
    columns = data["head"]["vars"]
    rows = [{c: _plain(row.get(c)) for c in columns} for row in data["results"]["bindings"]]
    out: dict[str, Any] = {"query": query.name, "title": query.title, "parameters": values,
                           "columns": columns, "rows": rows}
    if query.pagination:
        out.update(page=page, page_size=size, next=links.get("next"), prev=links.get("prev"))
    return out


def _fail(fmt: str, query: SavedQuery, refused: HTTPProblem) -> Response:
    """A refusal in the form the address chose: the query's page, JSON for ``.json``, else
    plain text."""
    if fmt == "html":
        return _page_html(query, dict(request.args), error=refused.message,
                          status=refused.status)
    return error_response(refused.status, refused.message, refused.headers,
                          form="json" if fmt == "json" else "text")


def _page_html(query: SavedQuery, values: dict[str, str], data: dict | None = None,
               graph_text: str | None = None, error: str | None = None, status: int = 200,
               links: dict[str, str] | None = None, page: int = 1, size: int = 0) -> Response:
    kg = get_kg()
    choices = {p.name: kg.param_values(query.name, p.name) for p in query.params if p.values_query}
    table = None
    if data is not None:
        table = {"vars": data["head"]["vars"], "rows": data["results"]["bindings"]}
    formats = ["ttl", "jsonld", "nt"] if query.form in ("CONSTRUCT", "DESCRIBE") else [
        "json", "csv", "tsv", "srj"]
    qs = urlencode({k: v for k, v in request.args.items()})
    body = render_template(
        "queries/query.html", query=query, values=values, choices=choices, table=table,
        graph_text=graph_text, error=error, links=links or {}, page=page, size=size,
        formats=formats, qs=qs, expand=lambda v: expand_curie(v, kg.settings.iris),
    )
    response = Response(body, status, mimetype="text/html")
    response.vary.add("Accept")
    for ext in formats:
        response.headers.add("Link", f'<{url_for("saved.run", name=f"{query.name}.{ext}")}'
                                     f'{"?" + qs if qs else ""}>; rel="alternate"')
    return response


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3 description of the saved-query API, generated from the catalogue."""
    document = openapi_document(_catalogue(), get_kg(), request.host_url.rstrip("/"))
    return Response(json.dumps(document, indent=1), 200, mimetype="application/json")


@bp.get("/openapi")
def openapi_page() -> Response:
    """The OpenAPI description, rendered for people."""
    document = openapi_document(_catalogue(), get_kg(), request.host_url.rstrip("/"))
    return Response(render_template("queries/openapi.html", doc=document), 200,
                    mimetype="text/html")

