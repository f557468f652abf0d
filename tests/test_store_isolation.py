"""The one fork-and-kill helper that query processes and isolated parsing share."""

from __future__ import annotations

import os
import time

import pytest

from kg.isolation import IsolatedFailure, fork_child, run_in_child, stop_child


def _open_descriptors() -> list[int]:
    return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


def test_a_child_holds_only_its_pipe_and_stdio(tmp_path):
    with open(tmp_path / "server-file", "w") as held:  # a descriptor the server holds
        fds = run_in_child(_open_descriptors, timeout=30)
        assert held.fileno() not in fds
    assert len([fd for fd in fds if fd > 2]) <= 2  # its pipe, and listdir's own


def test_a_child_past_its_deadline_is_killed_and_reaped():
    started = time.monotonic()
    with pytest.raises(IsolatedFailure, match="longer than"):
        run_in_child(time.sleep, 30, timeout=0.5)
    assert time.monotonic() - started < 10
    read_fd, write_fd = os.pipe()
    pid = fork_child(write_fd, lambda: time.sleep(30), die_with_parent=False)
    os.close(write_fd)
    assert stop_child(pid) is None  # killed
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # and reaped
    os.close(read_fd)


def test_a_child_that_ends_by_itself_gives_its_status():
    read_fd, write_fd = os.pipe()
    pid = fork_child(write_fd, lambda: None)
    os.close(write_fd)
    status = stop_child(pid, grace=10)
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    os.close(read_fd)


def test_memory_beyond_the_allowance_fails_in_the_child_only():
    with pytest.raises(IsolatedFailure, match="memory"):
        run_in_child(lambda: bytearray(512 * 2**20), timeout=30, memory_mb=64)
