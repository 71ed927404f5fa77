"""What the graph says about one resource, as data: for its page, and for its RDF twins.

Everything comes from index lookups on the store (`quads_for_pattern`), never from query text, so
nothing the client sends can reach a query, and the cost of a description is bounded by the
resource's own links. Each fact keeps the named graphs that hold it: a source graph means the
fact is asserted by that source (whose node and verbatim evidence the same graph gives), the
inferred graph that OWL 2 RL entails it, the derived graph that one of the build's rules made it.
Who claims a fact (kgo:claimedBy, kgo:assertedIn, kgo:asserts) and how sure a quantity is
(kgo:precision, kgo:valueBasis) are gathered apart, for the page's "According to" section and
its quantities.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store, Triple

from kg.namespaces import DCTERMS, DERIVED_GRAPH, INFERRED_GRAPH, KGO, PROV, RDF, RDFS, SKOS
from kg.terms import Term

Subject = NamedNode | BlankNode | Triple

INFERRED = NamedNode(str(INFERRED_GRAPH))
DERIVED = NamedNode(str(DERIVED_GRAPH))
ENTAILED_GRAPHS = frozenset({INFERRED, DERIVED})


def _n(iri: object) -> NamedNode:
    return NamedNode(str(iri))


TYPE = _n(RDF.type)
LABEL = _n(RDFS.label)
ALT_LABEL = _n(SKOS.altLabel)
PREF_LABEL = _n(SKOS.prefLabel)
DEFINITIONS = (_n(SKOS.definition), _n(DCTERMS.description), _n(RDFS.comment))
EVIDENCE = _n(KGO.evidence)
EDITORIAL_NOTE = _n(KGO.editorialNote)
DERIVED_FROM = _n(PROV.wasDerivedFrom)
GENERATED_BY = _n(PROV.wasGeneratedBy)
MATCHES = (_n(SKOS.exactMatch), _n(SKOS.closeMatch))
CLAIMED_BY = _n(KGO.claimedBy)
ASSERTED_IN = _n(KGO.assertedIn)
ASSERTS = _n(KGO.asserts)
SPEAKER = _n(KGO.speaker)
DATE = _n(KGO.date)
QUANTITY = _n(KGO.Quantity)
VALUE = _n(RDF.value)
PRECISION = _n(KGO.precision)
VALUE_BASIS = _n(KGO.valueBasis)
VALUE_AS_WRITTEN = _n(KGO.valueAsWritten)
CLAIM_PREDICATES = frozenset({CLAIMED_BY, ASSERTED_IN, ASSERTS})
STATEMENT_PARTS = (_n(RDF.subject), _n(RDF.predicate), _n(RDF.object))
# Shown in the page's heading and provenance, not repeated in its table of facts.
HEADER_PREDICATES = frozenset(
    {
        TYPE,
        LABEL,
        ALT_LABEL,
        PREF_LABEL,
        EVIDENCE,
        EDITORIAL_NOTE,
        DERIVED_FROM,
        *DEFINITIONS,
        *MATCHES,
        *CLAIM_PREDICATES,
    }
)
LABEL_LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Fact:
    """One (predicate, value) of the resource and the graphs that hold it, in name order."""

    predicate: NamedNode
    value: Term
    graphs: tuple[NamedNode, ...]

    @property
    def asserted(self) -> bool:
        return any(g not in ENTAILED_GRAPHS for g in self.graphs)


@dataclass(frozen=True)
class IncomingLink:
    """Another resource's fact whose value is this resource."""

    subject: Subject
    predicate: NamedNode
    graphs: tuple[NamedNode, ...]


@dataclass(frozen=True)
class DerivedFact:
    """A fact a build rule made, with the rules that made it."""

    predicate: NamedNode
    value: Term
    rules: tuple[NamedNode, ...]


@dataclass(frozen=True)
class SourceNote:
    """What one source graph says about where its facts on the resource come from."""

    graph: NamedNode
    sources: tuple[NamedNode, ...]  # prov:wasDerivedFrom in that graph
    evidence: tuple[Literal, ...]  # kgo:evidence: verbatim quotes
    notes: tuple[Literal, ...]  # kgo:editorialNote


@dataclass(frozen=True)
class StatementReference:
    """A statement a fact rests on, with who made it and when."""

    statement: NamedNode
    speakers: tuple[NamedNode, ...]
    dates: tuple[Literal, ...]


