"""`kg build`: what it writes, when it reuses a build, and that failures keep the last good one."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

import kg.build
import kg.build_cache
import kg.validation_report
import kg.web.serving
from kg.build import (
    DERIVE,
    LOAD,
    REASON,
    STAGES,
    VALIDATE,
    WRITE,
    BuildOptions,
    build,
    open_build,
)
from kg.build_cache import (
    DATASET_FILE, MANIFEST_FILE, input_files, output_location, pipeline_sources, read_manifest,
)
from kg.cli import main
from kg.dataset import build_store, open_dataset_store
from kg.errors import BuildFailed, InputError, KgError
from kg.namespaces import DERIVED_GRAPH, GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, RDFS

ROOT = Path(__file__).resolve().parents[1]
GRAPHS = {
    str(ONTOLOGY_GRAPH), str(GRAPH["essor-2022-01-21-mali-russie"]), str(GRAPH["background"]),
    str(GRAPH["curation"]),
    str(INFERRED_GRAPH), str(DERIVED_GRAPH),
}
# A state with none of the labels, evidence or source the shapes require of every fact.
UNSOURCED = """
@prefix kgo: <https://w3id.org/kg-mali/ontology#> .
<https://w3id.org/kg-mali/graph/extra> { <https://w3id.org/kg-mali/id/state/atlantis> a kgo:State . }
"""
# A person who is also a ministry: kgo:Person is disjoint with kgo:Organisation.
INCONSISTENT = """
@prefix kgo: <https://w3id.org/kg-mali/ontology#> .
<https://w3id.org/kg-mali/graph/extra> { <https://w3id.org/kg-mali/id/person/abdoulaye-diop> a kgo:Ministry . }
"""


def project(root: Path, *, shapes: bool = False) -> Path:
    """A copy of the project's inputs; the shapes only when a test is about validation."""
    for folder in ("ontology", "data", "rules", *(("shapes",) if shapes else ())):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    return project(tmp_path / "project")


def snapshot(root: Path) -> dict[str, bytes]:
    return {name: (root / "build" / name).read_bytes() for name in (DATASET_FILE, MANIFEST_FILE)}


def build_entries(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "build").iterdir())


def current_store(root: Path) -> str:
    return read_manifest(root / "build")["store"]["path"]


def current_index(root: Path) -> str:
    """The build's search index (kg.search_index), beside its store."""
    return read_manifest(root / "build")["search"]["path"]


def no_reasoning_allowed(*args, **kwargs):
    raise AssertionError("reasoned although nothing changed")


def test_a_build_writes_every_graph_and_a_manifest(tmp_path):
    root = project(tmp_path, shapes=True)

    result = build(root)

    store = build_store(result)
    names = {g.value for g in store.named_graphs()}
    assert names == GRAPHS
    assert len(list(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))) == 0
    manifest = json.loads((root / "build" / MANIFEST_FILE).read_text())
    assert manifest == result.manifest
    assert re.fullmatch("[0-9a-f]{64}", manifest["key"])
    assert manifest["options"] == {"reasoner": "fast", "validate": True}
    assert [(f["role"], f["path"]) for f in manifest["inputs"]] == [
        ("ontology", "ontology/kg.ttl"),
        ("data", "data/background.trig"), ("data", "data/curation.trig"),
        ("data", "data/essor-2022-01-21-mali-russie.trig"),
        ("rules", "rules/date-precision.rq"), ("rules", "rules/regime-in-power-of-events.rq"),
        ("rules", "rules/regime-in-power-of-transfers.rq"),
        *(("shapes", f"shapes/{p.name}") for p in sorted((ROOT / "shapes").glob("*.ttl"))),
    ]
    for entry in manifest["inputs"]:
        assert entry["sha256"] == hashlib.sha256((root / entry["path"]).read_bytes()).hexdigest()
    assert manifest["graphs"] == {
        g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()
    }
    assert manifest["dataset"]["sha256"] == hashlib.sha256((root / "build" / DATASET_FILE).read_bytes()).hexdigest()
    assert manifest["rules"] == {
        "date-precision": 56, "regime-in-power-of-events": 42, "regime-in-power-of-transfers": 9,
    }
    assert set(manifest["timings"]) == {*STAGES, "total"}
    assert {"rdflib", "owlrl", "pyoxigraph", "pyshacl"} <= set(manifest["versions"])


def reasoning_waits_for_the_files_graphs(monkeypatch) -> list[str]:
    """Make reasoning wait until the store's writer has taken every graph the files gave (it
    would wait forever for a writer that waited for reasoning); the texts written, as
    "format graph", in order."""
    written: list[str] = []
    taken = threading.Event()
    real_texts, real_reason = kg.build._store_texts, kg.build._reason

    def recorded(store, asserted, derived, cancelled):
        for text in real_texts(store, asserted, derived, cancelled):
            written.append(f"{text.format.name} {text.graph and text.graph.value}")
            yield text
            if len(written) == 2 * len(asserted):
                taken.set()

    def reason_once_they_are_taken(*args):
        assert taken.wait(30)
        return real_reason(*args)

    monkeypatch.setattr(kg.build, "_store_texts", recorded)
    monkeypatch.setattr(kg.build, "_reason", reason_once_they_are_taken)
    return written


