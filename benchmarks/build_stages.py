"""A cold `kg build` of a generated graph, stage by stage: seconds and peak resident memory.

    .venv/bin/python benchmarks/build_stages.py --triples 100000 [--seed 1] [--no-validation]

Generates the graph (benchmarks/synthetic.py), makes a scratch project of it with kg's
ontology, rules and shapes, and builds it once, cold, in a fresh process, with the progress
display on stderr. Prints a Markdown table: each stage's wall and CPU seconds (CPU time says
what a stage costs on a machine shared with other work) and the process's peak resident
memory when the stage ended (peak memory only grows, so a stage's own peak is the
first row where the figure rises), then the whole build's.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a child process, so that the generator's memory does not count and the process is cold.
CHILD = """
import resource, sys, time
from pathlib import Path
from kg.build import BuildOptions, PrintingReporter, build

root, source, validate = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
rows = []

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

class Reporter(PrintingReporter):
    used = cpu()

    def stage(self, name, seconds, summary):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        now = cpu()
        rows.append((name, seconds, now - Reporter.used, peak, summary))
        Reporter.used = now
        super().stage(name, seconds, summary)

start = time.perf_counter()
build(root, BuildOptions(validate=validate), force=True,
      reporter=Reporter(lambda s: print(s, file=sys.stderr, flush=True),
                        lambda s: print(s, file=sys.stderr, flush=True)),
      data=[source])
total = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for name, seconds, used, stage_peak, summary in rows:
    print(f"{name}\\t{seconds:.2f}\\t{used:.2f}\\t{stage_peak:.0f}\\t{summary}")
print(f"total\\t{total:.2f}\\t{cpu():.2f}\\t{peak:.0f}\\t")
"""


def scratch_project(work: Path, triples: int, seed: int) -> tuple[Path, Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic  # noqa: PLC0415  (benchmarks/ is not a package)

    root = work / "project"
    (root / "data").mkdir(parents=True)
    for folder in ("ontology", "rules", "shapes"):
        (root / folder).symlink_to(ROOT / folder, target_is_directory=True)
    source = root / "data" / f"synthetic-{triples}-{seed}.trig"
    source.write_text(synthetic.generate(triples, seed), encoding="utf-8")
    return root, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-validation", action="store_true", help="skip the SHACL stage")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-build-stages-") as work:
        root, source = scratch_project(Path(work), args.triples, args.seed)
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(root), str(source), "0" if args.no_validation else "1"],
            stdout=subprocess.PIPE, text=True,
        )
        wall = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"the build failed (exit {child.returncode})")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"# cold build of {args.triples:,} generated triples (seed {args.seed}), "
          f"{'without' if args.no_validation else 'with'} SHACL; wall {wall:.1f} s, "
          f"peak RSS {children:.0f} MiB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| stage | wall s | CPU s | peak RSS MiB | summary |")
    print("|---|---:|---:|---:|---|")
    for line in child.stdout.splitlines():
        name, seconds, used, peak, summary = line.split("\t")
        print(f"| {name} | {seconds} | {used} | {peak} | {summary} |")


if __name__ == "__main__":
    main()
