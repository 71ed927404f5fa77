"""How kg grows: build, start, memory, disk and every named query, at 10^4, 10^5 and 10^6 triples.

    nice .venv/bin/python benchmarks/growth.py [--sizes 1e4,1e5,1e6] [--build-budget 900]
        [--seconds 1] [--results growth.json] [--plot docs/images/growth.png]

For each size, the generator's graph (benchmarks/synthetic.py, seeded) is built cold by kg's own
pipeline without SHACL (synthetic.scratch_build) in a child process, so its peak resident memory
is its own; the build's reporter gives each stage's time. A build still running after
--build-budget seconds is stopped: its row keeps the stages it finished. Then, on that build's
store:

- `kg serve` is started warm (the build reused) and timed to its first answer;
- every named query (queries/*.rq) is timed three ways, one request at a time: through `kg serve`
  over HTTP with a fresh comment appended on every request, so its answer cache never answers
  (the cached figure, the same text every time, is beside it); pyoxigraph in this process,
  opening the same store read-only, query and JSON serialization; and Oxigraph's own server
  (`oxigraph serve-read-only`, PyPI `oxigraph`) on the same store directory. The answers must
  agree;
- then kg serve's and Oxigraph's throughput under load, as issue 13 measured its starting point:
  wrk, 8 connections, a fresh comment on every request (benchmarks/fresh_comment.lua), answers
  completed ÷ seconds loaded, as wrk counts them. The servers take turns kg, Oxigraph,
  Oxigraph, kg (this machine's speed drifts by tens of percent within minutes), each round ten
  times a request's expected latency under load (so the answers never counted, still on their
  way when it stops, are a tenth at most) and starting once both servers are idle again. A query
  too slow for that within a minute per server is not loaded (a note says so); nor is any where
  wrk is not installed (`apt-get install wrk`);
- the memory of kg's processes is read (proportional set size, as benchmarks/soak.py reads it),
  once kg answers and after all of the above (the load included: up to 8 query workers alive).

Prints Markdown tables (a row per size, then a row per query and size) and the machine's load;
draws the growth curves with matplotlib, each extended as a power law fitted to the measured
points (dashed) to 10^8. --results keeps the rows in a JSON file across runs: a size measured
again replaces its row, and the table and plot show every row kept (`--sizes ""` measures nothing
and only prints and draws them).

Goals (issue 13): kg at most 1.5x pyoxigraph direct, and at least 0.8x Oxigraph's server
throughput for queries never asked before, under load (wrk, 8 connections). The ratio of the p50s
of requests one at a time is beside it: there kg's fixed cost per request shows as latency, the
threads that slept through the evaluation waking; under load it shows as CPU time.
"""

import argparse
import http.client
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

# benchmarks/ is not a package: its scripts come from the folder on the path.
import endpoint  # noqa: E402
import soak  # noqa: E402
import synthetic  # noqa: E402
from kg.build import STAGES  # noqa: E402
from kg.build_cache import manifest_store  # noqa: E402
from kg.namespaces import BASE, PREFIXES  # noqa: E402
from kg.querying import list_named_queries  # noqa: E402

BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
PROBE = "ASK { ?s ?p ?o }"
QUERY_TIMEOUT = 120  # kg serve --query-timeout: big sizes are measured, not refused
# Oxigraph's server answers 400 "The headers size must fit in 8kb" past this.
LONGEST_GET = 7_000
MAX_ROWS = 10_000_000  # kg serve --max-rows: every engine returns the whole answer
MIN_SAMPLES, MAX_SAMPLES = 3, 2000
WAYS = ("direct", "kg", "kg cached", "oxigraph")
MIB = 2**20
# Under load, as issue 13 measured its starting point: wrk's connections, the shortest round,
# and the longest a server is loaded per query.
CONNECTIONS = 8
SHORTEST_ROUND_S = 2
# A round lasts this many times a request's expected latency under load: the answers on their
# way when it stops are never counted, and a round shorter than one latency counts none (a 10^6
# run lost 8 queries so).
LATENCIES_PER_ROUND = 10
LONGEST_LOAD_S = 60
LOADED = ("kg", "oxigraph")
FRESH_COMMENT = Path(__file__).resolve().parent / "fresh_comment.lua"


