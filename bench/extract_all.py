"""`kg extract` on every speech of a General Debate archive: no traceback, and how long it takes.

Run as ``python bench/extract_all.py --archive UNGDC_1946-2024.tar.xz`` (the UN General Debate
Corpus as distributed: ``TXT/Session NN - YYYY/ISO_NN_YYYY.txt``, read straight from the
archive) or ``--dir FOLDER`` (every ``*.txt`` below it). Each speech is drafted as
``kg extract`` drafts it, in ``--jobs`` worker processes (default one per core). Prints the
speeches read, those refused with a clear input error (and why), those that raised anything
else (with the file and the exception: each is a defect), the claims, figures and unresolved
sentences drafted, and the extraction time per 3,000 words (median, 95th percentile, most);
writes var/bench/extract-all.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tarfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import load_settings  # noqa: E402
from kg.extract.extract import MAX_BYTES, Extractor, InputError, decode_text  # noqa: E402
from kg.sources.ontology import load_ontology  # noqa: E402
from kg.sources.reference import load_reference  # noqa: E402

OUT = ROOT / "var" / "bench" / "extract-all.json"
_extractor: Extractor | None = None


def speeches(archive: Path | None = None, folder: Path | None = None
             ) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every ``.txt`` speech of the archive or the folder, in name order."""
    if folder is not None:
        for path in sorted(folder.rglob("*.txt")):
            yield str(path.relative_to(folder)), path.read_bytes()[:MAX_BYTES + 1]
        return
    assert archive is not None
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:  # streamed: an .xz archive is read once, front to back
            if member.isfile() and member.name.endswith(".txt"):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield member.name, handle.read(MAX_BYTES + 1)


def _year(name: str) -> str | None:
    stem = Path(name).stem  # ISO_NN_YYYY
    year = stem.rsplit("_", 1)[-1]
    return year if year.isdigit() and len(year) == 4 else None


def _start(home: str) -> None:
    global _extractor
    settings = load_settings({"HOME": Path(home)}, environ={})
    _extractor = Extractor(load_reference(settings.reference_dir, settings.iris),
                           load_ontology(settings.ontology_dir))


def _one(item: tuple[str, bytes]) -> dict[str, Any]:
    name, raw = item
    assert _extractor is not None
    row: dict[str, Any] = {"name": name}
    try:
        text = decode_text(raw, name)
        row["words"] = len(text.split())
        t0 = time.perf_counter()
        draft = _extractor.extract(text, _year(name))
        row["seconds"] = time.perf_counter() - t0
        row["claims"] = len(draft.claims)
        row["figures"] = len(draft.figures)
        row["unresolved"] = len(draft.unresolved)
    except InputError as exc:
        row["refused"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - every other exception is the defect counted
        row["error"] = f"{type(exc).__name__}: {exc}"
        row["traceback"] = traceback.format_exc(limit=-3)
    return row


def _per_3000(row: dict[str, Any]) -> float:
    return row["seconds"] * 3000 / max(1, row["words"])


def run(archive: Path | None = None, folder: Path | None = None, jobs: int | None = None,
        home: Path = ROOT) -> dict[str, Any]:
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    with get_context("fork").Pool(jobs, _start, (str(home),)) as pool:
        rows = list(pool.imap(_one, speeches(archive, folder), chunksize=8))
    wall = time.perf_counter() - started
    drafted = [r for r in rows if "seconds" in r]
    per_3000 = sorted(_per_3000(r) for r in drafted)
    refused = Counter(r["refused"].split(": ", 1)[-1].split(" (")[0].split(";")[0]
                      for r in rows if "refused" in r)
    return {
        "speeches": len(rows), "drafted": len(drafted),
        "refused": sum(refused.values()), "refused_by_reason": dict(refused),
        "errors": [{k: r[k] for k in ("name", "error", "traceback")}
                   for r in rows if "error" in r],
        "words": sum(r["words"] for r in drafted),
        "claims": sum(r["claims"] for r in drafted),
        "figures": sum(r["figures"] for r in drafted),
        "unresolved": sum(r["unresolved"] for r in drafted),
        "seconds_per_3000_words": {
            "median": round(statistics.median(per_3000), 3) if per_3000 else None,
            "p95": round(per_3000[int(0.95 * (len(per_3000) - 1))], 3) if per_3000 else None,
            "max": round(per_3000[-1], 3) if per_3000 else None,
        },
        "slowest": [{"name": r["name"], "words": r["words"],
                     "seconds_per_3000_words": round(_per_3000(r), 3)}
                    for r in sorted(drafted, key=_per_3000, reverse=True)[:10]],
        "cpu_seconds": round(sum(r["seconds"] for r in drafted), 1),
        "wall_seconds": round(wall, 1), "jobs": jobs,
    }


def report(result: dict[str, Any], write=print) -> None:
    t = result["seconds_per_3000_words"]
    write(f"speeches {result['speeches']:,}: drafted {result['drafted']:,}, refused with an "
          f"input error {result['refused']:,}, failed {len(result['errors'])}")
    for reason, n in sorted(result["refused_by_reason"].items()):
        write(f"  refused: {reason}: {n}")
    for error in result["errors"][:20]:
        write(f"  FAILED {error['name']}: {error['error']}")
    write(f"drafted {result['claims']:,} claims, {result['figures']:,} figures, "
          f"{result['unresolved']:,} unresolved sentences from {result['words']:,} words")
    write(f"seconds per 3,000 words: median {t['median']}, p95 {t['p95']}, max {t['max']} "
          f"(one core each; {result['cpu_seconds']} s of extraction in "
          f"{result['wall_seconds']} s on {result['jobs']} processes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--archive", type=Path, help="a .tar.xz (or .tar.gz, .tar) of speeches")
    source.add_argument("--dir", type=Path, help="a folder of .txt speeches")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: "
                        "one per core)")
    args = parser.parse_args(argv)
    where = args.archive or args.dir
    if not where.exists():
        print(f"error: {where}: no such file or folder", file=sys.stderr)
        return 2
    try:
        result = run(args.archive, args.dir, args.jobs)
    except (tarfile.TarError, OSError) as exc:
        print(f"error: {where}: {exc}", file=sys.stderr)
        return 2
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report(result)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
