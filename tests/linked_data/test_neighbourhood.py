"""The neighbourhood view of an entity page: its direct links as a Graphviz graph, capped, escaped.

Expectations are what the shipped data say now. Tests that need Graphviz's dot skip without it
(`make graphviz` installs it as root); the page without dot is tested by hiding it.
"""

import shutil
import stat
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask.testing import FlaskClient

from kg.web import neighbourhood
from kg.web.neighbourhood import MAX_EDGES, dot_string, render_svg
from pages import parse_html, text_of

SVG = "{http://www.w3.org/2000/svg}"
HREF = "href"  # dot writes xlink:href; the page gives SVG 2's plain href
DEAL = "/id/transfer/1961-btr-40"
DEAL_TITLE = "1961: 15 BTR-40 from the USSR to Mali"
SOURCE = "/id/source/essor-2022-01-21-mali-russie"
SOURCE_TITLE = "Mali–Russia: military cooperation, past and present (L'Essor, 21 January 2022)"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (make graphviz, as root)"
)


@pytest.fixture(autouse=True)
def fresh_drawings() -> Iterator[None]:
    """Each test sees dot as it is now, not a drawing kept from another test."""
    render_svg.cache_clear()
    yield
    render_svg.cache_clear()


def _section(client: FlaskClient, path: str) -> ET.Element:
    response = client.get(path, headers={"Accept": "text/html"})
    assert (response.status_code, response.mimetype) == (200, "text/html")
    section = parse_html(response.data).find(".//section[@id='neighbourhood']")
    assert section is not None
    return section


def _parts(section: ET.Element, kind: str) -> list[tuple[str | None, str | None, list[str]]]:
    """Each node or edge dot drew: its title, the page it links to, its text."""
    found = []
    for group in section.iter(f"{SVG}g"):
        if group.get("class") == kind:
            link = group.find(f".//{SVG}a")
            href = link.get(HREF) if link is not None else None
            texts = [t.text or "" for t in group.iter(f"{SVG}text")]
            found.append((group.find(f"{SVG}title").text, href, texts))  # type: ignore[union-attr]
    return found


@needs_dot
def test_a_deal_shows_its_links_out_and_in_each_node_a_link(shared_client: FlaskClient) -> None:
    section = _section(shared_client, DEAL)
    assert sorted(_parts(section, "node")) == sorted(
        [
            (DEAL_TITLE, DEAL, [DEAL_TITLE]),
            (SOURCE_TITLE, SOURCE, ["Mali–Russia: military cooperation, past…"]),
            ("Madiba Keïta", "/id/person/madiba-keita", ["Madiba Keïta"]),
            (
                "Delivery of 15 BTR-40 (1961)",
                "/id/delivery/1961-btr-40",
                ["Delivery of 15 BTR-40 (1961)"],
            ),
            ("BTR-40", "/id/equipment/btr-40", ["BTR-40"]),
            ("Mali", "/id/state/mali", ["Mali"]),
            ("delivered", "/ontology#delivered", ["delivered"]),
            (
                "Union of Soviet Socialist Republics",
                "/id/state/ussr",
                ["Union of Soviet Socialist Republics"],
            ),
        ]
    )
    assert sorted((title, texts) for title, _, texts in _parts(section, "edge")) == sorted(
        [
            (f"{DEAL_TITLE} — prov:wasDerivedFrom → {SOURCE_TITLE}", ["prov:wasDerivedFrom"]),
            (f"{DEAL_TITLE} — claimed by → Madiba Keïta", ["claimed by"]),
            (f"{DEAL_TITLE} — delivery → Delivery of 15 BTR-40 (1961)", ["delivery"]),
            (f"{DEAL_TITLE} — equipment model → BTR-40", ["equipment model"]),
            (f"{DEAL_TITLE} — recipient → Mali", ["recipient"]),
            (f"{DEAL_TITLE} — status → delivered", ["status"]),
            (f"{DEAL_TITLE} — supplier → Union of Soviet Socialist Republics", ["supplier"]),
            (f"Delivery of 15 BTR-40 (1961) — delivery of → {DEAL_TITLE}", ["delivery of"]),
        ]
    )
    assert (
        text_of(section.find(".//figcaption"))
        == "8 direct links in and out. Each box links to its page."
    )  # type: ignore[arg-type]
    (svg,) = section.iter(f"{SVG}svg")
    assert svg.get("aria-labelledby") == "neighbourhood-title neighbourhood-desc"
    assert svg.find(f"{SVG}title").text == f"Direct links of {DEAL_TITLE}"  # type: ignore[union-attr]


