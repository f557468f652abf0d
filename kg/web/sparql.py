"""``/sparql``: the SPARQL 1.1 Protocol (query; update only with a bearer token).

GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; exactly
one query; ``default-graph-uri`` / ``named-graph-uri`` override FROM; the
default graph is the union of all named graphs. Without a query, GET returns the
service description (RDF), or the query page for browsers.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from kg.model.sparql_scan import allowed, max_depth, scan
from kg.pipeline.write import WriteRefused, normalised, write
from kg.store.base import QuerySyntaxError, StoreError, StoreUnavailable
from kg.store.changes import UpdateError, changes_of_update
from kg.web import conneg
from kg.web.auth import Unauthorised, require_token
from kg.web.errors import HTTPProblem
from kg.web.executor import QueryFailed, QueryJob
from kg.web.state import get_kg

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")

SD = "http://www.w3.org/ns/sparql-service-description#"
MAX_NESTING = 256  # pyoxigraph's parser overflows its stack on far deeper nesting
FORMATS_NS = "http://www.w3.org/ns/formats/"


#: The old name of HTTPProblem here; the app-wide handler answers both.
ProtocolError = HTTPProblem


def endpoint_url() -> str:
    public = get_kg().settings.public_url
    if public:
        return public.rstrip("/") + "/sparql"
    return request.base_url


def _charset_ok() -> bool:
    charset = request.mimetype_params.get("charset")
    return charset is None or charset.lower().replace("_", "-") in ("utf-8", "utf8")


def _body_text() -> str:
    if not _charset_ok():
        raise HTTPProblem(415, "the request body must be UTF-8 (charset=utf-8)")
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPProblem(400, "the request body is not valid UTF-8") from exc


def _graph_params(name: str) -> list[str] | None:
    values = request.args.getlist(name)
    if request.mimetype == FORM:
        values += request.form.getlist(name)
    for value in values:
        if not _IRI.match(value):
            raise HTTPProblem(400, f"{name} must be an absolute IRI, got {value!r}")
    return values or None


def _read_operation() -> tuple[str, str] | None:
    """``("query"|"update", text)`` from the request, or None for a plain GET."""
    if request.method in ("GET", "HEAD"):  # HEAD: a GET without the body
        if request.args.getlist("update"):
            raise HTTPProblem(405, "SPARQL Update is not allowed with GET; POST it",
                                {"Allow": "POST"})
        queries = request.args.getlist("query")
        if not queries:
            return None
        if len(queries) > 1:
            raise HTTPProblem(400, f"exactly one query parameter is allowed, got {len(queries)}")
        return ("query", queries[0])
    mimetype = request.mimetype
    if mimetype == FORM:
        if not _charset_ok():
            raise HTTPProblem(415, "form data must be UTF-8 (charset=utf-8)")
        queries = request.args.getlist("query") + request.form.getlist("query")
        updates = request.args.getlist("update") + request.form.getlist("update")
        if queries and updates:
            raise HTTPProblem(400, "send either query or update, not both")
        if updates:
            if len(updates) > 1:
                raise HTTPProblem(400, f"exactly one update parameter is allowed, "
                                         f"got {len(updates)}")
            return ("update", updates[0])
        if len(queries) != 1:
            raise HTTPProblem(400, "exactly one query parameter is required, "
                                     f"got {len(queries)}")
        return ("query", queries[0])
    if mimetype == QUERY_TYPE:
        if request.args.getlist("query"):
            raise HTTPProblem(400, "a direct POST carries the query in the body only")
        return ("query", _body_text())
    if mimetype == UPDATE_TYPE:
        return ("update", _body_text())
    shown = mimetype or "none"
    raise HTTPProblem(415, f"unsupported Content-Type ({shown}): POST a query as {FORM} or "
                             f"{QUERY_TYPE}, an update as {FORM} or {UPDATE_TYPE}")


def _check_reach(text: str, what: str) -> object:
    """Refuse SERVICE and LOAD outside the allow-list; return the scan."""
    kg = get_kg()
    if max_depth(text) > MAX_NESTING:
        raise HTTPProblem(400, f"the {what} is nested more than {MAX_NESTING} levels deep")
    found = scan(text)
    allow = kg.settings.allow_list
    for target in found.services:
        if not allowed(target, allow):
            raise HTTPProblem(403, f"SERVICE {target} is not allowed: this endpoint does not "
                                     "send queries to other servers (see KG_SERVICE_ALLOWLIST)")
    for target in found.loads:
        if not allowed(target, allow):
            raise HTTPProblem(403, f"LOAD {target} is not allowed: this endpoint does not "
                                     "fetch data from the network (see KG_SERVICE_ALLOWLIST)")
    if "DEFINE" in found.keywords and what == "query":
        # Not SPARQL: a server-specific pragma (Virtuoso's can fetch remote data).
        raise HTTPProblem(400, "syntax error: DEFINE pragmas are not SPARQL")
    return found


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """The SPARQL endpoint (see the module docstring)."""
    operation = _read_operation()
    if operation is None:
        return _describe_service()
    kind, text = operation
    if kind == "update":
        return _update(text)
    return _query(text)


def _query(text: str) -> Response:
    kg = get_kg()
    found = _check_reach(text, "query")
    default_graphs = _graph_params("default-graph-uri")
    named_graphs = _graph_params("named-graph-uri")
    if not kg.store.capabilities.stored_graphs_only:
        for graph in found.from_graphs + found.from_named_graphs:  # type: ignore[attr-defined]
            if graph not in kg.graph_names():
                raise HTTPProblem(400, f"FROM <{graph}>: no such graph in this store")
    accept = conneg.accept_header()
    override = (request.values.get("format") or request.values.get("output")
                or request.values.get("results"))
    html = conneg.wants_page(override, accept)
    job = QueryJob(
        sparql=text, accept=None if html else accept, override="html" if html else override,
        html=html, default_graphs=default_graphs, named_graphs=named_graphs,
        union_default=not found.has_dataset_clause,  # type: ignore[attr-defined]
        base_iri=endpoint_url(), limit=kg.settings.result_limit,
        prefixes=kg.settings.iris.prefixes(),
    )
    try:
        answer = kg.executor.run(job, kg.settings.query_timeout)
    except QueryFailed as exc:
        if html and exc.status < 500:
            return _page(text, error=exc.message, status=exc.status)
        raise  # answered app-wide (kg.web.errors.problem)
    if answer.format == "html":
        return _page(text, answer=answer)
    response = Response(answer.body, 200, content_type=answer.media_type)
    response.vary.add("Accept")
    return response


def _update(text: str) -> Response:
    """Run an update through the one write path: evaluated once, against the current data,
    into the quads it adds and removes (so RAND(), NOW(), blank nodes and relative IRIs are
    resolved once, here), which are checked like every other write and then applied."""
    kg = get_kg()
    try:
        require_token("SPARQL Update")
    except Unauthorised as exc:
        raise ProtocolError(exc.status, exc.message, exc.headers) from exc
    _check_reach(text, "update")
    using = _graph_params("using-graph-uri")
    using_named = _graph_params("using-named-graph-uri")
    try:
        changes = changes_of_update(kg.store, text, base_iri=endpoint_url(),
                                    default_graphs=using, named_graphs=using_named)
        changes = normalised(kg.settings.iris, changes)  # refuses bad names at once
        write(kg.store, kg.write_context(), changes)
    except WriteRefused as exc:
        raise ProtocolError(exc.status, exc.message) from exc
    except QuerySyntaxError as exc:
        raise ProtocolError(400, f"syntax error: {' '.join(str(exc).split())[:300]}") from exc
    except UpdateError as exc:
        raise ProtocolError(400, str(exc)) from exc
    except StoreUnavailable as exc:
        raise ProtocolError(503, str(exc)) from exc
    except StoreError as exc:
        raise ProtocolError(500, f"the update failed: {exc}") from exc
    finally:
        kg.invalidate()
    return Response("update applied\n", 200, mimetype="text/plain")


def _describe_service() -> Response:
    accept = conneg.accept_header()
    if conneg.prefers_html(accept):
        return _page("")
    fmt = conneg.choose(conneg.GRAPH, accept, request.args.get("format"), html=False)
    url = ox.NamedNode(endpoint_url())
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    sd = ox.NamedNode
    triples = [
        ox.Triple(service, sd(f"{_RDF}type"), sd(f"{SD}Service")),
        ox.Triple(service, sd(f"{SD}endpoint"), url),
        ox.Triple(service, sd(f"{SD}supportedLanguage"), sd(f"{SD}SPARQL11Query")),
        ox.Triple(service, sd(f"{SD}feature"), sd(f"{SD}UnionDefaultGraph")),
        ox.Triple(service, sd(f"{SD}defaultDataset"), dataset),
        ox.Triple(dataset, sd(f"{_RDF}type"), sd(f"{SD}Dataset")),
        ox.Triple(dataset, sd(f"{SD}defaultGraph"), default),
        ox.Triple(default, sd(f"{_RDF}type"), sd(f"{SD}Graph")),
    ]
    if get_kg().settings.update_token:
        triples.append(ox.Triple(service, sd(f"{SD}supportedLanguage"),
                                 sd(f"{SD}SPARQL11Update")))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads",
                 "TriG"):
        triples.append(ox.Triple(service, sd(f"{SD}resultFormat"), sd(f"{FORMATS_NS}{name}")))
    body = ox.serialize(triples, format=conneg.OX_RDF[fmt.name],
                        prefixes={"sd": SD, "formats": FORMATS_NS}
                        if fmt.name in ("turtle", "trig", "rdfxml") else None)
    response = Response(body, 200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _page(text: str, answer=None, error: str | None = None, status: int = 200) -> Response:
    """The query page: an editor, examples, and the results of ``text`` if given."""
    kg = get_kg()
    table = graph_text = None
    boolean = None
    if answer is not None:
        if answer.kind == conneg.GRAPH:
            graph_text = answer.body.decode("utf-8")
        else:
            data = json.loads(answer.body)
            if "boolean" in data:
                boolean = data["boolean"]
            else:
                table = {"vars": data["head"]["vars"], "rows": data["results"]["bindings"]}
    body = render_template(
        "sparql.html", query=text or kg.example_query(), examples=kg.examples(),
        table=table, boolean=boolean, graph_text=graph_text, error=error,
        endpoint=endpoint_url(), timeout=kg.settings.query_timeout,
        limit=kg.settings.result_limit,
    )
    response = Response(body, status, mimetype="text/html")
    response.vary.add("Accept")
    current_app.logger.debug("rendered query page")
    return response
