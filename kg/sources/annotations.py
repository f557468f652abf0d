"""Curated annotations (``data/statements/<id>.yaml``) to RDF: one graph per statement.

The format is documented in ``docs/annotation-format.md``. Every error names the
file and line and says what is wrong; nothing is emitted for a file with errors.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, TIME, XSD

from kg.model import bounds, timex
from kg.model.kinds import REGISTRY, ClaimKind, Field, Registry, builds
from kg.model.namespaces import EKG, OA, SCHEMA, SEM, VOCAB, IRIs
from kg.model.triples import Triples
from kg.sources.reference import ReferenceIndex, Vocabulary
from kg.sources.yamlsource import LDict, LList, SourceError, load_yaml

FORMAT = "kg-annotations/1"

_COMMON_CLAIM_KEYS = {
    "kind", "id", "sentence", "span", "about", "explicitness", "certainty", "polarity",
    "as_of", "note",
}
_STATEMENT_KEYS = {
    "id", "text", "sha256", "source", "url", "speaker", "post", "delegation", "date",
    "meeting", "language", "delivery", "addressed_to", "publisher", "symbol", "review", "note",
    "curation",
}
_FIGURE_KEYS = {
    "id", "text", "qualifier", "value", "min", "max", "measure", "population",
    "affiliation", "unit", "part_of", "from_place", "to_place", "currency", "numerator",
    "denominator",
}
_CURATION_KEYS = {"status", "complete", "partial", "not_curated", "note"}
_CURATION_LISTS = (("complete", EKG.curatedCompletely), ("partial", EKG.curatedPartially),
                   ("not_curated", EKG.notCurated))
#: The kinds a statement "curated completely" must record in full.
CORE_KINDS = ("figure", "event", "accusation", "attribution", "characterisation")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EVENT_KEYS = {"type", "named_as", "time", "duration", "place", "means"}
_TIME_KEYS = {"text", "edtf", "refinement", "relation", "relative_to", "earliest", "latest"}
_DURATION_KEYS = {"text", "value", "unit", "qualifier"}
_PLACE_KEYS = {"named_as", "place"}
_DURATION_UNITS = {
    "year": TIME.unitYear, "month": TIME.unitMonth, "week": TIME.unitWeek,
    "day": TIME.unitDay, "hour": TIME.unitHour,
}
_RELATIONS = {"before": TIME.before, "after": TIME.after}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
_SENTENCE_ID = re.compile(r"^p\d+\.s\d+$")
_CONTEXT = 32


@dataclass
class BuiltStatement:
    """The RDF of one statement, and what identifies it."""

    statement_id: str
    graph_iri: URIRef
    triples: Triples
    source_path: Path
    figure_count: int = 0
    claim_count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib graph (made when first asked for)."""
        return self.triples.graph()


