"""The ontology: one owl:Ontology, bilingual labels and definitions, and nothing outside OWL 2 RL."""

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from kg.namespaces import ID, KGO, SCHEMA
from kg.project import data_files, ontology_files
from kg.reasoning import infer

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "kg.ttl"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def terms(graph: Graph) -> list[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted({s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(str(KGO))})


def test_one_ontology_with_version_title_description_and_licence(ontology: Graph) -> None:
    [header] = list(ontology.subjects(RDF.type, OWL.Ontology))
    assert ontology.value(header, OWL.versionIRI) == URIRef("https://w3id.org/kg-mali/ontology/0.1.0")
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {lit.language for lit in ontology.objects(header, prop)} == {"en", "fr"}
    assert ontology.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_every_class_and_property_is_labelled_and_defined_in_english_and_french(ontology: Graph) -> None:
    found = terms(ontology)
    assert len(found) == 133
    for term in found:
        assert {lit.language for lit in ontology.objects(term, RDFS.label)} == {"en", "fr"}, term
        assert {lit.language for lit in ontology.objects(term, SKOS.definition)} == {"en", "fr"}, term


def test_alignments_to_the_standard_vocabularies(ontology: Graph) -> None:
    expected = {
        (KGO.Actor, "http://www.w3.org/ns/prov#Agent"),
        (KGO.Event, "http://www.w3.org/ns/prov#Activity"),
        (KGO.Event, "http://schema.org/Event"),
        (KGO.Person, "http://schema.org/Person"),
        (KGO.State, "http://schema.org/Country"),
        (KGO.Article, "http://schema.org/NewsArticle"),
        (KGO.Organisation, "http://www.w3.org/ns/org#Organization"),
        (KGO.OfficeHolding, "http://www.w3.org/ns/org#Membership"),
        (KGO.Event, "http://semanticweb.cs.vu.nl/2009/11/sem/Event"),
        (KGO.EquipmentCategory, "http://www.w3.org/2004/02/skos/core#Concept"),
        (KGO.ArmsDeal, "http://schema.org/Order"),
        (KGO.ArmsDeal, "http://www.w3.org/ns/prov#Entity"),
        (KGO.Delivery, "http://schema.org/TransferAction"),
        (KGO.Delivery, "http://www.w3.org/ns/prov#Activity"),
        (KGO.Quantity, "http://schema.org/QuantitativeValue"),
    }
    found = {(s, str(o)) for s, o in ontology.subject_objects(RDFS.subClassOf)}
    assert expected <= found
    properties = set(ontology.subject_objects(RDFS.subPropertyOf))
    assert (KGO.startDate, URIRef("http://schema.org/startDate")) in properties
    assert (KGO.itemCondition, URIRef("http://schema.org/itemCondition")) in properties


def test_claims_and_deliveries_are_not_aligned_where_the_standard_means_something_else(
    ontology: Graph,
) -> None:
    # prov:wasAttributedTo attributes entities only, and kgo:claimedBy sits on states, persons
    # and activities; schema:object of a TransferAction is the thing transferred, not the deal.
    assert set(ontology.objects(KGO.claimedBy, RDFS.subPropertyOf)) == set()
    assert set(ontology.objects(KGO.deliveryOf, RDFS.subPropertyOf)) == set()


@pytest.fixture(scope="module")
def closure() -> Graph:
    """The asserted data and ontology with their OWL 2 RL closure, as the build infers it."""
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    for path in data_files():
        dataset = Dataset()
        dataset.parse(path, format="trig")
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
    for triple in infer(set(graph)).inferred:
        graph.add(triple)
    return graph


def test_the_closure_attributes_no_thing_and_no_activity(closure: Graph) -> None:
    attributed = set(closure.subjects(PROV.wasAttributedTo))
    activities = set(closure.subjects(RDF.type, PROV.Activity))
    things = {s for s in attributed if (s, RDF.type, PROV.Entity) not in closure}
    assert (sorted(attributed & activities), sorted(things)) == ([], [])
    assert (ID["state/mali"], PROV.wasAttributedTo, None) not in closure


def test_the_closure_gives_no_deal_as_the_object_of_a_transfer(closure: Graph) -> None:
    deals = set(closure.subjects(RDF.type, KGO.ArmsDeal))
    assert [(s, o) for s, o in closure.subject_objects(SCHEMA.object) if o in deals] == []


def test_the_transfer_class_and_old_numbers_are_deprecated_not_removed(ontology: Graph) -> None:
    # Published terms keep resolving; each names its replacement.
    replaced = {
        s: ontology.value(s, DCTERMS.isReplacedBy)
        for s in ontology.subjects(OWL.deprecated, None)
    }
    assert replaced == {
        KGO.ArmsTransfer: KGO.ArmsDeal, KGO.quantity: KGO.numberDelivered,
        KGO.deathTollIsApproximate: KGO.precision,
    }


def test_inverse_pairs_are_declared(ontology: Graph) -> None:
    inverses = set(ontology.subject_objects(OWL.inverseOf))
    assert {(KGO.delivery, KGO.deliveryOf), (KGO.assertedIn, KGO.asserts)} <= inverses


def test_nothing_outside_owl2_rl_or_that_would_copy_triples(ontology: Graph) -> None:
    # Existentials and unions in superclass position, cardinalities above one and owl:sameAs
    # either fall outside OWL 2 RL or, for sameAs to Wikidata, copy every triple under OWL RL.
    forbidden = (
        OWL.someValuesFrom, OWL.unionOf, OWL.minCardinality, OWL.cardinality,
        OWL.minQualifiedCardinality, OWL.qualifiedCardinality, OWL.sameAs, OWL.hasKey,
        OWL.propertyChainAxiom, OWL.withRestrictions,
    )
    used = {p for p in forbidden if any(True for _ in ontology.triples((None, p, None)))}
    assert used == set()
