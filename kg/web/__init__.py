"""The web service: ``create_app(config)`` builds the Flask app; no state at import time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from kg.config import load_settings
from kg.store import open_store


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app. ``config`` overrides ``KG_*`` environment variables and defaults.

    Keys: ``HOME``, ``BASE_IRI``, ``BUILD_FILE``, ``STORE`` (see ``kg.config``), plus any
    Flask setting such as ``TESTING``.
    """
    app = Flask(__name__)
    overrides = dict(config or {})
    settings = load_settings(overrides)
    app.config.update({k: v for k, v in overrides.items() if k not in settings.as_mapping()})
    app.config["KG_SETTINGS"] = settings
    store = overrides.get("STORE_INSTANCE") or open_store(settings.store, settings.home)
    app.extensions["kg_store"] = store

    from kg.web import home

    app.register_blueprint(home.bp)
    return app