# A blank node the reasoner also speaks of (a state is an actor, in the inferred graph), with a
# label whose text holds " .", a line end and a quote.
BLANK_STATE = """
@prefix kgo: <https://w3id.org/kg-mali/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kg-mali/graph/blank> { _:b a kgo:State ; rdfs:label "one .\\nline \\" two ." . }
"""


def test_a_large_build_writes_the_graphs_the_files_gave_first_and_the_store_holds_the_dataset(
    root, monkeypatch
):
    # Every input counts as large: the files' graphs are written while the build reasons.
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)
    (root / "data" / "blank.trig").write_text(BLANK_STATE, encoding="utf-8")
    written = reasoning_waits_for_the_files_graphs(monkeypatch)

    result = build(root)

    dataset = result.store  # the store the build was made in: the same blank nodes
    on_disk = pyoxigraph.Store.read_only(str(result.store_path))
    default = pyoxigraph.DefaultGraph()
    named = [q for q in on_disk if q.graph_name != default]
    merged = [q.triple for q in on_disk.quads_for_pattern(None, None, None, default)]
    assert sorted(map(str, named)) == sorted(map(str, dataset))
    assert sorted(map(str, merged)) == sorted(set(map(str, (q.triple for q in dataset))))
    # The blank node is one node in its graph, the inferred graph and the merge; the label whole.
    label = pyoxigraph.NamedNode(str(RDFS.label))
    blank = [q for q in on_disk.quads_for_pattern(None, label, None, None) if isinstance(q.subject, pyoxigraph.BlankNode)]
    assert sorted(str(q.graph_name) for q in blank) == sorted([str(default), f"<{GRAPH['blank']}>"])
    assert {q.subject for q in blank} == {blank[0].subject}
    assert {q.object.value for q in blank} == {'one .\nline " two .'}
    actor = pyoxigraph.NamedNode("https://w3id.org/kg-mali/ontology#Actor")
    inferred = pyoxigraph.NamedNode(str(INFERRED_GRAPH))
    assert blank[0].subject in {q.subject for q in on_disk.quads_for_pattern(None, None, actor, inferred)}
    asserted = sorted(GRAPHS - {str(INFERRED_GRAPH), str(DERIVED_GRAPH)} | {str(GRAPH["blank"])})
    made = [str(INFERRED_GRAPH), str(DERIVED_GRAPH)]
    assert sorted(written[: len(asserted)]) == [f"N-Quads {g}" for g in asserted]
    assert written[len(asserted) : 2 * len(asserted)] == ["N-Triples None"] * len(asserted)
    assert sorted(written[2 * len(asserted) :]) == sorted(
        [f"N-Quads {g}" for g in made] + ["N-Triples None"] * len(made)
    )


