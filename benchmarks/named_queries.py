"""How each named query's time grows with the graph, before and after a change to queries/.

    nice .venv/bin/python benchmarks/named_queries.py [--sizes 1e4,1e5] [--before REV]
        [--runs 3] [--budget 10] [--give-up 600] [--only transfers-register,uncertain-values]
        [--keep DIR]

For each size, the generator's graph (benchmarks/synthetic.py, seed 1) is built by kg's own
pipeline without SHACL (synthetic.scratch_build); every named query in queries/ is then run by
pyoxigraph in this process on that build's store, opened read-only: query and serialization, as
growth.py's "direct" way. With --before REV, each query's text at that git revision, where it
differs, is timed too, on the same store in the same run, turn about with today's text, and the
two answers must agree (rows compared as growth.py compares them). A text taking longer than
--budget seconds (the endpoint's query timeout) on its first run is timed once; one that would
pass --give-up seconds at this size, grown with the square of the graph from the previous size,
is not run (pyoxigraph cannot stop a query).

Prints a Markdown table, a row per query: the median time at each size, before and after, and
the exponent of its growth from the smallest size to the largest (1 linear, 2 quadratic).
--keep DIR keeps the builds there and reuses them on the next run.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

# benchmarks/ is not a package: its scripts come from the folder on the path.
import growth  # noqa: E402
import synthetic  # noqa: E402
from kg.querying import list_named_queries  # noqa: E402

TEXTS = ("before", "after")


@dataclass
class Timing:
    """One text of one query at one size: rows and median ms, or why it was not timed."""

    rows: int | None = None
    ms: float | None = None
    runs: int = 0
    note: str = ""


@dataclass
class QueryRow:
    name: str
    changed: bool  # the text at --before differs from today's
    times: dict[tuple[int, str], Timing] = field(default_factory=dict)  # (size, text) -> timing
    differ: list[int] = field(default_factory=list)  # sizes where before and after disagree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=growth._sizes, default=growth._sizes("1e4,1e5"),
                        help="input triples, comma-separated (1e4,1e5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", metavar="REV",
                        help="git revision whose queries/ texts are timed beside today's")
    parser.add_argument("--runs", type=int, default=3, help="runs per text and size (median)")
    parser.add_argument("--budget", type=float, default=10.0, metavar="SECONDS",
                        help="a text slower than this on its first run is timed once")
    parser.add_argument("--give-up", type=float, default=600.0, metavar="SECONDS",
                        help="a text predicted (squared growth) to take longer is not run")
    parser.add_argument("--only", type=lambda s: set(filter(None, s.split(","))),
                        help="comma-separated query names")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep and reuse the builds here")
    args = parser.parse_args()
    rows = [QueryRow(q.name, False) for q in list_named_queries(ROOT / "queries")
            if not args.only or q.name in args.only]
    after = {q.name: q.text for q in list_named_queries(ROOT / "queries")}
    before = {row.name: _text_at(args.before, row.name) for row in rows} if args.before else {}
    for row in rows:
        row.changed = before.get(row.name) not in (None, after[row.name])
    for index, size in enumerate(args.sizes):
        with _scratch(args.keep, size, args.seed) as scratch:
            store = pyoxigraph.Store.read_only(str(_store(scratch, size, args.seed)))
            previous = args.sizes[index - 1] if index else None
            for row in rows:
                texts = {"after": after[row.name]}
                if row.changed:
                    texts["before"] = before[row.name]
                answers = _time_texts(row, texts, store, size, previous, args)
                if len(answers) == 2 and answers["before"] != answers["after"]:
                    row.differ.append(size)
                _say(f"{size:,}: {row.name}: " + ", ".join(
                    f"{text} {_cell(row.times[size, text])}" for text in texts)
                    + ("  ANSWERS DIFFER" if size in row.differ else ""))
            del store
    print(table(rows, args.sizes, bool(args.before)))
    print()
    print(f"Command: {' '.join(['benchmarks/named_queries.py', *sys.argv[1:]])}; "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the end")


def _text_at(revision: str, name: str) -> str | None:
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:queries/{name}.rq"],
                           capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


class _scratch:
    """A scratch folder for one size's build: a kept one under --keep, else a temporary one."""

    def __init__(self, keep: Path | None, size: int, seed: int) -> None:
        self.keep, self.name = keep, f"kg-named-queries-{size}-{seed}"

    def __enter__(self) -> Path:
        if self.keep is not None:
            return self.keep / self.name
        self.temporary = tempfile.TemporaryDirectory(prefix=self.name + "-")
        return Path(self.temporary.name)

    def __exit__(self, *_: object) -> None:
        if self.keep is None:
            self.temporary.cleanup()


