"""Dereferenceable IRIs: every resource under the base answers with a page or its RDF twins.

`/id/…`, `/graph/…`, `/rule/…` and `/ontology/…` map to `{data base}id/…` and so on (see
kg.iri_space); `/id/` and `/id/{kind}/` list the entities by the kind their IRI names. The page
shows what kg.describe gathers; the RDF twin is the resource's own facts and the facts pointing at
it, from every graph (TriG and N-Quads keep each fact's graph: its source). An IRI that names a
graph answers with the graph's content instead. Unknown IRIs get 404: a page for browsers, the
app's error shape for RDF clients.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, redirect, request, url_for
from pyoxigraph import NamedNode

from kg.describe import (
    DERIVED,
    INFERRED,
    Description,
    IncomingLink,
    describe,
    graph_quads,
    is_known,
    resource_quads,
)
from kg.web.presenting import Presenter, TermView
from kg.web.problems import error_response
from kg.web.representations import (
    HTML,
    Choice,
    alternates,
    choose,
    context_url,
    finish,
    html_response,
    rdf_response,
    split_extension,
)
from kg.web.site import Site, site

blueprint = Blueprint("resources", __name__)

CONTEXT_PATH = "context.jsonld"
# The page lists this many links into a resource; the RDF twin this many incoming facts.
INCOMING_ON_PAGE = 500
INCOMING_IN_RDF = 5000
GRAPH_SUBJECTS_ON_PAGE = 1000


@dataclass(frozen=True)
class Citation:
    text: str
    href: str | None
    title: str


@dataclass(frozen=True)
class Row:
    predicate: TermView
    value: TermView
    citations: tuple[Citation, ...] = ()
    extra: tuple[TermView, ...] = ()  # the rules of a derived fact


@dataclass(frozen=True)
class SourceView:
    number: int
    graph: TermView
    sources: tuple[TermView, ...]
    evidence: tuple[TermView, ...]
    notes: tuple[TermView, ...]


@dataclass
class Page:
    path: str
    title: str
    iri: str
    labels: list[TermView] = field(default_factory=list)
    alt_labels: list[TermView] = field(default_factory=list)
    definitions: list[TermView] = field(default_factory=list)
    types: list[TermView] = field(default_factory=list)
    inferred_types: list[TermView] = field(default_factory=list)
    facts: list[Row] = field(default_factory=list)
    inferred: list[Row] = field(default_factory=list)
    derived: list[Row] = field(default_factory=list)
    incoming: list[Row] = field(default_factory=list)
    incoming_truncated: bool = False
    matches: list[TermView] = field(default_factory=list)
    sources: list[SourceView] = field(default_factory=list)
    graph_size: int | None = None
    graph_subjects: list[TermView] = field(default_factory=list)


@blueprint.route("/id/")
def kinds() -> Response:
    choose(None, (HTML,))  # a navigation page: 406 for a client that takes no HTML
    state = site()
    presenter = Presenter(state.iri_space, state.labeller)
    listed = [
        (kind, len(entities), _kind_name(state, presenter, kind))
        for kind, entities in state.entities.items()
    ]
    return html_response("kinds.html", kinds=listed, alternates=[])


# Without strict slashes: werkzeug would otherwise redirect /id/x to /id/x/ before an entity
# called id/x could answer.
@blueprint.route("/id/<kind>/", strict_slashes=False)
def kind(kind: str) -> Response:
    if not request.path.endswith("/"):
        return _resource("id/" + kind)
    choose(None, (HTML,))
    state = site()
    entities = state.entities.get(kind)
    if not entities:
        abort(404, f"no entities of kind {kind!r} (their IRIs would start with id/{kind}/)")
    presenter = Presenter(state.iri_space, state.labeller)
    rows = [(presenter.iri(e.iri), [presenter.iri(t) for t in e.types]) for e in entities]
    return html_response(
        "kind.html", kind=kind, name=_kind_name(state, presenter, kind), rows=rows, alternates=[]
    )


@blueprint.route("/id/<path:rest>")
def entity(rest: str) -> Response:
    return _resource("id/" + rest)


@blueprint.route("/graph/<path:rest>")
def graph(rest: str) -> Response:
    return _resource("graph/" + rest)


@blueprint.route("/rule/<path:rest>")
def rule(rest: str) -> Response:
    return _resource("rule/" + rest)


@blueprint.route("/ontology/<path:rest>")
def ontology_version(rest: str) -> Response:
    return _resource("ontology/" + rest)


def _resource(path: str) -> Response:
    state = site()
    stem, extension_format = split_extension(path)
    if extension_format is not None and _known(state, path):
        stem, extension_format = path, None  # the dot belongs to the IRI itself
    choice = choose(extension_format)
    iri = state.iri_space.data_iri(stem)
    description = describe(state.store, iri, incoming_limit=INCOMING_ON_PAGE)
    if description is None:
        if stem.startswith("id/") and stem.count("/") == 1 and stem[3:] in state.entities:
            return redirect(url_for("resources.kind", kind=stem[3:]), 308)  # type: ignore[return-value]
        return _not_found(choice, state.iri_space.public_iri(stem))
    if choice.format is HTML:
        page = _page(state, stem, description)
        response = html_response("resource.html", page=page, alternates=alternates(stem))
    else:
        if description.graph_size is not None:
            quads = graph_quads(state.store, iri)
        else:
            quads = resource_quads(state.store, iri, incoming_limit=INCOMING_IN_RDF)
        response = rdf_response(
            choice.format,
            quads,
            state.iri_space,
            context=state.context,
            context_url=context_url(state.iri_space, CONTEXT_PATH),
            main=iri.value,
        )
    return finish(response, stem, choice)


def _known(state: Site, path: str) -> bool:
    return is_known(state.store, state.iri_space.data_iri(path))


def _not_found(choice: Choice, iri: str) -> Response:
    message = f"<{iri}> is not in the graph"
    if choice.format is HTML:
        return html_response("not_found.html", 404, message=message, iri=iri, alternates=[])
    return error_response(404, message)


def _kind_name(state: Site, presenter: Presenter, kind: str) -> str:
    cls = state.kind_type(kind)
    label = presenter.label(cls) if cls is not None else None
    return label or kind


def _page(state: Site, path: str, d: Description) -> Page:
    p = Presenter(state.iri_space, state.labeller)
    sources = [
        SourceView(
            number=i,
            graph=p.iri(note.graph),
            sources=tuple(p.iri(s) for s in note.sources),
            evidence=tuple(p.term(e) for e in note.evidence),
            notes=tuple(p.term(n) for n in note.notes),
        )
        for i, note in enumerate(d.provenance, start=1)
    ]
    numbers = {note.graph: i for i, note in enumerate(d.provenance, start=1)}

    def cite(graphs: tuple[NamedNode, ...], owner: TermView | None = None) -> tuple[Citation, ...]:
        # A fact pointing here is cited on its owner's page, where its evidence and rule are.
        page_href = (owner.href or "") if owner is not None else ""
        out = []
        for g in graphs:
            if g in numbers and owner is None:
                out.append(Citation(f"[{numbers[g]}]", f"#source-{numbers[g]}", p.iri(g).text))
            elif g == INFERRED:
                out.append(
                    Citation(
                        "inferred", f"{page_href}#inferred", "entailed by the ontology (OWL 2 RL)"
                    )
                )
            elif g == DERIVED:
                out.append(
                    Citation("derived", f"{page_href}#derived", "derived by a rule of the build")
                )
            else:
                view = p.iri(g)
                out.append(Citation(view.text, view.href, f"asserted in graph {view.iri}"))
        return tuple(out)

    title = _title(d, p)
    page = Page(
        path=path,
        title=title,
        iri=p.iri(d.iri, labelled=False).iri or d.iri.value,
        labels=[
            p.term(label) for label in sorted(d.labels, key=lambda x: (x.language or "", x.value))
        ],
        alt_labels=[p.term(label) for label in d.alt_labels],
        definitions=[p.term(x) for x in d.definitions],
        types=[p.iri(t) for t in d.types],
        inferred_types=[p.iri(t) for t in d.inferred_types],
        facts=[Row(p.iri(f.predicate), p.term(f.value), cite(f.graphs)) for f in d.facts],
        inferred=[Row(p.iri(f.predicate), p.term(f.value), cite(f.graphs)) for f in d.inferred],
        derived=[
            Row(p.iri(f.predicate), p.term(f.value), extra=tuple(p.iri(r) for r in f.rules))
            for f in d.derived
        ],
        incoming=[_incoming_row(p, link, cite) for link in d.incoming],
        incoming_truncated=d.incoming_truncated,
        matches=[p.term(m.value) for m in d.matches],
        sources=sources,
        graph_size=d.graph_size,
    )
    if d.graph_size is not None:
        subjects = sorted({q.subject for q in graph_quads(state.store, d.iri)}, key=str)
        page.graph_subjects = [p.term(s) for s in subjects[:GRAPH_SUBJECTS_ON_PAGE]]
    return page


def _incoming_row(
    p: Presenter, link: IncomingLink, cite: Callable[..., tuple[Citation, ...]]
) -> Row:
    subject = p.term(link.subject)
    return Row(p.iri(link.predicate), subject, cite(link.graphs, subject))


def _title(d: Description, p: Presenter) -> str:
    by_language = {label.language: label.value for label in d.labels}
    for language in ("en", "fr", None):
        if language in by_language:
            return by_language[language]
    if d.labels:
        return d.labels[0].value
    return p.short(d.iri.value)
