"""`kg validate`: the shipped data conforms; facts on reference nodes and bad figures do not."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import FIRST

from kg.cli import main
from kg.pipeline.validate import Validator, load_shapes


def _validate(home: Path):
    return CliRunner().invoke(main, ["--home", str(home), "validate"])


def test_shipped_data_conforms(settings, built):
    validator = Validator(load_shapes(settings.shapes_dir), built.ontology, settings.iris)
    report = validator.validate(((s.statement_id, s.graph) for s in built.statements),
                                built.reference)
    assert report.conforms, "\n".join(map(str, report.violations))
    assert report.units == 1 + len(built.statements)
    assert report.findings == []  # not even a warning on the curated data


def test_cli_validate_succeeds_on_shipped_data(home):
    result = _validate(home)
    assert result.exit_code == 0, result.output
    assert "0 violation(s)" in result.output


def test_a_figure_on_the_khojaly_reference_event_fails(home):
    events = home / "data" / "reference" / "events.ttl"
    events.write_text(
        events.read_text(encoding="utf-8")
        + "\n<id/event/khojaly-1992-02> <http://schema.org/value> 613 ;\n"
        "    <https://w3id.org/ekg/ont#measure> <https://w3id.org/ekg/vocab/measure/killed> .\n",
        encoding="utf-8",
    )
    result = _validate(home)
    assert result.exit_code == 3
    assert "ev:khojaly-1992-02 path schema:value: Reference node carries a value" in result.stderr
    assert "ev:khojaly-1992-02 path ekg:measure: Reference node carries a measure" in result.stderr
    # Reported once, for the reference graph, not repeated for every statement.
    assert result.stderr.count("path schema:value") == 1
    assert "validation failed" in result.stderr


def test_a_statement_graph_cannot_put_a_figure_on_a_reference_event(home, built, settings):
    graph = next(s for s in built.statements if s.statement_id == FIRST).graph
    khojaly = settings.iris.mint("ev", "khojaly-1992-02")
    figure = next(graph.objects(None, _ekg("figure")))
    polluted = type(graph)()
    for triple in graph:
        polluted.add(triple)
    polluted.add((khojaly, _ekg("figure"), figure))
    validator = Validator(load_shapes(settings.shapes_dir), built.ontology, settings.iris)
    report = validator.validate([(FIRST, polluted)], built.reference)
    assert [f.message for f in report.violations if f.focus == "ev:khojaly-1992-02"] == [
        "Reference node carries a figure (ekg:figure); figures belong on an ekg:FigureClaim."
    ]
    assert report.violations[0].unit == FIRST


def _ekg(local: str):
    from kg.model.namespaces import EKG

    return EKG[local]


def test_a_part_larger_than_its_whole_is_a_warning_not_a_failure(home):
    path = home / "data" / "statements" / f"{FIRST}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    part = next(f for c in data["claims"] if c["kind"] == "figure"
                for f in c["figures"] if f.get("part_of") and f["text"] == "12 children")
    part.update(value=150, text="12 children", min=150, max=150)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000),
                    encoding="utf-8")
    result = _validate(home)
    assert result.exit_code == 0, result.output
    assert "Warning" in result.output
    assert "Part figure's lower bound (150) exceeds its whole's upper bound (101)" in result.output
