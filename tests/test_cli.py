"""The `kg` command line: exact output, exact exit codes, one-line errors."""

import fcntl
import json
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset
from rdflib.compare import isomorphic

from kg.build import STAGES, build
from kg.cli import main
from kg.loading import named_graphs

FIXTURES = Path(__file__).parent / "fixtures"
ID = "https://w3id.org/kg-mali/id/"
CHANGED = "kg: data changed since the last build; rebuilding…"

COUNTRIES_TABLE = (
    "country    label\n"
    "---------  -----------\n"
    'id:mali    "Mali"@fr\n'
    'id:russia  "Russia"@en\n'
    'id:russia  "Russie"@fr\n'
    "(3 rows)\n"
)
COUNTRIES_QUERY = (
    "SELECT DISTINCT ?country ?label WHERE { ?country a kgo:Country ; rdfs:label ?label } "
    "ORDER BY ?country ?label"
)


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A copy of the fixture project as KG_ROOT, and the working folder, so paths show short;
    built, so that a read command says nothing on stderr unless its data change."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", root)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    build(root)
    return root


def kg(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_version():
    result = kg("--version")

    assert (result.exit_code, result.stdout) == (0, "kg, version 0.1.0\n")


def test_query_text_with_predeclared_prefixes(root):
    result = kg("query", COUNTRIES_QUERY)

    assert (result.exit_code, result.stdout, result.stderr) == (0, COUNTRIES_TABLE, "")


def test_query_from_stdin(root):
    result = kg("query", "-", "--format", "csv", input=COUNTRIES_QUERY)

    assert result.exit_code == 0
    assert result.stdout_bytes.decode("utf-8") == (
        f"country,label\r\n{ID}mali,Mali\r\n{ID}russia,Russia\r\n{ID}russia,Russie\r\n"
    )


def test_query_from_a_file(root, tmp_path):
    path = tmp_path / "countries.rq"
    path.write_text(COUNTRIES_QUERY, encoding="utf-8")

    result = kg("query", "--file", str(path))

    assert (result.exit_code, result.stdout) == (0, COUNTRIES_TABLE)


def test_a_named_query(root):
    result = kg("query", "--name", "countries")

    assert (result.exit_code, result.stdout) == (0, COUNTRIES_TABLE)


def test_a_construct_query_prints_turtle_by_default(root):
    result = kg("query", "--name", "agreement_parties")

    assert result.exit_code == 0
    assert result.stdout == (
        "@prefix kgo: <https://w3id.org/kg-mali/ontology#> .\n"
        "@prefix id: <https://w3id.org/kg-mali/id/> .\n"
        "id:agreement-2021 kgo:party id:mali , id:russia .\n"
    )


def test_list_the_named_queries(root):
    result = kg("query", "--list")

    assert result.exit_code == 0
    assert result.stdout == (
        "name               title\n"
        "-----------------  -----------------\n"
        "agreement_parties  Agreement parties\n"
        "countries          Countries\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Error: give exactly one of QUERY, --file or --name.\n"),
        (("ASK {}", "--name", "countries"),
         "Error: give exactly one of QUERY, --file or --name.\n"),
        (("--list", "--name", "countries"), "Error: --list takes no query.\n"),
        (("--format", "xml", "ASK {}"), "Error: Invalid value for '--format': 'xml' is not one of "
                                        "'table', 'json', 'csv', 'tsv', 'turtle'.\n"),
    ],
)
def test_query_usage_errors_exit_2(root, args, message):
    result = kg("query", *args)

    assert result.exit_code == 2
    assert result.stderr.endswith(message)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (("--name", "nope"),
         "kg: error: unknown query 'nope'; known queries: agreement_parties, countries\n"),
        (("SELECT * WHERE { ?s ?p ?o } LIMIT many",),
         "kg: error: query:1:35: expected one of HAVING, OFFSET, OPTIONAL, VALUES, "
         "a digit\n"),
        (("--file", "nowhere.rq"),
         "kg: error: nowhere.rq: cannot read: No such file or directory\n"),
        (("--name", "agreement_parties", "--format", "csv"),
         "kg: error: format 'csv' does not fit CONSTRUCT or DESCRIBE results; "
         "use one of table, turtle\n"),
        # Refused before evaluation: pyoxigraph would call the endpoint from Rust.
        (("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",),
         "kg: error: query: SERVICE is not supported: kg queries only its own graphs\n"),
        (("SELECT * { BIND(<urn:no-such-function>(1) AS ?z) }",),
         "kg: error: query: the query cannot be evaluated: "
         "The custom function <urn:no-such-function> is not supported\n"),
        (("INSERT DATA { <urn:a> <urn:b> <urn:c> }",),
         "kg: error: query: SPARQL Update is not supported: kg query is read-only\n"),
        # Issue 10: an escaped IRI holding `#` once hid the SERVICE after it from the screen.
        (("SELECT ?x { OPTIONAL { ?s <http://ex/\\u0041#> ?o } "
          "SERVICE <http://127.0.0.1:9/s> { ?x ?y ?z } }",),
         "kg: error: query: SERVICE is not supported: kg queries only its own graphs\n"),
        (("SELECT * { " + "{" * 1001 + "}" * 1001 + " }",),
         "kg: error: query: the query nests brackets 1002 deep; kg takes at most 1000\n"),
    ],
)
def test_query_errors_are_one_line_and_exit_2(root, args, stderr):
    result = kg("query", *args)

    assert (result.exit_code, result.stderr, result.stdout) == (2, stderr, "")


