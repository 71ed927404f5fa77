"""Serving the web app with granian: the production server behind `kg serve`.

The server model, chosen by measurement on a 2-core machine (benchmarks/endpoint.py, README):
granian, a Rust HTTP server, in front of the WSGI app. Under gunicorn's sync workers an empty
Flask handler peaked near 5,400 req/s; under granian the same handler does about twice that, and a
bare WSGI callable about 50,000, so the HTTP side stops being what limits the endpoint.

The app is made once in the main process, before granian forks its workers, so the Store is
parsed once and shared copy-on-write. Each worker process runs `threads` requests at once, each
request's query in a query-worker process from that worker's pool (kg.web.evaluation), so a
runaway query holds one thread of one worker until the time limit while the others keep serving.
A worker that dies is replaced. In front of the app, each worker keeps the answers to repeated
GET queries (kg.web.caching).
"""

import logging
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from flask import Flask
from granian.constants import Interfaces
from granian.server import Server

from kg.web.access_log import AccessLog
from kg.web.app import create_app
from kg.web.health import COUNTS_KEY, RequestCounts, counting
from kg.web.services import EXTENSION_KEY
from kg.web.settings import Settings

# Seconds a worker has to finish its requests when the server stops, before it is killed.
_SHUTDOWN_GRACE = 5
_ORPHAN_CHECK_INTERVAL = 0.5


def serve(settings: Settings) -> None:
    """Load the data (InputError if it cannot be), then serve until interrupted."""
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )
    app = create_app(settings)
    # Made before granian forks, so every HTTP process counts into the same shared memory.
    app.extensions[COUNTS_KEY] = RequestCounts()
    server = Server("kg.web.app:create_app", **granian_options(settings))
    # Workers fork from this process, so they share the loaded app; forking is Linux's default
    # up to Python 3.13, and said here for 3.14 on (whose default would pickle the app).
    multiprocessing.set_start_method("fork", force=True)
    main = os.getpid()
    server.serve(target_loader=lambda _target: _in_worker(app, main), wrap_loader=True)


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


def _in_worker(app: Flask, main: int) -> Any:
    """The WSGI callable a freshly forked worker serves, its first query worker already started."""
    app.extensions[EXTENSION_KEY].evaluator.warm()
    _stop_when_orphaned(main)
    logging.getLogger(__name__).info("worker %d ready", os.getpid())
    return AccessLog(counting(app, app.extensions[COUNTS_KEY]))


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
