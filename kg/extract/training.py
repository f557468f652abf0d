"""Training data of the claim models: the sentences of the curated development statements.

Each sentence the segmenter finds in a development statement becomes a :class:`Row`: its
features (words and the kinds the rules propose for it) and what the curators claimed in
it (the kinds of the claims over it, their accusation types and legal categories). Only
the statements the split file lists as development are read; the test statements are
never seen here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kg.config import Settings
from kg.extract.claims import KINDS
from kg.extract.extract import Extractor
from kg.extract.models import ClaimModels, Row, features, train
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference
from kg.sources.yamlsource import load_yaml


class SplitError(ValueError):
    """A split file that cannot be used (missing, malformed, naming unknown statements)."""


def development_statements(split_file: Path, statements_dir: Path) -> list[Path]:
    """The annotation files the split file lists as development (sorted)."""
    try:
        data = load_yaml(split_file)
    except (OSError, ValueError) as exc:
        raise SplitError(f"{split_file}: cannot be read ({exc})") from exc
    names = data.get("development") if isinstance(data, dict) else None
    if not isinstance(names, list) or not names:
        raise SplitError(f"{split_file}: no 'development' list of statement ids")
    paths = []
    for name in sorted(str(n) for n in names):
        path = statements_dir / f"{name}.yaml"
        if not path.is_file():
            raise SplitError(f"{split_file}: development statement {name!r} has no "
                             f"annotation file {path.name}")
        paths.append(path)
    return paths


def _local(value: Any) -> str | None:
    return str(value).rsplit("/", 1)[-1].split(":")[-1] if value else None


def rows_of(path: Path, extractor: Extractor, base: str) -> list[Row]:
    """The training rows of one curated statement."""
    data = load_yaml(path)
    meta = data.get("statement") or {}
    text = (path.parent / f"{path.stem}.txt").read_text(encoding="utf-8")
    own = meta.get("delegation")
    draft = extractor.extract(text, str(meta.get("date") or "") or None,
                              f"{base}id/state/{own}" if own else None)
    spans = {k: (v["start"], v["end"]) for k, v in (data.get("sentences") or {}).items()}
    gold: list[tuple[int, int, dict[str, Any]]] = []
    for claim in data.get("claims") or []:
        ids = claim["sentence"] if isinstance(claim["sentence"], list) else [claim["sentence"]]
        for i in ids:
            gold.append((*spans[i], claim))
    rows = []
    for sentence in draft.sentences:
        over = [c for s, e, c in gold if s < sentence.end and sentence.start < e]
        ruled = {p.kind for p in draft.claims if p.start == sentence.start}
        rows.append(Row(
            path.stem, features(sentence.text(text), ruled),
            {c["kind"] for c in over if c.get("kind") in KINDS},
            {t for c in over if c.get("kind") == "accusation" and (t := _local(c.get("type")))},
            {t for c in over if c.get("kind") == "characterisation"
             and (t := _local(c.get("category")))},
            {t for c in over if c.get("kind") == "attribution" and (t := _local(c.get("role")))}))
    return rows


def build_models(settings: Settings, split_file: Path) -> ClaimModels:
    """Train the claim models on the development statements of ``split_file``."""
    paths = development_statements(split_file, settings.statements_dir)
    reference = load_reference(settings.reference_dir, settings.iris)
    extractor = Extractor(reference, load_ontology(settings.ontology_dir), models=None)
    rows: list[Row] = []
    for path in paths:
        rows += rows_of(path, extractor, settings.iris.base)
    return train(rows, KINDS)