def _links_of_source(store: pyoxigraph.Store) -> int:
    """The source's links: distinct triples between IRIs, rdf:type and the closure left out."""
    iri = pyoxigraph.NamedNode("https://w3id.org/kg-mali" + SOURCE)
    inferred = pyoxigraph.NamedNode("https://w3id.org/kg-mali/graph/inferred")
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    links = set()
    for quad in [
        *store.quads_for_pattern(iri, None, None, None),
        *store.quads_for_pattern(None, None, iri, None),
    ]:
        ends_are_iris = isinstance(quad.subject, pyoxigraph.NamedNode) and isinstance(
            quad.object, pyoxigraph.NamedNode
        )
        if ends_are_iris and quad.predicate != rdf_type and quad.graph_name != inferred:
            links.add(quad.triple)
    return len(links)


@needs_dot
def test_a_source_with_many_links_draws_the_first_and_counts_the_rest(
    shared_client: FlaskClient, built_store: pyoxigraph.Store
) -> None:
    section = _section(shared_client, SOURCE)
    hidden = _links_of_source(built_store) - MAX_EDGES
    assert hidden > 50
    assert (
        len(_parts(section, "edge")) <= MAX_EDGES
    )  # links between the same two nodes share an edge title
    assert text_of(section.find(".//figcaption")) == (  # type: ignore[arg-type]
        f"{MAX_EDGES} direct links in and out; {hidden} more are not drawn (the tables of this page"
        " and the SPARQL endpoint have them all). Each box links to its page."
    )


@needs_dot
def test_labels_reach_the_picture_as_written_and_never_as_markup() -> None:
    hostile = 'A "quoted" <script>alert(1)</script> & &lt;b&gt; \\N \\G back\\slash'
    source = f"digraph g {{ n0 [label={dot_string(hostile)}]; }}"
    svg = ET.fromstring(render_svg(source))
    (text,) = [t.text for t in svg.iter(f"{SVG}text")]
    assert text == hostile
    assert list(svg.iter(f"{SVG}script")) == []


def test_a_dot_string_escapes_quotes_backslashes_entities_and_line_breaks() -> None:
    assert dot_string('a "b" \\N & c\nd') == '"a \\"b\\" \\\\N &amp; c d"'


def test_without_dot_the_page_says_so_and_draws_nothing(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(neighbourhood.shutil, "which", lambda name: None)
    section = _section(client, DEAL)
    assert list(section.iter(f"{SVG}svg")) == []
    assert text_of(section.find("p")) == (  # type: ignore[arg-type]
        "No graph view: Graphviz's dot is not installed on this server (make graphviz)."
        " The links are in the tables of this page."
    )


def test_a_dot_that_hangs_is_stopped_and_the_page_still_answers(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hanging = tmp_path / "dot"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(hanging.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(neighbourhood.shutil, "which", lambda name: str(hanging))
    monkeypatch.setattr(neighbourhood, "DOT_TIMEOUT", 0.2)
    section = _section(client, DEAL)
    assert text_of(section.find("p")) == (  # type: ignore[arg-type]
        "No graph view: Graphviz's dot took more than 0.2 s."
        " The links are in the tables of this page."
    )


def test_a_resource_without_links_has_no_neighbourhood(shared_client: FlaskClient) -> None:
    response = shared_client.get("/graph/background", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert parse_html(response.data).find(".//section[@id='neighbourhood']") is None
