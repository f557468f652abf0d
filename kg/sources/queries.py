"""The saved-query catalogue: ``queries/*.rq`` with a ``#+`` YAML header (grlc's convention).

A header declares the title, description, tags, typed parameters and pagination::

    #+ title: Figures cited for an event, side by side
    #+ description: Every figure cited for the event or its sub-events …
    #+ tags: [figures, events]
    #+ params:
    #+   event: {type: iri, default: "ev:nk-conflict", description: The reference event}
    #+ pagination: 50

Each parameter ``name`` binds the variable ``?name``. Values are converted to typed
RDF terms and bound with a ``VALUES`` block at the start of the query's WHERE
group, never pasted into the text; a bad value is refused naming the parameter.
Every file is checked when the catalogue loads, and a broken one stops the
service with its file name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.model.namespaces import IRIs
from kg.model.sparql_scan import (
    scan,
    top_level_keywords,
    variable_uses,
    variables,
    where_body_start,
)
from kg.sources.yamlsource import LDict, LList, SourceError, load_yaml

XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = ("iri", "string", "integer", "decimal", "date", "year", "language", "boolean")
RESERVED = frozenset({"page", "page_size", "format", "output"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PARAM = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_HEADER_KEYS = {"title", "description", "tags", "params", "pagination", "examples"}
_PARAM_KEYS = {"type", "description", "required", "default", "values", "values_query", "min",
               "max"}
MAX_STRING = 500


class ParameterError(ValueError):
    """A parameter value that cannot be used; the message names the parameter."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    required: bool = False
    default: str | None = None
    values: tuple[str, ...] = ()
    values_query: str | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass
class SavedQuery:
    name: str
    path: Path
    title: str
    description: str
    tags: list[str]
    params: list[Param]
    text: str
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    pagination: int | None = None
    examples: list[dict[str, str]] = field(default_factory=list)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _split_header(text: str) -> tuple[str, str]:
    header, body = [], []
    in_header = True
    for line in text.splitlines(keepends=True):
        if in_header and line.startswith("#+"):
            header.append(line[2:].removeprefix(" "))
        else:
            in_header = False
            body.append(line)
    return "".join(header), "".join(body)


def load_query(path: Path) -> SavedQuery:
    """Parse and check one saved query; raise SourceError naming the file."""
    name = path.stem
    if not _NAME.match(name):
        raise SourceError(path, None, "saved-query file names are lower-case words joined by "
                                      "hyphens (they become URLs)")
    text = path.read_text(encoding="utf-8")
    header_text, body = _split_header(text)
    if not header_text.strip():
        raise SourceError(path, 1, "missing the '#+' metadata header (title, description, …)")
    try:
        header = load_yaml(path, header_text)
    except SourceError as exc:
        raise SourceError(path, exc.line, f"header: {exc.message}") from exc
    if not isinstance(header, LDict):
        raise SourceError(path, 1, "the header must be a YAML mapping")
    for key in header:
        if key not in _HEADER_KEYS:
            raise SourceError(path, header.line_of(key), f"unknown header key {key!r} (allowed: "
                                                         f"{', '.join(sorted(_HEADER_KEYS))})")
    for key in ("title", "description"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise SourceError(path, header.line_of(key), f"the header needs a {key}")
    tags = header.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise SourceError(path, header.line_of("tags"), "tags must be a list of words")
    form = scan(body).form
    if form is None:
        raise SourceError(path, None, "the query is not a SELECT, ASK, CONSTRUCT or DESCRIBE")
    params = [_param(path, header, key, value, body)
              for key, value in (header.get("params") or {}).items()]
    pagination = header.get("pagination")
    if pagination is not None:
        if not isinstance(pagination, int) or isinstance(pagination, bool) or pagination < 1:
            raise SourceError(path, header.line_of("pagination"), "pagination is a page size (>0)")
        if {"LIMIT", "OFFSET"} & top_level_keywords(body):
            raise SourceError(path, header.line_of("pagination"), "a paginated query must not "
                                                                  "have its own LIMIT or OFFSET")
    if params and where_body_start(body) is None:
        raise SourceError(path, None, "a query with parameters needs an explicit WHERE { … }")
    examples = header.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, dict) for e in examples):
        raise SourceError(path, header.line_of("examples"), "examples must be a list of mappings")
    query = SavedQuery(name, path, header["title"].strip(), header["description"].strip(),
                       list(tags), params, body.strip() + "\n", form, pagination,
                       [{str(k): str(v) for k, v in e.items()} for e in examples])
    _check_syntax(query)
    return query


