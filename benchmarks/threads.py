"""`kg serve --threads` under load: how many evaluations at once suit these 2 cores.

    nice .venv/bin/python benchmarks/threads.py [--triples 1e6] [--threads 4,2]
        [--queries editorial-notes,agreements,conflicts,office-holders,regimes,meetings]

The generator's graph (benchmarks/synthetic.py, seed 1) is built in a scratch project, in a child
process (growth.py's build, without SHACL). On its store, one `kg serve` per --threads value (each
with the default two HTTP processes, so twice as many query workers as threads) and Oxigraph's
server (`oxigraph serve-read-only`) run side by side, warm, and each query is loaded as growth.py
loads it: wrk, 8 connections, a comment never sent before on every request, the rate being wrk's
own count of answers ÷ the seconds loaded. The servers take turns in the order given, then
Oxigraph twice, then back (kg 4, kg 2, Oxigraph, Oxigraph, kg 2, kg 4: the machine's speed drifts
within minutes), each round ten times the query's expected latency under load (Oxigraph's one-at-a-
time time × 8 connections ÷ the cores; at least 2 s), each begun once every server is idle. A query
whose rounds would pass --longest-round seconds is left out and said so.

Prints a Markdown table: each server's rate in each round, and the ratios of the mean rates.
"""

import argparse
import http.client
import os
import signal
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
from kg.querying import get_named_query  # noqa: E402

QUERIES = "editorial-notes,agreements,conflicts,office-holders,regimes,meetings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=lambda text: int(float(text)), default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", default="4,2", help="kg serve --threads values, in turn")
    parser.add_argument("--queries", default=QUERIES, help="named queries (queries/*.rq)")
    parser.add_argument("--longest-round", type=float, default=30.0, metavar="SECONDS")
    args = parser.parse_args()
    threads = [int(n) for n in args.threads.split(",")]
    if not (growth.BIN / "oxigraph").exists():
        parser.exit(2, "threads.py: Oxigraph's server is needed: .venv/bin/pip install -e '.[bench]'\n")
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
            _measure(args, servers, threads)


def _measure(args: argparse.Namespace, servers: dict[str, endpoint.Server], threads: list[int]) -> None:
    running: dict[str, tuple[str, subprocess.Popen]] = {}
    try:
        for name, server in servers.items():
            url, process, _ = endpoint._start(server, growth.PROBE)
            running[name] = (url, process)
        kgs = [name for name in servers if name != "oxigraph"]
        order = [*kgs, "oxigraph", "oxigraph", *reversed(kgs)]
        pids = [process.pid for _, process in running.values()]
        cores = len(os.sched_getaffinity(0))
        print(f"{args.triples:,} input triples; {cores} cores; load average "
              f"{os.getloadavg()[0]:.2f} before; order {', '.join(order)}; wrk c={growth.CONNECTIONS}")
        print()
        header = [f"{name} req/s" for name in servers]
        ratios = [f"{name} ÷ oxigraph" for name in kgs] + ([f"{kgs[-1]} ÷ {kgs[0]}"] if len(kgs) > 1 else [])
        print("| query | round | " + " | ".join(header + ratios) + " |")
        print("|---|---:|" + "---:|" * (len(header) + len(ratios)))
        for name in args.queries.split(","):
            text = get_named_query(name, ROOT / "queries").text
            latency = _one_at_a_time(running["oxigraph"][0], text) * growth.CONNECTIONS / cores
            round_s = max(growth.SHORTEST_ROUND_S, growth.LATENCIES_PER_ROUND * latency)
            if round_s > args.longest_round:
                blank = " |" * (len(header) + len(ratios))
                print(f"| {name} | left out: rounds of {round_s:.0f} s |{blank}", flush=True)
                continue
            rates: dict[str, list[float]] = {way: [] for way in servers}
            for way in order:
                growth._wait_until_idle(pids, limit=max(5.0, 4 * latency))
                count, seconds, problem = growth._wrk(
                    running[way][0], text, int(round_s + 0.5), post_long=way == "oxigraph")
                if problem:
                    raise SystemExit(f"threads.py: {name}, {way}: {problem}")
                rates[way].append(count / seconds)
            means = {way: statistics.mean(values) for way, values in rates.items()}
            cells = [" / ".join(f"{rate:,.1f}" for rate in rates[way]) for way in servers]
            cells += [f"{means[way] / means['oxigraph']:.2f}x" for way in kgs]
            if len(kgs) > 1:
                cells.append(f"{means[kgs[-1]] / means[kgs[0]]:.2f}x")
            print(f"| {name} | {int(round_s + 0.5)} s | " + " | ".join(cells) + " |", flush=True)
        print()
        print(f"Load average {os.getloadavg()[0]:.2f} after.")
    finally:
        for _, process in running.values():
            process.send_signal(signal.SIGINT)
            process.wait()


def _one_at_a_time(url: str, text: str) -> float:
    """Oxigraph's median seconds for the query, three requests one at a time, fresh comments."""
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
            raise SystemExit(f"threads.py: Oxigraph's server answered {response.status}")
    return statistics.median(times)


if __name__ == "__main__":
    main()
