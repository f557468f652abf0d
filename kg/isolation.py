"""Work in forked child processes that can be killed: the one place that forks.

:func:`fork_child` and :func:`stop_child` are the mechanics every forked child shares: it
holds none of the server's sockets or files (only its own pipe), takes the default signal
handlers, may allocate only so much memory beyond what it shares with its parent, and dies
with its parent; the parent kills it at its deadline. The query executor
(:mod:`kg.web.executor`) keeps such children and reuses them; :func:`run_in_child` runs
one function in a child of its own.

That is for untrusted parsing: native parsers can crash the whole process on adversarial
input (pyoxigraph's recursive-descent parsers overflow the stack on documents nested tens
of thousands deep) or use unbounded memory (XML entity expansion). A child that crashes,
runs out of memory or passes the deadline is reported as a clear error and the serving
process is untouched.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class IsolatedFailure(Exception):
    """The child failed: crashed, timed out or ran out of memory. The message says which."""


def proc_bytes(path: str, key: str) -> int:
    """A ``key: N kB`` line of a /proc file (``/proc/self/status``, ``/proc/meminfo``) in
    bytes; 0 if the file or the line is missing."""
    prefix = key + ":"
    try:
        with open(path, encoding="ascii") as lines:
            for line in lines:
                if line.startswith(prefix):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(allowance: int) -> None:
    """Cap this (forked) process's address space at its current size plus ``allowance``
    bytes: an allocation past it fails (MemoryError in Python, an abort in native code)."""
    size = proc_bytes("/proc/self/status", "VmSize")
    if not size:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = size + allowance
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


_RESET_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1,
                  signal.SIGUSR2, signal.SIGWINCH, signal.SIGCHLD)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def fork_child(keep: int, main: Callable[[], object], memory: int | None = None,
               die_with_parent: bool = True) -> int:
    """Fork a child that runs ``main()`` then exits; its pid (in the parent).

    The child keeps stdio and the descriptor ``keep`` (its pipe to the parent) and closes
    every other one (a dropped keep-alive connection must not stay open in it), takes the
    default signal handlers, and may allocate ``memory`` bytes beyond what it shares with
    the parent (None: no cap). ``die_with_parent``: the kernel kills it when the forking
    *thread* ends, so only for a child that thread waits for; a reused child instead ends
    when its pipe closes. Fork only where no other thread is changing what the child
    inherits (see ``Store.fork_guard``)."""
    pid = os.fork()
    if pid:
        return pid
    try:  # pragma: no cover - runs in the child
        os.closerange(3, keep)
        os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
        for sig in _RESET_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        if die_with_parent:
            _die_with_parent()
        if memory:
            limit_memory(memory)
        main()
    finally:
        os._exit(0)


def stop_child(pid: int, grace: float = 0.0) -> int | None:
    """Stop a child, first waiting up to ``grace`` s for it to end by itself; its wait status
    if it did (None if it had to be killed, or was gone)."""
    deadline = time.monotonic() + grace
    try:
        while True:
            ended, status = os.waitpid(pid, os.WNOHANG)
            if ended != 0:
                return status
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            time.sleep(0.005)
    except (ProcessLookupError, ChildProcessError):
        return None


def run_in_child(fn: Callable[..., T], *args: Any, timeout: float = 10.0,
                 memory_mb: int = 1024) -> T:
    """``fn(*args)`` in a forked child; its exceptions are re-raised here.

    Raises IsolatedFailure if the child crashes, exceeds ``memory_mb`` more memory than
    this process maps, or runs past ``timeout`` seconds."""
    read_fd, write_fd = os.pipe()

    def answer() -> None:  # pragma: no cover - runs in the child
        try:
            payload = pickle.dumps(("ok", fn(*args)))
        except MemoryError:
            payload = pickle.dumps(("fail", "it needs more memory than allowed"))
        except Exception as exc:  # noqa: BLE001 - handed to the parent as it is
            payload = pickle.dumps(("error", exc))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)

    pid = fork_child(write_fd, answer, memory_mb * 1024 * 1024)
    os.close(write_fd)
    chunks: list[bytes] = []
    started = time.monotonic()
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            deadline_left = timeout - (time.monotonic() - started)
            if deadline_left <= 0:
                stop_child(pid)
                raise IsolatedFailure(f"it took longer than {timeout:g} s")
            ready, _, _ = select.select([pipe], [], [], deadline_left)
            if not ready:
                continue
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        if os.WIFSIGNALED(status):
            raise IsolatedFailure(f"the parser crashed (signal {os.WTERMSIG(status)})")
        raise IsolatedFailure("the parser ended without an answer")
    kind, value = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's output
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    raise IsolatedFailure(value)

