"""/transfers: the register as a page, and two charts of deliveries with their tables and queries.

Expectations are what the shipped data say now.
"""

import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from pages import parse_html, text_of

SVG = "{http://www.w3.org/2000/svg}"

# (year, equipment category, deliveries): the rows of deliveries-per-year-by-category.
BY_CATEGORY = [
    ("1961", "armoured personnel carrier", "1"),
    ("1963", "tank", "1"),
    ("1975", "reconnaissance vehicle", "1"),
    ("1981", "fire-control radar", "1"),
    ("1981", "surface-to-air missile", "1"),
    ("1981", "surface-to-air missile system", "1"),
    ("1981", "tank", "1"),
    ("1983", "radar", "1"),
    ("2021", "military equipment", "1"),
]
# (regime, deliveries), oldest regime first: the rows of deliveries-per-regime.
BY_REGIME = [
    ("Modibo Keïta regime", "2"),
    ("Moussa Traoré regime", "6"),
    ("CTSP transition (1991–1992)", "0"),
    ("Alpha Oumar Konaré regime", "0"),
    ("Amadou Toumani Touré regime", "0"),
    ("CNRDR junta (2012)", "0"),
    ("Dioncounda Traoré interim regime (2012–2013)", "0"),
    ("Ibrahim Boubacar Keïta regime", "0"),
    ("CNSP junta (2020)", "0"),
    ("Transitional authorities (2020)", "1"),
]


@pytest.fixture(scope="module")
def page(shared_client: FlaskClient) -> ET.Element:
    response = shared_client.get("/transfers", headers={"Accept": "text/html"})
    assert (response.status_code, response.mimetype) == (200, "text/html")
    return parse_html(response.data)


def _table(page: ET.Element, table_id: str) -> list[list[str]]:
    table = page.find(f".//table[@id='{table_id}']")
    assert table is not None, table_id
    return [[text_of(cell) for cell in row] for row in table.iter("tr")]


def _svg(page: ET.Element, name: str) -> ET.Element:
    (svg,) = [s for s in page.iter(f"{SVG}svg") if s.get("aria-labelledby", "").startswith(name)]
    return svg


def _bars(svg: ET.Element) -> list[tuple[str | None, str | None]]:
    return [(a.get("href"), a.find(f"{SVG}title").text) for a in svg.iter(f"{SVG}a")]  # type: ignore[union-attr]


def test_the_category_chart_has_a_linked_bar_per_year_and_category(page: ET.Element) -> None:
    svg = _svg(page, "chart-year")
    assert svg.find(f"{SVG}title").text == "Number of deliveries per year, by equipment category"  # type: ignore[union-attr]
    assert _bars(svg) == [
        (f"/id/category/{label.replace(' ', '-')}", f"{year}: 1 delivery of {label}")
        for year, label, _ in BY_CATEGORY
    ]
    assert "Deliveries are counted, not units." in svg.find(f"{SVG}desc").text  # type: ignore[union-attr,operator]


def test_the_category_table_gives_the_charts_numbers(page: ET.Element) -> None:
    rows = _table(page, "by-category-table")
    assert rows[0] == ["Year", "Equipment category", "Deliveries"]
    assert [tuple(row) for row in rows[1:]] == BY_CATEGORY


def test_the_regime_chart_and_table_count_deliveries_per_regime(page: ET.Element) -> None:
    svg = _svg(page, "chart-regime")
    assert [title for _, title in _bars(svg)] == [
        f"{regime} {n} {'delivery' if n == '1' else 'deliveries'}" for regime, n in BY_REGIME
    ]
    assert _bars(svg)[0][0] == "/id/regime/mali-modibo-keita"
    rows = _table(page, "by-regime-table")
    assert rows[0] == ["Regime", "Deliveries"]
    assert [tuple(row) for row in rows[1:]] == BY_REGIME


def test_each_chart_shows_its_named_query(page: ET.Element) -> None:
    names = [text_of(d.find("summary")) for d in page.iter("details")]  # type: ignore[arg-type]
    assert names == [
        "The query behind this: deliveries-per-year-by-category",
        "The query behind this: deliveries-per-regime",
        "The query behind this: transfers-register",
    ]
    forms = [a.get("href") for d in page.iter("details") for a in d.iter("a")][::2]
    assert forms == [
        "/?example=deliveries-per-year-by-category#query",
        "/?example=deliveries-per-regime#query",
        "/?example=transfers-register#query",
    ]


def test_the_register_has_a_row_per_deal_linked_to_its_page(page: ET.Element) -> None:
    rows = _table(page, "register-table")
    assert rows[0][:3] == ["Deal", "Supplier", "Recipient"]
    assert len(rows) == 1 + 14
    assert rows[1][:9] == [
        "BTR-40",
        "Union of Soviet Socialist Republics",
        "Mali",
        "..",
        "..",
        "armoured personnel carrier",
        "15",
        "1961",
        "..",
    ]
    table = page.find(".//table[@id='register-table']")
    assert [a.get("href") for a in table.iter("a")][:2] == [  # type: ignore[union-attr]
        "/id/transfer/1961-btr-40",
        "/id/transfer/1963-t-34-85",
    ]


@pytest.mark.parametrize(
    ("name", "bars"),
    [
        ("deliveries-per-year-by-category", len(BY_CATEGORY)),
        ("deliveries-per-regime", len(BY_REGIME)),
    ],
)
def test_each_chart_alone_is_well_formed_svg(
    shared_client: FlaskClient, name: str, bars: int
) -> None:
    response = shared_client.get(f"/transfers/{name}.svg")
    assert (response.status_code, response.content_type) == (200, "image/svg+xml; charset=utf-8")
    svg = ET.fromstring(response.data)
    links = _bars(svg)
    assert len(links) == bars
    assert all((href or "").startswith("http://localhost/id/") for href, _ in links)


def test_an_unknown_chart_is_a_404(shared_client: FlaskClient) -> None:
    response = shared_client.get("/transfers/units.svg", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["message"] == (  # type: ignore[index]
        "no chart 'units'; the charts are deliveries-per-year-by-category.svg"
        " and deliveries-per-regime.svg"
    )
