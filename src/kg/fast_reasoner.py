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
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from rdflib import Literal, URIRef

from kg.entailment_filter import (
    EVERYTHING,
    REFLEXIVE_TAUTOLOGIES,
    Closure,
    Triple,
    is_builtin,
    is_datatype,
)
from kg.errors import UnsupportedConstruct
from kg.fast_reasoner_schema import (
    ASYMMETRIC,
    DIFFERENT,
    FUNCTIONAL,
    INVFUNCTIONAL,
    IRREFLEXIVE,
    NOTHING,
    SAME,
    TRANSITIVE,
    TYPE,
    Schema,
    Terms,
    check_supported,
    compile_schema,
    numbered,
)

Progress = Callable[[str], None]

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
    """The same filtered closure as owlrl's, for inputs within SUPPORTED_CONSTRUCTS."""
    terms, triples = numbered(asserted)
    check_supported(triples, terms)
    schema = compile_schema(triples)
    if progress:
        progress(f"schema compiled: {len(schema.entailed):,} schema triples entailed")
    state = _Saturation(schema, progress)
    state.add(triples)
    state.add(schema.entailed)
    state.run()
    inconsistencies = _merge_equals(state, terms)
    inconsistencies += _inconsistencies(state, terms)
    kept = _kept_numbered(state.seen - triples, terms)
    return Closure(frozenset(map(terms.triple, kept)), tuple(sorted(set(inconsistencies))))


def _kept_numbered(entailed: set[tuple[int, int, int]], terms: Terms) -> list[tuple[int, int, int]]:
    """`drop_reason` on numbered triples, deciding once per term rather than once per triple."""
    dropped_subject = [isinstance(t, Literal) or is_builtin(t) for t in terms.terms]
    datatype = [is_datatype(t) for t in terms.terms]
    everything = {terms.ids[t] for t in EVERYTHING if t in terms.ids}
    reflexive = {terms.ids[t] for t in REFLEXIVE_TAUTOLOGIES}
    not_iri = {p for _, p, _ in entailed if not isinstance(terms.terms[p], URIRef)}
    return [
        (s, p, o) for s, p, o in entailed
        if not (
            dropped_subject[s] or (p == TYPE and datatype[o]) or p in not_iri
            or (s == o and p in reflexive) or o in everything
        )
    ]


def _merge_equals(state: _Saturation, terms: Terms) -> list[str]:
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
        if any(n in state.schema.terms or n in predicates or is_builtin(terms.terms[n]) for n in group):
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

