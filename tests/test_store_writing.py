"""The build's on-disk store (kg.build_cache.write_store): the named graphs, and their merge."""

from pathlib import Path

import pyoxigraph
import pytest

import kg.build_cache
from kg.errors import KgError
from kg.build_cache import write_store

EX = "http://example.org/"
# Mali is a state in both graphs; Russia in one.
NAMED = (
    f"<{EX}mali> <{EX}type> <{EX}State> <{EX}a> .\n"
    f"<{EX}mali> <{EX}type> <{EX}State> <{EX}b> .\n"
    f"<{EX}russia> <{EX}type> <{EX}State> <{EX}b> .\n"
).encode()
MERGE_A = f"<{EX}mali> <{EX}type> <{EX}State> .\n".encode()
MERGE_B = f"<{EX}mali> <{EX}type> <{EX}State> .\n<{EX}russia> <{EX}type> <{EX}State> .\n".encode()
# A blank node in a named graph, and so in the merge.
WITH_BLANK = f"_:deal <{EX}supplier> <{EX}russia> <{EX}a> .\n".encode()
MERGE_BLANK = f"_:deal <{EX}supplier> <{EX}russia> .\n".encode()


def quads(path: Path) -> set[str]:
    store = pyoxigraph.Store.read_only(str(path))
    return {str(quad) for quad in store}


def test_a_store_loaded_line_by_line_holds_the_named_graphs_and_each_merged_triple_once(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(kg.build_cache, "LOAD_PIECE_BYTES", 1)  # one piece a line

    name = write_store(tmp_path, "0" * 64, NAMED, iter([MERGE_A, MERGE_B]))

    assert quads(tmp_path / name) == {
        f"<{EX}mali> <{EX}type> <{EX}State> <{EX}a>",
        f"<{EX}mali> <{EX}type> <{EX}State> <{EX}b>",
        f"<{EX}russia> <{EX}type> <{EX}State> <{EX}b>",
        f"<{EX}mali> <{EX}type> <{EX}State>",
        f"<{EX}russia> <{EX}type> <{EX}State>",
    }
    assert list(tmp_path.glob(".*")) == []


def test_a_blank_node_of_a_named_graph_is_the_same_node_in_the_merge(tmp_path, monkeypatch):
    monkeypatch.setattr(kg.build_cache, "LOAD_PIECE_BYTES", 1)

    name = write_store(tmp_path, "0" * 64, WITH_BLANK, iter([MERGE_BLANK]))

    store = pyoxigraph.Store.read_only(str(tmp_path / name))
    rows = list(store.query(
        f"SELECT ?deal WHERE {{ GRAPH <{EX}a> {{ ?deal <{EX}supplier> ?s }} ?deal <{EX}supplier> ?s }}"
    ))
    assert [str(row["deal"]) for row in rows] == ["_:deal"]
    assert len(store) == 2


def test_a_load_that_fails_leaves_no_store_and_says_why(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.build_cache, "LOAD_PIECE_BYTES", 1)
    monkeypatch.setattr(pyoxigraph.Store, "bulk_load", full, raising=False)

    with pytest.raises(KgError, match=r": cannot write the store: No space left on device$"):
        write_store(tmp_path, "0" * 64, NAMED, iter([MERGE_A]))
    assert list(tmp_path.iterdir()) == []
