"""How long validating the shipped data against the shipped shapes takes, or a generated graph.

    .venv/bin/python benchmarks/validation.py [--runs 5]
    .venv/bin/python benchmarks/validation.py --triples 1000000 [--seed 1]

Times, as the median of several runs in one process: loading the ontology, data and shapes;
validating with pySHACL (the engine of record) on the first call, which parses the SPARQL
constraints, and on later calls; with pyshacl-turbo (the second opinion) when it is installed;
with RDFS and OWL 2 RL inference; and `kg validate` end to end in a fresh process, interpreter
start and imports included. Prints a Markdown table. The target is under 2 s for `kg validate`.

With --triples, the build's large-graph validation (kg.validation.validate_store) of a graph
from benchmarks/synthetic.py, after the build's load, reasoning and derivation, piece by piece:
validate_store whole (pyshacl-turbo and pyoxigraph side by side), then pyshacl-turbo alone,
each SPARQL-based constraint pyoxigraph evaluates, and reading the results. Each row gives wall
and CPU seconds and the process's peak resident memory when the row ended (it only grows). On a
busy machine the wall time of the whole says little: the pieces' CPU seconds say what each costs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph

from kg import validation
from kg.derivation import derive, read_rules, rule_files
from kg.loading import load_dataset, load_store
from kg.namespaces import INFERRED_GRAPH
from kg.project import data_files, ontology_files, shape_files
from kg.reasoning import infer_store
from kg.validation import ValidationOutcome, load_shapes, validate_dataset

TARGET_SECONDS = 2.0
KG = Path(sys.executable).parent / "kg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (median)")
    parser.add_argument("--triples", type=int, help="validate a generated graph of this size instead")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.triples:
        print(pieces_table(args.triples, args.seed))
        return
    rows = measures(args.runs)
    print(table(rows, args.runs))


def measures(runs: int) -> list[tuple[str, float, str]]:
    """(what, median seconds, note) for each measure."""
    rows: list[tuple[str, float, str]] = []
    start = time.perf_counter()
    loaded = load_dataset(ontology_files(), data_files())
    shapes = load_shapes(shape_files())
    rows.append(("load ontology, data and shapes", time.perf_counter() - start,
                 f"{len(loaded.dataset)} triples, {len(shapes)} shape triples"))

    def validate(**options: str) -> Callable[[], ValidationOutcome]:
        return lambda: validate_dataset(loaded.dataset, shapes, graph_files=loaded.graph_files, **options)

    first_start = time.perf_counter()
    outcome = validate()()
    rows.append(("pySHACL, first call (parses the SPARQL)", time.perf_counter() - first_start,
                 f"{len(outcome.violations)} violations, {len(outcome.warnings)} warnings"))
    rows.append(("pySHACL, later calls", median(validate(), runs), ""))
    if importlib.util.find_spec("pyshacl_turbo") is not None:
        turbo = median(validate(engine="pyshacl-turbo"), runs)
        rows.append(("pyshacl-turbo", turbo, "second opinion"))
    for inference in ("rdfs", "owlrl"):
        seconds = median(validate(inference=inference), runs)
        rows.append((f"pySHACL with --inference {inference}", seconds, ""))
    cli = median(lambda: subprocess.run([str(KG), "validate"], capture_output=True, check=False), runs)
    verdict = "under target" if cli < TARGET_SECONDS else "OVER TARGET"
    rows.append(("`kg validate`, fresh process", cli, f"{verdict} ({TARGET_SECONDS:.0f} s)"))
    return rows


def median(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(rows: list[tuple[str, float, str]], runs: int) -> str:
    lines = [
        f"Validation of the shipped data (median of {runs} runs; wall-clock seconds)",
        "",
        "| measure | seconds | note |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {what} | {seconds:.2f} | {note} |" for what, seconds, note in rows]
    return "\n".join(lines)


def build_store(triples: int, seed: int) -> tuple[pyoxigraph.Store, dict]:
    """The store as the build validates it: a generated graph, its entailments and derived facts."""
    sys.path.insert(0, str(Path(__file__).parent))
    import synthetic  # noqa: PLC0415  (benchmarks/ is not a package)

    with tempfile.TemporaryDirectory(prefix="kg-validation-") as work:
        source = Path(work) / f"synthetic-{triples}-{seed}.trig"
        source.write_text(synthetic.generate(triples, seed), encoding="utf-8")
        loaded = load_store(ontology_files(), [source])
    store = loaded.store
    inferred = infer_store(store, "fast").inferred
    graph = f"<{INFERRED_GRAPH}>"
    text = "".join(f"{s} {p} {o} {graph} .\n" for s, p, o in inferred)
    store.extend(pyoxigraph.parse(text, pyoxigraph.RdfFormat.N_QUADS))
    derive(store, read_rules(rule_files()))
    return store, loaded.graph_files


def pieces_table(triples: int, seed: int) -> str:
    """validate_store on a generated graph, piece by piece, as a Markdown table."""
    store, graph_files = build_store(triples, seed)
    shapes = load_shapes(shape_files())
    rows = [("store before validation", 0.0, 0.0, peak_mib())]

    def timed(name: str, action: Callable[[], object]) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        answer = action()
        rows.append((name, time.perf_counter() - wall, time.process_time() - cpu, peak_mib()))
        return answer

    import pyshacl_turbo  # noqa: PLC0415  (an optional dependency)

    # The whole first, so that its peak memory is its own; the pieces then say where time goes.
    outcome = timed("**validate_store, whole** (side by side)", lambda: validation.validate_store(
        store, shapes, graph_files=graph_files))
    core, sparql = validation._split_sparql_constraints(shapes)
    report = timed("pyshacl-turbo alone", lambda: validation._turbo_report(
        pyshacl_turbo, *validation._ascii_union(store), core))
    for shape, constraint in sparql:
        whole = validation.evaluable_once(str(shapes.value(constraint, validation.SH.select)), validation._declared_prefixes(shapes, constraint))
        how = "whole graph" if whole else "per focus node"
        timed(f"pyoxigraph: {validation._short(constraint)} ({how})", lambda: validation._add_sparql_results(
            report, store, shapes, shape, constraint, whole_graph=whole))
    timed("read_results", lambda: validation.read_results(report, validation._StoreView(store), graph_files))
    assert isinstance(outcome, ValidationOutcome)
    lines = [
        f"validate_store on {triples:,} generated triples (seed {seed}), {len(store):,} quads: "
        f"{len(outcome.violations)} violations, {len(outcome.warnings)} warnings; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "",
        "| piece | wall s | CPU s | peak RSS MiB |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |" for name, wall, cpu, peak in rows]
    return "\n".join(lines)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
