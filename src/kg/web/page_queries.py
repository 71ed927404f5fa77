"""The named queries behind the timeline and the charts: run like any query, read as rows.

A page's data come from a named query in queries/ evaluated by the app's query workers (or the
remote store), exactly as `/sparql` would answer it, so the page can link to "the query behind
this" and a reader who runs it gets the same rows.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import url_for

from kg.querying import NamedQuery, get_named_query
from kg.query_forms import ResultKind
from kg.web.query_worker import QueryJob
from kg.web.services import services
from kg.web.site import site

# A page's query names every row it draws; the endpoint's row limit must not cut it silently.
PAGE_ROWS = 10_000


@dataclass(frozen=True)
class Cell:
    """One binding as SPARQL JSON gives it: the value, and whether it is an IRI."""

    value: str
    is_iri: bool = False


Row = dict[str, Cell]


@dataclass(frozen=True)
class PageQuery:
    """A named query with its rows, and the links a page gives to it."""

    query: NamedQuery
    rows: list[Row]
    truncated: bool = False  # more rows than PAGE_ROWS: the page draws the first ones and says so

    @property
    def form_href(self) -> str:
        """The query form, with this query's text in it."""
        return url_for("ui.home", example=self.query.name) + "#query"

    @property
    def endpoint_href(self) -> str:
        """The endpoint's own answer to the query (CSV: what a spreadsheet opens)."""
        return (
            url_for("sparql.endpoint")
            + "?"
            + urlencode({"query": self.query.text, "format": "csv"})
        )


def run_page_query(name: str) -> PageQuery:
    """Evaluate the named query `name` and return its solutions as rows of cells."""
    query = get_named_query(name)
    state = services()
    job = QueryJob(
        text=query.text,
        formats={ResultKind.SOLUTIONS: "json", ResultKind.BOOLEAN: None, ResultKind.GRAPH: None},
        max_rows=PAGE_ROWS,
        base_iri=site().iri_space.data_base,  # the store's IRIs, not the public ones
    )
    answer = state.evaluator.evaluate(job)
    document = json.loads(answer.body)
    rows = [
        {
            name: Cell(binding["value"], binding["type"] == "uri")
            for name, binding in solution.items()
        }
        for solution in document["results"]["bindings"]
    ]
    return PageQuery(query, rows, answer.truncated)