def _param(path: Path, header: LDict, name: str, spec: Any, body: str) -> Param:
    line = header.line_of("params")
    if not _PARAM.match(name) or name in RESERVED:
        raise SourceError(path, line, f"parameter name {name!r} is not allowed")
    if not isinstance(spec, LDict):
        raise SourceError(path, line, f"parameter {name!r} needs a mapping (type, description…)")
    for key in spec:
        if key not in _PARAM_KEYS:
            raise SourceError(path, spec.line_of(key), f"unknown key {key!r} in parameter {name!r}")
    kind = spec.get("type")
    if kind not in TYPES:
        raise SourceError(path, spec.line_of("type"), f"parameter {name!r}: type must be one of "
                                                      f"{', '.join(TYPES)}")
    if not re.search(rf"[?$]{name}\b", body):
        raise SourceError(path, spec.line, f"parameter {name!r} is declared but ?{name} is not "
                                           "used in the query")
    values = spec.get("values") or []
    if not isinstance(values, LList | list):
        raise SourceError(path, spec.line_of("values"), f"parameter {name!r}: values is a list")
    return Param(
        name=name, type=kind, description=str(spec.get("description") or "").strip(),
        required=bool(spec.get("required", False)),
        default=None if spec.get("default") is None else str(spec.get("default")),
        values=tuple(str(v) for v in values), values_query=spec.get("values_query"),
        minimum=spec.get("min"), maximum=spec.get("max"),
    )


def _check_syntax(query: SavedQuery) -> None:
    empty = ox.Store()
    for label, text in [("query", query.text)] + [
        (f"values_query of {p.name!r}", p.values_query) for p in query.params if p.values_query
    ]:
        try:
            result = empty.query(text)
            if isinstance(result, ox.QuerySolutions):
                list(result)
        except SyntaxError as exc:
            raise SourceError(query.path, None, f"{label}: SPARQL syntax error: "
                                                f"{' '.join(str(exc).split())[:200]}") from exc


def load_catalogue(queries_dir: Path) -> dict[str, SavedQuery]:
    """Every saved query, by name; raise SourceError on the first broken file."""
    if not queries_dir.is_dir():
        return {}
    return {path.stem: load_query(path) for path in sorted(queries_dir.glob("*.rq"))}


# -- binding ---------------------------------------------------------------------------------

def to_term(param: Param, raw: str, iris: IRIs) -> ox.NamedNode | ox.Literal:
    """Convert a request value to a typed RDF term; raise ParameterError naming the parameter."""
    value = raw.strip()
    name = param.name
    if param.type == "iri":
        expanded = expand_curie(value, iris)
        if not _IRI.match(expanded):
            raise ParameterError(f"parameter {name!r} must be an absolute IRI (or a kg CURIE such "
                                 f"as ev:khojaly-1992-02), got {raw!r}")
        try:
            return ox.NamedNode(expanded)
        except ValueError as exc:
            raise ParameterError(f"parameter {name!r} is not a valid IRI: {exc}") from exc
    if param.type == "string":
        if len(value) > MAX_STRING or not value:
            raise ParameterError(f"parameter {name!r} must be 1 to {MAX_STRING} characters")
        return ox.Literal(value)
    if param.type in ("integer", "year"):
        if not re.fullmatch(r"[+-]?\d{1,12}", value):
            raise ParameterError(f"parameter {name!r} must be an integer, got {raw!r}")
        number = int(value)
        if param.minimum is not None and number < param.minimum:
            raise ParameterError(f"parameter {name!r} must be at least {param.minimum}")
        if param.maximum is not None and number > param.maximum:
            raise ParameterError(f"parameter {name!r} must be at most {param.maximum}")
        return ox.Literal(str(number), datatype=ox.NamedNode(f"{XSD}integer"))
    if param.type == "decimal":
        if not re.fullmatch(r"[+-]?\d{1,15}(\.\d{1,10})?", value):
            raise ParameterError(f"parameter {name!r} must be a decimal number, got {raw!r}")
        return ox.Literal(value, datatype=ox.NamedNode(f"{XSD}decimal"))
    if param.type == "date":
        try:
            return ox.Literal(date.fromisoformat(value).isoformat(),
                              datatype=ox.NamedNode(f"{XSD}date"))
        except ValueError as exc:
            raise ParameterError(f"parameter {name!r} must be a date YYYY-MM-DD, "
                                 f"got {raw!r}") from exc
    if param.type == "language":
        if not _LANGUAGE.match(value):
            raise ParameterError(f"parameter {name!r} must be a language tag such as 'en'")
        return ox.Literal(value.lower())
    if value.lower() in ("true", "false", "1", "0"):  # boolean
        return ox.Literal("true" if value.lower() in ("true", "1") else "false",
                          datatype=ox.NamedNode(f"{XSD}boolean"))
    raise ParameterError(f"parameter {name!r} must be true or false, got {raw!r}")