# A data file may name a graph the build adds to: it is written with what the build adds.
IN_DERIVED_GRAPH = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kg-mali/graph/derived> { <https://w3id.org/kg-mali/id/state/x> rdfs:label "x"@en . }
"""


def test_a_file_naming_a_graph_the_build_adds_to_is_written_once_the_build_has(root, monkeypatch):
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)
    (root / "data" / "x.trig").write_text(IN_DERIVED_GRAPH, encoding="utf-8")
    written = reasoning_waits_for_the_files_graphs(monkeypatch)

    result = build(root)

    default = pyoxigraph.DefaultGraph()
    on_disk = pyoxigraph.Store.read_only(str(result.store_path))
    assert written.count(f"N-Quads {DERIVED_GRAPH}") == 1
    assert sorted(str(q) for q in on_disk if q.graph_name != default) == sorted(map(str, result.store))


def test_an_interrupt_as_the_writer_starts_stops_the_build_at_once(root, monkeypatch):
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)

    class InterruptedAtSubmit(ThreadPoolExecutor):
        def submit(self, *args, **kwargs):
            future = super().submit(*args, **kwargs)
            raise KeyboardInterrupt  # Ctrl-C just as the writer was handed its work

    monkeypatch.setattr(kg.build, "ThreadPoolExecutor", InterruptedAtSubmit)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            build(root)
        except BaseException as err:  # noqa: BLE001 - the test looks at what it was
            raised.append(err)

    building = threading.Thread(target=run, daemon=True)
    building.start()
    building.join(30)

    assert not building.is_alive(), "the build hung: its writer waits for graphs never coming"
    assert [type(err) for err in raised] == [KeyboardInterrupt]
    assert build_entries(root) == [".lock"]


def test_a_small_build_writes_its_store_once_the_graphs_are_all_made(root, monkeypatch):
    written: list[bool] = []
    real = kg.build._store_texts

    def recorded(store, asserted, derived, cancelled):
        for text in real(store, asserted, derived, cancelled):
            written.append(derived.is_set())
            yield text

    monkeypatch.setattr(kg.build, "_store_texts", recorded)

    build(root)

    assert written == [True] * 2 * len(GRAPHS)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="each thread's own nice value is Linux's")
def test_the_store_is_written_ten_nice_steps_below_the_build(root, monkeypatch):
    # Relative to the build's own priority: under `nice kg build` too, validation comes first.
    seen: list[tuple[int, int]] = []
    build_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    real = kg.build.fill_store

    def recorded(*args, **kwargs):
        seen.append((os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), build_priority))
        return real(*args, **kwargs)

    monkeypatch.setattr(kg.build, "fill_store", recorded)

    build(root)

    assert seen == [(min(19, build_priority + 10), build_priority)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == build_priority


@pytest.mark.parametrize("large", [False, True], ids=["small", "large"])
def test_the_cycle_collector_is_off_during_a_large_build_only_and_back_on_after(root, monkeypatch, large):
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0 if large else kg.build.LARGE_INPUT_BYTES)
    during: list[bool] = []
    real = kg.build._reason

    def recorded(*args):
        during.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(kg.build, "_reason", recorded)

    build(root)

    assert during == [not large]
    assert gc.isenabled()


def test_an_unchanged_input_set_is_reused_without_reasoning(root, monkeypatch):
    first = build(root)
    monkeypatch.setattr(kg.build, "infer_store", no_reasoning_allowed)

    second = build(root)
    store = open_dataset_store(root)

    assert (first.reused, second.reused) == (False, True)
    assert second.manifest == first.manifest
    assert len(store) == first.manifest["dataset"]["quads"]


def test_a_moved_project_with_a_linked_ontology_reuses_its_build(tmp_path, monkeypatch):
    shared = tmp_path / "shared-ontology"
    shutil.copytree(ROOT / "ontology", shared)
    first_root = tmp_path / "project"
    for folder in ("data", "rules"):
        shutil.copytree(ROOT / folder, first_root / folder)
    (first_root / "ontology").symlink_to(shared)
    first = build(first_root)
    moved = first_root.rename(tmp_path / "moved")
    monkeypatch.setattr(kg.build, "infer_store", no_reasoning_allowed)

    second = build(moved)

    assert (first.reused, second.reused) == (False, True)
    assert [i["path"] for i in second.manifest["inputs"] if i["role"] == "ontology"] == ["ontology/kg.ttl"]


def test_a_copied_project_reuses_its_build_and_records_the_copys_inode(root, tmp_path, monkeypatch):
    first = build(root)
    copy = Path(shutil.copytree(root, tmp_path / "copy", symlinks=True))  # as cp -a copies
    monkeypatch.setattr(kg.build, "infer_store", no_reasoning_allowed)

    second = build(copy)

    inode = (copy / "build" / DATASET_FILE).stat().st_ino
    assert inode != first.manifest["dataset"]["inode"]
    assert (first.reused, second.reused) == (False, True)
    assert read_manifest(copy / "build")["dataset"]["inode"] == inode
    assert read_manifest(root / "build") == first.manifest


def test_a_dataset_of_the_same_size_but_other_content_is_not_reused(root):
    first = build(root)
    dataset = root / "build" / DATASET_FILE
    written = dataset.read_bytes()
    (root / "build" / "other").write_bytes(written[:-1] + b" ")
    os.replace(root / "build" / "other", dataset)

    assert read_manifest(root / "build") is None
    assert json.loads((root / "build" / MANIFEST_FILE).read_text()) == first.manifest


def test_a_moved_turtle_file_is_built_again_as_its_graph_is_named_by_its_place(tmp_path):
    options = BuildOptions("none", validate=False)
    first_root = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", first_root / "ontology")
    (first_root / "extra").mkdir()
    (first_root / "extra" / "notes.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    first = build(first_root, options, data=[first_root / "extra" / "notes.ttl"])
    moved = first_root.rename(tmp_path / "moved")

    second = build(moved, options, data=[moved / "extra" / "notes.ttl"])

    assert (first.reused, second.reused) == (False, False)
    named = {name for name in second.manifest["graphs"] if name.endswith("notes.ttl")}
    assert named == {(moved / "extra" / "notes.ttl").as_uri()}
    assert build(moved, options, data=[moved / "extra" / "notes.ttl"]).reused


def test_a_moved_data_file_with_a_relative_iri_is_built_again(tmp_path, monkeypatch):
    options = BuildOptions("none", validate=False)
    first_root = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", first_root / "ontology")
    (first_root / "data").mkdir()
    (first_root / "data" / "notes.trig").write_text("<urn:g> { <#a> <urn:b> <urn:c> . }\n")
    build(first_root, options)
    moved = first_root.rename(tmp_path / "moved")
    notes = []
    monkeypatch.setattr(kg.build.PrintingReporter, "note", lambda self, text: notes.append(text))

    second = open_build(moved, kg.build.PrintingReporter(print, print))

    assert not second.reused
    assert notes == ["a file named by its location (a triples file's graph, or relative IRIs) "
                     "is read elsewhere now; rebuilding…"]
    store = pyoxigraph.Store.read_only(str(second.store_path))
    subjects = [row["s"].value for row in store.query("SELECT ?s { GRAPH <urn:g> { ?s ?p ?o } }")]
    assert subjects == [(moved / "data" / "notes.trig").as_uri() + "#a"]


@pytest.mark.parametrize(
    "role, name, text, located",
    [
        ("data", "notes.trig", "<urn:g> { <#a> <urn:b> <urn:c> . }", True),
        ("data", "notes.trig", "<urn:g> { <> <urn:b> <urn:c> . }", True),
        ("data", "notes.trig", "<urn:g> { <\\u0023a> <urn:b> <urn:c> . }", True),
        ("data", "notes.trig", "@prefix x: <../vocabulary#> . <urn:g> { x:a <urn:b> <urn:c> . }", True),
        ("ontology", "kg.ttl", "<#a> <urn:b> <urn:c> .", True),
        ("data", "notes.trig", "<urn:g> { <urn:a> <http://example.org/b> <urn:c> . }", False),
        ("data", "notes.trig", "<urn:g> { << <urn:a> <urn:b> <urn:c> >> <urn:d> <urn:e> . }", False),
        ("data", "notes.trig", "<urn:g> { <<_:x <urn:b> <urn:c>>> <urn:d> <urn:e> . }", False),
        ("ontology", "kg.ttl", "<urn:a> <urn:b> <urn:c> .", False),
        ("data", "notes.nq", "<urn:a> <urn:b> <urn:c> <urn:g> .", False),
        # A triples file given as data is named by its location, whatever it holds.
        ("data", "notes.ttl", "<urn:a> <urn:b> <urn:c> .", True),
        ("data", "notes.nt", "<urn:a> <urn:b> <urn:c> .", True),
        # Not looked into; nor are strings: an HTML tag costs a rebuild when the file moves.
        ("ontology", "kg.rdf", "<rdf:RDF/>", True),
        ("data", "notes.trig", '<urn:g> { <urn:a> <urn:b> "see <em>this</em>" . }', True),
        # Rules and shapes make no triples of the build's.
        ("shapes", "s.ttl", "<#a> <urn:b> <urn:c> .", False),
    ],
)
def test_a_files_location_is_recorded_where_the_output_may_depend_on_it(
    tmp_path, role, name, text, located
):
    path = tmp_path / name
    path.write_text(text)

    location = output_location(role, path, path.read_bytes())

    assert location == (path.as_uri() if located else None)


def test_a_data_file_removed_during_a_build_leaves_a_complete_build(root, monkeypatch):
    build(root, BuildOptions("none"))
    extra = root / "data" / "extra.trig"
    extra.write_text("<urn:g> { <urn:a> <urn:b> <urn:c> . }\n")
    real_derive = kg.build.derive

    def derive_then_the_file_goes(*args, **kwargs):
        derived = real_derive(*args, **kwargs)
        extra.unlink()  # a `git checkout` of a branch without it, mid-build
        return derived

    monkeypatch.setattr(kg.build, "derive", derive_then_the_file_goes)

    made = build(root, BuildOptions("none"))

    assert read_manifest(root / "build") == made.manifest
    assert [i["path"] for i in made.manifest["inputs"] if i["role"] == "data"][-1] == "data/extra.trig"


def test_a_copy_whose_inode_cannot_be_recorded_is_hashed_once_per_process(root, tmp_path, monkeypatch):
    build(root, BuildOptions("none"))
    copy = Path(shutil.copytree(root, tmp_path / "copy", symlinks=True))
    (copy / "build" / ".lock").unlink()
    (copy / "build" / ".lock").mkdir()  # cannot be opened, as on a read-only disk
    hashed = []
    real = kg.build_cache._sha256_of
    monkeypatch.setattr(kg.build_cache, "_sha256_of", lambda path: hashed.append(path) or real(path))

    manifests = [read_manifest(copy / "build") for _ in range(3)]

    assert manifests[0] is not None and manifests == [manifests[0]] * 3
    assert hashed == [copy / "build" / DATASET_FILE]
    assert manifests[0]["dataset"]["inode"] != (copy / "build" / DATASET_FILE).stat().st_ino


def test_two_files_are_never_keyed_by_one_name(tmp_path):
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (tmp_path / "elsewhere" / "dir").mkdir(parents=True)
    (root / "data" / "linked").symlink_to(tmp_path / "elsewhere" / "dir")
    (root / "data" / "x.trig").write_text("one")
    (tmp_path / "elsewhere" / "x.trig").write_text("two")
    through_link = root / "data" / "linked" / ".." / "x.trig"

    names = [f.relative for f in input_files(root, [root / "data" / "x.trig", through_link])]

    assert through_link.read_text() == "two"
    assert names == ["data/x.trig", "data/linked/../x.trig"]


def test_any_change_to_an_input_is_a_new_build(root):
    first = build(root)
    with (root / "rules" / "regime-in-power-of-events.rq").open("a") as rule:
        rule.write("# a comment is a change\n")

    second = build(root)

    assert not second.reused
    assert second.manifest["key"] != first.manifest["key"]


def test_the_two_reasoners_build_the_same_dataset(root):
    fast = build(root).dataset_path.read_bytes()
    reference = build(root, BuildOptions("owlrl")).dataset_path.read_bytes()

    assert fast == reference


def test_without_reasoning_there_is_no_inferred_graph_and_later_starts_keep_it_so(root, monkeypatch):
    result = build(root, BuildOptions("none"))
    monkeypatch.setattr(kg.build, "infer_store", no_reasoning_allowed)

    reopened = open_build(root)

    assert str(INFERRED_GRAPH) not in result.manifest["graphs"]
    assert reopened.reused and reopened.manifest["options"] == {"reasoner": "none", "validate": True}


def test_a_start_after_an_input_changed_rebuilds_with_the_last_options(root):
    build(root, BuildOptions("none"))
    (root / "data" / "background.trig").write_text(
        (root / "data" / "background.trig").read_text() + "\n# changed\n"
    )

    reopened = open_build(root)

    assert not reopened.reused
    assert reopened.manifest["options"] == {"reasoner": "none", "validate": True}


# ---------------------------------------------------------------------------------------------
# Failures leave the last good build


def test_a_failing_stage_leaves_the_last_good_build(root, monkeypatch):
    build(root)
    before = snapshot(root)
    (root / "data" / "background.trig").write_text((root / "data" / "background.trig").read_text() + "\n")

    def broken(*args, **kwargs):
        raise RuntimeError("crash while deriving")

    monkeypatch.setattr(kg.build, "derive", broken)
    with pytest.raises(RuntimeError):
        build(root)

    assert snapshot(root) == before
    assert read_manifest(root / "build") is not None
    assert build_entries(root) == sorted(
        [".lock", DATASET_FILE, MANIFEST_FILE, current_store(root), current_index(root)]
    )


def test_a_crash_while_writing_the_dataset_leaves_the_last_good_build(root, monkeypatch):
    monkeypatch.chdir(root)
    build(root)
    before = snapshot(root)

    def crash(source: Path, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(kg.build_cache, "_replace", crash)
    with pytest.raises(KgError, match="build/dataset.nq: cannot write: disk full"):
        build(root, force=True)

    assert snapshot(root) == before
    assert build_entries(root) == sorted(
        [".lock", DATASET_FILE, MANIFEST_FILE, current_store(root), current_index(root)]
    )


def test_a_dataset_whose_manifest_never_followed_is_not_reused(root, monkeypatch):
    build(root, BuildOptions("none"))
    real_replace = kg.build_cache._replace

    def crash_before_the_manifest(source: Path, target: Path) -> None:
        if target.name == MANIFEST_FILE:
            raise OSError("power cut")
        real_replace(source, target)

    monkeypatch.setattr(kg.build_cache, "_replace", crash_before_the_manifest)
    with pytest.raises(KgError, match="manifest.json: cannot write: power cut"):
        build(root)
    monkeypatch.setattr(kg.build_cache, "_replace", real_replace)

    # The new dataset is complete but described by the old manifest: it is rebuilt, not trusted.
    assert read_manifest(root / "build") is None
    assert not open_build(root).reused
    assert read_manifest(root / "build") is not None


def test_a_violation_fails_the_build_and_keeps_the_last_good_one(tmp_path):
    root = project(tmp_path, shapes=True)
    build(root)
    before = snapshot(root)
    (root / "data" / "extra.trig").write_text(UNSOURCED)

    with pytest.raises(BuildFailed) as failed:
        build(root)

    assert failed.value.exit_code == 1
    assert str(failed.value).startswith("the build violates the shapes (Does not conform:")
    assert str(failed.value).endswith(
        f"; the last good build is kept: `kg serve --data {root / 'build' / current_store(root)}` "
        "serves it while the data are fixed"
    )
    assert any("atlantis" in line for line in failed.value.details)
    assert snapshot(root) == before


def test_a_violation_removes_the_store_and_index_written_beside_validation(tmp_path):
    root = project(tmp_path, shapes=True)
    build(root)
    entries = build_entries(root)
    (root / "data" / "extra.trig").write_text(UNSOURCED)

    with pytest.raises(BuildFailed):
        build(root)

    assert build_entries(root) == entries


@pytest.mark.parametrize("large", [False, True], ids=["small", "large"])
def test_inconsistent_data_fail_the_build(root, monkeypatch, large):
    # Large: the store is begun before reasoning fails, and must go with the build.
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0 if large else kg.build.LARGE_INPUT_BYTES)
    (root / "data" / "extra.trig").write_text(INCONSISTENT)

    with pytest.raises(BuildFailed) as failed:
        build(root)

    assert failed.value.exit_code == 1
    assert failed.value.details == (
        "<https://w3id.org/kg-mali/id/person/abdoulaye-diop> is both a "
        "<https://w3id.org/kg-mali/ontology#Person> and a "
        "<https://w3id.org/kg-mali/ontology#Organisation>, which are disjoint",
    )
    assert build_entries(root) == [".lock"]


# ---------------------------------------------------------------------------------------------
# What it tells


def test_every_stage_is_reported_and_large_inputs_show_progress(root, monkeypatch):
    stages, progress = [], []

    class Reporter:
        def stage(self, name: str, seconds: float, summary: str) -> None:
            stages.append(name)

        def progress(self, stage: str, message: str) -> None:
            progress.append(stage)

        def note(self, message: str) -> None:
            pass

    build(root, reporter=Reporter())
    assert (stages, progress) == (list(STAGES), [])

    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)
    build(root, force=True, reporter=Reporter())
    assert set(progress) == {LOAD, REASON, DERIVE, WRITE}


def test_a_large_build_says_when_its_write_tail_sorts_and_names_the_store(root, monkeypatch):
    # At 10^6 generated triples this tail runs ~30 s, and said nothing.
    said = []

    class Reporter:
        def stage(self, name: str, seconds: float, summary: str) -> None:
            pass

        def progress(self, stage: str, message: str) -> None:
            if stage == WRITE:
                said.append(message)

    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)
    monkeypatch.chdir(root)  # paths show as the CLI shows them
    result = build(root, reporter=Reporter())

    quads = sum(1 for _ in build_store(result))
    store = current_store(root)
    assert said[0] == f"sorting {quads:,} quads for build/dataset.nq"
    assert said[1:] in (
        [f"naming the store build/{store} and writing build/dataset.nq"],
        ["waiting for the store and search index being written",
         f"naming the store build/{store} and writing build/dataset.nq"],
    )


def test_kg_build_prints_stage_timings_then_reuses(root, monkeypatch):
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)

    first = CliRunner().invoke(main, ["build"])
    second = CliRunner().invoke(main, ["build"])

    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [*STAGES, "total"]
    assert re.fullmatch(r"reason +\d+\.\d\d s  fast: 1584 triples inferred", lines[1])
    assert lines[-1].startswith("build/dataset.nq: written; ")
    assert second.stdout.startswith("build/dataset.nq: up to date, reused; ")


def test_kg_build_exits_1_on_a_violation_and_says_what(tmp_path, monkeypatch):
    root = project(tmp_path, shapes=True)
    (root / "data" / "extra.trig").write_text(UNSOURCED)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)

    result = CliRunner().invoke(main, ["build"])

    assert result.exit_code == 1
    assert "atlantis" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("kg: error: the build violates the shapes")
    assert result.stderr.splitlines()[-1].endswith("; there is no earlier good build to keep")


def test_a_failed_build_names_the_kept_store_and_kg_serve_serves_it(tmp_path, monkeypatch):
    root = project(tmp_path, shapes=True)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    good = build(root)
    (root / "data" / "extra.trig").write_text(UNSOURCED)

    failed = CliRunner().invoke(main, ["build"])

    error = failed.stderr.splitlines()[-1]
    shown = f"build/{good.store_path.name}"
    assert error.endswith(
        f"; the last good build is kept: `kg serve --data {shown}` serves it while the data are fixed"
    )
    served = []
    monkeypatch.setattr(kg.web.serving, "serve", lambda settings, rebuild: served.append(settings))
    result = CliRunner().invoke(main, ["serve", "--data", shown])
    assert result.exit_code == 0, result.output
    assert [settings.data for settings in served] == [(Path(shown),)]


def test_kg_build_caps_the_violations_it_prints_and_says_how_many_more(tmp_path, monkeypatch):
    root = project(tmp_path, shapes=True)
    (root / "data" / "extra.trig").write_text(UNSOURCED)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    monkeypatch.setattr(kg.validation_report, "SHOWN_PER_SEVERITY", 1)

    result = CliRunner().invoke(main, ["build"])

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert sum(line.startswith("    Violation: ") for line in lines) == 1
    more = [line for line in lines if line.startswith("  … and")]
    assert more == [
        "  … and 2 more violations; `kg validate --format json` lists them all",
        "  … and 19 more warnings; `kg validate --format json` lists them all",
    ]
    assert lines[-3:-1] == [more[1], "  Does not conform: 3 violations, 20 warnings."]
    assert lines[-1].startswith("kg: error: the build violates the shapes")


def test_served_data_are_built_apart_reasoned_and_validated(tmp_path):
    root = project(tmp_path / "project", shapes=True)
    given = tmp_path / "given.trig"
    given.write_text(UNSOURCED)

    with pytest.raises(BuildFailed):
        build(root, data=[given])
    result = build(root, BuildOptions(validate=False), data=[given])

    assert result.directory == root / "build" / "served"
    assert not (root / "build" / DATASET_FILE).exists()
    store = build_store(result)
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {str(ONTOLOGY_GRAPH), str(GRAPH["extra"]), str(INFERRED_GRAPH), str(DERIVED_GRAPH)}
    atlantis = pyoxigraph.NamedNode("https://w3id.org/kg-mali/id/state/atlantis")
    inferred_types = {
        q.object.value for q in store.quads_for_pattern(atlantis, None, None, pyoxigraph.NamedNode(str(INFERRED_GRAPH)))
    }
    assert "http://schema.org/Country" in inferred_types
    assert result.manifest["options"] == {"reasoner": "fast", "validate": False}


def test_kg_serve_refuses_data_that_violate_the_shapes_before_serving(tmp_path, monkeypatch):
    root = project(tmp_path / "project", shapes=True)
    given = tmp_path / "given.trig"
    given.write_text(UNSOURCED)
    monkeypatch.setenv("KG_ROOT", str(root))

    result = CliRunner().invoke(main, ["serve", "--data", str(given), "--port", "0"])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("kg: error: the build violates the shapes")


def test_kg_serve_with_a_missing_data_file_exits_2_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_ROOT", str(project(tmp_path / "project")))

    result = CliRunner().invoke(main, ["serve", "--data", str(tmp_path / "missing.trig")])

    assert result.exit_code == 2
    # The log opens with the sandbox in force, then the one line that says what is wrong.
    opening, error = result.stderr.splitlines()
    assert opening.startswith("kg: query sandbox: ")
    assert error == f"kg: error: {tmp_path / 'missing.trig'}: cannot read: No such file or directory"


# ---------------------------------------------------------------------------------------------
# kg serve serves the build as it stands now

# Appended to data/background.trig: a state the last build does not hold.
ATLANTIS = """
<https://w3id.org/kg-mali/graph/background> {
    <https://w3id.org/kg-mali/id/state/atlantis> a <https://w3id.org/kg-mali/ontology#State> .
}
"""


def is_inferred_a_country(state: str) -> str:
    """An ASK query: the build's reasoning makes every kgo:State a schema:Country."""
    return (
        "ASK { GRAPH <https://w3id.org/kg-mali/graph/inferred> "
        f"{{ <https://w3id.org/kg-mali/id/state/{state}> a <http://schema.org/Country> }} }}"
    )


