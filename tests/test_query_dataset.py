"""`kg query` with FROM: the default graph is the RDF merge of the graphs named, each fact once."""

import pytest
from click.testing import CliRunner

from kg.cli import main

pytestmark = pytest.mark.usefixtures("fixture_project")

# essor states 9 triples, tass 6; two of them (Russia is a country, a party to the agreement) both.
ESSOR, TASS = "graph:essor-2021-09-30", "graph:tass-2021-10-01"


@pytest.mark.parametrize(
    ("dataset", "count"),
    [
        (f"FROM {ESSOR}", "9"),
        (f"FROM {TASS}", "6"),
        (f"FROM {ESSOR} FROM {TASS}", "13"),
        (f"FROM {ESSOR} FROM {ESSOR}", "9"),
    ],
)
def test_from_clauses_make_the_merge(dataset: str, count: str) -> None:
    query = f"SELECT (COUNT(*) AS ?n) {dataset} {{ ?s ?p ?o }}"
    result = CliRunner().invoke(main, ["query", "--format", "csv", query])
    assert (result.exit_code, result.stdout_bytes) == (0, f"n\r\n{count}\r\n".encode())


def test_the_merge_is_no_named_graph() -> None:
    query = f"SELECT ?g FROM {ESSOR} FROM {TASS} FROM NAMED {TASS} {{ GRAPH ?g {{ }} }}"
    result = CliRunner().invoke(main, ["query", "--format", "csv", query])
    assert (result.exit_code, result.stdout_bytes) == (
        0,
        b"g\r\nhttps://w3id.org/kg-mali/graph/tass-2021-10-01\r\n",
    )


def test_relative_from_clauses_resolve_against_every_base_before_them() -> None:
    query = (
        "BASE <https://w3id.org/kg-mali/graph/> BASE <x/> SELECT (COUNT(*) AS ?n) "
        "FROM <../essor-2021-09-30> "
        "FROM <../tass-2021-10-01> { ?s ?p ?o }"
    )
    result = CliRunner().invoke(main, ["query", "--format", "csv", query])
    assert (result.exit_code, result.stdout_bytes) == (0, b"n\r\n13\r\n")
