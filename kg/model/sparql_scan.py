"""A lexical scan of SPARQL text for what must be checked before it runs.

It finds SERVICE, LOAD and dataset clauses (FROM, FROM NAMED, USING, WITH)
with their IRIs, skipping comments, string literals and IRIs so that a word
inside them is never mistaken for a keyword. Prefixed names are expanded with
the query's own PREFIX declarations. The query itself is parsed by the store;
this scan only decides whether it may reach the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:[\w.:%\\-]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Scan:
    """What the text asks for beyond the store."""

    services: list[str] = field(default_factory=list)  # IRIs, or "?var" for a variable
    loads: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    using_or_with: bool = False
    keywords: set[str] = field(default_factory=set)
    form: str | None = None  # SELECT, ASK, CONSTRUCT or DESCRIBE: the first one written

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(kind, value) for kind, value, _ in positioned(text)]


def positioned(text: str) -> list[tuple[str, str, int]]:
    """Significant tokens with their kind, text and start offset."""
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("comment", "space"):
            continue
        out.append((kind, match.group(), match.start()))
    return out


def max_depth(text: str) -> int:
    """The deepest nesting of { ( [ in SPARQL or Turtle text (outside strings and IRIs)."""
    depth = deepest = 0
    for kind, value, _ in positioned(text):
        if kind != "other":
            continue
        if value in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif value in "})]":
            depth -= 1
    return deepest


def top_level_keywords(text: str) -> set[str]:
    """Keywords outside every ``{ }`` group (e.g. a query's own LIMIT or OFFSET)."""
    depth = 0
    found = set()
    for kind, value, _ in positioned(text):
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif kind == "word" and depth == 0:
            found.add(value.upper())
    return found


def where_body_start(text: str) -> int | None:
    """Offset just after the ``{`` that opens the query's top-level WHERE group."""
    tokens = positioned(text)
    for index, (kind, value, _) in enumerate(tokens):
        if kind == "word" and value.upper() == "WHERE":
            for later in tokens[index + 1:]:
                if later[1] == "{":
                    return later[2] + 1
            return None
    # WHERE is optional in SELECT/ASK: the first group after the projection opens it.
    depth_started = [t for t in tokens if t[1] == "{"]
    if not depth_started:
        return None
    if any(t[0] == "word" and t[1].upper() in ("CONSTRUCT",) for t in tokens):
        return None  # CONSTRUCT's first group is its template; such queries must say WHERE
    return depth_started[0][2] + 1


def variables(text: str) -> set[str]:
    """The variables written in the text, with their ``?`` or ``$``."""
    return {value for kind, value, _ in positioned(text) if kind == "var"}


def variable_uses(text: str, name: str, after: int) -> tuple[list[int], bool]:
    """Where ``?name`` (or ``$name``) occurs from offset ``after`` (the WHERE group's body),
    and whether every occurrence is inside the parentheses of a ``FILTER (...)`` of that
    group itself (not of a nested group, which does not see the group's bindings)."""
    depth = 1  # inside the WHERE group's brace
    parens = 0  # open parentheses of the FILTER being read, 0 outside one
    expect_paren = False
    offsets: list[int] = []
    only_filters = True
    for kind, value, at in positioned(text[after:]):
        if expect_paren:
            expect_paren = False
            if value == "(" and depth == 1:
                parens = 1
                continue
        if parens:
            parens += value == "("
            parens -= value == ")"
        elif value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif kind == "word" and value.upper() == "FILTER":
            expect_paren = True
        if kind == "var" and value[1:] == name:
            offsets.append(after + at)
            only_filters = only_filters and parens > 0
    return offsets, only_filters and bool(offsets)


def scan(text: str) -> Scan:
    """Scan a query or update. Unknown prefixes leave the name as written."""
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    result = Scan()

    def resolve(kind: str, value: str) -> str:
        if kind == "iri":
            return value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            return prefixes.get(prefix, "") + local if prefix in prefixes else value
        return value

    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper() if kind == "word" else ""
        if upper:
            result.keywords.add(upper)
            if result.form is None and upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                result.form = upper
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
            i += 3
            continue
        nxt = i + 1
        if nxt < len(tokens) and tokens[nxt][0] == "word" and tokens[nxt][1].upper() == "SILENT":
            nxt += 1
        if upper == "SERVICE" and nxt < len(tokens):
            result.services.append(resolve(*tokens[nxt]))
        elif upper == "LOAD" and nxt < len(tokens):
            result.loads.append(resolve(*tokens[nxt]))
        elif upper == "FROM" and i + 1 < len(tokens):
            target = tokens[i + 1]
            if target[0] == "word" and target[1].upper() == "NAMED" and i + 2 < len(tokens):
                result.from_named_graphs.append(resolve(*tokens[i + 2]))
            else:
                result.from_graphs.append(resolve(*target))
        elif upper in ("USING", "WITH"):
            result.using_or_with = True
        i += 1
    return result


def allowed(iri: str, allow_list: list[str]) -> bool:
    """True if ``iri`` starts with one of the allowed prefixes (never for variables)."""
    if iri.startswith(("?", "$")):
        return False
    return any(prefix and iri.startswith(prefix) for prefix in allow_list)
