"""Fixtures for the web tests: a small kg-shaped dataset written once, an app built per test."""

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from clients import read_only_client
from flask import Flask
from flask.testing import FlaskClient
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
def make_app(kg_data: Path, apps_over: Callable[..., Flask]) -> Callable[..., Flask]:
    """Build an app over the test data with some settings changed."""
    return functools.partial(apps_over, kg_data)


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()


@pytest.fixture(scope="module")
def endpoint(kg_data: Path) -> Iterator[FlaskClient]:
    """One app over the test data for a module's read-only requests."""
    with read_only_client(kg_data) as client:
        yield client
