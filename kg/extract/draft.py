"""A draft as a curated-format annotation file (``kg-annotations/1``, machine-drafted).

The file is what a curator starts from: the statement block with what the text
says about itself, the sentences that carry a proposed claim, and the proposed
claims (one figure claim per sentence with figures, an event claim per
sentence with a time expression, attribution and accusation proposals, and the
claim proposals of every other kind: characterisations, reported speech, appeals,
self-reports, each with a comment saying the rule or model and its confidence). Values
a person must supply are ``null`` with a ``# FIXME`` comment; ``kg build``
refuses the file until its review status is changed to ``accepted``.
The output is deterministic: the same draft gives the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from kg.model.kinds import REGISTRY

if TYPE_CHECKING:  # pragma: no cover
    from kg.extract.claims import Proposal
    from kg.extract.extract import Draft
    from kg.extract.times import TimeExpression

#: Words that suggest an event type, most specific first.
EVENT_HINTS: list[tuple[str, str]] = [
    (r"cease-?fire|cessation of hostilities|trilateral statement", "ceasefire"),
    (r"massacre|genocide|killing|killed|mass killing", "mass-killing"),
    (r"ethnic(?:ally)? cleans", "ethnic-cleansing"),
    (r"expelled|expulsion|deport", "expulsion"),
    (r"displace|refugees|forced to leave|fled\b", "displacement"),
    (r"went missing|missing persons|disappear", "disappearance"),
    (r"landmine|mine explosion", "landmine-incident"),
    (r"shell(?:ing|ed)|bombard|missile", "shelling"),
    (r"blockade", "blockade"),
    (r"liberat|recaptur", "recapture-of-territory"),
    (r"looting|destruction", "destruction-looting"),
    (r"reconstruction|rehabilitation", "reconstruction-programme"),
    (r"occupation|occupied", "occupation"),
    (r"border clash|border incident", "border-clash"),
    (r"negotiation|peace process|peace talks|peace plan", "peace-process"),
    (r"offensive|aggression|attack", "military-offensive"),
    (r"\bwar\b", "war"),
    (r"hostilities|combat|fighting", "hostilities"),
    (r"\bconflict\b", "armed-conflict"),
]
FORMAT = "kg-annotations/1"
_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
                        "|[\u2028\u2029\x85\ufeff]")


def q(value: str) -> str:
    """A YAML double-quoted scalar that parses back to exactly ``value``."""
    text = json.dumps(value, ensure_ascii=False)
    return _PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000
                          else f"\\U{ord(m.group()):08x}", text)


def ref(iri: str | None, field: str = "actor") -> str | None:
    """An IRI of the reference data in the annotation format's notation (``ARM``, ...)."""
    if iri is None:
        return None
    kind, _, local = iri.rpartition("/id/")[2].partition("/")
    if kind == "state":
        return local
    if kind == "agent":
        return local if field == "actor" and local == local.lower() else f"agent:{local}"
    if kind == "event":
        return local if field == "about" else f"event:{local}"
    return f"{kind}:{local}"  # place:…, person:…


def _fixme(key: str, value: Any, hint: str, indent: str) -> str:
    if value is None:
        return f"{indent}{key}: null  # FIXME: {hint}\n"
    return f"{indent}{key}: {_scalar(value)}\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", text) and text.lower() not in (
            "null", "true", "false", "yes", "no", "on", "off", "y", "n"):
        return text
    return q(text)


