"""The screen: query form, update, SERVICE, calls and nesting, read as the grammar reads them."""

import pytest

from kg.query_forms import ResultKind
from kg.screening import DatasetClauses, dataset_clauses, leading_bases, screen, without_spans

SOLUTIONS, BOOLEAN, GRAPH = ResultKind.SOLUTIONS, ResultKind.BOOLEAN, ResultKind.GRAPH

# text → (kind, is_update, uses_service)
CASES = {
    "SELECT * { ?s ?p ?o }": (SOLUTIONS, False, False),
    "ask {}": (BOOLEAN, False, False),
    "CONSTRUCT WHERE { ?s ?p ?o }": (GRAPH, False, False),
    "DESCRIBE <http://e/x>": (GRAPH, False, False),
    "PREFIX ex: <http://e/> BASE <http://b/>\n# a comment\nSELECT * {}": (SOLUTIONS, False, False),
    "PREFIX : <http://e/> SELECT * { :SELECT :ASK :SERVICE }": (SOLUTIONS, False, False),
    "SELECT * { SERVICE <http://e/sparql> { ?s ?p ?o } }": (SOLUTIONS, False, True),
    "SELECT * { service silent ?endpoint { ?s ?p ?o } }": (SOLUTIONS, False, True),
    "SELECT * {SERVICE<http://e/>{}}": (SOLUTIONS, False, True),
    "SELECT * { FILTER(?a<?b) SERVICE <http://e/> {} }": (SOLUTIONS, False, True),
    'SELECT * { ?s ?p "SERVICE <http://e/> {}" }': (SOLUTIONS, False, False),
    "SELECT * { ?s ?p '''long\nSERVICE''' }": (SOLUTIONS, False, False),
    'SELECT * { ?s ?p "escaped \\" SERVICE" }': (SOLUTIONS, False, False),
    'SELECT * { ?s ?p "x"@service }': (SOLUTIONS, False, False),
    "SELECT ?service { ?service ex:service _:SERVICE }": (SOLUTIONS, False, False),
    "SELECT * { <http://e/#SERVICE> ?p ?o } # SERVICE <x> {}": (SOLUTIONS, False, False),
    # A broken string: the rest is still read, so a SERVICE in it is refused, never missed.
    'SELECT * { ?s ?p "unterminated SERVICE <http://e/> {} }': (SOLUTIONS, False, True),
    "SELECT * FROM <http://e/g> { ?s ?p ?o }": (SOLUTIONS, False, False),
    "SELECT * FROM NAMED <http://e/g> { GRAPH ?g { ?s ?p ?o } }": (SOLUTIONS, False, False),
    'SELECT * { ?s ?p "FROM" }': (SOLUTIONS, False, False),
    "INSERT DATA { <a:s> <a:p> <a:o> }": (None, True, False),
    "PREFIX ex: <http://e/> WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }": (None, True, False),
    "load <http://e/data.ttl>": (None, True, False),
    "CLEAR ALL": (None, True, False),
    "DROP GRAPH <http://e/g>": (None, True, False),
    "not sparql at all": (None, False, False),
}


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_screen(text: str) -> None:
    found = screen(text)
    assert (found.kind, found.is_update, found.uses_service) == CASES[
        text
    ]


# A `<` is a comparison only after an operand inside an expression; elsewhere it opens an IRI.
# Misread either way, `#` in the IRI would become a comment hiding the SERVICE after it.
SERVICE_AFTER_A_LESS_THAN = [
    "SELECT * { ?s ?p (?o <http://e/#x>) SERVICE <http://e/> {} }",
    "SELECT * { ?s <http://e/#p> ?o . ?s ?p <http://e/#q> SERVICE <http://e/> {} }",
    "SELECT * { VALUES (?a ?b) { (1 <http://e/#x>) } SERVICE <http://e/> {} }",
    "SELECT * { { SELECT ?s {} ORDER BY ?s <http://e/#f>(?s) } SERVICE <http://e/> {} }",
    "SELECT * { ?s ?p ?o FILTER <http://e/#f>(?o) SERVICE <http://e/> {} }",
    "SELECT * { ?s ?p ?o FILTER(?o<3)#x>\nSERVICE <http://e/> {} }",
]


@pytest.mark.parametrize(
    "text", SERVICE_AFTER_A_LESS_THAN, ids=range(len(SERVICE_AFTER_A_LESS_THAN))
)
def test_a_less_than_is_read_where_it_stands(text: str) -> None:
    found = screen(text)
    assert (found.uses_service, found.certain) == (True, True)


