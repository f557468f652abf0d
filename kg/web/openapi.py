"""The OpenAPI 3 document of the saved-query API, generated from the catalogue."""

from __future__ import annotations

import re
from typing import Any

from kg.sources.queries import Param, SavedQuery, expand_curie

ENUM_LIMIT = 200
TABLE_TYPES = {
    "application/json": {"$ref": "#/components/schemas/Table"},
    "text/csv": {"type": "string"},
    "text/tab-separated-values": {"type": "string"},
    "application/sparql-results+json": {"type": "object"},
    "text/html": {"type": "string"},
}
GRAPH_TYPES = {
    "text/turtle": {"type": "string"},
    "application/ld+json": {"type": "object"},
    "application/n-triples": {"type": "string"},
    "text/html": {"type": "string"},
}


def operation_id(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part.capitalize() for part in rest)


def _schema(param: Param, values: list[str], default: str | None) -> dict[str, Any]:
    schema: dict[str, Any]
    if param.type == "iri":
        schema = {"type": "string", "format": "uri"}
    elif param.type in ("integer", "year"):
        schema = {"type": "integer"}
        if param.minimum is not None:
            schema["minimum"] = param.minimum
        if param.maximum is not None:
            schema["maximum"] = param.maximum
    elif param.type == "decimal":
        schema = {"type": "number"}
    elif param.type == "date":
        schema = {"type": "string", "format": "date"}
    elif param.type == "boolean":
        schema = {"type": "boolean"}
    elif param.type == "language":
        schema = {"type": "string", "pattern": "^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$"}
    else:
        schema = {"type": "string", "minLength": 1, "maxLength": 500}
    if values and len(values) <= ENUM_LIMIT:
        schema["enum"] = values
    if default is not None:
        schema["default"] = default
    return schema


def _parameters(query: SavedQuery, kg: Any) -> list[dict[str, Any]]:
    out = []
    for param in query.params:
        values = []
        if param.values_query:
            values = [v["value"] for v in kg.param_values(query.name, param.name)]
        elif param.values:
            values = list(param.values)
        description = param.description
        default = param.default
        if default is not None and param.type == "iri":
            default = expand_curie(default, kg.settings.iris)
        if param.type == "iri":
            description += " A full IRI, or a kg CURIE such as ev:khojaly-1992-02."
        out.append({"name": param.name, "in": "query", "required": param.required,
                    "description": description.strip(),
                    "schema": _schema(param, values, default)})
    if query.pagination:
        out.append({"name": "page", "in": "query", "required": False,
                    "description": "Page number, from 1.",
                    "schema": {"type": "integer", "minimum": 1, "default": 1}})
        out.append({"name": "page_size", "in": "query", "required": False,
                    "description": "Rows per page.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000,
                               "default": query.pagination}})
    return out


def openapi_document(catalogue: dict[str, SavedQuery], kg: Any, server: str) -> dict[str, Any]:
    """OpenAPI 3.0 for ``/queries``, ``/queries/<name>`` (each saved query) and ``/sparql``."""
    error = {"description": "A bad parameter or query; the message says which and why.",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                         "text/plain": {"schema": {"type": "string"}}}}
    paths: dict[str, Any] = {
        "/queries.json": {"get": {
            "operationId": "listQueries", "summary": "The saved queries", "tags": ["catalogue"],
            "responses": {"200": {"description": "Every saved query with its parameters.",
                                  "content": {"application/json": {"schema": {
                                      "type": "array", "items": {"type": "object"}}}}}}}},
        "/sparql": {"get": {
            "operationId": "sparqlQuery", "summary": "SPARQL 1.1 query (read-only)",
            "tags": ["sparql"],
            "parameters": [{"name": "query", "in": "query", "required": True,
                            "schema": {"type": "string"},
                            "description": "A SPARQL 1.1 query."}],
            "responses": {"200": {"description": "Results in the negotiated format.",
                                  "content": {
                                      "application/sparql-results+json": {"schema": {
                                          "type": "object"}},
                                      "text/turtle": {"schema": {"type": "string"}}}},
                          "400": error, "406": error, "503": error}}},
    }
    for query in catalogue.values():
        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        suffixes = ".ttl, .nt or .jsonld" if graph else ".json, .csv, .tsv or .srj"
        paths[f"/queries/{query.name}"] = {"get": {
            "operationId": operation_id(query.name),
            "summary": query.title,
            "description": (f"{query.description}\n\nThe same results are at "
                            f"/queries/{query.name} followed by {suffixes}."),
            "tags": query.tags or ["queries"],
            "parameters": _parameters(query, kg),
            "responses": {
                "200": {"description": "The results, in the format asked for by Accept.",
                        "content": {k: {"schema": v} for k, v in
                                    (GRAPH_TYPES if graph else TABLE_TYPES).items()}},
                "400": error, "406": error, "503": error,
            },
        }}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "kg: saved queries on statements made in UN debates",
            "version": "1.0.0",
            "description": ("Research questions over the kg knowledge graph, as a typed API. "
                            "Every figure, attribution and legal label in the answers is a claim "
                            "made by a speaker, never a finding."),
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"schemas": {
            "Table": {"type": "object", "required": ["query", "columns", "rows"], "properties": {
                "query": {"type": "string"}, "title": {"type": "string"},
                "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
                "columns": {"type": "array", "items": {"type": "string"}},
                "rows": {"type": "array", "items": {"type": "object"}},
                "page": {"type": "integer"}, "page_size": {"type": "integer"},
                "next": {"type": "string", "nullable": True},
                "prev": {"type": "string", "nullable": True}}},
            "Error": {"type": "object", "required": ["status", "error"], "properties": {
                "status": {"type": "integer"}, "error": {"type": "string"}}},
        }},
    }


def anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
