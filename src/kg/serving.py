"""Serving the web app with gunicorn: the production server behind `kg serve`.

The server model, chosen by measurement on a 2-core machine (benchmarks/endpoint.py): gunicorn's
sync workers, each a separate process owning one query worker forked from it. The app is loaded
once in the master (preload), so the Store is parsed once and shared copy-on-write by every
worker and query worker. A runaway query holds one HTTP worker until the time limit, while the
others keep serving; gunicorn's own worker timeout is kept well above the query time limit, so it
never kills a worker that is merely waiting for a query to be stopped.
"""

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS

from kg.web import Settings, create_app
from kg.web.services import EXTENSION_KEY

# One line per request: client, request line, status, bytes, and the time taken.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Room beyond the query time limit for serializing and sending before gunicorn steps in.
_WORKER_TIMEOUT_MARGIN = 30
_GUNICORN_SETTINGS = frozenset(setting.name for setting in KNOWN_SETTINGS)


def serve(settings: Settings) -> None:
    """Load the data (InputError if it cannot be), then serve until interrupted."""
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )
    app = create_app(settings)
    _Server(app, settings).run()


class _Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, app: Flask, settings: Settings) -> None:
        self._app = app
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_options(self._settings, self._app).items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def gunicorn_options(settings: Settings, app: Flask) -> dict[str, Any]:
    evaluator = app.extensions[EXTENSION_KEY].evaluator
    options = {
        "bind": [f"{settings.host}:{settings.port}"],
        "workers": settings.workers,
        "worker_class": "sync",
        "preload_app": True,
        "timeout": int(settings.query_timeout) + _WORKER_TIMEOUT_MARGIN,
        "graceful_timeout": 5,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        # gunicorn's 4 KiB default would refuse long GET queries; 8190 is its ceiling. Longer
        # queries go by POST, bounded by max_body_bytes.
        "limit_request_line": 8190,
        "proc_name": "kg-serve",
        "post_worker_init": _each_worker(evaluator.warm),
        "worker_exit": _on_worker_exit(evaluator.close),
    }
    if "control_socket_disable" in _GUNICORN_SETTINGS:
        # gunicorn 25.1+ opens a runtime-management socket in the user's home by default; the
        # endpoint is configured by its flags alone.
        options["control_socket_disable"] = True
    return options


def _each_worker(action: Callable[[], None]) -> Callable[[Any], None]:
    def hook(worker: Any) -> None:
        action()

    return hook


def _on_worker_exit(action: Callable[[], None]) -> Callable[[Any, Any], None]:
    def hook(server: Any, worker: Any) -> None:
        action()

    return hook
