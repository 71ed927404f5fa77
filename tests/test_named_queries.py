"""Each named query in queries/ gives exactly the answer the article supports."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib
import rdflib.util
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from kg.dataset import open_dataset_store
from kg.querying import NamedQuery, bindings, list_named_queries
from solutions import solution_rows
from kg.store import run_query, with_merged_default_graph

ID = "https://w3id.org/kg-mali/id/"
DATA = Path(__file__).resolve().parents[1] / "data"
GRAPH_ARTICLE = "https://w3id.org/kg-mali/graph/essor-2022-01-21-mali-russie"
GRAPH_CURATION = "https://w3id.org/kg-mali/graph/curation"
CURATION_SOURCE = rdflib.URIRef(ID + "source/curation")
KGO = rdflib.Namespace("https://w3id.org/kg-mali/ontology#")
KGO_EVIDENCE, KGO_NOTE = KGO.evidence, KGO.editorialNote
USSR = "Union of Soviet Socialist Republics"
KEITA, TRAORE, TRANSITION = "Modibo Keïta regime", "Moussa Traoré regime", "Transitional authorities (2020)"
# Cells built with GROUP_CONCAT have no guaranteed order: compare them as sets.
CONCATENATED = {"sides", "parties", "areas", "by"}


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    return with_merged_default_graph(open_dataset_store())


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    return {q.name: q for q in list_named_queries()}


def answer(store: pyoxigraph.Store, query: NamedQuery) -> list[tuple]:
    rows = solution_rows(run_query(store, query.text, union_default_graph=False, source=query.name))
    return [
        tuple(
            frozenset(value.split(", ")) if key in CONCATENATED and value else
            (value[len(ID):] if value and value.startswith(ID) else value)
            for key, value in row.items()
        )
        for row in rows
    ]


IN_1981 = [
    ("1981", "V-60 (SA-3B)", "100", "missiles V-60/SA-3B", "delivery/1981-v-60"),
    ("1981", "T-34-85", "20", "chars\u00a0T-34-85", "delivery/1981-t-34-85"),
    ("1981", "S-125M (SA-3B)", "3", "missiles air-sol\u00a0S-125M/SA-3B", "delivery/1981-s-125m"),
    ("1981", "SON-9", "1", "radar de conduite de tir\u00a0SON-9", "delivery/1981-son-9"),
]

EXPECTED: dict[str, list[tuple]] = {
    "deliveries-by-year": [
        ("1961", USSR, "Mali", "BTR-40", "15", "exact", "stated", KEITA, "transfer/1961-btr-40",
         "delivery/1961-btr-40"),
        ("1963", USSR, "Mali", "T-34-85", "10", "exact", "stated", KEITA, "transfer/1963-t-34-85",
         "delivery/1963-t-34-85"),
        ("1975", USSR, "Mali", "BRDM-2", "20", "exact", "stated", TRAORE, "transfer/1975-brdm-2",
         "delivery/1975-brdm-2"),
        ("1981", USSR, "Mali", "S-125M (SA-3B)", "3", "exact", "carried over", TRAORE,
         "transfer/1981-s-125m", "delivery/1981-s-125m"),
        ("1981", USSR, "Mali", "SON-9", "1", "exact", "stated", TRAORE, "transfer/1981-son-9",
         "delivery/1981-son-9"),
        ("1981", USSR, "Mali", "T-34-85", "20", "exact", "carried over", TRAORE,
         "transfer/1981-t-34-85", "delivery/1981-t-34-85"),
        ("1981", USSR, "Mali", "V-60 (SA-3B)", "100", "exact", "carried over", TRAORE,
         "transfer/1981-v-60", "delivery/1981-v-60"),
        ("1983", USSR, "Mali", "P-10", "3", "exact", "stated", TRAORE, "transfer/1983-p-10",
         "delivery/1983-p-10"),
        ("2021", "Russia", "Mali", "military equipment", None, "unknown",
         "resolved from a relative expression", TRANSITION,
         "transfer/2021-10-first-russian-deliveries", "delivery/2021-10-first-russian-deliveries"),
    ],
    # Unbound, as the web form runs it: every delivery year in turn.
    "deliveries-in-year": [
        ("1961", "BTR-40", "15", "blindés\u00a0BTR-40", "delivery/1961-btr-40"),
        ("1963", "T-34-85", "10", "chars\u00a0T-34-85", "delivery/1963-t-34-85"),
        ("1975", "BRDM-2", "20", "véhicules de reconnaissance blindé BRDM-2",
         "delivery/1975-brdm-2"),
        *IN_1981,
        ("1983", "P-10", "3", "P-10", "delivery/1983-p-10"),
        ("2021", None, None, "équipements", "delivery/2021-10-first-russian-deliveries"),
    ],
    "deliveries-by-regime": [
        (KEITA, "vehicle", "2", "2", "25"),
        (TRAORE, "missile", "1", "1", "100"),
        (TRAORE, "radar", "2", "2", "4"),
        (TRAORE, "system", "1", "1", "3"),
        (TRAORE, "vehicle", "2", "2", "40"),
        (TRANSITION, "item", "1", "0", None),
    ],
    "totals-per-model": [
        ("V-60 (SA-3B)", "missile", "surface-to-air missile", "1", "100", "1981", "1981"),
        ("P-10", "radar", "radar", "1", "3", "1983", "1983"),
        ("SON-9", "radar", "fire-control radar", "1", "1", "1981", "1981"),
        ("S-125M (SA-3B)", "system", "surface-to-air missile system", "1", "3", "1981", "1981"),
        ("T-34-85", "vehicle", "tank", "2", "30", "1963", "1981"),
        ("BRDM-2", "vehicle", "reconnaissance vehicle", "1", "20", "1975", "1975"),
        ("BTR-40", "vehicle", "armoured personnel carrier", "1", "15", "1961", "1961"),
    ],
    "totals-per-category": [
        ("air defence equipment", "missile", "1", "100"),
        ("air defence equipment", "radar", "1", "1"),
        ("air defence equipment", "system", "1", "3"),
        ("armoured personnel carrier", "vehicle", "1", "15"),
        ("armoured vehicle", "vehicle", "4", "65"),
        ("fire-control radar", "radar", "1", "1"),
        ("military equipment", "missile", "1", "100"),
        ("military equipment", "radar", "2", "4"),
        ("military equipment", "system", "1", "3"),
        ("military equipment", "vehicle", "4", "65"),
        ("missile", "missile", "1", "100"),
        ("radar", "radar", "2", "4"),
        ("reconnaissance vehicle", "vehicle", "1", "20"),
        ("surface-to-air missile", "missile", "1", "100"),
        ("surface-to-air missile system", "system", "1", "3"),
        ("tank", "vehicle", "2", "30"),
    ],
    "transfers-without-year": [
        ("transfer/2021-mali-equipment-request", "Russia", "military equipment", "requested",
         "équipements militaires"),
        ("transfer/2021-pending-russian-deliveries", "Russia", "military equipment",
         "in preparation", "les autres en chantier"),
        ("transfer/2021-russian-equipment-pledge", "Russia", "military equipment", "pledged",
         "un certain nombre d’équipements"),
        ("transfer/after-2020-combat-helicopters", "Russia", "combat helicopter", "acquired",
         "hélicoptères de combat"),
        ("transfer/after-2020-other-war-materiel", "Russia", "military equipment", "acquired",
         "d’autres matériels de guerre efficaces"),
    ],
    "deals-and-deliveries": [
        ("transfer/1961-btr-40", "delivered", "delivery/1961-btr-40", "1961", "15", "exact"),
        ("transfer/1963-t-34-85", "delivered", "delivery/1963-t-34-85", "1963", "10", "exact"),
        ("transfer/1975-brdm-2", "delivered", "delivery/1975-brdm-2", "1975", "20", "exact"),
        ("transfer/1981-s-125m", "delivered", "delivery/1981-s-125m", "1981", "3", "exact"),
        ("transfer/1981-son-9", "delivered", "delivery/1981-son-9", "1981", "1", "exact"),
        ("transfer/1981-t-34-85", "delivered", "delivery/1981-t-34-85", "1981", "20", "exact"),
        ("transfer/1981-v-60", "delivered", "delivery/1981-v-60", "1981", "100", "exact"),
        ("transfer/1983-p-10", "delivered", "delivery/1983-p-10", "1983", "3", "exact"),
        ("transfer/2021-10-first-russian-deliveries", "delivered",
         "delivery/2021-10-first-russian-deliveries", "2021", None, "unknown"),
        ("transfer/2021-mali-equipment-request", "requested", None, None, None, None),
        ("transfer/2021-pending-russian-deliveries", "in preparation", None, None, None, None),
        ("transfer/2021-russian-equipment-pledge", "pledged", None, None, None, None),
        ("transfer/after-2020-combat-helicopters", "acquired", None, None, None, None),
        ("transfer/after-2020-other-war-materiel", "acquired", None, None, None, None),
    ],
    "regimes": [
        (KEITA, "Modibo Keïta", "1960-09-22", "1968-11", "Independence of Mali",
         "Fall of the Modibo Keïta regime"),
        (TRAORE, "Moussa Traoré", "1968-11", "1991-03-26", "Fall of the Modibo Keïta regime",
         "Fall of the Moussa Traoré regime"),
        ("CTSP transition (1991–1992)", "Amadou Toumani Touré", "1991-03-26", "1992-06-08",
         "Fall of the Moussa Traoré regime", "Inauguration of Alpha Oumar Konaré"),
        ("Alpha Oumar Konaré regime", "Alpha Oumar Konaré", "1992-06-08", "2002-06-08",
         "Inauguration of Alpha Oumar Konaré", "Inauguration of Amadou Toumani Touré"),
        ("Amadou Toumani Touré regime", "Amadou Toumani Touré", "2002-06-08", "2012-03-22",
         "Inauguration of Amadou Toumani Touré", "Coup of 22 March 2012"),
        ("CNRDR junta (2012)", "Amadou Haya Sanogo", "2012-03-22", "2012-04-12",
         "Coup of 22 March 2012", "Inauguration of Dioncounda Traoré"),
        ("Dioncounda Traoré interim regime (2012–2013)", "Dioncounda Traoré", "2012-04-12",
         "2013-09-04", "Inauguration of Dioncounda Traoré", "Inauguration of Ibrahim Boubacar Keïta"),
        ("Ibrahim Boubacar Keïta regime", "Ibrahim Boubacar Keïta", "2013-09-04", "2020-08-18",
         "Inauguration of Ibrahim Boubacar Keïta", "Resignation of Ibrahim Boubacar Keïta"),
        # The CNSP junta from the coup; the Transition from its president's inauguration.
        ("CNSP junta (2020)", "Assimi Goïta", "2020-08-18", "2020-09-25", "Events of 18 August 2020",
         "Inauguration of Bah N'Daw, President of the Transition"),
        (TRANSITION, None, "2020-09-25", None, "Inauguration of Bah N'Daw, President of the Transition",
         None),
    ],
    "meetings": [
        ("2021-11-11", "Abdoulaye Diop",
         "ministre des Affaires étrangères et de la Coopération internationale", "Sergey Lavrov",
         "le ministre russe des Affaires étrangères", "Moscow", "event/2021-11-11-diop-visit-to-moscow"),
    ],
    "office-holders": [
        ("Abdoulaye Diop", "minister of foreign affairs", "Mali",
         "ministre des Affaires étrangères et de la Coopération internationale", "2021-11-11"),
        ("Ibrahim Boubacar Keïta", "president", "Mali", "président", None),
        ("Modibo Keïta", "president", "Mali", "le président", None),
        ("Moussa Traoré", "general", "Mali", "le général", None),
        ("Sergey Lavrov", "minister of foreign affairs", "Russia",
         "le ministre russe des Affaires étrangères", "2021-11-11"),
    ],
    "equipment-partners": [
        (name, f"http://www.wikidata.org/entity/{q}", f"cooperation/mali-{slug}-equipment")
        for name, q, slug in [
            ("Bulgaria", "Q219", "bulgaria"), ("France", "Q142", "france"),
            ("Germany", "Q183", "germany"), ("People's Republic of China", "Q148", "china"),
            ("Qatar", "Q846", "qatar"), ("South Africa", "Q258", "south-africa"),
            ("United Arab Emirates", "Q878", "united-arab-emirates"),
            ("United States of America", "Q30", "united-states"),
        ]
    ],
    "conflicts": [
        ("Operation Serval", "military operation", None, frozenset({"France"}), None, None, None),
        ("Rebellions in northern Mali", "rebellion", None, frozenset({"Mali"}), None, None, None),
        ("Terrorist attacks after 2013", "insurgency", None,
         frozenset({"Terrorist and jihadist groups"}), None, None, None),
        ("War imposed on Mali (from 2012)", "war", None, frozenset({"Mali",
         "Terrorist and jihadist groups", "Criminal organisations"}), None, None, None),
        ("Mali–Burkina Faso war (1985)", "war", "1985", frozenset({"Mali", "Burkina Faso"}),
         "200", "approximate", "près de 200"),
        ("2012 rebellion", "rebellion", "2012", frozenset({"Mali", "2012 rebels"}), None, None,
         None),
    ],
    "agreements": [
        ("Agreement for Peace and Reconciliation in Mali", frozenset({"Mali"}),
         "event/agreement-for-peace-and-reconciliation"),
        ("Mali–Russia defence agreement", frozenset({"Mali", "Russia"}),
         "event/mali-russia-defence-agreement"),
    ],
    "timeline": [
        ("1960", "Independence of Mali", "event/1960-independence-of-mali"),
        ("1968-11", "Fall of the Modibo Keïta regime", "event/1968-11-fall-of-modibo-keita"),
        ("1985", "Mali–Burkina Faso war (1985)", "event/1985-war-mali-burkina-faso"),
        ("2012", "2012 rebellion", "event/2012-rebellion"),
        ("2013", "Mali recovers its territory", "event/2013-recovery-of-territory"),
        ("2020-08-18", "Events of 18 August 2020", "event/2020-08-18-events"),
        ("2020-08-18", "Resignation of Ibrahim Boubacar Keïta",
         "event/2020-resignation-of-ibrahim-boubacar-keita"),
        ("2021-10", "First deliveries of Russian equipment (October 2021)",
         "delivery/2021-10-first-russian-deliveries"),
        ("2021-11-11", "Abdoulaye Diop's visit to Moscow", 'event/2021-11-11-diop-visit-to-moscow'),
    ],
    "article": [
        ("Mali-Russie : La coopération militaire d’hier et d’aujourd’hui", "Madiba Keïta",
         "L'Essor", "2022-01-21T09:01:00", "2022-01-21T09:01:00Z",
         "Le ministre Diop avec son homologue russe, Sergueï le 11 novembre 2021 à Moscou",
         "source/essor-2022-01-21-mali-russie"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_gives_the_exact_answer(store, queries, name: str) -> None:
    assert answer(store, queries[name]) == EXPECTED[name]


def test_statements_name_speaker_date_and_kind(store, queries) -> None:
    rows = [(r[0], r[1], r[2], r[3] is not None, r[5]) for r in answer(store, queries["statements"])]
    assert rows == [
        ("2021-11-11", "Abdoulaye Diop", "direct quote", True, "statement/2021-11-11-diop-diversify-partners"),
        ("2021-11-11", "Abdoulaye Diop", "direct quote", True, "statement/2021-11-11-diop-impulse"),
        ("2021-11-11", "Abdoulaye Diop", "reported speech", False,
         "statement/2021-11-11-diop-russia-pragmatic-partner"),
        ("2021-11-11", "Abdoulaye Diop", "direct quote", True, "statement/2021-11-11-diop-support-requested"),
        ("2021-11-11", "Sergey Lavrov", "direct quote", True, "statement/2021-11-11-lavrov-equipment"),
        ("2021-11-11", "Sergey Lavrov", "reported speech", False,
         "statement/2021-11-11-lavrov-help-against-terrorism"),
        ("2021-11-11", "Sergey Lavrov", "reported speech", False, "statement/2021-11-11-lavrov-training"),
        # The author's own words carry the article's date, the visit's never.
        ("2022-01-21", "Madiba Keïta", "author's own words", True, "statement/essor-mali-wants-capabilities"),
        ("2022-01-21", "Madiba Keïta", "author's own words", True, "statement/essor-russia-serious-partner"),
        ("2022-01-21", "Madiba Keïta", "author's own words", True, "statement/essor-standfirst"),
    ]


def test_requests_and_commitments_say_who_for_whom_and_what(store, queries) -> None:
    rows = [(r[0], r[1], r[2], r[3], r[5]) for r in answer(store, queries["requests-and-commitments"])]
    assert rows == [
        ("commitment", frozenset({"Mali", "Russia"}), None, frozenset({"defence and security"}),
         "event/2021-11-11-major-projects"),
        ("commitment", frozenset({"Russia"}), "Mali", frozenset({"counter-terrorism"}),
         "event/2021-11-11-russia-commits-to-help-against-terrorism"),
        ("commitment", frozenset({"Russia"}), "Mali", frozenset({"military equipment"}),
         "event/2021-11-11-russia-commits-to-provide-equipment"),
        ("commitment", frozenset({"Russia"}), "Malian Armed Forces", frozenset({"military training"}),
         "event/2021-11-11-russia-commits-to-training"),
        ("request", frozenset({"Mali"}), "Russia", frozenset({"defence and security"}),
         "event/2021-11-11-mali-asks-help-under-peace-agreement"),
        ("request", frozenset({"Mali"}), "Russia", frozenset({"military training", "military equipment"}),
         "event/2021-11-11-mali-requests-support"),
    ]


def article_graph() -> rdflib.Graph:
    """The article's graph as rdflib reads it: an engine independent of the one under test."""
    dataset = rdflib.Dataset()
    dataset.parse(DATA / "essor-2022-01-21-mali-russie.trig", format="trig")
    return dataset.graph(rdflib.URIRef(GRAPH_ARTICLE))


