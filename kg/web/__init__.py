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
    from kg.web import errors, home, sparql
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
    app.extensions["kg"] = KG(settings, store, make_executor(settings, store))
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
    return app
