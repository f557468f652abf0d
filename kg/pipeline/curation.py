"""The curation workflow: add a statement as a draft, review and accept it.

1. ``add``: copy a text into ``data/statements/`` and write its machine-drafted annotations
   (the metadata given filled in); both files or neither.
2. A person edits the draft: corrects or deletes each proposed claim, fills every FIXME.
3. ``accept``: refuses while FIXMEs remain; otherwise marks the file accepted, builds and
   checks it as a write would (:mod:`kg.pipeline.write`), and puts the file back as it was if
   either fails.

Many statements are built, checked and loaded by :mod:`kg.pipeline.ingest`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from kg.config import Settings
from kg.extract.extract import Extractor, InputError, draft_yaml, load_text
from kg.pipeline.build import BuildError, build
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
_FIXME = re.compile(r"#\s*FIXME", re.IGNORECASE)
_REVIEW = re.compile(r"^(\s*review:\s*)machine-drafted\s*$", re.MULTILINE)
META_KEYS = ("speaker", "post", "delegation", "date", "meeting", "source", "symbol",
             "language", "url")


class WorkflowError(Exception):
    """A step that cannot be done; the message says why."""


def _temporary(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file next to ``path`` (renamed into place later)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(tmp)


def draft_text(settings: Settings, text: str, statement_id: str, text_name: str,
               meta: dict[str, str]) -> str:
    """Machine-drafted annotations of ``text`` with the given metadata filled in."""
    reference = load_reference(settings.reference_dir, settings.iris)
    draft = Extractor(reference, load_ontology(settings.ontology_dir)).extract(
        text, meta.get("date"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return draft_yaml(draft, statement_id, text_name, digest, meta)


def add(settings: Settings, text_path: Path, statement_id: str,
        meta: dict[str, str]) -> tuple[Path, Path]:
    """Register a statement: its text and a draft annotation file, both or neither."""
    if not _ID.match(statement_id):
        raise WorkflowError(f"statement id {statement_id!r} is not a valid identifier")
    folder = settings.statements_dir
    text_target = folder / f"{statement_id}.txt"
    yaml_target = folder / f"{statement_id}.yaml"
    for target in (text_target, yaml_target):
        if target.exists():
            raise WorkflowError(f"{target} exists already: choose another id")
    try:
        text = load_text(text_path)
    except InputError as exc:
        raise WorkflowError(str(exc)) from exc
    draft = draft_text(settings, text, statement_id, text_target.name,
                       {k: v for k, v in meta.items() if v})
    raw = text_path.read_bytes()
    tmp_text = _temporary(text_target, raw)
    tmp_yaml = _temporary(yaml_target, draft.encode("utf-8"))
    try:
        os.replace(tmp_text, text_target)
        os.replace(tmp_yaml, yaml_target)
    except BaseException:
        tmp_text.unlink(missing_ok=True)
        tmp_yaml.unlink(missing_ok=True)
        if not yaml_target.exists():  # the text was new: take it back out
            text_target.unlink(missing_ok=True)
        raise
    return text_target, yaml_target


def open_items(path: Path) -> list[tuple[int, str]]:
    """The FIXME lines a person must still resolve: ``(line number, line)``."""
    return [(number, line.strip())
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if _FIXME.search(line)]


def accept(settings: Settings, statement_id: str) -> list[str]:
    """Mark a reviewed draft accepted if it builds and validates; else leave it as it was.

    Returns the problems found (empty when accepted)."""
    path = settings.statements_dir / f"{statement_id}.yaml"
    if not path.exists():
        raise WorkflowError(f"no annotation file {path}")
    original = path.read_text(encoding="utf-8")
    remaining = open_items(path)
    if remaining:
        return [f"{path}:{n}: unresolved: {line}" for n, line in remaining]
    if not _REVIEW.search(original):
        return [f"{path}: no 'review: machine-drafted' line: is it a draft?"]
    path.write_text(_REVIEW.sub(r"\1accepted", original, count=1), encoding="utf-8")
    try:
        result = build(settings, only=[path])
        assert result.context is not None
        validator = result.context.validator
        report = validator.validate(((s.statement_id, s.triples) for s in result.statements),
                                    result.reference)
        problems = [str(f) for f in report.violations]
    except BuildError as exc:
        problems = [str(e) for e in exc.errors]
    if problems:
        path.write_text(original, encoding="utf-8")
    return problems
