"""The fast reasoner: the OWL 2 RL closure in one worklist pass over numbered triples.

The rules that the constructs in `SUPPORTED_CONSTRUCTS` can fire, compiled from the ontology
(kg.fast_reasoner_schema) and applied to the data in one worklist pass (semi-naive forward
chaining: each triple is taken up once, and joined only with what it can trigger). Equality
(owl:sameAs, from functional and inverse-functional properties) is handled by merging equal nodes
and copying their triples, repeated until nothing new is merged. An input that uses any other OWL
construct is refused with `UnsupportedConstruct` rather than reasoned over partly; tests check
that this reasoner and owlrl's give the same triples.

Inconsistencies (disjoint classes sharing a member, a member of owl:Nothing, misuse of an
irreflexive, asymmetric or disjoint property, owl:sameAs against owl:differentFrom) are returned,
not kept as triples; the build fails on them.

Only the triples whose predicate some rule can use are read: the axioms, the types, the
equalities, and the properties the ontology gives a domain, a range, a super- or sub-property, an
inverse or a characteristic (at 1e6 generated triples, labels, evidence and sources are about
half). Should the data make two nodes equal, every triple is read and the pass runs again, since
owl:sameAs copies all of a node's triples, whatever their predicate.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

import pyoxigraph

from kg.entailment_filter import EVERYTHING, REFLEXIVE_TAUTOLOGIES, Closure, Triple
from kg.errors import UnsupportedConstruct
from kg.fast_reasoner_schema import (
    ASYMMETRIC,
    DIFFERENT,
    FUNCTIONAL,
    INVFUNCTIONAL,
    IRREFLEXIVE,
    NOTHING,
    SAME,
    STATIC_PREDICATES,
    TRANSITIVE,
    TYPE,
    VOCABULARY,
    KeyTriple,
    Schema,
    Terms,
    check_supported,
    compile_schema,
    is_builtin_key,
    is_datatype_key,
    is_iri_key,
    is_literal_key,
    key,
    new_terms,
)

Progress = Callable[[str], None]
# Reads the input's triples as keys: those with one of the predicates given (keys), or all (None).
Reader = Callable[[frozenset[str] | None], Iterable[KeyTriple]]

_STATIC_KEYS = frozenset(map(key, STATIC_PREDICATES))


class _EveryTripleNeeded(Exception):
    """Nodes were found equal in a pass over part of the triples: owl:sameAs copies them all."""

_PROGRESS_EVERY = 200_000


class _Saturation:
    """The growing set of entailed triples, with the indexes the join rules need."""

    def __init__(self, schema: Schema, progress: Progress | None) -> None:
        self.schema = schema
        self.progress = progress
        self.seen: set[tuple[int, int, int]] = set()
        self.work: list[tuple[int, int, int]] = []
        chars = schema.characteristics
        self.transitive = frozenset(chars[TRANSITIVE])
        # Only the predicates some rule or check joins on are indexed.
        self.indexed = frozenset(
            set().union(*chars.values())
            | {p for pair in schema.disjoint_properties for p in pair}
            | {SAME, DIFFERENT}
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
            if p == TYPE:
                for cls in superclasses.get(o, ()):
                    new = (s, TYPE, cls)
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
                new = (s, TYPE, cls)
                if new not in seen:
                    seen.add(new)
                    work.append(new)
            for cls in ranges.get(p, ()):
                new = (o, TYPE, cls)
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
    """The same filtered closure as owlrl's, for inputs within SUPPORTED_CONSTRUCTS (rdflib terms)."""
    by_key = {key(term): term for triple in asserted for term in triple}
    by_key.update((key(term), term) for term in VOCABULARY)
    keyed = {(key(s), key(p), key(o)) for s, p, o in asserted}

    def read(predicates: frozenset[str] | None) -> Iterable[KeyTriple]:
        return keyed if predicates is None else (t for t in keyed if t[1] in predicates)

    closure = closure_of_keys(read, progress)
    return Closure(
        frozenset((by_key[s], by_key[p], by_key[o]) for s, p, o in closure.inferred),
        closure.inconsistencies,
    )


