"""/openapi.json: the HTTP surface as an OpenAPI 3.1 description, for clients and for fuzzing.

Written by hand rather than generated from the routes: what a route answers (its statuses, its
media types, the shape of its errors) is not in the URL map. tests/web/test_openapi.py checks that
every route is described, and runs schemathesis against the app from this description.
"""

from typing import Any

from flask import Blueprint, Response, jsonify

from kg import __version__

blueprint = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/schemas/Error"}
_RDF = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
        "application/trig", "application/n-quads")
_RESULTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
            "text/tab-separated-values", *_RDF)


def _content(*media_types: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {media: ({"schema": schema} if schema else {}) for media in media_types}


def _answer(description: str, *media_types: str, schema: dict[str, Any] | None = None) -> dict:
    return {"description": description, "content": _content(*media_types, schema=schema)}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        304: "not modified (If-None-Match matched the ETag)",
        400: "a malformed request, or a query that does not parse (with its position)",
        403: "an update: this endpoint is read-only",
        404: "no such resource",
        405: "a method this path does not take",
        406: "no acceptable representation",
        413: "a body over the limit",
        415: "a body of an unsupported media type",
        503: "the query ran past its time or memory limit, or its worker was stopped; retry",
    }
    answers: dict[str, Any] = {}
    for status in statuses:
        if status == 304:
            answers["304"] = {"description": reasons[304]}
        else:
            answers[str(status)] = _answer(reasons[status], "application/json", "text/html",
                                           "text/plain", schema=_ERROR)
    return answers


def _page(summary: str, *media_types: str, errors: tuple[int, ...] = (304, 404, 406)) -> dict:
    return {"get": {"summary": summary,
                    "responses": {"200": _answer("the page or document", *media_types),
                                  **_errors(*errors)}}}


def _rest(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]


_QUERY_PARAMETERS = [
    {"name": "query", "in": "query", "schema": {"type": "string"},
     "description": "A SPARQL 1.1 query; without it, the service description."},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "explode": True},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "explode": True},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "A result format instead of Accept: json, xml, csv, tsv, turtle, ..."},
]
_KINDS = {"name": "kind", "in": "query", "explode": True,
          "schema": {"type": "array", "items": {"type": "string"}},
          "description": "Kinds of mark to keep: regime, politics, delivery, war, rebellion, "
                         "operation, diplomacy"}
_SPARQL_ANSWERS = {
    "200": _answer("the results, or the service description", *_RESULTS, "text/html"),
    **_errors(304, 400, 403, 406, 413, 415, 503),
}


