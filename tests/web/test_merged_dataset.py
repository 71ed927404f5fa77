"""FROM lists and default-graph-uri make the RDF merge of the graphs named: a fact two sources
state counts once, and the merge is never seen as a graph of its own."""

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, RdfFormat

from kg.build_cache import write_store
from kg.dataset import load_files

# source-a: Mali, Russia; source-b: Mali, France. Mali is stated in both.
FIXTURE = Path(__file__).parents[1] / "fixtures" / "merge" / "same_fact_in_two_sources.trig"
A = "https://w3id.org/kg-mali/graph/source-a"
B = "https://w3id.org/kg-mali/graph/source-b"
STATE = "https://w3id.org/kg-mali/ontology#State"
COUNT = f"SELECT (COUNT(*) AS ?n) {{ ?s a <{STATE}> }}"
GRAPHS = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def store_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture as a build writes it: a store on disk, its default graph the merge."""
    directory = tmp_path_factory.mktemp("merge")
    store = load_files([FIXTURE])
    merge = (store.dump(format=RdfFormat.N_TRIPLES, from_graph=g) for g in store.named_graphs())
    return directory / write_store(directory, "0" * 12, store.dump(format=RdfFormat.N_QUADS), merge)


@pytest.fixture(params=["in memory", "on disk"])
def client(request: pytest.FixtureRequest, apps_over: Callable[..., Flask]) -> FlaskClient:
    data = FIXTURE if request.param == "in memory" else request.getfixturevalue("store_folder")
    # One query worker: whatever a query leaves in the worker's store, the next one would see.
    return apps_over(data, threads=1, answer_cache_bytes=0).test_client()


def test_pages_see_each_fact_in_its_graph_only(apps_over: Callable[..., Flask], store_folder: Path) -> None:
    store = apps_over(store_folder).extensions["kg"].store
    mali = NamedNode("https://w3id.org/kg-mali/id/state/mali")
    assert sorted(q.graph_name.value for q in store.quads_for_pattern(mali, None, None)) == sorted(
        q.graph_name.value for q in load_files([FIXTURE]).quads_for_pattern(mali, None, None)
    )
    assert len(store) == len(load_files([FIXTURE]))


def _rows(client: FlaskClient, query: str, **params: object) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [
        {name: term["value"] for name, term in row.items()}
        for row in response.get_json()["results"]["bindings"]
    ]


def _count(client: FlaskClient, query: str = COUNT, **params: object) -> int:
    [row] = _rows(client, query, **params)
    return int(row["n"])


@pytest.mark.parametrize(
    ("dataset", "count"),
    [
        (f"FROM <{A}>", 2),
        (f"FROM <{A}> FROM <{B}>", 3),
        (f"FROM <{B}> FROM <{A}>", 3),
        (f"FROM <{A}> FROM <{A}>", 2),
        ("FROM graph:source-a FROM <graph/source-b>", 3),  # prefix and base as the query's
        (f"FROM <{A}> FROM\n#c\n<{B}> FROM NAMED <{B}>", 3),
        (f"FROM <{A}> # FROM <{B}>\n", 2),
        (f"FROM <{A[:-1]}\\u{ord(A[-1]):04X}> FROM <{B}>", 3),  # an escape in the name
    ],
)
def test_from_clauses_make_the_merge(client: FlaskClient, dataset: str, count: int) -> None:
    assert _count(client, f"SELECT (COUNT(*) AS ?n) {dataset} {{ ?s a <{STATE}> }}") == count


def test_from_clauses_make_the_merge_in_a_query_with_prologue(client: FlaskClient) -> None:
    prologue = f"PREFIX src: <{A.rsplit('/', 1)[0]}/> BASE <{A.rsplit('/', 1)[0]}/>"
    for dataset in ("FROM src:source-a FROM <source-b>", "FROM <source-a> FROM src:source-b"):
        query = f"{prologue} SELECT (COUNT(*) AS ?n) {dataset} {{ ?s a <{STATE}> }}"
        assert _count(client, query) == 3, dataset


def test_from_clauses_make_the_merge_beside_syntax_rdflib_lacks(client: FlaskClient) -> None:
    # Found by review: an RDF 1.2 triple term once sent the FROM list back to the union.
    query = (
        f"SELECT (COUNT(*) AS ?n) FROM <{A}> FROM <{B}> "
        f"{{ ?s a <{STATE}> FILTER(<<(?s ?s ?s)>> != 1) }}"
    )
    assert _count(client, query) == 3


def test_default_graph_uris_make_the_merge(client: FlaskClient) -> None:
    assert _count(client, **{"default-graph-uri": [A, B]}) == 3
    assert _count(client, **{"default-graph-uri": [A, A]}) == 2
    # The protocol's list replaces the query's own.
    query = f"SELECT (COUNT(*) AS ?n) FROM <{A}> {{ ?s a <{STATE}> }}"
    assert _count(client, query, **{"default-graph-uri": [A, B]}) == 3


def test_each_fact_of_the_merge_comes_once(client: FlaskClient) -> None:
    query = f"SELECT ?s FROM <{A}> FROM <{B}> {{ ?s a <{STATE}> }} ORDER BY ?s"
    assert [row["s"] for row in _rows(client, query)] == [
        "https://w3id.org/kg-mali/id/state/france",
        "https://w3id.org/kg-mali/id/state/mali",
        "https://w3id.org/kg-mali/id/state/russia",
    ]


def test_the_merge_is_no_named_graph_of_the_query(client: FlaskClient) -> None:
    # FROM without FROM NAMED: no named graph at all (SPARQL 1.1, 13.2).
    merged = f"SELECT DISTINCT ?g FROM <{A}> FROM <{B}>"
    assert _rows(client, f"{merged} {{ GRAPH ?g {{ ?s ?p ?o }} }}") == []
    assert _rows(client, f"{merged} FROM NAMED <{B}> {{ GRAPH ?g {{ ?s ?p ?o }} }}") == [{"g": B}]
    protocol = {"default-graph-uri": [A, B], "named-graph-uri": A}
    assert _rows(client, GRAPHS, **protocol) == [{"g": A}]


def test_the_merge_is_gone_for_the_next_query(client: FlaskClient) -> None:
    assert _count(client, **{"default-graph-uri": [A, B]}) == 3
    merged = f"SELECT (COUNT(*) AS ?n) FROM <{A}> FROM <{B}> {{ ?s a <{STATE}> }}"
    assert _count(client, merged) == 3
    assert sorted(row["g"] for row in _rows(client, GRAPHS)) == [A, B]
    assert _count(client, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == 4
    assert _count(client) == 3  # the store's own default graph, the merge of every graph


def test_from_named_keeps_one_solution_per_graph(client: FlaskClient) -> None:
    named = f"FROM NAMED <{A}> FROM NAMED <{B}>"
    query = f"SELECT (COUNT(*) AS ?n) {named} {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _count(client, query) == 4


def test_a_malformed_query_naming_two_graphs_is_a_400_at_its_place(client: FlaskClient) -> None:
    query = f"SELECT * FROM <{A}> FROM <{B}> {{ ?s ?p }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(
        "syntax error in query:1:113: expected "
    )


def test_the_merge_is_gone_after_a_query_that_fails(client: FlaskClient) -> None:
    # rdflib reads this one (so the merge is written); pyoxigraph refuses it.
    query = f"SELECT * FROM <{A}> FROM <{B}> {{ ?s ?p ?o }} GROUP BY ?s"
    assert client.get("/sparql", query_string={"query": query}).status_code == 400
    assert sorted(row["g"] for row in _rows(client, GRAPHS)) == [A, B]
