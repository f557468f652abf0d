"""The claim-kind registry: one table, checked against the ontology, read by every layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST, ROOT, make_app
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

import kg.sources.annotations  # noqa: F401  (registers the builder functions)
from kg.config import load_settings
from kg.model.kinds import REGISTRY, ClaimKind, Field, Registry, check, generic, ontology_kinds
from kg.model.namespaces import EKG
from kg.sources.annotations import build_statement
from kg.sources.ontology import load_ontology
from kg.sources.reference import ReferenceIndex, Vocabulary, load_reference
from kg.sources.yamlsource import SourceError

HTML = {"Accept": "text/html"}
#: A kind to add: its class goes into the ontology, its entry into the registry.
TESTIMONY_CLASS = """
ekg:TestimonyClaim
    a owl:Class ;
    rdfs:label "Testimony claim"@en ;
    skos:definition "A claim that the speaker heard a witness say something."@en ;
    rdfs:subClassOf ekg:Claim ;
    rdfs:isDefinedBy <https://w3id.org/ekg/ont> .
"""
TESTIMONY = ClaimKind("testimony", EKG.TestimonyClaim, "testimony", fields=(
    Field("witness", EKG.actor, "actor", required=True),
    Field("heard_as", EKG.reportingVerb),
))
TESTIMONY_YAML = """
  - kind: testimony
    id: heard
    sentence: p10.s1
    witness: AZE
    heard_as: "said"
