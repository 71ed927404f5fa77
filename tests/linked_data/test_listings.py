"""`/id/{kind}/`: headings that name the kind, dates at their precision, order by date, pages."""

from collections.abc import Iterator

import pytest
from clients import read_only_client
from flask.testing import FlaskClient
from pages import parse_html, text_of
from pyoxigraph import Literal, NamedNode

from kg.web.listings import EntityDate, parse_date, plural
from kg.web.resources import ENTITIES_PER_PAGE

HTML = {"Accept": "text/html"}
XSD = "http://www.w3.org/2001/XMLSchema#"


def listing(client: FlaskClient, path: str) -> tuple[str, list[list[str]], list[str | None]]:
    """The heading, each row's cells as text, and each row's first <time datetime>."""
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.data
    doc = parse_html(response.data)
    rows = doc.findall(".//main//tbody/tr")
    times = [next((t.get("datetime") for t in row.iter("time")), None) for row in rows]
    return text_of(doc.find(".//h1")), [[text_of(c) for c in row] for row in rows], times


def test_events_are_headed_events_and_sorted_by_date(shared_client: FlaskClient) -> None:
    heading, rows, times = listing(shared_client, "/id/event/")
    assert heading == "Events id/event/"
    assert [row[:2] for row in rows[:8]] == [
        ["Independence of Mali", "1960"],
        ["Fall of the Modibo Keïta regime", "November 1968"],
        ["Mali–Burkina Faso war (1985)", "1985"],
        ["Fall of the Moussa Traoré regime", "26 March 1991"],
        ["Inauguration of Alpha Oumar Konaré", "8 June 1992"],
        ["Inauguration of Amadou Toumani Touré", "8 June 2002"],
        ["2012 rebellion", "from 2012"],  # the year before any day of it
        ["Coup of 22 March 2012", "22 March 2012"],
    ]
    assert times[:6] == ["1960", "1968-11", "1985", "1991-03-26", "1992-06-08", "2002-06-08"]
    # Same day: by label. Undated: last, by label.
    assert [row[0] for row in rows if row[1] == "11 November 2021"][:3] == [
        "Abdoulaye Diop's visit to Moscow",
        "Mali and Russia consider major projects",
        "Mali asks for help under the peace agreement",
    ]
    undated = [row[0] for row in rows if row[1] == ""]
    assert undated == sorted(undated, key=str.casefold) and len(undated) > 3
    assert rows.index([r for r in rows if r[1] == ""][0]) == len(rows) - len(undated)


@pytest.mark.parametrize(
    ("kind", "heading"),
    [("transfer", "Arms deals"), ("delivery", "Deliveries"), ("statement", "Statements"),
     ("regime", "Regimes"), ("person", "Persons"), ("office-holding", "Office holdings")],
)
def test_each_listing_is_headed_by_its_kind(shared_client: FlaskClient, kind: str, heading: str) -> None:
    assert listing(shared_client, f"/id/{kind}/")[0] == f"{heading} id/{kind}/"


def test_regimes_show_their_spans(shared_client: FlaskClient) -> None:
    _, rows, _ = listing(shared_client, "/id/regime/")
    assert [row[:2] for row in rows] == [
        ["Modibo Keïta regime", "22 September 1960 – November 1968"],
        ["Moussa Traoré regime", "November 1968 – 26 March 1991"],
        ["CTSP transition (1991–1992)", "26 March 1991 – 8 June 1992"],
        ["Alpha Oumar Konaré regime", "8 June 1992 – 8 June 2002"],
        ["Amadou Toumani Touré regime", "8 June 2002 – 22 March 2012"],
        ["CNRDR junta (2012)", "22 March 2012 – 12 April 2012"],
        ["Dioncounda Traoré interim regime (2012–2013)", "12 April 2012 – 4 September 2013"],
        ["Ibrahim Boubacar Keïta regime", "4 September 2013 – 18 August 2020"],
        ["CNSP junta (2020)", "18 August 2020 – 25 September 2020"],
        ["Transitional authorities (2020)", "from 25 September 2020"],
    ]


