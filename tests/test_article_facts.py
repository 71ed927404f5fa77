"""The shipped facts: verbatim evidence, provenance, labels, identifiers and faithfulness."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.namespaces import GRAPH, ID, KGO, WD

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "sources"
ARTICLE_GRAPH = GRAPH["essor-2022-01-21-mali-russie"]
BACKGROUND_GRAPH = GRAPH["background"]
CURATION_GRAPH = GRAPH["curation"]
ARTICLE = ID["source/essor-2022-01-21-mali-russie"]
ARTICLE_END = "Madiba KEÏTA"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    for path in sorted((ROOT / "data").glob("*.trig")):
        ds.parse(path, format="trig")
    return ds


@pytest.fixture(scope="module")
def article_graph(dataset: Dataset):
    return dataset.graph(ARTICLE_GRAPH)


def article_body(local_copy: str) -> str:
    """The article's text from its title to its signature; the page furniture after it is cut."""
    path = SOURCES / local_copy
    if not path.exists():
        pytest.skip(f"{path} is absent: the saved article lives in ../shared/sources (CI has it)")
    text = path.read_text(encoding="utf-8")
    return text[: text.index(ARTICLE_END) + len(ARTICLE_END)]


def test_each_data_file_holds_one_named_graph(dataset: Dataset) -> None:
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {ARTICLE_GRAPH, BACKGROUND_GRAPH, CURATION_GRAPH}


def test_every_evidence_quote_occurs_verbatim_in_the_article(article_graph) -> None:
    local_copy = str(article_graph.value(ARTICLE, KGO.localCopy))
    body = article_body(local_copy)
    quoted = [
        (s, p, str(o))
        for p in (KGO.evidence, KGO.quote, KGO.photoCaption, KGO.equipmentAsWritten, KGO.titleAsWritten,
                  KGO.categoryAsWritten, KGO.valueAsWritten)
        for s, o in article_graph.subject_objects(p)
    ]
    missing = [(str(s), text[:60]) for s, p, text in quoted if text not in body]
    assert len(quoted) == 208
    assert missing == []


def test_no_evidence_is_taken_from_the_page_furniture(article_graph) -> None:
    body = article_body(str(article_graph.value(ARTICLE, KGO.localCopy)))
    furniture = (SOURCES / "000_9811083c856c8fbd.txt").read_text(encoding="utf-8")[len(body):]
    assert "Lire aussi" in furniture
    for text in article_graph.objects(None, KGO.evidence):
        assert str(text) in body


def test_every_node_of_the_article_graph_cites_the_article(article_graph) -> None:
    subjects = set(article_graph.subjects())
    without_source = {s for s in subjects if (s, PROV.wasDerivedFrom, ARTICLE) not in article_graph}
    without_evidence = {
        s for s in subjects
        if not any(str(o).strip() for o in article_graph.objects(s, KGO.evidence))
    }
    assert len(subjects) == 129
    assert without_source == set()
    assert without_evidence == set()


def test_every_background_node_cites_the_background_source(dataset: Dataset) -> None:
    graph = dataset.graph(BACKGROUND_GRAPH)
    source = ID["source/background"]
    subjects = set(graph.subjects())
    assert len(subjects) == 37
    assert {s for s in subjects if (s, PROV.wasDerivedFrom, source) not in graph} == set()
    assert {s for s in subjects if graph.value(s, KGO.evidence) is None} == set()


def test_every_curation_node_cites_the_curation_source(dataset: Dataset) -> None:
    graph = dataset.graph(CURATION_GRAPH)
    source = ID["source/curation"]
    subjects = set(graph.subjects())
    assert len(subjects) == 45
    assert {s for s in subjects if (s, PROV.wasDerivedFrom, source) not in graph} == set()
    assert {s for s in subjects if graph.value(s, KGO.evidence) is None} == set()


