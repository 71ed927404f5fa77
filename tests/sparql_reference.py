"""The reference reading the screen is checked against: rdflib's parser and its SPARQL algebra."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pyparsing import ParseResults
from rdflib.plugins.sparql import parserutils
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.query_forms import ResultKind
from kg.screening import Screening

FRESH_EACH_TIME = frozenset(
    {"Builtin_NOW", "Builtin_RAND", "Builtin_UUID", "Builtin_STRUUID", "Builtin_BNODE"}
)
KINDS = {
    "SelectQuery": ResultKind.SOLUTIONS,
    "AskQuery": ResultKind.BOOLEAN,
    "ConstructQuery": ResultKind.GRAPH,
    "DescribeQuery": ResultKind.GRAPH,
}


@dataclass(frozen=True)
class Reading:
    """What a query is and does, in the terms of kg.screening.Screening."""

    kind: ResultKind
    uses_service: bool
    is_repeatable: bool

    @classmethod
    def of(cls, screening: Screening) -> "Reading":
        return cls(screening.kind, screening.uses_service, screening.is_repeatable)


def query_reading(text: str) -> Reading:
    """rdflib's reading of a query; its parser's exception if it cannot read it.

    The calls are looked for in the parse tree, which the algebra is made from: the algebra
    drops a FILTER whose expression is a call without arguments (`FILTER(NOW())`: rdflib takes
    the empty node for no filter).
    """
    with _service_text_not_copied():
        tree = parseQuery(text)
    names = operation_names(tree)
    algebra = translateQuery(tree).algebra
    return Reading(
        kind=KINDS[algebra.name],
        uses_service="ServiceGraphPattern" in names,
        is_repeatable=not names & FRESH_EACH_TIME,
    )


def update_operations(text: str) -> int:
    """How many operations rdflib reads in an update request (CompValue.get names what it lacks)."""
    return len(dict.get(parseUpdate(text), "request") or [])


def operation_names(tree: CompValue | ParseResults) -> set[str]:
    """The names of every node of a parse tree or algebra expression, expressions included."""
    found: set[str] = set()
    seen: set[int] = set()
    pending: list[object] = [tree]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            found.add(node.name)
        if isinstance(node, dict):
            pending.extend(dict.values(node))
        elif isinstance(node, (list, tuple, ParseResults)):
            pending.extend(node)
    return found


class _NoServiceText:
    def search_string(self, text: str) -> list[list[str]]:
        return [[""]]


@contextmanager
def _service_text_not_copied() -> Iterator[None]:
    """rdflib's parser without its copy of each SERVICE's text, which the algebra does not use.

    It copies the text by searching the whole query for a SERVICE pattern, a search that reads
    every `#` as a comment: a `#` in an IRI, a string or `ex:a\\#b` earlier on the line hides
    the SERVICE, and the query fails to parse.
    """
    original = parserutils.original_text_for
    parserutils.original_text_for = lambda expression: _NoServiceText()
    try:
        yield
    finally:
        parserutils.original_text_for = original
