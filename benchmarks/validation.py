"""How long validating the shipped data against the shipped shapes takes.

    .venv/bin/python benchmarks/validation.py [--runs 5]

Times, as the median of several runs in one process: loading the ontology, data and shapes;
validating with pySHACL (the engine of record) on the first call, which parses the SPARQL
constraints, and on later calls; with pyshacl-turbo (the second opinion) when it is installed;
with RDFS and OWL 2 RL inference; and `kg validate` end to end in a fresh process, interpreter
start and imports included. Prints a Markdown table. The target is under 2 s for `kg validate`.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kg.loading import load_dataset
from kg.project import data_files, ontology_files, shape_files
from kg.validation import ValidationOutcome, load_shapes, validate_dataset

TARGET_SECONDS = 2.0
KG = Path(sys.executable).parent / "kg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (median)")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
