"""Content read from the repository: annotations, reference data, ontology, saved queries."""
