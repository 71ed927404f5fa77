"""Loading RDF files: graphs land where the conventions say, and bad files are named with a line."""

import json
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.errors import InputError
import kg.loading
from kg.loading import file_graph_name, load_dataset, load_file, load_store, named_graphs
from kg.namespaces import GRAPH, ONTOLOGY_GRAPH

FIXTURES = Path(__file__).parent / "fixtures"
LOADING = FIXTURES / "loading"
PROJECT = FIXTURES / "project"
ONTOLOGY = PROJECT / "ontology" / "tiny.ttl"
ESSOR = PROJECT / "data" / "essor-2021-09-30.trig"
TASS = PROJECT / "data" / "tass-2021-10-01.trig"


@pytest.fixture(autouse=True)
def _run_in_fixture_folder(monkeypatch):
    # Messages show paths relative to the working folder; run where they are short and known.
    monkeypatch.chdir(LOADING)


def _sizes(dataset) -> dict[str, int]:
    return {str(name): len(graph) for name, graph in named_graphs(dataset).items()}


def _error(path: Path, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        load_file(path, **kwargs)
    return str(caught.value)


def test_project_files_load_into_the_ontology_graph_and_one_graph_per_data_file():
    loaded = load_dataset([ONTOLOGY], [ESSOR, TASS])

    assert _sizes(loaded.dataset) == {
        str(ONTOLOGY_GRAPH): 12,
        str(GRAPH["essor-2021-09-30"]): 9,
        str(GRAPH["tass-2021-10-01"]): 6,
    }
    assert loaded.graph_files == {
        ONTOLOGY_GRAPH: (ONTOLOGY,),
        GRAPH["essor-2021-09-30"]: (ESSOR,),
        GRAPH["tass-2021-10-01"]: (TASS,),
    }


def test_several_ontology_files_merge_into_the_ontology_graph():
    loaded = load_dataset([ONTOLOGY, LOADING / "same_triples.ttl"], [])

    assert _sizes(loaded.dataset) == {str(ONTOLOGY_GRAPH): 16}
    assert loaded.graph_files == {ONTOLOGY_GRAPH: (ONTOLOGY, LOADING / "same_triples.ttl")}


def test_a_syntax_error_is_reported_at_its_line():
    # rdflib's own BadSyntax.lines says 8 here: it has already skipped ahead.
    assert _error(Path("broken_syntax_line_7.trig")) == (
        "broken_syntax_line_7.trig:7: bad syntax: expected '.' or '}' or ']' at end of statement"
    )


def test_a_syntax_error_after_accented_text_is_reported_at_its_line_by_both_parsers(monkeypatch):
    # rdflib keeps the text as UTF-8 bytes in its error but the position in characters: counted
    # in bytes, each accent before the error moved the line back (line 5 here, 19 lines in a
    # generated file of 50,000), while the build's pyoxigraph said the true line.
    path = Path("accented_then_broken_line_7.trig")
    assert _error(path) == (
        f"{path}:7: bad syntax: expected '.' or '}}' or ']' at end of statement"
    )
    monkeypatch.setattr(kg.loading, "_REPARSED_FOR_MESSAGE_BYTES", 0)
    with pytest.raises(InputError) as by_pyoxigraph:
        load_store([], [path])
    assert str(by_pyoxigraph.value).startswith(f"{path}:7: bad syntax: ")


def test_an_invalid_iri_that_rdflib_accepts_is_reported_at_its_line():
    assert _error(Path("invalid_iri_line_4.trig")) == (
        "invalid_iri_line_4.trig:4: bad syntax: Invalid IRI code point ' '"
    )


def test_an_ntriples_error_is_located_although_rdflib_gives_no_line():
    assert _error(Path("broken_line_2.nt")) == (
        "broken_line_2.nt:2: bad syntax: "
        "The object of a triple must be an IRI, a blank node or a literal"
    )


def test_rdfxml_and_jsonld_errors_are_reported_at_their_line():
    assert _error(Path("broken_line_3.rdf")) == "broken_line_3.rdf:4: bad syntax: mismatched tag"
    assert _error(Path("broken_line_3.jsonld")) == (
        "broken_line_3.jsonld:3: bad syntax: Expecting ':' delimiter"
    )


def test_bytes_that_are_not_utf8_are_reported_at_their_line():
    assert _error(Path("not_utf8_line_3.trig")) == (
        "not_utf8_line_3.trig:3: not valid UTF-8 (byte 0xe9)"
    )


def test_a_missing_file_and_an_unknown_suffix_are_input_errors():
    assert _error(Path("nowhere.trig")) == "nowhere.trig: no such file"
    assert _error(Path("unknown_suffix.txt")) == (
        "unknown_suffix.txt: unknown RDF file suffix '.txt' "
        "(known: .trig, .ttl, .nt, .nq, .jsonld, .rdf, .owl)"
    )


def test_a_path_outside_the_working_folder_is_shown_as_given(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    path = LOADING / "broken_syntax_line_7.trig"

    assert _error(path).startswith(f"{path}:7: bad syntax: ")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "default_graph_triples.trig",
            "default_graph_triples.trig: 2 triple(s) outside any named graph; "
            "a data file holds exactly one named graph",
        ),
        (
            "two_graphs.trig",
            "two_graphs.trig: holds 2 named graphs "
            "(<http://example.org/g1> <http://example.org/g2>); expected exactly one",
        ),
        ("no_triples.trig", "no_triples.trig: holds no triples"),
    ],
)
def test_a_data_file_must_hold_exactly_one_named_graph(name, message):
    with pytest.raises(InputError) as caught:
        load_dataset([], [Path(name)])

    assert str(caught.value) == message


