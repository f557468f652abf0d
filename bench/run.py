"""The kg performance benchmark: the same data and queries on every backend, in one run.

Run from the repository root (see bench/README.md)::

    .venv/bin/python bench/run.py                      # 1,000 statements, a few minutes
    .venv/bin/python bench/run.py --statements 10000   # about 20 minutes
    .venv/bin/python bench/run.py --statements 100000  # on request (rdflib is skipped)

Backends, on the same generated corpus (``bench/generate.py``):

- ``rdflib``: rdflib's in-memory ``Dataset`` (default graph = union) and rdflib's SPARQL engine,
  in a process of its own (the naive baseline);
- ``oxigraph``: a raw pyoxigraph in-memory ``Store`` in a process of its own (the limit for the
  embedded store): query evaluation plus reading every solution, no serialisation;
- ``kg``: ``kg serve`` (gunicorn, ``--workers auto``, embedded store loaded with ``kg load``),
  over HTTP: ``/sparql`` (SPARQL JSON) and the saved-query API ``/queries/<name>.json``;
- ``virtuoso``: Virtuoso's own ``/sparql`` (bulk-loaded from the same N-Quads);
- ``kg→virtuoso``: ``kg serve`` with ``KG_STORE=sparql:`` pointing at that Virtuoso.

Per query and backend: one probe (also the row check: every backend must return the same rows),
one warm-up, then up to ``--reps`` timed repetitions within a time budget, interleaved across the
HTTP backends and raw Oxigraph so that background load hits them alike. A query slower than the
cap is stopped and reported as such. Then: the browse pages over HTTP, the saved-query API's
throughput under 4 keep-alive clients, a streamed dump, ingest (build + SHACL + load) and a
breakdown of where a small saved query's time goes. It prints a table with every target
(met, or missed by how much) and writes ``var/bench/results-<N>.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import pstats
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

PYTHON = sys.executable
KG = [PYTHON, "-m", "kg"]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: The six reference queries, by the kind of work they do.
REFERENCE = {
    "lookup": "statement-claims",
    "text filter": "quote-search",
    "path": "mentions",
    "wide aggregate": "events-by-claims",
    "join": "figure-over-time",
    "hierarchy": "figures-for-event",
}
#: Small saved queries for the throughput test (with their first example parameters).
SMALL = ("statement-claims", "figure-over-time")
#: Browse pages measured over HTTP.
#: Browse pages measured over HTTP, the heaviest last (see measure_pages).
PAGES = {
    "statement": "/id/statement/unsc-2021-05-25-poc-AZE",
    "search": "/search?q=missing",
    "home": "/",
    "event": "/id/event/khojaly-1992-02",
    "delegation": "/id/state/AZE",
    "event (hierarchy root)": "/id/event/nk-conflict",
}
PAGE_EVENT = "https://w3id.org/ekg/id/event/nk-conflict"
PAGE_STATEMENT = "https://w3id.org/ekg/id/statement/unsc-2021-05-25-poc-AZE"
PAGE_SEARCH = "missing"
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"


# -- settings per size -----------------------------------------------------------------------------


@dataclass
class Plan:
    """How hard to try at a given size: repetitions, time budgets and caps (seconds)."""

    statements: int
    reps: int
    budget: float  # timed repetitions of one query on one backend stop after this
    cap: float  # a query slower than this is stopped and reported as a timeout
    rdflib_reps: int
    rdflib_budget: float
    rdflib_cap: float
    rdflib_queries: str  # "all", "reference" or "none"
    throughput_seconds: float
    sequential: bool  # one backend up at a time (memory), instead of side by side
    yaml_count: int
    remote_pages: bool = True  # browse pages also on kg in front of Virtuoso

    @classmethod
    def for_size(cls, n: int) -> Plan:
        if n <= 2_000:
            return cls(n, 8, 1.5, 3.0, 2, 1.0, 2.0, "all", 3.0, False, 300, False)
        if n <= 30_000:
            return cls(n, 10, 2.0, 10.0, 1, 0.0, 40.0, "reference", 5.0, False, 2000)
        return cls(n, 10, 5.0, 60.0, 0, 0.0, 0.0, "none", 5.0, True, 2000)


# -- machine and processes -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The machine the run is on: cores, memory, CPU, software versions, load."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for package in ("pyoxigraph", "rdflib", "pyshacl", "flask", "gunicorn", "sparqlwrapper"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    virtuoso = shutil.which("virtuoso-t")
    if virtuoso:
        try:
            text = subprocess.run([virtuoso, "--help"], capture_output=True, text=True,
                                  timeout=10).stderr
            match = re.search(r"Version (\S+)", text)
            versions["virtuoso"] = match.group(1) if match else "unknown"
        except (OSError, subprocess.TimeoutExpired):
            versions["virtuoso"] = "unknown"
    return {"nproc": os.cpu_count(), "memory_bytes": memory, "cpu": cpu,
            "kernel": platform.release(), "python": platform.python_version(),
            "packages": versions, "loadavg": list(os.getloadavg())}


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (bytes) of a process, from /proc; empty if it is gone."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    except (OSError, ValueError):
        pass
    return out


def proc_pss(pid: int) -> int:
    """Proportional set size (bytes): shared pages counted once across the processes."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def children(pid: int) -> list[int]:
    """Direct children of a process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children(current))
    return out


def reset_peak(pid: int) -> bool:
    """Reset a process's VmHWM to its current RSS (``clear_refs`` 5); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the processes."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_idle(pids: Callable[[], list[int]], max_wait: float = 120.0) -> float:
    """Wait until the processes stop using CPU (a stopped request may still be computing on
    the server); return the seconds waited."""
    started = time.monotonic()
    previous = cpu_seconds(pids())
    while time.monotonic() - started < max_wait:
        time.sleep(0.5)
        current = cpu_seconds(pids())
        if current - previous < 0.05:
            break
        previous = current
    return time.monotonic() - started


def mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 2 ** 20:,.0f} MiB"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- canonical rows, so every backend's answer can be compared -------------------------------------


def _literal_key(lexical: str, language: str | None, datatype: str | None) -> str:
    if language:
        return f'"{lexical}"@{language.lower()}'
    if not datatype or datatype == XSD_STRING:
        return f'"{lexical}"'
    return f'"{lexical}"^^<{datatype}>'


