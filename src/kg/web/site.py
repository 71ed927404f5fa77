"""What the linked-data blueprints share per app: the IRI space, and documents made once.

The store never changes while the app runs, so the dumps, the VoID counts, the JSON-LD context,
the shapes and the index of entities are made on first use and kept (per process: the server's
workers each make their own from the same store, so the same bytes and checksums).
"""

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyoxigraph
from flask import Flask, current_app
from pyoxigraph import NamedNode, Store

from kg.resource_description import ENTAILED_GRAPHS, Labeller
from kg.dumps import Dump, make_dumps
from kg.errors import InputError, one_line
from kg.iri_space import IriSpace
from kg.jsonld import jsonld_context
from kg.project import display_path, shape_files
from kg.stats import compute_stats
from kg.void import ENTITY_PATH, VoidFacts, gather
from kg.web.services import EXTENSION_KEY, Services

SITE_KEY = "kg.site"
_LOCK = threading.Lock()

# Every subject, then the types the data assert (not those entailed or derived: an entity is
# listed under what its source says it is). The subjects under id/ are picked here: a STRSTARTS
# filter in the query is evaluated once per quad, five times slower at 1e5 generated triples.
_SUBJECTS_QUERY = "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
_ASSERTED_TYPES_QUERY = (
    "SELECT ?s ?t WHERE { GRAPH ?g { ?s a ?t } FILTER(?g NOT IN ("
    + ", ".join(f"<{g.value}>" for g in sorted(ENTAILED_GRAPHS, key=lambda g: g.value))
    + ")) }"
)


@dataclass(frozen=True)
class IndexedEntity:
    iri: NamedNode
    path: str  # site path, "id/transfer/1961-btr-40"
    label: str | None
    types: tuple[NamedNode, ...]


class Site:
    def __init__(self, store: Store, iri_space: IriSpace) -> None:
        self.store = store
        self.iri_space = iri_space
        self.labeller = Labeller(store)

    @cached_property
    def dumps(self) -> list[Dump]:
        return make_dumps(self.store, self.iri_space)

    def dump(self, file_name: str) -> Dump | None:
        return next((d for d in self.dumps if d.file_name == file_name), None)

    @cached_property
    def void_facts(self) -> VoidFacts:
        return gather(self.store, compute_stats(self.store), self.iri_space)

    @cached_property
    def context(self) -> dict[str, Any]:
        return jsonld_context(self.store)

    @cached_property
    def shapes(self) -> list[pyoxigraph.Triple]:
        """The SHACL shapes of the project (shapes/*.ttl); not part of the served dataset."""
        triples: list[pyoxigraph.Triple] = []
        for path in shape_files():
            try:
                triples.extend(
                    q.triple
                    for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
                )
            except (SyntaxError, OSError) as err:
                raise InputError(f"{display_path(path)}: {one_line(str(err))}") from err
        return triples

    @cached_property
    def entities(self) -> dict[str, list[IndexedEntity]]:
        """The entities under id/, by kind (the path segment after id/), sorted by label.

        Two queries, evaluated by the store (in Rust, or by the remote engine): walking every
        quad in Python took 2.3 of the first listing's 3.7 s at 1e5 generated triples.
        """
        base = self.iri_space.data_base + ENTITY_PATH
        types: dict[NamedNode, set[NamedNode]] = {
            row["s"]: set() for row in self.store.query(_SUBJECTS_QUERY)
            if isinstance(row["s"], NamedNode) and row["s"].value.startswith(base)
        }
        for row in self.store.query(_ASSERTED_TYPES_QUERY):
            if row["s"] in types and isinstance(row["t"], NamedNode):
                types[row["s"]].add(row["t"])
        by_kind: dict[str, list[IndexedEntity]] = defaultdict(list)
        for iri, its_types in types.items():
            path = iri.value[len(self.iri_space.data_base) :]
            kind, _, rest = path[len(ENTITY_PATH) :].partition("/")
            if rest:
                ordered = tuple(sorted(its_types, key=lambda t: t.value))
                by_kind[kind].append(IndexedEntity(iri, path, self.labeller.label(iri), ordered))
        for listed in by_kind.values():
            listed.sort(key=lambda e: ((e.label or e.path).casefold(), e.path))
        return dict(sorted(by_kind.items()))

    def kind_type(self, kind: str) -> NamedNode | None:
        """The type most entities of a kind have: what the kind is called."""
        counts = Counter(t for e in self.entities.get(kind, []) for t in e.types)
        return counts.most_common(1)[0][0] if counts else None


def site(app: Flask | None = None) -> Site:
    """The running app's Site, made on first use."""
    app = app or current_app
    found = app.extensions.get(SITE_KEY)
    if found is None:
        with _LOCK:
            found = app.extensions.get(SITE_KEY)
            if found is None:
                state: Services = app.extensions[EXTENSION_KEY]
                space = IriSpace(public_base=state.settings.base_iri)
                found = app.extensions[SITE_KEY] = Site(state.store, space)
    return found
