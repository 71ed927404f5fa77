"""What the inferred graph keeps of an OWL 2 RL closure, whichever reasoner computed it.

Every triple the closure entails that no input graph asserts is kept, except (`drop_reason` is
the filter, `DROPPED` names each case):

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
"""

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.namespaces import OWL, RDF, RDFS, XSD

Triple = tuple[Node, Node, Node]

DROPPED: dict[str, str] = {
    "literal": "a triple about a literal value: a literal subject, or a type that is a datatype",
    "vocabulary": "a triple about a term of RDF, RDFS, OWL or XSD themselves",
    "reflexive": "x owl:sameAs x, or a class or property subsumed by or equivalent to itself",
    "everything": "a triple whose object is owl:Thing or rdfs:Resource, true of everything",
    "generalised": "a triple whose predicate is a blank node (generalised RDF)",
}

REFLEXIVE_TAUTOLOGIES = frozenset(
    {OWL.sameAs, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty}
)
EVERYTHING = frozenset({OWL.Thing, RDFS.Resource})
_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))


@dataclass(frozen=True)
class Closure:
    """What a reasoner concluded: the kept entailments and the inconsistencies it found."""

    inferred: frozenset[Triple]
    inconsistencies: tuple[str, ...] = ()


def drop_reason(triple: Triple) -> str | None:
    """Why an entailed triple stays out of the inferred graph (a key of DROPPED), or None."""
    s, p, o = triple
    if isinstance(s, Literal) or (p == RDF.type and is_datatype(o)):
        return "literal"
    if not isinstance(p, URIRef):
        return "generalised"
    if is_builtin(s):
        return "vocabulary"
    if s == o and p in REFLEXIVE_TAUTOLOGIES:
        return "reflexive"
    if o in EVERYTHING:
        return "everything"
    return None


def kept(entailed: Iterable[Triple], asserted: set[Triple]) -> frozenset[Triple]:
    """The entailed triples the inferred graph keeps: not asserted, and not dropped."""
    return frozenset(t for t in entailed if t not in asserted and drop_reason(t) is None)


def is_builtin(term: Node) -> bool:
    """Whether the term belongs to RDF, RDFS, OWL or XSD."""
    # str.startswith: rdflib's Identifier overrides startswith with a different meaning.
    return isinstance(term, URIRef) and str.startswith(term, _BUILTIN_NAMESPACES)


def is_datatype(term: Node) -> bool:
    """Whether the term is rdfs:Literal or an XSD datatype."""
    return term == RDFS.Literal or (isinstance(term, URIRef) and str.startswith(term, str(XSD)))
