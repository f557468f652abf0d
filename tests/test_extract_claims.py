"""Claim drafting of every kind: accusations, characterisations, attributions, reported
speech, appeals, self-reports, events; actors in and out of the sentence; nothing silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from kg.cli import main
from kg.config import load_settings
from kg.extract.claims import KINDS
from kg.extract.extract import Extractor, draft_yaml, to_json
from kg.extract.models import ClaimModels, LinearModel
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference

STATE = "https://w3id.org/ekg/id/state/"
ACC = "https://w3id.org/ekg/vocab/accusation-type/"
LEGAL = "https://w3id.org/ekg/vocab/legal-category/"
CLAIM_KEYS = {"kind", "start", "end", "accused", "agent", "category", "about", "explicit",
              "confidence"}


@pytest.fixture(scope="module")
def parts():
    settings = load_settings({"HOME": ROOT}, environ={})
    return load_reference(settings.reference_dir, settings.iris), \
        load_ontology(settings.ontology_dir)


@pytest.fixture(scope="module")
def extractor(parts) -> Extractor:
    return Extractor(*parts)


@pytest.fixture(scope="module")
def rules(parts) -> Extractor:
    """Rules alone, no model: what the rules themselves propose."""
    return Extractor(*parts, models=None)


def _claims(draft, kind: str) -> list:
    return [c for c in draft.claims if c.kind == kind]


def _in(draft, kind: str, words: str) -> list:
    """Proposals of ``kind`` over the sentence holding ``words``."""
    at = draft.text.index(words)
    return [c for c in _claims(draft, kind) if c.start <= at < c.end]


# -- accusations --------------------------------------------------------------------------------

@pytest.mark.parametrize("drafter", ["rules", "extractor"])
def test_actor_of_a_pronoun_sentence_is_carried_from_the_sentence_before(drafter, request):
    draft = request.getfixturevalue(drafter).extract(
        "Azerbaijan has consistently obstructed the negotiations. "
        "It refuses to engage in substantive negotiations.")
    first = _in(draft, "accusation", "consistently")
    second = _in(draft, "accusation", "It refuses")
    assert first and first[0].accused == f"{STATE}AZE" and first[0].explicit
    assert first[0].category == f"{ACC}obstruction-of-peace-process"
    assert second and second[0].accused == f"{STATE}AZE" and not second[0].explicit


def test_inflected_accusation_labels_are_cues(rules):
    draft = rules.extract("Armenian forces committed massacres in the occupied villages.")
    found = _claims(draft, "accusation")
    assert {c.category for c in found} >= {f"{ACC}killing-of-civilians"}
    assert all(c.accused == f"{STATE}ARM" for c in found)


def test_a_state_named_as_the_victim_is_not_the_accused(rules):
    draft = rules.extract("The occupation of Azerbaijani territories by Armenia continues.")
    found = _claims(draft, "accusation")
    assert found and {c.accused for c in found} == {f"{STATE}ARM"}
    draft = rules.extract("Shelling against Armenia continued for weeks.")
    assert all(c.accused != f"{STATE}ARM" for c in _claims(draft, "accusation"))
    # the only state of the sentence is the victim: the accused is not read from it
    draft = rules.extract("The occupation of Azerbaijani territories continues.")
    found = _claims(draft, "accusation")
    assert found and all(c.accused != f"{STATE}AZE" for c in found)
    draft = rules.extract("Azerbaijani civilians were massacred.")
    assert all(c.accused != f"{STATE}AZE" for c in _claims(draft, "accusation"))


def test_the_speakers_own_state_is_never_the_accused(rules):
    text = "Armenia has always respected the ceasefire. The aggression continues."
    draft = rules.extract(text, delegation=f"{STATE}ARM")
    assert all(c.accused != f"{STATE}ARM" for c in _claims(draft, "accusation"))


# -- attributions --------------------------------------------------------------------------------

def test_a_peace_process_launched_by_a_state_is_not_the_initiation_of_hostilities(rules):
    draft = rules.extract("This peace process was launched by Armenia in 2019.")
    assert not [c for c in _claims(draft, "attribution") if c.role == "initiator"]
    draft = rules.extract("The war was launched by Armenia in 1992.")
    found = [c for c in _claims(draft, "attribution") if c.role == "initiator"]
    assert found and found[0].agent == f"{STATE}ARM" and found[0].explicit


# -- characterisations, other kinds ------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "category"), [
    ("These acts constitute war crimes and crimes against humanity.", "war-crime"),
    ("The region was ethnically cleansed in 1993.", "ethnic-cleansing"),
    ("This is a flagrant violation of international humanitarian law.",
     "violation-of-ihl"),
    ("Those responsible enjoy total impunity.", "impunity"),
])
def test_legal_labels_give_a_characterisation_with_its_category(rules, sentence, category):
    draft = rules.extract(sentence)
    found = {c.category for c in _claims(draft, "characterisation")}
    assert any(c.endswith(f"/{category}") or category in c for c in found), found


def test_every_kind_is_drafted_by_the_rules(rules):
    text = ("According to the report of the Secretary-General, the shelling continued. "
            "We call on the Security Council to act without delay. "
            "My Government has provided shelter to 5,000 refugees. "
            "The aggression against Nagorno-Karabakh is a war crime. "
            "These crimes were committed by Armenian forces.")
    draft = rules.extract(text)
    kinds = {c.kind for c in draft.claims}
    assert kinds >= {"reported-speech", "appeal", "self-report", "characterisation",
                     "accusation", "attribution", "figure"}, kinds


def test_each_proposal_carries_its_sentence_cue_and_confidence(extractor):
    text = "Armenia refuses to withdraw its troops. This is an act of aggression."
    draft = extractor.extract(text)
    assert draft.claims
    for c in draft.claims:
        sentence = draft.sentence_at(c.start)
        assert sentence is not None and (sentence.start, sentence.end) == (c.start, c.end)
        assert 0 < c.confidence <= 1 and c.rule
        if c.rule != "model":
            assert c.cue and c.cue.lower() in text[c.start:c.end].lower()


def test_reported_speech_cites_the_resolution_of_the_reference_data(rules):
    draft = rules.extract("Security Council resolutions 822 (1993) and 853 (1993) demanded "
                          "the immediate withdrawal of the occupying forces.")
    speech = _claims(draft, "reported-speech")
    assert speech and speech[0].cites == "https://w3id.org/ekg/id/doc/un-S-RES-822-1993"
    assert speech[0].agent == "https://w3id.org/ekg/id/agent/un-security-council"
    written = draft_yaml(draft, "x", "x.txt", "0" * 64)
    assert "    cites: un-S-RES-822-1993\n" in written


# -- nothing silent ------------------------------------------------------------------------------

def test_a_blame_cue_that_drafts_nothing_is_unresolved(parts):
    """A model that finds every kind unlikely drops every rule proposal of model-mode kinds:
    the cue sentences must then be listed in unresolved, not dropped silently."""
    none = LinearModel({}, [], list(KINDS), [{} for _ in KINDS], [-9.0] * len(KINDS),
                       thresholds=[0.5] * len(KINDS), modes=["model"] * len(KINDS))
    strict = Extractor(*parts, models=ClaimModels(none, None, None, [], {}))
    draft = strict.extract("Armenia has consistently obstructed the negotiations. "
                           "We met in Geneva.")
    assert not draft.claims
    assert [u.text for u in draft.unresolved] == [
        "Armenia has consistently obstructed the negotiations."]
    assert "obstructed the negotiations" in draft.unresolved[0].why
    data = to_json(draft)
    assert data["unresolved"][0]["start"] == 0 and data["unresolved"][0]["why"]
    written = draft_yaml(draft, "x", "x.txt", "0" * 64)
    assert "# Unresolved: sentences with a cue that drafted nothing" in written
    assert "#   p1.s1 [0-" in written and yaml.safe_load(written)["format"]


# -- outputs --------------------------------------------------------------------------------------

def test_kg_extract_json_has_claims_with_the_issue_keys(tmp_path: Path):
    path = tmp_path / "s.txt"
    path.write_text("Armenia refuses to withdraw from the occupied territories, in "
                    "violation of international law.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--home", str(ROOT), "extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"figures", "times", "mentions", "attributions", "sentences", "claims",
            "unresolved"} <= set(data)
    assert data["claims"] and all(CLAIM_KEYS <= set(c) for c in data["claims"])
    assert {c["kind"] for c in data["claims"]} <= set(KINDS)
    legal = [c for c in data["claims"] if c["kind"] == "characterisation"]
    assert f"{LEGAL}violation-of-international-law" in {c["category"] for c in legal}
    blamed = [c for c in data["claims"] if c["kind"] == "accusation"]
    assert blamed and blamed[0]["accused"] == f"{STATE}ARM" and blamed[0]["explicit"] is True


def test_the_yaml_draft_carries_machine_drafted_proposals_with_fixmes(extractor):
    text = ("According to the report of the Secretary-General, the shelling was "
            "indiscriminate. These acts constitute war crimes.")
    draft = extractor.extract(text)
    written = draft_yaml(draft, "x", "x.txt", "0" * 64)
    data = yaml.safe_load(written)
    kinds = {c["kind"] for c in data["claims"]}
    assert "characterisation" in kinds
    assert "# machine-drafted:" in written
    for claim in data["claims"]:
        assert claim["sentence"] in data["sentences"]
    speech = [c for c in data["claims"] if c["kind"] == "reported-speech"]
    if speech:
        assert speech[0]["content"] is None and "FIXME: the reported words" in written


def test_kg_review_lists_proposals_by_kind_and_unresolved_sentences(home):
    source = home / "incoming.txt"
    source.write_text("Mr. President,\n\nArmenia has consistently obstructed the "
                      "negotiations. These acts constitute war crimes.\n", encoding="utf-8")
    added = CliRunner().invoke(main, ["--home", str(home), "add", str(source), "--id",
                                      "test-claims", "--source", "a test"])
    assert added.exit_code == 0, added.output
    shown = CliRunner().invoke(main, ["--home", str(home), "review", "test-claims"])
    assert shown.exit_code == 0, shown.output
    assert "proposals by kind:" in shown.output
    assert "  characterisation: 1 (" in shown.output
    assert "unresolved sentences" in shown.output and "to resolve" in shown.output
