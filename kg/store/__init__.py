"""Triple stores behind one interface: embedded Oxigraph (default) or a remote SPARQL server."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kg.store.base import Store, StoreError
from kg.store.embedded import EmbeddedStore, check_folder
from kg.store.remote import RemoteStore

__all__ = ["EmbeddedStore", "RemoteStore", "Store", "StoreError", "check_store", "embedded_path",
           "open_store"]

_REMOTE_OPTIONS = frozenset(
    {"update_url", "graph_store_url", "user", "password", "timeout", "union_default_graph"})


def open_store(spec: str, home: Path, read_only: bool = False,
               options: Mapping[str, str] | None = None, lazy: bool = False) -> Store:
    """Open the store named by ``spec``: ``oxigraph:PATH`` (relative to ``home``), ``memory:``
    or ``sparql:QUERY_URL`` (a remote server, further settings in ``options``). ``lazy``: an
    embedded store copies itself into memory on the first read, not at once."""
    path = embedded_path(spec, home)
    if path is not None:
        return EmbeddedStore(path, read_only=read_only, lazy=lazy)
    kind, _, rest = spec.partition(":")
    if kind == "memory":
        return EmbeddedStore(None)
    if kind == "sparql":
        return _remote_store(rest, options or {})
    raise StoreError(f"unknown store {spec!r}: use oxigraph:PATH, memory: or sparql:URL")


def embedded_path(spec: str, home: Path) -> Path | None:
    """The folder of an on-disk embedded store (``oxigraph:PATH``), None for other stores."""
    kind, _, rest = spec.partition(":")
    if kind != "oxigraph":
        return None
    path = Path(rest).expanduser()
    return path if path.is_absolute() else home / path


def check_store(spec: str, home: Path) -> None:
    """Before serving: an embedded store's folder must take writes (StoreError if not)."""
    path = embedded_path(spec, home)
    if path is not None:
        check_folder(path.parent)


def _remote_store(query_url: str, options: Mapping[str, str]) -> RemoteStore:
    """``sparql:QUERY_URL`` with ``options``: update_url, graph_store_url, user, password,
    timeout (seconds) and union_default_graph (true for Oxigraph server, whose default graph
    is not the union of its named graphs)."""
    if not query_url.startswith(("http://", "https://")):
        raise StoreError(f"sparql:{query_url} needs an http(s) URL: sparql:http://host/sparql")
    unknown = sorted(set(options) - _REMOTE_OPTIONS)
    if unknown:
        raise StoreError(f"unknown option(s) for a sparql: store: {', '.join(unknown)}; "
                         f"use {', '.join(sorted(_REMOTE_OPTIONS))}")
    try:
        timeout = float(options.get("timeout") or 30)
    except ValueError as exc:
        raise StoreError(
            f"timeout must be a number of seconds, not {options['timeout']!r}") from exc
    flag = (options.get("union_default_graph") or "false").strip().lower()
    if flag not in {"true", "false", "yes", "no", "1", "0", "on", "off"}:
        raise StoreError(f"union_default_graph must be true or false, not {flag!r}")
    return RemoteStore(query_url, update_url=options.get("update_url") or None,
                       graph_store_url=options.get("graph_store_url") or None,
                       user=options.get("user") or None, password=options.get("password"),
                       timeout=timeout,
                       union_default_graph_param=flag in {"true", "yes", "1", "on"})
