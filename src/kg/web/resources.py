"""Dereferenceable IRIs: every resource under the base answers with a page or its RDF twins.

`/id/…`, `/graph/…`, `/rule/…` and `/ontology/…` map to `{data base}id/…` and so on (see
kg.iri_space); `/id/` and `/id/{kind}/` list the entities by the kind their IRI names (their JSON
twins are `/id.json` and `/id/{kind}.json`), each entity with its date, by date then label,
a hundred to a page (kg.web.listings). The page shows what kg.resource_description
gathers; the RDF twin is the resource's own facts and the facts pointing at it, from every graph
(TriG and N-Quads keep each fact's graph: its source). An IRI that names a graph answers with
the graph's content instead. Unknown IRIs, and paths that make no IRI at all (`/id/a%20b`), get
404 in the app's error shapes (kg.web.problems).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from flask import Blueprint, Response, abort, redirect, request, url_for
from pyoxigraph import NamedNode, Quad

from kg.resource_description import (
    DERIVED,
    INFERRED,
    Description,
    IncomingLink,
    QuantityReading,
    describe,
    graph_quads,
    is_known,
    resource_quads,
)
from kg.jsonld import CONTEXT_FILE
from kg.namespaces import ONTOLOGY_GRAPH, OWL
from kg.web.listings import listings, plural
from kg.web.presenting import Presenter, TermView
from kg.web.representations import (
    HTML,
    JSON_LIST,
    LISTING_FORMATS,
    Alternate,
    Choice,
    alternates,
    choose,
    context_url,
    finish,
    finish_with,
    html_response,
    listing_alternates,
    rdf_response,
    site_href,
    split_extension,
)
from kg.web.site import Site, site

blueprint = Blueprint("resources", __name__)

# The page lists this many links into a resource; the RDF twin this many incoming facts.
INCOMING_ON_PAGE = 500
INCOMING_IN_RDF = 5000
GRAPH_SUBJECTS_ON_PAGE = 1000
# A listing of entities (/id/{kind}/) shows this many to a page (?page=N).
ENTITIES_PER_PAGE = 100


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


@dataclass(frozen=True)
class StatementView:
    statement: TermView
    speakers: tuple[TermView, ...]
    dates: tuple[TermView, ...]


@dataclass
class Page:
    path: str
    title: str
    iri: str
    labels: list[TermView] = field(default_factory=list)
    alt_labels: list[TermView] = field(default_factory=list)
    definitions: list[TermView] = field(default_factory=list)
    type_definitions: list[tuple[TermView, TermView]] = field(default_factory=list)
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
    claimed_by: list[TermView] = field(default_factory=list)
    asserted_in: list[StatementView] = field(default_factory=list)
    asserts: list[TermView] = field(default_factory=list)
    quantity: TermView | None = None  # when the resource is a quantity: how it reads


@blueprint.route("/id/")
def kinds() -> Response:
    return _kinds(_listing_choice())


@blueprint.route("/id.json")
def kinds_json() -> Response:
    return _kinds(Choice(JSON_LIST, True))


def _kinds(choice: Choice) -> Response:
    twins = listing_alternates("id/", "id.json")
    state = site()
    presenter = Presenter(state.iri_space, state.labeller)
    listed = [
        (kind, len(entities), _kind_name(state, presenter, kind))
        for kind, entities in state.entities.items()
    ]
    if choice.format is JSON_LIST:
        document = {
            "kinds": [
                {
                    "kind": kind,
                    "name": name,
                    "entities": count,
                    "url": site_href(f"id/{kind}/"),
                    "json": site_href(f"id/{kind}.json"),
                }
                for kind, count, name in listed
            ]
        }
        return finish_with(_json(document), twins, choice)
    page = html_response("kinds.html", kinds=listed, alternates=twins)
    return finish_with(page, twins, choice)


# Without strict slashes: werkzeug would otherwise redirect /id/x to /id/x/ before an entity
# called id/x could answer.
@blueprint.route("/id/<kind>/", strict_slashes=False)
def kind(kind: str) -> Response:
    state = site()
    if not request.path.endswith("/"):
        stem = kind.removesuffix(".json")
        if stem == kind or stem not in state.entities or _known(state, "id/" + kind):
            return _resource("id/" + kind)
        kind = stem  # /id/{kind}.json: the listing's JSON twin
    entities = state.entities.get(kind)
    if not entities:
        abort(404, f"no entities of kind {kind!r} (their IRIs would start with id/{kind}/)")
    choice = _listing_choice()
    page_number = _page_number()
    listed = listings(state).listed(kind)
    pages = max(1, -(-len(listed) // ENTITIES_PER_PAGE))
    if page_number > pages:
        abort(404, f"page {page_number} of id/{kind}/: its {len(listed)} entities fill {pages} page(s)")
    first = (page_number - 1) * ENTITIES_PER_PAGE
    shown = listed[first : first + ENTITIES_PER_PAGE]
    twins = [
        Alternate(_paged(f"id/{kind}/", page_number), HTML.media_type, "HTML"),
        Alternate(_paged(f"id/{kind}.json", page_number), JSON_LIST.media_type, "JSON"),
    ]
    json_twin = request.path.endswith(".json")
    links = {
        "prev": _paged(f"id/{kind}{'.json' if json_twin else '/'}", page_number - 1)
        if page_number > 1 else None,
        "next": _paged(f"id/{kind}{'.json' if json_twin else '/'}", page_number + 1)
        if page_number < pages else None,
    }
    header_links = [f'<{href}>; rel="{rel}"' for rel, href in links.items() if href]
    presenter = Presenter(state.iri_space, state.labeller)
    name = _kind_name(state, presenter, kind)
    if choice.format is JSON_LIST:
        publish = state.iri_space.publish
        document = {
            "kind": kind,
            "name": name,
            "total": len(listed),
            "page": page_number,
            "pages": pages,
            "per_page": ENTITIES_PER_PAGE,
            **links,
            "entities": [
                {
                    "iri": publish(row.entity.iri).value,  # type: ignore[union-attr]
                    "url": site_href(row.entity.path),
                    "label": row.entity.label,
                    "types": [publish(t).value for t in row.entity.types],  # type: ignore[union-attr]
                    "date": row.when.as_json() if row.when else None,
                }
                for row in shown
            ],
        }
        return finish_with(_json(document), twins, choice, *header_links)
    rows = [
        (presenter.iri(row.entity.iri), row.when, [presenter.iri(t) for t in row.entity.types])
        for row in shown
    ]
    page = html_response(
        "kind.html",
        kind=kind,
        name=name,
        heading=plural(name),
        rows=rows,
        dated=any(row.when for row in listed),
        total=len(listed),
        first=first + 1,
        last=first + len(shown),
        page_number=page_number,
        pages=pages,
        links=links,
        alternates=twins,
    )
    return finish_with(page, twins, choice, *header_links)


def _page_number() -> int:
    given = request.args.get("page", "1")
    if not given.isascii() or not given.isdigit() or int(given) < 1:
        abort(400, f"page={given!r}: a page is a whole number from 1")
    return int(given)


def _paged(path: str, page_number: int) -> str:
    href = site_href(path)
    return href if page_number <= 1 else f"{href}?page={page_number}"


def _listing_choice() -> Choice:
    """JSON at a `.json` twin; otherwise the Accept header's choice of page or JSON."""
    if request.path.endswith(".json"):
        return Choice(JSON_LIST, True)
    return choose(None, LISTING_FORMATS)


