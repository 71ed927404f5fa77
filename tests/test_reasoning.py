"""The OWL 2 RL closure: what the inferred graph keeps, the two reasoners agreeing, and queries in
standard vocabularies answered through the ontology's alignment, with answers read off the data
files by hand."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Literal, Namespace

from kg.build import build
from kg.dataset import build_store
from kg.loading import load_dataset, load_store
from kg.namespaces import ID, INFERRED_GRAPH, KGO, OWL, PREFIXES, PROV, RDF, RDFS, SCHEMA, SEM, XSD
from kg.project import data_files, ontology_files
from kg.entailment_filter import DROPPED, drop_reason
from kg.errors import UnsupportedConstruct
from kg.fast_reasoner import fast_closure
from kg.reasoning import infer, infer_store, owlrl_closure
from kg.store import run_query
from kg.terms import store_from_dataset, to_oxigraph

ROOT = Path(__file__).resolve().parents[1]
EX = Namespace("http://example.org/")


def asserted_triples(dataset: Dataset) -> set:
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}


@pytest.fixture(scope="module")
def shipped() -> set:
    return asserted_triples(load_dataset(ontology_files(ROOT), data_files(ROOT)).dataset)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> pyoxigraph.Store:
    """The shipped project's build (without the shapes, which are not this module's subject)."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("ontology", "data", "rules"):
        shutil.copytree(ROOT / folder, root / folder)
    return build_store(build(root))


def ids(store: pyoxigraph.Store, query: str) -> set[str]:
    """The values of the query's one variable, as IRIs shortened under id/."""
    return {
        row[0].value.removeprefix(str(ID))
        for row in run_query(store, query, prefixes=PREFIXES)
    }


def pairs(store: pyoxigraph.Store, query: str) -> set[tuple[str, str]]:
    return {
        (row[0].value.removeprefix(str(ID)), row[1].value.removeprefix(str(ID)))
        for row in run_query(store, query, prefixes=PREFIXES)
    }


# ---------------------------------------------------------------------------------------------
# What the inferred graph keeps


@pytest.mark.parametrize(
    ("triple", "reason"),
    [
        ((Literal("1961", datatype=XSD.gYear), RDF.type, XSD.gYear), "literal"),
        ((Literal("x"), OWL.sameAs, Literal("x")), "literal"),
        ((EX.a, RDF.type, XSD.integer), "literal"),
        ((EX.a, RDF.type, RDFS.Literal), "literal"),
        ((OWL.Thing, RDF.type, OWL.Class), "vocabulary"),
        ((RDFS.label, RDF.type, OWL.AnnotationProperty), "vocabulary"),
        ((XSD.gYear, RDF.type, RDFS.Datatype), "vocabulary"),
        ((OWL.Nothing, RDFS.subClassOf, KGO.Event), "vocabulary"),
        ((XSD.boolean, OWL.disjointWith, XSD.decimal), "vocabulary"),
        ((EX.a, OWL.sameAs, EX.a), "reflexive"),
        ((KGO.Event, RDFS.subClassOf, KGO.Event), "reflexive"),
        ((KGO.Event, OWL.equivalentClass, KGO.Event), "reflexive"),
        ((KGO.agent, RDFS.subPropertyOf, KGO.agent), "reflexive"),
        ((KGO.agent, OWL.equivalentProperty, KGO.agent), "reflexive"),
        ((EX.a, RDF.type, OWL.Thing), "everything"),
        ((KGO.Event, RDFS.subClassOf, OWL.Thing), "everything"),
        ((KGO.supplier, RDFS.domain, OWL.Thing), "everything"),
        ((EX.a, RDF.type, RDFS.Resource), "everything"),
        ((EX.a, BNode(), EX.b), "generalised"),
    ],
)
def test_the_filter_drops_what_says_nothing_about_the_data(triple, reason):
    assert reason in DROPPED
    assert drop_reason(triple) == reason


@pytest.mark.parametrize(
    "triple",
    [
        (EX.coup, RDF.type, SCHEMA.Event),
        (EX.coup, SEM.hasTimeStamp, Literal("1961", datatype=XSD.gYear)),
        (KGO.Coup, RDFS.subClassOf, PROV.Activity),
        (KGO.supplier, RDFS.domain, PROV.Activity),
        (EX.a, OWL.sameAs, EX.b),
        (EX.a, EX.knows, EX.a),
    ],
)
def test_the_filter_keeps_entailments_about_the_data_and_its_schema(triple):
    assert drop_reason(triple) is None


