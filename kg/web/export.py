"""Downloads (streamed dumps), the VoID/DCAT description, and the ontology and shapes pages."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from rdflib import Graph
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from kg.pipeline.validate import load_shapes
from kg.sources.ontology import load_ontology
from kg.web import conneg
from kg.web.errors import HTTPProblem
from kg.web.state import get_kg

bp = Blueprint("export", __name__)

DUMPS = {
    "kg.nq": ("application/n-quads", "N-Quads: every named graph"),
    "kg.trig": ("application/trig", "TriG: every named graph"),
    "kg.ttl": ("text/turtle", "Turtle: the union of all graphs as one graph"),
    "kg.jsonld": ("application/ld+json", "JSON-LD: every named graph"),
}
FORMATS_NS = "http://www.w3.org/ns/formats/"
#: The W3C format IRI (void:feature) of each dump.
FEATURES = {"kg.nq": "N-Quads", "kg.trig": "TriG", "kg.ttl": "Turtle", "kg.jsonld": "JSON-LD"}
#: The ontology's own IRI (``ekg:`` terms are ``<ONTOLOGY>#Term``), served at /ont.
ONTOLOGY = "https://w3id.org/ekg/ont"
#: rdflib's names for the RDF formats conneg offers.
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                  "nquads": "nquads", "trig": "trig"}
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def _graph_triples(graph: str) -> Iterator[bytes]:
    """One named graph as N-Triples, in chunks (held one graph at a time)."""
    triples = get_kg().store.graph_triples(graph)
    batch: list[ox.Triple] = []
    for triple in triples:
        batch.append(triple)
        if len(batch) >= 5000:
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
            batch = []
    if batch:
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""


def _stream(name: str) -> Iterator[bytes]:
    kg = get_kg()
    if name == "kg.nq":
        yield from kg.store.dump()
        return
    graphs = kg.store.graph_names()
    if name == "kg.ttl":
        for graph in graphs:
            yield from _graph_triples(graph)
        return
    if name == "kg.trig":
        for graph in graphs:
            yield f"{ox.NamedNode(graph)} {{\n".encode()
            yield from _graph_triples(graph)
            yield b"}\n"
        return
    yield b"["
    for index, graph in enumerate(graphs):
        triples = list(kg.store.graph_triples(graph))
        nodes = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]"
        prefix = b"," if index else b""
        yield prefix + json.dumps({"@id": graph}).encode()[:-1] + b', "@graph": ' + nodes + b"}"
    yield b"]\n"


@bp.get("/downloads")
def downloads() -> Response:
    """The list of dumps and per-statement graphs."""
    kg = get_kg()
    ids = [kg.settings.iris.graph_statement_id(g) for g in kg.graph_names()]
    return Response(render_template(
        "export/downloads.html", dumps=DUMPS,
        statements=[(sid, f"statement/{sid}") for sid in ids if sid]),
        200, mimetype="text/html")


@bp.get("/downloads/<name>")
def dump(name: str) -> Response:
    """A whole-dataset dump, streamed."""
    if name not in DUMPS:
        raise HTTPProblem(404, f"no download named {name}; see /downloads")
    media, _ = DUMPS[name]
    response = Response(stream_with_context(_stream(name)), 200,
                        content_type=f"{media}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def void_triples() -> list[ox.Triple]:
    """VoID + DCAT description of the dataset, with counts read from the store."""
    kg = get_kg()
    root = request.host_url.rstrip("/")
    N, L = ox.NamedNode, ox.Literal
    dataset = N(kg.settings.base_iri + "dataset")
    integer = N(XSD + "integer")
    out: list[ox.Triple] = []

    def add(s: object, p: str, o: object) -> None:
        out.append(ox.Triple(s, N(p), o))  # type: ignore[arg-type]

    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    add(dataset, rdf_type, N(VOID + "Dataset"))
    add(dataset, rdf_type, N(DCAT + "Dataset"))
    add(dataset, DCT + "title",
        L("kg: statements made in UN debates on armed conflict", language="en"))
    add(dataset, DCT + "description", L(
        "Claims made in statements at the UN Security Council and General Assembly: figures, "
        "events, attributions of responsibility and legal characterisations, each attributed "
        "to its speaker and anchored to its sentence. Claims, never facts.", language="en"))
    add(dataset, DCT + "license", N(LICENCE))
    add(dataset, VOID + "sparqlEndpoint", N(root + url_for("sparql.sparql")))
    add(dataset, VOID + "uriSpace", L(kg.settings.base_iri + "id/"))
    for name in DUMPS:
        add(dataset, VOID + "feature", N(FORMATS_NS + FEATURES[name]))
    counts = {r["g"]: r["n"] for r in kg.store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    add(dataset, VOID + "triples", L(str(sum(counts.values())), datatype=integer))
    subjects = kg.store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    add(dataset, VOID + "distinctSubjects", L(str(subjects), datatype=integer))
    for example in kg.store.select(
            "PREFIX ekg: <https://w3id.org/ekg/ont#> SELECT ?x WHERE { "
            "{ SELECT ?x WHERE { ?x a ekg:Statement } LIMIT 1 } UNION "
            "{ SELECT ?x WHERE { ?x a ekg:EventReference } LIMIT 1 } }"):
        add(dataset, VOID + "exampleResource", N(example["x"]))
    for name, (media, title) in DUMPS.items():
        url = N(root + url_for("export.dump", name=name))
        add(dataset, VOID + "dataDump", url)
        distribution = N(f"{kg.settings.base_iri}dataset/{name}")
        add(dataset, DCAT + "distribution", distribution)
        add(distribution, rdf_type, N(DCAT + "Distribution"))
        add(distribution, DCAT + "downloadURL", url)
        add(distribution, DCAT + "mediaType", L(media))
        add(distribution, DCT + "title", L(title, language="en"))
    # Statements by curation status: a class partition of ekg:Statement per status, so that
    # a count by delegation can say how much of what it counts was curated completely.
    ekg = "https://w3id.org/ekg/ont#"
    by_status = kg.store.select(
        f"SELECT ?status (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{ekg}Statement> . "
        f"OPTIONAL {{ ?s <{ekg}curationStatus> ?status }} }} GROUP BY ?status")
    statements = ox.BlankNode()  # partitions are described here only, minted nowhere
    add(dataset, VOID + "classPartition", statements)
    add(statements, VOID + "class", N(ekg + "Statement"))
    add(statements, VOID + "entities",
        L(str(sum(int(r["n"]) for r in by_status)), datatype=integer))
    for row in by_status:
        if row.get("status") is None:
            continue
        part = ox.BlankNode()
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", N(ekg + "Statement"))
        add(part, ekg + "curationStatus", N(str(row["status"])))
        add(part, VOID + "entities", L(str(row["n"]), datatype=integer))
    for graph, count in sorted(counts.items()):
        subset = N(graph)
        add(dataset, VOID + "subset", subset)
        add(subset, rdf_type, N(VOID + "Dataset"))
        add(subset, VOID + "triples", L(str(count), datatype=integer))
        add(subset, "http://www.w3.org/ns/sparql-service-description#name", subset)
    return out


@bp.get("/.well-known/void")
def void() -> Response:
    """The dataset described in VoID and DCAT (Turtle by default; content negotiation)."""
    fmt = conneg.choose(conneg.GRAPH, conneg.accept_header(), request.args.get("format"),
                        html=False)
    prefixes = {"void": VOID, "dcat": DCAT, "dcterms": DCT}
    body = ox.serialize(void_triples(), format=conneg.OX_RDF[fmt.name],
                        prefixes=prefixes if fmt.name in ("turtle", "rdfxml") else None)
    response = Response(body or b"", 200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


@bp.get("/dataset")
def dataset() -> Response:
    """The dataset's IRI (``<base>dataset``): its description for RDF clients, the downloads
    page for browsers (303: the IRI names the dataset, not a document)."""
    if conneg.wants_html(conneg.accept_header()):
        return _see_other(url_for("export.downloads"))
    return void()


@bp.get("/dataset/<name>")
def distribution(name: str) -> Response:
    """A distribution's IRI (``<base>dataset/kg.nq``…): 303 to its download."""
    if name not in DUMPS:
        raise HTTPProblem(404, f"no distribution named {name}; see /downloads")
    return _see_other(url_for("export.dump", name=name))