"""


def kg(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120)


def add_testimony_class(home: Path) -> None:
    ttl = home / "ontology" / "ekg.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8") + TESTIMONY_CLASS, encoding="utf-8")


def test_the_registry_and_the_ontology_agree():
    ontology = load_ontology(ROOT / "ontology")
    assert check(ontology) == []
    assert {k.cls for k in REGISTRY} == ontology_kinds(ontology)
    assert {"figure", "event", "reported-speech", "thematic"} <= set(REGISTRY.keys())


def test_kg_check_passes_on_the_shipped_content():
    proc = kg(ROOT, "check")
    assert proc.returncode == 0, proc.stderr
    assert f"{len(REGISTRY)} claim kinds agree with the ontology" in proc.stdout


def test_a_class_the_registry_lacks_fails_kg_check_naming_it(home):
    add_testimony_class(home)
    proc = kg(home, "check")
    assert proc.returncode == 2
    assert "TestimonyClaim" in proc.stderr and "registry" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_registered_kind_the_ontology_lacks_is_named():
    ontology = load_ontology(ROOT / "ontology")
    ontology.remove((EKG.ThematicClaim, RDFS.subClassOf, EKG.Claim))
    problems = check(ontology)
    assert len(problems) == 1 and "'thematic'" in problems[0]
    assert check(load_ontology(ROOT / "ontology"), REGISTRY.with_kind(TESTIMONY))[0].count(
        "'testimony'") == 1


def test_a_kind_whose_builder_is_missing_is_named():
    lost = ClaimKind("witness-list", EKG.ThematicClaim, "witness list",
                     extra_keys=frozenset({"witnesses"}), builder=True)
    registry = Registry(tuple(k for k in REGISTRY if k.key != "thematic") + (lost,))
    problems = check(load_ontology(ROOT / "ontology"), registry)
    assert problems == ["claim kind 'witness-list' needs a builder function and none is "
                        "registered"]


def test_a_kind_is_added_with_ontology_and_registry_entry_alone(home):
    """The README's recipe: a class in the ontology and a registry entry make a new kind
    that annotations build, with no code of the reader changed."""
    add_testimony_class(home)
    settings = load_settings({"HOME": home}, environ={})
    ontology = load_ontology(settings.ontology_dir)
    registry = REGISTRY.with_kind(TESTIMONY)
    assert check(ontology, registry) == []
    yaml = home / "data" / "statements" / f"{FIRST}.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + TESTIMONY_YAML, encoding="utf-8")
    vocab = Vocabulary(ontology)
    refs = ReferenceIndex(load_reference(settings.reference_dir, settings.iris))
    with pytest.raises(SourceError, match="unknown claim kind 'testimony'"):
        build_statement(yaml, settings.iris, vocab, refs)
    built = build_statement(yaml, settings.iris, vocab, refs, registry)
    claim = settings.iris.mint("clm", f"{FIRST}.heard")
    graph = built.graph
    assert (claim, RDF.type, EKG.TestimonyClaim) in graph
    assert (claim, RDF.type, EKG.Claim) in graph
    assert (claim, EKG.actor, settings.iris.mint("st", "AZE")) in graph
    assert built.kinds["testimony"] == 1
    bad = yaml.read_text(encoding="utf-8").replace("witness: AZE", "witness: XYZ")
    yaml.write_text(bad, encoding="utf-8")
    with pytest.raises(SourceError, match="unknown witness"):
        build_statement(yaml, settings.iris, vocab, refs, registry)


def test_every_kind_with_required_fields_has_a_shape_requiring_them():
    shapes = Graph().parse(ROOT / "shapes" / "ekg-shapes.ttl")
    sh = "http://www.w3.org/ns/shacl#"
    for kind in REGISTRY:
        required = {f.prop for f in kind.fields if f.required}
        if not required:
            continue
        shape = shapes.value(predicate=URIRef(sh + "targetClass"), object=kind.cls)
        assert shape is not None, f"no shape targets {kind.local}"
        paths = {shapes.value(p, URIRef(sh + "path"))
                 for p in shapes.objects(shape, URIRef(sh + "property"))
                 if shapes.value(p, URIRef(sh + "minCount")) is not None}
        assert required <= paths, (kind.key, required - paths)


def test_labels_carry_their_article():
    phrases = {k.key: k.phrase for k in REGISTRY}
    assert phrases["event"] == "an event" and phrases["figure"] == "a figure"
    assert phrases["accusation"] == "an accusation" and phrases["appeal"] == "an appeal"
    assert phrases["reported-speech"] == "a reported speech"
    assert generic(str(EKG.UnheardOfClaim)).phrase == "an unheard of"


def test_extraction_drafts_registered_kinds():
    assert {k.extraction for k in REGISTRY if k.extraction} == {
        "figure", "event", "attribution", "accusation"}
    for name in ("figure", "event", "attribution", "accusation"):
        assert REGISTRY.by_extraction(name).key == name


def test_a_claim_of_a_kind_the_registry_lacks_is_still_shown(built_file, tmp_path):
    """A page never drops a claim: a kind the registry lacks shows under its class's name."""
    settings = load_settings({"HOME": ROOT}, environ={})
    iris = settings.iris
    graph = f"<{iris.statement_graph(FIRST)}>"
    claim = f"<{iris.mint('clm', FIRST + '.heard')}>"
    stmt = f"<{iris.mint('stmt', FIRST)}>"
    segment = f"<{iris.mint('seg', FIRST + '.p10.s1')}>"
    extra = [f"{claim} <{RDF.type}> <{EKG.TestimonyClaim}> {graph} .",
             f"{claim} <{RDF.type}> <{EKG.Claim}> {graph} .",
             f"{claim} <{EKG.statedIn}> {stmt} {graph} .",
             f"{claim} <{EKG.anchor}> {segment} {graph} ."]
    dataset = tmp_path / "kg.nq"
    dataset.write_text(built_file.read_text(encoding="utf-8") + "\n".join(extra) + "\n",
                       encoding="utf-8")
    app = make_app(dataset)
    try:
        client = app.test_client()
        page = client.get(f"/id/statement/{FIRST}", headers=HTML)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Testimony (1)" in html
        assert f'href="/id/claim/{FIRST}.heard"' in html
        assert "Figure (13)" in html and "Characterisation (15)" in html
        # the known kinds come first, in the registry's order; the unknown one after them
        assert html.index("Figure (13)") < html.index("Characterisation (15)") \
            < html.index("Testimony (1)")
        claim_page = client.get(f"/id/claim/{FIRST}.heard", headers=HTML)
        assert claim_page.status_code == 200
        assert "A testimony claim, according to" in claim_page.get_data(as_text=True)
    finally:
        app.extensions["kg"].close()


def test_claim_page_says_an_event_claim(client):
    event = client.get("/id/claim/unga-1993-general-debate-ARM.blockade-event", headers=HTML)
    assert event.status_code == 200
    assert "An event claim, according to" in event.get_data(as_text=True)


def test_kg_check_on_a_broken_ontology_exits_2(home):
    ttl = home / "ontology" / "ekg.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8") + "\nekg:Broken a \n", encoding="utf-8")
    proc = kg(home, "check")
    assert proc.returncode == 2
    assert "cannot read the ontology" in proc.stderr and "Traceback" not in proc.stderr


def test_kg_check_names_a_broken_saved_query(home):
    query = sorted((home / "queries").glob("*.rq"))[0]
    query.write_text(query.read_text(encoding="utf-8") + "\nSELECT WHERE {\n", encoding="utf-8")
    proc = kg(home, "check")
    assert proc.returncode == 2
    assert query.name in proc.stderr and "Traceback" not in proc.stderr
