"""/healthz, /readyz and /status through the app (a served one: tests/web/test_served_faults.py)."""

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask

from kg.build import build
from kg.errors import WorkerFailure
from kg.web import evaluation
from kg.web.generations import SLOT_KEY, BuildSlot
from kg.web.health import COUNTS_KEY, RequestCounts, counting


def test_alive_and_ready(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    assert (client.get("/healthz").status_code, client.get("/healthz").data) == (200, b"ok\n")
    assert (client.get("/readyz").status_code, client.get("/readyz").data) == (200, b"ready\n")
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def test_not_ready_while_no_query_worker_answers(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    released = threading.Event()
    app.extensions["kg"].evaluator.evaluate = lambda job, **_: released.wait(5)
    try:
        response = app.test_client().get("/readyz")
    finally:
        released.set()
    assert (response.status_code, response.data) == (
        503, b"not ready: no query worker answered within 1 s\n",
    )


def test_ready_while_the_queries_turns_are_all_taken(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A probe does not queue behind the queries: a busy server is not a server that is down.
    monkeypatch.setattr(evaluation, "PATIENCE_S", 10.0)  # the held turn stays young throughout
    app = make_app(simultaneous_queries=1, threads=4, query_timeout=60.0)
    evaluator = app.extensions["kg"].evaluator
    evaluator.warm()
    held = evaluator._wait_for_turn()  # the process's one turn, taken by a young evaluation
    try:
        response = app.test_client().get("/readyz")
    finally:
        evaluator._end_turn(held)
    assert (response.status_code, response.data) == (200, b"ready\n")


def test_not_ready_when_the_query_worker_fails(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    def fail(job: object, **_: object) -> None:
        raise WorkerFailure("cannot start a query worker: a test says so")

    app.extensions["kg"].evaluator.evaluate = fail
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.data) == (
        503, b"not ready: the query worker failed: cannot start a query worker: a test says so\n",
    )


def test_status_says_what_is_served(make_app: Callable[..., Flask], kg_data: Path) -> None:
    document = make_app().test_client().get("/status").get_json()
    assert document["build"] == {"files": [str(kg_data)], "quads": 564}
    assert document["last_rebuild"]["outcome"] == "loaded"
    assert document["last_rebuild"]["problems"] == []
    assert document["requests"] == {"scope": "not counted (served without kg serve)"}
    assert set(document) == {
        "status", "version", "build", "generation", "rebuilding", "last_rebuild", "sandbox", "started",
        "uptime_seconds", "requests", "process",
    }
    assert document["generation"] is None  # files as given: nothing to rebuild


def test_counts_are_shared_with_forked_processes(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    counts = app.extensions[COUNTS_KEY] = RequestCounts()
    app.wsgi_app = counting(app.wsgi_app, counts)  # type: ignore[method-assign]
    client = app.test_client()
    client.get("/healthz")
    child = os.fork()
    if child == 0:  # as a granian HTTP process, forked after the counter was made
        counts.add(404)
        os._exit(0)
    assert os.waitpid(child, 0)[1] == 0
    assert client.get("/status").get_json()["requests"] == {
        "total": 2, "good": 1, "bad": 1, "failed": 0, "by_status": {"200": 1, "404": 1},
        "scope": "all HTTP processes",
    }


def test_status_counts_a_build_store_from_its_manifest(
    apps_over: Callable[..., Flask], fixture_project: Path
) -> None:
    """Counting the quads of a build's store walked them all at every start; its manifest has it."""
    result = build(fixture_project)
    manifest_path = result.directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    store = pyoxigraph.Store.read_only(str(result.store_path))
    named = sum(not isinstance(q.graph_name, pyoxigraph.DefaultGraph) for q in store)
    assert manifest["dataset"]["quads"] == named == 27  # what walking the store would count
    manifest["dataset"]["quads"] = 7  # so the next answer can only come from the manifest
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    document = apps_over(result.store_path).test_client().get("/status").get_json()
    assert document["build"]["quads"] == 7


def test_the_home_page_shows_the_status_to_a_person(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    build = {"key": "ab" * 32, "built": "2026-12-06T19:00:00+00:00", "quads": 1234,
             "graphs": {"https://w3id.org/kg-mali/graph/a": 1000, "https://w3id.org/kg-mali/graph/b": 234}}
    slot = app.extensions[SLOT_KEY] = BuildSlot(Path("build/store-abab"), build)
    slot.note({"outcome": "failed", "at": "2026-12-06T19:05:00+00:00", "trigger": "SIGHUP",
               "key": "ab" * 32, "message": "data/x.trig:6: bad syntax",
               "problems": ["data/x.trig:6: bad syntax"]})
    page = app.test_client().get("/").get_data(as_text=True)
    section = page[page.index('<section aria-labelledby="status-h"'):]
    section = section[: section.index("</section>")]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert text.startswith(
        "Status Build served abababababab , built 2026-12-06T19:00:00+00:00: 1,234 quads in 2 graphs "
        "Last rebuild failed at 2026-12-06T19:05:00+00:00 (SIGHUP): data/x.trig:6: bad syntax; "
        "the last good build is still served Query sandbox "
    )
    assert text.count("bad syntax") == 1
    assert "Requests not counted (served without kg serve)" in text
    assert app.test_client().get("/status").get_json()["last_rebuild"]["problems"] == [
        "data/x.trig:6: bad syntax"
    ]


def test_the_home_page_lists_a_failed_rebuilds_problems_under_its_message(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    slot = app.extensions[SLOT_KEY] = BuildSlot(Path("build/store-abab"), {"key": "ab" * 32, "built": "2026-12-06T19:00:00+00:00",
                                                                         "quads": 7, "graphs": {}})
    slot.note({"outcome": "failed", "at": "2026-12-06T19:05:00+00:00", "trigger": "SIGHUP",
               "key": "ab" * 32, "message": "validation failed: 2 violations",
               "problems": ["regime:x has no head", "regime:y has no start"]})
    page = app.test_client().get("/").get_data(as_text=True)
    section = page[page.index('<section aria-labelledby="status-h"'):]
    problems = section[section.index('<ul class="problems">'): section.index("</ul>")]
    assert re.findall(r"<code>([^<]*)</code>", problems) == ["regime:x has no head", "regime:y has no start"]
    assert section.count("validation failed: 2 violations") == 1


def test_status_and_the_home_page_say_a_rebuild_is_running(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    slot = app.extensions[SLOT_KEY] = BuildSlot(Path("build/store-abab"), {"store": "build/store-abab"})
    assert app.test_client().get("/status").get_json()["rebuilding"] is None
    slot.begin_rebuild("changed: data/x.trig", 1796583600.0)
    assert app.test_client().get("/status").get_json()["rebuilding"] == {
        "since": "2026-12-06T19:00:00+00:00", "trigger": "changed: data/x.trig",
    }
    page = app.test_client().get("/").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Rebuilding since 2026-12-06T19:00:00+00:00 (changed: data/x.trig) Last rebuild" in text
    slot.note({"outcome": "unchanged", "at": "2026-12-06T19:00:09+00:00", "problems": []})
    assert app.test_client().get("/status").get_json()["rebuilding"] is None


def test_status_answers_json_only(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    for accept in ("application/json", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = client.get("/status", headers={"Accept": accept})
        assert (response.status_code, response.mimetype) == (200, "application/json"), accept
    for accept in ("text/html", "text/html;q=1, application/json;q=0", "application/json;q=0"):
        response = client.get("/status", headers={"Accept": accept})
        assert response.status_code == 406, accept
        assert (
            "no acceptable format for this document; it comes as application/json"
            in response.get_data(as_text=True)
        ), accept
