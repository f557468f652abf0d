"""The extraction benchmark: the split it scores, and what it scores on a statement curated
only in part (recall only: a drafted claim the file lacks may be one nobody curated)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import FIRST, ROOT, copy_home

sys.path.insert(0, str(ROOT / "bench"))

import extraction  # noqa: E402 - bench/extraction.py

COMPLETE = "unga-1994-general-debate-AZE"  # a test statement curated completely
PARTIAL = "unga-2016-general-debate-AUT"  # its conflict claims only


def test_split_of_names_the_set_and_partial_curation():
    development = extraction.development_set()
    assert FIRST in development and COMPLETE not in development
    assert extraction.split_of(FIRST, development) == "dev"
    partial = {"statement": {"curation": {"status": "partial"}}}
    complete = {"statement": {"curation": {"status": "complete"}}}
    assert extraction.split_of(PARTIAL, development, partial) == "test-partial"
    assert extraction.split_of(COMPLETE, development, complete) == "test"


def test_a_partly_curated_statement_is_scored_for_recall_only(tmp_path: Path):
    home = copy_home(tmp_path / "home")
    statements = home / "data" / "statements"
    for path in statements.glob("*.yaml"):
        if path.stem not in (COMPLETE, PARTIAL):
            path.unlink()
    result = extraction.run(home)
    assert set(result["sets"]) == {"test", "test-partial"}
    assert result["sets"]["test"]["statements"] == [COMPLETE]
    whole, part = result["sets"]["test"], result["sets"]["test-partial"]
    assert whole["claims"]["accusation"]["precision"] is not None
    assert whole["figures"]["precision"] is not None
    assert any(row["recall"] is not None for row in part["claims"].values())
    assert all(row["precision"] is None for row in part["claims"].values())
    assert part["figures"]["precision"] is None and part["false_positives"] == {}
    assert result["statements"][PARTIAL]["figures"]["precision"] is None
    lines: list[str] = []
    extraction.report(result, lines.append)
    assert any(line.startswith("== test-partial (1 statements)") for line in lines)