def article_and_curation_graph() -> rdflib.Graph:
    """What the article says and what the editors add (a deal's recipient left to the context)."""
    merged = rdflib.Graph()
    for name, graph in (("essor-2022-01-21-mali-russie", GRAPH_ARTICLE), ("curation", GRAPH_CURATION)):
        dataset = rdflib.Dataset()
        dataset.parse(DATA / f"{name}.trig", format="trig")
        for triple in dataset.graph(rdflib.URIRef(graph)):
            merged.add(triple)
    return merged


def english_label(graph: rdflib.Graph, node: rdflib.term.Node) -> str | None:
    return next((str(o) for o in graph.objects(node, RDFS.label) if o.language == "en"), None)


def short(node: rdflib.term.Node) -> str:
    return str(node).removeprefix(ID)


def test_evidence_lists_every_quote_of_the_article_graph(store, queries) -> None:
    graph = article_graph()
    expected = sorted(
        (short(node), english_label(graph, node), str(quote))
        for node, quote in graph.subject_objects(KGO_EVIDENCE)
        if english_label(graph, node) is not None
    )
    rows = answer(store, queries["evidence"])
    assert rows == expected  # ORDER BY ?node ?evidence: codepoint order, as Python sorts
    assert len(rows) == 165
    assert ("transfer/1961-btr-40", "1961: 15 BTR-40 from the USSR to Mali",
            "l’Union soviétique a livré 15 blindés\u00a0BTR-40 au Mali\u00a0 en\u00a01961") in rows


