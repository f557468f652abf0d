"""The ``kg`` command: build, validate, load and serve the knowledge graph."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.config import ConfigError, Settings, load_settings
from kg.sources.yamlsource import SourceError

EXIT_INPUT = 2  # bad input files or settings
EXIT_INVALID = 3  # SHACL violations


class _State:
    def __init__(self, home: str | None, base: str | None) -> None:
        self.overrides = {"HOME": home, "BASE_IRI": base}
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.overrides)
            except ConfigError as exc:
                _fail(str(exc), EXIT_INPUT)
        return self._settings


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group()
@click.option("--home", envvar="KG_HOME", type=click.Path(file_okay=False),
              help="Content root with ontology/, shapes/, queries/, data/ (default: .).")
@click.option("--base", "base", envvar="KG_BASE_IRI",
              help="Base IRI for instance IRIs (default https://w3id.org/ekg/).")
@click.pass_context
def main(ctx: click.Context, home: str | None, base: str | None) -> None:
    """kg: an event knowledge graph of statements made in UN debates (claims, never facts)."""
    ctx.obj = _State(home, base)


def _build(state: _State):
    from kg.pipeline.build import BuildError, build

    try:
        return build(state.settings)
    except BuildError as exc:
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        click.echo(f"build failed: {len(exc.errors)} file(s) with errors", err=True)
        sys.exit(EXIT_INPUT)
    except (SourceError, FileNotFoundError) as exc:
        _fail(str(exc), EXIT_INPUT)


@main.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the dataset here: .nq (N-Quads) or .trig (TriG). Default: KG_BUILD_FILE.")
@click.pass_obj
def build_command(state: _State, output: str | None) -> None:
    """Build the dataset from ontology, reference data and curated annotations."""
    from kg.pipeline.build import FORMATS, write_dataset

    target = Path(output) if output else state.settings.build_file
    if target.suffix.lower() not in FORMATS:
        _fail(f"unknown output format {target.suffix!r}: use .nq or .trig", EXIT_INPUT)
    result = _build(state)
    quads = write_dataset(result, state.settings.iris, target)
    figures = sum(s.figure_count for s in result.statements)
    claims = sum(s.claim_count for s in result.statements)
    click.echo(f"built {len(result.statements)} statement(s), {claims} claims, {figures} figures: "
               f"{quads} quads in {2 + len(result.statements)} graphs -> {target}")


@main.command("stats")
@click.pass_obj
def stats_command(state: _State) -> None:
    """Count what the corpus holds (statements by curation status, claims by kind, figures
    by unit) as the Markdown tables of the README's corpus section."""
    from kg.pipeline.stats import corpus_counts, markdown

    click.echo(markdown(corpus_counts(_build(state))), nl=False)


@main.command("validate")
@click.option("--store", "in_store", is_flag=True,
              help="Check the statement graphs the configured store holds (with the store's "
                   "own ontology and reference graphs) instead of building the sources.")
