"""/openapi.json describes every route, and the app keeps to it under schemathesis.

The run here is bounded (KG_SCHEMATHESIS_EXAMPLES, default 8 per operation); a longer one:

    KG_SCHEMATHESIS_EXAMPLES=500 .venv/bin/pytest tests/web/test_openapi.py -q
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from kg.web.app import create_app
from kg.web.openapi import document
from kg.web.settings import Settings

EXAMPLES = int(os.environ.get("KG_SCHEMATHESIS_EXAMPLES", "8"))
# Static files are the site's assets, not its API.
UNDESCRIBED = {"/static/{filename}"}
# The small fixture project's two data files, served as given (made at import: schemathesis
# reads the description when the tests are collected).
DATA = sorted((Path(__file__).parents[1] / "fixtures" / "project" / "data").glob("*.trig"))
APP = create_app(Settings(data=tuple(DATA), query_timeout=5))


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    yield APP
    APP.extensions["kg"].evaluator.close()


def test_every_route_is_described(app: Flask) -> None:
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()}
    assert routes - UNDESCRIBED == set(document()["paths"])


def test_the_description_is_served(app: Flask) -> None:
    response = app.test_client().get("/openapi.json")
    assert (response.status_code, response.get_json()["openapi"]) == (200, "3.1.0")


schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)


@schemathesis.serializer("application/sparql-query")
def _sparql_query(_context: object, value: object) -> bytes:
    # The body is the query's text, as it is; generated values are strings or anything else.
    return str(value).encode("utf-8", "surrogatepass")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_app_keeps_to_its_description(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance,
    ])
