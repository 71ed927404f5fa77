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

With --over-http, then, the floor under those figures, one request at a time over HTTP (requests
taking turns, a fresh comment each time): Oxigraph's server (`oxigraph serve-read-only`) on the
same store, a WSGI callable that evaluates nothing under granian with `kg serve`'s options
(answering bytes as many as the query's answer: granian's hop into Python and back), and
`kg serve` itself, each for `ASK {}` and for the query; beside them pyoxigraph direct and the query
worker's round trip alone. Whatever kg does in Python comes on top of the bare callable's time.
`--before REV` adds `kg serve` as it was at a git revision (checked out in a scratch worktree, its
`src/` first on the path, the same build and store), taking turns with today's: a change to the
request path measured before and after in one run.
"""

import argparse
import cProfile
import http.client
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import endpoint  # noqa: E402  (benchmarks/ is not a package)
import growth  # noqa: E402
from kg.namespaces import PREFIXES  # noqa: E402
from kg.query_forms import ResultKind  # noqa: E402
from kg.querying import get_named_query  # noqa: E402
from kg.screening import quick_screen, screen  # noqa: E402
from kg.web.access_log import AccessLog  # noqa: E402
from kg.web.app import create_app  # noqa: E402
from kg.web.health import COUNTS_KEY, RequestCounts, counting  # noqa: E402
from kg.web.query_worker import QueryJob  # noqa: E402
from kg.web.services import EXTENSION_KEY  # noqa: E402
from kg.web.settings import Settings  # noqa: E402

ACCEPT = "application/sparql-results+json"
_FORMATS = {kind: "json" if kind is not ResultKind.GRAPH else "turtle" for kind in ResultKind}
WARM_UP = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000, help="per measurement")
    parser.add_argument("--query", default="editorial-notes", help="a named query (queries/*.rq)")
    parser.add_argument("--over-http", action="store_true", help="also measure the floor over HTTP")
    parser.add_argument("--seconds", type=float, default=10, help="per query over HTTP")
    parser.add_argument("--before", metavar="REV", help="with --over-http: kg serve at this git "
                        "revision too, taking turns with today's")
    parser.add_argument("--bare-granian", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_granian:
        _serve_bare(args.bare_granian)
        return
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
                if args.over_http:
                    print()
                    _report_over_http(args, text, Path(folder), store_path, evaluator)
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
    round_trip = _timed(lambda i: evaluator.evaluate(
        QueryJob(text=f"{text}\n# alone {i}\n", formats=_FORMATS, max_rows=10_000)), n)
    store = pyoxigraph.Store.read_only(str(store_path))
    direct = _timed(lambda i: store.query(f"{text}\n# direct {i}\n", prefixes=PREFIXES).serialize(
        format=pyoxigraph.QueryResultsFormat.JSON), n)
    screening = _timed(lambda i: screen(f"{text}\n# screen {i}\n"), n)
    glanced = _timed(lambda i: quick_screen(f"{text}\n# screen {i}\n"), n)
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
        ("the query screen alone, token by token (kg.screening.screen)", screening),
        ("the screen as the endpoint calls it (kg.screening.quick_screen: at a glance when it can)", glanced),
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


def _report_over_http(
    args: argparse.Namespace, text: str, scratch: Path, store_path: Path, evaluator: Any
) -> None:
    commands = {
        "oxigraph": endpoint.Server("oxigraph", [
            str(growth.BIN / "oxigraph"), "serve-read-only", "--location", str(store_path),
            "--bind", "127.0.0.1:{port}"], "/query"),
        "bare": endpoint.Server("bare", [
            sys.executable, __file__, "--bare-granian", "{port}"], "/sparql"),
        "kg": endpoint.Server("kg", growth._kg_command(
            scratch / "project", args.triples, args.seed), "/sparql"),
    }
    servers: dict[str, Any] = {}
    before = scratch / "before"
    try:
        with growth._environment(KG_ROOT=str(scratch / "project")):
            for name, command in commands.items():
                url, process, _ = endpoint._start(command, growth.PROBE)
                servers[name] = (url, process)
            if args.before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                                str(before), args.before], check=True)
                with growth._environment(PYTHONPATH=str(before / "src")):
                    servers["before"] = endpoint._start(commands["kg"], growth.PROBE)[:2]
        store = pyoxigraph.Store.read_only(str(store_path))
        columns = {"ASK {}": "ASK {}", f"`{args.query}`": text}
        medians: dict[str, dict[str, float]] = {}
        for column, query in columns.items():
            size = len(growth.direct_answer(store, query))
            ways = {name: _http_calls(url, size if name == "bare" else None)
                    for name, (url, _) in servers.items()}
            ways["direct"] = lambda q: growth.direct_answer(store, q)
            ways["worker"] = lambda q: evaluator.evaluate(QueryJob(text=q, formats=_FORMATS, max_rows=10_000))
            medians[column] = _taking_turns(ways, query, args.seconds)
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
        if before.exists():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                           check=False)
    labels = {
        "oxigraph": "Oxigraph's server (`oxigraph serve-read-only`), the same store",
        "bare": "a WSGI callable that evaluates nothing, under granian with kg serve's options",
        **({"before": f"`kg serve` at {args.before}, never asked before"} if args.before else {}),
        "kg": "`kg serve`, never asked before",
        "direct": "pyoxigraph direct, in-process: query and JSON",
        "worker": "the query worker's round trip alone, in-process (its evaluation included)",
    }
    print(f"Over HTTP, one request at a time, requests taking turns; load average "
          f"{os.getloadavg()[0]:.2f}.")
    print()
    print("| p50 µs | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for way, label in labels.items():
        print(f"| {label} | " + " | ".join(
            f"{medians[column][way] * 1e6:,.0f}" for column in columns) + " |")
    floors = {column: found["bare"] + found["worker"] for column, found in medians.items()}
    print("| **the floor under kg serve: the bare callable + the worker's round trip** | " + " | ".join(
        f"**{floor * 1e6:,.0f}**" for floor in floors.values()) + " |")
    print("| kg ÷ Oxigraph's server (throughput, one request at a time), as served / at the floor | "
          + " | ".join(f"{m['oxigraph'] / m['kg']:.2f}x / {m['oxigraph'] / floors[c]:.2f}x"
                       for c, m in medians.items()) + " |")
    print("| kg ÷ pyoxigraph direct, as served / at the floor | " + " | ".join(
        f"{m['kg'] / m['direct']:.2f}x / {floors[c] / m['direct']:.2f}x"
        for c, m in medians.items()) + " |")


def _http_calls(url: str, bare_bytes: int | None) -> Callable[[str], bytes]:
    """A function GETting a query over one kept-alive connection; from the bare callable, asking
    for `bare_bytes` bytes (the query string is sent all the same)."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    path = parsed.path if bare_bytes is None else f"/{bare_bytes}"

    def call(query: str) -> bytes:
        connection.request("GET", f"{path}?{urllib.parse.urlencode({'query': query})}",
                           headers={"Accept": growth.ACCEPT})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: {response.status} {body[:300]!r}")
        return body

    return call