def stale_build(root: Path) -> str:
    """Build, then add Atlantis to the data: the key of the build that is now stale."""
    key = build(root).manifest["key"]
    with (root / "data" / "background.trig").open("a") as data:
        data.write(ATLANTIS)
    return key


def ask(app, query: str) -> bool:
    response = app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    return response.json["boolean"]


def test_an_app_without_data_serves_the_build_rebuilt_after_an_input_changed(
    root, monkeypatch, apps_over
):
    stale_key = stale_build(root)
    monkeypatch.setenv("KG_ROOT", str(root))

    app = apps_over(None, data=())

    assert ask(app, is_inferred_a_country("atlantis")) is True
    assert read_manifest(root / "build")["key"] != stale_key


def test_kg_serve_rebuilds_a_stale_build_before_serving(root, monkeypatch, apps_over):
    stale_key = stale_build(root)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    served = []
    monkeypatch.setattr(kg.web.serving, "serve", lambda settings, rebuild: served.append(settings))

    result = CliRunner().invoke(main, ["serve"])

    assert result.exit_code == 0, result.output
    [settings] = served
    assert settings.data == (root / "build" / current_store(root),)
    assert read_manifest(root / "build")["key"] != stale_key
    opening, changed, *lines = result.stderr.splitlines()
    assert opening.startswith("kg: query sandbox: ")
    assert changed == "kg: data changed since the last build; rebuilding…"
    assert [line.split()[0] for line in lines] == [*STAGES, "build/dataset.nq:"]
    assert ask(apps_over(settings.data[0]), is_inferred_a_country("atlantis")) is True


