"""Faults: writers killed mid-write, a remote store that goes away, a store folder that
cannot be written.

After a SIGKILL the store holds the old or the new version of each statement graph, never
a mix, ``kg validate --store`` passes, and the service comes back by itself.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import live
import pyoxigraph as ox
import pytest
from conftest import FIRST, ROOT, SMALL, copy_home
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from servers import VIRTUOSO_TEST_GRANTS, VirtuosoServer, require_virtuoso

from kg.config import load_settings
from kg.pipeline.build import build
from kg.store import EmbeddedStore, RemoteStore
from kg.web import create_app

TOKEN = "fault-token"
BASE = "https://w3id.org/ekg/"
FIRST_GRAPH = f"{BASE}graph/statement/{FIRST}"
PADDING = "urn:kg-test:padding"
STATE = f"""SELECT (COUNT(*) AS ?n) (SUM(IF(?s = <{PADDING}>, 1, 0)) AS ?pad)
            WHERE {{ GRAPH <{FIRST_GRAPH}> {{ ?s ?p ?o }} }}"""


def _padded(ntriples: str, count: int) -> str:
    """The statement graph with ``count`` extra triples: a bigger, still valid version (the
    padding subject typed, as every subject of a statement graph must be)."""
    extra = "".join(f'<{PADDING}> <http://www.w3.org/2000/01/rdf-schema#comment> "padding '
                    f'{i}" .\n' for i in range(count - 1))
    typed = (f"<{PADDING}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
             "<http://www.w3.org/2000/01/rdf-schema#Resource> .\n")
    return ntriples + typed + extra


def _state(url: str) -> tuple[int, int]:
    """(triples, padding triples) of the first statement's graph, read in one query."""
    request = urllib.request.Request(
        f"{url}/sparql", data=STATE.encode(), method="POST",
        headers={"Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        row = json.loads(response.read())["results"]["bindings"][0]
    return int(row["n"]["value"]), int(row["pad"]["value"])


def _put(url: str, ntriples: str) -> int:
    request = urllib.request.Request(
        f"{url}/graph-store?graph={FIRST_GRAPH}", data=ntriples.encode(), method="PUT",
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status


def _validate_store(env: dict[str, str]) -> None:
    done = subprocess.run(live.KG + ["validate", "--store"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid:" in done.stdout and "Traceback" not in done.stderr


@pytest.fixture
def first_ntriples(built) -> str:
    statement = next(s for s in built.statements if s.statement_id == FIRST)
    return statement.graph.serialize(format="nt")


def test_killing_the_server_while_it_replaces_a_statement(small_built_file, first_ntriples,
                                                          tmp_path):
    built_file = small_built_file
    env = live.environment(built_file, tmp_path, KG_UPDATE_TOKEN=TOKEN,
                           KG_MAX_BODY=str(64 << 20))
    subprocess.run(live.KG + ["load", str(built_file)], env=env, check=True,
                   capture_output=True, timeout=120)
    versions = {0: first_ntriples, 1: _padded(first_ntriples, 30_000)}
    server = live.serve(env, tmp_path)
    try:
        old = _state(server.url)
        started = time.monotonic()
        assert _put(server.url, versions[1]) in (200, 204)
        whole = time.monotonic() - started
        new = _state(server.url)
        assert new == (old[0] + 30_000, 30_000)
        assert _put(server.url, versions[0]) in (200, 204) and _state(server.url) == old
    finally:
        server.stop()
    expected = {old: 0, new: 1}
    seen = []
    for fraction in (0.5, 0.9):
        server = live.serve(env, tmp_path)
        before = expected[_state(server.url)]
        target = 1 - before
        sender = threading.Thread(target=_quietly, args=(_put, server.url, versions[target]))
        sender.start()
        time.sleep(whole * fraction)
        live.kill(server.process)
        server.log.close()
        sender.join(timeout=30)
        _validate_store(env)
        server = live.serve(env, tmp_path)
        try:
            after = _state(server.url)
        finally:
            server.stop()
        assert after in expected, f"a mix of two versions after a kill at {fraction:.0%}: {after}"
        seen.append(("old", "new")[expected[after] == target])
    assert len(seen) == 2


def _quietly(function, *args) -> None:
    try:
        function(*args)
    except OSError:  # the server was killed under the request: that is the point
        pass


def test_queries_during_replacements_see_one_version_or_the_other(small_built_file,
                                                                  first_ntriples, tmp_path):
    """Concurrency: four clients query the statement graph while it is replaced back and
    forth through the other worker; every answer is one whole version."""
    built_file = small_built_file
    env = live.environment(built_file, tmp_path, KG_UPDATE_TOKEN=TOKEN,
                           KG_MAX_BODY=str(64 << 20))
    server = live.start(built_file, tmp_path, KG_UPDATE_TOKEN=TOKEN, KG_MAX_BODY=str(64 << 20))
    assert env["KG_STORE"].endswith("/store")
    versions = [first_ntriples, _padded(first_ntriples, 2_000)]
    try:
        old = _state(server.url)
        allowed = {old, (old[0] + 2_000, 2_000)}
        answers: list[tuple[int, int]] = []
        failures: list[str] = []
        done = threading.Event()

        def reader() -> None:
            while not done.is_set():
                try:
                    answers.append(_state(server.url))
                except urllib.error.HTTPError as exc:
                    failures.append(f"{exc.code}: {exc.read()[:300]!r}")
                except OSError as exc:
                    failures.append(repr(exc))

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for thread in readers:
            thread.start()
        try:
            for i in range(6):
                assert _put(server.url, versions[(i + 1) % 2]) in (200, 204)
        finally:
            done.set()
            for thread in readers:
                thread.join(timeout=60)
        assert not failures, failures[:3]
        assert len(answers) > 20 and set(answers) <= allowed, set(answers) - allowed
        assert set(answers) == allowed  # both versions were seen while writes went on
        assert _state(server.url) == old
    finally:
        server.stop()


WRITER = """
import sys
from pathlib import Path
from kg.store import EmbeddedStore
store = EmbeddedStore(Path(sys.argv[1]))
versions = [Path(sys.argv[2]).read_text(), Path(sys.argv[3]).read_text()]
print("ready", flush=True)
i = 0
while True:
    i += 1
    store.replace_graph(sys.argv[4], versions[i % 2])
"""


def test_a_writer_killed_at_random_moments_leaves_old_or_new(small_built_file, first_ntriples,
                                                            tmp_path):
    """A process replacing the statement graph in a loop is SIGKILLed at random moments; a
    replica opened before the kill (a serving worker) and a fresh one agree on a whole
    version afterwards."""
    path = tmp_path / "store"
    EmbeddedStore(path).replace_all(small_built_file)
    small, big = tmp_path / "small.nt", tmp_path / "big.nt"
    small.write_text(first_ntriples)
    big.write_text(_padded(first_ntriples, 50_000))
    sizes = {len(first_ntriples.splitlines()), len(first_ntriples.splitlines()) + 50_000}
    serving = EmbeddedStore(path)
    rng = random.Random(7)
    for _ in range(6):
        with subprocess.Popen(
                [sys.executable, "-c", WRITER, str(path), str(small), str(big), FIRST_GRAPH],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as writer:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
            time.sleep(rng.uniform(0.2, 2.0))
            writer.send_signal(signal.SIGKILL)
        fresh = EmbeddedStore(path)
        counts = [sum(1 for _ in store.graph_triples(FIRST_GRAPH)) for store in (fresh, serving)]
        assert counts[0] == counts[1] and counts[0] in sizes, counts
        assert not (tmp_path / "store.writing").exists()
        assert len(fresh.graph_names()) == len(serving.graph_names())


def _reingested_home(tmp_path: Path) -> Path:
    """A content root of the small dataset whose statements all carry a changed source note."""
    home = copy_home(tmp_path / "home", SMALL)
    for path in sorted((home / "data" / "statements").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        changed = text.replace('  source: "', '  source: "Re-ingested. ', 1)
        assert changed != text, path.name
        path.write_text(changed, encoding="utf-8")
    return home


def _as_stored(graph: Graph) -> Graph:
    """The graph as the store gives it back (literals in canonical form: 5.0 -> 5)."""
    store = ox.Store()
    store.load(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    text = store.dump(format=ox.RdfFormat.N_QUADS)
    return Graph().parse(data=text.decode(), format="nt")


def _stored_graphs(path: Path) -> dict[str, Graph]:
    store = EmbeddedStore(path)
    prefix = f"{BASE}graph/statement/"
    graphs = {}
    for name in store.graph_names():
        if name.startswith(prefix):
            text = ox.serialize(list(store.graph_triples(name)), format=ox.RdfFormat.N_TRIPLES)
            graphs[name[len(prefix):]] = Graph().parse(data=text.decode(), format="nt")
    return graphs


def _same(a: Graph, b: Graph) -> bool:
    if len(a) != len(b):
        return False
    if any(isinstance(term, BNode) for graph in (a, b) for triple in graph for term in triple):
        return isomorphic(a, b)
    return set(a) == set(b)


def test_killing_a_bulk_ingest_leaves_each_statement_old_or_new(small_built, small_built_file,
                                                                tmp_path):
    built, built_file = small_built, small_built_file
    home = _reingested_home(tmp_path)
    renewed = build(load_settings({"HOME": home}, environ={}))
    old = {s.statement_id: _as_stored(s.graph) for s in built.statements}
    new = {s.statement_id: _as_stored(s.graph) for s in renewed.statements}
    names = sorted(new)[:8]
    listing = tmp_path / "ingest.csv"
    listing.write_text("annotation\n" + "".join(
        f"{home}/data/statements/{name}.yaml\n" for name in names))
    env = live.environment(built_file, tmp_path, KG_HOME=str(home))
    store = tmp_path / "store"
    subprocess.run(live.KG + ["load", str(built_file)], env=env, check=True,
                   capture_output=True, timeout=120)
    command = live.KG + ["ingest", "--jobs", "2", "--batch", "2", str(listing)]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    whole = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    stored = _stored_graphs(store)
    assert all(_same(stored[k], new[k] if k in names else old[k]) for k in old)
    mixes, killed_workers = [], []
    for fraction in (0.55, 0.85):
        EmbeddedStore(store).replace_all(built_file)  # back to the old versions
        ingest = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(whole * fraction)
        workers = _children(ingest.pid)
        killed_workers += workers
        ingest.send_signal(signal.SIGKILL)
        ingest.wait()
        _gone(workers)  # its worker processes end with it
        stored = _stored_graphs(store)
        assert set(stored) == set(old)
        versions = {name: "old" if _same(graph, old[name]) else
                    "new" if _same(graph, new[name]) else "mixed"
                    for name, graph in stored.items()}
        assert "mixed" not in versions.values(), versions
        mixes.append(versions)
    _validate_store(env)
    assert any("new" in v.values() for v in mixes), "no kill landed after a statement loaded"
    assert killed_workers, "no kill landed while the worker processes ran"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _gone(pids: list[int], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    left = list(pids)
    while left and time.monotonic() < deadline:
        left = [p for p in left if _alive(p)]
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes {left} outlived the killed ingest"


def _get(client, path: str, accept: str = "application/json"):
    return client.get(path, headers={"Accept": accept})


def test_the_service_answers_503_while_virtuoso_is_down_and_recovers(small_built_file,
                                                                     tmp_path):
    server = VirtuosoServer(folder=tmp_path / "virtuoso", binary=require_virtuoso())
    server.folder.mkdir()
    server.start()
    try:
        server.isql(VIRTUOSO_TEST_GRANTS)
        store = RemoteStore(server.query_url, update_url=server.update_url,
                            graph_store_url=server.graph_store_url, timeout=10)
        store.replace_all(small_built_file)
        app = create_app({"HOME": ROOT, "TESTING": True, "STORE_INSTANCE": store})
        client = app.test_client()
        paths = ["/sparql?query=ASK%7B%7D", f"/queries/statement-claims.json?statement="
                 f"{BASE}id/statement/{FIRST}", f"/id/statement/{FIRST}", "/search?q=missing"]
        for path in paths:
            assert _get(client, path).status_code == 200, path
        server.stop()
        for path in paths:
            for accept in ("application/json", "text/html"):
                response = _get(client, path, accept)
                assert response.status_code == 503, (path, response.status_code)
                text = response.get_data(as_text=True)
                assert "not reachable" in text and "Traceback" not in text, text
        server.start()
        for path in paths:
            assert _get(client, path).status_code == 200, path
    finally:
        server.stop()


def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30)
    return done.returncode == 0


def _run_confined(kind: str, folder: Path, argv: list[str], env: dict[str, str]):
    """Run ``argv`` with ``folder`` read-only or (nearly) full.

    As root, in a mount namespace of its own: a read-only bind mount, or a 1 MiB tmpfs. As
    another user (root ignores file modes): mode 0555, or a 32 KiB file-size limit."""
    if _can_mount():
        mount = (f"mount --bind -o ro '{folder}' '{folder}'" if kind == "read-only"
                 else f"mount -t tmpfs -o size=1m tmpfs '{folder}'")
        return subprocess.run(["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh",
                               *argv], env=env, capture_output=True, text=True, timeout=300)
    assert os.geteuid() != 0, "running as root needs unshare(1) and mount namespaces"
    if kind == "read-only":
        folder.chmod(0o555)
        try:
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        finally:
            folder.chmod(0o755)

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=limit)


@pytest.mark.parametrize("kind, words", [
    ("read-only", ("cannot be written", "read-only", "permission denied")),
    ("full", ("no space left", "file too large", "cannot be written")),
])
@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["load", "--force"]])
def test_a_store_folder_that_cannot_be_written_is_a_clear_error(kind, words, command,
                                                                built_file, tmp_path):
    folder = tmp_path / "var"
    folder.mkdir()
    env = live.environment(built_file, folder)
    env["KG_BUILD_FILE"] = str(tmp_path / "kg.nq")
    shutil.copy(built_file, tmp_path / "kg.nq")
    done = _run_confined(kind, folder, live.KG + command, env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    assert any(word in done.stderr.lower() for word in words), done.stderr
    assert "Traceback" not in done.stderr and "serving on" not in done.stdout


def test_a_store_loaded_before_the_disk_filled_keeps_its_data(built_file, tmp_path):
    """A reload that runs out of room fails with a clear error and leaves the old store."""
    folder = tmp_path / "var"
    env = live.environment(built_file, folder)
    subprocess.run(live.KG + ["load", str(built_file)], env=env, check=True,
                   capture_output=True, timeout=120)
    before = _stored_graphs(folder / "store")
    reload = live.KG + ["load", "--force", str(built_file)]
    if _can_mount():
        # In a mount namespace: the store copied onto a tmpfs with 1 MiB to spare, mounted
        # over its folder; after the failed reload, the tmpfs is copied out to be checked.
        used = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        full, out = tmp_path / "full", tmp_path / "after"
        full.mkdir()
        out.mkdir()
        script = (f"mount -t tmpfs -o size={used + (1 << 20)} tmpfs '{full}' && "
                  f"cp -a '{folder}/.' '{full}/' && mount --bind '{full}' '{folder}' && "
                  f"{{ \"$@\"; status=$?; cp -a '{full}/.' '{out}/'; exit $status; }}")
        done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *reload], env=env,
                              capture_output=True, text=True, timeout=300)
        folder = out
    else:
        done = _run_confined("full", folder, reload, env)
    assert done.returncode == 2 and done.stderr.startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    after = _stored_graphs(folder / "store")
    assert set(after) == set(before)
    assert all(isomorphic(after[k], before[k]) for k in before)


def test_a_503_page_is_not_a_500(tmp_path):
    """A remote store that was never reachable: pages say so with 503, no traceback."""
    app = create_app({"HOME": ROOT, "TESTING": True, "STORE_INSTANCE": RemoteStore(
        f"http://127.0.0.1:{live.free_port()}/sparql", timeout=2)})
    response = app.test_client().get("/", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.get_data(as_text=True)