@pytest.mark.parametrize(
    ("text", "repeatable"),
    [
        ("SELECT * { ?s ?p ?o FILTER(?o<RAND()) }", False),
        ("SELECT * { ?s ?p ?o FILTER(?o<<http://e/RAND()>) }", True),
        ("SELECT * { { SELECT (EXISTS { ?s ?p ?o } AS ?e) (?a<?b&&RAND()>0 AS ?r) {} } }", False),
        ("SELECT * { { SELECT ?s {} GROUP BY ?s HAVING (?s<?x&&UUID()>0) } }", False),
        ("SELECT * { ?s ?p ?o FILTER regex(?o, ?s<?p&&STRUUID()>0) }", False),
        ("SELECT (BNODE() AS ?b) {}", False),
        ("SELECT (bnode(?s) AS ?b) { ?s ?p ?o }", False),
        ("SELECT (STRUUID ## (\n () AS ?b) {}", False),
        ("SELECT ?bnode { ?bnode ?p _:b }", True),
        ("PREFIX ex: <http://e/> SELECT * { ?s ?p ex:rand\\(\\) }", True),
    ],
)
def test_calls_that_change_are_found_where_they_are_calls(text: str, repeatable: bool) -> None:
    assert screen(text).is_repeatable is repeatable


@pytest.mark.parametrize(
    ("text", "certain"),
    [
        ("SELECT * { ?s ?p <http://e/\\u0041#> }", True),
        ('SELECT * { ?s ?p "\\u00e9\\U0001F600" }', True),
        ("PREFIX ex: <http://e/> SELECT * { ?s ex:a\\#b ?o }", True),
        ("SELECT * { ?s ?p ?o FILTER(?o<((1))) }", True),
        ('SELECT * { ?s ?p "unterminated SERVICE <http://e/> {} }', False),
        ("SELECT * { ?s ?p ?o } \\u0023", False),
        ("SELECT * { ?s ?p ?o }\u00a0", False),
        ("SELECT * { ?s ?p ?o } }", False),
        ("SELECT * { ?s ?p ?o FILTER(<) }", False),
        # Read after decoding escapes first (the specification's 19.2), these end early.
        ("SELECT * { ?s ?p <http://e/\\u003E> }", False),
        ('SELECT * { ?s ?p "a\\u0022 SERVICE <http://e/> {}" }', False),
        ("SELECT * { ?s ?p '\\U0011FFFF' }", False),
    ],
)
def test_what_can_be_read_two_ways_is_not_certain(text: str, certain: bool) -> None:
    assert screen(text).certain is certain


def test_a_string_that_pyoxigraph_reads_whole_hides_its_service_but_is_not_replayed() -> None:
    found = screen('SELECT * { ?s ?p "a\\u0022 SERVICE <http://e/> {}" }')
    assert (found.uses_service, found.is_repeatable, found.certain) == (False, False, False)


@pytest.mark.parametrize(
    ("text", "nesting"),
    [
        ("SELECT * { ?s ?p ?o FILTER(?o<((1))) }", 4),
        ("SELECT * { ?s ?p ?o FILTER(?o<<http://e/((((>) }", 2),
        ("SELECT * { ?s ?p ([ ?q (1) ]) }", 4),
    ],
)
def test_nesting_counts_the_brackets_the_grammar_reads(text: str, nesting: int) -> None:
    assert screen(text).nesting == nesting


def test_dataset_clauses_are_read_before_the_first_group_only() -> None:
    found = dataset_clauses(
        "PREFIX g: <http://g/> PREFIX : <http://e/> BASE <http://b/x> SELECT (COUNT(*) AS ?n) "
        "FROM g:a FROM\n#c\n<b> FROM NAMED <c> FROM :d WHERE { ?s ?p ?o } VALUES ?x { <z> }"
    )
    assert found == DatasetClauses(
        bases=("http://b/x",),
        prefixes={"g": "http://g/", "": "http://e/"},
        default_graphs=("g:a", "<b>", ":d"),
        named_graphs=("<c>",),
    )


def test_leading_bases_are_the_base_declarations_before_any_other_token() -> None:
    text = "# c\nBASE <a/>\nbase<b/> PREFIX p: <x> BASE <c/> SELECT * {}"
    assert leading_bases(text) == ((4, 13, "a/"), (14, 22, "b/"))
    assert leading_bases("PREFIX p: <x> BASE <c/> SELECT * {}") == ()
    assert leading_bases("BASE SELECT * {}") == ()


def test_blanked_spans_keep_every_line_and_column() -> None:
    assert without_spans("BASE <a/>\nSELECT", [(0, 9)]) == " " * 9 + "\nSELECT"
    assert without_spans("ab\ncd", [(1, 4), (0, 1)]) == "  \n d"
