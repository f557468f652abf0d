"""The command line as a user runs it: `python -m kg`, exit codes, load."""

from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner
from conftest import ROOT

from kg.cli import main
from kg.store import open_store


def test_python_dash_m_kg_runs_the_same_command(tmp_path):
    out = tmp_path / "kg.nq"
    argv = [sys.executable, "-m", "kg", "--home", str(ROOT), "build", "-o", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and re.search(r"built \d+ statement\(s\)", proc.stdout)


def test_a_folder_without_content_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "build"])
    assert result.exit_code == 2
    assert "holds no ontology/ folder" in result.stderr


def test_load_fills_the_store_once(home, monkeypatch):
    monkeypatch.setenv("KG_STORE", "oxigraph:var/test-store")
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(home), "build"]).exit_code == 0
    first = runner.invoke(main, ["--home", str(home), "load"])
    assert first.exit_code == 0 and first.output.startswith("loaded")
    again = runner.invoke(main, ["--home", str(home), "load"])
    assert again.output.startswith("already loaded")
    store = open_store("oxigraph:var/test-store", home)
    statements = len(list((home / "data" / "statements").glob("*.yaml")))
    assert len(store.graph_names()) == 2 + statements  # ontology, reference, one per statement
    store.close()


def test_load_without_a_build_says_what_to_do(home):
    result = CliRunner().invoke(main, ["--home", str(home), "load"])
    assert result.exit_code == 2 and "run 'kg build' first" in result.stderr
