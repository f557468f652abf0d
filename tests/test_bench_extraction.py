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


def test_extract_all_drafts_every_speech_of_an_archive_and_counts_refusals(tmp_path: Path):
    """bench/extract_all.py reads speeches straight from a General Debate archive (as
    distributed: TXT/Session NN - YYYY/ISO_NN_YYYY.txt); an input error is counted with its
    reason, never a failure, and the extraction time is measured per 3,000 words."""
    import tarfile

    import extract_all  # bench/extract_all.py

    sample = sorted((ROOT / "tests" / "data" / "ungdc-sample").glob("*.txt"))[:2]
    archive = tmp_path / "ungdc.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sample:
            tar.add(path, arcname=f"TXT/Session 78 - 2023/{path.name}")
        for name, raw in (("EMPTY_78_2023.txt", b""), ("BIN_78_2023.txt", b"\x00\x01"),
                          ("LATIN1_78_2023.txt", "Caf\u00e9 au lait.".encode("latin-1"))):
            junk = tmp_path / name
            junk.write_bytes(raw)
            tar.add(junk, arcname=f"TXT/Session 78 - 2023/{name}")
    result = extract_all.run(archive=archive, jobs=1)
    assert (result["speeches"], result["drafted"], result["refused"]) == (5, 2, 3)
    assert result["errors"] == []
    assert set(result["refused_by_reason"]) == {"the file is empty", "binary file",
                                                 "not UTF-8 text"}
    assert result["claims"] > 0 and result["words"] > 1000
    assert 0 < result["seconds_per_3000_words"]["median"] <= result["seconds_per_3000_words"][
        "max"]
    lines: list[str] = []
    extract_all.report(result, lines.append)
    assert lines[0] == "speeches 5: drafted 2, refused with an input error 3, failed 0"
    assert extract_all.main(["--dir", str(tmp_path / "nowhere")]) == 2
