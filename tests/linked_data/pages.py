"""Reading the site's HTML as a strict HTML5 parser does, and RDF as RDF clients do."""

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import html5rdf
import pyoxigraph
import rdflib
from flask.testing import FlaskClient

BASE = "https://w3id.org/kg-mali/"

_PARSER = html5rdf.HTMLParser(strict=True, namespaceHTMLElements=False)


def parse_html(body: bytes) -> ET.Element:
    """The document's tree; html5rdf.ParseError on any HTML5 parse error (strict mode)."""
    return _PARSER.parse(body)


def text_of(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def hrefs(document: ET.Element) -> Iterator[str]:
    for tag in ("a", "link"):
        for element in document.iter(tag):
            href = element.get("href")
            if href:
                yield href


def ids(document: ET.Element) -> list[str]:
    return [e.get("id") for e in document.iter() if e.get("id")]  # type: ignore[misc]


def rdf_graph(client: FlaskClient, body: bytes, fmt: str) -> rdflib.Dataset:
    """Parse an answer; JSON-LD's context comes from the app, as a client would fetch it."""
    dataset = rdflib.Dataset()
    if fmt == "json-ld":
        document = json.loads(body)
        context = document.get("@context")
        if isinstance(context, str):
            assert context == "http://localhost/context.jsonld", context
            document["@context"] = json.loads(client.get("/context.jsonld").data)["@context"]
        body = json.dumps(document).encode()
    dataset.parse(data=body, format=fmt)
    return dataset


RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


def arms_deals(store: pyoxigraph.Store) -> set[str]:
    """The IRIs typed kgo:ArmsDeal, in any graph: what the tables and lists must show."""
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    transfer = pyoxigraph.NamedNode(BASE + "ontology#ArmsDeal")
    return {q.subject.value for q in store.quads_for_pattern(None, rdf_type, transfer, None)}


def graph_size(store: pyoxigraph.Store, name: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(name)))
