"""Named queries, running queries on the store, and formatting their results."""

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from kg.errors import InputError, NotFound, QueryError, UnsupportedFormat
from kg.loading import load_dataset
from kg.namespaces import PREFIXES
from solutions import solution_rows
import kg.querying
from kg.querying import (
    bindings,
    format_results,
    get_named_query,
    list_named_queries,
    render_table,
    shorten_iri,
    term_text,
)
from kg.store import run_query
from kg.terms import store_from_dataset

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "project"
QUERIES = PROJECT / "queries"
ID = "https://w3id.org/kg-mali/id/"


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    loaded = load_dataset(sorted((PROJECT / "ontology").glob("*.ttl")),
                          sorted((PROJECT / "data").glob("*.trig")))
    return store_from_dataset(loaded.dataset)


def _named(store, name: str):
    return run_query(store, get_named_query(name, QUERIES).text)


def test_the_catalogue_lists_each_query_with_its_header():
    queries = list_named_queries(QUERIES)

    assert [(q.name, q.title, q.description) for q in queries] == [
        ("agreement_parties", "Agreement parties", "The parties to each agreement, as a graph."),
        ("countries", "Countries", "Every country with its labels, one row per label."),
    ]
    assert queries[1].path == QUERIES / "countries.rq"
    assert queries[1].text == (QUERIES / "countries.rq").read_text(encoding="utf-8")


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(NotFound) as caught:
        get_named_query("../countries", QUERIES)

    assert str(caught.value) == (
        "unknown query '../countries'; known queries: agreement_parties, countries"
    )
    assert caught.value.exit_code == 2 and caught.value.http_status == 404


def test_a_query_without_a_title_is_refused(tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "querying" / "missing_title.rq", tmp_path)
    monkeypatch.chdir(tmp_path)

    with pytest.raises(InputError) as caught:
        list_named_queries(tmp_path)

    assert str(caught.value) == "missing_title.rq:1: missing '# title:' header line"


def test_a_syntax_error_gives_source_line_and_column():
    text = (FIXTURES / "querying" / "bad_syntax_line_3.rq").read_text(encoding="utf-8")

    with pytest.raises(QueryError) as caught:
        run_query(pyoxigraph.Store(), text, source="bad_syntax_line_3.rq")

    assert str(caught.value) == (
        "bad_syntax_line_3.rq:3:35: "
        "expected one of HAVING, OFFSET, OPTIONAL, VALUES, a digit"
    )


def test_the_default_graph_is_the_union_of_all_graphs_unless_asked_otherwise(store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    [union] = run_query(store, count)
    [default] = run_query(store, count, union_default_graph=False)

    # Not deduplicated: a triple asserted in two graphs matches twice.
    assert (union["n"].value, default["n"].value) == ("27", "0")


def test_prefixes_can_be_predeclared_and_values_bound(store):
    results = run_query(
        store,
        "SELECT ?c ?label WHERE { ?c rdfs:label ?label } ORDER BY ?label",
        prefixes=PREFIXES,
        substitutions={pyoxigraph.Variable("c"): pyoxigraph.NamedNode(ID + "russia")},
    )

    assert solution_rows(results) == [
        {"c": ID + "russia", "label": "Russia"},
        {"c": ID + "russia", "label": "Russie"},
    ]


def test_solution_rows_are_plain_values_with_none_when_unbound(store):
    results = run_query(
        store,
        f"SELECT ?c ?missing WHERE {{ VALUES ?c {{ <{ID}mali> }} "
        "OPTIONAL { ?c <urn:x> ?missing } }",
    )

    assert solution_rows(results) == [{"c": ID + "mali", "missing": None}]


def test_select_results_as_an_aligned_table(store):
    assert format_results(_named(store, "countries"), "table") == (
        "country    label\n"
        "---------  -----------\n"
        'id:mali    "Mali"@fr\n'
        'id:russia  "Russia"@en\n'
        'id:russia  "Russie"@fr\n'
        "(3 rows)\n"
    )


def test_select_results_as_sparql_json_csv_and_tsv(store):
    assert format_results(_named(store, "countries"), "json") == (
        '{"head":{"vars":["country","label"]},"results":{"bindings":['
        f'{{"country":{{"type":"uri","value":"{ID}mali"}},'
        '"label":{"type":"literal","value":"Mali","xml:lang":"fr"}},'
        f'{{"country":{{"type":"uri","value":"{ID}russia"}},'
        '"label":{"type":"literal","value":"Russia","xml:lang":"en"}},'
        f'{{"country":{{"type":"uri","value":"{ID}russia"}},'
        '"label":{"type":"literal","value":"Russie","xml:lang":"fr"}}]}}\n'
    )
    assert format_results(_named(store, "countries"), "csv") == (
        f"country,label\r\n{ID}mali,Mali\r\n{ID}russia,Russia\r\n{ID}russia,Russie\r\n"
    )
    assert format_results(_named(store, "countries"), "tsv") == (
        "?country\t?label\n"
        f'<{ID}mali>\t"Mali"@fr\n<{ID}russia>\t"Russia"@en\n<{ID}russia>\t"Russie"@fr\n'
    )


def test_construct_results_as_turtle_with_only_the_prefixes_used(store):
    assert format_results(_named(store, "agreement_parties"), "turtle") == (
        "@prefix kgo: <https://w3id.org/kg-mali/ontology#> .\n"
        "@prefix id: <https://w3id.org/kg-mali/id/> .\n"
        "id:agreement-2021 kgo:party id:mali , id:russia .\n"
    )


def test_construct_results_as_a_table_of_triples(store):
    assert format_results(_named(store, "agreement_parties"), "table") == (
        "subject            predicate  object\n"
        "-----------------  ---------  ---------\n"
        "id:agreement-2021  kgo:party  id:mali\n"
        "id:agreement-2021  kgo:party  id:russia\n"
        "(2 rows)\n"
    )


def test_ask_results(store):
    ask = f"ASK {{ <{ID}mali> ?p ?o }}"

    assert format_results(run_query(store, ask), "table") == "true\n"
    assert format_results(run_query(store, ask), "json") == '{"head":{},"boolean":true}\n'


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("countries", "turtle",
         "format 'turtle' does not fit SELECT or ASK results; use one of table, json, csv, tsv"),
        ("agreement_parties", "csv",
         "format 'csv' does not fit CONSTRUCT or DESCRIBE results; use one of table, turtle"),
    ],
)
def test_a_format_that_does_not_fit_the_result_kind_is_refused(store, name, fmt, message):
    with pytest.raises(UnsupportedFormat) as caught:
        format_results(_named(store, name), fmt)

    assert str(caught.value) == message
    assert caught.value.http_status == 406


