"""Running queries within a time limit.

A running pyoxigraph query cannot be interrupted from Python, so queries on the
embedded store run in child processes forked from the serving process (they see
its in-memory replica, copy-on-write). Children are kept and reused; one that
passes the deadline is killed and replaced, so the serving process is free
again at once. A child serves the replica version it was forked with and is
replaced after a write. Remote stores are queried in the calling thread: their
time limit is the HTTP timeout and the server's own.

A child may also allocate at most ``memory_limit`` bytes beyond what it shares
with its parent (an address-space limit set after the fork), so one runaway
query ends with a clear error instead of pushing the machine out of memory.
Its reads still copy the replica's pages it touches (the in-memory store
updates reference counts as it reads), so each child can grow to one copy of
the replica: ``kg serve`` sizes workers and query processes to fit
(``kg.store.capacity``).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe

from kg.isolation import fork_child, stop_child
from kg.store.base import QuerySyntaxError, QueryTimeout, Store, StoreError, StoreUnavailable
from kg.web import conneg
from kg.web.results import Collected, ResultTooLarge, collect, kind_of, serialize, used_prefixes

MAX_MESSAGE = 200


@dataclass
class QueryJob:
    """Everything needed to answer one query, in plain values (sent to a child process)."""

    sparql: str
    accept: str | None = None
    override: str | None = None
    html: bool = False
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    union_default: bool = True
    base_iri: str | None = None
    limit: int = 10_000
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass
class RowsJob:
    """A trusted query (a page's) whose result is wanted as RDF terms, not serialised."""

    sparql: str
    limit: int = 100_000


@dataclass
class Answer:
    """A serialised result. For HTML, the body is SPARQL JSON (or Turtle) to render."""

    kind: str
    format: str
    media_type: str
    body: bytes
    size: int


class QueryFailed(Exception):
    """A query that cannot be answered, with the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + " …"


def execute(store: Store, job: QueryJob) -> Answer:
    """Run, negotiate, collect within the limit, serialise. Raises QueryFailed."""
    try:
        result = store.query(job.sparql, default_graphs=job.default_graphs,
                             named_graphs=job.named_graphs, base_iri=job.base_iri,
                             union_default=job.union_default)
        kind = kind_of(result)
        fmt = conneg.choose(kind, job.accept, job.override, html=job.html)
        collected = collect(result, job.limit)
    except QuerySyntaxError as exc:
        raise QueryFailed(400, f"syntax error: {_short(str(exc))}") from exc
    except conneg.NotAcceptable as exc:
        raise QueryFailed(406, str(exc)) from exc
    except ResultTooLarge as exc:
        raise QueryFailed(422, str(exc)) from exc
    except QueryTimeout as exc:
        raise QueryFailed(503, str(exc)) from exc
    except StoreUnavailable as exc:
        raise QueryFailed(503, str(exc)) from exc
    except StoreError as exc:
        raise QueryFailed(500, _short(str(exc))) from exc
    except (OSError, ValueError) as exc:  # evaluation errors raised by pyoxigraph
        raise QueryFailed(500, f"the query could not be evaluated: {_short(str(exc))}") from exc
    name = fmt.name
    if name == "html":
        name = "turtle" if kind == conneg.GRAPH else "json"
    prefixes = job.prefixes
    if collected.triples is not None and prefixes:
        prefixes = used_prefixes(prefixes, collected.triples)
    body = serialize(collected, name, prefixes)
    size = len(collected.triples) if collected.triples is not None else len(collected.rows)
    return Answer(kind, fmt.name, fmt.content_type, body, size)


def collect_rows(store: Store, job: RowsJob) -> Collected:
    """Run a page's query and hold its result in memory. Raises QueryFailed."""
    try:
        return collect(store.query(job.sparql), job.limit)
    except (QueryTimeout, StoreUnavailable) as exc:
        raise QueryFailed(503, str(exc)) from exc
    except (StoreError, ResultTooLarge, OSError, ValueError) as exc:
        raise QueryFailed(500, f"a page query failed: {_short(str(exc))}") from exc


def run_job(store: Store, job: QueryJob | RowsJob) -> Answer | Collected:
    return collect_rows(store, job) if isinstance(job, RowsJob) else execute(store, job)


class InlineExecutor:
    """Runs queries in the calling thread (remote stores, and trusted saved queries)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def run(self, job: QueryJob | RowsJob, timeout: float) -> Answer | Collected:
        return run_job(self.store, job)

    def close(self) -> None:
        return None


@dataclass
class _Child:
    pid: int
    conn: Connection
    version: object


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def _memory_message(allowance: int | None) -> str:
    limit = f" of {_mib(allowance)}" if allowance else ""
    return (f"the query needed more memory than its limit{limit} and was stopped; "
            "narrow it down or add a LIMIT")


def _child_main(conn: Connection, store: Store, allowance: int | None = None) -> None:
    """Answer jobs until the pipe closes (the parent closed it, or died)."""
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            message = ("ok", run_job(store, job))
        except QueryFailed as exc:
            message = ("error", exc.status, exc.message)
        except MemoryError:
            message = ("error", 503, _memory_message(allowance))
        except BaseException:  # noqa: BLE001 - the parent needs an answer, not a dead pipe
            message = ("error", 500, "internal error while evaluating the query")
        try:
            conn.send(message)
        except (OSError, ValueError):
            os._exit(0)


class ForkExecutor:
    """Runs queries on a forkable store (``capabilities.forkable``) in reusable forked
    children, with a hard deadline."""

    def __init__(self, store: Store, size: int = 2,
                 memory_limit: int | None = None) -> None:
        """``size`` children at most; ``memory_limit``: bytes each may allocate (None: no cap)."""
        self.store = store
        self.size = max(1, size)
        self.memory_limit = memory_limit
        self._idle: list[_Child] = []
        self._busy = 0
        self._cond = threading.Condition()
        self._fork_lock = threading.Lock()

    def _version(self) -> object:
        return self.store.version

    def _spawn(self) -> _Child:
        parent_end, child_end = Pipe()
        with self._fork_lock, self.store.fork_guard():
            pid = fork_child(child_end.fileno(),
                             lambda: _child_main(child_end, self.store, self.memory_limit),
                             self.memory_limit, die_with_parent=False)
        child_end.close()
        return _Child(pid, parent_end, self._version())

    @staticmethod
    def _kill(child: _Child, grace: float = 0.0) -> int | None:
        """Stop a child, first waiting up to ``grace`` s for it to end by itself; its wait
        status if it did (None if it had to be killed)."""
        status = stop_child(child.pid, grace)
        child.conn.close()
        return status

    def _death_message(self, status: int | None) -> str:
        """Why a child ended while answering: its own memory limit, or the system's."""
        if status is not None and os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGABRT and self.memory_limit:  # a failed allocation aborts
                return _memory_message(self.memory_limit)
            if sig == signal.SIGKILL:
                return ("the query process was stopped by the system, most likely because "
                        "the machine ran out of memory; try again later or narrow the query")
            return f"the query process ended unexpectedly (signal {sig}); try again later"
        return "the query process ended unexpectedly; try again later"

    def _acquire(self) -> _Child:
        with self._cond:
            while not self._idle and self._busy >= self.size:
                self._cond.wait()
            self._busy += 1
            child = self._idle.pop() if self._idle else None
        if child is not None and child.version != self._version():
            self._kill(child)
            child = None
        if child is None:
            try:
                child = self._spawn()
            except OSError as exc:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify()
                raise QueryFailed(503, f"cannot start a query process: {exc.strerror}") from exc
        return child

    def _release(self, child: _Child | None) -> None:
        with self._cond:
            self._busy -= 1
            if child is not None:
                self._idle.append(child)
            self._cond.notify()

    def run(self, job: QueryJob | RowsJob, timeout: float) -> Answer | Collected:
        self.store.refresh()
        child = self._acquire()
        try:
            child.conn.send(job)
            if not child.conn.poll(timeout):
                self._kill(child)
                child = None
                raise QueryFailed(503, f"the query ran longer than the time limit of {timeout:g} s "
                                       "and was stopped; narrow it down or add a LIMIT")
            raw = child.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            status = None
            if child is not None:  # its pipe closed as it died: its status says why
                status = self._kill(child, grace=1.0)
                child = None
            raise QueryFailed(503, self._death_message(status)) from exc
        finally:
            self._release(child)
        message = pickle.loads(raw)
        if message[0] == "ok":
            result = message[1]
            if isinstance(result, Collected):
                result.nbytes = len(raw)
            return result
        raise QueryFailed(message[1], message[2])

    def close(self) -> None:
        with self._cond:
            children, self._idle = self._idle, []
        for child in children:
            self._kill(child)
