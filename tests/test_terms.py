"""kg.terms: rdflib and pyoxigraph terms converted both ways, strings as rdflib reads them."""

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import XSD

from kg.terms import dataset_from_store, oxigraph_quads, store_from_dataset, to_oxigraph, to_rdflib

EX = "http://example.org/"


@pytest.mark.parametrize(
    ("rdflib_term", "oxigraph_term"),
    [
        (URIRef(EX + "s"), pyoxigraph.NamedNode(EX + "s")),
        (BNode("b0"), pyoxigraph.BlankNode("b0")),
        (Literal("x"), pyoxigraph.Literal("x")),
        (Literal("Bamako", lang="fr"), pyoxigraph.Literal("Bamako", language="fr")),
        (
            Literal("1975", datatype=XSD.gYear),
            pyoxigraph.Literal("1975", datatype=pyoxigraph.NamedNode(str(XSD.gYear))),
        ),
    ],
    ids=["iri", "blank-node", "string", "language-tagged", "typed"],
)
def test_terms_go_both_ways_unchanged(rdflib_term, oxigraph_term):
    assert to_oxigraph(rdflib_term) == oxigraph_term
    assert to_rdflib(oxigraph_term) == rdflib_term


def test_a_string_typed_as_xsd_string_comes_back_plain_as_rdflib_reads_it():
    typed = pyoxigraph.Literal("x", datatype=pyoxigraph.NamedNode(str(XSD.string)))

    assert to_oxigraph(Literal("x", datatype=XSD.string)) == typed
    assert to_rdflib(typed) == Literal("x")
    assert to_rdflib(typed).datatype is None


def test_a_quoted_triple_has_no_rdflib_term():
    s, p = pyoxigraph.NamedNode(EX + "s"), pyoxigraph.NamedNode(EX + "p")
    quoted = pyoxigraph.Triple(s, p, pyoxigraph.Literal("o"))

    with pytest.raises(TypeError, match="rdflib has no term for"):
        to_rdflib(quoted)


def test_a_dataset_goes_to_a_store_and_back_with_its_graphs():
    dataset = Dataset()
    dataset.graph(URIRef(EX + "g1")).add((URIRef(EX + "s"), URIRef(EX + "p"), Literal("x")))
    dataset.graph(URIRef(EX + "g2")).add((URIRef(EX + "s"), URIRef(EX + "p"), Literal(3)))

    back = dataset_from_store(store_from_dataset(dataset))

    assert set(back.quads((None, None, None, None))) == {
        (URIRef(EX + "s"), URIRef(EX + "p"), Literal("x"), URIRef(EX + "g1")),
        (URIRef(EX + "s"), URIRef(EX + "p"), Literal(3), URIRef(EX + "g2")),
    }


def test_triples_become_quads_in_the_graph_named():
    triples = [(URIRef(EX + "s"), URIRef(EX + "p"), Literal(v)) for v in ("x", "y")]

    quads = list(oxigraph_quads(triples, URIRef(EX + "g")))

    s, p, g = (pyoxigraph.NamedNode(EX + name) for name in ("s", "p", "g"))
    assert quads == [pyoxigraph.Quad(s, p, pyoxigraph.Literal(v), g) for v in ("x", "y")]
