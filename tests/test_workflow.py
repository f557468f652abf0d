"""The curation workflow: kg add, kg review, kg ingest, and drafts over HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from conftest import FIRST, ROOT, make_app
from rdflib import Graph
from rdflib.compare import to_isomorphic
from test_extract import _review

from kg.cli import main
from kg.config import load_settings
from kg.pipeline import ingest as workflow
from kg.store import open_store

TEXT = ("Mr. President,\n\nAt the end of September 2020, more than 100 civilians were killed, "
        "including 11 children. Armenia refuses to share information about the landmines.\n")
META = ["--speaker", "yashar-aliyev", "--delegation", "AZE", "--date", "2021-05-25",
        "--meeting", "unsc-2021-05-25-poc", "--source", "written by a test"]


def kg(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "incoming.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_add_review_accept(home, source):
    result = kg(home, "add", str(source), "--id", "test-statement", *META)
    assert result.exit_code == 0, result.output
    draft = home / "data" / "statements" / "test-statement.yaml"
    assert (home / "data" / "statements" / "test-statement.txt").read_text() == TEXT
    text = draft.read_text(encoding="utf-8")
    assert "review: machine-drafted" in text and "yashar-aliyev" in text
    # a draft is never built
    assert kg(home, "build", "-o", str(home / "x.nq")).exit_code == 2
    listed = kg(home, "review", "test-statement")
    assert listed.exit_code == 0 and "to resolve" in listed.output
    # a person reviews: fills what is missing (here, programmatically) and removes FIXMEs
    data = yaml.safe_load(text)
    _review(data)
    data["statement"]["review"] = "machine-drafted"
    draft.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))
    accepted = kg(home, "review", "test-statement", "--accept")
    assert accepted.exit_code == 0, accepted.output + accepted.stderr
    assert "review: accepted" in draft.read_text()
    assert kg(home, "build", "-o", str(home / "x.nq")).exit_code == 0


def test_accept_refuses_unresolved_items_and_bad_drafts_unchanged(home, source):
    assert kg(home, "add", str(source), "--id", "test-statement", *META).exit_code == 0
    draft = home / "data" / "statements" / "test-statement.yaml"
    refused = kg(home, "review", "test-statement", "--accept")
    assert refused.exit_code == 2 and "unresolved" in refused.stderr
    data = yaml.safe_load(draft.read_text())
    _review(data)
    data["statement"]["review"] = "machine-drafted"
    next(c for c in data["claims"] if c["kind"] == "figure")["figures"][0]["measure"] = "kiled"
    before = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    draft.write_text(before)
    failed = kg(home, "review", "test-statement", "--accept")
    assert failed.exit_code == 2 and "unknown measure 'kiled'" in failed.stderr
    assert draft.read_text() == before  # left exactly as it was


@pytest.mark.parametrize(("content", "words"), [
    (b"", "empty"), (b"\x00\x01binary", "binary"), ("caf\u00e9".encode("latin-1"), "UTF-8"),
])
def test_add_refuses_bad_texts_and_writes_nothing(home, tmp_path, content, words):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    before = sorted(p.name for p in (home / "data" / "statements").iterdir())
    result = kg(home, "add", str(bad), "--id", "bad-statement", *META)
    assert result.exit_code == 2 and words in result.stderr
    assert sorted(p.name for p in (home / "data" / "statements").iterdir()) == before


def test_add_refuses_an_existing_id(home, source):
    result = kg(home, "add", str(source), "--id", FIRST, *META)
    assert result.exit_code == 2 and "exists already" in result.stderr


def test_bulk_ingest_skips_a_bad_statement_and_loads_the_rest(full_home, tmp_path, monkeypatch):
    home = full_home
    folder = tmp_path / "batch"
    folder.mkdir()
    statements = home / "data" / "statements"
    names = [FIRST, "unga-2023-general-debate-AZE", "unga-2022-general-debate-ARM"]
    for name in names:
        shutil.copy(statements / f"{name}.txt", folder)
        shutil.copy(statements / f"{name}.yaml", folder)
    broken = folder / "unga-2022-general-debate-ARM.yaml"
    broken.write_text(broken.read_text().replace("qualifier: exact", "qualifier: exactly", 1))
    monkeypatch.setenv("KG_STORE", f"oxigraph:{tmp_path}/store")
    result = kg(home, "ingest", str(folder))
    assert result.exit_code == 2
    assert "2 statement(s) loaded, 1 failed" in result.output
    assert "failed: unga-2022-general-debate-ARM" in result.stderr
    assert "unknown qualifier 'exactly'" in result.stderr
    store = open_store(f"oxigraph:{tmp_path}/store", home)
    graphs = store.graph_names()
    assert any(g.endswith(f"statement/{FIRST}") for g in graphs)
    assert not any(g.endswith("statement/unga-2022-general-debate-ARM") for g in graphs)
    store.close()


def _contents(store) -> dict:
    """Each named graph, comparable as a graph (blank node labels differ between loads)."""
    out = {}
    for name in store.graph_names():
        text = ox.serialize(store.graph_triples(name), format=ox.RdfFormat.N_TRIPLES) or b""
        out[name] = to_isomorphic(Graph().parse(data=text.decode("utf-8"), format="nt"))
    return out


def test_parallel_batched_ingest_loads_exactly_what_one_at_a_time_does(home, tmp_path):
    """Worker processes and batches change the speed, not the result: the same statements
    loaded (in order), the same failures, the same graphs, triple for triple."""
    folder = tmp_path / "many"
    shutil.copytree(home / "data" / "statements", folder,
                    ignore=shutil.ignore_patterns("*.md"))
    (folder / "zz-not-yaml.yaml").write_text("statement: [unclosed\n", encoding="utf-8")
    # the first annotation file with an exact figure, made invalid
    second = next(p for p in sorted(folder.glob("*.yaml")) if "qualifier: exact" in p.read_text())
    second.write_text(second.read_text().replace("qualifier: exact", "qualifier: exactly", 1))
    settings = load_settings({"HOME": home}, environ={})
    files = workflow.listing(folder)
    reports, contents = [], []
    for name, jobs, batch in (("serial", 1, 100), ("parallel", 2, 3)):
        store = open_store(f"oxigraph:{tmp_path}/{name}", home)
        reports.append(workflow.ingest(settings, files, store, jobs=jobs, batch=batch))
        contents.append(_contents(store))
        store.close()
    serial, parallel = reports
    assert parallel.loaded == serial.loaded and len(serial.loaded) == len(files) - 2
    assert parallel.failed == serial.failed
    assert [name for name, _ in serial.failed] == [second.stem, "zz-not-yaml"]
    assert contents[0] == contents[1] and len(contents[0]) == len(files)  # + 2 base graphs


def test_ingest_from_csv_and_jsonl_listings(home, tmp_path):
    statements = home / "data" / "statements"
    (tmp_path / "list.csv").write_text(f"annotation\n{statements / FIRST}.yaml\n")
    (tmp_path / "list.jsonl").write_text(json.dumps({"annotation": f"{statements / FIRST}.yaml"})
                                         + "\n")
    for listing in ("list.csv", "list.jsonl"):
        result = kg(home, "ingest", str(tmp_path / listing), "--no-load")
        assert result.exit_code == 0 and "1 statement(s) valid, 0 failed" in result.output
    (tmp_path / "bad.jsonl").write_text("not json\n")
    assert kg(home, "ingest", str(tmp_path / "bad.jsonl")).exit_code == 2


@pytest.fixture
def drafting(built_file):
    app = make_app(built_file, UPDATE_TOKEN="draft-token")
    yield app.test_client()
    app.extensions["kg"].close()


def test_drafts_over_http(drafting):
    auth = {"Authorization": "Bearer draft-token"}
    assert drafting.post("/drafts", json={"text": TEXT}).status_code == 401
    r = drafting.post("/drafts", json={"text": TEXT, "id": "posted", "delegation": "AZE"},
                      headers=auth)
    assert r.status_code == 200 and r.mimetype == "application/yaml"
    assert "review: machine-drafted" in r.get_data(as_text=True)
    r = drafting.post("/drafts", json={"text": TEXT},
                      headers={**auth, "Accept": "application/json"})
    body = json.loads(r.data)
    assert body["review"] == "machine-drafted"
    assert {f["text"] for f in body["draft"]["figures"]} >= {"more than 100 civilians"}
    assert drafting.post("/drafts", json={"text": ""}, headers=auth).status_code == 400
    assert drafting.post("/drafts", json={"text": "a\x00b"}, headers=auth).status_code == 400
    assert drafting.post("/drafts", data="x", content_type="text/plain",
                         headers=auth).status_code == 415
    assert drafting.post("/drafts", json={"text": TEXT, "id": "../../etc"},
                         headers=auth).status_code == 400
    assert not (ROOT / "data" / "statements" / "posted.yaml").exists()
