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


# Found by review after the rewrite: triple terms (RDF 1.2, which pyoxigraph reads) hold terms, so
# a `<` in them opens an IRI even right after an operand, and `)>>` ends an operand.


def test_an_iri_inside_a_triple_term_does_not_hide_a_following_service() -> None:
    found = screen(
        "SELECT * { BIND(<<(<http://a> <http://p#> 1)>> AS ?t) "
        "SERVICE <http://127.0.0.1:9/tt> { ?a ?b ?c }\n}"
    )
    assert (found.uses_service, found.nesting, found.certain) == (True, 3, True)


def test_a_triple_term_does_not_hide_the_depth_after_it() -> None:
    depth = 1200
    found = screen(
        "SELECT * { FILTER(<<(<http://a> <http://b> 1)>><" + "(" * depth + "1" + ")" * depth
        + ">1) }"
    )
    assert found.nesting == depth + 2 > MAX_NESTING


def test_a_reified_triple_is_read_as_terms() -> None:
    found = screen("SELECT * { << ?s ?p ?o >> ?q ?r . SERVICE <http://x/> { ?a ?b ?c } }")
    assert (found.uses_service, found.nesting, found.certain) == (True, 2, True)
