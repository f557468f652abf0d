"""The one registry of claim kinds, checked against the ontology.

A kind is known by its YAML key in the annotation format (``kind: figure``), its
ontology class (``ekg:FigureClaim``), its words on pages ("figure", with "a"), its place
in the pages' order, the extraction kind ``kg extract`` drafts it as, and how its YAML
turns into triples: a declarative table of :class:`Field` (a YAML key, the property it
states and what kind of value it takes) and, for kinds whose structure a table cannot
say (figures, event descriptions, verbatim content), a builder function that the
annotation reader registers with :func:`builds`.

The ontology says which kinds exist (the subclasses of ``ekg:Claim``); :func:`check`
fails on a kind one side has and the other lacks (``kg check``, ``tests/test_kinds.py``).
Adding a kind: its class in ``ontology/ekg.ttl``, its shape in ``shapes/``, one
:class:`ClaimKind` entry below (plus fixtures and docs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kg.model.namespaces import EKG

#: How a field's YAML value becomes an RDF term: a literal, an actor (state, agent, person),
#: a concept of the field's SKOS scheme, or a document of the reference data.
ValueKind = Literal["literal", "actor", "concept", "document"]


@dataclass(frozen=True)
class Field:
    """One kind-specific YAML key and the property of the claim it states."""

    key: str
    prop: URIRef
    value: ValueKind = "literal"
    required: bool = False
    scheme: str | None = None  # the concept scheme's prefix (value "concept")
    what: str | None = None  # the words error messages use (default: the key)

    def __post_init__(self) -> None:
        if (self.value == "concept") != (self.scheme is not None):
            raise ValueError(f"field {self.key!r}: a concept field names its scheme, and only "
                             "a concept field does")

    @property
    def words(self) -> str:
        return self.what or self.key


@dataclass(frozen=True)
class ClaimKind:
    """One kind of claim, as every layer knows it."""

    key: str  # YAML key: ``kind: reported-speech``
    cls: URIRef  # ontology class: ekg:ReportedSpeechClaim
    label: str  # on pages, in words: "reported speech"
    article: str = "a"  # "a" or "an", for "an event claim"
    fields: tuple[Field, ...] = ()
    extra_keys: frozenset[str] = frozenset()  # YAML keys a registered builder reads
    builder: bool = False  # True: a builder function is registered for the key (builds())
    extraction: str | None = None  # the kind ``kg extract`` drafts, if it drafts this one

    @property
    def keys(self) -> frozenset[str]:
        """Every kind-specific YAML key."""
        return frozenset(f.key for f in self.fields) | self.extra_keys

    @property
    def local(self) -> str:
        """The class's local name (``FigureClaim``)."""
        return re.split(r"[/#]", str(self.cls))[-1]

    @property
    def phrase(self) -> str:
        """The label with its article: "an event"."""
        return f"{self.article} {self.label}"


def _actor_only(key: str = "agent") -> tuple[Field, ...]:
    return (Field(key, EKG.actor, "actor"),)


#: The kinds, in the order pages list them.
KINDS: tuple[ClaimKind, ...] = (
    ClaimKind("figure", EKG.FigureClaim, "figure", extra_keys=frozenset({"figures"}),
              builder=True, extraction="figure"),
    ClaimKind("event", EKG.EventClaim, "event", "an", extra_keys=frozenset({"event"}),
              builder=True, extraction="event"),
    ClaimKind("attribution", EKG.AttributionClaim, "attribution", "an", fields=(
        Field("agent", EKG.responsibleAgent, "actor", required=True),
        Field("agent_named_as", EKG.agentNamedAs),
        Field("role", EKG.responsibilityRole, "concept", required=True, scheme="role"),
        Field("cue", EKG.attributionCue),
    ), extraction="attribution"),
    ClaimKind("accusation", EKG.AccusationClaim, "accusation", "an", fields=(
        Field("accused", EKG.accused, "actor", required=True),
        Field("type", EKG.accusationType, "concept", required=True, scheme="acc",
              what="accusation type"),
        Field("conduct", EKG.conductText),
    ), extraction="accusation"),
    ClaimKind("characterisation", EKG.CharacterisationClaim, "characterisation", fields=(
        Field("category", EKG.legalCategory, "concept", required=True, scheme="legal",
              what="legal category"),
        Field("cue", EKG.characterisationCue),
        Field("characterised_as", EKG.characterisedAs),
    )),
    ClaimKind("reported-speech", EKG.ReportedSpeechClaim, "reported speech", fields=(
        Field("source", EKG.reportedSource, "actor", required=True),
        Field("verb", EKG.reportingVerb),
        Field("mode", EKG.reportingMode, "concept", scheme="rpt", what="reporting mode"),
        Field("cites", EKG.citesDocument, "document", what="document"),
        Field("resolution", EKG.citationResolution, "concept", scheme="cit"),
    ), extra_keys=frozenset({"content"}), builder=True),
    ClaimKind("appeal", EKG.AppealClaim, "appeal", "an", fields=_actor_only()),
    ClaimKind("self-report", EKG.SelfReportClaim, "self-report", fields=_actor_only()),
    ClaimKind("thematic", EKG.ThematicClaim, "thematic"),
    ClaimKind("procedural", EKG.ProceduralClaim, "procedural", fields=_actor_only()),
)

