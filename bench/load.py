"""The kg load harness: a mix of saved queries, browse pages, SPARQL queries and exports.

Run from the repository root (see bench/README.md)::

    .venv/bin/python bench/load.py                                # its own server
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000     # a running `make run`

Without ``--url`` it starts ``kg serve --host 127.0.0.1 --port <free port>`` as ``make run``
does (build the shipped graph, load it, gunicorn with 2 workers), on a scratch store and build
file, with a short query time limit (``KG_QUERY_TIMEOUT``, ``--query-timeout``), and stops it
at the end. Traffic goes to 127.0.0.1 only.

``--clients`` keep-alive clients send a weighted random mix (a fixed seed): saved queries
through the JSON API, browse pages (home, search, statement, event and other ``/id/`` pages),
SPARQL queries (GET and POST, SELECT, ASK, CONSTRUCT) and exports (per-statement graphs,
content-negotiated Turtle and JSON-LD of resources, the download list, VoID). Every answer must
be 200 with a non-empty body; anything else is an error, reported by URL.

- warm-up: every distinct request of the mix (caches filled, every URL checked);
- phase A: the mix alone, until ``--requests`` requests or ``--seconds`` seconds;
- phase B: the same mix while one more client sends a SPARQL query that runs past the time
  limit, again and again (each must be answered 503). Phase B lasts at least until the first
  slow query is answered (within ``--seconds``).

It reports requests, errors, throughput and p50/p95/p99 latency (nearest rank) overall and per
kind, the slow queries (503s and their latency), the mix requests that completed while each
slow query ran, the ratio p99(B)/p99(A) against the target (at most 2), and the peak RSS of the
server's processes. It prints a table, writes ``var/bench/load.json`` and exits 1 if any request
of the mix failed, 2 if a slow query was not answered 503.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import run as bench  # noqa: E402 - bench/run.py: the HTTP client, server and /proc helpers

KINDS = ("saved", "page", "sparql", "export")
#: Share of each kind of request in the mix.
WEIGHTS = {"saved": 3.0, "page": 3.0, "sparql": 2.5, "export": 1.5}
TARGET = 2.0  # p99 of the mix with the slow query / p99 without it, at most
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SEARCH_WORDS = ("missing", "Khojaly", "refugees", "ceasefire", "killed", "Ukraine",
                "humanitarian", "Security Council")
#: Event pages of hierarchy roots with more narrower events than this, and the delegations'
#: own pages, take seconds (browse pages have no time limit; see bench/run.py): left out.
MAX_NARROWER = 20
PER_TYPE = 4  # other /id/ pages: this many of each type
EVENT_PAGES = 24  # event pages: this many events
EKG = "https://w3id.org/ekg/ont#"
PREFIXES = ("PREFIX ekg: <https://w3id.org/ekg/ont#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
JSON_RESULTS = "application/sparql-results+json"
HTML = "text/html"


# -- the mix ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request of the mix."""

    kind: str  # saved, page, sparql or export
    name: str  # what it is, e.g. "saved:accusations", "page:event"
    method: str
    path: str
    accept: str = "*/*"
    content_type: str | None = None
    body: bytes = b""

    @property
    def url(self) -> str:
        if self.method == "POST":
            return f"POST {self.path} [{self.content_type}] {self.body[:80].decode()!r}"
        return f"GET {self.path}"

    def send(self, http: bench.Http, timeout: float) -> bench.Response:
        headers = {"Accept": self.accept}
        if self.content_type:
            headers["Content-Type"] = self.content_type
        return http.request(self.method, self.path, headers, self.body, timeout=timeout)


def _sparql_get(kind: str, name: str, query: str, accept: str = JSON_RESULTS) -> Request:
    return Request(kind, name, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                   accept)


def _sparql_form(kind: str, name: str, query: str, accept: str = JSON_RESULTS) -> Request:
    return Request(kind, name, "POST", "/sparql", accept, "application/x-www-form-urlencoded",
                   urllib.parse.urlencode({"query": query}).encode())