def test_editorial_notes_are_every_note_of_the_article_graph(store, queries) -> None:
    graph = article_graph()
    expected = sorted(
        (short(node), english_label(graph, node), str(note))
        for node, note in graph.subject_objects(KGO_NOTE)
    )
    rows = answer(store, queries["editorial-notes"])
    assert rows == expected
    assert len(rows) == 60
    noted = {node for node, _, _ in rows}
    assert {"equipment/s-125m", "equipment/v-60", "state/united-arab-emirates",
            "event/transition-decides-to-reactivate-cooperation-with-russia"} <= noted


def test_claims_by_person_name_every_claimant_and_statement(store, queries) -> None:
    graph = article_graph()
    claimants = {
        short(node): english_label(graph, person) for node, person in graph.subject_objects(KGO.claimedBy)
    }
    rows = answer(store, queries["claims-by-person"])
    assert {fact: person for person, fact, *_ in rows} == claimants
    assert len(rows) == len(claimants) == 129
    said = "2021-11-11"
    assert [(fact, statement, when) for person, fact, _, statement, when, _ in rows
            if person != "Madiba Keïta"] == [
        ("delivery/2021-10-first-russian-deliveries", "statement/2021-11-11-diop-diversify-partners", said),
        ("event/2021-11-11-mali-asks-help-under-peace-agreement", "statement/2021-11-11-diop-impulse", said),
        ("event/2021-11-11-mali-requests-support", "statement/2021-11-11-diop-support-requested", said),
        ("quantity/2021-10-first-russian-deliveries-delivered",
         "statement/2021-11-11-diop-diversify-partners", said),
        ("quantity/2021-mali-equipment-request-ordered", "statement/2021-11-11-diop-support-requested", said),
        ("quantity/2021-pending-russian-deliveries-ordered",
         "statement/2021-11-11-diop-diversify-partners", said),
        ("transfer/2021-10-first-russian-deliveries", "statement/2021-11-11-diop-diversify-partners", said),
        ("transfer/2021-mali-equipment-request", "statement/2021-11-11-diop-support-requested", said),
        ("transfer/2021-pending-russian-deliveries", "statement/2021-11-11-diop-diversify-partners", said),
        ("event/2021-11-11-russia-commits-to-help-against-terrorism",
         "statement/2021-11-11-lavrov-help-against-terrorism", said),
        ("event/2021-11-11-russia-commits-to-provide-equipment", "statement/2021-11-11-lavrov-equipment", said),
        ("event/2021-11-11-russia-commits-to-training", "statement/2021-11-11-lavrov-training", said),
        ("quantity/2021-russian-equipment-pledge-ordered", "statement/2021-11-11-lavrov-equipment", said),
        ("transfer/2021-russian-equipment-pledge", "statement/2021-11-11-lavrov-equipment", said),
    ]
    # The author's own facts rest on no statement: he is the one who says them.
    assert {statement for person, _, _, statement, _, _ in rows if person == "Madiba Keïta"} == {None}


