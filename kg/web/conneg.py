"""Content negotiation: media types, q-values, format parameters, one place for all of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

# Query forms.
SOLUTIONS = "solutions"  # SELECT
BOOLEAN = "boolean"  # ASK
GRAPH = "graph"  # CONSTRUCT, DESCRIBE


@dataclass(frozen=True)
class Format:
    """One response format: its registered media type and short name."""

    name: str
    media_type: str
    extension: str
    kinds: frozenset[str]

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("json", "xml", "turtle", "n-triples", "n-quads", "trig"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


_RESULTS = frozenset({SOLUTIONS, BOOLEAN})
_GRAPHS = frozenset({GRAPH})

FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", _RESULTS),
    Format("xml", "application/sparql-results+xml", "srx", _RESULTS),
    # ASK in CSV and TSV as Apache Jena writes it: one column named _askResult.
    Format("csv", "text/csv", "csv", _RESULTS),
    Format("tsv", "text/tab-separated-values", "tsv", _RESULTS),
    Format("turtle", "text/turtle", "ttl", _GRAPHS),
    Format("ntriples", "application/n-triples", "nt", _GRAPHS),
    Format("jsonld", "application/ld+json", "jsonld", _GRAPHS),
    Format("rdfxml", "application/rdf+xml", "rdf", _GRAPHS),
    Format("nquads", "application/n-quads", "nq", _GRAPHS),
    Format("trig", "application/trig", "trig", _GRAPHS),
    Format("html", "text/html", "html", frozenset({SOLUTIONS, BOOLEAN, GRAPH})),
)
BY_NAME = {f.name: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}

#: Other media types clients send, mapped to ours per query form.
ALIASES: dict[str, dict[str, str]] = {
    "application/json": {SOLUTIONS: "json", BOOLEAN: "json", GRAPH: "jsonld"},
    "application/xml": {SOLUTIONS: "xml", BOOLEAN: "xml", GRAPH: "rdfxml"},
    "text/xml": {SOLUTIONS: "xml", BOOLEAN: "xml", GRAPH: "rdfxml"},
    "application/x-turtle": {GRAPH: "turtle"},
    "text/n3": {GRAPH: "turtle"},
    "text/plain": {GRAPH: "ntriples"},
    "application/xhtml+xml": {SOLUTIONS: "html", BOOLEAN: "html", GRAPH: "html"},
}

#: Values of the format/output/results parameters (Fuseki, SPARQLWrapper, Virtuoso style).
PARAM_NAMES: dict[str, dict[str, str]] = {
    "json": {SOLUTIONS: "json", BOOLEAN: "json", GRAPH: "jsonld"},
    "xml": {SOLUTIONS: "xml", BOOLEAN: "xml", GRAPH: "rdfxml"},
    "csv": {SOLUTIONS: "csv", BOOLEAN: "csv"},
    "tsv": {SOLUTIONS: "tsv", BOOLEAN: "tsv"},
    "turtle": {GRAPH: "turtle"}, "ttl": {GRAPH: "turtle"}, "n3": {GRAPH: "turtle"},
    "nt": {GRAPH: "ntriples"}, "ntriples": {GRAPH: "ntriples"}, "n-triples": {GRAPH: "ntriples"},
    "jsonld": {GRAPH: "jsonld"}, "json-ld": {GRAPH: "jsonld"},
    "rdf": {GRAPH: "rdfxml"}, "rdfxml": {GRAPH: "rdfxml"}, "rdf+xml": {GRAPH: "rdfxml"},
    "nq": {GRAPH: "nquads"}, "nquads": {GRAPH: "nquads"}, "trig": {GRAPH: "trig"},
    "html": {SOLUTIONS: "html", BOOLEAN: "html", GRAPH: "html"},
}

DEFAULTS = {SOLUTIONS: "json", BOOLEAN: "json", GRAPH: "turtle"}

OX_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
              "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
OX_RDF = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
          "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
          "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


class NotAcceptable(Exception):
    """No offered format matches the request; the message lists what is offered. Answered
    app-wide as 406 with ``Vary: Accept`` (see :mod:`kg.web.errors`)."""


def accept_header() -> str | None:
    """The request's Accept header (None outside a request or when absent)."""
    from flask import has_request_context, request

    return request.headers.get("Accept") if has_request_context() else None


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """``[(media range, q, position)]`` sorted by preference: q, then specificity (fewer
    wildcards first), then the client's order. Parsed by werkzeug (RFC 9110: an item with an
    invalid q is ignored); media type parameters other than q are dropped, names lowercased."""
    if not header or not header.strip():
        return []
    parsed = parse_accept_header(header, MIMEAccept)
    ranges = []
    for position, (item, q) in enumerate(parsed):
        media = item.split(";", 1)[0].strip().lower()
        if "/" in media:
            ranges.append((media, float(q), position))
    # werkzeug ranks specificity above q; a higher q wins here, as it always has.
    return sorted(ranges, key=lambda r: (-r[1], r[0].count("*"), r[2]))


