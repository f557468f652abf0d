"""The claim models: the committed file, its arithmetic, and kg train (reproducible, trained
on the development statements only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from kg.cli import main
from kg.extract.claims import KINDS
from kg.extract.models import MODEL_FILE, ClaimModels, LinearModel, features, load_models, stem

SPLIT = ROOT / "bench" / "extraction-split.yaml"


def test_stem_and_features():
    assert stem("massacres") == stem("massacre") == "massacr"
    assert stem("violations") == stem("violation")
    assert stem("killed") == "kill"
    tokens = features("Armenia killed civilians.", {"accusation"})
    assert {"armenia", "kill", "armenia_kill", "rule:accusation"} <= set(tokens)


def test_the_committed_models_load_and_were_trained_on_development_statements_only():
    models = load_models()
    assert models is not None, f"{MODEL_FILE} is missing: run kg train"
    development = set(yaml.safe_load(SPLIT.read_text(encoding="utf-8"))["development"])
    assert set(models.trained_on) == development
    assert not any(s.startswith(("unga-1992-", "unga-1994-", "unga-2016-"))
                   for s in models.trained_on)
    assert models.kinds.classes == list(KINDS)
    assert set(models.kinds.modes) <= {"model", "rules"}
    assert all(0 < t < 1 for t in models.kinds.thresholds)
    assert models.accusation_type and models.legal_category and models.role
    assert "perpetrator" in models.role.classes
    scores = models.kind_scores(features("We call on the Security Council to act."))
    assert set(scores) == set(KINDS) and all(0 <= p <= 1 for p, _, _ in scores.values())


def test_linear_model_agrees_with_scikit_learn():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from kg.extract.models import _as_linear

    docs = [features(t) for t in (
        "they shelled the city", "we call on the council", "they shelled the town again",
        "we urge the council", "the city was shelled", "we call on all parties")]
    labels = [1, 0, 1, 0, 1, 0]
    vec = TfidfVectorizer(analyzer=lambda tokens: tokens, norm="l2")
    x = vec.fit_transform(docs)
    fitted = LogisticRegression(random_state=0).fit(x, labels)
    ours = _as_linear(vec, ["shelling"], fitted.coef_, fitted.intercept_, False, [0.5])
    assert sklearn.__version__
    for doc, expected in zip(docs, fitted.predict_proba(x)[:, 1], strict=True):
        assert ours.predict(doc)["shelling"] == pytest.approx(expected, abs=2e-3)


def test_save_and_load_round_trip_and_refuse_other_formats(tmp_path: Path):
    model = LinearModel({"a": 0}, [1.0], ["x", "y"], [{0: 1.5}, {}], [0.1, -0.1], True)
    models = ClaimModels(model, None, None, ["s1"], {"folds": 2})
    path = tmp_path / "m.json"
    models.save(path)
    again = load_models(path)
    assert again is not None and again.kinds.predict(["a"]) == model.predict(["a"])
    assert load_models(tmp_path / "none.json") is None
    path.write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a kg-claim-models/1 file"):
        load_models(path)


def test_kg_train_is_reproducible_and_checks_its_split(tmp_path: Path):
    pytest.importorskip("sklearn")
    split = tmp_path / "split.yaml"
    split.write_text(yaml.safe_dump({"development": [
        "unga-2021-general-debate-ARM", "unga-2020-general-debate-ARM",
        "unga-2019-general-debate-ARM"]}), encoding="utf-8")
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"m{n}.json"
        result = CliRunner().invoke(main, ["--home", str(ROOT), "train", "--split", str(split),
                                           "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "cross-validation by statement" in result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    trained = load_models(tmp_path / "m1.json")
    assert trained is not None and len(trained.trained_on) == 3
    split.write_text(yaml.safe_dump({"development": ["no-such-statement"]}), encoding="utf-8")
    refused = CliRunner().invoke(main, ["--home", str(ROOT), "train", "--split", str(split),
                                        "--out", str(tmp_path / "m3.json")])
    assert refused.exit_code == 2 and "no-such-statement" in refused.output
    assert not (tmp_path / "m3.json").exists()
