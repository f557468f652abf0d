"""Change sets applied to a pyoxigraph store: the store of record, or a process's in-memory
replica catching up from the write log. Nothing is evaluated again: the same quads (with
the same blank nodes) go in and out on every copy."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.store.base import ChangeSet


def _graph_of(quad: ox.Quad) -> str:
    return "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value


def _has_blank_nodes(quads: list[ox.Quad]) -> bool:
    return any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
               for q in quads)


def only_new_graphs(store: ox.Store, changes: ChangeSet) -> bool:
    """True if the change only adds graphs the store does not have (a bulk load can do it)."""
    return bool(changes.graphs) and not (changes.dropped or changes.removed or changes.added) \
        and not any(store.contains_named_graph(ox.NamedNode(g)) for g in changes.graphs)


def apply_to(store: ox.Store, changes: ChangeSet, bulk: bool = False) -> None:
    """Apply ``changes`` in their order: dropped graphs, replaced graphs, removed quads, added
    quads. ``bulk``: load the graphs' triples without a transaction (faster on disk; the
    caller can undo it, see :func:`inverse_of`)."""
    for graph in sorted(changes.dropped | set(changes.graphs)):
        name = ox.NamedNode(graph)
        if store.contains_named_graph(name):
            store.remove_graph(name)
    quads = changes.graph_quads()
    if quads and bulk and not _has_blank_nodes(quads):
        # Parsed in Rust: faster than handing over Python objects (but a load would rename
        # blank nodes, which every copy must keep).
        store.bulk_load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS),
                        format=ox.RdfFormat.N_QUADS)
    elif quads and bulk:
        store.bulk_extend(quads)
    elif quads:
        store.extend(quads)
    for quad in changes.removed:
        store.remove(quad)
    if changes.added:
        store.extend(changes.added)


def inverse_of(store: ox.Store, changes: ChangeSet) -> ChangeSet:
    """The change that puts ``store`` back as it is now after ``changes`` were applied to it
    (whole or in part: applying it again is harmless)."""
    restored = changes.dropped | set(changes.graphs)
    graphs = {g: [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))]
              for g in sorted(restored)}
    removed = [q for q in changes.added if _graph_of(q) not in restored and q not in store]
    added = [q for q in changes.removed if _graph_of(q) not in restored and q in store]
    return ChangeSet(graphs=graphs, removed=removed, added=added)


def copy_of(path: Path | None) -> ox.Store:
    """An in-memory copy of the store of record at ``path`` (empty if there is none yet),
    streamed quad by quad: no temporary copy on disk (which may be full)."""
    from kg.store.writelog import holds_store

    fresh = ox.Store()
    if path is not None and holds_store(path):
        source = ox.Store.read_only(str(path))
        fresh.bulk_extend(source.quads_for_pattern(None, None, None, None))
        del source
    return fresh
