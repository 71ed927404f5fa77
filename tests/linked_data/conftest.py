"""Fixtures for the linked-data tests: the project's own build, written once; an app per test."""

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph
import pytest
from clients import read_only_client
from flask import Flask
from flask.testing import FlaskClient

from kg.dataset import open_dataset_store
from kg.export import export_dataset


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's build (ontology, sources, inferred, derived) as one N-Quads file."""
    path = tmp_path_factory.mktemp("linked-data") / "dataset.nq"
    with path.open("wb") as out:
        export_dataset(open_dataset_store(), "nquads", out)
    return path


@pytest.fixture(scope="session")
def built_store(built_data: Path) -> pyoxigraph.Store:
    """The same quads, to compute expectations from."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(built_data), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


@pytest.fixture
def make_app(built_data: Path, apps_over: Callable[..., Flask]) -> Callable[..., Flask]:
    """Build an app over the build with some settings changed."""
    return functools.partial(apps_over, built_data)


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()


@pytest.fixture(scope="module")
def shared_client(built_data: Path) -> Iterator[FlaskClient]:
    """One read-only app for a module's many requests (the crawl, the negotiation matrix)."""
    with read_only_client(built_data) as client:
        yield client