def _sparql_direct(kind: str, name: str, query: str, accept: str = JSON_RESULTS) -> Request:
    return Request(kind, name, "POST", "/sparql", accept, "application/sparql-query",
                   query.encode())


class Discovery:
    """Finds what to ask for: the saved queries and IRIs, from the server itself."""

    def __init__(self, http: bench.Http) -> None:
        self.http = http

    def get_json(self, path: str) -> Any:
        response = self.http.request("GET", path, {"Accept": "application/json"}, timeout=60)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: status {response.status}")
        return json.loads(response.body)

    def select(self, query: str) -> list[dict[str, str]]:
        response = _sparql_form("discovery", "discovery", PREFIXES + query).send(self.http, 60)
        if response.status != 200:
            raise RuntimeError(f"discovery query failed ({response.status}): {query}")
        return [{k: v["value"] for k, v in row.items()}
                for row in json.loads(response.body)["results"]["bindings"]]


def _id_path(iri: str) -> str | None:
    """The server path of an IRI of the graph's ``id/`` space (``/id/event/...``)."""
    _, found, rest = iri.partition("/id/")
    return f"/id/{rest}" if found and "#" not in rest else None


def build_mix(http: bench.Http, seed: int) -> dict[str, list[Request]]:
    """Every request of the mix, by kind, discovered from the server (deterministic)."""
    from kg.sources.queries import load_catalogue

    found = Discovery(http)
    rng = random.Random(seed)
    mix: dict[str, list[Request]] = {kind: [] for kind in KINDS}

    # saved queries: the server's catalogue, with the examples of the shipped query files
    examples = {name: q.examples for name, q in load_catalogue(ROOT / "queries").items()}
    for entry in found.get_json("/queries.json"):
        name = entry["name"]
        required = [p["name"] for p in entry["parameters"] if p["required"]]
        cases = [e for e in examples.get(name, []) if all(r in e for r in required)]
        if not cases and not required:
            cases = [{}]
        suffixes = ("ttl", "jsonld") if entry["form"] in ("CONSTRUCT", "DESCRIBE") else ("json",)
        for case in cases:
            query = urllib.parse.urlencode(case)
            for suffix in suffixes:
                mix["saved"].append(Request(
                    "saved", f"saved:{name}", "GET",
                    f"/queries/{name}.{suffix}" + (f"?{query}" if query else ""),
                    "application/json"))

    # IRIs
    statements = found.select("SELECT ?s ?g WHERE { GRAPH ?g { ?s a ekg:Statement } } ORDER BY ?s")
    events = found.select(
        "SELECT ?e (COUNT(DISTINCT ?sub) AS ?n) WHERE { ?e a ekg:EventReference "
        "OPTIONAL { ?sub ekg:withinEvent ?e FILTER(?sub != ?e) } } GROUP BY ?e ORDER BY ?e")
    delegations = {r["d"] for r in found.select(
        "SELECT DISTINCT ?d WHERE { ?s a ekg:Statement ; ekg:delegation ?d }")}
    others: list[tuple[str, str]] = []
    for kind in ("MemberState", "Place", "Person", "Organisation", "Meeting", "FigureClaim",
                 "AccusationClaim"):
        iris = sorted(r["x"] for r in found.select(f"SELECT ?x WHERE {{ ?x a ekg:{kind} }}")
                      if r["x"] not in delegations and _id_path(r["x"]))
        others += [(kind, iri) for iri in rng.sample(iris, min(PER_TYPE, len(iris)))]
    statement_paths = [(_id_path(r["s"]), r["g"]) for r in statements if _id_path(r["s"])]
    event_paths = [p for r in events if int(r["n"]) <= MAX_NARROWER
                   for p in [_id_path(r["e"])] if p]
    if not statement_paths or not event_paths:
        raise RuntimeError("the server holds no statements or no events to browse")

    # browse pages
    mix["page"].append(Request("page", "page:home", "GET", "/", HTML))
    mix["page"] += [Request("page", "page:search", "GET",
                            "/search?" + urllib.parse.urlencode({"q": word}), HTML)
                    for word in SEARCH_WORDS]
    mix["page"] += [Request("page", "page:statement", "GET", path, HTML)
                    for path, _ in statement_paths]
    mix["page"] += [Request("page", "page:event", "GET", path, HTML)
                    for path in sorted(rng.sample(event_paths, min(EVENT_PAGES, len(event_paths))))]
    mix["page"] += [Request("page", f"page:{kind}", "GET", _id_path(iri) or "", HTML)
                    for kind, iri in others]
    mix["page"].append(Request("page", "page:queries", "GET", "/queries", HTML))

    # SPARQL: small SELECT, ASK and CONSTRUCT queries, by GET and both kinds of POST
    some_statements = rng.sample([r["s"] for r in statements], min(6, len(statements)))
    some_events = rng.sample([r["e"] for r in events if int(r["n"]) <= MAX_NARROWER],
                             min(6, len(event_paths)))
    sparql = mix["sparql"]
    sparql.append(_sparql_get("sparql", "sparql:select-get", PREFIXES +
                              "SELECT ?s ?label WHERE { ?s a ekg:Statement ; rdfs:label ?label } "
                              "ORDER BY ?s LIMIT 10"))
    sparql.append(_sparql_get("sparql", "sparql:select-get-csv", PREFIXES +
                              "SELECT ?e ?label WHERE { ?e a ekg:EventReference ; "
                              "rdfs:label ?label } ORDER BY ?label LIMIT 20", "text/csv"))
    sparql.append(_sparql_form("sparql", "sparql:select-post", PREFIXES +
                               "SELECT ?type (COUNT(?c) AS ?n) WHERE { ?c a ekg:Claim , ?type } "
                               "GROUP BY ?type ORDER BY DESC(?n)"))
    for iri in some_statements:
        sparql.append(_sparql_get("sparql", "sparql:ask-get", PREFIXES +
                                  f"ASK {{ <{iri}> a ekg:Statement }}"))
        sparql.append(_sparql_direct("sparql", "sparql:construct-post", PREFIXES +
                                     f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}",
                                     "text/turtle"))
    for iri in some_events:
        sparql.append(_sparql_form("sparql", "sparql:select-post", PREFIXES +
                                   f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 50"))
        sparql.append(_sparql_direct("sparql", "sparql:select-post-direct", PREFIXES +
                                     f"SELECT ?claim WHERE {{ ?claim ?p <{iri}> }} LIMIT 20"))

    # exports: per-statement graphs, resources by content negotiation and by suffix, VoID
    export = mix["export"]
    export.append(Request("export", "export:downloads", "GET", "/downloads", HTML))
    export.append(Request("export", "export:void", "GET", "/.well-known/void", "text/turtle"))
    for path, graph in rng.sample(statement_paths, min(6, len(statement_paths))):
        graph_path = _graph_path(graph)
        if graph_path:
            export += [Request("export", f"export:graph.{ext}", "GET", f"{graph_path}.{ext}")
                       for ext in ("ttl", "jsonld", "nt")]
        export.append(Request("export", "export:turtle", "GET", path, "text/turtle"))
        export.append(Request("export", "export:jsonld", "GET", path, "application/ld+json"))
        export.append(Request("export", "export:suffix", "GET", f"{path}.ttl"))
    for path in rng.sample(event_paths, min(6, len(event_paths))):
        export.append(Request("export", "export:turtle", "GET", path, "text/turtle"))
        export.append(Request("export", "export:jsonld", "GET", path, "application/ld+json"))
    return mix


def _graph_path(iri: str) -> str | None:
    _, found, rest = iri.partition("/graph/")
    return f"/graph/{rest}" if found else None


# -- clients ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    """One answered (or failed) request."""

    kind: str
    name: str
    url: str
    start: float  # seconds since the phase began
    seconds: float
    status: int | None
    error: str | None = None


def _one(http: bench.Http, request: Request, origin: float, timeout: float,
         expect: int = 200) -> Sample:
    started = time.monotonic()
    status = None
    error = None
    try:
        response = request.send(http, timeout)
        status = response.status
        if status != expect:
            error = f"status {status}"
        elif not response.body:
            error = "empty body"
    except (OSError, bench.HttpError, ValueError) as exc:
        http.close()
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    elapsed = time.monotonic() - started
    return Sample(request.kind, request.name, request.url, started - origin, elapsed, status,
                  error)


class _Abortable(bench.Http):
    """A client whose request in flight can be given up from another thread (no retry)."""

    aborted = False

    def _connect(self) -> None:
        if self.aborted:
            raise bench.HttpError("given up")
        super()._connect()

    def abort(self) -> None:
        self.aborted = True
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@dataclass
class Bounds:
    """Tickets for at most ``requests`` requests before ``deadline``; in phase B not before
    ``hold`` is set (the first slow query answered)."""

    requests: int
    deadline: float
    hold: threading.Event | None = None
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        with self.lock:
            if self.issued >= self.requests and (self.hold is None or self.hold.is_set()):
                return False
            self.issued += 1
            return True


def _choose(rng: random.Random, mix: dict[str, list[Request]]) -> Request:
    kinds = [k for k in KINDS if mix.get(k)]
    kind = rng.choices(kinds, [WEIGHTS[k] for k in kinds])[0]
    return rng.choice(mix[kind])


@dataclass
class Options:
    """What to run (see ``main`` for the command-line options)."""

    url: str | None = None
    clients: int = 4
    requests: int = 2000  # per phase
    seconds: float = 30.0  # per phase
    seed: int = 1
    query_timeout: float = 5.0  # the server's KG_QUERY_TIMEOUT (set on its own server)
    slow: bool = True  # run phase B
    out: Path | None = ROOT / "var" / "bench" / "load.json"
    quiet: bool = False


class Memory:
    """Samples the server's processes' peak RSS (``VmHWM``) from /proc while it runs."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peaks: dict[str, dict[int, int]] = {"master": {}, "workers": {}, "query": {}}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        if self.pid is None:
            return
        workers = bench.children(self.pid)
        roles = [("master", [self.pid]), ("workers", workers),
                 ("query", [c for w in workers for c in bench.children(w)])]
        for role, pids in roles:
            for pid in pids:
                peak = bench.proc_status(pid).get("VmHWM", 0)
                self.peaks[role][pid] = max(peak, self.peaks[role].get(pid, 0))

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def __enter__(self) -> Memory:
        if self.pid is not None:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.sample()

    def summary(self) -> dict[str, Any]:
        if self.pid is None:
            return {}
        mib = 2 ** 20
        return {
            "master_peak_rss_mib": round(max(self.peaks["master"].values(), default=0) / mib, 1),
            "workers_peak_rss_mib": [round(v / mib, 1) for v in self.peaks["workers"].values()],
            "query_process_peak_rss_mib": round(
                max(self.peaks["query"].values(), default=0) / mib, 1),
            "query_processes_seen": len(self.peaks["query"]),
        }


def warm_up(port: int, mix: dict[str, list[Request]], clients: int,
            timeout: float) -> list[Sample]:
    """Every distinct request once, spread over the clients; every saved query once on every
    client's connection too (each gunicorn worker caches saved-query answers)."""
    others = [r for kind in KINDS if kind != "saved" for r in mix[kind]]
    origin = time.monotonic()
    samples: list[list[Sample]] = [[] for _ in range(clients)]

    def client(index: int) -> None:
        http = bench.Http(port, timeout=timeout)
        try:
            for request in mix["saved"] + others[index::clients]:
                samples[index].append(_one(http, request, origin, timeout))
        finally:
            http.close()

    _run_threads([threading.Thread(target=client, args=(i,)) for i in range(clients)])
    return [s for per in samples for s in per]


def _run_threads(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class PhaseRun:
    samples: list[Sample]
    seconds: float  # from the first mix request to the last answer
    slow: list[Sample]


def run_phase(port: int, mix: dict[str, list[Request]], options: Options, phase: str,
              slow: bool) -> PhaseRun:
    """The mix with ``options.clients`` clients (and the slow client if ``slow``)."""
    timeout = max(60.0, options.query_timeout * 3)
    slow_timeout = options.query_timeout * 3 + 60
    first_slow = threading.Event()
    stop_slow = threading.Event()
    slow_started = threading.Event()
    slow_samples: list[Sample] = []
    origin = time.monotonic()
    request = _sparql_form("slow", "slow:cross-join", SLOW_QUERY)
    slow_http = _Abortable(port, timeout=slow_timeout)

    def slow_client() -> None:
        try:
            while not stop_slow.is_set():
                slow_started.set()
                sample = _one(slow_http, request, origin, slow_timeout, expect=503)
                if stop_slow.is_set() and sample.status is None:
                    break  # given up when the mix ended: not an answer
                slow_samples.append(sample)
                first_slow.set()
                if sample.status is None:  # no answer: do not hammer a hung server
                    break
        finally:
            slow_http.close()
            first_slow.set()

    slow_thread = None
    if slow:
        slow_thread = threading.Thread(target=slow_client)
        slow_thread.start()
        slow_started.wait(10)
        time.sleep(0.1)  # the slow query is running when the mix starts
    bounds = Bounds(options.requests, time.monotonic() + options.seconds,
                    first_slow if slow else None)
    samples: list[list[Sample]] = [[] for _ in range(options.clients)]
    started = time.monotonic()

    def client(index: int) -> None:
        rng = random.Random(f"{options.seed}:{phase}:{index}")
        http = bench.Http(port, timeout=timeout)
        try:
            while bounds.take():
                samples[index].append(_one(http, _choose(rng, mix), origin, timeout))
        finally:
            http.close()

    try:
        _run_threads([threading.Thread(target=client, args=(i,))
                      for i in range(options.clients)])
    finally:
        ended = time.monotonic()
        stop_slow.set()
        slow_http.abort()  # the slow query in flight is left to the server's time limit
        if slow_thread is not None:
            slow_thread.join(slow_timeout + 10)
    return PhaseRun([s for per in samples for s in per], ended - started, slow_samples)


# -- statistics ------------------------------------------------------------------------------------


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def stats(samples: list[Sample]) -> dict[str, Any]:
    """Requests, errors and latency percentiles (ms) of the answered requests."""
    ok = [s.seconds for s in samples if s.error is None]
    return {"requests": len(samples), "errors": sum(1 for s in samples if s.error),
            "p50_ms": _ms(bench.percentile(ok, 0.50)), "p95_ms": _ms(bench.percentile(ok, 0.95)),
            "p99_ms": _ms(bench.percentile(ok, 0.99)), "max_ms": _ms(max(ok, default=None))}


def errors_by_url(samples: list[Sample]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = {}
    for s in samples:
        if s.error:
            counts[(s.url, s.error)] = counts.get((s.url, s.error), 0) + 1
    return [{"url": url, "error": error, "count": n}
            for (url, error), n in sorted(counts.items())]


def summarise_phase(run: PhaseRun) -> dict[str, Any]:
    out = {"seconds": round(run.seconds, 2), **stats(run.samples)}
    out["requests_per_s"] = round(len(run.samples) / run.seconds, 1) if run.seconds else None
    out["kinds"] = {kind: stats([s for s in run.samples if s.kind == kind]) for kind in KINDS}
    out["names"] = {name: stats([s for s in run.samples if s.name == name])
                    for name in sorted({s.name for s in run.samples})}
    out["errors_by_url"] = errors_by_url(run.samples)
    return out


def summarise_slow(run: PhaseRun, limit: float) -> dict[str, Any]:
    """The slow queries and the mix requests that completed while each one ran."""
    mix_end = max((s.start + s.seconds for s in run.samples), default=0.0)
    windows = []
    for slow in run.slow:
        begin, end = slow.start, slow.start + slow.seconds
        inside = [s for s in run.samples if begin <= s.start and s.start + s.seconds <= end]
        windows.append({
            "start_s": round(begin, 3), "seconds": round(slow.seconds, 3), "status": slow.status,
            "within_mix": end <= mix_end,  # the mix ran for the whole of this slow query
            "mix_completed": len(inside), "mix_errors": sum(1 for s in inside if s.error),
            "mix_max_ms": _ms(max((s.seconds for s in inside), default=None))})
    latencies = [s.seconds for s in run.slow]
    return {
        "query": SLOW_QUERY, "time_limit_s": limit, "sent": len(run.slow),
        "answered_503": sum(1 for s in run.slow if s.status == 503),
        "other": [{"status": s.status, "error": s.error} for s in run.slow if s.status != 503],
        "p50_ms": _ms(bench.percentile(latencies, 0.5)),
        "max_ms": _ms(max(latencies, default=None)),
        "windows": windows,
        "min_mix_completed_per_slow_query": min(
            (w["mix_completed"] for w in windows if w["within_mix"]), default=None),
        "mix_max_ms": _ms(max((s.seconds for s in run.samples), default=None)),
    }


# -- the server ------------------------------------------------------------------------------------


class Server(bench.KgServer):
    """``kg serve`` started as ``make run`` starts it (it builds the shipped graph, loads it and
    runs gunicorn with 2 workers), on a free 127.0.0.1 port with a scratch store and build file
    and the given query time limit; ``KG_*`` variables of the caller's environment are left out."""

    def __init__(self, folder: Path, query_timeout: float) -> None:
        self.folder = folder
        self.port = bench.free_port()
        self.dataset = folder / "kg.nq"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        self.env = dict(env, KG_HOME=str(ROOT), KG_STORE=f"oxigraph:{folder / 'store'}",
                        KG_BUILD_FILE=str(self.dataset), KG_QUERY_TIMEOUT=str(query_timeout))
        self.process: subprocess.Popen | None = None
        self.log: Any = None

    def start(self, timeout: float = 300.0) -> float:
        script = Path(sys.executable).with_name("kg")
        command = [str(script)] if script.exists() else list(bench.KG)
        started = time.perf_counter()
        self.log = (self.folder / "server.log").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            command + ["serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        if not bench.wait_ready(self.port, "/sparql?query=ASK%7B%7D", self.process, timeout):
            self.stop()
            text = (self.folder / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"kg serve did not start:\n{text}")
        return time.perf_counter() - started

    def stop(self) -> None:
        """Kill the forked query processes first (one may still be running a slow query, which
        a graceful shutdown would wait for), then stop the server as bench/run.py does."""
        if self.process is not None and self.process.poll() is None:
            for worker in self.workers():
                for pid in bench.children(worker):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        super().stop()


def _port_of(url: str) -> int:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"--url must be http://127.0.0.1:<port> (got {url})")
    if parts.path not in ("", "/"):
        raise SystemExit("--url must be the server's root (no path)")
    return parts.port or 80


# -- the run ---------------------------------------------------------------------------------------


def run_load(options: Options) -> dict[str, Any]:
    """Start the server (unless ``options.url``), warm up, run phase A then B; the report."""
    report: dict[str, Any] = {"machine": bench.machine(), "options": {
        k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()}}
    folder = tempfile.TemporaryDirectory(prefix="kg-load-")
    server: Server | None = None
    try:
        if options.url:
            port = _port_of(options.url)
            report["server"] = {"url": options.url, "started": False}
        else:
            server = Server(Path(folder.name), options.query_timeout)
            ready = server.start()
            port = server.port
            report["server"] = {"url": f"http://127.0.0.1:{port}", "started": True,
                                "ready_s": round(ready, 1), "workers": 2,
                                "query_timeout_s": options.query_timeout}
        _log(options, f"server at http://127.0.0.1:{port}/")
        http = bench.Http(port, timeout=60)
        try:
            mix = build_mix(http, options.seed)
        finally:
            http.close()
        report["mix"] = {kind: {"weight": WEIGHTS[kind], "distinct": len(mix[kind]),
                                "names": sorted({r.name for r in mix[kind]})} for kind in KINDS}
        _log(options, "mix: " + ", ".join(f"{k} {len(v)}" for k, v in mix.items()))
        with Memory(server.process.pid if server and server.process else None) as memory:
            warm = warm_up(port, mix, options.clients, max(60.0, options.query_timeout * 3))
            report["warmup"] = {**stats(warm), "errors_by_url": errors_by_url(warm),
                                "slowest": [{"url": s.url, "ms": _ms(s.seconds)} for s in
                                            sorted(warm, key=lambda s: -s.seconds)[:5]]}
            _log(options, f"warm-up: {len(warm)} requests, {report['warmup']['errors']} errors")
            phase_a = run_phase(port, mix, options, "A", slow=False)
            report["phase_a"] = summarise_phase(phase_a)
            _log(options, f"phase A: {len(phase_a.samples)} requests")
            if options.slow:
                phase_b = run_phase(port, mix, options, "B", slow=True)
                report["phase_b"] = summarise_phase(phase_b)
                report["slow"] = summarise_slow(phase_b, options.query_timeout)
                _log(options, f"phase B: {len(phase_b.samples)} requests, "
                              f"{len(phase_b.slow)} slow queries")
        report["memory"] = memory.summary()
    finally:
        if server is not None:
            server.stop()
            if options.out is not None:
                options.out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(folder.name) / "server.log",
                                options.out.with_name(options.out.stem + "-server.log"))
        folder.cleanup()
    report["machine"]["loadavg_end"] = list(os.getloadavg())
    judge(report)
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def judge(report: dict[str, Any]) -> None:
    """The ratio p99(B)/p99(A) against the target, and the error counts."""
    a, b = report.get("phase_a", {}), report.get("phase_b")
    report["mix_errors"] = (report.get("warmup", {}).get("errors", 0) + a.get("errors", 0)
                            + (b or {}).get("errors", 0))
    if b is None:
        return
    slow = report["slow"]
    ratio = b["p99_ms"] / a["p99_ms"] if a.get("p99_ms") and b.get("p99_ms") else None
    complete = [w for w in slow["windows"] if w["within_mix"]]
    if ratio is None or not complete:
        verdict = "undecided (no slow query ran to its limit while the mix ran)"
    else:
        verdict = "met" if ratio <= TARGET else "missed"
    report["ratio_p99"] = None if ratio is None else round(ratio, 2)
    report["target"] = TARGET
    report["verdict"] = verdict
    report["slow_ok"] = slow["sent"] > 0 and slow["answered_503"] == slow["sent"]


def _log(options: Options, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def render(report: dict[str, Any]) -> str:
    lines = []
    m = report["machine"]
    lines.append(f"machine: {m['nproc']} cores, {m['cpu']}; load average {m['loadavg'][0]:.2f} "
                 f"at start, {m['loadavg_end'][0]:.2f} at end")
    server = report["server"]
    lines.append(f"server: {server['url']}" + (
        f" (kg serve, 2 workers, ready in {server['ready_s']} s, query time limit "
        f"{server['query_timeout_s']:g} s)" if server["started"] else ""))
    lines.append("mix: " + ", ".join(f"{k} {v['weight']:g} ({v['distinct']} distinct)"
                                     for k, v in report["mix"].items())
                 + f"; {report['options']['clients']} clients, seed {report['options']['seed']}")
    header = f"{'phase':<22}{'kind':<8}{'requests':>9}{'errors':>7}{'req/s':>8}" \
             f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    lines += ["", header, "-" * len(header)]
    for key, title in (("phase_a", "A: mix alone"), ("phase_b", "B: mix + slow query")):
        phase = report.get(key)
        if phase is None:
            continue
        rows = [("all", phase, phase["requests_per_s"])] + [
            (kind, phase["kinds"][kind], None) for kind in KINDS]
        for index, (kind, row, rate) in enumerate(rows):
            lines.append(f"{title if index == 0 else '':<22}{kind:<8}{row['requests']:>9}"
                         f"{row['errors']:>7}{_cell(rate):>8}{_cell(row['p50_ms']):>9}"
                         f"{_cell(row['p95_ms']):>9}{_cell(row['p99_ms']):>9}"
                         f"{_cell(row['max_ms']):>9}")
    slow = report.get("slow")
    if slow:
        lines.append("")
        lines.append(f"slow query ({slow['time_limit_s']:g} s limit): {slow['sent']} sent, "
                     f"{slow['answered_503']} answered 503 (p50 {_cell(slow['p50_ms'])} ms, "
                     f"max {_cell(slow['max_ms'])} ms); while each ran, the mix completed "
                     + ", ".join(str(w["mix_completed"]) for w in slow["windows"])
                     + f" requests (slowest {_cell(slow['mix_max_ms'])} ms)")
        if slow["other"]:
            lines.append(f"slow query answered otherwise: {slow['other']}")
        lines.append(f"p99(B mix) / p99(A) = {report['ratio_p99']} (target <= {TARGET:g}): "
                     f"{report['verdict']}")
    memory = report.get("memory")
    if memory:
        lines.append(f"server peak RSS: master {memory['master_peak_rss_mib']} MiB, workers "
                     + ", ".join(f"{v} MiB" for v in memory["workers_peak_rss_mib"])
                     + f", query processes up to {memory['query_process_peak_rss_mib']} MiB "
                       f"({memory['query_processes_seen']} seen)")
    problems = [(k, e) for k in ("warmup", "phase_a", "phase_b")
                for e in report.get(k, {}).get("errors_by_url", [])]
    if problems:
        lines.append("")
        lines.append("errors:")
        lines += [f"  {k}: {e['count']} x {e['error']}: {e['url']}" for k, e in problems[:40]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (http://127.0.0.1:PORT); default: "
                                      "start kg serve on a free port")
    parser.add_argument("--clients", type=int, default=defaults.clients)
    parser.add_argument("--requests", type=int, default=defaults.requests,
                        help="requests of the mix per phase, at most")
    parser.add_argument("--seconds", type=float, default=defaults.seconds,
                        help="seconds per phase, at most")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--query-timeout", type=float, default=None,
                        help="KG_QUERY_TIMEOUT of the server it starts (default 5 s); with --url,"
                             " the server's own (default 10 s)")
    parser.add_argument("--no-slow", action="store_true", help="phase A only")
    parser.add_argument("--out", type=Path, default=defaults.out)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    limit = args.query_timeout or (10.0 if args.url else defaults.query_timeout)
    options = Options(url=args.url, clients=args.clients, requests=args.requests,
                      seconds=args.seconds, seed=args.seed, query_timeout=limit,
                      slow=not args.no_slow, out=args.out, quiet=args.quiet)
    report = run_load(options)
    print(render(report))
    if options.out is not None:
        print(f"\nwrote {options.out}")
    if report["mix_errors"]:
        return 1
    if options.slow and not report.get("slow_ok"):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
