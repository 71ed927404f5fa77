"""A vocabulary (the ontology, the shapes) as documentation data: its terms, grouped by kind.

Each term of the vocabulary's namespace gets an anchor (its local name, so
`…/ontology#ArmsTransfer` lands on the right heading of /ontology), its labels and definitions,
every other statement about it, and the statements pointing at it (subclasses, the properties
whose domain or range it is). Blank nodes (SHACL's lists and nested shapes) are written inline in
a Turtle-like notation, since they have no page of their own.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.namespaces import DCTERMS, OWL, PREFIXES, RDF, RDFS, SH, SKOS
from kg.querying import shorten_iri
from kg.terms import Term



def _n(iri: object) -> NamedNode:
    return NamedNode(str(iri))


TYPE = _n(RDF.type)
_LABELS = (_n(RDFS.label), _n(SKOS.prefLabel))
_DEFINITIONS = (_n(SKOS.definition), _n(RDFS.comment), _n(DCTERMS.description))
_FIRST, _REST, _NIL = _n(RDF.first), _n(RDF.rest), _n(RDF.nil)

# (type, section title), in the order the page shows them; a term goes in its first match.
KINDS: tuple[tuple[str, str], ...] = (
    (str(OWL.Ontology), "Ontology"),
    (str(OWL.Class), "Classes"),
    (str(OWL.ObjectProperty), "Object properties"),
    (str(OWL.DatatypeProperty), "Datatype properties"),
    (str(OWL.AnnotationProperty), "Annotation properties"),
    (str(SKOS.ConceptScheme), "Concept schemes"),
    (str(SKOS.Concept), "Concepts"),
    (SH + "NodeShape", "Node shapes"),
    (SH + "PropertyShape", "Property shapes"),
)
OTHER = "Other terms"
# Statements pointing at a term that say something about it, by how the page names them.
_REVERSE = (
    (_n(RDFS.subClassOf), "subclasses"),
    (_n(RDFS.subPropertyOf), "subproperties"),
    (_n(RDFS.domain), "domain of"),
    (_n(RDFS.range), "range of"),
    (_n(SKOS.inScheme), "concepts"),
    (_n(SKOS.broader), "narrower concepts"),
    (NamedNode(SH + "targetClass"), "shapes targeting it"),
)


@dataclass(frozen=True)
class TermDoc:
    iri: NamedNode
    anchor: str
    kind: str
    labels: tuple[Literal, ...]
    definitions: tuple[Literal, ...]
    statements: tuple[tuple[NamedNode, tuple[Term, ...]], ...]  # predicate, its values
    reverse: tuple[tuple[str, tuple[NamedNode, ...]], ...]  # e.g. ("subclasses", (…))


@dataclass(frozen=True)
class VocabularyDoc:
    header: TermDoc | None  # the document's own node (owl:Ontology), when it has one
    sections: tuple[tuple[str, tuple[TermDoc, ...]], ...]
    blank: Mapping[BlankNode, tuple[tuple[NamedNode, Term], ...]]

    def inline(self, term: Term, prefixes: Mapping[str, str] = PREFIXES) -> str:
        """A blank node as Turtle would write it inline: `[ p o ; … ]`, lists as `( … )`."""
        return _inline(term, self.blank, prefixes, depth=0)


def vocabulary_doc(triples: Iterable[Triple], namespace: str, document: str) -> VocabularyDoc:
    """The terms under `namespace` (and the node `document`) among the triples."""
    about: dict[NamedNode | BlankNode, list[tuple[NamedNode, Term]]] = defaultdict(list)
    pointing: dict[NamedNode, list[tuple[NamedNode, NamedNode | BlankNode]]] = defaultdict(list)
    for t in triples:
        about[t.subject].append((t.predicate, t.object))  # type: ignore[index]
        if isinstance(t.object, NamedNode):
            pointing[t.object].append((t.predicate, t.subject))  # type: ignore[arg-type]
    terms = [
        s
        for s in about
        if isinstance(s, NamedNode) and (s.value.startswith(namespace) or s.value == document)
    ]
    docs = [_term_doc(s, namespace, about[s], pointing.get(s, [])) for s in terms]
    header = next((d for d in docs if d.iri.value == document), None)
    sections: dict[str, list[TermDoc]] = defaultdict(list)
    for doc in docs:
        if doc is not header:
            sections[doc.kind].append(doc)
    order = [title for _, title in KINDS] + [OTHER]
    grouped = tuple(
        (title, tuple(sorted(sections[title], key=lambda d: d.anchor.casefold())))
        for title in order
        if sections.get(title)
    )
    blank = {s: tuple(v) for s, v in about.items() if isinstance(s, BlankNode)}
    return VocabularyDoc(header, grouped, blank)


def _term_doc(
    iri: NamedNode,
    namespace: str,
    statements: list[tuple[NamedNode, Term]],
    pointing: list[tuple[NamedNode, NamedNode | BlankNode]],
) -> TermDoc:
    types = {o.value for p, o in statements if p == TYPE and isinstance(o, NamedNode)}
    kind = next((title for cls, title in KINDS if cls in types), OTHER)
    shown_apart = {*_LABELS, *_DEFINITIONS}
    values: dict[NamedNode, list[Term]] = defaultdict(list)
    for p, o in sorted(statements, key=lambda po: (str(po[0]), str(po[1]))):
        if p not in shown_apart:
            values[p].append(o)
    reverse = []
    for predicate, name in _REVERSE:
        subjects = sorted(
            {s for p, s in pointing if p == predicate and isinstance(s, NamedNode)}, key=str
        )
        if subjects:
            reverse.append((name, tuple(subjects)))
    anchor = iri.value[len(namespace) :] if iri.value.startswith(namespace) else ""
    return TermDoc(
        iri=iri,
        anchor=anchor,
        kind=kind,
        labels=tuple(
            sorted(
                (o for p, o in statements if p in _LABELS and isinstance(o, Literal)),
                key=_by_language,
            )
        ),
        definitions=tuple(
            sorted(
                (o for p, o in statements if p in _DEFINITIONS and isinstance(o, Literal)),
                key=_by_language,
            )
        ),
        statements=tuple((p, tuple(v)) for p, v in values.items()),
        reverse=tuple(reverse),
    )


def _by_language(literal: Literal) -> tuple[int, str]:
    order = {"en": 0, "fr": 1}
    return order.get(literal.language or "", 2), literal.value


def _inline(
    term: Term,
    blank: Mapping[BlankNode, tuple[tuple[NamedNode, Term], ...]],
    prefixes: Mapping[str, str],
    depth: int,
) -> str:
    if isinstance(term, NamedNode):
        shown = shorten_iri(term.value, prefixes)
        return shown
    if isinstance(term, Literal):
        return str(term)
    if not isinstance(term, BlankNode) or term not in blank or depth > 20:
        return str(term)
    statements = blank[term]
    items = _list_items(term, blank)
    if items is not None:
        return "( " + " ".join(_inline(i, blank, prefixes, depth + 1) for i in items) + " )"
    parts = [
        f"{shorten_iri(p.value, prefixes)} {_inline(o, blank, prefixes, depth + 1)}"
        for p, o in statements
    ]
    return "[ " + " ; ".join(parts) + " ]"


def _list_items(
    head: BlankNode, blank: Mapping[BlankNode, tuple[tuple[NamedNode, Term], ...]]
) -> list[Term] | None:
    """The members of an RDF list starting at `head`, or None if it is not a well-formed list."""
    items: list[Term] = []
    node: Term = head
    seen: set[BlankNode] = set()
    while node != _NIL:
        if not isinstance(node, BlankNode) or node in seen or node not in blank:
            return None
        seen.add(node)
        statements = dict(blank[node])
        if set(statements) != {_FIRST, _REST}:
            return None
        items.append(statements[_FIRST])
        node = statements[_REST]
    return items
