"""Writes that survive a crash: the in-progress marker and the undo journal.

``PATH.writing`` marks a write in progress. Before it changes the store of record, a writer
saves the change that undoes it (``PATH.undo``, written whole or not at all); found with no
writer holding the lock, the marker means a writer died, and recovery applies the undo
journal (the store is as before the write), puts back a half-swapped folder, and starts a
new generation (every replica copies the store of record again).

For tests, ``KG_TEST_CRASH_AT=after-commit`` makes a writer kill itself (SIGKILL) after a
write reached the store of record and before its write-log entry, ``after-log`` after the
entry and before the version that publishes it: :func:`crash_point`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.store.base import ChangeSet
from kg.store.replica import apply_to
from kg.store.writelog import WriteLog, decode, encode, holds_store, side, write_durably

CRASH_ENV = "KG_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, at once, if ``KG_TEST_CRASH_AT`` names this point (tests of recovery)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


class Unchanged(Exception):
    """A write failed before it changed the store; ``__cause__`` is the error to raise."""


class Unfinished(Exception):
    """A write failed half done and could not be undone now: recovery undoes it."""


class Recovery:
    """The marker and undo journal of the store at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.marker = side(path, ".writing")
        self.journal = side(path, ".undo")

    def interrupted(self) -> bool:
        """True if a write was in progress (or a folder swap half done) when last seen."""
        return self.marker.exists() or (
            not self.path.exists() and side(self.path, ".old").exists())

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Mark a write in progress for the block (the caller holds the exclusive lock).

        The block raises :class:`Unchanged` when it failed before changing anything (or
        undid what it changed): the mark goes; any other exception leaves it, and the next
        look recovers."""
        write_durably(self.marker, f"{os.getpid()}\n".encode())
        try:
            yield
        except Unchanged as exc:
            self._clear()
            raise exc.__cause__ or exc from None
        self._clear()

    def _clear(self) -> None:
        # The journal goes first: it must never outlive its write, or a later interrupted
        # write would undo this one.
        self.journal.unlink(missing_ok=True)
        side(self.path, ".new-graphs").unlink(missing_ok=True)  # an older writer's note
        self.marker.unlink(missing_ok=True)

    def save_undo(self, undo: ChangeSet) -> None:
        """Record (durably, whole) what undoes the write about to be applied."""
        write_durably(self.journal, encode(undo))

    def undo(self, store: ox.Store | None = None) -> None:
        """Apply the undo journal, if a whole one is there, to the store of record (or the
        note of new graphs an older writer left: they are dropped)."""
        try:
            changes = decode(self.journal.read_bytes())
        except FileNotFoundError:
            changes = self._older_note()
        if changes is not None and holds_store(self.path):
            target = store if store is not None else ox.Store(str(self.path))
            apply_to(target, changes)
            target.flush()
            del target
        self.journal.unlink(missing_ok=True)

    def _older_note(self) -> ChangeSet | None:
        try:
            names = json.loads(side(self.path, ".new-graphs").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):  # none, or cut short before the load began
            return None
        return ChangeSet(dropped=set(names))

    def recover_locked(self, log: WriteLog) -> None:
        """Undo what a writer that died left behind (the caller holds the exclusive lock)."""
        if not self.interrupted():
            return
        self.undo()
        old = side(self.path, ".old")
        if not self.path.exists() and old.exists():
            old.rename(self.path)  # the swap had moved the old folder away: put it back
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(side(self.path, ".loading"), ignore_errors=True)
        log.clear()
        log.write_version((uuid.uuid4().hex, 0))
        self._clear()
