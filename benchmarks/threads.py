"""`kg serve --threads` under load: how many evaluations at once suit this machine's cores.

    nice .venv/bin/python benchmarks/threads.py [--triples 1e6] [--threads 4,2]
        [--queries editorial-notes,agreements,conflicts,office-holders,regimes,meetings]
        [--longest-round 30]

The generator's graph (benchmarks/synthetic.py, seed 1) is built in a scratch project, in a child
process (growth.py's build, without SHACL). On its store, one `kg serve` per --threads value (each
with the default two HTTP processes, so twice as many query workers as threads) and Oxigraph's
server (`oxigraph serve-read-only`) run side by side, and each query is loaded as growth.py loads
it: wrk, 8 connections, a comment never sent before on every request, the rate being wrk's own
count of answers ÷ the seconds loaded. Each server first answers the query three times one at a
time (which also warms it); the servers then take turns in the order given, then Oxigraph twice,
then back (kg 4, kg 2, Oxigraph, Oxigraph, kg 2, kg 4: the machine's speed drifts within minutes),
each round ten times the query's expected latency under load on the slowest server (its one-at-a-
time time × 8 connections ÷ the cores, rounded up; at least 2 s), each begun once every server is
idle. A query whose rounds would pass --longest-round seconds is left out and said so.

Prints a Markdown table: each server's rate in each round, and the ratios of the mean rates.
"""

import argparse
import http.client
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import endpoint  # noqa: E402  (benchmarks/ is not a package)
import growth  # noqa: E402
import request_path  # noqa: E402
from kg.querying import get_named_query, list_named_queries  # noqa: E402

QUERIES = "editorial-notes,agreements,conflicts,office-holders,regimes,meetings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=lambda text: int(float(text)), default=1_000_000,
                        help="input triples of the generator's graph (1e6)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", default="4,2", help="kg serve --threads values, in turn (4,2)")
    parser.add_argument("--queries", default=QUERIES, help=f"named queries (queries/*.rq; {QUERIES})")
    parser.add_argument("--longest-round", type=float, default=30.0, metavar="SECONDS",
                        help="leave out a query whose rounds would last longer (30)")
    args = parser.parse_args()
    # Said before a build of a minute, not after it.
    try:
        threads = [int(n) for n in args.threads.split(",")]
    except ValueError:
        parser.exit(2, f"threads.py: --threads takes whole numbers, comma-separated: {args.threads!r}\n")
    if len(set(threads)) != len(threads) or min(threads) < 1:
        parser.exit(2, f"threads.py: --threads takes distinct numbers of at least 1: {args.threads!r}\n")
    args.queries = [name.strip() for name in args.queries.split(",")]
    known = {query.name for query in list_named_queries(ROOT / "queries")}
    unknown = [name for name in args.queries if name not in known]
    if unknown:
        parser.exit(2, f"threads.py: no named query {', '.join(unknown)} in queries/\n")
    if not (growth.BIN / "oxigraph").exists():
        parser.exit(2, "threads.py: Oxigraph's server is needed: .venv/bin/pip install -e '.[bench]'\n")
    if not shutil.which("wrk"):
        parser.exit(2, "threads.py: wrk is needed to load the servers (apt-get install wrk)\n")
    args.load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kg-threads-") as folder:
        scratch = Path(folder)
        store = request_path._built_store(scratch, args.triples, args.seed)
        project = scratch / "project"
        kg = growth._kg_command(project, args.triples, args.seed)
        servers = {f"kg --threads {n}": endpoint.Server(f"kg{n}", [*kg, "--threads", str(n)], "/sparql")
                   for n in threads}
        servers["oxigraph"] = endpoint.Server("oxigraph", [
            str(growth.BIN / "oxigraph"), "serve-read-only", "--location", str(store),
            "--bind", "127.0.0.1:{port}"], "/query")
        with growth._environment(KG_ROOT=str(project)):
            _measure(args, servers)


def _measure(args: argparse.Namespace, servers: dict[str, endpoint.Server]) -> None:
    running: dict[str, tuple[str, subprocess.Popen]] = {}
    try:
        for name, server in servers.items():
            url, process, _ = endpoint._start(server, growth.PROBE)
            running[name] = (url, process)
        kgs = [name for name in servers if name != "oxigraph"]
        order = [*kgs, "oxigraph", "oxigraph", *reversed(kgs)]
        pids = [process.pid for _, process in running.values()]
        cores = len(os.sched_getaffinity(0))
        print(f"{args.triples:,} input triples; {cores} cores; load average {args.load_before:.2f} "
              f"before the build, {os.getloadavg()[0]:.2f} once the servers answered; order "
              f"{', '.join(order)}; wrk c={growth.CONNECTIONS}")
        print()
        header = [f"{name} req/s" for name in servers]
        ratios = [f"{name} ÷ oxigraph" for name in kgs] + ([f"{kgs[-1]} ÷ {kgs[0]}"] if len(kgs) > 1 else [])
        print("| query | round | " + " | ".join(header + ratios) + " |")
        print("|---|---:|" + "---:|" * (len(header) + len(ratios)))
        for name in args.queries:
            text = get_named_query(name, ROOT / "queries").text
            slowest = max(_one_at_a_time(url, text) for url, _ in running.values())
            latency = slowest * growth.CONNECTIONS / cores
            round_s = math.ceil(max(growth.SHORTEST_ROUND_S, growth.LATENCIES_PER_ROUND * latency))
            if round_s > args.longest_round:
                blank = " |" * (len(header) + len(ratios))
                print(f"| {name} | left out: rounds of {round_s:.0f} s |{blank}", flush=True)
                continue
            rates: dict[str, list[float]] = {way: [] for way in servers}
            for way in order:
                growth._wait_until_idle(pids, limit=max(5.0, 4 * latency))
                count, seconds, problem = growth._wrk(
                    running[way][0], text, round_s, post_long=way == "oxigraph")
                if problem:
                    raise SystemExit(f"threads.py: {name}, {way}: {problem}")
                rates[way].append(count / seconds)
            means = {way: statistics.mean(values) for way, values in rates.items()}
            cells = [" / ".join(f"{rate:,.1f}" for rate in rates[way]) for way in servers]
            cells += [f"{means[way] / means['oxigraph']:.2f}x" for way in kgs]
            if len(kgs) > 1:
                cells.append(f"{means[kgs[-1]] / means[kgs[0]]:.2f}x")
            print(f"| {name} | {round_s} s | " + " | ".join(cells) + " |", flush=True)
        print()
        print(f"Load average {os.getloadavg()[0]:.2f} after.")
    finally:
        for _, process in running.values():
            process.terminate()
        for _, process in running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _one_at_a_time(url: str, text: str) -> float:
    """A server's median seconds for the query, three requests one at a time, fresh comments."""
    parsed = urllib.parse.urlsplit(url)
    times = []
    for i in range(3):
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        body = f"{text}\n# threads.py {time.time_ns()} {i}\n".encode()
        started = time.perf_counter()
        connection.request("POST", parsed.path, body, {
            "Content-Type": "application/sparql-query", "Accept": growth.ACCEPT})
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        connection.close()
        if response.status != 200:
            raise SystemExit(f"threads.py: {url} answered {response.status}")
    return statistics.median(times)


if __name__ == "__main__":
    main()
