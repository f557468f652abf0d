"""Shared fixtures: the repository's own content, built once per session, and scratch copies."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from kg.config import Settings, load_settings
from kg.pipeline.build import BuildResult, build, write_dataset
from kg.store import EmbeddedStore
from kg.web import create_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIRST = "unsc-2021-05-25-poc-AZE"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings({"HOME": ROOT}, environ={})


@pytest.fixture(scope="session")
def built(settings: Settings) -> BuildResult:
    return build(settings)


@pytest.fixture(scope="session")
def built_file(built: BuildResult, settings: Settings, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("build") / "kg.nq"
    write_dataset(built, settings.iris, path)
    return path


def copy_home(target: Path) -> Path:
    """A scratch content root: ontology, shapes, queries and data copied from the repository."""
    for name in ("ontology", "shapes", "queries", "data"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name)
    return target


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return copy_home(tmp_path / "home")


def make_app(dataset: Path, **overrides):
    """An app over an in-memory store loaded with ``dataset``; overrides are settings."""
    store = EmbeddedStore(None)
    store.replace_all(dataset)
    return create_app({"HOME": ROOT, "TESTING": True, "STORE_INSTANCE": store, **overrides})


def kill_idle_query_processes(app) -> int:
    """SIGKILL the app's idle query processes (as the system's out-of-memory killer would);
    how many there were. A request that needs one then finds it dead."""
    children = list(app.extensions["kg"].executor._idle)
    for child in children:
        os.kill(child.pid, signal.SIGKILL)
    return len(children)


@pytest.fixture(scope="module")
def app(built_file: Path):
    """A read-only app on the shipped graph, shared by a module's tests."""
    application = make_app(built_file)
    yield application
    application.extensions["kg"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()
