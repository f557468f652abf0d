"""Draft extraction: numerals, figures and bounds, times, mentions, cues, JSON, draft YAML, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import FIRST, ROOT, copy_home

from kg.cli import main
from kg.config import load_settings
from kg.extract.extract import Extractor, draft_yaml, to_json
from kg.extract.numbers import numerals
from kg.extract.segment import furniture, sentences
from kg.extract.times import time_expressions
from kg.model import bounds
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference

BASE = "https://w3id.org/ekg/id/"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    settings = load_settings({"HOME": ROOT}, environ={})
    return Extractor(load_reference(settings.reference_dir, settings.iris),
                     load_ontology(settings.ontology_dir))


@pytest.fixture(scope="module")
def first_text() -> str:
    return (ROOT / "data" / "statements" / f"{FIRST}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def first(extractor: Extractor, first_text: str):
    return extractor.extract(first_text)


def _curated_figures() -> list[dict]:
    data = yaml.safe_load((ROOT / "data" / "statements" / f"{FIRST}.yaml").read_text("utf-8"))
    found = []
    for claim in data["claims"]:
        start = data["sentences"][claim["sentence"]]["start"]
        for figure in claim.get("figures") or []:
            found.append({**figure, "sentence": claim["sentence"], "sentence_start": start})
    return found


# -- the first statement against its curated annotation ----------------------------------------

def test_all_fifteen_figures_of_the_first_statement_are_drafted(first, first_text):
    gold = _curated_figures()
    assert len(gold) == 15
    drafted = {}
    for g in gold:
        at = first_text.find(g["text"], g["sentence_start"])
        hits = [f for f in first.figures if f.start < at + len(g["text"]) and at < f.end]
        assert len(hits) == 1, g["text"]
        figure = hits[0]
        expected = bounds.interpret(g["qualifier"], g.get("value"))
        assert (figure.qualifier, figure.value) == (g["qualifier"], g.get("value")), g["text"]
        assert (figure.minimum, figure.maximum, figure.rule) == \
            (expected.minimum, expected.maximum, expected.rule), g["text"]
        drafted[g["id"]] = first.figures.index(figure)
    assert len(first.figures) == 15  # and nothing else is taken for a figure
    parts = {g["id"]: g["part_of"] for g in gold if g.get("part_of")}
    assert parts == {"missing-civilians": "missing-total", "killed-children-2020": "killed-2020"}
    for part, whole in parts.items():
        assert first.figures[drafted[part]].part_of == drafted[whole]
    assert sum(1 for f in first.figures if f.part_of is not None) == 2
    measures = {g["id"]: g["measure"] for g in gold}
    agree = [i for i, n in drafted.items() if first.figures[n].measure == measures[i]]
    # "ethnically cleansed of their more than 700,000 population": the vocabulary lists
    # "ethnically cleansed" under expelled; the curator chose displaced.
    assert set(measures) - set(agree) <= {"occupied-territories-population"}
    populations = {g["id"]: g["population"] for g in gold}
    assert all(first.figures[n].population == populations[i] for i, n in drafted.items())


def test_first_statement_times_mentions_and_metadata(first, first_text):
    times = {t.text: t for t in first.times}
    assert times["in the early 1990s"].edtf == "199X"
    assert times["in February 1992"].edtf == "1992-02"
    assert times["at the end of September 2020"].refinement == "end-of"
    assert times["almost thirty years"].value == 30
    assert "25 May 2021" not in " ".join(times)  # the header date is the statement's date
    meta = first.metadata
    assert (meta.speaker, meta.delegation, meta.date, meta.meeting) == \
        ("yashar-aliyev", "AZE", "2021-05-25", "unsc-2021-05-25-poc")
    assert meta.post == "AZE.permanent-representative-un.yashar-aliyev"
    named = {(m.text, m.iri) for m in first.mentions}
    assert ("Armenia", BASE + "state/ARM") in named
    assert ("Azerbaijan", BASE + "state/AZE") in named
    assert ("Khojaly", BASE + "place/khojaly") in named
    assert ("Armenian", BASE + "state/ARM") in named  # "Armenian forces"
    for m in first.mentions:
        assert first_text[m.start:m.end] == m.text


# -- numerals -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "unit"), [
    ("about 4000 citizens", 4000, None),
    ("some 4,000 people", 4000, None),
    ("some 4.000 people", 4000, None),
    ("around 4 000 citizens", 4000, None),
    ("1,275 Azerbaijanis", 1275, None),
    ("some 84,000 people", 84000, None),
    ("twelve children", 12, None),
    ("Twenty thousand Azerbaijanis", 20000, None),
    ("twenty-five civilians", 25, None),
    ("one hundred and five people", 105, None),
    ("1 million refugees", 1_000_000, None),
    ("3.5 million refugees", 3_500_000, None),
    ("1.5 billion people", 1_500_000_000, None),
    ("half a million refugees", 500_000, None),
    ("20 per cent of the territory", 20, "percent"),
    ("20 percent of the territory", 20, "percent"),
    ("20% of the territory", 20, "percent"),
    ("one fifth of our territory", 20, "percent"),
    ("including one child", 1, None),
])
def test_numeral_forms(text, value, unit):
    found = numerals(text)
    assert len(found) == 1, found
    assert (found[0].value, found[0].unit) == (value, unit)
    assert text[found[0].start:found[0].end] == found[0].text


@pytest.mark.parametrize("text", [
    "the 75th session", "the seventy-second session", "the forty-eighth session",
    "in 1992", "in 2020 and 1993", "the 1970 Declaration", "the 2020 war", "the 1992-1994 war",
    "on 25 May 2021", "May 25, 2021", "on 14 June", "resolution 822 (1993)",
    "resolutions 822 (1993) and 853 (1993)", "S/2014/189", "S/PV.7138", "A/48/PV.12",
    "Article 51", "No. 5", "(ext. 101)", "Tel: (212) 371-2559", "flight MH-17", "COVID-19",
    "one of the most", "no one can",
])
def test_not_figures(text):
    assert numerals(text) == []


# -- figures: qualifiers, bounds, measures, populations, parts --------------------------------

@pytest.mark.parametrize(("sentence", "qualifier", "value"), [
    ("Over 400 civilians were killed.", "over", 400),
    ("More than 300 civilians were killed.", "more-than", 300),
    ("About 4000 civilians were killed.", "about", 4000),
    ("Some 84,000 people were displaced.", "some", 84000),
    ("Almost 4,000 citizens went missing.", "almost", 4000),
    ("Nearly 500 civilians were killed.", "nearly", 500),
    ("At least 20 servicemen were captured.", "at-least", 20),
    ("Around 192 houses were destroyed.", "around", 192),
    ("The number of refugees exceeds 1 million.", "over", 1_000_000),
    ("Up to 100 civilians were killed.", "up-to", 100),
    ("Approximately 4 million refugees fled.", "approximately", 4_000_000),
    ("Less than 50 civilians were wounded.", "less-than", 50),
    ("Exactly 101 civilians were killed.", "exact", 101),
    ("101 civilians were killed.", "exact", 101),
    ("Hundreds of civilians were killed.", "hundreds", None),
    ("Thousands of civilians were killed.", "thousands", None),
    ("Tens of thousands of people were killed.", "tens-of-thousands", None),
    ("Hundreds of thousands of people were displaced.", "hundreds-of-thousands", None),
    ("Dozens of civilians were wounded.", "dozens", None),
    ("Millions of people were displaced.", "millions", None),
    ("The attack caused numerous casualties among civilians.", "numerous", None),
    ("Several civilians were wounded.", "several", None),
    ("A few civilians were wounded.", "a-few", None),
])
def test_qualifiers_and_bounds(extractor, sentence, qualifier, value):
    draft = extractor.extract(sentence)
    assert len(draft.figures) == 1, draft.figures
    figure = draft.figures[0]
    expected = bounds.interpret(qualifier, value)
    assert (figure.qualifier, figure.value) == (qualifier, value)
    assert (figure.minimum, figure.maximum, figure.rule) == \
        (expected.minimum, expected.maximum, expected.rule)


def test_bounds_are_inclusive_integers(extractor):
    figure = extractor.extract("Over 200,000 Azerbaijanis were expelled.").figures[0]
    assert (figure.minimum, figure.maximum) == (200001, None)
    figure = extractor.extract("About 4000 citizens went missing.").figures[0]
    assert (figure.minimum, figure.maximum) == (3600, 4400)


@pytest.mark.parametrize(("sentence", "measure", "population", "unit"), [
    ("101 civilians were killed.", "killed", "civilians", "persons"),
    ("It resulted in the killing of 101 Azerbaijani civilians.", "killed", "civilians",
     "persons"),
    ("The war claimed the lives of tens of thousands of people.", "killed", "people", "persons"),
    ("About 4000 citizens went missing.", "missing", "citizens", "persons"),
    ("Over 400 civilians were wounded.", "wounded", "civilians", "persons"),
    ("Over 400 civilians were injured.", "wounded", "civilians", "persons"),
    ("Hundreds of civilians were killed or seriously wounded.", "killed-or-wounded",
     "civilians", "persons"),
    ("Over 200,000 Azerbaijanis were expelled from Armenia.", "expelled", "national-group",
     "persons"),
    ("Some 84,000 people were forced to leave their homes.", "displaced", "people", "persons"),
    ("Some 84,000 people were displaced.", "displaced", "people", "persons"),
    # One count of both: the population vocabulary's combined concept, never split.
    ("The country hosts 1 million refugees and IDPs.", "displaced", "refugees-and-idps",
     "persons"),
    ("Twelve children were killed.", "killed", "children", "persons"),
    ("The thousands of civilians whom it killed and tortured.", "killed-and-tortured",
     "civilians", "persons"),
    ("Hundreds of civilian objects were destroyed or damaged.", "destroyed-or-damaged",
     "civilian-objects", "objects"),
    ("Azerbaijan liberated more than 300 cities, towns and villages.", "settlements-retaken",
     "settlements", "settlements"),
    ("20 per cent of the territory of Azerbaijan is occupied.", "territory-occupied",
     "territory", "percent"),
])
def test_measures_and_populations(extractor, sentence, measure, population, unit):
    figures = extractor.extract(sentence).figures
    assert len(figures) == 1, figures
    assert (figures[0].measure, figures[0].population, figures[0].unit) == \
        (measure, population, unit)


def test_including_makes_a_part_of_the_figure_before(extractor):
    draft = extractor.extract("The shelling resulted in the killing of 101 Azerbaijani "
                              "civilians, including 12 children. Over 400 civilians were "
                              "wounded, including 20 women.")
    texts = [f.text for f in draft.figures]
    assert texts == ["101 Azerbaijani civilians", "12 children", "Over 400 civilians",
                     "20 women"]
    assert [f.part_of for f in draft.figures] == [None, 0, None, 2]
    assert [f.measure for f in draft.figures] == ["killed", "killed", "wounded", "wounded"]
    assert draft.figures[0].affiliation == BASE + "state/AZE"


def test_no_figure_without_an_outcome(extractor):
    draft = extractor.extract("Armenia has 3 million people and 47 countries voted. The 193 "
                              "Member States met in 1993 for the 48th session, see S/2014/189.")
    assert draft.figures == []


@pytest.mark.parametrize("sentence, qualifier", [
    ("A handful of civilians were killed in the village.", "a-few"),
    ("A large number of civilians were killed.", "numerous"),
    ("A great number of houses were destroyed.", "numerous"),
])
def test_magnitude_phrases_ending_in_of_are_figures(extractor, sentence, qualifier):
    """These stopped extraction with a KeyError: the pattern matched "a handful of" and the
    lookup, dropping the "of", found no "a handful"."""
    figures = extractor.extract(sentence).figures
    assert [f.qualifier for f in figures] == [qualifier]


def test_few_is_not_a_few(extractor):
    assert extractor.extract("Few civilians survived the attack.").figures == []


# -- cue words from the vocabularies ---------------------------------------------------------

def _ontology_with(extra: str):
    graph = load_ontology(ROOT / "ontology")
    graph.parse(data="@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + extra,
                format="turtle")
    return graph


def test_cue_words_come_from_the_vocabularies():
    """A word a curator adds to a concept is found with no code changed."""
    settings = load_settings({"HOME": ROOT}, environ={})
    reference = load_reference(settings.reference_dir, settings.iris)
    sentence = "Some 300 herders were forcibly relocated."
    assert Extractor(reference, load_ontology(ROOT / "ontology")).extract(sentence).figures == []
    ontology = _ontology_with(
        '<https://w3id.org/ekg/vocab/measure/displaced> skos:hiddenLabel "forcibly relocated"@en .'
        '<https://w3id.org/ekg/vocab/population/people> skos:hiddenLabel "herders"@en .')
    figures = Extractor(reference, ontology).extract(sentence).figures
    assert [(f.qualifier, f.measure, f.population) for f in figures] == [
        ("some", "displaced", "people")]


def test_a_cue_word_naming_two_concepts_is_refused():
    from kg.extract.lexicon import cue_forms, lexicon

    shipped = load_ontology(ROOT / "ontology")
    for prefix in ("apx", "meas", "pop"):
        assert cue_forms(shipped, prefix)
    assert lexicon(shipped).magnitudes["a handful"] == "a-few"
    ontology = _ontology_with(
        '<https://w3id.org/ekg/vocab/measure/wounded> skos:hiddenLabel "killings"@en .')
    with pytest.raises(ValueError, match="'killings' is a label of both meas:killed and "
                                         "meas:wounded"):
        lexicon(ontology)


# -- time expressions -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "edtf", "refinement", "earliest", "latest"), [
    ("on 25 May 2021", "2021-05-25", None, "2021-05-25", "2021-05-25"),
    ("in May 2021", "2021-05", None, "2021-05-01", "2021-05-31"),
    ("in February 1992", "1992-02", None, "1992-02-01", "1992-02-29"),
    ("since 1993", "1993", None, "1993-01-01", "1993-12-31"),
    ("in the early 1990s", "199X", "early", "1990-01-01", "1993-12-31"),
    ("in the late 1980s", "198X", "late", "1987-01-01", "1989-12-31"),
    ("at the end of September 2020", "2020-09", "end-of", "2020-09-21", "2020-09-30"),
    ("mid-2019", "2019", "mid", "2019-05-01", "2019-08-31"),
    ("May 25, 2021", "2021-05-25", None, "2021-05-25", "2021-05-25"),
    ("the 1992-1994 war", "1992/1994", None, "1992-01-01", "1994-12-31"),
])
def test_dates(text, edtf, refinement, earliest, latest):
    found = [t for t in time_expressions(text, 0, len(text)) if t.kind == "date"]
    assert len(found) == 1, found
    t = found[0]
    assert (t.edtf, t.refinement, str(t.earliest), str(t.latest)) == \
        (edtf, refinement, earliest, latest)


@pytest.mark.parametrize(("text", "value", "unit", "qualifier", "low", "high"), [
    ("for almost thirty years", 30, "year", "almost", 27, 29),
    ("within a very few hours", None, "hour", "a-few", 2, 9),
    ("for 30 years", 30, "year", "exact", 30, 30),
    ("for more than six years", 6, "year", "more-than", 7, None),
    ("the 44-day war", 44, "day", "exact", 44, 44),
    ("for almost three decades", 30, "year", "almost", 27, 29),
])
def test_durations(text, value, unit, qualifier, low, high):
    found = [t for t in time_expressions(text, 0, len(text)) if t.kind == "duration"]
    assert len(found) == 1, found
    t = found[0]
    assert (t.value, t.unit, t.qualifier, t.minimum, t.maximum) == \
        (value, unit, qualifier, low, high)


def test_day_without_year_takes_the_statements_year(extractor):
    text = "On 14 June, armed separatists shot down a plane. Yesterday it happened again."
    assert not extractor.extract(text).times
    times = extractor.extract(text, "2014-07-18").times
    assert [(t.text, t.edtf) for t in times] == [("On 14 June", "2014-06-14"),
                                                 ("Yesterday", "2014-07-17")]


def test_ages_and_relative_spans_are_not_durations():
    text = "A 30-year-old man came 40 minutes ago; it began almost 30 years ago."
    assert [t for t in time_expressions(text, 0, len(text)) if t.kind == "duration"] == []


# -- attribution cues -----------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "cue", "actor", "kind", "role"), [
    ("Crimes were committed by Armenian forces.", "committed by", "ARM", "attribution",
     "perpetrator"),
    ("The war unleashed against it by Armenia went on.", "unleashed against it by", "ARM",
     "attribution", "initiator"),
    ("The war was unleashed by Azerbaijan.", "unleashed by", "AZE", "attribution", "initiator"),
    ("Looting was carried out by the armed forces of Armenia.", "carried out by", "ARM",
     "attribution", "perpetrator"),
    ("Another act of aggression by Armenia began.", "act of aggression by", "ARM",
     "attribution", "initiator"),
    ("The massacre was perpetrated by Russia.", "perpetrated by", "RUS", "attribution",
     "perpetrator"),
    ("Armenia refuses to share maps of the landmines.", "refuses to", "ARM", "accusation",
     None),
    ("Russia is responsible for the downing.", "is responsible for", "RUS", "attribution",
     "responsible-party"),
])
def test_attribution_cues(extractor, sentence, cue, actor, kind, role):
    found = extractor.extract(sentence).attributions
    assert len(found) == 1, found
    a = found[0]
    assert (a.cue, a.actor, a.kind, a.role) == (cue, BASE + f"state/{actor}", kind, role)
    assert sentence[a.start:a.end] == a.text


def test_cue_without_a_named_actor_leaves_the_actor_open(extractor):
    a = extractor.extract("Destruction was carried out by the aggressors.").attributions[0]
    assert a.actor is None and a.cue == "carried out by"
    a = extractor.extract("The violence unleashed by armed separatists in eastern Ukraine "
                          "grew.").attributions[0]
    assert a.actor is None


def test_refusal_guesses_the_accusation_type(extractor):
    a = extractor.extract("Armenia still refuses to account for the missing persons.")
    assert a.attributions[0].accusation == "non-cooperation-on-missing-persons"


# -- segmentation of the corpus texts -------------------------------------------------------

def test_running_heads_and_glued_stops():
    text = ("They undermine stability.\n22 General Assembly - Forty-eighth session\n"
            "Separatist movements are used.\nIt is a market economy.However, it works.")
    got = [s.text(text) for s in sentences(text)]
    assert got == ["They undermine stability.", "22 General Assembly - Forty-eighth session",
                   "Separatist movements are used.", "It is a market economy.",
                   "However, it works."]
    assert furniture(text) == [(26, 68)]


def test_one_line_per_paragraph_texts_break_at_line_ends():
    long = "I greet you with respect on behalf of myself, of my Nation and of all the people " * 2
    text = f"Mr. President,\nEsteemed Delegates,\n{long}here.\n{long}again.\n{long}too."
    got = [s.text(text) for s in sentences(text)]
    assert got[:2] == ["Mr. President,", "Esteemed Delegates,"] and len(got) == 5


# -- JSON and the command line -------------------------------------------------------------

def _invoke(*args: str):
    return CliRunner().invoke(main, ["--home", str(ROOT), *args])


def test_json_shape(tmp_path):
    result = _invoke("extract", str(ROOT / "data" / "statements" / f"{FIRST}.txt"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"sentences", "figures", "times", "mentions", "attributions", "metadata"} <= set(data)
    assert set(data["sentences"][0]) >= {"id", "start", "end"}
    assert set(data["figures"][0]) >= {"text", "start", "end", "value", "qualifier", "min",
                                       "max", "measure", "population", "unit", "part_of"}
    assert set(data["times"][0]) >= {"text", "start", "end", "edtf", "earliest", "latest"}
    assert set(data["mentions"][0]) >= {"text", "start", "end", "iri"}
    assert set(data["attributions"][0]) >= {"text", "start", "end", "actor", "cue"}
    assert data["review"] == "machine-drafted"
    wholes = [f["part_of"] for f in data["figures"] if f["part_of"] is not None]
    assert len(wholes) == 2 and all(data["figures"][w]["part_of"] is None for w in wholes)
    assert data["metadata"]["delegation"] == "AZE"


def test_draft_yaml_is_refused_until_reviewed_then_builds(tmp_path, first, first_text):
    home = copy_home(tmp_path / "home")
    target = home / "data" / "statements" / f"{FIRST}.yaml"
    result = CliRunner().invoke(main, ["--home", str(home), "extract",
                                       str(home / "data" / "statements" / f"{FIRST}.txt"),
                                       "-o", str(target)])
    assert result.exit_code == 0, result.output
    written = target.read_text(encoding="utf-8")
    assert written == draft_yaml(first, FIRST, f"{FIRST}.txt", _sha(first_text),
                                 {})  # deterministic, the same as the library's
    data = yaml.safe_load(written)
    assert data["statement"]["review"] == "machine-drafted"
    for sid, entry in data["sentences"].items():
        assert first_text[entry["start"]:entry["end"]] == entry["text"], sid
    kinds = [c["kind"] for c in data["claims"]]
    assert kinds.count("figure") == 10 and "event" in kinds and "attribution" in kinds
    refused = CliRunner().invoke(main, ["--home", str(home), "build", "-o",
                                        str(tmp_path / "kg.nq")])
    assert refused.exit_code == 2 and "machine draft" in refused.stderr
    _review(data)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    built = CliRunner().invoke(main, ["--home", str(home), "build", "-o",
                                      str(tmp_path / "kg.nq")])
    assert built.exit_code == 0, built.output


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_FILL = {"source": "copied by a test", "measure": "killed", "population": "people",
         "agent": "ARM", "accused": "ARM", "role": "perpetrator", "category": "aggression"}


def _review(data: dict) -> None:
    """What a curator does: accept the draft and fill every value marked FIXME (null)."""
    data["statement"]["review"] = "accepted"
    for key, value in list(data["statement"].items()):
        if value is None:
            data["statement"][key] = _FILL[key]
    for claim in data["claims"]:
        for key in ("agent", "accused"):
            if key in claim and claim[key] is None:
                claim[key] = _FILL[key]
        for key in ("role", "category"):
            if key in claim and claim[key] is None:
                claim[key] = _FILL[key]
        if claim["kind"] == "reported-speech":
            claim["source"] = claim.get("source") or "ARM"
            if claim.get("content") is None:  # the reported words: here the whole sentence
                claim["content"] = data["sentences"][claim["sentence"]]["text"]
        if claim["kind"] == "accusation" and claim.get("type") is None:
            claim["type"] = "aggression"
        if claim["kind"] == "event" and claim["event"].get("type") is None:
            claim["event"]["type"] = "war"
        for figure in claim.get("figures") or []:
            for key in ("measure", "population"):
                if figure.get(key) is None:
                    figure[key] = _FILL[key]


def test_yaml_without_figures_or_claims_still_parses(extractor):
    draft = extractor.extract("Thank you, Mr. President.")
    data = yaml.safe_load(draft_yaml(draft, "x", "x.txt", "0" * 64))
    assert data["claims"] == [] and data["sentences"] == {}
    assert data["statement"]["speaker"] is None


# -- bad inputs -----------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"Some text\x00 with a NUL byte.", "binary"),
    ("Caf\u00e9 au lait.".encode("latin-1"), "not UTF-8"),
    (b" \n\t\n  ", "no sentences"),
    (b"... --- ...\n\n* * *", "no sentences"),
    (b"x" * (5 * 1024 * 1024 + 1), "5 MB"),
])
def test_bad_inputs_exit_2_and_leave_nothing(tmp_path, content, message):
    source = tmp_path / "in.txt"
    source.write_bytes(content)
    out = tmp_path / "out" / "draft.yaml"
    out.parent.mkdir()
    for extra in ([], ["--json"]):
        result = _invoke("extract", str(source), "-o", str(out), *extra)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert list(out.parent.iterdir()) == []


def test_missing_file_and_bad_id_exit_2(tmp_path):
    assert _invoke("extract", str(tmp_path / "nope.txt")).exit_code == 2
    source = tmp_path / "in.txt"
    source.write_text("Over 400 civilians were wounded.", encoding="utf-8")
    result = _invoke("extract", str(source), "--id", "bad id!")
    assert result.exit_code == 2 and "not a valid identifier" in result.stderr


def test_output_is_written_atomically(tmp_path):
    source = tmp_path / "s.txt"
    source.write_text("Over 400 civilians were wounded in May 2021.", encoding="utf-8")
    out = tmp_path / "s.yaml"
    out.write_text("old", encoding="utf-8")
    result = _invoke("extract", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.txt", "s.yaml"]
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["claims"][0]["figures"][0]["text"] == "Over 400 civilians"
    assert Path(out).read_text(encoding="utf-8").startswith("# Machine-drafted")


def test_to_json_offsets_are_code_points(extractor):
    text = "“Ünïcödé” — over 400 civilians were wounded."
    data = to_json(extractor.extract(text))
    figure = data["figures"][0]
    assert text[figure["start"]:figure["end"]] == figure["text"] == "over 400 civilians"


def test_drafting_time_grows_linearly_with_the_number_of_sentences(extractor):
    """Each sentence sees only the figures, attributions and mentions that start in it: a text
    of 8 times the sentences takes about 8 times the CPU, not 64 (as when every sentence
    scanned every list: 20,000 sentences took over a minute)."""
    import time

    def cpu(n: int) -> float:
        text = " ".join(f"{i} civilians were killed." for i in range(n))
        started = time.process_time()
        draft = extractor.extract(text)
        assert len(draft.figures) == n
        return time.process_time() - started

    cpu(200)  # warm caches
    small, large = min(cpu(1000) for _ in range(2)), cpu(8000)
    assert large < 14 * small, (small, large)
