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
from pages import arms_transfers

COLUMNS = [
    "supplier",
    "recipient",
    "designation",
    "description",
    "number_delivered",
    "delivery_year",
    "status",
    "comments",
    "source",
    "evidence",
    "transfer",
]


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_web_table(client: FlaskClient, built_store: pyoxigraph.Store) -> None:
    response = client.get("/transfers.csv")
    assert (response.status_code, response.content_type) == (200, "text/csv; charset=utf-8")
    assert response.headers["Content-Disposition"] == 'attachment; filename="kg-mali-transfers.csv"'
    assert response.data.split(b"\r\n", 1)[0].decode() == ",".join(COLUMNS)
    rows = _rows(response.data)
    assert sorted(row["transfer"] for row in rows) == sorted(arms_transfers(built_store))
    first = rows[0]
    assert (
        first["supplier"],
        first["recipient"],
        first["designation"],
        first["number_delivered"],
        first["delivery_year"],
    ) == ("Union of Soviet Socialist Republics", "Mali", "BTR-40", "15", "1961")
    assert first["evidence"].startswith("l’Union soviétique a livré 15 blindés")
    assert "L'Essor" in first["source"]


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