def test_deals_are_dated_by_their_deliveries(shared_client: FlaskClient) -> None:
    _, rows, _ = listing(shared_client, "/id/transfer/")
    assert [row[1] for row in rows[:4]] == [
        "delivered 1961", "delivered 1963", "delivered 1975", "delivered 1981",
    ]
    assert rows[8][:2] == ["October 2021: first deliveries of Russian equipment", "delivered October 2021"]


def test_statements_are_dated(shared_client: FlaskClient) -> None:
    _, rows, _ = listing(shared_client, "/id/statement/")
    assert [row[1] for row in rows] == ["11 November 2021"] * 7 + ["21 January 2022"] * 3


def test_a_kind_without_dates_has_no_date_column(shared_client: FlaskClient) -> None:
    doc = parse_html(shared_client.get("/id/person/", headers=HTML).data)
    assert [text_of(th) for th in doc.findall(".//thead/tr/th")] == ["Person", "Type"]


def test_the_json_listing_gives_each_date_with_its_precision(shared_client: FlaskClient) -> None:
    document = shared_client.get("/id/regime.json").json
    assert (document["name"], document["total"], document["page"], document["pages"]) == (
        "regime", 10, 1, 1,
    )
    assert document["entities"][1]["date"] == {
        "start": {"value": "1968-11", "precision": "month", "text": "November 1968"},
        "end": {"value": "1991-03-26", "precision": "day", "text": "26 March 1991"},
        "of": "span",
        "text": "November 1968 – 26 March 1991",
    }


def test_the_json_listing_gives_an_entitys_asserted_types_in_iri_order(shared_client: FlaskClient) -> None:
    # The 18 August 2020 events are asserted a coup and an event; what the closure adds is not listed.
    entities = shared_client.get("/id/event.json").json["entities"]
    events = next(e for e in entities if e["url"].endswith("/id/event/2020-08-18-events"))
    assert events["types"] == [
        "https://w3id.org/kg-mali/ontology#Coup", "https://w3id.org/kg-mali/ontology#Event",
    ]


def test_the_index_of_kinds_names_each_kind(shared_client: FlaskClient) -> None:
    doc = parse_html(shared_client.get("/id/", headers=HTML).data)
    names = {text_of(row[0]): text_of(row[1]) for row in doc.findall(".//tbody/tr")}
    assert (names["event"], names["transfer"], names["statement"]) == ("event", "arms deal", "statement")


