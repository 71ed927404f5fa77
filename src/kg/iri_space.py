"""Which IRIs a published copy of the graph answers for, and the IRIs its documents carry.

Two namespaces meet here. The data's own namespace (`kg.namespaces.BASE`, https://w3id.org/kg-mali/)
is fixed: it is what the triples say. The public base (the `--base-iri` setting) is where the
published documents say those resources live. By default the two are the same, so every document
keeps the canonical w3id.org IRIs, and w3id.org redirects them to whichever host serves the graph.
A mirror or a staging copy that wants IRIs which dereference on itself sets another public base;
its linked-data documents (pages, RDF twins, ontology, shapes, VoID, dumps) then carry IRIs under
that base, as Pubby's webBase and LodView's publicUrlPrefix do. A site path `p` answers for both
`{data base}p` and `{public base}p`.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from pyoxigraph import DefaultGraph, NamedNode, Quad, Triple

from kg.namespaces import BASE
from kg.terms import Term



@dataclass(frozen=True)
class IriSpace:
    data_base: str = BASE
    public_base: str = BASE

    def __post_init__(self) -> None:
        for name in ("data_base", "public_base"):
            value = getattr(self, name)
            if not value.endswith(("/", "#")):
                raise ValueError(f"{name} must end with '/' or '#', not {value!r}")
            NamedNode(value)  # ValueError for anything that is not an absolute IRI

    @property
    def rebased(self) -> bool:
        """Whether published documents rename the data's IRIs."""
        return self.public_base != self.data_base

    def path_of(self, iri: str) -> str | None:
        """The site path (no leading slash) that answers for the IRI, or None if none does."""
        for base in (self.data_base, self.public_base):
            if iri.startswith(base):
                return iri[len(base) :]
        return None

    def data_iri(self, path: str) -> NamedNode | None:
        """The data IRI a site path answers for; None when the path cannot make one.

        A request path may hold what no IRI can (a space, a quote, `<`, a control character,
        once percent-decoded): nothing in the graph has such an IRI.
        """
        try:
            return NamedNode(self.data_base + path)
        except ValueError:
            return None

    def public_iri(self, path: str) -> str:
        return self.public_base + path

    def publish(self, term: Term) -> Term:
        """The term as published documents carry it: data IRIs moved under the public base."""
        if not self.rebased:
            return term
        if isinstance(term, NamedNode) and term.value.startswith(self.data_base):
            return NamedNode(self.public_base + term.value[len(self.data_base) :])
        if isinstance(term, Triple):
            return self._triple(term)
        return term

    def publish_quads(self, quads: Iterable[Quad]) -> Iterator[Quad]:
        for q in quads:
            graph = q.graph_name
            if not isinstance(graph, DefaultGraph):
                graph = cast(Any, self.publish(graph))
            yield Quad(*cast(Any, [*self._parts(q.triple), graph]))

    def _triple(self, t: Triple) -> Triple:
        return Triple(*cast(Any, self._parts(t)))

    def _parts(self, t: Triple) -> list[Term]:
        # publish() keeps each term's kind (an IRI stays an IRI), which the union type hides.
        return [self.publish(x) for x in (t.subject, t.predicate, t.object)]