def _json(document: object) -> Response:
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return Response(body, 200, content_type=JSON_LIST.content_type)


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
    """The current version IRI (owl:versionIRI) leads to the ontology itself, in any format."""
    path = "ontology/" + rest
    stem, extension_format = split_extension(path)
    state = site()
    iri = state.iri_space.data_iri(stem)
    if iri is not None and _is_current_version(state, iri):
        extension = path[len(stem):]  # "" or ".ttl", ".jsonld", …
        return redirect(site_href("ontology" + extension), 303)
    return _resource(path)


def _is_current_version(state: Site, iri: NamedNode) -> bool:
    version = NamedNode(str(OWL.versionIRI))
    ontology_graph = NamedNode(str(ONTOLOGY_GRAPH))
    return next(iter(state.store.quads_for_pattern(None, version, iri, ontology_graph)), None) is not None


def _resource(path: str) -> Response:
    state = site()
    stem, extension_format = split_extension(path)
    if extension_format is not None and _known(state, path):
        stem, extension_format = path, None  # the dot belongs to the IRI itself
    iri = state.iri_space.data_iri(stem)
    if iri is None:
        # Once percent-decoded, the path holds what no IRI may (a space, a quote, a control).
        message = f"{site_href(stem)} is not in the graph: no IRI holds what this path does"
        abort(404, message)
    choice = choose(extension_format)
    description = describe(state.store, iri, incoming_limit=INCOMING_ON_PAGE)
    if description is None:
        if stem.startswith("id/") and stem.count("/") == 1 and stem[3:] in state.entities:
            return redirect(url_for("resources.kind", kind=stem[3:]), 308)  # type: ignore[return-value]
        abort(404, f"<{state.iri_space.public_iri(stem)}> is not in the graph")
    if choice.format is HTML:
        page = _page(state, stem, description)
        response = html_response("resource.html", page=page, alternates=alternates(stem))
    else:
        if description.graph_size is not None:
            quads = graph_quads(state.store, iri)
        else:
            quads = resource_quads(state.store, iri, incoming_limit=INCOMING_IN_RDF)
        response = rdf_document(state, choice, quads, main=iri)
    return finish(response, stem, choice)