@dataclass(frozen=True)
class Claims:
    """Whose claim the resource is, the statements it rests on, and (for a statement) what it asserts."""

    claimed_by: tuple[NamedNode, ...] = ()
    asserted_in: tuple[StatementReference, ...] = ()
    asserts: tuple[NamedNode, ...] = ()


@dataclass(frozen=True)
class QuantityReading:
    """A kgo:Quantity as a reader needs it: the number if known, how sure, and the article's words."""

    value: Literal | None
    precision: NamedNode | None
    basis: NamedNode | None
    as_written: tuple[Literal, ...]


@dataclass(frozen=True)
class Description:
    iri: NamedNode
    labels: tuple[Literal, ...]
    alt_labels: tuple[Literal, ...]
    definitions: tuple[Literal, ...]
    # When the resource has no definition of its own: what each of its asserted types is.
    type_definitions: tuple[tuple[NamedNode, Literal], ...]
    types: tuple[NamedNode, ...]  # asserted by a source (or the ontology)
    inferred_types: tuple[NamedNode, ...]  # entailed only
    facts: tuple[Fact, ...]  # asserted, other than the header's
    inferred: tuple[Fact, ...]  # entailed by OWL 2 RL only, other than types
    derived: tuple[DerivedFact, ...]
    incoming: tuple[IncomingLink, ...]
    matches: tuple[Fact, ...]  # skos:exactMatch / closeMatch, Wikidata mostly
    provenance: tuple[SourceNote, ...]
    graph_size: int | None = None  # when the IRI also names a graph: its triples
    incoming_truncated: bool = field(default=False)
    claims: Claims = field(default_factory=Claims)
    # The fact values (and the resource itself) that are quantities, read.
    quantities: dict[NamedNode, QuantityReading] = field(default_factory=dict)


def resource_quads(
    store: Store, iri: NamedNode, *, incoming_limit: int | None = None
) -> list[Quad]:
    """The quads that make a resource's RDF twin: its own facts, then the facts pointing at it."""
    quads = list(store.quads_for_pattern(iri, None, None, None))
    incoming = store.quads_for_pattern(None, None, iri, None)
    for count, quad in enumerate(incoming):
        if incoming_limit is not None and count >= incoming_limit:
            break
        if quad.subject != iri:  # a self-loop is already among its own facts
            quads.append(quad)
    return quads


def is_known(store: Store, iri: NamedNode) -> bool:
    """Whether the graph mentions the IRI at all: as a subject, a value, or a graph's name."""
    return (
        next(iter(store.quads_for_pattern(iri, None, None, None)), None) is not None
        or next(iter(store.quads_for_pattern(None, None, iri, None)), None) is not None
        or next(iter(store.quads_for_pattern(None, iri, None, None)), None) is not None
        or graph_size(store, iri) is not None
    )


def graph_size(store: Store, name: NamedNode) -> int | None:
    """The number of triples in the named graph, None if there is no such graph."""
    if not store.contains_named_graph(name):
        return None
    return sum(1 for _ in store.quads_for_pattern(None, None, None, name))


def describe(store: Store, iri: NamedNode, *, incoming_limit: int = 500) -> Description | None:
    """Everything the page shows about `iri`, or None when the graph does not mention it."""
    if not is_known(store, iri):
        return None
    graphs_of: dict[tuple[NamedNode, Term], list[NamedNode]] = defaultdict(list)
    for quad in store.quads_for_pattern(iri, None, None, None):
        graphs_of[(quad.predicate, quad.object)].append(_graph_name(quad))
    facts = [Fact(p, o, tuple(sorted(set(gs), key=str))) for (p, o), gs in graphs_of.items()]
    facts.sort(key=lambda f: (str(f.predicate), str(f.value)))
    asserted = [f for f in facts if f.asserted]
    entailed = [f for f in facts if not f.asserted and INFERRED in f.graphs]

    def values(predicates: Iterable[NamedNode], among: list[Fact]) -> list[Term]:
        wanted = set(predicates)
        return [f.value for f in among if f.predicate in wanted]

    incoming, truncated = _incoming(store, iri, incoming_limit)
    definitions = _literals(values(DEFINITIONS, facts))
    types = tuple(v for v in values([TYPE], asserted) if isinstance(v, NamedNode))
    return Description(
        iri=iri,
        labels=_literals(values([LABEL, PREF_LABEL], facts)),
        alt_labels=_literals(values([ALT_LABEL], facts)),
        definitions=definitions,
        type_definitions=() if definitions else _type_definitions(store, types),
        types=types,
        inferred_types=tuple(v for v in values([TYPE], entailed) if isinstance(v, NamedNode)),
        facts=tuple(f for f in asserted if f.predicate not in HEADER_PREDICATES),
        inferred=tuple(f for f in entailed if f.predicate != TYPE),
        derived=_derived(store, iri, facts),
        incoming=incoming,
        matches=tuple(f for f in facts if f.predicate in MATCHES),
        provenance=_provenance(store, iri),
        graph_size=graph_size(store, iri),
        incoming_truncated=truncated,
        claims=_claims(store, iri),
        quantities=_quantities(store, [iri, *(f.value for f in facts)]),
    )


