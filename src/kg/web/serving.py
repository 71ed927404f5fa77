"""Serving the web app with granian: the production server behind `kg serve`.

The server model, chosen by measurement on a 2-core machine (benchmarks/endpoint.py, README):
granian, a Rust HTTP server, in front of the WSGI app. Under gunicorn's sync workers an empty
Flask handler peaked near 5,400 req/s; under granian the same handler does about twice that, and a
bare WSGI callable about 50,000, so the HTTP side stops being what limits the endpoint.

The app is made once in the main process, before granian forks its workers, so the Store is
parsed once and shared copy-on-write. Each worker process runs `threads` requests at once, and
evaluates `simultaneous_queries` of their queries at once, each in a query-worker process from that
worker's pool (kg.web.evaluation); the other queries wait their turn. On 2 cores, one evaluation
at a time per worker process (the default there: the cores' share) answered 1.18–1.37x as many
heavy queries under load as four at 10^6 triples, and 1.08x at the median at 10^4
(benchmarks/ceiling.py, README); a runaway query holds the queue for a second at most, and
replayed answers and pages that read the store never wait.
A worker that dies is replaced. In front of the app, each worker keeps the answers to repeated
GET queries (kg.web.caching).

Served from a build, the server can take a new one without a restart (kg.web.rebuilding in this
process, kg.web.generations in each worker): on SIGHUP, and with --watch when an input changes.
"""

import logging
import multiprocessing
import os
import signal
import dataclasses
import gc
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from granian.constants import Interfaces
from granian.server import Server

from kg.screening import compile_tokenizer
from kg.web.access_log import AccessLog
from kg.web.app import create_app
from kg.web.generations import SLOT_KEY, BuildSlot, Generations, describe_build
from kg.web.health import COUNTS_KEY, RequestCounts, counting
from kg.web.rebuilding import Rebuilder, RebuildSpec
from kg.web.services import EXTENSION_KEY
from kg.web.settings import Settings

# Seconds a worker has to finish its requests when the server stops, before it is killed.
_SHUTDOWN_GRACE = 5
_ORPHAN_CHECK_INTERVAL = 0.5


def serve(settings: Settings, rebuild: RebuildSpec | None = None) -> None:
    """Load the data (InputError if it cannot be), then serve until interrupted.

    With `rebuild` (served from a build: settings.data is its store), SIGHUP rebuilds, and so
    does a change to an input if settings.watch.
    """
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )
    rebuilder = None
    if rebuild is not None:
        slot = BuildSlot(settings.data[0], describe_build(settings.data[0]))
        rebuilder = Rebuilder(slot, rebuild, settings.rebuild_time_limit)
        # From now on, before the data load: a SIGHUP while the server starts is remembered and
        # served once it runs, never the default (which ends the process) nor granian's.
        signal.signal(signal.SIGHUP, lambda _sig, _frame: rebuilder.request("SIGHUP"))
    app = create_app(settings)
    # Made before granian forks, so every HTTP process counts into the same shared memory.
    app.extensions[COUNTS_KEY] = RequestCounts()
    if rebuilder is not None:
        app.extensions[SLOT_KEY] = slot
    server = granian_server(settings, rebuilder)
    # Workers fork from this process, so they share the loaded app; forking is Linux's default
    # up to Python 3.13, and said here for 3.14 on (whose default would pickle the app).
    multiprocessing.set_start_method("fork", force=True)
    main = os.getpid()
    # The loaded app is for life: out of the collector's reach, so that the HTTP processes'
    # collections do not write to (and unshare) every page of it they inherited.
    gc.freeze()
    server.serve(target_loader=lambda _target: _in_worker(app, settings, main), wrap_loader=True)


def granian_server(settings: Settings, rebuilder: Rebuilder | None) -> Server:
    """The granian server for these settings; with a rebuilder, its SIGHUP asks for a rebuild.

    granian installs its own SIGHUP handler as it starts (respawning the HTTP processes on the
    data already loaded): replacing the method it installs leaves no moment where a SIGHUP
    reaches that behaviour.
    """
    server = Server("kg.web.app:create_app", **granian_options(settings))
    if rebuilder is not None:
        server.signal_handler_reload = lambda *_args, **_kwargs: rebuilder.request("SIGHUP")  # type: ignore[method-assign]
        # Threads only once granian is about to fork (never in the middle of the data load).
        server.on_startup(lambda: rebuilder.start(settings.watch))
    return server


def granian_options(settings: Settings) -> dict[str, Any]:
    """The granian server's options for these settings."""
    return {
        "address": settings.host,
        "port": settings.port,
        "interface": Interfaces.WSGI,
        "workers": settings.workers,
        "blocking_threads": settings.threads,
        "websockets": False,
        # The app writes its own line per request (kg.web.access_log): granian's costs twice as much.
        "log_access": False,
        "respawn_failed_workers": True,
        "respawn_interval": 0.5,
        "workers_kill_timeout": _SHUTDOWN_GRACE,
    }


def _in_worker(app: Flask, settings: Settings, main: int) -> Any:
    """The WSGI callable a freshly forked worker serves, its first query worker already started."""
    _stop_when_orphaned(main)
    served: Any = app
    if SLOT_KEY in app.extensions:
        generations = Generations(app, app.extensions[SLOT_KEY], _app_maker(app, settings))
        generations.follow()
        served = generations
        generations.current.extensions[EXTENSION_KEY].evaluator.warm()
    else:
        app.extensions[EXTENSION_KEY].evaluator.warm()
    # Once ready, not before (50 ms of a warm start): the query workers forked from now on
    # inherit the tokenizer instead of each compiling it for its first query with two FROMs.
    threading.Thread(target=compile_tokenizer, name="compile-tokenizer", daemon=True).start()
    logging.getLogger(__name__).info("worker %d ready", os.getpid())
    return AccessLog(counting(served, app.extensions[COUNTS_KEY]))


def _app_maker(first: Flask, settings: Settings) -> Any:
    """Make the app of another build's store, sharing the first app's counts and build slot."""

    def make(store: Path) -> Flask:
        app = create_app(dataclasses.replace(settings, data=(store,)))
        for key in (COUNTS_KEY, SLOT_KEY):
            app.extensions[key] = first.extensions[key]
        return app

    return make


def _stop_when_orphaned(main: int) -> None:
    """Stop this worker once the main process is gone (killed outright, it could not stop it)."""

    def watch() -> None:
        while os.getppid() == main:
            time.sleep(_ORPHAN_CHECK_INTERVAL)
        logging.getLogger(__name__).warning("main process %d is gone; worker stopping", main)
        os.kill(os.getpid(), signal.SIGTERM)  # granian's own graceful stop
        time.sleep(_SHUTDOWN_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()