def _statement(draft: Draft, statement_id: str, text_name: str, sha256: str,
               meta: dict[str, Any]) -> str:
    found = draft.metadata
    values = {"speaker": found.speaker, "post": found.post, "delegation": found.delegation,
              "date": found.date, "meeting": found.meeting, "source": None, "language": "en"}
    values.update({k: v for k, v in meta.items() if v is not None})
    lines = ["statement:\n", f"  id: {_scalar(statement_id)}\n", f"  text: {q(text_name)}\n",
             f"  sha256: {sha256}\n"]
    lines.append(_fixme("source", values["source"], "where the text was copied from "
                        "(provenance, free text)", "  "))
    if "url" in values:
        lines.append(f"  url: {q(values['url'])}\n")
    named = f" (the text names {q(found.speaker_name)})" if found.speaker_name else ""
    lines.append(_fixme("speaker", values["speaker"],
                        f"person id from data/reference/people.ttl{named}", "  "))
    if values.get("post"):
        lines.append(f"  post: {_scalar(values['post'])}\n")
    lines.append(_fixme("delegation", values["delegation"],
                        "ISO 3166 alpha-3 code of the delegation, or an organisation id", "  "))
    date = values["date"]
    lines.append(f"  date: {q(date)}\n" if date else
                 "  date: null  # FIXME: YYYY-MM-DD (or YYYY-MM, YYYY) of the statement\n")
    lines.append(_fixme("meeting", values["meeting"],
                        "meeting id from data/reference/meetings.ttl", "  "))
    lines.append(f"  language: {_scalar(values['language'])}\n")
    for key in ("delivery", "addressed_to", "publisher", "symbol", "note"):
        if values.get(key):
            lines.append(f"  {key}: {q(str(values[key]))}\n")
    lines.append("  review: machine-drafted  # set to accepted once every claim is checked\n")
    return "".join(lines)


def _key(extraction: str) -> str:
    """The annotation format's key of the claim kind extraction drafts as ``extraction``."""
    return REGISTRY.by_extraction(extraction).key


def _figure_claims(draft: Draft, sid: str) -> list[str]:
    figs = [(i, f) for i, f in enumerate(draft.figures) if f.sentence == sid]
    if not figs:
        return []
    ids = {i: f"{sid}.f{n}" for n, (i, _) in enumerate(figs, start=1)}
    out = [f"  - kind: {_key('figure')}\n    sentence: {sid}\n    figures:\n"]
    for i, f in figs:
        out.append(f"      - id: {ids[i]}\n        text: {q(f.text)}\n"
                   f"        qualifier: {f.qualifier}\n")
        if f.value is not None:
            note = "" if isinstance(f.value, int) else \
                "  # FIXME: a stated value must be an integer; give min/max instead"
            out.append(f"        value: {_scalar(f.value)}{note}\n")
        out.append(_fixme("measure", f.measure, "measure concept (killed, wounded, missing, "
                          "displaced, ...)", "        "))
        out.append(_fixme("population", f.population, "population concept", "        "))
        if f.affiliation:
            out.append(f"        affiliation: {ref(f.affiliation)}\n")
        if f.unit:
            out.append(f"        unit: {f.unit}\n")
        else:
            out.append("        # FIXME: unit (persons, objects, settlements, percent, "
                       "square-kilometres, years)\n")
        if f.part_of is not None and f.part_of in ids:
            out.append(f"        part_of: {ids[f.part_of]}\n")
        upper = "no max" if f.maximum is None else f"max {f.maximum}"
        lower = "no min" if f.minimum is None else f"min {f.minimum}"
        out.append(f"        # bounds: {lower}, {upper} (rule {f.rule})\n")
    return ["".join(out)]


def _event_type(sentence: str) -> str | None:
    for pattern, kind in EVENT_HINTS:
        if re.search(pattern, sentence, re.I):
            return kind
    return None


def _time_block(t: TimeExpression, year_guessed: bool) -> str:
    out = f"      time:\n        text: {q(t.text)}\n"
    if t.edtf and "/" in t.edtf:
        out += (f"        earliest: {q(t.earliest.isoformat())}\n"
                f"        latest: {q(t.latest.isoformat())}\n"
                f"        # EDTF interval {t.edtf}\n")
    else:
        out += f"        edtf: {q(t.edtf or '')}\n"
        if t.refinement:
            out += f"        refinement: {t.refinement}\n"
        out += f"        # earliest {t.earliest}, latest {t.latest} (rule {t.rule})\n"
    if year_guessed:
        out += "        # FIXME: check the year: the text gives none, it is the statement's\n"
    return out


