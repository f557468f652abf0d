"""The per-app service state: settings, store, query executor. Reached with ``get_kg()``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import current_app

from kg.config import Settings
from kg.pipeline.write import WriteContext
from kg.sources.queries import SavedQuery
from kg.store import Store
from kg.store.base import QueryTimeout, StoreError, StoreUnavailable
from kg.web.executor import Answer, ForkExecutor, InlineExecutor, QueryFailed, QueryJob, RowsJob
from kg.web.resources import Resources
from kg.web.results import Collected
from kg.web.search import SearchIndex

_Kept = TypeVar("_Kept")
_SEARCH_INDEX = ("search-index",)


def _body_size(value: Any) -> int:
    return len(value.body)


class _Answers(LRUCache):
    """Kept answers: least recently used first out, bounded in bytes (``maxsize``, each entry
    weighing its answer's size) and in entries."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        super().__init__(maxsize=max_bytes, getsizeof=lambda entry: entry[1])
        self.max_entries = max_entries

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > self.max_entries:
            self.popitem()

DEFAULT_EXAMPLE = """PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Every figure cited, by delegation and date, with its stated text and interpreted bounds
SELECT ?date ?delegation ?stated ?min ?max WHERE {
  ?claim a ekg:FigureClaim ; ekg:figure ?figure ; ekg:statedIn ?statement .
  ?statement dcterms:date ?date ; ekg:delegation/rdfs:label ?delegation .
  ?figure ekg:statedText ?stated .
  OPTIONAL { ?figure schema:minValue ?min } OPTIONAL { ?figure schema:maxValue ?max }
}
ORDER BY ?date ?delegation
LIMIT 100
"""


@dataclass
class KG:
    """What every request needs; created once per app by ``create_app``."""

    settings: Settings
    store: Store
    executor: ForkExecutor | InlineExecutor
    catalogue: dict[str, SavedQuery] = field(default_factory=dict)
    _graphs: list[str] | None = field(default=None, repr=False)
    _values: dict[tuple[str, ...], tuple[object, object]] = field(
        default_factory=dict, repr=False)
    _cache: _Answers | None = field(default=None, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _validation: tuple[object, WriteContext] | None = field(default=None, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _index_failed: object = field(default=None, repr=False)  # the version it failed for

    CACHE_ENTRIES = 2048
    INDEX_TIMEOUT = 600.0  # seconds for each of the search index's two queries

    def run_cached(self, job: QueryJob) -> Answer:
        """Run a trusted query (a saved query), reusing the answer while the store is unchanged.

        Answers are keyed by the store version, so a write makes every cached answer stale;
        remote stores have no version and are not cached."""
        return self.remembered(("answer", job.sparql, job.override, job.limit),
                               lambda: self.executor.run(job, self.settings.query_timeout))

    def remembered(self, key: tuple, compute: Callable[[], _Kept],
                   keep: Callable[[_Kept], bool] = lambda _: True,
                   size: Callable[[_Kept], int] = _body_size) -> _Kept:
        """``compute()``, kept (if ``keep`` says so) for the current store version: LRU,
        bounded in entries and in bytes (``size``, by default of ``.body``); computed every
        time on a remote store."""
        version = self.store_version()
        if version is None:
            return compute()
        key = (version, *key)
        budget = self.settings.cache_mb * 2**20
        with self._cache_lock:
            if self._cache is None:
                self._cache = _Answers(budget, self.CACHE_ENTRIES)
            hit = self._cache.get(key)  # a hit becomes the most recently used
            if hit is not None:
                return hit[0]
        value = compute()
        nbytes = size(value)
        if keep(value) and nbytes <= budget // 8:  # one answer takes an eighth at most
            with self._cache_lock:
                if key not in self._cache:
                    self._cache[key] = (value, nbytes)
        return value

    def page_query(self, sparql: str) -> Collected:
        """One of a page's queries, kept for the store version like saved-query answers (a
        page seen twice is not computed twice); run within the query time limit (pages answer
        503 beyond)."""
        return self.remembered(("page", sparql), lambda: self._run_page_query(sparql),
                               size=lambda rows: rows.nbytes or 4096)

    def _run_page_query(self, sparql: str) -> Collected:
        try:
            result = self.executor.run(RowsJob(sparql), self.settings.query_timeout)
        except QueryFailed as exc:
            if exc.status == 503:
                if isinstance(self.executor, InlineExecutor):
                    raise StoreUnavailable(exc.message) from exc
                raise QueryTimeout(f"{exc.message} (a query of this page)") from exc
            raise StoreError(exc.message) from exc
        assert isinstance(result, Collected)
        return result

    def resources(self) -> Resources:
        """Page data, every query within the time limit."""
        return Resources(self.store, self.settings.iris, self.page_query)

    def search_index(self, wait: bool = True) -> SearchIndex | None:
        """The search page's index of the current store version (versioned stores only: see
        :mod:`kg.web.search`), made by two queries that list every name and every anchored
        sentence, in a query process with the longer allowance of a build.

        ``wait=False`` (a request): the index if it is made, else None (the page then asks
        SPARQL, within the time limit) and the index is made in the background."""
        assert self.store.capabilities.versioned
        version = self.store_version()
        kept = self._kept(_SEARCH_INDEX, version)
        if kept is not None:
            return kept  # type: ignore[return-value]
        if wait:
            with self._index_lock:
                return self._build_index()
        if self._index_failed != version and self._index_lock.acquire(blocking=False):
            threading.Thread(target=self._build_index_then_release, daemon=True,
                             name="kg-search-index").start()
        return None

    def _build_index_then_release(self) -> None:
        try:
            self._build_index()
        except Exception as exc:  # noqa: BLE001 - logged; searches keep using SPARQL
            logging.getLogger("kg.search").warning("the search index was not made: %s", exc)
        finally:
            self._index_lock.release()

    def _build_index(self) -> SearchIndex:
        """The index of the current version, made unless it was meanwhile (hold the lock)."""
        def run(sparql: str) -> Collected:
            result = self.executor.run(RowsJob(sparql, limit=10**8), self.INDEX_TIMEOUT)
            assert isinstance(result, Collected)
            return result

        def build() -> SearchIndex:
            return SearchIndex.build(Resources(self.store, self.settings.iris, run).select,
                                     self.settings.iris)
        try:
            return self._cached(_SEARCH_INDEX, build)  # type: ignore[return-value]
        except Exception:
            self._index_failed = self.store_version()
            raise

    @property
    def has_search_index(self) -> bool:
        """Whether the search page's index can be kept (a versioned store: kept per version)."""
        return self.store.capabilities.versioned

    def graph_names(self) -> list[str]:
        if self._graphs is None:
            self._graphs = self.store.graph_names()
        return self._graphs

    def invalidate(self) -> None:
        """Forget cached facts about the store after a write."""
        self._graphs = None
        self._values.clear()

    def write_context(self) -> WriteContext:
        """What the write path checks against: the store's own ontology and reference graphs
        and the shapes; made again when the store changes (every time on a remote store)."""
        version = self.store_version()
        cached = self._validation
        if cached is not None and version is not None and cached[0] == version:
            return cached[1]
        context = WriteContext.from_store(self.store, self.settings)
        self._validation = (version, context)
        return context

    def store_version(self) -> object:
        """The version of the data this process answers from (None: the store is not
        versioned, so nothing is kept per version)."""
        store = self.store
        if not store.capabilities.versioned:
            return None
        store.refresh()
        return store.version

    def _kept(self, key: tuple[str, ...], version: object) -> object:
        """The value kept for ``key`` if it was computed for ``version``, else None."""
        cached = self._values.get(key)
        if cached is not None and version is not None and cached[0] == version:
            return cached[1]
        return None

    def _cached(self, key: tuple[str, ...], compute: Callable[[], object]) -> object:
        """A value computed once per store version (every time for remote stores)."""
        version = self.store_version()
        kept = self._kept(key, version)
        if kept is not None:
            return kept
        value = compute()
        self._values[key] = (version, value)
        return value

    def allowed_values(self, query: str, param: str) -> frozenset[str]:
        """The IRIs or values a parameter may take, from its values query."""
        def compute() -> frozenset[str]:
            spec = self.catalogue[query].param(param)
            if spec is None or not spec.values_query:
                return frozenset()
            return frozenset(str(row["value"]) for row in self.store.select(spec.values_query)
                             if row.get("value") is not None)
        return self._cached(("allowed", query, param), compute)  # type: ignore[return-value]

    def param_values(self, query: str, param: str) -> list[dict[str, str]]:
        """The allowed values of a parameter with their labels (forms and the API document)."""
        def compute() -> list[dict[str, str]]:
            values = self.allowed_values(query, param)
            labels = Resources(self.store, self.settings.iris).labels(set(values))
            result = [{"value": v, "label": labels.get(v, v.rsplit("/", 1)[-1])}
                      for v in values]
            return sorted(result, key=lambda item: (item["label"].lower(), item["value"]))
        return self._cached(("labelled", query, param), compute)  # type: ignore[return-value]

    def examples(self) -> list[tuple[str, str]]:
        """``(title, text)`` of the saved queries, shown as examples on the query page."""
        out = []
        folder: Path = self.settings.queries_dir
        for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
            text = path.read_text(encoding="utf-8")
            title = path.stem.replace("-", " ")
            for line in text.splitlines():
                if line.startswith("#+ title:") or line.startswith("#+ summary:"):
                    title = line.split(":", 1)[1].strip().strip("'\"")
                    break
            out.append((title, text))
        return out

    def example_query(self) -> str:
        return DEFAULT_EXAMPLE

    def close(self) -> None:
        self.executor.close()
        self.store.close()


def make_executor(settings: Settings, store: Store) -> ForkExecutor | InlineExecutor:
    if store.capabilities.forkable:
        return ForkExecutor(store, settings.query_processes or 2,
                            settings.query_memory * 2**20 or None)
    return InlineExecutor(store)


def get_kg() -> KG:
    return current_app.extensions["kg"]
