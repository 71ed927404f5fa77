"""The home page: what the graph is, where to go, and a SPARQL query form over /sparql.

The form posts to the SPARQL endpoint itself (there is no second query path). Without JavaScript
the browser shows the endpoint's answer in the chosen format; with it (static/query.js) the
"HTML table" choice fetches SPARQL JSON and shows a table whose IRIs link to their pages. The
named queries of queries/*.rq are offered as examples: a link per query reloads the page with
its text in the form (`?example=NAME`); `?query=TEXT` fills in any text and runs it.
"""

import json

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from kg.namespaces import PREFIXES
from kg.querying import NamedQuery, get_named_query, list_named_queries
from kg.web.problems import error_response
from kg.web.representations import alternates, html_response
from kg.web.site import site

blueprint = Blueprint("ui", __name__)

DEFAULT_EXAMPLE = "deliveries-by-year"
# The kinds of entity the home page points to first, with what to call them.
KEY_KINDS = (
    ("transfer", "Arms transfers"),
    ("regime", "Regimes"),
    ("event", "Events"),
    ("statement", "Statements"),
)
# (value of the endpoint's `format` parameter, label); "" is the table drawn in the page.
RESULT_FORMATS = (
    ("", "HTML table (in this page)"),
    ("json", "SPARQL JSON"),
    ("xml", "SPARQL XML"),
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("turtle", "Turtle (CONSTRUCT, DESCRIBE)"),
    ("jsonld", "JSON-LD (CONSTRUCT, DESCRIBE)"),
    ("ntriples", "N-Triples (CONSTRUCT, DESCRIBE)"),
    ("rdfxml", "RDF/XML (CONSTRUCT, DESCRIBE)"),
)


@blueprint.route("/")
def home() -> Response:
    state = site()
    examples = list_named_queries()
    chosen = request.args.get("example")
    text = request.args.get("query")
    selected: NamedQuery | None = None
    if text is None:
        names = {q.name for q in examples}
        name = (
            chosen if chosen in names else (DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in names else None)
        )
        if name is not None:
            selected = get_named_query(name)
            text = selected.text
    kinds = [(kind, label, len(state.entities.get(kind, []))) for kind, label in KEY_KINDS]
    response = html_response(
        "home.html",
        facts=state.void_facts,
        kinds=kinds,
        all_kinds=len(state.entities),
        examples=examples,
        selected=selected,
        query_text=text or "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        autorun=request.args.get("query") is not None,
        formats=RESULT_FORMATS,
        data_base=state.iri_space.data_base,
        public_base=state.iri_space.public_base,
        # "<" escaped: the JSON sits in a <script> element.
        prefixes_json=json.dumps(PREFIXES).replace("<", "\\u003c"),
        alternates=[a for a in alternates(".well-known/void") if a.media_type != "text/html"],
    )
    response.headers["Link"] = f'<{request.script_root}/.well-known/void>; rel="describedby"'
    return response


@blueprint.app_errorhandler(404)
def not_found(error: HTTPException) -> Response:
    """Browsers get a page for an unknown path; API clients the app's one error shape."""
    message = error.description or "not found"
    if _asks_for_html():
        return html_response("not_found.html", 404, message=message, iri=None, alternates=[])
    return error_response(404, message)


def _asks_for_html() -> bool:
    # Only a client that names HTML gets it: `*/*` or no Accept at all keeps the JSON shape.
    accept = request.headers.get("Accept", "")
    for value, quality in parse_accept_header(accept):
        if quality > 0 and value.split(";")[0].strip() in ("text/html", "application/xhtml+xml"):
            return True
    return False
