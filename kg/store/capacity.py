"""How many serving processes and query processes fit in this machine's memory.

Each serving process holds an in-memory replica of the embedded store, and each of its
query processes is forked from it. The in-memory store updates reference counts as it
reads, so a query process copies the replica's pages it reads: over time each one holds a
copy of its own. The memory kg serve needs is therefore about::

    workers × ((1 + query processes) × replica + query processes × query memory limit)

``kg serve`` picks the largest layout of ``CHOICES`` that fits in a share of the memory
available when it starts, unless told otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kg.isolation import proc_bytes

# Measured with bench/run.py: 347-390 bytes per quad for pyoxigraph's in-memory store
# (1k, 10k and 100k statements), rounded up.
BYTES_PER_QUAD = 400
SHARE_OF_MEMORY = 0.85
CHOICES = ((2, 2), (2, 1), (1, 2), (1, 1))  # (workers, query processes), most first


@dataclass(frozen=True)
class ServingPlan:
    """A layout and the memory it needs, estimated from the store's size."""

    workers: int
    query_processes: int
    quads: int
    replica: int  # bytes, estimated
    need: int  # bytes, estimated
    available: int  # bytes available when planned
    fits: bool

    def describe(self) -> str:
        text = (f"{self.workers} worker(s) × {self.query_processes} query process(es) for "
                f"{self.quads:,} quads: about {_gib(self.need)} of {_gib(self.available)} "
                "available")
        if not self.fits:
            text += ("; this is more than fits: heavy queries may run out of memory "
                     "(lower KG_QUERY_MEMORY, or serve from a SPARQL server)")
        return text


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def memory_available() -> int:
    """Bytes of memory available for new work now (MemAvailable), or total if unknown."""
    return (proc_bytes("/proc/meminfo", "MemAvailable")
            or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def count_quads(path: Path) -> int:
    """The number of quads in the embedded store at ``path`` (0 if there is none yet, or an
    empty folder: a new store)."""
    from kg.store.writelog import holds_store

    if not holds_store(path):
        return 0
    import pyoxigraph as ox

    return len(ox.Store.read_only(str(path)))


def need(workers: int, processes: int, replica: int, query_memory: int) -> int:
    return workers * ((1 + processes) * replica + processes * query_memory)


def plan_serving(quads: int, available: int, query_memory: int, workers: int | None = None,
                 processes: int | None = None) -> ServingPlan:
    """The layout to serve ``quads`` with; ``workers`` / ``processes`` fix that number."""
    replica = quads * BYTES_PER_QUAD
    budget = int(available * SHARE_OF_MEMORY)
    choices = [(w, p) for w, p in CHOICES
               if (workers is None or w == workers) and (processes is None or p == processes)]
    if not choices:  # numbers outside CHOICES, given explicitly
        choices = [(workers or 1, processes or 1)]
    for w, p in choices:
        if need(w, p, replica, query_memory) <= budget:
            break
    cost = need(w, p, replica, query_memory)
    return ServingPlan(w, p, quads, replica, cost, available, cost <= budget)
