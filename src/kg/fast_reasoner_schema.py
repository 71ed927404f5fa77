"""The ontology compiled for the fast reasoner: terms as numbers, axioms as lookup tables.

The fast reasoner names each term by its N-Triples text (its key: ``<http://…>``, ``"1961"^^<…>``,
``_:b1``), whether the triples come from a pyoxigraph store (read as N-Triples, never as Python
term objects, which took three times as long at 1e6 triples) or from rdflib (``term.n3()``).

The fast reasoner implements the OWL 2 RL rules that the constructs in `SUPPORTED_CONSTRUCTS` can
fire. `check_supported` refuses, with `UnsupportedConstruct`, an input that uses any other
construct, or uses these in a way the rules would not fully capture, rather than reason over it
partly. `compile_schema` closes the ontology's axioms once, into the tables the data pass
(kg.fast_reasoner) looks up for each triple.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib.term import Node

from kg.entailment_filter import EVERYTHING
from kg.errors import UnsupportedConstruct
from kg.namespaces import OWL, RDF, RDFS, XSD

# A triple of term keys (N-Triples text).
KeyTriple = tuple[str, str, str]

SUPPORTED_CONSTRUCTS = (
    "rdfs:subClassOf", "owl:equivalentClass", "rdfs:subPropertyOf", "owl:equivalentProperty",
    "rdfs:domain", "rdfs:range", "owl:inverseOf", "owl:SymmetricProperty",
    "owl:TransitiveProperty", "owl:FunctionalProperty", "owl:InverseFunctionalProperty",
    "owl:sameAs", "owl:differentFrom", "owl:disjointWith", "owl:propertyDisjointWith",
    "owl:IrreflexiveProperty", "owl:AsymmetricProperty",
)

# Axioms the fast reasoner compiles before it looks at the data.
_SCHEMA_PREDICATES = frozenset({
    RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty,
    RDFS.domain, RDFS.range, OWL.inverseOf, OWL.disjointWith, OWL.propertyDisjointWith,
})
# OWL 2 RL constructs the fast reasoner does not implement: class expressions, keys, chains,
# list-based axioms and negative assertions.
_UNSUPPORTED_PREDICATES = frozenset({
    OWL.intersectionOf, OWL.unionOf, OWL.complementOf, OWL.oneOf, OWL.onProperty,
    OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.maxCardinality,
    OWL.maxQualifiedCardinality, OWL.onClass, OWL.hasKey, OWL.propertyChainAxiom, OWL.members,
    OWL.distinctMembers, OWL.sourceIndividual, OWL.assertionProperty, OWL.targetIndividual,
    OWL.targetValue,
})
_UNSUPPORTED_TYPES = frozenset({
    OWL.Restriction, OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.AllDifferent,
    OWL.NegativePropertyAssertion,
})
# Built-in terms an axiom may point to without changing what the rules themselves mean.
_SAFE_BUILTIN_OBJECTS: dict[Node, frozenset[Node]] = {
    RDFS.subClassOf: EVERYTHING,
    RDFS.domain: EVERYTHING,
    RDFS.range: EVERYTHING | {RDFS.Literal},
}
# Every predicate whose triples the rules may need whatever the ontology says: axioms, types,
# equalities and the constructs refused.
STATIC_PREDICATES = (
    _SCHEMA_PREDICATES | _UNSUPPORTED_PREDICATES | {RDF.type, OWL.sameAs, OWL.differentFrom}
)
# Super-properties or inverses that would let data triples add axioms or equalities.
_RULE_PREDICATES = _SCHEMA_PREDICATES | {RDF.type, OWL.sameAs, OWL.differentFrom}
# Axioms about properties may point to built-in properties (rdfs:label, say) outside the above.
_PROPERTY_AXIOMS = frozenset({RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf})


def key(term: Node) -> str:
    """The key of an rdflib term: its N-Triples text."""
    return term.n3()


_BUILTIN_PREFIXES = tuple(f"<{ns}" for ns in (RDF, RDFS, OWL, XSD))
_XSD_PREFIX = f"<{XSD}"
_RDFS_LITERAL = key(RDFS.Literal)


def is_literal_key(term: str) -> bool:
    return term.startswith('"')


def is_iri_key(term: str) -> bool:
    return term.startswith("<")


def is_builtin_key(term: str) -> bool:
    """Whether the term belongs to RDF, RDFS, OWL or XSD."""
    return term.startswith(_BUILTIN_PREFIXES)


def is_datatype_key(term: str) -> bool:
    """Whether the term is rdfs:Literal or an XSD datatype."""
    return term == _RDFS_LITERAL or term.startswith(_XSD_PREFIX)


class Terms:
    """Every term numbered: the rules then hash and compare small ints, not strings."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []

    def id(self, term: str) -> int:
        number = self.ids.get(term)
        if number is None:
            number = self.ids[term] = len(self.keys)
            self.keys.append(term)
        return number

    def numbered(self, triples: Iterable[KeyTriple]) -> set[tuple[int, int, int]]:
        ids, keys = self.ids, self.keys
        found: set[tuple[int, int, int]] = set()
        add = found.add
        for triple in triples:
            numbers = []
            for term in triple:
                number = ids.get(term)
                if number is None:
                    number = ids[term] = len(keys)
                    keys.append(term)
                numbers.append(number)
            add((numbers[0], numbers[1], numbers[2]))
        return found

    def triple(self, triple: tuple[int, int, int]) -> KeyTriple:
        keys = self.keys
        return keys[triple[0]], keys[triple[1]], keys[triple[2]]

    def n3(self, number: int) -> str:
        return self.keys[number]


