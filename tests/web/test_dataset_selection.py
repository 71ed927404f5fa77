"""Which graphs a query sees: the union by default, named graphs by name, nothing ever fetched."""

import socket
import threading
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from kg.namespaces import GRAPH, ONTOLOGY_GRAPH

from web_sample import Shape

DATA, INFERRED, ONTOLOGY = str(GRAPH["data"]), str(GRAPH["inferred"]), str(ONTOLOGY_GRAPH)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(client: FlaskClient, query: str = COUNT, **params: object) -> int:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def _graphs(client: FlaskClient, query: str, **params: object) -> set[str]:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["g"]["value"] for row in response.get_json()["results"]["bindings"]}


def test_default_graph_is_the_union(client: FlaskClient, shape: Shape) -> None:
    assert _count(client) == shape.quads


def test_named_graphs_stay_reachable_by_name(client: FlaskClient, shape: Shape) -> None:
    assert _graphs(client, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }") == {
        DATA,
        INFERRED,
        ONTOLOGY,
    }
    assert (
        _count(client, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}")
        == shape.agreements
    )


def test_from_picks_graphs_held_in_the_store(client: FlaskClient, shape: Shape) -> None:
    assert (
        _count(client, f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED}> {{ ?s ?p ?o }}")
        == shape.agreements
    )
    named = f"SELECT DISTINCT ?g FROM NAMED <{ONTOLOGY}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _graphs(client, named) == {ONTOLOGY}
    # FROM NAMED alone leaves the default graph empty (SPARQL 1.1, 13.2).
    assert _count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY}> {{ ?s ?p ?o }}") == 0


def test_protocol_dataset_overrides_the_query(client: FlaskClient, shape: Shape) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{DATA}> {{ ?s ?p ?o }}"
    assert _count(client, query, **{"default-graph-uri": INFERRED}) == shape.agreements
    assert (
        _count(client, COUNT, **{"default-graph-uri": [INFERRED, ONTOLOGY]})
        == shape.agreements + shape.ontology
    )
    # Only named graphs given: the default graph is empty, the named ones are those given.
    assert _count(client, COUNT, **{"named-graph-uri": ONTOLOGY}) == 0
    graphs = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"
    assert _graphs(client, graphs, **{"named-graph-uri": ONTOLOGY}) == {ONTOLOGY}


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A local HTTP-ish listener that records whoever connects: nothing ever should."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                seen.append(connection.recv(1024))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/data.ttl", seen
    stop.set()
    thread.join()
    server.close()


def test_from_and_dataset_parameters_never_fetch(
    client: FlaskClient, listener: tuple[str, list[bytes]]
) -> None:
    url, seen = listener
    assert _count(client, f"SELECT (COUNT(*) AS ?n) FROM <{url}> {{ ?s ?p ?o }}") == 0
    assert _count(client, COUNT, **{"default-graph-uri": url}) == 0
    assert (
        _count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        == 0
    )
    assert _count(client, COUNT, **{"named-graph-uri": url}) == 0
    assert seen == []


def test_no_request_changes_the_data(client: FlaskClient, shape: Shape) -> None:
    attempts = [
        {"method": "POST", "data": "CLEAR ALL", "content_type": "application/sparql-update"},
        {
            "method": "POST",
            "data": "update=DROP%20ALL",
            "content_type": "application/x-www-form-urlencoded",
        },
        {"method": "GET", "query_string": {"update": "CLEAR DEFAULT"}},
        {"method": "GET", "query_string": {"query": "INSERT DATA { <a:s> <a:p> <a:o> }"}},
        {"method": "GET", "query_string": {"query": "CLEAR ALL"}},
        {
            "method": "POST",
            "data": "DELETE WHERE { ?s ?p ?o }",
            "content_type": "application/sparql-query",
        },
    ]
    for attempt in attempts:
        assert client.open("/sparql", **attempt).status_code == 403
    assert _count(client) == shape.quads
