"""Queries may use the project's prefixes, one per kind of entity included, undeclared."""

from flask.testing import FlaskClient


def test_queries_may_name_entities_by_kind_without_declaring_it(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "ASK { ?s ?p ?o FILTER (?s != transfer:1961-btr-40) }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert (response.status_code, response.json["boolean"]) == (200, True)
