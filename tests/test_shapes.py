"""Every SHACL shape has conforming and violating examples (tests/shapes/{valid,invalid}).

An invalid example declares what it must produce in header comments:

    # shape: ekgsh:FigureShape
    # expect: <focus CURIE> | <words of the message>

Every ``expect`` line must match a result, and every result must be expected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from rdflib import Graph

from kg.model.namespaces import EKGSH, IRIs
from kg.pipeline.validate import Validator, load_shapes
from kg.sources.ontology import load_ontology

HERE = Path(__file__).resolve().parent / "shapes"
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))


@pytest.fixture(scope="module")
def validator() -> Validator:
    iris = IRIs()
    return Validator(load_shapes(ROOT / "shapes"), load_ontology(ROOT / "ontology"), iris)


def _header(path: Path, key: str) -> list[str]:
    prefix = f"# {key}:"
    return [line[len(prefix):].strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith(prefix)]


def _graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=IRIs().base)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_examples_conform(validator, path):
    findings = validator.check(_graph(path), path.stem)
    assert findings == [], "\n".join(map(str, findings))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_examples_fail_with_the_expected_messages(validator, path):
    expected = [tuple(part.strip() for part in e.split("|", 1)) for e in _header(path, "expect")]
    assert expected, f"{path.name} declares no '# expect:' line"
    findings = validator.check(_graph(path), path.stem)
    for focus, words in expected:
        assert any(f.focus == focus and words in f.message for f in findings), (
            f"expected {focus} | {words}; got:\n" + "\n".join(map(str, findings)))
    for finding in findings:
        assert any(finding.focus == focus and words in finding.message
                   for focus, words in expected), f"unexpected result: {finding}"


def test_every_shape_has_a_valid_and_an_invalid_example():
    shapes = load_shapes(ROOT / "shapes")
    from rdflib.namespace import RDF, SH

    named = {str(s).replace(str(EKGSH), "ekgsh:") for s in shapes.subjects(RDF.type, SH.NodeShape)
             if str(s).startswith(str(EKGSH)) and not str(s).endswith("Concept")}
    covered_valid = {s for p in VALID for s in _header(p, "shape")}
    covered_invalid = {s for p in INVALID for s in _header(p, "shape")}
    assert named - covered_valid == set(), "shapes without a valid example"
    assert named - covered_invalid == set(), "shapes without an invalid example"
