"""What ``kg review`` shows of a draft: its proposals by kind and the unresolved sentences.

The proposals are read from the annotation file as it stands (the curator may have
edited it); the unresolved sentences (a numeral, magnitude word or blame/legal cue that
drafted nothing) by drafting the statement's text again, which is deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kg.config import Settings
from kg.extract.extract import Extractor, InputError, Unresolved, load_text
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference
from kg.sources.yamlsource import load_yaml


@dataclass
class ReviewSummary:
    """The claims of an annotation file by kind (sentence ids) and what drafting missed."""

    review: str
    by_kind: dict[str, list[str]]
    unresolved: list[tuple[str | None, Unresolved]]
    note: str | None = None


def summary(settings: Settings, path: Path) -> ReviewSummary:
    """The review summary of the annotation file ``path`` (its text beside it)."""
    data = load_yaml(path)
    meta = data.get("statement") or {}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for claim in data.get("claims") or []:
        sentence = claim.get("sentence")
        ids = sentence if isinstance(sentence, list) else [sentence]
        by_kind[str(claim.get("kind"))].append(",".join(str(i) for i in ids))
    text_name = meta.get("text") or f"{path.stem}.txt"
    note = None
    unresolved: list[tuple[str | None, Unresolved]] = []
    try:
        text = load_text(path.parent / str(text_name))
        reference = load_reference(settings.reference_dir, settings.iris)
        extractor = Extractor(reference, load_ontology(settings.ontology_dir))
        draft = extractor.extract(text, str(meta.get("date") or "") or None)
        for u in sorted(draft.unresolved, key=lambda u: (u.start, u.end)):
            sentence = draft.sentence_at(u.start)
            unresolved.append((sentence.id if sentence else None, u))
    except InputError as exc:
        note = f"the text could not be drafted again: {exc}"
    return ReviewSummary(str(meta.get("review") or "accepted"), dict(by_kind), unresolved,
                         note)
