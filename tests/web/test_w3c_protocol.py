"""The W3C SPARQL 1.1 Protocol test manifest, replayed against the app.

The suite lives beside the project, in ../shared/w3c/sparql11-protocol (manifest.ttl, data1-3.nt).
Its data files are loaded as the named graphs the tests name; its `/sparql/` paths become ours.
Query and bad-request tests must pass as written. The update tests expect a writable store: this
endpoint is read-only, so their update request must be answered 403, and the query that follows
must see the data unchanged.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from werkzeug.test import TestResponse

SUITE = Path(__file__).resolve().parents[2] / ".." / "shared" / "w3c" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

pytestmark = pytest.mark.skipif(
    not (SUITE / "manifest.ttl").is_file(),
    reason=f"the W3C SPARQL 1.1 Protocol suite is not at {SUITE} (it comes with shared/)",
)

RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[range]
    boolean: bool | None
    result_format: str | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    exchanges: tuple[Exchange, ...]

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _manifest() -> tuple[list[ProtocolTest], dict[str, Path]]:
    if not (SUITE / "manifest.ttl").is_file():
        return [], {}
    graph = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = [_test(graph, entry) for entry in Collection(graph, graph.value(manifest, MF.entries))]
    data = {
        str(graph.value(item, RDFS.label)): SUITE / Path(str(graph.value(item, UT.graph))).name
        for item in graph.objects(None, UT.graphData)
    }
    return tests, data


def _test(graph: Graph, entry: URIRef) -> ProtocolTest:
    action = graph.value(entry, MF.action)
    requests = Collection(graph, graph.value(action, HT.requests))
    return ProtocolTest(str(entry).rsplit("#", 1)[1], tuple(_exchange(graph, r) for r in requests))


def _exchange(graph: Graph, request: URIRef) -> Exchange:
    headers_list = graph.value(request, HT.headers)
    headers = {
        str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
        for h in (Collection(graph, headers_list) if headers_list else [])
    }
    body_node = graph.value(request, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(request, HT.resp)
    codes = {
        HTS.StatusCode2xx: range(200, 300),
        HTS.StatusCode3xx: range(300, 400),
        HTS.StatusCode4xx: range(400, 500),
        HTS.StatusCode5xx: range(500, 600),
    }
    boolean = graph.value(response, MF.expectedBoolean)
    result_format = graph.value(response, MF.expectedFormat)
    return Exchange(
        method=str(graph.value(request, HT.methodName)),
        path=str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
        headers=headers,
        body=body,
        statuses=frozenset(codes[s] for s in graph.objects(response, MF.expectedStatus)),
        boolean=None if boolean is None else boolean.toPython(),
        result_format=None if result_format is None else str(result_format),
    )


TESTS, DATA = _manifest()


@pytest.fixture(scope="module")
def suite_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite's N-Triples files as one N-Quads file, each in the graph its label names."""
    lines = []
    for graph_name, path in sorted(DATA.items()):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(f"{line.rstrip().removesuffix('.').rstrip()} <{graph_name}> .")
    path = tmp_path_factory.mktemp("w3c") / "protocol.nq"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def app(make_app: Callable[..., Flask], suite_data: Path) -> Flask:
    return make_app(data=(suite_data,))


def test_the_manifest_has_what_we_replay() -> None:
    assert len(TESTS) == 34
    assert sum(t.is_update for t in TESTS) == 7
    assert len(DATA) == 3


@pytest.mark.parametrize("test", [t for t in TESTS if not t.is_update], ids=lambda t: t.name)
def test_query_and_bad_request(app: Flask, test: ProtocolTest) -> None:
    client = app.test_client()
    for exchange in test.exchanges:
        response = _send(client, exchange)
        assert any(response.status_code in r for r in exchange.statuses), (
            response.status_code,
            response.get_data(as_text=True),
        )
        _check_result(response, exchange)


@pytest.mark.parametrize("test", [t for t in TESTS if t.is_update], ids=lambda t: t.name)
def test_update_is_refused(app: Flask, test: ProtocolTest) -> None:
    client = app.test_client()
    update, *checks = test.exchanges
    response = _send(client, update)
    assert response.status_code == 403
    assert response.get_json()["error"]["message"].startswith("this endpoint is read-only")
    for check in checks:
        # The follow-up ASK expects the update's effect; the data is unchanged, so it is false.
        response = _send(client, check)
        assert (response.status_code, response.get_json()["boolean"]) == (200, False)


def _send(client: FlaskClient, exchange: Exchange) -> TestResponse:
    return client.open(
        exchange.path, method=exchange.method, headers=exchange.headers, data=exchange.body
    )


def _check_result(response: TestResponse, exchange: Exchange) -> None:
    if exchange.result_format is not None:
        assert response.mimetype in RESULT_TYPES[exchange.result_format]
    if exchange.boolean is not None:
        assert response.mimetype == "application/sparql-results+json"
        assert json.loads(response.get_data())["boolean"] is exchange.boolean
