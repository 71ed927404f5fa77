"""Throughput and latency of `kg serve` against bare Oxigraph and rdflib-endpoint, same data, same queries.

    .venv/bin/pip install -e '.[bench]'   # oxigraph and rdflib-endpoint; `make bench` does it
    .venv/bin/python benchmarks/endpoint.py [--duration 10] [--rounds 3]
    .venv/bin/python benchmarks/endpoint.py --data build/dataset.nq   # the shipped build
    .venv/bin/python benchmarks/endpoint.py --triples 100000 --seed 1 --only kg oxigraph

The data: by default a synthetic graph of about 10^4 triples from the seeded
benchmarks/synthetic.py (the seed build_speed.py uses), built by kg's own pipeline (OWL 2 RL
closure and rules, no SHACL) in a scratch project, so that it holds kgo:regimeInPower like the
real build; or, with --data, an N-Quads file such as build/dataset.nq. All servers load the
same N-Quads and query the union of its named graphs as their default graph: `kg serve --as-is`
as served (repeated queries answered from its answer cache), the same with `--answer-cache 0`
(every request evaluated: what a query never asked before costs), `oxigraph serve-read-only
--union-default-graph`, and rdflib-endpoint (whose Dataset has default_union).

The queries have kg's shape: a lookup (everything about one delivery, the first one that
has a regime in power), an aggregate (queries/totals-per-model.rq) and the regime join
(deliveries with the regime in power and its head's label, ordered). Before any load, each
server must return the very rows pyoxigraph returns in this process (order aside), or the script
stops; their numbers go to stderr and into the table's header.

Each server runs alone on a free 127.0.0.1 port and gets each query from 8 concurrent clients
for a bounded time: `wrk` when installed (`apt-get install wrk`), otherwise a thread-pool client
in Python. Prints a Markdown table of requests/s, p50 and p99 per server and query, with both kg's
ratios to the others, each server's start to first answer, and the machine's load. Loopback
only; every request loop stops by count and by time.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

# benchmarks/ is not a package: soak.py and synthetic.py come from the folder on the path.
import soak
import synthetic


BIN = Path(sys.executable).parent
PREFIXES = """PREFIX kgo:  <https://w3id.org/kg-mali/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# The delivery the lookup asks about: the first, in IRI order, that the rules link to a regime.
TRANSFER = PREFIXES + """SELECT ?transfer WHERE {
  ?transfer a kgo:Delivery ; kgo:regimeInPower ?regime .
} ORDER BY ?transfer LIMIT 1"""
LOOKUP = "SELECT ?p ?o WHERE {{ <{transfer}> ?p ?o }}"
AGGREGATE = ROOT / "queries" / "totals-per-model.rq"
JOIN = PREFIXES + """SELECT ?transfer ?year ?regime ?head WHERE {
  ?transfer a kgo:Delivery ;
            kgo:deliveryYear ?year ;
            kgo:regimeInPower ?regime .
  ?regime kgo:headedBy ?person .
  ?person rdfs:label ?head FILTER (lang(?head) = "en")
} ORDER BY ?year ?transfer ?regime"""
CONCURRENCY = 8
MAX_REQUESTS = 200_000  # per run, on top of the time bound
ACCEPT = {"Accept": "application/sparql-results+json"}
UNCACHED = "kg-no-cache"
KG_SERVERS = ("kg", UNCACHED)


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    endpoint: str  # path of the query endpoint


