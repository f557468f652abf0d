"""The embedded store: a persistent pyoxigraph store on disk, served from memory.

Layout: the persistent store (RocksDB) at ``PATH`` is the store of record. Each serving
process keeps an in-memory replica, copied from the store of record when it opens and kept
current through the write log (:mod:`kg.store.writelog`): ``PATH.version`` holds
``<generation> <sequence>`` and ``PATH.changes/`` the change set of each recent write. A
write computes its change set once (:class:`kg.store.base.ChangeSet`: graphs replaced, quads
removed and added) and applies it to the store of record, logs it, and applies it to its
own replica; a process that sees a newer sequence applies the logged change sets it has not
seen (:mod:`kg.store.replica`), never evaluating an update again, so every replica holds the
same quads and blank nodes. A reader behind the log's kept tail, or a new generation (a
whole reload), copies the store of record again. Replicas are changed under a lock the
query processes fork under, so a query sees a write whole or not at all. ``PATH.lock``
(flock) keeps readers out while a writer changes the files.

Crashes (:mod:`kg.store.recovery`): a writer saves what undoes its write before it starts
and marks the write in progress; a whole reload builds a new folder and swaps it in. Found
with no writer holding the lock, the mark means a writer died, and the next process to look
(at open, or before its next query) recovers: it undoes the write, puts back a half-swapped
folder, starts a new generation (every replica copies the store of record) and clears the
mark.

Why memory: querying pyoxigraph in memory is several times faster than on disk,
and a replica per process lets gunicorn workers answer in parallel on one
RocksDB store, which only one process may open for writing at a time.
"""

from __future__ import annotations

import shutil
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.store import replica as replicas
from kg.store.base import Capabilities, ChangeSet, QueryResult, QuerySyntaxError, Store, StoreError
from kg.store.recovery import Recovery, Unchanged, Unfinished, crash_point
from kg.store.writelog import WriteLog, check_folder, file_lock, side

__all__ = ["EmbeddedStore", "check_folder"]

_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}
_CHUNK = 1 << 16


def _graphs(names: Sequence[str] | None) -> list[ox.NamedNode] | None:
    return None if names is None else [ox.NamedNode(n) for n in names]


def parse_graph(graph: str, ntriples: str) -> list[ox.Triple]:
    """N-Triples as triples, their blank nodes made fresh: each graph's are its own (as an
    update's INSERT DATA makes them). QuerySyntaxError says what is wrong and where."""
    try:
        return [q.triple for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES,
                                            rename_blank_nodes=True)]
    except SyntaxError as exc:
        raise QuerySyntaxError(f"graph {graph}: {exc}") from None