def test_kg_serve_on_a_fresh_checkout_builds_then_serves(root, monkeypatch, kg_serve, tmp_path):
    monkeypatch.setenv("KG_ROOT", str(root))

    with kg_serve(["--workers", "1"], tmp_path / "kg-serve.log") as server:
        query = urllib.parse.urlencode({"query": is_inferred_a_country("mali")})
        request = urllib.request.Request(
            f"{server.url}/sparql?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request) as response:
            assert json.load(response)["boolean"] is True

    opening, first, *log = server.log.read_text().splitlines()
    assert opening.startswith("kg: query sandbox: ")
    assert first == "kg: no complete build yet; building…"
    assert [line.split()[0] for line in log[: len(STAGES) + 1]] == [*STAGES, f"{root}/build/dataset.nq:"]
    assert read_manifest(root / "build") is not None


def test_the_build_key_covers_every_module_the_build_imports() -> None:
    # Found by following imports from kg.build: the reasoner's engines are reached through
    # kg.reasoning, and nothing of the web app decides what a build holds.
    modules = set(pipeline_sources())
    assert {"build", "build_cache", "reasoning", "fast_reasoner", "fast_reasoner_schema",
            "entailment_filter", "derivation", "loading", "validation", "terms"} <= modules
    assert not {name for name in modules if name.startswith("web")}, modules


class ValidationSummary:
    """A reporter keeping the validate stage's summary and the engine its progress names."""

    def __init__(self) -> None:
        self.summary, self.engines = "", []

    def stage(self, name: str, seconds: float, summary: str) -> None:
        if name == VALIDATE:
            self.summary = summary

    def progress(self, stage: str, message: str) -> None:
        if stage == VALIDATE and "shapes files" in message:
            self.engines.append(message.split(", ", 1)[1])


def test_from_the_threshold_the_build_validates_on_the_store_with_pyshacls_outcome(tmp_path, monkeypatch):
    root = project(tmp_path, shapes=True)
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)  # progress lines name the engine
    below, above = ValidationSummary(), ValidationSummary()

    build(root, reporter=below)
    monkeypatch.setattr(kg.build, "LARGE_GRAPH_QUADS", 0)
    build(root, force=True, reporter=above)

    assert below.engines == ["pySHACL"]
    assert above.engines == ["pyshacl-turbo and pyoxigraph"]
    assert above.summary == below.summary == "Conforms: 0 violations, 19 warnings."


