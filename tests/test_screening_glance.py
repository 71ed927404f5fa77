"""The glance: where it gives a verdict, `screen` gives the same; where it cannot be sure, none.

The endpoint screens most queries at a glance (kg.screening.glance) and the rest token by token;
the glance must never let through what the screen would refuse or flag, on the screen's own
cases, the named queries, the W3C syntax suites and generated texts made of the tokens that
fool a regex.
"""

from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_screening import CASES
from test_screening_w3c import TESTS

from kg.query_forms import ResultKind
from kg.screening import MAX_NESTING, Screening, glance, screen

QUERIES = Path(__file__).parents[1] / "queries"


def assert_agrees(text: str) -> Screening | None:
    """The glance's verdict on `text`, checked against the screen's."""
    seen = glance(text)
    if seen is None:
        return None
    read = screen(text)
    assert (seen.kind, seen.is_update, seen.uses_service) == (read.kind, read.is_update, read.uses_service)
    assert read.nesting <= seen.nesting <= MAX_NESTING
    # Where the screen is unsure of a text (certain=False, so not repeatable), pyoxigraph must
    # refuse it: an answer is kept only once evaluated.
    assert seen.is_repeatable and (read.is_repeatable or refused_by_pyoxigraph(text))
    return seen


def refused_by_pyoxigraph(text: str) -> bool:
    """Whether pyoxigraph refuses the query (a text the glance read: no SERVICE, few brackets)."""
    try:
        pyoxigraph.Store().query(text)
    except SyntaxError:
        return True
    return False


@pytest.mark.parametrize("text", sorted(CASES), ids=range(len(CASES)))
def test_the_screens_own_cases(text: str) -> None:
    assert_agrees(text)


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_named_query_is_read_at_a_glance(path: Path) -> None:
    text = path.read_text(encoding="utf-8") + "\n# a fresh comment 1733580000\n"
    assert assert_agrees(text) is not None


@pytest.mark.skipif(not TESTS, reason="no W3C syntax suites in build/w3c: run `make w3c-suites`")
def test_the_w3c_syntax_suites() -> None:
    read = [assert_agrees(path.read_text(encoding="utf-8")) for _, path in TESTS]
    # Most of the suites' queries are plain enough; the count says the glance is not idle.
    assert sum(found is not None for found in read) > len(read) // 3


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://e/> {} }",
        "SELECT * { ?s ?p ?o } # SERVICE in a comment still sends it to the screen",
        'SELECT * { ?s ?p "now" }',
        "SELECT (NOW() AS ?t) {}",
        "SELECT (struuid() AS ?t) {}",
        "SELECT * { 1SERVICE }",
        "SELECT * { _SERVICE <http://e/> {} }",
        "SELECT * { \u00e9SERVICE <http://e/> {} }",
        "SELECT * { \u212aSERVICE <http://e/> {} }",  # the Kelvin sign lowers to an ASCII k
        "SELECT * { \u0131SERVICE <http://e/> {} }",  # a dotless i uppers to an ASCII I
        "INSERT DATA { <http://e/s> <http://e/p> 1 }",
        "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://e/\\u0041> SELECT * {}",  # an escape in an IRI
        "PREFIX \u00e9x: <http://e/> SELECT * {}",  # a name beyond ASCII
        "ex:a SELECT * {}",
        "SELECT:x * {}",  # a prefixed name, not the form
        "SELECT-x:y * {}",
        "\ufeffSELECT * {}",
        # Unicode case folding would read these as forms; the screen reads no keyword in them.
        "AS\u212a {}",
        "DESCR\u0130BE <http://e/>",
        "\u017fELECT * {}",
        "BA\u017fE <http://e/> SELECT * {}",
        "PREF\u0130X : <http://e/> SELECT * {}",
        # Escapes and characters no SPARQL 1.1 token begins with: the screen may be unsure.
        'SELECT ("\\u0022" AS ?x) {}',
        "SELECT ('a\\u0027' AS ?x) {}",
        "SELECT * { ?s ?p ?o ~ ?r }",
        "SELECT * " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1),
        "",
        "   # nothing but a comment",
    ],
)
def test_what_it_leaves_to_the_screen(text: str) -> None:
    assert glance(text) is None


def test_its_kinds() -> None:
    kinds = {text: glance(text) for text in (
        "select * {}", "ASK{}", "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE<http://e/x>",
        "PREFIX : <http://e/>\nBASE <http://b/> # c\nPREFIX a.b-c: <x> SELECT ?x {}",
    )}
    assert {text: found.kind if found else None for text, found in kinds.items()} == {
        "select * {}": ResultKind.SOLUTIONS,
        "ASK{}": ResultKind.BOOLEAN,
        "CONSTRUCT WHERE { ?s ?p ?o }": ResultKind.GRAPH,
        "DESCRIBE<http://e/x>": ResultKind.GRAPH,
        "PREFIX : <http://e/>\nBASE <http://b/> # c\nPREFIX a.b-c: <x> SELECT ?x {}": ResultKind.SOLUTIONS,
    }


# Pieces that fool a regex: keywords in strings, comments, IRIs, names and variables, brackets,
# escapes, letters beyond ASCII next to keywords.
PIECES = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "PREFIX", "BASE", "INSERT", "WITH",
    "SERVICE", "service", "NOW", "now()", "RAND", "uuid", "STRUUID", "bnode(", "known",
    " ", "\n", "\t", "# c SERVICE\n", "#", "{", "}", "(", ")", "[", "]", "<<", ">>",
    "<http://e/>", "<http://e/#SERVICE>", "<", ">", '"', "'", '"SERVICE"', "'''x'''",
    "\\u0053", "ex:", "ex:SERVICE", ":", "?s", "?service", "$now", "_:b", "_", "1", "1e3",
    "@en", "a", "*", ".", ";", ",", "\u00e9", "\u212a", "\u0131", "\u0130", "\u017f", "\ufeff",
    '"\\u0022"', "'\\u0027'", "\\", "~", "`", "ASK", "AS\u212a",
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_generated_texts(text: str) -> None:
    assert_agrees(text)