def _see_other(location: str) -> Response:
    response = redirect(location, 303)
    response.vary.add("Accept")
    return response


def _ontology() -> Graph:
    return load_ontology(get_kg().settings.ontology_dir)


@bp.get("/ont")
@bp.get("/ontology")
def ontology_page() -> Response:
    """Classes, properties and concept schemes, with their definitions; the ontology in RDF
    by content negotiation. ``/ont`` is the ontology's IRI (``ekg:Claim`` is ``/ont#Claim``)."""
    graph = _ontology()
    if not conneg.wants_html(conneg.accept_header()):
        return _rdf(graph)
    label = {s: str(o) for s, o in graph.subject_objects(RDFS.label)}
    definition = {s: str(o) for s, o in graph.subject_objects(SKOS.definition)}

    def terms(kind) -> list[dict[str, str]]:
        return sorted(({"iri": str(s), "label": label.get(s, str(s)),
                        "definition": definition.get(s, "")}
                       for s in graph.subjects(RDF.type, kind)
                       if str(s).startswith("https://w3id.org/ekg/ont#")),
                      key=lambda t: t["label"].lower())

    schemes = []
    for scheme in sorted(graph.subjects(RDF.type, SKOS.ConceptScheme), key=str):
        title = graph.value(scheme, DCTERMS.title) or graph.value(scheme, SKOS.prefLabel) or scheme
        concepts = sorted(({"iri": str(c), "label": str(graph.value(c, SKOS.prefLabel) or c),
                            "definition": definition.get(c, ""),
                            "notation": str(graph.value(c, SKOS.notation) or "")}
                           for c in graph.subjects(SKOS.inScheme, scheme)),
                          key=lambda c: c["label"].lower())
        schemes.append({"iri": str(scheme), "title": str(title),
                        "definition": definition.get(scheme, ""), "concepts": concepts})
    return _page(render_template(
        "export/ontology.html", classes=terms(OWL.Class),
        properties=terms(OWL.ObjectProperty) + terms(OWL.DatatypeProperty), schemes=schemes))


