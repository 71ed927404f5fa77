"""The OWL 2 RL closure of the asserted graphs, cut down to the entailments worth publishing.

Two reasoners compute the same set of triples:

- ``owlrl``, the reference: the owlrl package's OWL 2 RL closure (about 1 ms per triple).
- ``fast``, the default: the OWL 2 RL rules that the constructs in ``SUPPORTED_CONSTRUCTS`` can
  fire, compiled from the ontology and applied to the data in one worklist pass (semi-naive
  forward chaining: each triple is taken up once, and joined only with what it can trigger).
  Equality (owl:sameAs, from functional and inverse-functional properties) is handled by
  merging equal nodes and copying their triples, repeated until nothing new is merged. An
  input that uses any other OWL construct is refused with `UnsupportedConstruct` rather than
  reasoned over partly; tests check that both reasoners give the same triples.

What the inferred graph keeps (`drop_reason` is the filter, `DROPPED` names each case): every
triple the closure entails that no input graph asserts, except

- ``literal``: triples about literal values: a literal as subject (owlrl equates each literal
  with itself and types it with its datatype), or anything typed as an XSD datatype or
  rdfs:Literal;
- ``vocabulary``: triples whose subject is a term of RDF, RDFS, OWL or XSD themselves, such as
  ``owl:Thing a owl:Class``, ``rdfs:label a owl:AnnotationProperty``, ``xsd:gYear a
  rdfs:Datatype`` or ``owl:Nothing rdfs:subClassOf kgo:Event`` (the languages' own axioms);
- ``reflexive``: ``x owl:sameAs x``, ``C rdfs:subClassOf C``, ``C owl:equivalentClass C``,
  ``p rdfs:subPropertyOf p`` and ``p owl:equivalentProperty p``, true of every node;
- ``everything``: triples whose object is owl:Thing or rdfs:Resource (``x a owl:Thing``,
  ``C rdfs:subClassOf owl:Thing``, ``p rdfs:domain owl:Thing``), true of everything;
- ``generalised``: triples whose predicate is a blank node (generalised RDF, not RDF).

So what is kept: class memberships through subclasses, domains and ranges (``?x a
schema:Event``); values through super-properties (``?e prov:wasAssociatedWith ?a``), inverse
and symmetric properties (``?a kgo:involvedIn ?e``) and transitive ones; owl:sameAs between
distinct nodes and the triples it copies; and the entailed schema: subclass, subproperty,
equivalence, domain and range axioms (``kgo:Coup rdfs:subClassOf prov:Activity``). Values of
datatype properties through their super-properties are kept too: ``?e sem:hasTimeStamp
"1961"^^xsd:gYear`` is about the event, not about the literal.

Inconsistencies (disjoint classes sharing a member, a member of owl:Nothing, misuse of an
irreflexive, asymmetric or disjoint property, owl:sameAs against owl:differentFrom) are
returned, not kept as triples; the build fails on them. Ill-typed literals are left to the
loader, which warns about them, and to the SHACL shapes.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import KgError
from kg.namespaces import OWL, RDF, RDFS, XSD

Triple = tuple[Node, Node, Node]
Progress = Callable[[str], None]

REASONERS = ("fast", "owlrl")

DROPPED: dict[str, str] = {
    "literal": "a triple about a literal value: a literal subject, or a type that is a datatype",
    "vocabulary": "a triple about a term of RDF, RDFS, OWL or XSD themselves",
    "reflexive": "x owl:sameAs x, or a class or property subsumed by or equivalent to itself",
    "everything": "a triple whose object is owl:Thing or rdfs:Resource, true of everything",
    "generalised": "a triple whose predicate is a blank node (generalised RDF)",
}

SUPPORTED_CONSTRUCTS = (
    "rdfs:subClassOf", "owl:equivalentClass", "rdfs:subPropertyOf", "owl:equivalentProperty",
    "rdfs:domain", "rdfs:range", "owl:inverseOf", "owl:SymmetricProperty",
    "owl:TransitiveProperty", "owl:FunctionalProperty", "owl:InverseFunctionalProperty",
    "owl:sameAs", "owl:differentFrom", "owl:disjointWith", "owl:propertyDisjointWith",
    "owl:IrreflexiveProperty", "owl:AsymmetricProperty",
)

_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE_TAUTOLOGIES = frozenset(
    {OWL.sameAs, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty}
)
_EVERYTHING = frozenset({OWL.Thing, RDFS.Resource})

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
    RDFS.subClassOf: _EVERYTHING,
    RDFS.domain: _EVERYTHING,
    RDFS.range: _EVERYTHING | {RDFS.Literal},
}
# Super-properties or inverses that would let data triples add axioms or equalities.
_RULE_PREDICATES = _SCHEMA_PREDICATES | {RDF.type, OWL.sameAs, OWL.differentFrom}
# Axioms about properties may point to built-in properties (rdfs:label, say) outside the above.
_PROPERTY_AXIOMS = frozenset({RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf})
# owlrl's wording for an ill-typed literal (rule dt-not-type): the loader's warning already says it.
_OWLRL_ILL_TYPED = "Lexical value of the literal"
_PROGRESS_EVERY = 200_000


class UnsupportedConstruct(KgError):
    """The input uses an OWL construct that the fast reasoner does not implement."""


@dataclass(frozen=True)
class Closure:
    """What a reasoner concluded: the kept entailments and the inconsistencies it found."""

    inferred: frozenset[Triple]
    inconsistencies: tuple[str, ...] = ()


def infer(asserted: Iterable[Triple], reasoner: str = "fast", progress: Progress | None = None) -> Closure:
    """The filtered OWL 2 RL closure of the triples, by the named reasoner."""
    triples = set(asserted)
    if reasoner == "fast":
        return fast_closure(triples, progress)
    if reasoner == "owlrl":
        if progress:
            # owlrl reports nothing while it runs: say how long to expect instead.
            progress(f"owlrl on {len(triples):,} triples: about {len(triples) / 1000:.0f} s at 1 ms a triple")
        return owlrl_closure(triples)
    raise KgError(f"unknown reasoner {reasoner!r}; use one of {', '.join(REASONERS)}")


def drop_reason(triple: Triple) -> str | None:
    """Why an entailed triple stays out of the inferred graph (a key of DROPPED), or None."""
    s, p, o = triple
    if isinstance(s, Literal) or (p == RDF.type and _is_datatype(o)):
        return "literal"
    if not isinstance(p, URIRef):
        return "generalised"
    if is_builtin(s):
        return "vocabulary"
    if s == o and p in _REFLEXIVE_TAUTOLOGIES:
        return "reflexive"
    if o in _EVERYTHING:
        return "everything"
    return None


def is_builtin(term: Node) -> bool:
    """Whether the term belongs to RDF, RDFS, OWL or XSD."""
    # str.startswith: rdflib's Identifier overrides startswith with a different meaning.
    return isinstance(term, URIRef) and str.startswith(term, _BUILTIN_NAMESPACES)


def _is_datatype(term: Node) -> bool:
    return term == RDFS.Literal or (isinstance(term, URIRef) and str.startswith(term, str(XSD)))


def _kept(entailed: Iterable[Triple], asserted: set[Triple]) -> frozenset[Triple]:
    return frozenset(t for t in entailed if t not in asserted and drop_reason(t) is None)


# ---------------------------------------------------------------------------------------------
# owlrl


def owlrl_closure(asserted: set[Triple]) -> Closure:
    """The owlrl package's OWL 2 RL closure, filtered; its error notes become inconsistencies."""
    # Imported here: owlrl is only needed when asked for, and the fast path must not pay for it.
    import owlrl
    from owlrl.Namespaces import ERRNS

    graph = Graph()
    for triple in asserted:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    notes = set(graph.subjects(RDF.type, ERRNS.ErrorMessage))
    messages = sorted(
        str(message)
        for note in notes
        for message in graph.objects(note, ERRNS.error)
        if not str(message).startswith(_OWLRL_ILL_TYPED)
    )
    entailed = (t for t in graph if t[0] not in notes)
    return Closure(_kept(entailed, asserted), tuple(messages))