@click.pass_obj
def validate_command(state: _State, in_store: bool) -> None:
    """Check every statement graph (with reference data and ontology) against the SHACL shapes."""
    from kg.pipeline.validate import Validator, load_shapes

    settings = state.settings
    if in_store:
        ontology, reference, statements = _stored_graphs(settings)
    else:
        result = _build(state)
        ontology, reference = result.ontology, result.reference
        statements = ((s.statement_id, s.triples) for s in result.statements)
    try:
        shapes = load_shapes(settings.shapes_dir)
    except (SourceError, FileNotFoundError) as exc:
        _fail(str(exc), EXIT_INPUT)
    validator = Validator(shapes, ontology, settings.iris)
    report = validator.validate(statements, reference)
    for finding in report.findings:
        click.echo(str(finding), err=finding.severity == "Violation")
    warnings = len(report.findings) - len(report.violations)
    summary = (f"{report.units} graph(s) checked: {len(report.violations)} violation(s), "
               f"{warnings} warning(s)")
    if not report.conforms:
        click.echo(f"validation failed: {summary}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"valid: {summary}")


def _stored_graphs(settings: Settings):
    """The ontology, the reference graph and (id, graph) of each statement graph in the store."""
    from rdflib import Graph

    from kg.model.terms import rdflib_graph
    from kg.store import StoreError, open_store

    def as_rdflib(name: str) -> Graph:
        return rdflib_graph(store.graph_triples(name))

    iris = settings.iris
    try:
        store = open_store(settings.store, settings.home, options=settings.store_options)
        names = {n: iris.graph_statement_id(n) for n in store.graph_names()}
        ontology = as_rdflib(str(iris.ontology_graph))
        reference = as_rdflib(str(iris.reference_graph))
    except StoreError as exc:
        _fail(str(exc), EXIT_INPUT)
    if not len(ontology) or not len(reference):
        _fail(f"{settings.store} holds no ontology or reference graph: load a build first",
              EXIT_INPUT)
    return ontology, reference, ((sid, as_rdflib(n)) for n, sid in names.items() if sid)


def _file_digest(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load(settings: Settings, dataset_file: Path, force: bool) -> bool:
    """Load ``dataset_file`` into the configured store unless it already holds it, through
    the write path (every statement graph checked; the ontology and reference graphs may be
    written, as by a build)."""
    from kg.pipeline.ingest import default_jobs
    from kg.pipeline.write import WriteRefused, read_dataset, write
    from kg.store import StoreError, open_store

    marker = dataset_file.with_name(dataset_file.name + ".loaded")
    digest = _file_digest(dataset_file)
    try:
        store = open_store(settings.store, settings.home, options=settings.store_options)
        current = marker.read_text().strip() if marker.exists() else None
        if not force and not store.is_empty() and current == f"{settings.store} {digest}":
            store.close()
            return False
        changes, context = read_dataset(dataset_file, store, settings)
        write(store, context, changes, allow_reference=True, jobs=default_jobs(),
              whole=dataset_file)
        store.close()
    except WriteRefused as exc:
        _fail(f"{dataset_file}: {exc.message}", EXIT_INPUT)
    except (StoreError, FileNotFoundError) as exc:
        _fail(str(exc), EXIT_INPUT)
    marker.write_text(f"{settings.store} {digest}\n")
    return True


@main.command("load")
@click.argument("dataset", required=False, type=click.Path(dir_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Reload even if the store already holds this build.")
@click.pass_obj
def load_command(state: _State, dataset: str | None, force: bool) -> None:
    """Load a built dataset (default: KG_BUILD_FILE) into the configured store, atomically."""
    settings = state.settings
    path = Path(dataset) if dataset else settings.build_file
    if not path.exists():
        _fail(f"{path} does not exist: run 'kg build' first", EXIT_INPUT)
    loaded = _load(settings, path, force)
    click.echo(f"{'loaded' if loaded else 'already loaded'} {path} -> {settings.store}")


def _workers(value: str) -> int | None:
    if value == "auto":
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise click.BadParameter(f"{value!r}: give a number of at least 1, or auto")
    return number


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default="auto", show_default=True,
              help="Serving processes (each holds the store in memory): a number, or auto "
                   "(2, or 1 when two copies would not fit in memory).")
@click.option("--threads", default=4, show_default=True, type=int)
@click.option("--no-build", is_flag=True, help="Serve the store as it is (no rebuild check).")
@click.pass_obj
def serve_command(state: _State, host: str, port: int, workers: str, threads: int,
                  no_build: bool) -> None:
    """Serve the graph with gunicorn; first (re)build and load it if the sources changed."""
    import os

    from kg.pipeline.build import write_dataset
    from kg.store import StoreError, check_store, embedded_path
    from kg.store.capacity import count_quads, memory_available, plan_serving

    settings = state.settings
    wanted = _workers(workers)
    try:
        check_store(settings.store, settings.home)
    except StoreError as exc:
        _fail(str(exc), EXIT_INPUT)
    if not no_build:
        result = _build(state)
        write_dataset(result, settings.iris, settings.build_file)
        if _load(settings, settings.build_file, force=False):
            click.echo(f"loaded {settings.build_file} -> {settings.store}")
    env = dict(os.environ, KG_HOME=str(settings.home), KG_BASE_IRI=settings.base_iri,
               KG_STORE=settings.store, KG_BUILD_FILE=str(settings.build_file))
    env.setdefault("KG_WARM_UP", "true")  # each worker computes the home page first
    path = embedded_path(settings.store, settings.home)
    if path is not None:  # every worker and query process holds the store in memory
        try:
            quads = count_quads(path)
        except OSError as exc:
            _fail(f"cannot read the store at {path}: {exc}", EXIT_INPUT)
        plan = plan_serving(quads, memory_available(), settings.query_memory * 2**20,
                            wanted, settings.query_processes)
        click.echo(f"serving with {plan.describe()}")
        wanted = plan.workers
        env["KG_QUERY_PROCESSES"] = str(plan.query_processes)
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(wanted or 2), "--threads", str(threads),
            "--graceful-timeout", "10", "kg.web:create_app()"]
    click.echo(f"serving on http://{host}:{port}/")
    os.execvpe(argv[0], argv, env)


@main.command("check-queries")
@click.pass_obj
def check_queries_command(state: _State) -> None:
    """Parse every saved query (header, parameters, SPARQL); exit 2 naming a broken file."""
    from kg.sources.queries import load_catalogue

    try:
        catalogue = load_catalogue(state.settings.queries_dir)
    except SourceError as exc:
        _fail(str(exc), EXIT_INPUT)
    for query in catalogue.values():
        params = ", ".join(f"{p.name}: {p.type}" for p in query.params) or "no parameters"
        click.echo(f"ok {query.name} ({query.form}; {params})")
    click.echo(f"{len(catalogue)} saved queries")


@main.command("check")
@click.pass_obj
def check_command(state: _State) -> None:
    """Check the claim-kind registry against the ontology and parse every saved query;
    exit 2 naming the kind or file that is wrong."""
    import kg.sources.annotations  # noqa: F401  (registers the kinds' builder functions)
    from kg.model.kinds import REGISTRY, check
    from kg.sources.ontology import load_ontology
    from kg.sources.queries import load_catalogue

    settings = state.settings
    try:
        ontology = load_ontology(settings.ontology_dir)
    except (FileNotFoundError, SyntaxError, ValueError) as exc:
        _fail(f"cannot read the ontology: {exc}", EXIT_INPUT)
    problems = check(ontology, REGISTRY)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        click.echo(f"check failed: {len(problems)} claim-kind problem(s)", err=True)
        sys.exit(EXIT_INPUT)
    try:
        catalogue = load_catalogue(settings.queries_dir)
    except SourceError as exc:
        _fail(str(exc), EXIT_INPUT)
    click.echo(f"ok: {len(REGISTRY)} claim kinds agree with the ontology; "
               f"{len(catalogue)} saved queries parse")


@main.command("docs")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Markdown file to write (default: docs/ontology.md under the content root).")
@click.pass_obj
def docs_command(state: _State, output: str | None) -> None:
    """Write the ontology and vocabulary documentation (Markdown)."""
    from kg.docs import render_markdown
    from kg.sources.ontology import load_ontology

    target = Path(output) if output else state.settings.home / "docs" / "ontology.md"
    target.write_text(render_markdown(load_ontology(state.settings.ontology_dir)),
                      encoding="utf-8")
    click.echo(f"wrote {target}")


@main.command("reference-states")
@click.pass_obj
def reference_states_command(state: _State) -> None:
    """Regenerate data/reference/member-states.ttl (the 193 UN member states)."""
    from kg.sources.reference import MEMBER_STATES_FILE, member_states_turtle

    target = state.settings.reference_dir / MEMBER_STATES_FILE
    try:
        target.write_text(member_states_turtle(), encoding="utf-8")
    except RuntimeError as exc:
        _fail(str(exc), EXIT_INPUT)
    click.echo(f"wrote {target}")


@main.command("extract")
@click.argument("text_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the draft as one JSON object instead of an annotation file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically) instead of printing.")
@click.option("--id", "statement_id", help="Statement id (default: the text file's stem).")
@click.pass_obj
def extract_command(state: _State, text_file: Path, as_json: bool, output: Path | None,
                    statement_id: str | None) -> None:
    """Draft annotations of a statement text for a person to review (machine-drafted)."""
    import hashlib
    import json
    import re

    from kg.extract.extract import Extractor, InputError, draft_yaml, load_text, to_json
    from kg.files import write_atomically
    from kg.sources.ontology import load_ontology
    from kg.sources.reference import load_reference

    sid = statement_id or text_file.stem
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*", sid):
        _fail(f"statement id {sid!r} is not a valid identifier (letters, digits, - _ .)",
              EXIT_INPUT)
    if output is not None and not output.parent.is_dir():
        _fail(f"{output.parent} is not a directory", EXIT_INPUT)
    settings = state.settings
    try:
        text = load_text(text_file)
        reference = load_reference(settings.reference_dir, settings.iris)
        draft = Extractor(reference, load_ontology(settings.ontology_dir)).extract(text)
    except InputError as exc:
        _fail(str(exc), EXIT_INPUT)
    except (SourceError, FileNotFoundError) as exc:
        _fail(str(exc), EXIT_INPUT)
    if as_json:
        payload = json.dumps(to_json(draft), ensure_ascii=False, indent=2) + "\n"
    else:
        digest = hashlib.sha256(text_file.read_bytes()).hexdigest()
        payload = draft_yaml(draft, sid, text_file.name, digest)
    if output is None:
        click.echo(payload, nl=False)
        return
    write_atomically(output, payload)
    click.echo(f"wrote {output}: {len(draft.figures)} figures, {len(draft.times)} time "
               f"expressions, {len(draft.attributions)} attribution cues (machine-drafted)",
               err=True)


@main.command("add")
@click.argument("text_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "statement_id", required=True, help="Statement id, e.g. unga-2024-…-AZE.")
@click.option("--speaker", help="Person id in data/reference/people.ttl.")
@click.option("--post", help="Post id in data/reference/people.ttl.")
@click.option("--delegation", help="ISO 3166 alpha-3 code, or an organisation id.")
@click.option("--date", help="YYYY-MM-DD, YYYY-MM or YYYY.")
@click.option("--meeting", help="Meeting id in data/reference/meetings.ttl.")
@click.option("--source", help="Where the text comes from.")
@click.option("--symbol", help="UN document symbol of the record.")
@click.pass_obj
def add_command(state: _State, text_file: Path, statement_id: str, **meta: str) -> None:
    """Register a statement: copy its text and write machine-drafted annotations to review."""
    from kg.pipeline.curation import WorkflowError, add

    try:
        text, draft = add(state.settings, text_file, statement_id, meta)
    except WorkflowError as exc:
        _fail(str(exc), EXIT_INPUT)
    click.echo(f"added {text}\ndrafted {draft}: review it, resolve every FIXME, then run "
               f"'kg review {statement_id} --accept'")


def _show_proposals(settings: Settings, path: Path) -> None:
    """Print the claims of a draft by kind and the sentences drafting could not read."""
    from kg.extract.review import summary

    try:
        found = summary(settings, path)
    except (SourceError, OSError) as exc:
        _fail(f"{path}: {exc}", EXIT_INPUT)
    click.echo(f"{path}: review {found.review}")
    click.echo("proposals by kind:")
    for kind, sentences in sorted(found.by_kind.items()):
        click.echo(f"  {kind}: {len(sentences)} ({', '.join(sentences)})")
    if not found.by_kind:
        click.echo("  none")
    if found.note:
        click.echo(found.note)
    click.echo(f"unresolved sentences (a cue that drafted nothing): {len(found.unresolved)}")
    for sentence, u in found.unresolved:
        words = " ".join(u.text.split())
        click.echo(f"  {sentence or '-'} [{u.start}-{u.end}] {u.why}: "
                   f"{words[:120]}{'…' if len(words) > 120 else ''}")


@main.command("review")
@click.argument("statement_id")
@click.option("--accept", is_flag=True, help="Mark the reviewed draft accepted (if it builds "
                                              "and validates).")
@click.pass_obj
def review_command(state: _State, statement_id: str, accept: bool) -> None:
    """Show what a draft still needs, or accept it once reviewed."""
    from kg.pipeline.curation import WorkflowError, open_items
    from kg.pipeline.curation import accept as accept_draft

    path = state.settings.statements_dir / f"{statement_id}.yaml"
    if not path.exists():
        _fail(f"no annotation file {path}", EXIT_INPUT)
    if not accept:
        _show_proposals(state.settings, path)
        items = open_items(path)
        for number, line in items:
            click.echo(f"{path}:{number}: {line}")
        click.echo(f"{len(items)} item(s) to resolve before '--accept'")
        return
    try:
        problems = accept_draft(state.settings, statement_id)
    except WorkflowError as exc:
        _fail(str(exc), EXIT_INPUT)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        _fail(f"not accepted: {len(problems)} problem(s); the file is unchanged", EXIT_INPUT)
    click.echo(f"accepted {path}; it is built and valid")


@main.command("train")
@click.option("--split", "split_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Split file listing the development statements "
                                 "(default: bench/extraction-split.yaml under the home).")
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write the models (default: the file kg extract "
                                 "loads, kg/extract/claims-model.json).")
@click.pass_obj
def train_command(state: _State, split_file: Path | None, output: Path | None) -> None:
    """Train the claim models on the development statements (fixed seeds, reproducible)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        _fail("kg train needs scikit-learn: install the train extra (pip install -e '.[train]')",
              EXIT_INPUT)
    from kg.extract.models import MODEL_FILE
    from kg.extract.training import SplitError, build_models

    settings = state.settings
    split_file = split_file or settings.home / "bench" / "extraction-split.yaml"
    output = output or MODEL_FILE
    if not output.parent.is_dir():
        _fail(f"{output.parent} is not a directory", EXIT_INPUT)
    try:
        models = build_models(settings, split_file)
    except (SplitError, SourceError) as exc:
        _fail(str(exc), EXIT_INPUT)
    models.save(output)
    cv = models.cross_validation
    click.echo(f"trained on {cv['statements']} development statements ({cv['sentences']} "
               f"sentences), {cv['folds']}-fold cross-validation by statement:")
    for kind, row in cv["kinds"].items():
        click.echo(f"  {kind:<17} model F1 {row['cv_f1']:.3f}  rules F1 {row['rules_f1']:.3f}"
                   f"  -> {row['mode']}  (threshold {row['threshold']:.2f}, C {row['C']}, "
                   f"{row['positives']} sentences)")
    click.echo(f"wrote {output}")


@main.command("ingest")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--no-load", is_flag=True, help="Build and validate only.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes that build and check statements (default: one per core).")
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True,
              help="Statements loaded per store write (each whole or not at all).")
@click.pass_obj
def ingest_command(state: _State, source: Path, no_load: bool, jobs: int | None,
                   batch: int) -> None:
    """Build, validate and load many statements (a folder, or a .csv/.jsonl listing)."""
    from kg.pipeline.curation import WorkflowError
    from kg.pipeline.ingest import default_jobs, ingest, listing
    from kg.store import StoreError, open_store

    settings = state.settings
    try:
        files = listing(source)
        store = None if no_load else open_store(settings.store, settings.home, lazy=True,
                                                options=settings.store_options)
    except (WorkflowError, StoreError) as exc:
        _fail(str(exc), EXIT_INPUT)
    with click.progressbar(length=len(files), label="ingesting", file=sys.stderr) as bar:
        report = ingest(settings, files, store, step=lambda _: bar.update(1),
                        jobs=jobs or default_jobs(), batch=batch)
    for name, reason in report.failed:
        click.echo(f"failed: {name}: {reason}", err=True)
    click.echo(f"{len(report.loaded)} statement(s) {'valid' if no_load else 'loaded'}, "
               f"{len(report.failed)} failed")
    if report.failed:
        sys.exit(EXIT_INPUT)


if __name__ == "__main__":  # pragma: no cover
    main()
