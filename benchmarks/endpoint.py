"""Throughput and latency of `kg serve` against bare Oxigraph and rdflib-endpoint, same data, same queries.

    .venv/bin/pip install oxigraph rdflib-endpoint[cli]   # the two reference servers
    .venv/bin/python benchmarks/endpoint.py [--data build/dataset.nq] [--duration 10]

Each server runs alone on a free 127.0.0.1 port and gets three queries (a lookup, an aggregate
and a join) from 8 concurrent clients for a bounded time: `wrk` when installed
(`apt-get install wrk`), otherwise a thread-pool client in Python. Prints a Markdown table of
requests/s, p50 and p99 per server and query, with kg's ratios to the others, and kg's warm start
(process start to first answer). Loopback only; every request loop stops by count and by time.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
KG = "https://w3id.org/kg-mali/"
PREFIXES = f"""PREFIX kgo: <{KG}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
QUERIES = {
    "lookup": f"SELECT ?p ?o WHERE {{ <{KG}id/agreement-42> ?p ?o }}",
    "aggregate": "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    "join": PREFIXES
    + """SELECT ?agreement ?label ?date WHERE {
  ?agreement a kgo:CooperationAgreement ; kgo:partner ?partner ; kgo:signedOn ?date .
  ?partner rdfs:label ?label .
  FILTER(?date >= "2015-01-01"^^xsd:date)
} ORDER BY ?date ?agreement LIMIT 50""",
}
CONCURRENCY = 8
MAX_REQUESTS = 200_000  # per run, on top of the time bound


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, help="N-Quads to serve (default: 10^4 synthetic triples)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per server and query")
    parser.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    parser.add_argument("--rounds", type=int, default=1, help="measure each cell N times, keep the median")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--only", nargs="*", default=None, help="servers to run (kg, oxigraph, rdflib-endpoint)"
    )
    args = parser.parse_args()
    tool = "wrk" if args.tool == "auto" and shutil.which("wrk") else args.tool
    tool = "python" if tool == "auto" else tool

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as scratch:
        data = args.data or _synthetic_data(Path(scratch) / "dataset.nq")
        servers = _servers(data, Path(scratch), args.workers)
        if args.only:
            servers = [s for s in servers if s.name in args.only]
        running: dict[str, tuple[str, subprocess.Popen]] = {}
        starts: dict[str, float] = {}
        try:
            for server in servers:  # one at a time, so each start is timed on a quiet machine
                url, process, starts[server.name] = _start(server)
                running[server.name] = (url, process)
                _check_answers(url)
            # Servers idle while another is measured; taking each query's cells back to back
            # keeps the ratios fair when the machine's background load drifts.
            rounds: dict[tuple[str, str], list[Measure]] = {}
            for _ in range(args.rounds):
                for query, text in QUERIES.items():
                    for name, (url, _process) in running.items():
                        measure = _load(url, text, args.duration, tool)
                        rounds.setdefault((name, query), []).append(measure)
        finally:
            for _url, process in running.values():
                process.terminate()
                process.wait(timeout=30)
        results = {
            name: {query: _median(rounds[(name, query)]) for query in QUERIES} for name in running
        }
        print(_table(results, starts, len(_lines(data)), tool, args.duration, args.rounds))


def _start(server: Server) -> tuple[str, subprocess.Popen, float]:
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in server.command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}{server.endpoint}"
    try:
        _wait_until_answering(url, QUERIES["lookup"], process)
    except BaseException:
        process.terminate()
        raise
    return url, process, time.monotonic() - started


