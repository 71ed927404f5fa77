"""The arms-transfers table for analysts: the named query `transfers-register`, as CSV.

One source of truth: `kg transfers` and the server's /transfers.csv both run
queries/transfers-register.rq, whose variables are the columns (SIPRI's trade-register columns,
then the source and the verbatim evidence). The CSV is SPARQL 1.1 CSV: RFC 4180 quoting, CRLF.
"""

from pathlib import Path

from pyoxigraph import QueryResultsFormat, QuerySolutions, Store

from kg.project import display_path
from kg.querying import NamedQuery, get_named_query
from kg.store import run_query

REGISTER_QUERY = "transfers-register"


def register_query(directory: Path | None = None) -> NamedQuery:
    return get_named_query(REGISTER_QUERY, directory)


def transfers_csv(store: Store, directory: Path | None = None) -> bytes:
    """Every arms transfer, one row each, in the register's columns.

    `store` is a query store (`kg.store.with_merged_default_graph`): its default graph is the
    merge of the named graphs.
    """
    named = register_query(directory)
    results = run_query(
        store, named.text, union_default_graph=False, source=display_path(named.path)
    )
    assert isinstance(results, QuerySolutions), "transfers-register must be a SELECT query"
    data = results.serialize(format=QueryResultsFormat.CSV)
    assert data is not None  # without an output file, serialize returns the bytes
    return data
