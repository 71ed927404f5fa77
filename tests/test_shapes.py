"""Every shape proven both ways.

The context and the passes_* cases conform, and between them give every shape focus nodes and
values; each other case file breaks exactly the constraints its header names, asserted by focus
node, source shape and constraint component (and, for SPARQL-based constraints, the constraint).
The shapes themselves conform to SHACL-SHACL and carry a message and a severity.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS
from rdflib.term import Node
from shape_cases import (
    CONTEXT,
    case_dataset,
    case_files,
    expectations,
    observed_set,
    outcome,
    shapes,
)

from kg.namespaces import SHAPES
from kg.project import ontology_files
from kg.validation_report import compact

# Where pySHACL, the engine of record, is known to be wrong; test_shape_engines.py shows that
# pyshacl-turbo gets these right.
PYSHACL_GAPS: dict[str, str] = {
    "date_ill_typed_month.trig": (
        "pySHACL cannot tell an ill-typed xsd:gYearMonth or xsd:gYear (rdflib gives these "
        "datatypes no value), so sh:datatype inside the sh:or passes \"2021-13\"; the year "
        "pattern still reports the date, so the data does not conform either way"
    ),
}

# Constraint parameters that make a node shape report results of its own (rather than through
# its property shapes).
NODE_CONSTRAINTS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minExclusive, SH.minInclusive, SH.maxExclusive,
    SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.languageIn, SH["in"],
    SH.hasValue, SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH.closed,
}
TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode}

# The properties the data may use besides the ontology's own (see shapes/facts.ttl).
EXTERNAL_PROPERTIES = {
    RDF.type, RDF.value, RDFS.label, SKOS.altLabel, SKOS.exactMatch, PROV.wasDerivedFrom, OWL.sameAs,
    DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.publisher, DCTERMS.issued,
    DCTERMS.created, DCTERMS.language,
}


def _case_params() -> list[object]:
    return [
        pytest.param(case, id=case.stem, marks=_known_gap(case))
        for case in case_files()
    ]


def _known_gap(case: Path) -> list[pytest.MarkDecorator]:
    reason = PYSHACL_GAPS.get(case.name)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def _passing_cases() -> list[Path | None]:
    return [None] + [case for case in case_files() if not expectations(case)]


# ---------------------------------------------------------------------------------------------
# The shapes graph itself


def _targeted_node_shapes(graph: Graph) -> set[Node]:
    return {s for t in TARGETS for s in graph.subjects(t, None)}


def _property_shapes(graph: Graph) -> set[tuple[Node, Node]]:
    """(node shape, property shape) for the property shapes of targeted node shapes."""
    return {(n, p) for n in _targeted_node_shapes(graph) for p in graph.objects(n, SH.property)}


def _sparql_constraints(graph: Graph) -> set[tuple[Node, Node]]:
    return {(n, c) for n in _targeted_node_shapes(graph) for c in graph.objects(n, SH.sparql)}


def _reporting_node_shapes(graph: Graph) -> set[Node]:
    return {
        n for n in _targeted_node_shapes(graph)
        if any(graph.value(n, p) is not None for p in NODE_CONSTRAINTS)
    }


def test_shapes_conform_to_shacl_shacl() -> None:
    text = (files("pyshacl") / "assets" / "shacl-shacl.ttl").read_text(encoding="utf-8")
    shacl_shacl = Graph().parse(data=text, format="turtle")
    conforms, _, text = pyshacl.validate(shapes(), shacl_graph=shacl_shacl)
    assert conforms, text


def test_every_shape_has_an_english_message_and_a_severity() -> None:
    graph = shapes()
    reporting = (
        _reporting_node_shapes(graph)
        | {p for _, p in _property_shapes(graph)}
        | {c for _, c in _sparql_constraints(graph)}
    )
    assert reporting
    for shape in reporting:
        messages = list(graph.objects(shape, SH.message))
        english = [m for m in messages if isinstance(m, Literal) and m.language == "en"]
        assert english, f"{compact(shape)} has no message in English"
        assert graph.value(shape, SH.severity) in {SH.Violation, SH.Warning, SH.Info}, (
            f"{compact(shape)} states no severity"
        )
    for shape in _targeted_node_shapes(graph):
        assert graph.value(shape, SH.severity) is not None, f"{compact(shape)} states no severity"


def test_every_shape_is_named() -> None:
    """Named shapes, so that a result names the rule it comes from (and tests can say which)."""
    graph = shapes()
    for _, shape in _property_shapes(graph) | _sparql_constraints(graph):
        assert isinstance(shape, URIRef), f"a blank property shape or constraint: {shape.n3()}"


def test_fact_shape_allows_exactly_the_ontology_properties() -> None:
    ontology = Graph()
    for path in ontology_files():
        ontology.parse(path, format="turtle")
    declared = {
        p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for p in ontology.subjects(RDF.type, kind)
    }
    with_supers = {q for p in declared for q in ontology.transitive_objects(p, RDFS.subPropertyOf)}
    expected = with_supers | EXTERNAL_PROPERTIES
    graph = shapes()
    ignored = set(Collection(graph, graph.value(SHAPES.FactShape, SH.ignoredProperties)))
    missing = sorted(compact(p) for p in expected - ignored)
    unknown = sorted(compact(p) for p in ignored - expected)
    assert not missing, f"add to FactShape's sh:ignoredProperties: {' '.join(missing)}"
    assert not unknown, f"not in the ontology; remove from FactShape's list: {' '.join(unknown)}"


# ---------------------------------------------------------------------------------------------
# Data that passes


def test_context_conforms_without_any_result() -> None:
    result = outcome(None)
    assert not result.results, [f"{compact(r.focus)}: {r.message}" for r in result.results]


def test_every_shape_has_focus_nodes_and_values_in_passing_data() -> None:
    """So that "conforms" is not vacuous: each shape, and each property it checks, is used."""
    graph = shapes()
    exercised: set[Node] = set()
    for case in _passing_cases():
        data = Graph()
        for s, p, o, _ in case_dataset(case).dataset.quads((None, None, None, None)):
            data.add((s, p, o))
        for node_shape in _targeted_node_shapes(graph):
            focus = _focus_nodes(graph, node_shape, data)
            if focus:
                exercised.add(node_shape)
            for prop in graph.objects(node_shape, SH.property):
                path = graph.value(prop, SH.path)
                if any((f, path, None) in data for f in focus):
                    exercised.add(prop)
    unexercised = (_targeted_node_shapes(graph) | {p for _, p in _property_shapes(graph)}) - exercised
    assert not unexercised, f"no passing data uses: {sorted(compact(s) for s in unexercised)}"


def _focus_nodes(shapes_graph: Graph, shape: Node, data: Graph) -> set[Node]:
    focus: set[Node] = set()
    for cls in shapes_graph.objects(shape, SH.targetClass):
        for sub in data.transitive_subjects(RDFS.subClassOf, cls):
            focus.update(data.subjects(RDF.type, sub))
    for prop in shapes_graph.objects(shape, SH.targetSubjectsOf):
        focus.update(data.subjects(prop, None))
    return focus


# ---------------------------------------------------------------------------------------------
# Data that fails


@pytest.mark.parametrize("case", _case_params())
def test_case_reports_exactly_what_it_expects(case: Path) -> None:
    assert observed_set(outcome(case)) == expectations(case)


@pytest.mark.parametrize("case", case_files(), ids=lambda p: p.stem)
def test_results_carry_the_severity_their_shape_declares(case: Path) -> None:
    graph = shapes()
    for result in outcome(case).results:
        # A SPARQL-based constraint may state its own severity; otherwise its shape's counts.
        declared = None
        if result.source_constraint is not None:
            declared = graph.value(result.source_constraint, SH.severity)
        declared = declared or graph.value(result.source_shape, SH.severity)
        assert result.severity == declared, f"{compact(result.source_shape)} in {case.name}"


def test_every_shape_is_broken_by_some_case() -> None:
    graph = shapes()
    can_report = (
        {(compact(n), None) for n in _reporting_node_shapes(graph)}
        | {(compact(p), None) for _, p in _property_shapes(graph)}
        | {(compact(n), compact(c)) for n, c in _sparql_constraints(graph)}
    )
    broken = {(e.shape, e.constraint) for case in case_files() for e in expectations(case)}
    assert not can_report - broken, f"no failing case for: {sorted(can_report - broken, key=str)}"
    assert not broken - can_report, f"cases expect unknown shapes: {sorted(broken - can_report, key=str)}"


def test_every_case_file_says_what_it_shows_and_expects() -> None:
    cases = case_files()
    assert len(cases) > 100
    for case in cases:
        lines = case.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# ") and not lines[0].startswith("# expect:"), case.name
        assert any(line.startswith("# expect:") for line in lines), case.name
    assert all(path.exists() for path in CONTEXT)