def expand_curie(value: str, iris: IRIs) -> str:
    prefix, sep, local = value.partition(":")
    prefixes = iris.prefixes()
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return value


Term = ox.NamedNode | ox.Literal


def bind(query: SavedQuery, raw: Mapping[str, str], iris: IRIs,
         allowed_values: Mapping[str, frozenset[str]] | None = None) -> dict[str, Term]:
    """Typed terms for the request's parameters (defaults applied). Raises ParameterError."""
    unknown = sorted(set(raw) - {p.name for p in query.params} - RESERVED)
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise ParameterError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; this query "
                             f"takes: {known}")
    terms = {}
    for param in query.params:
        value = raw.get(param.name)
        if value is None or value == "":
            value = param.default
        if value is None:
            if param.required:
                raise ParameterError(f"parameter {param.name!r} is required")
            continue
        term = to_term(param, value, iris)
        from_graph = (allowed_values or {}).get(param.name, frozenset())  # full IRIs already
        if param.values or from_graph:
            if term.value not in from_graph and term.value not in {
                    expand_curie(c, iris) for c in param.values}:
                raise ParameterError(f"parameter {param.name!r} must be one of the listed values; "
                                     f"{value!r} is not")
        terms[param.name] = term
    return terms


def with_values(text: str, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with its parameters bound: a literal used only in FILTERs of the WHERE group
    is written into them, every other term goes in a VALUES block at the start of that group.

    The two bind alike (the variable is not projected, and a FILTER of the group sees the
    group's VALUES), but Oxigraph pushes a FILTER with a constant down into the scan it
    applies to, and one over a VALUES variable only after the whole group is joined:
    ``quote-search`` takes 0.65 s instead of 1.7 s at 10,000 statements. IRIs stay in
    VALUES: as constants they make Oxigraph choose worse join orders (``mentions`` 94 ms ->
    17 s)."""
    if not terms:
        return text
    at = where_body_start(text)
    if at is None:
        raise ValueError("the query has no WHERE group to bind parameters in")
    edits: list[tuple[int, int, str]] = []
    values = {}
    for name, term in terms.items():
        offsets, only_filters = variable_uses(text, name, at)
        projected = {f"?{name}", f"${name}"} & variables(text[:at])
        if isinstance(term, ox.Literal) and only_filters and not projected:
            edits += [(offset, offset + 1 + len(name), str(term)) for offset in offsets]
        else:
            values[name] = term
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    # One VALUES block per variable: Virtuoso 7.2 fails on multi-variable VALUES here.
    block = "".join(f"\n  VALUES ?{name} {{ {values[name]} }}" for name in sorted(values))
    return text[:at] + block + "\n" + text[at:]


def paginate(text: str, page: int, size: int) -> str:
    """Append LIMIT/OFFSET (one row more than the page, to know if there is a next page)."""
    return f"{text.rstrip()}\nLIMIT {size + 1} OFFSET {(page - 1) * size}\n"
