"""Batch ingest: build, check and load many statements.

Statements are built in worker processes, and loaded in batches through the one write path
(:func:`kg.pipeline.write.write`: the same checks as every other write), each statement
whole or not at all: one that fails to build or is refused is reported and skipped, never
stops or corrupts the rest.
"""

from __future__ import annotations

import csv
import ctypes
import json
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.config import Settings
from kg.pipeline.curation import WorkflowError
from kg.pipeline.write import (
    Verdict,
    WriteContext,
    WriteRefused,
    as_oxigraph,
    check,
    refusal,
    verdict,
    write,
)
from kg.sources.annotations import build_statement
from kg.sources.yamlsource import SourceError
from kg.store.base import ChangeSet, Store, StoreError


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


GRAPH_FILES = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE}


def listing(path: Path) -> list[Path]:
    """Annotation files (or statement graphs: ``<id>.nt`` / ``<id>.ttl``) from a folder, or
    from a CSV / JSON-lines listing (``annotation``)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", *GRAPH_FILES))
    if not path.is_file():
        raise WorkflowError(f"{path}: no such folder or listing")
    entries: list[str] = []
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if "annotation" not in (reader.fieldnames or []):
                raise WorkflowError(f"{path}: the CSV needs an 'annotation' column")
            entries = [row["annotation"] for row in reader if row.get("annotation")]
    elif path.suffix in (".jsonl", ".ndjson"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line)["annotation"])
            except (ValueError, KeyError, TypeError) as exc:
                raise WorkflowError(f"{path}:{number}: each line needs a JSON object with "
                                    "an 'annotation' path") from exc
    else:
        raise WorkflowError(f"{path}: give a folder, a .csv or a .jsonl listing")
    return [(path.parent / entry).resolve() for entry in entries]


class Ingester:
    """Builds statements against one write context (ontology, reference data, shapes),
    prepared once, and loads them through the write path."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context.prepare()
        self.iris = context.iris

    def one(self, path: Path) -> tuple[str, str | None, str, Verdict | None]:
        """``(name, graph IRI, N-Triples, verdict)`` for a statement that builds (the verdict:
        the write path's checks of it, made here, in the worker), ``(name, None, why, None)``
        else."""
        name = path.stem
        if path.suffix in GRAPH_FILES:
            return self._graph_file(path)
        try:
            built = build_statement(path, self.iris, self.context.vocabulary,
                                    self.context.references)
        except (SourceError, WorkflowError, OSError) as exc:
            return name, None, str(exc), None
        graph, text = str(built.graph_iri), built.triples.ntriples()
        return name, graph, text, verdict(self.context, graph, as_oxigraph(text), built.triples)

    def _graph_file(self, path: Path) -> tuple[str, str | None, str, Verdict | None]:
        """A statement graph given as a file: ``<id>.nt`` or ``<id>.ttl`` is the graph
        ``<base>graph/statement/<id>``, whose checks are the write path's."""
        name = path.stem
        try:
            graph = str(self.iris.statement_graph(name))
            quads = ox.parse(path=str(path), format=GRAPH_FILES[path.suffix],
                             base_iri=self.iris.base)
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        except (OSError, SyntaxError, ValueError) as exc:
            return name, None, f"{path}: {' '.join(str(exc).split())[:300]}", None
        text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        return name, graph, text, None

    def checked(self, files: list[Path], jobs: int,
                window: int = 512) -> Iterator[tuple[str, str | None, str, Verdict | None]]:
        """:meth:`one` of each file, in order: in ``jobs`` forked workers when worth it.

        ``window`` files are in the workers' hands at any time: enough that they keep
        working while the caller loads a batch, few enough to bound memory."""
        if jobs <= 1 or len(files) < 4:
            yield from map(self.one, files)
            return
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_worker,
                                 initargs=(self, os.getpid())) as pool:
            waiting = iter(files)
            pending: deque[Future[tuple[str, str | None, str, Verdict | None]]] = deque(
                pool.submit(_work, path) for path in islice(waiting, window))
            while pending:
                result = pending.popleft().result()
                following = next(waiting, None)
                if following is not None:
                    pending.append(pool.submit(_work, following))
                yield result

    def load(self, batch: list[tuple[str, str, str, Verdict | None]], store: Store | None,
             report: IngestReport, jobs: int = 1) -> None:
        """Write ``(name, graph, N-Triples, verdict)`` statements in one write (checked only,
        when ``store`` is None); a refused statement is reported and the rest written."""
        names = {graph: name for name, graph, _, _ in batch}
        graphs = {graph: as_oxigraph(text) for _, graph, text, _ in batch}
        verdicts = {graph: given for _, graph, _, given in batch if given is not None}
        while graphs:
            try:
                if store is None:
                    _, problems = check(None, self.context, ChangeSet(graphs=graphs),
                                        jobs=jobs, verdicts=verdicts)
                    if problems:
                        raise WriteRefused(422, "", graphs=problems)
                else:
                    write(store, self.context, ChangeSet(graphs=graphs), jobs=jobs,
                          verdicts=verdicts)
            except WriteRefused as exc:
                if not exc.graphs:
                    report.failed.extend((names[g], exc.message) for g in graphs)
                    return
                for graph, problems in exc.graphs.items():
                    report.failed.append((names[graph], refusal(graph, problems).message))
                    del graphs[graph]
                continue
            except StoreError as exc:
                report.failed.extend((names[g], str(exc)) for g in graphs)
                return
            report.loaded.extend(names[g] for g in graphs)
            return

    def run(self, files: Iterable[Path], store: Store | None,
            step: Callable[[str], None] = lambda _: None, jobs: int = 1, batch: int = 100,
            batch_bytes: int = 16 * 2**20) -> IngestReport:
        """Build, check and load ``files``: see :func:`ingest`."""
        report = IngestReport()
        pending: list[tuple[str, str, str, Verdict | None]] = []
        size = 0
        for name, graph, text, given in self.checked(list(files), jobs):
            if graph is None:
                report.failed.append((name, text))
            else:
                pending.append((name, graph, text, given))
                size += len(text)
                if len(pending) >= batch or size >= batch_bytes:
                    self.load(pending, store, report, jobs)
                    pending, size = [], 0
            step(name)
        self.load(pending, store, report, jobs)
        return report


