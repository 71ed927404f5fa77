"""/timeline: the regimes as bands and the dated events as marks, each a link, dates at precision.

Expectations are what the shipped data say now (the named query timeline-marks over the build).
"""

import datetime
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from pages import parse_html, text_of

from kg.web import page_queries
from kg.web.page_queries import Cell
from kg.web.timeline import When, when_of

SVG = "{http://www.w3.org/2000/svg}"
HTML_ACCEPT = "text/html"

# (page, title of its mark or band: label, date at the source's precision), oldest first.
ENTRIES = [
    ("/id/event/1960-independence-of-mali", "Independence of Mali, 1960"),
    ("/id/regime/mali-modibo-keita", "Modibo Keïta regime, 22 September 1960 – November 1968"),
    ("/id/delivery/1961-btr-40", "Delivery of 15 BTR-40 (1961), 1961"),
    ("/id/delivery/1963-t-34-85", "Delivery of 10 T-34-85 (1963), 1963"),
    ("/id/event/1968-11-fall-of-modibo-keita", "Fall of the Modibo Keïta regime, November 1968"),
    ("/id/regime/mali-moussa-traore", "Moussa Traoré regime, November 1968 – 26 March 1991"),
    ("/id/delivery/1975-brdm-2", "Delivery of 20 BRDM-2 (1975), 1975"),
    ("/id/delivery/1981-son-9", "Delivery of 1 SON-9 radar (1981), 1981"),
    ("/id/delivery/1981-v-60", "Delivery of 100 V-60 missiles (1981), 1981"),
    ("/id/delivery/1981-t-34-85", "Delivery of 20 T-34-85 (1981), 1981"),
    ("/id/delivery/1981-s-125m", "Delivery of 3 S-125M (1981), 1981"),
    ("/id/delivery/1983-p-10", "Delivery of 3 P-10 (1983), 1983"),
    ("/id/event/1985-war-mali-burkina-faso", "Mali–Burkina Faso war (1985), 1985"),
    (
        "/id/event/1991-03-26-fall-of-moussa-traore",
        "Fall of the Moussa Traoré regime, 26 March 1991",
    ),
    ("/id/regime/mali-ctsp-1991", "CTSP transition (1991–1992), 26 March 1991 – 8 June 1992"),
    ("/id/regime/mali-alpha-oumar-konare", "Alpha Oumar Konaré regime, 8 June 1992 – 8 June 2002"),
    (
        "/id/regime/mali-amadou-toumani-toure",
        "Amadou Toumani Touré regime, 8 June 2002 – 22 March 2012",
    ),
    ("/id/event/2012-rebellion", "2012 rebellion, 2012"),
    ("/id/event/2012-03-22-coup", "Coup of 22 March 2012, 22 March 2012"),
    ("/id/regime/mali-cnrdr-2012", "CNRDR junta (2012), 22 March 2012 – 12 April 2012"),
    (
        "/id/regime/mali-dioncounda-traore",
        "Dioncounda Traoré interim regime (2012–2013), 12 April 2012 – 4 September 2013",
    ),
    (
        "/id/regime/mali-ibrahim-boubacar-keita",
        "Ibrahim Boubacar Keïta regime, 4 September 2013 – 18 August 2020",
    ),
    (
        "/id/event/agreement-for-peace-and-reconciliation",
        "Agreement for Peace and Reconciliation in Mali, 2015",
    ),
    ("/id/event/2020-08-18-events", "Events of 18 August 2020, 18 August 2020"),
    (
        "/id/event/2020-resignation-of-ibrahim-boubacar-keita",
        "Resignation of Ibrahim Boubacar Keïta, 18 August 2020",
    ),
    ("/id/regime/mali-cnsp-2020", "CNSP junta (2020), 18 August 2020 – 25 September 2020"),
    ("/id/regime/mali-transition-2020", "Transitional authorities (2020), since 25 September 2020"),
    (
        "/id/delivery/2021-10-first-russian-deliveries",
        "First deliveries of Russian equipment (October 2021), October 2021",
    ),
    (
        "/id/event/2021-11-11-diop-visit-to-moscow",
        "Abdoulaye Diop's visit to Moscow, 11 November 2021",
    ),
]