def _event_claims(draft: Draft, sid: str, start: int, end: int, about: str | None,
                  place: tuple[str, str] | None) -> list[str]:
    times = [t for t in draft.times if start <= t.start < end]
    dated = [t for t in times if t.kind == "date"]
    spans = [t for t in times if t.kind == "duration"]
    if not times:
        return []
    kind = _event_type(draft.text[start:end])
    out = f"  - kind: {_key('event')}\n    sentence: {sid}\n"
    if about:
        out += f"    about: {about}\n"
    out += "    event:\n" + _fixme("type", kind, "event-type concept", "      ")
    if kind:
        out = out.rstrip("\n") + "  # guessed from the words of the sentence: check\n"
    if dated:
        t = dated[0]
        guessed = not re.search(r"\d{4}|\d0'?s", t.text)
        out += _time_block(t, guessed)
    if spans:
        d = spans[0]
        out += f"      duration:\n        text: {q(d.text)}\n"
        if d.value is not None:
            out += f"        value: {d.value}\n"
        out += f"        unit: {d.unit}\n        qualifier: {d.qualifier}\n"
    if place:
        out += f"      place:\n        named_as: {q(place[0])}\n        place: {place[1]}\n"
    return [out]


def _cue_claims(draft: Draft, sid: str, start: int, end: int, about: str | None,
                accusations: bool = True) -> list[str]:
    out = []
    for a in (a for a in draft.attributions if start <= a.start < end):
        head = f"    sentence: {sid}\n    span: {q(a.text)}\n"
        if about:
            head += f"    about: {about}\n"
        actor = ref(a.actor)
        if a.role:
            text = f"  - kind: {_key('attribution')}\n" + head
            text += _fixme("agent", actor, "the actor the cue points to", "    ")
            if a.actor_text:
                text += f"    agent_named_as: {q(a.actor_text)}\n"
            text += f"    role: {a.role}\n    cue: {q(a.cue)}\n"
            out.append(text)
        if accusations and (a.accusation is not None or not a.role):
            text = f"  - kind: {_key('accusation')}\n" + head
            text += _fixme("accused", actor, "the actor accused", "    ")
            text += _fixme("type", a.accusation, "accusation-type concept", "    ")
            text += f"    conduct: {q(a.text)}\n"
            out.append(text)
    return out


def _local(iri: str | None) -> str | None:
    return iri.rstrip("/").rsplit("/", 1)[-1] if iri else None


def _origin(p: Proposal) -> str:
    actor = "" if p.explicit else "; actor read from the sentences before: check"
    return (f"    # machine-drafted: {p.rule} (cue {q(p.cue) if p.cue else 'none'}), "
            f"confidence {p.confidence:.2f}{actor}\n")


def _explicitness(p: Proposal, actor: str | None) -> str:
    return "" if p.explicit or actor is None else "    explicitness: implicit-context\n"


