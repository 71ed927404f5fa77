"""`/search?q=`: the order of hits over the project's build, accents, JSON, pages, bad input."""

from collections.abc import Iterator

import pytest
from clients import read_only_client
from flask.testing import FlaskClient
from pages import hrefs, parse_html, text_of

from kg.build import open_build
from kg.web.search import HITS_PER_PAGE, MAX_QUERY_CHARS, search_index

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


def hit_urls(client: FlaskClient, query: str) -> list[str]:
    response = client.get("/search", query_string={"q": query}, headers=JSON)
    assert response.status_code == 200, response.data
    return [hit["url"] for hit in response.json["hits"]]


def test_lavrov_finds_the_person_first_then_his_statements(shared_client: FlaskClient) -> None:
    assert hit_urls(shared_client, "lavrov") == [
        "/id/person/sergey-lavrov",
        # Labels of the same length score the same: by IRI.
        "/id/statement/2021-11-11-lavrov-equipment",
        "/id/statement/2021-11-11-lavrov-help-against-terrorism",
        "/id/statement/2021-11-11-lavrov-training",
        "/id/office-holding/sergey-lavrov-minister-of-foreign-affairs-of-russia",
        # Not in a label: in a note, and in the article's words quoted as evidence.
        "/id/source/essor-2022-01-21-mali-russie",
        "/id/event/2021-11-11-diop-visit-to-moscow",
    ]


def test_keita_finds_the_three_keitas_before_what_bears_their_names(shared_client: FlaskClient) -> None:
    assert hit_urls(shared_client, "keita")[:5] == [
        "/id/person/madiba-keita",
        "/id/person/modibo-keita",
        "/id/person/ibrahim-boubacar-keita",
        "/id/regime/mali-modibo-keita",
        "/id/regime/mali-ibrahim-boubacar-keita",
    ]


def test_a_whole_label_comes_first(shared_client: FlaskClient) -> None:
    response = shared_client.get("/search?q=Modibo+Keita", headers=JSON)
    first = response.json["hits"][0]
    assert (first["url"], first["match"]) == ("/id/person/modibo-keita", "exact")


@pytest.mark.parametrize("query", ["KEITA", "Keïta", "keïta", "KEÏTA", "kéïtà"])
def test_case_and_accents_do_not_matter(shared_client: FlaskClient, query: str) -> None:
    assert hit_urls(shared_client, query) == hit_urls(shared_client, "keita")


def test_a_french_label_finds_the_resource(shared_client: FlaskClient) -> None:
    assert hit_urls(shared_client, "sergueï")[0] == "/id/person/sergey-lavrov"
    assert hit_urls(shared_client, "livraison")[0] == "/ontology#Delivery"  # its label in French


def test_the_json_answer(shared_client: FlaskClient) -> None:
    response = shared_client.get("/search?q=sergey", headers=JSON)
    assert (response.status_code, response.content_type) == (200, "application/json")
    document = response.json
    assert {k: v for k, v in document.items() if k != "hits"} == {
        "query": "sergey",
        "total": 3,
        "page": 1,
        "pages": 1,
        "per_page": HITS_PER_PAGE,
        "prev": None,
        "next": None,
    }
    assert document["hits"][0] == {
        "iri": "https://w3id.org/kg-mali/id/person/sergey-lavrov",
        "url": "/id/person/sergey-lavrov",
        "label": "Sergey Lavrov",
        "kind": "person",
        "types": [{"iri": "https://w3id.org/kg-mali/ontology#Person", "label": "person"}],
        "match": "label",
        "snippet": "Sergey Lavrov · Sergueï Lavrov",
    }
    assert response.headers["Content-Location"] == "/search?q=sergey&format=json"


def test_format_json_in_the_url_chooses_json_whatever_accept_says(shared_client: FlaskClient) -> None:
    response = shared_client.get("/search?q=sergey&format=json", headers=HTML)
    assert (response.status_code, response.content_type) == (200, "application/json")
    assert "Content-Location" not in response.headers


def test_the_page_lists_hits_with_kind_and_snippet(shared_client: FlaskClient) -> None:
    response = shared_client.get("/search?q=lavrov", headers=HTML)
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8")
    doc = parse_html(response.data)
    hits = doc.findall(".//ol[@class='hits']/li")
    assert len(hits) == 7
    first = hits[0]
    assert first.find("a").get("href") == "/id/person/sergey-lavrov"
    assert text_of(first.find("span[@class='kind']")) == "person"  # the kind and type say the same
    assert text_of(hits[4].find("span[@class='kind']")) == "office-holding · office holding"
    assert [text_of(m) for m in first.iter("mark")] == ["Lavrov", "Lavrov"]
    assert text_of(doc.find(".//p[@id='search-summary']")).startswith("7 resources match “lavrov”.")
    assert doc.find(".//input[@id='site-search']").get("value") == "lavrov"
    assert '</search?q=lavrov&format=json>; rel="alternate"; type="application/json"' in response.headers["Link"]


