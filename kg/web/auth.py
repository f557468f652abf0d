"""Bearer-token checks for every write: the public service is read-only without the token."""

from __future__ import annotations

import hmac

from flask import request

from kg.web.errors import HTTPProblem
from kg.web.state import get_kg

#: Kept for code that still catches it by this name: a refused token is an HTTPProblem.
Unauthorised = HTTPProblem

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kg"'}


def require_token(what: str) -> None:
    """Raise HTTPProblem (401 or 403) unless the request carries the configured bearer
    token."""
    token = get_kg().settings.update_token
    if not token:
        raise HTTPProblem(403, f"this endpoint is read-only: {what} is disabled "
                               "(no update token is configured)")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise HTTPProblem(401, f"{what} needs a bearer token (Authorization: Bearer …)",
                          _CHALLENGE)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPProblem(403, f"the bearer token is not valid for {what}")