@dataclass
class QueryTimes:
    """One named query at one size: rows, p50 in ms per way, and whether the answers agree."""

    rows: int = 0
    p50_ms: dict[str, float] = field(default_factory=dict)
    samples: dict[str, int] = field(default_factory=dict)
    agree: bool = True
    note: str = ""  # why it was not timed every way
    cached_kept: bool = True  # False: the answer was too large for kg's cache to keep
    # Under load (wrk, CONNECTIONS connections, a fresh comment each request): req/s per server.
    loaded_rps: dict[str, float] = field(default_factory=dict)
    loaded_note: str = ""  # why it was not measured under load


@dataclass
class Row:
    """Everything measured at one size."""

    triples: int
    quads: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    build_wall_s: float = 0.0  # the child process, generating the text included
    build_peak_mib: float = 0.0
    finished: bool = False  # False: stopped at the budget, or failed
    note: str = ""
    warm_start_s: float | None = None
    store_mib: float | None = None
    nquads_mib: float | None = None
    # role: [count, PSS MiB], once the named queries have run, and just after the first answer
    memory_mib: dict[str, list[float]] = field(default_factory=dict)
    start_memory_mib: dict[str, list[float]] = field(default_factory=dict)
    oxigraph_mib: float | None = None
    queries: dict[str, QueryTimes] = field(default_factory=dict)
    load_average: list[float] = field(default_factory=list)

    @property
    def cold_s(self) -> float:
        return sum(self.stages.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=_sizes("1e4,1e5,1e6"),
                        help="input triples, comma-separated (1e4,1e5,1e6)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-budget", type=float, default=900.0, metavar="SECONDS",
                        help="stop a cold build still running after this long")
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="time per query and way (at least 3 runs each)")
    parser.add_argument("--query-budget", type=float, default=30.0, metavar="SECONDS",
                        help="a query pyoxigraph takes longer on is timed once, direct only")
    parser.add_argument("--results", type=Path, default=None,
                        help="JSON file keeping the rows across runs (read, updated, written)")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "growth.png",
                        help="the PNG to draw (the README's by default)")
    parser.add_argument("--build-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_child:
        _build_child(Path(args.build_child[0]), int(args.build_child[1]), int(args.build_child[2]))
        return
    # Said before measuring, not after half an hour of it.
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parser.exit(2, "growth.py: matplotlib is needed to draw the curves: make bench, or "
                       ".venv/bin/pip install -e '.[bench]' (oxigraph's server and matplotlib)\n")
    if args.sizes and not (BIN / "oxigraph").exists():
        parser.exit(2, f"growth.py: Oxigraph's server is needed ({BIN / 'oxigraph'}): make bench, "
                       "or .venv/bin/pip install -e '.[bench]'\n")
    if args.sizes and not shutil.which("wrk"):
        _say("wrk is not installed: the throughput under load is not measured "
             "(apt-get install wrk)")
    rows = _read_rows(args.results)
    if not rows and not args.sizes:
        parser.exit(2, "growth.py: nothing to print or draw: give --sizes, or --results with "
                       "rows kept by an earlier run\n")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"kg-growth-{size}-") as folder:
            rows[size] = measure(Path(folder), size, args, _too_slow(rows, size, args.query_budget))
        if args.results:
            _write_rows(args.results, rows)
    ordered = [rows[size] for size in sorted(rows)]
    print(summary_table(ordered))
    print()
    print(query_table(ordered))
    print()
    print(f"Command: {' '.join(['benchmarks/growth.py', *sys.argv[1:]])}; {os.cpu_count()} cores; "
          + "; ".join(f"{r.triples:.0e}: load average {r.load_average[0]:.2f} before, "
                      f"{r.load_average[-1]:.2f} after" for r in ordered if r.load_average))
    plot(ordered, args.plot)
    print(f"# plot: {args.plot}", file=sys.stderr)


