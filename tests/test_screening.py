"""The pre-evaluation screen: the query form, updates and SERVICE, never fooled by strings or names."""

import pytest

from kg.query_forms import ResultKind
from kg.screening import screen

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