def test_without_pyshacl_turbo_pyshacl_validates_up_to_its_own_limit(tmp_path, monkeypatch):
    root = project(tmp_path, shapes=True)
    monkeypatch.setattr(kg.build, "LARGE_INPUT_BYTES", 0)
    monkeypatch.setattr(kg.build, "LARGE_GRAPH_QUADS", 0)
    monkeypatch.setitem(sys.modules, "pyshacl_turbo", None)  # as on Python 3.10: not installed
    reporter = ValidationSummary()

    build(root, reporter=reporter)
    assert reporter.engines == ["pySHACL"]

    monkeypatch.setattr(kg.build, "PYSHACL_ONLY_QUADS", 0)
    with pytest.raises(InputError, match=r"needs pyshacl-turbo \(pip install pyshacl-turbo\)"):
        build(root, force=True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--store", "not a url"], "Invalid value for '--store': 'not a url' is not an http(s) URL"),
        (
            ["--store", "http://dba:s3cret@127.0.0.1:9/query"],
            "Invalid value for '--store': the URL holds a password: put the credentials in ~/.netrc",
        ),
        (["--store", "http://127.0.0.1:9/query", "--as-is"], "Error: --as-is is for --data, not --store"),
        (["--store", "http://127.0.0.1:9/query", "--no-reasoning"], "Error: --no-reasoning is for --data, not --store"),
    ],
)
def test_kg_serve_store_refuses_bad_usage_in_one_line(arguments, message):
    result = CliRunner().invoke(main, ["serve", *arguments])

    assert result.exit_code == 2
    assert message in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.output