def _proposal_claims(draft: Draft, sid: str, start: int, end: int, about: str | None,
                     drafted: set[str]) -> list[str]:
    """The claim proposals of ``draft.claims`` in the sentence whose kind the figure, event
    and cue blocks have not drafted (``drafted``: kinds already drafted there)."""
    out = []
    for p in (p for p in draft.claims if p.start == start and p.kind not in drafted):
        head = f"  - kind: {_key(p.kind) if p.kind in ('accusation', 'attribution') else p.kind}\n"
        head += f"    sentence: {sid}\n" + _origin(p)
        topic = ref(p.about, "about") or about
        if topic:
            head += f"    about: {topic}\n"
        if p.kind == "accusation":
            accused = ref(p.accused)
            text = head + _explicitness(p, accused)
            text += _fixme("accused", accused, "the actor accused", "    ")
            text += _fixme("type", _local(p.category), "accusation-type concept", "    ")
            text += f"    conduct: {q(draft.text[start:end])}  # FIXME: cut to the conduct\n"
        elif p.kind == "attribution":
            agent = ref(p.agent)
            text = head + _explicitness(p, agent)
            text += _fixme("agent", agent, "the actor responsible", "    ")
            text += _fixme("role", p.role, "role concept (perpetrator, initiator, victim, "
                           "...)", "    ")
        elif p.kind == "characterisation":
            text = head + _fixme("category", _local(p.category), "legal-category concept",
                                 "    ")
            if p.cue:
                text += f"    characterised_as: {q(p.cue)}\n"
        elif p.kind == "reported-speech":
            text = head + _fixme("source", ref(p.agent), "who is reported (actor id)", "    ")
            text += f"    verb: {q(p.cue)}\n" if p.cue else ""
            text += f"    cites: {_local(p.cites)}\n" if p.cites else ""
            text += ("    content: null  # FIXME: the reported words, verbatim from the "
                     "sentence\n")
        elif p.kind in ("appeal", "self-report"):
            agent = ref(p.agent)
            text = head + (f"    agent: {agent}\n" if agent else "")
        else:
            continue
        out.append(text)
    return out


def draft_yaml(draft: Draft, statement_id: str, text_name: str, sha256: str,
               meta: dict[str, Any] | None = None) -> str:
    """The draft as a ``kg-annotations/1`` file marked ``review: machine-drafted``."""
    meta = dict(meta or {})
    parts = [
        f"# Machine-drafted annotation of {text_name} (kg extract). NOT REVIEWED.\n",
        "# Claims, never facts: every value below is a proposal for a person to check against\n",
        "# the text. Correct or delete each claim, fill every FIXME, then set\n",
        "# 'review: accepted'. kg build refuses this file while it is machine-drafted.\n",
        f"format: {FORMAT}\n\n",
        _statement(draft, statement_id, text_name, sha256, meta), "\n",
    ]
    claims: list[tuple[str, list[str]]] = []
    for s in draft.sentences:
        mentions = [m for m in draft.mentions if s.start <= m.start < s.end]
        events = sorted({m.iri for m in mentions if m.kind == "event"})
        about = ref(events[0], "about") if len(events) == 1 else None
        places = [m for m in mentions if m.kind == "place"]
        place = (places[0].text, ref(places[0].iri)) if places else None
        figures = _figure_claims(draft, s.id)
        events = _event_claims(draft, s.id, s.start, s.end, about, place)
        proposed = {p.kind for p in draft.claims if p.start == s.start}
        cues = _cue_claims(draft, s.id, s.start, s.end, about,
                           accusations="accusation" not in proposed)
        drafted = {"figure", "event"} | {k for k in ("accusation", "attribution")
                                         if any(f"kind: {_key(k)}\n" in c for c in cues)}
        found = figures + events + cues + \
            _proposal_claims(draft, s.id, s.start, s.end, about, drafted)
        if found:
            claims.append((s.id, found))
    sentence_ids = {sid for sid, _ in claims}
    parts.append("sentences:\n" if sentence_ids else "sentences: {}\n")
    for s in draft.sentences:
        if s.id in sentence_ids:
            parts.append(f"  {s.id}: {{start: {s.start}, end: {s.end}, "
                         f"text: {q(s.text(draft.text))}}}\n")
    parts.append("\nclaims:\n" if claims else "\nclaims: []\n")
    for sid, found in claims:
        parts.append(f"\n  # ---- {sid} ----\n")
        parts.extend(found)
    if draft.unresolved:
        parts.append("\n# Unresolved: sentences with a cue that drafted nothing (read them):\n")
        for u in sorted(draft.unresolved, key=lambda u: (u.start, u.end)):
            at = draft.sentence_at(u.start)
            words = " ".join(u.text.split())
            parts.append(f"#   {at.id if at else '-'} [{u.start}-{u.end}] {u.why}: "
                         f"{q(words[:100])}\n")
    return "".join(parts)
