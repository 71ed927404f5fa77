"""Swapping builds under a running server: which build is served, and the app of each build.

The main process of `kg serve` publishes each new good build in a `BuildSlot`, memory shared with
every HTTP process forked after it is made: a generation number, the store's folder, what the
build is, and how the last rebuild went (kg.web.rebuilding writes it, /status reads it). Each HTTP
process follows the slot (`Generations`): when the number moves it makes an app on the new store
in the background (its own store handle, a query worker forked on it, an empty answer cache), then
sends new requests to it. Requests already in flight finish on the app they started on; once the
last one ends, the old app's query workers are stopped and its store handle closed, which lets a
later build delete that store (kg.build_cache.remove_leftovers).

This is what gunicorn and granian do on SIGHUP with whole worker processes (start the new, let the
old drain), done inside each process: no listening socket is closed, so no queued connection is
reset (granian warns of exactly that when it respawns workers without tcp_migrate_req).
"""

import json
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.wsgi import ClosingIterator

from kg.build_cache import read_manifest
from kg.web.services import EXTENSION_KEY, ON_CLOSE_KEY
from kg.web.wsgi import Environ, StartResponse

log = logging.getLogger(__name__)
SLOT_KEY = "kg.build_slot"
SHARED_STORE_KEY = "kg.shared_store"
# How often an HTTP process looks at the slot: the longest a new build waits to be noticed.
FOLLOW_INTERVAL = 0.1
_RECORD_BYTES = 64 * 1024
# A new HTTP process tries this many times, this far apart, to open the build served before it
# gives up and exits. granian then starts another, unless the one that failed lived less than
# 5.5 s (a crash loop, which stops the whole server): the tries span more than that.
OPEN_ATTEMPTS = 7
RETRY_PAUSE = 1.0


class BuildSlot:
    """The build served and the last rebuild's outcome, shared by every process forked after."""

    def __init__(self, store: Path, build: dict[str, Any] | None) -> None:
        self.started = time.time()
        self._generation = multiprocessing.Value("Q", 0, lock=False)
        self._record = multiprocessing.Array("c", _RECORD_BYTES, lock=True)
        self._write({
            "generation": 0,
            "store": str(store),
            "build": build,
            "rebuilding": None,
            "last_rebuild": {
                "outcome": "loaded",
                "at": iso(self.started),
                "trigger": "start",
                "key": (build or {}).get("key"),
                "problems": [],
            },
        })

    @property
    def generation(self) -> int:
        """The number of the build served; a plain read of shared memory, cheap enough to poll."""
        return self._generation.value

    def read(self) -> dict[str, Any]:
        """The generation, the store's folder, the build, and the last rebuild."""
        with self._record.get_lock():
            return json.loads(self._record.value)

    def publish(self, store: Path, build: dict[str, Any] | None, rebuild: dict[str, Any]) -> int:
        """Make `store` the build served from now on; its generation number."""
        with self._record.get_lock():
            number = self._generation.value + 1
            self._write({"generation": number, "store": str(store), "build": build,
                         "rebuilding": None, "last_rebuild": rebuild})
            self._generation.value = number  # after the record, which readers take it from
        return number

    def note(self, rebuild: dict[str, Any]) -> None:
        """Record a rebuild that changed nothing served (it failed, or the build was the same)."""
        with self._record.get_lock():
            record = json.loads(self._record.value)
            record["last_rebuild"] = rebuild
            record["rebuilding"] = None
            self._write(record)

    def begin_rebuild(self, trigger: str, at: float) -> None:
        """Record that a rebuild is running, since `at`, until publish() or note() ends it."""
        with self._record.get_lock():
            record = json.loads(self._record.value)
            record["rebuilding"] = {"since": iso(at), "trigger": trigger}
            self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        data = json.dumps(record).encode()
        while len(data) >= _RECORD_BYTES and record["last_rebuild"]["problems"]:
            record["last_rebuild"]["problems"].pop()  # the first problems are what a reader needs
            data = json.dumps(record).encode()
        self._record.value = data


