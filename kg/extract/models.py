"""Statistical models of claim drafting: trained on the curated development statements.

Three linear models over the words of a sentence (lower case, crudely stemmed, with word
pairs) and the kinds the rules propose for it (``rule:accusation``, ...):

- ``kinds``: one logistic regression per claim kind, the probability that the sentence
  holds a claim of that kind, with a threshold per kind chosen by cross-validation by
  statement within the development set (the best F1). Where the rules alone do better in
  that cross-validation than the model, the kind's mode is ``rules``: its rule proposals
  are kept as they are and the model adds none;
- ``accusation_type``, ``legal_category`` and ``role``: multinomial logistic regressions
  giving the most likely accusation type, legal category and responsibility role of a
  sentence the curators gave one.

``kg train`` fits them with scikit-learn (fixed seeds; a training-only dependency, the
``train`` extra) and writes them as plain JSON (vocabulary, idf, coefficients), so that
drafting needs neither scikit-learn nor unpickling: :meth:`LinearModel.predict` is a
few lines of arithmetic. The file is committed (``kg/extract/claims-model.json``): it is
small, reviewable as text, and rebuilt byte for byte by ``kg train`` from the same data.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).with_name("claims-model.json")
FORMAT = "kg-claim-models/1"
SEED = 0
_WORD = re.compile(r"[a-z]+")
_SUFFIXES = ("ations", "ation", "ities", "ings", "ing", "ies", "ied", "ed", "es", "s")


def stem(word: str) -> str:
    """A crude suffix-stripping normaliser ("violations" -> "violat", "killed" -> "kill",
    "massacre" and "massacres" -> "massacr")."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def features(text: str, rule_kinds: Iterable[str] = ()) -> list[str]:
    """The features of a sentence: stems, pairs of stems, and the kinds rules proposed."""
    stems = [stem(w) for w in _WORD.findall(text.lower())]
    pairs = [f"{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)]
    return stems + pairs + [f"rule:{k}" for k in sorted(set(rule_kinds))]


@dataclass
class LinearModel:
    """A tf-idf (l2-normalised) linear model: binary per class (``multiclass`` False: a
    sigmoid per class) or multinomial (a softmax over the classes)."""

    vocabulary: dict[str, int]
    idf: list[float]
    classes: list[str]
    coef: list[dict[int, float]]
    intercept: list[float]
    multiclass: bool = False
    thresholds: list[float] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)

    def vector(self, tokens: Sequence[str]) -> dict[int, float]:
        counts = Counter(self.vocabulary[t] for t in tokens if t in self.vocabulary)
        weights = {i: n * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {i: w / norm for i, w in weights.items()}

    def __post_init__(self) -> None:
        self._columns: dict[int, list[float]] = {}
        for k, c in enumerate(self.coef):
            for i, v in c.items():
                self._columns.setdefault(i, [0.0] * len(self.coef))[k] = v

    def predict(self, tokens: Sequence[str]) -> dict[str, float]:
        """The probability of each class."""
        raw = list(self.intercept)
        for i, w in self.vector(tokens).items():
            for k, v in enumerate(self._columns.get(i, ())):
                raw[k] += v * w
        if self.multiclass:
            top = max(raw)
            exp = [math.exp(r - top) for r in raw]
            total = sum(exp)
            return {k: e / total for k, e in zip(self.classes, exp, strict=True)}
        return {k: 1 / (1 + math.exp(-r)) for k, r in zip(self.classes, raw, strict=True)}

    def as_dict(self) -> dict[str, Any]:
        return {"classes": self.classes, "multiclass": self.multiclass,
                "thresholds": self.thresholds, "modes": self.modes, "intercept": self.intercept,
                "vocabulary": self.vocabulary, "idf": self.idf,
                "coef": [[c.get(i, 0) for i in range(len(self.idf))] for c in self.coef]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        return cls(data["vocabulary"], data["idf"], data["classes"],
                   [{i: v for i, v in enumerate(c) if v} for c in data["coef"]],
                   data["intercept"], data["multiclass"], data.get("thresholds") or [],
                   data.get("modes") or [])


@dataclass
class ClaimModels:
    """The three models and what they were trained on."""

    kinds: LinearModel
    accusation_type: LinearModel | None
    legal_category: LinearModel | None
    trained_on: list[str]
    cross_validation: dict[str, Any]
    role: LinearModel | None = None

    def kind_scores(self, tokens: Sequence[str]) -> dict[str, tuple[float, float, str]]:
        """Per kind: (probability, threshold, mode: ``model`` or ``rules``)."""
        probs = self.kinds.predict(tokens)
        modes = self.kinds.modes or ["model"] * len(self.kinds.classes)
        return {k: (probs[k], t, m) for k, t, m in zip(
            self.kinds.classes, self.kinds.thresholds, modes, strict=True)}

    def save(self, path: Path = MODEL_FILE) -> None:
        data = {"format": FORMAT, "seed": SEED, "trained_on": self.trained_on,
                "cross_validation": self.cross_validation, "kinds": self.kinds.as_dict(),
                "accusation_type": self.accusation_type.as_dict()
                if self.accusation_type else None,
                "legal_category": self.legal_category.as_dict()
                if self.legal_category else None,
                "role": self.role.as_dict() if self.role else None}
        path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n",
                        encoding="utf-8")


def load_models(path: Path = MODEL_FILE) -> ClaimModels | None:
    """The models of ``path``; None when there is no file (drafting then uses rules only).
    A file of another format is refused with ValueError saying so."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} file (run kg train to rebuild it)")

    def part(key: str) -> LinearModel | None:
        return LinearModel.from_dict(data[key]) if data.get(key) else None

    kinds = part("kinds")
    if kinds is None:
        raise ValueError(f"{path}: no kinds model")
    return ClaimModels(kinds, part("accusation_type"), part("legal_category"),
                       data["trained_on"], data["cross_validation"], part("role"))


# -- training (needs scikit-learn: the ``train`` extra) ----------------------------------------

@dataclass
class Row:
    """One sentence of a development statement with what the curators claimed in it."""

    statement: str
    tokens: list[str]
    kinds: set[str]
    accusation_types: set[str]
    legal_categories: set[str]
    roles: set[str] = field(default_factory=set)


def _round(value: float) -> float | int:
    rounded = float(f"{value:.4g}")
    return int(rounded) if rounded.is_integer() else rounded


def _fit_linear(x: Any, labels: Any, c: float, multiclass: bool) -> tuple[list, list]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000,
                               random_state=SEED)
    model.fit(x, labels)
    return model.coef_, model.intercept_


def _as_linear(vectorizer: Any, classes: list[str], coef: Any, intercept: Any,
               multiclass: bool, thresholds: list[float]) -> LinearModel:
    vocabulary = {t: int(i) for t, i in sorted(vectorizer.vocabulary_.items())}
    return LinearModel(
        vocabulary, [_round(v) for v in vectorizer.idf_], classes,
        [{int(i): _round(v) for i, v in enumerate(row) if abs(v) >= 1e-3} for row in coef],
        [_round(v) for v in intercept], multiclass, thresholds)


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=3, norm="l2",
                           smooth_idf=True, sublinear_tf=False)


def _best_threshold(y: list[int], p: list[float]) -> tuple[float, float]:
    """The threshold of the best F1 over ``p`` (and that F1)."""
    best = (0.5, 0.0)
    for t in [i / 100 for i in range(5, 96, 5)]:
        tp = sum(1 for yi, pi in zip(y, p, strict=True) if yi and pi >= t)
        fp = sum(1 for yi, pi in zip(y, p, strict=True) if not yi and pi >= t)
        fn = sum(1 for yi, pi in zip(y, p, strict=True) if yi and pi < t)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1] + 1e-9:
            best = (t, f1)
    return best


def train(rows: list[Row], kinds: Sequence[str], folds: int = 5,
          c_values: Sequence[float] = (0.3, 1.0, 3.0)) -> ClaimModels:
    """Fit the models on ``rows``; choose C and the thresholds by grouped cross-validation
    (the folds split by statement, so no statement is both trained on and scored)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    groups = [r.statement for r in rows]
    tokens = [r.tokens for r in rows]
    n_folds = min(folds, len(set(groups)))
    splits = list(GroupKFold(n_splits=n_folds).split(tokens, groups=groups)) \
        if n_folds >= 2 else []
    report: dict[str, Any] = {"folds": n_folds, "sentences": len(rows),
                              "statements": len(set(groups)), "kinds": {}}
    chosen_c: dict[str, float] = {}
    thresholds: list[float] = []
    modes: list[str] = []
    for kind in kinds:
        y = np.array([int(kind in r.kinds) for r in rows])
        best = (1.0, 0.5, -1.0)
        for c in c_values:
            out = np.zeros(len(rows))
            for fit_at, score_at in splits:
                if len(set(y[fit_at])) < 2:
                    continue
                vec = _vectorizer()
                x = vec.fit_transform([tokens[i] for i in fit_at])
                coef, intercept = _fit_linear(x, y[fit_at], c, False)
                raw = vec.transform([tokens[i] for i in score_at]) @ coef[0] + intercept[0]
                out[score_at] = 1 / (1 + np.exp(-raw))
            t, f1 = _best_threshold(list(y), list(out))
            if f1 > best[2]:
                best = (c, t, f1)
        chosen_c[kind], threshold, f1 = best
        ruled = [int(f"rule:{kind}" in t) for t in tokens]
        _, rule_f1 = _best_threshold(list(y), [float(r) for r in ruled])
        modes.append("model" if f1 > rule_f1 else "rules")
        thresholds.append(threshold)
        report["kinds"][kind] = {"C": chosen_c[kind], "threshold": threshold,
                                 "cv_f1": round(f1, 3), "rules_f1": round(rule_f1, 3),
                                 "mode": modes[-1], "positives": int(y.sum())}
    vec = _vectorizer()
    x = vec.fit_transform(tokens)
    coefs, intercepts = [], []
    for kind in kinds:
        y = np.array([int(kind in r.kinds) for r in rows])
        if len(set(y)) < 2:
            coefs.append(np.zeros(x.shape[1]))
            intercepts.append(-10.0)
            continue
        coef, intercept = _fit_linear(x, y, chosen_c[kind], False)
        coefs.append(coef[0])
        intercepts.append(float(intercept[0]))
    kinds_model = _as_linear(vec, list(kinds), coefs, intercepts, False, thresholds)
    kinds_model.modes = modes
    return ClaimModels(kinds_model, _category_model(rows, "accusation_types"),
                       _category_model(rows, "legal_categories"),
                       sorted(set(groups)), report, _category_model(rows, "roles"))


def _category_model(rows: list[Row], key: str) -> LinearModel | None:
    import numpy as np

    samples = [(r.tokens, sorted(getattr(r, key))[0]) for r in rows if getattr(r, key)]
    counts = Counter(label for _, label in samples)
    samples = [(t, label) for t, label in samples if counts[label] >= 2]
    if len({label for _, label in samples}) < 2:
        return None
    vec = _vectorizer()
    x = vec.fit_transform([t for t, _ in samples])
    labels = np.array([label for _, label in samples])
    coef, intercept = _fit_linear(x, labels, 3.0, True)
    classes = sorted(set(labels))
    if len(classes) == 2:  # sklearn keeps one row for two classes
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return _as_linear(vec, classes, coef, intercept, True, [])
