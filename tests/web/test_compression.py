"""gzip on request: large answers shrink, small ones and HEADs do not, ETags and 304s stay right."""

import gzip
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import Client
from werkzeug.wrappers import Response

from kg.web.compression import MIN_SIZE, Compression

EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
ASK = "ASK { ?s ?p ?o }"
GZIP = {"Accept-Encoding": "gzip, deflate"}


def _sparql(client: FlaskClient, query: str, **headers: str) -> Any:
    return client.get("/sparql", query_string={"query": query}, headers=headers)


def _vary(response: Any) -> list[str]:
    return [part.strip() for part in response.headers.get("Vary", "").split(",") if part.strip()]


def test_a_large_answer_is_gzipped_for_a_client_that_accepts_it(client: FlaskClient) -> None:
    plain = _sparql(client, EVERYTHING, Accept="application/n-triples")
    zipped = _sparql(client, EVERYTHING, Accept="application/n-triples", **GZIP)
    assert len(plain.data) >= MIN_SIZE
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    # Both say what they depend on, compressed or not.
    assert _vary(plain) == _vary(zipped) == ["Accept", "Accept-Encoding"]


def test_a_replayed_answer_is_gzipped_too(client: FlaskClient) -> None:
    first = _sparql(client, EVERYTHING, **GZIP)
    again = _sparql(client, EVERYTHING, **GZIP)
    assert (first.headers["Cache-Status"], again.headers["Cache-Status"]) == (
        "kg; fwd=miss; stored",
        "kg; hit",
    )
    assert again.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(again.data) == gzip.decompress(first.data)


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [("gzip", True), ("*", True), ("br;q=1, gzip;q=0.5", True), ("gzip;q=0", False),
     ("identity", False), ("deflate", False)],
)
def test_gzip_only_when_accepted(client: FlaskClient, accept_encoding: str, gzipped: bool) -> None:
    response = _sparql(client, EVERYTHING, **{"Accept-Encoding": accept_encoding})
    assert (response.status_code, response.headers.get("Content-Encoding")) == (
        200,
        "gzip" if gzipped else None,
    )


def test_a_small_answer_goes_as_it_is(client: FlaskClient) -> None:
    response = _sparql(client, ASK, **GZIP)
    assert (response.get_json(), response.headers.get("Content-Encoding")) == (
        {"head": {}, "boolean": True},
        None,
    )
    assert _vary(response) == ["Accept", "Accept-Encoding"]


def test_head_is_not_gzipped(client: FlaskClient) -> None:
    response = client.head("/sparql", query_string={"query": EVERYTHING}, headers=GZIP)
    assert (response.status_code, response.headers.get("Content-Encoding"), response.data) == (
        200,
        None,
        b"",
    )


@pytest.mark.parametrize("cache_bytes", [64 * 2**20, 0], ids=["kept answer", "evaluation"])
@pytest.mark.parametrize("encoding", [GZIP, {}], ids=["gzipped", "plain"])
def test_a_client_holding_either_answer_gets_304_with_its_etag(
    make_app: Callable[..., Flask], encoding: dict[str, str], cache_bytes: int
) -> None:
    client = make_app(answer_cache_bytes=cache_bytes).test_client()
    held = _sparql(client, EVERYTHING, **encoding)
    check = _sparql(client, EVERYTHING, **encoding, **{"If-None-Match": held.headers["ETag"]})
    assert (check.status_code, check.data, check.headers["ETag"]) == (
        304,
        b"",
        held.headers["ETag"],
    )
    assert _vary(check) == _vary(held) == ["Accept", "Accept-Encoding"]


def test_a_gzipped_dump_unpacks_to_its_published_checksum(client: FlaskClient) -> None:
    sums = dict(
        reversed(line.split("  "))
        for line in client.get("/dumps/SHA256SUMS").get_data(as_text=True).splitlines()
    )
    name = "kg-mali-asserted.nq"
    response = client.get(f"/dumps/{name}", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert hashlib.sha256(gzip.decompress(response.data)).hexdigest() == sums[name]


def _png(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    return Response(b"\x89PNG" + b"\0" * 4000, 200, content_type="image/png")(
        environ, start_response
    )


def test_a_compressed_type_is_left_alone() -> None:
    response = Client(Compression(_png)).get("/shot.png", headers=GZIP)
    assert (response.headers.get("Content-Encoding"), len(response.data)) == (None, 4004)


def test_the_same_answer_is_compressed_once(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = gzip.compress

    def counting(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        calls.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(gzip, "compress", counting)
    answers = [_sparql(client, EVERYTHING, **GZIP).data for _ in range(3)]
    assert len(set(answers)) == 1 and len(calls) == 1
