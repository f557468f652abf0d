"""Split a statement's text into paragraphs and sentences with exact offsets.

Offsets are Python ``str`` indices (Unicode code points) into the text exactly
as stored; nothing is stripped or normalised before offsets are taken.
Paragraphs are blocks separated by blank lines, numbered from 1 at the top of
the file (page furniture and markdown included); sentences are numbered from 1
within their paragraph, so ``p11.s1`` is the first sentence of paragraph 11.

The texts come in two shapes: hard-wrapped records (verbatim records and OCR
copies, lines of 40-80 characters, where a line break is only white space) and
one-line-per-paragraph texts (where a line break ends a sentence even without
a full stop, as after "Mr. President,"). A paragraph is treated as hard-wrapped
when at most one in ten of its lines (at least one: a speaker line, a heading) but the
last is longer than ``WRAP_WIDTH``.

Page furniture (running heads such as "22 General Assembly - Forty-eighth
session", job numbers such as "17-29275 17/27", bare symbols such as
"S/PV.7138") is found by :func:`furniture`; a furniture line at the start of a
sentence becomes a sentence of its own, and the extractor ignores furniture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs mmes mme dr prof h.e st no nos ext art arts para paras vol vols sect
    e.g i.e etc cf viz inc ltd co corp jr sr gen col lt maj capt adm sgt
    rev hon amb u.s u.k u.n s.a p.m a.m fig figs op cit ibid al approx est
    jan feb mar apr jun jul aug sep sept oct nov dec pp p ch chap doc docs vs resp
    sen gov pres dept
    """.split()
)

#: Longest line (in characters) of a hard-wrapped paragraph.
WRAP_WIDTH = 90

_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")
# A candidate sentence end: terminal punctuation, optional closing quotes or
# brackets or markdown emphasis, then whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]*_]*(?=\s)")
# A full stop with no space after it between two words ("economy.However"), an OCR slip.
_GLUED = re.compile(r"(?<=[a-z]{2})\.(?=[A-Z][a-z])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")

_FURNITURE_LINES = [
    # running heads of the General Assembly records: "22 General Assembly - Forty-eighth session",
    # "Forty-eighth session - 12 October l993 23"
    re.compile(r"^[ \t]*\d{1,4}[ \t]+General Assembly[ \t]*[-–—][ \t]*[\w-]+[ \t]+session[ \t]*$",
               re.M),
    re.compile(r"^[ \t]*[\w-]+[ \t]+session[ \t]*[-–—][ \t]*\d{1,2}[ \t]+[A-Z][a-z]+[ \t]+"
               r"[\dlI]{4}(?:[ \t]+\d{1,4})?[ \t]*$", re.M),
    # bare document symbols and page numbers on a line of their own
    re.compile(r"^[ \t]*(?:S/PV\.\d+|A/\d+/PV\.\d+)(?:[ \t]*\([^)\n]*\))?[ \t]*$", re.M),
    re.compile(r"^[ \t]*\d{1,2}/\d{1,2}/\d{4}[ \t]*$", re.M),
    re.compile(r"^[ \t]*\d{1,3}/\d{1,3}[ \t]*$", re.M),
    re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M),
]
# job number and page ("17-29275 17/27", "18/27 17-29275") glued to the start of a line
_FURNITURE_PREFIX = re.compile(
    r"^[ \t]*(?:\d{2}-\d{5}[ \t]+\d{1,3}/\d{1,3}|\d{1,3}/\d{1,3}[ \t]+\d{2}-\d{5})[ \t]+", re.M)


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


def furniture(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of page furniture: running heads, job numbers, bare symbols, rules."""
    spans = [(m.start(), m.end()) for pattern in _FURNITURE_LINES for m in pattern.finditer(text)]
    spans += [(m.start(), m.end()) for m in _FURNITURE_PREFIX.finditer(text)]
    trimmed = []
    for start, end in spans:
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if end - trail > start + lead:
            trimmed.append((start + lead, end - trail))
    return sorted(set(trimmed))


def _is_abbreviation(text: str, dot: int, par_start: int) -> bool:
    """True if the full stop at ``dot`` closes an abbreviation or a symbol part."""
    if text[dot] != ".":
        return False
    match = _WORD_BEFORE.search(text, max(par_start, dot - 64), dot)
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


def _is_wrapped(text: str, start: int, end: int) -> bool:
    """True if the paragraph is hard-wrapped (its line breaks are only white space)."""
    lines = text[start:end].split("\n")[:-1]
    long = sum(1 for line in lines if len(line.rstrip()) > WRAP_WIDTH)
    return long <= max(1, len(lines) // 10)  # one long line: a speaker line or a heading


def _breaks(text: str, p_start: int, p_end: int) -> list[int]:
    """Offsets in the paragraph where a sentence ends (exclusive end of the sentence)."""
    ends: set[int] = set()
    for match in _BOUNDARY.finditer(text, p_start, p_end):
        dot = match.start() + len(match.group().rstrip("\"'”’)]*_")) - 1
        if _is_abbreviation(text, dot, p_start):
            continue
        if not _next_starts_sentence(text, match.end(), p_end):
            continue
        ends.add(match.end())
    for match in _GLUED.finditer(text, p_start, p_end):
        if not _is_abbreviation(text, match.start(), p_start):
            ends.add(match.end())
    if not _is_wrapped(text, p_start, p_end):
        for at in range(p_start, p_end):
            if text[at] != "\n":
                continue
            line_end = at
            while line_end > p_start and text[line_end - 1] in " \t":
                line_end -= 1
            after = at + 1
            prefix = _FURNITURE_PREFIX.match(text, after, p_end)
            if prefix:  # a job number glued to the line: look at the words after it
                after = prefix.end()
            if line_end > p_start and _next_starts_sentence(text, after, p_end):
                ends.add(line_end)
    return sorted(ends)


def _split_furniture(spans: list[tuple[int, int]], text: str,
                     page: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split off furniture that opens a sentence, so it becomes a sentence of its own."""
    result = []
    for start, end in spans:
        for f_start, f_end in page:
            if f_start == start and f_end < end:
                result.append((start, f_end))
                start = f_end
                while start < end and text[start].isspace():
                    start += 1
        if start < end:
            result.append((start, end))
    return result


def sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences, abbreviation-aware, with exact offsets."""
    result: list[Sentence] = []
    page = furniture(text)
    for p_no, (p_start, p_end) in enumerate(paragraphs(text), start=1):
        spans: list[tuple[int, int]] = []
        cursor = p_start
        for end in _breaks(text, p_start, p_end):
            if end <= cursor:
                continue
            spans.append((cursor, end))
            cursor = end
            while cursor < p_end and text[cursor].isspace():
                cursor += 1
        if cursor < p_end:
            spans.append((cursor, p_end))
        for s_no, (start, end) in enumerate(_split_furniture(spans, text, page), start=1):
            result.append(Sentence(f"p{p_no}.s{s_no}", p_no, s_no, start, end))
    return result
