"""Draft extraction: sentences, figures, times, mentions and attribution cues of a statement.

Everything here is a *draft* for a person to review (``review: machine-drafted``):
nothing :func:`extract` finds enters the graph until a curator has checked it,
corrected it and set ``review: accepted`` in the annotation file. Nothing is dropped
silently either: a sentence holding a cue that gave no proposal is listed in
:attr:`Draft.unresolved` with the reason.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Graph

from kg.extract.claims import (
    Context,
    Cues,
    Documents,
    Proposal,
    SentenceView,
    accused_near,
    blame_cue,
    rule_proposals,
)
from kg.extract.draft import draft_yaml
from kg.extract.figures import Figure, read_figures
from kg.extract.lexicon import Lexicon, lexicon
from kg.extract.mentions import Attribution, EntityMatcher, Mention, attributions
from kg.extract.metadata import Metadata, metadata
from kg.extract.models import ClaimModels, features, load_models
from kg.extract.segment import Sentence, furniture, sentences
from kg.extract.times import TimeExpression, time_expressions
from kg.model.namespaces import VOCAB
from kg.sources.reference import ReferenceIndex

__all__ = ["Draft", "Extractor", "InputError", "Unresolved", "draft_yaml", "extract", "load_text",
           "to_json"]

REVIEW = "machine-drafted"
MAX_BYTES = 5 * 1024 * 1024


class InputError(ValueError):
    """A text that cannot be drafted: empty, binary, not UTF-8, too large, no sentences."""


@dataclass(frozen=True)
class Unresolved:
    """A sentence (or span) that holds a cue but produced no proposal, and why.

    Every drafting step appends to :attr:`Draft.unresolved` so that a reviewer is told
    what the extractor saw and could not read (a numeral with no counted noun, a blame
    cue with no actor); ``start``/``end`` are code-point offsets into the text.
    """

    start: int
    end: int
    text: str
    why: str


@dataclass
class Draft:
    """What extraction proposes for one text; every item is machine-drafted."""

    text: str
    sentences: list[Sentence]
    figures: list[Figure] = field(default_factory=list)
    times: list[TimeExpression] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)
    review: str = REVIEW
    unresolved: list[Unresolved] = field(default_factory=list)
    claims: list[Proposal] = field(default_factory=list)

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence holding ``offset``, if any."""
        starts = [s.start for s in self.sentences]
        at = bisect.bisect_right(starts, offset) - 1
        if at >= 0 and self.sentences[at].start <= offset < self.sentences[at].end:
            return self.sentences[at]
        return None


def _graph(reference: ReferenceIndex | Graph) -> Graph:
    return reference.graph if isinstance(reference, ReferenceIndex) else reference


def _meaningful(text: str, sentence: Sentence) -> bool:
    return any(ch.isalnum() for ch in sentence.text(text))


def _outside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return all(end <= s or start >= e for s, e in spans)


