"""A small kg-shaped dataset for the web tests, and how much of each thing it holds."""

from dataclasses import dataclass

from kg.namespaces import GRAPH, ID, KGO, ONTOLOGY_GRAPH, RDF, RDFS, XSD

DATA_GRAPH = GRAPH["data"]
INFERRED_GRAPH = GRAPH["inferred"]
COUNTRIES = 20
AGREEMENTS = 100


def kg_quads() -> list[str]:
    """About 500 quads: countries and agreements between them, spread over three named graphs."""
    ontology, data, inferred = (f"<{g}>" for g in (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH))
    rdf_type, label = f"<{RDF.type}>", f"<{RDFS.label}>"
    quads = [
        f"<{KGO.Country}> {rdf_type} <http://www.w3.org/2002/07/owl#Class> {ontology} .",
        f'<{KGO.Country}> {label} "Country"@en {ontology} .',
        f"<{KGO.Agreement}> {rdf_type} <http://www.w3.org/2002/07/owl#Class> {ontology} .",
        f'<{KGO.Agreement}> {label} "Agreement"@en {ontology} .',
    ]
    for i in range(COUNTRIES):
        country = f"<{ID[f'country-{i}']}>"
        quads += [
            f"{country} {rdf_type} <{KGO.Country}> {data} .",
            f'{country} {label} "Pays {i}"@fr {data} .',
            f'{country} {label} "Country {i}"@en {data} .',
        ]
    for i in range(AGREEMENTS):
        agreement = f"<{ID[f'agreement-{i}']}>"
        quads += [
            f"{agreement} {rdf_type} <{KGO.Agreement}> {data} .",
            f'{agreement} {label} "Agreement {i}" {data} .',
            f"{agreement} <{KGO.partner}> <{ID[f'country-{i % COUNTRIES}']}> {data} .",
            f'{agreement} <{KGO.signedOn}> "{1990 + i % 30}-01-01"^^<{XSD.date}> {data} .',
            f"{agreement} {rdf_type} <{KGO.Event}> {inferred} .",
        ]
    return quads


@dataclass(frozen=True)
class Shape:
    """How much of each thing the test data holds, for exact expectations."""

    quads: int = len(kg_quads())
    countries: int = COUNTRIES
    agreements: int = AGREEMENTS  # also the size of the inferred graph
    ontology: int = 4  # quads in the ontology graph
