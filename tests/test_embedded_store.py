"""The embedded store's batch writes and its lazily made replica."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.store import EmbeddedStore, StoreError
from kg.store import replica as module

G1, G2 = "https://example.org/graph/one", "https://example.org/graph/two"
P = "<https://example.org/p>"


def _nt(subject: str, *values: str) -> str:
    return "\n".join(f'<https://example.org/{subject}> {P} "{v}" .' for v in values) + "\n"


def _contents(store: EmbeddedStore) -> dict[str, set[str]]:
    return {g: {str(t) for t in store.graph_triples(g)} for g in store.graph_names()}


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    """How many times the bulk load of new graphs (no transaction) was chosen."""
    calls: list[int] = []
    original = module.only_new_graphs

    def spy(store, changes):
        chosen = original(store, changes)
        if chosen:
            calls.append(len(changes.graphs))
        return chosen
    monkeypatch.setattr(module, "only_new_graphs", spy)
    return calls


def test_new_graphs_load_in_one_transaction_and_replacing_gives_the_same(tmp_path: Path, loads):
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graphs([(G1, _nt("a", "1", "2")), (G2, "# a comment line\n" + _nt("b", "3"))])
    assert loads == [2]  # both new (a comment line is parsed like any N-Triples): bulk
    store.replace_graphs([(G1, _nt("a", "1"))])  # an existing graph: a transaction
    assert loads == [2]
    store.drop_graph(G1)
    store.drop_graph(G2)
    store.replace_graphs([(G1, _nt("a", "x", "y")), (G2, _nt("b", "z"))])
    assert loads == [2, 2]  # both new: one bulk load
    store.replace_graphs([(G1, _nt("a", "only"))])
    assert loads == [2, 2]
    blank = f"_:b {P} \"x\" .\n"
    store.replace_graphs([("https://example.org/b1", blank), ("https://example.org/b2", blank)])
    assert loads == [2, 2, 2]  # blank nodes made fresh per graph: each keeps its own
    assert len({str(t) for g in ("https://example.org/b1", "https://example.org/b2")
                for t in store.graph_triples(g)}) == 2
    store.drop_graph("https://example.org/b1")
    store.drop_graph("https://example.org/b2")
    expected = {G1: {f'<https://example.org/a> {P} "only"'},
                G2: {f'<https://example.org/b> {P} "z"'}}
    assert _contents(store) == expected
    other = EmbeddedStore(tmp_path / "store")  # another process's view: from disk
    assert _contents(other) == expected
    store.close()
    other.close()


def test_a_bad_batch_changes_nothing(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graphs([(G1, _nt("a", "kept"))])
    before = _contents(store)
    for graphs in ([(G2, _nt("b", "new")), ("https://example.org/three", "<not> a triple .\n")],
                   [(G1, _nt("a", "gone")), (G2, "<x> <y> .\n")]):
        with pytest.raises(StoreError):
            store.replace_graphs(graphs)
        assert _contents(store) == before
        assert _contents(EmbeddedStore(tmp_path / "store")) == before
    store.close()


def test_a_lazy_store_reads_only_when_asked(tmp_path: Path):
    eager = EmbeddedStore(tmp_path / "store")
    eager.replace_graphs([(G1, _nt("a", "1"))])
    lazy = EmbeddedStore(tmp_path / "store", lazy=True)
    assert lazy._replica is None  # nothing copied into memory
    lazy.replace_graphs([(G2, _nt("b", "2"))])
    assert lazy._replica is None  # writing needs no copy either
    assert set(_contents(eager)) == {G1, G2}  # the eager one catches up from the log
    assert _contents(lazy) == _contents(eager)  # the first read makes the copy
    lazy.replace_graphs([(G2, _nt("b", "3"))])
    assert _contents(lazy)[G2] == {f'<https://example.org/b> {P} "3"'}
    eager.close()
    lazy.close()


_HALF_LOAD_THEN_DIE = """
import os, sys
from pathlib import Path
from kg.store import EmbeddedStore

class HalfLoad:
    '''The store, but its bulk load writes half the quads and then the process dies.'''
    def __init__(self, store):
        self.store = store
    def __getattr__(self, name):
        return getattr(self.store, name)
    def bulk_load(self, data, format):
        lines = data.splitlines(keepends=True)
        self.store.bulk_load(b"".join(lines[: len(lines) // 2]), format=format)
        self.store.flush()
        os._exit(9)

store = EmbeddedStore(Path(sys.argv[1]), lazy=True)
opened = store._open_persistent
store._open_persistent = lambda read_only: HalfLoad(opened(read_only))
store.replace_graphs([(sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])])
"""


def test_a_bulk_load_killed_half_way_is_undone(tmp_path: Path):
    """New graphs are bulk-loaded (no transaction): a process killed in the middle leaves
    part of them on disk, and the next open of the store drops them again."""
    import subprocess
    import sys

    import pyoxigraph as ox

    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.replace_graphs([(G1, _nt("a", "kept"))])
    before = _contents(store)
    store.close()
    values = [str(n) for n in range(200)]
    done = subprocess.run([sys.executable, "-c", _HALF_LOAD_THEN_DIE, str(path),
                           G2, _nt("b", *values), "https://example.org/three", _nt("c", *values)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    raw = ox.Store.read_only(str(path))  # as the killed process left it
    loaded = sum(1 for g in (G2, "https://example.org/three")
                 for _ in raw.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    assert 0 < loaded < 400  # part of the batch
    del raw
    assert _contents(EmbeddedStore(path)) == before  # opening it undid the half load
    assert not path.with_name("store.new-graphs").exists()
    assert not path.with_name("store.undo").exists()
    assert not path.with_name("store.writing").exists()
