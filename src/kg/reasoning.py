"""The OWL 2 RL closure of the asserted graphs, cut down to the entailments worth publishing.

Two reasoners compute the same set of triples:

- ``owlrl``, the reference: the owlrl package's OWL 2 RL closure (about 1 ms per triple).
- ``fast``, the default (kg.fast_reasoner): the OWL 2 RL rules that the constructs in
  ``SUPPORTED_CONSTRUCTS`` can fire, compiled from the ontology and applied to the data in one
  pass; an input that uses any other OWL construct is refused with `UnsupportedConstruct`
  rather than reasoned over partly. Tests check that both reasoners give the same triples.

Both keep what kg.entailment_filter keeps: every entailed triple that no input graph asserts,
except those about literals, the RDF/RDFS/OWL/XSD vocabulary itself, reflexive tautologies,
owl:Thing or rdfs:Resource, and generalised RDF.

Inconsistencies (disjoint classes sharing a member, a member of owl:Nothing, misuse of an
irreflexive, asymmetric or disjoint property, owl:sameAs against owl:differentFrom) are
returned, not kept as triples; the build fails on them. Ill-typed literals are left to the
loader, which warns about them, and to the SHACL shapes.
"""

from collections.abc import Iterable

import pyoxigraph
from rdflib import Graph

from kg.entailment_filter import Closure, Triple, kept
from kg.errors import KgError
from kg.fast_reasoner import Progress, fast_closure, store_closure
from kg.namespaces import RDF
from kg.terms import dataset_from_store, to_oxigraph

REASONERS = ("fast", "owlrl")

# owlrl's wording for an ill-typed literal (rule dt-not-type): the loader's warning already says it.
_OWLRL_ILL_TYPED = "Lexical value of the literal"


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


def infer_store(store: pyoxigraph.Store, reasoner: str = "fast", progress: Progress | None = None) -> Closure:
    """The filtered OWL 2 RL closure of the store's named graphs, its triples as N-Triples keys.

    The fast reasoner reads the store itself; owlrl, the reference, works on an rdflib copy.
    """
    if reasoner == "fast":
        return store_closure(store, progress)
    if reasoner == "owlrl":
        dataset = dataset_from_store(store)
        closure = infer({(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}, reasoner, progress)
        keys = {term: str(to_oxigraph(term)) for triple in closure.inferred for term in triple}
        return Closure(
            frozenset((keys[s], keys[p], keys[o]) for s, p, o in closure.inferred),
            closure.inconsistencies,
        )
    raise KgError(f"unknown reasoner {reasoner!r}; use one of {', '.join(REASONERS)}")


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
    return Closure(kept(entailed, asserted), tuple(messages))
