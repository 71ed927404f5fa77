"""Soak a real `kg serve`: 16 clients for 60 s of mixed requests, a query worker killed every 10 s.

    nice .venv/bin/python benchmarks/soak.py [--clients 16] [--duration 60] [--kill-every 10]
    nice .venv/bin/python benchmarks/soak.py --data build/dataset.nq   # the shipped build

The data: by default the synthetic graph benchmarks/endpoint.py uses (about 10^4 triples, seeded,
built by kg's own pipeline without SHACL in a scratch project); or an N-Quads file.
Each client loops over a mix: queries asked before (answered from the answer cache), queries
never asked before (each with its own LIMIT and a comment, and `Cache-Control: no-store`, so none
is cached), CONSTRUCTs as
Turtle, linked-data pages, the dumps list and a dump, and repeats with If-None-Match (304s).
Every `--kill-every` seconds a query worker of the server is killed with SIGKILL: if it was
evaluating, that one request gets a 503; if idle, it is replaced unnoticed.

Prints a Markdown table: requests by status, p50/p99 per kind of request, and the memory of all
of kg's processes (proportional set size, so shared pages count once) after a warm-up and at the
end. The goal: no status but 200/304, except at most one 503 per kill; memory at the end within
10% of the memory after warm-up.
"""

import argparse
import collections
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import synthetic  # noqa: E402  (benchmarks/ is not a package)


