"""``/drafts``: draft annotations of a statement text over HTTP (token only; nothing stored).

POST a text with its metadata; the answer is the machine-drafted annotation file (YAML),
or with ``Accept: application/json`` the same draft as JSON. Nothing enters the graph:
a person reviews the draft and adds it with ``kg add`` / ``kg review --accept``.
Extraction runs in a child process with a deadline, like every parse of untrusted input.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, request

from kg.extract.extract import MAX_BYTES, Extractor, to_json
from kg.isolation import IsolatedFailure, run_in_child
from kg.pipeline.workflow import META_KEYS, draft_text
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference
from kg.web import conneg
from kg.web.auth import Unauthorised, require_token
from kg.web.errors import error_response
from kg.web.state import get_kg

bp = Blueprint("drafts", __name__)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")


def _draft(settings, text: str, statement_id: str, meta: dict[str, str]) -> tuple[str, dict]:
    """Runs in the child: the draft as YAML and as JSON."""
    yaml_text = draft_text(settings, text, statement_id, f"{statement_id}.txt", meta)
    reference = load_reference(settings.reference_dir, settings.iris)
    draft = Extractor(reference, load_ontology(settings.ontology_dir)).extract(
        text, meta.get("date"))
    return yaml_text, to_json(draft)


@bp.post("/drafts")
def create() -> Response:
    """Draft the annotations of a posted statement text (JSON or form: text, id, metadata)."""
    try:
        require_token("drafting")
    except Unauthorised as exc:
        return error_response(exc.status, exc.message, exc.headers)
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data(cache=False) or b"{}")
        except ValueError:
            return error_response(400, "the body is not valid JSON")
        if not isinstance(data, dict):
            return error_response(400, "the body must be a JSON object")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = request.form.to_dict()
    else:
        return error_response(415, "send JSON or form data with 'text', 'id' and metadata")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return error_response(400, "'text' is required: the statement's text, as published")
    if "\x00" in text:
        return error_response(400, "'text' contains NUL characters: send a text, not a binary")
    if len(text.encode("utf-8")) > MAX_BYTES:
        return error_response(413, f"'text' is longer than {MAX_BYTES} bytes")
    statement_id = str(data.get("id") or "draft")
    if not _ID.match(statement_id):
        return error_response(400, f"'id' {statement_id!r} is not a valid identifier")
    meta = {k: str(data[k]) for k in META_KEYS if data.get(k)}
    try:
        yaml_text, json_draft = run_in_child(_draft, get_kg().settings, text, statement_id,
                                             meta, timeout=60.0)
    except IsolatedFailure as exc:
        return error_response(422, f"the text could not be drafted: {exc}")
    except ValueError as exc:
        return error_response(400, str(exc))
    ranges = [m for m, q, _ in conneg.parse_accept(request.headers.get("Accept")) if q > 0]
    if ranges and ranges[0] == "application/json":
        body = json.dumps({"id": statement_id, "review": "machine-drafted", "draft": json_draft,
                           "annotation": yaml_text}, ensure_ascii=False)
        return Response(body, 200, content_type="application/json; charset=utf-8")
    return Response(yaml_text, 200, content_type="application/yaml; charset=utf-8")