def key_ox(term: Any) -> str:
    """A pyoxigraph term as a comparable string (blank nodes all alike)."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return _literal_key(term.value, term.language, term.datatype.value)
    return "_:"


def key_rdflib(term: Any) -> str:
    """An rdflib term as a comparable string."""
    from rdflib import Literal, URIRef

    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return _literal_key(str(term), term.language, str(term.datatype) if term.datatype
                            else None)
    return "_:"


def key_json(cell: dict[str, str] | None) -> str:
    """A SPARQL JSON results cell as a comparable string (Virtuoso's typed-literal too)."""
    if cell is None:
        return ""
    if cell["type"] == "uri":
        return f"<{cell['value']}>"
    if cell["type"] == "bnode":
        return "_:"
    return _literal_key(cell["value"], cell.get("xml:lang"), cell.get("datatype"))


def digest(rows: list[tuple[str, ...]]) -> str:
    """Order-free fingerprint of a result (the multiset of its rows)."""
    lines = sorted("\t".join(row) for row in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def rows_from_json(body: bytes) -> list[tuple[str, ...]]:
    data = json.loads(body)
    if "boolean" in data:
        return [(str(data["boolean"]).lower(),)]
    names = data["head"]["vars"]
    return [tuple(key_json(row.get(n)) for n in names) for row in data["results"]["bindings"]]


def rows_from_graph(body: bytes, media_type: str) -> list[tuple[str, ...]]:
    import pyoxigraph as ox

    fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "text/plain": ox.RdfFormat.N_TRIPLES}.get(media_type, ox.RdfFormat.N_TRIPLES)
    return sorted({(key_ox(q.subject), key_ox(q.predicate), key_ox(q.object))
                   for q in ox.parse(body, format=fmt)})


# -- the queries -----------------------------------------------------------------------------------


@dataclass
class BenchQuery:
    """One benchmark query: its SPARQL text, exactly as kg sends it to the store."""

    name: str
    kind: str  # "saved" or "browse"
    sparql: str
    form: str  # SELECT or CONSTRUCT
    api_path: str | None = None  # the saved-query API request for it
    page_size: int | None = None
    role: str = ""  # its role among the six reference queries


def saved_queries() -> list[BenchQuery]:
    """Every saved query with its first example bound as kg binds it (page 1)."""
    from kg.model.namespaces import IRIs
    from kg.sources.queries import bind, load_catalogue, paginate, with_values

    iris = IRIs()
    roles = {name: role for role, name in REFERENCE.items()}
    out = []
    for name, query in load_catalogue(ROOT / "queries").items():
        example = dict(query.examples[0]) if query.examples else {}
        terms = bind(query, example, iris)
        text = with_values(query.text, terms)
        if query.pagination:
            text = paginate(text, 1, query.pagination)
        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        ext = "ttl" if graph else "json"
        qs = urllib.parse.urlencode(example)
        out.append(BenchQuery(name, "saved", text, query.form,
                              f"/queries/{name}.{ext}" + (f"?{qs}" if qs else ""),
                              query.pagination, roles.get(name, "")))
    return out


def browse_queries(recorded: dict[str, list[str]]) -> list[BenchQuery]:
    """The main queries of the browse pages, as ``kg.web.views`` issues them."""
    def pick(view: str, marker: str) -> str:
        found = [q for q in recorded.get(view, []) if marker in q]
        if len(found) != 1:
            raise RuntimeError(f"cannot find the {view} page query with {marker!r}: "
                               f"{len(found)} matches in kg/web/views.py")
        return found[0]

    return [
        BenchQuery("browse:event-figures", "browse",
                   pick("event", "?claim ?figure ?stated ?measure"), "SELECT"),
        BenchQuery("browse:statement-claims", "browse",
                   pick("statement", "SELECT ?claim ?type ?sentence ?span"), "SELECT"),
        BenchQuery("browse:search-quotes", "browse", pick("search", "?quote ?statement"),
                   "SELECT"),
        BenchQuery("browse:search-labels", "browse", pick("search", "?x ?label ?type"),
                   "SELECT"),
        BenchQuery("browse:home-events", "browse", pick("home", "?event ?label (COUNT"),
                   "SELECT"),
    ]


# -- in-process backends in their own processes ----------------------------------------------------


def _run_once(kind: str, store: Any, sparql: str) -> tuple[float, list[tuple[str, ...]]]:
    """Evaluate one query and read every solution; the time excludes making comparable rows."""
    if kind == "oxigraph":
        import pyoxigraph as ox

        started = time.perf_counter()
        result = store.query(sparql, use_default_graph_as_union=True)
        if isinstance(result, ox.QuerySolutions):
            width = len(result.variables)
            raw = [tuple(solution[i] for i in range(width)) for solution in result]
        elif isinstance(result, ox.QueryBoolean):
            raw = [(bool(result),)]
        else:
            raw = [(t.subject, t.predicate, t.object) for t in result]
            elapsed = time.perf_counter() - started
            return elapsed, sorted({tuple(key_ox(t) for t in row) for row in raw})
        elapsed = time.perf_counter() - started
        if raw and isinstance(raw[0][0], bool):
            return elapsed, [(str(raw[0][0]).lower(),)]
        return elapsed, [tuple(key_ox(t) for t in row) for row in raw]
    started = time.perf_counter()
    result = store.query(sparql)
    if result.type == "ASK":
        raw_rows: list[tuple[Any, ...]] = [(bool(result.askAnswer),)]
    else:
        raw_rows = [tuple(row) for row in result]
    elapsed = time.perf_counter() - started
    if result.type == "ASK":
        return elapsed, [(str(raw_rows[0][0]).lower(),)]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return elapsed, sorted({tuple(key_rdflib(t) for t in row) for row in raw_rows})
    return elapsed, [tuple(key_rdflib(t) for t in row) for row in raw_rows]


def _probe(fn: Callable[[], dict[str, Any]], cap: float) -> dict[str, Any]:
    """Run ``fn`` in a forked child with a deadline (an in-process query cannot be stopped)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            payload = json.dumps(fn()).encode()
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            payload = json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}).encode()
        view = memoryview(payload)
        while view:
            written = os.write(write_end, view)
            view = view[written:]
        os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + cap
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_end], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    if timed_out:
        return {"timeout": True, "seconds": cap}
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return {"error": "the probe process ended without an answer (out of memory?)"}


class _Recorder:
    """A store that records the queries the browse views send (``kg.store.base.Store``-like)."""

    def __init__(self, store: Any, empty: Any) -> None:
        self.store = store
        self.empty = empty
        self.queries: list[str] = []
        self.execute = True

    def query(self, sparql: str, **_: Any) -> Any:
        self.queries.append(sparql)
        target = self.store if self.execute else self.empty
        return target.query(sparql, use_default_graph_as_union=True)

    def select(self, sparql: str, timeout: float | None = None) -> list[dict[str, Any]]:
        from kg.store.base import python_value

        result = self.query(sparql)
        names = [v.value for v in result.variables]
        return [{n: python_value(row[n]) for n in names} for row in result]


def record_views(store: Any) -> dict[str, list[str]]:
    """The queries each browse view sends for the benchmark's pages. Only the statement view
    runs on the data (its later queries depend on the first); the others run on an empty store,
    since their texts do not depend on results."""
    import pyoxigraph as ox

    from kg.model.namespaces import IRIs
    from kg.web.resources import Resources
    from kg.web.views import event_view, home_view, search_view, statement_view

    recorder = _Recorder(store, ox.Store())
    resources = Resources(recorder, IRIs())  # type: ignore[arg-type]
    out = {}
    for name, call, execute in (
        ("statement", lambda: statement_view(resources, PAGE_STATEMENT), True),
        ("event", lambda: event_view(resources, PAGE_EVENT), False),
        ("search", lambda: search_view(resources, PAGE_SEARCH), False),
        ("home", lambda: home_view(resources), False),
    ):
        recorder.queries, recorder.execute = [], execute
        call()
        out[name] = list(recorder.queries)
    return out


def worker_main(kind: str, data: Path) -> None:
    """A backend process: load the data, then answer JSON-line requests on stdin."""
    store: Any = None
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        message = json.loads(line)
        op = message["op"]
        try:
            if op == "load":
                started = time.perf_counter()
                if kind == "oxigraph":
                    import pyoxigraph as ox

                    store = ox.Store()
                    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
                    count = len(store)
                else:
                    import rdflib.plugins.sparql as rdflib_sparql
                    from rdflib import Dataset

                    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
                    store = Dataset(default_union=True)
                    store.parse(str(data), format="nquads")
                    count = len(store)
                reply: dict[str, Any] = {"seconds": time.perf_counter() - started,
                                         "quads": count}
            elif op in ("run", "probe"):
                sparql = message["sparql"]

                def once(sparql: str = sparql, store: Any = store) -> dict[str, Any]:
                    seconds, rows = _run_once(kind, store, sparql)
                    return {"seconds": seconds, "count": len(rows), "digest": digest(rows)}

                reply = once() if op == "run" else _probe(once, message["cap"])
            elif op == "views":
                reply = {"views": record_views(store)}
            elif op == "exit":
                break
            else:
                reply = {"error": f"unknown op {op!r}"}
        except Exception as exc:  # noqa: BLE001 - the parent records the error
            reply = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


class Worker:
    """The parent's handle on a backend process (rdflib or raw pyoxigraph)."""

    def __init__(self, kind: str, data: Path) -> None:
        self.kind = kind
        self.data = data
        self.process: subprocess.Popen | None = None
        self.baseline_rss = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, str(Path(__file__).resolve()), "--worker", self.kind, "--data",
             str(self.data)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1, cwd=ROOT)

    def call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            self.stop()
            return {"error": f"no answer within {timeout:.0f} s (process stopped)",
                    "timeout": True}
        line = process.stdout.readline()
        if not line:
            return {"error": "the backend process ended (out of memory?)"}
        return json.loads(line)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"op": "exit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                self.process.kill()
                self.process.wait()
        self.process = None


# -- HTTP ------------------------------------------------------------------------------------------


class HttpError(Exception):
    """The connection failed or closed before a whole response arrived."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Http:
    """A minimal HTTP/1.1 keep-alive client (cheap per request, so clients load the CPU little).

    A connection idle for more than ``IDLE`` seconds is replaced before reuse: kg's forked query
    processes inherit the gunicorn worker's client sockets, so a connection the worker drops
    after its 2 s keep-alive stays open, unanswered (a request sent on it hangs)."""

    IDLE = 1.0

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.reader: Any = None
        self.last = 0.0

    def _connect(self) -> None:
        self.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None

    def request(self, method: str, target: str, headers: dict[str, str] | None = None,
                body: bytes = b"", timeout: float | None = None) -> Response:
        head = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        if self.sock is not None and time.monotonic() - self.last > self.IDLE:
            self.close()
        for attempt in (0, 1):
            if self.sock is None:
                self._connect()
            assert self.sock is not None
            self.sock.settimeout(timeout or self.timeout)
            try:
                self.sock.sendall(payload)
                response = self._read()
                self.last = time.monotonic()
                return response
            except (HttpError, ConnectionError, BrokenPipeError) as exc:
                self.close()  # a keep-alive connection the server closed: try once more
                if attempt:
                    raise HttpError(str(exc)) from exc
            except OSError:
                self.close()
                raise
        raise HttpError("unreachable")

    def _read(self) -> Response:
        reader = self.reader
        status_line = reader.readline()
        if not status_line:
            raise HttpError("connection closed")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(reader.readline().split(b";")[0], 16)
                if size == 0:
                    while reader.readline() not in (b"\r\n", b""):
                        pass
                    break
                parts.append(reader.read(size))
                reader.readline()
            body = b"".join(parts)
        elif "content-length" in headers:
            body = reader.read(int(headers["content-length"]))
        else:
            body = reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body)


def wait_ready(port: int, path: str, process: subprocess.Popen | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    client = Http(port, timeout=10)
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            if client.request("GET", path, {"Accept": ACCEPT_RESULTS}).status == 200:
                client.close()
                return True
        except (OSError, HttpError):
            pass
        time.sleep(0.2)
    client.close()
    return False


# -- servers ---------------------------------------------------------------------------------------


class KgServer:
    """``kg serve`` (gunicorn) on a scratch store, as ``make run`` serves it."""

    def __init__(self, folder: Path, store: str, dataset: Path, plan: Plan,
                 extra: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.env = dict(os.environ, KG_HOME=str(ROOT), KG_STORE=store,
                        KG_BUILD_FILE=str(dataset), KG_QUERY_TIMEOUT=str(plan.cap),
                        KG_RESULT_LIMIT="10000000", KG_STORE_TIMEOUT=str(plan.cap),
                        **(extra or {}))
        self.dataset = dataset
        self.process: subprocess.Popen | None = None
        self.log: Any = None

    def load(self) -> dict[str, Any]:
        """``kg load`` the dataset: seconds and the peak RSS of the loading process."""
        started = time.perf_counter()
        process = subprocess.Popen(KG + ["load", "--force", str(self.dataset)], env=self.env,
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output = process.stdout.read().decode(errors="replace") if process.stdout else ""
        if process.stdout:
            process.stdout.close()
        if process.returncode:
            raise RuntimeError(f"kg load failed: {output[-2000:]}")
        return {"seconds": time.perf_counter() - started, "peak_rss": usage.ru_maxrss * 1024}

    def start(self, timeout: float) -> float:
        started = time.perf_counter()
        self.log = (self.folder / "server.log").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            KG + ["serve", "--no-build", "--port", str(self.port), "--workers", "auto"],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_ready(self.port, "/sparql?query=ASK%7B%7D", self.process, timeout):
            self.stop()
            text = (self.folder / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"kg serve did not start:\n{text}")
        return time.perf_counter() - started

    def workers(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def pids(self) -> list[int]:
        """The server's processes: gunicorn master, workers, forked query processes."""
        return tree(self.process.pid) if self.process else []

    def memory(self) -> dict[str, Any]:
        """Peak RSS of each worker (each holds a replica), and the tree's PSS now."""
        if self.process is None:
            return {}
        workers = self.workers()
        peaks = [proc_status(pid).get("VmHWM", 0) for pid in workers]
        pids = tree(self.process.pid)
        return {"worker_peak_rss": max(peaks, default=0), "workers_peak_rss": peaks,
                "processes": len(pids), "pss_total": sum(proc_pss(p) for p in pids),
                "peak_rss_total": sum(proc_status(p).get("VmHWM", 0) for p in pids),
                "layout": self.layout()}

    def layout(self) -> str:
        """The layout ``kg serve --workers auto`` chose, as it printed it."""
        text = (self.folder / "server.log").read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("serving with "):
                return line.removeprefix("serving with ")
        return ""

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(30)
                except subprocess.TimeoutExpired:
                    for pid in reversed(tree(self.process.pid)):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    self.process.wait()
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


