"""Error responses (never a traceback), CORS, security headers and the request log."""

from __future__ import annotations

import io
import json
import logging
import time

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from kg.store.base import QueryTimeout, StoreUnavailable
from kg.web import conneg
from kg.web.executor import QueryFailed

log = logging.getLogger("kg.request")

#: A refused body up to this size is read and thrown away before the 413 goes out, so the
#: client, still sending, reads the answer instead of a reset connection (a lingering close).
DRAIN_LIMIT = 64 * 1024 * 1024
DRAIN_SECONDS = 5.0


class HTTPProblem(Exception):
    """A request that cannot be answered as asked: the status, a message that says what and
    where, and any headers (``Retry-After``, ``Allow``, ``WWW-Authenticate``). Raised
    anywhere in a request; answered by :func:`error_response` in the form the client asked
    for."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def _problem(exc: HTTPProblem) -> Response:
    return error_response(exc.status, exc.message, exc.headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
                   form: str | None = None) -> Response:
    """An error in the form the client asked for (HTML, JSON or plain text, by Accept; or
    ``form``: ``"json"`` or ``"text"`` when the address already chose one, like ``.json``)."""
    accept = conneg.accept_header()
    html = None
    if form is None and conneg.prefers_html(accept):
        try:
            html = render_template("error.html", status=status, message=message)
        except Exception:  # noqa: BLE001 - an error page must never fail itself
            log.exception("error page could not be rendered")
    if html is not None:
        response = Response(html, status, mimetype="text/html")
    elif form == "json" or (form is None and conneg.preferred(accept) in (
            "application/json", "application/problem+json")):
        response = Response(json.dumps({"status": status, "error": message}), status,
                            mimetype="application/json")
    else:
        response = Response(message + "\n", status, mimetype="text/plain")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if form is None or status == 406:
        response.vary.add("Accept")  # the body's form followed Accept (a 406, the offer)
    return response


def problem(exc: QueryFailed) -> HTTPProblem:
    """The one translation of a failed query into an HTTP answer (503s say when to retry)."""
    return HTTPProblem(exc.status, exc.message, {"Retry-After": "5"} if exc.status == 503 else None)


def _drain_refused_body() -> None:
    """Read and drop a too-large body declared by its Content-Length, up to DRAIN_LIMIT
    bytes and DRAIN_SECONDS (the server reads no further than the declared length)."""
    remaining = request.content_length or 0
    stream = request.environ.get("wsgi.input")
    if stream is not None and remaining <= DRAIN_LIMIT:
        _drain(stream, remaining)


def _drain(stream: object, limit: int = DRAIN_LIMIT) -> None:
    """Read and drop what a client still sends after a refusal (bounded in bytes and time)."""
    deadline = time.monotonic() + DRAIN_SECONDS
    try:
        while limit > 0 and time.monotonic() < deadline:
            chunk = stream.read(min(limit, 65536))  # type: ignore[attr-defined]
            if not chunk:
                break
            limit -= len(chunk)
    except Exception:  # noqa: BLE001 - the answer is a refusal either way
        log.debug("the refused body could not be drained")


def whole_body(max_body: int) -> None:
    """Read a body sent without Content-Length (``Transfer-Encoding: chunked``) whole, before
    any view sees it: over ``max_body`` bytes it is refused (413), never cut at the limit and
    used; a malformed chunked encoding is a 400. The body read is handed on with its length,
    so every route reads it as if it had come with a Content-Length."""
    environ = request.environ
    if environ.get("CONTENT_LENGTH") or "chunked" not in environ.get(
            "HTTP_TRANSFER_ENCODING", "").lower():
        return
    stream = environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_body:
                _drain(stream)
                raise HTTPProblem(413, "the request body is larger than this service accepts "
                                       f"({max_body} bytes at most, KG_MAX_BODY)")
            chunks.append(chunk)
    except HTTPProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - servers raise their own types for bad chunks
        raise HTTPProblem(400, "the request body's chunked encoding is malformed: "
                               f"{' '.join(str(exc).split())[:200] or type(exc).__name__}"
                          ) from exc
    body = b"".join(chunks)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    request.__dict__.pop("stream", None)  # in case anything looked at the stream already


def _http_error(exc: HTTPException) -> Response:
    messages = {
        404: "not found: there is nothing at this address",
        405: f"method {request.method} is not allowed here",
        413: "the request body is larger than this service accepts",
    }
    message = messages.get(exc.code or 500, exc.description or exc.name)
    if exc.code == 413:
        _drain_refused_body()
    response = error_response(exc.code or 500, message)
    if exc.code == 405:
        allowed = exc.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
    return response


def _unavailable(exc: StoreUnavailable | QueryTimeout) -> Response:
    """The store is down or the page's query ran out of time: try again later, not a 500."""
    log.warning("store unavailable on %s %s: %s", request.method, request.path, exc)
    return error_response(503, f"the knowledge graph's store cannot answer right now: {exc}",
                          {"Retry-After": "5"})


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal error: the request could not be completed")


def _cors_origin(app: Flask) -> str | None:
    origin = request.headers.get("Origin")
    allowed = [o.strip() for o in app.config["KG_SETTINGS"].cors_origins.split(",") if o.strip()]
    if not origin or not allowed:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin in allowed else None


def install(app: Flask) -> None:
    """Register error handlers, CORS, security headers and the structured request log."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(HTTPProblem, _problem)
    app.register_error_handler(QueryFailed, lambda exc: _problem(problem(exc)))
    app.register_error_handler(
        conneg.NotAcceptable, lambda exc: error_response(406, str(exc)))
    app.register_error_handler(StoreUnavailable, _unavailable)
    app.register_error_handler(QueryTimeout, _unavailable)
    app.register_error_handler(Exception, _unexpected)

    @app.before_request
    def _start() -> Response | None:
        g.started = time.perf_counter()
        whole_body(app.config["KG_SETTINGS"].max_body)
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
            response = Response(status=204)
            origin = _cors_origin(app)
            if origin:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = (
                    "Accept, Authorization, Content-Type")
                response.headers["Access-Control-Max-Age"] = "86400"
            response.vary.add("Origin")
            return response
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        origin = _cors_origin(app)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Link, Content-Location"
            if origin != "*":
                response.vary.add("Origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        started = g.get("started")
        duration = (time.perf_counter() - started) * 1000 if started else 0.0
        log.info(json.dumps({"method": request.method, "path": request.path,
                             "status": response.status_code,
                             "duration_ms": round(duration, 2)}))
        return response