def _store(scratch: Path, size: int, seed: int) -> Path:
    """The build's store in `scratch`, built now unless a kept one is there."""
    kept = sorted((scratch / "project" / "build" / "served").glob("store-*"))
    if kept:
        _say(f"{size:,}: reusing the build in {scratch}")
        return kept[-1]
    _say(f"{size:,} triples: building")
    started = time.perf_counter()
    built = synthetic.scratch_build(scratch, size, seed)
    _say(f"{size:,}: built in {time.perf_counter() - started:.1f} s, "
         f"{built.manifest['dataset']['quads']:,} quads")
    return built.store_path


def _time_texts(row: QueryRow, texts: dict[str, str], store: pyoxigraph.Store, size: int,
                previous: int | None, args: argparse.Namespace) -> dict[str, list[str]]:
    """Times each text, taking turns run by run; each text's answer rows."""
    answers: dict[str, list[str]] = {}
    samples: dict[str, list[float]] = {}
    for text_name, text in texts.items():
        timing = row.times.setdefault((size, text_name), Timing())
        earlier = row.times.get((previous, text_name)) if previous else None
        if earlier is not None and (earlier.ms is None or
                                    earlier.ms / 1000 * (size / previous) ** 2 > args.give_up):
            timing.note = ("not run: " + earlier.note if earlier.ms is None else
                           f"not run: {earlier.ms / 1000:.1f} s at {previous:,}")
            continue
        started = time.perf_counter()
        answers[text_name] = growth._answer_rows(growth.direct_answer(store, text))
        samples[text_name] = [time.perf_counter() - started]
        timing.rows = len(answers[text_name])
        if samples[text_name][0] > args.budget:
            timing.note = f"over the {args.budget:g} s budget: timed once"
    for _ in range(args.runs - 1):
        for text_name, found in samples.items():
            if row.times[size, text_name].note:
                continue
            started = time.perf_counter()
            growth.direct_answer(store, texts[text_name])
            found.append(time.perf_counter() - started)
    for text_name, found in samples.items():
        timing = row.times[size, text_name]
        timing.ms, timing.runs = statistics.median(found) * 1000, len(found)
    return answers


def table(rows: list[QueryRow], sizes: list[int], with_before: bool) -> str:
    texts = TEXTS if with_before else ("after",)
    header = ["query"]
    for size in sizes:
        header += [f"rows at {size:,}", *(f"{text} ms at {size:,}" for text in texts)]
    if len(sizes) > 1:
        header += [f"growth exponent {text}" for text in texts]
    out = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for row in rows:
        cells = [row.name + (" (changed)" if row.changed else "")]
        for size in sizes:
            after = row.times.get((size, "after"), Timing())
            rows_cell = "–" if after.rows is None else f"{after.rows:,}"
            cells.append(rows_cell + (" (answers differ)" if size in row.differ else ""))
            for text in texts:
                timing = row.times.get((size, text))
                cells.append("same" if text == "before" and not row.changed else
                             _cell(timing) if timing else "–")
        if len(sizes) > 1:
            for text in texts:
                name = text if row.changed else "after"
                first, last = row.times.get((sizes[0], name)), row.times.get((sizes[-1], name))
                cells.append(f"{math.log(last.ms / first.ms) / math.log(sizes[-1] / sizes[0]):.2f}"
                             if first and last and first.ms and last.ms else "–")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _cell(timing: Timing) -> str:
    if timing.ms is None:
        return timing.note or "–"
    figure = f"{timing.ms:,.1f}" if timing.ms < 10_000 else f"{timing.ms / 1000:,.0f} s"
    return figure + (f" ({timing.note})" if timing.note else "")


def _say(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