def _sizes(text: str) -> list[int]:
    try:
        return [int(float(part)) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are numbers like 1e4,1e5") from None


def _too_slow(rows: dict[int, Row], size: int, budget: float) -> dict[str, str]:
    """Queries that would take pyoxigraph longer than `budget` at this size, judged from the
    largest smaller size measured, as if they grew with the square of the graph: why, per query.

    pyoxigraph cannot stop a query: one that took a minute at 10^5 might take hours at 10^6.
    """
    smaller = [r for r in rows.values() if r.triples < size and r.queries]
    if not smaller:
        return {}
    last = max(smaller, key=lambda r: r.triples)
    slow = {}
    for name, times in last.queries.items():
        seconds = times.p50_ms.get("direct")
        if seconds is None:
            slow[name] = f"not run at {last.triples:,} either"
        elif seconds / 1000 * (size / last.triples) ** 2 > budget:
            slow[name] = f"{seconds / 1000:.1f} s direct at {last.triples:,}"
    return slow


def measure(
    scratch: Path, size: int, args: argparse.Namespace, too_slow: dict[str, str]
) -> Row:
    row = Row(size, load_average=[os.getloadavg()[0]])
    _say(f"{size:,} triples: cold build (budget {args.build_budget:g} s)")
    built = _cold_build(scratch, size, args.seed, args.build_budget, row)
    if built is None:
        row.load_average.append(os.getloadavg()[0])
        return row
    dataset, store_path = built
    row.store_mib = _folder_bytes(store_path) / MIB
    row.nquads_mib = dataset.stat().st_size / MIB
    project = scratch / "project"
    named = {q.name: q.text for q in list_named_queries(ROOT / "queries")}
    direct = pyoxigraph.Store.read_only(str(store_path))
    servers: list[subprocess.Popen] = []
    try:
        with _environment(KG_ROOT=str(project)):
            kg_url, kg_process, row.warm_start_s = endpoint._start(
                endpoint.Server("kg", _kg_command(project, size, args.seed), "/sparql"), PROBE
            )
        servers.append(kg_process)
        if manifest_store(store_path.parent) != store_path.name:
            # Its build key covers kg's code: an edit to the checkout since the cold build makes
            # the "warm" start a build, and every figure of the size another build's.
            raise SystemExit(
                f"{size:,}: kg serve built again instead of starting warm on the cold build "
                f"({store_path.name}): were kg's code, its ontology or rules, or a tool changed "
                "during the run? Run benchmarks from a checkout nobody edits meanwhile."
            )
        row.start_memory_mib = _memory_mib(kg_process.pid)
        _say(f"{size:,}: kg serve warm start {row.warm_start_s:.2f} s")
        ox_url, ox_process, _ = endpoint._start(
            endpoint.Server("oxigraph", [
                str(BIN / "oxigraph"), "serve-read-only", "--location", str(store_path),
                "--bind", "127.0.0.1:{port}",
            ], "/query"),
            PROBE,
        )
        servers.append(ox_process)
        for name, text in named.items():
            if name in too_slow:
                row.queries[name] = QueryTimes(note=f"not run: {too_slow[name]}")
                _say(f"{size:,}: {name}: {row.queries[name].note}")
                continue
            row.queries[name] = _time_query(text, direct, kg_url, ox_url, args.seconds, args.query_budget)
            times = row.queries[name]
            _say(f"{size:,}: {name}: {times.rows} rows, "
                 + ", ".join(f"{way} {ms:.2f} ms" for way, ms in times.p50_ms.items())
                 + ("" if times.agree else "  ANSWERS DIFFER"))
            if len(times.p50_ms) == len(WAYS):
                _time_under_load(text, {"kg": kg_url, "oxigraph": ox_url},
                                 {"kg": kg_process.pid, "oxigraph": ox_process.pid}, times)
                rates = ", ".join(f"{way} {rps:,.1f} req/s"
                                  for way, rps in times.loaded_rps.items())
                _say(f"{size:,}: {name}: under load, {rates or times.loaded_note}")
        row.memory_mib = _memory_mib(kg_process.pid)
        row.oxigraph_mib = soak._pss(ox_process.pid) / MIB
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)
        del direct
    row.load_average.append(os.getloadavg()[0])
    return row


def _kg_command(project: Path, size: int, seed: int) -> list[str]:
    data = project / "data" / f"synthetic-{size}-{seed}.trig"
    return [
        str(BIN / "kg"), "serve", "--data", str(data), "--no-validation", "--port", "{port}",
        "--query-timeout", str(QUERY_TIMEOUT), "--max-rows", str(MAX_ROWS),
    ]


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- the cold build, in a child process ---------------------------------------------------------