def offered(kind: str) -> list[Format]:
    return [f for f in FORMATS if kind in f.kinds]


def _format_for_media(media: str, kind: str) -> Format | None:
    if media in BY_MEDIA_TYPE and kind in BY_MEDIA_TYPE[media].kinds:
        return BY_MEDIA_TYPE[media]
    name = ALIASES.get(media, {}).get(kind)
    return BY_NAME[name] if name else None


def choose(kind: str, accept: str | None, override: str | None = None,
           html: bool = True) -> Format:
    """The response format for a query form, from a format parameter or the Accept header.

    ``override`` is a format parameter value (``json``, ``turtle``, a media type…) and wins.
    With no Accept, or ``*/*``, the default for the form is used. Raises NotAcceptable.
    """
    choices = [f for f in offered(kind) if html or f.name != "html"]
    if override:
        value = override.strip().lower()
        name = PARAM_NAMES.get(value, {}).get(kind)
        fmt = BY_NAME.get(name) if name else _format_for_media(value, kind)
        if fmt is None or fmt not in choices:
            raise NotAcceptable(f"format {override!r} is not available for this query form; "
                                f"use one of: {', '.join(f.name for f in choices)}")
        return fmt
    ranges = parse_accept(accept)
    if not ranges:
        return BY_NAME[DEFAULTS[kind]]
    excluded = {media for media, q, _ in ranges if q == 0}
    for media, q, _ in ranges:
        if q == 0:
            continue
        if media in ("*/*", "*"):
            default = BY_NAME[DEFAULTS[kind]]
            if default.media_type not in excluded:
                return default
            rest = [f for f in choices if f.media_type not in excluded]
            if rest:
                return rest[0]
            continue
        if media.endswith("/*"):
            family = media[:-1]
            matches = [f for f in choices
                       if f.media_type.startswith(family) and f.media_type not in excluded]
            default = BY_NAME[DEFAULTS[kind]]
            if default in matches:
                return default
            if matches:
                return matches[0]
            continue
        fmt = _format_for_media(media, kind)
        if fmt is not None and fmt in choices:
            return fmt
    raise NotAcceptable("none of the requested media types is available for this query form; "
                        f"offered: {', '.join(f.media_type for f in choices)}")


def prefers_html(accept: str | None) -> bool:
    """True when a browser asks: text/html ranks above every SPARQL and RDF type offered."""
    for media, q, _ in parse_accept(accept):
        if q == 0:
            continue
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media in BY_MEDIA_TYPE or media in ALIASES or media in ("*/*", "*"):
            return False
    return False


def wants_html(accept: str | None) -> bool:
    """A page rather than data: no Accept at all (a link followed by hand), or a browser's."""
    return not (accept or "").strip() or prefers_html(accept)


def wants_page(override: str | None, accept: str | None) -> bool:
    """An HTML page for a query's results: asked by ``format=html``, or, without a format
    parameter, by a browser's Accept."""
    if override:
        return override.strip().lower() == "html"
    return prefers_html(accept)


def pick(offers: Sequence[str], accept: str | None, default: str | None = None) -> str:
    """The offered media type the client ranks highest (``offers`` in the server's order of
    preference; ``default``, else the first offer, for ``*/*`` or no Accept). Raises
    NotAcceptable naming the offers."""
    ranges = parse_accept(accept)
    fallback = default or offers[0]
    if not ranges:
        return fallback
    excluded = {media for media, q, _ in ranges if q == 0}
    for media, q, _ in ranges:
        if q == 0:
            continue
        if media == "*/*":
            matches = list(offers)
        elif media.endswith("/*"):
            matches = [o for o in offers if o.startswith(media[:-1])]
        else:
            matches = [o for o in offers if o == media]
        matches = [o for o in matches if o not in excluded]
        if matches:
            return fallback if fallback in matches else matches[0]
    raise NotAcceptable(f"none of the requested media types is offered here; offered: "
                        f"{', '.join(offers)}")


def preferred(accept: str | None) -> str | None:
    """The media range the client ranks first (None without an Accept header)."""
    ranges = [media for media, q, _ in parse_accept(accept) if q > 0]
    return ranges[0] if ranges else None
