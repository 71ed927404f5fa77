"""Search latency: the build's FTS5 index (kg.search_index) over a generated graph.

    .venv/bin/python benchmarks/search.py [--triples 100000] [--seed 1] [--rounds 200]

Builds the seeded graph of benchmarks/synthetic.py with kg's pipeline in a scratch project
(`synthetic.scratch_build`, no SHACL), which writes the search index as every build does, then
asks the index queries of every selectivity: a whole label, a rare word, the commonest label
word, a prefix of two letters, the words every node's evidence holds (every resource matches),
a deep page of those, and a word no label has. For each: the hits, the first answer on a fresh
connection (SQLite's page cache empty; the operating system's is not emptied), then the p50 and
p99 of `--rounds` repeated answers on that connection, and the p50 of the same query through the
app (`GET /search?q=…` as JSON, Flask's test client: ranking, labels of types, JSON). Then the
listings of events, deals, statements and regimes: the first answer in the process (which reads
every date and type once and keeps them) and the p50 of the last page as HTML after it. Prints
Markdown tables, with the index's size and the time writing it took.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402  (benchmarks/ is not a package)

from kg.search_index import open_index, search, write_index  # noqa: E402
from kg.web.app import create_app  # noqa: E402
from kg.web.search import HITS_PER_PAGE  # noqa: E402
from kg.web.settings import Settings  # noqa: E402

# (what it shows, query, page); the label and its number are taken from the index.
LISTED_KINDS = ("event", "transfer", "statement", "regime")
QUERIES = (
    ("a whole label", "{label}", 1),
    ("a rare word", "{number}", 1),
    ("the commonest label word", "delivery", 1),
    ("a two-letter prefix", "de", 1),
    ("every resource matches", "selon la source", 1),
    ("the same, page 10", "selon la source", 10),
    ("no hit", "zanzibar", 1),
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kg-search-bench-") as scratch:
        print(f"building {args.triples} generated triples (seed {args.seed})…", file=sys.stderr)
        built = synthetic.scratch_build(Path(scratch), args.triples, args.seed)
        index = built.directory / built.manifest["search"]["path"]
        assert built.store is not None
        start = time.perf_counter()
        entries = write_index(built.store, Path(scratch) / "again.sqlite")
        writing = time.perf_counter() - start

        app = create_app(Settings(data=(built.store_path,)))
        client = app.test_client()
        rows = []
        probe = open_index(index)
        (label,) = probe.execute(
            "SELECT label FROM entry WHERE label LIKE 'Delivery %' ORDER BY id LIMIT 1"
        ).fetchone()
        probe.close()
        try:
            for what, pattern, page in QUERIES:
                query = pattern.format(label=label, number=label.split()[-1])
                print(f"asking {query!r} page {page}…", file=sys.stderr)
                offset = (page - 1) * HITS_PER_PAGE
                connection = open_index(index)
                start = time.perf_counter()
                found = search(connection, query, HITS_PER_PAGE, offset)
                first = time.perf_counter() - start
                times = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    search(connection, query, HITS_PER_PAGE, offset)
                    times.append(time.perf_counter() - start)
                connection.close()
                through_app = []
                for _ in range(max(1, args.rounds // 10)):
                    start = time.perf_counter()
                    response = client.get(
                        "/search", query_string={"q": query, "page": page, "format": "json"}
                    )
                    through_app.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.data
                cuts = statistics.quantiles(times, n=100)
                rows.append(
                    (what, query, page, found.total, first, cuts[49], cuts[98],
                     statistics.median(through_app))
                )
            listing_rows = []
            for kind in LISTED_KINDS:
                print(f"listing /id/{kind}/…", file=sys.stderr)
                start = time.perf_counter()
                response = client.get(f"/id/{kind}.json")
                first = time.perf_counter() - start
                assert response.status_code == 200, response.data
                total, pages = response.json["total"], response.json["pages"]
                times = []
                for _ in range(max(1, args.rounds // 10)):
                    start = time.perf_counter()
                    client.get(f"/id/{kind}/?page={pages}", headers={"Accept": "text/html"})
                    times.append(time.perf_counter() - start)
                listing_rows.append((kind, total, pages, first, statistics.median(times)))
        finally:
            app.extensions["kg"].evaluator.close()

        quads = built.manifest["dataset"]["quads"]
        print(
            f"\n{quads} quads ({args.triples} generated triples, seed {args.seed}); index "
            f"{index.stat().st_size / 1e6:.1f} MB, {entries} resources, written in "
            f"{writing:.2f} s; {args.rounds} rounds per query\n"
        )
        print("| query | q | page | hits | first, fresh connection (ms) | p50 (ms) | p99 (ms) | p50 via app, JSON (ms) |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for what, query, page, total, first, p50, p99, app_p50 in rows:
            print(
                f"| {what} | `{query}` | {page} | {total} | {_ms(first)} | {_ms(p50)} | "
                f"{_ms(p99)} | {_ms(app_p50)} |"
            )
        print("\n| listing | entities | pages | first answer in the process (ms) | p50 of the last page, HTML (ms) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for kind, total, pages, first, p50 in listing_rows:
            print(f"| `/id/{kind}/` | {total} | {pages} | {_ms(first)} | {_ms(p50)} |")


if __name__ == "__main__":
    main()
