"""Test clients over the app that several test packages share."""

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask.testing import FlaskClient

from kg.web.app import create_app
from kg.web.settings import Settings


@contextmanager
def read_only_client(data: Path, **overrides: object) -> Iterator[FlaskClient]:
    """One app over `data` for many read-only requests (a module-scoped fixture's body)."""
    app = create_app(Settings(**{"data": (data,), **overrides}))  # type: ignore[arg-type]
    app.testing = True
    try:
        yield app.test_client()
    finally:
        app.extensions["kg"].evaluator.close()


def http_get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    """GET `url` from a real server: its status and body, an HTTP error's included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
