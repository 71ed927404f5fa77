"""The home page and its query form: examples from queries/*.rq, posted to /sparql itself."""

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kg.querying import list_named_queries
from kg.web.editor_assets import ASSETS_ENV, find_editor_assets
from pages import parse_html, text_of


def _home(client: FlaskClient, query: str = ""):  # type: ignore[no-untyped-def]
    response = client.get("/" + query, headers={"Accept": "text/html"})
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8")
    return parse_html(response.data)


def test_home_links_the_key_pages(client: FlaskClient) -> None:
    document = _home(client)
    main = document.find(".//main")
    links = {a.get("href"): text_of(a) for a in main.iter("a")}
    for path in (
        "/id/transfer/",
        "/id/regime/",
        "/id/event/",
        "/id/statement/",
        "/ontology",
        "/shapes",
        "/dumps",
        "/.well-known/void",
        "/sparql",
        "/transfers.csv",
    ):
        assert path in links, path
    assert "Arms transfers" in text_of(main)


def test_every_named_query_is_offered_with_its_title_and_description(client: FlaskClient) -> None:
    document = _home(client)
    examples = {a.get("data-name"): a for a in document.iter("a") if a.get("class") == "example"}
    queries = list_named_queries()
    assert sorted(examples) == sorted(q.name for q in queries)
    text = text_of(document.find(".//section[@id='examples']"))
    for query in queries:
        assert text_of(examples[query.name]) == query.title
        assert examples[query.name].get("href") == f"/?example={query.name}#query"
        assert query.description in text


def test_an_example_link_loads_its_query(client: FlaskClient) -> None:
    [regimes] = [q for q in list_named_queries() if q.name == "regimes"]
    document = _home(client, "?example=regimes")
    assert document.find(".//textarea[@id='query-text']").text == regimes.text
    assert regimes.title in text_of(document.find(".//label[@for='query-text']"))


def test_the_form_posts_to_the_endpoint(client: FlaskClient) -> None:
    form = _home(client).find(".//form[@id='query-form']")
    assert (form.get("action"), form.get("method")) == ("/sparql", "post")
    names = {e.get("name") for e in form.iter() if e.get("name")}
    assert names == {"query", "format"}
    formats = [o.get("value") for o in form.iter("option")]
    assert formats[0] == ""  # the table drawn in the page


@pytest.mark.parametrize(
    "name, fmt, status, content_type",
    [
        ("deliveries-by-year", "csv", 200, "text/csv; charset=utf-8"),
        ("deliveries-by-year", "json", 200, "application/sparql-results+json"),
        ("deliveries-by-year", "turtle", 406, None),
        ("transfer-records", "turtle", 200, "text/turtle; charset=utf-8"),
        ("transfer-records", "jsonld", 200, "application/ld+json"),
    ],
)
def test_the_form_formats_are_the_endpoints(
    client: FlaskClient, name: str, fmt: str, status: int, content_type: str | None
) -> None:
    [query] = [q for q in list_named_queries() if q.name == name]
    response = client.post("/sparql", data={"query": query.text, "format": fmt})
    assert response.status_code == status
    if content_type:
        assert response.content_type == content_type


def test_every_example_runs(client: FlaskClient) -> None:
    for query in list_named_queries():
        response = client.post(
            "/sparql",
            data={"query": query.text},
            headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"},
        )
        assert response.status_code == 200, query.name


def test_without_the_editor_assets_the_page_loads_the_form_alone(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ASSETS_ENV, str(tmp_path / "no-node-modules"))
    document = _home(client)
    assert _assets(document) == ["/static/kg.css", "/static/favicon.svg", "/static/query.js"]
    assert document.find(".//*[@id='editor']") is None
    for asset in _assets(document):
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_with_the_editor_assets_the_page_loads_yasgui_before_the_form(client: FlaskClient) -> None:
    editor = find_editor_assets()
    if editor is None:
        pytest.skip("YASGUI is not installed: run `make install` (npm ci)")
    assets = f"/assets/yasgui/{editor.version}"
    document = _home(client)
    assert _assets(document) == [
        "/static/kg.css",
        "/static/favicon.svg",
        f"{assets}/yasgui.min.css",
        "/static/editor.css",
        f"{assets}/yasgui.min.js",
        "/static/chart.js",
        "/static/editor.js",
        "/static/query.js",
    ]
    # Hidden until editor.js shows it; the form stays for browsers without JavaScript.
    assert document.find(".//*[@id='editor']").get("hidden") is not None
    assert document.find(".//form[@id='query-form']") is not None
    home = client.get("/")
    policy = home.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    home.close()
    response = client.get(f"{assets}/yasgui.min.js")
    assert (response.status_code, response.content_type) == (200, "text/javascript; charset=utf-8")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    response.close()


@pytest.mark.parametrize(
    "path",
    [
        "/assets/yasgui/0.0.0/yasgui.min.js",  # not the installed version
        "/assets/yasgui/{version}/package.json",  # not one of the files served
        "/assets/yasgui/{version}/..%2Fpackage.json",
    ],
)
def test_only_the_editors_files_are_served(client: FlaskClient, path: str) -> None:
    editor = find_editor_assets()
    version = editor.version if editor else "4.6.2"
    response = client.get(path.format(version=version))
    assert response.status_code == 404


def _assets(document) -> list[str]:  # type: ignore[no-untyped-def]
    assets = [
        e.get("href") for e in document.iter("link") if e.get("rel") in ("stylesheet", "icon")
    ]
    return assets + [e.get("src") for e in document.iter("script") if e.get("src")]
