"""kg.search_index: what the FTS5 index holds, how hits are ranked, and input that must not break it."""

import sqlite3
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg.namespaces import PREFIXES
from kg.search_index import (
    MATCH_END, MATCH_START, Tier, fold, index_name, index_path_for_store, open_index, search,
    snippet, words, write_index,
)

ID = "https://w3id.org/kg-mali/id/"
GRAPH = NamedNode("https://w3id.org/kg-mali/graph/sample")
INFERRED = NamedNode("https://w3id.org/kg-mali/graph/inferred")


def _p(prefix: str, local: str) -> NamedNode:
    return NamedNode(PREFIXES[prefix] + local)


LABEL, ALT, DEFINITION = _p("rdfs", "label"), _p("skos", "altLabel"), _p("skos", "definition")
EVIDENCE, TYPE = _p("kgo", "evidence"), _p("rdf", "type")


def _entity(path: str, cls: str, *facts: tuple[NamedNode, Literal]) -> list[Quad]:
    iri = NamedNode(ID + path)
    quads = [Quad(iri, TYPE, _p("kgo", cls), GRAPH), Quad(iri, TYPE, _p("kgo", "Event"), INFERRED)]
    return quads + [Quad(iri, p, o, GRAPH) for p, o in facts]


@pytest.fixture(scope="module")
def people_and_statements(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    """A person, statements whose labels begin with his name, a namesake, and a text-only match."""
    store = pyoxigraph.Store()
    store.extend(_entity(
        "person/sergey-lavrov", "Person",
        (LABEL, Literal("Sergey Lavrov", language="en")),
        (LABEL, Literal("Sergueï Lavrov", language="fr")),
    ))
    store.extend(_entity(
        "statement/lavrov-training", "Statement",
        (LABEL, Literal("Lavrov: Russia will keep training Malian officers", language="en")),
        (LABEL, Literal("Lavrov : la Russie va continuer la formation", language="fr")),
    ))
    store.extend(_entity(
        "person/modibo-keita", "Person",
        (LABEL, Literal("Modibo Keïta", language="en")),
        (ALT, Literal("Modibo KEITA", language="fr")),
        (DEFINITION, Literal("First President of Mali, from 1960 to 1968.", language="en")),
    ))
    store.extend(_entity(
        "event/visit", "DiplomaticVisit",
        (LABEL, Literal("Diop's visit to Moscow", language="en")),
        (EVIDENCE, Literal("reçu par son homologue Sergueï Lavrov", language="fr")),
    ))
    # Text but no label: not a resource one can search for.
    store.add(Quad(NamedNode(ID + "quantity/q"), EVIDENCE, Literal("Lavrov"), GRAPH))
    path = tmp_path_factory.mktemp("index") / "search.sqlite"
    assert write_index(store, path) == 4
    return open_index(path)


def labels(found) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.label for hit in found.hits]


def test_the_person_comes_before_the_statements_that_begin_with_his_name(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, "lavrov", 10)
    assert found.total == 3
    assert labels(found) == [
        "Sergey Lavrov",
        "Lavrov: Russia will keep training Malian officers",
        "Diop's visit to Moscow",
    ]
    assert [hit.tier for hit in found.hits] == [Tier.LABEL, Tier.LABEL, Tier.TEXT]


def test_a_label_word_for_word_is_an_exact_match(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, "MODIBO  keïta!", 10)
    assert [(hit.label, hit.tier) for hit in found.hits] == [("Modibo Keïta", Tier.EXACT)]


@pytest.mark.parametrize("query", ["keita", "KEÏTA", "Keïta", "keïta", "KEITA"])
def test_case_and_accents_are_folded(people_and_statements, query: str) -> None:  # type: ignore[no-untyped-def]
    assert labels(search(people_and_statements, query, 10)) == ["Modibo Keïta"]


def test_the_french_label_finds_the_english_one(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, "sergueï", 10)
    assert [(hit.label, hit.iri) for hit in found.hits] == [
        ("Sergey Lavrov", ID + "person/sergey-lavrov"),
        ("Diop's visit to Moscow", ID + "event/visit"),
    ]


def test_the_last_word_may_be_the_beginning_of_one(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, "serg lavr", 10)
    assert [(hit.label, hit.tier) for hit in found.hits] == [
        ("Sergey Lavrov", Tier.LABEL_PREFIX),
        ("Diop's visit to Moscow", Tier.TEXT),
    ]


