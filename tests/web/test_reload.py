"""A real `kg serve --watch` (or SIGHUP) takes new data without a restart, and never a bad build.

Each test serves a copy of tests/fixtures/project (two data files, 27 quads once built) with a
shape of its own: every kgo:Country has a label.
"""

import concurrent.futures
import json
import os
import signal
import sqlite3
import threading
import time
import types
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph
import pytest
from clients import http_get
from processes import child_pids
import werkzeug.test
from flask import Flask

from kg.build_cache import _read_by_a_process, remove_leftovers
from kg.dataset import SharedStore, hold_as_reader
from kg.web import rebuilding
from kg.search_index import write_index
from kg.web.generations import BuildSlot, Generations
from kg.web.search import SearchIndex
from kg.web.services import EXTENSION_KEY, ON_CLOSE_KEY

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
SHAPE = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix kgo: <https://w3id.org/kg-mali/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kg-mali/shapes#CountryShape> a sh:NodeShape ;
    sh:targetClass kgo:Country ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .
"""
PREFIXES = """\
@prefix graph: <https://w3id.org/kg-mali/graph/> .
@prefix id: <https://w3id.org/kg-mali/id/> .
@prefix kgo: <https://w3id.org/kg-mali/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
# Two quads more than the fixture project's 27.
MALI = PREFIXES + 'graph:extra { id:mali a kgo:Country ; rdfs:label "Mali"@en . }\n'
# A country without a label: the shape is violated.
NAMELESS = PREFIXES + "graph:extra { id:nowhere a kgo:Country . }\n"
# Line 6 closes a graph that is not open.
BROKEN = PREFIXES + 'graph:extra { id:mali a kgo:Country ; rdfs:label "Mali"@en }\n}\n'
TIMEOUT = 5.0


def _count(base: str) -> int:
    status, body = http_get(base + "/sparql?" + urllib.parse.urlencode({"query": COUNT}))
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _status(base: str) -> dict:
    return json.loads(http_get(base + "/status")[1])