class _LineReporter:
    """The build's reporter in the child: stage lines as JSON on stdout, progress on stderr."""

    def stage(self, name: str, seconds: float, summary: str) -> None:
        print(json.dumps({"stage": name, "seconds": seconds, "summary": summary}), flush=True)

    def progress(self, stage: str, message: str) -> None:
        print(f"#   {stage}: {message}", file=sys.stderr, flush=True)


def _build_child(scratch: Path, triples: int, seed: int) -> None:
    result = synthetic.scratch_build(scratch, triples, seed, reporter=_LineReporter())
    print(json.dumps({
        "dataset": str(result.dataset_path),
        "store": str(result.store_path),
        "quads": result.manifest["dataset"]["quads"],
    }), flush=True)


def _cold_build(
    scratch: Path, size: int, seed: int, budget: float, row: Row
) -> tuple[Path, Path] | None:
    """Build in a child process; its dataset and store, or None (stopped at the budget, failed).

    The child is reaped with wait4, so its peak resident set is its own, not the servers'.
    """
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, __file__, "--build-child", str(scratch), str(size), str(seed)],
        stdout=subprocess.PIPE, text=True,
    )
    lines: list[dict[str, Any]] = []

    def read() -> None:
        for line in child.stdout:  # type: ignore[union-attr]
            message = json.loads(line)
            lines.append(message)
            if "stage" in message:
                _say(f"{size:,}: {message['stage']:<9} {message['seconds']:7.2f} s  "
                     f"{message['summary']}")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    status, usage = _wait4(child.pid, started + budget)
    if status is None:
        os.kill(child.pid, 9)
        status, usage = _wait4(child.pid, None)
        row.note = f"stopped at the {budget:g} s budget"
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    reader.join(timeout=5)
    row.build_wall_s = time.monotonic() - started
    row.build_peak_mib = usage.ru_maxrss * 1024 / MIB  # Linux counts it in KiB
    row.stages = {m["stage"]: m["seconds"] for m in lines if "stage" in m}
    done = next((m for m in lines if "store" in m), None)
    if done is None:
        row.note = row.note or f"build failed (exit {child.returncode})"
        unfinished = next((s for s in STAGES if s not in row.stages), "?")
        row.note += f", in {unfinished}"
        _say(f"{size:,}: {row.note}")
        return None
    row.finished, row.quads = True, done["quads"]
    return Path(done["dataset"]), Path(done["store"])


def _wait4(pid: int, deadline: float | None) -> tuple[int | None, Any]:
    while True:
        flags = 0 if deadline is None else os.WNOHANG
        found, status, usage = os.wait4(pid, flags)
        if found == pid:
            return status, usage
        if time.monotonic() >= deadline:  # type: ignore[operator]
            return None, None
        time.sleep(0.1)


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- the queries ---------------------------------------------------------------------------------


def _time_query(
    text: str, store: pyoxigraph.Store, kg_url: str, ox_url: str, seconds: float, budget: float
) -> QueryTimes:
    """p50 per way; a query pyoxigraph takes longer than `budget` seconds on is timed once, direct."""
    times = QueryTimes()
    answers: dict[str, list[str]] = {}

    def direct(_: int) -> bytes:
        return direct_answer(store, text)

    # A fresh comment on every request: no cache anywhere can have seen the text.
    def fresh(n: int) -> str:
        return f"{text}\n# growth {time.time_ns()} {n}\n"

    cache_statuses: list[str] = []
    ways = {
        "direct": direct,
        "kg": _http_way(kg_url, fresh),
        "kg cached": _http_way(kg_url, lambda n: text, cache_statuses),
        "oxigraph": _http_way(ox_url, fresh, post_long=True),
    }
    first: dict[str, float] = {}
    for way, call in ways.items():
        if way == "kg cached":
            call(0)  # the answer is kept on the first request; the replays are timed
        started = time.perf_counter()
        answers[way] = _answer_rows(call(0))
        first[way] = time.perf_counter() - started
        if way == "direct" and first[way] > budget:
            times.rows, times.samples[way] = len(answers[way]), 1
            times.p50_ms[way] = first[way] * 1000
            times.note = f"over the {budget:g} s query budget: timed once, direct"
            return times  # too slow to time the other ways in this run
    times.rows = len(answers["direct"])
    times.agree = all(rows == answers["direct"] for rows in answers.values())
    # The ways take turns, request by request, so a change in the machine's load hits them alike.
    latencies = {way: [] if way == "kg cached" else [first[way]] for way in ways}
    started = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - started
        fewest = min(len(found) for found in latencies.values())
        if fewest >= MAX_SAMPLES or elapsed >= len(ways) * seconds and (
            fewest >= MIN_SAMPLES or elapsed >= 5 * len(ways) * seconds
        ):
            break
        for way, call in ways.items():
            before = time.perf_counter()
            call(fewest + 1)
            latencies[way].append(time.perf_counter() - before)
    for way, found in latencies.items():
        times.p50_ms[way], times.samples[way] = statistics.median(found) * 1000, len(found)
    # An answer larger than the cache keeps (an eighth of --answer-cache) is evaluated every time.
    times.cached_kept = all("hit" in status for status in cache_statuses[1:])
    return times