def test_descriptions_are_searched_after_labels(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, "president 1960", 10)
    assert [(hit.label, hit.tier) for hit in found.hits] == [("Modibo Keïta", Tier.TEXT)]
    assert found.hits[0].snippet == (
        f"First {MATCH_START}President{MATCH_END} of Mali, from {MATCH_START}1960{MATCH_END} to 1968."
    )


def test_hits_carry_their_asserted_types_only(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    [hit] = search(people_and_statements, "modibo", 10).hits
    assert hit.types == (PREFIXES["kgo"] + "Person",)


def test_limit_and_offset_page_through_the_same_order(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    everything = labels(search(people_and_statements, "lavrov", 10))
    pages = [labels(search(people_and_statements, "lavrov", 1, offset)) for offset in range(4)]
    assert pages == [[everything[0]], [everything[1]], [everything[2]], []]
    assert search(people_and_statements, "lavrov", 1, 2).total == 3


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ('"', 0), ('lavrov"', 3), ("(lavrov", 3), ("^lavrov", 3), ("lav*", 3), ("lavrov -", 3),
        ("lavrov OR", 0),  # "or" is a word like any other, and no label or text holds it
        ("NOT lavrov", 0), ("AND", 0), ("*", 0), ("labels:lavrov", 0), ("{labels}: x", 0),
        ("NEAR(a b)", 0), ("'", 0), ("-", 0), ("\x00", 0), ("🙂", 0), ("a" * 400, 0),
    ],
)
def test_fts5_syntax_in_a_query_is_never_interpreted(people_and_statements, query: str, total: int) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, query, 10)
    assert (found.total, len(found.hits)) == (total, total)


@pytest.mark.parametrize("query", ["", "   ", "!?", "*", "\x00"])
def test_a_query_without_words_finds_nothing(people_and_statements, query: str) -> None:  # type: ignore[no-untyped-def]
    found = search(people_and_statements, query, 10)
    assert (found.total, found.hits) == (0, ())


def test_the_index_is_opened_read_only(people_and_statements) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        people_and_statements.execute("DELETE FROM entry")


def test_writing_leaves_no_temporary_file_and_replaces_an_old_index(tmp_path: Path) -> None:
    store = pyoxigraph.Store()
    store.extend(_entity("person/a", "Person", (LABEL, Literal("Aminata", language="fr"))))
    path = tmp_path / "search.sqlite"
    path.write_bytes(b"an older index")
    assert write_index(store, path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["search.sqlite"]
    assert labels(search(open_index(path), "aminata", 10)) == ["Aminata"]


def test_a_file_that_is_no_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    path.write_bytes(b"not sqlite at all, but long enough to be read as a header" * 20)
    with pytest.raises(OSError, match="not a search index"):
        open_index(path)


def test_the_index_is_named_after_its_store() -> None:
    assert index_name("store-79a5809505e9-18eec16e65abae65") == "search-79a5809505e9-18eec16e65abae65.sqlite"
    assert index_path_for_store(Path("build/store-abc-1")) == Path("build/search-abc-1.sqlite")


def test_folding_matches_the_tokenizer() -> None:
    assert fold("Modibo KEÏTA, Sergueï") == "modibo keita, serguei"
    assert words("L’Essor: Mali–Russie (2022)") == ["l", "essor", "mali", "russie", "2022"]
    assert words("snake_case") == ["snake", "case"]


def test_a_snippet_is_cut_around_the_first_match_and_marks_every_match() -> None:
    text = " ".join(f"w{n}" for n in range(40)) + " Lavrov x0 lavrova " + " ".join(
        f"x{n}" for n in range(1, 40)
    )
    shown = snippet(["no match here", text], ["lavrov"])
    after = " ".join(f"x{n}" for n in range(1, 12))
    assert shown == (
        f"…w38 w39 {MATCH_START}Lavrov{MATCH_END} x0 {MATCH_START}lavrova{MATCH_END} {after}…"
    )
    assert snippet(["« Sergueï Lavrov »"], ["serguei"]) == f"« {MATCH_START}Sergueï{MATCH_END} Lavrov »"


def test_a_snippet_comes_from_the_column_holding_most_of_the_words() -> None:
    columns = ["Modibo Keïta", "", "President of Mali from 1960", "Mali, 1960"]
    assert snippet(columns, ["president", "1960"]) == (
        f"{MATCH_START}President{MATCH_END} of Mali from {MATCH_START}1960{MATCH_END}"
    )
    assert snippet(columns, ["nothing"]) == ""