# ---------------------------------------------------------------------------------------------
# fast: terms as numbers


class _Terms:
    """Every term numbered: the rules then hash and compare small ints, not rdflib terms."""

    def __init__(self) -> None:
        self.ids: dict[Node, int] = {}
        self.terms: list[Node] = []

    def id(self, term: Node) -> int:
        number = self.ids.get(term)
        if number is None:
            number = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return number

    def triple(self, triple: tuple[int, int, int]) -> Triple:
        terms = self.terms
        return terms[triple[0]], terms[triple[1]], terms[triple[2]]

    def n3(self, number: int) -> str:
        return self.terms[number].n3()


# The vocabulary the rules name, numbered first so that each has a fixed number.
_V = [
    RDF.type, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty,
    RDFS.domain, RDFS.range, OWL.inverseOf, OWL.disjointWith, OWL.propertyDisjointWith,
    OWL.sameAs, OWL.differentFrom, OWL.Nothing, OWL.SymmetricProperty, OWL.TransitiveProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty,
    OWL.AsymmetricProperty,
]
(
    _TYPE, _SUBCLASS, _EQCLASS, _SUBPROPERTY, _EQPROPERTY, _DOMAIN, _RANGE, _INVERSE,
    _DISJOINT, _PDISJOINT, _SAME, _DIFFERENT, _NOTHING, _SYMMETRIC, _TRANSITIVE, _FUNCTIONAL,
    _INVFUNCTIONAL, _IRREFLEXIVE, _ASYMMETRIC,
) = range(len(_V))
_SCHEMA_IDS = frozenset(range(_SUBCLASS, _PDISJOINT + 1))
_CHARACTERISTIC_IDS = frozenset(range(_SYMMETRIC, _ASYMMETRIC + 1))


