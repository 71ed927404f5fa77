"""The dataset's documents: ontology, shapes, VoID, JSON-LD context, dumps and the transfers table.

`/ontology` and `/shapes` are documentation pages with a term per anchor (so
`…/ontology#ArmsTransfer` lands on its heading) and RDF twins, negotiated like resources.
`/.well-known/void` describes the dataset. `/dumps` lists the whole-graph files that kg.dumps
makes (the same bytes as `kg export --dumps`). `/transfers.csv` runs the named query
`transfers-register` through the query workers, like any other query.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, abort, request
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Triple

from kg.resource_description import Labeller, graph_quads
from kg.documentation import TermDoc, VocabularyDoc, vocabulary_doc
from kg.dumps import CHECKSUMS_FILE, DUMP_FORMATS, PARTS, checksums
from kg.jsonld import CONTEXT_FILE, context_document
from kg.namespaces import DCTERMS, ONTOLOGY_GRAPH, PREFIXES
from kg.transfers import register_query
from kg.void import DUMPS_PATH, VOID_PATH, void_triples
from kg.query_forms import ResultKind
from kg.web.presenting import Presenter, TermView
from kg.web.query_worker import QueryJob
from kg.web.representations import (
    HTML,
    JSON_LIST,
    LISTING_FORMATS,
    Choice,
    alternates,
    as_quads,
    choose,
    finish,
    finish_with,
    html_response,
    listing_alternates,
    site_href,
    split_extension,
)
from kg.web.resources import rdf_document
from kg.web.services import services
from kg.web.site import site
from kg.web.sparql import flag_truncation

blueprint = Blueprint("documents", __name__)

ONTOLOGY_PATH = "ontology"
SHAPES_PATH = "shapes"
TRANSFERS_FILE = "kg-mali-transfers.csv"


@dataclass(frozen=True)
class TermSection:
    title: str
    terms: tuple["TermEntry", ...]


@dataclass(frozen=True)
class TermEntry:
    anchor: str
    iri: str
    name: TermView
    labels: tuple[TermView, ...]
    definitions: tuple[TermView, ...]
    statements: tuple[tuple[TermView, tuple[TermView, ...]], ...]
    reverse: tuple[tuple[str, tuple[TermView, ...]], ...]


@blueprint.route("/ontology")
@blueprint.route("/ontology.<extension>")
def ontology(extension: str | None = None) -> Response:
    return _rdf_or_page(ONTOLOGY_PATH, extension, _ontology_quads, _ontology_page)


@blueprint.route("/shapes")
@blueprint.route("/shapes.<extension>")
def shapes(extension: str | None = None) -> Response:
    return _rdf_or_page(SHAPES_PATH, extension, _shapes_quads, _shapes_page)


@blueprint.route("/.well-known/void")
@blueprint.route("/.well-known/void.<extension>")
def void(extension: str | None = None) -> Response:
    return _rdf_or_page(VOID_PATH, extension, _void_quads, _void_page)


def _rdf_or_page(
    path: str, extension: str | None, quads: Callable[[], list[Quad]], page: Callable[[], Response]
) -> Response:
    """The document at `path` as the extension, or else the Accept header, asks: RDF or a page."""
    choice = _choice(path, extension)
    if choice.format is HTML:
        return finish(page(), path, choice)
    return finish(rdf_document(site(), choice, quads()), path, choice)


def _ontology_quads() -> list[Quad]:
    return graph_quads(site().store, NamedNode(str(ONTOLOGY_GRAPH)))


def _ontology_page() -> Response:
    state = site()
    doc = _vocabulary_doc(ONTOLOGY_PATH, [q.triple for q in _ontology_quads()])
    presenter = Presenter(state.iri_space, state.labeller)
    title = _title(doc, presenter, "Ontology")
    return _vocabulary_page(ONTOLOGY_PATH, doc, presenter, title=title, heading="Ontology")


def _shapes_quads() -> list[Quad]:
    return as_quads(site().shapes)


def _shapes_page() -> Response:
    state = site()
    doc = _vocabulary_doc(SHAPES_PATH, state.shapes)
    shapes_store = Store()
    shapes_store.extend(_shapes_quads())
    prefixes = {**PREFIXES, "shapes": state.iri_space.data_base + SHAPES_PATH + "#"}
    presenter = Presenter(state.iri_space, Labeller(shapes_store), prefixes=prefixes)
    return _vocabulary_page(
        SHAPES_PATH,
        doc,
        presenter,
        title="SHACL shapes",
        heading="SHACL shapes",
        intro=(
            "The constraints every build of the graph must meet: kg build and kg validate "
            "check the data against them, and a violation stops the build."
        ),
    )


def _void_quads() -> list[Quad]:
    state = site()
    # Already published (the VoID speaks of the public IRIs); publishing again is a no-op.
    return as_quads(void_triples(state.void_facts, state.dumps, state.iri_space))


def _void_page() -> Response:
    state = site()
    facts = state.void_facts
    presenter = Presenter(state.iri_space, state.labeller)
    return html_response(
        "void.html",
        facts=facts,
        classes=[(presenter.iri(NamedNode(c)), n) for c, n in facts.stats.classes.items()],
        properties=[(presenter.iri(NamedNode(p)), n) for p, n in facts.stats.properties.items()],
        sources=[presenter.iri(NamedNode(s)) for s in facts.sources],
        licences=facts.licences,
        dumps=state.dumps,
        parts=PARTS,
        iri=state.iri_space.public_iri(VOID_PATH) + "#dataset",
        alternates=alternates(VOID_PATH),
    )


@blueprint.route("/" + CONTEXT_FILE)
def context() -> Response:
    return Response(context_document(site().context), 200, content_type="application/ld+json")


@blueprint.route("/dumps")
@blueprint.route("/dumps.<extension>")
def dumps(extension: str | None = None) -> Response:
    state = site()
    if extension not in (None, "json", "html"):
        abort(404, f"/dumps.{extension}: the list of dumps comes as /dumps (HTML) or /dumps.json")
    by_extension = {"json": JSON_LIST, "html": HTML}.get(extension or "")
    choice = choose(by_extension, LISTING_FORMATS)
    twins = listing_alternates("dumps", "dumps.json")
    if choice.format is JSON_LIST:
        listing = [
            {
                "file": d.file_name,
                "url": site_href(DUMPS_PATH + d.file_name),
                "part": d.part.name,
                "format": d.format.label,
                "media_type": d.format.media_type,
                "bytes": d.size,
                "sha256": d.sha256,
                "graphs": list(d.graphs),
            }
            for d in state.dumps
        ]
        body = json.dumps({"dumps": listing}, indent=2) + "\n"
        response = Response(body, 200, content_type=JSON_LIST.content_type)
    else:
        response = html_response(
            "dumps.html",
            dumps=state.dumps,
            parts=PARTS,
            formats=DUMP_FORMATS,
            checksums=CHECKSUMS_FILE,
            alternates=twins,
        )
    return finish_with(response, twins, choice, f'<{site_href(VOID_PATH)}>; rel="describedby"')


@blueprint.route("/dumps/<file_name>")
def dump_file(file_name: str) -> Response:
    state = site()
    if file_name == CHECKSUMS_FILE:
        return Response(checksums(state.dumps), 200, content_type="text/plain; charset=utf-8")
    dump = state.dump(file_name)
    if dump is None:
        abort(404, f"no dump called {file_name!r}; /dumps lists them")
    content_type = dump.format.media_type + (
        "; charset=utf-8" if dump.format.media_type.startswith("text/") else ""
    )
    response = Response(dump.data, 200, content_type=content_type)
    response.set_etag(dump.sha256)
    response.make_conditional(request)  # 304 for a client that has these bytes already
    return response


@blueprint.route("/transfers.csv")
def transfers() -> Response:
    state = services()
    named = register_query()
    job = QueryJob(
        text=named.text,
        formats={ResultKind.SOLUTIONS: "csv", ResultKind.BOOLEAN: None, ResultKind.GRAPH: None},
        max_rows=state.settings.max_rows,
        base_iri=site().iri_space.data_base,  # the store's IRIs, not the public ones
    )
    answer = state.evaluator.evaluate(job)
    response = Response(answer.body, 200, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{TRANSFERS_FILE}"'
    flag_truncation(response, answer, state.settings.max_rows)
    return response


def _choice(path: str, extension: str | None) -> Choice:
    if extension is None:
        return choose(None)
    _, media_format = split_extension(f"{path}.{extension}")
    if media_format is None:
        abort(
            404,
            f"/{path}.{extension}: no such format; try "
            + ", ".join(a.href for a in alternates(path)),
        )
    return Choice(media_format, True)


def _vocabulary_doc(path: str, triples: list[Triple]) -> VocabularyDoc:
    """The terms of the document at `path`: those under `{data base}{path}#`, and the document."""
    document = site().iri_space.data_base + path
    return vocabulary_doc(triples, document + "#", document)


def _vocabulary_page(
    path: str,
    doc: VocabularyDoc,
    presenter: Presenter,
    *,
    title: str,
    heading: str,
    intro: str | None = None,
) -> Response:
    """The documentation page of a vocabulary: a section per kind of term, an anchor per term."""
    return html_response(
        "vocabulary.html",
        title=title,
        heading=heading,
        intro=intro,
        iri=site().iri_space.public_iri(path),
        header=_entry(doc.header, doc, presenter) if doc.header else None,
        sections=_sections(doc, presenter),
        alternates=alternates(path),
    )


def _title(doc: VocabularyDoc, presenter: Presenter, fallback: str) -> str:
    if doc.header is None:
        return fallback
    titles = {
        v.language: v.value
        for p, values in doc.header.statements
        if p.value == str(DCTERMS.title)
        for v in values
        if isinstance(v, Literal)
    }
    return titles.get("en") or titles.get("fr") or fallback


def _sections(doc: VocabularyDoc, p: Presenter) -> list[TermSection]:
    return [
        TermSection(title, tuple(_entry(term, doc, p) for term in terms))
        for title, terms in doc.sections
    ]


def _entry(term: TermDoc, doc: VocabularyDoc, p: Presenter) -> TermEntry:
    def view(value: object) -> TermView:
        if isinstance(value, BlankNode):
            return TermView(doc.inline(value, p.prefixes))
        return p.term(value)

    return TermEntry(
        anchor=term.anchor,
        iri=p.iri(term.iri, labelled=False).iri or term.iri.value,
        name=TermView(p.short(term.iri.value)),
        labels=tuple(p.term(x) for x in term.labels),
        definitions=tuple(p.term(x) for x in term.definitions),
        statements=tuple(
            (p.iri(pred), tuple(view(v) for v in values)) for pred, values in term.statements
        ),
        reverse=tuple((name, tuple(p.iri(s) for s in subjects)) for name, subjects in term.reverse),
    )
