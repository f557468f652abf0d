"""Answers computed when a serving process starts, before it takes requests.

The home page and the saved queries that take no parameters give every visitor the same
answer for a store version, and the search page's index (``kg.web.search``) serves every
search of one. Their queries are the widest (global counts and listings: seconds
each on a large store), so a serving process started by ``kg serve`` on the embedded store
computes them once, into the per-version caches, before its first request; a write makes
them stale like any other kept answer, and the next request computes them again.

So are the pages of the events, delegations and speakers with the most claims
(``KG_WARM_PAGE_CLAIMS``, 10,000 by default; an event's claims are those of its hierarchy, a
delegation's or speaker's those of its statements): each of their tables joins every one of
those claims to choose the rows it shows, at about 35 µs a claim in Oxigraph (``bench/``), so
at 100,000 statements the page of a hierarchy's root with 47,000 claims took 3 to 5 s to
compute, and that of the delegation with 3,072 statements 2 to 3 s.

Objects made by the warm-up (kept answers, the search index) live as long as their store
version, so they are moved out of the garbage collector's sight (``gc.freeze``): at 100,000
statements its full collections walked them in 0.1 to 0.25 s, every few requests.
"""

from __future__ import annotations

import gc
import logging
import time

from flask import Flask

log = logging.getLogger("kg.warmup")


def warm_paths(app: Flask) -> list[str]:
    """The home page, the first page of every saved query without parameters, and the pages
    of the events, delegations and speakers with at least ``KG_WARM_PAGE_CLAIMS`` claims."""
    kg = app.extensions["kg"]
    paths = ["/"] + [f"/queries/{name}.json" for name, query in sorted(kg.catalogue.items())
                     if not query.params]
    try:
        heavy = heavy_events(app) + heavy_actors(app)
    except Exception as exc:  # noqa: BLE001 - those pages are then left to their requests
        log.warning("warm-up could not count the claims of events and actors: %s", exc)
        heavy = []
    local = app.jinja_env.filters["local"]  # this service's page for an IRI
    return paths + [local(iri) for iri in heavy]


def _at_least(app: Flask, claims_of: str) -> list[str]:
    """The ``?subject`` of ``claims_of`` (a pattern binding ``?subject`` and ``?claim``) with
    at least ``KG_WARM_PAGE_CLAIMS`` claims, most first; none when the setting is 0."""
    kg = app.extensions["kg"]
    least = kg.settings.warm_page_claims
    if least <= 0:
        return []
    rows = kg.resources().select(f"""
        SELECT ?subject (COUNT(?claim) AS ?claims) WHERE {{ {claims_of} }}
        GROUP BY ?subject HAVING (COUNT(?claim) >= {int(least)})
        ORDER BY DESC(?claims) ?subject""")
    return [row["subject"] for row in rows]


def heavy_events(app: Flask) -> list[str]:
    """Events with at least ``KG_WARM_PAGE_CLAIMS`` claims about them or about the events
    within them, most first."""
    return _at_least(app, "?part ekg:withinEvent ?subject . ?claim ekg:about ?part .")


def heavy_actors(app: Flask) -> list[str]:
    """Delegations and speakers with at least ``KG_WARM_PAGE_CLAIMS`` claims in their
    statements, most first."""
    return _at_least(app, """
        { SELECT DISTINCT ?subject ?statement WHERE {
            { ?statement ekg:delegation ?subject } UNION { ?statement ekg:speaker ?subject } } }
        ?claim ekg:statedIn ?statement .""")


def warm_up(app: Flask) -> dict[str, int]:
    """Request each of ``warm_paths`` once, in-process; their status codes. A failure (a
    query past the time limit, say) is logged and left for the first real request."""
    statuses: dict[str, int] = {}
    if app.extensions["kg"].store_version() is None:
        return statuses  # a remote store: answers are not kept, so nothing to compute first
    started = time.monotonic()
    with app.test_client() as client:
        for path in warm_paths(app):
            begun = time.monotonic()
            accept = "application/json" if path.startswith("/queries/") else "text/html"
            response = client.get(path, headers={"Accept": accept})
            statuses[path] = response.status_code
            level = logging.INFO if response.status_code == 200 else logging.WARNING
            log.log(level, "warm-up %s: %s in %.1f s", path, response.status_code,
                    time.monotonic() - begun)
    begun = time.monotonic()
    kg = app.extensions["kg"]
    if kg.has_search_index:
        try:
            kg.search_index()
            log.info("warm-up search index: %.1f s", time.monotonic() - begun)
        except Exception as exc:  # noqa: BLE001 - searches then go to SPARQL
            log.warning("warm-up search index failed: %s", exc)
    gc.collect()
    gc.freeze()  # what the warm-up made lives as long as the store version: see above
    log.info("warm-up done in %.1f s", time.monotonic() - started)
    return statuses