def _page(client: FlaskClient, url: str) -> ET.Element:
    response = client.get(url, headers={"Accept": HTML_ACCEPT})
    assert (response.status_code, response.mimetype) == (200, "text/html"), response.data[:300]
    return parse_html(response.data)


def _marks(svg: ET.Element) -> list[tuple[str, str]]:
    """Each link of the picture: where it goes and what its <title> says."""
    return [(a.get("href"), a.find(f"{SVG}title").text) for a in svg.iter(f"{SVG}a")]  # type: ignore[misc,union-attr]


def _inline_svg(document: ET.Element) -> ET.Element:
    (svg,) = list(document.iter(f"{SVG}svg"))
    return svg


def test_every_regime_and_dated_event_is_a_linked_mark(shared_client: FlaskClient) -> None:
    svg = _inline_svg(_page(shared_client, "/timeline"))
    assert sorted(_marks(svg)) == sorted(ENTRIES)
    year = datetime.datetime.now(datetime.timezone.utc).year
    assert svg.find(f"{SVG}title").text == f"Mali, 1960 to {year}: a timeline"  # type: ignore[union-attr]
    assert svg.get("aria-labelledby") == "timeline-title timeline-desc"


def test_the_table_gives_the_same_entries_with_dates_at_their_precision(
    shared_client: FlaskClient,
) -> None:
    document = _page(shared_client, "/timeline")
    table = document.find(".//table[@id='timeline-table']")
    assert table is not None
    rows = [[text_of(cell) for cell in row] for row in table.iter("tr")][1:]
    assert [row.pop(0) for row in rows] == [str(n) for n in range(1, len(ENTRIES) + 1)]
    links = [a.get("href") for a in table.iter("a")]
    assert links == [page for page, _ in ENTRIES]
    # The title of a mark is "label, date": the table's first two columns.
    assert [(when, what) for when, what, *_ in rows] == [
        tuple(reversed(title.rsplit(", ", 1))) for _, title in ENTRIES
    ]
    by_label = {row[1]: row for row in rows}
    assert by_label["Fall of the Modibo Keïta regime"] == [
        "November 1968",
        "Fall of the Modibo Keïta regime",
        "Independence, falls of regimes, resignations",
        "month",
    ]
    assert by_label["Modibo Keïta regime"] == [
        "22 September 1960 – November 1968",
        "Modibo Keïta regime",
        "Regimes",
        "day – month",
    ]
    assert by_label["Delivery of 15 BTR-40 (1961)"][2:] == ["Arms deliveries", "year"]
    assert by_label["Abdoulaye Diop's visit to Moscow"][0] == "11 November 2021"


def test_a_kind_filter_keeps_those_kinds_and_checks_their_boxes(shared_client: FlaskClient) -> None:
    document = _page(shared_client, "/timeline?kind=war&kind=diplomacy")
    assert sorted(_marks(_inline_svg(document))) == sorted(
        entry
        for entry in ENTRIES
        if entry[0]
        in {
            "/id/event/1985-war-mali-burkina-faso",
            "/id/event/agreement-for-peace-and-reconciliation",
            "/id/event/2021-11-11-diop-visit-to-moscow",
        }
    )
    boxes = {
        box.get("value"): box.get("checked") is not None
        for box in document.iter("input")
        if box.get("name") == "kind"
    }
    assert boxes == {
        "regime": False,
        "politics": False,
        "delivery": False,
        "war": True,
        "rebellion": False,
        "operation": False,
        "diplomacy": True,
    }
    form = document.find(".//form[@class='kinds']")
    assert (form.get("method"), form.get("action")) == ("get", "/timeline")  # type: ignore[union-attr]


