"""Dumps: listed with sizes and SHA-256, written alike by `kg export --dumps`, and lossless."""

import hashlib
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib.compare import isomorphic

from kg.cli import main
from kg.dumps import DUMP_FORMATS, PARTS
from pages import RDFLIB_FORMATS, parse_html, text_of

QUAD_FORMATS = {"nquads", "trig", "jsonld"}


def _dataset(quads: list[pyoxigraph.Quad]) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(
        data=pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS), format="nquads"
    )
    return dataset


def _named_graphs(dataset: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    return {
        str(g.identifier): g
        for g in dataset.graphs()
        if len(g) and "urn:x-rdflib:default" not in str(g.identifier)
    }


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.name)
def test_each_dump_reimports_isomorphic_to_its_graphs(
    shared_client: FlaskClient,
    built_store: pyoxigraph.Store,
    part,
    fmt,  # type: ignore[no-untyped-def]
) -> None:
    [entry] = [
        d
        for d in shared_client.get("/dumps.json").json["dumps"]
        if (d["part"], d["format"]) == (part.name, fmt.label)
    ]
    response = shared_client.get(entry["url"])
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    data = response.data
    assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"])
    expected = _dataset([q for q in built_store if part.holds(q)])
    reimported = rdflib.Dataset()
    reimported.parse(data=data, format=RDFLIB_FORMATS[fmt.media_type])
    if fmt.name in QUAD_FORMATS:
        graphs, got = _named_graphs(expected), _named_graphs(reimported)
        assert sorted(got) == sorted(graphs) == entry["graphs"]
        for name, graph in graphs.items():
            assert isomorphic(got[name], graph), name
    else:
        merged = rdflib.Graph()
        for graph in _named_graphs(expected).values():
            merged += graph
        assert isomorphic(reimported.default_context, merged)


def test_the_parts_split_the_dataset(
    shared_client: FlaskClient, built_store: pyoxigraph.Store
) -> None:
    listing = shared_client.get("/dumps.json").json["dumps"]
    graphs = {d["part"]: set(d["graphs"]) for d in listing if d["format"] == "N-Quads"}
    base = "https://w3id.org/kg-mali/graph/"
    assert graphs["inferred"] == {base + "inferred", base + "derived"}
    assert (
        base + "ontology" in graphs["asserted"]
        and base + "essor-2022-01-21-mali-russie" in graphs["asserted"]
    )
    all_graphs = {g.value for g in built_store.named_graphs()}
    assert graphs["asserted"] | graphs["inferred"] == all_graphs


def test_kg_export_dumps_writes_the_same_files(shared_client: FlaskClient, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--dumps", str(tmp_path / "dumps")])
    assert result.exit_code == 0, result.output
    listing = shared_client.get("/dumps.json").json["dumps"]
    assert len(listing) == len(PARTS) * len(DUMP_FORMATS) == 10
    for entry in listing:
        assert (tmp_path / "dumps" / entry["file"]).read_bytes() == shared_client.get(
            entry["url"]
        ).data
    sums = (tmp_path / "dumps" / "SHA256SUMS").read_text(encoding="utf-8")
    assert sums == shared_client.get("/dumps/SHA256SUMS").get_data(as_text=True)


def test_kg_export_dumps_refuses_an_output_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["export", "--dumps", str(tmp_path), "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 2


def test_the_dumps_page_lists_sizes_and_checksums(shared_client: FlaskClient) -> None:
    response = shared_client.get("/dumps", headers={"Accept": "text/html"})
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8")
    text = text_of(parse_html(response.data).find(".//main"))
    for entry in shared_client.get("/dumps.json").json["dumps"]:
        assert entry["file"] in text and entry["sha256"] in text and f"{entry['bytes']:,}" in text


def test_a_dump_is_conditional_on_its_checksum(shared_client: FlaskClient) -> None:
    first = shared_client.get("/dumps/kg-mali-asserted.nq")
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.data).hexdigest()}"'
    again = shared_client.get(
        "/dumps/kg-mali-asserted.nq", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert shared_client.get("/dumps/nothing.nq").status_code == 404