def test_the_inferred_graph_holds_no_dropped_and_no_asserted_triple(shipped):
    inferred = fast_closure(shipped).inferred

    assert inferred
    assert not inferred & shipped
    assert [t for t in inferred if drop_reason(t)] == []


def test_the_inferred_graph_is_apart_from_the_asserted_graphs(store):
    in_graph = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?x a schema:Event } }"

    rows = run_query(store, in_graph, union_default_graph=False, prefixes=PREFIXES)
    assert {row[0].value for row in rows} == {
        str(INFERRED_GRAPH)
    }


def test_asserted_graphs_stay_reachable_on_their_own(store):
    article = "SELECT ?x WHERE { GRAPH graph:essor-2022-01-21-mali-russie { ?x kgo:involvedIn ?e } }"

    assert ids(store, article) == set()
    assert ids(store, "SELECT ?x WHERE { GRAPH graph:inferred { ?x kgo:involvedIn ?e } }")


# ---------------------------------------------------------------------------------------------
# The fast reasoner gives owlrl's triples


def test_fast_equals_owlrl_on_the_shipped_graph(shipped):
    fast, reference = fast_closure(shipped), owlrl_closure(shipped)

    assert fast.inferred == reference.inferred
    assert fast.inconsistencies == reference.inconsistencies == ()


def as_keys(triples) -> frozenset[tuple[str, str, str]]:
    """rdflib triples as the store path names them: N-Triples text."""
    return frozenset(tuple(str(to_oxigraph(t)) for t in triple) for triple in triples)


def test_the_build_reasoner_on_the_store_equals_owlrl_on_the_shipped_graph(shipped):
    # What `kg build` runs: the shipped files loaded into pyoxigraph, the closure read from there.
    loaded = load_store(ontology_files(ROOT), data_files(ROOT))

    fast, reference = infer_store(loaded.store), owlrl_closure(shipped)

    assert fast.inferred == as_keys(reference.inferred)
    assert len(fast.inferred) > 1000
    assert fast.inconsistencies == reference.inconsistencies == ()


def test_the_build_reasoner_on_the_store_equals_owlrl_with_equal_nodes():
    # owl:sameAs copies every triple of a node: the pass over the rules' predicates alone is
    # then redone over every triple.
    dataset = Dataset()
    dataset.graph(EX.g).parse(data=CONSTRUCTS, format="turtle")
    triples = asserted_triples(dataset)

    fast, reference = infer_store(store_from_dataset(dataset)), owlrl_closure(triples)

    assert fast.inferred == as_keys(reference.inferred)
    assert ("<http://example.org/u1>", "<http://example.org/p>", "<http://example.org/w>") in fast.inferred


def test_fast_equals_owlrl_on_a_synthetic_graph(tmp_path):
    path = tmp_path / "synthetic.trig"
    path.write_text(synthetic().generate(3000, seed=7), encoding="utf-8")
    triples = asserted_triples(load_dataset(ontology_files(ROOT), [path]).dataset)

    fast, reference = fast_closure(triples), owlrl_closure(triples)

    assert len(fast.inferred) > 2000
    assert fast.inferred == reference.inferred
    assert fast.inconsistencies == reference.inconsistencies == ()


