"""Rebuilding while serving: `kg serve --watch` and SIGHUP, in the server's main process.

A change to an input (ontology, data, rules, shapes, named queries), once the files have been
quiet for a moment, or a SIGHUP, starts a rebuild. It runs in a process of its own (spawned: the
main process stays small, and granian's threads are not forked into it), through the same
pipeline as `kg build`, and a good build is published in the BuildSlot, which every HTTP process
follows (kg.web.generations). A build that fails (a syntax error, an inconsistency, a violation of
the shapes) publishes nothing: the last good build keeps serving, the log says why in one line, and
/status shows the outcome with the validation report's first problems.

Watching polls the files' sizes and times (every 0.25 s): no dependency, works on any file system,
and a project holds tens of files, not thousands.
"""

import logging
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.web.generations import BuildSlot, describe_build, iso

log = logging.getLogger(__name__)
POLL_INTERVAL = 0.25
# Files must be unchanged this long before a rebuild starts: an editor's save, or a copy of many
# files, is one change and not several.
QUIET = 0.4
# How much lower than the server's the rebuild's CPU priority is.
REBUILD_NICENESS = 10
# How long a rebuild may take before it is stopped and reported as failed (--rebuild-time-limit).
TIME_LIMIT = 15 * 60.0
# The validation report's first lines, as /status shows them.
PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class RebuildSpec:
    """What to rebuild: the project's build (data None), or a build of these data files."""

    data: tuple[Path, ...] | None = None
    reasoning: bool = True
    validation: bool = True

    def watched(self) -> list[Path]:
        """The files and folders whose change calls for a rebuild."""
        from kg.project import data_dir, ontology_dir, query_dir, rules_dir, shapes_dir

        inputs = [data_dir()] if self.data is None else list(self.data)
        return [ontology_dir(), *inputs, rules_dir(), shapes_dir(), query_dir()]


def run_build(spec: RebuildSpec) -> dict[str, Any]:
    """Build as `kg serve` did at start; what came of it, as plain data (it crosses a pipe)."""
    from kg.build import BuildOptions, build, open_build
    from kg.errors import BuildFailed, KgError

    try:
        # Before the build: a build that succeeds is the project's last good build on disk
        # (build/manifest.json, what `kg query` and a restart use) even when nothing serves it.
        _check_named_queries()
        if spec.data is None:
            result = open_build()
        else:
            options = BuildOptions("fast" if spec.reasoning else "none", validate=spec.validation)
            result = build(options=options, data=list(spec.data))
    except BuildFailed as err:
        # The reason alone: the server keeps serving its build, whatever became of the one on disk.
        return {"ok": False, "message": err.reason, "problems": list(err.details[:PROBLEMS_SHOWN])}
    except KgError as err:
        return {"ok": False, "message": str(err), "problems": [str(err)]}
    return {"ok": True, "store": str(result.store_path), "reused": result.reused}


def _check_named_queries() -> None:
    """InputError naming the first named query that does not parse (served, it would fail)."""
    import pyoxigraph

    from kg.errors import InputError
    from kg.namespaces import PREFIXES
    from kg.project import display_path
    from kg.querying import list_named_queries
    from kg.screening import screen
    from kg.store import syntax_error_message

    empty = pyoxigraph.Store()
    for query in list_named_queries():
        screened = screen(query.text)
        if screened.uses_service or not screened.certain:
            continue  # never evaluated here, even on nothing: this process has the network
        try:
            # Parsed by the engine that will run it, on an empty store: instant, where rdflib's
            # parser took 1.2 s of CPU for the project's 24 queries.
            empty.query(query.text, prefixes=PREFIXES)
        except SyntaxError as err:
            raise InputError(syntax_error_message(display_path(query.path), str(err))) from err