def _numbered(asserted: set[Triple]) -> tuple[_Terms, set[tuple[int, int, int]]]:
    terms = _Terms()
    for term in _V:
        terms.id(term)
    number = terms.id
    return terms, {(number(s), number(p), number(o)) for s, p, o in asserted}


# ---------------------------------------------------------------------------------------------
# fast: the schema, compiled


@dataclass
class _Schema:
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


def _check_supported(triples: Iterable[Triple]) -> None:
    """Refuse an input whose meaning the fast reasoner's rules would not fully capture."""
    for s, p, o in triples:
        if p in _UNSUPPORTED_PREDICATES or (p == RDF.type and o in _UNSUPPORTED_TYPES):
            construct = o if p == RDF.type else p
            raise UnsupportedConstruct(
                f"the fast reasoner does not implement {construct.n3()} (used by {s.n3()}); "
                "build with --reasoner owlrl"
            )
        if p not in _SCHEMA_PREDICATES:
            continue
        if is_builtin(s):
            raise UnsupportedConstruct(
                f"the fast reasoner does not reason over axioms about {s.n3()} itself "
                f"({s.n3()} {p.n3()} {o.n3()}); build with --reasoner owlrl"
            )
        safe = o in _SAFE_BUILTIN_OBJECTS.get(p, ()) or (p == RDFS.range and _is_datatype(o))
        changes_rules = o in _RULE_PREDICATES or (is_builtin(o) and p not in _PROPERTY_AXIOMS)
        if changes_rules and not safe:
            raise UnsupportedConstruct(
                f"the fast reasoner does not reason over {s.n3()} {p.n3()} {o.n3()}, which "
                "makes data triples into axioms; build with --reasoner owlrl"
            )


def _axiom_candidates(numbered: set[tuple[int, int, int]], terms: _Terms) -> list[Triple]:
    """The triples `_check_supported` must look at: axioms and unsupported constructs."""
    ids = terms.ids
    unsupported = {ids[t] for t in _UNSUPPORTED_PREDICATES if t in ids}
    unsupported_types = {ids[t] for t in _UNSUPPORTED_TYPES if t in ids}
    return [
        terms.triple(t) for t in numbered
        if t[1] in _SCHEMA_IDS or t[1] in unsupported or (t[1] == _TYPE and t[2] in unsupported_types)
    ]


def _compile_schema(triples: Iterable[tuple[int, int, int]]) -> _Schema:
    schema = _Schema()
    up_classes: dict[int, set[int]] = defaultdict(set)
    up_properties: dict[int, set[int]] = defaultdict(set)
    inverses: dict[int, set[int]] = defaultdict(set)
    domains: dict[int, set[int]] = defaultdict(set)
    ranges: dict[int, set[int]] = defaultdict(set)
    for s, p, o in triples:
        if p == _TYPE:
            if o in _CHARACTERISTIC_IDS:
                schema.characteristics[o].add(s)
            continue
        if p not in _SCHEMA_IDS:
            continue
        schema.terms.update((s, o))
        if p == _SUBCLASS:
            up_classes[s].add(o)
        elif p == _EQCLASS:
            up_classes[s].add(o)
            up_classes[o].add(s)
        elif p == _SUBPROPERTY:
            up_properties[s].add(o)
        elif p == _EQPROPERTY:
            up_properties[s].add(o)
            up_properties[o].add(s)
        elif p == _INVERSE:
            inverses[s].add(o)
            inverses[o].add(s)
        elif p == _DOMAIN:
            domains[s].add(o)
        elif p == _RANGE:
            ranges[s].add(o)
        elif p == _DISJOINT:
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
    symmetric = characteristics[_SYMMETRIC]
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
    entailed = _subsumptions(class_closure, _SUBCLASS, _EQCLASS)
    entailed |= _subsumptions(property_closure, _SUBPROPERTY, _EQPROPERTY)
    for axioms, predicate in ((domains, _DOMAIN), (ranges, _RANGE)):
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


