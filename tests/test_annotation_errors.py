"""Malformed annotation files: one clear, located error each; nothing is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIRST, annotation_path, mutate_annotation

from kg.cli import main
from kg.config import load_settings
from kg.model.kinds import REGISTRY
from kg.pipeline.build import BuildError, build

_annotation = annotation_path
_mutate = mutate_annotation


def _error(home: Path) -> str:
    with pytest.raises(BuildError) as info:
        build(load_settings({"HOME": home}, environ={}))
    assert len(info.value.errors) == 1
    return str(info.value.errors[0])


def _line(message: str, path: Path) -> str:
    """The source line an error message points at."""
    match = re.match(rf"{re.escape(str(path))}:(\d+): ", message)
    assert match, f"error has no file:line: {message}"
    return path.read_text(encoding="utf-8").splitlines()[int(match.group(1)) - 1]


def _first_figure(data: dict) -> dict:
    return next(c for c in data["claims"] if c["kind"] == "figure")["figures"][0]


def test_missing_field(home):
    path = _mutate(home, lambda d: d["statement"].pop("speaker"))
    message = _error(home)
    assert "missing required key 'speaker'" in message
    assert _line(message, path).startswith("statement:")


def test_unknown_concept_names_the_value_and_its_line(home):
    path = _mutate(home, lambda d: _first_figure(d).update(measure="kiled"))
    message = _error(home)
    assert "unknown measure 'kiled'" in message and "known: " in message
    assert "kiled" in _line(message, path)


def test_unknown_reference_event(home):
    def change(d):
        next(c for c in d["claims"] if c.get("about"))["about"] = "khojaly-1993"
    path = _mutate(home, change)
    message = _error(home)
    assert "unknown reference 'khojaly-1993'" in message
    assert "khojaly-1993" in _line(message, path)


def test_broken_yaml_gives_the_line(home):
    path = _annotation(home)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, '  speaker: "unterminated')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _error(home)
    assert message.startswith(f"{path}:") and "invalid YAML" in message


def test_moved_offsets_name_the_sentence(home):
    def change(d):
        d["sentences"]["p11.s1"]["start"] += 1
    path = _mutate(home, change)
    message = _error(home)
    assert "sentence p11.s1: the quote is not found verbatim at 1370-1658" in message
    assert "p11.s1" in _line(message, path)


def test_changed_source_text_is_refused(home):
    text = home / "data" / "statements" / f"{FIRST}.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("Khojaly", "Xocali"), encoding="utf-8")
    assert "the text changed" in _error(home)


def test_figure_text_must_be_in_its_sentence(home):
    _mutate(home, lambda d: _first_figure(d).update(text="a million people"))
    assert "'a million people' is not found verbatim in sentence" in _error(home)


def test_unknown_part_of_target(home):
    _mutate(home, lambda d: _first_figure(d).update(part_of="no-such-figure"))
    assert "part_of names unknown figure id 'no-such-figure'" in _error(home)


def test_duplicate_claim_ids(home):
    def change(d):
        for claim in d["claims"][:2]:
            claim["id"] = "same"
    _mutate(home, change)
    assert "duplicate claim id 'same'" in _error(home)


def test_unknown_key_is_reported_with_the_allowed_ones(home):
    path = _mutate(home, lambda d: _first_figure(d).update(qualifer="about"))
    message = _error(home)
    assert "unknown key 'qualifer' in figure" in message and "qualifier" in message
    assert "qualifer" in _line(message, path)


def test_qualifier_and_value_must_fit(home):
    _mutate(home, lambda d: _first_figure(d).update(qualifier="about", value=None))
    assert "qualifier 'about' needs the stated value" in _error(home)


def test_machine_drafts_are_not_built(home):
    _mutate(home, lambda d: d["statement"].update(review="machine-drafted"))
    assert "machine draft" in _error(home)


def test_each_bad_file_is_reported_and_nothing_is_written(home):
    statements = home / "data" / "statements"
    (statements / "second.yaml").write_text("format: kg-annotations/1\nstatement: [\n")
    _mutate(home, lambda d: d["statement"].pop("date"))
    out = home / "out.nq"
    result = CliRunner().invoke(main, ["--home", str(home), "build", "-o", str(out)])
    assert result.exit_code == 2
    assert "second.yaml:" in result.stderr and "missing required key 'date'" in result.stderr
    assert "2 file(s) with errors" in result.stderr
    assert not out.exists()


_REQUIRED = [(kind.key, f.key) for kind in REGISTRY for f in kind.fields if f.required]
_CONCEPTS = [(kind.key, f.key, f.words) for kind in REGISTRY for f in kind.fields
             if f.value == "concept"]


@pytest.mark.parametrize("kind, key", _REQUIRED, ids=[f"{k}.{f}" for k, f in _REQUIRED])
def test_each_required_field_of_each_kind_is_required(home, kind, key):
    """The registry's field table (kg/model/kinds.py) is what the reader enforces."""
    def change(d):
        next(c for c in d["claims"] if c["kind"] == kind).pop(key)
    path = _mutate(home, change)
    message = _error(home)
    assert f"missing required key {key!r}" in message
    assert _line(message, path).lstrip().startswith("- ")  # the line that opens the claim


@pytest.mark.parametrize("kind, key, words", _CONCEPTS, ids=[f"{k}.{f}" for k, f, _ in _CONCEPTS])
def test_each_concept_field_names_its_scheme(home, kind, key, words):
    def change(d):
        next(c for c in d["claims"] if c["kind"] == kind)[key] = "no-such-concept"
    path = _mutate(home, change)
    message = _error(home)
    assert f"unknown {words} 'no-such-concept'" in message and "known: " in message
    assert "no-such-concept" in _line(message, path)


def test_a_field_of_another_kind_is_refused(home):
    def change(d):
        next(c for c in d["claims"] if c["kind"] == "thematic")["accused"] = "ARM"
    path = _mutate(home, change)
    message = _error(home)
    assert "unknown key 'accused' in thematic claim" in message
    assert "accused" in _line(message, path)