class Extractor:
    """Extraction against one reference graph and the vocabularies' cue words (``ontology``).

    ``models``: the claim models (:mod:`kg.extract.models`); True loads the file built by
    ``kg train`` if there is one, None drafts claims with the rules alone.
    """

    def __init__(self, reference: ReferenceIndex | Graph, ontology: Graph,
                 models: ClaimModels | bool | None = True) -> None:
        self.graph = _graph(reference)
        self.matcher = EntityMatcher(self.graph)
        self.lexicon: Lexicon = lexicon(ontology)
        self.cues = Cues(ontology)
        self.documents = Documents(self.graph)
        self.models: ClaimModels | None = (load_models() if models is True else
                                           models or None)  # type: ignore[assignment]

    def extract(self, text: str, date: str | None = None,
                delegation: str | None = None) -> Draft:
        """Draft the annotations of ``text`` (raises InputError for a text with no sentences).

        ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) is the statement's date when the
        caller knows it and the text does not say it; it dates "14 June" and "yesterday".
        ``delegation`` (a state IRI) is the speaker's, when the caller knows it and the
        header does not say it: it is never the accused of the speaker's own claims.
        """
        found = [s for s in sentences(text) if _meaningful(text, s)]
        if not found:
            raise InputError("the text has no sentences")
        page = furniture(text)
        meta = metadata(text, self.graph, self.matcher)
        draft = Draft(text, found, metadata=meta)
        draft.mentions = [m for m in self.matcher.mentions(text) if _outside(m.start, m.end, page)]
        when = meta.date or date
        year = int(when[:4]) if when else None
        today = _day(when)
        symbols = [(s["start"], s["end"]) for s in meta.symbols]
        previous: list[int] = []  # the wholes among the figures of the sentence before
        for sentence in found:
            if any(s <= sentence.start and sentence.end <= e for s, e in page):
                continue  # a running head, a job number
            words = sentence.text(text).strip("*_# \t\n")
            times = [t for t in time_expressions(text, sentence.start, sentence.end, year,
                                                 today) if _outside(t.start, t.end, page)]
            if len(times) == 1 and times[0].text == words:
                times = []  # a date line of the header: the statement's date, not a claim
            draft.times += times
            masked = page + symbols + [(t.start, t.end) for t in times]
            offset = len(draft.figures)
            carried = draft.figures[previous[-1]].measure \
                if previous and _OF_THEM.match(text, sentence.start, sentence.end) else None
            found_figures, unread = read_figures(text, sentence.id, sentence.start,
                                                 sentence.end, self.lexicon, draft.mentions,
                                                 masked, carried)
            for n, figure in enumerate(found_figures):
                if figure.part_of is not None:
                    figure = _shift(figure, offset)
                elif n == 0 and previous and _OF_THEM.match(text, sentence.start, figure.start):
                    figure = replace(figure, part_of=previous[-1])  # "… Of them, 600 were …"
                elif n > 0 and found_figures[0].part_of is None and \
                        draft.figures[offset].part_of is not None and \
                        _parts_of_first(text, found_figures, n):
                    figure = replace(figure, part_of=draft.figures[offset].part_of)
                if figure.part_of is not None and figure.measure is None:
                    whole = draft.figures[figure.part_of]  # a part shares its whole's measure
                    figure = replace(figure, measure=whole.measure,
                                     confidence=round(min(0.8, figure.confidence + 0.25), 2)
                                     if whole.measure else figure.confidence)
                draft.figures.append(figure)
            previous = [i for i in range(offset, len(draft.figures))
                        if draft.figures[i].part_of is None]
            if unread:
                draft.unresolved.append(Unresolved(
                    sentence.start, sentence.end, sentence.text(text),
                    "; ".join(u.why for u in unread)))
            draft.attributions += attributions(text, sentence.start, sentence.end,
                                               draft.mentions)
        draft.claims = self._claims(draft, page, meta.delegation or delegation)
        return draft

    def _claims(self, draft: Draft, page: list[tuple[int, int]],
                own: str | None) -> list[Proposal]:
        """Claim proposals of every kind, sentence by sentence (see :mod:`kg.extract.claims`);
        a cue sentence that drafts nothing goes to ``draft.unresolved``."""
        text = draft.text
        context = Context(own=own)
        found: list[Proposal] = []
        # Each sentence sees the attributions, mentions and figures that start in it, found by
        # bisection: scanning every list for every sentence made a 20,000-sentence text take
        # minutes (quadratic), and the rules read nothing outside their sentence.
        attributions, mentions = _ByStart(draft.attributions), _ByStart(draft.mentions)
        figure_starts = sorted(f.start for f in draft.figures)
        for sentence in draft.sentences:
            if any(s <= sentence.start and sentence.end <= e for s, e in page):
                continue
            view = SentenceView(sentence.id, sentence.start, sentence.end,
                                sentence.text(text))
            cues = attributions.within(sentence.start, sentence.end)
            n_figures = (bisect.bisect_left(figure_starts, sentence.end)
                         - bisect.bisect_left(figure_starts, sentence.start))
            local = mentions.within(sentence.start, sentence.end)
            proposals = rule_proposals(text, view, self.cues, local, cues, context,
                                       n_figures, self.documents)
            if self.models is not None:
                proposals = self._weigh(text, view, proposals, local, context)
            found += proposals
            cue = blame_cue(view.text, self.cues)
            if cue and not any(p.kind in ("accusation", "characterisation")
                               for p in proposals):
                draft.unresolved.append(Unresolved(
                    sentence.start, sentence.end, view.text,
                    f"blame or legal cue {cue!r} drafted no accusation or characterisation"))
        return found

    def _weigh(self, text: str, view: SentenceView, proposals: list[Proposal],
               mentions: list[Mention], context: Context) -> list[Proposal]:
        """Rule proposals weighed by the models. For a kind in ``model`` mode, a rule proposal
        the model finds unlikely (below the kind's threshold) is dropped, and a sentence the
        model finds likely with no rule proposal gets one (``rule: model``) with the model's
        category; confidence is the model's probability. A kind in ``rules`` mode keeps its
        rule proposals. Missing categories are the model's."""
        models = self.models
        assert models is not None
        tokens = features(view.text, {p.kind for p in proposals})
        scores = models.kind_scores(tokens)
        kept: list[Proposal] = []
        for p in proposals:
            if p.kind not in scores or p.kind not in _MODEL_KINDS:
                kept.append(p)
                continue
            probability, threshold, mode = scores[p.kind]
            if mode == "model" and probability < threshold:
                continue
            kept.append(replace(p, confidence=probability if mode == "model" else p.confidence,
                                category=p.category or _category(models, p.kind, tokens)))
        for kind in _MODEL_KINDS:
            probability, threshold, mode = scores.get(kind, (0.0, 1.0, "rules"))
            if mode == "rules" or probability < threshold or any(p.kind == kind for p in kept):
                continue
            actor_iri = None
            explicit = False
            if kind in ("accusation", "attribution"):
                actor = accused_near(text, view, view.start, mentions, context.own)
                actor_iri = actor.iri if actor else context.carried()
                explicit = actor is not None
            category = _category(models, kind, tokens)
            kept.append(Proposal(
                kind, view.start, view.end, view.id, "",
                accused=actor_iri if kind == "accusation" else None,
                agent=actor_iri if kind == "attribution" else None,
                role=category.rsplit("/", 1)[-1] if kind == "attribution" and category
                else None,
                category=category, explicit=explicit,
                confidence=probability, rule="model",
                cites=self.documents.cited(view.text) if kind == "reported-speech" else None))
        return kept