# ---------------------------------------------------------------------------------------------
# fast: the data pass


class _Saturation:
    """The growing set of entailed triples, with the indexes the join rules need."""

    def __init__(self, schema: _Schema, progress: Progress | None) -> None:
        self.schema = schema
        self.progress = progress
        self.seen: set[tuple[int, int, int]] = set()
        self.work: list[tuple[int, int, int]] = []
        chars = schema.characteristics
        self.transitive = frozenset(chars[_TRANSITIVE])
        # Only the predicates some rule or check joins on are indexed.
        self.indexed = frozenset(
            set().union(*chars.values())
            | {p for pair in schema.disjoint_properties for p in pair}
            | {_SAME, _DIFFERENT}
        )
        self.forward: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.backward: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.processed = 0

    def add(self, triples: Iterable[tuple[int, int, int]]) -> None:
        for triple in triples:
            if triple not in self.seen:
                self.seen.add(triple)
                self.work.append(triple)

    def run(self) -> None:
        """Apply cax-sco, prp-spo1, prp-eqp, prp-inv, prp-symp, prp-dom, prp-rng and prp-trp."""
        # Locals: this loop runs once per entailed triple.
        seen, work = self.seen, self.work
        superclasses, steps = self.schema.superclasses, self.schema.property_steps
        domains, ranges = self.schema.domains, self.schema.ranges
        indexed, transitive = self.indexed, self.transitive
        new: tuple[int, int, int]
        while work:
            s, p, o = work.pop()
            self.processed += 1
            if self.progress and self.processed % _PROGRESS_EVERY == 0:
                self.progress(f"{self.processed:,} triples taken up, {len(seen):,} known")
            if p == _TYPE:
                for cls in superclasses.get(o, ()):
                    new = (s, _TYPE, cls)
                    if new not in seen:
                        seen.add(new)
                        work.append(new)
                continue
            for q, reversed_ in steps.get(p, ()):
                new = (o, q, s) if reversed_ else (s, q, o)
                if new not in seen:
                    seen.add(new)
                    work.append(new)
            for cls in domains.get(p, ()):
                new = (s, _TYPE, cls)
                if new not in seen:
                    seen.add(new)
                    work.append(new)
            for cls in ranges.get(p, ()):
                new = (o, _TYPE, cls)
                if new not in seen:
                    seen.add(new)
                    work.append(new)
            if p in indexed:
                self.forward[p][s].add(o)
                self.backward[p][o].add(s)
                if p in transitive:
                    self.add([(s, p, z) for z in self.forward[p][o]])
                    self.add([(w, p, o) for w in self.backward[p][s]])


def fast_closure(asserted: set[Triple], progress: Progress | None = None) -> Closure:
    """The same filtered closure as owlrl's, for inputs within SUPPORTED_CONSTRUCTS."""
    terms, numbered = _numbered(asserted)
    _check_supported(_axiom_candidates(numbered, terms))
    schema = _compile_schema(numbered)
    if progress:
        progress(f"schema compiled: {len(schema.entailed):,} schema triples entailed")
    state = _Saturation(schema, progress)
    state.add(numbered)
    state.add(schema.entailed)
    state.run()
    inconsistencies = _merge_equals(state, terms)
    inconsistencies += _inconsistencies(state, terms)
    kept = _kept_numbered(state.seen - numbered, terms)
    return Closure(frozenset(map(terms.triple, kept)), tuple(sorted(set(inconsistencies))))


def _kept_numbered(entailed: set[tuple[int, int, int]], terms: _Terms) -> list[tuple[int, int, int]]:
    """`drop_reason` on numbered triples, deciding once per term rather than once per triple."""
    dropped_subject = [isinstance(t, Literal) or is_builtin(t) for t in terms.terms]
    datatype = [_is_datatype(t) for t in terms.terms]
    everything = {terms.ids[t] for t in _EVERYTHING if t in terms.ids}
    reflexive = {terms.ids[t] for t in _REFLEXIVE_TAUTOLOGIES}
    not_iri = {p for _, p, _ in entailed if not isinstance(terms.terms[p], URIRef)}
    return [
        (s, p, o) for s, p, o in entailed
        if not (
            dropped_subject[s] or (p == _TYPE and datatype[o]) or p in not_iri
            or (s == o and p in reflexive) or o in everything
        )
    ]


