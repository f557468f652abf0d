"""A SPARQL update evaluated once, as the change set it makes.

Every write to kg is a :class:`~kg.store.base.ChangeSet`: the quads and graphs it changes,
computed once by the writer and replicated as they are. For a SPARQL update this module
does the computing: each operation's WHERE group runs as a ``SELECT`` on the store (through
``Store.query``, so any backend serves), and its templates are instantiated here, with the
update semantics of SPARQL 1.1 (unbound variables and ill-formed quads skip the quad, blank
nodes are new per solution, later operations see what earlier ones did). So ``RAND()``,
``NOW()``, ``UUID()`` and ``BNODE()`` are evaluated once, relative IRIs are resolved once
against the request's base, and the result can be checked before anything is written.

How a template is read: its variables are replaced by placeholder IRIs and the text, which
is then TriG, is parsed by pyoxigraph; the placeholders are bound from each solution. The
text is split into operations, and each operation into its parts, by a lexical scan
(:mod:`kg.model.sparql_scan`) after pyoxigraph has parsed the whole update, so only valid
SPARQL reaches the split. ``LOAD`` is not evaluated here (it would fetch data).

Dataset: an operation's WHERE group reads the store's own default graph (as Oxigraph's
update does), or the graphs of its ``USING`` / ``USING NAMED`` / ``WITH`` clauses, or those
the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` name (``default_graphs``,
``named_graphs``), which may not be combined with such clauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.model.sparql_scan import positioned
from kg.store.base import ChangeSet, QuerySyntaxError, Store, StoreError

_VAR = "urn:x-kg-template-variable:"
_DEFAULT = ox.DefaultGraph()


class UpdateError(StoreError):
    """The update is valid SPARQL but cannot be applied as asked (the message says why)."""


@dataclass
class _Token:
    kind: str
    text: str
    start: int

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class _State:
    """The request's effect so far, relative to the store: graphs emptied, quads removed
    (from the store's content), quads added. ``added`` and ``removed`` stay disjoint."""

    dropped: set[str] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)
    added: set[ox.Quad] = field(default_factory=set)
    scratch: ox.Store | None = None  # the store's data with the effect applied, when needed

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        for quad in quads:
            self.added.discard(quad)
            self.removed.add(quad)
        if self.scratch is not None:
            for quad in quads:
                self.scratch.remove(quad)

    def add(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        for quad in quads:
            self.removed.discard(quad)
            self.added.add(quad)
        if self.scratch is not None:
            self.scratch.extend(quads)

    def drop(self, graph: str) -> None:
        self.dropped.add(graph)
        self.added = {q for q in self.added if _graph_name(q.graph_name) != graph}
        self.removed = {q for q in self.removed if _graph_name(q.graph_name) != graph}
        if self.scratch is not None:
            self.scratch.remove_graph(ox.NamedNode(graph))

    def changed(self) -> bool:
        return bool(self.dropped or self.removed or self.added)

    def change_set(self) -> ChangeSet:
        return ChangeSet(dropped=set(self.dropped), removed=sorted(self.removed, key=str),
                         added=sorted(self.added, key=str))


def _graph_name(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return "" if isinstance(graph, ox.DefaultGraph) else graph.value


def changes_of_update(store: Store, sparql: str, *, base_iri: str | None = None,
                      default_graphs: Sequence[str] | None = None,
                      named_graphs: Sequence[str] | None = None) -> ChangeSet:
    """What ``sparql`` (a SPARQL 1.1 update request) would change in ``store`` now.

    Raises QuerySyntaxError for invalid SPARQL, UpdateError for an update that cannot be
    applied (a missing graph without SILENT, LOAD, a dataset given twice)."""
    _check_syntax(sparql, base_iri)
    protocol_dataset = default_graphs is not None or named_graphs is not None
    evaluator = _Evaluator(store, base_iri, default_graphs, named_graphs)
    for prologue, tokens in _operations(sparql):
        if protocol_dataset and any(t.word in ("USING", "WITH") for t in tokens):
            raise UpdateError("the update names its dataset (USING or WITH) and the request "
                              "gives using-graph-uri / using-named-graph-uri: give one of them")
        evaluator.run(sparql, prologue, tokens)
    return evaluator.state.change_set()


def _check_syntax(sparql: str, base_iri: str | None) -> None:
    """Let pyoxigraph parse the request, on an empty store (nothing there to change or read;
    ``SERVICE`` is the caller's to allow or refuse before). Evaluation errors there, such as
    a graph missing from the empty store, are not syntax errors."""
    if any(t.word == "LOAD" for t in _tokens(sparql)):  # would fetch, even on an empty store
        raise UpdateError("LOAD is not supported: fetch the data yourself and send it with "
                          "the Graph Store Protocol (PUT /graph-store)")
    try:
        ox.Store().update(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    except (OSError, RuntimeError, ValueError):
        pass


def _tokens(text: str) -> list[_Token]:
    return [_Token(kind, value, start) for kind, value, start in positioned(text)]


def _operations(sparql: str) -> list[tuple[str, list[_Token]]]:
    """Each operation's tokens, with the prologue (PREFIX and BASE text) in force for it."""
    tokens = _tokens(sparql)
    operations: list[tuple[str, list[_Token]]] = []
    prologue: list[str] = []
    current: list[_Token] = []
    depth = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if depth == 0 and not current and token.word in ("PREFIX", "BASE"):
            width = 3 if token.word == "PREFIX" else 2
            parts = tokens[index:index + width]
            prologue.append(sparql[parts[0].start:parts[-1].end])
            index += width
            continue
        if token.text in "{" and token.kind == "other":
            depth += 1
        elif token.text == "}" and token.kind == "other":
            depth -= 1
        if depth == 0 and token.kind == "other" and token.text == ";":
            if current:
                operations.append(("\n".join(prologue), current))
            current = []
        else:
            current.append(token)
        index += 1
    if current:
        operations.append(("\n".join(prologue), current))
    return operations


def _group_end(tokens: list[_Token], open_at: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``open_at``."""
    depth = 0
    for index in range(open_at, len(tokens)):
        text = tokens[index].text if tokens[index].kind == "other" else ""
        if text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
            if depth == 0:
                return index
    raise QuerySyntaxError("unbalanced braces")  # the parser would have said so first


class _Evaluator:
    def __init__(self, store: Store, base_iri: str | None,
                 default_graphs: Sequence[str] | None,
                 named_graphs: Sequence[str] | None) -> None:
        self.store = store
        self.base_iri = base_iri
        self.default_graphs = list(default_graphs) if default_graphs is not None else None
        self.named_graphs = list(named_graphs) if named_graphs is not None else None
        self.state = _State()

    # -- reading the current state ------------------------------------------------------
    def _solutions(self, select: str, default_graphs: list[str] | None,
                   named_graphs: list[str] | None) -> list[dict[str, object]]:
        """Rows of a SELECT over the current state (the store, plus this request's effect)."""
        if self.state.changed() and self.state.scratch is None:
            self.state.scratch = self._scratch()
        if self.state.scratch is not None:
            kwargs: dict = {"base_iri": self.base_iri}
            if default_graphs is not None:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs] or [_DEFAULT]
            if named_graphs is not None:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            try:
                result = self.state.scratch.query(select, **kwargs)
            except SyntaxError as exc:
                raise QuerySyntaxError(str(exc)) from exc
        else:
            if default_graphs is not None and not default_graphs:
                default_graphs = None  # USING NAMED alone: an empty default graph
                select = _empty_default(select)
            result = self.store.query(select, default_graphs=default_graphs,
                                      named_graphs=named_graphs, base_iri=self.base_iri,
                                      union_default=False)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names} for row in result]

    def _scratch(self) -> ox.Store:
        """A copy of the store's data with this request's effect so far (only when an
        operation reads after an earlier one changed something)."""
        scratch = ox.Store()
        result = self.store.query(
            "SELECT ?s ?p ?o ?g WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }",
            union_default=False)
        assert isinstance(result, ox.QuerySolutions)
        quads = []
        for row in result:
            graph = row["g"]
            quad = ox.Quad(row["s"], row["p"], row["o"], graph if graph is not None else _DEFAULT)
            if graph is not None and graph.value in self.state.dropped:
                continue
            if quad not in self.state.removed:
                quads.append(quad)
        scratch.extend(quads)
        scratch.extend(self.state.added)
        return scratch

    def _graph_quads(self, graph: str) -> list[ox.Quad]:
        """The current quads of one graph (``""``: the default graph)."""
        target = ox.NamedNode(graph) if graph else _DEFAULT
        if graph:
            rows = self._solutions(f"SELECT ?s ?p ?o WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}",
                                   None, None)
        else:
            rows = self._solutions("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", None, None)
        return [ox.Quad(r["s"], r["p"], r["o"], target) for r in rows]  # type: ignore[arg-type]

    def _graphs(self) -> set[str]:
        """The named graphs that exist now (a graph whose every quad this request removed
        one by one still counts: finding out would read every graph)."""
        names = {g for g in self.store.graph_names() if g not in self.state.dropped}
        names |= {q.graph_name.value for q in self.state.added
                  if isinstance(q.graph_name, ox.NamedNode)}
        return names

    # -- operations ---------------------------------------------------------------------
    def run(self, sparql: str, prologue: str, tokens: list[_Token]) -> None:
        first = tokens[0].word
        second = tokens[1].word if len(tokens) > 1 else ""
        if first == "LOAD":
            raise UpdateError("LOAD is not supported: fetch the data yourself and send it "
                              "with the Graph Store Protocol (PUT /graph-store)")
        if first in ("INSERT", "DELETE") and second == "DATA":
            quads = self._data(sparql, prologue, tokens, 2)
            (self.state.add if first == "INSERT" else self.state.remove)(quads)
        elif first == "DELETE" and second == "WHERE":
            self._modify(sparql, prologue, tokens)
        elif first in ("INSERT", "DELETE", "WITH"):
            self._modify(sparql, prologue, tokens)
        elif first in ("CLEAR", "DROP"):
            self._clear(tokens[1:], sparql, prologue)
        elif first == "CREATE":
            self._create(tokens[1:], sparql, prologue)
        elif first in ("ADD", "MOVE", "COPY"):
            self._transfer(first, tokens[1:], sparql, prologue)
        else:  # pragma: no cover - the parser accepted it, so it is one of the above
            raise UpdateError(f"unsupported update operation {tokens[0].text}")

    def _iri(self, sparql: str, prologue: str, token: _Token) -> str:
        """A graph IRI written as an IRI or a prefixed name, resolved."""
        text = f"{prologue}\nSELECT ({token.text} AS ?iri) {{}}"
        result = ox.Store().query(text, base_iri=self.base_iri)
        assert isinstance(result, ox.QuerySolutions)
        return next(iter(result))["iri"].value

    def _data(self, sparql: str, prologue: str, tokens: list[_Token], at: int) -> list[ox.Quad]:
        """The quads of ``INSERT DATA { … }`` / ``DELETE DATA { … }``."""
        end = _group_end(tokens, at)
        return _parse_quads(sparql, prologue, tokens[at + 1:end], self.base_iri, None)

    def _modify(self, sparql: str, prologue: str, tokens: list[_Token]) -> None:
        index = 0
        with_graph: str | None = None
        delete: list[_Token] | None = None
        insert: list[_Token] | None = None
        using: list[str] = []
        using_named: list[str] = []
        if tokens[0].word == "WITH":
            with_graph = self._iri(sparql, prologue, tokens[1])
            index = 2
        if tokens[index].word == "DELETE" and tokens[index + 1].word == "WHERE":
            end = _group_end(tokens, index + 2)
            delete = tokens[index + 3:end]
            where = tokens[index + 2:end + 1]
        else:
            if tokens[index].word == "DELETE":
                end = _group_end(tokens, index + 1)
                delete = tokens[index + 2:end]
                index = end + 1
            if tokens[index].word == "INSERT":
                end = _group_end(tokens, index + 1)
                insert = tokens[index + 2:end]
                index = end + 1
            while tokens[index].word == "USING":
                if tokens[index + 1].word == "NAMED":
                    using_named.append(self._iri(sparql, prologue, tokens[index + 2]))
                    index += 3
                else:
                    using.append(self._iri(sparql, prologue, tokens[index + 1]))
                    index += 2
            if tokens[index].word == "WHERE":
                index += 1
            where = tokens[index:_group_end(tokens, index) + 1]
        default_graphs: list[str] | None
        named_graphs: list[str] | None
        if using or using_named:
            default_graphs, named_graphs = using, using_named
        elif self.default_graphs is not None or self.named_graphs is not None:
            default_graphs = list(self.default_graphs or [])
            named_graphs = list(self.named_graphs or [])
        elif with_graph is not None:
            default_graphs, named_graphs = [with_graph], None
        else:
            default_graphs = named_graphs = None
        group = sparql[where[0].start:where[-1].end]
        rows = self._solutions(f"{prologue}\nSELECT * WHERE {group}", default_graphs,
                               named_graphs)
        removed: list[ox.Quad] = []
        added: list[ox.Quad] = []
        if delete is not None:
            patterns = _parse_quads(sparql, prologue, delete, self.base_iri, with_graph)
            removed = list(_instantiate(patterns, rows, fresh_blank_nodes=False))
        if insert is not None:
            patterns = _parse_quads(sparql, prologue, insert, self.base_iri, with_graph)
            added = list(_instantiate(patterns, rows, fresh_blank_nodes=True))
        self.state.remove(removed)
        self.state.add(added)

    def _target(self, tokens: list[_Token], sparql: str, prologue: str) -> tuple[str, bool]:
        """``(what, silent)`` of CLEAR/DROP/CREATE: a graph IRI, DEFAULT, NAMED or ALL."""
        silent = bool(tokens) and tokens[0].word == "SILENT"
        rest = tokens[1:] if silent else tokens
        if rest[0].word == "GRAPH":
            return self._iri(sparql, prologue, rest[1]), silent
        return rest[0].word, silent

    def _clear(self, tokens: list[_Token], sparql: str, prologue: str) -> None:
        what, silent = self._target(tokens, sparql, prologue)
        if what in ("DEFAULT", "ALL"):
            self.state.remove(self._graph_quads(""))
        if what in ("NAMED", "ALL"):
            for graph in sorted(self._graphs()):
                self.state.drop(graph)
        elif what not in ("DEFAULT", "ALL"):
            self._clear_graph(what, silent)

    def _clear_graph(self, graph: str, silent: bool) -> None:
        if graph not in self._graphs():
            if silent:
                return
            raise UpdateError(f"the graph <{graph}> does not exist (use SILENT to ignore)")
        self.state.drop(graph)

    def _create(self, tokens: list[_Token], sparql: str, prologue: str) -> None:
        graph, silent = self._target(tokens, sparql, prologue)
        if graph in self._graphs() and not silent:
            raise UpdateError(f"the graph <{graph}> exists already (use SILENT to ignore)")
        # An empty graph is no change: graphs exist in kg's stores by their triples.

    def _transfer(self, kind: str, tokens: list[_Token], sparql: str, prologue: str) -> None:
        silent = bool(tokens) and tokens[0].word == "SILENT"
        rest = tokens[1:] if silent else tokens
        to = next(i for i, t in enumerate(rest) if t.word == "TO")

        def graph_of(part: list[_Token]) -> str:
            if part[0].word == "DEFAULT":
                return ""
            return self._iri(sparql, prologue, part[-1])
        source, target = graph_of(rest[:to]), graph_of(rest[to + 1:])
        if source == target:
            return
        if source and source not in self._graphs() and not silent:
            # With SILENT the operation goes on as its equivalent DROP and INSERT would
            # (the target emptied for MOVE and COPY), as Oxigraph does.
            raise UpdateError(f"the graph <{source}> does not exist (use SILENT to ignore)")
        quads = self._graph_quads(source)
        if kind in ("MOVE", "COPY"):
            if target:
                self.state.drop(target)
            else:
                self.state.remove(self._graph_quads(""))
        destination = ox.NamedNode(target) if target else _DEFAULT
        self.state.add(ox.Quad(q.subject, q.predicate, q.object, destination) for q in quads)
        if kind == "MOVE":
            if source:
                self.state.drop(source)
            else:
                self.state.remove(quads)


def _empty_default(select: str) -> str:
    """A query whose default graph is empty: its WHERE group reads only named graphs."""
    return select.replace("SELECT * WHERE", "SELECT * FROM <urn:x-kg:empty> WHERE", 1)


def _parse_quads(sparql: str, prologue: str, body: list[_Token], base_iri: str | None,
                 default: str | None) -> list[ox.Quad]:
    """The quads (or quad patterns, variables as placeholder IRIs) written in a quad block's
    body. Triples outside GRAPH go to ``default`` (a WITH graph) or the default graph."""
    chunks: list[str] = []
    loose: list[_Token] = []
    index = 0

    def text_of(part: list[_Token]) -> str:
        """The tokens' text as written, spaces and all, with variables as placeholders."""
        out: list[str] = []
        for number, token in enumerate(part):
            if number:
                out.append(sparql[part[number - 1].end:token.start])
            out.append(_placeholder(token))
        return "".join(out)

    while index < len(body):
        token = body[index]
        if token.word == "GRAPH":
            end = _group_end(body, index + 2)
            if loose:
                chunks.append("{ " + text_of(loose) + "\n}")
                loose = []
            chunks.append(f"GRAPH {_placeholder(body[index + 1])} "
                          f"{{ {text_of(body[index + 3:end])}\n}}")
            index = end + 1
            if index < len(body) and body[index].text == "." and body[index].kind == "other":
                index += 1
            continue
        loose.append(token)
        index += 1
    if loose:
        chunks.append("{ " + text_of(loose) + "\n}")
    document = prologue + "\n" + "\n".join(chunks)
    try:
        quads = list(ox.parse(document.encode("utf-8"), format=ox.RdfFormat.TRIG,
                              base_iri=base_iri))
    except SyntaxError as exc:  # the parser accepted the update: a form TriG lacks
        raise UpdateError(f"this update's templates cannot be read: {exc}") from exc
    if default is None:
        return quads
    target = ox.NamedNode(default)
    return [ox.Quad(q.subject, q.predicate, q.object, target)
            if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads]


def _placeholder(token: _Token) -> str:
    if token.kind == "var":
        return f"<{_VAR}{token.text[1:]}>"
    return token.text


def _bind(term: object, row: dict[str, object], blank: dict[str, ox.BlankNode] | None) -> object:
    """A template term for one solution: a variable's value (None if unbound), a new blank
    node per label and solution (``blank`` given: INSERT templates), else the term."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(_VAR):
        return row.get(term.value[len(_VAR):])
    if isinstance(term, ox.BlankNode) and blank is not None:
        if term.value not in blank:
            blank[term.value] = ox.BlankNode()
        return blank[term.value]
    return term


def _instantiate(patterns: list[ox.Quad], rows: list[dict[str, object]],
                 fresh_blank_nodes: bool) -> Iterable[ox.Quad]:
    """The quads of the templates for each solution; a quad with an unbound variable or an
    ill-formed term (a literal subject, a blank node graph…) is left out, as SPARQL says."""
    for row in rows:
        blank: dict[str, ox.BlankNode] | None = {} if fresh_blank_nodes else None
        for pattern in patterns:
            subject, predicate, obj, graph = (
                _bind(pattern.subject, row, blank), _bind(pattern.predicate, row, blank),
                _bind(pattern.object, row, blank), _bind(pattern.graph_name, row, blank))
            if subject is None or obj is None:
                continue
            if not isinstance(subject, ox.NamedNode | ox.BlankNode):
                continue
            if not isinstance(predicate, ox.NamedNode):
                continue
            if not isinstance(graph, ox.NamedNode | ox.DefaultGraph):
                continue
            yield ox.Quad(subject, predicate, obj, graph)  # type: ignore[arg-type]