def store_closure(store: pyoxigraph.Store, progress: Progress | None = None) -> Closure:
    """The filtered closure of the union of the store's named graphs; triples of N-Triples keys."""
    return closure_of_keys(lambda predicates: store_triples(store, predicates), progress)


def store_triples(store: pyoxigraph.Store, predicates: frozenset[str] | None) -> Iterable[KeyTriple]:
    """The triples of the store's named graphs (with one of the predicates, if given) as keys.

    Read as N-Triples text, which pyoxigraph writes one triple a line, each term always written
    the same way; a subject and a predicate hold no space, so the rest of the line is the object.
    """
    if predicates is None:
        where = "GRAPH ?g { ?s ?p ?o }"
    else:
        values = " ".join(sorted(p for p in predicates if is_iri_key(p)))
        if not values:
            return
        where = f"VALUES ?p {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}"
    text = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}").serialize(
        format=pyoxigraph.RdfFormat.N_TRIPLES
    ).decode()
    for line in text.splitlines():
        s, p, rest = line.split(" ", 2)
        yield s, p, rest[:-2]


def closure_of_keys(read: Reader, progress: Progress | None = None) -> Closure:
    """The filtered closure of the triples `read` gives, as triples of keys."""
    terms = new_terms()
    triples = terms.numbered(read(_STATIC_KEYS))
    check_supported(triples, terms)
    schema = compile_schema(triples)
    more = frozenset(terms.keys[p] for p in schema.predicates()) - _STATIC_KEYS
    if more:
        triples |= terms.numbered(read(more))
    if progress:
        progress(
            f"schema compiled: {len(schema.entailed):,} schema triples entailed; "
            f"{len(triples):,} triples with the {len(more) + len(_STATIC_KEYS)} predicates the rules use"
        )
    try:
        return _closure(terms, triples, schema, progress, every_triple=False)
    except _EveryTripleNeeded:
        if progress:
            progress("nodes found equal: reading every triple, for owl:sameAs to copy")
        triples = terms.numbered(read(None))
        return _closure(terms, triples, schema, progress, every_triple=True)


def _closure(
    terms: Terms, triples: set[tuple[int, int, int]], schema: Schema, progress: Progress | None,
    *, every_triple: bool,
) -> Closure:
    state = _Saturation(schema, progress)
    state.add(triples)
    state.add(schema.entailed)
    state.run()
    inconsistencies = _merge_equals(state, terms, every_triple)
    inconsistencies += _inconsistencies(state, terms)
    kept = _kept_numbered(state.seen - triples, terms)
    return Closure(frozenset(map(terms.triple, kept)), tuple(sorted(set(inconsistencies))))


def _kept_numbered(entailed: set[tuple[int, int, int]], terms: Terms) -> list[tuple[int, int, int]]:
    """`drop_reason` on numbered triples, deciding once per term rather than once per triple."""
    dropped_subject = [is_literal_key(t) or is_builtin_key(t) for t in terms.keys]
    datatype = [is_datatype_key(t) for t in terms.keys]
    everything = {terms.ids[key(t)] for t in EVERYTHING if key(t) in terms.ids}
    reflexive = {terms.ids[key(t)] for t in REFLEXIVE_TAUTOLOGIES}
    not_iri = {p for _, p, _ in entailed if not is_iri_key(terms.keys[p])}
    return [
        (s, p, o) for s, p, o in entailed
        if not (
            dropped_subject[s] or (p == TYPE and datatype[o]) or p in not_iri
            or (s == o and p in reflexive) or o in everything
        )
    ]


