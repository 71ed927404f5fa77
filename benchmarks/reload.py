"""Swap builds under load: `kg serve --watch` on a copy of the project, a data file changed N times.

    nice .venv/bin/python benchmarks/reload.py [--clients 8] [--swaps 3] [--every 10]

The project (ontology, data, rules, shapes, queries) is copied to a scratch folder served with
KG_ROOT. Clients loop over a repeated query (answer cache) and queries never asked before. Every
`--every` seconds a comment is appended to a data file: its content, so the build key, changes, and
the server rebuilds (in full: load, reason, derive, validate, write) and swaps. Prints a Markdown
table: per swap, the rebuild time, the time from the change to every HTTP process serving the new
build, and each process's own swap time (noticing the build to serving it); then requests by status
and their latency outside the swaps, while rebuilding (from the change to the new build
published) and while swapping (from then to the last process serving it).
"""

import argparse
import collections
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import soak  # noqa: E402  (benchmarks/ is not a package)

ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT = 30.0
REPEATED = "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)"
PUBLISHED = re.compile(r"^\[(\S+ \S+)\] \[\d+\] \[INFO\] kg\.web\.rebuilding: rebuild done in "
                       r"\S+ s: serving build \w+ as generation (\d+)", re.M)
SWAPPED = re.compile(r"^\[(\S+ \S+)\] \[(\d+)\] \[INFO\] kg\.web\.generations: serving generation "
                     r"(\d+) \(build \w+\) (\d+) ms after noticing it", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--swaps", type=int, default=3)
    parser.add_argument("--every", type=float, default=10.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        for folder in ("ontology", "data", "rules", "shapes", "queries"):
            shutil.copytree(ROOT / folder, project / folder)
        port = soak.free_port()
        log_path = Path(scratch) / "kg-serve.log"
        command = [str(Path(sys.executable).parent / "kg"), "serve", "--watch", "--port", str(port)]
        with open(log_path, "w") as log:
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                      env={**os.environ, "KG_ROOT": str(project)})
        try:
            soak.wait_until_ready(port, server, limit=180)
            _run(port, project, log_path, options)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _run(port: int, project: Path, log_path: Path, options: argparse.Namespace) -> None:
    stop = threading.Event()
    results: list[tuple[float, str, int, float]] = []  # (started, kind, status, seconds)
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        while not stop.is_set():
            if rng.random() < 0.5:
                kind, text = "repeated query", REPEATED
            else:
                kind = "new query"
                text = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rng.randrange(1, 200)} # {rng.random()}"
            started = time.time()
            try:
                connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}))
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            with lock:
                results.append((started, kind, status, time.time() - started))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(options.clients)]
    for thread in threads:
        thread.start()
    data_file = sorted((project / "data").glob("*.trig"))[0]
    swaps = []
    for n in range(1, options.swaps + 1):
        stop.wait(options.every / 2)
        changed = time.time()
        with open(data_file, "a") as out:
            out.write(f"# change {n}\n")
        status = _until_generation(port, n)
        swaps.append((n, changed, status["last_rebuild"]))
        stop.wait(options.every / 2)
    stop.set()
    for thread in threads:
        thread.join()
    _print(results, swaps, log_path.read_text(), options)


def _until_generation(port: int, number: int, limit: float = 120) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        connection.request("GET", "/status")
        status = json.loads(connection.getresponse().read())
        if status["generation"] == number:
            return status
        if status["last_rebuild"]["outcome"] == "failed":
            raise SystemExit(f"the rebuild failed: {status['last_rebuild']['message']}")
        time.sleep(0.05)  # polling the server's status: there is nothing to wait on
    raise SystemExit(f"generation {number} was not served within {limit:g} s")


def _print(results, swaps, log: str, options) -> None:
    swapped = collections.defaultdict(list)  # generation -> [(when, pid, ms)]
    for when, pid, generation, ms in SWAPPED.findall(log):
        swapped[int(generation)].append((_moment(when), int(pid), int(ms)))
    published = {int(generation): _moment(when) for when, generation in PUBLISHED.findall(log)}
    print("# " + " ".join(["benchmarks/reload.py", *sys.argv[1:]]))
    print(f"# {len(results):,} requests from {options.clients} clients, {len(swaps)} swaps of the "
          f"project's build; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| swap | rebuild s | published → every process serving it, s | each process's swap, ms |")
    print("|---:|---:|---:|---|")
    windows = []
    for n, changed, rebuild in swaps:
        done = max((when for when, _, _ in swapped[n]), default=changed)
        out = published.get(n, changed)
        windows.append((changed, out, done))
        each = ", ".join(str(ms) for _, _, ms in sorted(swapped[n], key=lambda s: s[1]))
        print(f"| {n} | {rebuild['seconds']:.2f} | {done - out:.2f} | {each} |")
    print()

    def when(started: float) -> str:
        for changed, out, done in windows:
            if changed <= started < out:
                return "while rebuilding"
            if out <= started <= done:
                return "while swapping"
        return "outside"

    print("| requests | status | count | p50 ms | p99 ms | max ms |")
    print("|---|---|---:|---:|---:|---:|")
    groups = collections.defaultdict(list)
    for started, _kind, status, seconds in results:
        groups[(when(started), status)].append(seconds * 1000)
    for (when, status), times in sorted(groups.items()):
        ordered = sorted(times)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(f"| {when} | {status or 'no answer'} | {len(times):,} | "
              f"{statistics.median(times):.1f} | {p99:.1f} | {ordered[-1]:.1f} |")


def _moment(logged: str) -> float:
    return datetime.strptime(logged, "%Y-%m-%d %H:%M:%S,%f").timestamp()


if __name__ == "__main__":
    main()