class _Reader:
    """Typed access to one YAML file's values, raising located errors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, where: LDict | LList | int | None, message: str) -> SourceError:
        line = where if isinstance(where, int) or where is None else where.line
        return SourceError(self.path, line, message)

    def mapping(self, value: Any, line: int, what: str) -> LDict:
        if not isinstance(value, LDict):
            raise self.error(line, f"{what} must be a mapping")
        value.line = line  # errors about the mapping as a whole point at the key that opens it
        return value

    def check_keys(self, d: LDict, allowed: set[str], what: str) -> None:
        for key in d:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                raise self.error(d.line_of(key), f"unknown key {key!r} in {what} (allowed: {hint})")

    def get(self, d: LDict, key: str, kind: type | tuple[type, ...], what: str,
            required: bool = False) -> Any:
        if key not in d or d[key] is None:
            if required:
                raise self.error(d, f"{what}: missing required key {key!r}")
            return None
        value = d[key]
        if kind is int and isinstance(value, bool):
            raise self.error(d.line_of(key), f"{what}: {key!r} must be an integer")
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            names = {"str": "text", "int": "an integer", "LDict": "a mapping",
                     "LList": "a list"}.get(names, names)
            raise self.error(d.line_of(key), f"{what}: {key!r} must be {names}, got {value!r}")
        if isinstance(value, LDict):
            value.line = d.line_of(key)
        if isinstance(value, str) and not value.strip():
            raise self.error(d.line_of(key), f"{what}: {key!r} is empty")
        return value

    def strings(self, d: LDict, key: str, what: str, required: bool = False) -> list[str]:
        value = self.get(d, key, (str, LList), what, required)
        if value is None:
            return []
        items = [value] if isinstance(value, str) else list(value)
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise self.error(d.line_of(key), f"{what}: {key!r} must hold text values")
        return items


def _typed_date(text: str) -> Literal:
    parts = text.split("-")
    if len(parts) == 3:
        return Literal(date.fromisoformat(text), datatype=XSD.date)
    if len(parts) == 2:
        return Literal(text, datatype=XSD.gYearMonth)
    return Literal(text, datatype=XSD.gYear)


class StatementBuilder:
    """Turns one annotation file into the statement's named graph."""

    def __init__(self, path: Path, iris: IRIs, vocab: Vocabulary, refs: ReferenceIndex,
                 kinds: Registry = REGISTRY) -> None:
        self.path = path
        self.registry = kinds
        self.iris = iris
        self.vocab = vocab
        self.refs = refs
        self.r = _Reader(path)
        self.g = Triples()  # an rdflib Graph would index each triple: most of a build's time
        self.figure_ids: dict[str, URIRef] = {}
        self.pending_parts: list[tuple[URIRef, str, int]] = []
        self.claim_ids: set[str] = set()
        self.kinds: dict[str, int] = {}
        self.figure_count = 0

    # -- entry point ---------------------------------------------------------------
    def build(self) -> BuiltStatement:
        data = load_yaml(self.path)
        root = self.r.mapping(data, 1, "the file")
        self.r.check_keys(root, {"format", "statement", "sentences", "claims"}, "the file")
        fmt = self.r.get(root, "format", str, "the file", required=True)
        if fmt != FORMAT:
            raise self.r.error(root.line_of("format"), f"format must be {FORMAT!r}, got {fmt!r}")
        st = self.r.mapping(root.get("statement"), root.line_of("statement"), "statement")
        self._statement(st)
        sentences = self.r.mapping(root.get("sentences"), root.line_of("sentences"), "sentences")
        self._sentences(sentences)
        claims = root.get("claims") or LList()
        if not isinstance(claims, LList):
            raise self.r.error(root.line_of("claims"), "claims must be a list")
        counters: dict[str, int] = {}
        for index, item in enumerate(claims):
            claim = self.r.mapping(item, claims.line_of(index), f"claim #{index + 1}")
            self._claim(claim, counters)
        for part, target, line in self.pending_parts:
            if target not in self.figure_ids:
                raise self.r.error(line, f"part_of names unknown figure id {target!r}")
            if self.figure_ids[target] == part:
                raise self.r.error(line, "a figure cannot be part of itself")
            self.g.add((part, EKG.partOf, self.figure_ids[target]))
        return BuiltStatement(
            self.statement_id, self.iris.statement_graph(self.statement_id), self.g,
            self.path, self.figure_count, sum(self.kinds.values()), dict(self.kinds),
        )

    # -- statement and source --------------------------------------------------------
    def _statement(self, st: LDict) -> None:
        r, g = self.r, self.g
        r.check_keys(st, _STATEMENT_KEYS, "statement")
        sid = r.get(st, "id", str, "statement", required=True)
        if sid != self.path.stem:
            raise r.error(st.line_of("id"), f"statement id {sid!r} must equal the file name "
                                            f"{self.path.stem!r}")
        if not _ID.match(sid):
            raise r.error(st.line_of("id"), f"statement id {sid!r} is not a valid identifier")
        self.statement_id = sid
        review = r.get(st, "review", str, "statement") or "accepted"
        if review == "machine-drafted":
            raise r.error(st.line_of("review"), "this file is a machine draft: review it and set "
                                                "'review: accepted' before it can be built")
        self.review = self._concept("rev", review, st.line_of("review"), "review status")
        text_name = r.get(st, "text", str, "statement", required=True)
        text_path = (self.path.parent / text_name).resolve()
        if text_path.parent != self.path.parent.resolve() or not text_path.is_file():
            raise r.error(st.line_of("text"), f"source text {text_name!r} not found next to "
                                              "the annotation file")
        raw = text_path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        expected = r.get(st, "sha256", str, "statement", required=True)
        if digest != expected.lower():
            raise r.error(st.line_of("sha256"), f"{text_name} has sha256 {digest}, the annotation "
                                                f"expects {expected}: the text changed")
        try:
            self.text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise r.error(st.line_of("text"), f"{text_name} is not UTF-8 text") from exc

        self.stmt = self.iris.mint("stmt", sid)
        self.doc = self.iris.mint("doc", digest[:16])
        g.add((self.doc, RDF.type, EKG.SourceDocument))
        g.add((self.doc, EKG.sha256, Literal(digest)))
        g.add((self.doc, EKG.charCount, Literal(len(self.text))))
        g.add((self.doc, EKG.fileName, Literal(text_name)))
        g.add((self.doc, DCTERMS.format, Literal("text/plain; charset=utf-8")))
        g.add((self.doc, SCHEMA.text, Literal(self.text)))
        g.add((self.doc, RDFS.label, Literal(f"Source text of {sid}", lang="en")))
        source = r.get(st, "source", str, "statement", required=True)
        g.add((self.doc, DCTERMS.source, Literal(source)))
        if (url := r.get(st, "url", str, "statement")) is not None:
            g.add((self.doc, SCHEMA.url, URIRef(url)))
        if (publisher := r.get(st, "publisher", str, "statement")) is not None:
            g.add((self.doc, DCTERMS.publisher,
                   self._actor(publisher, st.line_of("publisher"), "publisher")))

        s = self.stmt
        g.add((s, RDF.type, EKG.Statement))
        g.add((s, DCTERMS.identifier, Literal(sid)))
        g.add((s, PROV.wasDerivedFrom, self.doc))
        g.add((s, EKG.reviewStatus, self.review))
        g.add((s, DCTERMS.source, Literal(source)))
        self.speaker = self._ref("person", r.get(st, "speaker", str, "statement", required=True),
                                 st.line_of("speaker"), "speaker")
        g.add((s, EKG.speaker, self.speaker))
        if (post := r.get(st, "post", str, "statement")) is not None:
            g.add((s, EKG.inCapacityOf, self._ref("post", post, st.line_of("post"), "post")))
        self.delegation = self._actor(
            r.get(st, "delegation", str, "statement", required=True),
            st.line_of("delegation"), "delegation")
        g.add((s, EKG.delegation, self.delegation))
        when = r.get(st, "date", str, "statement", required=True)
        if not _DATE.match(when):
            raise r.error(st.line_of("date"), f"date must be YYYY-MM-DD, YYYY-MM or YYYY: {when!r}")
        g.add((s, EKG.year, Literal(int(when[:4]))))
        try:
            g.add((s, DCTERMS.date, _typed_date(when)))
        except ValueError as exc:
            raise r.error(st.line_of("date"), f"not a calendar date: {when!r}") from exc
        meeting = r.get(st, "meeting", str, "statement", required=True)
        g.add((s, EKG.atMeeting, self._ref("mtg", meeting, st.line_of("meeting"), "meeting")))
        g.add((s, DCTERMS.language, Literal(r.get(st, "language", str, "statement") or "en")))
        for key, prefix, prop in (("delivery", "dlv", EKG.deliveryMode),
                                  ("addressed_to", "addr", EKG.addressedTo)):
            if (value := r.get(st, key, str, "statement")) is not None:
                g.add((s, prop, self._concept(prefix, value, st.line_of(key), key)))
        if (symbol := r.get(st, "symbol", str, "statement")) is not None:
            g.add((s, EKG.documentSymbol, Literal(symbol)))
        if (note := r.get(st, "note", str, "statement")) is not None:
            g.add((s, SKOS.note, Literal(note, lang="en")))
        if (curation := r.get(st, "curation", LDict, "statement")) is not None:
            self._curation(curation)
        speaker_name = self.refs.label(self.speaker)
        delegation_name = self.refs.label(self.delegation)
        g.add((s, RDFS.label, Literal(f"Statement by {speaker_name} ({delegation_name}), {when}",
                                      lang="en")))

    def _curation(self, cur: LDict) -> None:
        """What of the statement is recorded: a status and the claim kinds by how completely."""
        r, g, s = self.r, self.g, self.stmt
        what = "statement: curation"
        r.check_keys(cur, _CURATION_KEYS, "curation")
        status = r.get(cur, "status", str, what, required=True)
        g.add((s, EKG.curationStatus, self._concept("cur", status, cur.line_of("status"),
                                                    "curation status")))
        listed: dict[str, str] = {}
        for key, prop in _CURATION_LISTS:
            for name in r.strings(cur, key, what):
                kind = self.registry.get(name)
                if kind is None:
                    raise r.error(cur.line_of(key), f"{what}: unknown claim kind {name!r} in "
                                  f"{key} (known: {', '.join(sorted(self.registry.keys()))})")
                if name in listed:
                    raise r.error(cur.line_of(key), f"{what}: claim kind {name!r} is listed "
                                                    f"under both {listed[name]} and {key}")
                listed[name] = key
                g.add((s, prop, kind.cls))
        by_status = {
            "complete": [k for k in CORE_KINDS if listed.get(k) != "complete"],
            "figures-and-events": [k for k in ("figure", "event") if listed.get(k) != "complete"],
        }
        if status in by_status and by_status[status]:
            raise r.error(cur.line_of("status"), f"{what}: status {status!r} needs "
                          f"{', '.join(by_status[status])} listed under complete")
        partial = [k for k, v in listed.items() if v == "partial"]
        if status == "complete" and (partial := [k for k in partial if k in CORE_KINDS]):
            raise r.error(cur.line_of("status"), f"{what}: status 'complete' but "
                                                 f"{', '.join(partial)} listed as partial")
        if status == "partial" and not any(v == "partial" for v in listed.values()):
            raise r.error(cur.line_of("status"), f"{what}: status 'partial' needs the kinds "
                                                 "curated partially listed under partial")
        note = r.get(cur, "note", str, what, required=status == "partial")
        if note is not None:
            g.add((s, EKG.curationNote, Literal(note, lang="en")))

    # -- sentences ---------------------------------------------------------------------
    def _sentences(self, sentences: LDict) -> None:
        self.segments: dict[str, tuple[URIRef, int, int]] = {}
        for sid, value in sentences.items():
            line = sentences.line_of(sid)
            if not _SENTENCE_ID.match(sid):
                raise self.r.error(line, f"sentence id {sid!r} must look like p11.s1")
            entry = self.r.mapping(value, line, f"sentence {sid}")
            self.r.check_keys(entry, {"start", "end", "text"}, f"sentence {sid}")
            start = self.r.get(entry, "start", int, f"sentence {sid}", required=True)
            end = self.r.get(entry, "end", int, f"sentence {sid}", required=True)
            quote = self.r.get(entry, "text", str, f"sentence {sid}", required=True)
            if not 0 <= start < end <= len(self.text):
                raise self.r.error(line, f"sentence {sid}: offsets {start}-{end} are outside the "
                                         f"text (0-{len(self.text)})")
            actual = self.text[start:end]
            if actual != quote:
                raise self.r.error(line, f"sentence {sid}: the quote is not found verbatim at "
                                         f"{start}-{end}; the text there reads {actual[:60]!r}")
            self.segments[sid] = (self._segment(sid, start, end), start, end)

    def _segment(self, sid: str, start: int, end: int) -> URIRef:
        g = self.g
        seg = self.iris.mint("seg", f"{self.statement_id}.{sid}")
        para, sent = (int(x[1:]) for x in sid.split("."))
        g.add((seg, RDF.type, EKG.Segment))
        g.add((seg, EKG.segmentId, Literal(sid)))
        g.add((seg, EKG.paragraph, Literal(para)))
        g.add((seg, EKG.sentenceIndex, Literal(sent)))
        g.add((seg, OA.hasSource, self.doc))
        g.add((seg, RDFS.label, Literal(f"Sentence {sid} of {self.statement_id}", lang="en")))
        position = URIRef(f"{seg}.position")
        quote = URIRef(f"{seg}.quote")
        g.add((seg, OA.hasSelector, position))
        g.add((seg, OA.hasSelector, quote))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(start)))
        g.add((position, OA.end, Literal(end)))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal(self.text[start:end])))
        g.add((quote, OA.prefix, Literal(self.text[max(0, start - _CONTEXT):start])))
        g.add((quote, OA.suffix, Literal(self.text[end:end + _CONTEXT])))
        return seg

    def _span(self, owner: URIRef, words: str, sid: str, line: int, what: str) -> None:
        """Locate ``words`` in sentence ``sid`` and attach a position selector to ``owner``."""
        _, start, end = self.segments[sid]
        at = self.text.find(words, start, end)
        if at < 0:
            raise self.r.error(line, f"{what} {words!r} is not found verbatim in sentence {sid}")
        span = URIRef(f"{owner}.span")
        self.g.add((owner, EKG.anchorSpan, span))
        self.g.add((span, RDF.type, OA.TextPositionSelector))
        self.g.add((span, OA.start, Literal(at)))
        self.g.add((span, OA.end, Literal(at + len(words))))
        self.g.add((span, OA.exact, Literal(words)))

    # -- claims --------------------------------------------------------------------------
    def _claim(self, c: LDict, counters: dict[str, int]) -> None:
        r, g = self.r, self.g
        kind = r.get(c, "kind", str, "claim", required=True)
        spec = self.registry.get(kind)
        if spec is None:
            raise r.error(c.line_of("kind"), f"unknown claim kind {kind!r} (known: "
                                             f"{', '.join(sorted(self.registry.keys()))})")
        r.check_keys(c, _COMMON_CLAIM_KEYS | spec.keys, f"{kind} claim")
        sids = r.strings(c, "sentence", f"{kind} claim", required=True)
        if not sids:
            raise r.error(c.line_of("sentence"), f"{spec.phrase} claim needs at least one "
                                                 "sentence")
        for sid in sids:
            if sid not in self.segments:
                raise r.error(c.line_of("sentence"), f"sentence {sid!r} is not listed under "
                                                     "'sentences'")
        first = sids[0]
        key = f"{first}.{kind}"
        counters[key] = counters.get(key, 0) + 1
        cid = r.get(c, "id", str, f"{kind} claim") or f"{key}{counters[key]}"
        if not _ID.match(cid):
            raise r.error(c.line_of("id"), f"claim id {cid!r} is not a valid identifier")
        if cid in self.claim_ids:
            raise r.error(c.line_of("id"), f"duplicate claim id {cid!r}")
        self.claim_ids.add(cid)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        what = f"claim {cid}"
        claim = self.iris.mint("clm", f"{self.statement_id}.{cid}")
        g.add((claim, RDF.type, spec.cls))
        g.add((claim, RDF.type, EKG.Claim))  # materialised: queries need no inference
        g.add((claim, RDFS.label, Literal(f"{kind.replace('-', ' ')} claim {cid} "
                                          f"({self.statement_id})", lang="en")))
        g.add((claim, EKG.statedIn, self.stmt))
        g.add((claim, SCHEMA.author, self.speaker))
        g.add((claim, EKG.onBehalfOf, self.delegation))
        g.add((claim, EKG.reviewStatus, self.review))
        for sid in sids:
            g.add((claim, EKG.anchor, self.segments[sid][0]))
        if (span := r.get(c, "span", str, what)) is not None:
            self._span(claim, span, first, c.line_of("span"), f"{what}: span")
        for about in r.strings(c, "about", what):
            g.add((claim, EKG.about, self._about(about, c.line_of("about"))))
        explicitness = r.get(c, "explicitness", str, what) or "explicit"
        g.add((claim, EKG.explicitness,
               self._concept("expl", explicitness, c.line_of("explicitness"), "explicitness")))
        for key_name, prefix, prop in (("certainty", "cert", EKG.certainty),
                                       ("polarity", "pol", EKG.polarity)):
            if (value := r.get(c, key_name, str, what)) is not None:
                g.add((claim, prop, self._concept(prefix, value, c.line_of(key_name), key_name)))
        if (as_of := r.get(c, "as_of", str, what)) is not None:
            try:
                g.add((claim, EKG.asOf, Literal(date.fromisoformat(as_of), datatype=XSD.date)))
            except ValueError as exc:
                raise r.error(c.line_of("as_of"), f"{what}: as_of must be YYYY-MM-DD") from exc
        if (note := r.get(c, "note", str, what)) is not None:
            g.add((claim, SKOS.scopeNote, Literal(note, lang="en")))
        self._fields(spec, claim, c, what)
        if spec.builder:
            builder = self.registry.builder(kind)
            if builder is None:
                raise LookupError(f"no builder function is registered for claim kind {kind!r}")
            builder(self, claim, c, first, what)

    def _fields(self, spec: ClaimKind, claim: URIRef, c: LDict, what: str) -> None:
        """The kind's declared fields (``kg.model.kinds``), each as one property of the claim."""
        for f in spec.fields:
            value = self.r.get(c, f.key, str, what, required=f.required)
            if value is not None:
                self.g.add((claim, f.prop, self._field_value(f, value, c.line_of(f.key))))

    def _field_value(self, f: Field, value: str, line: int) -> URIRef | Literal:
        if f.value == "actor":
            return self._actor(value, line, f.words)
        if f.value == "concept" and f.scheme is not None:
            return self._concept(f.scheme, value, line, f.words)
        if f.value == "document":
            return self._ref("doc", value, line, f.words)
        return Literal(value)

    @builds("figure")
    def _kind_figure(self, claim: URIRef, c: LDict, sid: str, what: str) -> None:
        figures = self.r.get(c, "figures", LList, what, required=True)
        if not figures:
            raise self.r.error(c.line_of("figures"), f"{what}: figures must not be empty")
        for index, item in enumerate(figures):
            fd = self.r.mapping(item, figures.line_of(index), f"{what}: figure #{index + 1}")
            self._figure(claim, fd, sid, index + 1, what)

    def _figure(self, claim: URIRef, f: LDict, sid: str, n: int, what: str) -> None:
        r, g = self.r, self.g
        r.check_keys(f, _FIGURE_KEYS, "figure")
        fid = r.get(f, "id", str, "figure")
        if fid is not None and (not _ID.match(fid) or fid in self.figure_ids):
            raise r.error(f.line_of("id"), f"figure id {fid!r} is invalid or not unique")
        local = f"{str(claim).rsplit('/', 1)[-1]}.f{n}"
        fig = self.iris.mint("fig", local)
        if fid is not None:
            self.figure_ids[fid] = fig
        fwhat = f"{what}: figure {fid or n}"
        g.add((claim, EKG.figure, fig))
        g.add((fig, RDF.type, EKG.Figure))
        stated = r.get(f, "text", str, fwhat, required=True)
        g.add((fig, EKG.statedText, Literal(stated)))
        g.add((fig, RDFS.label, Literal(stated, lang="en")))
        self._span(fig, stated, sid, f.line_of("text"), f"{fwhat}: text")
        qualifier = r.get(f, "qualifier", str, fwhat, required=True)
        g.add((fig, EKG.approximation, self._concept("apx", qualifier, f.line_of("qualifier"),
                                                     "qualifier")))
        value = r.get(f, "value", int, fwhat)
        if value is not None:
            g.add((fig, SCHEMA.value, Literal(value)))
        ratio = r.get(f, "unit", str, fwhat) == "ratio"
        try:
            # a ratio's qualifier is read against its numerator ("about one in seven"), and
            # it has no bounds: they would read as a count of people in every figure query
            interpreted = bounds.interpret(
                qualifier, r.get(f, "numerator", int, fwhat) if ratio and value is None
                else value)
        except bounds.BoundsError as exc:
            raise r.error(f.line_of("qualifier"), f"{fwhat}: {exc}") from exc
        lo, hi, rule = interpreted.minimum, interpreted.maximum, interpreted.rule
        if ratio:
            lo = hi = None
        given_lo, given_hi = r.get(f, "min", int, fwhat), r.get(f, "max", int, fwhat)
        if given_lo is not None or given_hi is not None:
            lo = given_lo if given_lo is not None else lo
            hi = given_hi if given_hi is not None else hi
            rule = "curated"
        if lo is not None and hi is not None and lo > hi:
            raise r.error(f.line_of("min") if given_lo is not None else f.line,
                          f"{fwhat}: min {lo} is greater than max {hi}")
        if lo is not None:
            g.add((fig, SCHEMA.minValue, Literal(lo)))
        if hi is not None:
            g.add((fig, SCHEMA.maxValue, Literal(hi)))
        g.add((fig, EKG.boundsRule, self._concept("rule", rule, f.line_of("qualifier"), "rule")))
        measure = r.get(f, "measure", str, fwhat, required=True)
        g.add((fig, EKG.measure, self._concept("meas", measure, f.line_of("measure"), "measure")))
        population = r.get(f, "population", str, fwhat, required=True)
        g.add((fig, EKG.population, self._concept("pop", population, f.line_of("population"),
                                                  "population")))
        if (affiliation := r.get(f, "affiliation", str, fwhat)) is not None:
            g.add((fig, EKG.populationAffiliation,
                   self._actor(affiliation, f.line_of("affiliation"), "affiliation")))
        unit_name = r.get(f, "unit", str, fwhat) or "persons"
        unit = self._concept("unit", unit_name, f.line_of("unit"), "unit")
        g.add((fig, EKG.unit, unit))
        g.add((fig, SCHEMA.unitText, Literal(unit_name)))
        self._figure_unit(fig, f, unit_name, value, fwhat)
        for key, prop in (("from_place", EKG.fromPlace), ("to_place", EKG.toPlace)):
            if (where := r.get(f, key, str, fwhat)) is not None:
                g.add((fig, prop, self._place(where, f.line_of(key), f"{fwhat}: {key}")))
        if (target := r.get(f, "part_of", str, fwhat)) is not None:
            self.pending_parts.append((fig, target, f.line_of("part_of")))
        self.figure_count += 1

    def _figure_unit(self, fig: URIRef, f: LDict, unit: str, value: int | None,
                     fwhat: str) -> None:
        """The parts of a figure its unit asks for: a currency for money, n and m for a ratio."""
        r, g = self.r, self.g
        currency = r.get(f, "currency", str, fwhat)
        if (unit == "money") != (currency is not None):
            raise r.error(f.line_of("currency") if currency else f.line_of("unit"),
                          f"{fwhat}: a currency (ISO 4217 code) is given with unit money, and "
                          "only with it")
        if currency is not None:
            if not _CURRENCY.match(currency):
                raise r.error(f.line_of("currency"), f"{fwhat}: currency must be an ISO 4217 "
                                                     f"code such as USD, got {currency!r}")
            g.add((fig, EKG.currency, Literal(currency)))
        n, m = r.get(f, "numerator", int, fwhat), r.get(f, "denominator", int, fwhat)
        if unit == "ratio":
            if n is None or m is None:
                raise r.error(f.line_of("unit"), f"{fwhat}: a ratio needs numerator and "
                                                 "denominator ('one out of every seven': 1, 7)")
            if not 0 <= n <= m or m == 0:
                raise r.error(f.line_of("denominator"), f"{fwhat}: a ratio's numerator {n} "
                                                        f"must be at most its denominator {m} "
                                                        "and the denominator above 0")
            if value is not None:
                raise r.error(f.line_of("value"), f"{fwhat}: a ratio has no value, only "
                                                  "numerator and denominator")
            g.add((fig, EKG.numerator, Literal(n)))
            g.add((fig, EKG.denominator, Literal(m)))
        elif n is not None or m is not None:
            raise r.error(f.line_of("numerator" if n is not None else "denominator"),
                          f"{fwhat}: numerator and denominator are given with unit ratio only")

    def _place(self, value: str, line: int, what: str) -> URIRef:
        """A place or a state of the reference data (``ARM``, ``nagorno-karabakh``)."""
        kind, local = self._split(value, "pl")
        if kind not in ("pl", "st"):
            raise self.r.error(line, f"{what}: {value!r} is not a place or a state")
        return self._ref(kind, local, line, what)

    @builds("event")
    def _kind_event(self, claim: URIRef, c: LDict, sid: str, what: str) -> None:
        r, g = self.r, self.g
        e = r.get(c, "event", LDict, what, required=True)
        r.check_keys(e, _EVENT_KEYS, "event")
        desc = URIRef(f"{claim}.event")
        g.add((claim, EKG.describes, desc))
        g.add((desc, RDF.type, EKG.EventDescription))
        etype = r.get(e, "type", str, f"{what}: event", required=True)
        g.add((desc, EKG.eventType, self._concept("evt", etype, e.line_of("type"), "event type")))
        if (named := r.get(e, "named_as", str, f"{what}: event")) is not None:
            g.add((desc, EKG.namedAs, Literal(named)))
            g.add((desc, RDFS.label, Literal(named, lang="en")))
        for about in g.objects(claim, EKG.about):
            if about in self.refs.events:
                g.add((desc, EKG.partOfEvent, about))
        if (t := r.get(e, "time", LDict, f"{what}: event")) is not None:
            g.add((desc, EKG.time, self._time(URIRef(f"{claim}.time"), t, sid, what)))
        if (d := r.get(e, "duration", LDict, f"{what}: event")) is not None:
            g.add((desc, EKG.duration, self._duration(URIRef(f"{claim}.duration"), d, sid, what)))
        if (p := r.get(e, "place", LDict, f"{what}: event")) is not None:
            r.check_keys(p, _PLACE_KEYS, "place")
            place = URIRef(f"{claim}.place")
            g.add((desc, EKG.placeDescription, place))
            g.add((place, RDF.type, EKG.PlaceDescription))
            named = r.get(p, "named_as", str, f"{what}: place", required=True)
            g.add((place, EKG.namedAs, Literal(named)))
            g.add((place, RDFS.label, Literal(named, lang="en")))
            if (linked := r.get(p, "place", str, f"{what}: place")) is not None:
                g.add((place, EKG.linkedPlace, self._about(linked, p.line_of("place"),
                                                           default_kind="pl")))
        for means in r.strings(e, "means", f"{what}: event"):
            g.add((desc, EKG.means, Literal(means)))

    def _stated(self, node: URIRef, d: LDict, cls: URIRef, sid: str, what: str) -> None:
        """Type a time expression or duration and record its stated words and their span."""
        stated = self.r.get(d, "text", str, what, required=True)
        self.g.add((node, RDF.type, cls))
        self.g.add((node, EKG.statedText, Literal(stated)))
        self.g.add((node, RDFS.label, Literal(stated, lang="en")))
        self._span(node, stated, sid, d.line_of("text"), f"{what}: text")

    def _time(self, node: URIRef, t: LDict, sid: str, what: str) -> URIRef:
        r, g = self.r, self.g
        r.check_keys(t, _TIME_KEYS, "time")
        twhat = f"{what}: time"
        self._stated(node, t, EKG.TimeExpression, sid, twhat)
        refinement = r.get(t, "refinement", str, twhat)
        if refinement is not None:
            g.add((node, EKG.refinement,
                   self._concept("ref", refinement, t.line_of("refinement"), "refinement")))
        interval = None
        if (edtf := r.get(t, "edtf", str, twhat)) is not None:
            g.add((node, EKG.edtf, Literal(edtf)))
            try:
                interval = timex.interpret_edtf(edtf, refinement)
            except timex.TimeError as exc:
                raise r.error(t.line_of("edtf"), f"{twhat}: {exc}") from exc
        elif refinement is not None:
            raise r.error(t.line_of("refinement"), f"{twhat}: a refinement needs an edtf value")
        earliest, latest = r.get(t, "earliest", str, twhat), r.get(t, "latest", str, twhat)
        rule = interval.rule if interval else None
        lo, hi = (interval.earliest, interval.latest) if interval else (None, None)
        try:
            if earliest is not None:
                lo, rule = date.fromisoformat(earliest), "curated"
            if latest is not None:
                hi, rule = date.fromisoformat(latest), "curated"
        except ValueError as exc:
            raise r.error(t.line, f"{twhat}: earliest/latest must be YYYY-MM-DD") from exc
        if lo is not None and hi is not None and lo > hi:
            raise r.error(t.line, f"{twhat}: earliest {lo} is after latest {hi}")
        if lo is not None:
            g.add((node, SEM.hasEarliestBeginTimeStamp, Literal(lo, datatype=XSD.date)))
        if hi is not None:
            g.add((node, SEM.hasLatestEndTimeStamp, Literal(hi, datatype=XSD.date)))
        if rule is not None:
            g.add((node, EKG.boundsRule, self._concept("rule", rule, t.line, "rule")))
        relation = r.get(t, "relation", str, twhat)
        relative_to = r.get(t, "relative_to", str, twhat)
        if (relation is None) != (relative_to is None):
            raise r.error(t.line, f"{twhat}: relation and relative_to go together")
        if relation is not None:
            if relation not in _RELATIONS:
                raise r.error(t.line_of("relation"), f"{twhat}: relation must be before or after")
            g.add((node, EKG.temporalRelation, _RELATIONS[relation]))
            g.add((node, EKG.relativeTo, self._about(relative_to, t.line_of("relative_to"))))
        if interval is None and relation is None and earliest is None and latest is None:
            raise r.error(t.line, f"{twhat}: give an edtf value, bounds or a relation")
        return node

    def _duration(self, node: URIRef, d: LDict, sid: str, what: str) -> URIRef:
        r, g = self.r, self.g
        r.check_keys(d, _DURATION_KEYS, "duration")
        dwhat = f"{what}: duration"
        self._stated(node, d, EKG.Duration, sid, dwhat)
        unit = r.get(d, "unit", str, dwhat, required=True)
        if unit not in _DURATION_UNITS:
            raise r.error(d.line_of("unit"), f"{dwhat}: unit must be one of "
                                             f"{', '.join(_DURATION_UNITS)}")
        g.add((node, TIME.unitType, _DURATION_UNITS[unit]))
        if (value := r.get(d, "value", int, dwhat)) is not None:
            # canonical xsd:decimal form ("30.0"), so every serialisation round-trips
            g.add((node, TIME.numericDuration, Literal(f"{value}.0", datatype=XSD.decimal)))
        qualifier = r.get(d, "qualifier", str, dwhat) or "exact"
        g.add((node, EKG.approximation, self._concept("apx", qualifier, d.line_of("qualifier"),
                                                      "qualifier")))
        return node

    @builds("reported-speech")
    def _kind_reported_speech(self, claim: URIRef, c: LDict, sid: str, what: str) -> None:
        """The reported content, which must be found verbatim in the claim's sentence."""
        r, g = self.r, self.g
        content = r.get(c, "content", str, what, required=True)
        _, start, end = self.segments[sid]
        if content not in self.text[start:end]:
            raise r.error(c.line_of("content"), f"{what}: content is not found verbatim in "
                                                f"sentence {sid}")
        g.add((claim, EKG.reportedContent, Literal(content)))

    # -- names ---------------------------------------------------------------------------
    def _concept(self, prefix: str, name: str, line: int, what: str) -> URIRef:
        iri = VOCAB[prefix][name]
        if iri not in self.vocab.concepts(prefix):
            known = ", ".join(sorted(str(c).rsplit("/", 1)[-1]
                                     for c in self.vocab.concepts(prefix)))
            raise self.r.error(line, f"unknown {what} {name!r} (known: {known})")
        return iri

    def _ref(self, kind: str, local: str, line: int, what: str) -> URIRef:
        try:
            iri = self.iris.mint(kind, local)
        except ValueError as exc:
            raise self.r.error(line, f"{what}: {exc}") from exc
        if iri not in self.refs.nodes:
            raise self.r.error(line, f"unknown {what} {local!r}: no such node in data/reference "
                                     f"({iri})")
        return iri

    _PREFIXED = {"event": "ev", "place": "pl", "agent": "ag", "person": "person", "state": "st",
                 "doc": "doc", "meeting": "mtg"}

    def _about(self, value: str, line: int, default_kind: str = "ev") -> URIRef:
        kind, local = self._split(value, default_kind)
        return self._ref(kind, local, line, "reference")

    def _actor(self, value: str, line: int, what: str) -> URIRef:
        kind, local = self._split(value, "ag")
        return self._ref(kind, local, line, what)

    def _split(self, value: str, default_kind: str) -> tuple[str, str]:
        if ":" in value:
            prefix, local = value.split(":", 1)
            if prefix in self._PREFIXED:
                return self._PREFIXED[prefix], local
        if re.fullmatch(r"[A-Z]{3}", value):
            return "st", value
        return default_kind, value


def build_statement(path: Path, iris: IRIs, vocab: Vocabulary, refs: ReferenceIndex,
                    kinds: Registry = REGISTRY) -> BuiltStatement:
    """Build one statement's graph from its annotation file (raises SourceError)."""
    return StatementBuilder(path, iris, vocab, refs, kinds).build()


def annotation_files(statements_dir: Path) -> Iterable[Path]:
    """The curated annotation files, in a stable order."""
    return sorted(statements_dir.glob("*.yaml"))