def test_every_article_node_says_whose_claim_it_is(article_graph) -> None:
    claims = {}
    for s in set(article_graph.subjects()):
        claims.setdefault(str(article_graph.value(s, KGO.claimedBy)).rsplit("/", 1)[1], set()).add(s)
    assert {who: len(nodes) for who, nodes in claims.items()} == {
        "madiba-keita": 115, "abdoulaye-diop": 9, "sergey-lavrov": 5,
    }
    for fact, statement in article_graph.subject_objects(KGO.assertedIn):
        assert (statement, KGO.asserts, fact) in article_graph
        assert article_graph.value(fact, KGO.claimedBy) == article_graph.value(statement, KGO.speaker)


def test_facts_are_never_blank_nodes(dataset: Dataset) -> None:
    blank = [t for t in dataset.quads() if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    assert blank == []


def test_every_entity_has_a_french_and_an_english_label(article_graph) -> None:
    for subject in set(article_graph.subjects(RDF.type)):
        languages = {lbl.language for lbl in article_graph.objects(subject, RDFS.label)}
        assert {"fr", "en"} <= languages, subject


def test_identifiers_are_readable_and_under_one_base(dataset: Dataset) -> None:
    for subject in {q[0] for q in dataset.quads()}:
        assert str(subject).startswith(str(ID)), subject
        assert str(subject) == str(subject).lower(), subject


def test_wikidata_links_use_exact_match_not_same_as(dataset: Dataset) -> None:
    assert list(dataset.quads((None, OWL.sameAs, None, None))) == []
    links = {(s, o) for s, _, o, _ in dataset.quads((None, SKOS.exactMatch, None, None))}
    expected = {
        ("state/mali", "Q912"), ("state/russia", "Q159"), ("state/ussr", "Q15180"),
        ("state/france", "Q142"), ("state/germany", "Q183"), ("state/bulgaria", "Q219"),
        ("state/united-states", "Q30"), ("state/south-africa", "Q258"), ("state/china", "Q148"),
        ("state/united-arab-emirates", "Q878"), ("state/qatar", "Q846"),
        ("state/burkina-faso", "Q965"), ("place/moscow", "Q649"), ("place/bamako", "Q3703"),
        ("person/sergey-lavrov", "Q58217"),
    }
    assert links == {(ID[s], WD[q]) for s, q in expected}


def test_the_three_keitas_are_three_people(article_graph) -> None:
    keitas = {ID["person/madiba-keita"], ID["person/modibo-keita"], ID["person/ibrahim-boubacar-keita"]}
    assert all((k, RDF.type, KGO.Person) in article_graph for k in keitas)
    assert article_graph.value(ARTICLE, URIRef("http://purl.org/dc/terms/creator")) == ID["person/madiba-keita"]


def test_evident_errors_are_kept_as_written_and_noted(article_graph) -> None:
    s125 = ID["transfer/1981-s-125m"]
    assert article_graph.value(s125, KGO.equipmentAsWritten) == Literal(
        "missiles air-sol\u00a0S-125M/SA-3B", lang="fr"
    )
    assert article_graph.value(ID["equipment/s-125m"], KGO.categoryAsWritten) == Literal(
        "missiles air-sol", lang="fr"
    )
    # The editors' classification lives in the curation graph, not the article's.
    assert article_graph.value(ID["equipment/s-125m"], KGO.equipmentCategory) is None
    assert article_graph.value(ID["equipment/v-60"], KGO.designation) == Literal("V-60/SA-3B")
    noted = set(article_graph.subjects(KGO.editorialNote, None))
    assert {ID["equipment/s-125m"], ID["equipment/v-60"], ID["state/united-arab-emirates"],
            ID["person/modibo-keita"]} <= noted


def test_the_soviet_deliveries_are_exactly_the_articles(article_graph) -> None:
    rows = set()
    for deal in article_graph.subjects(RDF.type, KGO.ArmsDeal):
        if article_graph.value(deal, KGO.supplier) == ID["state/ussr"]:
            for delivery in article_graph.objects(deal, KGO.delivery):
                number = article_graph.value(delivery, KGO.numberDelivered)
                rows.add((
                    str(article_graph.value(delivery, KGO.deliveryYear)),
                    str(article_graph.value(deal, KGO.equipmentModel)).rsplit("/", 1)[1],
                    article_graph.value(number, RDF.value).toPython(),
                    str(article_graph.value(delivery, KGO.dateBasis)).rsplit("#", 1)[1],
                ))
    assert rows == {
        ("1961", "btr-40", 15, "stated"), ("1963", "t-34-85", 10, "stated"),
        ("1975", "brdm-2", 20, "stated"), ("1981", "s-125m", 3, "carried-over"),
        ("1981", "v-60", 100, "carried-over"), ("1981", "t-34-85", 20, "carried-over"),
        ("1981", "son-9", 1, "stated"), ("1983", "p-10", 3, "stated"),
    }


def test_the_deals_after_2020_and_their_statuses(article_graph) -> None:
    statuses = {
        str(d).rsplit("/", 1)[1]: str(article_graph.value(d, KGO.status)).rsplit("#", 1)[1]
        for d in article_graph.subjects(RDF.type, KGO.ArmsDeal)
        if article_graph.value(d, KGO.supplier) != ID["state/ussr"]
    }
    assert statuses == {
        "after-2020-combat-helicopters": "acquired", "after-2020-other-war-materiel": "acquired",
        "2021-10-first-russian-deliveries": "delivered",
        "2021-pending-russian-deliveries": "in-preparation",
        "2021-mali-equipment-request": "requested", "2021-russian-equipment-pledge": "pledged",
    }
    toll = article_graph.value(ID["event/1985-war-mali-burkina-faso"], KGO.deathToll)
    assert (article_graph.value(toll, RDF.value).toPython(), article_graph.value(toll, KGO.precision)) == (
        200, KGO.approximate
    )
    assert article_graph.value(toll, KGO.valueAsWritten) == Literal("près de 200", lang="fr")


def test_only_the_acquisitions_after_2020_say_their_condition(article_graph) -> None:
    """SIPRI's "status" is the equipment's condition; the article gives it once: "équipements neufs"."""
    conditions = {
        str(d).rsplit("/", 1)[1]: article_graph.value(d, KGO.itemCondition)
        for d in article_graph.subjects(KGO.itemCondition, None)
    }
    assert conditions == {"after-2020-combat-helicopters": KGO.new, "after-2020-other-war-materiel": KGO.new}


def test_only_the_v_60_is_a_component_of_the_s_125m(dataset: Dataset) -> None:
    # The SON-9 lays the guns of S-60 and KS-19 batteries; the S-125's own radar is the SNR-125.
    components = {(s, o) for s, _, o, _ in dataset.quads((None, KGO.componentOf, None, None))}
    assert components == {(ID["equipment/v-60"], ID["equipment/s-125m"])}
    son_9 = " ".join(str(e) for e in dataset.graph(CURATION_GRAPH).objects(ID["equipment/son-9"], KGO.evidence))
    assert "S-60" in son_9 and "no part of the S-125" in son_9


def test_three_s_125m_systems_are_the_editors_reading_of_three_missiles(dataset: Dataset) -> None:
    """The article states "3"; reading them as three systems is the curation graph's, with its note."""
    article, curation = dataset.graph(ARTICLE_GRAPH), dataset.graph(CURATION_GRAPH)
    quantity = ID["quantity/1981-s-125m-delivered"]
    assert (article.value(quantity, RDF.value), article.value(quantity, KGO.valueBasis)) == (Literal(3), None)
    assert curation.value(quantity, KGO.valueBasis) == KGO["editors-classification"]
    assert curation.value(quantity, PROV.wasDerivedFrom) == ID["source/curation"]
    notes = [n for g in (article, curation) for n in g.objects(quantity, KGO.editorialNote) if n.language == "en"]
    assert len(notes) == 1 and "editors' reading" in notes[0] and notes[0] in set(curation.objects(None, None))


def test_the_authors_own_sentence_is_dated_by_the_article_not_the_visit(article_graph) -> None:
    sentence = ID["statement/essor-mali-wants-capabilities"]
    assert article_graph.value(sentence, KGO.speaker) == ID["person/madiba-keita"]
    assert article_graph.value(sentence, KGO.partOfEvent) is None
    assert article_graph.value(sentence, KGO.date) == Literal("2022-01-21", datatype=XSD.date)
    assert (ID["statement/2021-11-11-mali-wants-capabilities"], None, None) not in article_graph


def test_the_transition_began_after_the_junta_of_18_august(dataset: Dataset) -> None:
    background = dataset.graph(BACKGROUND_GRAPH)
    transition, junta = ID["regime/mali-transition-2020"], ID["regime/mali-cnsp-2020"]
    starts = {o for _, _, o, _ in dataset.quads((transition, KGO.startDate, None, None))}
    assert starts == {Literal("2020-09-25", datatype=XSD.date)}
    assert (background.value(junta, KGO.startDate), background.value(junta, KGO.endDate)) == (
        Literal("2020-08-18", datatype=XSD.date), Literal("2020-09-25", datatype=XSD.date)
    )
    assert background.value(junta, KGO.beganWith) == ID["event/2020-08-18-events"]
    chain = [ID["regime/mali-ibrahim-boubacar-keita"], junta, transition]
    successors = {s: o for s, _, o, _ in dataset.quads((None, KGO.succeededBy, None, None)) if s in chain}
    assert successors == {chain[0]: chain[1], chain[1]: chain[2]}


def test_malis_regimes_cover_1960_to_today_without_a_gap_or_an_overlap(dataset: Dataset) -> None:
    """Each regime ends on the day (or in the month) the next one begins, in the order the
    succession links give; the first begins at independence and the last is still in power."""
    mali = ID["state/mali"]
    regimes = {s for s, _, _, _ in dataset.quads((None, KGO.governs, mali, None))}

    def dates(regime: URIRef, prop: URIRef) -> list[str]:
        return sorted({str(o) for _, _, o, _ in dataset.quads((regime, prop, None, None))})

    spans = sorted(
        (dates(r, KGO.startDate), dates(r, KGO.endDate), str(r).removeprefix(str(ID["regime/"])))
        for r in regimes
    )
    assert [(start, end, name) for start, end, name in spans] == [
        (["1960-09-22"], ["1968-11"], "mali-modibo-keita"),
        (["1968-11"], ["1991-03-26"], "mali-moussa-traore"),
        (["1991-03-26"], ["1992-06-08"], "mali-ctsp-1991"),
        (["1992-06-08"], ["2002-06-08"], "mali-alpha-oumar-konare"),
        (["2002-06-08"], ["2012-03-22"], "mali-amadou-toumani-toure"),
        (["2012-03-22"], ["2012-04-12"], "mali-cnrdr-2012"),
        (["2012-04-12"], ["2013-09-04"], "mali-dioncounda-traore"),
        (["2013-09-04"], ["2020-08-18"], "mali-ibrahim-boubacar-keita"),
        (["2020-08-18"], ["2020-09-25"], "mali-cnsp-2020"),
        (["2020-09-25"], [], "mali-transition-2020"),
    ]
    # no gap, no overlap: each end is the next start; only the last is open
    assert [end for _, end, _ in spans[:-1]] == [start for start, _, _ in spans[1:]]
    # the succession links follow the same order, one successor and one predecessor each
    order = [ID[f"regime/{name}"] for _, _, name in spans]
    successors = {(s, o) for s, _, o, _ in dataset.quads((None, KGO.succeededBy, None, None)) if s in regimes}
    predecessors = {(o, s) for s, _, o, _ in dataset.quads((None, KGO.precededBy, None, None)) if s in regimes}
    assert successors == predecessors == set(zip(order, order[1:]))
