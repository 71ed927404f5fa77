"""The shape cases of tests/fixtures/shapes: what each file expects, and its validation.

Each case file adds one graph to the context (context.trig and context-background.trig, a
small valid world) and says in its header what the shapes must report:

    # expect: quantity:case shapes:Quantity-value sh:MinInclusiveConstraintComponent

one line per result (focus node, source shape, constraint component, and for SPARQL-based
constraints the constraint), or "# expect: conforms". Nodes are written as the text report
writes them (kg.validation_report.compact).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import rdflib.term
from rdflib.term import Node
from rdflib import Dataset, Graph, URIRef

from kg.loading import LoadedDataset, load_dataset
from kg.project import data_files, ontology_files, shape_files
from kg.terms import store_from_dataset
from kg.validation import ValidationOutcome, ValidationResult, load_shapes, validate_dataset, validate_store
from kg.validation_report import compact

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
CONTEXT = (FIXTURES / "context.trig", FIXTURES / "context-background.trig")
CONFORMS = "conforms"


@dataclass(frozen=True)
class Expected:
    focus: str
    shape: str
    component: str
    constraint: str | None = None


def case_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.trig") if p not in CONTEXT)


def expectations(path: Path) -> frozenset[Expected]:
    """The results a case file's header expects; empty for "# expect: conforms"."""
    expected = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# expect:"):
            continue
        words = line.removeprefix("# expect:").split()
        if words != [CONFORMS]:
            expected.add(Expected(*words))
    return frozenset(expected)


def observed(result: ValidationResult, with_constraint: bool) -> Expected:
    """A result in the form of an expectation."""
    constraint = result.source_constraint if with_constraint else None
    return Expected(
        compact(result.focus),
        compact(result.source_shape),
        compact(result.component),
        compact(constraint) if isinstance(constraint, URIRef) else None,
    )


def observed_set(outcome: ValidationOutcome) -> frozenset[Expected]:
    # A SPARQL-based constraint is named by sh:sourceConstraint: one shape may hold several.
    return frozenset(
        observed(r, with_constraint=r.component.endswith("SPARQLConstraintComponent"))
        for r in outcome.results
    )


# rdflib's lexical-to-value conversions as the session began. owlrl, when it computes a closure
# with its "improved" datatypes (the default), leaves its own conversions for xsd:gYear and
# xsd:gYearMonth in rdflib for the rest of the process, so that pySHACL then sees ill-typed
# years it otherwise cannot: a case must not depend on which tests ran before it.
_RDFLIB_CONVERSIONS = dict(rdflib.term._toPythonMapping)


@contextmanager
def rdflib_conversions() -> Iterator[None]:
    """Parse and validate with rdflib's own literal conversions, whatever ran before."""
    mapping = rdflib.term._toPythonMapping
    saved = dict(mapping)
    mapping.clear()
    mapping.update(_RDFLIB_CONVERSIONS)
    try:
        yield
    finally:
        mapping.clear()
        mapping.update(saved)


@functools.cache
def shapes() -> Graph:
    return load_shapes(shape_files())


@functools.cache
def _context() -> LoadedDataset:
    with rdflib_conversions():
        return load_dataset(ontology_files(), CONTEXT)


def case_dataset(case: Path | None) -> LoadedDataset:
    """The ontology, the context and the case's graph; without a case, the context alone."""
    if case is None:
        return _context()
    # Loading the case with the context checks it as the CLI would (one named graph, not one
    # already loaded); the ontology and context are parsed once per session.
    loaded_case = load_dataset([], [case])
    dataset = Dataset()
    for source in (_context().dataset, loaded_case.dataset):
        for quad in source.quads((None, None, None, None)):
            dataset.add(quad)
    return LoadedDataset(dataset, {**_context().graph_files, **loaded_case.graph_files})


@functools.cache
def outcome(case: Path | None, engine: str = "pyshacl") -> ValidationOutcome:
    """The validation of a case (cached: the engine comparison reuses it)."""
    with rdflib_conversions():
        loaded = case_dataset(case)
        return validate_dataset(loaded.dataset, shapes(), graph_files=loaded.graph_files, engine=engine)


@functools.cache
def shipped_outcome(inference: str = "none", engine: str = "pyshacl") -> ValidationOutcome:
    """The validation of the shipped ontology and data (cached: several tests read it)."""
    with rdflib_conversions():
        loaded = load_dataset(ontology_files(), data_files())
        return validate_dataset(
            loaded.dataset, shapes(), inference=inference, graph_files=loaded.graph_files, engine=engine
        )


def result_key(result: ValidationResult) -> tuple[Node, Node]:
    """What identifies a result across SHACL engines: its focus node and source shape."""
    return result.focus, result.source_shape


@functools.cache
def store_outcome(case: Path | None) -> ValidationOutcome:
    """The validation of a case as the build validates large graphs: the store, kg.validation.validate_store."""
    with rdflib_conversions():
        loaded = case_dataset(case)
        return validate_store(store_from_dataset(loaded.dataset), shapes(), graph_files=loaded.graph_files)
