"""Test clients over the app that several test packages share."""

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
