"""Split a statement's text into paragraphs and sentences with exact offsets.

Offsets are Python ``str`` indices (Unicode code points) into the text exactly
as stored; nothing is stripped or normalised before offsets are taken.
Paragraphs are blocks separated by blank lines, numbered from 1 at the top of
the file (page furniture and markdown included); sentences are numbered from 1
within their paragraph, so ``p11.s1`` is the first sentence of paragraph 11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof h.e st no nos ext art arts para paras vol vols sect
    e.g i.e etc cf viz inc ltd co corp jr sr gen col lt maj capt adm sgt
    rev hon amb u.s u.k u.n s.a p.m a.m fig figs op cit ibid al approx est
    jan feb mar apr jun jul aug sep sept oct nov dec pp p
    """.split()
)

_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")
# A candidate sentence end: terminal punctuation, optional closing quotes or
# brackets or markdown emphasis, then whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]*_]*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its id (``p{n}.s{m}``) and ``[start, end)`` offsets."""

    id: str
    paragraph: int
    index: int
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each non-blank paragraph, trimmed of outer white space."""
    spans = []
    for match in _PARAGRAPH.finditer(text):
        block = match.group()
        if not block.strip():
            continue
        lead = len(block) - len(block.lstrip())
        trail = len(block) - len(block.rstrip())
        spans.append((match.start() + lead, match.end() - trail))
    return spans


def _is_abbreviation(text: str, dot: int, par_start: int) -> bool:
    """True if the full stop at ``dot`` closes an abbreviation or a symbol part."""
    if text[dot] != ".":
        return False
    match = _WORD_BEFORE.search(text, par_start, dot)
    if not match:
        return False
    word = match.group(1).lower().strip(".")
    if word in ABBREVIATIONS:
        return True
    # Single letters (initials: "H. Aliyev", "S/PV" pieces) and dotted acronyms.
    if len(word) == 1 and word.isalpha():
        return True
    if "." in word and all(len(p) <= 2 for p in word.split(".")):
        return True
    return False


def _next_starts_sentence(text: str, pos: int, end: int) -> bool:
    """True if the first non-space character after ``pos`` can open a sentence."""
    rest = text[pos:end].lstrip()
    if not rest:
        return True
    first = rest[0]
    return first.isupper() or first.isdigit() or first in "\"'“‘([*_-•"


def sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences, abbreviation-aware, with exact offsets."""
    result: list[Sentence] = []
    for p_no, (p_start, p_end) in enumerate(paragraphs(text), start=1):
        s_no = 0
        cursor = p_start
        for match in _BOUNDARY.finditer(text, p_start, p_end):
            dot = match.start() + len(match.group().rstrip("\"'”’)]*_")) - 1
            if _is_abbreviation(text, dot, p_start):
                continue
            if not _next_starts_sentence(text, match.end(), p_end):
                continue
            s_no += 1
            result.append(Sentence(f"p{p_no}.s{s_no}", p_no, s_no, cursor, match.end()))
            cursor = match.end()
            while cursor < p_end and text[cursor].isspace():
                cursor += 1
        if cursor < p_end:
            s_no += 1
            result.append(Sentence(f"p{p_no}.s{s_no}", p_no, s_no, cursor, p_end))
    return result
