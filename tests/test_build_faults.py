"""A `kg build` killed (SIGKILL) or out of disk space: the last good build stays usable, store
included, and the next build removes what the failed one left."""

from __future__ import annotations

import errno
import json
import re
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kg.build
import kg.build_cache
from kg.build import build, open_build
from kg.build_cache import DATASET_FILE, MANIFEST_FILE, read_manifest
from kg.cli import main
from kg.dataset import open_query_store, open_served, open_store
from kg.errors import InputError
from kg.search_index import index_name
from kg.store import run_query

ROOT = Path(__file__).resolve().parents[1]

# Runs `kg build --force`, stopping at `point` (before the store's folder or the dataset is
# renamed into place, or with the search index's rows written but not committed) to say "ready"
# and wait there for the SIGKILL.
STOPPED_BUILD = """
import sys
import kg.build_cache as cache
import kg.search_index as search_index
from kg.cli import main

point = sys.argv[1]
module, name = {
    "store": (cache, "_sync_directory"), "dataset": (cache, "_replace"),
    "index": (search_index, "fill_index"),
}[point]
real = getattr(module, name)

def wait():
    print("ready", flush=True)
    sys.stdin.read()

def stop(*args):
    if point == "index":
        rows = real(*args)  # written, not yet committed: SQLite's journal is there
        wait()
        return rows
    if point == "dataset" or args[0].name.startswith(".store."):
        wait()
    return real(*args)

setattr(module, name, stop)
main(["build", "--force"])
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    for folder in ("ontology", "data", "rules"):
        shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    return root


def killed_build(root: Path, point: str) -> int:
    """Start `kg build --force`, kill it with SIGKILL at `point`; its pid."""
    with subprocess.Popen(
        [sys.executable, "-c", STOPPED_BUILD, point],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "KG_ROOT": str(root)},
        text=True,
    ) as process:
        try:
            # The stages it finished come first, one line each.
            assert "ready\n" in iter(process.stdout.readline, "")
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == -signal.SIGKILL
    return process.pid


def triples(root: Path) -> int:
    [row] = run_query(open_query_store(root), COUNT, union_default_graph=False)
    return int(row["n"].value)


@pytest.mark.parametrize(
    "point, leftover",
    [
        ("store", ".store.{pid}.tmp"),
        ("dataset", ".dataset.nq.{pid}.tmp"),
        # SQLite's rollback journal of the index being filled, beside its temporary file.
        ("index", ".*.sqlite.{pid}.tmp.{pid}.tmp-journal"),
    ],
)
def test_a_killed_build_leaves_the_last_good_one_and_the_next_build_cleans_up(root, point, leftover):
    good = build(root)
    answer = triples(root)

    pid = killed_build(root, point)

    [left] = (root / "build").glob(leftover.format(pid=pid))
    assert left.exists()
    assert read_manifest(root / "build") == good.manifest
    assert open_build(root).store_path == good.store_path
    assert triples(root) == answer
    again = build(root, force=True)
    assert not left.exists()
    assert sorted(p.name for p in (root / "build").iterdir()) == sorted(
        [".lock", DATASET_FILE, MANIFEST_FILE, again.store_path.name, good.store_path.name]
        + [index_name(b.store_path.name) for b in (again, good)]  # each store's search index
    )


def test_only_the_current_and_the_previous_store_are_kept(root):
    first = build(root)
    second = build(root, force=True)
    third = build(root, force=True)

    assert not first.store_path.exists()
    assert second.store_path.is_dir() and third.store_path.is_dir()
    assert third.manifest["store"]["previous"] == second.store_path.name


def test_a_full_disk_keeps_the_last_good_build_and_says_so_in_one_line(root, monkeypatch):
    good = build(root)

    def full(directory: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(kg.build_cache, "_sync_directory", full)
    result = CliRunner().invoke(main, ["build", "--force"])

    [error] = [line for line in result.output.splitlines() if line.startswith("kg: error")]
    assert re.fullmatch(
        r"kg: error: build/store-[0-9a-f]{12}-[0-9a-f]+: cannot write the store: "
        r"No space left on device", error
    ), error
    assert result.exit_code == 2
    monkeypatch.undo()
    assert read_manifest(root / "build") == good.manifest
    assert [p.name for p in (root / "build").glob("*store*")] == [good.store_path.name]
    assert open_build(root).store_path == good.store_path


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A 4 MiB tmpfs: room for the project and one build, not for two."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_real_full_disk_keeps_the_last_good_build(small_disk, monkeypatch):
    for folder in ("ontology", "data", "rules"):
        shutil.copytree(ROOT / folder, small_disk / folder)
    monkeypatch.setenv("KG_ROOT", str(small_disk))
    monkeypatch.chdir(small_disk)
    good = build(small_disk)
    answer = triples(small_disk)
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - good.manifest["dataset"]["bytes"] // 2))

    result = CliRunner().invoke(main, ["build", "--force"])

    assert result.exit_code == 2
    assert result.output.splitlines()[-1].endswith("No space left on device"), result.output
    assert read_manifest(small_disk / "build") == good.manifest
    assert triples(small_disk) == answer
    assert not list((small_disk / "build").glob(".*.tmp"))


def renamed_but_never_described(root: Path) -> None:
    """The state a build killed between the rename of its dataset and that of its manifest
    leaves: build/dataset.nq another file than the one the manifest describes, of the same size."""
    dataset = root / "build" / DATASET_FILE
    written = dataset.read_bytes()
    (root / "build" / "x").write_bytes(written[:-1] + b" ")
    assert (root / "build" / "x").read_bytes() != written
    os.replace(root / "build" / "x", dataset)


def test_a_failed_build_after_a_crash_between_dataset_and_manifest_keeps_the_last_good_store(
    root, monkeypatch
):
    good = build(root)
    answer = triples(root)
    renamed_but_never_described(root)

    def crash(*args, **kwargs):
        raise RuntimeError("crash while deriving")

    monkeypatch.setattr(kg.build, "derive", crash)
    with pytest.raises(RuntimeError):
        build(root)
    with pytest.raises(RuntimeError):
        build(root, force=True)
    monkeypatch.undo()

    assert json.loads((root / "build" / MANIFEST_FILE).read_text())["store"] == good.manifest["store"]
    assert [p.name for p in (root / "build").glob("store-*")] == [good.store_path.name]
    [row] = run_query(open_store(good.store_path), COUNT, union_default_graph=False)
    assert int(row["n"].value) == answer
    again = build(root)
    assert again.manifest["store"]["previous"] == good.store_path.name
    assert good.store_path.is_dir() and again.store_path.is_dir()


def test_serving_a_folder_that_holds_no_store_says_so_and_leaves_it_as_it_was(tmp_path):
    with pytest.raises(InputError, match="cannot open the store"):
        open_served([tmp_path])

    assert list(tmp_path.iterdir()) == []
