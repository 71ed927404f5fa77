"""A store's own row limit (Virtuoso's ResultSetMaxRows) never makes kg serve a cut answer unflagged.

The capped Virtuoso (its limit: the capped_rows fixture) holds the build, which has more quads than its limit.
"""

import json
from pathlib import Path

import pyoxigraph
import pytest
import requests
from flask.testing import FlaskClient

from kg.remote_store import ROW_LIMIT_HEADER, store_row_limit
from kg.web.app import create_app
from kg.web.settings import Settings

JSON = "application/sparql-results+json"
XSD = "http://www.w3.org/2001/XMLSchema#"


def refusal(limit: int) -> str:
    return f"the store stopped this answer at its own row limit of {limit} rows (Virtuoso: ResultSetMaxRows"


@pytest.fixture(scope="module")
def capped(capped_virtuoso_url: str) -> FlaskClient:
    return create_app(Settings(store=capped_virtuoso_url + "/sparql", answer_cache_bytes=0)).test_client()




def test_the_header_names_the_limit_only_when_it_is_there() -> None:
    response = requests.Response()
    assert store_row_limit(response) is None
    response.headers[ROW_LIMIT_HEADER] = "10000"
    assert store_row_limit(response) == 10000


@pytest.mark.parametrize(
    "path",
    # A resource's page reads the site's list of subjects, larger than the limit.
    ["/dumps/kg-mali-asserted.nq", "/dumps/SHA256SUMS", "/.well-known/void", "/graph/derived",
     "/id/transfer/1961-btr-40"],
)
def test_documents_made_from_a_cut_answer_are_refused(capped: FlaskClient, path: str, capped_rows: int) -> None:
    response = capped.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.json["error"]["message"].startswith(refusal(capped_rows))


@pytest.mark.parametrize(
    ("text", "accept"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", JSON),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples"),
    ],
)
def test_a_query_the_store_cut_below_max_rows_is_refused(
    capped: FlaskClient, text: str, accept: str, capped_rows: int
) -> None:
    response = capped.post("/sparql", data={"query": text}, headers={"Accept": f"{accept}, {JSON};q=0.1"})
    assert response.status_code == 503
    message = response.json["error"]["message"]
    assert message.startswith(refusal(capped_rows))
    assert message.endswith("raise that limit to --max-rows (10000) or more")


@pytest.mark.parametrize("fraction", [0.5, 1.0])
@pytest.mark.parametrize(
    ("text", "accept"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", JSON),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples"),
    ],
)
def test_a_query_the_store_cut_at_or_past_max_rows_is_kgs_flagged_truncation(
    capped_virtuoso_url: str, capped_rows: int, fraction: float, text: str, accept: str
) -> None:
    max_rows = int(capped_rows * fraction)
    settings = Settings(store=capped_virtuoso_url + "/sparql", answer_cache_bytes=0, max_rows=max_rows)
    response = create_app(settings).test_client().post("/sparql", data={"query": text}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["X-KG-Truncated"] == "true"
    if accept == JSON:
        assert len(json.loads(response.data)["results"]["bindings"]) == max_rows
    else:  # the lines of max_rows triples, and kg's note that they are cut
        assert len(response.get_data(as_text=True).splitlines()) == max_rows + 1


def test_an_answer_within_the_limit_is_served(capped: FlaskClient, dataset_path: Path) -> None:
    # The default graph is the merge: each triple once, whatever graphs state it.
    merged_triples = len({(q.subject, q.predicate, q.object)
                          for q in pyoxigraph.parse(path=str(dataset_path), format=pyoxigraph.RdfFormat.N_QUADS)})
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = capped.post("/sparql", data={"query": text}, headers={"Accept": JSON})
    assert response.status_code == 200
    assert "X-KG-Truncated" not in response.headers
    assert response.json["results"]["bindings"] == [{"n": {
        "type": "literal", "value": str(merged_triples), "datatype": f"{XSD}integer"}}]

