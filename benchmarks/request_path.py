"""Where a never-asked query's time goes in `kg serve`'s request path, measured in-process.

    nice .venv/bin/python benchmarks/request_path.py [--triples 10000] [--requests 2000]
        [--query editorial-notes]

The generator's graph (benchmarks/synthetic.py) is built in a scratch project, in a child process; the app is made
over its store as `kg serve` makes it (kg.web.app.create_app, wrapped in the access log and the
request counts as kg.web.serving wraps it), with a real forked query worker, and GETs of a named
query, each with a fresh comment so the answer cache never answers, go through the whole WSGI
stack without HTTP. Prints the median wall time and HTTP-process CPU time per request, the worker
round trip alone, pyoxigraph alone and the screen alone; then, from cProfile, the share of the
request's time each part takes, by the wall clock and by the HTTP thread's CPU clock (what this
process spends, the worker's evaluation aside). Times under cProfile are inflated; the shares are
what to read.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import growth  # noqa: E402  (benchmarks/ is not a package)
from kg.namespaces import PREFIXES  # noqa: E402
from kg.query_forms import ResultKind  # noqa: E402
from kg.querying import get_named_query  # noqa: E402
from kg.screening import screen  # noqa: E402
from kg.web.access_log import AccessLog  # noqa: E402
from kg.web.app import create_app  # noqa: E402
from kg.web.health import COUNTS_KEY, RequestCounts, counting  # noqa: E402
from kg.web.query_worker import QueryJob  # noqa: E402
from kg.web.services import EXTENSION_KEY  # noqa: E402
from kg.web.settings import Settings  # noqa: E402

ACCEPT = "application/sparql-results+json"
WARM_UP = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000, help="per measurement")
    parser.add_argument("--query", default="editorial-notes", help="a named query (queries/*.rq)")
    args = parser.parse_args()
    text = get_named_query(args.query, ROOT / "queries").text
    with tempfile.TemporaryDirectory(prefix="kg-request-path-") as folder:
        store_path = _built_store(Path(folder), args.triples, args.seed)
        app = create_app(Settings(data=(store_path,)))
        app.extensions[COUNTS_KEY] = RequestCounts()
        evaluator = app.extensions[EXTENSION_KEY].evaluator
        evaluator.warm()
        with open(os.devnull, "w") as devnull:
            wsgi = AccessLog(counting(app, app.extensions[COUNTS_KEY]), fd=devnull.fileno())
            try:
                _report(args, text, store_path, wsgi, evaluator)
            finally:
                evaluator.close()


def _built_store(scratch: Path, triples: int, seed: int) -> Path:
    """The store of a scratch build made in a child process (growth.py's), so that this process
    does not carry the build's millions of objects, which its garbage collector would walk
    during the requests (measured: four times the time per request)."""
    built = subprocess.run(
        [sys.executable, growth.__file__, "--build-child", str(scratch), str(triples), str(seed)],
        check=True, capture_output=True, text=True,
    )
    return Path(json.loads(built.stdout.splitlines()[-1])["store"])


def _report(args: argparse.Namespace, text: str, store_path: Path, wsgi: Any, evaluator: Any) -> None:
    n = args.requests
    environs = [_environ(f"{text}\n# fresh {i}\n") for i in range(WARM_UP + 3 * n)]
    _requests(wsgi, environs[:WARM_UP])
    walls, cpus = _requests(wsgi, environs[WARM_UP : WARM_UP + n])
    formats = {kind: "json" if kind is not ResultKind.GRAPH else "turtle" for kind in ResultKind}
    round_trip = _timed(lambda i: evaluator.evaluate(
        QueryJob(text=f"{text}\n# alone {i}\n", formats=formats, max_rows=10_000)), n)
    store = pyoxigraph.Store.read_only(str(store_path))
    direct = _timed(lambda i: store.query(f"{text}\n# direct {i}\n", prefixes=PREFIXES).serialize(
        format=pyoxigraph.QueryResultsFormat.JSON), n)
    screening = _timed(lambda i: screen(f"{text}\n# screen {i}\n"), n)
    profile = cProfile.Profile()
    profile.enable()
    _requests(wsgi, environs[WARM_UP + n : WARM_UP + 2 * n])
    profile.disable()
    # Timed by this thread's CPU clock: a wall-clock profile charges whatever runs while this
    # thread waits (the worker's evaluation, other processes on a loaded machine) to the call
    # that waits (the socket send that wakes the worker, mostly).
    cpu_profile = cProfile.Profile(time.thread_time)
    cpu_profile.enable()
    _requests(wsgi, environs[WARM_UP + 2 * n :])
    cpu_profile.disable()
    print(f"`{args.query}` on the synthetic graph of {args.triples:,} triples, {n:,} requests per "
          f"measurement; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}.")
    print()
    print("| per never-asked request | median µs |")
    print("|---|---:|")
    for label, values in (
        ("wall time through the WSGI stack (no HTTP)", walls),
        ("CPU time of the HTTP process's thread", cpus),
        ("the query worker's round trip alone (Evaluator.evaluate)", round_trip),
        ("pyoxigraph alone: query and JSON, in-process", direct),
        ("the query screen alone (kg.screening.screen)", screening),
    ):
        print(f"| {label} | {statistics.median(values) * 1e6:,.0f} |")
    print()
    print("| share of the profiled time | part |")
    print("|---:|---|")
    for share, part in _shares(pstats.Stats(profile)):
        print(f"| {share:.0%} | {part} |")
    print()
    print("| share of the HTTP process's CPU time | part |")
    print("|---:|---|")
    for share, part in _shares(pstats.Stats(cpu_profile), cpu=True):
        print(f"| {share:.0%} | {part} |")


def _environ(text: str) -> dict[str, Any]:
    return EnvironBuilder(
        path="/sparql", query_string={"query": text},
        headers={"Accept": ACCEPT, "Host": "127.0.0.1:8000"},
    ).get_environ()


def _requests(wsgi: Any, environs: Iterable[dict[str, Any]]) -> tuple[list[float], list[float]]:
    walls, cpus = [], []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"the endpoint answered {status}")

    for environ in environs:
        wall, cpu = time.perf_counter(), time.thread_time()
        b"".join(wsgi(environ, start_response))
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def _timed(call: Callable[[int], object], n: int) -> list[float]:
    times = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - started)
    return times


def _shares(stats: pstats.Stats, cpu: bool = False) -> list[tuple[float, str]]:
    def cumulative(path_end: str, function: str) -> float:
        found = [ct for (path, _, name), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
                 if path.endswith(path_end) and name == function]
        return max(found, default=0.0)

    total = cumulative("kg/web/access_log.py", "__call__")
    flask_app = cumulative("flask/app.py", "wsgi_app")
    answer = cumulative("kg/web/sparql.py", "_answer")
    operation = cumulative("kg/web/sparql.py", "_read_operation")
    worker = cumulative("kg/web/evaluation.py", "evaluate")
    screened = cumulative("kg/screening.py", "screen")
    parts = [
        (worker, "the query worker's round trip: the job pickled and sent, the reply read"
                 if cpu else "the query worker's round trip (job pickled and sent, evaluation and "
                 "serialization in the worker, reply read)"),
        (flask_app - answer - operation, "Flask: request context, routing, dispatch, "
                                         "after_request hooks, the Response and its headers"),
        (screened, "the query screen (kg.screening)"),
        (answer + operation - worker - screened, "the endpoint's own work: reading the "
                                                 "operation, negotiation, the job, the ETag"),
        (total - flask_app, "the middlewares: access log, request counts, compression, "
                            "answer cache"),
    ]
    return [(seconds / total, part) for seconds, part in parts]


if __name__ == "__main__":
    main()