class Virtuoso:
    """A throw-away Virtuoso (``tests/servers.py``), with buffers sized for the corpus."""

    def __init__(self, folder: Path, plan: Plan) -> None:
        sys.path.insert(0, str(ROOT / "tests"))
        from servers import VirtuosoServer  # tests/servers.py

        binary = shutil.which("virtuoso-t")
        if binary is None:
            raise RuntimeError("virtuoso-t is not installed (apt-get install "
                               "virtuoso-opensource)")
        self.server = VirtuosoServer(folder=folder, binary=binary, max_rows=10_000_000,
                                     max_seconds=int(plan.cap))
        self.buffers = 170_000 if plan.statements <= 30_000 else 680_000
        self.folder = folder

    @property
    def port(self) -> int:
        return self.server.http_port

    def start(self) -> float:
        started = time.perf_counter()
        self.server.write_ini()
        text = self.server.ini.read_text()
        text = re.sub(r"(?m)^NumberOfBuffers = .*$", f"NumberOfBuffers = {self.buffers}", text)
        text = re.sub(r"(?m)^MaxDirtyBuffers = .*$",
                      f"MaxDirtyBuffers = {self.buffers * 3 // 4}", text)
        text = re.sub(r"(?m)^MaxQueryMem = .*$", "MaxQueryMem = 2G", text)
        self.server.ini.write_text(text)
        try:
            self.server.start(timeout=180)
        except BaseException as exc:  # tests/servers.py fails through pytest (BaseException)
            raise RuntimeError(f"virtuoso-t did not start: {exc}") from None
        return time.perf_counter() - started

    def isql(self, sql: str, timeout: float = 3600) -> str:
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if isql is None:
            raise RuntimeError("isql-vt not found")
        done = subprocess.run([isql, f"127.0.0.1:{self.server.sql_port}", "dba", "dba",
                               f"exec={sql}"], capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed on {sql!r}: {done.stdout[-1000:]} "
                               f"{done.stderr[-1000:]}")
        return done.stdout

    def load(self, dataset: Path) -> dict[str, Any]:
        """Bulk-load the N-Quads file (``ld_dir`` + ``rdf_loader_run`` + checkpoint)."""
        target = self.folder / "corpus.nq"
        shutil.copyfile(dataset, target)
        started = time.perf_counter()
        self.isql(f"ld_dir('{self.folder}', 'corpus.nq', 'https://w3id.org/ekg/graph/unused');")
        self.isql("rdf_loader_run();")
        self.isql("checkpoint;")
        seconds = time.perf_counter() - started
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list "
                           "WHERE ll_error IS NOT NULL;")
        target.unlink(missing_ok=True)
        if "ll_error" in errors and re.search(r"\n\S+corpus\.nq", errors):
            raise RuntimeError(f"Virtuoso could not load the corpus: {errors[-1000:]}")
        return {"seconds": seconds}

    def pids(self) -> list[int]:
        process = self.server.process
        return [process.pid] if process is not None else []

    def memory(self) -> dict[str, Any]:
        process = self.server.process
        if process is None:
            return {}
        status = proc_status(process.pid)
        return {"peak_rss": status.get("VmHWM"), "rss": status.get("VmRSS"),
                "buffers": self.buffers}

    def stop(self) -> None:
        self.server.stop()


# -- backends as the measurement loop sees them ----------------------------------------------------


@dataclass
class Outcome:
    seconds: float
    count: int | None = None
    digest: str | None = None
    error: str | None = None
    timeout: bool = False


class Backend:
    """One way of answering the benchmark queries."""

    name = ""
    cached = False  # answers repeated requests from a cache (kg's saved-query API)

    def applies(self, query: BenchQuery) -> bool:
        return True

    def run(self, query: BenchQuery, cap: float, check: bool = False) -> Outcome:
        raise NotImplementedError

    def probe(self, query: BenchQuery, cap: float) -> Outcome:
        return self.run(query, cap, check=True)

    def settle(self) -> None:
        """After a stopped request: wait until the server stops computing."""


class WorkerBackend(Backend):
    """rdflib or raw pyoxigraph, in their own process."""

    def __init__(self, name: str, worker: Worker) -> None:
        self.name = name
        self.worker = worker

    def _outcome(self, reply: dict[str, Any], cap: float) -> Outcome:
        if reply.get("timeout"):
            return Outcome(cap, error=f"timeout (> {cap:g} s)", timeout=True)
        if "error" in reply:
            return Outcome(0.0, error=reply["error"])
        return Outcome(reply["seconds"], reply["count"], reply["digest"])

    def run(self, query: BenchQuery, cap: float, check: bool = False) -> Outcome:
        return self._outcome(self.worker.call({"op": "run", "sparql": query.sparql},
                                              cap * 2 + 30), cap)

    def probe(self, query: BenchQuery, cap: float) -> Outcome:
        return self._outcome(self.worker.call({"op": "probe", "sparql": query.sparql,
                                               "cap": cap}, cap + 60), cap)


class SparqlBackend(Backend):
    """A SPARQL endpoint over HTTP (kg's /sparql or Virtuoso's), form-encoded POST."""

    def __init__(self, name: str, port: int, send_timeout: bool = False,
                 pids: Callable[[], list[int]] | None = None) -> None:
        self.name = name
        self.http = Http(port)
        self.path = "/sparql"
        self.send_timeout = send_timeout  # Virtuoso's own time limit parameter (ms)
        self.pids = pids

    def settle(self) -> None:
        if self.pids is not None:
            wait_idle(self.pids)

    def run(self, query: BenchQuery, cap: float, check: bool = False) -> Outcome:
        form = {"query": query.sparql}
        if self.send_timeout:
            form["timeout"] = str(int(cap * 1000))
        body = urllib.parse.urlencode(form).encode()
        accept = ACCEPT_GRAPH if query.form in ("CONSTRUCT", "DESCRIBE") else ACCEPT_RESULTS
        sent = _timed(self.http, "POST", self.path, cap, {
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}, body)
        if isinstance(sent, Outcome):
            return sent
        return _http_outcome(*sent, query, check, cap)


def _timed(http: Http, method: str, path: str, cap: float, headers: dict | None = None,
           body: bytes = b"") -> tuple[Response, float] | Outcome:
    """Send one request; (response, seconds), or the Outcome of a failed or timed-out one."""
    started = time.perf_counter()
    try:
        response = http.request(method, path, headers or {}, body, timeout=cap + 5)
    except (OSError, HttpError) as exc:
        http.close()
        timeout = isinstance(exc, TimeoutError | socket.timeout)
        return Outcome(cap if timeout else 0.0, error=f"{type(exc).__name__}: {exc}",
                       timeout=timeout)
    return response, time.perf_counter() - started


class ApiBackend(Backend):
    """kg's saved-query API: ``GET /queries/<name>.json`` (``.ttl`` for graphs)."""

    def __init__(self, name: str, port: int, fallback: SparqlBackend | None = None,
                 pids: Callable[[], list[int]] | None = None, cached: bool = False) -> None:
        self.name = name
        self.http = Http(port)
        self.fallback = fallback
        self.pids = pids
        self.cached = cached

    def settle(self) -> None:
        if self.pids is not None:
            wait_idle(self.pids)

    def applies(self, query: BenchQuery) -> bool:
        return query.api_path is not None or self.fallback is not None

    def run(self, query: BenchQuery, cap: float, check: bool = False) -> Outcome:
        if query.api_path is None:
            assert self.fallback is not None
            return self.fallback.run(query, cap, check)
        sent = _timed(self.http, "GET", query.api_path, cap)
        if isinstance(sent, Outcome):
            return sent
        response, elapsed = sent
        if response.status != 200:
            return _http_failure(response, elapsed, cap)
        if not check:
            return Outcome(elapsed)
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            rows = rows_from_graph(response.body, "text/turtle")
            return Outcome(elapsed, len(rows), digest(rows))
        data = json.loads(response.body)
        return Outcome(elapsed, len(data["rows"]))


