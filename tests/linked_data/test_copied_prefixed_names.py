"""A prefixed name copied from a data file means the same in a query: in `kg query` and at the
endpoint, which both predeclare the prefix table the data files declare."""

import csv
import io

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kg.cli import main
from kg.project import data_files

ESSOR = next(p for p in data_files() if p.name == "essor-2022-01-21-mali-russie.trig")

# (the prefixed name as the data file writes it, a query using it, the rows it must answer)
COPIED = [
    pytest.param(
        "org:malian-armed-forces",
        "SELECT ?label WHERE { org:malian-armed-forces rdfs:label ?label } ORDER BY ?label",
        [{"label": "Armée malienne"}, {"label": "Malian Armed Forces"}],
        id="org",
    ),
    pytest.param(
        "equip:btr-40",
        "SELECT ?deal ?delivered WHERE { ?deal kgo:equipmentModel equip:btr-40 ; "
        "kgo:delivery/kgo:numberDelivered/rdf:value ?delivered }",
        [{"deal": "https://w3id.org/kg-mali/id/transfer/1961-btr-40", "delivered": "15"}],
        id="equip",
    ),
]


@pytest.mark.parametrize(("name", "query", "rows"), COPIED)
def test_kg_query_answers_a_name_copied_from_a_data_file(name, query, rows, built_data, monkeypatch):
    monkeypatch.delenv("KG_ROOT", raising=False)
    assert f"\n{name} a " in ESSOR.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "--format", "csv", query])
    assert (result.exit_code, result.stderr) == (0, "")
    assert list(csv.DictReader(io.StringIO(result.stdout))) == rows


@pytest.mark.parametrize(("name", "query", "rows"), COPIED)
def test_the_endpoint_answers_a_name_copied_from_a_data_file(name, query, rows, client: FlaskClient):
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    bindings = response.json["results"]["bindings"]
    assert [{var: term["value"] for var, term in row.items()} for row in bindings] == rows