# The prepared ingester of a worker process. Set once in each forked worker (whose state is
# its own) by _start_worker: what a worker needs cannot be pickled (compiled shapes hold
# functions), and fork hands it over for free.
_WORKER: Ingester | None = None


def _start_worker(ingester: Ingester, parent: int) -> None:
    global _WORKER  # noqa: PLW0603 - per worker process, see above
    _WORKER = ingester
    _die_with(parent)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL (which leaves the pool no time
    to stop its workers: they would wait for work forever)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)


def _work(path: Path) -> tuple[str, str | None, str, Verdict | None]:
    assert _WORKER is not None
    return _WORKER.one(path)


def default_jobs() -> int:
    """Worker processes for ingest: one per available core (at most 8)."""
    return max(1, min(8, len(os.sched_getaffinity(0))))


def ingest(settings: Settings, files: Iterable[Path], store: Store | None,
           step: Callable[[str], None] = lambda _: None, jobs: int = 1,
           batch: int = 100, batch_bytes: int = 16 * 2**20) -> IngestReport:
    """Build, check and load each statement; report what failed and why.

    The ontology and reference graphs are loaded from the repository's files first. A
    statement is loaded whole or not at all; one that fails to build or is refused by the
    write path is reported and skipped. Statements are built in ``jobs`` worker processes and
    loaded ``batch`` at a time (one store transaction each, where the store allows)."""
    context = WriteContext.from_files(settings)
    ingester = Ingester(context)
    if store is not None:
        iris = settings.iris
        write(store, context, ChangeSet(graphs={
            str(iris.ontology_graph): _as_triples(context.ontology),
            str(iris.reference_graph): _as_triples(context.reference)}), allow_reference=True)
    return ingester.run(files, store, step, jobs, batch, batch_bytes)


def _as_triples(graph: Graph) -> list:
    return as_oxigraph(graph.serialize(format="nt"))
