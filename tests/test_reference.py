"""Reference data: the member states table is complete and reproducible; nodes are neutral."""

from __future__ import annotations

from conftest import ROOT
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from kg.model.namespaces import EKG, IRIs
from kg.sources.reference import member_states_turtle


def test_the_193_member_states_regenerate_identically():
    committed = Graph().parse(ROOT / "data" / "reference" / "member-states.ttl",
                              publicID=IRIs().base)
    fresh = Graph().parse(data=member_states_turtle(), format="turtle", publicID=IRIs().base)
    assert isomorphic(committed, fresh)
    assert len(set(committed.subjects(RDF.type, EKG.MemberState))) == 193


def test_key_states_are_present_with_codes(built, settings):
    iris = settings.iris
    for iso3, label, m49 in (("AZE", "Azerbaijan", "031"), ("ARM", "Armenia", "051"),
                             ("CHN", "China", "156")):
        node = iris.mint("st", iso3)
        assert str(built.reference.value(node, EKG.iso3)) == iso3
        assert str(built.reference.value(node, EKG.m49)) == m49
        assert label in {str(v) for v in built.reference.objects(node, None)}


def test_canonical_events_form_a_hierarchy_under_the_conflict(built, settings):
    iris = settings.iris
    rows = built.reference.query("""
        PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
        SELECT ?e WHERE { ?e sem:subEventOf+ ?root }""",
        initBindings={"root": iris.mint("ev", "nk-conflict")})
    found = {str(r.e).rsplit("/", 1)[-1] for r in rows}
    assert {"nk-war-1988-1994", "khojaly-1992-02", "nk-hostilities-2020",
            "ceasefire-2020-11-10"} <= found


def test_a_former_member_and_an_observer_state_can_be_delegations(built):
    """Czechoslovakia (member until 1992) and the Holy See (observer since 1964) speak in the
    General Debate; both are hand-written beside the 193 generated member states."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    ref = built.reference
    base = "https://w3id.org/ekg/id/state/"
    csk, vat = URIRef(base + "CSK"), URIRef(base + "VAT")
    assert (csk, EKG.unMemberUntil, Literal("1992", datatype=XSD.gYear)) in ref
    assert (vat, EKG.unObserverSince, Literal("1964", datatype=XSD.gYear)) in ref
    assert (vat, EKG.unMemberSince, None) not in ref
    delegations = {sid: o for b in built.statements for sid in [b.statement_id]
                   for _s, p, o in b.triples if p == EKG.delegation}
    assert delegations["unga-1992-general-debate-CSK"] == csk
    assert delegations["unga-2023-general-debate-VAT"] == vat
