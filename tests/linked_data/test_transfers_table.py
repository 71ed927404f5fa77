"""The transfers table: one named query, two doors (`kg transfers` and /transfers.csv)."""

import csv
import io
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kg.build import open_build
from kg.cli import main
from kg.project import query_dir
from kg.querying import get_named_query
from pages import arms_deals

# SIPRI's Trade Register columns in its order (the CSV export of its register, less the TIV
# columns we cannot compute), then ours. SIPRI's "status" is the equipment's condition (New,
# Second hand…); where the deal stands (pledged, delivered…) is ours, "deal_stage".
COLUMNS = [
    "recipient",
    "supplier",
    "year_of_order",
    "number_ordered",
    "weapon_designation",
    "weapon_description",
    "number_delivered",
    "years_of_delivery",
    "status",
    "comments",
    "deal_stage",
    "evidence",
    "source",
    "deal",
]

USSR = "Union of Soviet Socialist Republics"
# One row per deal: ".." is an unknown number or condition, brackets an uncertain year (carried
# over from another clause, or resolved from "du mois dernier") or number (the S-125M's "3
# missiles" read as 3 systems); then our deal stage. Only the acquisitions after 2020 say their
# condition: "équipements neufs".
REGISTER = [
    ("Mali", USSR, "..", "..", "BTR-40", "armoured personnel carrier", "15", "1961", "..", "delivered", "1961-btr-40"),
    ("Mali", USSR, "..", "..", "T-34-85", "tank", "10", "1963", "..", "delivered", "1963-t-34-85"),
    ("Mali", USSR, "..", "..", "BRDM-2", "reconnaissance vehicle", "20", "1975", "..", "delivered", "1975-brdm-2"),
    ("Mali", USSR, "..", "..", "S-125M/SA-3B", "surface-to-air missile system", "(3)", "(1981)", "..", "delivered", "1981-s-125m"),
    ("Mali", USSR, "..", "..", "SON-9", "fire-control radar", "1", "1981", "..", "delivered", "1981-son-9"),
    ("Mali", USSR, "..", "..", "T-34-85", "tank", "20", "(1981)", "..", "delivered", "1981-t-34-85"),
    ("Mali", USSR, "..", "..", "V-60/SA-3B", "surface-to-air missile", "100", "(1981)", "..", "delivered", "1981-v-60"),
    ("Mali", USSR, "..", "..", "P-10", "radar", "3", "1983", "..", "delivered", "1983-p-10"),
    ("Mali", "Russia", "..", "..", "", "military equipment", "..", "(2021)", "..", "delivered", "2021-10-first-russian-deliveries"),
    ("Mali", "Russia", "..", "..", "", "military equipment", "", "", "..", "requested", "2021-mali-equipment-request"),
    ("Mali", "Russia", "..", "..", "", "military equipment", "", "", "..", "in preparation", "2021-pending-russian-deliveries"),
    ("Mali", "Russia", "..", "..", "", "military equipment", "", "", "..", "pledged", "2021-russian-equipment-pledge"),
    ("Mali", "Russia", "..", "..", "", "combat helicopter", "", "", "New", "acquired", "after-2020-combat-helicopters"),
    ("Mali", "Russia", "..", "..", "", "military equipment", "", "", "New", "acquired", "after-2020-other-war-materiel"),
]


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_web_table(client: FlaskClient, built_store: pyoxigraph.Store) -> None:
    response = client.get("/transfers.csv")
    assert (response.status_code, response.content_type) == (200, "text/csv; charset=utf-8")
    assert response.headers["Content-Disposition"] == 'attachment; filename="kg-mali-transfers.csv"'
    assert response.data.split(b"\r\n", 1)[0].decode() == ",".join(COLUMNS)
    rows = _rows(response.data)
    assert sorted(row["deal"] for row in rows) == sorted(arms_deals(built_store))
    assert [
        (*(row[column] for column in COLUMNS[:9]), row["deal_stage"], row["deal"].rsplit("/", 1)[1])
        for row in rows
    ] == REGISTER
    first = rows[0]
    assert first["comments"] == "As written: blindés\xa0BTR-40"
    assert {row["source"] for row in rows} == {first["source"]}  # the article, never the curation
    assert first["evidence"] == "l’Union soviétique a livré 15 blindés\xa0BTR-40 au Mali\xa0 en\xa01961"
    assert first["source"] == (
        "Mali–Russia: military cooperation, past and present (L'Essor, 21 January 2022)"
        " <https://w3id.org/kg-mali/id/source/essor-2022-01-21-mali-russie>"
    )


def test_comments_say_how_the_supplier_was_reached(client: FlaskClient) -> None:
    """SIPRI's Comments column carries our supplierBasis, as-written words and editorial notes."""
    by_deal = {row["deal"].rsplit("/", 1)[1]: row for row in _rows(client.get("/transfers.csv").data)}
    assert by_deal["1981-s-125m"]["comments"].startswith(
        "Supplier carried over. As written: missiles air-sol\xa0S-125M/SA-3B. "
    )
    assert by_deal["2021-mali-equipment-request"]["comments"].startswith(
        "Supplier inferred from context. As written: équipements militaires. "
    )


def test_the_command_writes_the_same_bytes(apps_over, tmp_path: Path) -> None:
    # Over the same store: GROUP_CONCAT joins in the order the store yields, which differs
    # between the build's store on disk and a copy in memory.
    client = apps_over(open_build().store_path).test_client()
    stdout = CliRunner().invoke(main, ["transfers"])
    assert stdout.exit_code == 0, stdout.output
    assert stdout.stdout_bytes == client.get("/transfers.csv").data
    target = tmp_path / "t.csv"
    assert CliRunner().invoke(main, ["transfers", "-o", str(target)]).exit_code == 0
    assert target.read_bytes() == stdout.stdout_bytes


def test_both_run_the_named_query(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Change queries/transfers-register.rq and the served table changes with it."""
    queries = tmp_path / "queries"
    shutil.copytree(query_dir(), queries)
    register = queries / "transfers-register.rq"
    register.write_text(register.read_text(encoding="utf-8") + "LIMIT 2\n", encoding="utf-8")
    monkeypatch.setenv("KG_ROOT", str(tmp_path))
    assert get_named_query("transfers-register").path == register
    assert len(_rows(client.get("/transfers.csv").data)) == 2
