"""Fixtures for the web tests: a small kg-shaped dataset written once, an app built per test."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kg.web import Settings, create_app

from web_sample import Shape, kg_quads


@pytest.fixture(scope="session")
def kg_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kg") / "dataset.nq"
    path.write_text("\n".join(kg_quads()) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def shape() -> Shape:
    return Shape()


@pytest.fixture
def make_app(kg_data: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app over the test data with some settings changed; its query workers are stopped after."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(Settings(**{"data": (kg_data,), **overrides}))
        app.testing = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["kg"].evaluator.close()


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()