def _median(measures: list[Measure]) -> Measure:
    ordered = sorted(measures, key=lambda m: m.rps)
    return ordered[len(ordered) // 2]


def _kg_serve() -> list[str]:
    """`kg serve` once cli.py registers it; until then the very same click command, run alone."""
    from kg.cli import main

    if "serve" in main.commands:
        return [str(BIN / "kg"), "serve"]
    return [str(BIN / "python"), "-m", "kg.web.command"]


def _servers(data: Path, scratch: Path, workers: int | None) -> list[Server]:
    kg = [
        *_kg_serve(),
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
    servers = [Server("kg", kg, "/sparql")]
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


def _synthetic_data(path: Path) -> Path:
    """About 10^4 triples shaped like kg's: actors, agreements between them, in named graphs."""
    rng = random.Random(7)
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    data, inferred, ontology = f"<{KG}graph/data>", f"<{KG}graph/inferred>", f"<{KG}graph/ontology>"
    lines = []
    classes = [
        "Country",
        "ArmedForce",
        "Ministry",
        "InternationalOrganization",
        "CooperationAgreement",
        "TrainingMission",
        "ArmsTransfer",
    ]
    for name in classes:
        lines.append(
            f"<{KG}ontology#{name}> {rdf_type} <http://www.w3.org/2002/07/owl#Class> {ontology} ."
        )
        lines.append(f'<{KG}ontology#{name}> {label} "{name}"@en {ontology} .')
    actors = [f"actor-{i}" for i in range(600)]
    for i, actor in enumerate(actors):
        kind = classes[i % 4]
        lines.append(f"<{KG}id/{actor}> {rdf_type} <{KG}ontology#{kind}> {data} .")
        lines.append(f'<{KG}id/{actor}> {label} "Actor {i}"@fr {data} .')
        lines.append(f"<{KG}id/{actor}> {rdf_type} <{KG}ontology#Agent> {inferred} .")
    for i in range(1000):
        subject = f"<{KG}id/agreement-{i}>"
        kind = classes[4 + i % 3]
        year, month = 1990 + i % 34, 1 + i % 12
        lines += [
            f"{subject} {rdf_type} <{KG}ontology#{kind}> {data} .",
            f"{subject} {rdf_type} <{KG}ontology#CooperationAgreement> {inferred} .",
            f'{subject} {label} "Agreement {i}"@en {data} .',
            f'{subject} <{KG}ontology#signedOn> "{year}-{month:02d}-15"^^<http://www.w3.org/2001/XMLSchema#date> {data} .',
            f"{subject} <{KG}ontology#partner> <{KG}id/{rng.choice(actors)}> {data} .",
            f"{subject} <{KG}ontology#partner> <{KG}id/{rng.choice(actors)}> {data} .",
            f'{subject} <{KG}ontology#amount> "{rng.randint(1, 10**6)}"^^<http://www.w3.org/2001/XMLSchema#integer> {data} .',
            f"{subject} <http://www.w3.org/ns/prov#wasDerivedFrom> <{KG}source/{i % 97}> {data} .",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
            request = urllib.request.Request(
                _query_url(url, text), headers={"Accept": "application/sparql-results+json"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.01)
    raise SystemExit(f"no answer from {url} within {limit} s")


def _check_answers(url: str) -> None:
    """Every server must return the same number of rows, or the comparison is meaningless."""
    for name, text in QUERIES.items():
        request = urllib.request.Request(
            _query_url(url, text), headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            rows = len(json.load(response)["results"]["bindings"])
        if rows == 0:
            raise SystemExit(f"{url}: query {name} returned no rows")
        print(f"# {url} {name}: {rows} rows", file=sys.stderr)


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
            "Accept: application/sparql-results+json",
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
            connection.request("GET", target, headers={"Accept": "application/sparql-results+json"})
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
    triples: int,
    tool: str,
    duration: float,
    rounds: int,
) -> str:
    out = [
        f"{triples} quads, concurrency {CONCURRENCY}, {duration:g} s per cell (median of "
        f"{rounds}), load by {tool}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end.",
        "",
        "| query | server | req/s | p50 ms | p99 ms | kg ÷ server (req/s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    kg = results.get("kg", {})
    for query in QUERIES:
        for server, measures in results.items():
            m = measures[query]
            ratio = f"{kg[query].rps / m.rps:.2f}x" if query in kg and server != "kg" else ""
            out.append(
                f"| {query} | {server} | {m.rps:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {ratio} |"
            )
    out.append("")
    out.append("Start to first answer: " + ", ".join(f"{k} {v:.2f} s" for k, v in starts.items()))
    return "\n".join(out)


if __name__ == "__main__":
    main()
