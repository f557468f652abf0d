"""Bearer-token checks for every write: the public service is read-only without the token."""

from __future__ import annotations

import hmac

from flask import request

from kg.web.state import get_kg


class Unauthorised(Exception):
    """A write without the right token; status is 401 or 403, message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = {"WWW-Authenticate": 'Bearer realm="kg"'} if status == 401 else {}


def require_token(what: str) -> None:
    """Raise Unauthorised unless the request carries the configured bearer token."""
    token = get_kg().settings.update_token
    if not token:
        raise Unauthorised(403, f"this endpoint is read-only: {what} is disabled "
                                "(no update token is configured)")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorised(401, f"{what} needs a bearer token (Authorization: Bearer …)")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorised(403, f"the bearer token is not valid for {what}")
