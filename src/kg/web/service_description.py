"""The SPARQL 1.1 Service Description of the endpoint: what a GET without a query answers."""

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.dataset import DatasetInfo
from kg.namespaces import BASE, PREFIXES, SH
from kg.web.negotiation import FORMATS
from kg.web.settings import Settings

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
XSD_ANY_URI = NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
SIMPLE_ENTAILMENT = NamedNode("http://www.w3.org/ns/entailment/Simple")
TRUNCATION_FRAGMENT = "#results-truncated"

DESCRIPTION_PREFIXES = {
    "sd": SD,
    "sh": SH,
    "formats": "http://www.w3.org/ns/formats/",
    "rdfs": PREFIXES["rdfs"],
    "xsd": PREFIXES["xsd"],
}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def service_description(endpoint: str, dataset: DatasetInfo, settings: Settings) -> list[Triple]:
    """The description as triples; `endpoint` is the URL the request reached."""
    service = NamedNode(endpoint)
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, RDFS_LABEL, Literal("kg-mali SPARQL endpoint (read-only)")),
        Triple(
            service,
            RDFS_COMMENT,
            Literal(
                "Read-only SPARQL 1.1 Query endpoint over a knowledge graph of Mali's military "
                "cooperation. The default graph is the union of all named graphs. A query may "
                f"run {settings.query_timeout:g} s (then 503); answers hold at most "
                f"{settings.max_rows} rows (more are cut and flagged with the X-KG-Truncated "
                "header). SPARQL Update, LOAD and SERVICE are refused. Queries speak the data's "
                f"canonical IRIs: relative IRIs resolve against {BASE}, and answers name "
                "resources by them, whatever base the site's pages publish."
            ),
        ),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL10Query")),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(service, _sd("defaultEntailmentRegime"), SIMPLE_ENTAILMENT),
    ]
    formats = dict.fromkeys(f.w3c_iri for kind_formats in FORMATS.values() for f in kind_formats)
    triples.extend(Triple(service, _sd("resultFormat"), NamedNode(iri)) for iri in formats)
    triples.extend(_default_dataset(service, dataset))
    triples.extend(_prefix_declarations(service))
    truncated = NamedNode(endpoint + TRUNCATION_FRAGMENT)
    triples.append(
        Triple(
            truncated,
            RDFS_COMMENT,
            Literal(
                f"A result document linking here was cut at {settings.max_rows} rows, the "
                "endpoint's limit; page through it with ORDER BY, LIMIT and OFFSET."
            ),
        )
    )
    return triples


def _default_dataset(service: NamedNode, dataset: DatasetInfo) -> list[Triple]:
    description, default_graph = BlankNode(), BlankNode()
    triples = [
        Triple(service, _sd("defaultDataset"), description),
        Triple(description, RDF_TYPE, _sd("Dataset")),
        Triple(description, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
        Triple(default_graph, RDFS_COMMENT, Literal("The union of all named graphs.")),
    ]
    for name in dataset.named_graphs:
        named = BlankNode()
        triples += [
            Triple(description, _sd("namedGraph"), named),
            Triple(named, RDF_TYPE, _sd("NamedGraph")),
            Triple(named, _sd("name"), NamedNode(name)),
        ]
    return triples


def _prefix_declarations(service: NamedNode) -> list[Triple]:
    # Queries may use these prefixes undeclared; SHACL's sh:declare is how endpoints list them.
    triples = []
    for prefix, namespace in PREFIXES.items():
        declaration = BlankNode()
        triples += [
            Triple(service, NamedNode(SH + "declare"), declaration),
            Triple(declaration, NamedNode(SH + "prefix"), Literal(prefix)),
            Triple(
                declaration, NamedNode(SH + "namespace"), Literal(namespace, datatype=XSD_ANY_URI)
            ),
        ]
    return triples
