"""Health for orchestrators and operators: /healthz, /readyz and /status.

Shaped after Kubernetes' probe conventions (liveness never touches a dependency; readiness
answers 200 only when the server can do its job; plain text, never cached) and Fuseki's admin
endpoints: $/ping (cheap, plain text, not cached) is our /healthz; $/server (version, start time,
uptime, datasets) and $/stats (requests, good, bad, failed) are folded into /status. /status
says which build is served and how the last rebuild went (kg.web.rebuilding: SIGHUP, --watch),
with the validation report's first problems when it failed. Served from a remote store
(kg serve --store), its "status" is "store unreachable" while the store does not answer the
readiness query (as /readyz is 503), else "ok".
"""

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from flask.blueprints import BlueprintSetupState

from kg import __version__
from kg.build_cache import read_manifest
from kg.errors import KgError, SandboxUnavailable
from kg.project import build_dir
from kg.query_forms import ResultKind
from kg.sandbox import probe
from kg.web.generations import SLOT_KEY, BuildSlot, describe_build
from kg.web.query_worker import QueryJob
from kg.web.representations import JSON_LIST, choose
from kg.web.services import services

blueprint = Blueprint("health", __name__)
COUNTS_KEY = "kg.request_counts"
# A readiness probe must answer well inside the orchestrator's own timeout (Kubernetes: 1 s).
READY_TIMEOUT = 1.0
_READY_QUERY = QueryJob(
    text="ASK {}",
    formats={ResultKind.SOLUTIONS: None, ResultKind.BOOLEAN: "json", ResultKind.GRAPH: None},
    max_rows=1,
)
_STATUS_RANGE = range(100, 600)
_STATE_KEY = "kg.health"


class RequestCounts:
    """Responses by status, in memory shared by every process forked after this is made."""

    def __init__(self) -> None:
        self._counts = multiprocessing.Array("Q", len(_STATUS_RANGE), lock=True)

    def add(self, status: int) -> None:
        if status in _STATUS_RANGE:
            with self._counts.get_lock():
                self._counts[status - _STATUS_RANGE.start] += 1

    def by_status(self) -> dict[str, int]:
        with self._counts.get_lock():
            counts = list(self._counts)
        return {str(_STATUS_RANGE.start + i): n for i, n in enumerate(counts) if n}

    def summary(self) -> dict[str, Any]:
        """Fuseki's $/stats split (good; bad: the client's; failed: the server's), and by status."""
        by_status = self.by_status()

        def among(low: int, high: int) -> int:
            return sum(n for status, n in by_status.items() if low <= int(status) < high)

        return {
            "total": among(100, 600),
            "good": among(100, 400),
            "bad": among(400, 500),
            "failed": among(500, 600),
            "by_status": by_status,
            "scope": "all HTTP processes",
        }


