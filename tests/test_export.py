"""Exporting the dataset: every format re-reads to the same graphs, in a stable order."""

import io
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.errors import UnsupportedFormat
from kg.export import EXPORT_FORMATS, FLATTENING_FORMATS, export_dataset
from kg.loading import LoadedDataset, load_dataset, named_graphs
from kg.terms import store_from_dataset

PROJECT = Path(__file__).parent / "fixtures" / "project"
RDFLIB_FORMATS = {
    "trig": "trig",
    "nquads": "nquads",
    "jsonld": "json-ld",
    "turtle": "turtle",
    "ntriples": "nt",
    "rdfxml": "xml",
}


@pytest.fixture(scope="module")
def loaded() -> LoadedDataset:
    return load_dataset(sorted((PROJECT / "ontology").glob("*.ttl")),
                        sorted((PROJECT / "data").glob("*.trig")))


@pytest.fixture(scope="module")
def store(loaded):
    return store_from_dataset(loaded.dataset)


def _export(source, fmt: str) -> bytes:
    out = io.BytesIO()
    export_dataset(source, fmt, out)
    return out.getvalue()


def _merged(dataset: Dataset) -> Graph:
    merged = Graph()
    for graph in named_graphs(dataset).values():
        merged += graph
    return merged


def test_every_export_format_has_an_rdflib_reader():
    assert set(RDFLIB_FORMATS) == set(EXPORT_FORMATS)


@pytest.mark.parametrize("fmt", sorted(set(EXPORT_FORMATS) - FLATTENING_FORMATS))
def test_a_dataset_format_re_reads_to_the_same_graphs(loaded, store, fmt):
    reread = Dataset()
    reread.parse(data=_export(store, fmt), format=RDFLIB_FORMATS[fmt])

    expected, actual = named_graphs(loaded.dataset), named_graphs(reread)
    assert sorted(actual) == sorted(expected)
    for name, graph in expected.items():
        assert isomorphic(actual[name], graph), name
    assert len(reread.default_graph) == 0


@pytest.mark.parametrize("fmt", sorted(FLATTENING_FORMATS))
def test_a_triples_format_re_reads_to_all_graphs_merged(loaded, store, fmt):
    reread = Graph()
    reread.parse(data=_export(store, fmt), format=RDFLIB_FORMATS[fmt])

    # 27 statements, of which two repeat a triple of another graph.
    assert len(reread) == 25
    assert isomorphic(reread, _merged(loaded.dataset))


def test_an_rdflib_dataset_exports_like_its_store(loaded, store):
    from_dataset = Dataset()
    from_dataset.parse(data=_export(loaded.dataset, "nquads"), format="nquads")
    from_store = Dataset()
    from_store.parse(data=_export(store, "nquads"), format="nquads")

    for name, graph in named_graphs(from_store).items():
        assert isomorphic(named_graphs(from_dataset)[name], graph)


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_the_same_store_exports_to_the_same_bytes(store, fmt):
    assert _export(store, fmt) == _export(store, fmt)


@pytest.mark.parametrize("fmt", ["nquads", "ntriples"])
def test_line_formats_are_sorted_without_duplicates(store, fmt):
    lines = _export(store, fmt).splitlines()

    assert lines == sorted(set(lines))
    assert len(lines) == (27 if fmt == "nquads" else 25)


def test_trig_writes_each_graph_once_with_prefixes(store):
    text = _export(store, "trig").decode("utf-8")

    assert text.startswith("@prefix ")
    assert [line for line in text.splitlines() if line.endswith("{")] == [
        "graph:essor-2021-09-30 {",
        "graph:ontology {",
        "graph:tass-2021-10-01 {",
    ]


def test_an_unknown_format_is_refused(store):
    with pytest.raises(UnsupportedFormat) as caught:
        _export(store, "csv")

    assert str(caught.value) == (
        "unknown export format 'csv'; use one of trig, nquads, jsonld, turtle, ntriples, rdfxml"
    )
