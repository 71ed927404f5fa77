"""`kg push`: every named graph of the build to a SPARQL 1.1 Graph Store, then the counts checked.

One PUT per graph (`?graph=IRI`, an N-Triples body): each graph is replaced whole, so pushing
again converges. Besides the build's graphs, their RDF merge goes to MERGED_GRAPH: `kg serve
--store` queries it as the default graph (kg's default graph is the merge of the named graphs,
and neither Oxigraph's union default graph nor Virtuoso's all-graphs default is a merge).
kg's graphs on the store that the build no longer has are deleted (else `kg serve --store` would
go on serving them); graphs outside kg's namespace are the store's other data and left alone.
"""

import time
from collections.abc import Callable, Collection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph

from kg.errors import KgError
from kg.namespaces import GRAPH
from kg.remote_http import RemoteClient, RemoteFailed

MERGED_GRAPH = "urn:x-kg:merged-default-graph"
_PUT_TIMEOUT = 600.0


class CountsDiffer(KgError):
    """The store holds other counts than the build after the push."""

    exit_code = 1


def query_url_for(graph_store_url: str) -> str:
    """The query endpoint beside a Graph Store endpoint, as Oxigraph, Fuseki and Virtuoso lay them out."""
    parts = urlsplit(graph_store_url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    if last == "store":  # Oxigraph: /store and /query
        path = head + "/query"
    elif last.startswith("sparql-graph-crud"):  # Virtuoso: /sparql-graph-crud[-auth] and /sparql
        path = head + "/sparql"
    elif last == "data":  # Fuseki: /ds/data and /ds/query
        path = head + "/query"
    else:
        raise KgError(f"{graph_store_url}: cannot tell its query endpoint; give --query-url")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def graphs_of(dataset: Path) -> dict[str, list[pyoxigraph.Triple]]:
    """The build's triples by named graph, and their merge under MERGED_GRAPH."""
    graphs: dict[str, list[pyoxigraph.Triple]] = {}
    merged: set[pyoxigraph.Triple] = set()
    for quad in pyoxigraph.parse(path=str(dataset), format=pyoxigraph.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, pyoxigraph.NamedNode):
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
            merged.add(quad.triple)
    graphs[MERGED_GRAPH] = sorted(merged, key=str)
    return graphs


def push(
    dataset: Path, graph_store_url: str, query_url: str | None, report: Callable[[str], None],
    client: RemoteClient | None = None,
) -> dict[str, int]:
    """PUT every graph, DELETE kg's graphs the build no longer has, then COUNT each graph through
    the query endpoint; CountsDiffer if one differs or a deleted graph is still there."""
    client = client or RemoteClient()
    query_url = query_url or query_url_for(graph_store_url)
    graphs = graphs_of(dataset)
    for name, triples in graphs.items():
        started = time.perf_counter()
        body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        write_graph(client, "PUT", graph_store_url, name, body)
        report(f"{name}  {len(triples)} triples  {time.perf_counter() - started:.2f} s")
    stale = stale_graphs(client, query_url, graphs)
    for name in stale:
        write_graph(client, "DELETE", graph_store_url, name)
    if stale:
        noun = "graph" if len(stale) == 1 else "graphs"
        report(f"removed {len(stale)} {noun} no longer in the build: {', '.join(stale)}")
    counts = {name: remote_count(client, query_url, name) for name in graphs}
    wrong = [f"{n}: {counts[n]} in the store, {len(t)} in the build"
             for n, t in graphs.items() if counts[n] != len(t)]
    wrong += [f"{n}: still in the store, no longer in the build"
              for n in stale_graphs(client, query_url, graphs)]
    if wrong:
        raise CountsDiffer("the counts differ after the push: " + "; ".join(wrong))
    return counts


def write_graph(
    client: RemoteClient, method: str, graph_store_url: str, graph: str, body: bytes | None = None
) -> None:
    """PUT or DELETE one graph; a 403 told as what it means: this URL refuses writes."""
    headers = {"Content-Type": "application/n-triples"} if body is not None else None
    try:
        client.request(method, graph_store_url, params={"graph": graph}, data=body, headers=headers,
                       timeout=_PUT_TIMEOUT)
    except RemoteFailed as err:
        if err.status != 403:
            raise
        message = f"{graph_store_url}: 403 Forbidden: this Graph Store URL refuses writes"
        if urlsplit(graph_store_url).path.rstrip("/").endswith("/sparql-graph-crud"):
            message += f"; Virtuoso takes them at {graph_store_url.rstrip('/')}-auth, with credentials"
        elif err.remote_message:
            message += f": {err.remote_message}"
        raise RemoteFailed(message, 403, err.remote_message) from None


def stale_graphs(client: RemoteClient, query_url: str, graphs: Collection[str]) -> list[str]:
    """kg's graphs on the store that are not in `graphs`."""
    return sorted(set(kg_graphs_on_store(client, query_url, 60.0)) - set(graphs))


def kg_graphs_on_store(client: RemoteClient, query_url: str, timeout: float) -> list[str]:
    """kg's graphs the store holds, sorted: those under its graph namespace, and its merge."""
    text = (
        f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} '
        f'FILTER(STRSTARTS(STR(?g), "{GRAPH}") || ?g = <{MERGED_GRAPH}>) }}'
    )
    response = client.request(
        "POST", query_url, data={"query": text}, timeout=timeout,
        headers={"Accept": "application/sparql-results+json"},
    )
    return sorted(b["g"]["value"] for b in response.json()["results"]["bindings"])


def remote_count(client: RemoteClient, query_url: str, graph: str) -> int:
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = client.request(
        "POST", query_url, data={"query": text}, timeout=60.0,
        headers={"Accept": "application/sparql-results+json"},
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])
