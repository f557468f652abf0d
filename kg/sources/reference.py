"""Reference data and vocabularies: loading them and looking names up.

Reference files (``data/reference/*.ttl``) use relative prefixes such as
``@prefix st: <id/state/> .`` and are parsed with the configured base IRI, so the
same files serve any base.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SKOS, XSD

from kg.model.namespaces import EKG, SCHEMES, VOCAB, WD, IRIs, scheme_iri
from kg.sources.yamlsource import SourceError

MEMBER_STATES_FILE = "member-states.ttl"


def parse_turtle_files(paths: Iterable[Path], base: str | None = None) -> Graph:
    """Parse Turtle files into one graph; a syntax error names the file and line."""
    graph = Graph()
    found = False
    for path in paths:
        found = True
        try:
            graph.parse(path, format="turtle", publicID=base)
        except Exception as exc:  # rdflib raises several parser exception types
            raise SourceError(path, _line_of(exc), f"invalid Turtle: {exc}") from exc
    if not found:
        raise FileNotFoundError("no Turtle files found")
    return graph


def _line_of(exc: Exception) -> int | None:
    line = getattr(exc, "lines", None) or getattr(exc, "line", None)
    return line if isinstance(line, int) else None


def load_reference(reference_dir: Path, iris: IRIs) -> Graph:
    """All reference data under ``reference_dir``, with IRIs under the configured base."""
    files = sorted(reference_dir.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no reference data (*.ttl) in {reference_dir}")
    graph = parse_turtle_files(files, base=iris.base)
    iris.bind(graph.namespace_manager)
    return graph


class Vocabulary:
    """The concepts of each concept scheme, from the ontology graph."""

    def __init__(self, ontology: Graph) -> None:
        self._by_prefix: dict[str, frozenset[URIRef]] = {}
        for prefix, scheme in SCHEMES.items():
            members = {
                c for c in ontology.subjects(SKOS.inScheme, scheme_iri(scheme))
                if isinstance(c, URIRef) and str(c).startswith(str(VOCAB[prefix]))
            }
            self._by_prefix[prefix] = frozenset(members)

    def concepts(self, prefix: str) -> frozenset[URIRef]:
        return self._by_prefix.get(prefix, frozenset())


class ReferenceIndex:
    """Which reference nodes exist, and their display labels."""

    def __init__(self, reference: Graph) -> None:
        self.graph = reference
        self.nodes = frozenset(s for s in reference.subjects(RDF.type, None)
                               if isinstance(s, URIRef))
        self.events = frozenset(s for s in reference.subjects(RDF.type, EKG.EventReference)
                                if isinstance(s, URIRef))

    def label(self, node: URIRef) -> str:
        for prop in (RDFS.label, FOAF.name, SKOS.prefLabel):
            for value in self.graph.objects(node, prop):
                return str(value)
        return str(node).rsplit("/", 1)[-1]


# -- member states ---------------------------------------------------------------------------

def _country_data() -> Path:
    """The country table shipped with the country_converter package (read, not imported)."""
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the country_converter package is needed to generate member states "
                           "(pip install -e '.[test]')")
    return Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"


#: Wikidata items of the states the corpus is about (checked by hand).
WIKIDATA_STATES = {"AZE": "Q227", "ARM": "Q399", "CHN": "Q148", "TUR": "Q43", "RUS": "Q159",
                   "FRA": "Q142", "CAN": "Q16", "UKR": "Q212", "USA": "Q30", "GBR": "Q145"}


def member_states_graph() -> Graph:
    """The 193 UN member states as ekg:MemberState nodes, from country_converter's table."""
    graph = Graph()
    graph.bind("ekg", EKG)
    graph.bind("skos", SKOS)
    graph.bind("wd", WD)
    graph.bind("st", "id/state/")
    with _country_data().open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t")
                if row.get("UNmember", "").strip() not in ("", "nan")]
    for row in sorted(rows, key=lambda r: r["ISO3"]):
        iso3 = row["ISO3"]
        node = URIRef(f"id/state/{iso3}")
        graph.add((node, RDF.type, EKG.MemberState))
        graph.add((node, RDFS.label, Literal(row["name_short"], lang="en")))
        if row["name_official"] and row["name_official"] != row["name_short"]:
            graph.add((node, SKOS.altLabel, Literal(row["name_official"], lang="en")))
        graph.add((node, EKG.iso3, Literal(iso3)))
        graph.add((node, EKG.iso2, Literal(row["ISO2"])))
        graph.add((node, EKG.m49, Literal(f"{int(float(row['UNcode'])):03d}")))
        year = str(int(float(row["UNmember"])))
        graph.add((node, EKG.unMemberSince, Literal(year, datatype=XSD.gYear)))
        if iso3 in WIKIDATA_STATES:
            graph.add((node, SKOS.exactMatch, WD[WIKIDATA_STATES[iso3]]))
    if len(rows) != 193:
        raise RuntimeError(f"expected 193 UN member states, the table lists {len(rows)}")
    return graph


def member_states_turtle() -> str:
    """Turtle text of the member states, with relative IRIs (parsed later against the base)."""
    body = member_states_graph().serialize(format="turtle")
    header = (
        "# The 193 Member States of the United Nations (ISO 3166-1 codes, M49 codes, year of\n"
        "# admission). Generated by `kg reference-states` from the country table of the\n"
        "# country_converter package; do not edit by hand. IRIs are relative to the base IRI.\n"
    )
    return header + body
