"""Settings: defaults, then ``KG_*`` environment variables, then explicit overrides.

Nothing is read at import time. Paths are resolved once, against ``HOME`` (the
content root holding ``ontology/``, ``shapes/``, ``queries/`` and ``data/``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from kg.model.namespaces import DEFAULT_BASE, IRIs

DEFAULTS: dict[str, Any] = {
    "HOME": None,  # content root; the CLI defaults it to the current directory
    "BASE_IRI": DEFAULT_BASE,
    "BUILD_FILE": "var/build/kg.nq",
    "STORE": "oxigraph:var/store",
    # remote store (STORE = sparql:QUERY_URL)
    "STORE_UPDATE_URL": None,
    "STORE_GRAPH_STORE_URL": None,
    "STORE_USER": None,
    "STORE_PASSWORD": None,
    "STORE_TIMEOUT": 30.0,
    "STORE_UNION_PARAM": False,
    # the SPARQL endpoint
    "QUERY_TIMEOUT": 10.0,  # seconds per query on /sparql
    "RESULT_LIMIT": 10_000,  # rows (or triples) per response
    "MAX_BODY": 2_000_000,  # bytes per request body
    "UPDATE_TOKEN": None,  # bearer token for SPARQL Update; None = read-only
    "CORS_ORIGINS": "*",  # comma-separated origins, or *
    "SERVICE_ALLOWLIST": "",  # comma-separated IRI prefixes SERVICE/LOAD may reach
    "QUERY_PROCESSES": None,  # forked query processes per serving process; None: 2, or as
    # many as fit in memory under `kg serve` (kg.store.capacity)
    "QUERY_MEMORY": 2048,  # MiB a query process may allocate beyond the replica; 0 = no cap
    "PUBLIC_URL": None,  # the service's public root URL, if behind a proxy
    "WARM_UP": False,  # compute the home page and parameterless saved queries at start-up
    "CACHE_MB": 256,  # answers kept per store version in each serving process (0: none)
    "WARM_PAGE_CLAIMS": 10_000,  # warm-up also computes the pages of events (hierarchies),
    # delegations and speakers (statements) with this many claims (0: none)
}

_TYPES: dict[str, type] = {
    "STORE_TIMEOUT": float, "QUERY_TIMEOUT": float, "RESULT_LIMIT": int, "MAX_BODY": int,
    "QUERY_PROCESSES": int, "QUERY_MEMORY": int, "STORE_UNION_PARAM": bool, "WARM_UP": bool,
    "CACHE_MB": int, "WARM_PAGE_CLAIMS": int,
}


class ConfigError(ValueError):
    """A setting that cannot be used, with the reason."""


@dataclass(frozen=True)
class Settings:
    """Resolved settings shared by the CLI and the web app."""

    home: Path
    base_iri: str
    build_file: Path
    store: str
    store_update_url: str | None = None
    store_graph_store_url: str | None = None
    store_user: str | None = None
    store_password: str | None = None
    store_timeout: float = 30.0
    store_union_param: bool = False
    query_timeout: float = 10.0
    result_limit: int = 10_000
    max_body: int = 2_000_000
    update_token: str | None = None
    cors_origins: str = "*"
    service_allowlist: str = ""
    query_processes: int | None = None
    query_memory: int = 2048
    public_url: str | None = None
    warm_up: bool = False
    cache_mb: int = 256
    warm_page_claims: int = 10_000

    @property
    def iris(self) -> IRIs:
        return IRIs(self.base_iri)

    @property
    def ontology_dir(self) -> Path:
        return self.home / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.home / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.home / "queries"

    @property
    def statements_dir(self) -> Path:
        return self.home / "data" / "statements"

    @property
    def reference_dir(self) -> Path:
        return self.home / "data" / "reference"

    def as_mapping(self) -> dict[str, Any]:
        return {f.name.upper(): getattr(self, f.name) for f in fields(self)}

    @property
    def allow_list(self) -> list[str]:
        return [p.strip() for p in self.service_allowlist.split(",") if p.strip()]

    @property
    def store_options(self) -> dict[str, str]:
        """Options for a remote store, as open_store takes them."""
        options = {"timeout": str(self.store_timeout),
                   "union_default_graph": str(self.store_union_param).lower()}
        for key in ("update_url", "graph_store_url", "user", "password"):
            value = getattr(self, f"store_{key}")
            if value:
                options[key] = value
        return options


def _convert(key: str, value: Any) -> Any:
    kind = _TYPES.get(key)
    if kind is None or value is None or isinstance(value, kind):
        return value
    if kind is bool:
        return str(value).strip().lower() in ("1", "true", "yes", "on")
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"KG_{key} must be a number, got {value!r}") from exc


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Merge defaults, ``KG_*`` variables of ``environ`` and ``overrides``."""
    env = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for key in DEFAULTS:
        if f"KG_{key}" in env:
            values[key] = env[f"KG_{key}"]
    for key, value in (overrides or {}).items():
        if key.upper() in DEFAULTS and value is not None:
            values[key.upper()] = value
    home = Path(values["HOME"] or Path.cwd()).expanduser().resolve()
    if not (home / "ontology").is_dir():
        raise ConfigError(f"{home} holds no ontology/ folder: set KG_HOME (or --home) to the "
                          "content root of a kg checkout")
    build_file = Path(values["BUILD_FILE"]).expanduser()
    if not build_file.is_absolute():
        build_file = home / build_file
    base = str(values["BASE_IRI"])
    try:
        IRIs(base)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    extra = {key.lower(): _convert(key, values[key]) for key in DEFAULTS
             if key not in ("HOME", "BASE_IRI", "BUILD_FILE", "STORE")}
    if extra["query_timeout"] <= 0 or extra["result_limit"] <= 0 or extra["max_body"] <= 0:
        raise ConfigError("KG_QUERY_TIMEOUT, KG_RESULT_LIMIT and KG_MAX_BODY must be positive")
    if (extra["query_processes"] is not None and extra["query_processes"] < 1) \
            or extra["query_memory"] < 0 or extra["cache_mb"] < 0 \
            or extra["warm_page_claims"] < 0:
        raise ConfigError("KG_QUERY_PROCESSES must be at least 1, KG_QUERY_MEMORY and "
                          "KG_CACHE_MB (MiB) and KG_WARM_PAGE_CLAIMS at least 0")
    return Settings(home=home, base_iri=base, build_file=build_file, store=str(values["STORE"]),
                    **extra)
