"""The figure pages negotiate like every other route, and every HTML page sends the strict CSP."""

import json
import re

import pytest
from flask.testing import FlaskClient

from kg.web.content_policy import PAGE_POLICY

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        (BROWSER, "text/html"),
        ("image/svg+xml", "image/svg+xml"),
        ("application/json", "application/json"),
        ("text/html;q=0, image/svg+xml;q=0.5, application/json;q=0.9", "application/json"),
    ],
)
def test_the_timeline_answers_by_accept(
    shared_client: FlaskClient, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = shared_client.get("/timeline?kind=war", headers=headers)
    assert (response.status_code, response.mimetype) == (200, expected)
    assert response.headers["Vary"].startswith("Accept")
    twins = {"text/html": "/timeline?kind=war", "image/svg+xml": "/timeline.svg?kind=war",
             "application/json": "/timeline.json?kind=war"}
    assert response.headers["Content-Location"] == twins[expected]
    for media_type, href in twins.items():
        if media_type != expected:
            assert f'<{href}>; rel="alternate"; type="{media_type}"' in response.headers["Link"]


def test_the_timeline_as_svg_is_timeline_svg(shared_client: FlaskClient) -> None:
    negotiated = shared_client.get("/timeline", headers={"Accept": "image/svg+xml"})
    assert negotiated.data == shared_client.get("/timeline.svg").data


def test_the_timeline_as_json_lists_the_marks(shared_client: FlaskClient) -> None:
    document = json.loads(shared_client.get("/timeline.json?kind=war").data)
    assert document["kinds"] == ["war"]
    assert document["entries"][0] == {
        "number": 1,
        "kind": "war",
        "iri": "https://w3id.org/kg-mali/id/event/1985-war-mali-burkina-faso",
        "label": "Mali–Burkina Faso war (1985)",
        "page": "http://localhost/id/event/1985-war-mali-burkina-faso",
        "start": {"value": "1985", "precision": "year", "text": "1985"},
        "end": None,
        "when": "1985",
    }


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(None, "text/html"), (BROWSER, "text/html"), ("text/csv", "text/csv"),
     ("text/html;q=0.5, text/csv", "text/csv")],
)
def test_the_transfers_page_answers_by_accept(
    shared_client: FlaskClient, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = shared_client.get("/transfers", headers=headers)
    assert (response.status_code, response.mimetype) == (200, expected)
    twins = {"text/html": "/transfers", "text/csv": "/transfers.csv"}
    assert response.headers["Content-Location"] == twins[expected]


def test_the_transfers_page_as_csv_is_transfers_csv(shared_client: FlaskClient) -> None:
    negotiated = shared_client.get("/transfers", headers={"Accept": "text/csv"})
    assert negotiated.data == shared_client.get("/transfers.csv").data


@pytest.mark.parametrize("path", ["/timeline", "/transfers", "/status"])
@pytest.mark.parametrize(
    "accept", ["text/turtle", "text/html;q=0, */*;q=0", "text/plain"],
)
def test_what_a_page_cannot_give_is_406(shared_client: FlaskClient, path: str, accept: str) -> None:
    assert shared_client.get(path, headers={"Accept": accept}).status_code == 406


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/timeline", "application/json;q=0, text/html;q=0, image/svg+xml;q=0"),
     ("/transfers", "text/html;q=0"), ("/transfers", "application/json"),
     ("/status", "application/json;q=0"), ("/status", "text/html;q=0, application/json;q=0")],
)
def test_refused_forms_are_406(shared_client: FlaskClient, path: str, accept: str) -> None:
    assert shared_client.get(path, headers={"Accept": accept}).status_code == 406


HTML_PAGES = [
    "/id/", "/id/event/", "/id/event/1985-war-mali-burkina-faso", "/ontology", "/shapes",
    "/dumps", "/.well-known/void", "/search?q=keita", "/timeline", "/transfers",
    "/graph/", "/no/such/page",
]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_sends_the_strict_policy(shared_client: FlaskClient, path: str) -> None:
    response = shared_client.get(path, headers={"Accept": BROWSER})
    assert response.mimetype == "text/html", path
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    # An inline style attribute would break under the policy (a presentation attribute does not).
    assert not re.search(r"\sstyle=", response.get_data(as_text=True)), path


def test_the_home_page_allows_yasguis_styles_only(shared_client: FlaskClient) -> None:
    policy = shared_client.get("/").headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'; script-src 'self'; style-src 'self' 'sha256-")
    assert policy != PAGE_POLICY


def test_machine_answers_carry_no_page_policy(shared_client: FlaskClient) -> None:
    for path in ("/status", "/timeline.svg", "/transfers.csv", "/id/event/1985-war-mali-burkina-faso.ttl"):
        assert "Content-Security-Policy" not in shared_client.get(path).headers, path
