"""Every format the endpoint answers in gives back every character it was given.

Each answer is read back by a parser that is not the writer under test (json, xml.etree, csv;
rdflib for the RDF syntaxes) and compared exactly with what the query bound.
"""

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
import rdflib
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SUBJECT, PREDICATE = "http://example.org/s", "http://example.org/p"

# (lexical form, language, datatype): what each answer must carry back, character for character.
Value = tuple[str, str | None, str]
VALUES: list[Value] = [
    ("carriage\rreturn", None, XSD_STRING),
    ("line\nfeed", None, XSD_STRING),
    ("crlf\r\nand a lone\r", None, XSD_STRING),
    ("tab\there", None, XSD_STRING),
    ("quotes ' and \" and '''", None, XSD_STRING),
    ("<&> and ]]> and &amp;", None, XSD_STRING),
    ("comma, semicolon; backslash \\", None, XSD_STRING),
    ("line separator \u2028, paragraph \u2029, next line \u0085", None, XSD_STRING),
    ("astral \U0001f600 and \U00010348", None, XSD_STRING),
    ("delete \x7f and C1 controls \x80\x9f, which XML 1.0 allows", None, XSD_STRING),
    ("  leading and trailing spaces  ", None, XSD_STRING),
    ("", None, XSD_STRING),
    ("été\r\n", "fr", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"),
    ("42", None, XSD_INTEGER),
]
IRI = "http://example.org/a&b?c=d#\U0001f600"


def _sparql_literal(value: Value) -> str:
    text, language, datatype = value
    escaped = "".join(f"\\U{ord(c):08X}" for c in text)  # escapes: the text travels as ASCII
    suffix = f"@{language}" if language else f"^^<{datatype}>"
    return f'"{escaped}"{suffix}'


def _values(values: list[Value]) -> str:
    return f"VALUES ?x {{ {' '.join(_sparql_literal(value) for value in values)} }}"


def _select(values: list[Value]) -> str:
    return f"SELECT ?x ?i {{ {_values(values)} BIND(<{IRI}> AS ?i) }}"


def _construct(values: list[Value]) -> str:
    return f"CONSTRUCT {{ <{SUBJECT}> <{PREDICATE}> ?x, <{IRI}> }} WHERE {{ {_values(values)} }}"


SELECT, CONSTRUCT = _select(VALUES), _construct(VALUES)


def _get(client: FlaskClient, query: str, fmt: str) -> TestResponse:
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _expected_terms() -> set[Value]:
    return {*VALUES, (IRI, None, "uri")}


def test_json_results(endpoint: FlaskClient) -> None:
    rows = json.loads(_get(endpoint, SELECT, "json").data)["results"]["bindings"]
    terms = {
        (term["value"], term.get("xml:lang"), term.get("datatype", XSD_STRING))
        if term["type"] == "literal"
        else (term["value"], None, term["type"])
        for row in rows
        for term in row.values()
    }
    assert terms == _fixed_lang_strings(_expected_terms())


def test_xml_results(endpoint: FlaskClient) -> None:
    document = ET.fromstring(_get(endpoint, SELECT, "xml").data)
    terms: set[Value] = set()
    for binding in document.iter(f"{RESULTS_NS}binding"):
        [term] = list(binding)
        if term.tag == f"{RESULTS_NS}uri":
            terms.add((term.text or "", None, "uri"))
        else:
            terms.add((term.text or "", term.get(XML_LANG), term.get("datatype", XSD_STRING)))
    assert terms == _fixed_lang_strings(_expected_terms())


def test_csv_results(endpoint: FlaskClient) -> None:
    body = _get(endpoint, SELECT, "csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["x", "i"]
    # CSV carries lexical forms only: no language, no datatype, IRIs bare.
    assert sorted(rows[1:]) == sorted([text, IRI] for text, _, _ in VALUES)
    assert body.startswith("x,i\r\n")  # records end in CRLF (RFC 4180)


def test_tsv_results(endpoint: FlaskClient) -> None:
    body = _get(endpoint, SELECT, "tsv").get_data(as_text=True)
    lines = body.split("\n")
    assert lines[0] == "?x\t?i" and lines[-1] == ""
    # Cells are terms in N-Triples syntax: tabs, newlines and carriage returns come escaped.
    assert "\r" not in body and all(line.count("\t") == 1 for line in lines[:-1])
    terms: set[Value] = set()
    for line in lines[1:-1]:
        literal, iri = (_ntriples_term(cell) for cell in line.split("\t"))
        assert iri == rdflib.URIRef(IRI)
        assert isinstance(literal, rdflib.Literal)
        terms.add(_value(literal))
    assert terms == _fixed_lang_strings(set(VALUES))


# (the endpoint's name for an RDF syntax, rdflib's)
NOT_XML_SYNTAXES = [
    ("turtle", "turtle"),
    ("ntriples", "nt"),
    ("nquads", "nquads"),
    ("trig", "trig"),
    ("jsonld", "json-ld"),
]


@pytest.mark.parametrize(("fmt", "rdflib_format"), [*NOT_XML_SYNTAXES, ("rdfxml", "xml")])
def test_rdf_syntaxes(endpoint: FlaskClient, fmt: str, rdflib_format: str) -> None:
    dataset = rdflib.Dataset()
    dataset.parse(data=_get(endpoint, CONSTRUCT, fmt).data, format=rdflib_format)
    objects = {o for _, _, o, _ in dataset.quads((None, None, None, None))}
    assert rdflib.URIRef(IRI) in objects
    literals = {_value(o) for o in objects if isinstance(o, rdflib.Literal)}
    assert literals == _fixed_lang_strings(set(VALUES))


def _ntriples_term(cell: str) -> rdflib.term.Node:
    graph = rdflib.Graph().parse(data=f"<{SUBJECT}> <{PREDICATE}> {cell} .\n", format="nt")
    [term] = graph.objects()
    return term


def _value(literal: rdflib.Literal) -> Value:
    datatype = str(literal.datatype) if literal.datatype else XSD_STRING
    return (str(literal), literal.language, datatype)


def _fixed_lang_strings(values: set[Value]) -> set[Value]:
    # Formats name a language-tagged string by its language, not by rdf:langString.
    return {(text, lang, XSD_STRING if lang else datatype) for text, lang, datatype in values}


# What XML 1.0 cannot hold, not even as a character reference: C0 controls but tab, LF and CR,
# and U+FFFE, U+FFFF. Those answers are refused in XML (406, saying why) and sent in the others.
NOT_XML = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"]


@pytest.mark.parametrize("character", NOT_XML, ids=[f"U+{ord(c):04X}" for c in NOT_XML])
@pytest.mark.parametrize(("form", "fmt"), [(_select, "xml"), (_construct, "rdfxml")])
def test_xml_refuses_what_xml_cannot_hold(
    endpoint: FlaskClient, character: str, form: Callable[[list[Value]], str], fmt: str
) -> None:
    query = form([(f"a{character}b", None, XSD_STRING)])
    response = endpoint.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 406
    assert f"the control character U+{ord(character):04X}, which XML 1.0 cannot carry" in (
        response.get_json()["error"]["message"]
    )


def test_the_other_formats_carry_what_xml_cannot(endpoint: FlaskClient) -> None:
    text = "".join(NOT_XML)
    select, construct = _select([(text, None, XSD_STRING)]), _construct([(text, None, XSD_STRING)])
    [row] = json.loads(_get(endpoint, select, "json").data)["results"]["bindings"]
    assert row["x"]["value"] == text
    body = _get(endpoint, select, "csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(body, newline=""))) == [["x", "i"], [text, IRI]]
    tsv_cell = _get(endpoint, select, "tsv").get_data(as_text=True).split("\n")[1].split("\t")[0]
    assert _ntriples_term(tsv_cell) == rdflib.Literal(text)
    for fmt, rdflib_format in NOT_XML_SYNTAXES:
        dataset = rdflib.Dataset()
        dataset.parse(data=_get(endpoint, construct, fmt).data, format=rdflib_format)
        objects = {o for _, _, o, _ in dataset.quads((None, None, None, None))}
        assert objects == {rdflib.Literal(text), rdflib.URIRef(IRI)}, fmt