def rdf_document(
    state: Site, choice: Choice, quads: list[Quad], main: NamedNode | None = None
) -> Response:
    """The quads in the chosen RDF format, as the site publishes them, with its JSON-LD context."""
    return rdf_response(
        choice.format,
        quads,
        state.iri_space,
        context=state.context,
        context_url=context_url(state.iri_space, CONTEXT_FILE),
        main=main.value if main is not None else None,
    )


def _known(state: Site, path: str) -> bool:
    iri = state.iri_space.data_iri(path)
    return iri is not None and is_known(state.store, iri)


def _kind_name(state: Site, presenter: Presenter, kind: str) -> str:
    """What the kind's entities all are (kg.web.listings.Listings.kind_class), as labelled."""
    cls = listings(state).kind_class(kind) or state.kind_type(kind)
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

    def value(term: object) -> TermView:
        reading = d.quantities.get(term) if isinstance(term, NamedNode) else None
        view = p.term(term)
        return replace(view, text=_quantity_text(p, reading)) if reading is not None else view

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
        type_definitions=[(p.iri(t), p.term(x)) for t, x in d.type_definitions],
        types=[p.iri(t) for t in d.types],
        inferred_types=[p.iri(t) for t in d.inferred_types],
        facts=[Row(p.iri(f.predicate), value(f.value), cite(f.graphs)) for f in d.facts],
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
        claimed_by=[p.iri(person) for person in d.claims.claimed_by],
        asserted_in=[
            StatementView(
                p.iri(ref.statement),
                tuple(p.iri(s) for s in ref.speakers),
                tuple(p.term(date) for date in ref.dates),
            )
            for ref in d.claims.asserted_in
        ],
        asserts=[value(fact) for fact in d.claims.asserts],
        quantity=value(d.iri) if d.iri in d.quantities else None,
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


def _quantity_text(p: Presenter, reading: QuantityReading) -> str:
    """"15 (exact, stated)", "200 (approximate, stated): « près de 200 »", "unknown: « un certain nombre »"."""
    written = "; ".join(f"« {w.value} »" for w in reading.as_written)
    if reading.value is None:
        return f"unknown: {written}" if written else "unknown"
    how = ", ".join(
        label for label in (p.label(t) for t in (reading.precision, reading.basis) if t) if label
    )
    text = f"{reading.value.value} ({how})" if how else reading.value.value
    exact = reading.precision is not None and reading.precision.value.endswith("#exact")
    return f"{text}: {written}" if written and not exact else text


def _title(d: Description, p: Presenter) -> str:
    by_language = {label.language: label.value for label in d.labels}
    for language in ("en", "fr", None):
        if language in by_language:
            return by_language[language]
    if d.labels:
        return d.labels[0].value
    return p.short(d.iri.value)
