"""The embedded store's batch writes and its lazily made replica."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.store import EmbeddedStore, StoreError
from kg.store import embedded as module

G1, G2 = "https://example.org/graph/one", "https://example.org/graph/two"
P = "<https://example.org/p>"


def _nt(subject: str, *values: str) -> str:
    return "\n".join(f'<https://example.org/{subject}> {P} "{v}" .' for v in values) + "\n"


def _contents(store: EmbeddedStore) -> dict[str, set[str]]:
    return {g: {str(t) for t in store.graph_triples(g)} for g in store.graph_names()}


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    """How many times the one-transaction N-Quads load was prepared."""
    calls: list[int] = []
    original = module._as_nquads

    def spy(graphs):
        quads = original(graphs)
        if quads is not None:
            calls.append(len(graphs))
        return quads
    monkeypatch.setattr(module, "_as_nquads", spy)
    return calls


def test_new_graphs_load_in_one_transaction_and_replacing_gives_the_same(tmp_path: Path, loads):
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graphs([(G1, _nt("a", "1", "2")), (G2, "# a comment line\n" + _nt("b", "3"))])
    assert loads == []  # a comment line: the SPARQL update does it
    store.replace_graphs([(G1, _nt("a", "1"))])  # an existing graph: DROP + INSERT
    store.drop_graph(G1)
    store.drop_graph(G2)
    store.replace_graphs([(G1, _nt("a", "x", "y")), (G2, _nt("b", "z"))])
    assert loads == [2]  # both new: one N-Quads load
    store.replace_graphs([(G1, _nt("a", "only"))])
    assert loads == [2]
    blank = f"_:b {P} \"x\" .\n"
    store.replace_graphs([("https://example.org/b1", blank), ("https://example.org/b2", blank)])
    assert loads == [2]  # blank nodes: the update keeps each graph's own
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
