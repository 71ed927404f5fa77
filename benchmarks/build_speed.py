"""How fast `kg build` is, on the shipped graph and on synthetic graphs of the same shape.

    .venv/bin/python benchmarks/build_speed.py [--sizes 1000 10000 100000] [--owlrl-up-to 100000]

For each graph: the OWL 2 RL closure by owlrl and by the fast reasoner (in this process, on the
same loaded triples) and whether their filtered outputs are equal; the rules; a cold build and
a warm start, each a fresh `kg` process in a scratch copy of the project. The shipped graph is
built with the shapes; synthetic graphs (benchmarks/synthetic.py, seeded) without them, unless
--validate-synthetic, since SHACL validation grows fastest of all the stages. Prints a Markdown
table, and the machine's load, which the times depend on.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402  (benchmarks/ is not a package)
from kg.derivation import derive, read_rules, rule_files  # noqa: E402
from kg.fast_reasoner import fast_closure  # noqa: E402
from kg.loading import load_dataset  # noqa: E402
from kg.namespaces import INFERRED_GRAPH  # noqa: E402
from kg.project import data_files, ontology_files  # noqa: E402
from kg.reasoning import owlrl_closure  # noqa: E402
from kg.terms import store_from_dataset  # noqa: E402

KG = Path(sys.executable).with_name("kg")
WARM_RUNS = 5


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def scratch_project(work: Path, data: list[Path], shapes: bool) -> Path:
    root = work / "project"
    shutil.rmtree(root, ignore_errors=True)
    for folder in ("ontology", "rules", *(("shapes",) if shapes else ())):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "data").mkdir()
    for path in data:
        shutil.copy(path, root / "data" / path.name)
    return root


def run_kg(root: Path, *args: str) -> float:
    """Wall time of one `kg` process, start to exit; it must succeed."""
    env = {**os.environ, "KG_ROOT": str(root)}
    seconds, result = timed(lambda: subprocess.run([str(KG), *args], env=env, capture_output=True, text=True))
    if result.returncode != 0:
        raise SystemExit(f"kg {' '.join(args)} failed:\n{result.stderr}")
    return seconds


def measure(name: str, data: list[Path], work: Path, *, owlrl: bool, shapes: bool) -> dict[str, object]:
    loaded = load_dataset(ontology_files(ROOT), data)
    asserted = {(s, p, o) for s, p, o, _ in loaded.dataset.quads((None, None, None, None))}
    fast_seconds = min(timed(lambda: fast_closure(asserted))[0] for _ in range(3))
    fast = fast_closure(asserted)
    row: dict[str, object] = {
        "graph": name, "triples": len(asserted), "inferred": len(fast.inferred), "fast": fast_seconds,
        "owlrl": None, "equal": None,
    }
    if owlrl:
        row["owlrl"], reference = timed(lambda: owlrl_closure(asserted))
        row["equal"] = reference.inferred == fast.inferred and reference.inconsistencies == fast.inconsistencies
    graph = loaded.dataset.graph(INFERRED_GRAPH)
    for triple in fast.inferred:
        graph.add(triple)
    store = store_from_dataset(loaded.dataset)
    row["derive"], _ = timed(lambda: derive(store, read_rules(rule_files(ROOT))))
    root = scratch_project(work, data, shapes)
    row["cold"] = run_kg(root, "build")
    row["warm"] = statistics.median(run_kg(root, "query", "ASK {}") for _ in range(WARM_RUNS))
    row["validated"] = shapes
    return row


def seconds(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def table(rows: list[dict[str, object]]) -> str:
    header = (
        "| graph | input triples | inferred | owlrl closure | fast closure | speed-up | equal "
        "| rules | cold build | warm start |\n"
        "|---|---:|---:|---:|---:|---:|:---:|---:|---:|---:|\n"
    )
    lines = []
    for row in rows:
        speedup = f"{row['owlrl'] / row['fast']:.0f}×" if row["owlrl"] else "–"
        equal = {True: "yes", False: "**no**", None: "–"}[row["equal"]]
        shapes = "" if row["validated"] else " (no SHACL)"
        lines.append(
            f"| {row['graph']} | {row['triples']:,} | {row['inferred']:,} | {seconds(row['owlrl'])} "
            f"| {seconds(row['fast'])} | {speedup} | {equal} | {seconds(row['derive'])} "
            f"| {seconds(row['cold'])}{shapes} | {seconds(row['warm'])} |"
        )
    return header + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000],
                        help="synthetic graph sizes, in triples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--owlrl-up-to", type=int, default=100_000,
                        help="run owlrl (about 1 ms per triple) only on graphs up to this size")
    parser.add_argument("--validate-synthetic", action="store_true",
                        help="build the synthetic graphs with the shapes too")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kg-build-bench-") as folder:
        work = Path(folder)
        rows.append(measure("shipped", data_files(ROOT), work, owlrl=True, shapes=True))
        print("shipped done", file=sys.stderr)
        for size in args.sizes:
            path = work / f"synthetic-{size}.trig"
            path.write_text(synthetic.generate(size, args.seed), encoding="utf-8")
            rows.append(measure(
                f"synthetic {size:,}", [path], work,
                owlrl=size <= args.owlrl_up_to, shapes=args.validate_synthetic,
            ))
            print(f"synthetic {size:,} done", file=sys.stderr)
    print(table(rows))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {load}. Input triples: the ontology's and the data's. "
          f"Closures in-process (fast: best of 3); builds and starts are whole "
          f"`kg` processes (warm: median of {WARM_RUNS} `kg query \"ASK {{}}\"`).")


if __name__ == "__main__":
    main()
