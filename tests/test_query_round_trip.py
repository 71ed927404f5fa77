"""`kg query` gives back every character in each of its machine formats (json, csv, tsv, turtle),
read back by parsers that are not pyoxigraph's (json, csv, rdflib)."""

import csv
import io
import json

import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import main

pytestmark = pytest.mark.usefixtures("fixture_project")

SUBJECT, PREDICATE = "http://example.org/s", "http://example.org/p"
TEXTS = [
    "carriage\rreturn, crlf\r\n, line\nfeed, tab\t",
    "quotes ' \" ''' and \"\"\", backslash \\, comma, semicolon;",
    "<&> ]]> &amp;",
    "line separator \u2028, paragraph \u2029, next line \u0085",
    "astral \U0001f600 \U00010348, controls \x01\x1f\x7f\ufffe",
    "",
]
LANGUAGE_TAGGED = ("été\r\n", "fr")


def _literal(text: str) -> str:
    return '"' + "".join(f"\\U{ord(c):08X}" for c in text) + '"'


LITERALS = [_literal(t) for t in TEXTS] + [f"{_literal(LANGUAGE_TAGGED[0])}@fr"]
VALUES = f"VALUES ?x {{ {' '.join(LITERALS)} }}"
SELECT = f"SELECT ?x {{ {VALUES} }}"
CONSTRUCT = f"CONSTRUCT {{ <{SUBJECT}> <{PREDICATE}> ?x }} WHERE {{ {VALUES} }}"
EXPECTED = {rdflib.Literal(t) for t in TEXTS} | {rdflib.Literal(LANGUAGE_TAGGED[0], lang="fr")}


def _output(query: str, fmt: str) -> str:
    result = CliRunner().invoke(main, ["query", "--format", fmt, query])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


def test_json() -> None:
    bindings = json.loads(_output(SELECT, "json"))["results"]["bindings"]
    assert {rdflib.Literal(b["x"]["value"], lang=b["x"].get("xml:lang")) for b in bindings} == (
        EXPECTED
    )


def test_csv() -> None:
    # The empty string's row is `""`: a blank line, as pyoxigraph writes it, readers skip.
    rows = list(csv.reader(io.StringIO(_output(SELECT, "csv"), newline="")))
    assert rows[0] == ["x"]
    assert sorted(value for [value] in rows[1:]) == sorted([*TEXTS, LANGUAGE_TAGGED[0]])


def test_tsv() -> None:
    output = _output(SELECT, "tsv")
    # One column: a tab or a CR in the output would be a literal's, unescaped.
    assert "\t" not in output and "\r" not in output
    lines = output.split("\n")
    assert (lines[0], lines[-1]) == ("?x", "")
    cells = lines[1:-1]
    document = "".join(f"<{SUBJECT}> <{PREDICATE}> {cell} .\n" for cell in cells)
    assert set(rdflib.Graph().parse(data=document, format="nt").objects()) == EXPECTED
    assert len(cells) == len(EXPECTED)


def test_turtle() -> None:
    graph = rdflib.Graph().parse(data=_output(CONSTRUCT, "turtle"), format="turtle")
    assert set(graph.objects()) == EXPECTED