@bp.get("/ontology.ttl")
def ontology_turtle() -> Response:
    return _turtle(_ontology())


@bp.get("/shapes")
def shapes_page() -> Response:
    """The SHACL shapes, with what each requires."""
    graph = load_shapes(get_kg().settings.shapes_dir)
    if not conneg.wants_html(conneg.accept_header()):
        return _rdf(graph)
    shapes = []
    for shape in sorted(graph.subjects(RDF.type, SH.NodeShape), key=str):
        if str(shape).endswith("Concept"):
            continue
        targets = [str(t) for p in (SH.targetClass, SH.targetSubjectsOf)
                   for t in graph.objects(shape, p)]
        messages = sorted({str(m) for prop in graph.objects(shape, SH.property)
                           for m in graph.objects(prop, SH.message)}
                          | {str(m) for sparql in graph.objects(shape, SH.sparql)
                             for m in graph.objects(sparql, SH.message)}
                          | {str(m) for m in graph.objects(shape, SH.message)})
        severity = graph.value(shape, SH.severity)
        shapes.append({"name": str(shape).rsplit("#", 1)[-1], "targets": targets,
                       "messages": messages,
                       "severity": str(severity).rsplit("#", 1)[-1] if severity else "Violation"})
    return _page(render_template("export/shapes.html", shapes=shapes))


@bp.get("/shapes.ttl")
def shapes_turtle() -> Response:
    return _turtle(load_shapes(get_kg().settings.shapes_dir))


def _page(html: str) -> Response:
    response = Response(html, 200, mimetype="text/html")
    response.vary.add("Accept")
    return response


def _rdf(graph: Graph) -> Response:
    """``graph`` in the RDF format the client asks for (Turtle for ``*/*``)."""
    fmt = conneg.choose(conneg.GRAPH, conneg.accept_header(), request.args.get("format"),
                        html=False)
    response = Response(graph.serialize(format=RDFLIB_FORMATS[fmt.name], encoding="utf-8"),
                        200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _turtle(graph: Graph) -> Response:
    response = Response(graph.serialize(format="turtle"), 200,
                        content_type="text/turtle; charset=utf-8")
    response.vary.add("Accept")
    return response

