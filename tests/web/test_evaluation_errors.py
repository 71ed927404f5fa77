"""A query that parses but cannot be evaluated is the client's error: 400, one line, no 500."""

from flask.testing import FlaskClient


def test_an_unknown_function_is_a_400_with_the_reason(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT * { BIND(<urn:no-such-function>(1) AS ?z) }"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json == {
        "error": {
            "status": 400,
            "message": "query: the query cannot be evaluated: "
            "The custom function <urn:no-such-function> is not supported",
        }
    }

