"""The service description a GET without a query answers, negotiated like any graph."""

import pyoxigraph
import pytest
from flask.testing import FlaskClient

from kg.namespaces import ONTOLOGY_GRAPH

from web_sample import DATA_GRAPH, INFERRED_GRAPH

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"


@pytest.fixture
def description(client: FlaskClient) -> pyoxigraph.Store:
    response = client.get(
        "/sparql", base_url="https://kg.example.org", headers={"Accept": "application/ld+json"}
    )
    assert (response.status_code, response.content_type) == (200, "application/ld+json")
    store = pyoxigraph.Store()
    store.load(response.get_data(), pyoxigraph.RdfFormat.JSON_LD)
    return store


@pytest.mark.parametrize(
    "pattern",
    [
        "<https://kg.example.org/sparql> a sd:Service ; sd:endpoint <https://kg.example.org/sparql>",
        "?service sd:supportedLanguage sd:SPARQL11Query ; sd:feature sd:UnionDefaultGraph",
        *(
            f"?service sd:resultFormat <{FORMATS}{name}>"
            for name in (
                "SPARQL_Results_JSON",
                "SPARQL_Results_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_TSV",
                "Turtle",
                "N-Triples",
                "JSON-LD",
                "RDF_XML",
                "TriG",
                "N-Quads",
            )
        ),
        *(
            f"?service sd:defaultDataset/sd:namedGraph/sd:name <{graph}>"
            for graph in (DATA_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH)
        ),
        "?service sd:defaultDataset/sd:defaultGraph/a sd:Graph",
        '?service <http://www.w3.org/ns/shacl#declare> [ <http://www.w3.org/ns/shacl#prefix> "kgo" ]',
    ],
)
def test_description_says(description: pyoxigraph.Store, pattern: str) -> None:
    assert description.query(f"PREFIX sd: <{SD}> ASK {{ {pattern} }}")


def test_description_claims_no_federation(description: pyoxigraph.Store) -> None:
    assert not description.query(
        f"PREFIX sd: <{SD}> ASK {{ ?s sd:feature sd:BasicFederatedQuery }}"
    )