REQUEST_TIMEOUT = 30.0
CACHED = [
    "SELECT ?s WHERE { ?s a ?type } LIMIT 20",
    "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    "ASK { ?s ?p ?o }",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--kill-every", type=float, default=10.0)
    parser.add_argument("--warm-up", type=float, default=5.0,
                        help="seconds of load before the first memory reading")
    parser.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    parser.add_argument("--data", type=Path, default=None, help="an N-Quads file to serve")
    parser.add_argument("--query-worker-queries", type=int, default=None,
                        help="kg serve --query-worker-queries (0: never recycle a query worker)")
    parser.add_argument("--log", type=Path, default=None, help="keep the server's log here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data = options.data or synthetic.scratch_build(Path(scratch), 10_000, 1).dataset_path
        port = free_port()
        command = [str(Path(sys.executable).parent / "kg"), "serve", "--data", str(data), "--as-is",
                   "--port", str(port)]
        if options.workers:
            command += ["--workers", str(options.workers)]
        if options.query_worker_queries is not None:
            command += ["--query-worker-queries", str(options.query_worker_queries)]
        log = open(options.log or Path(scratch) / "kg-serve.log", "w")
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(port, server)
            _soak(port, server.pid, options)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


def _soak(port: int, main_pid: int, options: argparse.Namespace) -> None:
    pages, dump = _targets(port)
    stop = threading.Event()
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        etags: dict[str, str] = {}
        while not stop.is_set():
            kind, path, headers = _next_request(rng, pages, dump, etags)
            started = time.monotonic()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("ETag"):
                    etags[path] = response.getheader("ETag")
            except (OSError, http.client.HTTPException):
                status = 0  # no answer at all: the worst outcome
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            with lock:
                results.append((kind, status, time.monotonic() - started))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(options.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(options.warm_up)
    memory_start = _memory(main_pid)
    kills = 0
    next_kill = started + options.kill_every
    while (now := time.monotonic()) < started + options.duration:
        if now >= next_kill:
            kills += _kill_a_query_worker(main_pid)
            next_kill += options.kill_every
        stop.wait(min(next_kill, started + options.duration) - now)
    memory_end = _memory(main_pid)
    stop.set()
    for thread in threads:
        thread.join()
    _print_table(results, kills, memory_start, memory_end, time.monotonic() - started, options)


def _next_request(
    rng: random.Random, pages: list[str], dump: str | None, etags: dict[str, str]
) -> tuple[str, str, dict[str, str]]:
    roll = rng.random()
    if roll < 0.3:
        return "cached query", _query_path(rng.choice(CACHED)), {}
    if roll < 0.5:
        limit = rng.randrange(1, 500)
        text = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {limit} # {rng.random()}"
        # Never asked again, so not kept either: otherwise the answer cache fills up to its bound
        # (--answer-cache, 64 MiB per HTTP process) during the run, by design, which is not
        # the growth this measures.
        return "new query", _query_path(text), {"Cache-Control": "no-store"}
    if roll < 0.6:
        text = f"CONSTRUCT WHERE {{ ?s ?p ?o }} LIMIT {rng.randrange(1, 200)}"
        return "construct", _query_path(text), {"Accept": "text/turtle"}
    if roll < 0.85:
        path = rng.choice(pages)
        # The home page and the index are HTML only; resource pages come in every RDF format too.
        accepts = ["text/html"]
        if path not in ("/", "/id/"):
            accepts += ["text/turtle", "application/ld+json"]
        headers = {"Accept": rng.choice(accepts)}
        if path in etags and rng.random() < 0.5:
            headers["If-None-Match"] = etags[path]
        return "page", path, headers
    if roll < 0.95 or dump is None:
        return "dumps list", "/dumps", {}
    return "dump", dump, {}


def _targets(port: int) -> tuple[list[str], str | None]:
    """Resource pages and a dump, found through the server itself."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    subjects = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) } LIMIT 40"
    connection.request("GET", _query_path(subjects), headers={"Accept": "text/csv"})
    iris = connection.getresponse().read().decode().split()[1:]
    pages = [urllib.parse.urlparse(iri).path for iri in iris]
    pages = ["/" + p.split("/", 2)[2] if p.count("/") > 2 else p for p in pages] + ["/id/", "/"]
    connection.request("GET", "/dumps")
    listing = connection.getresponse().read().decode()
    dumps = re.findall(r'href="(/dumps/[^"]+)"', listing)
    return pages, (dumps[0] if dumps else None)


def _query_path(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


def _kill_a_query_worker(main_pid: int) -> int:
    workers = [w for http_process in _children(main_pid) for w in _children(http_process)]
    if not workers:
        return 0
    try:
        os.kill(random.choice(workers), signal.SIGKILL)
    except ProcessLookupError:
        return 0
    return 1


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass  # the task ended meanwhile
    return found


ROLES = ("main", "HTTP processes", "query workers")


def _memory(main_pid: int) -> dict[str, tuple[int, int]]:
    """Per role (main, HTTP processes, query workers): how many, and their PSS summed in bytes."""
    http = _children(main_pid)
    roles = {"main": [main_pid], "HTTP processes": http,
             "query workers": [w for pid in http for w in _children(pid)]}
    return {role: (len(pids), sum(_pss(pid) for pid in pids)) for role, pids in roles.items()}


def _pss(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0  # ended meanwhile
    return int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1)) * 1024


def _print_table(results, kills, memory_start, memory_end, elapsed, options) -> None:
    statuses = collections.Counter((status, kind) for kind, status, _ in results)
    print("# " + " ".join(["benchmarks/soak.py", *sys.argv[1:]]))
    print(f"# {len(results):,} requests from {options.clients} clients in {elapsed:.0f} s, "
          f"{kills} query workers killed (SIGKILL every {options.kill_every:g} s); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| status | request | count |")
    print("|---|---|---:|")
    for (status, kind), count in sorted(statuses.items()):
        print(f"| {status or 'no answer'} | {kind} | {count:,} |")
    print()
    print("| request | count | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    by_kind = collections.defaultdict(list)
    for kind, _, seconds in results:
        by_kind[kind].append(seconds * 1000)
    for kind, times in sorted(by_kind.items()):
        print(f"| {kind} | {len(times):,} | {statistics.median(times):.1f} | {_p99(times):.1f} |")
    print()
    warm = f"after {options.warm_up:g} s"
    print(f"| memory (PSS, MiB) | {warm}: processes | MiB | at the end: processes | MiB | change |")
    print("|---|---:|---:|---:|---:|---:|")
    for role in [*ROLES, "all"]:
        (n0, b0), (n1, b1) = (
            (_total(m) for m in (memory_start, memory_end)) if role == "all"
            else (memory_start[role], memory_end[role])
        )
        print(f"| {role} | {n0} | {b0 / 2**20:.1f} | {n1} | {b1 / 2**20:.1f} | "
              f"{(b1 - b0) / b0 * 100 if b0 else 0:+.1f}% |")


def _total(memory: dict[str, tuple[int, int]]) -> tuple[int, int]:
    return sum(n for n, _ in memory.values()), sum(b for _, b in memory.values())


def _p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(port: int, server: subprocess.Popen, limit: float = 60) -> None:
    """Poll /readyz until kg serve answers 200; exit if it dies or takes longer than `limit`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kg serve exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)  # not listening yet
    raise SystemExit(f"kg serve was not ready within {limit:g} s")


if __name__ == "__main__":
    main()
