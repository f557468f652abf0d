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

from kg.namespaces import DEFAULT_BASE, IRIs

DEFAULTS: dict[str, Any] = {
    "HOME": None,  # content root; the CLI defaults it to the current directory
    "BASE_IRI": DEFAULT_BASE,
    "BUILD_FILE": "var/build/kg.nq",
    "STORE": "oxigraph:var/store",
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
    return Settings(home=home, base_iri=base, build_file=build_file, store=str(values["STORE"]))
