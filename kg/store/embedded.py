"""The embedded store: a persistent pyoxigraph store on disk, served from memory.

Layout: the persistent store (RocksDB) at ``PATH`` is the store of record; every
write goes to it in one transaction. Each serving process keeps an in-memory
replica, loaded from the persistent store when it opens and kept current
through a write log: ``PATH.version`` holds ``<generation> <sequence>`` and
``PATH.log`` the updates applied since the generation began. A process that
sees a newer sequence applies the missing updates to its replica; a new
generation (a whole reload) makes it copy the store again. Replicas are swapped
or updated whole, so a query sees a graph before or after a write, never half of
it. ``PATH.lock`` (flock) keeps readers out while a writer changes the files.

Crashes: each write is one RocksDB transaction, and a whole reload builds a new
folder and swaps it in, so the store of record holds the old or the new data.
``PATH.writing`` marks a write in progress; found with no writer holding the lock,
it means a writer died, and the next process to look (at open, or before its next
query) recovers: it puts back a half-swapped folder, starts a new generation
(every replica reloads from the store of record, the log may lack the last write)
and clears the marker.

Why memory: querying pyoxigraph in memory is several times faster than on disk,
and a replica per process lets gunicorn workers answer in parallel on one
RocksDB store, which only one process may open for writing at a time.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.store.base import Capabilities, QueryResult, QuerySyntaxError, Store, StoreError

_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}
_CHUNK = 1 << 16


def check_folder(folder: Path, writable: bool = True) -> None:
    """Fail with a clear StoreError unless ``folder`` exists (or can be made) and, if
    ``writable``, takes a small write (a read-only or full file system is caught here)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the store folder {folder}: {exc.strerror}") from exc
    if not writable:
        return
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise StoreError(f"the store folder {folder} cannot be written: "
                         f"{exc.strerror or exc}") from exc


# Lines of plain triples, each ending with " ." as rdflib and kg write them (no comments).
_TRIPLE_LINES = re.compile(r"(?:[^#\s][^\n]* \.\n)*")


def _as_nquads(graphs: Sequence[tuple[str, str]]) -> bytes | None:
    """N-Triples of named graphs as N-Quads; None if a line is not one plain triple written
    as rdflib writes it, or if there may be blank nodes (their labels would be shared across
    the graphs of one document, unlike the update's). A raw line break only ends a line in
    N-Triples, so each " .\n" is the end of a triple."""
    out = []
    for graph, ntriples in graphs:
        if "_:" in ntriples:
            return None
        text = ntriples if ntriples.endswith("\n") else ntriples + "\n"
        if not _TRIPLE_LINES.fullmatch(text):
            return None
        out.append(text.replace(" .\n", f" {ox.NamedNode(graph)} .\n"))
    return "".join(out).encode("utf-8")


