"""The store interface: callers choose by capabilities, never by a backend's class."""

from __future__ import annotations

from pathlib import Path

from kg.store import EmbeddedStore, RemoteStore

ROOT = Path(__file__).resolve().parent.parent


def test_no_code_outside_the_store_package_names_the_embedded_store() -> None:
    found = []
    for path in sorted((ROOT / "kg").rglob("*.py")):
        if (ROOT / "kg" / "store") in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "EmbeddedStore" in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "choose by store.capabilities, not by class:\n" + "\n".join(found)


def test_capabilities_of_each_backend(tmp_path: Path) -> None:
    embedded = EmbeddedStore(tmp_path / "store")
    caps = embedded.capabilities
    assert caps.versioned and caps.forkable and caps.union_default and caps.stored_graphs_only
    before = embedded.version
    embedded.replace_graph("https://example.org/g", "<https://example.org/s> "
                           "<https://example.org/p> <https://example.org/o> .\n")
    assert embedded.version != before
    with embedded.fork_guard():
        pass
    remote = RemoteStore("http://127.0.0.1:9/sparql")
    caps = remote.capabilities
    assert not (caps.versioned or caps.forkable or caps.union_default or caps.stored_graphs_only)
    assert remote.version is None
