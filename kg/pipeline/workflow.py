"""The curation workflow: add a statement as a draft, review and accept it, ingest many.

1. ``add``: copy a text into ``data/statements/`` and write its machine-drafted annotations
   (the metadata given filled in); both files or neither.
2. A person edits the draft: corrects or deletes each proposed claim, fills every FIXME.
3. ``accept``: refuses while FIXMEs remain; otherwise marks the file accepted, builds and
   validates it, and puts the file back as it was if either fails.
4. ``ingest``: builds, validates and loads many statements (built and checked in parallel
   worker processes, loaded in batches, each statement whole or not at all); one bad
   statement is reported and skipped, never stops or corrupts the rest.
"""

from __future__ import annotations

import csv
import ctypes
import hashlib
import json
import multiprocessing
import os
import re
import signal
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from rdflib import Graph

from kg.config import Settings
from kg.extract.extract import Extractor, InputError, draft_yaml, load_text
from kg.model.namespaces import IRIs
from kg.pipeline.build import BuildError, add_event_closure, build
from kg.pipeline.validate import Validator, load_shapes
from kg.sources.annotations import build_statement
from kg.sources.ontology import load_ontology
from kg.sources.reference import ReferenceIndex, Vocabulary, load_reference
from kg.sources.yamlsource import SourceError
from kg.store.base import Store, StoreError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
_FIXME = re.compile(r"#\s*FIXME", re.IGNORECASE)
_REVIEW = re.compile(r"^(\s*review:\s*)machine-drafted\s*$", re.MULTILINE)
META_KEYS = ("speaker", "post", "delegation", "date", "meeting", "source", "symbol",
             "language", "url")


class WorkflowError(Exception):
    """A step that cannot be done; the message says why."""