def _http_failure(response: Response, elapsed: float, cap: float) -> Outcome:
    text = " ".join(response.body[:300].decode(errors="replace").split())
    timeout = response.status == 503 and ("time limit" in text or "time" in text.lower())
    return Outcome(cap if timeout else elapsed, error=f"HTTP {response.status}: {text}",
                   timeout=timeout)


def _http_outcome(response: Response, elapsed: float, query: BenchQuery, check: bool,
                  cap: float) -> Outcome:
    if response.status != 200:
        return _http_failure(response, elapsed, cap)
    if response.headers.get("x-sql-state") or response.headers.get("x-sparql-maxrows"):
        return Outcome(cap, error="partial answer (Virtuoso: "
                       f"{response.headers.get('x-sql-state') or 'MaxRows'})", timeout=True)
    if not check:
        return Outcome(elapsed)
    media = response.headers.get("content-type", "").split(";")[0].strip()
    try:
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            rows = rows_from_graph(response.body, media)
        else:
            rows = rows_from_json(response.body)
    except (ValueError, SyntaxError, KeyError) as exc:
        return Outcome(elapsed, error=f"unreadable answer ({media}): {exc}"[:300])
    return Outcome(elapsed, len(rows), digest(rows))


# -- statistics ------------------------------------------------------------------------------------


