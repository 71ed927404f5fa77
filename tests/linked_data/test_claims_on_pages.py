"""Who says so, on the pages: the "According to" section, deliveries and quantities as read."""

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient

from pages import hrefs, parse_html, text_of


def section(client: FlaskClient, path: str, labelled_by: str) -> ET.Element:
    response = client.get(path, headers={"Accept": "text/html"})
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8")
    found = parse_html(response.data).find(f".//section[@aria-labelledby='{labelled_by}']")
    assert found is not None, (path, labelled_by)
    return found


def fact_rows(facts: ET.Element) -> list[tuple[str, str]]:
    """(property, value) of each row of a Facts table, as a reader sees them."""
    return [
        (text_of(row.find("th")), text_of(row.findall("td")[0]))
        for row in facts.findall(".//tbody/tr")
    ]


def test_a_fact_in_the_authors_voice_is_claimed_by_the_author(client: FlaskClient) -> None:
    according = section(client, "/id/transfer/1961-btr-40", "according-h")
    assert text_of(according) == "According to (selon) Claimed by Madiba Keïta."
    assert list(hrefs(according)) == ["/id/person/madiba-keita"]


def test_a_fact_resting_on_a_statement_names_the_statement_its_speaker_and_date(
    client: FlaskClient,
) -> None:
    according = section(client, "/id/transfer/2021-russian-equipment-pledge", "according-h")
    assert text_of(according) == (
        "According to (selon) Claimed by Sergey Lavrov. Rests on: Lavrov: equipment for Mali's"
        " government, said by Sergey Lavrov on 2021-11-11"
    )
    assert list(hrefs(according)) == [
        "/id/person/sergey-lavrov",
        "/id/statement/2021-11-11-lavrov-equipment",
        "/id/person/sergey-lavrov",
    ]


def test_a_statement_page_lists_the_facts_it_asserts(client: FlaskClient) -> None:
    according = section(client, "/id/statement/2021-11-11-lavrov-equipment", "according-h")
    # The statement itself is the author's report that the minister said it.
    assert text_of(according.find(".//p[@class='claimed-by']")) == "Claimed by Madiba Keïta."
    asserts = according.find(".//ul[@class='asserts']")
    assert [text_of(li) for li in asserts.iter("li")] == [
        "Russia intends to provide equipment to Mali's government",
        "unknown: « un certain nombre »",
        "2021: equipment pledged by Russia to Mali's government",
    ]
    assert list(hrefs(asserts)) == [
        "/id/event/2021-11-11-russia-commits-to-provide-equipment",
        "/id/quantity/2021-russian-equipment-pledge-ordered",
        "/id/transfer/2021-russian-equipment-pledge",
    ]


def test_a_deal_links_its_deliveries_and_a_delivery_its_deal(client: FlaskClient) -> None:
    deal = section(client, "/id/transfer/1961-btr-40", "facts-h")
    assert "/id/delivery/1961-btr-40" in set(hrefs(deal))
    assert ("delivery", "Delivery of 15 BTR-40 (1961)") in fact_rows(deal)
    delivery = section(client, "/id/delivery/1961-btr-40", "facts-h")
    assert "/id/transfer/1961-btr-40" in set(hrefs(delivery))
    assert ("delivery of", "1961: 15 BTR-40 from the USSR to Mali") in fact_rows(delivery)


def test_quantities_read_as_number_precision_and_basis(client: FlaskClient) -> None:
    delivery = section(client, "/id/delivery/1961-btr-40", "facts-h")
    assert fact_rows(delivery) == [
        ("date basis", "stated"),
        ("delivery of", "1961: 15 BTR-40 from the USSR to Mali"),
        ("delivery year", "1961 xsd:gYear"),
        ("number delivered", "15 (exact, stated)"),
    ]
    war = section(client, "/id/event/1985-war-mali-burkina-faso", "facts-h")
    assert ("death toll", "200 (approximate, stated): « près de 200 »") in fact_rows(war)
    pledge = section(client, "/id/transfer/2021-russian-equipment-pledge", "facts-h")
    assert ("number ordered", "unknown: « un certain nombre »") in fact_rows(pledge)
    toll = section(client, "/id/quantity/1985-war-death-toll", "quantity-h")
    assert text_of(toll) == "Quantity 200 (approximate, stated): « près de 200 »"
