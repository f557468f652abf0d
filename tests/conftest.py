"""Shared fixtures: the repository's own content, built once per session, and scratch copies."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

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


#: The statements of the small dataset: the first (Security Council) statement and General
#: Assembly statements of both parties and of other states. Tests of the store, the server and
#: their failures that need some statements, not the corpus, load it: what they test does not
#: grow with the corpus, and their running time should not either.
SMALL = (FIRST, "unga-1992-general-debate-RUS", "unga-1993-general-debate-ARM",
         "unga-1993-general-debate-AZE", "unga-2016-general-debate-AUT",
         "unga-2020-general-debate-ARM", "unga-2020-general-debate-AZE",
         "unga-2023-general-debate-ARM", "unga-2023-general-debate-AZE",
         "unsc-2014-spv7138-spch002")


def copy_home(target: Path, statements: tuple[str, ...] | None = None) -> Path:
    """A scratch content root: ontology, shapes, queries and data copied from the repository
    (with only the ``statements`` named, if given)."""
    for name in ("ontology", "shapes", "queries", "data"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name)
    if statements is not None:
        for path in (target / "data" / "statements").iterdir():
            if path.suffix in (".yaml", ".txt") and path.stem not in statements:
                path.unlink()
    return target


def annotation_path(home: Path, sid: str = FIRST) -> Path:
    """The annotation file of statement ``sid`` in the content root ``home``."""
    return home / "data" / "statements" / f"{sid}.yaml"


def write_annotation(path: Path, data: dict) -> Path:
    """Write annotation ``data`` as YAML (as a curator would, keys in their order)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000),
                    encoding="utf-8")
    return path


def mutate_annotation(home: Path, change, sid: str = FIRST) -> Path:
    """Apply ``change`` to the parsed annotation file of ``sid`` in ``home`` and write it."""
    path = annotation_path(home, sid)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    return write_annotation(path, data)


@pytest.fixture(scope="session")
def small_home(tmp_path_factory) -> Path:
    """A content root with the SMALL statements only (shared: never change it)."""
    return copy_home(tmp_path_factory.mktemp("small") / "home", SMALL)


@pytest.fixture(scope="session")
def small_built(small_home: Path) -> BuildResult:
    return build(load_settings({"HOME": small_home}, environ={}))


