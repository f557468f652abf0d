"""The embedded store's files beside its folder: the lock, the version and the write log.

``PATH.version`` holds ``<generation> <sequence>``: the store version readers catch up to.
``PATH.changes/`` holds the write log, one file per sequence number (``000000000042.nq``),
each the change set of that write (a JSON header line, then N-Quads): a reader applies the
files after its own sequence, and reads nothing else. The log keeps a bounded tail (entries
and bytes); older entries are deleted, and a reader behind the tail copies the store of
record again, which is the checkpoint every entry applies to.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.files import write_atomically
from kg.store.base import ChangeSet, StoreError

TAIL_ENTRIES = 64
TAIL_BYTES = 256 * 2**20
_NQ = ox.RdfFormat.N_QUADS


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


def holds_store(path: Path) -> bool:
    """True if ``path`` is a store folder with something in it (an empty folder is a new,
    empty store, as a missing one is)."""
    try:
        return any(path.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return False


def side(path: Path, suffix: str) -> Path:
    """A file beside the store's folder: ``PATH`` + ``suffix``."""
    return path.with_name(path.name + suffix)


@contextmanager
def file_lock(path: Path, exclusive: bool, wait: bool = True) -> Iterator[bool]:
    """Hold the store's lock (``PATH.lock``, flock) for the block; with ``wait=False`` the
    block gets False (and holds nothing) when another process has it."""
    lock_path = side(path, ".lock")
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


def write_durably(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` whole or not at all (a temporary file, synced, renamed)."""
    write_atomically(target, data)


def encode(changes: ChangeSet) -> bytes:
    """A change set as bytes: a JSON header line, then three N-Quads blocks (the replaced
    graphs' triples in their graphs, the removed quads, the added quads). Blank nodes keep
    their labels, so every reader gets the same ones."""
    blocks = [ox.serialize(quads, format=_NQ) or b""
              for quads in (changes.graph_quads(), changes.removed, changes.added)]
    header = {"dropped": sorted(changes.dropped), "graphs": list(changes.graphs),
              "sizes": [len(b) for b in blocks]}
    return json.dumps(header).encode() + b"\n" + b"".join(blocks)


def decode(data: bytes) -> ChangeSet:
    """The change set :func:`encode` wrote."""
    line, _, rest = data.partition(b"\n")
    header = json.loads(line)
    blocks = []
    start = 0
    for size in header["sizes"]:
        blocks.append(list(ox.parse(rest[start:start + size], format=_NQ)))
        start += size
    graphs: dict[str, list[ox.Triple]] = {name: [] for name in header["graphs"]}
    for quad in blocks[0]:
        graphs[quad.graph_name.value].append(quad.triple)
    changes = ChangeSet(graphs=graphs, dropped=set(header["dropped"]), removed=blocks[1],
                        added=blocks[2])
    changes.__dict__["_graph_quads"] = blocks[0]  # as graph_quads() would make them
    return changes


class WriteLog:
    """The version file and the write log of the store at ``path`` (see the module).

    ``entries_read`` and ``bytes_read`` count what catching up read, so a test (or an
    operator) can see that it costs what changed, not the whole log."""

    def __init__(self, path: Path, tail_entries: int = TAIL_ENTRIES,
                 tail_bytes: int = TAIL_BYTES) -> None:
        self.path = path
        self.folder = side(path, ".changes")
        self.tail_entries = tail_entries
        self.tail_bytes = tail_bytes
        self.entries_read = 0
        self.bytes_read = 0

    def read_version(self) -> tuple[str, int]:
        try:
            generation, sequence = side(self.path, ".version").read_text().split()
            return generation, int(sequence)
        except (OSError, ValueError):
            return ("", 0)

    def write_version(self, version: tuple[str, int]) -> None:
        write_durably(side(self.path, ".version"), f"{version[0]} {version[1]}\n".encode())

    def _entry(self, sequence: int) -> Path:
        return self.folder / f"{sequence:012d}.nq"

    def append(self, sequence: int, changes: ChangeSet) -> None:
        """Record write number ``sequence`` (the caller holds the exclusive lock), then drop
        entries beyond the kept tail."""
        self.folder.mkdir(exist_ok=True)
        write_durably(self._entry(sequence), encode(changes))
        self.compact()

    def since(self, after: int, upto: int) -> list[ChangeSet] | None:
        """The change sets of writes ``after``+1 .. ``upto``, or None if one is no longer
        kept (the reader must copy the store again). The caller holds the lock."""
        found = []
        for sequence in range(after + 1, upto + 1):
            try:
                data = self._entry(sequence).read_bytes()
            except FileNotFoundError:
                return None
            self.entries_read += 1
            self.bytes_read += len(data)
            found.append(decode(data))
        return found

    def compact(self) -> None:
        """Keep the newest entries within ``tail_entries`` and ``tail_bytes``; delete the rest."""
        try:
            entries = sorted(self.folder.glob("*.nq"), reverse=True)
        except OSError:
            return
        total = 0
        for count, entry in enumerate(entries):
            try:
                total += entry.stat().st_size
            except FileNotFoundError:
                continue
            if count >= self.tail_entries or total > self.tail_bytes:
                entry.unlink(missing_ok=True)

    def size(self) -> int:
        """Bytes the log takes on disk."""
        return sum(e.stat().st_size for e in self.folder.glob("*.nq")) \
            if self.folder.exists() else 0

    def clear(self) -> None:
        """Forget every entry (a new generation: readers copy the store again)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        side(self.path, ".log").unlink(missing_ok=True)  # the older single-file log