def _time_under_load(
    text: str, urls: dict[str, str], pids: dict[str, int], times: QueryTimes
) -> None:
    """Each server's requests per second under wrk's CONNECTIONS connections, into `times`.

    As wrk counts them: answers completed ÷ the time loaded. A request's latency under load is
    expected to be its one-at-a-time p50 (the slower server's) times CONNECTIONS ÷ cores; a round
    lasts LATENCIES_PER_ROUND such latencies (at least SHORTEST_ROUND_S), so that the answers
    still on their way when it stops, never counted, are a tenth of the round at most. The servers
    take turns kg, Oxigraph, Oxigraph, kg (one round each where two would pass LONGEST_LOAD_S per
    server; none, with a note, where one would), and each round starts once both servers have
    finished the requests the one before abandoned (neither can stop a query it has started).
    """
    if not shutil.which("wrk"):
        times.loaded_note = "wrk not installed"
        return
    slowest = max(times.p50_ms[way] for way in LOADED) / 1000
    latency = slowest * CONNECTIONS / len(os.sched_getaffinity(0))
    round_s = math.ceil(max(SHORTEST_ROUND_S, LATENCIES_PER_ROUND * latency))
    if round_s > LONGEST_LOAD_S:
        times.loaded_note = f"too slow to load: {latency:.1f} s a request expected under load"
        return
    order = (*LOADED, *reversed(LOADED)) if 2 * round_s <= LONGEST_LOAD_S else LOADED
    answered = {way: [0, 0.0] for way in LOADED}  # answers, seconds loaded
    for way in order:
        _wait_until_idle(list(pids.values()), limit=max(5.0, 4 * latency))
        count, seconds, problem = _wrk(urls[way], text, round_s, post_long=way == "oxigraph")
        if problem:
            times.loaded_note = f"{way}: {problem}"
            return
        answered[way][0] += count
        answered[way][1] += seconds
    for way, (count, seconds) in answered.items():
        times.loaded_rps[way] = count / seconds


def _wait_until_idle(pids: list[int], limit: float) -> None:
    """Wait, up to `limit` seconds, until these processes and their children use no CPU."""
    deadline = time.monotonic() + limit
    before = _cpu_ticks(pids)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = _cpu_ticks(pids)
        if now - before <= 2:  # 20 ms of CPU in 200 ms: the threads that wake now and then
            return
        before = now


def _cpu_ticks(pids: list[int]) -> int:
    """The CPU time (clock ticks) used so far by these processes and their descendants alive."""
    total, seen, pending = 0, set(), list(pids)
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended meanwhile
        total += int(fields[11]) + int(fields[12])
        pending += soak._children(pid)
    return total


