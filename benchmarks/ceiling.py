"""kg under load beside a Python server doing no more than a SPARQL answer needs, and Oxigraph's.

    nice .venv/bin/python benchmarks/ceiling.py [--triples 1e4] [--queries all] [--threads 4]
        [--kg NAME=OPTIONS ...] [--longest-round 30]

Issue 13 asks kg, under load, for at least 0.8x the throughput of Oxigraph's server on queries
never asked before. kg answers from Python behind granian (its WSGI server) and evaluates in a
sandboxed query-worker process. This script measures what the first half allows on its own: a
WSGI callable under granian with `kg serve`'s granian options (two HTTP processes, --threads
request threads each) that reads the query as kg does (kg.web.sparql_shortcut's decoder, in C),
evaluates it with pyoxigraph in the request's own thread on the same store and answers
pyoxigraph's serialization, and does nothing else: no screen, no query worker, no time, memory or
row limit, no cache, no log. It is the ceiling of kg's design at those options, not of every
Python server (another interface than WSGI, say, may do more).

The generator's graph (benchmarks/synthetic.py, seed 1) is built in a scratch project as
growth.py builds it. On its store, for each --threads value a `kg serve --threads N` (started
warm on that very build, checked) and the callable with N threads ("in-process N"), and
Oxigraph's server (`oxigraph serve-read-only`) run side by side; every server first answers each
query three times one at a time (its rows checked against pyoxigraph's), and each query is loaded
as growth.py loads it: wrk, 8 connections, a comment never sent before on every request, the rate
being wrk's count of answers ÷ the seconds loaded. The servers take turns, kg and the callable
for each --threads value, Oxigraph twice, then back in the reverse order, each round ten times
the query's expected latency under load on the slowest server (at least 2 s), each begun once
every server is idle. A query whose rounds would pass --longest-round seconds is left out, said
so. --kg adds a `kg serve` with other options (say, `--simultaneous-queries 4`), in the order given,
after the pairs.

Prints a Markdown table (each server's rate in each round, the ratios of the mean rates) and the
medians of the ratios over the queries loaded.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import endpoint  # noqa: E402  (benchmarks/ is not a package)
import growth  # noqa: E402
import request_path  # noqa: E402
from kg.build_cache import manifest_store  # noqa: E402
from kg.namespaces import BASE, PREFIXES  # noqa: E402
from kg.querying import get_named_query, list_named_queries  # noqa: E402

IN_PROCESS = "in-process"
OXIGRAPH = "oxigraph"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=lambda text: int(float(text)), default=10_000,
                        help="input triples of the generator's graph (1e4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", default="all", help="named queries, comma-separated (all)")
    parser.add_argument("--threads", default="4",
                        help="request threads per HTTP process, for kg serve and the callable alike (4)")
    parser.add_argument("--kg", action="append", default=[], metavar="NAME=OPTIONS",
                        help="also a kg serve with these options, e.g. 'sq4=--simultaneous-queries 4' "
                             "(repeatable; measured against Oxigraph's server only)")
    parser.add_argument("--longest-round", type=float, default=30.0, metavar="SECONDS",
                        help="leave out a query whose rounds would last longer (30)")
    parser.add_argument("--serve-in-process", nargs=3, metavar=("PORT", "STORE", "THREADS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_in_process:
        port, store, threads = args.serve_in_process
        _serve_in_process(int(port), store, int(threads))
        return
    # Said before a build of a minute, not after it.
    known = [query.name for query in list_named_queries(ROOT / "queries")]
    names = known if args.queries == "all" else [n.strip() for n in args.queries.split(",")]
    if not names or "" in names or len(set(names)) != len(names):
        parser.exit(2, f"ceiling.py: --queries takes distinct names, comma-separated: {args.queries!r}\n")
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.exit(2, f"ceiling.py: no named query {', '.join(unknown)} in queries/\n")
    args.queries = names
    try:
        threads = [int(n) for n in args.threads.split(",")]
    except ValueError:
        parser.exit(2, f"ceiling.py: --threads takes whole numbers, comma-separated: {args.threads!r}\n")
    if len(set(threads)) != len(threads) or min(threads) < 1:
        parser.exit(2, f"ceiling.py: --threads takes distinct numbers of at least 1: {args.threads!r}\n")
    variants = {}
    for given in args.kg:
        name, equals, options = given.partition("=")
        if not equals or not name.strip() or f"kg {name.strip()}" in {*variants, *(f"kg {n}" for n in threads)}:
            parser.exit(2, f"ceiling.py: --kg takes NAME=OPTIONS, each NAME once: {given!r}\n")
        variants[f"kg {name.strip()}"] = options.split()
    if not (growth.BIN / "oxigraph").exists():
        parser.exit(2, "ceiling.py: Oxigraph's server is needed: .venv/bin/pip install -e '.[bench]'\n")
    if not shutil.which("wrk"):
        parser.exit(2, "ceiling.py: wrk is needed to load the servers (apt-get install wrk)\n")
    args.load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kg-ceiling-") as folder:
        scratch = Path(folder)
        store = request_path._built_store(scratch, args.triples, args.seed)
        project = scratch / "project"
        kg = growth._kg_command(project, args.triples, args.seed)
        servers = {f"kg {n}": endpoint.Server(f"kg{n}", [*kg, "--threads", str(n)], "/sparql")
                   for n in threads}
        servers |= {name: endpoint.Server(name.replace(" ", ""), [*kg, *options], "/sparql")
                    for name, options in variants.items()}
        for n in threads:
            servers[f"{IN_PROCESS} {n}"] = endpoint.Server(f"{IN_PROCESS}{n}", [
                sys.executable, __file__, "--serve-in-process", "{port}", str(store), str(n)], "/sparql")
        servers[OXIGRAPH] = endpoint.Server(OXIGRAPH, [
            str(growth.BIN / "oxigraph"), "serve-read-only", "--location", str(store),
            "--bind", "127.0.0.1:{port}"], "/query")
        with growth._environment(KG_ROOT=str(project)):
            _measure(args, servers, store)


def _measure(args: argparse.Namespace, servers: dict[str, endpoint.Server], store_path: Path) -> None:
    running: dict[str, tuple[str, subprocess.Popen]] = {}
    try:
        for name, server in servers.items():
            url, process, _ = endpoint._start(server, growth.PROBE)
            running[name] = (url, process)
            if name.startswith("kg") and manifest_store(store_path.parent) != store_path.name:
                # Its build key covers kg's code: an edit meanwhile makes its start a new build.
                raise SystemExit(f"ceiling.py: {name} built again instead of serving {store_path.name}: "
                                 "run benchmarks from a checkout nobody edits meanwhile")
        callables = [name for name in servers if name.startswith(IN_PROCESS)]
        kgs = [name for name in servers if name.startswith("kg")][:len(callables)]
        others = [name for name in servers if name.startswith("kg")][len(callables):]
        first = [way for pair in zip(kgs, callables) for way in pair] + others
        order = [*first, OXIGRAPH, OXIGRAPH, *reversed(first)]
        pids = [process.pid for _, process in running.values()]
        cores = len(os.sched_getaffinity(0))
        store = pyoxigraph.Store.read_only(str(store_path))
        print(f"{args.triples:,} input triples; {cores} cores; load average {args.load_before:.2f} "
              f"before the build, {os.getloadavg()[0]:.2f} once the servers answered; order "
              f"{', '.join(order)} (N: --threads N, the request threads of each of two HTTP "
              f"processes); wrk c={growth.CONNECTIONS}")
        print()
        keys = [(way, OXIGRAPH) for way in first] + list(zip(kgs, callables))
        header = [f"{way} req/s" for way in servers] + [f"{a} ÷ {b}" for a, b in keys]
        print("| query | round | " + " | ".join(header) + " |")
        print("|---|---:|" + "---:|" * len(header))
        ratios: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
        for name in args.queries:
            text = get_named_query(name, ROOT / "queries").text
            expected = growth._answer_rows(growth.direct_answer(store, text))
            slowest = 0.0
            for way, (url, _) in running.items():
                seconds, body = _one_at_a_time(url, text, post=way == OXIGRAPH)
                if growth._answer_rows(body) != expected:
                    raise SystemExit(f"ceiling.py: {way} does not answer {name} as pyoxigraph does")
                slowest = max(slowest, seconds)
            latency = slowest * growth.CONNECTIONS / cores
            round_s = math.ceil(max(growth.SHORTEST_ROUND_S, growth.LATENCIES_PER_ROUND * latency))
            if round_s > args.longest_round:
                print(f"| {name} | left out: rounds of {round_s:.0f} s |" + " |" * len(header), flush=True)
                continue
            rates: dict[str, list[float]] = {way: [] for way in servers}
            for way in order:
                growth._wait_until_idle(pids, limit=max(5.0, 4 * latency))
                count, seconds, problem = growth._wrk(
                    running[way][0], text, round_s, post_long=way == OXIGRAPH)
                if problem:
                    raise SystemExit(f"ceiling.py: {name}, {way}: {problem}")
                rates[way].append(count / seconds)
            means = {way: statistics.mean(values) for way, values in rates.items()}
            for a, b in keys:
                ratios[(a, b)].append(means[a] / means[b])
            cells = [" / ".join(f"{rate:,.1f}" for rate in rates[way]) for way in servers]
            cells += [f"{ratios[key][-1]:.2f}x" for key in keys]
            print(f"| {name} | {round_s} s | " + " | ".join(cells) + " |", flush=True)
        loaded = len(ratios[keys[0]])
        if loaded:
            print()
            print(f"Medians over the {loaded} queries loaded: " + "; ".join(
                f"{a} ÷ {b} {statistics.median(found):.2f}x"
                + (f" ({_meeting(found)} meet 0.8x)" if b == OXIGRAPH else "")
                for (a, b), found in ratios.items()) + ".")
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


def _serve_in_process(port: int, store_path: str, threads: int) -> None:
    """Serve, under granian with kg serve's options, a WSGI callable that evaluates GET /sparql
    in the request's thread with pyoxigraph and answers its serialization, nothing else."""
    from granian.server import Server

    from kg.web.serving import granian_options
    from kg.web.settings import Settings
    from kg.web.sparql_shortcut import query_parameters

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
        # GET only: the benchmark POSTs to Oxigraph's server alone. Decoded as kg decodes it.
        text = query_parameters(environ.get("QUERY_STRING", ""))["query"]
        results = store().query(text, base_iri=BASE, prefixes=PREFIXES)
        if isinstance(results, pyoxigraph.QueryTriples):
            body, media_type = results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), "application/n-triples"
        else:
            body = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
            media_type = "application/sparql-results+json"
        start_response("200 OK", [("Content-Type", media_type), ("Content-Length", str(len(body)))])
        return [body]

    Server("ceiling:answer", **granian_options(Settings(port=port, threads=threads))).serve(
        target_loader=lambda _target: answer, wrap_loader=True)


if __name__ == "__main__":
    main()