def test_markup_in_the_query_is_text(shared_client: FlaskClient) -> None:
    response = shared_client.get("/search", query_string={"q": "<b>lavrov</b>"}, headers=HTML)
    assert response.status_code == 200
    assert b"<b>lavrov</b>" not in response.data
    assert "“&lt;b&gt;lavrov&lt;/b&gt;”".encode() in response.data


def test_an_empty_query_is_the_page_with_a_hint(shared_client: FlaskClient) -> None:
    for path in ("/search", "/search?q=", "/search?q=+++"):
        response = shared_client.get(path, headers=HTML)
        assert response.status_code == 200
        doc = parse_html(response.data)
        assert doc.findall(".//ol[@class='hits']") == []
        assert "keita" in text_of(doc.find(".//p[@id='search-hint']"))
    assert shared_client.get("/search", headers=JSON).json["hits"] == []


@pytest.mark.parametrize(
    "query", ['"', "lavrov OR", "NOT", "*", "lav*", "NEAR(a b)", "{labels}:x", "a:b", "(", "🙂"]
)
def test_fts_syntax_in_the_query_never_fails(shared_client: FlaskClient, query: str) -> None:
    response = shared_client.get("/search", query_string={"q": query}, headers=JSON)
    assert response.status_code == 200
    assert response.json["total"] == len(response.json["hits"])


def test_a_query_too_long_is_refused(shared_client: FlaskClient) -> None:
    assert shared_client.get("/search", query_string={"q": "a" * MAX_QUERY_CHARS}).status_code == 200
    response = shared_client.get("/search", query_string={"q": "a" * (MAX_QUERY_CHARS + 1)})
    assert (response.status_code, response.json) == (
        400,
        {"error": {"status": 400, "message": "the query has 401 characters; at most 400 are searched"}},
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [("q=lavrov&page=0", 400), ("q=lavrov&page=x", 400), ("q=lavrov&page=-1", 400),
     ("q=lavrov&page=2", 404), ("q=lavrov&page=99999999999999999999", 404),
     ("q=lavrov&format=xml", 400)],
)
def test_bad_parameters(shared_client: FlaskClient, query: str, status: int) -> None:
    assert shared_client.get(f"/search?{query}", headers=JSON).status_code == status


def test_every_page_has_the_search_box(shared_client: FlaskClient) -> None:
    for path in ("/", "/id/", "/id/event/", "/id/person/sergey-lavrov", "/search?q=x"):
        doc = parse_html(shared_client.get(path, headers=HTML).data)
        [form] = doc.findall(".//header/form[@role='search']")
        assert (form.get("action"), form.get("method")) == ("/search", "get")
        field = form.find("input[@name='q']")
        assert form.find(f"label[@for='{field.get('id')}']").text == "Search"


def test_the_build_serves_its_own_index_file() -> None:
    build = open_build()
    index = build.directory / build.manifest["search"]["path"]
    assert index.is_file()
    with read_only_client(build.store_path) as client:
        assert hit_urls(client, "lavrov")[0] == "/id/person/sergey-lavrov"
        with client.application.app_context():
            assert search_index()._path == index


@pytest.fixture(scope="module")
def many_events(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """120 labelled events: more than two pages of hits."""
    path = tmp_path_factory.mktemp("many") / "events.nq"
    graph = "<https://w3id.org/kg-mali/graph/many>"
    lines = []
    for n in range(120):
        iri = f"<https://w3id.org/kg-mali/id/event/e{n:03d}>"
        lines.append(f'{iri} <http://www.w3.org/2000/01/rdf-schema#label> "Sample event {n:03d}"@en {graph} .')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with read_only_client(path) as client:
        yield client


def test_hits_past_fifty_come_in_pages(many_events: FlaskClient) -> None:
    first = many_events.get("/search?q=sample+event", headers=JSON).json
    assert (first["total"], first["pages"], len(first["hits"])) == (120, 3, 50)
    assert (first["prev"], first["next"]) == (None, "/search?q=sample+event&page=2")
    named = many_events.get("/search?q=sample+event&page=2&format=json").json
    assert (named["prev"], named["next"]) == (
        "/search?q=sample+event&format=json", "/search?q=sample+event&page=3&format=json"
    )
    last = many_events.get(named["next"]).json
    assert [h["label"] for h in last["hits"]][-1] == "Sample event 119"
    assert len(last["hits"]) == 20
    assert last["next"] is None
    response = many_events.get("/search?q=sample+event&page=2", headers=HTML)
    assert response.headers["Link"].endswith(
        '</search?q=sample+event>; rel="prev", </search?q=sample+event&page=3>; rel="next"'
    )
    doc = parse_html(response.data)
    assert doc.find(".//ol[@class='hits']").get("start") == "51"
    assert {"/search?q=sample+event", "/search?q=sample+event&page=3"} <= set(hrefs(doc))
    assert [link.get("rel") for link in doc.findall(".//head/link[@rel]")][-2:] == ["prev", "next"]