_MODEL_KINDS = ("accusation", "characterisation", "attribution", "reported-speech", "appeal",
                "self-report",
                "event")


def _category(models: ClaimModels, kind: str, tokens: list[str]) -> str | None:
    model = {"accusation": (models.accusation_type, "acc"),
             "characterisation": (models.legal_category, "legal"),
             "attribution": (models.role, "role")}.get(kind)
    if not model or model[0] is None:
        return None
    probs = model[0].predict(tokens)
    best = max(sorted(probs), key=lambda k: probs[k])
    return str(VOCAB[model[1]][best])



def _day(when: str | None) -> date | None:
    try:
        return date.fromisoformat(when) if when and len(when) == 10 else None
    except ValueError:
        return None


#: A sentence whose first figure counts some of the figure before: "Of them, 600 were …".
_OF_THEM = re.compile(r"[\s\W]*(?:of|among)\s+(?:them|these|those|whom)\b", re.I)


def _parts_of_first(text: str, found: list[Figure], n: int) -> bool:
    """True if figure ``n`` is listed with the sentence's first figure ("…, 50 children")."""
    return all(found[k].part_of is None and re.fullmatch(
        r"\s*(?:,|and|,\s*and|;|including|among\s+them)\s*", text[found[k - 1].end:found[k].start],
        re.I) is not None for k in range(1, n + 1))


def _shift(figure: Figure, offset: int) -> Figure:
    return replace(figure, part_of=(figure.part_of or 0) + offset)


