"""Extraction benchmark: drafted figures, times and mentions against the curated annotations.

Run as ``python bench/extraction.py`` from the repository root (see bench/README.md).
Writes var/bench/extraction.json and prints precision, recall and F1 per statement
and overall, with the first 20 misses and false positives of each kind.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import load_settings  # noqa: E402
from kg.extract.extract import Draft, Extractor  # noqa: E402
from kg.extract.mentions import surface_forms  # noqa: E402
from kg.model.bounds import WORD_RULES  # noqa: E402
from kg.sources.ontology import load_ontology  # noqa: E402
from kg.sources.reference import load_reference  # noqa: E402
from kg.sources.yamlsource import load_yaml  # noqa: E402

OUT = ROOT / "var" / "bench" / "extraction.json"
SHOWN = 20
_ISO_UNIT = {"year": "Y", "month": "M", "week": "W", "day": "D", "hour": "H"}


@dataclass(frozen=True)
class Item:
    """One thing to match: its offsets, its key (what must be equal) and its words."""

    statement: str
    start: int
    end: int
    key: str
    text: str

    def overlaps(self, other: Item) -> bool:
        return self.start < other.end and other.start < self.end

    def as_dict(self) -> dict[str, Any]:
        return {"statement": self.statement, "start": self.start, "end": self.end,
                "key": self.key, "text": self.text}


def figure_key(value: Any, qualifier: str, measure: str | None) -> str:
    """Value (or the vague qualifier alone when no value is stated), qualifier, measure."""
    stated = qualifier if value is None and qualifier in WORD_RULES else value
    return f"{stated}|{qualifier}|{measure}"


def duration_key(value: int | None, unit: str, qualifier: str) -> str:
    """A duration compared as an ISO 8601 duration ("P30Y"); with no count, by its qualifier."""
    letter = _ISO_UNIT.get(unit, unit)
    if value is None:
        return f"P?{letter}:{qualifier}"
    return f"PT{value}H" if unit == "hour" else f"P{value}{letter}"


# -- gold -------------------------------------------------------------------------------------

def _locate(text: str, words: str, start: int, end: int) -> tuple[int, int] | None:
    at = text.find(words, start, end)
    return (at, at + len(words)) if at >= 0 else None


def _refs(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(reference, the claim's own words naming it) for about/agent/accused/source/place."""
    found: list[tuple[str, str | None]] = []
    about = claim.get("about") or []
    for value in [about] if isinstance(about, str) else about:
        found.append((value, None))
    if claim.get("agent"):
        found.append((claim["agent"], claim.get("agent_named_as")))
    if claim.get("accused"):
        found.append((claim["accused"], None))
    if claim.get("source"):
        found.append((claim["source"], None))
    place = (claim.get("event") or {}).get("place") or {}
    if place.get("place"):
        found.append((place["place"], place.get("named_as")))
    for figure in claim.get("figures") or []:
        if figure.get("affiliation"):
            found.append((figure["affiliation"], None))
    return found


def _iri(value: str, field: str, base: str) -> str:
    prefixes = {"event": "event", "place": "place", "agent": "agent", "person": "person",
                "state": "state"}
    if ":" in value and value.split(":", 1)[0] in prefixes:
        kind, local = value.split(":", 1)
        return f"{base}id/{prefixes[kind]}/{local}"
    if re.fullmatch(r"[A-Z]{3}", value):
        return f"{base}id/state/{value}"
    default = "event" if field == "about" else "agent"
    return f"{base}id/{default}/{value}"


_PRONOUNS = {"it", "they", "he", "she", "we", "this", "these", "those", "them", "its", "their"}