ON_11_NOVEMBER = [
    "event/2021-11-11-major-projects", "event/2021-11-11-mali-asks-help-under-peace-agreement",
    "event/2021-11-11-mali-requests-support", "event/2021-11-11-russia-commits-to-help-against-terrorism",
    "event/2021-11-11-russia-commits-to-provide-equipment", "event/2021-11-11-russia-commits-to-training",
    "statement/2021-11-11-diop-diversify-partners", "statement/2021-11-11-diop-impulse",
    "statement/2021-11-11-diop-russia-pragmatic-partner", "statement/2021-11-11-diop-support-requested",
    "statement/2021-11-11-lavrov-equipment", "statement/2021-11-11-lavrov-help-against-terrorism",
    "statement/2021-11-11-lavrov-training",
]


def test_uncertain_values_are_every_value_not_simply_stated(store, queries) -> None:
    rows = [(kind, node, value, precision, basis, written)
            for kind, node, _, value, precision, basis, written, _ in answer(store, queries["uncertain-values"])]
    carried, inferred = "carried over", "inferred from context"
    unknown = ("unknown", "stated", None)
    assert rows == [
        *[("date", f"delivery/1981-{m}", "1981", "to the year", carried, None)
          for m in ("s-125m", "t-34-85", "v-60")],
        ("date", "delivery/2021-10-first-russian-deliveries", "2021-10", "to the month",
         "resolved from a relative expression", None),
        ("date", "event/2020-resignation-of-ibrahim-boubacar-keita", "2020-08-18", "to the day", inferred, None),
        *[("date", node, "2021-11-11", "to the day", inferred, None) for node in ON_11_NOVEMBER],
        ("date", "statement/essor-mali-wants-capabilities", "2022-01-21", "to the day", inferred, None),
        ("date", "statement/essor-russia-serious-partner", "2022-01-21", "to the day", inferred, None),
        ("date", "statement/essor-standfirst", "2022-01-21", "to the day", inferred, None),
        ("quantity", "quantity/1981-s-125m-delivered", "3", "exact", "editors' classification", "3"),
        ("quantity", "quantity/1985-war-death-toll", "200", "approximate", "stated", "près de 200"),
        ("quantity", "quantity/2021-10-first-russian-deliveries-delivered", None, *unknown),
        ("quantity", "quantity/2021-mali-equipment-request-ordered", None, *unknown),
        ("quantity", "quantity/2021-pending-russian-deliveries-ordered", None, *unknown),
        ("quantity", "quantity/2021-russian-equipment-pledge-ordered", None, "unknown", "stated",
         "un certain nombre"),
        ("quantity", "quantity/after-2020-combat-helicopters-ordered", None, *unknown),
        ("quantity", "quantity/after-2020-other-war-materiel-ordered", None, *unknown),
        *[("supplier", f"transfer/{d}", USSR, None, carried, None)
          for d in ("1981-s-125m", "1981-son-9", "1981-t-34-85", "1981-v-60", "1983-p-10")],
        ("supplier", "transfer/2021-mali-equipment-request", "Russia", None, inferred, None),
        ("supplier", "transfer/2021-pending-russian-deliveries", "Russia", None, carried, None),
        ("supplier", "transfer/2021-russian-equipment-pledge", "Russia", None, inferred, None),
        ("supplier", "transfer/after-2020-combat-helicopters", "Russia", None, inferred, None),
        ("supplier", "transfer/after-2020-other-war-materiel", "Russia", None, inferred, None),
    ]


