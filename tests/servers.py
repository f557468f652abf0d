"""Pytest fixtures running real SPARQL servers (Virtuoso, Oxigraph server) on 127.0.0.1."""

from __future__ import annotations

import configparser
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DEBIAN_VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_VAD = "/usr/share/virtuoso-opensource-7/vad"
# Only for tests: let the anonymous /sparql user run SPARQL Update.
VIRTUOSO_TEST_GRANTS = (
    'GRANT SPARQL_UPDATE TO "SPARQL";'
    ' GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";'
    ' GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";'
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            response.read()
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path, name: str,
                      timeout: float) -> None:
    """Poll ``url`` until it answers; fail the test session with the server's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _answers(url):
            return
        time.sleep(0.2)
    state = "exited" if process.poll() is not None else f"did not answer within {timeout:.0f} s"
    _terminate(process)
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    pytest.fail(f"{name} {state} ({url}); its log:\n{text[-6000:]}", pytrace=False)


def _terminate(process: subprocess.Popen, wait: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _virtuoso_ini(template: Path, folder: Path, sql_port: int, http_port: int,
                  max_rows: int, max_seconds: int) -> str:
    """Debian's virtuoso.ini rewritten so every file lives in ``folder`` and ports are private."""
    ini = configparser.ConfigParser(strict=False, interpolation=None,
                                    comment_prefixes=(";", "#"), inline_comment_prefixes=(";",))
    ini.optionxform = str  # type: ignore[assignment,method-assign]
    ini.read(template)
    for section in ("Zero Config", "Plugins"):
        ini.remove_section(section)
    ini["Database"].update({
        "DatabaseFile": str(folder / "virtuoso.db"),
        "ErrorLogFile": str(folder / "virtuoso.log"),
        "LockFile": str(folder / "virtuoso.lck"),
        "TransactionFile": str(folder / "virtuoso.trx"),
        "xa_persistent_file": str(folder / "virtuoso.pxa"),
    })
    ini["TempDatabase"].update({
        "DatabaseFile": str(folder / "virtuoso-temp.db"),
        "TransactionFile": str(folder / "virtuoso-temp.trx"),
    })
    ini["Parameters"].update({
        "ServerPort": f"127.0.0.1:{sql_port}",
        "DirsAllowed": f"., {folder}, {VIRTUOSO_VAD}",
        "MaxQueryMem": "512M",
        "ThreadsPerQuery": "2",
        "NumberOfBuffers": "10000",
        "MaxDirtyBuffers": "6000",
        "MaxSortedTopRows": str(max_rows),  # deepest ORDER BY ... OFFSET/LIMIT page
    })
    ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{http_port}"
    ini["URIQA"]["DefaultHost"] = f"127.0.0.1:{http_port}"
    ini["Replication"]["ServerEnable"] = "0"
    ini["SPARQL"].update({
        "ResultSetMaxRows": str(max_rows),
        "MaxQueryExecutionTime": str(max_seconds),
        "MaxQueryCostEstimationTime": str(max_seconds * 10),
    })
    lines: list[str] = []
    for section in ini.sections():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in ini[section].items())
        lines.append("")
    return "\n".join(lines)


@dataclass
class VirtuosoServer:
    """A throw-away Virtuoso: its own database folder, ini and ports on 127.0.0.1."""

    folder: Path
    binary: str
    sql_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    max_rows: int = 100_000
    max_seconds: int = 600
    process: subprocess.Popen | None = None
    user: str = "dba"
    password: str = "dba"

    @property
    def ini(self) -> Path:
        return self.folder / "virtuoso.ini"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def graph_store_url(self) -> str:
        """The anonymous Graph Store Protocol endpoint (writable after the test grants)."""
        return f"{self.base_url}/sparql-graph-crud"

    @property
    def auth_query_url(self) -> str:
        """The query and update endpoint asking for digest credentials ``user``/``password``."""
        return f"{self.base_url}/sparql-auth"

    @property
    def auth_graph_store_url(self) -> str:
        """The Graph Store Protocol endpoint asking for digest credentials."""
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def log(self) -> Path:
        return self.folder / "virtuoso.out"

    def write_ini(self) -> None:
        text = _virtuoso_ini(DEBIAN_VIRTUOSO_INI, self.folder, self.sql_port, self.http_port,
                             self.max_rows, self.max_seconds)
        self.ini.write_text(text)

    def start(self, timeout: float = 60) -> None:
        """Start the server on the same ini and database; return once /sparql answers."""
        if self.process is not None and self.process.poll() is None:
            return
        if not self.ini.exists():
            self.write_ini()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [self.binary, "-f", "+configfile", str(self.ini)], cwd=self.folder,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        _wait_until_ready(self.process, f"{self.query_url}?query=ASK%7B%7D", self.log,
                          "virtuoso-t", timeout)

    def stop(self) -> None:
        """SIGTERM the server and wait until it is gone."""
        if self.process is not None:
            _terminate(self.process)
            self.process = None

    def isql(self, sql: str) -> str:
        """Run SQL as dba through isql-vt; return its output."""
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if isql is None:
            pytest.fail("isql-vt not found next to virtuoso-t", pytrace=False)
        done = subprocess.run(
            [isql, f"127.0.0.1:{self.sql_port}", self.user, self.password, f"exec={sql}"],
            capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            pytest.fail(f"isql-vt failed on {sql!r}:\n{done.stdout}\n{done.stderr}",
                        pytrace=False)
        return done.stdout


@dataclass
class OxigraphServer:
    """A throw-away ``oxigraph serve`` on 127.0.0.1."""

    folder: Path
    binary: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def graph_store_url(self) -> str:
        return f"{self.base_url}/store"

    @property
    def log(self) -> Path:
        return self.folder / "oxigraph.out"

    def start(self, timeout: float = 30) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [self.binary, "serve", "--location", str(self.folder / "data"),
                 "--bind", f"127.0.0.1:{self.port}"],
                cwd=self.folder, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        _wait_until_ready(self.process, f"{self.query_url}?query=ASK%7B%7D", self.log,
                          "oxigraph serve", timeout)

    def stop(self) -> None:
        if self.process is not None:
            _terminate(self.process)
            self.process = None


def require_virtuoso() -> str:
    """The ``virtuoso-t`` executable; skips the test if Virtuoso is not installed."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("virtuoso-t not installed: apt-get install virtuoso-opensource")
    if not DEBIAN_VIRTUOSO_INI.exists():
        pytest.fail(f"virtuoso-t is installed but {DEBIAN_VIRTUOSO_INI} is missing",
                    pytrace=False)
    return binary


def require_oxigraph() -> str:
    """The ``oxigraph`` server command (next to this Python, else on PATH); skips if absent."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.skip("the oxigraph server command is not installed: pip install oxigraph")
    return binary


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A Virtuoso server for the session, anonymous SPARQL Update granted (tests only)."""
    server = VirtuosoServer(folder=tmp_path_factory.mktemp("virtuoso"),
                            binary=require_virtuoso())
    server.start()
    try:
        server.isql(VIRTUOSO_TEST_GRANTS)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """An Oxigraph server for the session, persisting to a temporary folder."""
    server = OxigraphServer(folder=tmp_path_factory.mktemp("oxigraph"),
                            binary=require_oxigraph())
    server.start()
    try:
        yield server
    finally:
        server.stop()