def _objects(store: Store, subject: Subject, predicate: NamedNode) -> list[Term]:
    """The distinct values of one property, in any graph, sorted."""
    found = {q.object for q in store.quads_for_pattern(subject, predicate, None, None)}
    return sorted(found, key=str)


def _claims(store: Store, iri: NamedNode) -> Claims:
    def iris(subject: Subject, predicate: NamedNode) -> tuple[NamedNode, ...]:
        return tuple(t for t in _objects(store, subject, predicate) if isinstance(t, NamedNode))

    return Claims(
        claimed_by=iris(iri, CLAIMED_BY),
        asserted_in=tuple(
            StatementReference(
                statement,
                speakers=iris(statement, SPEAKER),
                dates=_literals(_objects(store, statement, DATE)),
            )
            for statement in iris(iri, ASSERTED_IN)
        ),
        asserts=iris(iri, ASSERTS),
    )


def _quantities(store: Store, terms: Iterable[Term]) -> dict[NamedNode, QuantityReading]:
    readings = {}
    for term in terms:
        if not isinstance(term, NamedNode) or term in readings:
            continue
        if next(iter(store.quads_for_pattern(term, TYPE, QUANTITY, None)), None) is None:
            continue

        def first(predicate: NamedNode, quantity: NamedNode = term) -> Term | None:
            return next(iter(_objects(store, quantity, predicate)), None)

        value, precision, basis = first(VALUE), first(PRECISION), first(VALUE_BASIS)
        readings[term] = QuantityReading(
            value=value if isinstance(value, Literal) else None,
            precision=precision if isinstance(precision, NamedNode) else None,
            basis=basis if isinstance(basis, NamedNode) else None,
            as_written=_literals(_objects(store, term, VALUE_AS_WRITTEN)),
        )
    return readings


def _graph_name(quad: Quad) -> NamedNode:
    # The build puts nothing in the default graph; a hand-made file might: name it for display.
    return quad.graph_name if isinstance(quad.graph_name, NamedNode) else _DEFAULT


_DEFAULT = NamedNode("urn:x-kg:default-graph")


def _type_definitions(
    store: Store, types: Iterable[NamedNode]
) -> tuple[tuple[NamedNode, Literal], ...]:
    """The skos:definition of each type, as the ontology gives it, English first."""
    found = [
        (t, quad.object)
        for t in types
        for quad in store.quads_for_pattern(t, DEFINITIONS[0], None, None)
        if isinstance(quad.object, Literal)
    ]
    return tuple(sorted(found, key=lambda pair: (pair[0].value, pair[1].language != "en")))


def _literals(terms: Iterable[Term]) -> tuple[Literal, ...]:
    return tuple(t for t in terms if isinstance(t, Literal))


def _incoming(store: Store, iri: NamedNode, limit: int) -> tuple[tuple[IncomingLink, ...], bool]:
    graphs_of: dict[tuple[Subject, NamedNode], list[NamedNode]] = defaultdict(list)
    truncated = False
    for quad in store.quads_for_pattern(None, None, iri, None):
        if quad.subject == iri:
            continue
        # The derived graph's reified statements point at every resource a rule touched; the
        # page shows the derived fact itself, with its rule, instead.
        if quad.predicate in STATEMENT_PARTS and _graph_name(quad) == DERIVED:
            continue
        key = (quad.subject, quad.predicate)
        if key not in graphs_of and len(graphs_of) >= limit:
            truncated = True
            break
        graphs_of[key].append(_graph_name(quad))
    links = [
        IncomingLink(s, p, tuple(sorted(set(gs), key=str))) for (s, p), gs in graphs_of.items()
    ]
    links.sort(key=lambda link: (str(link.predicate), str(link.subject)))
    return tuple(links), truncated


