"""Writing query results as bytes in the query worker, so an answer is whole before HTTP starts.

pyoxigraph serializes a whole result iterator and cannot stop at a row count, so SPARQL result
documents (JSON, XML, CSV, TSV) are written here from the rows kept; RDF graphs, which pyoxigraph
serializes from any list of triples, are handed to it.
"""

import csv
import io
import json
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from kg.namespaces import PREFIXES

Term = NamedNode | BlankNode | Literal | Triple
Row = Sequence[Term | None]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


def boolean_document(value: bool, format_name: str) -> bytes:
    """An ASK answer in JSON or XML."""
    if format_name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    return (
        f'<?xml version="1.0"?>\n<sparql xmlns="{_RESULTS_NS}"><head/>'
        f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
    ).encode()


def solutions_document(
    variables: Sequence[str], rows: Sequence[Row], format_name: str, link: str | None = None
) -> bytes:
    """A SELECT answer; `link` (the truncation notice) goes into the JSON and XML heads."""
    return _SOLUTION_WRITERS[format_name](variables, rows, link)


def graph_document(
    triples: Sequence[Triple],
    format_name: str,
    note: str | None = None,
    prefixes: dict[str, str] = PREFIXES,
) -> bytes:
    """A CONSTRUCT/DESCRIBE answer; `note` becomes a leading comment where the syntax has one."""
    rdf_format = _RDF_FORMATS[format_name]
    if rdf_format in (RdfFormat.TRIG, RdfFormat.N_QUADS):
        # Quad syntaxes take quads: the result graph is the default graph.
        triples = [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples]
    # Prefixes make Turtle, TriG and RDF/XML readable; the line formats have none.
    used = prefixes if rdf_format in _PREFIXED else None
    body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=used)
    if note and rdf_format in _COMMENTABLE:
        body = f"# {note}\n".encode() + body
    return body


_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
    "trig": RdfFormat.TRIG,
    "nquads": RdfFormat.N_QUADS,
}
_COMMENTABLE = frozenset({RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.TRIG, RdfFormat.N_QUADS})
_PREFIXED = frozenset({RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML})


def _json_solutions(variables: Sequence[str], rows: Sequence[Row], link: str | None) -> bytes:
    head: dict[str, object] = {"vars": list(variables)}
    if link:
        head["link"] = [link]
    bindings = [
        {
            name: _json_term(term)
            for name, term in zip(variables, row, strict=True)
            if term is not None
        }
        for row in rows
    ]
    return json.dumps(
        {"head": head, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode()


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_solutions(variables: Sequence[str], rows: Sequence[Row], link: str | None) -> bytes:
    out = [f'<?xml version="1.0"?>\n<sparql xmlns="{_RESULTS_NS}">\n<head>']
    out.extend(f"<variable name={quoteattr(name)}/>" for name in variables)
    if link:
        out.append(f"<link href={quoteattr(link)}/>")
    out.append("</head>\n<results>\n")
    for row in rows:
        out.append("<result>")
        for name, term in zip(variables, row, strict=True):
            if term is not None:
                out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode()


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING):
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_solutions(variables: Sequence[str], rows: Sequence[Row], link: str | None) -> bytes:
    # SPARQL 1.1 CSV: plain values (IRIs bare, literals by lexical form), RFC 4180 quoting, CRLF.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(term) for term in row] for row in rows)
    return buffer.getvalue().encode()


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Triple):
        return str(term)
    return term.value


def _tsv_solutions(variables: Sequence[str], rows: Sequence[Row], link: str | None) -> bytes:
    # SPARQL 1.1 TSV: terms in N-Triples syntax, whose escapes keep tabs and newlines out of cells.
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


_SOLUTION_WRITERS: dict[str, Callable[[Sequence[str], Sequence[Row], str | None], bytes]] = {
    "json": _json_solutions,
    "xml": _xml_solutions,
    "csv": _csv_solutions,
    "tsv": _tsv_solutions,
}