# The vocabulary the rules name, numbered first so that each has a fixed number.
_V = [
    RDF.type, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty,
    RDFS.domain, RDFS.range, OWL.inverseOf, OWL.disjointWith, OWL.propertyDisjointWith,
    OWL.sameAs, OWL.differentFrom, OWL.Nothing, OWL.SymmetricProperty, OWL.TransitiveProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty,
    OWL.AsymmetricProperty,
]
(
    TYPE, SUBCLASS, EQCLASS, SUBPROPERTY, EQPROPERTY, DOMAIN, RANGE, INVERSE,
    DISJOINT, PDISJOINT, SAME, DIFFERENT, NOTHING, SYMMETRIC, TRANSITIVE, FUNCTIONAL,
    INVFUNCTIONAL, IRREFLEXIVE, ASYMMETRIC,
) = range(len(_V))
VOCABULARY = tuple(_V)
_SCHEMA_IDS = frozenset(range(SUBCLASS, PDISJOINT + 1))
_CHARACTERISTIC_IDS = frozenset(range(SYMMETRIC, ASYMMETRIC + 1))


def new_terms() -> Terms:
    """A numbering with the rules' vocabulary first, so that TYPE, SAME, … are their numbers."""
    terms = Terms()
    for term in _V:
        terms.id(key(term))
    return terms


@dataclass
class Schema:
    """The ontology's axioms, closed, in the shape the data pass needs."""

    superclasses: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # For each property, the properties its triples also hold for, and whether reversed.
    property_steps: dict[int, tuple[tuple[int, bool], ...]] = field(default_factory=dict)
    domains: dict[int, tuple[int, ...]] = field(default_factory=dict)
    ranges: dict[int, tuple[int, ...]] = field(default_factory=dict)
    characteristics: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    disjoint_classes: list[tuple[int, int]] = field(default_factory=list)
    disjoint_properties: list[tuple[int, int]] = field(default_factory=list)
    entailed: set[tuple[int, int, int]] = field(default_factory=set)  # schema axioms added
    terms: set[int] = field(default_factory=set)  # every term an axiom mentions

    def predicates(self) -> set[int]:
        """The properties some rule or check joins on, or derives: only their triples matter."""
        found = set(self.property_steps) | set(self.domains) | set(self.ranges)
        found |= {q for steps in self.property_steps.values() for q, _ in steps}
        found |= set().union(*self.characteristics.values())
        found |= {p for pair in self.disjoint_properties for p in pair}
        return found


_UNSUPPORTED_PREDICATE_KEYS = frozenset(map(key, _UNSUPPORTED_PREDICATES))
_UNSUPPORTED_TYPE_KEYS = frozenset(map(key, _UNSUPPORTED_TYPES))
_SCHEMA_PREDICATE_KEYS = frozenset(map(key, _SCHEMA_PREDICATES))
_SAFE_BUILTIN_OBJECT_KEYS = {key(p): frozenset(map(key, objects)) for p, objects in _SAFE_BUILTIN_OBJECTS.items()}
_RULE_PREDICATE_KEYS = frozenset(map(key, _RULE_PREDICATES))
_PROPERTY_AXIOM_KEYS = frozenset(map(key, _PROPERTY_AXIOMS))
_TYPE, _RANGE = key(RDF.type), key(RDFS.range)


def check_supported(triples: set[tuple[int, int, int]], terms: Terms) -> None:
    """Refuse (UnsupportedConstruct) an input whose meaning the rules would not fully capture."""
    for s, p, o in _axiom_candidates(triples, terms):
        if p in _UNSUPPORTED_PREDICATE_KEYS or (p == _TYPE and o in _UNSUPPORTED_TYPE_KEYS):
            construct = o if p == _TYPE else p
            raise UnsupportedConstruct(
                f"the fast reasoner does not implement {construct} (used by {s}); "
                "build with --reasoner owlrl"
            )
        if p not in _SCHEMA_PREDICATE_KEYS:
            continue
        if is_builtin_key(s):
            raise UnsupportedConstruct(
                f"the fast reasoner does not reason over axioms about {s} itself "
                f"({s} {p} {o}); build with --reasoner owlrl"
            )
        safe = o in _SAFE_BUILTIN_OBJECT_KEYS.get(p, ()) or (p == _RANGE and is_datatype_key(o))
        changes_rules = o in _RULE_PREDICATE_KEYS or (is_builtin_key(o) and p not in _PROPERTY_AXIOM_KEYS)
        if changes_rules and not safe:
            raise UnsupportedConstruct(
                f"the fast reasoner does not reason over {s} {p} {o}, which "
                "makes data triples into axioms; build with --reasoner owlrl"
            )


