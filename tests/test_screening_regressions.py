"""The inputs of issue 10 that the screen misread, each read right now."""

from kg.screening import MAX_NESTING, screen

DEPTH = 200_000


def test_an_escape_in_an_iri_does_not_hide_a_following_service() -> None:
    # The old screen ended the IRI at `\`, took `#` for a comment and never saw SERVICE.
    found = screen(
        "SELECT ?x { OPTIONAL { ?s <http://ex/\\u0041#> ?o } "
        "SERVICE <http://127.0.0.1:8000/s> { ?x ?y ?z } }"
    )
    assert (found.uses_service, found.certain) == (True, True)


def test_a_comment_between_rand_and_its_brackets_is_still_a_call() -> None:
    assert screen("SELECT (RAND #c\n() AS ?r) {}").is_repeatable is False


def test_a_comparison_does_not_hide_the_depth_behind_it() -> None:
    # The old screen read `<((((…&&?s>` as one IRI; the parser recursed into every bracket.
    text = "SELECT * { ?s ?p ?o FILTER(?o<" + "(" * DEPTH + "1" + ")" * DEPTH + "&&?s>0) }"
    found = screen(text)
    assert found.nesting == DEPTH + 2 > MAX_NESTING