def _until(condition: Callable[[], object], limit: float = 20, what: str = "the condition"):
    """Poll `condition` until it returns something true (bounded), and return that."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)  # polling the server's answers: there is nothing to wait on
    raise AssertionError(f"{what} did not happen within {limit} s")


@pytest.fixture
def project(fixture_project: Path) -> Path:
    (fixture_project / "shapes").mkdir()
    (fixture_project / "shapes" / "countries.ttl").write_text(SHAPE)
    return fixture_project


@pytest.fixture
def watching(project: Path, kg_serve, tmp_path: Path) -> Iterator:
    args = ["--watch", "--workers", "2", "--query-timeout", str(TIMEOUT)]
    with kg_serve(args, tmp_path / "kg-serve.log", ready_path="/readyz") as running:
        yield running


def test_a_new_data_file_is_served_without_a_restart(watching, project: Path) -> None:
    assert _count(watching.url) == 27
    before = _status(watching.url)
    (project / "data" / "extra.trig").write_text(MALI)
    # Both HTTP processes answer in turn: once both give 29, every process has swapped.
    _until(lambda: all(_count(watching.url) == 29 for _ in range(6)), what="the new answer")
    after = _status(watching.url)
    assert after["generation"] == 1
    assert after["last_rebuild"]["outcome"] == "swapped"
    assert after["last_rebuild"]["trigger"] == "changed: data/extra.trig"
    assert after["build"]["quads"] == 29
    assert after["build"]["key"] != before["build"]["key"]
    assert after["started"] == before["started"]  # the same server, never restarted


def test_a_syntax_error_keeps_the_last_good_build(watching, project: Path) -> None:
    (project / "data" / "extra.trig").write_text(BROKEN)
    status = _until(
        lambda: (s := _status(watching.url))["last_rebuild"]["outcome"] == "failed" and s,
        what="the failed rebuild",
    )
    assert status["generation"] == 0
    assert status["last_rebuild"]["problems"] == [
        "data/extra.trig:6: bad syntax: expected directive or statement"
    ]
    assert [_count(watching.url) for _ in range(4)] == [27] * 4
    assert "rebuild failed after" in watching.log.read_text()
    # Mended, it is served.
    (project / "data" / "extra.trig").write_text(MALI)
    _until(lambda: _status(watching.url)["generation"] == 1, what="the mended build")


def test_a_violation_keeps_the_last_good_build_and_says_which(watching, project: Path) -> None:
    (project / "data" / "extra.trig").write_text(NAMELESS)
    status = _until(
        lambda: (s := _status(watching.url))["last_rebuild"]["outcome"] == "failed" and s,
        what="the failed rebuild",
    )
    rebuild = status["last_rebuild"]
    assert rebuild["message"].startswith("the build violates the shapes (")
    # The reason alone: the server serves its build; the hint to serve the kept store is the CLI's.
    assert rebuild["message"].endswith(")") and "kg serve --data" not in rebuild["message"]
    assert any("nowhere" in line for line in rebuild["problems"])
    assert status["build"]["quads"] == 27
    assert [_count(watching.url) for _ in range(4)] == [27] * 4


def test_requests_during_a_swap_all_succeed_in_time(watching, project: Path) -> None:
    deadline = time.monotonic() + 30

    def hammer() -> list[tuple[int, float, int]]:
        seen = []
        while time.monotonic() < deadline:
            started = time.monotonic()
            status, body = http_get(
                watching.url + "/sparql?" + urllib.parse.urlencode({"query": COUNT}), TIMEOUT
            )
            n = int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) if status == 200 else -1
            seen.append((status, time.monotonic() - started, n))
            # Past the swap: a little more, then stop.
            if sum(1 for *_, count in seen if count == 29) > 20:
                break
        return seen

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        clients = [pool.submit(hammer) for _ in range(8)]
        _until(lambda: _status(watching.url)["requests"]["total"] > 50, what="requests under way")
        (project / "data" / "extra.trig").write_text(MALI)
        answers = [a for client in clients for a in client.result(timeout=60)]
    assert {status for status, _, _ in answers} == {200}
    assert max(seconds for _, seconds, _ in answers) < TIMEOUT
    assert {n for *_, n in answers} == {27, 29}


def test_sighup_rebuilds_on_demand(project: Path, kg_serve, tmp_path: Path) -> None:
    with kg_serve(["--workers", "1"], tmp_path / "kg-serve.log", ready_path="/readyz") as running:
        (project / "data" / "extra.trig").write_text(MALI)
        assert _count(running.url) == 27  # no watcher: nothing happens until the signal
        http_processes = child_pids(running.process.pid)
        running.process.send_signal(signal.SIGHUP)
        _until(lambda: _count(running.url) == 29, what="the rebuilt answer")
        assert _status(running.url)["last_rebuild"]["trigger"] == "SIGHUP"
        # granian's own SIGHUP would have replaced the HTTP process: the same one serves.
        assert http_processes <= child_pids(running.process.pid)
        assert running.process.poll() is None


def test_a_rebuild_to_the_same_store_swaps_nothing(tmp_path: Path, monkeypatch) -> None:
    slot = BuildSlot(tmp_path / "store-same", {"key": "same"})
    outcome = {"ok": True, "store": str(tmp_path / "store-same"), "reused": True}
    monkeypatch.setattr(rebuilding, "_in_a_child", lambda spec, limit: outcome)
    rebuilding.Rebuilder(slot, rebuilding.RebuildSpec()).rebuild("SIGHUP")
    assert slot.generation == 0
    last = slot.read()["last_rebuild"]
    assert (last["outcome"], last["trigger"], last["key"]) == ("unchanged", "SIGHUP", "same")


def test_old_stores_go_once_no_process_reads_them(watching, project: Path) -> None:
    build = project / "build"
    first = _status(watching.url)["build"]["store"]
    for n, text in enumerate((MALI, MALI.replace("Mali", "Malí")), start=1):
        (project / "data" / "extra.trig").write_text(text)
        _until(lambda: _status(watching.url)["generation"] == n, what=f"generation {n}")
    # The third build removed the first store: no process held it any more.
    assert not Path(first).exists()
    assert len(list(build.glob("store-*"))) == 2


def test_a_store_still_read_is_kept(fixture_project: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    (build / "store-old").mkdir(parents=True)
    (build / "store-gone").mkdir()
    reader = hold_as_reader(build / "store-old")
    try:
        remove_leftovers(build)
        assert sorted(p.name for p in build.iterdir()) == ["store-old"]
    finally:
        os.close(reader)
    remove_leftovers(build)
    assert list(build.iterdir()) == []


def test_a_store_still_read_keeps_its_search_index(fixture_project: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    (build / "store-old").mkdir(parents=True)
    (build / "search-old.sqlite").touch()
    (build / "search-gone.sqlite").touch()
    reader = hold_as_reader(build / "store-old")
    try:
        remove_leftovers(build)
        assert sorted(p.name for p in build.iterdir()) == ["search-old.sqlite", "store-old"]
    finally:
        os.close(reader)
    remove_leftovers(build)
    assert list(build.iterdir()) == []


def test_a_named_query_that_does_not_parse_is_reported(watching, project: Path) -> None:
    (project / "queries" / "broken.rq").write_text(
        "# title: Broken\n# description: Not a query.\nSELECT ?s WHERE { ?s\n"
    )
    (project / "data" / "extra.trig").write_text(MALI)
    status = _until(
        lambda: (s := _status(watching.url))["last_rebuild"]["outcome"] == "failed" and s,
        what="the failed rebuild",
    )
    assert status["last_rebuild"]["message"].startswith("queries/broken.rq:4:1: expected ")
    assert status["generation"] == 0
    # Nothing was built: the build on disk is still the one served.
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    assert manifest["key"] == status["build"]["key"]


class _Workers:
    """Stands for an Evaluator: counts what the swap asks of it."""

    def __init__(self) -> None:
        self.warmed = self.closed = 0

    def warm(self) -> None:
        self.warmed += 1

    def close(self) -> None:
        self.closed += 1


def _app_answering(text: str, hold: threading.Event | None = None) -> Flask:
    app = Flask(text)
    app.extensions[EXTENSION_KEY] = types.SimpleNamespace(evaluator=_Workers())

    @app.get("/")
    def answer() -> str:
        if hold is not None:
            hold.wait(10)
        return text

    return app


def _text(client: werkzeug.test.Client) -> str:
    # Closed as a server closes it once the body is sent: that is when a request ends.
    with client.get("/") as response:
        return response.get_data(as_text=True)


def test_a_request_in_flight_finishes_on_its_build(tmp_path: Path) -> None:
    hold = threading.Event()
    old, new = _app_answering("old", hold), _app_answering("new")
    slot = BuildSlot(tmp_path / "store-old", {"key": "old"})
    generations = Generations(old, slot, lambda store: new)
    client = werkzeug.test.Client(generations)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(_text, client)
        _until(lambda: generations._current._in_flight == 1, what="the request in flight")
        generations.follow()
        slot.publish(tmp_path / "store-new", {"key": "new"}, {"outcome": "swapped", "problems": []})
        _until(lambda: generations.current is new, what="the swap")
        assert _text(client) == "new"
        # The old build's workers stay while its request runs, and go when it ends.
        assert old.extensions[EXTENSION_KEY].evaluator.closed == 0
        hold.set()
        assert in_flight.result(timeout=10) == "old"
    assert old.extensions[EXTENSION_KEY].evaluator.closed == 1
    assert new.extensions[EXTENSION_KEY].evaluator.warmed == 1


def test_an_http_process_replaced_after_a_swap_serves_the_new_build(watching, project) -> None:
    (project / "data" / "extra.trig").write_text(MALI)
    _until(lambda: all(_count(watching.url) == 29 for _ in range(6)), what="the new answer")
    before = _until(lambda: len(p := child_pids(watching.process.pid) - _rebuilders(watching)) == 2
                    and p, what="two HTTP processes")
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    # Forked from the main process, which holds the first build's app: it must not serve that.
    _until(lambda: len(p := child_pids(watching.process.pid) - _rebuilders(watching)) == 2
           and victim not in p, what="a replacement HTTP process")
    _until(lambda: http_get(watching.url + "/readyz")[0] == 200, what="readiness")
    assert [_count(watching.url) for _ in range(10)] == [29] * 10


def _rebuilders(server) -> set[int]:
    """The main process's children that are not HTTP processes (multiprocessing's helper)."""
    found = set()
    for pid in child_pids(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing" in command:
            found.add(pid)
    return found


def test_threads_opening_a_store_at_once_leave_no_lock_behind(tmp_path: Path) -> None:
    path = tmp_path / "store-new"
    pyoxigraph.Store(str(path)).flush()
    shared = SharedStore(path)
    start = threading.Barrier(8)

    def first_use() -> pyoxigraph.Store:
        start.wait()
        return shared.store()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        handles = {id(h) for h in pool.map(lambda _: first_use(), range(8))}
    assert len(handles) == 1  # one handle per process, whichever thread opened it
    shared.release()
    # Once released, no lock of this process keeps a later build from removing the store.
    assert not _read_by_a_process(path)


def test_a_retired_builds_search_connections_are_closed(tmp_path: Path) -> None:
    index = tmp_path / "search-old.sqlite"
    write_index(pyoxigraph.Store(), index)
    searching = SearchIndex(index, lambda _connection: None)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: searching.search("mali", 10, 0), range(12)))
    opened = list(searching._opened)
    assert len(opened) >= 1
    old, new = _app_answering("old"), _app_answering("new")
    old.extensions[ON_CLOSE_KEY] = [searching.close]
    slot = BuildSlot(tmp_path / "store-old", {"key": "old"})
    generations = Generations(old, slot, lambda store: new)
    slot.publish(tmp_path / "store-new", {"key": "new"}, {"outcome": "swapped", "problems": []})
    generations._swap()
    # Closed, so a later build's deletion of the file frees its space at once.
    for connection in opened:
        with pytest.raises(sqlite3.ProgrammingError):
            connection.execute("SELECT 1")


def test_a_hung_rebuild_is_stopped_and_the_next_change_is_served(
    project: Path, kg_serve, tmp_path: Path
) -> None:
    data = project / "data" / "tass-2021-10-01.trig"
    text = data.read_text()
    args = ["--data", "data/essor-2021-09-30.trig", "--data", "data/tass-2021-10-01.trig",
            "--watch", "--workers", "1", "--rebuild-time-limit", "4"]
    with kg_serve(args, tmp_path / "kg-serve.log", ready_path="/readyz") as running:
        assert _count(running.url) == 27
        # The data file becomes a named pipe nobody writes to: reading it, the build blocks.
        os.mkfifo(tmp_path / "never-ends")
        os.replace(tmp_path / "never-ends", data)
        running_since = _until(lambda: _status(running.url)["rebuilding"], what="a rebuild")
        assert running_since["trigger"] == "changed: data/tass-2021-10-01.trig"
        home = http_get(running.url + "/")[1].decode()
        assert f'<dd class="rebuilding">since {running_since["since"]} (' in home
        assert _count(running.url) == 27  # the last good build serves meanwhile
        last = _until(lambda: (s := _status(running.url))["rebuilding"] is None
                      and s["last_rebuild"], what="the end of the hung rebuild")
        assert (last["outcome"], last["message"]) == (
            "failed", "the build took longer than 4 s and was stopped",
        )
        # Not blocked: the next change rebuilds and is served.
        (tmp_path / "next.trig").write_text(text + MALI.replace("graph:extra", "graph:tass-2021-10-01"))
        os.replace(tmp_path / "next.trig", data)
        _until(lambda: _count(running.url) == 29, what="the next build")
        assert _status(running.url)["generation"] == 1


def test_a_same_size_rewrite_with_its_time_put_back_is_seen(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text("<urn:a> <urn:b> <urn:c> .\n")
    before = rebuilding.snapshot([tmp_path])
    times = data.stat()
    time.sleep(0.01)  # the ctime the rewrite gets must differ at the file system's resolution
    data.write_text("<urn:a> <urn:b> <urn:d> .\n")
    os.utime(data, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert data.stat().st_mtime_ns == times.st_mtime_ns
    assert data.stat().st_size == times.st_size
    assert rebuilding.snapshot([tmp_path]) != before