def test_wikidata_links_are_the_verified_fifteen(store, queries) -> None:
    rows = answer(store, queries["wikidata-links"])
    assert [r[2].rsplit("/", 1)[1] for r in rows] == [
        "Q3703", "Q219", "Q965", "Q142", "Q183", "Q912", "Q649", "Q148", "Q846", "Q159",
        "Q58217", "Q258", "Q15180", "Q878", "Q30",
    ]


def test_transfer_records_construct_an_order_per_deal_and_an_action_per_delivery(store, queries) -> None:
    triples = list(run_query(store, queries["transfer-records"].text, union_default_graph=False))
    found = rdflib.Graph()
    for t in triples:
        found.add(tuple(rdflib.util.from_n3(str(term)) for term in (t.subject, t.predicate, t.object)))
    graph = article_and_curation_graph()
    schema, prov = rdflib.Namespace("http://schema.org/"), rdflib.Namespace("http://www.w3.org/ns/prov#")
    deal_mapping = {
        KGO.supplier: schema.seller, KGO.recipient: schema.customer, KGO.equipmentModel: schema.orderedItem,
        KGO.status: schema.orderStatus, KGO.evidence: KGO.evidence, prov.wasDerivedFrom: prov.wasDerivedFrom,
    }
    expected = rdflib.Graph()
    for deal in graph.subjects(rdflib.RDF.type, KGO.ArmsDeal):
        expected.add((deal, rdflib.RDF.type, schema.Order))
        for source, target in deal_mapping.items():
            for value in graph.objects(deal, source):
                # The article's quotes and the article as source; not the editors' reasons.
                if value != CURATION_SOURCE and getattr(value, "language", "fr") == "fr":
                    expected.add((deal, target, value))
        for delivery in graph.objects(deal, KGO.delivery):
            expected.add((delivery, rdflib.RDF.type, schema.TransferAction))
            expected.add((delivery, KGO.deliveryOf, deal))
            for source, target in [(KGO.supplier, schema.agent), (KGO.recipient, schema.recipient),
                                   (KGO.equipmentModel, schema.object), (prov.wasDerivedFrom, prov.wasDerivedFrom)]:
                for value in graph.objects(deal, source):
                    if value != CURATION_SOURCE:
                        expected.add((delivery, target, value))
            for year in graph.objects(delivery, KGO.deliveryYear):
                expected.add((delivery, KGO.deliveryYear, year))
            for quantity in graph.objects(delivery, KGO.numberDelivered):
                for number in graph.objects(quantity, rdflib.RDF.value):
                    expected.add((delivery, KGO.numberDelivered, number))
    assert isomorphic(found, expected)
    assert len(set(found.subjects(rdflib.RDF.type, schema.Order))) == 14
    assert len(set(found.subjects(rdflib.RDF.type, schema.TransferAction))) == 9