# Every construct the fast reasoner implements, in one small graph: equivalences, chains of
# sub-properties and inverses, symmetric and transitive properties, and equality from
# owl:sameAs, functional and inverse-functional properties, whose copies trigger more rules.
CONSTRUCTS = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:A rdfs:subClassOf ex:B . ex:B owl:equivalentClass ex:C . ex:C rdfs:subClassOf ex:A , owl:Thing .
ex:D rdfs:subClassOf ex:E .
ex:p rdfs:subPropertyOf ex:q . ex:q owl:equivalentProperty ex:r . ex:r owl:inverseOf ex:s .
ex:s rdfs:domain ex:D ; rdfs:range ex:A .
ex:near a owl:SymmetricProperty ; rdfs:subPropertyOf ex:linked .
ex:partOf a owl:TransitiveProperty ; rdfs:range ex:Whole .
ex:hasMother a owl:FunctionalProperty ; rdfs:range ex:Woman .
ex:ssn a owl:InverseFunctionalProperty .
ex:x ex:p ex:y . ex:y ex:near ex:z .
ex:a ex:partOf ex:b . ex:b ex:partOf ex:c . ex:c ex:partOf ex:d .
ex:kid ex:hasMother ex:m1 , ex:m2 . ex:m2 ex:partOf ex:a .
ex:u1 ex:ssn "123" . ex:u2 ex:ssn "123" . ex:u2 ex:p ex:w .
ex:alias owl:sameAs ex:x .
"""


def test_fast_equals_owlrl_on_every_construct_it_implements():
    triples = asserted_triples(Dataset().parse(data=CONSTRUCTS, format="turtle"))

    fast, reference = fast_closure(triples), owlrl_closure(triples)

    assert fast.inferred == reference.inferred
    assert {
        (EX.m1, OWL.sameAs, EX.m2), (EX.m2, EX.partOf, EX.d), (EX.m1, EX.partOf, EX.d),
        (EX.u1, EX.p, EX.w), (EX.w, EX.s, EX.u1), (EX.alias, EX.r, EX.y), (EX.z, EX.linked, EX.y),
        (EX.a, EX.partOf, EX.d), (EX.x, RDF.type, EX.C), (EX.y, RDF.type, EX.E),
        (EX.B, OWL.equivalentClass, EX.A), (EX.p, RDFS.subPropertyOf, EX.r),
    } <= fast.inferred


def test_both_reasoners_report_members_of_disjoint_classes():
    triples = {
        (ID["person/x"], RDF.type, KGO.Person),
        (ID["person/x"], RDF.type, KGO.Ministry),
        (KGO.Person, OWL.disjointWith, KGO.Organisation),
        (KGO.Ministry, RDFS.subClassOf, KGO.Organisation),
    }

    fast, reference = fast_closure(triples), owlrl_closure(triples)

    assert fast.inconsistencies == (
        "<https://w3id.org/kg-mali/id/person/x> is both a "
        "<https://w3id.org/kg-mali/ontology#Person> and a "
        "<https://w3id.org/kg-mali/ontology#Organisation>, which are disjoint",
    )
    assert len(reference.inconsistencies) == 1
    assert "person/x" in reference.inconsistencies[0]


def test_a_functional_property_with_two_values_is_an_inconsistency_for_fast():
    # owlrl equates the two literals and copies triples between them; OWL calls it inconsistent.
    triples = {
        (KGO.quantity, RDF.type, OWL.FunctionalProperty),
        (EX.t, KGO.quantity, Literal(15)),
        (EX.t, KGO.quantity, Literal(20)),
    }

    assert infer(triples, "fast").inconsistencies == (
        '<https://w3id.org/kg-mali/ontology#quantity> is functional but <http://example.org/t> '
        'has the values "15"^^<http://www.w3.org/2001/XMLSchema#integer> and '
        '"20"^^<http://www.w3.org/2001/XMLSchema#integer>',
    )


@pytest.mark.parametrize(
    "triples",
    [
        {(EX.R, OWL.someValuesFrom, EX.C), (EX.R, OWL.onProperty, EX.p)},
        {(EX.p, OWL.propertyChainAxiom, BNode())},
        {(OWL.Thing, RDFS.subClassOf, EX.C)},
        {(EX.p, RDFS.subPropertyOf, RDFS.subClassOf)},
        {(EX.p, RDFS.range, OWL.Class)},
    ],
)
def test_the_fast_reasoner_refuses_what_it_does_not_implement(triples):
    with pytest.raises(UnsupportedConstruct, match="--reasoner owlrl"):
        infer(triples, "fast")


def test_the_fast_reasoner_refuses_equal_classes():
    triples = {(EX.C, RDFS.subClassOf, EX.D), (EX.C, OWL.sameAs, EX.E), (EX.x, RDF.type, EX.C)}

    with pytest.raises(UnsupportedConstruct, match="found equal"):
        infer(triples, "fast")


# ---------------------------------------------------------------------------------------------
# Standard vocabularies through the alignment; answers read off the data files

EVENTS = {
    "event/1960-independence-of-mali", "event/departure-of-the-last-french-soldiers",
    "event/1968-11-fall-of-modibo-keita", "event/1985-war-mali-burkina-faso",
    "event/northern-rebellions", "event/2012-rebellion", "event/2012-occupation-of-northern-mali",
    "event/operation-serval", "event/2013-recovery-of-territory", "event/terrorist-attacks",
    "event/2020-08-18-events", "event/2020-resignation-of-ibrahim-boubacar-keita",
    "event/transition-decides-to-reactivate-cooperation-with-russia",
    "event/2021-11-11-diop-visit-to-moscow", "event/2021-11-11-mali-requests-support",
    "event/2021-11-11-mali-asks-help-under-peace-agreement",
    "event/2021-11-11-russia-commits-to-help-against-terrorism",
    "event/2021-11-11-russia-commits-to-training", "event/2021-11-11-russia-commits-to-provide-equipment",
    "event/2021-11-11-major-projects", "event/mali-russia-defence-agreement",
    "event/agreement-for-peace-and-reconciliation",
    "event/2012-war-imposed-on-mali", "event/insecurity-after-2013",
    # from the background graph
    "event/1991-03-26-fall-of-moussa-traore", "event/2013-09-04-inauguration-of-ibrahim-boubacar-keita",
    "event/2012-03-22-coup", "event/2012-04-12-inauguration-of-dioncounda-traore",
    "event/2020-09-25-inauguration-of-bah-ndaw", "event/1992-06-08-inauguration-of-alpha-oumar-konare",
    "event/2002-06-08-inauguration-of-amadou-toumani-toure",
    # decisions the article reports
    "event/keita-government-turns-to-moscow", "event/traore-continues-cooperation-with-ussr",
    # statements are events too
    "statement/2021-11-11-diop-impulse", "statement/2021-11-11-diop-russia-pragmatic-partner",
    "statement/essor-mali-wants-capabilities",
    "statement/2021-11-11-diop-support-requested", "statement/2021-11-11-diop-diversify-partners",
    "statement/2021-11-11-lavrov-help-against-terrorism", "statement/2021-11-11-lavrov-training",
    "statement/2021-11-11-lavrov-equipment", "statement/essor-russia-serious-partner",
    "statement/essor-standfirst",
}
STATES = {
    "mali", "ussr", "russia", "france", "germany", "bulgaria", "united-states", "south-africa",
    "china", "united-arab-emirates", "qatar", "burkina-faso",
}
PERSONS = {
    "madiba-keita", "modibo-keita", "moussa-traore", "ibrahim-boubacar-keita", "abdoulaye-diop",
    "sergey-lavrov", "amadou-toumani-toure", "amadou-haya-sanogo", "dioncounda-traore",
    "assimi-goita", "bah-ndaw", "alpha-oumar-konare",
}
ORGANISATIONS = {
    "lessor", "malian-armed-forces", "malian-defence-and-security-forces",
    "mali-ministry-of-foreign-affairs", "russia-ministry-of-foreign-affairs", "rebels-2012",
    "jihadist-groups", "criminal-organisations",
}
REGIMES = {
    "mali-modibo-keita", "mali-moussa-traore", "mali-amadou-toumani-toure", "mali-cnrdr-2012",
    "mali-dioncounda-traore", "mali-ibrahim-boubacar-keita", "mali-cnsp-2020", "mali-transition-2020",
    "mali-ctsp-1991", "mali-alpha-oumar-konare",
}


def test_events_are_schema_events(store):
    # Every kgo:Event subclass instance; not the transfers or cooperations, which are not events.
    assert ids(store, "SELECT DISTINCT ?x WHERE { ?x a schema:Event }") == EVENTS


def test_actors_are_prov_agents(store):
    assert ids(store, "SELECT DISTINCT ?x WHERE { ?x a prov:Agent }") == (
        {f"state/{s}" for s in STATES} | {f"person/{p}" for p in PERSONS}
        | {f"org/{o}" for o in ORGANISATIONS} | {f"regime/{r}" for r in REGIMES}
    )


def test_what_the_background_compilation_gives(store):
    query = "SELECT DISTINCT ?f WHERE { ?f prov:wasDerivedFrom <https://w3id.org/kg-mali/id/source/background> }"

    assert ids(store, query) == {
        "source/background", "regime/mali-modibo-keita", "event/1968-11-fall-of-modibo-keita",
        "office-holding/moussa-traore-general", "regime/mali-moussa-traore",
        "event/1991-03-26-fall-of-moussa-traore", "regime/mali-ibrahim-boubacar-keita",
        "event/2013-09-04-inauguration-of-ibrahim-boubacar-keita", "event/2020-08-18-events",
        "event/1985-war-mali-burkina-faso", "event/agreement-for-peace-and-reconciliation",
        # outside facts moved out of the article's graph
        "org/lessor", "place/bamako", "place/moscow", "person/ibrahim-boubacar-keita",
        "regime/mali-transition-2020", "state/ussr", "cooperation/mali-ussr-military",
        "cooperation/mali-russia-military",
        "regime/mali-amadou-toumani-toure", "person/amadou-toumani-toure", "event/2012-03-22-coup",
        "regime/mali-cnrdr-2012", "person/amadou-haya-sanogo",
        "event/2012-04-12-inauguration-of-dioncounda-traore", "regime/mali-dioncounda-traore",
        "person/dioncounda-traore",
        # the end of Keïta's presidency, and the junta between him and the Transition
        "office-holding/ibrahim-boubacar-keita-president-of-mali", "regime/mali-cnsp-2020",
        "person/assimi-goita", "event/2020-09-25-inauguration-of-bah-ndaw", "person/bah-ndaw",
        # the regimes between Moussa Traoré's fall and Amadou Toumani Touré's election
        "regime/mali-ctsp-1991", "regime/mali-alpha-oumar-konare", "person/alpha-oumar-konare",
        "event/1992-06-08-inauguration-of-alpha-oumar-konare",
        "event/2002-06-08-inauguration-of-amadou-toumani-toure",
    }


def test_prov_properties_through_sub_properties(store):
    # kgo:equipmentModel is a sub-property of schema:orderedItem (a deal is a schema:Order);
    # kgo:visitor and kgo:host of kgo:participant, itself one of prov:wasAssociatedWith.
    assert pairs(store, "SELECT ?t ?m WHERE { ?t schema:orderedItem ?m }") == {
        ("transfer/1961-btr-40", "equipment/btr-40"), ("transfer/1963-t-34-85", "equipment/t-34-85"),
        ("transfer/1975-brdm-2", "equipment/brdm-2"), ("transfer/1981-s-125m", "equipment/s-125m"),
        ("transfer/1981-v-60", "equipment/v-60"), ("transfer/1981-t-34-85", "equipment/t-34-85"),
        ("transfer/1981-son-9", "equipment/son-9"), ("transfer/1983-p-10", "equipment/p-10"),
    }
    visit = "SELECT ?a WHERE { <https://w3id.org/kg-mali/id/event/2021-11-11-diop-visit-to-moscow> prov:wasAssociatedWith ?a }"
    assert ids(store, visit) == {"person/abdoulaye-diop", "person/sergey-lavrov"}
    war = "SELECT ?a WHERE { <https://w3id.org/kg-mali/id/event/1985-war-mali-burkina-faso> sem:hasActor ?a }"
    assert ids(store, war) == {"state/mali", "state/burkina-faso"}


def test_involved_in_is_the_inverse_of_participant_and_its_roles(store):
    # Mali as agent, belligerent, party or beneficiary; never as a transfer's recipient or a
    # cooperation's partner, which are not participants.
    assert ids(store, "SELECT ?e WHERE { <https://w3id.org/kg-mali/id/state/mali> kgo:involvedIn ?e }") == {
        "event/1960-independence-of-mali", "event/1985-war-mali-burkina-faso", "event/northern-rebellions",
        "event/2012-rebellion", "event/2012-war-imposed-on-mali", "event/2013-recovery-of-territory",
        "event/2021-11-11-mali-requests-support",
        "event/2021-11-11-mali-asks-help-under-peace-agreement",
        "event/2021-11-11-russia-commits-to-help-against-terrorism",
        "event/2021-11-11-russia-commits-to-provide-equipment", "event/2021-11-11-major-projects",
        "event/mali-russia-defence-agreement", "event/agreement-for-peace-and-reconciliation",
    }


def test_heads_is_the_inverse_of_headed_by_and_an_org_head_of(store):
    heads = {
        ("person/modibo-keita", "regime/mali-modibo-keita"),
        ("person/moussa-traore", "regime/mali-moussa-traore"),
        ("person/ibrahim-boubacar-keita", "regime/mali-ibrahim-boubacar-keita"),
        ("person/amadou-toumani-toure", "regime/mali-amadou-toumani-toure"),
        ("person/amadou-haya-sanogo", "regime/mali-cnrdr-2012"),
        ("person/dioncounda-traore", "regime/mali-dioncounda-traore"),
        ("person/assimi-goita", "regime/mali-cnsp-2020"),
        ("person/amadou-toumani-toure", "regime/mali-ctsp-1991"),
        ("person/alpha-oumar-konare", "regime/mali-alpha-oumar-konare"),
    }
    assert pairs(store, "SELECT ?p ?r WHERE { ?p kgo:heads ?r }") == heads
    assert pairs(store, "SELECT ?p ?r WHERE { ?p w3org:headOf ?r }") == heads


def synthetic():
    """benchmarks/synthetic.py, which is a script, not a package."""
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

