"""Load the ontology and its SKOS concept schemes from the content root's Turtle files."""

from __future__ import annotations

import pathlib

import rdflib

from kg.model.namespaces import IRIs


def load_ontology(ontology_dir: pathlib.Path) -> rdflib.Graph:
    """Parse ``ontology_dir/*.ttl`` and ``ontology_dir/vocab/*.ttl`` (sorted) into one graph.

    :raises FileNotFoundError: if neither directory holds a ``.ttl`` file.
    """
    files = sorted(ontology_dir.glob("*.ttl")) + sorted((ontology_dir / "vocab").glob("*.ttl"))
    if not files:
        raise FileNotFoundError(
            f"no ontology files: neither {ontology_dir} nor {ontology_dir / 'vocab'} "
            "contains a .ttl file"
        )
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    IRIs().bind(graph.namespace_manager)
    return graph