def test_a_broken_named_query_is_reported_at_its_line_in_its_file(root):
    shutil.copy(FIXTURES / "querying" / "bad_syntax_line_3.rq", root / "queries")

    result = kg("query", "--name", "bad_syntax_line_3")

    assert result.exit_code == 2
    assert result.stderr == (
        "kg: error: queries/bad_syntax_line_3.rq:3:35: expected one of HAVING, OFFSET, "
        "OPTIONAL, VALUES, a digit\n"
    )


def test_a_broken_data_file_is_reported_at_its_line_without_traceback(root):
    shutil.copy(FIXTURES / "loading" / "broken_syntax_line_7.trig", root / "data")

    result = kg("query", "ASK {}")

    assert result.exit_code == 2
    assert result.stderr == (
        f"{CHANGED}\n"
        "kg: error: data/broken_syntax_line_7.trig:7: bad syntax: "
        "expected '.' or '}' or ']' at end of statement\n"
    )


@pytest.mark.parametrize(
    ("fixture", "stderr"),
    [
        ("two_graphs.trig",
         "kg: error: data/two_graphs.trig: holds 2 named graphs "
         "(<http://example.org/g1> <http://example.org/g2>); expected exactly one\n"),
        ("default_graph_triples.trig",
         "kg: error: data/default_graph_triples.trig: 2 triple(s) outside any named graph; "
         "a data file holds exactly one named graph\n"),
    ],
)
def test_a_data_file_with_other_than_one_named_graph_exits_2(root, fixture, stderr):
    shutil.copy(FIXTURES / "loading" / fixture, root / "data")

    result = kg("stats")

    assert (result.exit_code, result.stderr) == (2, f"{CHANGED}\n{stderr}")