class Rebuilder:
    """Rebuilds on request (SIGHUP) or on a change (--watch) and publishes each good build."""

    def __init__(self, slot: BuildSlot, spec: RebuildSpec, time_limit: float = TIME_LIMIT) -> None:
        self._slot = slot
        self._spec = spec
        self._time_limit = time_limit
        # A SimpleQueue, not a list under a lock nor an Event: request() runs in a signal handler,
        # which may interrupt the main thread anywhere (even inside request(), on a second SIGHUP),
        # and SimpleQueue.put is the one reentrant way to hand work to a thread.
        self._reasons: queue.SimpleQueue[str] = queue.SimpleQueue()

    def start(self, watch: bool) -> None:
        threading.Thread(target=self._serve_requests, name="rebuilder", daemon=True).start()
        if watch:
            watched = self._spec.watched()
            threading.Thread(
                target=watch_files, args=(watched, self.request), name="watcher", daemon=True
            ).start()
            log.info("watching %s for changes", ", ".join(_shown(p) for p in watched))

    def request(self, reason: str) -> None:
        """Ask for a rebuild; requests made while one runs are served by one more rebuild."""
        self._reasons.put(reason)

    def _serve_requests(self) -> None:
        while True:
            reasons = [self._reasons.get()]
            while not self._reasons.empty():
                reasons.append(self._reasons.get())
            self.rebuild("; ".join(dict.fromkeys(reasons)))

    def rebuild(self, trigger: str) -> None:
        """Rebuild now; publish the build if it is good, else record why not."""
        log.info("rebuilding (%s)", trigger)
        self._slot.begin_rebuild(trigger, time.time())
        started = time.monotonic()
        try:
            outcome = _in_a_child(self._spec, self._time_limit)
        except Exception as err:  # noqa: BLE001 - a rebuild that cannot start is a failed one
            outcome = {"ok": False, "problems": [],
                       "message": f"the build process could not run: {type(err).__name__}: {err}"}
        seconds = round(time.monotonic() - started, 2)
        served = self._slot.read()
        note = {"at": iso(time.time()), "trigger": trigger, "seconds": seconds}
        if not outcome["ok"]:
            kept = (served.get("build") or {}).get("key")
            self._slot.note({**note, "outcome": "failed", "key": kept,
                             "message": outcome["message"], "problems": outcome["problems"]})
            log.error("rebuild failed after %.2f s, still serving build %s: %s", seconds,
                      (kept or "?")[:12], outcome["message"])
            return
        store = Path(outcome["store"])
        if str(store) == served["store"]:
            # The same build (a SIGHUP, a touched file): swapping would only restart every query
            # worker and empty every answer cache.
            self._slot.note({**note, "outcome": "unchanged", "key": (served.get("build") or {})
                             .get("key"), "problems": []})
            log.info("rebuild done in %.2f s: the build is unchanged, nothing to swap", seconds)
            return
        build = describe_build(store)
        number = self._slot.publish(
            store, build, {**note, "outcome": "swapped", "key": build.get("key"), "problems": []}
        )
        log.info("rebuild done in %.2f s: serving build %s as generation %d", seconds,
                 (build.get("key") or "?")[:12], number)


def _in_a_child(spec: RebuildSpec, time_limit: float = TIME_LIMIT) -> dict[str, Any]:
    """run_build(spec) in a spawned process: what came of it, or why the process gave nothing.

    A build that takes longer than `time_limit` seconds is killed and reported as failed: one
    that hangs (a data file that never ends, a stuck file system) must not block every later one.
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(spec, theirs), name="kg-rebuild", daemon=True)
    child.start()
    theirs.close()
    try:
        if not ours.poll(time_limit):
            child.kill()
            child.join()
            ours.close()
            return {"ok": False, "problems": [],
                    "message": f"the build took longer than {time_limit:g} s and was stopped"}
        outcome = ours.recv()
    except EOFError:
        child.join()
        outcome = {"ok": False, "problems": [],
                   "message": f"the build process ended without a result (exit code {child.exitcode})"}
    child.join()
    ours.close()
    return outcome


def _child(spec: RebuildSpec, conn: Any) -> None:
    # Background work: serving the current build comes first.
    os.nice(REBUILD_NICENESS)
    try:
        outcome = run_build(spec)
    except Exception as err:  # noqa: BLE001 - reported as a failed rebuild, never a dead server
        outcome = {"ok": False, "problems": [], "message": f"{type(err).__name__}: {err}"}
    conn.send(outcome)
    conn.close()


def watch_files(paths: list[Path], on_change: Any) -> None:
    """Call on_change(reason) each time the files under `paths` change and then stay quiet."""
    seen = snapshot(paths)
    while True:
        time.sleep(POLL_INTERVAL)  # polling file times: see the module's docstring
        now = snapshot(paths)
        if now == seen:
            continue
        while True:
            time.sleep(QUIET)
            settled = snapshot(paths)
            if settled == now:
                break
            now = settled
        changed = sorted(set(now.items()) ^ set(seen.items()))
        names = list(dict.fromkeys(_shown(Path(name)) for name, _ in changed))
        seen = now
        on_change("changed: " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int, int, int]]:
    """Each file under `paths` (editors' hidden and backup files left out): its times and size."""
    found: dict[str, tuple[int, int, int, int]] = {}
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.name.startswith(".") or file.name.endswith("~"):
                continue
            try:
                info = file.stat()
            except OSError:
                continue  # removed meanwhile; its absence is the change
            if not os.path.isdir(file):
                # The ctime too: a same-size rewrite whose mtime was put back (cp -p, rsync
                # -t, a tool restoring times) changes only it, and the kernel sets it, never a
                # program. A chmod changes it as well: the rebuild then finds the same key.
                found[str(file)] = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
    return found


def _shown(path: Path) -> str:
    from kg.project import display_path

    return display_path(path)