def _merge_equals(state: _Saturation, terms: Terms, every_triple: bool) -> list[str]:
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
            if is_literal_key(terms.keys[a]) or is_literal_key(terms.keys[b]):
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
        if not every_triple:
            raise _EveryTripleNeeded
        groups: dict[int, set[int]] = defaultdict(set)
        for node in list(parent):
            groups[root(node)].update((node, root(node)))
        _check_equal_terms(state, terms, groups)
        members = {node: group for group in groups.values() for node in group}
        state.add((a, SAME, b) for group in groups.values() for a in group for b in group)
        state.add(
            (s2, p, o2)
            for s, p, o in list(state.seen)
            if s in members or o in members
            for s2 in members.get(s, (s,))
            for o2 in members.get(o, (o,))
        )
        state.run()


def _equal_pairs(state: _Saturation, terms: Terms) -> Iterable[tuple[int, int, str]]:
    chars = state.schema.characteristics
    for s, objects in state.forward[SAME].items():
        for o in objects:
            if s != o:
                yield s, o, f"{terms.n3(s)} owl:sameAs {terms.n3(o)}"
    for prop in chars[FUNCTIONAL]:
        for s, objects in state.forward[prop].items():
            why = f"{terms.n3(prop)} is functional but {terms.n3(s)} has the values"
            yield from _chained(objects, why, terms)
    for prop in chars[INVFUNCTIONAL]:
        for o, subjects in state.backward[prop].items():
            why = f"{terms.n3(prop)} is inverse-functional but {terms.n3(o)} is the value of"
            yield from _chained(subjects, why, terms)


def _chained(nodes: set[int], why: str, terms: Terms) -> Iterable[tuple[int, int, str]]:
    # By their text, not their numbers: the message must not depend on the input's order.
    ordered = sorted(nodes, key=terms.n3)
    for a, b in zip(ordered, ordered[1:]):
        yield a, b, f"{why} {terms.n3(a)} and {terms.n3(b)}"


def _check_equal_terms(state: _Saturation, terms: Terms, groups: dict[int, set[int]]) -> None:
    predicates = {p for _, p, _ in state.seen}
    for group in groups.values():
        if any(n in state.schema.terms or n in predicates or is_builtin_key(terms.keys[n]) for n in group):
            raise UnsupportedConstruct(
                "the fast reasoner does not reason over classes or properties found equal "
                f"({', '.join(sorted(terms.n3(n) for n in group))}); build with --reasoner owlrl"
            )


def _inconsistencies(state: _Saturation, terms: Terms) -> list[str]:
    """Rules cax-dw, cls-nothing2, prp-irp, prp-asyp, prp-pdw and eq-diff1."""
    schema, forward, n3 = state.schema, state.forward, terms.n3
    classes = {c for pair in schema.disjoint_classes for c in pair} | {NOTHING}
    members: dict[int, set[int]] = defaultdict(set)
    for s, p, o in state.seen:
        if p == TYPE and o in classes:
            members[o].add(s)
    found = [f"{n3(x)} is a member of owl:Nothing" for x in members[NOTHING]]
    for c1, c2 in schema.disjoint_classes:
        found += [
            f"{n3(x)} is both a {n3(c1)} and a {n3(c2)}, which are disjoint"
            for x in members[c1] & members[c2]
        ]
    for prop in schema.characteristics[IRREFLEXIVE]:
        found += [f"{n3(x)} {n3(prop)} itself, which is irreflexive" for x, ys in forward[prop].items() if x in ys]
    for prop in schema.characteristics[ASYMMETRIC]:
        found += [
            f"{n3(x)} {n3(prop)} {n3(y)} and back, but it is asymmetric"
            for x, ys in forward[prop].items() for y in ys if x in forward[prop].get(y, ())
        ]
    for p1, p2 in schema.disjoint_properties:
        found += [
            f"{n3(x)} {n3(p1)} and {n3(p2)} {n3(y)}, which are disjoint properties"
            for x, ys in forward[p1].items() for y in ys & forward[p2].get(x, set())
        ]
    same = forward[SAME]
    for x, ys in forward[DIFFERENT].items():
        found += [
            f"{n3(x)} is both owl:sameAs and owl:differentFrom {n3(y)}"
            for y in ys if y in same.get(x, ()) or x in same.get(y, ())
        ]
    return found

