"""Extraction benchmark: drafted claims, figures, times and mentions against the curated
annotations, on a development set and a held-out test set of statements.

Run as ``python bench/extraction.py`` from the repository root (see bench/README.md).
The split is declared in bench/extraction-split.yaml: the statements listed there are the
development set, every other curated statement is test data. Writes
var/bench/extraction.json and prints the numbers of each set per kind, with the first 20
misses and false positives of the test set.
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

SPLIT = ROOT / "bench" / "extraction-split.yaml"

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



# -- the split --------------------------------------------------------------------------------

def development_set(path: Path = SPLIT) -> set[str]:
    """The statement ids of the development set (every other curated statement is test)."""
    return set(load_yaml(path).get("development") or [])


def split_of(sid: str, development: set[str], data: dict[str, Any] | None = None) -> str:
    """"dev" or "test"; with "-partial" for a statement curated only in part (the other
    states' statements: their claims about the conflict only), where a drafted claim that
    the file lacks may be one nobody curated, so only recall is scored."""
    split = "dev" if sid in development else "test"
    curation = ((data or {}).get("statement") or {}).get("curation") or {}
    return f"{split}-partial" if curation.get("status") == "partial" else split


def _recall_only(value: Any) -> Any:
    """``value`` with every precision and F1 withheld (None), at any depth."""
    if isinstance(value, dict):
        return {k: (None if k in ("precision", "f1") else _recall_only(v))
                for k, v in value.items()}
    return value


# -- claims -----------------------------------------------------------------------------------

#: The claim kinds scored sentence by sentence, and the YAML key of each kind's actor/category.
CLAIM_KINDS: dict[str, tuple[str | None, str | None]] = {
    "accusation": ("accused", "type"),
    "characterisation": (None, "category"),
    "attribution": ("agent", "role"),
    "reported-speech": ("source", None),
    "appeal": (None, None),
    "self-report": (None, None),
    "event": (None, None),
    "figure": (None, None),
}


@dataclass(frozen=True)
class Claim:
    """A claim reduced to what is scored: kind, sentence span, actor IRI, category local name."""

    statement: str
    kind: str
    start: int
    end: int
    actor: str | None = None
    category: str | None = None
    explicit: bool = True

    def overlaps(self, other: Claim) -> bool:
        return self.start < other.end and other.start < self.end


def _local(value: str | None) -> str | None:
    return value.rstrip("/").rsplit("/", 1)[-1].split(":")[-1] if value else None


def gold_claims(sid: str, data: dict[str, Any], base: str) -> list[Claim]:
    """The curated claims of the scored kinds, each over its sentence or sentences."""
    sentences = {k: (v["start"], v["end"]) for k, v in (data.get("sentences") or {}).items()}
    found = []
    for claim in data.get("claims") or []:
        kind = claim.get("kind")
        if kind not in CLAIM_KINDS:
            continue
        ids = claim["sentence"] if isinstance(claim["sentence"], list) else [claim["sentence"]]
        spans = [sentences[i] for i in ids]
        actor_key, category_key = CLAIM_KINDS[kind]
        actor = claim.get(actor_key) if actor_key else None
        found.append(Claim(
            sid, kind, min(s for s, _ in spans), max(e for _, e in spans),
            _iri(actor, "actor", base) if isinstance(actor, str) else None,
            _local(claim.get(category_key)) if category_key else None,
            claim.get("explicitness", "explicit") == "explicit"))
    return found


def proposed_claims(sid: str, draft: Draft) -> list[Claim]:
    """The draft's claim proposals (``draft.claims``; before it existed, the attribution cues
    and the figures, each over its sentence)."""
    claims = getattr(draft, "claims", None)
    if claims is not None:
        return [Claim(sid, c.kind, c.start, c.end, c.accused or c.agent, _local(c.category),
                      c.explicit) for c in claims]
    found = []
    for a in draft.attributions:
        sentence = draft.sentence_at(a.start)
        start, end = (sentence.start, sentence.end) if sentence else (a.start, a.end)
        found.append(Claim(sid, a.kind, start, end, a.actor,
                           a.accusation if a.kind == "accusation" else a.role))
    for f in draft.figures:
        sentence = draft.sentence_at(f.start)
        start, end = (sentence.start, sentence.end) if sentence else (f.start, f.end)
        found.append(Claim(sid, "figure", start, end))
    return found


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def score_claims(gold_items: list[Claim], found: list[Claim]) -> dict[str, Any]:
    """Per kind: sentence recall and precision, actor and category accuracy, hand share.

    A curated claim is *found* when a proposal of its kind overlaps its sentence(s); recall
    counts distinct curated sentence spans, precision distinct proposed spans. The actor is
    right when an overlapping proposal names the curated actor (counted only where the
    curated claim is explicit, i.e. the actor is named in the sentence); the category when
    one has the curated category. The hand share is the share of curated claims of the kind
    that no proposal covers: what a curator still writes from scratch.
    """
    out: dict[str, Any] = {}
    for kind in CLAIM_KINDS:
        g = [c for c in gold_items if c.kind == kind]
        p = [c for c in found if c.kind == kind]
        g_spans = {(c.statement, c.start, c.end) for c in g}
        p_spans = {(c.statement, c.start, c.end) for c in p}

        def hit(a: tuple[str, int, int], others: set[tuple[str, int, int]]) -> bool:
            return any(o[0] == a[0] and o[1] < a[2] and a[1] < o[2] for o in others)

        recalled = sum(hit(s, p_spans) for s in g_spans)
        precise = sum(hit(s, g_spans) for s in p_spans)
        covered = [c for c in g if any(q.statement == c.statement and q.overlaps(c) for q in p)]
        named = [c for c in covered if c.explicit and c.actor]
        actor_right = sum(any(q.statement == c.statement and q.overlaps(c) and q.actor == c.actor
                              for q in p) for c in named)
        with_category = [c for c in covered if c.category]
        category_right = sum(any(q.statement == c.statement and q.overlaps(c) and
                                 q.category == c.category for q in p) for c in with_category)
        out[kind] = {
            "gold": len(g), "gold_sentences": len(g_spans), "proposed_sentences": len(p_spans),
            "recall": _ratio(recalled, len(g_spans)), "precision": _ratio(precise, len(p_spans)),
            "actor_right": _ratio(actor_right, len(named)), "actor_n": len(named),
            "category_right": _ratio(category_right, len(with_category)),
            "category_n": len(with_category),
            "by_hand": _ratio(len(g) - len(covered), len(g)),
        }
    return out


def score_figure_fields(gold_items: list[tuple[Item, dict[str, Any]]],
                        found: list[tuple[Item, Any]]) -> dict[str, Any]:
    """Figures matched by overlapping offsets alone; then qualifier, unit, measure accuracy."""
    free = list(found)
    pairs = []
    for g, fields in gold_items:
        partner = next((p for p in free if p[0].statement == g.statement and
                        p[0].overlaps(g)), None)
        if partner is not None:
            free.remove(partner)
            pairs.append((fields, partner[1]))
    n = len(pairs)

    def right(key: str, attr: str, default: str | None = None) -> float | None:
        return _ratio(sum((f.get(key) or default) == getattr(d, attr) for f, d in pairs), n)

    return {"gold": len(gold_items), "found": len(found), "matched": n,
            "recall": _ratio(n, len(gold_items)), "precision": _ratio(n, len(found)),
            "qualifier": right("qualifier", "qualifier"), "unit": right("unit", "unit", "persons"),
            "measure": right("measure", "measure")}


def gold_figure_fields(sid: str, data: dict[str, Any], text: str) -> list[tuple[Item, dict]]:
    sentences = {k: (v["start"], v["end"]) for k, v in (data.get("sentences") or {}).items()}
    found: list[tuple[Item, dict]] = []
    for claim in data.get("claims") or []:
        ids = claim["sentence"] if isinstance(claim["sentence"], list) else [claim["sentence"]]
        start, end = sentences[ids[0]][0], sentences[ids[-1]][1]
        for f in claim.get("figures") or []:
            if at := _locate(text, f["text"], start, end):
                found.append((Item(sid, *at, "", f["text"]), f))
    return found


def run(home: Path = ROOT, only: str | None = None, rules_only: bool = False
        ) -> dict[str, Any]:
    """Score every curated statement; ``only`` = "dev" or "test" restricts to one set;
    ``rules_only`` drafts claims without the models (to tell what the models add)."""
    settings = load_settings({"HOME": home}, environ={})
    reference = load_reference(settings.reference_dir, settings.iris)
    extractor = Extractor(reference, load_ontology(settings.ontology_dir),
                          **({"models": None} if rules_only else {}))
    names: dict[str, set[str]] = {}
    for form, (iri, _kind) in surface_forms(reference).items():
        names.setdefault(iri, set()).add(form)
    development = development_set()
    kinds = ("figures", "times", "mentions")
    sets: dict[str, dict[str, Any]] = {}
    per_statement = {}
    slowest = 0.0
    started = time.perf_counter()
    for path in curated_files(settings.statements_dir):
        data = load_yaml(path)
        split = split_of(path.stem, development, data)
        if only and split.split("-")[0] != only:
            continue
        acc = sets.setdefault(split, {
            "statements": [], "totals": {k: [0, 0, 0] for k in kinds},
            "misses": {k: [] for k in kinds}, "false": {k: [] for k in kinds},
            "gold_claims": [], "claims": [], "gold_fig": [], "fig": []})
        acc["statements"].append(path.stem)
        text = (path.parent / f"{path.stem}.txt").read_text(encoding="utf-8")
        *gold_sets, claimed = gold(path, text, names, settings.iris.base)
        when = str((data.get("statement") or {}).get("date") or "") or None
        t0 = time.perf_counter()
        own = (data.get("statement") or {}).get("delegation")
        draft = extractor.extract(text, when,
                                  _iri(own, "actor", settings.iris.base) if own else None)
        seconds = time.perf_counter() - t0
        slowest = max(slowest, seconds * 3000 / max(1, len(text.split())))
        found_sets = predicted(path.stem, draft, claimed)
        row = {}
        for kind, g, p in zip(kinds, gold_sets, found_sets, strict=True):
            hits, missed, fp = match(g, p)
            row[kind] = scores(hits, len(g), len(p))
            acc["totals"][kind][0] += hits
            acc["totals"][kind][1] += len(g)
            acc["totals"][kind][2] += len(p)
            acc["misses"][kind] += missed
            acc["false"][kind] += fp
        acc["gold_claims"] += gold_claims(path.stem, data, settings.iris.base)
        acc["claims"] += proposed_claims(path.stem, draft)
        acc["gold_fig"] += gold_figure_fields(path.stem, data, text)
        acc["fig"] += [(Item(path.stem, f.start, f.end, "", f.text), f) for f in draft.figures]
        per_statement[path.stem] = {"set": split,
                                    **(_recall_only(row) if split.endswith("-partial") else row)}
    result: dict[str, Any] = {"statements": per_statement, "sets": {}}
    for split, acc in sorted(sets.items()):
        partial = split.endswith("-partial")
        numbers = {
            "overall": {k: scores(*acc["totals"][k]) for k in kinds},
            "figures": score_figure_fields(acc["gold_fig"], acc["fig"]),
            "claims": score_claims(acc["gold_claims"], acc["claims"]),
        }
        result["sets"][split] = {
            "statements": acc["statements"],
            **(_recall_only(numbers) if partial else numbers),
            "misses": {k: [i.as_dict() for i in v[:SHOWN]] for k, v in acc["misses"].items()},
            "false_positives": {} if partial else {k: [i.as_dict() for i in v[:SHOWN]]
                                                   for k, v in acc["false"].items()},
        }
    result["seconds"] = round(time.perf_counter() - started, 2)
    if extractor.models is not None:
        result["cross_validation"] = extractor.models.cross_validation
    result["seconds_per_3000_words_max"] = round(slowest, 3)
    return result


def _fmt(v: Any) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def _line(label: str, row: dict[str, Any]) -> str:
    return (f"{label:<34} P {_fmt(row['precision'])}  R {_fmt(row['recall'])}  "
            f"F1 {_fmt(row['f1'])}  (gold {row['gold']}, found {row['found']}, "
            f"matched {row['matched']})")


def report(result: dict[str, Any], write: Callable[[str], Any] = print,
           details: str | None = "dev") -> None:
    """Print each set's numbers per kind; the misses and false positives of ``details`` only
    (the development set by default: the test set's items are not for reading)."""
    if not result["sets"]:
        write("no curated statements with claims: nothing to compare")
    for split, values in result["sets"].items():
        write(f"== {split} ({len(values['statements'])} statements)")
        f = values["figures"]
        write(f"  figures (overlap)  P {_fmt(f['precision'])}  R {_fmt(f['recall'])}  "
              f"qualifier {_fmt(f['qualifier'])}  unit {_fmt(f['unit'])}  "
              f"measure {_fmt(f['measure'])}  (gold {f['gold']}, found {f['found']})")
        for kind, row in values["overall"].items():
            write("  " + _line(f"{kind} (strict key)", row))
        for kind, row in values["claims"].items():
            write(f"  {kind:<17} sentences R {_fmt(row['recall'])}  P {_fmt(row['precision'])}"
                  f"  actor {_fmt(row['actor_right'])} (n {row['actor_n']})"
                  f"  category {_fmt(row['category_right'])} (n {row['category_n']})"
                  f"  by hand {_fmt(row['by_hand'])}  (gold {row['gold']})")
    if result.get("cross_validation"):
        write("== dev, cross-validated by statement (kg train; sentence F1 per kind)")
        for kind, row in result["cross_validation"]["kinds"].items():
            write(f"  {kind:<17} model {_fmt(row['cv_f1'])}  rules {_fmt(row['rules_f1'])}"
                  f"  -> {row['mode']}")
    chosen = result["sets"].get(details) if details else None
    for title, group in (("misses", (chosen or {}).get("misses", {})),
                         ("false positives", (chosen or {}).get("false_positives", {}))):
        for kind, items in group.items():
            if items:
                write(f"{title} ({details}, {kind}, first {SHOWN}):")
                for i in items:
                    write(f"  {i['statement']} {i['start']}-{i['end']} {i['key']}: "
                          f"{i['text']!r}")
    write(f"extraction of 3,000 words takes at most {result['seconds_per_3000_words_max']} s")


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("dev", "test"), default=None,
                        help="score one set only (default: both)")
    parser.add_argument("--rules-only", action="store_true",
                        help="draft claims with the rules alone (no models)")
    args = parser.parse_args(argv)
    result = run(only=args.set, rules_only=args.rules_only)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report(result)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