@pytest.fixture(scope="session")
def small_built_file(small_built: BuildResult, settings: Settings, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("small-build") / "kg.nq"
    write_dataset(small_built, settings.iris, path)
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A scratch content root with the SMALL statements: a test that changes, builds or
    validates files tests the pipeline, and its time should not grow with the corpus."""
    return copy_home(tmp_path / "home", SMALL)


@pytest.fixture
def full_home(tmp_path: Path) -> Path:
    """A scratch content root with every statement of the repository."""
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


# ------------------------------------------------------------------------------ markers
# `make test-fast` runs `pytest -m "not slow"`. A test is marked here, from what it does
# rather than from a list of file names, so a new test that starts a server is slow too:
#   server     - it (or a fixture it uses) starts a real server process: `kg serve`
#                (tests/live.py), Virtuoso or Oxigraph (tests/servers.py), chromium;
#   processes  - it runs commands as child processes (`kg ...`, killed writers, isql);
#   property   - a hypothesis test drawing at least PROPERTY_CASES examples;
#   bench      - it runs the benchmark harness (bench/).
# Each of these also marks the test `slow`. A test whose cost is its own work (seconds of CPU
# in this process) is marked `slow` by hand, in its file or, for now, in SLOW below.

# What starts a process, by module: the names whose use marks a test, and the marker.
SPAWNING: dict[str, tuple[str, set[str] | None]] = {
    "live": ("server", {"start", "serve", "LiveServer"}),
    "servers": ("server", {"VirtuosoServer", "OxigraphServer", "virtuoso", "oxigraph_server"}),
    "playwright": ("server", None),  # None: any use
    "subprocess": ("processes", {"run", "Popen", "call", "check_call", "check_output"}),
}
PROPERTY_CASES = 50
# Tests marked slow by hand, by module and function, with what they cost (CPU, measured).
SLOW: dict[str, dict[str, str]] = {
    "test_cli": {"test_load_fills_the_store_once": "builds and loads the whole dataset: ~4 s"},
    "test_extract": {"test_draft_yaml_is_refused_until_reviewed_then_builds":
                     "drafts, reviews and builds a statement: ~4.5 s",
                     "test_drafting_time_grows_linearly_with_the_number_of_sentences":
                     "drafts 11,000 sentences: ~3 s"},
    # Measured with 150 statements (pytest --durations, two workers), December 2026.
    "test_browse": {"test_dumps_parse_and_hold_every_named_graph":
                    "rdflib parses each of the four dumps: ~12 s",
                    "test_event_and_actor_tables_are_the_first_rows_of_the_wide_queries":
                    "runs each page's wide query on the shipped graph: ~11 s"},
    "test_write_path": {"test_the_same_bad_graph_is_refused_alike_through_every_door":
                        "writes through every door of four apps: ~10 s",
                        "test_updates_meet_the_graph_store_guards":
                        "loads the shipped graph and runs each guarded update: ~6 s"},
    "test_terms": {"test_kg_validate_store_reads_the_stored_graphs_through_the_bridge":
                   "loads and validates every stored graph: ~9 s",
                   "test_the_shipped_statements_cross_as_a_text_round_trip_would":
                   "serialises and parses every statement graph: ~5 s"},
    "test_triples": {"test_the_shipped_statements_are_written_as_rdflib_writes_them":
                     "writes every statement graph twice: ~9 s"},
    "test_build": {"test_nquads_hold_exactly_each_built_graph":
                   "parses the whole dataset: ~8 s",
                   "test_rebuilding_gives_the_same_bytes": "builds twice: ~4 s",
                   "test_the_base_iri_is_configurable": "builds with another base: ~4 s"},
    "test_shacl_engine": {"test_simple_sparql_constraints_match_rdflibs_answers":
                          "runs each constraint with rdflib on the shipped graph: ~8 s"},
    "test_warmup": {"test_the_pages_with_the_most_claims_are_warmed":
                    "computes the heaviest pages: ~7 s"},
    "test_store_replication": {
        "test_the_log_keeps_a_bounded_tail_and_catching_up_reads_what_changed":
        "writes past the log's tail: ~6 s"},
    "test_workflow": {"test_parallel_batched_ingest_loads_exactly_what_one_at_a_time_does":
                      "ingests twice, once with worker processes: ~13 s",
                      "test_add_review_accept": "adds, reviews and accepts a draft: ~4 s"},
    "test_corpus_model": {"test_statements_whose_note_says_complete_are_complete":
                          "reads every annotation file: ~4 s"},
    "test_sparql_protocol": {"test_update_dataset_named_graphs":
                             "loads the shipped graph for each update: ~4 s"},
    "test_models": {"test_kg_train_is_reproducible_and_checks_its_split":
                    "trains the models twice: ~4 s"},
    "test_graph_store": {"test_put_post_delete_a_statement_graph":
                         "writes the statement graph through each method: ~3 s"},
}


def _code_parts(code: types.CodeType) -> tuple[set[str], set[str]]:
    """The names and the string constants of a code object and the functions nested in it."""
    names, strings = set(code.co_names), {c for c in code.co_consts if isinstance(c, str)}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            inner_names, inner_strings = _code_parts(const)
            names |= inner_names
            strings |= inner_strings
    return names, strings


def _origin(value: object) -> str:
    name = value.__name__ if isinstance(value, types.ModuleType) else \
        getattr(value, "__module__", None)
    return (name or "").split(".")[0]


def _file(value: object) -> Path | None:
    module = value if isinstance(value, types.ModuleType) else \
        sys.modules.get(getattr(value, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    return Path(path).resolve() if path else None


def _local(value: object) -> bool:
    """Whether ``value`` is the tests' or the benchmarks' own code (followed when called;
    kg's own code is not: it starts nothing by itself)."""
    path = _file(value)
    return path is not None and path.is_relative_to(ROOT) and \
        not path.is_relative_to(ROOT / "kg")


def _bench(value: object) -> bool:
    path = _file(value)
    return path is not None and path.is_relative_to(ROOT / "bench")


def _spawns(function: Callable, item: pytest.Item, seen: set[Callable]) -> set[str]:
    """The markers of what ``function`` starts, following the tests' and benchmarks' own
    helpers and the fixtures it asks for by name (``request.getfixturevalue("virtuoso")``)."""
    function = getattr(function, "__wrapped__", function)
    code = getattr(function, "__code__", None)
    if code is None or function in seen:
        return set()
    seen.add(function)
    names, strings = _code_parts(code)
    namespace = function.__globals__
    found: set[str] = set()
    for name in names:
        value = namespace.get(name)
        if isinstance(value, types.ModuleType) or (value is None and name in SPAWNING):
            module = _origin(value) if value is not None else name  # `import x` inside too
            if module in SPAWNING:
                marker, spawners = SPAWNING[module]
                if spawners is None or names & spawners:
                    found.add(marker)
            elif value is not None and _local(value):  # `load.run_load(...)`
                if _bench(value):
                    found.add("bench")
                for attribute in names:
                    inner = getattr(value, attribute, None)
                    if isinstance(inner, types.FunctionType):
                        found |= _spawns(inner, item, seen)
        elif value is not None and _origin(value) in SPAWNING:
            marker, spawners = SPAWNING[_origin(value)]
            if spawners is None or name in spawners:
                found.add(marker)
        elif isinstance(value, types.FunctionType) and _local(value):
            if _bench(value):
                found.add("bench")
            found |= _spawns(value, item, seen)
    if "getfixturevalue" in names:
        manager = item.session._fixturemanager
        for name in strings:
            for definition in manager.getfixturedefs(name, item) or ():
                found |= _spawns(definition.func, item, seen)
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known: dict[tuple[Callable, str], set[str]] = {}  # parametrised tests, shared fixtures

    def spawns(function: Callable, item: pytest.Item) -> set[str]:
        key = (function, item.module.__name__ if item.module else "")  # type: ignore[attr-defined]
        if key not in known:
            known[key] = _spawns(function, item, set())
        return known[key]

    for item in items:
        function = getattr(item, "obj", None)
        if function is None:
            continue
        kinds = set(spawns(function, item))
        fixtureinfo = getattr(item, "_fixtureinfo", None)
        for name in getattr(item, "fixturenames", ()):
            for definition in (fixtureinfo.name2fixturedefs.get(name, ())
                               if fixtureinfo else ()):
                kinds |= spawns(definition.func, item)
        hypothesis_settings = getattr(function, "_hypothesis_internal_use_settings", None)
        if getattr(function, "is_hypothesis_test", False) and (
                hypothesis_settings is None or hypothesis_settings.max_examples >= PROPERTY_CASES):
            kinds.add("property")
        by_hand = SLOW.get(item.module.__name__, {}) if item.module else {}  # type: ignore
        if getattr(function, "__name__", None) in by_hand:
            kinds.add("slow")
        for kind in sorted(kinds):
            item.add_marker(kind)
        if kinds:
            item.add_marker("slow")
    for module_name, functions in SLOW.items():  # a renamed test must not slip back in
        module = sys.modules.get(module_name)
        missing = [f for f in functions if module is not None and not hasattr(module, f)]
        if missing:
            raise pytest.UsageError(f"tests/conftest.py SLOW names no test {missing} in "
                                    f"{module_name}")
