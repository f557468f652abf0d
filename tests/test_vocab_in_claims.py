"""Every concept of the claim vocabularies is accepted where claims use it: each accusation
type in an accusation, each legal category in a characterisation, each role in an
attribution, each event type in an event description, and each measure, population and
unit in a figure. One test per concept, drawn from the vocabulary files, so a concept added
to a scheme is tested by adding it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, annotation_path, copy_home, write_annotation
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from kg.config import load_settings
from kg.model.namespaces import EKG, VOCAB
from kg.pipeline.build import build
from kg.pipeline.write import WriteContext

VOCAB_DIR = ROOT / "ontology" / "vocab"


def _concepts(scheme: str) -> list[str]:
    """The local names of the concepts of ``ontology/vocab/<scheme>.ttl``."""
    graph = Graph().parse(VOCAB_DIR / f"{scheme}.ttl")
    return sorted(str(c).rsplit("/", 1)[-1] for c in graph.subjects(RDF.type, SKOS.Concept)
                  if (c, SKOS.inScheme, None) in graph)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return copy_home(tmp_path_factory.mktemp("vocab") / "home")


@pytest.fixture(scope="module")
def original(scratch: Path) -> dict[str, Any]:
    """The first statement with one claim of each kind these tests change (the builds stay
    small), and the sentences those claims are anchored to."""
    data = yaml.safe_load(_path(scratch).read_text(encoding="utf-8"))
    kinds = ("accusation", "characterisation", "attribution", "event", "figure")
    claims = [_claim(data, kind) for kind in kinds]
    for claim in claims:
        claim.pop("about", None)  # no links to the claims left out
    used = {s for c in claims for s in (c["sentence"] if isinstance(c["sentence"], list)
                                         else [c["sentence"]])}
    data["claims"] = claims
    data["sentences"] = {k: v for k, v in data["sentences"].items() if k in used}
    return data


@pytest.fixture(scope="module")
def context(scratch: Path) -> WriteContext:
    """The ontology, vocabularies and reference data, read once for the module's builds."""
    return WriteContext.from_files(load_settings({"HOME": scratch}, environ={}))


_path = annotation_path


def _claim(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in data["claims"] if c["kind"] == kind)


def _build(home: Path, original: dict[str, Any], context: WriteContext, change) -> Graph:
    data = yaml.safe_load(yaml.safe_dump(original))  # a deep copy
    change(data)
    write_annotation(_path(home), data)
    settings = load_settings({"HOME": home}, environ={})
    return build(settings, only=[_path(home)], context=context).statements[0].graph


#: Where a claim takes a concept: its scheme's file, the claim kind, the key in the claim
#: (or in its event description), the property it states, and the scheme's prefix.
CLAIM_FIELDS = [
    ("accusation-type", "accusation", "type", EKG.accusationType, "acc"),
    ("legal-category", "characterisation", "category", EKG.legalCategory, "legal"),
    ("role", "attribution", "role", EKG.responsibilityRole, "role"),
    ("event-type", "event", "event.type", EKG.eventType, "evt"),
]


@pytest.mark.parametrize(("kind", "key", "prop", "prefix", "name"), [
    pytest.param(kind, key, prop, prefix, name, id=f"{scheme}:{name}")
    for scheme, kind, key, prop, prefix in CLAIM_FIELDS for name in _concepts(scheme)])
def test_every_concept_of_a_claim_field(scratch, original, context, kind, key, prop, prefix,
                                        name):
    def change(data: dict[str, Any]) -> None:
        target = _claim(data, kind)
        *path, last = key.split(".")
        for step in path:
            target = target[step]
        target[last] = name

    graph = _build(scratch, original, context, change)
    assert (None, prop, VOCAB[prefix][name]) in graph


def _figure(data: dict[str, Any]) -> dict[str, Any]:
    return _claim(data, "figure")["figures"][0]


#: What a figure in a unit needs besides its value (a currency, a ratio's parts).
UNIT_NEEDS: dict[str, dict[str, Any]] = {
    "money": {"currency": "USD"},
    "ratio": {"value": None, "qualifier": "exact", "numerator": 1, "denominator": 6},
}
#: What a figure of a measure needs (expelled: the country or region people were expelled
#: from; cost: a sum of money).
MEASURE_NEEDS: dict[str, dict[str, Any]] = {
    "expelled": {"from_place": "ARM"},
    "cost": {"unit": "money", "currency": "USD"},
}


def _update(figure: dict[str, Any], change: dict[str, Any]) -> None:
    for key, value in change.items():
        if value is None:
            figure.pop(key, None)
        else:
            figure[key] = value


@pytest.mark.parametrize("name", _concepts("unit"))
def test_every_unit(scratch, original, context, name):
    change = {"unit": name, **UNIT_NEEDS.get(name, {})}
    graph = _build(scratch, original, context, lambda d: _update(_figure(d), change))
    assert (None, EKG.unit, VOCAB["unit"][name]) in graph


@pytest.mark.parametrize("name", _concepts("measure"))
def test_every_measure(scratch, original, context, name):
    change = {"measure": name, **MEASURE_NEEDS.get(name, {})}
    graph = _build(scratch, original, context, lambda d: _update(_figure(d), change))
    assert (None, EKG.measure, VOCAB["meas"][name]) in graph


@pytest.mark.parametrize("name", _concepts("population"))
def test_every_population(scratch, original, context, name):
    graph = _build(scratch, original, context, lambda d: _figure(d).update(population=name))
    assert (None, EKG.population, VOCAB["pop"][name]) in graph


def test_the_schemes_are_read_whole():
    """The lists above are the vocabularies, not a stale copy: a few known concepts each."""
    assert {"provocation", "war-crimes", "territorial-claims"} <= set(_concepts("accusation-type"))
    assert {"hectares", "money", "ratio", "tonnes"} <= set(_concepts("unit"))
    assert {"expelled", "displaced", "built"} <= set(_concepts("measure"))
    assert URIRef(VOCAB["unit"]["tonnes"])