def percentile(samples: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


@dataclass
class Timing:
    """Latencies of one query on one backend."""

    backend: str
    query: str
    samples: list[float] = field(default_factory=list)
    count: int | None = None
    digest: str | None = None
    error: str | None = None
    timeout: bool = False
    probe: float | None = None
    note: str = ""

    @property
    def p50(self) -> float | None:
        return percentile(self.samples, 0.5)

    @property
    def p95(self) -> float | None:
        return percentile(self.samples, 0.95)

    def summary(self) -> dict[str, Any]:
        return {"backend": self.backend, "query": self.query, "n": len(self.samples),
                "p50_ms": _ms(self.p50), "p95_ms": _ms(self.p95), "rows": self.count,
                "digest": self.digest, "error": self.error, "timeout": self.timeout,
                "probe_ms": _ms(self.probe), "note": self.note}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


WARM_UP = BenchQuery("warm-up", "warm-up", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                     "SELECT")


def measure(queries: list[BenchQuery], backends: list[Backend], reps: int, budget: float,
            cap: float, log: Callable[[str], None], warm: bool = True
            ) -> dict[tuple[str, str], Timing]:
    """Probe, warm up, then time every query on every backend, interleaving the backends.

    With ``warm``, every backend first reads all its data once (a count of all quads), so the
    first query measured does not pay for cold caches."""
    out: dict[tuple[str, str], Timing] = {}
    if warm:
        for backend in backends:
            if backend.applies(WARM_UP) and not isinstance(backend, ApiBackend):
                backend.run(WARM_UP, cap * 3)
    for query in queries:
        active: list[tuple[Backend, Timing, int]] = []
        for backend in backends:
            if not backend.applies(query):
                continue
            timing = Timing(backend.name, query.name)
            out[(backend.name, query.name)] = timing
            outcome = backend.probe(query, cap)
            timing.probe = outcome.seconds
            timing.count, timing.digest = outcome.count, outcome.digest
            if outcome.error:
                timing.error, timing.timeout = outcome.error, outcome.timeout
                if outcome.timeout:
                    backend.settle()
                continue
            if backend.cached:
                # the probe was a cache miss: fill the cache of both gunicorn workers, then
                # time the steady state (repeated requests), whatever the probe took
                backend.run(query, cap)
                backend.http.close()  # type: ignore[attr-defined]
                backend.run(query, cap)
                count = max(3, min(reps, int(budget / max(outcome.seconds, 1e-4))))
                active.append((backend, timing, count))
                continue
            if outcome.seconds * 3 > cap:
                timing.samples.append(outcome.seconds)  # slow: the probe is the one sample
                continue
            backend.run(query, cap)  # warm-up
            count = max(1, min(reps, int(budget / max(outcome.seconds, 1e-4))))
            active.append((backend, timing, count))
        for rep in range(max((c for _, _, c in active), default=0)):
            for backend, timing, count in active:
                if rep >= count or timing.error:
                    continue
                outcome = backend.run(query, cap)
                if outcome.error:
                    timing.error, timing.timeout = outcome.error, outcome.timeout
                    if outcome.timeout:
                        backend.settle()
                else:
                    timing.samples.append(outcome.seconds)
        log("  " + query.name.ljust(28) + " ".join(
            f"{t.backend}={_fmt(t)}" for (b, q), t in out.items() if q == query.name))
    return out


def _fmt(timing: Timing) -> str:
    if timing.error:
        return "timeout" if timing.timeout else "error"
    return f"{timing.p50 * 1000:.1f}ms" if timing.p50 is not None else "-"


# -- pages, throughput, dump -----------------------------------------------------------------------


def measure_pages(port: int, backend: str, reps: int, budget: float, cap: float,
                  pids: Callable[[], list[int]]) -> dict[str, Timing]:
    """Browse pages as HTML, like a browser asks for them. Page queries have no time limit in
    kg: after a page is stopped at the cap, wait (a minute at most) until the server is idle
    again before the next page; the heaviest pages come last."""
    client = Http(port)
    out = {}
    for index, (name, path) in enumerate(PAGES.items()):
        timing = Timing(backend, f"page:{name}")
        out[name] = timing
        deadline = time.monotonic() + budget
        for rep in range(reps + 1):
            started = time.perf_counter()
            try:
                response = client.request("GET", path, {"Accept": "text/html"}, timeout=cap)
            except (OSError, HttpError) as exc:
                client.close()
                timing.error = f"{type(exc).__name__}: {exc}"
                timing.timeout = isinstance(exc, TimeoutError | socket.timeout)
                if timing.timeout:
                    timing.probe = cap
                    timing.error = f"timeout (> {cap:g} s)"
                    if index < len(PAGES) - 1:
                        busy = wait_idle(pids, 20)
                        timing.note = (f"server busy {busy:.0f} s more" if busy < 19.5 else
                                       "server still busy after 20 s (later pages measured "
                                       "with a core taken)")
                break
            elapsed = time.perf_counter() - started
            if response.status != 200:
                timing.error = f"HTTP {response.status}"
                break
            if rep:
                timing.samples.append(elapsed)
            else:
                timing.probe = elapsed
                if elapsed * 2 > budget:
                    timing.samples.append(elapsed)
                    break
            if time.monotonic() > deadline and timing.samples:
                break
    client.close()
    return out


def throughput(port: int, path: str, clients: int, seconds: float,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Requests/s and latency percentiles with ``clients`` keep-alive connections."""
    stop = time.monotonic() + 1.0 + seconds
    measure_from = time.monotonic() + 1.0
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    max_requests = int(seconds * 20_000)

    def client(index: int) -> None:
        http = Http(port, timeout=30)
        done = 0
        while done < max_requests:
            now = time.monotonic()
            if now >= stop:
                break
            started = time.perf_counter()
            try:
                response = http.request("GET", path, headers)
                ok = response.status == 200
            except (OSError, HttpError):
                http.close()
                ok = False
            elapsed = time.perf_counter() - started
            if now >= measure_from:
                if ok:
                    latencies[index].append(elapsed)
                else:
                    errors[index] += 1
            done += 1
        http.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    samples = [s for per in latencies for s in per]
    return {"path": path, "clients": clients, "seconds": seconds, "requests": len(samples),
            "errors": sum(errors), "requests_per_s": round(len(samples) / seconds, 1),
            "p50_ms": _ms(percentile(samples, 0.5)), "p95_ms": _ms(percentile(samples, 0.95)),
            "p99_ms": _ms(percentile(samples, 0.99))}


def dump_memory(server: KgServer) -> dict[str, Any]:
    """Stream ``/downloads/kg.nq``; compare the bytes with the serving worker's RSS growth."""
    import http.client

    workers = server.workers()
    before = {pid: proc_status(pid).get("VmRSS", 0) for pid in workers}
    reset = all(reset_peak(pid) for pid in workers)
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            for pid in workers:
                peak[pid] = max(peak[pid], proc_status(pid).get("VmRSS", 0))

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    size = 0
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        connection.request("GET", "/downloads/kg.nq")
        response = connection.getresponse()
        status = response.status
        while True:
            chunk = response.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
        connection.close()
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    hwm = {pid: proc_status(pid).get("VmHWM", 0) for pid in workers}
    growth = max((max(peak[p], hwm[p] if reset else 0) - before[p] for p in workers), default=0)
    return {"status": status, "bytes": size, "seconds": round(seconds, 2),
            "mb_per_s": round(size / 2 ** 20 / seconds, 1) if seconds else None,
            "worker_rss_before": max(before.values(), default=0),
            "worker_peak_rss_during": max(max(peak.values(), default=0),
                                          max(hwm.values(), default=0) if reset else 0),
            "rss_growth": growth, "peak_reset": reset,
            "growth_share_of_dump": round(growth / size, 4) if size else None}


# -- ingest (build + SHACL + load) and a breakdown of one request ----------------------------------


def _top(profile: cProfile.Profile, count: int = 12) -> list[str]:
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream).sort_stats("tottime")
    stats.print_stats(count)
    lines = [line.rstrip() for line in stream.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return [re.sub(r"/\S*/site-packages/", "", re.sub(str(ROOT) + "/", "", line))
            for line in lines[start:start + count + 1]]


def ingest_main(statements: int, seed: int, yaml_dir: Path, folder: Path) -> None:
    """Ingest the annotation files as ``kg ingest`` does (kg.pipeline.ingest.Ingester: built
    and SHACL-checked in one worker process per core, loaded 100 per write into an
    on-disk embedded store), timed end to end; then, in this process, where one statement's
    time goes, and pyshacl's time on a sample for comparison. Prints one JSON object."""
    import generate

    from kg.pipeline.ingest import Ingester, default_jobs
    from kg.pipeline.validate import Validator, load_shapes
    from kg.sources.annotations import build_statement
    from kg.store import EmbeddedStore

    corpus = generate.corpus(statements, seed)
    shapes = load_shapes(ROOT / "shapes")
    reference = corpus.reference.graph
    ingester = Ingester(generate.IRIS, corpus.reference.ontology, reference, shapes)
    base = folder / "base.nq"
    base.write_text("\n".join(corpus.fixed_lines()) + "\n", encoding="utf-8")
    store = EmbeddedStore(folder / "store", lazy=True)  # as kg ingest opens it
    store.replace_all(base)
    files = sorted(yaml_dir.glob("*.yaml"))
    count = len(files)
    jobs = default_jobs()
    started = time.perf_counter()
    report = ingester.run(files, store, jobs=jobs)
    wall = time.perf_counter() - started
    peak = proc_status(os.getpid()).get("VmHWM")
    # One statement at a time, in this process: where the time goes.
    sample = files[: min(300, count)]
    times = {"build": 0.0, "shacl": 0.0, "serialize": 0.0}
    violations = 0
    batch: list[tuple[str, str]] = []
    for path in sample:
        t0 = time.perf_counter()
        built = build_statement(path, generate.IRIS, ingester.vocab, ingester.refs)
        t1 = time.perf_counter()
        findings = ingester.validator.check_statement(built.triples, built.statement_id,
                                                      ingester.context, reference)
        violations += sum(1 for f in findings if f.severity == "Violation")
        t2 = time.perf_counter()
        batch.append((str(built.graph_iri), built.triples.ntriples()))
        t3 = time.perf_counter()
        times["build"] += t1 - t0
        times["shacl"] += t2 - t1
        times["serialize"] += t3 - t2
    store.close()
    store = EmbeddedStore(folder / "sample", lazy=True)  # new statements, as in the run above
    store.replace_all(base)
    t0 = time.perf_counter()
    for start in range(0, len(batch), 100):
        store.replace_graphs(batch[start:start + 100])
    times["load"] = time.perf_counter() - t0
    store.close()
    pyshacl = Validator(shapes, corpus.reference.ontology, generate.IRIS, engine="pyshacl")
    pyshacl_context = pyshacl.context(reference)
    few = sample[:10]
    t0 = time.perf_counter()
    for path in few:
        built = build_statement(path, generate.IRIS, ingester.vocab, ingester.refs)
        pyshacl.check_statement(built.graph, built.statement_id, pyshacl_context, reference)
    pyshacl_ms = 1000 * (time.perf_counter() - t0) / len(few) - 1000 * times["build"] / len(sample)
    profile = cProfile.Profile()
    for path in sample[:10]:
        profile.enable()
        ingester.one(path)
        profile.disable()
    n = len(sample)
    print(json.dumps({
        "statements": count, "jobs": jobs, "loaded": len(report.loaded),
        "failed": len(report.failed), "violations": violations,
        "seconds": round(wall, 2),
        "combined_per_s": round(count / wall, 1) if wall else None,
        "sample": n, "engine": ingester.validator.engine,
        "per_statement_ms": {k: round(1000 * v / n, 2) for k, v in times.items()},
        "statements_per_s": {k: round(n / v, 1) for k, v in times.items() if v},
        "one_process_per_s": round(n / sum(times.values()), 1),
        "pyshacl_ms": round(pyshacl_ms, 1),
        "peak_rss": peak,
        "profiles": {"one statement": _top(profile)},
    }))


def breakdown_main(data: Path, names: list[str], reps: int) -> None:
    """Where one saved-query request's time goes, in-process: the query alone, kg's execute()
    (query + collect + SPARQL JSON), the fork executor (+ pickling and a pipe to the child),
    and the whole Flask request (+ parameter binding, JSON re-writing). Prints JSON."""
    from kg.model.namespaces import IRIs
    from kg.sources.queries import bind, load_catalogue
    from kg.store import EmbeddedStore
    from kg.web import create_app
    from kg.web.executor import ForkExecutor, QueryJob, execute

    store = EmbeddedStore(None)
    store.replace_all(data)
    app = create_app({"HOME": ROOT, "TESTING": True, "STORE_INSTANCE": store})
    client = app.test_client()
    fork = ForkExecutor(store, 1)
    queries = {q.name: q for q in saved_queries()}
    catalogue = load_catalogue(ROOT / "queries")
    state = app.extensions["kg"]
    out: dict[str, Any] = {}
    for name in names:
        query = queries[name]
        job = QueryJob(sparql=query.sparql, override="json", limit=10_000_000)

        def timed(fn: Callable[[], Any]) -> float:
            fn()
            samples = []
            for _ in range(reps):
                started = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - started)
            return statistics.median(samples)

        def raw(query: BenchQuery = query) -> None:
            list(store.oxigraph.query(query.sparql, use_default_graph_as_union=True))

        def flask(query: BenchQuery = query) -> None:
            assert query.api_path is not None
            response = client.get(query.api_path)
            assert response.status_code == 200, response.data[:200]

        spec = catalogue[name]
        example = dict(spec.examples[0]) if spec.examples else {}

        def binding(spec: Any = spec, example: dict[str, str] = example) -> None:
            allowed = {p.name: {o["value"] for o in state.param_values(spec.name, p.name)}
                       for p in spec.params if p.values_query}
            bind(spec, example, IRIs(), allowed)

        steps = {
            "bind_parameters": timed(binding),
            "query": timed(raw),
            "execute": timed(lambda job=job: execute(store, job)),
            "fork_executor": timed(lambda job=job: fork.run(job, 60)),
            "flask_request": timed(flask),
        }
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(reps):
            flask()
        profile.disable()
        out[name] = {"median_ms": {k: round(v * 1000, 3) for k, v in steps.items()},
                     "profile_flask_request": _top(profile, 15)}
    fork.close()
    print(json.dumps(out))


def run_json_subprocess(args: list[str], timeout: float) -> dict[str, Any]:
    """Run this script in another mode; its last stdout line is JSON."""
    try:
        done = subprocess.run([PYTHON, str(Path(__file__).resolve()), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode or not lines:
        return {"error": f"exit {done.returncode}: {done.stderr[-1500:]}"}
    return json.loads(lines[-1])


# -- targets ---------------------------------------------------------------------------------------


@dataclass
class Target:
    """One target of the issue, evaluated on this run's numbers."""

    name: str
    defined_at: int
    met: bool | None
    detail: str
    rows: list[str] = field(default_factory=list)


def _p50(results: dict[tuple[str, str], Timing], backend: str, query: str) -> float | None:
    timing = results.get((backend, query))
    if timing is None or timing.error:
        return None
    return timing.p50


def evaluate(results: dict[tuple[str, str], Timing], saved: list[BenchQuery],
             pages: dict[str, dict[str, Timing]], extra: dict[str, Any]) -> list[Target]:
    targets: list[Target] = []
    names = [q.name for q in saved]

    # 1. kg endpoint p50 <= 1.2 x raw Oxigraph + 2 ms, every saved query
    for channel in ("kg api", "kg sparql"):
        rows, misses, unknown = [], 0, 0
        for name in names:
            raw, kg = _value(results, "oxigraph", name), _value(results, channel, name)
            if raw.value is None or kg.value is None or (raw.stopped and kg.stopped):
                unknown += 1
                rows.append(f"{name}: not decidable (kg: {kg.text}; raw: {raw.text})")
                continue
            limit = 1.2 * raw.value + 0.002
            if kg.stopped:
                misses += 1
                rows.append(f"{name}: kg {kg.text}, limit {limit * 1000:.1f} ms (raw "
                            f"{raw.text}) -> missed by more than "
                            f"{(kg.value - limit) * 1000:,.0f} ms")
                continue
            ok = kg.value <= limit
            misses += not ok
            rows.append(f"{name}: {kg.text} vs limit {'>' if raw.stopped else ''}"
                        f"{limit * 1000:.1f} ms (raw {raw.text}) -> "
                        + ("met" if ok else f"missed by {(kg.value - limit) * 1000:.1f} ms "
                           f"({kg.value / limit:.2f}x the limit)"))
        targets.append(Target(
            f"kg endpoint ({channel}) p50 <= 1.2 x raw Oxigraph + 2 ms, every saved query",
            10_000, None if misses == 0 and unknown else misses == 0,
            f"{len(names) - misses - unknown} of {len(names)} met, {misses} missed, "
            f"{unknown} not decidable (both stopped at the cap)", rows))

    # 2. every saved query >= 20x faster than rdflib
    rows, misses, unknown = [], 0, 0
    for name in names:
        kg, lib = _value(results, "kg api", name), _value(results, "rdflib", name)
        if lib.value is None or kg.value is None or (lib.stopped and kg.stopped):
            unknown += 1
            rows.append(f"{name}: not decidable (rdflib: {lib.text}; kg: {kg.text})")
            continue
        ratio = lib.value / kg.value
        if kg.stopped:
            misses += 1
            rows.append(f"{name}: rdflib {lib.text}, kg {kg.text} -> missed (kg slower)")
        elif lib.stopped:
            ok = ratio >= 20
            unknown += not ok
            rows.append(f"{name}: rdflib {lib.text}, kg {kg.text} -> at least {ratio:,.0f}x"
                        + ("" if ok else " (not enough to tell)"))
        else:
            ok = ratio >= 20
            misses += not ok
            rows.append(f"{name}: rdflib {lib.text} / kg {kg.text} = {ratio:,.1f}x"
                        + ("" if ok else f" -> missed ({20 / ratio:.1f}x short)"))
    targets.append(Target("every saved query >= 20x faster than rdflib (kg api p50)", 10_000,
                          None if unknown == len(names) or (misses == 0 and unknown)
                          else misses == 0,
                          f"{len(names) - misses - unknown} met, {misses} missed, "
                          f"{unknown} not decidable", rows))

    # 3. at or ahead of Virtuoso on >= 4 of the 6 reference queries (kg /sparql vs Virtuoso)
    rows, ahead, decided = [], 0, 0
    for role, name in REFERENCE.items():
        kg, virtuoso = _value(results, "kg sparql", name), _value(results, "virtuoso", name)
        if kg.value is None or virtuoso.value is None or (kg.stopped and virtuoso.stopped):
            rows.append(f"{role} ({name}): not decidable (kg: {kg.text}; Virtuoso: "
                        f"{virtuoso.text})")
            continue
        decided += 1
        ok = (virtuoso.stopped or kg.value <= virtuoso.value * 1.05) and not kg.stopped
        ahead += ok
        rows.append(f"{role} ({name}): kg {kg.text}, Virtuoso {virtuoso.text} -> "
                    + ("at or ahead" if ok else
                       f"behind ({'more than ' if kg.stopped else ''}"
                       f"{kg.value / virtuoso.value:.1f}x)"))
    targets.append(Target("at or ahead of Virtuoso's endpoint (within 5%) on >= 4 of the 6 "
                          "reference queries", 10_000, None if decided == 0 else ahead >= 4,
                          f"{ahead} of 6 at or ahead ({decided} decidable)", rows))

    # 4. every saved query and browse page p95 < 1 s (kg, embedded)
    rows, over, failed = [], 0, 0
    checks = [(name, results.get(("kg api", name))) for name in names] + [
        (f"page {name}", timing) for name, timing in pages.get("kg", {}).items()]
    for name, timing in checks:
        if timing is None or (timing.error and not timing.timeout):
            failed += 1
            rows.append(f"{name}: {timing.error if timing else 'not run'}")
            continue
        p95 = None if timing.error else timing.p95
        if p95 is None or p95 >= 1:
            over += 1
            rows.append(f"{name}: " + (f"stopped after {timing.probe or 0:.0f} s" if p95 is None
                                        else f"p95 {p95:.2f} s -> missed by {p95 - 1:.2f} s"))
    targets.append(Target("every saved query and browse page p95 < 1 s (kg, embedded)", 100_000,
                          over == 0 and failed == 0, f"{len(checks) - over - failed} of "
                          f"{len(checks)} under 1 s, {over} over, {failed} failed", rows))

    # 5. throughput
    rows, ok_all = [], True
    for item in extra.get("throughput", {}).get("kg", []):
        ok = item["requests_per_s"] >= 1000 and not item["errors"]
        ok_all &= ok
        rows.append(f"{item['path']}: {item['requests_per_s']:,.0f} req/s, p50 "
                    f"{item['p50_ms']} ms, p95 {item['p95_ms']} ms, p99 {item['p99_ms']} ms, "
                    f"{item['errors']} errors" + ("" if ok else
                    f" -> missed by {1000 - item['requests_per_s']:,.0f} req/s "
                    f"({item['requests_per_s'] / 10:.0f}% of the target)"))
    targets.append(Target(">= 1,000 saved-query requests/s on small queries, 4 clients", 10_000,
                          ok_all if rows else None, "kg, embedded store", rows))

    # 6. ingest
    ingest = extra.get("ingest", {})
    rate = ingest.get("combined_per_s")
    targets.append(Target(">= 200 statements/s ingested (build + SHACL + load)", 10_000,
                          None if rate is None else rate >= 200,
                          "not measured" if rate is None else
                          f"{rate} statements/s with {ingest.get('jobs')} workers"
                          + ("" if rate >= 200 else f" -> missed ({200 / rate:.1f}x short)"),
                          [f"{k}: {v} statements/s ({ingest['per_statement_ms'][k]} ms each)"
                           for k, v in ingest.get("statements_per_s", {}).items()]
                          + [f"pyshacl instead of the compiled engine: "
                             f"{ingest.get('pyshacl_ms')} ms a statement"]))

    # 7. streaming dump
    dump = extra.get("dump", {})
    if dump.get("bytes"):
        share = dump["growth_share_of_dump"]
        targets.append(Target("dump streams: worker RSS growth well below the dump size "
                              "(<= 10%)", 100_000, share <= 0.10,
                              f"{mib(dump['bytes'])} streamed, worker RSS "
                              f"+{mib(dump['rss_growth'])} ({share:.1%} of the dump)"))
    return targets


@dataclass
class Value:
    """A p50 for a target: measured, or a lower bound when the query was stopped at the cap."""

    value: float | None
    stopped: bool
    text: str


def _value(results: dict[tuple[str, str], Timing], backend: str, query: str) -> Value:
    timing = results.get((backend, query))
    if timing is None:
        return Value(None, False, "not run")
    if timing.error:
        if timing.timeout and timing.probe:
            return Value(timing.probe, True, f"> {timing.probe:g} s (stopped)")
        return Value(None, False, f"failed: {timing.error[:120]}")
    if timing.p50 is None:
        return Value(None, False, "no samples")
    return Value(timing.p50, False, f"{timing.p50 * 1000:,.1f} ms")


def _why(results: dict[tuple[str, str], Timing], backend: str, query: str) -> str:
    timing = results.get((backend, query))
    if timing is None:
        return "not run"
    if timing.error:
        return timing.error
    return "no samples"


# -- the report ------------------------------------------------------------------------------------


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    if timing.error:
        return "timeout" if timing.timeout else "error"
    if timing.p50 is None:
        return "-"
    return f"{_short(timing.p50)}/{_short(timing.p95)}"


def _short(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 10:
        return f"{value:.0f}s"
    if value >= 1:
        return f"{value:.1f}s"
    return f"{value * 1000:.1f}" if value < 0.1 else f"{value * 1000:.0f}"


def table(results: dict[tuple[str, str], Timing], queries: list[BenchQuery],
          backends: list[str]) -> list[str]:
    """Latency table: p50/p95 in ms (s where marked), one row per query. "api 1st" is the
    first (uncached) request to the saved-query API; later ones may be cache hits."""
    width = max(len(q.name) + len(q.role) + 3 for q in queries) + 1
    columns = list(backends)
    if "kg api" in columns:
        columns.insert(columns.index("kg api") + 1, "api 1st")
    head = "query".ljust(width) + "rows".rjust(7) + "".join(b.rjust(14) for b in columns)
    lines = [head, "-" * len(head)]
    for query in queries:
        counts = {results[(b, query.name)].count for b in backends
                  if (b, query.name) in results and results[(b, query.name)].count is not None
                  and b not in ("kg api", "kg→virtuoso")}
        label = query.name + (f" [{query.role}]" if query.role else "")
        rows = "/".join(str(c) for c in sorted(counts)) if counts else "-"
        cells = []
        for column in columns:
            if column == "api 1st":
                first = results.get(("kg api", query.name))
                cells.append("-" if first is None or first.probe is None or
                             (first.error and not first.timeout) else
                             ("timeout" if first.timeout and not first.samples
                              else _short(first.probe)))
            else:
                cells.append(_cell(results.get((column, query.name))))
        lines.append(label.ljust(width)[:width] + rows.rjust(7)
                     + "".join(c.rjust(14) for c in cells))
    return lines


def check_rows(results: dict[tuple[str, str], Timing], queries: list[BenchQuery],
               backends: list[str]) -> list[str]:
    """Backends whose rows differ from raw Oxigraph's for the same query."""
    problems = []
    for query in queries:
        reference = results.get(("oxigraph", query.name))
        if reference is None or reference.digest is None:
            continue
        for backend in backends:
            timing = results.get((backend, query.name))
            if timing is None or timing.error or backend == "oxigraph":
                continue
            if backend in ("kg api", "kg→virtuoso") and query.api_path:
                expected = reference.count
                if query.page_size is not None and expected is not None:
                    expected = min(expected, query.page_size)
                if query.form == "SELECT" and timing.count != expected:
                    problems.append(f"{query.name}: {backend} returned {timing.count} rows, "
                                    f"expected {expected}")
                continue
            if timing.digest != reference.digest:
                problems.append(f"{query.name}: {backend} rows differ ({timing.count} rows vs "
                                f"{reference.count} on raw Oxigraph)")
    return problems


# -- main ------------------------------------------------------------------------------------------


class Run:
    """Everything one benchmark run starts, so that it is all stopped in the end."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n = args.statements
        self.plan = Plan.for_size(self.n)
        if args.reps:
            self.plan.reps = args.reps
        if args.rdflib:
            self.plan.rdflib_queries = args.rdflib
        if args.sequential:
            self.plan.sequential = True
        self.workers: list[Worker] = []
        self.servers: list[KgServer] = []
        self.virtuoso: Virtuoso | None = None
        self.folder = Path(tempfile.mkdtemp(prefix=f"kg-bench-{self.n}-"))
        self.report: dict[str, Any] = {"statements": self.n, "seed": args.seed}
        self.started = time.perf_counter()

    def log(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f}s] {text}", flush=True)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            server.stop()
        if self.virtuoso is not None:
            self.virtuoso.stop()
        logs = ROOT / "var" / "bench" / f"logs-{self.n}"
        shutil.rmtree(logs, ignore_errors=True)
        for source, name in ((self.folder / "kg" / "server.log", "kg.log"),
                             (self.folder / "kgv" / "server.log", "kg-virtuoso.log"),
                             (self.folder / "virtuoso" / "virtuoso.log", "virtuoso.log")):
            if source.exists():
                logs.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, logs / name)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- steps ------------------------------------------------------------------------------
    def corpus(self) -> Path:
        import generate

        out = ROOT / "var" / "bench"
        mean = self.args.claims_mean
        stem = f"{self.n}-s{self.args.seed}" + ("" if mean == 10 else f"-c{mean}")
        path = out / f"corpus-{stem}.nq"
        yaml_dir = out / f"yaml-{stem}"
        info = out / f"corpus-{stem}.json"
        wanted = self.plan.yaml_count
        have = len(list(yaml_dir.glob("*.yaml"))) if yaml_dir.is_dir() else 0
        if path.exists() and info.exists() and have == wanted and not self.args.regenerate:
            self.report["corpus"] = json.loads(info.read_text())
            self.log(f"corpus: reusing {path.name}")
        else:
            shutil.rmtree(yaml_dir, ignore_errors=True)
            self.log(f"corpus: generating {self.n} statements")
            made = generate.generate(self.n, self.args.seed, path, yaml_dir, wanted,
                                     claims_mean=mean)
            self.report["corpus"] = made.as_dict()
            info.write_text(json.dumps(made.as_dict(), indent=1))
        corpus = self.report["corpus"]
        self.log(f"corpus: {corpus['quads']:,} quads, {corpus['claims']:,} claims, "
                 f"{corpus['figures']:,} figures, {path.stat().st_size / 2 ** 20:,.0f} MiB")
        self.yaml_dir = yaml_dir
        return path

    def start_worker(self, kind: str, data: Path) -> Worker:
        worker = Worker(kind, data)
        worker.start()
        self.workers.append(worker)
        time.sleep(0.5)
        worker.baseline_rss = proc_status(worker.pid).get("VmRSS", 0)
        return worker

    def load_worker(self, worker: Worker, timeout: float) -> dict[str, Any]:
        reply = worker.call({"op": "load"}, timeout)
        if "error" in reply:
            raise RuntimeError(f"{worker.kind} could not load the corpus: {reply['error']}")
        status = proc_status(worker.pid)
        info = {"seconds": round(reply["seconds"], 2), "quads": reply["quads"],
                "peak_rss": status.get("VmHWM"), "rss": status.get("VmRSS"),
                "baseline_rss": worker.baseline_rss}
        self.log(f"{worker.kind}: loaded {reply['quads']:,} quads in {reply['seconds']:.1f} s, "
                 f"peak RSS {mib(info['peak_rss'])}")
        return info

    def main(self) -> int:
        plan = self.plan
        report = self.report
        report["machine"] = machine()
        report["plan"] = asdict(plan)
        self.log(f"machine: {report['machine']['nproc']} cores, "
                 f"{mib(report['machine']['memory_bytes'])}, {report['machine']['cpu']}, "
                 f"load {report['machine']['loadavg']}")
        data = self.corpus()
        saved = saved_queries()
        report["loads"] = {}
        report["memory"] = {}
        results: dict[tuple[str, str], Timing] = {}
        pages: dict[str, dict[str, Timing]] = {}
        extra: dict[str, Any] = {"throughput": {}}

        # raw pyoxigraph: also records the browse views' queries
        oxigraph = self.start_worker("oxigraph", data)
        report["loads"]["oxigraph"] = self.load_worker(oxigraph, 3600)
        views = oxigraph.call({"op": "views"}, 600)
        if "error" in views:
            raise RuntimeError(f"recording the browse views failed: {views['error']}")
        queries = saved + browse_queries(views["views"])
        report["queries"] = {q.name: {"kind": q.kind, "role": q.role, "api": q.api_path,
                                      "sparql": q.sparql} for q in queries}
        backends: list[Backend] = [WorkerBackend("oxigraph", oxigraph)]

        def stop_group(names: list[str]) -> None:
            if "oxigraph" in names:
                report["memory"]["oxigraph"] = report["loads"]["oxigraph"] | {
                    "peak_rss_end": proc_status(oxigraph.pid).get("VmHWM")}
                oxigraph.stop()

        if plan.sequential:
            self.log("measuring raw Oxigraph alone (sequential mode)")
            results.update(measure(queries, backends, plan.reps, plan.budget, plan.cap, self.log))
            stop_group(["oxigraph"])
            backends = []

        # kg with the embedded store
        kg = KgServer(self.folder / "kg", f"oxigraph:{self.folder}/kg/store", data, plan)
        (self.folder / "kg").mkdir()
        self.servers.append(kg)
        self.log("kg: kg load")
        load = kg.load()
        self.log(f"kg: loaded in {load['seconds']:.1f} s (peak RSS {mib(load['peak_rss'])}); "
                 "starting kg serve")
        # At 100k the replica takes about 7 minutes to load and the warm-up (saved queries,
        # the heaviest pages, the search index) about 3 more: 600 s was too short for both.
        load["serve_start_seconds"] = round(kg.start(1800), 2)
        report["loads"]["kg"] = load
        self.log(f"kg: serving after {load['serve_start_seconds']} s, {kg.memory()}")
        kg_pids = kg.pids
        kg_backends: list[Backend] = [SparqlBackend("kg sparql", kg.port, pids=kg_pids),
                                      ApiBackend("kg api", kg.port, pids=kg_pids, cached=True)]
        backends += kg_backends
        if plan.sequential:
            self.log("measuring kg alone (sequential mode)")
            results.update(measure(queries, kg_backends, plan.reps, plan.budget, plan.cap,
                                   self.log))
            self.kg_extras(kg, pages, extra, report)
            kg.stop()
            backends = []

        # Virtuoso's own endpoint, and kg in front of it
        kgv: KgServer | None = None
        if not self.args.skip_virtuoso:
            try:
                self.virtuoso = Virtuoso(self.folder / "virtuoso", plan)
                (self.folder / "virtuoso").mkdir()
                started = self.virtuoso.start()
                self.log(f"virtuoso: started in {started:.1f} s; bulk loading")
                vload = self.virtuoso.load(data)
                vload["start_seconds"] = round(started, 2)
                report["loads"]["virtuoso"] = vload
                self.log(f"virtuoso: loaded in {vload['seconds']:.1f} s, "
                         f"{self.virtuoso.memory()}")
                kgv = KgServer(self.folder / "kgv", f"sparql:http://127.0.0.1:"
                               f"{self.virtuoso.port}/sparql", data, plan)
                (self.folder / "kgv").mkdir()
                self.servers.append(kgv)
                report["loads"]["kg→virtuoso"] = {"serve_start_seconds": round(kgv.start(120),
                                                                                2)}
                virtuoso_pids = self.virtuoso.pids
                kgv_pids = kgv.pids

                def both() -> list[int]:
                    return kgv_pids() + virtuoso_pids()

                backends += [SparqlBackend("virtuoso", self.virtuoso.port, send_timeout=True,
                                           pids=virtuoso_pids),
                             ApiBackend("kg→virtuoso", kgv.port,
                                        SparqlBackend("kg→virtuoso", kgv.port, pids=both),
                                        pids=both)]
            except RuntimeError as exc:
                self.log(f"virtuoso: skipped: {exc}")
                report["virtuoso_error"] = str(exc)[:2000]
        if backends:
            self.log(f"measuring {len(queries)} queries on {', '.join(b.name for b in backends)}")
            results.update(measure(queries, backends, plan.reps, plan.budget, plan.cap, self.log))
        if not plan.sequential:
            stop_group(["oxigraph"])
            self.kg_extras(kg, pages, extra, report)
        if kgv is not None:
            if plan.remote_pages:
                self.log("kg→virtuoso: pages")
                pages["kg→virtuoso"] = measure_pages(kgv.port, "kg→virtuoso", plan.reps,
                                                     plan.budget, plan.cap, both)
            extra["throughput"]["virtuoso"] = []
            if self.virtuoso is not None:
                for name in SMALL:
                    query = next(q for q in saved if q.name == name)
                    path = "/sparql?" + urllib.parse.urlencode({"query": query.sparql})
                    if len(path) < 7000:
                        item = throughput(self.virtuoso.port, path, 4,
                                          plan.throughput_seconds, {"Accept": ACCEPT_RESULTS})
                        item["path"] = f"virtuoso /sparql: {name}"
                        extra["throughput"]["virtuoso"].append(item)
                report["memory"]["virtuoso"] = self.virtuoso.memory()
            report["memory"]["kg→virtuoso"] = kgv.memory()
        for server in self.servers:
            server.stop()
        if self.virtuoso is not None:
            self.virtuoso.stop()

        # rdflib, alone
        lib_queries = {"all": queries, "reference": [q for q in queries if q.role],
                       "none": []}[plan.rdflib_queries]
        if lib_queries:
            worker = self.start_worker("rdflib", data)
            try:
                report["loads"]["rdflib"] = self.load_worker(worker, 7200)
                self.log(f"rdflib: measuring {len(lib_queries)} queries")
                results.update(measure(lib_queries, [WorkerBackend("rdflib", worker)],
                                       plan.rdflib_reps, plan.rdflib_budget, plan.rdflib_cap,
                                       self.log, warm=False))
                report["memory"]["rdflib"] = report["loads"]["rdflib"] | {
                    "peak_rss_end": proc_status(worker.pid).get("VmHWM")}
            finally:
                worker.stop()
        report["rdflib_scope"] = {
            "all": "every query", "reference": "the six reference queries only (rdflib is too "
            "slow at this size for the whole set within the time budget)",
            "none": "skipped at this size (rdflib cannot load it in reasonable time and "
                    "memory)"}[plan.rdflib_queries]

        # ingest and the request breakdown, each in a process of its own
        self.log(f"ingest: {plan.yaml_count} annotation files")
        extra["ingest"] = run_json_subprocess(
            ["--ingest", "--statements", str(self.n), "--seed", str(self.args.seed),
             "--yaml-dir", str(self.yaml_dir), "--folder", str(self.folder)], 3600)
        self.log(f"ingest: {extra['ingest'].get('combined_per_s')} statements/s "
                 f"{extra['ingest'].get('statements_per_s')}")
        self.log("breakdown of small saved-query requests")
        extra["breakdown"] = run_json_subprocess(
            ["--breakdown", "--data", str(data), "--queries", ",".join(SMALL),
             "--reps", "30" if self.n <= 2_000 else "10"], 3600)

        # report
        report["finished_loadavg"] = list(os.getloadavg())
        report["results"] = [t.summary() for t in results.values()]
        report["pages"] = {b: [t.summary() for t in ts.values()] for b, ts in pages.items()}
        report["throughput"] = extra["throughput"]
        report["dump"] = extra.get("dump")
        report["ingest"] = extra["ingest"]
        report["breakdown"] = extra["breakdown"]
        names = ["rdflib", "oxigraph", "kg sparql", "kg api", "virtuoso", "kg→virtuoso"]
        shown = [n for n in names if any(b == n for b, _ in results)]
        report["row_check"] = check_rows(results, queries, shown)
        targets = evaluate(results, saved, pages, extra)
        report["targets"] = [asdict(t) for t in targets]
        report["seconds"] = round(time.perf_counter() - self.started, 1)
        out = ROOT / "var" / "bench" / f"results-{self.n}.json"
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
        print()
        print(render(report, results, queries, shown, pages, targets))
        print(f"\nwritten: {out.relative_to(ROOT)}")
        return 0

    def kg_extras(self, kg: KgServer, pages: dict[str, dict[str, Timing]],
                  extra: dict[str, Any], report: dict[str, Any]) -> None:
        """Throughput, the streamed dump and the browse pages on kg with the embedded store,
        pages last (a stopped page keeps a worker busy until it finishes); then stop kg."""
        plan = self.plan
        extra["throughput"]["kg"] = []
        for name in SMALL:
            query = next(q for q in saved_queries() if q.name == name)
            assert query.api_path is not None
            self.log(f"kg: throughput, 4 clients, {query.api_path}")
            extra["throughput"]["kg"].append(throughput(kg.port, query.api_path, 4,
                                                        plan.throughput_seconds))
            self.log(f"  {extra['throughput']['kg'][-1]}")
        self.log("kg: streaming /downloads/kg.nq")
        extra["dump"] = dump_memory(kg)
        self.log(f"  {extra['dump']}")
        self.log("kg: pages")
        pages["kg"] = measure_pages(kg.port, "kg", plan.reps, plan.budget, plan.cap, kg.pids)
        report["memory"]["kg"] = report["loads"]["kg"] | kg.memory()
        kg.stop()


def render(report: dict[str, Any], results: dict[tuple[str, str], Timing],
           queries: list[BenchQuery], shown: list[str], pages: dict[str, dict[str, Timing]],
           targets: list[Target]) -> str:
    m = report["machine"]
    corpus = report["corpus"]
    lines = [
        f"kg benchmark: {report['statements']:,} statements ({corpus['quads']:,} quads, "
        f"{corpus['claims']:,} claims, {corpus['figures']:,} figures), seed {report['seed']}",
        f"machine: {m['nproc']} cores, {mib(m['memory_bytes'])}, {m['cpu']}, Linux "
        f"{m['kernel']}, Python {m['python']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"load average: start {' '.join(f'{x:.2f}' for x in m['loadavg'])}, end "
        f"{' '.join(f'{x:.2f}' for x in report['finished_loadavg'])}",
        f"run time: {report['seconds']:.0f} s; rdflib: {report['rdflib_scope']}",
        "",
        "Loading (seconds; peak RSS of the process holding the data)",
    ]
    for name, info in report["loads"].items():
        memory = report["memory"].get(name, {})
        peak = memory.get("worker_peak_rss") or memory.get("peak_rss_end") or \
            memory.get("peak_rss") or info.get("peak_rss")
        parts = [f"{k}={v}" for k, v in info.items() if k.endswith("seconds")]
        if name == "kg":
            parts.append(f"kg load peak {mib(info.get('peak_rss'))}, per worker "
                         f"{', '.join(mib(x) for x in memory.get('workers_peak_rss', []))}, "
                         f"tree PSS {mib(memory.get('pss_total'))}; {memory.get('layout')}")
        else:
            parts.append(f"peak RSS {mib(peak)}")
        lines.append(f"  {name:12s} " + ", ".join(parts))
    lines += ["", "Latency p50/p95 in ms (s where marked), after a warm-up; 'rows' = result "
              "size", *table(results, queries, shown)]
    lines += ["", "Browse pages over HTTP (HTML), p50/p95"]
    for backend, timings in pages.items():
        lines.append(f"  {backend:12s} " + ", ".join(f"{n}: {_cell(t)}"
                                                     for n, t in timings.items()))
    lines += ["", "Throughput, 4 keep-alive clients"]
    for backend, items in report["throughput"].items():
        for item in items:
            lines.append(f"  {backend:10s} {item['path'][:70]}: {item['requests_per_s']:,.0f} "
                         f"req/s, p50 {item['p50_ms']} ms, p95 {item['p95_ms']} ms, p99 "
                         f"{item['p99_ms']} ms, errors {item['errors']}")
    ingest = report.get("ingest") or {}
    if "statements_per_s" in ingest:
        lines += ["", f"Ingest ({ingest['statements']} statements as kg ingest does it: "
                      f"{ingest['jobs']} workers, 100 per write, on-disk store): "
                      f"{ingest['combined_per_s']} statements/s in {ingest['seconds']} s; "
                      f"one process, {ingest['sample']} statements: "
                      + ", ".join(f"{k} {v}/s ({ingest['per_statement_ms'][k]} ms)"
                                  for k, v in ingest["statements_per_s"].items())
                      + f" = {ingest['one_process_per_s']}/s; SHACL engine "
                        f"{ingest['engine']} (pyshacl: {ingest['pyshacl_ms']} ms); "
                        f"violations: {ingest['violations']}"]
    dump = report.get("dump")
    if dump:
        lines += ["", f"Dump /downloads/kg.nq: {mib(dump['bytes'])} in {dump['seconds']} s; "
                      f"worker RSS {mib(dump['worker_rss_before'])} -> peak "
                      f"{mib(dump['worker_peak_rss_during'])} (+{mib(dump['rss_growth'])})"]
    breakdown = report.get("breakdown") or {}
    for name, item in breakdown.items():
        if isinstance(item, dict) and "median_ms" in item:
            lines.append(f"Request breakdown {name} (in-process medians, ms): " + ", ".join(
                f"{k} {v}" for k, v in item["median_ms"].items()))
    if report.get("row_check"):
        lines += ["", "Row check: differences from raw Oxigraph"] + [
            f"  {p}" for p in report["row_check"]]
    else:
        lines += ["", "Row check: every backend returned the same rows as raw Oxigraph"]
    lines += ["", "Targets"]
    for target in targets:
        status = {True: "MET", False: "MISSED", None: "n/a"}[target.met]
        scope = "" if target.defined_at == report["statements"] else \
            f" (target set for {target.defined_at:,} statements)"
        lines.append(f"  [{status}] {target.name}{scope}: {target.detail}")
        lines.extend(f"      {row}" for row in target.rows)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--claims-mean", type=int, default=10,
                        help="mean claims per statement (4 makes 100k statements ~18M quads)")
    parser.add_argument("--reps", type=int, help="timed repetitions per query and backend")
    parser.add_argument("--rdflib", choices=["all", "reference", "none"],
                        help="which queries rdflib runs (default depends on the size)")
    parser.add_argument("--skip-virtuoso", action="store_true")
    parser.add_argument("--sequential", action="store_true",
                        help="one backend up at a time (the default above 30,000 statements)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the corpus")
    parser.add_argument("--worker", choices=["oxigraph", "rdflib"], help=argparse.SUPPRESS)
    parser.add_argument("--ingest", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--breakdown", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--yaml-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.data)
        return 0
    if args.ingest:
        folder = Path(tempfile.mkdtemp(prefix="ingest-", dir=args.folder))
        try:
            ingest_main(args.statements, args.seed, args.yaml_dir, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
    if args.breakdown:
        breakdown_main(args.data, args.queries.split(","), args.reps or 30)
        return 0
    run = Run(args)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run.main()
    finally:
        run.close()
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
