"""Answers computed when a serving process starts, before it takes requests.

The home page and the saved queries that take no parameters give every visitor the same
answer for a store version, and the search page's index (``kg.web.search``) serves every
search of one. Their queries are the widest (global counts and listings: seconds
each on a large store), so a serving process started by ``kg serve`` on the embedded store
computes them once, into the per-version caches, before its first request; a write makes
them stale like any other kept answer, and the next request computes them again.
"""

from __future__ import annotations

import logging
import time

from flask import Flask

log = logging.getLogger("kg.warmup")


def warm_paths(app: Flask) -> list[str]:
    """The home page and the first page of every saved query without parameters."""
    catalogue = app.extensions["kg"].catalogue
    return ["/"] + [f"/queries/{name}.json" for name, query in sorted(catalogue.items())
                    if not query.params]


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
            response = client.get(path, headers={"Accept": "text/html" if path == "/"
                                                 else "application/json"})
            statuses[path] = response.status_code
            level = logging.INFO if response.status_code == 200 else logging.WARNING
            log.log(level, "warm-up %s: %s in %.1f s", path, response.status_code,
                    time.monotonic() - begun)
    begun = time.monotonic()
    kg = app.extensions["kg"]
    if kg.is_embedded:
        try:
            kg.search_index()
            log.info("warm-up search index: %.1f s", time.monotonic() - begun)
        except Exception as exc:  # noqa: BLE001 - searches then go to SPARQL
            log.warning("warm-up search index failed: %s", exc)
    log.info("warm-up done in %.1f s", time.monotonic() - started)
    return statuses
