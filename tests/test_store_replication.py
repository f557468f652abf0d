"""Replication by change set: every process's replica holds the same quads as the store of
record (blank nodes and all), catching up costs what changed, and a writer killed between
the store of record and the write log leaves every replica agreeing with the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from kg.store import EmbeddedStore, open_store
from kg.store.base import ChangeSet
from kg.store.capacity import count_quads

G = "https://example.org/graph/one"
H = "https://example.org/graph/two"
P = "<https://example.org/p>"


def _nt(subject: str, *values: str) -> str:
    return "".join(f'<https://example.org/{subject}> {P} "{v}" .\n' for v in values)


def _quads(store: ox.Store) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, None)}


def _of_record(path: Path) -> set[str]:
    return _quads(ox.Store.read_only(str(path)))


def _replica(store: EmbeddedStore) -> set[str]:
    store.refresh()
    return _quads(store.oxigraph)


NONDETERMINISTIC = f"""
INSERT {{ GRAPH <{G}> {{ <https://example.org/s> {P} ?r, ?u, ?t, ?n, ?b . ?b {P} "x" }} }}
WHERE {{ BIND(RAND() AS ?r) BIND(UUID() AS ?u) BIND(STRUUID() AS ?t) BIND(NOW() AS ?n)
         BIND(BNODE() AS ?b) }}"""


def test_replicas_agree_after_an_update_with_random_values(tmp_path: Path):
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    reader = EmbeddedStore(path)  # another serving process, open before the write
    writer.update(NONDETERMINISTIC)
    record = _of_record(path)
    assert len(record) == 6
    assert _replica(writer) == record
    assert _replica(reader) == record  # caught up from the log, not evaluated again
    assert _replica(EmbeddedStore(path)) == record  # a fresh copy of the store of record


def test_an_update_with_a_relative_iri_replicates(tmp_path: Path):
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    reader = EmbeddedStore(path)
    writer.update(f"INSERT DATA {{ GRAPH <{G}> {{ <thing> {P} <other> }} }}",
                  base_iri="https://example.org/base/")
    expected = {f"<https://example.org/base/thing> {P} <https://example.org/base/other> <{G}>"}
    assert _replica(reader) == expected
    reader.update(f"INSERT DATA {{ GRAPH <{G}> {{ <a> {P} 'b' }} }}",
                  base_iri="https://example.org/base/")  # the service is not broken
    assert _replica(writer) == _replica(reader) == _of_record(path)


def test_blank_nodes_are_the_same_on_every_replica(tmp_path: Path):
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    reader = EmbeddedStore(path)
    blank = f'_:x {P} "1" .\n_:x {P} _:y .\n'
    writer.replace_graphs([(G, blank), (H, blank)])
    record = _of_record(path)
    labels = {t.split()[0] for t in record if t.startswith("_:")}
    assert len(labels) == 2  # each graph's blank node is its own
    assert _replica(writer) == _replica(reader) == _replica(EmbeddedStore(path)) == record
    writer.apply(ChangeSet(removed=[next(q for q in ox.Store.read_only(str(path))
                                         if isinstance(q.object, ox.BlankNode))]))
    assert _replica(reader) == _of_record(path) == _replica(writer)


def test_the_log_keeps_a_bounded_tail_and_catching_up_reads_what_changed(tmp_path: Path):
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    assert writer.write_log is not None
    writer.write_log.tail_entries = 4
    near = EmbeddedStore(path)
    far = EmbeddedStore(path)
    for n in range(40):
        writer.replace_graph(G, _nt("a", *(str(i) for i in range(n, n + 50))))
        near.refresh()
    sizes = []
    for n in range(20):
        writer.replace_graph(H, _nt("b", str(n)))
        sizes.append(writer.write_log.size())
    assert len(list(writer.write_log.folder.glob("*.nq"))) == 4
    assert max(sizes) < 4 * 5000  # the tail's entries, not every write's
    near.refresh()
    assert near.write_log is not None
    read_before = near.write_log.entries_read, near.write_log.bytes_read
    writer.replace_graph(H, _nt("b", "last"))
    near.refresh()
    assert near.write_log.entries_read - read_before[0] == 1  # one write behind: one entry
    assert near.write_log.bytes_read - read_before[1] < 1000
    assert _quads(near.oxigraph) == _of_record(path)
    assert far.write_log is not None
    far.refresh()  # behind the kept tail: copies the store of record again
    assert far.write_log.entries_read == 0
    assert _quads(far.oxigraph) == _of_record(path) == _replica(writer)


def test_an_empty_folder_is_a_new_store(tmp_path: Path):
    folder = tmp_path / "store"
    folder.mkdir()
    assert count_quads(folder) == 0
    store = open_store(f"oxigraph:{folder}", tmp_path)
    assert store.is_empty()
    store.replace_graph(G, _nt("a", "1"))
    store.close()
    again = open_store(f"oxigraph:{folder}", tmp_path)
    assert again.graph_names() == [G]
    assert count_quads(folder) == 1


_WRITE_THEN_DIE = """
import sys
from pathlib import Path
from kg.store import EmbeddedStore

store = EmbeddedStore(Path(sys.argv[1]), lazy=True)
store.replace_graphs([(sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])])
"""


@pytest.mark.parametrize("point", ["after-commit", "after-log"])
@pytest.mark.parametrize("kind", ["replace", "new"])
def test_a_writer_killed_between_the_store_and_the_log(tmp_path: Path, kind: str, point: str):
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.replace_graph(G, _nt("a", "kept"))
    already_open = EmbeddedStore(path)
    assert _replica(already_open) == _of_record(path)
    first = G if kind == "replace" else "https://example.org/graph/three"
    env = dict(os.environ, KG_TEST_CRASH_AT=point,
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", _WRITE_THEN_DIE, str(path),
                           first, _nt("a", "new", "newer"), H, _nt("b", "new")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert path.with_name("store.writing").exists()  # it died mid-write
    fresh = EmbeddedStore(path)  # opening recovers
    record = _of_record(path)
    assert record == {f'<https://example.org/a> {P} "kept" <{G}>'}  # as before the write
    assert _replica(fresh) == record
    assert _replica(already_open) == record
    assert _replica(store) == record
    store.replace_graph(H, _nt("b", "after"))  # and writes go on
    assert _replica(already_open) == _replica(fresh) == _of_record(path)
