"""Derived facts: the rules in rules/*.rq, SPARQL CONSTRUCT queries run over the built store.

Each rule is a file with a "# title:" and a "# description:" header, like a named query. Rules
run once each, in file-name order, over the union of all graphs (asserted, inferred, and what
earlier rules derived), so a rule may build on an earlier one's output.

Every derived triple goes into GRAPH.derived twice over:

- as itself, ``?x kgo:regimeInPower ?r``, so that it can be queried like any fact;
- as a reified statement naming the rule that produced it::

      <rule/regime-in-power-of-transfers/3f2a…> a rdf:Statement ;
          rdf:subject ?x ; rdf:predicate kgo:regimeInPower ; rdf:object ?r ;
          prov:wasGeneratedBy <rule/regime-in-power-of-transfers> .
      <rule/regime-in-power-of-transfers> a prov:Activity ;
          rdfs:label "…title…"@en ; dcterms:description "…description…"@en .

The statement's IRI is the rule's IRI plus a hash of the triple, so the same inputs always give
the same derived graph, byte for byte. A triple that two rules derive has one statement each.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, Store, Triple

from kg.errors import InputError
from kg.namespaces import DCTERMS, DERIVED_GRAPH, PROV, RDF, RDFS, RULE
from kg.project import display_path, rules_dir
from kg.querying import read_named_query
from kg.store import run_query

Progress = Callable[[str], None]

_DERIVED = NamedNode(str(DERIVED_GRAPH))
_TYPE = NamedNode(str(RDF.type))
_STATEMENT = NamedNode(str(RDF.Statement))
_SUBJECT, _PREDICATE, _OBJECT = (NamedNode(str(t)) for t in (RDF.subject, RDF.predicate, RDF.object))
_GENERATED_BY = NamedNode(str(PROV.wasGeneratedBy))
_ACTIVITY = NamedNode(str(PROV.Activity))
_LABEL = NamedNode(str(RDFS.label))
_DESCRIPTION = NamedNode(str(DCTERMS.description))


@dataclass(frozen=True)
class Rule:
    """A rule from rules/NAME.rq: `text` is the whole file, so error positions match it."""

    name: str
    title: str
    description: str
    text: str
    path: Path

    @property
    def iri(self) -> NamedNode:
        return NamedNode(str(RULE[self.name]))


@dataclass(frozen=True)
class RuleOutput:
    """What one rule derived: the plain triples, new or not."""

    rule: Rule
    triples: tuple[Triple, ...]


def rule_files(root: Path | None = None) -> list[Path]:
    """The rule files of the project, in the order they run."""
    return sorted(p for p in rules_dir(root).glob("*.rq") if p.is_file())


def read_rules(paths: Iterable[Path]) -> list[Rule]:
    """Read each rule file with its header; InputError names a file without one."""
    rules = []
    for path in paths:
        named = read_named_query(path)
        rules.append(Rule(named.name, named.title, named.description, named.text, path))
    return rules


def derive(store: Store, rules: Iterable[Rule], progress: Progress | None = None) -> list[RuleOutput]:
    """Run each rule and add what it derives, with its provenance, to the store's derived graph."""
    outputs = []
    for rule in rules:
        if progress:
            progress(f"rule {rule.name}")
        triples = _run_rule(store, rule)
        _add_derivation(store, rule, triples)
        outputs.append(RuleOutput(rule, triples))
    return outputs


def derivation_quads(rule: Rule, triples: Iterable[Triple]) -> list[Quad]:
    """The derived graph's quads for one rule: its description, each triple and its statement."""
    quads = [
        Quad(rule.iri, _TYPE, _ACTIVITY, _DERIVED),
        Quad(rule.iri, _LABEL, Literal(rule.title, language="en"), _DERIVED),
        Quad(rule.iri, _DESCRIPTION, Literal(rule.description, language="en"), _DERIVED),
    ]
    for triple in triples:
        statement = statement_iri(rule, triple)
        quads += [
            Quad(triple.subject, triple.predicate, triple.object, _DERIVED),
            Quad(statement, _TYPE, _STATEMENT, _DERIVED),
            Quad(statement, _SUBJECT, triple.subject, _DERIVED),
            Quad(statement, _PREDICATE, triple.predicate, _DERIVED),
            Quad(statement, _OBJECT, triple.object, _DERIVED),
            Quad(statement, _GENERATED_BY, rule.iri, _DERIVED),
        ]
    return quads


def _add_derivation(store: Store, rule: Rule, triples: tuple[Triple, ...]) -> None:
    """Add derivation_quads(rule, triples) to the store, as N-Quads text when no blank node is
    in it (a load would name those afresh): 6 quads a triple, Python objects cost 4 s at 10^6."""
    terms = [(str(t.subject), str(t.predicate), str(t.object)) for t in triples]
    if any(term.startswith("_:") for triple in terms for term in triple):
        store.extend(derivation_quads(rule, triples))
        return
    graph, activity = str(_DERIVED), str(rule.iri)
    lines = [
        f"{activity} {_TYPE} {_ACTIVITY} {graph} .\n",
        f"{activity} {_LABEL} {Literal(rule.title, language='en')} {graph} .\n",
        f"{activity} {_DESCRIPTION} {Literal(rule.description, language='en')} {graph} .\n",
    ]
    for subject, predicate, obj in terms:
        statement = f"<{_statement_iri(activity[1:-1], subject, predicate, obj)}>"
        lines += [
            f"{subject} {predicate} {obj} {graph} .\n",
            f"{statement} {_TYPE} {_STATEMENT} {graph} .\n",
            f"{statement} {_SUBJECT} {subject} {graph} .\n",
            f"{statement} {_PREDICATE} {predicate} {graph} .\n",
            f"{statement} {_OBJECT} {obj} {graph} .\n",
            f"{statement} {_GENERATED_BY} {activity} {graph} .\n",
        ]
    store.load("".join(lines), pyoxigraph.RdfFormat.N_QUADS)


def statement_iri(rule: Rule, triple: Triple) -> NamedNode:
    """The IRI of the statement recording that `rule` derived `triple`: stable across builds."""
    return NamedNode(_statement_iri(rule.iri.value, str(triple.subject), str(triple.predicate), str(triple.object)))


def _statement_iri(rule: str, subject: str, predicate: str, obj: str) -> str:
    digest = hashlib.sha256(f"{subject} {predicate} {obj}".encode()).hexdigest()
    return f"{rule}/{digest[:16]}"


def _run_rule(store: Store, rule: Rule) -> tuple[Triple, ...]:
    shown = display_path(rule.path)
    results = run_query(store, rule.text, source=shown)
    if not isinstance(results, pyoxigraph.QueryTriples):
        raise InputError(f"{shown}: a rule must be a CONSTRUCT query")
    # Sorted and without repeats: CONSTRUCT may give a triple once per solution.
    return tuple(sorted(set(results), key=str))
