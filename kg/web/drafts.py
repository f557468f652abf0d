"""``/drafts``: draft annotations of a statement text over HTTP (token only; nothing stored).

POST a text with its metadata; the answer is the machine-drafted annotation file (YAML),
or with ``Accept: application/json`` the same draft as JSON. Nothing enters the graph:
a person reviews the draft and adds it with ``kg add`` / ``kg review --accept``.
Extraction runs in a child process with a deadline, like every parse of untrusted input.
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, Response, request

from kg.config import Settings
from kg.extract.extract import MAX_BYTES, Extractor, draft_yaml, to_json
from kg.isolation import IsolatedFailure, run_in_child
from kg.pipeline.curation import META_KEYS
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference
from kg.web import conneg
from kg.web.auth import require_token
from kg.web.errors import HTTPProblem
from kg.web.state import get_kg

bp = Blueprint("drafts", __name__)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")


def draft(settings: Settings, text: str, statement_id: str, meta: dict[str, str],
          extractor: Extractor | None = None) -> tuple[str, dict]:
    """The draft as YAML (what ``kg add`` writes) and as JSON, from one extraction. Runs in
    the child process."""
    if extractor is None:
        reference = load_reference(settings.reference_dir, settings.iris)
        extractor = Extractor(reference, load_ontology(settings.ontology_dir))
    found = extractor.extract(text, meta.get("date"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return draft_yaml(found, statement_id, f"{statement_id}.txt", digest, meta), to_json(found)


@bp.post("/drafts")
def create() -> Response:
    """Draft the annotations of a posted statement text (JSON or form: text, id, metadata)."""
    require_token("drafting")
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data(cache=False) or b"{}")
        except ValueError:
            raise HTTPProblem(400, "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise HTTPProblem(400, "the body must be a JSON object")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = request.form.to_dict()
    else:
        raise HTTPProblem(415, "send JSON or form data with 'text', 'id' and metadata")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise HTTPProblem(400, "'text' is required: the statement's text, as published")
    if "\x00" in text:
        raise HTTPProblem(400, "'text' contains NUL characters: send a text, not a binary")
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise HTTPProblem(413, f"'text' is longer than {MAX_BYTES} bytes")
    statement_id = str(data.get("id") or "draft")
    if not _ID.match(statement_id):
        raise HTTPProblem(400, f"'id' {statement_id!r} is not a valid identifier")
    meta = {k: str(data[k]) for k in META_KEYS if data.get(k)}
    try:
        yaml_text, json_draft = run_in_child(draft, get_kg().settings, text, statement_id,
                                             meta, timeout=60.0)
    except IsolatedFailure as exc:
        raise HTTPProblem(422, f"the text could not be drafted: {exc}") from exc
    except ValueError as exc:
        raise HTTPProblem(400, str(exc)) from exc
    if conneg.preferred(conneg.accept_header()) == "application/json":
        body = json.dumps({"id": statement_id, "review": "machine-drafted", "draft": json_draft,
                           "annotation": yaml_text}, ensure_ascii=False)
        response = Response(body, 200, content_type="application/json; charset=utf-8")
    else:
        response = Response(yaml_text, 200, content_type="application/yaml; charset=utf-8")
    response.vary.add("Accept")
    return response
