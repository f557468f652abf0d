"""Shared model of the code: namespaces and IRIs, claim kinds, bounds, time, SPARQL text."""