def _wrk(url: str, text: str, seconds: int, *, post_long: bool) -> tuple[int, float, str]:
    """Answers completed and seconds loaded under wrk's load, or what went wrong."""
    parsed = urllib.parse.urlsplit(url)
    target = f"{parsed.path}?{urllib.parse.urlencode({'query': text})}"
    script = {"WRK_RUN": f"{time.time_ns()}", "WRK_ACCEPT": ACCEPT}
    if post_long and len(target) > LONGEST_GET:
        script |= {"WRK_PATH": parsed.path, "WRK_BODY": text}
    else:
        script |= {"WRK_PATH": target}
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WRK_")} | script
    done = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", f"{2 * seconds}s",
         "-s", str(FRESH_COMMENT), f"{parsed.scheme}://{parsed.netloc}"],
        env=environment, capture_output=True, text=True, check=False,
    )
    found = re.search(r"fresh-comment requests=(\d+) duration_us=(\d+) errors_4xx_5xx=(\d+) "
                      r"socket_errors=(\d+)", done.stdout)
    if done.returncode or not found:
        said = " ".join((done.stderr or done.stdout).split())[:200].replace("|", "/")
        return 0, 0.0, f"wrk failed: {said}"
    requests, duration_us, failed, errors = map(int, found.groups())
    if failed or errors:
        return 0, 0.0, f"{failed} answers 4xx or 5xx, {errors} socket errors under load"
    if not requests:
        return 0, 0.0, f"no answer in {seconds} s"
    return requests, duration_us / 1e6, ""


def direct_answer(store: pyoxigraph.Store, text: str) -> bytes:
    """The query's answer from pyoxigraph in this process, serialized: SPARQL JSON, or N-Triples."""
    results = store.query(text, base_iri=BASE, prefixes=PREFIXES)
    if isinstance(results, pyoxigraph.QueryTriples):
        return results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
    return results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)


def _http_way(
    url: str, text_for: Any, statuses: list[str] | None = None, *, post_long: bool = False
) -> Any:
    """A function sending the n-th request of a way; each answer's Cache-Status goes to `statuses`.

    With `post_long`, a query whose GET address would pass `LONGEST_GET` bytes is POSTed as
    application/sparql-query (Oxigraph's server refuses request headers over 8 kB; kg takes them).
    """
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=QUERY_TIMEOUT + 10)

    def call(n: int) -> bytes:
        nonlocal connection
        text = text_for(n)
        target = f"{parsed.path}?{urllib.parse.urlencode({'query': text})}"
        if post_long and len(target) > LONGEST_GET:
            connection.request("POST", parsed.path, body=text.encode(), headers={
                "Accept": ACCEPT, "Content-Type": "application/sparql-query"})
        else:
            connection.request("GET", target, headers={"Accept": ACCEPT})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: {response.status} {body[:300]!r}")
        if statuses is not None:
            statuses.append(response.getheader("Cache-Status") or "")
        if response.will_close:
            connection.close()
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=QUERY_TIMEOUT + 10)
        return body

    return call


def _answer_rows(body: bytes) -> list[str]:
    try:
        document = json.loads(body)
    except ValueError:  # a graph, as N-Triples
        return sorted(body.decode().splitlines())
    if "boolean" in document:
        return [str(document["boolean"])]
    return endpoint._rows(document)


# --- tables and plot -----------------------------------------------------------------------------


def _ratios(
    row: Row, names: set[str] | None = None
) -> tuple[list[float], list[float], list[float]]:
    """Per query (of `names`, else all): kg ÷ direct (p50), kg's throughput ÷ Oxigraph's one
    request at a time (the p50s), and under load (wrk), where it was measured."""
    over_direct, over_oxigraph, loaded = [], [], []
    for name, times in row.queries.items():
        if len(times.p50_ms) < len(WAYS) or names is not None and name not in names:
            continue
        p = times.p50_ms
        over_direct.append(p["kg"] / p["direct"])
        over_oxigraph.append(p["oxigraph"] / p["kg"])
        if len(times.loaded_rps) == len(LOADED):
            loaded.append(times.loaded_rps["kg"] / times.loaded_rps["oxigraph"])
    return over_direct, over_oxigraph, loaded


def _meeting(ratios: list[float], goal: float, at_most: bool = False) -> str:
    if not ratios:
        return "–"
    met = sum(r <= goal if at_most else r >= goal for r in ratios)
    return f"{statistics.median(ratios):.2f}x median, {met}/{len(ratios)} meet it"


def _complete(row: Row) -> list[QueryTimes]:
    """The queries timed every way (not those over the query budget)."""
    return [t for t in row.queries.values() if len(t.p50_ms) == len(WAYS)]