def test_a_kg_root_that_is_not_a_folder_exits_2(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_ROOT", str(tmp_path / "nowhere"))

    result = kg("stats")

    assert (result.exit_code, result.stderr) == (
        2, f"kg: error: KG_ROOT={tmp_path / 'nowhere'}: not a directory\n"
    )


def test_an_ill_typed_literal_loads_without_a_warning(root):
    """The build parses with pyoxigraph, which keeps "abc"^^xsd:integer as written (rdflib warned
    in several lines); the shapes' sh:datatype is what reports such a literal."""
    shutil.copy(FIXTURES / "loading" / "ill_typed_literal.trig", root / "data")

    result = kg("query", "ASK { ?s <http://example.org/count> ?n }")

    assert (result.exit_code, result.stdout) == (0, "true\n")
    # The rebuild's lines, and no warning among them.
    changed, *stages = result.stderr.splitlines()
    assert (changed, [line.split()[0] for line in stages]) == (CHANGED, list(STAGES))


def test_export_to_stdout_defaults_to_trig(root):
    result = kg("export")

    assert result.exit_code == 0
    reread = Dataset()
    reread.parse(data=result.stdout_bytes, format="trig")
    assert sorted(str(name) for name in named_graphs(reread)) == [
        "https://w3id.org/kg-mali/graph/essor-2021-09-30",
        "https://w3id.org/kg-mali/graph/ontology",
        "https://w3id.org/kg-mali/graph/tass-2021-10-01",
    ]


def test_export_to_a_file(root, tmp_path):
    out = tmp_path / "kg.nq"

    result = kg("export", "--format", "nquads", "-o", str(out))

    assert (result.exit_code, result.stdout) == (0, "")
    from_file, from_stdout = Dataset(), Dataset()
    from_file.parse(out, format="nquads")
    from_stdout.parse(data=kg("export", "--format", "nquads").stdout_bytes, format="nquads")
    for name, graph in named_graphs(from_stdout).items():
        assert isomorphic(named_graphs(from_file)[name], graph)


def test_export_to_an_unwritable_file_exits_2(root, tmp_path):
    result = kg("export", "-o", str(tmp_path / "missing" / "kg.trig"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"kg: error: {tmp_path / 'missing' / 'kg.trig'}: cannot write: No such file or directory\n"
    )


def test_export_help_says_which_formats_merge_the_graphs():
    result = kg("export", "--help")

    assert "ntriples, rdfxml, turtle hold one graph: they merge all graphs." in " ".join(
        result.stdout.split()
    )


def test_stats_as_text(root):
    result = kg("stats")

    assert result.exit_code == 0
    assert result.stdout.startswith(
        "25 triples (27 statements in 3 graphs)\n"
        "\n"
        "graph                   triples\n"
        "----------------------  -------\n"
        "graph:ontology               12\n"
    )


def test_stats_as_json(root):
    result = kg("stats", "--format", "json")

    assert result.exit_code == 0
    counts = json.loads(result.stdout)
    assert (counts["statements"], counts["triples"]) == (27, 25)
    assert counts["classes"]["https://w3id.org/kg-mali/ontology#Country"] == 2


def test_bind_gives_a_variable_a_value_before_evaluation(root):
    # pyoxigraph binds only variables of the SELECT clause.
    result = kg("query", "--bind", "label=Mali", "--format", "csv",
                "SELECT ?country ?label WHERE { ?country rdfs:label ?l FILTER (STR(?l) = ?label) }")

    assert (result.exit_code, result.stdout) == (0, "country,label\nhttps://w3id.org/kg-mali/id/mali,Mali\n")


def test_bind_types_the_value_as_the_named_query_declares(root):
    (root / "queries" / "by_year.rq").write_text(
        "# title: By year\n# description: What happened in a year.\n# param: year xsd:gYear\n"
        "SELECT ?year WHERE { VALUES ?y { \"1961\"^^<http://www.w3.org/2001/XMLSchema#gYear> } "
        "FILTER (?y = ?year) }\n"
    )
    result = kg("query", "--name", "by_year", "--bind", "year=1961", "--format", "csv")

    assert (result.exit_code, result.stdout) == (0, "year\n1961\n")


@pytest.mark.parametrize("value", ["x", "75", "1975-01", "1975 "])
def test_a_value_that_is_not_of_the_declared_type_is_bad_usage(root, value):
    # Bound as an ill-typed literal it matched nothing: "(0 rows)" and exit 0, a silent wrong answer.
    (root / "queries" / "by_year.rq").write_text(
        "# title: By year\n# description: What happened in a year.\n# param: year xsd:gYear\n"
        "SELECT ?year WHERE { FILTER (BOUND(?year)) }\n"
    )
    result = kg("query", "--name", "by_year", "--bind", f"year={value}")

    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"kg: error: --bind 'year={value}': ?year takes an xsd:gYear (such as 1975), "
        f"and {value!r} is not one\n"
    )


def test_a_parameter_of_a_type_kg_cannot_check_is_refused_where_it_is_declared(root):
    # The engine casts only to SPARQL's core types: a value of xsd:nonNegativeInteger, say -1,
    # would be bound unchecked, and answer nothing.
    (root / "queries" / "by_count.rq").write_text(
        "# title: By count\n# description: Counts.\n# param: n xsd:nonNegativeInteger\n"
        "SELECT ?n WHERE {}\n"
    )
    result = kg("query", "--name", "by_count", "--bind", "n=-1")

    assert (result.exit_code, result.stderr) == (
        2,
        "kg: error: queries/by_count.rq:3: kg cannot check --bind values of "
        "xsd:nonNegativeInteger in '# param:'; declare one of xsd:string, xsd:boolean, "
        "xsd:integer, xsd:decimal, xsd:float, xsd:double, xsd:dateTime, xsd:date, xsd:time, "
        "xsd:gYear, xsd:gYearMonth, xsd:gMonth, xsd:gMonthDay, xsd:gDay, xsd:duration, "
        "xsd:yearMonthDuration, xsd:dayTimeDuration\n",
    )


@pytest.mark.parametrize(
    ("bind", "stderr"),
    [
        ("year", "kg: error: --bind 'year': expected NAME=VALUE, e.g. year=1975\n"),
        ("?y=1", "kg: error: --bind '?y=1': expected NAME=VALUE, e.g. year=1975\n"),
        ("x=<not an iri>", "kg: error: --bind 'x=<not an iri>': "),
    ],
)
def test_a_bad_bind_exits_2_in_one_line(root, bind, stderr):
    result = kg("query", "--bind", bind, "ASK {}")

    assert result.exit_code == 2
    assert result.stderr.startswith(stderr) and result.stderr.count("\n") == 1


def test_ctrl_c_exits_130_not_the_1_of_a_failed_validation(root, monkeypatch):
    # click turns KeyboardInterrupt into "Aborted!" and exit 1: a CI script read it as violations.
    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kg.cli.run_build", interrupted)
    result = kg("build")

    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "kg: interrupted\n")