class _Generation:
    """One build's app in this process, and how many requests are still on it."""

    def __init__(self, number: int, app: Flask) -> None:
        self.number = number
        self.app = app
        self._lock = threading.Lock()
        self._in_flight = 0
        self._retired = False
        self._closed = False

    def enter(self) -> bool:
        """Count a request in; False if this generation is already closed."""
        with self._lock:
            if self._closed:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1
            done = self._retired and self._in_flight == 0 and not self._closed
            self._closed = self._closed or done
        if done:
            self._close()

    def retire(self) -> None:
        """No new request comes here; close once the last one in flight has ended."""
        with self._lock:
            self._retired = True
            done = self._in_flight == 0 and not self._closed
            self._closed = self._closed or done
        if done:
            self._close()

    def _close(self) -> None:
        self.app.extensions[EXTENSION_KEY].evaluator.close()
        shared = self.app.extensions.get(SHARED_STORE_KEY)
        if shared is not None:
            shared.release()
        for close in self.app.extensions.get(ON_CLOSE_KEY, ()):
            close()
        log.info("generation %d closed: its query workers stopped, its store released", self.number)


class Generations:
    """The WSGI app of an HTTP process: each request goes to the app of the build it arrived on."""

    def __init__(self, app: Flask, slot: BuildSlot, make_app: Callable[[Path], Flask]) -> None:
        self._slot = slot
        self._make_app = make_app
        # The app made before the fork serves generation 0; a process forked later (one that
        # replaces a dead one) takes the build served now before its first request.
        self._current = _Generation(0, app)
        self._given_up = -1  # a generation this process could not open: not retried in a loop
        if slot.generation != 0 and not self._take_the_build_served():
            # Generation 0's store may be deleted by now: this process must serve nothing rather
            # than a build that is gone. Its loader fails, and granian starts another process.
            raise SystemExit(
                f"cannot open the build served (generation {self._given_up}); "
                "this HTTP process stops so that another replaces it"
            )

    def _take_the_build_served(self) -> bool:
        """Swap to the slot's build, trying again a few times (a passing fault, or a newer build)."""
        for attempt in range(OPEN_ATTEMPTS):
            if attempt:
                time.sleep(RETRY_PAUSE)  # nothing to wait on: the fault may pass, the slot move
            if self._swap():
                return True
        return False

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        generation = self._current
        while not generation.enter():  # closed between the read and the count: a newer one is in
            generation = self._current
        try:
            body = generation.app(environ, start_response)
        except BaseException:
            generation.leave()
            raise
        # The request ends when the server closes the body, after sending it.
        return ClosingIterator(body, generation.leave)

    @property
    def current(self) -> Flask:
        return self._current.app

    def follow(self) -> None:
        """Follow the slot from a thread of this process, for as long as the process lives."""
        threading.Thread(target=self._follow, name="build-follower", daemon=True).start()

    def _follow(self) -> None:
        while True:
            time.sleep(FOLLOW_INTERVAL)  # a read of shared memory: there is nothing to wait on
            number = self._slot.generation
            if number not in (self._current.number, self._given_up):
                self._swap()

    def _swap(self) -> bool:
        """Serve the slot's build from now on; False (and a line in the log) if it cannot open."""
        record = self._slot.read()
        started = time.perf_counter()
        try:
            app = self._make_app(Path(record["store"]))
            app.extensions[EXTENSION_KEY].evaluator.warm()
        except Exception as err:  # noqa: BLE001 - the last good build keeps serving; the log says why
            self._given_up = record["generation"]
            log.error("cannot serve the build in %s: %s; still serving generation %d",
                      record["store"], err, self._current.number)
            return False
        old, self._current = self._current, _Generation(record["generation"], app)
        old.retire()
        log.info(
            "serving generation %d (build %s) %.0f ms after noticing it",
            record["generation"], ((record.get("build") or {}).get("key") or "?")[:12],
            (time.perf_counter() - started) * 1000,
        )
        return True


def describe_build(store: Path) -> dict[str, Any]:
    """What /status says of the build whose store is `store`: key, time, quads, graphs."""
    manifest = read_manifest(store.parent)
    if manifest is None or manifest["store"]["path"] != store.name:
        return {"store": str(store)}  # a store given by path, no longer (or never) a manifest's
    return {
        "key": manifest["key"],
        "built": manifest["built"],
        "quads": manifest["dataset"]["quads"],
        "graphs": manifest["graphs"],
        "store": str(store),
    }


def iso(moment: float) -> str:
    """A moment as /status writes it: ISO 8601, UTC, to the second."""
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")
