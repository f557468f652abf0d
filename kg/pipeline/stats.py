"""What the built corpus holds, counted: statements by curation status, claims by kind,
figures by unit. ``kg stats`` prints it as the Markdown tables of the README's corpus
section, and a test keeps the README equal to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import URIRef

from kg.model.kinds import REGISTRY, Registry
from kg.model.namespaces import EKG
from kg.pipeline.build import BuildResult


@dataclass(frozen=True)
class CorpusCounts:
    statements: int
    claims: int
    figures: int
    by_status: Counter[str]  # curation-status concept's local name ("complete")
    by_kind: Counter[str]  # claim kind's YAML key ("figure")
    by_unit: Counter[str]  # unit concept's local name ("persons")


def _local(term: URIRef) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def corpus_counts(result: BuildResult) -> CorpusCounts:
    """Count what ``result`` holds, from its statements' triples."""
    by_status: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    for built in result.statements:
        by_kind.update(built.kinds)
        status = "undeclared"
        for _s, p, o in built.triples:
            if p == EKG.curationStatus:
                status = _local(o)
            elif p == EKG.unit and isinstance(o, URIRef):
                by_unit[_local(o)] += 1
        by_status[status] += 1
    return CorpusCounts(len(result.statements), sum(by_kind.values()),
                        sum(b.figure_count for b in result.statements),
                        by_status, by_kind, by_unit)


def _rows(counter: Counter[str], order: list[str]) -> list[str]:
    keys = [k for k in order if counter[k]] + sorted(k for k in counter if k not in order)
    return [f"| {key} | {counter[key]:,} |" for key in keys]


def markdown(counts: CorpusCounts, kinds: Registry = REGISTRY) -> str:
    """The counts as three Markdown tables (status, kind, unit), most frequent first."""
    statuses = ["complete", "partial", "figures-and-events", "machine-drafted", "unverified"]
    by_frequency = [k for k, _ in sorted(counts.by_unit.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines = [f"{counts.statements:,} statements, {counts.claims:,} claims, "
             f"{counts.figures:,} figures.", "",
             "| curation status | statements |", "|---|---:|",
             *_rows(counts.by_status, statuses), "",
             "| claim kind | claims |", "|---|---:|",
             *_rows(counts.by_kind, [k.key for k in kinds]), "",
             "| figure unit | figures |", "|---|---:|",
             *_rows(counts.by_unit, by_frequency)]
    return "\n".join(lines) + "\n"
