"""A cold `kg build` of a generated graph, stage by stage: seconds and peak resident memory.

    .venv/bin/python benchmarks/build_stages.py --triples 100000 [--seed 1] [--no-validation] [--runs 1]

Generates the graph (benchmarks/synthetic.py), makes a scratch project of it with kg's
ontology, rules and shapes, and builds it once, cold, in a fresh process, with the progress
display on stderr. Prints a Markdown table: each stage's wall and CPU seconds (CPU time says
what a stage costs on a machine shared with other work) and the process's peak resident
memory when the stage ended (peak memory only grows, so a stage's own peak is the
first row where the figure rises), then the whole build's. With --runs N, the same graph is
built N times, each cold in a fresh process, one after the other: a line per build, the median
(the lower of the two middle times when N is even, so that it is one build's), the fastest and
the slowest, and the table of that median build (on a shared machine one build says little:
the same code has taken 99 to 134 s at 10^6 within about an hour).
"""

import argparse
import os
import statistics
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
    parser.add_argument("--runs", type=int, default=1, help="cold builds of the same graph, one after the other")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    what = "without" if args.no_validation else "with"
    builds = []
    with tempfile.TemporaryDirectory(prefix="kg-build-stages-") as work:
        root, source = scratch_project(Path(work), args.triples, args.seed)
        for run in range(1, args.runs + 1):
            builds.append(cold_build(root, source, args.no_validation))
            if args.runs > 1:
                wall, cpu, peak, load, _ = builds[-1]
                print(f"# build {run} of {args.runs}: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS "
                      f"{peak:.0f} MiB, load average {load:.1f}", flush=True)
    walls = sorted(build[0] for build in builds)
    wall, cpu, peak, load, rows = sorted(builds)[(len(builds) - 1) // 2]
    if args.runs > 1:
        print(f"# {args.runs} cold builds of {args.triples:,} generated triples (seed {args.seed}), {what} "
              f"SHACL: wall median {statistics.median_low(walls):.1f} s, fastest {walls[0]:.1f} s, slowest "
              f"{walls[-1]:.1f} s; over 120 s: {sum(w > 120 for w in walls)} of {len(walls)}; "
              f"peak RSS at most {max(b[2] for b in builds):.0f} MiB. The median build:")
    print(f"# cold build of {args.triples:,} generated triples (seed {args.seed}), "
          f"{what} SHACL; wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak:.0f} MiB; "
          f"load average {load:.1f} on {os.cpu_count()} cores")
    print()
    print("| stage | wall s | CPU s | peak RSS MiB | summary |")
    print("|---|---:|---:|---:|---|")
    for line in rows:
        name, seconds, used, peak_then, summary = line.split("\t")
        print(f"| {name} | {seconds} | {used} | {peak_then} | {summary} |")


def cold_build(root: Path, source: Path, no_validation: bool) -> tuple[float, float, float, float, list[str]]:
    """One cold build in a fresh process: wall s, CPU s and peak RSS MiB of that process, the
    load average after it, and its stage rows."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), str(source), "0" if no_validation else "1"],
        stdout=subprocess.PIPE, text=True,
    )
    out, _ = child.communicate()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"the build failed (exit {child.returncode})")
    rows = out.splitlines()
    total = rows[-1].split("\t")
    return wall, float(total[2]), float(total[3]), os.getloadavg()[0], rows


if __name__ == "__main__":
    main()