def summary_table(rows: list[Row]) -> str:
    out = [
        "| input triples | quads | " + " | ".join(STAGES) + " | cold build | build peak RSS "
        "| store on disk | warm start | PSS per HTTP process (at start → after the queries) "
        "| PSS per query worker (likewise) "
        "| median p50 direct / kg / kg cached / oxigraph | kg ÷ direct (≤ 1.5) "
        f"| kg ÷ oxigraph req/s under load, wrk c={CONNECTIONS} (≥ 0.8) "
        "| kg ÷ oxigraph req/s, one request at a time |",
        "|---:|---:|" + "---:|" * len(STAGES) + "---:|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    for row in rows:
        stages = [_seconds(row.stages.get(s)) for s in STAGES]
        cold = _seconds(row.cold_s) if row.finished else f"> {row.build_wall_s:.0f} s ({row.note})"
        cells = [f"{row.triples:,}", f"{row.quads:,}" if row.quads else "–", *stages, cold,
                 f"{row.build_peak_mib:,.0f} MiB"]
        if _complete(row):
            over_direct, over_oxigraph, loaded = _ratios(row)
            medians = [statistics.median(t.p50_ms[w] for t in _complete(row)) for w in WAYS]
            cells += [
                f"{row.store_mib:,.1f} MiB", _seconds(row.warm_start_s),
                _per_process(row, "HTTP processes"), _per_process(row, "query workers"),
                " / ".join(f"{m:.2f}" for m in medians) + " ms",
                _meeting(over_direct, 1.5, at_most=True),
                _meeting(loaded, 0.8),
                _meeting(over_oxigraph, 0.8),
            ]
        else:
            cells += ["–"] * 8
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _per_process(row: Row, role: str) -> str:
    """PSS per process of a role: at start (once answering), then after the named queries."""
    count, mib = row.memory_mib.get(role, [0, 0.0])
    if not count:
        return "–"
    at_start, started = row.start_memory_mib.get(role, [0, 0.0])
    start = f"{started / at_start:.0f} → " if at_start else ""
    return f"{start}{mib / count:.0f} MiB × {count:.0f}"


def _memory_mib(pid: int) -> dict[str, list[float]]:
    return {role: [count, pss / MIB] for role, (count, pss) in soak._memory(pid).items()}


def query_table(rows: list[Row]) -> str:
    out = [
        "| query | input triples | rows | direct ms | kg ms | kg cached ms | oxigraph ms "
        "| kg ÷ direct | kg ÷ oxigraph req/s, one at a time "
        f"| under load (c={CONNECTIONS}): kg / oxigraph req/s | kg ÷ oxigraph under load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = sorted({name for row in rows for name in row.queries})
    for name in names:
        for row in rows:
            if name not in row.queries:
                continue
            t = row.queries[name]
            p = t.p50_ms
            differ = "" if t.agree else " (answers differ)"
            cells = [f"{p[w]:,.2f}" if w in p else "–" for w in WAYS]
            if not t.cached_kept:
                cells[WAYS.index("kg cached")] += " (not kept: too large)"
            if len(p) == len(WAYS):
                cells += [f"{p['kg'] / p['direct']:.2f}x", f"{p['oxigraph'] / p['kg']:.2f}x"]
            else:
                cells += [t.note, ""]
            rps = t.loaded_rps
            if len(rps) == len(LOADED):
                cells += [f"{rps['kg']:,.1f} / {rps['oxigraph']:,.1f}",
                          f"{rps['kg'] / rps['oxigraph']:.2f}x"]
            else:
                cells += [t.loaded_note or "–", ""]
            rows_cell = f"{t.rows:,}{differ}" if p else "–"
            out.append(f"| {name} | {row.triples:,} | {rows_cell} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def plot(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ((stages_ax, memory_ax), (queries_ax, ratio_ax)) = plt.subplots(
        2, 2, figsize=(12, 9), constrained_layout=True
    )
    finished = [r for r in rows if r.finished]
    for name in [*STAGES, "cold build"]:
        points = [(r.triples, r.cold_s if name == "cold build" else r.stages.get(name))
                  for r in rows if r.finished or name != "cold build"]
        _curve(stages_ax, points, name, bold=name == "cold build")
    stages_ax.set(title="Cold build, per stage (no SHACL)", ylabel="seconds")
    _curve(memory_ax, [(r.triples, r.build_peak_mib) for r in rows], "build peak RSS")
    _curve(memory_ax, [(r.triples, r.store_mib) for r in finished], "store on disk")
    for role, label in (("HTTP processes", "PSS per HTTP process"),
                        ("query workers", "PSS per query worker")):
        _curve(memory_ax, [(r.triples, r.memory_mib[role][1] / r.memory_mib[role][0])
                           for r in finished if r.memory_mib.get(role, [0])[0]], label)
    _curve(memory_ax, [(r.triples, r.oxigraph_mib) for r in finished], "oxigraph server PSS")
    memory_ax.set(title="Memory and disk", ylabel="MiB")
    measured = [r for r in finished if _complete(r)]
    # The same queries at every size: those timed every way at each.
    common = set.intersection(*({n for n, t in r.queries.items() if len(t.p50_ms) == len(WAYS)}
                                for r in measured)) if measured else set()
    for way in WAYS:
        _curve(queries_ax, [(r.triples, statistics.median(r.queries[n].p50_ms[way] for n in common))
                            for r in measured if common], way)
    _curve(queries_ax, [(r.triples, r.warm_start_s * 1000) for r in measured if r.warm_start_s],
           "kg serve warm start")
    queries_ax.set(title="Median p50, named queries timed at every size (one request at a time)",
                   ylabel="ms")
    for label, index in (
        ("kg ÷ pyoxigraph direct, p50 (goal ≤ 1.5)", 0),
        (f"kg ÷ Oxigraph server, req/s under load, c={CONNECTIONS} (goal ≥ 0.8)", 2),
        ("kg ÷ Oxigraph server, req/s one request at a time", 1),
    ):
        points = [(r.triples, _ratios(r, common)[index]) for r in measured]
        points = [(x, statistics.median(ratios)) for x, ratios in points if ratios]
        if points:
            ratio_ax.plot(*zip(*points), "o-", label=label)
    for goal in (1.5, 0.8):
        ratio_ax.axhline(goal, color="grey", linestyle=":", linewidth=1)
    ratio_ax.set(title="kg against the goals (median over the named queries)", xscale="log")
    for ax in (stages_ax, memory_ax, queries_ax, ratio_ax):
        ax.set_xlabel("input triples (generator)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle("kg at growing sizes: measured (solid), power law fitted and extended (dashed)")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)


def _curve(ax: Any, points: list[tuple[int, float | None]], label: str, bold: bool = False) -> None:
    """Measured points, and a power law through them extended to 10^8 (dashed)."""
    points = [(x, y) for x, y in points if y]
    if not points:
        return
    xs, ys = zip(*points)
    (line,) = ax.plot(xs, ys, "o-", label=label, linewidth=2.5 if bold else 1.2)
    if len(points) >= 2:
        exponent, factor = fit_power_law(points)
        ahead = [xs[-1], *(x for x in (1e7, 1e8) if x > xs[-1])]
        ax.plot(ahead, [factor * x**exponent for x in ahead], "--", color=line.get_color(),
                linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")


def fit_power_law(points: list[tuple[int, float]]) -> tuple[float, float]:
    """y = factor × x^exponent, least squares in log-log, over the last two points at most three."""
    logs = [(math.log(x), math.log(y)) for x, y in points[-3:]]
    mean_x = statistics.fmean(x for x, _ in logs)
    mean_y = statistics.fmean(y for _, y in logs)
    spread = sum((x - mean_x) ** 2 for x, _ in logs)
    exponent = sum((x - mean_x) * (y - mean_y) for x, y in logs) / spread
    return exponent, math.exp(mean_y - exponent * mean_x)


# --- rows kept across runs -----------------------------------------------------------------------


def _read_rows(path: Path | None) -> dict[int, Row]:
    if path is None or not path.exists():
        return {}
    rows = {}
    for data in json.loads(path.read_text(encoding="utf-8")):
        data["queries"] = {name: QueryTimes(**t) for name, t in data["queries"].items()}
        rows[data["triples"]] = Row(**data)
    return rows


def _write_rows(path: Path, rows: dict[int, Row]) -> None:
    path.write_text(json.dumps([asdict(rows[size]) for size in sorted(rows)], indent=1),
                    encoding="utf-8")


def _say(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