@pytest.mark.parametrize(
    ("args", "stdout"),
    [(["query", COUNTRIES_QUERY], COUNTRIES_TABLE), (["stats", "--format", "json"], None)],
    ids=["query", "stats"],
)
def test_a_read_command_says_on_stderr_that_it_rebuilds_and_keeps_stdout_clean(root, args, stdout):
    unchanged = kg(*args).stdout
    with (root / "data" / "essor-2021-09-30.trig").open("a") as data:
        data.write("\n# edited\n")

    result = kg(*args)

    assert result.exit_code == 0, result.output
    assert result.stdout == unchanged == (stdout or unchanged)
    changed, *stages = result.stderr.splitlines()
    assert (changed, [line.split()[0] for line in stages]) == (CHANGED, list(STAGES))


def test_a_read_command_in_a_project_never_built_says_it_builds(root):
    shutil.rmtree(root / "build")

    result = kg("query", COUNTRIES_QUERY)

    assert (result.exit_code, result.stdout) == (0, COUNTRIES_TABLE)
    first, *stages = result.stderr.splitlines()
    assert (first, [line.split()[0] for line in stages]) == (
        "kg: no complete build yet; building…", list(STAGES)
    )


def test_a_build_waiting_for_another_says_so(root):
    with open(root / "build" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a build under way holds it
        with subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "build", "--force"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        ) as waiting:
            # Its first line on stderr, read before the lock is let go: it waits, and says so
            # (a build waiting in silence would keep this test waiting: bounded, then killed).
            ready, _, _ = select.select([waiting.stderr], [], [], 60)
            if not ready:
                waiting.kill()
            first = waiting.stderr.readline()
            fcntl.flock(lock, fcntl.LOCK_UN)
            out, rest = waiting.communicate(timeout=120)

    assert first == "kg: another build of build/ is under way; waiting for it to end…\n"
    assert (waiting.returncode, rest) == (0, "")
    assert out.splitlines()[-1].startswith("build/dataset.nq: written; ")