def _axiom_candidates(triples: set[tuple[int, int, int]], terms: Terms) -> list[KeyTriple]:
    """The triples `check_supported` must look at: axioms and unsupported constructs."""
    ids = terms.ids
    unsupported = {ids[t] for t in _UNSUPPORTED_PREDICATE_KEYS if t in ids}
    unsupported_types = {ids[t] for t in _UNSUPPORTED_TYPE_KEYS if t in ids}
    return [
        terms.triple(t) for t in triples
        if t[1] in _SCHEMA_IDS or t[1] in unsupported or (t[1] == TYPE and t[2] in unsupported_types)
    ]


def compile_schema(triples: Iterable[tuple[int, int, int]]) -> Schema:
    """The axioms among the triples, closed into the tables the data pass looks up."""
    schema = Schema()
    up_classes: dict[int, set[int]] = defaultdict(set)
    up_properties: dict[int, set[int]] = defaultdict(set)
    inverses: dict[int, set[int]] = defaultdict(set)
    domains: dict[int, set[int]] = defaultdict(set)
    ranges: dict[int, set[int]] = defaultdict(set)
    # Each axiom is an edge: the table it goes in, and whether it holds both ways.
    edges = {
        SUBCLASS: (up_classes, False), EQCLASS: (up_classes, True),
        SUBPROPERTY: (up_properties, False), EQPROPERTY: (up_properties, True),
        INVERSE: (inverses, True), DOMAIN: (domains, False), RANGE: (ranges, False),
    }
    for s, p, o in triples:
        if p == TYPE:
            if o in _CHARACTERISTIC_IDS:
                schema.characteristics[o].add(s)
            continue
        if p not in _SCHEMA_IDS:
            continue
        schema.terms.update((s, o))
        if p in edges:
            table, both_ways = edges[p]
            table[s].add(o)
            if both_ways:
                table[o].add(s)
        elif p == DISJOINT:
            schema.disjoint_classes.append((s, o))
        else:
            schema.disjoint_properties.append((s, o))
    schema.superclasses = {c: tuple(ups - {c}) for c, ups in up_classes.items()}
    schema.property_steps = _property_steps(up_properties, inverses, schema.characteristics)
    schema.domains = {p: tuple(cs) for p, cs in domains.items()}
    schema.ranges = {p: tuple(cs) for p, cs in ranges.items()}
    schema.entailed = _entailed_schema(up_classes, up_properties, domains, ranges)
    return schema


def _property_steps(
    up: dict[int, set[int]], inverses: dict[int, set[int]], characteristics: dict[int, set[int]]
) -> dict[int, tuple[tuple[int, bool], ...]]:
    """One step of rules prp-spo1, prp-eqp, prp-inv and prp-symp for each property."""
    symmetric = characteristics[SYMMETRIC]
    steps: dict[int, tuple[tuple[int, bool], ...]] = {}
    for prop in set(up) | set(inverses) | symmetric:
        found = {(q, False) for q in up.get(prop, ()) if q != prop}
        found |= {(q, True) for q in inverses.get(prop, ())}
        if prop in symmetric:
            found.add((prop, True))
        steps[prop] = tuple(found)
    return steps


def _entailed_schema(
    up_classes: dict[int, set[int]],
    up_properties: dict[int, set[int]],
    domains: dict[int, set[int]],
    ranges: dict[int, set[int]],
) -> set[tuple[int, int, int]]:
    """Rules scm-sco, scm-eqc1/2, scm-spo, scm-eqp1/2, scm-dom1/2 and scm-rng1/2, closed."""
    class_closure = _reflexive_transitive(up_classes)
    property_closure = _reflexive_transitive(up_properties)
    entailed = _subsumptions(class_closure, SUBCLASS, EQCLASS)
    entailed |= _subsumptions(property_closure, SUBPROPERTY, EQPROPERTY)
    for axioms, predicate in ((domains, DOMAIN), (ranges, RANGE)):
        for prop in set(property_closure) | set(axioms):
            for super_property in property_closure.get(prop, {prop}):
                for cls in axioms.get(super_property, ()):
                    entailed.update((prop, predicate, c) for c in class_closure.get(cls, {cls}))
    return entailed


def _reflexive_transitive(edges: dict[int, set[int]]) -> dict[int, set[int]]:
    closure: dict[int, set[int]] = {}
    for start in edges:
        reached = {start}
        frontier = [start]
        while frontier:
            for nxt in edges.get(frontier.pop(), ()):
                if nxt not in reached:
                    reached.add(nxt)
                    frontier.append(nxt)
        closure[start] = reached
    return closure


def _subsumptions(closure: dict[int, set[int]], sub: int, equivalent: int) -> set[tuple[int, int, int]]:
    entailed: set[tuple[int, int, int]] = set()
    for lower, uppers in closure.items():
        for upper in uppers - {lower}:
            entailed.add((lower, sub, upper))
            if lower in closure.get(upper, ()):
                entailed.add((lower, equivalent, upper))
    return entailed
