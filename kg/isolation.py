"""Running untrusted parsing in a forked child process, with a deadline and a memory cap.

Native parsers can crash the whole process on adversarial input (pyoxigraph's
recursive-descent parsers overflow the stack on documents nested tens of
thousands deep) or use unbounded memory (XML entity expansion). A child that
crashes, runs out of memory or passes the deadline is reported as a clear error
and the serving process is untouched.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
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


def run_in_child(fn: Callable[..., T], *args: Any, timeout: float = 10.0,
                 memory_mb: int = 1024) -> T:
    """``fn(*args)`` in a forked child; its exceptions are re-raised here.

    Raises IsolatedFailure if the child crashes, exceeds ``memory_mb`` more memory than
    this process maps, or runs past ``timeout`` seconds."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        try:
            # hold none of the server's sockets or files open, only the answer pipe
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, os.sysconf("SC_OPEN_MAX"))
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                        signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            limit_memory(memory_mb * 1024 * 1024)
            try:
                payload = pickle.dumps(("ok", fn(*args)))
            except MemoryError:
                payload = pickle.dumps(("fail", "it needs more memory than allowed"))
            except Exception as exc:  # noqa: BLE001 - handed to the parent as it is
                payload = pickle.dumps(("error", exc))
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    started = time.monotonic()
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            deadline_left = timeout - (time.monotonic() - started)
            if deadline_left <= 0:
                _kill(pid)
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


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
