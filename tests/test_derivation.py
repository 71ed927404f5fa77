"""Derived facts: the regime in power at each transfer's and event's date, with the rule that
derived each link. The expected regimes are read off the dates in the data files by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from kg.build import BuildOptions, build
from kg.dataset import build_store
from kg.derivation import derivation_quads, derive, read_rules, rule_files, statement_iri
from kg.errors import KgError
from kg.namespaces import DERIVED_GRAPH, ID, PREFIXES
from kg.store import run_query

ROOT = Path(__file__).resolve().parents[1]
KEITA, TRAORE, IBK, CNSP, TRANSITION = (
    "regime/mali-modibo-keita", "regime/mali-moussa-traore",
    "regime/mali-ibrahim-boubacar-keita", "regime/mali-cnsp-2020", "regime/mali-transition-2020",
)
ATT, CNRDR, DIONCOUNDA = (
    "regime/mali-amadou-toumani-toure", "regime/mali-cnrdr-2012", "regime/mali-dioncounda-traore",
)
CTSP, KONARE = "regime/mali-ctsp-1991", "regime/mali-alpha-oumar-konare"

# Regimes of Mali in the data: Modibo Keïta 1960-09-22 to 1968-11; Moussa Traoré 1968-11 to
# 1991-03-26; the CTSP transition to 1992-06-08; Alpha Oumar Konaré to 2002-06-08; Amadou Toumani
# Touré 2002-06-08 to 2012-03-22; the CNRDR junta to 2012-04-12;
# Dioncounda Traoré to 2013-09-04; Ibrahim Boubacar Keïta to 2020-08-18; the CNSP junta to
# 2020-09-25; the Transition since.
# Deliveries, by their deal's recipient and their own date; deals themselves get no regime.
TRANSFERS = {
    "delivery/1961-btr-40": {KEITA},
    "delivery/1963-t-34-85": {KEITA},
    "delivery/1975-brdm-2": {TRAORE},
    "delivery/1981-s-125m": {TRAORE},
    "delivery/1981-v-60": {TRAORE},
    "delivery/1981-t-34-85": {TRAORE},
    "delivery/1981-son-9": {TRAORE},
    "delivery/1983-p-10": {TRAORE},
    # kgo:date "2021-10", within its kgo:deliveryYear 2021
    "delivery/2021-10-first-russian-deliveries": {TRANSITION},
}
EVENTS = {
    "event/1960-independence-of-mali": {KEITA},  # "1960" overlaps the regime begun 1960-09-22
    "event/1968-11-fall-of-modibo-keita": {KEITA, TRAORE},  # the month one fell and the next began
    "event/1985-war-mali-burkina-faso": {TRAORE},
    "event/1991-03-26-fall-of-moussa-traore": {TRAORE, CTSP},  # the day one ended and the CTSP took power
    "event/1992-06-08-inauguration-of-alpha-oumar-konare": {CTSP, KONARE},
    "event/2002-06-08-inauguration-of-amadou-toumani-toure": {KONARE, ATT},
    # "2012" spans the last months of Touré, the junta and the start of the interim
    "event/2012-rebellion": {ATT, CNRDR, DIONCOUNDA},
    "event/2012-03-22-coup": {ATT, CNRDR},  # the day one ended and the other began
    "event/2012-04-12-inauguration-of-dioncounda-traore": {CNRDR, DIONCOUNDA},
    "event/2013-recovery-of-territory": {DIONCOUNDA, IBK},  # "2013" spans both
    "event/2013-09-04-inauguration-of-ibrahim-boubacar-keita": {DIONCOUNDA, IBK},
    "event/agreement-for-peace-and-reconciliation": {IBK},  # 2015, from the background graph
    "event/2020-08-18-events": {IBK, CNSP},  # the day one ended and the junta took power
    "event/2020-resignation-of-ibrahim-boubacar-keita": {IBK, CNSP},  # IBK, president of Mali
    "event/2020-09-25-inauguration-of-bah-ndaw": {CNSP, TRANSITION},
    # 11 November 2021: the visit (Diop, Mali's minister, visitor), and what was said, asked
    # and promised at it or in its statements
    "event/2021-11-11-diop-visit-to-moscow": {TRANSITION},
    "statement/2021-11-11-diop-impulse": {TRANSITION},
    "statement/2021-11-11-diop-russia-pragmatic-partner": {TRANSITION},
    "statement/2021-11-11-diop-support-requested": {TRANSITION},  # not part of the visit: Diop
    "statement/2021-11-11-diop-diversify-partners": {TRANSITION},
    "statement/2021-11-11-lavrov-help-against-terrorism": {TRANSITION},  # part of the visit
    "statement/2021-11-11-lavrov-training": {TRANSITION},
    "statement/2021-11-11-lavrov-equipment": {TRANSITION},
    "event/2021-11-11-mali-requests-support": {TRANSITION},
    "event/2021-11-11-mali-asks-help-under-peace-agreement": {TRANSITION},
    "event/2021-11-11-russia-commits-to-help-against-terrorism": {TRANSITION},
    "event/2021-11-11-russia-commits-to-provide-equipment": {TRANSITION},
    # beneficiary: the armed forces, which belong to no state in the data; expressed in
    # Lavrov's statement at the visit
    "event/2021-11-11-russia-commits-to-training": {TRANSITION},
    "event/2021-11-11-major-projects": {TRANSITION},
}
# Dated, but no regime: the journalist's statements have no participant or place tied to a state.
DATED_WITHOUT_REGIME = {
    "statement/essor-mali-wants-capabilities", "statement/essor-russia-serious-partner",
    "statement/essor-standfirst",
}


def copy_project(root: Path) -> Path:
    for folder in ("ontology", "data", "rules"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> pyoxigraph.Store:
    return build_store(build(copy_project(tmp_path_factory.mktemp("project"))))


def regimes_in_power(store: pyoxigraph.Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for x, regime in run_query(store, "SELECT ?x ?r WHERE { ?x kgo:regimeInPower ?r }", prefixes=PREFIXES):
        found.setdefault(x.value.removeprefix(str(ID)), set()).add(regime.value.removeprefix(str(ID)))
    return found


def test_each_dated_delivery_gets_the_regime_in_power(store):
    found = regimes_in_power(store)

    assert {x: r for x, r in found.items() if x.startswith(("transfer/", "delivery/"))} == TRANSFERS


def test_each_dated_event_gets_the_regimes_in_power(store):
    found = regimes_in_power(store)

    assert {x: r for x, r in found.items() if not x.startswith(("transfer/", "delivery/"))} == EVENTS
    assert not DATED_WITHOUT_REGIME & found.keys()


def test_each_date_gets_its_precision_from_its_datatype(store):
    query = """
    SELECT ?x ?p ?precision WHERE {
      VALUES ?x { delivery:2021-10-first-russian-deliveries event:1960-independence-of-mali
                  regime:mali-modibo-keita coop:mali-ussr-military }
      ?x ?p ?precision .
      FILTER (?p IN (kgo:datePrecision, kgo:startDatePrecision, kgo:endDatePrecision))
    }"""
    found = {
        (x.value.removeprefix(str(ID)), p.value.rsplit("#", 1)[1], c.value.rsplit("#", 1)[1])
        for x, p, c in run_query(store, query, prefixes=PREFIXES)
    }
    # Modibo Keïta's regime: a day from the background graph, a month from the article.
    assert found == {
        ("delivery/2021-10-first-russian-deliveries", "datePrecision", "month-precision"),
        ("event/1960-independence-of-mali", "datePrecision", "year-precision"),
        ("regime/mali-modibo-keita", "startDatePrecision", "day-precision"),
        ("regime/mali-modibo-keita", "endDatePrecision", "month-precision"),
        ("cooperation/mali-ussr-military", "startDatePrecision", "year-precision"),
        ("cooperation/mali-ussr-military", "endDatePrecision", "day-precision"),
    }


def test_the_derived_links_are_plain_triples_in_the_derived_graph_only(store):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?x kgo:regimeInPower ?r } }"

    graphs = {row[0].value for row in run_query(store, query, prefixes=PREFIXES)}

    assert graphs == {str(DERIVED_GRAPH)}


def test_each_derived_link_names_the_rule_that_derived_it(store):
    query = """
    SELECT ?x ?rule ?title WHERE {
      ?x kgo:regimeInPower ?r .
      ?statement a rdf:Statement ; rdf:subject ?x ; rdf:predicate kgo:regimeInPower ; rdf:object ?r ;
                 prov:wasGeneratedBy ?rule .
      ?rule a prov:Activity ; rdfs:label ?title ; dcterms:description [] .
    }"""

    rows = [(x.value.removeprefix(str(ID)), rule.value, title.value)
            for x, rule, title in run_query(store, query, prefixes=PREFIXES)]

    expected = len(sum(map(list, TRANSFERS.values()), [])) + len(sum(map(list, EVENTS.values()), []))
    assert len(rows) == expected
    assert {(x.split("/")[0], rule, title) for x, rule, title in rows} == {
        ("delivery", "https://w3id.org/kg-mali/rule/regime-in-power-of-transfers",
         "Regime in power at the date of an arms delivery"),
        ("event", "https://w3id.org/kg-mali/rule/regime-in-power-of-events",
         "Regime in power at the date of an event"),
        ("statement", "https://w3id.org/kg-mali/rule/regime-in-power-of-events",
         "Regime in power at the date of an event"),
    }


def test_the_rules_need_no_reasoning(tmp_path):
    store = build_store(build(copy_project(tmp_path), BuildOptions("none")))

    assert regimes_in_power(store) == {**TRANSFERS, **EVENTS}


# ---------------------------------------------------------------------------------------------
# Dates as intervals of days, on a small made-up state

REGIMES = """
@prefix kgo: <https://w3id.org/kg-mali/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:land a kgo:State .
ex:first kgo:governs ex:land ; kgo:endDate "1968-11"^^xsd:gYearMonth .
ex:second kgo:governs ex:land ; kgo:startDate "1968-11"^^xsd:gYearMonth ; kgo:endDate "1991-03-26"^^xsd:date .
ex:third kgo:governs ex:land ; kgo:startDate "1992"^^xsd:gYear .
"""


def regimes_at(date: str) -> set[str]:
    """The regimes of the made-up state the events rule finds for an event on `date`."""
    store = pyoxigraph.Store()
    store.load(path=str(ROOT / "ontology" / "kg.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    store.load(REGIMES, format=pyoxigraph.RdfFormat.TURTLE)
    store.load(
        f"@prefix kgo: <https://w3id.org/kg-mali/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."
        f"<http://example.org/e> a kgo:War ; kgo:belligerent <http://example.org/land> ; kgo:date {date} .",
        format=pyoxigraph.RdfFormat.TURTLE,
    )
    [events] = [r for r in read_rules(rule_files(ROOT)) if r.name == "regime-in-power-of-events"]
    [output] = derive(store, [events])
    return {t.object.value.removeprefix("http://example.org/") for t in output.triples}


@pytest.mark.parametrize(
    ("date", "regimes"),
    [
        ('"1950"^^xsd:gYear', {"first"}),  # no start given: in power since ever
        ('"1968-10-31"^^xsd:date', {"first"}),
        ('"1968-11"^^xsd:gYearMonth', {"first", "second"}),
        ('"1968-11-01"^^xsd:date', {"first", "second"}),
        ('"1968-11-30"^^xsd:date', {"first", "second"}),  # a month's dates end on its last day
        ('"1968-12-01"^^xsd:date', {"second"}),
        ('"1968"^^xsd:gYear', {"first", "second"}),
        ('"1991-03-26"^^xsd:date', {"second"}),
        ('"1991-03-27"^^xsd:date', set()),  # between two regimes
        ('"1991"^^xsd:gYear', {"second"}),
        ('"1992-01-01Z"^^xsd:date', {"third"}),  # time zones are ignored
        ('"2050-06"^^xsd:gYearMonth', {"third"}),  # no end given: still in power
    ],
)
def test_a_date_belongs_to_every_regime_in_power_on_one_of_its_days(date, regimes):
    assert regimes_at(date) == regimes


# ---------------------------------------------------------------------------------------------
# Rule files


def test_every_rule_file_has_a_title_and_a_description():
    rules = read_rules(rule_files(ROOT))

    assert [r.name for r in rules] == [
        "date-precision", "regime-in-power-of-events", "regime-in-power-of-transfers",
    ]
    assert all(r.title and r.description for r in rules)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "broken.rq:1: missing '# title:' header line"),
        ("# title: t\n# description: d\nSELECT * WHERE { ?s ?p ?o }", "broken.rq: a rule must be a CONSTRUCT query"),
        ("# title: t\n# description: d\nCONSTRUCT WHERE { ?s ?p", "broken.rq:3:24: expected"),
    ],
)
def test_a_broken_rule_is_named_in_the_error(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.rq").write_text(text, encoding="utf-8")

    with pytest.raises(KgError) as raised:
        derive(pyoxigraph.Store(), read_rules([tmp_path / "broken.rq"]))

    assert str(raised.value).startswith(message)


def test_statement_iris_are_stable_and_distinct_per_rule(tmp_path):
    [_, events, transfers] = read_rules(rule_files(ROOT))
    triple = pyoxigraph.Triple(
        pyoxigraph.NamedNode("http://example.org/x"), pyoxigraph.NamedNode("http://example.org/p"),
        pyoxigraph.NamedNode("http://example.org/y"),
    )

    assert statement_iri(events, triple) == statement_iri(events, triple)
    assert statement_iri(events, triple) != statement_iri(transfers, triple)
    assert statement_iri(events, triple).value.startswith(
        "https://w3id.org/kg-mali/rule/regime-in-power-of-events/"
    )


RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _derived_quads(store: pyoxigraph.Store) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(str(DERIVED_GRAPH)))}


def _dated_event(subject: str) -> str:
    """An event dated to the year, in a graph of its own, as N-Quads."""
    kgo, graph = PREFIXES["kgo"], "<http://example.org/graph>"
    return (
        f"{subject} {RDF_TYPE} <{kgo}Event> {graph} .\n"
        f'{subject} <{kgo}date> "2020"^^<http://www.w3.org/2001/XMLSchema#gYear> {graph} .\n'
    )


def test_derived_quads_written_as_text_are_the_rules_quads() -> None:
    """The text the derived graph is loaded from holds exactly derivation_quads' quads."""
    (rule,) = [r for r in read_rules(rule_files(ROOT)) if r.name == "date-precision"]
    store = pyoxigraph.Store()
    store.load(_dated_event(f"<{ID}event/summit%22of%222020>"), pyoxigraph.RdfFormat.N_QUADS)
    (output,) = derive(store, [rule])
    reference = pyoxigraph.Store()
    reference.extend(derivation_quads(rule, output.triples))
    assert len(output.triples) == 1
    assert _derived_quads(store) == _derived_quads(reference)


def test_a_blank_node_is_the_same_node_in_the_derived_graph() -> None:
    (rule,) = [r for r in read_rules(rule_files(ROOT)) if r.name == "date-precision"]
    store = pyoxigraph.Store()
    store.extend(pyoxigraph.parse(_dated_event("_:visit"), pyoxigraph.RdfFormat.N_QUADS))
    derive(store, [rule])
    rows = list(store.query(
        f"SELECT ?e WHERE {{ GRAPH <http://example.org/graph> {{ ?e {RDF_TYPE} ?class }} "
        f"GRAPH <{DERIVED_GRAPH}> {{ ?e <{PREFIXES['kgo']}datePrecision> ?precision . "
        f"?statement <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?e }} }}"
    ))
    assert [str(row["e"]) for row in rows] == ["_:visit"]
