"""Counting the dataset: per graph, per class, per property."""

import json
from pathlib import Path

import pyoxigraph
import pytest

from kg.errors import UnsupportedFormat
from kg.loading import load_dataset
from kg.stats import DatasetStats, compute_stats, format_stats
from kg.terms import store_from_dataset

PROJECT = Path(__file__).parent / "fixtures" / "project"
KG = "https://w3id.org/kg-mali/"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"

EXPECTED = DatasetStats(
    statements=27,
    triples=25,
    graphs={KG + "graph/ontology": 12, KG + "graph/essor-2021-09-30": 9,
            KG + "graph/tass-2021-10-01": 6},
    classes={OWL + "Class": 2, KG + "ontology#Country": 2, OWL + "DatatypeProperty": 1,
             OWL + "ObjectProperty": 1, OWL + "Ontology": 1, PROV + "Entity": 1,
             KG + "ontology#Agreement": 1},
    properties={"http://www.w3.org/1999/02/22-rdf-syntax-ns#type": 9, RDFS + "label": 8,
                RDFS + "domain": 2, RDFS + "range": 2, KG + "ontology#party": 2,
                PROV + "wasDerivedFrom": 1, KG + "ontology#signedOn": 1},
)


@pytest.fixture(scope="module")
def stats() -> DatasetStats:
    loaded = load_dataset(sorted((PROJECT / "ontology").glob("*.ttl")),
                          sorted((PROJECT / "data").glob("*.trig")))
    return compute_stats(store_from_dataset(loaded.dataset))


def test_counts_per_graph_class_and_property_largest_first(stats):
    assert stats == EXPECTED
    assert list(stats.classes) == list(EXPECTED.classes)
    assert list(stats.properties) == list(EXPECTED.properties)


def test_a_non_empty_default_graph_is_counted_under_default():
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://example.org/a"),
                              pyoxigraph.NamedNode("http://example.org/p"),
                              pyoxigraph.Literal("x")))

    assert compute_stats(store).graphs == {"default": 1}


def test_stats_as_text(stats):
    assert format_stats(stats, "text") == """\
25 triples (27 statements in 3 graphs)

graph                   triples
----------------------  -------
graph:ontology               12
graph:essor-2021-09-30        9
graph:tass-2021-10-01         6

class                 entities
--------------------  --------
owl:Class                    2
kgo:Country                  2
owl:DatatypeProperty         1
owl:ObjectProperty           1
owl:Ontology                 1
prov:Entity                  1
kgo:Agreement                1

property             triples
-------------------  -------
rdf:type                   9
rdfs:label                 8
rdfs:domain                2
rdfs:range                 2
kgo:party                  2
prov:wasDerivedFrom        1
kgo:signedOn               1
"""


def test_stats_as_json(stats):
    assert json.loads(format_stats(stats, "json")) == {
        "statements": 27,
        "triples": 25,
        "graphs": EXPECTED.graphs,
        "classes": EXPECTED.classes,
        "properties": EXPECTED.properties,
    }


def test_an_unknown_stats_format_is_refused(stats):
    with pytest.raises(UnsupportedFormat) as caught:
        format_stats(stats, "yaml")

    assert str(caught.value) == "unknown stats format 'yaml'; use one of text, json"
