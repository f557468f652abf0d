"""Starting `kg serve` (gunicorn) on 127.0.0.1 for tests that need a real HTTP server."""

from __future__ import annotations

import os
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


def start(dataset: Path, folder: Path, workers: int = 2, **env_overrides: str) -> LiveServer:
    """`kg load` the dataset into a scratch store, then `kg serve --no-build` and wait for it."""
    env = dict(os.environ, KG_HOME=str(ROOT), KG_STORE=f"oxigraph:{folder}/store",
               KG_BUILD_FILE=str(dataset), **env_overrides)
    kg = [sys.executable, "-m", "kg"]
    subprocess.run(kg + ["load", str(dataset)], env=env, check=True, capture_output=True,
                   timeout=120)
    port = free_port()
    log = (folder / "server.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        kg + ["serve", "--no-build", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=10).read()
            return LiveServer(url, process, log)
        except OSError:  # refused, reset or timed out while the workers boot
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                log.seek(0)
                text = log.read()
                log.close()
                raise RuntimeError(f"kg serve did not start:\n{text}") from None
            time.sleep(0.2)