def document() -> dict[str, Any]:
    """The OpenAPI description of every route kg serves."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kg: a knowledge graph of Mali's military cooperation",
            "version": __version__,
            "description": "A read-only SPARQL 1.1 endpoint with linked-data pages and dumps. "
                           "Every path negotiates on Accept; errors are one JSON shape.",
        },
        "paths": {
            "/": _page("The home page: the graph, a query form, example queries, the status",
                       "text/html"),
            "/sparql": {
                "get": {"summary": "SPARQL 1.1 Protocol query by GET", "parameters": _QUERY_PARAMETERS,
                        "responses": _SPARQL_ANSWERS},
                "post": {
                    "summary": "SPARQL 1.1 Protocol query by POST (form or sparql-query)",
                    "parameters": _QUERY_PARAMETERS[1:],
                    "requestBody": {"content": {
                        "application/x-www-form-urlencoded": {"schema": {
                            "type": "object", "properties": {"query": {"type": "string"}}}},
                        "application/sparql-query": {"schema": {"type": "string"}},
                    }},
                    "responses": _SPARQL_ANSWERS,
                },
            },
            "/id/": _page("The kinds of entity", "text/html"),
            "/id.json": _page("The kinds of entity, as JSON", "application/json"),
            "/id/{kind}/": {**_page("The entities of one kind", "text/html", "application/json"),
                            "parameters": _rest("kind")},
            "/id/{rest}": {**_page("An entity: its page, or its RDF", "text/html", *_RDF),
                           "parameters": _rest("rest")},
            "/graph/{rest}": {**_page("A named graph: its page, or its RDF", "text/html", *_RDF),
                              "parameters": _rest("rest")},
            "/rule/{rest}": {**_page("A rule of the build", "text/html", *_RDF),
                             "parameters": _rest("rest")},
            "/ontology": _page("The ontology", "text/html", *_RDF),
            "/ontology.{extension}": {**_page("The ontology in one format", *_RDF),
                                      "parameters": _rest("extension")},
            "/ontology/{rest}": {**_page("A version of the ontology", "text/html", *_RDF),
                                 "parameters": _rest("rest")},
            "/shapes": _page("The SHACL shapes", "text/html", *_RDF),
            "/shapes.{extension}": {**_page("The shapes in one format", *_RDF),
                                    "parameters": _rest("extension")},
            "/dumps": _page("The dumps", "text/html", "application/json"),
            "/dumps.{extension}": {**_page("The list of dumps in one format", "application/json"),
                                   "parameters": _rest("extension")},
            "/dumps/{file_name}": {**_page("A dump", *_RDF, "application/gzip"),
                                   "parameters": _rest("file_name")},
            "/.well-known/void": _page("VoID: the dataset's description", "text/html", *_RDF),
            "/.well-known/void.{extension}": {**_page("VoID in one format", *_RDF),
                                              "parameters": _rest("extension")},
            "/context.jsonld": _page("The JSON-LD context", "application/ld+json"),
            "/transfers.csv": _page("The transfers register, as CSV", "text/csv"),
            "/search": {**_page("Search labels and descriptions, ranked", "text/html",
                                "application/json", errors=(400, 404, 406)),
                        "parameters": [
                            {"name": "q", "in": "query", "schema": {"type": "string"},
                             "description": "Words, any accents and case; at most 400 characters"},
                            {"name": "page", "in": "query", "schema": {"type": "integer"},
                             "description": "A page of 50 hits, from 1"},
                            {"name": "format", "in": "query", "schema": {"enum": ["html", "json"]}},
                        ]},
            "/timeline": {**_page("Regimes, deliveries, wars and events on one time axis: the "
                                  "page, the picture alone or the entries as JSON, by Accept",
                                  "text/html", "image/svg+xml", "application/json",
                                  errors=(400, 406)),
                          "parameters": [_KINDS]},
            "/timeline.json": {**_page("The timeline's entries, as JSON", "application/json",
                                       errors=(400,)),
                               "parameters": [_KINDS]},
            "/timeline.svg": {**_page("The timeline's picture alone", "image/svg+xml",
                                      errors=(400,)),
                              "parameters": [_KINDS]},
            "/transfers": _page("The transfers register as a page with charts, or (by Accept) "
                                "as CSV", "text/html", "text/csv", errors=(406,)),
            "/transfers/{name}.svg": {**_page("One chart of the transfers page", "image/svg+xml",
                                              errors=(404,)),
                                      "parameters": _rest("name")},
            "/assets/yasgui/{version}/{name}": {
                **_page("A file of the YASGUI editor, from npm", "application/javascript",
                        "text/css", errors=(404,)),
                "parameters": _rest("version") + _rest("name")},
            "/healthz": {"get": {"summary": "Alive", "responses": {
                "200": _answer("alive", "text/plain")}}},
            "/readyz": {"get": {"summary": "Ready: a build loaded, a query worker answering",
                                "responses": {"200": _answer("ready", "text/plain"),
                                              "503": _answer("not ready, and why", "text/plain")}}},
            "/status": {"get": {"summary": "What is served and how the server fares",
                                "responses": {"200": _answer("the status", "application/json",
                                                             schema={"$ref": "#/components/schemas/Status"}),
                                              **_errors(406)}}},
            "/openapi.json": {"get": {"summary": "This description",
                                      "responses": {"200": _answer("OpenAPI 3.1", "application/json")}}},
        },
        "components": {"schemas": {
            "Error": {
                "type": "object", "required": ["error"],
                "properties": {"error": {
                    "type": "object", "required": ["status", "message"],
                    "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
                }},
            },
            "Status": {
                "type": "object",
                "required": ["status", "version", "build", "rebuilding", "last_rebuild", "sandbox", "started",
                             "uptime_seconds", "requests", "process"],
                "properties": {
                    "status": {"enum": ["ok", "store unreachable"]},
                    "generation": {"type": ["integer", "null"]},
                    "rebuilding": {"oneOf": [
                        {"type": "null"},
                        {"type": "object", "required": ["since", "trigger"],
                         "properties": {"since": {"type": "string", "format": "date-time"},
                                        "trigger": {"type": "string"}}},
                    ]},
                    "last_rebuild": {"type": "object",
                                     "required": ["outcome", "at", "problems"],
                                     "properties": {"outcome": {"enum": ["loaded", "swapped", "unchanged", "failed"]},
                                                    "problems": {"type": "array",
                                                                 "items": {"type": "string"}}}},
                    "uptime_seconds": {"type": "number"},
                    "process": {"type": "integer"},
                },
            },
        }},
    }


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