def _temporary(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file next to ``path`` (renamed into place later)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(tmp)


def draft_text(settings: Settings, text: str, statement_id: str, text_name: str,
               meta: dict[str, str]) -> str:
    """Machine-drafted annotations of ``text`` with the given metadata filled in."""
    reference = load_reference(settings.reference_dir, settings.iris)
    draft = Extractor(reference, load_ontology(settings.ontology_dir)).extract(
        text, meta.get("date"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return draft_yaml(draft, statement_id, text_name, digest, meta)


def add(settings: Settings, text_path: Path, statement_id: str,
        meta: dict[str, str]) -> tuple[Path, Path]:
    """Register a statement: its text and a draft annotation file, both or neither."""
    if not _ID.match(statement_id):
        raise WorkflowError(f"statement id {statement_id!r} is not a valid identifier")
    folder = settings.statements_dir
    text_target = folder / f"{statement_id}.txt"
    yaml_target = folder / f"{statement_id}.yaml"
    for target in (text_target, yaml_target):
        if target.exists():
            raise WorkflowError(f"{target} exists already: choose another id")
    try:
        text = load_text(text_path)
    except InputError as exc:
        raise WorkflowError(str(exc)) from exc
    draft = draft_text(settings, text, statement_id, text_target.name,
                       {k: v for k, v in meta.items() if v})
    raw = text_path.read_bytes()
    tmp_text = _temporary(text_target, raw)
    tmp_yaml = _temporary(yaml_target, draft.encode("utf-8"))
    try:
        os.replace(tmp_text, text_target)
        os.replace(tmp_yaml, yaml_target)
    except BaseException:
        tmp_text.unlink(missing_ok=True)
        tmp_yaml.unlink(missing_ok=True)
        if not yaml_target.exists():  # the text was new: take it back out
            text_target.unlink(missing_ok=True)
        raise
    return text_target, yaml_target


def open_items(path: Path) -> list[tuple[int, str]]:
    """The FIXME lines a person must still resolve: ``(line number, line)``."""
    return [(number, line.strip())
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if _FIXME.search(line)]


def accept(settings: Settings, statement_id: str) -> list[str]:
    """Mark a reviewed draft accepted if it builds and validates; else leave it as it was.

    Returns the problems found (empty when accepted)."""
    path = settings.statements_dir / f"{statement_id}.yaml"
    if not path.exists():
        raise WorkflowError(f"no annotation file {path}")
    original = path.read_text(encoding="utf-8")
    remaining = open_items(path)
    if remaining:
        return [f"{path}:{n}: unresolved: {line}" for n, line in remaining]
    if not _REVIEW.search(original):
        return [f"{path}: no 'review: machine-drafted' line: is it a draft?"]
    path.write_text(_REVIEW.sub(r"\1accepted", original, count=1), encoding="utf-8")
    try:
        result = build(settings, only=[path])
        validator = Validator(load_shapes(settings.shapes_dir), result.ontology, settings.iris)
        report = validator.validate(((s.statement_id, s.triples) for s in result.statements),
                                    result.reference)
        problems = [str(f) for f in report.violations]
    except BuildError as exc:
        problems = [str(e) for e in exc.errors]
    if problems:
        path.write_text(original, encoding="utf-8")
    return problems


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def listing(path: Path) -> list[Path]:
    """Annotation files from a folder, or from a CSV / JSON-lines listing (``annotation``)."""
    if path.is_dir():
        return sorted(path.glob("*.yaml"))
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
    """Builds, checks and loads statements against one ontology, reference graph and shapes,
    prepared once."""

    def __init__(self, iris: IRIs, ontology: Graph, reference: Graph, shapes: Graph) -> None:
        self.iris = iris
        self.vocab = Vocabulary(ontology)
        self.refs = ReferenceIndex(reference)
        self.validator = Validator(shapes, ontology, iris)
        self.context = self.validator.context(reference)
        self.reference = reference

    def one(self, path: Path) -> tuple[str, str | None, str]:
        """``(name, graph IRI, N-Triples)`` for a good statement, ``(name, None, why)`` else."""
        name = path.stem
        try:
            built = build_statement(path, self.iris, self.vocab, self.refs)
            violations = [f for f in self.validator.check_statement(
                built.triples, name, self.context, self.reference) if f.severity == "Violation"]
            if violations:
                raise WorkflowError(f"{len(violations)} SHACL violation(s), e.g. "
                                    f"{violations[0]}")
            return name, str(built.graph_iri), built.triples.ntriples()
        except (SourceError, WorkflowError, OSError) as exc:
            return name, None, str(exc)

    def checked(self, files: list[Path], jobs: int,
                window: int = 512) -> Iterator[tuple[str, str | None, str]]:
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
            pending: deque[Future[tuple[str, str | None, str]]] = deque(
                pool.submit(_work, path) for path in islice(waiting, window))
            while pending:
                result = pending.popleft().result()
                following = next(waiting, None)
                if following is not None:
                    pending.append(pool.submit(_work, following))
                yield result

    def run(self, files: Iterable[Path], store: Store | None,
            step: Callable[[str], None] = lambda _: None, jobs: int = 1, batch: int = 100,
            batch_bytes: int = 16 * 2**20) -> IngestReport:
        """Build, check and load ``files``: see :func:`ingest`."""
        report = IngestReport()
        pending: list[tuple[str, str, str]] = []

        def flush() -> None:
            if store is not None and pending:
                try:
                    store.replace_graphs([(graph, text) for _, graph, text in pending])
                except StoreError as exc:
                    report.failed.extend((name, str(exc)) for name, _, _ in pending)
                    pending.clear()
                    return
            report.loaded.extend(name for name, _, _ in pending)
            pending.clear()

        size = 0
        for name, graph, text in self.checked(list(files), jobs):
            if graph is None:
                report.failed.append((name, text))
            else:
                pending.append((name, graph, text))
                size += len(text)
                if len(pending) >= batch or size >= batch_bytes:
                    flush()
                    size = 0
            step(name)
        flush()
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


def _work(path: Path) -> tuple[str, str | None, str]:
    assert _WORKER is not None
    return _WORKER.one(path)


def default_jobs() -> int:
    """Worker processes for ingest: one per available core (at most 8)."""
    return max(1, min(8, len(os.sched_getaffinity(0))))


def ingest(settings: Settings, files: Iterable[Path], store: Store | None,
           step: Callable[[str], None] = lambda _: None, jobs: int = 1,
           batch: int = 100, batch_bytes: int = 16 * 2**20) -> IngestReport:
    """Build, validate and load each statement; report what failed and why.

    A statement is loaded whole or not at all; one that fails to build or validate is
    reported and skipped. Statements are built and checked in ``jobs`` worker processes and
    loaded ``batch`` at a time (one store transaction each, where the store allows)."""
    iris = settings.iris
    ontology = load_ontology(settings.ontology_dir)
    reference = load_reference(settings.reference_dir, iris)
    add_event_closure(reference)
    ingester = Ingester(iris, ontology, reference, load_shapes(settings.shapes_dir))
    if store is not None:
        store.replace_graphs([(str(iris.ontology_graph), ontology.serialize(format="nt")),
                              (str(iris.reference_graph), reference.serialize(format="nt"))])
    return ingester.run(files, store, step, jobs, batch, batch_bytes)
