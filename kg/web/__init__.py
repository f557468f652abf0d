"""The web service: ``create_app(config)`` builds the Flask app; no state at import time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from kg.config import load_settings
from kg.store import open_store


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app. ``config`` overrides ``KG_*`` environment variables and defaults.

    Keys: the settings of ``kg.config`` (``HOME``, ``STORE``, ``QUERY_TIMEOUT``…), any Flask
    setting such as ``TESTING``, and ``STORE_INSTANCE`` to hand over an open store (tests).
    """
    from kg.queries import load_catalogue
    from kg.web import errors, home, saved, sparql
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
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(saved.bp)
    base = settings.base_iri

    @app.template_filter("local")
    def local_url(iri: str) -> str:
        """Link IRIs minted under the base to this service's own pages."""
        return "/" + iri[len(base):] if isinstance(iri, str) and iri.startswith(base) else iri

    return app
