"""The read side of a pyoxigraph Store, answered by a remote SPARQL endpoint.

What the resource pages, dumps, VoID and statistics ask of a store (quads_for_pattern, iteration,
the named graphs, query) sent as SPARQL to the store that `kg push` filled. Its named graphs are
the build's (those under the graph namespace), so the engine's own graphs never show; its default
graph is empty, as the local store's is (the merge is only a query's default graph).
Blank nodes cannot be looked up by label across requests; the build has none.

A store may cut an answer at a row limit of its own (Virtuoso's ResultSetMaxRows, 10,000 in
Debian's stock virtuoso.ini) and still answer 200; Virtuoso then says so in X-SPARQL-MaxRows.
A page, dump or VoID made from a cut answer would be wrong without a sign of it: the answer is
refused instead (503, StoreRowLimit).

What a store's failure tells the client (for_the_client) never names the store's URL, which may
be an internal address: the full error goes to the log.
"""

import logging
from collections.abc import Iterator, Mapping

import pyoxigraph
from pyoxigraph import NamedNode, Quad

import requests

from kg.errors import KgError
from kg.push import MERGED_GRAPH
from kg.remote_http import RemoteClient, RemoteFailed, RemoteUnreachable

EMPTY_GRAPH = "urn:x-kg:empty"
# Sent by Virtuoso when an answer reached ResultSetMaxRows (the limit is its value).
ROW_LIMIT_HEADER = "X-SPARQL-MaxRows"
_TIMEOUT = 120.0

log = logging.getLogger(__name__)


class StoreRowLimit(KgError):
    """The store stopped an answer at a row limit of its own: what it sent may be incomplete."""

    http_status = 503

    def __init__(self, limit: int, needed: str) -> None:
        super().__init__(
            f"the store stopped this answer at its own row limit of {limit} rows (Virtuoso: "
            f"ResultSetMaxRows in the [SPARQL] section of virtuoso.ini), so it may be incomplete "
            f"and is not served; raise that limit to {needed} or more"
        )
        self.limit = limit


def store_row_limit(response: requests.Response) -> int | None:
    """The store's row limit if it says this answer reached it, else None."""
    value = response.headers.get(ROW_LIMIT_HEADER, "").strip()
    return int(value) if value.isdigit() else None


def for_the_client(error: RemoteFailed | RemoteUnreachable) -> RemoteFailed | RemoteUnreachable:
    """The same failure in one line without the store's URL; the full error is logged."""
    log.warning("remote store: %s", error)
    if isinstance(error, RemoteFailed):
        return RemoteFailed(
            f"the SPARQL store behind this endpoint failed to answer (HTTP {error.status}); retry later",
            error.status, error.remote_message,
        )
    why = unreachable_reason(error.__cause__)
    return RemoteUnreachable(f"the SPARQL store behind this endpoint cannot be reached ({why}); retry later")


def unreachable_reason(cause: BaseException | None) -> str:
    """What went wrong in a few words, from the requests exception under a RemoteUnreachable."""
    if isinstance(cause, requests.ConnectTimeout):
        return "no connection within its time limit"
    text = str(cause)
    for clue, why in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "unknown host name"),
        ("Failed to resolve", "unknown host name"),
        ("No route to host", "no route to host"),
        ("Connection reset", "connection reset"),
        ("certificate", "its TLS certificate was refused"),
    ):
        if clue in text:
            return why
    if cause is None:
        return "it refused kg's credentials, or ~/.netrc has none for it"  # the 401s have no cause
    return type(cause).__name__


class RemoteStore:
    """A read-only, duck-typed stand-in for pyoxigraph.Store over a SPARQL query URL."""

    def __init__(self, query_url: str, named_graphs: tuple[str, ...], client: RemoteClient | None = None) -> None:
        self._url = query_url
        self._graphs = named_graphs
        self._client = client or RemoteClient()

    def named_graphs(self) -> Iterator[NamedNode]:
        return (NamedNode(g) for g in self._graphs)

    def contains_named_graph(self, name: NamedNode) -> bool:
        return name.value in self._graphs

    def __iter__(self) -> Iterator[Quad]:
        return self.quads_for_pattern(None, None, None, None)

    def quads_for_pattern(
        self, subject: object, predicate: object, object_: object, graph_name: object = None
    ) -> Iterator[Quad]:
        """The quads of the build's named graphs matching the pattern (None: any)."""
        terms = {"s": subject, "p": predicate, "o": object_}
        pattern = " ".join(str(t) if t is not None else f"?{v}" for v, t in terms.items())
        graph = str(graph_name) if graph_name is not None else "?g"
        text = f"SELECT * WHERE {{ GRAPH {graph} {{ {pattern} }} }}"
        for row in self._select(text, default_graph=False):
            yield Quad(
                subject if subject is not None else row["s"],  # type: ignore[arg-type]
                predicate if predicate is not None else row["p"],  # type: ignore[arg-type]
                object_ if object_ is not None else row["o"],  # type: ignore[arg-type]
                graph_name if graph_name is not None else row["g"],  # type: ignore[arg-type]
            )

    def query(
        self, text: str, *, use_default_graph_as_union: bool = False,
        prefixes: Mapping[str, str] | None = None, substitutions: object = None, **_: object,
    ) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
        """A SELECT or ASK; the default graph is the merge with `use_default_graph_as_union`, else empty."""
        if substitutions:
            raise NotImplementedError("substitutions are not sent to a remote store")
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        return self._select(prologue + text, default_graph=use_default_graph_as_union)

    def _select(self, text: str, *, default_graph: bool) -> pyoxigraph.QuerySolutions:
        form = {
            "query": text,
            "default-graph-uri": [MERGED_GRAPH if default_graph else EMPTY_GRAPH],
            "named-graph-uri": list(self._graphs) or [EMPTY_GRAPH],
        }
        try:
            response = self._client.request(
                "POST", self._url, data=form, timeout=_TIMEOUT,
                headers={"Accept": "application/sparql-results+json"},
            )
        except (RemoteFailed, RemoteUnreachable) as err:
            raise for_the_client(err) from err
        limit = store_row_limit(response)
        if limit is not None:
            raise StoreRowLimit(limit, "the number of quads pushed (kg push counts them)")
        return pyoxigraph.parse_query_results(  # type: ignore[return-value]
            response.content, format=pyoxigraph.QueryResultsFormat.JSON
        )