@pytest.mark.parametrize(
    ("iri", "shown"),
    [
        (ID + "mali", "id:mali"),
        ("https://w3id.org/kg-mali/ontology#Country", "kgo:Country"),
        ("https://w3id.org/kg-mali/graph/essor-2021-09-30", "graph:essor-2021-09-30"),
        ("https://w3id.org/kg-mali/ontology", "<https://w3id.org/kg-mali/ontology>"),
        (ID + "transfer/1961-btr-40", "transfer:1961-btr-40"),
        (ID + "unknown-kind/x", "id:unknown-kind/x"),
        (ID + "a?b", "<https://w3id.org/kg-mali/id/a?b>"),
        (ID + "ends.", "<https://w3id.org/kg-mali/id/ends.>"),
        ("http://example.org/x", "<http://example.org/x>"),
    ],
)
def test_iris_are_shortened_only_to_plain_local_names(iri, shown):
    assert shorten_iri(iri) == shown


def test_terms_are_shown_on_one_line():
    assert term_text(pyoxigraph.Literal("two\nlines")) == "two\\nlines"
    assert term_text(pyoxigraph.Literal("1", datatype=pyoxigraph.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))) == "1"
    assert term_text(pyoxigraph.BlankNode("b0")) == "_:b0"
    assert term_text(None) == ""


def test_tables_right_align_the_columns_asked_for():
    assert render_table(["name", "n"], [["a", "10"], ["bb", "2"]], right_aligned=[1]) == (
        "name   n\n"
        "----  --\n"
        "a     10\n"
        "bb     2\n"
    )


def test_entity_iris_get_their_kinds_prefix_instead_of_an_escaped_slash():
    from pyoxigraph import NamedNode

    from kg.querying import used_prefixes

    terms = [
        NamedNode("https://w3id.org/kg-mali/id/state/mali"),
        NamedNode("https://w3id.org/kg-mali/id/equipment/p-10"),
        NamedNode("https://w3id.org/kg-mali/ontology#supplier"),
        NamedNode("https://w3id.org/kg-mali/id/org/lessor"),
        NamedNode("https://w3id.org/kg-mali/id/unknown-kind/x"),  # no prefix: written whole
    ]
    assert used_prefixes(terms) == {
        "kgo": "https://w3id.org/kg-mali/ontology#",
        "state": "https://w3id.org/kg-mali/id/state/",
        "org": "https://w3id.org/kg-mali/id/org/",
        "equip": "https://w3id.org/kg-mali/id/equipment/",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # pyoxigraph lists character classes as Unicode ranges over several lines.
        ("SELECT ?", "query:1:9: expected one of DESCRIBE, a digit, a name character, '_', more text"),
        ('SELECT * { ?s ?p "\\u00G" }', "query:1:23: expected a hexadecimal digit"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1e", "query:1:37: the query ends too early"),
    ],
)
def test_a_syntax_error_names_the_characters_expected_in_words(text, message):
    with pytest.raises(QueryError) as caught:
        run_query(pyoxigraph.Store(), text, source="query")

    assert str(caught.value) == message


@pytest.mark.parametrize("datatype", sorted(kg.querying._CHECKED_DATATYPES))
def test_each_declarable_datatype_takes_its_example_and_refuses_a_word(datatype):
    example = kg.querying._CHECKED_DATATYPES[datatype]
    bound = bindings([f"v={example}"], {"v": datatype})

    assert bound == {pyoxigraph.Variable("v"): pyoxigraph.Literal(example, datatype=pyoxigraph.NamedNode(datatype))}
    if datatype != PREFIXES["xsd"] + "string":
        with pytest.raises(InputError, match=r"^--bind 'v=nowhere': \?v takes an xsd:"):
            bindings(["v=nowhere"], {"v": datatype})
