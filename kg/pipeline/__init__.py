"""From sources to store: build, validate with SHACL, load, and the curation workflow."""