def test_two_data_files_may_not_name_the_same_graph():
    with pytest.raises(InputError) as caught:
        load_dataset([], [ESSOR, Path("claims_essor_graph.trig")])

    assert str(caught.value) == (
        "claims_essor_graph.trig: graph <https://w3id.org/kg-mali/graph/essor-2021-09-30> "
        f"is already loaded from {ESSOR}"
    )


def test_an_ontology_file_may_not_name_its_own_graph():
    with pytest.raises(InputError) as caught:
        load_dataset([ESSOR], [])

    assert str(caught.value) == (
        f"{ESSOR}: an ontology file may not name a graph "
        "(<https://w3id.org/kg-mali/graph/essor-2021-09-30>)"
    )


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf"])
def test_a_triples_file_goes_into_the_graph_named_after_the_file(suffix):
    path = LOADING / f"same_triples{suffix}"

    graphs = named_graphs(load_file(path))

    assert list(graphs) == [URIRef(path.resolve().as_uri())] == [file_graph_name(path)]
    assert len(graphs[file_graph_name(path)]) == 4


@pytest.mark.parametrize("suffix", [".nt", ".nq", ".jsonld", ".rdf"])
def test_every_format_reads_the_same_triples(suffix):
    target = URIRef("http://example.org/graph")
    expected = load_file(LOADING / "same_triples.ttl", graph=target).graph(target)

    actual = load_file(LOADING / f"same_triples{suffix}", graph=target).graph(target)

    assert isomorphic(actual, expected)
    assert (URIRef("http://example.org/a"), None, Literal("a", lang="en")) in actual


def test_a_dataset_file_keeps_default_graph_triples_unless_told_where_they_go():
    target = URIRef("http://example.org/moved")

    kept = load_file(LOADING / "default_graph_triples.trig")
    moved = load_file(LOADING / "default_graph_triples.trig", graph=target)

    assert len(kept.default_graph) == 2
    assert _sizes(kept) == {"http://example.org/g": 1}
    assert len(moved.default_graph) == 0
    assert _sizes(moved) == {"http://example.org/g": 1, "http://example.org/moved": 2}


def test_an_ill_typed_literal_loads_its_checking_is_left_to_validation(caplog):
    graphs = named_graphs(load_file(LOADING / "ill_typed_literal.trig"))

    [graph] = graphs.values()
    assert isinstance(graph, Graph) and len(graph) == 1
    assert "Failed to convert Literal lexical form" in caplog.text


# ---------------------------------------------------------------------------------------------
# load_store, the build's loader: pyoxigraph, the same graphs and the same refusals


def _store_sizes(store) -> dict[str, int]:
    return {
        graph.value: sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        for graph in store.named_graphs()
    }


