"""Namespaces, prefixes and IRI minting: the one place that knows IRI patterns.

Ontology and vocabulary terms live under fixed namespaces (they name the model,
not the data). Instance IRIs (states, events, statements, claims, graphs) are
minted under a configurable base, so a fork can publish the same corpus under
its own domain; the same input and base always give the same IRIs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    TIME,
    VOID,
    XSD,
    NamespaceManager,
)


@lru_cache(maxsize=8192)
def _term(base: str, name: str) -> URIRef:
    return URIRef(base + name)


class TermNamespace(Namespace):
    """A namespace that makes each of its terms once: rdflib's makes and checks a new URIRef
    on every use, which was a sixth of the time it takes to build a statement."""

    def term(self, name: str) -> URIRef:
        return _term(str(self), name if isinstance(name, str) else "")


EKG = TermNamespace("https://w3id.org/ekg/ont#")
VOCAB_BASE = "https://w3id.org/ekg/vocab/"
SCHEMA = TermNamespace("http://schema.org/")
SEM = TermNamespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
OA = TermNamespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
EKGSH = Namespace("https://w3id.org/ekg/shapes#")

#: Concept schemes: prefix -> path segment under VOCAB_BASE.
SCHEMES: dict[str, str] = {
    "meas": "measure",
    "pop": "population",
    "apx": "qualifier",
    "legal": "legal-category",
    "acc": "accusation-type",
    "role": "role",
    "evt": "event-type",
    "rule": "rule",
    "expl": "explicitness",
    "cert": "certainty",
    "pol": "polarity",
    "rev": "review-status",
    "dlv": "delivery-mode",
    "addr": "addressee",
    "rpt": "reporting-mode",
    "cit": "citation-resolution",
    "ref": "time-refinement",
    "fmt": "meeting-format",
    "ptype": "post-type",
    "unit": "unit",
    "cur": "curation-status",
}

VOCAB: dict[str, Namespace] = {p: Namespace(f"{VOCAB_BASE}{s}/") for p, s in SCHEMES.items()}

#: Kinds of instance IRIs: prefix -> path segment under ``<base>id/``.
INSTANCE_KINDS: dict[str, str] = {
    "st": "state",
    "ev": "event",
    "pl": "place",
    "ag": "agent",
    "person": "person",
    "post": "post",
    "mtg": "meeting",
    "doc": "doc",
    "stmt": "statement",
    "seg": "segment",
    "clm": "claim",
    "fig": "figure",
    "tx": "time",
    "run": "run",
}

DEFAULT_BASE = "https://w3id.org/ekg/"

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DOT_SEGMENT = re.compile(r"(^|/)\.\.?(/|$)")


class IRIError(ValueError):
    """An IRI that cannot be taken as a graph name as it is; the message says why."""


@dataclass(frozen=True)
class GraphName:
    """A graph name parsed against the base: ``kind`` is "ontology", "reference",
    "statement" (with ``statement_id``) or "other" (not one of the knowledge graph's)."""

    iri: str  # normalised: scheme and host in lower case
    kind: str
    statement_id: str | None = None


def scheme_iri(scheme: str) -> URIRef:
    """IRI of the concept scheme itself, e.g. ``…/vocab/measure``."""
    return URIRef(f"{VOCAB_BASE}{scheme}")


@dataclass(frozen=True)
class IRIs:
    """Instance-IRI minting under one base (``https://…/``, ending in ``/``)."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith("/") or "://" not in self.base:
            raise ValueError(f"base IRI must be absolute and end with '/': {self.base!r}")

    def ns(self, kind: str) -> Namespace:
        return Namespace(f"{self.base}id/{INSTANCE_KINDS[kind]}/")

    def mint(self, kind: str, local: str) -> URIRef:
        """Mint ``<base>id/<kind>/<local>``; ``local`` must be a safe slug."""
        if not _SLUG.match(local):
            raise ValueError(f"not a valid identifier for {kind}: {local!r}")
        return URIRef(f"{self.base}id/{INSTANCE_KINDS[kind]}/{local}")

    def graph(self, *parts: str) -> URIRef:
        """Named graph IRI: ``graph('statement', id)``, ``graph('reference')``."""
        for part in parts:
            if not _SLUG.match(part):
                raise ValueError(f"not a valid graph name part: {part!r}")
        return URIRef(f"{self.base}graph/{'/'.join(parts)}")

    @property
    def ontology_graph(self) -> URIRef:
        return self.graph("ontology")

    @property
    def reference_graph(self) -> URIRef:
        return self.graph("reference")

    def statement_graph(self, statement_id: str) -> URIRef:
        return self.graph("statement", statement_id)

    def statement_id(self, iri: str) -> str | None:
        """The id of the statement ``<base>id/statement/<id>`` names, else None."""
        return self._local(iri, f"{self.base}id/{INSTANCE_KINDS['stmt']}/")

    def graph_statement_id(self, iri: str) -> str | None:
        """The id of the statement whose graph ``iri`` names exactly, else None."""
        try:
            return self.graph_name(iri).statement_id
        except IRIError:
            return None

    def _local(self, iri: str, namespace: str) -> str | None:
        if not iri.startswith(namespace):
            return None
        local = iri[len(namespace):]
        return local if _SLUG.match(local) and ".." not in local else None

    def graph_name(self, iri: str) -> GraphName:
        """Parse a graph name, normalised (scheme and host case) or refused (IRIError): a
        name under the base with a query, a fragment, percent-encoding, dot segments, empty
        segments or a trailing slash is ambiguous, and is refused rather than guessed at."""
        if not iri or any(c in iri for c in " <>\"{}|\\^`") or any(ord(c) < 33 for c in iri):
            raise IRIError(f"graph name {iri!r} is not an IRI")
        try:
            parts = urlsplit(iri)
        except ValueError as exc:
            raise IRIError(f"graph name {iri!r} is not an IRI: {exc}") from exc
        if not parts.scheme:
            raise IRIError(f"graph name {iri!r} is not an absolute IRI")
        netloc = parts.netloc.lower()
        rest = iri[len(parts.scheme) + 1:]
        if parts.netloc:
            rest = rest.replace(parts.netloc, netloc, 1)
        normal = f"{parts.scheme.lower()}:{rest}"
        base = urlsplit(self.base)
        if (parts.scheme.lower(), netloc) != (base.scheme.lower(), base.netloc.lower()):
            return GraphName(normal, "other")
        problem = None
        if "?" in iri:
            problem = "has a query part"
        elif "#" in iri:
            problem = "has a fragment"
        elif "%" in parts.path:
            problem = "is percent-encoded"
        elif _DOT_SEGMENT.search(parts.path):
            problem = "has dot segments"
        elif "//" in parts.path:
            problem = "has an empty path segment"
        elif parts.path.endswith("/") and len(parts.path) > 1:
            problem = "ends with a slash"
        elif "@" in parts.netloc or parts.netloc != parts.netloc.strip():
            problem = "has user information"
        if problem is not None:
            if normal.startswith(self.base):
                raise IRIError(f"graph name <{iri}> {problem}: name a graph exactly, as "
                               f"{self.base}graph/statement/<id>")
            return GraphName(normal, "other")
        if normal == str(self.ontology_graph):
            return GraphName(normal, "ontology")
        if normal == str(self.reference_graph):
            return GraphName(normal, "reference")
        statement = self._local(normal, f"{self.base}graph/statement/")
        if statement is not None:
            return GraphName(normal, "statement", statement)
        return GraphName(normal, "other")

    def prefixes(self) -> dict[str, str]:
        """Every prefix used in files and query results, for this base (a fresh copy)."""
        return dict(_prefixes(self.base))

    def bind(self, manager: NamespaceManager) -> None:
        for prefix, iri in _prefixes(self.base):
            manager.bind(prefix, iri, override=True, replace=True)

    def sparql_prologue(self) -> str:
        return _prologue(self.base)

    def curie(self, iri: str) -> str:
        """``prefix:local`` with the longest matching namespace, or the IRI itself."""
        for prefix, namespace in _longest_first(self.base):
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri


@lru_cache(maxsize=16)
def _prefixes(base: str) -> tuple[tuple[str, str], ...]:
    """The prefix table for a base, computed once: it is read on every request."""
    iris = IRIs(base)
    out = {
        "ekg": str(EKG),
        "schema": str(SCHEMA),
        "sem": str(SEM),
        "oa": str(OA),
        "prov": str(PROV),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "foaf": str(FOAF),
        "time": str(TIME),
        "owl": str(OWL),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "xsd": str(XSD),
        "sh": str(SH),
        "wd": str(WD),
        "void": str(VOID),
        "dcat": str(DCAT),
    }
    out.update({p: str(ns) for p, ns in VOCAB.items()})
    out.update({p: str(iris.ns(p)) for p in INSTANCE_KINDS})
    out["graph"] = f"{base}graph/"
    return tuple(out.items())


@lru_cache(maxsize=16)
def _prologue(base: str) -> str:
    return "".join(f"PREFIX {p}: <{i}>\n" for p, i in sorted(_prefixes(base)))


@lru_cache(maxsize=16)
def _longest_first(base: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_prefixes(base), key=lambda pair: -len(pair[1])))