@pytest.fixture(scope="module")
def many_events(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """130 events: 120 dated (a year, a month or a day of 1960–1999), 10 without a date."""
    path = tmp_path_factory.mktemp("many") / "events.nq"
    graph = "<https://w3id.org/kg-mali/graph/many>"
    lines = []
    for n in range(130):
        iri = f"<https://w3id.org/kg-mali/id/event/e{n:03d}>"
        lines.append(f"{iri} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/kg-mali/ontology#Event> {graph} .")
        lines.append(f'{iri} <http://www.w3.org/2000/01/rdf-schema#label> "Event {n:03d}"@en {graph} .')
        year = 1999 - n % 40
        date = (f'"{year}"^^<{XSD}gYear>', f'"{year}-06"^^<{XSD}gYearMonth>', f'"{year}-06-01"^^<{XSD}date>')[n // 40 % 3]
        if n < 120:
            lines.append(f"{iri} <https://w3id.org/kg-mali/ontology#date> {date} {graph} .")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with read_only_client(path) as client:
        yield client


def test_a_long_listing_comes_in_pages_of_a_hundred(many_events: FlaskClient) -> None:
    assert ENTITIES_PER_PAGE == 100
    response = many_events.get("/id/event/", headers=HTML)
    assert response.headers["Link"].endswith('</id/event/?page=2>; rel="next"')
    doc = parse_html(response.data)
    rows = doc.findall(".//main//tbody/tr")
    assert len(rows) == 100
    assert text_of(doc.find(".//p[@id='listing-summary']")).startswith("1–100 of 130 entities (page 1 of 2)")
    # 1960: the year, then June, then 1 June; labels break no tie here.
    assert [text_of(r[1]) for r in rows[:3]] == ["1960", "June 1960", "1 June 1960"]
    assert [text_of(r[0]) for r in rows[:3]] == ["Event 039", "Event 079", "Event 119"]
    assert doc.find(".//head/link[@rel='next']").get("href") == "/id/event/?page=2"
    assert doc.find(".//a[@rel='next']").get("href") == "/id/event/?page=2"

    second = many_events.get("/id/event/?page=2", headers=HTML)
    assert second.headers["Link"].endswith('</id/event/>; rel="prev"')
    doc = parse_html(second.data)
    rows = doc.findall(".//main//tbody/tr")
    assert len(rows) == 30
    assert [text_of(r[1]) for r in rows[-11:]] == ["1 June 1999"] + [""] * 10
    assert doc.find(".//a[@rel='prev']").get("href") == "/id/event/"
    assert doc.find(".//a[@rel='next']") is None


def test_the_json_listing_comes_in_the_same_pages(many_events: FlaskClient) -> None:
    first = many_events.get("/id/event.json").json
    assert (first["total"], first["pages"], len(first["entities"])) == (130, 2, 100)
    assert (first["prev"], first["next"]) == (None, "/id/event.json?page=2")
    second = many_events.get(first["next"]).json
    assert (len(second["entities"]), second["prev"], second["next"]) == (30, "/id/event.json", None)
    assert second["entities"][-1]["date"] is None


@pytest.mark.parametrize(("query", "status"), [("page=0", 400), ("page=two", 400), ("page=3", 404)])
def test_a_page_that_is_not_there(many_events: FlaskClient, query: str, status: int) -> None:
    assert many_events.get(f"/id/event/?{query}").status_code == status


@pytest.mark.parametrize(
    ("value", "datatype", "text", "key"),
    [
        ("1968", "gYear", "1968", (1968, 0, 0)),
        ("1968-11", "gYearMonth", "November 1968", (1968, 11, 0)),
        ("1968-11-19", "date", "19 November 1968", (1968, 11, 19)),
        ("1968-11-19Z", "date", "19 November 1968", (1968, 11, 19)),
        ("2022-01-21T09:01:00", "dateTime", "21 January 2022", (2022, 1, 21)),
    ],
)
def test_a_date_keeps_the_precision_of_its_datatype(value: str, datatype: str, text: str, key: tuple) -> None:
    date = parse_date(Literal(value, datatype=NamedNode(XSD + datatype)))
    assert date is not None and (date.text, date.key) == (text, key)


@pytest.mark.parametrize(("value", "datatype"), [("soon", "date"), ("1968", "string"), ("1968-13", "gYearMonth")])
def test_what_is_no_date_is_left_undated(value: str, datatype: str) -> None:
    assert parse_date(Literal(value, datatype=NamedNode(XSD + datatype))) is None


def test_a_year_sorts_before_its_months_and_days() -> None:
    dates = [EntityDate((1968, 11, 19), "1968-11-19", "day"), EntityDate((1968, 0, 0), "1968", "year")]
    assert [d.value for d in sorted(dates)] == ["1968", "1968-11-19"]


@pytest.mark.parametrize(
    ("name", "heading"),
    [("event", "Events"), ("delivery", "Deliveries"), ("arms deal", "Arms deals"), ("day", "Days"),
     ("equipment category", "Equipment categories"), ("news article", "News articles"), ("box", "Boxes")],
)
def test_plural_headings(name: str, heading: str) -> None:
    assert plural(name) == heading