@dataclass(frozen=True)
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Workload:
    """The three queries, and the rows each returns from the data (pyoxigraph, in-process)."""

    queries: dict[str, str]
    answers: dict[str, list[str]]  # each query's rows, see _rows
    quads: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        help="N-Quads to serve, e.g. build/dataset.nq (default: a synthetic build)",
    )
    parser.add_argument("--triples", type=int, default=10_000, help="size of the synthetic graph")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic graph")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per server and query")
    parser.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    parser.add_argument("--rounds", type=int, default=1, help="measure each cell N times, keep the median")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--only", nargs="*", default=None, help=f"servers to run (kg, {UNCACHED}, oxigraph, rdflib-endpoint)"
    )
    args = parser.parse_args()
    tool = "wrk" if args.tool == "auto" and shutil.which("wrk") else args.tool
    tool = "python" if tool == "auto" else tool

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        scratch = Path(folder)
        if args.data:
            data, label = args.data, str(args.data)
        else:
            data = _synthetic_build(scratch, args.triples, args.seed)
            label = f"synthetic {args.triples:,} (seed {args.seed}), built"
        workload = _workload(data)
        servers = _servers(data, scratch, args.workers)
        if args.only:
            servers = [s for s in servers if s.name in args.only]
        running: dict[str, tuple[str, subprocess.Popen]] = {}
        starts: dict[str, float] = {}
        try:
            for server in servers:  # one at a time, so each start is timed on a quiet machine
                url, process, starts[server.name] = _start(server, workload.queries["lookup"])
                running[server.name] = (url, process)
                _check_answers(url, workload)
            # Servers idle while another is measured; taking each query's cells back to back
            # keeps the ratios fair when the machine's background load drifts.
            rounds: dict[tuple[str, str], list[Measure]] = {}
            for _ in range(args.rounds):
                for query, text in workload.queries.items():
                    for name, (url, _process) in running.items():
                        measure = _load(url, text, args.duration, tool)
                        rounds.setdefault((name, query), []).append(measure)
        finally:
            for _url, process in running.values():
                process.terminate()
                process.wait(timeout=30)
    results = {
        name: {query: _median(rounds[(name, query)]) for query in workload.queries}
        for name in running
    }
    print(_table(results, starts, workload, label, tool, args.duration, args.rounds))


def _synthetic_build(scratch: Path, triples: int, seed: int) -> Path:
    started = time.monotonic()
    result = synthetic.scratch_build(scratch, triples, seed)
    print(
        f"# built synthetic-{triples}-{seed}: {result.manifest['dataset']['quads']:,} quads "
        f"in {time.monotonic() - started:.2f} s",
        file=sys.stderr,
    )
    return result.dataset_path