def counting(wsgi: Any, counts: RequestCounts) -> Any:
    """`wsgi`, counting each response's status in `counts`."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def noted(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            counts.add(int(status[:3]))
            return start_response(status, headers, exc_info)

        return wsgi(environ, noted)

    return app


@blueprint.record_once
def _note_start(setup: BlueprintSetupState) -> None:
    setup.app.extensions[_STATE_KEY] = {
        "started": time.time(),
        "build": _build_served(setup.app),
    }


@blueprint.app_context_processor
def _status_for_pages() -> dict[str, Any]:
    # A function, not the document: only a page that shows it (the home page) pays for it.
    return {"server_status": status_document}


@blueprint.get("/healthz")
def healthz() -> Response:
    """Alive: answers without touching the store or a query worker."""
    return _plain("ok\n", 200)


@blueprint.get("/readyz")
def readyz() -> Response:
    """Ready: a build is loaded and a query worker answers a trivial query in time."""
    problem = _readiness_problem()
    if problem is None:
        return _plain("ready\n", 200)
    return _plain(f"not ready: {problem}\n", 503)


@blueprint.get("/status")
def status() -> Response:
    """What is served and how the server fares, as JSON (and only JSON: 406 for anything else)."""
    choose(None, (JSON_LIST,))
    return jsonify(status_document())


def status_document() -> dict[str, Any]:
    """The /status document (also shown on the home page)."""
    state = services()
    counts = _counts()
    noted = current_app.extensions[_STATE_KEY]
    slot: BuildSlot | None = current_app.extensions.get(SLOT_KEY)
    if slot is not None:  # served from a build that SIGHUP or --watch may replace
        record = slot.read()
        started, build, last_rebuild = slot.started, record["build"], record["last_rebuild"]
        generation: int | None = record["generation"]
        rebuilding = record.get("rebuilding")
    else:
        started, build, generation, rebuilding = noted["started"], noted["build"], None, None
        last_rebuild = {
            "outcome": "loaded",
            "at": _iso(started),
            "key": (build or {}).get("key"),
            "problems": [],
        }
    return {
        "status": _serving_state(state.settings.store is not None),
        "version": __version__,
        "build": build,
        "generation": generation,
        # The rebuild running now ({"since", "trigger"}), or None.
        "rebuilding": rebuilding,
        "last_rebuild": last_rebuild,
        "sandbox": _sandbox_in_force(noted, state.settings.sandbox),
        "started": _iso(started),
        "uptime_seconds": round(time.time() - started, 1),
        "requests": (
            counts.summary() if counts else {"scope": "not counted (served without kg serve)"}
        ),
        "process": os.getpid(),
    }


def _serving_state(remote: bool) -> str:
    # A local build is loaded before the app starts and stays; a remote store may go away.
    return "store unreachable" if remote and _readiness_problem() is not None else "ok"


def _readiness_problem() -> str | None:
    state = services()
    if state.store is None:
        return "no build loaded"
    outcome: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def ask() -> None:
        try:
            state.evaluator.evaluate(_READY_QUERY, take_turn=False)
            outcome.put(None)
        except KgError as err:
            outcome.put(f"the query worker failed: {err}")

    # A thread of its own, so a stuck worker costs the probe its timeout and nothing more (the
    # evaluator stops the worker at the query time limit).
    threading.Thread(target=ask, name="readiness", daemon=True).start()
    try:
        return outcome.get(timeout=READY_TIMEOUT)
    except queue.Empty:
        return f"no query worker answered within {READY_TIMEOUT:g} s"


def _build_served(app: Flask) -> dict[str, Any] | None:
    kg = app.extensions["kg"]
    settings, store = kg.settings, kg.store
    if settings.store is not None:
        # The remote store holds what `kg push` sent, which need not be the local build: only
        # what the engine itself says is reported (its graphs, listed once at start).
        return {"store": settings.store, "graphs": list(kg.dataset.named_graphs)}
    if len(settings.data) == 1 and settings.data[0].is_dir():
        # Described by its manifest: opening the store here would hold it open in this process.
        return describe_build(settings.data[0])
    if settings.data:
        return {"files": [str(p) for p in settings.data], "quads": _quads(store)}
    manifest = read_manifest(build_dir())
    if manifest is None:
        return None
    return {
        "key": manifest["key"],
        "built": manifest["built"],
        "quads": manifest["dataset"]["quads"],
        "graphs": manifest["graphs"],
    }


def _quads(store: Any) -> int:
    """How many quads the files given to `kg serve --data` hold (a build's store is described by
    its manifest instead: counting walks every quad in Python)."""
    return len(store)


def _sandbox_in_force(noted: dict[str, Any], requested: str) -> str:
    # Probed once per process (a throwaway child), as kg serve did at start.
    if "sandbox" not in noted:
        try:
            noted["sandbox"] = probe(requested)
        except SandboxUnavailable as err:
            noted["sandbox"] = f"unavailable: {err}"
    return noted["sandbox"]


def _counts() -> RequestCounts | None:
    return current_app.extensions.get(COUNTS_KEY)


def _plain(text: str, status_code: int) -> Response:
    response = Response(text, status_code, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")