def _taking_turns(ways: dict[str, Callable[[str], object]], text: str, seconds: float) -> dict[str, float]:
    """The median seconds per way, the ways taking turns request by request."""
    times: dict[str, list[float]] = {way: [] for way in ways}
    for way, call in ways.items():
        call(text)  # a first request each, not counted
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline or n < 50:
        n += 1
        for way, call in ways.items():
            query = f"{text}\n# over HTTP {time.time_ns()} {n}\n"
            started = time.perf_counter()
            call(query)
            times[way].append(time.perf_counter() - started)
    return {way: statistics.median(found) for way, found in times.items()}


def _serve_bare(port: int) -> None:
    """Serve, under granian with kg serve's options, a WSGI callable that answers GET /N with N
    bytes and the headers a kg answer carries, evaluating nothing."""
    from granian.server import Server

    from kg.web.serving import granian_options

    def bare(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = environ["PATH_INFO"].strip("/")
        body = b" " * (int(size) if size.isdigit() else 0)  # the readiness probe asks /sparql
        start_response("200 OK", [
            ("Content-Type", "application/sparql-results+json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache"),
            ("ETag", '"0000000000000000000000000000000000000000"'),
            ("Vary", "Accept, Accept-Encoding"),
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Expose-Headers", "X-KG-Truncated, X-KG-Max-Rows"),
            ("Cache-Status", "kg; fwd=miss; stored"),
        ])
        return [body]

    Server("bare:bare", **granian_options(Settings(port=port))).serve(target_loader=lambda _target: bare, wrap_loader=True)


def _timed(call: Callable[[int], object], n: int) -> list[float]:
    times = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - started)
    return times


def _shares(stats: pstats.Stats, cpu: bool = False) -> list[tuple[float, str]]:
    """Each part's share of the requests' time; a plain GET takes the shortcut, never Flask."""
    def cumulative(path_end: str, function: str) -> float:
        found = [ct for (path, _, name), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
                 if path.endswith(path_end) and name == function]
        return max(found, default=0.0)

    total = cumulative("kg/web/access_log.py", "__call__")
    shortcut = cumulative("kg/web/sparql_shortcut.py", "__call__")
    flask_app = cumulative("flask/app.py", "wsgi_app")
    evaluated = cumulative("kg/web/sparql.py", "evaluate_operation")
    worker = cumulative("kg/web/evaluation.py", "evaluate")
    screened = cumulative("kg/screening.py", "quick_screen")
    parts = [
        (worker, "the query worker's round trip: the job pickled and sent, the reply read"
                 if cpu else "the query worker's round trip (job pickled and sent, evaluation and "
                 "serialization in the worker, reply read)"),
        (screened, "the query screen (kg.screening.quick_screen)"),
        (evaluated - worker - screened, "the endpoint's own work: negotiation, the job, the ETag"),
        (shortcut - flask_app - evaluated, "the shortcut (kg.web.sparql_shortcut): the query "
                                           "string read, the headers written"),
        (flask_app, "Flask: request context, routing, dispatch, after_request hooks, the "
                    "Response (requests the shortcut leaves to it)"),
        (total - shortcut, "the middlewares: access log, request counts, compression, "
                           "answer cache"),
    ]
    return [(seconds / total, part) for seconds, part in parts]


if __name__ == "__main__":
    main()