def _workload(data: Path) -> Workload:
    """The queries on these data, with the rows each must return, as pyoxigraph answers them."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(data), format=pyoxigraph.RdfFormat.N_QUADS)

    def select(text: str) -> list[str]:
        results = store.query(text, use_default_graph_as_union=True)
        return _rows(json.loads(results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)))

    transfers = [json.loads(row)["transfer"]["value"] for row in select(TRANSFER)]
    if not transfers:
        raise SystemExit(f"{data}: no arms transfer with a kgo:regimeInPower; is it a kg build?")
    print(f"# lookup of <{transfers[0]}>", file=sys.stderr)
    queries = {
        "lookup": LOOKUP.format(transfer=transfers[0]),
        "aggregate": AGGREGATE.read_text(encoding="utf-8"),
        "join": JOIN,
    }
    return Workload(queries, {name: select(text) for name, text in queries.items()}, len(store))


def _rows(results: dict[str, Any]) -> list[str]:
    """SPARQL JSON results as comparable rows, in a fixed order; blank nodes match any other."""
    return sorted(
        json.dumps(
            {k: {"type": "bnode"} if v["type"] == "bnode" else v for k, v in row.items()},
            sort_keys=True,
        )
        for row in results["results"]["bindings"]
    )


def _start(server: Server, probe: str) -> tuple[str, subprocess.Popen, float]:
    port = soak.free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in server.command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}{server.endpoint}"
    try:
        _wait_until_answering(url, probe, process)
    except BaseException:
        process.terminate()
        raise
    return url, process, time.monotonic() - started


def _median(measures: list[Measure]) -> Measure:
    ordered = sorted(measures, key=lambda m: m.rps)
    return ordered[len(ordered) // 2]


def _servers(data: Path, scratch: Path, workers: int | None) -> list[Server]:
    kg = [
        str(BIN / "kg"),
        "serve",
        "--data",
        str(data),
        "--as-is",
        "--port",
        "{port}",
        "--query-timeout",
        "30",
    ]
    if workers:
        kg += ["--workers", str(workers)]
    # kg as served (repeated queries replayed from its answer cache), and with every query
    # evaluated: the second is what a query never asked before costs.
    servers = [Server("kg", kg, "/sparql"), Server(UNCACHED, [*kg, "--answer-cache", "0"], "/sparql")]
    oxigraph = BIN / "oxigraph"
    if oxigraph.exists():
        location = scratch / "oxigraph"
        subprocess.run(
            [str(oxigraph), "load", "--location", str(location), "--file", str(data)],
            check=True,
            capture_output=True,
        )
        servers.append(
            Server(
                "oxigraph",
                [
                    str(oxigraph),
                    "serve-read-only",
                    "--location",
                    str(location),
                    "--bind",
                    "127.0.0.1:{port}",
                    "--union-default-graph",
                ],
                "/query",
            )
        )
    rdflib_endpoint = BIN / "rdflib-endpoint"
    if rdflib_endpoint.exists():
        servers.append(
            Server(
                "rdflib-endpoint",
                [
                    str(rdflib_endpoint),
                    "serve",
                    str(data),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "{port}",
                ],
                "/",
            )
        )  # its --help says /sparql, but it answers at the root
    return servers


def _query_url(url: str, text: str) -> str:
    return f"{url}?{urllib.parse.urlencode({'query': text})}"


def _wait_until_answering(
    url: str, text: str, process: subprocess.Popen, limit: float = 120
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}: {process.args}")
        try:
            request = urllib.request.Request(_query_url(url, text), headers=ACCEPT)
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.01)
    raise SystemExit(f"no answer from {url} within {limit} s")


def _check_answers(url: str, workload: Workload) -> None:
    """Every server must return the rows pyoxigraph does, or the comparison is meaningless."""
    for name, text in workload.queries.items():
        request = urllib.request.Request(_query_url(url, text), headers=ACCEPT)
        with urllib.request.urlopen(request, timeout=60) as response:
            rows = _rows(json.load(response))
        print(f"# {url} {name}: {len(rows)} rows", file=sys.stderr)
        if rows != workload.answers[name]:
            expected = workload.answers[name]
            raise SystemExit(
                f"{url}: query {name} returned {len(rows)} rows, not the {len(expected)} "
                f"pyoxigraph returns (first difference: {_first_difference(rows, expected)})"
            )


def _first_difference(rows: list[str], expected: list[str]) -> str:
    extra, missing = sorted(set(rows) - set(expected)), sorted(set(expected) - set(rows))
    if extra:
        return f"unexpected {extra[0]}"
    return f"missing {missing[0]}" if missing else "a row repeated"


def _load(url: str, text: str, duration: float, tool: str) -> Measure:
    return _wrk(url, text, duration) if tool == "wrk" else _python_load(url, text, duration)


def _wrk(url: str, text: str, duration: float) -> Measure:
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONCURRENCY}",
            f"-d{duration:g}s",
            "--timeout",
            "30s",
            "--latency",
            "-H",
            f"Accept: {ACCEPT['Accept']}",
            _query_url(url, text),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    if re.search(r"Non-2xx or 3xx responses", output):
        raise SystemExit(f"non-2xx answers from {url}:\n{output}")
    return Measure(rps, _wrk_percentile(output, "50%"), _wrk_percentile(output, "99%"))


def _wrk_percentile(output: str, which: str) -> float:
    value, unit = re.search(rf"{which}\s+([\d.]+)(us|ms|s)\b", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_load(url: str, text: str, duration: float) -> Measure:
    parsed = urllib.parse.urlsplit(_query_url(url, text))
    target = f"{parsed.path}?{parsed.query}"
    deadline = time.monotonic() + duration
    budget = MAX_REQUESTS // CONCURRENCY

    def client() -> list[float]:
        latencies: list[float] = []
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        while time.monotonic() < deadline and len(latencies) < budget:
            started = time.perf_counter()
            connection.request("GET", target, headers=ACCEPT)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status} from {url}")
            latencies.append(time.perf_counter() - started)
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        connection.close()
        return latencies

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        latencies = sorted(
            t for part in pool.map(lambda _: client(), range(CONCURRENCY)) for t in part
        )
    elapsed = time.monotonic() - started
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Measure(len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000)


def _table(
    results: dict[str, dict[str, Measure]],
    starts: dict[str, float],
    workload: Workload,
    label: str,
    tool: str,
    duration: float,
    rounds: int,
) -> str:
    rows = ", ".join(f"{query} {len(answer):,}" for query, answer in workload.answers.items())
    out = [
        (
            f"{label}: {workload.quads:,} quads; rows per answer: {rows}. Concurrency "
            f"{CONCURRENCY}, {duration:g} s per cell (median of {rounds}), load by {tool}, "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end."
        ),
        "",
        f"| query | server | req/s | p50 ms | p99 ms | kg ÷ server | {UNCACHED} ÷ server |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for query in workload.queries:
        for server, measures in results.items():
            m = measures[query]
            ratios = [
                f"{results[kg][query].rps / m.rps:.2f}x"
                if kg in results and server not in KG_SERVERS
                else ""
                for kg in KG_SERVERS
            ]
            out.append(
                f"| {query} | {server} | {m.rps:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
                + " | ".join(ratios)
                + " |"
            )
    out.append("")
    out.append("Start to first answer: " + ", ".join(f"{k} {v:.2f} s" for k, v in starts.items()))
    return "\n".join(out)


if __name__ == "__main__":
    main()