def _own_blank_nodes(ntriples: str, index: int) -> str:
    """The triples with their blank node labels prefixed by ``index``: one update may not
    use a label in two INSERT DATA blocks, and each graph's blank nodes are its own."""
    try:
        triples = [quad.triple for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError:
        return ntriples  # the update reports it, with its place

    def own(term: Any) -> Any:
        return ox.BlankNode(f"g{index}x{term.value}") if isinstance(term, ox.BlankNode) else term
    renamed = [ox.Triple(own(t.subject), t.predicate, own(t.object)) for t in triples]
    return (ox.serialize(renamed, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


class _Unchanged(Exception):
    """A write failed before it changed the store; ``__cause__`` is the error to raise."""


class _Unfinished(Exception):
    """A write failed half done and could not be undone now: recovery undoes it."""


def _graphs(names: Sequence[str] | None) -> list[ox.NamedNode] | None:
    return None if names is None else [ox.NamedNode(n) for n in names]


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
        if path is not None:
            self._check_folder()
            if not read_only and self._interrupted():
                with self._file_lock(exclusive=True):
                    self._recover_locked()
            if not lazy:
                with self._file_lock(exclusive=False):
                    self._reload()

    def _reader(self) -> ox.Store:
        """The replica, made now if it was left for the first read."""
        replica = self._replica
        if replica is None:
            with self._load_lock:  # not self._lock: writers take it inside the file lock
                if self._replica is None:
                    with self._file_lock(exclusive=False):
                        self._reload()
                replica = self._replica
        assert replica is not None
        return replica

    # -- files -------------------------------------------------------------------------
    def _side(self, suffix: str) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + suffix)

    def _check_folder(self) -> None:
        assert self.path is not None
        check_folder(self.path.parent, writable=not self.read_only)

    @contextmanager
    def _file_lock(self, exclusive: bool, wait: bool = True) -> Iterator[bool]:
        """Hold the store's lock for the block; with ``wait=False`` the block gets False
        (and holds nothing) when another process has it."""
        lock_path = self._side(".lock")
        try:
            handle = open(lock_path, "a+")  # noqa: SIM115 - held for the block
        except OSError as exc:
            raise StoreError(f"cannot open the store lock {lock_path}: {exc.strerror}") from exc
        try:
            flags = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            try:
                fcntl.flock(handle, flags if wait else flags | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    # -- crash recovery ----------------------------------------------------------------
    def _interrupted(self) -> bool:
        """True if a write was in progress (or a folder swap half done) when last seen."""
        assert self.path is not None
        return self._side(".writing").exists() or (
            not self.path.exists() and self._side(".old").exists())

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Mark a write in progress for the block (the caller holds the exclusive lock).

        The block raises ``_Unchanged`` when it failed before changing anything: the mark
        goes; any other exception leaves it, and the next look recovers."""
        marker = self._side(".writing")
        with marker.open("w") as handle:
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            yield
        except _Unchanged as exc:
            self._side(".new-graphs").unlink(missing_ok=True)
            marker.unlink(missing_ok=True)
            raise exc.__cause__ or exc from None
        # The note of new graphs goes first: a note must never outlive its write, or a
        # later interrupted write would drop graphs that were loaded whole.
        self._side(".new-graphs").unlink(missing_ok=True)
        marker.unlink(missing_ok=True)

    def _note_new_graphs(self, names: list[str]) -> None:
        """Record (durably) the graphs a non-transactional load is about to add: if it is
        interrupted, recovery drops them, and the store is as it was before."""
        with self._side(".new-graphs").open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(names))
            handle.flush()
            os.fsync(handle.fileno())

    def _drop_new_graphs(self, store: ox.Store | None = None) -> None:
        """Undo an interrupted non-transactional load (see :meth:`_note_new_graphs`)."""
        note = self._side(".new-graphs")
        try:
            names = json.loads(note.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except ValueError:  # cut short while written: the load had not started
            names = []
        if names and self.path is not None and self.path.exists():
            target = store if store is not None else self._open_persistent(read_only=False)
            target.update(" ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(n)}" for n in names))
            target.flush()
            del target
        note.unlink(missing_ok=True)

    def _recover_locked(self) -> None:
        """Undo what a writer that died left behind (the caller holds the exclusive lock)."""
        assert self.path is not None
        if not self._interrupted():
            return
        self._drop_new_graphs()
        old = self._side(".old")
        if not self.path.exists() and old.exists():
            old.rename(self.path)  # the swap had moved the old folder away: put it back
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self._side(".loading"), ignore_errors=True)
        self._side(".log").unlink(missing_ok=True)
        self._write_version((uuid.uuid4().hex, 0))
        self._side(".writing").unlink(missing_ok=True)

    def _recover_if_interrupted(self) -> None:
        """Recover from a dead writer, unless a live one holds the lock (then it is busy)."""
        if self.read_only or not self._interrupted():
            return
        with self._file_lock(exclusive=True, wait=False) as held:
            if held:
                self._recover_locked()

    def _read_version(self) -> tuple[str, int]:
        try:
            generation, sequence = self._side(".version").read_text().split()
            return generation, int(sequence)
        except (OSError, ValueError):
            return ("", 0)

    def _write_version(self, version: tuple[str, int]) -> None:
        target = self._side(".version")
        fd, tmp = tempfile.mkstemp(prefix=".version.", dir=target.parent)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{version[0]} {version[1]}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)

    def _open_persistent(self, read_only: bool) -> ox.Store:
        assert self.path is not None
        try:
            if read_only:
                return ox.Store.read_only(str(self.path))
            return ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    def _reload(self) -> None:
        """Copy the persistent store into a fresh replica (caller holds the file lock)."""
        assert self.path is not None
        version = self._read_version()
        fresh = ox.Store()
        if self.path.exists():
            source = self._open_persistent(read_only=True)
            # Streamed quad by quad: no temporary copy on disk (which may be full).
            fresh.bulk_extend(source.quads_for_pattern(None, None, None, None))
            del source
        with self._lock:
            self._replica = fresh
            self._version = version

    def refresh(self) -> None:
        """Bring this process's replica up to the store's latest version."""
        if self.path is None or self._replica is None:
            return
        self._recover_if_interrupted()
        current = self._read_version()
        if current == self._version:
            return
        with self._file_lock(exclusive=False):
            self.refresh_locked()

    def _read_log(self, after: int) -> list[tuple[int, str]]:
        entries = []
        try:
            with self._side(".log").open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        record = json.loads(line)
                    except ValueError:  # a line cut short by a crash: nothing after it counts
                        break
                    if record["seq"] > after:
                        entries.append((record["seq"], record["update"]))
        except FileNotFoundError:
            pass
        return entries

    # -- reading -----------------------------------------------------------------------
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
        return sorted(g.value for g in self._reader().named_graphs())

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
    def _write(self, update: str, base_iri: str | None = None,
               fast: Callable[[ox.Store], bool] | None = None) -> None:
        """Apply one SPARQL update to the store of record and to this replica.

        ``fast``, if given, may apply the same change to the store of record in one
        transaction of its own, faster than the update would, and say so (True); the write
        log and the replicas still get the update."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        try:
            if self.path is None:
                with self._lock:
                    self._reader().update(update, base_iri=base_iri)
                    self._version = (self._version[0], self._version[1] + 1)
                return
            with self._file_lock(exclusive=True):
                self._recover_locked()
                self.refresh_locked()
                persistent = self._open_persistent(read_only=False)
                try:
                    with self._writing():
                        try:
                            if fast is None or not fast(persistent):
                                persistent.update(update, base_iri=base_iri)
                        except _Unfinished as exc:  # left for recovery to undo
                            traceback.clear_frames(exc.__traceback__)
                            raise StoreError(str(exc)) from exc.__cause__
                        except BaseException as exc:  # the transaction did not commit
                            # The traceback keeps the frames below, and their locals may
                            # hold the store open past the file lock: a reader opening it
                            # then finds it mid-change. Release them now.
                            traceback.clear_frames(exc.__traceback__)
                            raise _Unchanged from exc
                        persistent.flush()
                        generation, sequence = self._read_version()
                        if not generation:
                            generation = uuid.uuid4().hex
                        sequence += 1
                        with self._side(".log").open("a", encoding="utf-8") as log:
                            log.write(json.dumps({"seq": sequence, "update": update}) + "\n")
                            log.flush()
                            os.fsync(log.fileno())
                        self._write_version((generation, sequence))
                finally:
                    del persistent
                with self._lock:
                    if self._replica is not None:
                        self._replica.update(update, base_iri=base_iri)
                    self._version = (generation, sequence)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"cannot write the store at {self.path}: "
                             f"{exc.strerror or exc}") from exc

    def refresh_locked(self) -> None:
        """Catch up with the store while holding its file lock: apply the logged writes this
        replica has not seen, or reload it when the store was replaced whole."""
        current = self._read_version()
        if current == self._version or self._replica is None:
            return
        if current[0] != self._version[0]:
            self._reload()
            return
        with self._lock:
            for _, update in self._read_log(after=self._version[1]):
                self._replica.update(update)  # type: ignore[union-attr]
            self._version = current

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self._write(sparql, base_iri=base_iri)

    def replace_graph(self, graph: str, ntriples: str) -> None:
        self.replace_graphs([(graph, ntriples)])

    def replace_graphs(self, graphs: Sequence[tuple[str, str]]) -> None:
        """Replace several graphs in one write (one write-log entry): one transaction, or, when
        none of them exists yet, one bulk load that is undone if it fails or is cut short."""
        if not graphs:
            return
        parts = []
        for index, (graph, ntriples) in enumerate(graphs):
            if len(graphs) > 1 and "_:" in ntriples:
                ntriples = _own_blank_nodes(ntriples, index)
            name = ox.NamedNode(graph)
            parts.append(f"DROP SILENT GRAPH {name} ;\n"
                         f"INSERT DATA {{ GRAPH {name} {{\n{ntriples}\n}} }}")

        def load_new(store: ox.Store) -> bool:
            # Graphs the store does not have yet need no DROP, and can be bulk-loaded (no
            # transaction: 2 x faster than a transactional N-Quads load on disk, 4 x faster
            # than the update). Undone by dropping them if it fails or is interrupted.
            names = [g for g, _ in graphs]
            if any(store.contains_named_graph(ox.NamedNode(g)) for g in names):
                return False
            quads = _as_nquads(graphs)
            if quads is None:
                return False
            self._note_new_graphs(names)
            try:
                store.bulk_load(quads, format=ox.RdfFormat.N_QUADS)
            except BaseException as exc:
                try:
                    self._drop_new_graphs(store)
                except BaseException as undo:
                    raise _Unfinished(f"a load failed ({exc}) and could not be undone "
                                      f"({undo}): the next write undoes it") from undo
                raise
            return True

        self._write(" ;\n".join(parts), fast=load_new)

    def drop_graph(self, graph: str) -> None:
        self._write(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

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
        try:
            with self._file_lock(exclusive=True):
                self._recover_locked()
                with self._writing():
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
        assert self.path is not None
        staging = self._side(".loading")
        old = self._side(".old")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            fresh = ox.Store(str(staging))
            fresh.bulk_load(path=str(dataset_file), format=fmt)
            fresh.optimize()
            fresh.flush()
        except (OSError, SyntaxError, ValueError) as exc:
            fresh = None
            shutil.rmtree(staging, ignore_errors=True)
            raise _Unchanged from StoreError(f"cannot load {dataset_file}: {exc}")
        del fresh
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        staging.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self._side(".log").unlink(missing_ok=True)
        self._write_version((uuid.uuid4().hex, 0))