#: Builder functions of the kinds that have one, by YAML key (filled by :func:`builds`).
_BUILDERS: dict[str, Callable[..., Any]] = {}


def builds(key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the builder of kind ``key``'s own structure."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _BUILDERS[key] = function
        return function
    return register


@dataclass(frozen=True)
class Registry:
    """The claim kinds, looked up by YAML key, class IRI or extraction kind."""

    kinds: tuple[ClaimKind, ...] = KINDS
    _by_key: dict[str, ClaimKind] = field(init=False, repr=False, compare=False)
    _by_class: dict[str, ClaimKind] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {k.key: k for k in self.kinds})
        object.__setattr__(self, "_by_class", {str(k.cls): k for k in self.kinds})
        if len(self._by_key) != len(self.kinds) or len(self._by_class) != len(self.kinds):
            raise ValueError("two claim kinds share a YAML key or a class")

    def __iter__(self) -> Iterator[ClaimKind]:
        return iter(self.kinds)

    def __len__(self) -> int:
        return len(self.kinds)

    def get(self, key: str) -> ClaimKind | None:
        """The kind with YAML key ``key``."""
        return self._by_key.get(key)

    def by_class(self, iri: str) -> ClaimKind | None:
        """The kind whose class is ``iri``."""
        return self._by_class.get(str(iri))

    def by_extraction(self, name: str) -> ClaimKind:
        """The kind ``kg extract`` drafts as ``name`` (KeyError if none)."""
        for kind in self.kinds:
            if kind.extraction == name:
                return kind
        raise KeyError(name)

    def keys(self) -> list[str]:
        return [k.key for k in self.kinds]

    def order(self, iri: str) -> int:
        """The place of class ``iri`` on pages; unknown classes go after every known one."""
        kind = self.by_class(iri)
        return self.kinds.index(kind) if kind else len(self.kinds)

    def with_kind(self, kind: ClaimKind) -> Registry:
        """This registry with ``kind`` added last (for content that extends the kinds)."""
        return Registry((*self.kinds, kind))

    def builder(self, key: str) -> Callable[..., Any] | None:
        """The builder function registered for kind ``key``, if any."""
        return _BUILDERS.get(key)


REGISTRY = Registry()


def generic(iri: str) -> ClaimKind:
    """A stand-in for a class the registry does not know, so that a page still shows its
    claims: the label is the class's local name in words ("NewClaim" -> "new")."""
    local = re.split(r"[/#]", str(iri))[-1]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local.removesuffix("Claim")).lower().strip()
    words = words or "other"
    return ClaimKind(words, URIRef(str(iri)), words, "an" if words[0] in "aeiou" else "a")


def ontology_kinds(ontology: Graph) -> set[URIRef]:
    """The classes under ``ekg:Claim`` in ``ontology`` (any depth), ``ekg:Claim`` itself not."""
    found = set(ontology.transitive_subjects(RDFS.subClassOf, EKG.Claim))
    return {c for c in found if isinstance(c, URIRef) and c != EKG.Claim}


def check(ontology: Graph, registry: Registry = REGISTRY) -> list[str]:
    """What is wrong between the registry and the ontology (empty: they agree)."""
    problems = []
    in_ontology = ontology_kinds(ontology)
    registered = {k.cls for k in registry}
    for cls in sorted(in_ontology - registered):
        problems.append(f"claim kind {cls} is a subclass of ekg:Claim in the ontology but "
                        "has no entry in the claim-kind registry (kg/model/kinds.py)")
    for kind in registry:
        if kind.cls not in in_ontology:
            problems.append(f"claim kind {kind.key!r} ({kind.cls}) is in the registry but the "
                            "ontology has no such subclass of ekg:Claim")
        if kind.builder and registry.builder(kind.key) is None:
            problems.append(f"claim kind {kind.key!r} needs a builder function and none is "
                            "registered")
        if not kind.builder and kind.extra_keys:
            problems.append(f"claim kind {kind.key!r} has extra keys "
                            f"{sorted(kind.extra_keys)} but no builder to read them")
    return problems

