"""Starting `kg serve` (gunicorn) on 127.0.0.1 for tests that need a real HTTP server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: IO[str]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")


def environment(dataset: Path, folder: Path, **env_overrides: str) -> dict[str, str]:
    """The environment of `kg` commands on a scratch store in ``folder``."""
    env = dict(os.environ, KG_HOME=str(ROOT), KG_STORE=f"oxigraph:{folder}/store",
               KG_BUILD_FILE=str(dataset))
    env.update(env_overrides)
    return env


def start(dataset: Path, folder: Path, workers: int | str = 2,
          **env_overrides: str) -> LiveServer:
    """`kg load` the dataset into a scratch store, then `kg serve --no-build` and wait for it."""
    env = environment(dataset, folder, **env_overrides)
    subprocess.run(KG + ["load", str(dataset)], env=env, check=True, capture_output=True,
                   timeout=120)
    return serve(env, folder, workers)


KG = [sys.executable, "-m", "kg"]


def serve(env: dict[str, str], folder: Path, workers: int | str = 2) -> LiveServer:
    """`kg serve --no-build` on the store ``env`` names, in a session of its own (so that
    ``kill()`` reaches gunicorn's workers too); returns once it answers."""
    port = free_port()
    log = (folder / "server.log").open("a+", encoding="utf-8")
    process = subprocess.Popen(
        KG + ["serve", "--no-build", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=10).read()
            return LiveServer(url, process, log)
        except OSError:  # refused, reset or timed out while the workers boot
            if time.time() > deadline or process.poll() is not None:
                kill(process)
                log.seek(0)
                text = log.read()
                log.close()
                raise RuntimeError(f"kg serve did not start:\n{text}") from None
            time.sleep(0.2)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL a process started in a session of its own, with everything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
