"""kg.prebinding: which SHACL-SPARQL queries may run once for all focus nodes, and that doing so
gives each node the solutions of the query with the node substituted for $this."""

from __future__ import annotations

import pyoxigraph
import pytest

from kg.prebinding import evaluable_once, query_code, whole_graph_query

EX = "http://example.org/"
PREFIXES = {"ex": EX}
FOCUS = f"?this <{EX}p> ?anything"

# Two nodes with ex:p (the focus nodes), one of them claimed twice; a node without ex:p.
DATA = f"""
<{EX}a> <{EX}p> <{EX}x> .
<{EX}a> <{EX}claimedBy> <{EX}u> .
<{EX}a> <{EX}claimedBy> <{EX}v> .
<{EX}b> <{EX}p> <{EX}y> .
<{EX}b> <{EX}claimedBy> <{EX}u> .
<{EX}c> <{EX}claimedBy> <{EX}u> .
"""

ACCEPTED = {
    "bound at the top": "SELECT $this ?value WHERE { $this ex:p ?value }",
    "read by FILTER NOT EXISTS": "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:q ?x } }",
    "read by OPTIONAL": "SELECT $this ?value WHERE { OPTIONAL { $this ex:claimedBy ?value } }",
    "bound in each branch of a UNION": (
        "SELECT $this ?value WHERE { { $this ex:p ?value } UNION "
        "{ $this ex:claimedBy ?value FILTER NOT EXISTS { $this ex:q ?value } } }"
    ),
    "grouped by in a sub-select": (
        "SELECT $this ?claims WHERE { { SELECT $this (COUNT(DISTINCT ?who) AS ?claims) "
        "WHERE { $this ex:claimedBy ?who } GROUP BY $this } FILTER (?claims != 1) }"
    ),
    "after a comment holding a brace": (
        "# {the claims}\nSELECT $this ?value WHERE { $this ex:claimedBy ?value }"
    ),
    "after a projected string holding a brace": (
        'SELECT $this ?value (CONCAT("{", STR(?value)) AS ?shown) WHERE { $this ex:claimedBy ?value }'
    ),
    "a distinct sub-select that binds it": (
        "SELECT $this ?value WHERE { { { SELECT DISTINCT $this ?value WHERE { $this ?p ?value } } "
        "FILTER (?value != ex:x) } FILTER NOT EXISTS { ?value ex:p ?other } }"
    ),
}

REFUSED = {
    "read by a filter of a group that does not bind it": (
        "SELECT $this ?value WHERE { { ?s ex:claimedBy ?value FILTER NOT EXISTS { $this ex:claimedBy ?value } } }"
    ),
    "read by a BIND of a group that does not bind it": (
        "SELECT $this ?flag WHERE { { ?s ex:p ?x BIND (?s = $this AS ?flag) } }"
    ),
    "counted in a sub-select not grouped by it": (
        "SELECT $this ?claims WHERE { { SELECT $this (COUNT(?who) AS ?claims) "
        "WHERE { $this ex:claimedBy ?who } } FILTER (?claims != 1) }"
    ),
    "hidden by a sub-select": "SELECT $this WHERE { { SELECT ?value WHERE { $this ex:p ?value } } }",
    "made distinct where a solution may not bind it": (
        "SELECT $this ?value WHERE { { SELECT DISTINCT $this ?value WHERE "
        "{ { ?value ex:claimedBy ?w } UNION { $this ex:p ?value } } } }"
    ),
    "limited": "SELECT $this ?value WHERE { $this ex:p ?value } LIMIT 1",
    "in MINUS": "SELECT $this ?value WHERE { ?value ex:p ?x MINUS { $this ex:p ?value } }",
    "in VALUES": "SELECT $this WHERE { VALUES $this { ex:a } }",
    "not projected": "SELECT ?value WHERE { $this ex:p ?value }",
    "absent": "SELECT ?value WHERE { ?s ex:p ?value }",
    "unreadable": "SELECT $this WHERE { $this ex:p ",
}


@pytest.mark.parametrize("select", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_queries_give_each_node_its_substituted_solutions(select: str) -> None:
    assert evaluable_once(select, PREFIXES)
    store = _store()
    assert _once(store, select) == _per_node(store, select)


@pytest.mark.parametrize("select", REFUSED.values(), ids=REFUSED.keys())
def test_queries_that_would_see_this_unbound_are_refused(select: str) -> None:
    assert not evaluable_once(select, PREFIXES)


def test_a_refused_query_run_once_would_indeed_answer_otherwise() -> None:
    """Why the filter of a nested group is refused: run once, it sees $this unbound."""
    select = REFUSED["read by a filter of a group that does not bind it"]
    store = _store()
    assert _per_node(store, select) == {("b", "v")}
    assert _once(store, select) == set()


def test_the_focus_nodes_come_first_in_the_where_group() -> None:
    assert whole_graph_query("SELECT $this WHERE { $this ex:p ?o }", "?this a ex:C") == (
        "SELECT $this WHERE { { ?this a ex:C }  $this ex:p ?o }"
    )


def test_the_where_group_is_found_past_braces_in_comments_strings_and_iris() -> None:
    select = '# {x}\nPREFIX e: <http://e/#> SELECT $this ("{" AS ?o) (\'{\' AS ?p) WHERE { $this ex:p ?o }'
    assert whole_graph_query(select, "?this a ex:C") == select.replace("WHERE {", "WHERE { { ?this a ex:C } ")


def _store() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(DATA, pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def _rows(solutions: pyoxigraph.QuerySolutions, focus: pyoxigraph.NamedNode | None = None) -> set[tuple[str, ...]]:
    names = [v.value for v in solutions.variables]
    rows = set()
    for solution in solutions:
        bound = {name: solution[name] for name in names if solution[name] is not None}
        this = focus if focus is not None else bound["this"]
        other = [bound[n].value.removeprefix(EX) for n in names if n != "this" and n in bound]
        rows.add((this.value.removeprefix(EX), *other))
    return rows


def _per_node(store: pyoxigraph.Store, select: str) -> set[tuple[str, ...]]:
    """SHACL's way: the query once per focus node, the node substituted for $this."""
    rows: set[tuple[str, ...]] = set()
    for (node,) in store.query(f"SELECT DISTINCT ?this WHERE {{ {FOCUS} }}"):
        solutions = store.query(select, prefixes=PREFIXES, substitutions={pyoxigraph.Variable("this"): node})
        rows |= _rows(solutions, node)
    return rows


def _once(store: pyoxigraph.Store, select: str) -> set[tuple[str, ...]]:
    targets = f"SELECT DISTINCT ?this WHERE {{ {FOCUS} }}"
    return _rows(store.query(whole_graph_query(select, targets), prefixes=PREFIXES))


def test_the_query_code_leaves_out_iris_strings_and_comments_and_no_more() -> None:
    select = (
        'PREFIX e: <http://e/#GRAPH> SELECT ?s ("GRAPH {" AS ?a) (\'\'\'GRAPH\n{\'\'\' AS ?b) '
        "WHERE { GRAPH ?g { ?s e:p ?o } } # GRAPH {\n"
    )
    assert query_code(select) == (
        'PREFIX e: "" SELECT ?s ("" AS ?a) ("" AS ?b) WHERE { GRAPH ?g { ?s e:p ?o } } ""\n'
    )
