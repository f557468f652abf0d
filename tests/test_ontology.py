"""Checks on the OWL ontology, the SKOS concept schemes and the generated ontology docs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kg.docs import render_markdown
from kg.model.kinds import REGISTRY
from kg.model.namespaces import EKG, SCHEMES, VOCAB_BASE, scheme_iri
from kg.sources.ontology import load_ontology

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_IRI = URIRef("https://w3id.org/ekg/ont")
TTL_FILES = sorted(ONTOLOGY_DIR.rglob("*.ttl"))

#: Concepts that must exist, per scheme (all of them for qualifier, rule and the small schemes).
REQUIRED_CONCEPTS: dict[str, set[str]] = {
    "measure": {"killed", "wounded", "killed-or-wounded", "casualties", "missing", "displaced"},
    "population": {"people", "civilians", "children", "citizens", "national-group"},
    "qualifier": {
        "exact", "over", "more-than", "at-least", "about", "around", "approximately", "some",
        "almost", "nearly", "up-to", "less-than", "dozens", "hundreds", "thousands",
        "tens-of-thousands", "hundreds-of-thousands", "millions", "numerous", "a-few", "several",
    },
    "legal-category": {
        "war-crime", "crime-against-humanity", "genocide", "aggression", "ethnic-cleansing",
    },
    "accusation-type": {
        "initiating-war", "aggression", "forced-displacement", "killing-of-civilians",
        "non-cooperation-on-missing-persons", "disinformation",
    },
    "role": {"perpetrator", "initiator", "victim", "responsible-party"},
    "event-type": {"war", "mass-killing", "shelling", "expulsion", "ceasefire"},
    "rule": {
        "exact-v1", "over-v1", "at-least-v1", "about-10pct-v1", "almost-v1", "up-to-v1",
        "less-than-v1", "magnitude-word-v1", "unquantified-plural-v1", "a-few-v1", "several-v1",
        "curated", "edtf-v1", "decade-part-v1", "month-part-v1", "year-part-v1",
    },
    "explicitness": {"explicit", "implicit-context", "anaphoric"},
    "certainty": {"certain", "probable", "possible"},
    "polarity": {"affirmed", "negated"},
    "review-status": {"machine-drafted", "accepted", "corrected", "rejected"},
    "curation-status": {"complete", "partial", "figures-and-events", "machine-drafted",
                        "unverified"},
    "delivery-mode": {"oral", "written-submission", "read-on-behalf"},
    "addressee": {"president-of-the-council", "the-council", "the-assembly"},
    "reporting-mode": {"direct", "indirect"},
    "citation-resolution": {"explicit", "inferred"},
    "time-refinement": {"beginning-of", "middle-of", "end-of", "early", "mid", "late"},
    "meeting-format": {"open-debate", "open-debate-vtc", "debate", "briefing"},
    "post-type": {"permanent-representative", "head-of-state", "minister-for-foreign-affairs"},
    "unit": {"persons", "objects", "settlements", "percent", "square-kilometres"},
}

#: Words each bounds rule's definition must contain: the formula the build implements.
RULE_FORMULAS: dict[str, tuple[str, ...]] = {
    "exact-v1": ("min = max = value",),
    "over-v1": ("min = value + 1", "no max"),
    "at-least-v1": ("min = value",),
    "about-10pct-v1": ("min = ceil(0.9 value)", "max = floor(1.1 value)"),
    "almost-v1": ("min = ceil(0.9 value)", "max = value - 1"),
    "up-to-v1": ("max = value",),
    "less-than-v1": ("max = value - 1",),
    "magnitude-word-v1": (
        "dozens 24..99", "hundreds 100..999", "thousands 1000..9999",
        "tens of thousands 10000..99999", "hundreds of thousands 100000..999999",
        "millions min 1000000",
    ),
    "unquantified-plural-v1": ("min 2",),
    "a-few-v1": ("2..9",),
    "several-v1": ("3..9",),
    "curated": ("given by the curator",),
    "edtf-v1": ("first/last day covered by the EDTF value",),
    "decade-part-v1": ("years 0-3", "4-6", "7-9"),
    "month-part-v1": ("days 1-10", "11-20", "21-last"),
    "year-part-v1": ("Jan-Apr", "May-Aug", "Sep-Dec"),
}

#: Properties that carry what a speaker claims: they must never apply to reference nodes.
CLAIM_LEVEL_PROPERTIES = (
    "figure", "measure", "population", "approximation", "responsibleAgent",
    "responsibilityRole", "legalCategory", "accused", "accusationType",
)
REFERENCE_CLASSES = ("ReferenceEntity", "EventReference", "Place", "MemberState",
                     "Organisation", "Person")


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return load_ontology(ONTOLOGY_DIR)


def english(graph: rdflib.Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return [
        o for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and o.language == "en" and str(o).strip()
    ]


def ekg_terms(graph: rdflib.Graph, *types: URIRef) -> list[URIRef]:
    return sorted(
        {s for t in types for s in graph.subjects(RDF.type, t)
         if isinstance(s, URIRef) and str(s).startswith(str(EKG))},
        key=str,
    )


def concepts_of(graph: rdflib.Graph, scheme: str) -> dict[str, URIRef]:
    prefix = f"{VOCAB_BASE}{scheme}/"
    return {
        str(c)[len(prefix):]: c
        for c in graph.subjects(SKOS.inScheme, scheme_iri(scheme))
        if isinstance(c, URIRef) and str(c).startswith(prefix)
    }


# ---------------------------------------------------------------------------- files


def test_ontology_files_exist() -> None:
    assert (ONTOLOGY_DIR / "ekg.ttl") in TTL_FILES
    assert {p.stem for p in (ONTOLOGY_DIR / "vocab").glob("*.ttl")} == set(SCHEMES.values())


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: str(p.relative_to(ONTOLOGY_DIR)))
def test_turtle_parses(path: Path) -> None:
    g = rdflib.Graph().parse(path, format="turtle")
    assert len(g) > 0


@pytest.mark.parametrize("scheme", sorted(SCHEMES.values()))
def test_one_scheme_per_vocab_file(scheme: str) -> None:
    g = rdflib.Graph().parse(ONTOLOGY_DIR / "vocab" / f"{scheme}.ttl", format="turtle")
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme_iri(scheme)}
    for concept in g.subjects(RDF.type, SKOS.Concept):
        assert str(concept).startswith(f"{scheme_iri(scheme)}/"), concept
        assert (concept, SKOS.inScheme, scheme_iri(scheme)) in g


def test_load_ontology_fails_loudly_on_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_ontology(tmp_path)


# ---------------------------------------------------------------------------- ontology


def test_ontology_header(graph: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    assert english(graph, ONTOLOGY_IRI, DCTERMS.title)
    assert english(graph, ONTOLOGY_IRI, DCTERMS.description)
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("1.0.0")
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert graph.value(ONTOLOGY_IRI, DCTERMS.created) is not None


def test_classes_and_properties_documented(graph: rdflib.Graph) -> None:
    terms = ekg_terms(graph, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    assert len(terms) > 50
    for term in terms:
        assert len(english(graph, term, RDFS.label)) == 1, term
        assert len(english(graph, term, SKOS.definition)) == 1, term
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in graph, term


def test_only_ekg_terms_declared(graph: rdflib.Graph) -> None:
    """Reused vocabularies are referenced, not redeclared."""
    for rdf_type in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in graph.subjects(RDF.type, rdf_type):
            if isinstance(term, URIRef):
                assert str(term).startswith(str(EKG)), term


def test_referenced_ekg_terms_are_declared(graph: rdflib.Graph) -> None:
    declared = set(ekg_terms(graph, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty))
    for s, p, o in graph:
        for term in (s, p, o):
            if isinstance(term, URIRef) and str(term).startswith(str(EKG)):
                assert term in declared, f"{term} used but not declared"


def test_claim_subclasses(graph: rdflib.Graph) -> None:
    """The subclasses of ekg:Claim are the kinds of the registry (kg/model/kinds.py), which
    holds at least the ten kinds the annotation format started with."""
    kinds = {k.local for k in REGISTRY}
    assert kinds >= {
        "EventClaim", "FigureClaim", "AttributionClaim", "CharacterisationClaim",
        "AccusationClaim", "ReportedSpeechClaim", "AppealClaim", "SelfReportClaim",
        "ThematicClaim", "ProceduralClaim",
    }
    subclasses = {str(s)[len(str(EKG)):] for s in graph.subjects(RDFS.subClassOf, EKG.Claim)}
    assert subclasses == kinds
    assert "abstract" in str(graph.value(EKG.Claim, SKOS.definition)).lower()


def test_claim_level_properties_never_on_reference_nodes(graph: rdflib.Graph) -> None:
    reference = {EKG[name] for name in REFERENCE_CLASSES}
    for name in CLAIM_LEVEL_PROPERTIES:
        domains = set(graph.objects(EKG[name], RDFS.domain))
        assert domains, f"ekg:{name} has no domain"
        for domain in domains:
            members = set(graph.items(graph.value(domain, OWL.unionOf))) or {domain}
            assert not members & reference, f"ekg:{name} applies to a reference class"


# ---------------------------------------------------------------------------- concepts


def test_concepts_documented(graph: rdflib.Graph) -> None:
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 150
    for concept in concepts:
        assert len(english(graph, concept, SKOS.prefLabel)) == 1, concept
        assert english(graph, concept, SKOS.definition), concept
        in_scheme = set(graph.objects(concept, SKOS.inScheme))
        assert in_scheme and in_scheme <= schemes, concept


@pytest.mark.parametrize("scheme", sorted(SCHEMES.values()))
def test_scheme_documented(graph: rdflib.Graph, scheme: str) -> None:
    iri = scheme_iri(scheme)
    assert (iri, RDF.type, SKOS.ConceptScheme) in graph
    assert english(graph, iri, DCTERMS.title)
    assert english(graph, iri, SKOS.definition)


@pytest.mark.parametrize("scheme", sorted(SCHEMES.values()))
def test_pref_labels_unique_in_scheme(graph: rdflib.Graph, scheme: str) -> None:
    labels = Counter(
        str(label)
        for concept in concepts_of(graph, scheme).values()
        for label in graph.objects(concept, SKOS.prefLabel)
    )
    assert [label for label, n in labels.items() if n > 1] == []


@pytest.mark.parametrize("scheme", sorted(SCHEMES.values()))
def test_no_label_names_two_concepts_of_a_scheme(graph: rdflib.Graph, scheme: str) -> None:
    """Preferred, alternative and hidden labels together: the extractor reads them as cue
    words, and a word that names two concepts of one scheme would be a guess between them."""
    owners: dict[str, set[URIRef]] = {}
    for concept in concepts_of(graph, scheme).values():
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for label in graph.objects(concept, prop):
                owners.setdefault(str(label).lower(), set()).add(concept)
    assert {label: sorted(c) for label, c in owners.items() if len(c) > 1} == {}


@pytest.mark.parametrize("scheme", sorted(REQUIRED_CONCEPTS))
def test_required_concepts_exist(graph: rdflib.Graph, scheme: str) -> None:
    present = set(concepts_of(graph, scheme))
    assert REQUIRED_CONCEPTS[scheme] <= present, REQUIRED_CONCEPTS[scheme] - present


def test_required_concepts_cover_every_scheme() -> None:
    assert set(REQUIRED_CONCEPTS) == set(SCHEMES.values())


def test_rules_are_bounds_rules(graph: rdflib.Graph) -> None:
    rules = concepts_of(graph, "rule")
    assert set(rules) == REQUIRED_CONCEPTS["rule"]
    for local, rule in rules.items():
        assert (rule, RDF.type, EKG.BoundsRule) in graph, local
        expected = "n/a" if local == "curated" else "1"
        assert graph.value(rule, EKG.ruleVersion) == Literal(expected), local


@pytest.mark.parametrize("rule", sorted(RULE_FORMULAS))
def test_rule_definitions_state_formulas(graph: rdflib.Graph, rule: str) -> None:
    definition = str(graph.value(concepts_of(graph, "rule")[rule], SKOS.definition))
    for formula in RULE_FORMULAS[rule]:
        assert formula in definition, (rule, formula)


def test_accusation_types_have_cameo_notation(graph: rdflib.Graph) -> None:
    accusations = concepts_of(graph, "accusation-type")
    assert len(accusations) >= 26
    for local, concept in accusations.items():
        notations = list(graph.objects(concept, SKOS.notation))
        assert len(notations) == 1, local
        assert str(notations[0]).isdigit() and notations[0].datatype is None, local
        assert english(graph, concept, SKOS.scopeNote), local


def test_legal_categories_name_instrument(graph: rdflib.Graph) -> None:
    for local, concept in concepts_of(graph, "legal-category").items():
        assert english(graph, concept, SKOS.scopeNote), local


# ---------------------------------------------------------------------------- docs


def test_docs_are_current() -> None:
    expected = render_markdown(load_ontology(ONTOLOGY_DIR))
    actual = (ROOT / "docs" / "ontology.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/ontology.md is stale: regenerate it with render_markdown"


def test_render_is_deterministic(graph: rdflib.Graph) -> None:
    assert render_markdown(graph) == render_markdown(load_ontology(ONTOLOGY_DIR))


def test_magnitude_words_are_qualifiers_with_their_own_rule(graph: rdflib.Graph) -> None:
    """The qualifiers extraction reads as quantities stated by a word ("dozens of")."""
    collection = URIRef("https://w3id.org/ekg/vocab/qualifier/magnitude-words")
    members = set(graph.objects(collection, SKOS.member))
    qualifiers = set(concepts_of(graph, "qualifier").values())
    assert len(members) == 9 and members <= qualifiers
    for member in members:
        note = str(graph.value(member, SKOS.scopeNote))
        assert "magnitude-word" in note or "-v1" in note, member
    assert collection not in qualifiers