def _merge_equals(state: _Saturation, terms: _Terms) -> list[str]:
    """Rules eq-sym, eq-trans, eq-rep-s/o, prp-fp and prp-ifp, to a fixpoint.

    Equal nodes are grouped (union-find); each group gets owl:sameAs between all its members
    and a copy of every triple of each member for every other, and the data pass runs again,
    since the copies may trigger more rules, until no new nodes are found equal.
    """
    problems: list[str] = []
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    while True:
        merged = False
        for a, b, why in _equal_pairs(state, terms):
            if isinstance(terms.terms[a], Literal) or isinstance(terms.terms[b], Literal):
                # OWL would equate two values (an inconsistency unless they are one value);
                # owlrl copies triples between them instead.
                problems.append(why)
                continue
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
                merged = True
        if not merged:
            return problems
        groups: dict[int, set[int]] = defaultdict(set)
        for node in list(parent):
            groups[root(node)].update((node, root(node)))
        _check_equal_terms(state, terms, groups)
        members = {node: group for group in groups.values() for node in group}
        state.add((a, _SAME, b) for group in groups.values() for a in group for b in group)
        state.add(
            (s2, p, o2)
            for s, p, o in list(state.seen)
            if s in members or o in members
            for s2 in members.get(s, (s,))
            for o2 in members.get(o, (o,))
        )
        state.run()


def _equal_pairs(state: _Saturation, terms: _Terms) -> Iterable[tuple[int, int, str]]:
    chars = state.schema.characteristics
    for s, objects in state.forward[_SAME].items():
        for o in objects:
            if s != o:
                yield s, o, f"{terms.n3(s)} owl:sameAs {terms.n3(o)}"
    for prop in chars[_FUNCTIONAL]:
        for s, objects in state.forward[prop].items():
            why = f"{terms.n3(prop)} is functional but {terms.n3(s)} has the values"
            yield from _chained(objects, why, terms)
    for prop in chars[_INVFUNCTIONAL]:
        for o, subjects in state.backward[prop].items():
            why = f"{terms.n3(prop)} is inverse-functional but {terms.n3(o)} is the value of"
            yield from _chained(subjects, why, terms)


def _chained(nodes: set[int], why: str, terms: _Terms) -> Iterable[tuple[int, int, str]]:
    # By their text, not their numbers: the message must not depend on the input's order.
    ordered = sorted(nodes, key=terms.n3)
    for a, b in zip(ordered, ordered[1:]):
        yield a, b, f"{why} {terms.n3(a)} and {terms.n3(b)}"


def _check_equal_terms(state: _Saturation, terms: _Terms, groups: dict[int, set[int]]) -> None:
    predicates = {p for _, p, _ in state.seen}
    for group in groups.values():
        if any(n in state.schema.terms or n in predicates or is_builtin(terms.terms[n]) for n in group):
            raise UnsupportedConstruct(
                "the fast reasoner does not reason over classes or properties found equal "
                f"({', '.join(sorted(terms.n3(n) for n in group))}); build with --reasoner owlrl"
            )


def _inconsistencies(state: _Saturation, terms: _Terms) -> list[str]:
    """Rules cax-dw, cls-nothing2, prp-irp, prp-asyp, prp-pdw and eq-diff1."""
    schema, forward, n3 = state.schema, state.forward, terms.n3
    classes = {c for pair in schema.disjoint_classes for c in pair} | {_NOTHING}
    members: dict[int, set[int]] = defaultdict(set)
    for s, p, o in state.seen:
        if p == _TYPE and o in classes:
            members[o].add(s)
    found = [f"{n3(x)} is a member of owl:Nothing" for x in members[_NOTHING]]
    for c1, c2 in schema.disjoint_classes:
        found += [
            f"{n3(x)} is both a {n3(c1)} and a {n3(c2)}, which are disjoint"
            for x in members[c1] & members[c2]
        ]
    for prop in schema.characteristics[_IRREFLEXIVE]:
        found += [f"{n3(x)} {n3(prop)} itself, which is irreflexive" for x, ys in forward[prop].items() if x in ys]
    for prop in schema.characteristics[_ASYMMETRIC]:
        found += [
            f"{n3(x)} {n3(prop)} {n3(y)} and back, but it is asymmetric"
            for x, ys in forward[prop].items() for y in ys if x in forward[prop].get(y, ())
        ]
    for p1, p2 in schema.disjoint_properties:
        found += [
            f"{n3(x)} {n3(p1)} and {n3(p2)} {n3(y)}, which are disjoint properties"
            for x, ys in forward[p1].items() for y in ys & forward[p2].get(x, set())
        ]
    same = forward[_SAME]
    for x, ys in forward[_DIFFERENT].items():
        found += [
            f"{n3(x)} is both owl:sameAs and owl:differentFrom {n3(y)}"
            for y in ys if y in same.get(x, ()) or x in same.get(y, ())
        ]
    return found