def gold(path: Path, text: str, names: dict[str, set[str]], base: str
         ) -> tuple[list[Item], list[Item], list[Item], set[tuple[int, int]]]:
    """Gold figures, times, mentions of one curated file, and the spans of its claimed sentences.

    A gold mention is a reference named by a claim (``about``, ``agent``, ``accused``,
    ``source``, an event's ``place``, a figure's ``affiliation``) that the claim's sentence
    names: every occurrence in the sentence of one of the reference's names (its labels in the
    reference data, and for a state the names and demonyms the extractor knows), and the
    claim's own naming words (``agent_named_as``, a place's ``named_as``) when the claim is
    explicit and those words are a name (they start with a capital letter and are not a
    pronoun, so "it" and "the aggressors" are not mentions).
    """
    data = load_yaml(path)
    sid = path.stem
    sentences = {k: (v["start"], v["end"]) for k, v in (data.get("sentences") or {}).items()}
    figures: list[Item] = []
    times: list[Item] = []
    mentions: set[Item] = set()
    claimed: set[tuple[int, int]] = set()
    for claim in data.get("claims") or []:
        ids = claim["sentence"] if isinstance(claim["sentence"], list) else [claim["sentence"]]
        start, end = sentences[ids[0]]
        claimed.update(sentences[i] for i in ids)
        for f in claim.get("figures") or []:
            at = _locate(text, f["text"], start, end)
            if at:
                key = figure_key(f.get("value"), f["qualifier"], f.get("measure"))
                figures.append(Item(sid, *at, key, f["text"]))
        event = claim.get("event") or {}
        when = event.get("time") or {}
        if when.get("edtf") and (at := _locate(text, when["text"], start, end)):
            times.append(Item(sid, *at, str(when["edtf"]), when["text"]))
        span = event.get("duration") or {}
        if span.get("text") and (at := _locate(text, span["text"], start, end)):
            key = duration_key(span.get("value"), span["unit"], span.get("qualifier", "exact"))
            times.append(Item(sid, *at, key, span["text"]))
        explicit = claim.get("explicitness", "explicit") == "explicit"
        for value, named in _refs(claim):
            field = "about" if value in ([claim.get("about")] if isinstance(
                claim.get("about"), str) else claim.get("about") or []) else "actor"
            iri = _iri(value, field, base)
            for form in names.get(iri, set()):
                pattern = rf"(?<![\w-]){re.escape(form)}(?![\w]|-\w)"
                for m in re.finditer(pattern, text[start:end]):
                    mentions.add(Item(sid, start + m.start(), start + m.end(), iri, m.group()))
            if explicit and named and named[:1].isupper() and named.lower() not in _PRONOUNS:
                if at := _locate(text, named, start, end):
                    mentions.add(Item(sid, *at, iri, named))
    return _unique(figures), _unique(times), _longest(mentions), claimed


def _longest(items: Iterable[Item]) -> list[Item]:
    """One gold mention per name: of overlapping spans naming the same node, the longest."""
    kept: list[Item] = []
    for item in sorted(items, key=lambda i: (i.start - i.end, i.start, i.key)):
        if not any(k.key == item.key and k.overlaps(item) for k in kept):
            kept.append(item)
    return sorted(kept, key=_order)


def _order(item: Item) -> tuple[int, int, str]:
    return item.start, item.end, item.key


def _unique(items: Iterable[Item]) -> list[Item]:
    return sorted(set(items), key=_order)


# -- predictions ------------------------------------------------------------------------------

def predicted(sid: str, draft: Draft, claimed: set[tuple[int, int]]
              ) -> tuple[list[Item], list[Item], list[Item]]:
    """The draft's figures; its times and mentions in the sentences that carry claims."""
    figures = [Item(sid, f.start, f.end, figure_key(f.value, f.qualifier, f.measure), f.text)
               for f in draft.figures]
    times = []
    for t in draft.times:
        if not any(s <= t.start and t.end <= e for s, e in claimed):
            continue
        key = t.edtf if t.kind == "date" else duration_key(t.value, t.unit or "", t.qualifier
                                                           or "exact")
        times.append(Item(sid, t.start, t.end, str(key), t.text))
    mentions = [Item(sid, m.start, m.end, m.iri, m.text) for m in draft.mentions
                if any(s <= m.start and m.end <= e for s, e in claimed)]
    return figures, times, mentions


# -- scoring ----------------------------------------------------------------------------------

