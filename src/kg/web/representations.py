"""Answering for a linked-data document: an HTML page or RDF, by Accept or by file extension.

Every document has twins at the same path plus an extension (`/id/x` → `/id/x.ttl`,
`/id/x.jsonld`, …). At the bare path the Accept header chooses (HTML when it is absent or `*/*`,
as LodView and DBpedia do; 406 when nothing fits); at an extension the extension does. Each answer
lists its twins (never itself) in a `Link:` header (rel="alternate"), as Datasette does; an HTML
page lists the same twins as `<link rel="alternate">` elements; a negotiated answer names the twin
it sent in `Content-Location`. Listings (`/id/`, `/id/{kind}/`, `/dumps`) come as HTML or JSON.
`Vary: Accept` is added to every answer by the app.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyoxigraph
from flask import Response, render_template, request
from pyoxigraph import DefaultGraph, NamedNode, Quad, Triple

from kg.resource_description import sorted_quads, triples_of
from kg.errors import UnsupportedFormat
from kg.iri_space import IriSpace
from kg.jsonld import compact_document
from kg.querying import used_prefixes
from kg.void import VOID_PREFIXES
from kg.web.negotiation import (
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    TRIG,
    TURTLE,
    MediaFormat,
    best_format,
)
from kg.web.results import PREFIXED, QUAD_SYNTAXES, RDF_SYNTAXES, refuse_if_not_xml

HTML = MediaFormat(
    "html",
    "text/html",
    "https://www.iana.org/assignments/media-types/text/html",
    aliases=("application/xhtml+xml",),
)
JSON_LIST = MediaFormat(
    "json", "application/json", "https://www.iana.org/assignments/media-types/application/json"
)
LISTING_FORMATS: tuple[MediaFormat, ...] = (HTML, JSON_LIST)
RDF_FORMATS: tuple[MediaFormat, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG, N_QUADS)
PAGE_FORMATS: tuple[MediaFormat, ...] = (HTML, *RDF_FORMATS)
EXTENSIONS: dict[str, MediaFormat] = {
    "html": HTML,
    "ttl": TURTLE,
    "jsonld": JSON_LD,
    "nt": N_TRIPLES,
    "rdf": RDF_XML,
    "trig": TRIG,
    "nq": N_QUADS,
}
_EXTENSION_OF = {f.name: ext for ext, f in EXTENSIONS.items()}
FORMAT_LABELS = {
    "html": "HTML",
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "rdfxml": "RDF/XML",
    "trig": "TriG",
    "nquads": "N-Quads",
}
# IRI characters that stay as they are in a URL path (and the fragment): RFC 3986's reserved and
# unreserved ones; everything else (non-ASCII, spaces) is percent-encoded.
_PATH_SAFE = "/#:@!$&'()*+,;=-._~%"


@dataclass(frozen=True)
class Alternate:
    href: str
    media_type: str
    label: str


@dataclass(frozen=True)
class Choice:
    """The representation to send; whether the URL (an extension) rather than Accept chose it."""

    format: MediaFormat
    by_extension: bool


def split_extension(path: str) -> tuple[str, MediaFormat | None]:
    """`id/x.ttl` → (`id/x`, Turtle); a path without a known extension comes back whole."""
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension in EXTENSIONS:
        return stem, EXTENSIONS[extension]
    return path, None


def choose(
    extension_format: MediaFormat | None, formats: Sequence[MediaFormat] = PAGE_FORMATS
) -> Choice:
    """The extension's format if the URL has one, else the Accept header's; 406 if none fits."""
    if extension_format is not None:
        return Choice(extension_format, True)
    chosen = best_format(tuple(formats), request.headers.get("Accept"))
    if chosen is None:
        offered = ", ".join(f.media_type for f in formats)
        raise UnsupportedFormat(f"no acceptable format for this document; it comes as {offered}")
    return Choice(chosen, False)


def site_href(path: str) -> str:
    """The link, from any page of this site, to a site path (the app's mount point included)."""
    return f"{request.script_root}/{quote(path, safe=_PATH_SAFE)}"


def context_url(iri_space: IriSpace, path: str) -> str:
    """Where JSON-LD documents point for their context: somewhere a client can fetch it.

    A rebased site publishes it under its public base; otherwise the canonical base may not
    resolve (w3id), so the documents point at this very site, as the request reached it.
    """
    if iri_space.rebased:
        return iri_space.public_iri(path)
    return f"{request.host_url.rstrip('/')}{site_href(path)}"


def alternates(path: str, formats: Sequence[MediaFormat] = PAGE_FORMATS) -> list[Alternate]:
    return [
        Alternate(site_href(f"{path}.{_EXTENSION_OF[f.name]}"), f.media_type, FORMAT_LABELS[f.name])
        for f in formats
    ]


def listing_alternates(html_path: str, json_path: str) -> list[Alternate]:
    """A listing's two forms: the page (at the listing's own path) and its JSON twin."""
    return [
        Alternate(site_href(html_path), HTML.media_type, "HTML"),
        Alternate(site_href(json_path), JSON_LIST.media_type, "JSON"),
    ]


def finish(
    response: Response, path: str, choice: Choice, formats: Sequence[MediaFormat] = PAGE_FORMATS
) -> Response:
    """Add the twins' Link header, and Content-Location when Accept chose."""
    return finish_with(response, alternates(path, formats), choice)


def finish_with(
    response: Response, twins: Sequence[Alternate], choice: Choice, *links: str
) -> Response:
    """Link every twin but the one sent (then `links`), and name the one sent if Accept chose."""
    sent = next(a for a in twins if a.media_type == choice.format.media_type)
    del response.headers["Link"]
    add_links(response, *_alternate_links(a for a in twins if a is not sent), *links)
    if not choice.by_extension:
        response.headers["Content-Location"] = sent.href
    return response


def add_links(response: Response, *links: str) -> None:
    """Append to the response's one Link header."""
    values = [v for v in (response.headers.get("Link"), *links) if v]
    if values:
        response.headers["Link"] = ", ".join(values)


def html_response(
    template: str, status: int = 200, *, alternates: Sequence[Alternate] = (), **context: Any
) -> Response:
    """A page; its machine-readable twins go both into `<link rel="alternate">` and `Link:`."""
    twins = [a for a in alternates if a.media_type != HTML.media_type]
    body = render_template(template, alternates=twins, **context)
    response = Response(body, status, content_type=HTML.content_type)
    add_links(response, *_alternate_links(twins))
    return response


def _alternate_links(twins: Iterable[Alternate]) -> list[str]:
    return [f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in twins]


def rdf_response(
    media_format: MediaFormat,
    quads: Iterable[Quad],
    iri_space: IriSpace,
    *,
    context: dict[str, Any],
    context_url: str,
    main: str | None = None,
) -> Response:
    """The quads in an RDF format, IRIs as `iri_space` publishes them; triple formats merge."""
    published = list(iri_space.publish_quads(quads))
    name = media_format.name
    if name == "rdfxml":
        refuse_if_not_xml(published, "this document", "Turtle (text/turtle) or N-Triples")
    if name in QUAD_SYNTAXES:
        statements: list[Quad] | list[Triple] = sorted_quads(published)
    else:
        statements = triples_of(published)
    if name == "jsonld":
        main_iri = iri_space.publish(NamedNode(main)).value if main else None  # type: ignore[union-attr]
        body = compact_document(statements, context, context_url, main_iri)  # type: ignore[arg-type]
    else:
        prefixes = _published_prefixes(iri_space) if name in PREFIXED else None
        if prefixes is not None:
            prefixes = used_prefixes(_terms(statements), prefixes)
        serialized = pyoxigraph.serialize(statements, format=RDF_SYNTAXES[name], prefixes=prefixes)
        assert serialized is not None  # without an output file, serialize returns the bytes
        body = serialized
    return Response(body, 200, content_type=media_format.content_type)


def as_quads(triples: Iterable[Triple]) -> list[Quad]:
    """Triples of a document that lives in no named graph (VoID, shapes), as default-graph quads."""
    return [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]


def _published_prefixes(iri_space: IriSpace) -> dict[str, str]:
    # The project's prefixes (the shapes' at the data's base, for /shapes) and VoID's vocabularies.
    prefixes = {**VOID_PREFIXES, "shapes": iri_space.data_base + "shapes#"}
    return {p: str(iri_space.publish(NamedNode(ns)).value) for p, ns in prefixes.items()}  # type: ignore[union-attr]


def _terms(statements: Iterable[Quad | Triple]) -> Iterable[object]:
    for s in statements:
        yield from (s.subject, s.predicate, s.object)
        if isinstance(s, Quad):
            yield s.graph_name
