"""The home page: what the graph is, where to go, and a SPARQL query form over /sparql.

The form posts to the SPARQL endpoint itself (there is no second query path). Without JavaScript
the browser shows the endpoint's answer in the chosen format; with it (static/query.js) the
"HTML table" choice fetches SPARQL JSON and shows a table whose IRIs link to their pages. The
named queries of queries/*.rq are offered as examples: a link per query reloads the page with
its text in the form (`?example=NAME`); `?query=TEXT` fills in any text and runs it.

Where `npm ci` has installed YASGUI (kg.web.editor_assets), static/editor.js puts it in place of
the form: highlighting, the project's prefixes, the named queries as a menu, results as a table,
the raw response or a chart (static/chart.js), and a link to share each query. The form stays in
the page for browsers without JavaScript, and is all there is without the assets.
"""

import json

from flask import Blueprint, Response, request, send_file, url_for
from werkzeug.exceptions import NotFound

from kg.namespaces import PREFIXES
from kg.querying import NamedQuery, get_named_query, list_named_queries
from kg.void import VOID_PATH
from kg.web import content_policy
from kg.web.content_policy import policy
from kg.web.editor_assets import ONE_YEAR, EditorAssets, find_editor_assets
from kg.web.representations import add_links, alternates, html_response, site_href
from kg.web.site import site

blueprint = Blueprint("ui", __name__)

DEFAULT_EXAMPLE = "deliveries-by-year"
FALLBACK_QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 10"  # when there are no named queries
# The two <style> elements YASGUI's table adds (its column resizer's rules, and the cursor while
# a column is dragged), by their SHA-256: the one inline style the page allows. A new YASGUI
# version that changes them shows as a CSP error in the browser tests' console check.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
# The strict policy (kg.web.content_policy), and YASGUI's two inline styles: the editor runs within it.
HOME_POLICY = policy(YASGUI_STYLE_HASHES)
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
    editor = find_editor_assets()
    kinds = [(kind, label, len(state.entities.get(kind, []))) for kind, label in KEY_KINDS]
    response = html_response(
        "home.html",
        facts=state.void_facts,
        kinds=kinds,
        all_kinds=len(state.entities),
        examples=examples,
        selected=selected,
        query_text=text or FALLBACK_QUERY,
        autorun=request.args.get("query") is not None,
        formats=RESULT_FORMATS,
        data_base=state.iri_space.data_base,
        public_base=state.iri_space.public_base,
        prefixes_json=_script_json(PREFIXES),
        editor=_editor_links(editor) if editor else None,
        editor_json=_script_json(_editor_config(examples, selected)) if editor else None,
        # The dataset's description in RDF is the machine-readable face of the home page.
        alternates=alternates(VOID_PATH),
    )
    add_links(response, f'<{site_href(VOID_PATH)}>; rel="describedby"')
    response.headers[content_policy.HEADER] = HOME_POLICY
    return response


@blueprint.route("/assets/yasgui/<version>/<name>")
def editor_file(version: str, name: str) -> Response:
    """A file of the installed YASGUI; its address changes with the version: it never goes stale."""
    editor = find_editor_assets()
    path = editor.path_of(name) if editor is not None and editor.version == version else None
    if path is None:
        raise NotFound(f"no editor file {name!r} for version {version!r}")
    response = send_file(path, max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def _editor_links(editor: EditorAssets) -> dict[str, str]:
    return {
        kind: url_for("ui.editor_file", version=editor.version, name=f"yasgui.min.{kind}")
        for kind in ("js", "css")
    }


def _editor_config(examples: list[NamedQuery], selected: NamedQuery | None) -> dict[str, object]:
    """What static/editor.js needs: the prefixes, the examples, the query asked for (the endpoint
    is the form's action, made absolute by the browser: right behind any proxy)."""
    names = {q.name for q in examples}
    default = get_named_query(DEFAULT_EXAMPLE).text if DEFAULT_EXAMPLE in names else FALLBACK_QUERY
    asked = request.args.get("query")
    return {
        "prefixes": PREFIXES,
        "examples": [
            {"name": q.name, "title": q.title, "description": q.description, "text": q.text}
            for q in examples
        ],
        # What the address asked for: ?query= runs its text, ?example= shows the example.
        "asked": (
            {"name": None, "text": asked, "run": True}
            if asked is not None
            else {"name": selected.name, "text": selected.text, "run": False}
            if selected is not None and "example" in request.args
            else None
        ),
        "defaultQuery": default,  # a new tab's
    }


def _script_json(value: object) -> str:
    # "<" escaped: the JSON sits in a <script> element.
    return json.dumps(value).replace("<", "\\u003c")