def test_every_named_query_has_a_title_and_a_description(queries) -> None:
    assert len(queries) >= 15
    for query in queries.values():
        assert query.title and query.description, query.name


def test_transfers_register_has_sipri_columns_and_one_row_per_deal(store, queries) -> None:
    results = run_query(store, queries["transfers-register"].text, union_default_graph=False)
    assert [v.value for v in results.variables] == [
        "recipient", "supplier", "year_of_order", "number_ordered", "weapon_designation",
        "weapon_description", "number_delivered", "years_of_delivery", "status", "comments",
        "deal_stage", "evidence", "source", "deal",
    ]
    solutions = solution_rows(results)
    # SIPRI's status is the equipment's condition; where the deal stands is our deal_stage.
    rows = [(r["weapon_designation"], r["number_ordered"], r["number_delivered"],
             r["years_of_delivery"], r["status"], r["deal_stage"]) for r in solutions]
    unsaid = ".."
    assert rows == [
        ("BTR-40", unsaid, "15", "1961", unsaid, "delivered"), ("T-34-85", unsaid, "10", "1963", unsaid, "delivered"),
        ("BRDM-2", unsaid, "20", "1975", unsaid, "delivered"),
        ("S-125M/SA-3B", unsaid, "(3)", "(1981)", unsaid, "delivered"),
        ("SON-9", unsaid, "1", "1981", unsaid, "delivered"),
        ("T-34-85", unsaid, "20", "(1981)", unsaid, "delivered"),
        ("V-60/SA-3B", unsaid, "100", "(1981)", unsaid, "delivered"),
        ("P-10", unsaid, "3", "1983", unsaid, "delivered"), (None, unsaid, "..", "(2021)", unsaid, "delivered"),
        (None, "..", None, None, unsaid, "requested"), (None, "..", None, None, unsaid, "in preparation"),
        (None, "..", None, None, unsaid, "pledged"), (None, "..", None, None, "New", "acquired"),
        (None, "..", None, None, "New", "acquired"),
    ]
    # Every deal's source is the article it is reported in, never the editors' curation.
    assert {r["source"] for r in solutions} == {
        "Mali–Russia: military cooperation, past and present (L'Essor, 21 January 2022)"
        " <https://w3id.org/kg-mali/id/source/essor-2022-01-21-mali-russie>"
    }


def test_a_declared_parameter_binds_the_year(store, queries) -> None:
    query = queries["deliveries-in-year"]
    assert query.params == {"year": "http://www.w3.org/2001/XMLSchema#gYear"}
    results = run_query(store, query.text, union_default_graph=False,
                        substitutions=bindings(["year=1981"], query.params))
    rows = [tuple(v[len(ID):] if v and v.startswith(ID) else v for v in row.values())
            for row in solution_rows(results)]
    assert rows == IN_1981


def test_ad_hoc_queries_may_name_entities_by_kind_without_declaring_it() -> None:
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, [
        "query", "--format", "csv",
        "SELECT ?q WHERE { GRAPH graph:essor-2022-01-21-mali-russie"
        " { delivery:1961-btr-40 kgo:numberDelivered/rdf:value ?q } }",
    ])
    assert (result.exit_code, result.stdout) == (0, "q\n15\n")
