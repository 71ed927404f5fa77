"""The shipped facts: verbatim evidence, provenance, labels, identifiers and faithfulness."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from kg.namespaces import GRAPH, ID, KGO, WD

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "sources"
ARTICLE_GRAPH = GRAPH["essor-2022-01-21-mali-russie"]
BACKGROUND_GRAPH = GRAPH["background"]
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
    assert names == {ARTICLE_GRAPH, BACKGROUND_GRAPH}


def test_every_evidence_quote_occurs_verbatim_in_the_article(article_graph) -> None:
    local_copy = str(article_graph.value(ARTICLE, KGO.localCopy))
    body = article_body(local_copy)
    quoted = [
        (s, p, str(o))
        for p in (KGO.evidence, KGO.quote, KGO.photoCaption, KGO.equipmentAsWritten, KGO.titleAsWritten)
        for s, o in article_graph.subject_objects(p)
    ]
    missing = [(str(s), text[:60]) for s, p, text in quoted if text not in body]
    assert len(quoted) == 134
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
    assert len(subjects) == 100
    assert without_source == set()
    assert without_evidence == set()


def test_every_background_node_cites_the_background_source(dataset: Dataset) -> None:
    graph = dataset.graph(BACKGROUND_GRAPH)
    source = ID["source/background"]
    subjects = set(graph.subjects())
    assert len(subjects) == 20
    assert {s for s in subjects if (s, PROV.wasDerivedFrom, source) not in graph} == set()
    assert {s for s in subjects if graph.value(s, KGO.evidence) is None} == set()


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
    assert article_graph.value(ID["equipment/s-125m"], KGO.equipmentCategory) == ID[
        "category/surface-to-air-missile-system"
    ]
    assert article_graph.value(ID["equipment/v-60"], KGO.designation) == Literal("V-60/SA-3B")
    noted = set(article_graph.subjects(KGO.editorialNote, None))
    assert {ID["equipment/s-125m"], ID["equipment/v-60"], ID["state/united-arab-emirates"],
            ID["person/modibo-keita"]} <= noted


def test_the_soviet_deliveries_are_exactly_the_articles(article_graph) -> None:
    rows = set()
    for t in article_graph.subjects(RDF.type, KGO.ArmsTransfer):
        if article_graph.value(t, KGO.supplier) == ID["state/ussr"]:
            rows.add((
                str(article_graph.value(t, KGO.deliveryYear)),
                str(article_graph.value(t, KGO.equipmentModel)).rsplit("/", 1)[1],
                article_graph.value(t, KGO.quantity).toPython(),
            ))
    assert rows == {
        ("1961", "btr-40", 15), ("1963", "t-34-85", 10), ("1975", "brdm-2", 20),
        ("1981", "s-125m", 3), ("1981", "v-60", 100), ("1981", "t-34-85", 20),
        ("1981", "son-9", 1), ("1983", "p-10", 3),
    }
