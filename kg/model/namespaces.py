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
