"""The default graph is the merge of the named graphs: a fact two sources state counts once."""

from pathlib import Path

import pyoxigraph
import pytest

from kg.store import run_query, with_merged_default_graph
from kg.web.app import create_app
from kg.web.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "merge" / "same_fact_in_two_sources.trig"
COUNT_STATES = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/kg-mali/ontology#State> }"
COUNT_IN_GRAPHS = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a <https://w3id.org/kg-mali/ontology#State> } }"
)


@pytest.fixture
def store() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(FIXTURE), format=pyoxigraph.RdfFormat.TRIG)
    return store


def count(store: pyoxigraph.Store, text: str, *, union: bool) -> int:
    [row] = run_query(store, text, union_default_graph=union)
    return int(row["n"].value)


def test_pyoxigraphs_union_view_repeats_a_fact_per_graph(store: pyoxigraph.Store) -> None:
    # Why the merge is materialised: the union view counts Mali twice.
    assert count(store, COUNT_STATES, union=True) == 4


def test_the_merged_default_graph_counts_each_fact_once(store: pyoxigraph.Store) -> None:
    merged = with_merged_default_graph(store)
    assert count(merged, COUNT_STATES, union=False) == 3
    assert count(merged, COUNT_IN_GRAPHS, union=False) == 4
    assert len(store) == 4  # the original is left as it was


def test_the_endpoint_answers_with_the_merge() -> None:
    app = create_app(Settings(data=(FIXTURE,)))
    try:
        response = app.test_client().get(
            "/sparql", query_string={"query": COUNT_STATES},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200
        assert response.json["results"]["bindings"][0]["n"]["value"] == "3"
        response = app.test_client().get(
            "/sparql",
            query_string={"query": COUNT_STATES,
                          "default-graph-uri": "https://w3id.org/kg-mali/graph/source-a"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.json["results"]["bindings"][0]["n"]["value"] == "2"
    finally:
        app.extensions["kg"].evaluator.close()
