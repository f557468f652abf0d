"""The load harness (bench/load.py), run small against its own `kg serve`: no request of the mix
fails, every kind of request is exercised, and a query past its time limit is stopped with 503
while the rest of the mix keeps being answered. Functional checks, not timing ratios."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 - bench/load.py

LIMIT = 4.0  # the server's query time limit (seconds)
PER_SLOW_QUERY = 5  # mix requests that must complete while one slow query runs, at least


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("load") / "load.json"
    options = load.Options(clients=4, requests=150, seconds=10, seed=1, query_timeout=LIMIT,
                           out=out, quiet=True)
    result = load.run_load(options)
    assert out.exists()
    return result


def _errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for key in ("warmup", "phase_a", "phase_b")
            for e in report[key]["errors_by_url"]]


def test_no_request_of_the_mix_fails(report: dict[str, Any]) -> None:
    assert report["mix_errors"] == 0, _errors(report)
    for key in ("warmup", "phase_a", "phase_b"):
        assert report[key]["errors"] == 0, report[key]["errors_by_url"]
        assert report[key]["requests"] > 0


def test_every_kind_of_request_is_exercised(report: dict[str, Any]) -> None:
    mix = report["mix"]
    for kind in load.KINDS:
        assert mix[kind]["distinct"] > 0, kind
    assert {"page:home", "page:search", "page:statement", "page:event"} <= set(mix["page"]["names"])
    assert {"sparql:select-get", "sparql:ask-get", "sparql:select-post",
            "sparql:construct-post"} <= set(mix["sparql"]["names"])
    assert {"export:turtle", "export:jsonld", "export:graph.ttl"} <= set(mix["export"]["names"])
    # the warm-up sends every distinct request, the phases a random mix of all kinds
    assert report["warmup"]["requests"] >= sum(mix[kind]["distinct"] for kind in load.KINDS)
    for key in ("phase_a", "phase_b"):
        for kind in load.KINDS:
            assert report[key]["kinds"][kind]["requests"] > 0, (key, kind)


def test_the_slow_query_is_stopped_with_503(report: dict[str, Any]) -> None:
    slow = report["slow"]
    assert slow["sent"] >= 1
    assert slow["answered_503"] == slow["sent"], slow["other"]  # not 500, not hung
    assert report["slow_ok"]
    for window in slow["windows"]:
        assert LIMIT * 1000 <= window["seconds"] * 1000 < (LIMIT + 10) * 1000, window


def test_the_mix_keeps_going_while_the_slow_query_runs(report: dict[str, Any]) -> None:
    slow = report["slow"]
    complete = [w for w in slow["windows"] if w["within_mix"]]
    assert complete, slow["windows"]
    for window in complete:
        assert window["mix_completed"] >= PER_SLOW_QUERY, window
        assert window["mix_errors"] == 0, window
    # no request of the mix waited for the slow query
    assert slow["mix_max_ms"] < LIMIT * 1000, slow
    assert report["ratio_p99"] is not None and report["verdict"] in ("met", "missed")


def test_report_is_written(report: dict[str, Any]) -> None:
    out = Path(report["options"]["out"])
    assert out.read_text(encoding="utf-8").startswith("{")
    assert "p99(B mix) / p99(A)" in load.render(report)