class EmbeddedStore(Store):
    """pyoxigraph: persistent at ``path`` and replicated in memory, or memory only (path=None)."""

    capabilities = Capabilities(versioned=True, forkable=True, union_default=True,
                                stored_graphs_only=True)

    def __init__(self, path: Path | None, read_only: bool = False, lazy: bool = False) -> None:
        """``lazy``: make the in-memory replica on the first read, not now (for a process
        that only writes, such as a bulk ingest, which then holds no copy of the store)."""
        self.path = path
        self.read_only = read_only
        self._lazy = lazy and path is not None
        self._lock = threading.RLock()
        self._load_lock = threading.Lock()
        self._version: tuple[str, int] = ("", 0)
        self._replica: ox.Store | None = ox.Store() if path is None else None
        self.write_log: WriteLog | None = None
        self._recovery: Recovery | None = None
        if path is not None:
            self.write_log = WriteLog(path)
            self._recovery = Recovery(path)
            check_folder(path.parent, writable=not read_only)
            if not read_only and self._recovery.interrupted():
                with file_lock(path, exclusive=True):
                    self._recover_locked()
            if not lazy:
                with file_lock(path, exclusive=False):
                    self._reload()

    def _reader(self) -> ox.Store:
        """The replica, made now if it was left for the first read."""
        replica = self._replica
        if replica is None:
            with self._load_lock:  # not self._lock: writers take it inside the file lock
                if self._replica is None:
                    assert self.path is not None
                    with file_lock(self.path, exclusive=False):
                        self._reload()
                replica = self._replica
        assert replica is not None
        return replica

    # -- the store of record -----------------------------------------------------------
    def _open_persistent(self, read_only: bool) -> ox.Store:
        assert self.path is not None
        try:
            if read_only:
                return ox.Store.read_only(str(self.path))
            return ox.Store(str(self.path))  # an empty or missing folder: a new store
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    def _recover_locked(self) -> None:
        assert self._recovery is not None and self.write_log is not None
        try:
            self._recovery.recover_locked(self.write_log)
        except OSError as exc:
            raise StoreError(f"cannot recover the store at {self.path}: {exc}") from exc

    def _recover_if_interrupted(self) -> None:
        """Recover from a dead writer, unless a live one holds the lock (then it is busy)."""
        if self.read_only or self._recovery is None or not self._recovery.interrupted():
            return
        assert self.path is not None
        with file_lock(self.path, exclusive=True, wait=False) as held:
            if held:
                self._recover_locked()

    # -- the replica -------------------------------------------------------------------
    def _reload(self) -> None:
        """Copy the store of record into a fresh replica (caller holds the file lock)."""
        assert self.path is not None and self.write_log is not None
        version = self.write_log.read_version()
        try:
            fresh = replicas.copy_of(self.path)
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc
        with self._lock:
            self._replica = fresh
            self._version = version

    def refresh(self) -> None:
        """Bring this process's replica up to the store's latest version."""
        if self.path is None or self._replica is None or self.write_log is None:
            return
        self._recover_if_interrupted()
        if self.write_log.read_version() == self._version:
            return
        with file_lock(self.path, exclusive=False):
            self.refresh_locked()

    def refresh_locked(self) -> None:
        """Catch up with the store while holding its file lock: apply the logged change sets
        this replica has not seen, or copy the store again when the log no longer has them
        (or the store was replaced whole)."""
        assert self.write_log is not None
        current = self.write_log.read_version()
        if current == self._version or self._replica is None:
            return
        missing = None
        if current[0] == self._version[0] and current[1] > self._version[1]:
            missing = self.write_log.since(self._version[1], current[1])
        if missing is None:
            self._reload()
            return
        with self._lock:
            for changes in missing:
                replicas.apply_to(self._replica, changes)
            self._version = current

    def fork_guard(self) -> threading.RLock:
        """Held while this process changes its replica: fork only while holding it, or a
        child may inherit the replica's internal locks taken by a thread it does not have."""
        return self._lock

    @property
    def oxigraph(self) -> ox.Store:
        """The in-memory replica queries run on."""
        return self._reader()

    @property
    def version(self) -> tuple[int, str, int]:
        """The store version this process's replica reflects: the replica's identity (a
        reload makes a new one), the generation and the sequence number of its last write."""
        replica = self._reader()
        with self._lock:
            return (id(self._replica or replica), *self._version)

    # -- reading -----------------------------------------------------------------------
    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None,
              timeout: float | None = None, union_default: bool = True) -> QueryResult:
        """Run a query on the replica. ``union_default=False`` leaves the dataset to the
        query's own FROM / FROM NAMED clauses (the union setting would override them)."""
        self.refresh()
        kwargs: dict = {"base_iri": base_iri}
        if default_graphs is not None:
            kwargs["default_graph"] = _graphs(default_graphs) or [ox.DefaultGraph()]
        elif union_default:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = _graphs(named_graphs)
        try:
            return self._reader().query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def graph_names(self) -> list[str]:
        self.refresh()
        replica = self._reader()
        with self._lock:  # a change set is applied under it: never list a graph half replaced
            return sorted(g.value for g in replica.named_graphs())

    def is_empty(self) -> bool:
        self.refresh()
        return next(iter(self._reader().quads_for_pattern(None, None, None, None)),
                    None) is None

    def dump(self) -> Iterator[bytes]:
        self.refresh()
        replica = self._reader()  # a consistent snapshot: writes swap or update it whole
        buffer: list[bytes] = []
        size = 0
        for quad in replica.quads_for_pattern(None, None, None, None):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue
            line = f"{quad.subject} {quad.predicate} {quad.object} {quad.graph_name} .\n".encode()
            buffer.append(line)
            size += len(line)
            if size >= _CHUNK:
                yield b"".join(buffer)
                buffer, size = [], 0
        if buffer:
            yield b"".join(buffer)

    # -- writing -----------------------------------------------------------------------
    def apply(self, changes: ChangeSet) -> None:
        """Apply a change set to the store of record, log it, and apply it to this replica.

        Graphs that are all new (and nothing else) are bulk-loaded, without a transaction:
        twice as fast on disk. Any write saves first what undoes it, used if it fails
        half-way, or by recovery if the process dies."""
        self._write(lambda: changes)

    def _write(self, make: Callable[[], ChangeSet]) -> None:
        """Apply the change set ``make()`` computes on the latest data: it runs while this
        process holds the store's write lock, with its replica caught up."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        if self.path is None:
            with self._lock:
                changes = make()
                if changes.is_empty():
                    return
                replica = self._reader()
                undo = replicas.inverse_of(replica, changes)
                try:
                    replicas.apply_to(replica, changes)
                except BaseException:
                    replicas.apply_to(replica, undo)
                    raise
                self._version = (self._version[0], self._version[1] + 1)
            return
        assert self._recovery is not None and self.write_log is not None
        try:
            with file_lock(self.path, exclusive=True):
                self._recover_locked()
                if self._replica is not None:
                    self.refresh_locked()
                changes = make()
                if changes.is_empty():
                    return
                self._apply_locked(changes)
                version = self.write_log.read_version()
                with self._lock:
                    if self._replica is not None:
                        replicas.apply_to(self._replica, changes)
                    self._version = version
        except OSError as exc:
            raise StoreError(f"cannot write the store at {self.path}: "
                             f"{exc.strerror or exc}") from exc

    def _apply_locked(self, changes: ChangeSet) -> None:
        """The store-of-record half of :meth:`apply` (the caller holds the exclusive lock)."""
        assert self._recovery is not None and self.write_log is not None
        persistent = self._open_persistent(read_only=False)
        try:
            with self._recovery.writing():
                try:
                    bulk = replicas.only_new_graphs(persistent, changes)
                    undo = replicas.inverse_of(persistent, changes)
                    self._recovery.save_undo(undo)
                except BaseException as exc:
                    traceback.clear_frames(exc.__traceback__)
                    raise Unchanged from exc
                try:
                    replicas.apply_to(persistent, changes, bulk=bulk)
                    persistent.flush()
                except BaseException as exc:
                    # The traceback keeps the frames below, and their locals may hold the
                    # store open past the file lock: a reader opening it then finds it
                    # mid-change. Release them now.
                    traceback.clear_frames(exc.__traceback__)
                    try:
                        replicas.apply_to(persistent, undo)
                        persistent.flush()
                    except BaseException as failed:
                        traceback.clear_frames(failed.__traceback__)
                        raise Unfinished(f"a write failed ({exc}) and could not be undone "
                                         f"({failed}): the next write undoes it") from failed
                    raise Unchanged from exc
                crash_point("after-commit")
                generation, sequence = self.write_log.read_version()
                if not generation:
                    generation = uuid.uuid4().hex
                self.write_log.append(sequence + 1, changes)
                crash_point("after-log")
                self.write_log.write_version((generation, sequence + 1))
        except Unfinished as exc:  # left for recovery to undo
            raise StoreError(str(exc)) from exc.__cause__
        finally:
            del persistent

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """As :meth:`Store.update`, evaluated while holding the write lock on the latest data
        (no other process writes between the evaluation and the write)."""
        from kg.store.changes import changes_of_update

        def changes() -> ChangeSet:
            if self.path is not None and self._replica is None:  # lazy: the data it reads
                self._reload()
            return changes_of_update(self, sparql, base_iri=base_iri)
        self._write(changes)

    def replace_graph(self, graph: str, ntriples: str) -> None:
        self.replace_graphs([(graph, ntriples)])

    def replace_graphs(self, graphs: Sequence[tuple[str, str]]) -> None:
        """Replace several graphs in one write (one write-log entry)."""
        parsed = {graph: parse_graph(graph, ntriples) for graph, ntriples in graphs}
        self.apply(ChangeSet(graphs=parsed))

    def drop_graph(self, graph: str) -> None:
        self.apply(ChangeSet(dropped={graph}))

    def replace_all(self, dataset_file: Path) -> None:
        fmt = _FORMATS.get(dataset_file.suffix.lower())
        if fmt is None:
            raise StoreError(f"cannot load {dataset_file.name}: use an .nq or .trig file")
        if self.read_only:
            raise StoreError("the store is open read-only")
        if self.path is None:
            fresh = ox.Store()
            fresh.bulk_load(path=str(dataset_file), format=fmt)
            with self._lock:
                self._replica = fresh
                self._version = (uuid.uuid4().hex, 0)
            return
        # Load into a new folder, then swap folders: the old store stays whole until the
        # new one is complete, and a crash leaves one or the other.
        assert self._recovery is not None
        try:
            with file_lock(self.path, exclusive=True):
                self._recover_locked()
                with self._recovery.writing():
                    self._swap_in(dataset_file, fmt)
                if self._lazy:
                    with self._lock:
                        self._replica = None
                else:
                    self._reload()
        except OSError as exc:
            raise StoreError(f"cannot write the store at {self.path}: "
                             f"{exc.strerror or exc}") from exc

    def _swap_in(self, dataset_file: Path, fmt: ox.RdfFormat) -> None:
        """Bulk-load into a staging folder, then swap it for the store's folder."""
        assert self.path is not None and self.write_log is not None
        staging = side(self.path, ".loading")
        old = side(self.path, ".old")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            fresh = ox.Store(str(staging))
            fresh.bulk_load(path=str(dataset_file), format=fmt)
            fresh.optimize()
            fresh.flush()
        except (OSError, SyntaxError, ValueError) as exc:
            fresh = None
            shutil.rmtree(staging, ignore_errors=True)
            raise Unchanged from StoreError(f"cannot load {dataset_file}: {exc}")
        del fresh
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        staging.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self.write_log.clear()
        self.write_log.write_version((uuid.uuid4().hex, 0))
