"""The ceiling of kg's design under load: pyoxigraph evaluating in granian's Python threads.

    nice .venv/bin/python benchmarks/ceiling.py [--triples 1e4] [--queries all]
        [--longest-round 30]

Issue 13 asks kg, under load, for at least 0.8x the throughput of Oxigraph's server on queries
never asked before. kg answers from Python behind granian (its WSGI server) and evaluates in a
sandboxed query-worker process. This script measures what the first half alone allows: a WSGI
callable under granian, with `kg serve`'s granian options (two HTTP processes, four threads
each), that evaluates the query with pyoxigraph in the request's own thread on the same store and
answers pyoxigraph's serialization, doing nothing else: no screen, no worker process, no time or
memory limit, no row limit, no cache, no log. No Python server can do less for a SPARQL answer.

The generator's graph (benchmarks/synthetic.py, seed 1) is built in a scratch project as
growth.py builds it. On its store, `kg serve` (the default options), that callable ("in-process")
and Oxigraph's server (`oxigraph serve-read-only`) run side by side, each answering every query
once first, and each query is loaded as growth.py loads it: wrk, 8 connections, a comment never
sent before on every request, the rate being wrk's count of answers ÷ the seconds loaded. The
servers take turns kg, in-process, Oxigraph, Oxigraph, in-process, kg, each round ten times the
query's expected latency under load on the slowest server (at least 2 s), each begun once every
server is idle. A query whose rounds would pass --longest-round seconds is left out, said so.

Prints a Markdown table (each server's mean rate, the ratios) and the medians of the ratios over
the queries loaded.
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
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import endpoint  # noqa: E402  (benchmarks/ is not a package)
import growth  # noqa: E402
import request_path  # noqa: E402
from kg.namespaces import BASE, PREFIXES  # noqa: E402
from kg.querying import get_named_query, list_named_queries  # noqa: E402

IN_PROCESS = "in-process"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=lambda text: int(float(text)), default=10_000,
                        help="input triples of the generator's graph (1e4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", default="all", help="named queries, comma-separated (all)")
    parser.add_argument("--longest-round", type=float, default=30.0, metavar="SECONDS",
                        help="leave out a query whose rounds would last longer (30)")
    parser.add_argument("--serve-in-process", nargs=2, metavar=("PORT", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_in_process:
        _serve_in_process(int(args.serve_in_process[0]), args.serve_in_process[1])
        return
    known = [query.name for query in list_named_queries(ROOT / "queries")]
    args.queries = known if args.queries == "all" else [n.strip() for n in args.queries.split(",")]
    unknown = [name for name in args.queries if name not in known]
    if unknown:
        parser.exit(2, f"ceiling.py: no named query {', '.join(unknown)} in queries/\n")
    if not (growth.BIN / "oxigraph").exists():
        parser.exit(2, "ceiling.py: Oxigraph's server is needed: .venv/bin/pip install -e '.[bench]'\n")
    if not shutil.which("wrk"):
        parser.exit(2, "ceiling.py: wrk is needed to load the servers (apt-get install wrk)\n")
    args.load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kg-ceiling-") as folder:
        scratch = Path(folder)
        store = request_path._built_store(scratch, args.triples, args.seed)
        project = scratch / "project"
        servers = {
            "kg": endpoint.Server("kg", growth._kg_command(project, args.triples, args.seed), "/sparql"),
            IN_PROCESS: endpoint.Server(IN_PROCESS, [
                sys.executable, __file__, "--serve-in-process", "{port}", str(store)], "/sparql"),
            "oxigraph": endpoint.Server("oxigraph", [
                str(growth.BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                "--bind", "127.0.0.1:{port}"], "/query"),
        }
        with growth._environment(KG_ROOT=str(project)):
            _measure(args, servers, store)


def _measure(args: argparse.Namespace, servers: dict[str, endpoint.Server], store_path: Path) -> None:
    running: dict[str, tuple[str, subprocess.Popen]] = {}
    try:
        for name, server in servers.items():
            url, process, _ = endpoint._start(server, growth.PROBE)
            running[name] = (url, process)
        order = ["kg", IN_PROCESS, "oxigraph", "oxigraph", IN_PROCESS, "kg"]
        pids = [process.pid for _, process in running.values()]
        cores = len(os.sched_getaffinity(0))
        store = pyoxigraph.Store.read_only(str(store_path))
        print(f"{args.triples:,} input triples; {cores} cores; load average {args.load_before:.2f} "
              f"before the build, {os.getloadavg()[0]:.2f} once the servers answered; order "
              f"{', '.join(order)}; wrk c={growth.CONNECTIONS}")
        print()
        print("| query | round | kg req/s | in-process req/s | oxigraph req/s | kg ÷ oxigraph | "
              "in-process ÷ oxigraph | kg ÷ in-process |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        ratios: dict[str, list[float]] = {"kg": [], IN_PROCESS: [], "kg ÷ in-process": []}
        for name in args.queries:
            text = get_named_query(name, ROOT / "queries").text
            expected = growth._answer_rows(growth.direct_answer(store, text))
            slowest = 0.0
            for way, (url, _) in running.items():
                seconds, body = _one_at_a_time(url, text, post=way == "oxigraph")
                if growth._answer_rows(body) != expected:
                    raise SystemExit(f"ceiling.py: {way} does not answer {name} as pyoxigraph does")
                slowest = max(slowest, seconds)
            latency = slowest * growth.CONNECTIONS / cores
            round_s = math.ceil(max(growth.SHORTEST_ROUND_S, growth.LATENCIES_PER_ROUND * latency))
            if round_s > args.longest_round:
                print(f"| {name} | left out: rounds of {round_s:.0f} s | | | | | | |", flush=True)
                continue
            rates: dict[str, list[float]] = {way: [] for way in servers}
            for way in order:
                growth._wait_until_idle(pids, limit=max(5.0, 4 * latency))
                count, seconds, problem = growth._wrk(
                    running[way][0], text, round_s, post_long=way == "oxigraph")
                if problem:
                    raise SystemExit(f"ceiling.py: {name}, {way}: {problem}")
                rates[way].append(count / seconds)
            means = {way: statistics.mean(values) for way, values in rates.items()}
            ratios["kg"].append(means["kg"] / means["oxigraph"])
            ratios[IN_PROCESS].append(means[IN_PROCESS] / means["oxigraph"])
            ratios["kg ÷ in-process"].append(means["kg"] / means[IN_PROCESS])
            cells = [f"{means[way]:,.1f}" for way in servers]
            cells += [f"{ratios[key][-1]:.2f}x" for key in ratios]
            print(f"| {name} | {round_s} s | " + " | ".join(cells) + " |", flush=True)
        if ratios["kg"]:
            print()
            print(f"Medians over the {len(ratios['kg'])} queries loaded: kg ÷ Oxigraph's server "
                  f"{statistics.median(ratios['kg']):.2f}x ({_meeting(ratios['kg'])} meet 0.8x); "
                  f"in-process ÷ Oxigraph's server {statistics.median(ratios[IN_PROCESS]):.2f}x "
                  f"({_meeting(ratios[IN_PROCESS])}); kg ÷ in-process "
                  f"{statistics.median(ratios['kg ÷ in-process']):.2f}x.")
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


def _meeting(ratios: list[float]) -> str:
    return f"{sum(ratio >= 0.8 for ratio in ratios)} of {len(ratios)}"


def _one_at_a_time(url: str, text: str, *, post: bool) -> tuple[float, bytes]:
    """A server's median seconds for the query, three requests one at a time, fresh comments,
    and its last answer."""
    call = growth._http_way(url, lambda n: f"{text}\n# ceiling.py {time.time_ns()} {n}\n", post_long=post)
    times, body = [], b""
    for n in range(3):
        started = time.perf_counter()
        body = call(n)
        times.append(time.perf_counter() - started)
    return statistics.median(times), body


def _serve_in_process(port: int, store_path: str) -> None:
    """Serve, under granian with kg serve's options, a WSGI callable that evaluates GET or POST
    /sparql in the request's thread with pyoxigraph and answers its serialization, nothing else."""
    from granian.server import Server

    from kg.web.serving import granian_options
    from kg.web.settings import Settings

    opened: list[pyoxigraph.Store] = []
    lock = threading.Lock()

    def store() -> pyoxigraph.Store:
        # Opened in each forked HTTP process, never before the fork: a RocksDB handle is not fork-safe.
        if not opened:
            with lock:
                if not opened:
                    opened.append(pyoxigraph.Store.read_only(store_path))
        return opened[0]

    def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            text = environ["wsgi.input"].read(length).decode()
        else:
            text = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
        results = store().query(text, base_iri=BASE, prefixes=PREFIXES)
        if isinstance(results, pyoxigraph.QueryTriples):
            body, media_type = results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), "application/n-triples"
        else:
            body = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
            media_type = "application/sparql-results+json"
        start_response("200 OK", [("Content-Type", media_type), ("Content-Length", str(len(body)))])
        return [body]

    Server("ceiling:answer", **granian_options(Settings(port=port))).serve(
        target_loader=lambda _target: answer, wrap_loader=True)


if __name__ == "__main__":
    main()
