"""A crawler's view: every internal link from the home page answers; every page is valid HTML5."""

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from flask.testing import FlaskClient
from werkzeug.http import parse_options_header

from pages import hrefs, ids, parse_html, text_of

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Links a browser follows through a redirect: the endpoint sends it on to the query form.
REDIRECTS = {"/sparql": (303, "/#query"), "/ontology/0.1.0": (303, "/ontology")}


def test_every_internal_link_answers(shared_client: FlaskClient) -> None:
    status: dict[str, int] = {}
    anchors: dict[str, set[str]] = {}  # HTML page -> its element ids
    fragment_links: list[tuple[str, str, str]] = []  # (from page, to page, fragment)
    redirected: dict[str, tuple[int, str]] = {}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        if path in status:
            continue
        response = shared_client.get(path, headers={"Accept": BROWSER_ACCEPT})
        response.close()  # static files come as open file streams
        status[path] = response.status_code
        if 300 <= response.status_code < 400:
            location = response.headers["Location"]
            redirected[path] = (response.status_code, location)
            queue.append(urldefrag(urljoin(path, location))[0])
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        document = parse_html(response.data)  # strict: any HTML5 parse error fails the crawl
        _check_page(path, document, response.headers.get("Link", ""))
        anchors[path] = set(ids(document))
        for href in hrefs(document):
            url, fragment = urldefrag(urljoin(path, href))
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue  # another site: Wikidata, w3id.org, the licence
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if fragment:
                fragment_links.append((path, target, fragment))
            if target not in status:
                queue.append(target)
    assert redirected == REDIRECTS
    broken = {path: code for path, code in status.items() if code != 200 and path not in REDIRECTS}
    assert not broken
    # Links into a page's sections (…/ontology#ArmsTransfer, #source-1) land on an element.
    missing = [
        (src, dst, f) for src, dst, f in fragment_links if dst in anchors and f not in anchors[dst]
    ]
    assert not missing
    pages = len(anchors)
    assert pages > 150, pages
    for must in (
        "/id/transfer/1961-btr-40",
        "/ontology",
        "/shapes",
        "/dumps",
        "/.well-known/void",
        "/transfers.csv",
        "/dumps/kg-mali-inferred.jsonld",
        "/id/transfer/1961-btr-40.ttl",
    ):
        assert status.get(must) == 200, must


def _check_page(path: str, document, link_header: str) -> None:  # type: ignore[no-untyped-def]
    assert document.get("lang") == "en", path
    # The page's <link rel="alternate"> and its Link header name the same twins, never the page.
    in_head = {
        (e.get("href"), e.get("type")) for e in document.iter("link") if e.get("rel") == "alternate"
    }
    assert in_head == _alternates(link_header), path
    assert all(media_type != "text/html" for _, media_type in in_head), path
    assert text_of(document.find(".//title")), path
    assert len(document.findall(".//h1")) == 1, path
    assert document.find(".//main[@id='main']") is not None, path
    page_ids = ids(document)
    assert len(page_ids) == len(set(page_ids)), (
        path,
        sorted(i for i in page_ids if page_ids.count(i) > 1),
    )
    for field in document.iter("textarea"):
        assert document.find(f".//label[@for='{field.get('id')}']") is not None, path
    for table in document.iter("table"):
        assert table.find("caption") is not None, path


def _alternates(header: str) -> set[tuple[str, str]]:
    found = set()
    for link in filter(None, re.split(r",\s*(?=<)", header)):
        target, params = parse_options_header(link)
        if params.get("rel") == "alternate":
            found.add((target.strip("<>"), params["type"]))
    return found
