"""Sentence splitting with exact offsets, abbreviation-aware."""

from conftest import FIRST, ROOT

from kg.extract.segment import paragraphs, sentences


def _text() -> str:
    return (ROOT / "data" / "statements" / f"{FIRST}.txt").read_text(encoding="utf-8")


def test_first_statement_sentences_match_the_inventory():
    text = _text()
    found = {s.id: (s.start, s.end) for s in sentences(text)}
    assert found["p5.s1"][0] == 225  # "Statement by H.E. Mr. Yashar Aliyev" is one sentence
    assert found["p10.s1"] == (910, 1035)
    assert found["p11.s1"] == (1369, 1658)
    assert found["p12.s1"] == (1660, 1826)
    assert found["p13.s2"] == (2081, 2332)
    assert found["p18.s1"] == (3516, 3820)
    assert len(paragraphs(text)) == 19


def test_offsets_are_exact_and_code_points():
    text = _text()
    for s in sentences(text):
        assert s.text(text) == text[s.start:s.end]
        assert s.text(text) == s.text(text).strip()


def test_abbreviations_do_not_end_sentences():
    text = "H.E. Mr. Smith spoke (ext. 101). See S/PV.7138 and No. 5. Then e.g. this. Done."
    ids = [s.text(text) for s in sentences(text)]
    assert ids == ["H.E. Mr. Smith spoke (ext. 101).", "See S/PV.7138 and No. 5.",
                   "Then e.g. this.", "Done."]