def test_the_store_loader_gives_the_graphs_the_dataset_loader_gives():
    for ontology, data in (([ONTOLOGY], [ESSOR, TASS]), ([ONTOLOGY, LOADING / "same_triples.ttl"], [])):
        by_store, by_dataset = load_store(ontology, data), load_dataset(ontology, data)

        assert _store_sizes(by_store.store) == _sizes(by_dataset.dataset)
        assert by_store.graph_files == by_dataset.graph_files


def _two_json_ld_files_saying_the_same_label(folder: Path) -> list[Path]:
    """Two files that both say "_:coopération": two nodes, as two Turtle files would have."""
    paths = []
    for source in ("a", "b"):
        path = folder / f"{source}.jsonld"
        path.write_text(json.dumps({
            "@id": f"http://example.org/graph/{source}",
            "@graph": [{"@id": "_:coopération", "http://example.org/source": source}],
        }), encoding="utf-8")
        paths.append(path)
    return paths


def test_the_store_loader_keeps_each_json_ld_files_blank_nodes_its_own(tmp_path):
    loaded = load_store([], _two_json_ld_files_saying_the_same_label(tmp_path))

    subjects = {
        quad.graph_name.value: quad.subject
        for quad in loaded.store.quads_for_pattern(None, None, None, None)
    }
    assert set(subjects) == {"http://example.org/graph/a", "http://example.org/graph/b"}
    assert all(isinstance(node, pyoxigraph.BlankNode) for node in subjects.values())
    assert subjects["http://example.org/graph/a"] != subjects["http://example.org/graph/b"]


def test_the_dataset_loader_keeps_each_json_ld_files_blank_nodes_its_own(tmp_path):
    loaded = load_dataset([], _two_json_ld_files_saying_the_same_label(tmp_path))

    subjects = {str(graph): s for s, _, _, graph in loaded.dataset.quads((None, None, None, None))}
    assert set(subjects) == {"http://example.org/graph/a", "http://example.org/graph/b"}
    assert subjects["http://example.org/graph/a"] != subjects["http://example.org/graph/b"]


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf", ".jsonld"])
def test_the_store_loader_reads_every_format(suffix):
    path = LOADING / f"same_triples{suffix}"

    if suffix == ".jsonld":  # its triples are in the default graph: refused, as by load_dataset
        with pytest.raises(InputError, match="4 triple\\(s\\) outside any named graph"):
            load_store([], [path])
        return
    loaded = load_store([], [path])

    assert _store_sizes(loaded.store) == {path.resolve().as_uri(): 4}


BAD_FILES = [
    "broken_line_2.nt", "broken_line_3.jsonld", "broken_line_3.rdf", "broken_syntax_line_7.trig",
    "default_graph_triples.trig", "invalid_iri_line_4.trig", "no_triples.trig",
    "not_utf8_line_3.trig", "same_triples.nq", "two_graphs.trig", "unknown_suffix.txt", "nowhere.trig",
]


@pytest.mark.parametrize("name", BAD_FILES)
def test_the_store_loader_refuses_a_bad_file_in_the_same_words(name):
    with pytest.raises(InputError) as by_dataset:
        load_dataset([], [Path(name)])
    with pytest.raises(InputError) as by_store:
        load_store([], [Path(name)])

    assert str(by_store.value) == str(by_dataset.value)


def test_the_store_loader_refuses_a_graph_named_twice_and_an_ontology_naming_one():
    with pytest.raises(InputError, match="is already loaded from"):
        load_store([], [ESSOR, Path("claims_essor_graph.trig")])
    with pytest.raises(InputError, match="an ontology file may not name a graph"):
        load_store([ESSOR], [])


def test_a_large_bad_file_is_located_by_pyoxigraph(tmp_path, monkeypatch):
    # Above the size rdflib reparses for its wording, pyoxigraph's message, with its line.
    monkeypatch.setattr(kg.loading, "_REPARSED_FOR_MESSAGE_BYTES", 0)
    path = tmp_path / "big.trig"
    path.write_text("<http://e/g> {\n<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> .\n}\n")

    with pytest.raises(InputError) as caught:
        load_store([], [path])

    assert str(caught.value).startswith(f"{path}:3: bad syntax: ")
