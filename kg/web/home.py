"""Home page: the corpus at a glance."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from kg.store import Store

bp = Blueprint("home", __name__)

STATEMENTS = """
PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?statement ?date ?speaker ?delegation ?meeting
       (COUNT(DISTINCT ?claim) AS ?claims) WHERE {
  ?statement a ekg:Statement ; dcterms:date ?date ;
             ekg:speaker/foaf:name ?speaker ; ekg:delegation/rdfs:label ?delegation ;
             ekg:atMeeting/rdfs:label ?meeting .
  OPTIONAL { ?claim ekg:statedIn ?statement }
} GROUP BY ?statement ?date ?speaker ?delegation ?meeting ORDER BY DESC(STR(?date)) ?delegation
"""

COUNTS = """
PREFIX ekg: <https://w3id.org/ekg/ont#>
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }
"""


def get_store() -> Store:
    return current_app.extensions["kg_store"]


@bp.get("/")
def index() -> str:
    """The corpus at a glance: size and the list of statements."""
    store = get_store()
    counts = store.select(COUNTS)[0]
    return render_template("home.html", statements=store.select(STATEMENTS), counts=counts)
