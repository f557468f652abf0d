"""The web service: ``create_app(config)`` builds the Flask app; no state at import time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from kg.config import load_settings
from kg.model.namespaces import VOCAB_BASE
from kg.store import open_store


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app. ``config`` overrides ``KG_*`` environment variables and defaults.

    Keys: the settings of ``kg.config`` (``HOME``, ``STORE``, ``QUERY_TIMEOUT``…), any Flask
    setting such as ``TESTING``, and ``STORE_INSTANCE`` to hand over an open store (tests).
    """
    from kg.sources.queries import load_catalogue
    from kg.web import browse, drafts, errors, export, graphstore, saved, sparql
    from kg.web.state import KG, make_executor

    app = Flask(__name__)
    overrides = dict(config or {})
    settings = load_settings(overrides)
    app.config.update({k: v for k, v in overrides.items() if k not in settings.as_mapping()})
    app.config["KG_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body
    store = overrides.get("STORE_INSTANCE") or open_store(
        settings.store, settings.home, options=settings.store_options)
    catalogue = load_catalogue(settings.queries_dir)  # a broken query stops start-up, named
    app.extensions["kg"] = KG(settings, store, make_executor(settings, store), catalogue)
    app.extensions["kg_store"] = store
    logger = logging.getLogger("kg")
    logger.setLevel(logging.INFO)
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)

    errors.install(app)
    app.register_blueprint(browse.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(saved.bp)
    app.register_blueprint(graphstore.bp)
    app.register_blueprint(drafts.bp)
    base = settings.base_iri

    @app.template_filter("local")
    @app.template_filter("browse")
    def local_url(iri: str) -> str:
        """This service's page for an IRI: its own path under the base, else /resource."""
        if not isinstance(iri, str):
            return ""
        if iri.startswith((base + "id/", base + "graph/")):
            return "/" + iri[len(base):]
        if iri.startswith(VOCAB_BASE):
            return "/vocab/" + iri[len(VOCAB_BASE):]
        return "/resource?" + urlencode({"iri": iri})

    if settings.warm_up:
        from kg.web.warmup import warm_up

        warm_up(app)
    return app