class _ByStart:
    """Items with a ``start`` offset, found by the span they start in, in their own order."""

    def __init__(self, items: list[Any]) -> None:
        order = sorted(range(len(items)), key=lambda i: items[i].start)
        self._items = items
        self._order = order
        self._starts = [items[i].start for i in order]

    def within(self, start: int, end: int) -> list[Any]:
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return [self._items[i] for i in sorted(self._order[lo:hi])]


def extract(text: str, reference: ReferenceIndex | Graph, ontology: Graph,
            date: str | None = None) -> Draft:
    """Draft the annotations of ``text`` against the reference data (see :class:`Extractor`)."""
    return Extractor(reference, ontology).extract(text, date)


def load_text(path: Path) -> str:
    """Read a statement text for extraction; raise InputError saying what is wrong with it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    if size > MAX_BYTES:
        raise InputError(f"{path}: the file is {size} bytes; texts over {MAX_BYTES} bytes "
                         "(5 MB) are refused")
    return decode_text(path.read_bytes(), str(path))


def decode_text(raw: bytes, where: str) -> str:
    """A statement text from its bytes (``where`` names it in errors); raise InputError
    for empty, binary, oversized or non-UTF-8 input."""
    if not raw:
        raise InputError(f"{where}: the file is empty")
    if len(raw) > MAX_BYTES:
        raise InputError(f"{where}: the file is {len(raw)} bytes; texts over {MAX_BYTES} "
                         "bytes (5 MB) are refused")
    if b"\x00" in raw:
        raise InputError(f"{where}: binary file (it contains NUL bytes), not a text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (invalid byte at offset {exc.start}); "
                         "convert it to UTF-8 first") from exc
    if not text.strip():
        raise InputError(f"{where}: the text has no sentences (only white space)")
    return text


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def to_json(draft: Draft) -> dict[str, Any]:
    """The draft as plain JSON data (offsets are code points into the text as stored)."""
    return {
        "review": draft.review,
        "sentences": [{"id": s.id, "start": s.start, "end": s.end} for s in draft.sentences],
        "figures": [{
            "text": f.text, "start": f.start, "end": f.end, "value": f.value,
            "qualifier": f.qualifier, "min": f.minimum, "max": f.maximum, "rule": f.rule,
            "measure": f.measure, "population": f.population, "unit": f.unit,
            "affiliation": f.affiliation, "part_of": f.part_of, "sentence": f.sentence,
            "from_place": f.from_place, "confidence": f.confidence,
        } for f in draft.figures],
        "times": [{
            "text": t.text, "start": t.start, "end": t.end, "kind": t.kind, "edtf": t.edtf,
            "refinement": t.refinement, "earliest": _iso(t.earliest), "latest": _iso(t.latest),
            "rule": t.rule, "value": t.value, "unit": t.unit, "qualifier": t.qualifier,
            "min": t.minimum, "max": t.maximum,
            "sentence": (s.id if (s := draft.sentence_at(t.start)) else None),
        } for t in draft.times],
        "mentions": [{"text": m.text, "start": m.start, "end": m.end, "iri": m.iri,
                      "kind": m.kind} for m in draft.mentions],
        "attributions": [{
            "text": a.text, "start": a.start, "end": a.end, "actor": a.actor, "cue": a.cue,
            "kind": a.kind, "role": a.role, "type": a.accusation,
            "sentence": (s.id if (s := draft.sentence_at(a.start)) else None),
        } for a in draft.attributions],
        "metadata": draft.metadata.as_dict(),
        "claims": [{
            "kind": c.kind, "start": c.start, "end": c.end, "sentence": c.sentence,
            "cue": c.cue, "accused": c.accused, "agent": c.agent, "category": c.category,
            "about": c.about, "explicit": c.explicit, "confidence": round(c.confidence, 3),
            "rule": c.rule, "role": c.role, "cites": c.cites,
        } for c in draft.claims],
        "unresolved": [{"start": u.start, "end": u.end, "text": u.text, "why": u.why}
                       for u in sorted(draft.unresolved, key=lambda u: (u.start, u.end))],
    }