def match(gold_items: list[Item], found: list[Item]) -> tuple[int, list[Item], list[Item]]:
    """One-to-one matches (same key, overlapping offsets): count, misses, false positives."""
    free = list(found)
    missed = []
    hits = 0
    for g in gold_items:
        partner = next((p for p in free if p.key == g.key and p.overlaps(g)), None)
        if partner is None:
            missed.append(g)
        else:
            free.remove(partner)
            hits += 1
    return hits, missed, free


def scores(hits: int, n_gold: int, n_found: int) -> dict[str, float | int | None]:
    precision = hits / n_found if n_found else None
    recall = hits / n_gold if n_gold else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision and recall else (0.0 if n_gold and n_found else None))
    return {"gold": n_gold, "found": n_found, "matched": hits,
            "precision": _round(precision), "recall": _round(recall), "f1": _round(f1)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def curated_files(statements: Path) -> list[Path]:
    """Annotation files with review accepted (the default) and at least one claim."""
    chosen = []
    for path in sorted(statements.glob("*.yaml")):
        data = load_yaml(path)
        review = (data.get("statement") or {}).get("review") or "accepted"
        if review == "accepted" and data.get("claims"):
            chosen.append(path)
    return chosen


def run(home: Path = ROOT) -> dict[str, Any]:
    settings = load_settings({"HOME": home}, environ={})
    reference = load_reference(settings.reference_dir, settings.iris)
    extractor = Extractor(reference, load_ontology(settings.ontology_dir))
    names: dict[str, set[str]] = {}
    for form, (iri, _kind) in surface_forms(reference).items():
        names.setdefault(iri, set()).add(form)
    kinds = ("figures", "times", "mentions")
    totals = {k: [0, 0, 0] for k in kinds}
    misses: dict[str, list[Item]] = {k: [] for k in kinds}
    false: dict[str, list[Item]] = {k: [] for k in kinds}
    per_statement = {}
    started = time.perf_counter()
    for path in curated_files(settings.statements_dir):
        text = (path.parent / f"{path.stem}.txt").read_text(encoding="utf-8")
        *gold_sets, claimed = gold(path, text, names, settings.iris.base)
        when = str((load_yaml(path).get("statement") or {}).get("date") or "") or None
        found_sets = predicted(path.stem, extractor.extract(text, when), claimed)
        row = {}
        for kind, g, p in zip(kinds, gold_sets, found_sets, strict=True):
            hits, missed, fp = match(g, p)
            row[kind] = scores(hits, len(g), len(p))
            totals[kind][0] += hits
            totals[kind][1] += len(g)
            totals[kind][2] += len(p)
            misses[kind] += missed
            false[kind] += fp
        per_statement[path.stem] = row
    return {
        "statements": per_statement,
        "overall": {k: scores(*totals[k]) for k in kinds},
        "misses": {k: [i.as_dict() for i in v[:SHOWN]] for k, v in misses.items()},
        "false_positives": {k: [i.as_dict() for i in v[:SHOWN]] for k, v in false.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }


def _line(label: str, row: dict[str, Any]) -> str:
    def fmt(v: Any) -> str:
        return "  -  " if v is None else f"{v:.3f}"
    return (f"{label:<34} P {fmt(row['precision'])}  R {fmt(row['recall'])}  "
            f"F1 {fmt(row['f1'])}  (gold {row['gold']}, found {row['found']}, "
            f"matched {row['matched']})")


def report(result: dict[str, Any], write: Callable[[str], Any] = print) -> None:
    if not result["statements"]:
        write("no curated statements with claims: nothing to compare")
    for sid, row in result["statements"].items():
        write(sid)
        for kind, values in row.items():
            write("  " + _line(kind, values))
    write("overall")
    for kind, values in result["overall"].items():
        write("  " + _line(kind, values))
    for title, group in (("misses", result["misses"]), ("false positives",
                                                        result["false_positives"])):
        for kind, items in group.items():
            if items:
                write(f"{title} ({kind}, first {SHOWN}):")
                for i in items:
                    write(f"  {i['statement']} {i['start']}-{i['end']} {i['key']}: "
                          f"{i['text']!r}")


def main() -> int:
    result = run()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report(result)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
