"""The remote store: any SPARQL 1.1 Query/Update (+ Graph Store Protocol) server over HTTP.

Tested against Virtuoso 7.2 (Debian ``virtuoso-opensource``) and Oxigraph server 0.5.

Queries go through SPARQLWrapper: GET while the URL stays short, a form-encoded POST
otherwise, never ``application/sparql-query`` (Virtuoso never answers such a POST). SELECT and
ASK ask for SPARQL JSON results, CONSTRUCT and DESCRIBE for N-Triples; the answer is parsed
into pyoxigraph objects after the server's quirks are normalised (Virtuoso's ``typed-literal``
type and ``nodeID://`` blank nodes). Requests use a private urllib opener: no global state, no
raw urllib or SPARQLWrapper exception reaches the caller.

Choices worth knowing:

- **Dataset.** ``default_graphs``/``named_graphs`` are sent as ``default-graph-uri`` and
  ``named-graph-uri``. Virtuoso lets a query's own ``FROM``/``FROM NAMED`` win over them
  (the protocol says the opposite), and Oxigraph server lets ``union-default-graph`` win over
  ``FROM``. The query text is never rewritten: it is tokenised (strings, IRIs, comments and
  prefixed names skipped) to find its form and whether it has a dataset clause, and a query
  with ``FROM`` plus a protocol dataset raises StoreError ("cannot combine").
- **Default graph = union of the named graphs.** Virtuoso's ``/sparql`` does this already,
  but its union also holds Virtuoso's own system graphs (``virtrdf#``: about 2,500 triples
  describing its quad maps, its service description, DAV and LDP graphs): queries over the
  default graph or ``GRAPH ?g`` can see them. Its ``define input:default-graph-exclude`` and
  ``named-graph-exclude`` pragmas would hide them but make ``GRAPH <iri>`` patterns match
  nothing (7.2.5), so they are not used; graph_names(), is_empty(), dump() and replace_all()
  leave out the graphs of ``SYSTEM_GRAPH_PREFIXES``. Oxigraph server keeps a separate default
  graph: set ``union_default_graph_param=True`` and the store sends ``union-default-graph``,
  except when the query or the caller names a dataset (Oxigraph would let it override the
  query's ``FROM``). Nothing is detected automatically.
- **Truncation.** Virtuoso cuts results at ``ResultSetMaxRows`` and answers "anytime" queries
  with partial results, saying so only in response headers (``X-SPARQL-MaxRows``,
  ``X-SQL-State``/``X-SQL-Message``). Such answers raise StoreError (QueryTimeout for partial
  results), never short results. Its Graph Store GET truncates without any header, so dump()
  uses paged CONSTRUCT queries and checks every graph's triple count.
- **Time limits.** ``timeout`` seconds are sent to the server (``timeout`` parameter in
  milliseconds, understood by Virtuoso, ignored by Oxigraph) and the HTTP read gives up
  ``TIMEOUT_GRACE`` seconds later.
- **Graph replacement.** With ``graph_store_url``, a Graph Store Protocol PUT of N-Triples
  (one request). Without it, one SPARQL Update request ``DROP SILENT GRAPH <g>`` + insert,
  atomic on Virtuoso and Oxigraph, as long as the graph fits in one chunk (``chunk_size``
  triples, 500 by default: Virtuoso's SPARQL compiler refuses ``INSERT DATA`` blocks of about
  2,000 triples, and slows down sharply, up to minutes, on requests with several large
  operations). A larger graph is sent as that first request followed by plain inserts:
  readers may then see the graph partly loaded. On Virtuoso, prefer the Graph Store
  endpoint: it loads tens of thousands of triples a second, SPARQL Update about a thousand.
  Triples with blank nodes are sent as ``INSERT {...} WHERE {}`` (Virtuoso refuses blank
  nodes in ``INSERT DATA``), each set of triples sharing blank nodes in one operation.
- **Credentials** are answered to HTTP digest or basic challenges (Virtuoso's
  ``/sparql-auth`` and ``/sparql-graph-crud-auth`` use digest).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.Wrapper import ASK, CONSTRUCT, DESCRIBE, INSERT, SELECT

from kg.model.sparql_scan import scan
from kg.store.base import (
    ChangeSet,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
    StoreUnavailable,
)

SYSTEM_GRAPH_PREFIXES: tuple[str, ...] = (
    "http://www.openlinksw.com/",  # Virtuoso's own schemas (virtrdf#: its quad maps)
    "http://localhost:8890/",  # Virtuoso's service description and DAV graphs, default host
    "urn:activitystreams-owl:map",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
)
"""Graphs whose IRI starts with one of these are the server's, not kg's. The origin of the
query URL (``http://host:port/``) is added: Virtuoso names its service description and DAV
graphs after its own address."""

TIMEOUT_GRACE = 3.0
"""Seconds the HTTP client waits beyond the time limit given to the server (Virtuoso sends its
partial "anytime" answers on a 2-second clock)."""

MAX_GET_URL = 2000
"""Longer query URLs are sent as a form-encoded POST."""

_RESULTS_JSON = "application/sparql-results+json"
_RESULTS_XML = "application/sparql-results+xml"
_ACCEPT_RESULTS = f"{_RESULTS_JSON}, {_RESULTS_XML};q=0.9"
_ACCEPT_GRAPH = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
_DATASET_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}
_SYNTAX_MARKERS = re.compile(
    r"syntax|pars(e|ing)|SP030|error at \d+:\d+|expected|undefined|prefix|unexpected", re.I)
_FORMS = {"SELECT": SELECT, "ASK": ASK, "CONSTRUCT": CONSTRUCT, "DESCRIBE": DESCRIBE}


@dataclass(frozen=True)
class QueryShape:
    """What the tokeniser found in a query: its form and whether it names its own dataset."""

    form: str | None
    has_dataset: bool


def query_shape(sparql: str) -> QueryShape:
    """Find the query form and any FROM/FROM NAMED, skipping strings, IRIs, names and comments."""
    found = scan(sparql)
    return QueryShape(_FORMS.get(found.form or ""), found.has_dataset_clause)


_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_INTEGRAL = re.compile(r"[+-]?\d+")


def normalise_json_results(data: bytes) -> bytes:
    """SPARQL JSON results with Virtuoso's quirks turned into standard JSON.

    ``typed-literal`` becomes ``literal`` (the datatype is kept), blank node labels such as
    ``nodeID://b10000`` become valid labels, and an integral ``xsd:decimal`` beyond 32 bits
    becomes the ``xsd:integer`` it was stored as (see :func:`normalise_term`).
    """
    if (b"typed-literal" not in data and b'"bnode"' not in data
            and _DECIMAL.encode() not in data):
        return data
    document = json.loads(data)
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "typed-literal":
                term["type"] = "literal"
            elif term.get("type") == "bnode":
                term["value"] = _bnode_label(term["value"])
            if term.get("datatype") == _DECIMAL and _beyond_32_bits(term["value"]):
                term["datatype"] = _INTEGER
    return json.dumps(document).encode()


def _beyond_32_bits(lexical: str) -> bool:
    return bool(_INTEGRAL.fullmatch(lexical)) and not -(2**31) <= int(lexical) < 2**31


def normalise_term(term: Any) -> Any:
    """Virtuoso keeps an ``xsd:integer`` beyond 32 bits ("3000000000", a sum of money) as a
    decimal and answers it typed ``xsd:decimal`` (smaller integers and integral decimals keep
    their types), so an integral decimal beyond 32 bits is read back as the integer it was
    stored as. (A decimal stored with such a value would come back as an integer too: the
    server no longer tells the two apart. The data of kg has none.)"""
    if (isinstance(term, ox.Literal) and term.datatype.value == _DECIMAL
            and _beyond_32_bits(term.value)):
        return ox.Literal(term.value, datatype=ox.NamedNode(_INTEGER))
    return term


def _bnode_label(value: str) -> str:
    label = value.removeprefix("nodeID://")
    if re.fullmatch(r"[A-Za-z0-9_][\w.-]*", label) and not label.endswith("."):
        return label
    return "x" + label.encode().hex()


class _Body:
    """A file request body that rewinds at its end, so urllib can resend it after a 401."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        if not chunk:
            self._file.seek(0)
        return chunk


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper sending through a given opener instead of urllib's global one."""

    def __init__(self, endpoint: str, opener: urllib.request.OpenerDirector,
                 update_endpoint: str | None = None) -> None:
        super().__init__(endpoint, updateEndpoint=update_endpoint)
        self._opener = opener

    def _query(self) -> tuple[Any, str]:
        return self._opener.open(self._createRequest(), timeout=self.timeout), self.returnFormat


def _message(body: bytes) -> str:
    """The useful part of a server's error page, on one line and short."""
    text = body.decode("utf-8", errors="replace")
    text = text.split("\n\nSPARQL query:", 1)[0]  # Virtuoso echoes the query after this
    text = re.sub(r"<[^>]+>", " ", text)  # error pages in HTML
    text = " ".join(text.split())
    return text[:500] + ("…" if len(text) > 500 else "")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _sparql_iri(iri: str) -> str:
    try:
        return str(ox.NamedNode(iri))
    except ValueError as exc:
        raise StoreError(f"not a valid IRI: {iri!r}") from exc


class RemoteStore(Store):
    """A store on a SPARQL 1.1 server reached over HTTP; see the module documentation."""

    def __init__(self, query_url: str, update_url: str | None = None,
                 graph_store_url: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = 30.0, *,
                 union_default_graph_param: bool = False,
                 system_graph_prefixes: Sequence[str] | None = None,
                 chunk_size: int = 500, page_size: int = 5000) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self.union_default_graph_param = union_default_graph_param
        self.chunk_size = chunk_size
        self.page_size = page_size
        if system_graph_prefixes is None:
            parts = urllib.parse.urlsplit(query_url)
            system_graph_prefixes = (*SYSTEM_GRAPH_PREFIXES, f"{parts.scheme}://{parts.netloc}/")
        self.system_graph_prefixes = tuple(system_graph_prefixes)
        self._passwords: urllib.request.HTTPPasswordMgrWithDefaultRealm | None = None
        if user is not None:
            self._passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            urls = {query_url, self.update_url, graph_store_url or query_url}
            self._passwords.add_password(None, list(urls), user, password or "")

    # -- HTTP ---------------------------------------------------------------------------------

    def _opener(self) -> urllib.request.OpenerDirector:
        """A fresh opener per request: the digest handler keeps per-request state."""
        handlers: list[urllib.request.BaseHandler] = []
        if self._passwords is not None:
            handlers += [urllib.request.HTTPDigestAuthHandler(self._passwords),
                         urllib.request.HTTPBasicAuthHandler(self._passwords)]
        return urllib.request.build_opener(*handlers)

    def _fail(self, url: str, exc: BaseException, *, sparql: bool) -> StoreError:
        """The StoreError for a failed HTTP exchange with ``url``."""
        if isinstance(exc, urllib.error.HTTPError):
            try:
                body = exc.read()
            except (OSError, http.client.HTTPException):
                body = b""
            message = _message(body) or exc.reason
            status = exc.code
            if status == 400 and sparql and _SYNTAX_MARKERS.search(message):
                return QuerySyntaxError(message)
            if status in (408, 504) or "S1T00" in message:
                return QueryTimeout(f"the SPARQL server at {url} stopped the query: {message}")
            if status in (502, 503):
                return StoreUnavailable(
                    f"the SPARQL server at {url} is not available (HTTP {status}): {message}")
            if status in (401, 403):
                return StoreError(f"the SPARQL server at {url} refused access (HTTP {status}):"
                                  " check the user and password")
            return StoreError(f"the SPARQL server at {url} answered HTTP {status}: {message}")
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
            return StoreUnavailable(f"the SPARQL server at {url} is not reachable: {reason}")
        if isinstance(exc, ValueError):
            return StoreError(f"cannot send a request to {url}: {exc}")
        if isinstance(exc, TimeoutError | socket.timeout):
            return QueryTimeout(f"the SPARQL server at {url} did not answer in time")
        return StoreUnavailable(f"the SPARQL server at {url} is not reachable: {exc}")

    def _check_headers(self, url: str, headers: Any) -> None:
        """Raise if the server says (in headers only) that the answer is incomplete."""
        state = headers.get("X-SQL-State")
        message = " ".join((headers.get("X-SQL-Message") or "").split())
        if state:
            if state == "S1TAT" or "incomplete" in message.lower() or "partial" in message:
                raise QueryTimeout(f"the SPARQL server at {url} ran out of time and returned "
                                   f"incomplete results ({state}: {message[:200]})")
            raise StoreError(f"the SPARQL server at {url} reported {state}: {message[:200]}")
        max_rows = headers.get("X-SPARQL-MaxRows")
        if max_rows:
            raise StoreError(
                f"the SPARQL server at {url} cut the result at {max_rows} rows (its "
                "ResultSetMaxRows): the answer may be incomplete; add a LIMIT below that or "
                "raise the server's limit")

    def _send(self, wrapper: _Wrapper, url: str, *, sparql: bool = True) -> tuple[bytes, str]:
        """Run a prepared SPARQLWrapper request; the body and media type of a checked answer."""
        try:
            result = wrapper.query()
            with result.response as response:
                headers = response.headers
                self._check_headers(url, headers)
                body = response.read()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise self._fail(url, exc, sparql=sparql) from exc
        return body, _media_type(headers.get("Content-Type"))

    def _wrapper(self, form: str, timeout: float) -> _Wrapper:
        wrapper = _Wrapper(self.query_url, self._opener(), update_endpoint=self.update_url)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(timeout + TIMEOUT_GRACE)  # type: ignore[arg-type]
        wrapper.queryType = form
        return wrapper

    # -- queries ------------------------------------------------------------------------------

    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None,
              timeout: float | None = None, union_default: bool = True) -> QueryResult:
        shape = query_shape(sparql)
        protocol_dataset = bool(default_graphs or named_graphs)
        if protocol_dataset and shape.has_dataset:
            raise StoreError("cannot combine default_graphs/named_graphs with a query that has "
                             "its own FROM or FROM NAMED clause: remove one of them")
        prologue = "" if base_iri is None else f"BASE {_sparql_iri(base_iri)} "
        form = shape.form or SELECT
        body, media_type = self._query(
            prologue + sparql, form, default_graphs=default_graphs or (),
            named_graphs=named_graphs or (),
            union=self.union_default_graph_param and not (protocol_dataset or shape.has_dataset),
            timeout=self.timeout if timeout is None else timeout)
        return self._parse(body, media_type, form)

    def _query(self, sparql: str, form: str, *, default_graphs: Sequence[str] = (),
               named_graphs: Sequence[str] = (), union: bool = False,
               timeout: float | None = None) -> tuple[bytes, str]:
        timeout = self.timeout if timeout is None else timeout
        wrapper = self._wrapper(form, timeout)
        wrapper.queryString = sparql
        for graph in default_graphs:
            wrapper.addDefaultGraph(graph)
        for graph in named_graphs:
            wrapper.addNamedGraph(graph)
        if union:
            wrapper.addParameter("union-default-graph", "true")
        wrapper.addParameter("timeout", str(max(1, round(timeout * 1000))))
        if form in (SELECT, ASK):
            wrapper.setReturnFormat(JSON)
            wrapper.addCustomHttpHeader("Accept", _ACCEPT_RESULTS)
        else:
            wrapper.setReturnFormat(N3)
            wrapper.addCustomHttpHeader("Accept", _ACCEPT_GRAPH)
        url_length = len(self.query_url) + len(urllib.parse.quote_plus(sparql)) + 100 + sum(
            len(urllib.parse.quote_plus(g)) + 20 for g in (*default_graphs, *named_graphs))
        if url_length > MAX_GET_URL:
            wrapper.setMethod(POST)
            wrapper.setRequestMethod(URLENCODED)
        return self._send(wrapper, self.query_url)

    def _parse(self, body: bytes, media_type: str, form: str) -> QueryResult:
        try:
            if form in (SELECT, ASK):
                if media_type in (_RESULTS_JSON, "application/json"):
                    return ox.parse_query_results(normalise_json_results(body),
                                                  format=ox.QueryResultsFormat.JSON)
                if media_type in (_RESULTS_XML, "application/xml"):
                    return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
            else:
                rdf_format = _GRAPH_FORMATS.get(media_type)
                if rdf_format is not None:
                    return [ox.Triple(q.subject, q.predicate, normalise_term(q.object))
                            for q in ox.parse(body, format=rdf_format)]
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"the SPARQL server at {self.query_url} sent an answer that "
                             f"cannot be read ({media_type}): {exc}") from exc
        raise StoreError(f"the SPARQL server at {self.query_url} answered a {form} query with "
                         f"{media_type or 'no content type'}: {_message(body[:300])}")

    def _select(self, sparql: str) -> list[ox.QuerySolution]:
        body, media_type = self._query(sparql, SELECT)
        result = self._parse(body, media_type, SELECT)
        assert isinstance(result, ox.QuerySolutions)
        return list(result)

    def _is_system(self, graph: str) -> bool:
        return graph.startswith(self.system_graph_prefixes)

    def _all_graphs(self) -> list[str]:
        """Every graph holding a triple, system graphs included."""
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)]

    def graph_names(self) -> list[str]:
        return sorted(g for g in self._all_graphs() if not self._is_system(g))

    def is_empty(self) -> bool:
        conditions = " && ".join(
            f"!STRSTARTS(STR(?g), {json.dumps(prefix)})" for prefix in self.system_graph_prefixes)
        rows = self._select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                            f"FILTER({conditions or 'true'}) }} LIMIT 1")
        return not rows

    # -- updates ------------------------------------------------------------------------------

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        if base_iri is not None:
            sparql = f"BASE {_sparql_iri(base_iri)} {sparql}"
        self._update(sparql)

    def _update(self, sparql: str) -> None:
        wrapper = self._wrapper(INSERT, self.timeout)
        wrapper.queryString = sparql
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setReturnFormat(JSON)
        wrapper.addCustomHttpHeader("Accept", f"{_ACCEPT_RESULTS}, */*;q=0.1")
        self._send(wrapper, self.update_url)

    def drop_graph(self, graph: str) -> None:
        self._update(f"DROP SILENT GRAPH {_sparql_iri(graph)}")

    def apply(self, changes: ChangeSet) -> None:
        """Apply a change set in its order: graphs dropped, graphs replaced (as
        :meth:`replace_graph`: a Graph Store PUT each, or SPARQL Update), quads removed
        (``DELETE DATA``) and added (``INSERT DATA``), ``chunk_size`` quads a request. Not
        atomic as a whole: readers may see a part of it while it runs."""
        removed_blank = [q for q in changes.removed
                         if isinstance(q.subject, ox.BlankNode) or isinstance(q.object,
                                                                              ox.BlankNode)]
        if removed_blank:
            raise StoreError(f"cannot remove a quad with a blank node from a SPARQL server "
                             f"(its blank nodes cannot be named): {removed_blank[0]}")
        for graph in sorted(changes.dropped - set(changes.graphs)):
            self.drop_graph(graph)
        for graph, triples in changes.graphs.items():
            self._replace(graph, triples)
        for graph, quads in _by_graph(changes.removed).items():
            lines = [str(q.triple) for q in quads]
            for start in range(0, len(lines), self.chunk_size):
                body = " .\n".join(lines[start:start + self.chunk_size]) + " .\n"
                if graph is not None:
                    body = f"GRAPH {_sparql_iri(graph)} {{\n{body}}}"
                self._update(f"DELETE DATA {{ {body} }}")
        for graph, quads in _by_graph(changes.added).items():
            for request in self._insert_requests(graph, [q.triple for q in quads]):
                self._update(request)

    def replace_graph(self, graph: str, ntriples: str) -> None:
        try:
            triples = [quad.triple for quad in
                       ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as exc:
            raise StoreError(f"not valid N-Triples for {graph}: {exc}") from exc
        self._replace(graph, triples)

    def _replace(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Replace ``graph`` by ``triples``: one Graph Store PUT, or chunked SPARQL Update."""
        if self.graph_store_url is None:
            for number, request in enumerate(self._insert_requests(graph, triples)):
                self._update(request if number else
                             f"DROP SILENT GRAPH {_sparql_iri(graph)} ;\n{request}")
            return
        with tempfile.TemporaryFile() as file:
            count = 0
            for triple in triples:
                file.write(f"{triple} .\n".encode())
                count += 1
            if not count:
                self.drop_graph(graph)
                return
            size = file.tell()
            file.seek(0)
            self._put(graph, _Body(file), size)

    def _put(self, graph: str, body: _Body, size: int) -> None:
        assert self.graph_store_url is not None
        separator = "&" if "?" in self.graph_store_url else "?"
        url = f"{self.graph_store_url}{separator}{urllib.parse.urlencode({'graph': graph})}"
        request = urllib.request.Request(url, data=body, method="PUT", headers={  # type: ignore[arg-type]
            "Content-Type": "application/n-triples", "Content-Length": str(size)})
        try:
            with self._opener().open(request, timeout=self.timeout + TIMEOUT_GRACE) as response:
                response.read()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise self._fail(self.graph_store_url, exc, sparql=False) from exc

    def _insert_requests(self, graph: str | None, triples: Iterable[ox.Triple]) -> Iterator[str]:
        """SPARQL Update requests inserting ``triples``, ``chunk_size`` triples at most each.

        Triples without blank nodes go in ``INSERT DATA``; the others in ``INSERT {...} WHERE
        {}``, every group of triples connected by blank nodes in one operation. At least one
        request is produced, so the first one (which carries the DROP) always exists.
        ``graph`` None: the default graph.
        """
        def block(lines: list[str]) -> str:
            body = " .\n".join(lines) + " .\n" if lines else ""
            return body if graph is None else f"GRAPH {_sparql_iri(graph)} {{\n{body}}}"
        chunk: list[str] = []
        with_blanks: list[ox.Triple] = []
        produced = False
        for triple in triples:
            if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object,
                                                                       ox.BlankNode):
                with_blanks.append(triple)
                continue
            chunk.append(str(triple))
            if len(chunk) >= self.chunk_size:
                yield f"INSERT DATA {{ {block(chunk)} }}"
                produced = True
                chunk = []
        if chunk:
            yield f"INSERT DATA {{ {block(chunk)} }}"
            produced = True
        group: list[str] = []
        for component in _blank_node_groups(with_blanks):
            if group and len(group) + len(component) > self.chunk_size:
                yield f"INSERT {{ {block(group)} }} WHERE {{}}"
                produced = True
                group = []
            group.extend(str(triple) for triple in component)
        if group:
            yield f"INSERT {{ {block(group)} }} WHERE {{}}"
            produced = True
        if not produced:
            yield f"INSERT DATA {{ {block([])} }}"

    def replace_all(self, dataset_file: Path) -> None:
        """Load an N-Quads/TriG file graph by graph, then drop the graphs it does not hold.

        The file is parsed first (into a temporary on-disk pyoxigraph store that groups its
        quads by graph), so a bad file changes nothing on the server. The whole replacement
        is not atomic: readers may see old and new graphs side by side while it runs.
        """
        rdf_format = _DATASET_FORMATS.get(dataset_file.suffix.lower())
        if rdf_format is None:
            raise StoreError(f"cannot load {dataset_file.name}: use an .nq or .trig file")
        with tempfile.TemporaryDirectory(prefix="kg-load-") as folder:
            graphs = self._load_graphs(dataset_file, rdf_format, folder)
        for graph in sorted(set(self.graph_names()) - set(graphs)):
            self.drop_graph(graph)

    def _load_graphs(self, dataset_file: Path, rdf_format: ox.RdfFormat, folder: str) -> list[str]:
        """Parse the file into a staging store in ``folder``, then replace each of its graphs."""
        staging = ox.Store(folder)
        try:
            staging.bulk_extend(ox.parse(path=dataset_file, format=rdf_format))
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load {dataset_file.name}: {exc}") from exc
        if next(staging.quads_for_pattern(None, None, None, ox.DefaultGraph()), None):
            raise StoreError(f"cannot load {dataset_file.name}: it has triples outside "
                             "named graphs")
        names = list(staging.named_graphs())
        if not all(isinstance(name, ox.NamedNode) for name in names):
            raise StoreError(f"cannot load {dataset_file.name}: graph names must be IRIs")
        graphs = sorted(name.value for name in names)
        for graph in graphs:
            quads = staging.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            self._replace(graph, (quad.triple for quad in quads))
        return graphs

    # -- export -------------------------------------------------------------------------------

    def dump(self) -> Iterator[bytes]:
        """N-Quads of every graph, from CONSTRUCT queries paged by ``page_size`` triples.

        Each graph's triples are counted first and the count is checked at the end, so a
        server that silently truncates raises StoreError rather than yielding a short dump.
        Larger graphs are paged with ORDER BY/OFFSET/LIMIT, which Virtuoso refuses past its
        ``MaxSortedTopRows`` (10,000 rows by default; raise it in ``[Parameters]``).
        """
        for graph in self.graph_names():
            target = _sparql_iri(graph)
            where = f"WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}"
            rows = self._select(f"SELECT (COUNT(*) AS ?n) {where}")
            expected = int(rows[0]["n"].value) if rows else 0
            pages = (
                [f"CONSTRUCT {{ ?s ?p ?o }} {where}"] if expected <= self.page_size else
                [f"CONSTRUCT {{ ?s ?p ?o }} {where} ORDER BY ?s ?p ?o "
                 f"OFFSET {offset} LIMIT {self.page_size}"
                 for offset in range(0, expected, self.page_size)])
            received = 0
            for sparql in pages:
                body, media_type = self._query(sparql, CONSTRUCT)
                triples = self._parse(body, media_type, CONSTRUCT)
                lines = [f"{triple} {target} .\n" for triple in triples]
                received += len(lines)
                yield "".join(lines).encode()
            if received != expected:
                raise StoreError(f"the SPARQL server at {self.query_url} returned {received} of "
                                 f"the {expected} triples of {graph}: the dump is incomplete")


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str | None, list[ox.Quad]]:
    """Quads by the IRI of their graph (None: the default graph)."""
    groups: dict[str | None, list[ox.Quad]] = {}
    for quad in quads:
        graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        groups.setdefault(graph, []).append(quad)
    return groups


def _blank_node_groups(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """Triples grouped so that triples sharing a blank node are in the same group."""
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for triple in triples:
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for label in labels[1:]:
            parent[root(label)] = root(labels[0])
    groups: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        term = triple.subject if isinstance(triple.subject, ox.BlankNode) else triple.object
        groups.setdefault(root(term.value), []).append(triple)
    return list(groups.values())