def test_the_kind_links_filter_without_javascript(shared_client: FlaskClient) -> None:
    document = _page(shared_client, "/timeline")
    form = document.find(".//form[@class='kinds']")
    assert form is not None
    hint = [a.get("href") for a in form.iter("a")]
    assert hint == [
        "/timeline?kind=regime",
        "/timeline?kind=politics",
        "/timeline?kind=delivery",
        "/timeline?kind=war",
        "/timeline?kind=rebellion",
        "/timeline?kind=operation",
        "/timeline?kind=diplomacy",
        "/timeline",
    ]
    labels = [text_of(label) for label in form.iter("label")]
    assert labels == [
        "Regimes (10)",
        "Independence, falls of regimes, resignations (6)",
        "Arms deliveries (9)",
        "Wars (1)",
        "Rebellions and insurgencies (1)",
        "Military operations (0)",
        "Diplomatic visits and agreements (2)",
    ]


def test_an_unknown_kind_is_a_400_naming_the_kinds(shared_client: FlaskClient) -> None:
    response = shared_client.get("/timeline.svg?kind=coups", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json == {
        "error": {
            "status": 400,
            "message": (
                "unknown kind 'coups' in ?kind=; the kinds are regime, politics, delivery, war,"
                " rebellion, operation, diplomacy"
            ),
        }
    }


def test_the_picture_alone_is_well_formed_svg_with_absolute_links(
    shared_client: FlaskClient,
) -> None:
    response = shared_client.get("/timeline.svg?kind=delivery")
    assert (response.status_code, response.content_type) == (200, "image/svg+xml; charset=utf-8")
    svg = ET.fromstring(response.data)
    assert svg.tag == f"{SVG}svg"
    assert _marks(svg) == [
        ("http://localhost" + page, title)
        for page, title in ENTRIES
        if page.startswith("/id/delivery/")
    ]


def test_the_page_links_the_query_behind_it(shared_client: FlaskClient) -> None:
    document = _page(shared_client, "/timeline")
    details = document.find(".//details[@class='query-behind']")
    assert details is not None
    assert text_of(details.find("summary")) == "The query behind this: timeline-marks"  # type: ignore[arg-type]
    hrefs = [a.get("href") for a in details.iter("a")]
    assert hrefs[0] == "/?example=timeline-marks#query"
    assert hrefs[1].startswith("/sparql?query=%23+title%3A+Timeline")  # type: ignore[union-attr]
    code = details.find(".//pre/code")
    assert code is not None and code.text.startswith("# title: Timeline: regimes")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        ("1961", "year", "1961"),
        ("1968-11", "month", "November 1968"),
        ("1960-09-22", "day", "22 September 1960"),
    ],
)
def test_a_date_reads_at_its_precision(value: str, precision: str, text: str) -> None:
    when = When(value, precision)
    assert when.text == text


@pytest.mark.parametrize(
    ("value", "precision", "read"),
    [
        ("1961Z", None, ("1961", "year")),
        ("1968-11+01:00", None, ("November 1968", "month")),
        ("2012-03-22", "https://w3id.org/kg-mali/ontology#day-precision", ("22 March 2012", "day")),
        ("1981-02-30", None, None),
        ("the 1980s", None, None),
    ],
)
def test_a_value_is_read_as_a_date_or_left_off_the_axis(
    value: str, precision: str | None, read: tuple[str, str] | None
) -> None:
    when = when_of(Cell(value), Cell(precision, True) if precision else None)
    assert (None if when is None else (when.text, when.precision)) == read


def test_the_page_and_its_picture_name_each_other(shared_client: FlaskClient) -> None:
    response = shared_client.get("/timeline?kind=war", headers={"Accept": "text/html"})
    assert response.headers["Link"] == (
        '</timeline.svg?kind=war>; rel="alternate"; type="image/svg+xml", '
        '</timeline.json?kind=war>; rel="alternate"; type="application/json"'
    )


def test_a_query_cut_at_the_page_limit_says_so(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_queries, "PAGE_ROWS", 3)
    document = _page(client, "/timeline")
    (note,) = [p for p in document.iter("p") if p.get("role") == "status"]
    assert text_of(note) == (
        "The query has more rows than a page draws: only the first 3 are shown here."
    )
    assert len(_marks(_inline_svg(document))) == 3