def _derived(store: Store, iri: NamedNode, facts: list[Fact]) -> tuple[DerivedFact, ...]:
    """The facts in the derived graph, each with the rules its reified statements name."""
    rules_of: dict[tuple[NamedNode, Term], set[NamedNode]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, STATEMENT_PARTS[0], iri, DERIVED):
        statement = quad.subject
        predicate = _one(store, statement, STATEMENT_PARTS[1])
        value = _one(store, statement, STATEMENT_PARTS[2])
        if isinstance(predicate, NamedNode) and value is not None:
            for rule in store.quads_for_pattern(statement, GENERATED_BY, None, DERIVED):
                if isinstance(rule.object, NamedNode):
                    rules_of[(predicate, value)].add(rule.object)
    derived = [
        DerivedFact(
            f.predicate, f.value, tuple(sorted(rules_of.get((f.predicate, f.value), ()), key=str))
        )
        for f in facts
        if DERIVED in f.graphs
    ]
    return tuple(derived)


def _one(store: Store, subject: Subject, predicate: NamedNode) -> Term | None:
    return next(
        (q.object for q in store.quads_for_pattern(subject, predicate, None, DERIVED)), None
    )


def _provenance(store: Store, iri: NamedNode) -> tuple[SourceNote, ...]:
    """Per source graph: the source nodes, the verbatim evidence and the editors' notes."""
    by_graph: dict[NamedNode, dict[NamedNode, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for predicate in (DERIVED_FROM, EVIDENCE, EDITORIAL_NOTE):
        for quad in store.quads_for_pattern(iri, predicate, None, None):
            graph = _graph_name(quad)
            if graph not in ENTAILED_GRAPHS:
                by_graph[graph][predicate].append(quad.object)
    notes = [
        SourceNote(
            graph=graph,
            sources=tuple(
                sorted((t for t in said[DERIVED_FROM] if isinstance(t, NamedNode)), key=str)
            ),
            evidence=tuple(sorted(_literals(said[EVIDENCE]), key=lambda lit: lit.value)),
            notes=tuple(sorted(_literals(said[EDITORIAL_NOTE]), key=lambda lit: lit.value)),
        )
        for graph, said in by_graph.items()
    ]
    notes.sort(key=lambda n: str(n.graph))
    return tuple(notes)


class Labeller:
    """Human-readable names for IRIs, from rdfs:label (English first, then French), cached."""

    def __init__(self, store: Store, languages: tuple[str, ...] = LABEL_LANGUAGES) -> None:
        self._store = store
        self._languages = languages
        self._cache: dict[NamedNode, str | None] = {}

    def label(self, term: Term) -> str | None:
        if not isinstance(term, NamedNode):
            return None
        if term not in self._cache:
            self._cache[term] = self._best(term)
        return self._cache[term]

    def _best(self, iri: NamedNode) -> str | None:
        by_language: dict[str, str] = {}
        for predicate in (LABEL, PREF_LABEL):
            for quad in self._store.quads_for_pattern(iri, predicate, None, None):
                if isinstance(quad.object, Literal):
                    by_language.setdefault(quad.object.language or "", quad.object.value)
        for language in (*self._languages, ""):
            if language in by_language:
                return by_language[language]
        return next(iter(sorted(by_language.items())), (None, None))[1]


def graph_quads(store: Store, name: NamedNode) -> list[Quad]:
    """Every quad of one named graph."""
    return list(store.quads_for_pattern(None, None, None, name))


def triples_of(quads: Iterable[Quad]) -> list[Triple]:
    """The distinct triples of some quads, sorted: the merge of their graphs."""
    return sorted(
        {q.triple for q in quads}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
    )


def sorted_quads(quads: Iterable[Quad]) -> list[Quad]:
    """Quads grouped by graph (so TriG writes each graph once), then sorted."""

    def key(q: Quad) -> tuple[bool, str, str, str, str]:
        named = not isinstance(q.graph_name, DefaultGraph)
        return named, str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)

    return sorted(set(quads), key=key)
