"""RDF terms as the pages show them: a label and a link, or a literal with its language.

IRIs this site answers for link to their page on this site (whatever host and mount point the
request came through); other http(s) IRIs (Wikidata, schema.org) link out; anything else is text.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.resource_description import Labeller
from kg.iri_space import IriSpace
from kg.namespaces import PREFIXES
from kg.querying import shorten_iri
from kg.web.representations import site_href

_PLAIN_DATATYPES = frozenset(
    {
        "http://www.w3.org/2001/XMLSchema#string",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
    }
)


@dataclass(frozen=True)
class TermView:
    text: str
    href: str | None = None
    iri: str | None = None  # the full IRI (as published), for title= and copying
    language: str | None = None
    datatype: str | None = None  # prefixed name, e.g. xsd:gYear; None for plain strings
    local: bool = False  # links to a page of this site
    literal: bool = False


class Presenter:
    def __init__(
        self, iri_space: IriSpace, labeller: Labeller, prefixes: Mapping[str, str] = PREFIXES
    ) -> None:
        self._space = iri_space
        self._labeller = labeller
        self.prefixes = prefixes

    def term(self, term: object, *, labelled: bool = True) -> TermView:
        if isinstance(term, NamedNode):
            return self.iri(term, labelled=labelled)
        if isinstance(term, Literal):
            datatype = (
                None if term.datatype.value in _PLAIN_DATATYPES else self.short(term.datatype.value)
            )
            return TermView(term.value, language=term.language, datatype=datatype, literal=True)
        if isinstance(term, BlankNode):
            return TermView(f"_:{term.value}")
        if isinstance(term, Triple):
            return TermView(str(term))
        return TermView(str(term))

    def iri(self, iri: NamedNode, *, labelled: bool = True) -> TermView:
        published = self._space.publish(iri)
        public = published.value if isinstance(published, NamedNode) else iri.value
        label = self._labeller.label(iri) if labelled else None
        text = label or self.short(iri.value)
        path = self._space.path_of(iri.value)
        if path is not None:
            return TermView(text, site_href(path), public, local=True)
        external = iri.value if iri.value.startswith(("http://", "https://")) else None
        return TermView(text, external, public)

    def short(self, iri: str) -> str:
        """A prefixed name (kgo:supplier) when kg knows the namespace, else the IRI itself."""
        shown = shorten_iri(iri, self.prefixes)
        return shown[1:-1] if shown.startswith("<") else shown

    def label(self, iri: NamedNode) -> str | None:
        return self._labeller.label(iri)
