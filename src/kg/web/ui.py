"""The home page: what the graph is, where to go, and a SPARQL query form over /sparql.

The form posts to the SPARQL endpoint itself (there is no second query path). Without JavaScript
the browser shows the endpoint's answer in the chosen format; with it (static/query.js) the
"HTML table" choice fetches SPARQL JSON and shows a table whose IRIs link to their pages. The
named queries of queries/*.rq are offered as examples: a link per query reloads the page with
its text in the form (`?example=NAME`); `?query=TEXT` fills in any text and runs it.
"""

import json

from flask import Blueprint, Response, request

from kg.namespaces import PREFIXES
from kg.querying import NamedQuery, get_named_query, list_named_queries
from kg.void import VOID_PATH
from kg.web.representations import add_links, alternates, html_response, site_href
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
        # The dataset's description in RDF is the machine-readable face of the home page.
        alternates=alternates(VOID_PATH),
    )
    add_links(response, f'<{site_href(VOID_PATH)}>; rel="describedby"')
    return response