def test_kg_serve_serves_a_store_folder_as_built_without_building(root, monkeypatch, apps_over):
    good = build(root)
    with (root / "data" / "background.trig").open("a") as data:
        data.write(ATLANTIS)  # would make a new build, were one made
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    served = []
    monkeypatch.setattr(kg.web.serving, "serve", lambda settings, rebuild: served.append((settings, rebuild)))

    result = CliRunner().invoke(main, ["serve", "--data", str(good.store_path.relative_to(root))])

    assert result.exit_code == 0, result.output
    [(settings, rebuild)] = served
    assert settings.data == (Path("build") / good.store_path.name,)
    assert rebuild is None
    assert [line.split(":")[1].strip() for line in result.stderr.splitlines()] == ["query sandbox"]
    assert read_manifest(root / "build") == good.manifest
    assert ask(apps_over(good.store_path), is_inferred_a_country("atlantis")) is False


def test_kg_serve_refuses_a_folder_that_is_not_a_store_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_ROOT", str(project(tmp_path / "project")))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()

    result = CliRunner().invoke(main, ["serve", "--data", "notes"])

    assert result.exit_code == 2
    opening, error = result.stderr.splitlines()
    assert opening.startswith("kg: query sandbox: ")
    assert error == (
        "kg: error: notes: holds no store (no CURRENT file); a folder given as --data must be a "
        "store `kg build` wrote (build/store-…)"
    )


def test_kg_serve_refuses_a_folder_that_only_looks_like_a_store_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_ROOT", str(project(tmp_path / "project")))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "CURRENT").write_text("MANIFEST-000099\n")

    result = CliRunner().invoke(main, ["serve", "--data", "broken"])

    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]
    assert error.startswith("kg: error: broken: cannot open the store: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--data", "STORE", "--data", "extra.trig"], "--data STORE is a folder: a store is served alone, not with files"),
        (["--data", "STORE", "--no-validation"], "--no-validation is for data files: a store folder holds a build already made"),
        (["--data", "STORE", "--watch"], "--watch needs a build to redo: not with --store, --as-is nor a store folder"),
    ],
)
def test_kg_serve_refuses_a_store_folder_with_what_builds_in_one_line(root, monkeypatch, arguments, message):
    store = build(root).store_path
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.setattr(kg.web.serving, "serve", lambda settings, rebuild: pytest.fail("served"))

    result = CliRunner().invoke(main, ["serve", *(str(store) if a == "STORE" else a for a in arguments)])

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message.replace('STORE', str(store))}"
