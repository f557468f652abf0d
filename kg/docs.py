"""Render the ontology and its SKOS concept schemes as Markdown documentation."""

from __future__ import annotations

import re
from collections.abc import Iterable

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.model.namespaces import EKG, IRIs

#: Property types that are documented, with the name of each kind.
PROPERTY_KINDS: dict[URIRef, str] = {
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
    OWL.AnnotationProperty: "annotation property",
}

#: Concept-to-concept links shown in the "Links" column of a scheme's table.
CONCEPT_LINKS: tuple[tuple[URIRef, str], ...] = (
    (SKOS.broader, "broader"),
    (SKOS.related, "related"),
    (SKOS.exactMatch, "exact match"),
    (SKOS.closeMatch, "close match"),
    (SKOS.broadMatch, "broad match"),
    (SKOS.narrowMatch, "narrow match"),
    (SKOS.relatedMatch, "related match"),
)

_CURIE_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|])")


def render_markdown(ontology: rdflib.Graph) -> str:
    """Render the ontology, its classes and properties and all concept schemes as Markdown.

    The output depends only on the triples of ``ontology``: every list is sorted.
    """
    return _Renderer(ontology).render()


def _escape(text: str) -> str:
    """Escape Markdown syntax in free text and fold it onto one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _sort_key(text: str) -> tuple[str, str]:
    return (text.lower(), text)


class _Renderer:
    """One rendering pass over a graph; remembers which prefixes the output uses."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        prefixes = IRIs().prefixes()
        # Longest namespace first, so the most specific prefix wins.
        self.prefixes = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self.used_prefixes: set[str] = set()
        self.ontologies = sorted(
            (s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)), key=str
        )
        defined_by = set(self.ontologies)
        self.classes = self._terms([OWL.Class, RDFS.Class], defined_by)
        self.properties = self._terms(list(PROPERTY_KINDS), defined_by)
        self.class_set = set(self.classes)
        self.property_set = set(self.properties)
        self.documented = self.class_set | self.property_set
        self.schemes = sorted(
            (s for s in graph.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)),
            key=str,
        )

    # ------------------------------------------------------------------ helpers

    def _terms(self, types: list[URIRef], defined_by: set[URIRef]) -> list[URIRef]:
        found: set[URIRef] = set()
        for rdf_type in types:
            for term in self.graph.subjects(RDF.type, rdf_type):
                if not isinstance(term, URIRef):
                    continue
                if str(term).startswith(str(EKG)) or any(
                    o in defined_by for o in self.graph.objects(term, RDFS.isDefinedBy)
                ):
                    found.add(term)
        return sorted(found, key=lambda t: _sort_key(self.curie(t, record=False)))

    def curie(self, term: Node, record: bool = True) -> str:
        """``prefix:local`` for an IRI under a known prefix, else ``<iri>``."""
        iri = str(term)
        for prefix, namespace in self.prefixes:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and _CURIE_LOCAL.match(local):
                if record:
                    self.used_prefixes.add(prefix)
                return f"{prefix}:{local}"
        return f"<{iri}>"

    def text(self, subject: Node, predicate: URIRef) -> str:
        """One literal value, preferring English, then untagged, then the first sorted."""
        values = [o for o in self.graph.objects(subject, predicate) if isinstance(o, Literal)]
        if not values:
            return ""
        for wanted in ("en", None):
            chosen = sorted(str(v) for v in values if v.language == wanted)
            if chosen:
                return chosen[0]
        return sorted(str(v) for v in values)[0]

    def texts(self, subject: Node, predicate: URIRef) -> list[str]:
        """All literal values (English or untagged), sorted."""
        return sorted(
            (
                str(o)
                for o in self.graph.objects(subject, predicate)
                if isinstance(o, Literal) and o.language in ("en", None)
            ),
            key=_sort_key,
        )

    def anchor(self, term: Node) -> str:
        """HTML id of a documented term: ``class-Claim``, ``property-about``, ``scheme-unit``."""
        if term in self.class_set:
            kind = "class"
        elif term in self.property_set:
            kind = "property"
        else:
            kind = "scheme"
        local = re.sub(r"[^A-Za-z0-9_-]", "-", str(term).split("#")[-1].split("/")[-1])
        return f"{kind}-{local}"

    def ref(self, term: Node) -> str:
        """A link to a documented term, a code span for other IRIs, or a union."""
        if isinstance(term, BNode):
            members = self.union_members(term)
            if members:
                return " or ".join(self.ref(m) for m in members)
            return "(anonymous class)"
        curie = self.curie(term)
        if term in self.documented:
            return f"[{curie}](#{self.anchor(term)})"
        return f"`{curie}`"

    def union_members(self, node: Node) -> list[Node]:
        """Members of an ``owl:unionOf`` class expression, sorted."""
        for head in self.graph.objects(node, OWL.unionOf):
            members = list(Collection(self.graph, head))
            return sorted(members, key=lambda m: _sort_key(self.curie(m, record=False)))
        return []

    def refs(self, terms: Iterable[Node]) -> str:
        rendered = sorted({self.ref(t) for t in terms}, key=_sort_key)
        return ", ".join(rendered)

    def covers(self, expression: Node, cls: URIRef) -> bool:
        """Whether a domain or range expression names ``cls`` directly or in a union."""
        return expression == cls or cls in self.union_members(expression)

    def label(self, term: Node) -> str:
        return self.text(term, RDFS.label) or self.text(term, SKOS.prefLabel) or self.curie(term)

    # ------------------------------------------------------------------ sections

    def render(self) -> str:
        body = self.render_classes() + self.render_properties() + self.render_schemes()
        lines = self.render_header() + body
        return "\n".join(lines).rstrip("\n") + "\n"

    def render_header(self) -> list[str]:
        main = self.ontologies[0] if self.ontologies else None
        title = self.text(main, DCTERMS.title) if main is not None else ""
        lines = [f"# {_escape(title or 'Ontology')}", ""]
        if main is not None:
            description = self.text(main, DCTERMS.description)
            if description:
                lines += [_escape(description), ""]
            lines += ["| | |", "|---|---|", f"| IRI | <{main}> |"]
            rows = [
                ("Version", self.text(main, OWL.versionInfo)),
                ("Created", self.text(main, DCTERMS.created)),
                ("Modified", self.text(main, DCTERMS.modified)),
            ]
            lines += [f"| {name} | {_escape(value)} |" for name, value in rows if value]
            licences = sorted(str(o) for o in self.graph.objects(main, DCTERMS.license))
            lines += [f"| Licence | <{iri}> |" for iri in licences]
            lines.append("")
        n_concepts = sum(len(self.concepts(s)) for s in self.schemes)
        lines += [
            f"{len(self.classes)} classes, {len(self.properties)} properties, "
            f"{len(self.schemes)} concept schemes with {n_concepts} concepts. "
            "This page is generated from the Turtle files under `ontology/` "
            "by `kg.docs.render_markdown`; edit those files, not this page.",
            "",
            "## Contents",
            "",
            "- [Prefixes](#prefixes)",
            "- [Classes](#classes)",
        ]
        lines += [f"  - [{_escape(self.label(c))}](#{self.anchor(c)})" for c in self.classes]
        lines.append("- [Properties](#properties)")
        lines += [f"  - [{_escape(self.label(p))}](#{self.anchor(p)})" for p in self.properties]
        lines.append("- [Concept schemes](#concept-schemes)")
        lines += [
            f"  - [{_escape(self.scheme_title(s))}](#{self.anchor(s)})"
            for s in self.schemes
        ]
        lines += ["", "## Prefixes", "", "| Prefix | Namespace |", "|---|---|"]
        namespaces = dict(self.prefixes)
        lines += [f"| `{p}:` | <{namespaces[p]}> |" for p in sorted(self.used_prefixes)]
        lines.append("")
        return lines

    def render_classes(self) -> list[str]:
        lines = ["## Classes", ""]
        for cls in self.classes:
            lines += [f'<a id="{self.anchor(cls)}"></a>', "", f"### {_escape(self.label(cls))}", ""]
            lines += [f"`{self.curie(cls)}` · class", ""]
            definition = self.text(cls, SKOS.definition)
            if definition:
                lines += [_escape(definition), ""]
            facts = [
                ("Superclasses", self.refs(self.graph.objects(cls, RDFS.subClassOf))),
                ("Subclasses", self.refs(self.graph.subjects(RDFS.subClassOf, cls))),
                ("Disjoint with", self.refs(self.disjoint(cls))),
                ("Properties (domain)", self.refs(self.with_role(RDFS.domain, cls))),
                ("Used as range of", self.refs(self.with_role(RDFS.range, cls))),
            ]
            lines += [f"- {name}: {value}" for name, value in facts if value]
            lines.append("")
        return lines

    def disjoint(self, cls: URIRef) -> set[Node]:
        return set(self.graph.objects(cls, OWL.disjointWith)) | set(
            self.graph.subjects(OWL.disjointWith, cls)
        )

    def with_role(self, role: URIRef, cls: URIRef) -> list[URIRef]:
        return [
            p
            for p in self.properties
            if any(self.covers(e, cls) for e in self.graph.objects(p, role))
        ]

    def render_properties(self) -> list[str]:
        lines = ["## Properties", ""]
        for prop in self.properties:
            kinds = sorted(
                PROPERTY_KINDS[t] for t in self.graph.objects(prop, RDF.type) if t in PROPERTY_KINDS
            )
            lines += [f'<a id="{self.anchor(prop)}"></a>', "", f"### {_escape(self.label(prop))}"]
            lines += ["", f"`{self.curie(prop)}` · {', '.join(kinds)}", ""]
            definition = self.text(prop, SKOS.definition)
            if definition:
                lines += [_escape(definition), ""]
            facts = [
                ("Domain", self.refs(self.graph.objects(prop, RDFS.domain))),
                ("Range", self.refs(self.graph.objects(prop, RDFS.range))),
                ("Super-properties", self.refs(self.graph.objects(prop, RDFS.subPropertyOf))),
            ]
            lines += [f"- {name}: {value}" for name, value in facts if value]
            lines.append("")
        return lines

    # ------------------------------------------------------------------ concept schemes

    def scheme_title(self, scheme: URIRef) -> str:
        return (
            self.text(scheme, DCTERMS.title)
            or self.text(scheme, RDFS.label)
            or self.text(scheme, SKOS.prefLabel)
            or str(scheme)
        )

    def concepts(self, scheme: URIRef) -> list[URIRef]:
        members = set(self.graph.subjects(SKOS.inScheme, scheme)) | set(
            self.graph.subjects(SKOS.topConceptOf, scheme)
        )
        return sorted((m for m in members if isinstance(m, URIRef)), key=str)

    def local_name(self, concept: Node, scheme: URIRef) -> str:
        namespace = f"{scheme}/"
        if str(concept).startswith(namespace):
            return str(concept)[len(namespace) :]
        return self.curie(concept)

    def render_schemes(self) -> list[str]:
        lines = ["## Concept schemes", ""]
        namespaces = {ns: p for p, ns in self.prefixes}
        for scheme in self.schemes:
            concepts = self.concepts(scheme)
            lines += [f'<a id="{self.anchor(scheme)}"></a>', ""]
            lines += [f"### {_escape(self.scheme_title(scheme))}", ""]
            about = f"<{scheme}>"
            prefix = namespaces.get(f"{scheme}/")
            if prefix:
                self.used_prefixes.add(prefix)
                about += f" · prefix `{prefix}:`"
            lines += [f"{about} · {len(concepts)} concepts", ""]
            definition = self.text(scheme, SKOS.definition)
            if definition:
                lines += [_escape(definition), ""]
            lines += self.concept_table(scheme, concepts)
            lines.append("")
        return lines

    def concept_table(self, scheme: URIRef, concepts: list[URIRef]) -> list[str]:
        rows: list[dict[str, str]] = []
        for concept in concepts:
            links = []
            for predicate, name in CONCEPT_LINKS:
                targets = sorted(
                    (self.local_name(t, scheme) for t in self.graph.objects(concept, predicate)),
                    key=_sort_key,
                )
                links += [f"{name} `{t}`" for t in targets]
            rows.append(
                {
                    "Notation": ", ".join(self.texts(concept, SKOS.notation)),
                    "Concept": f"`{self.local_name(concept, scheme)}`",
                    "Label": _escape(self.text(concept, SKOS.prefLabel)),
                    "Definition": _escape(self.text(concept, SKOS.definition)),
                    "Alternative labels": "; ".join(
                        _escape(a) for a in self.texts(concept, SKOS.altLabel)
                    ),
                    "Scope note": _escape(" ".join(self.texts(concept, SKOS.scopeNote))),
                    "Version": ", ".join(self.texts(concept, EKG.ruleVersion)),
                    "Links": "; ".join(links),
                }
            )
        optional = {"Notation", "Alternative labels", "Scope note", "Version", "Links"}
        columns = [
            c
            for c in (
                "Notation",
                "Concept",
                "Label",
                "Definition",
                "Alternative labels",
                "Scope note",
                "Version",
                "Links",
            )
            if c not in optional or any(row[c] for row in rows)
        ]
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(row[c] for c in columns) + " |" for row in rows]
        return lines
