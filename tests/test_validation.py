"""kg.validation, kg.validation_report and `kg validate`: results traced to files and evidence,
the report formats, and the command's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from shape_cases import CONTEXT, FIXTURES, outcome, shipped_outcome

from kg.cli import main
from kg.errors import InputError
from kg.loading import load_dataset
from kg.namespaces import GRAPH, KGO, SHAPES
from kg.project import data_files, ontology_files, shape_files
from kg.validation import ValidationOutcome, ValidationResult, load_shapes, validate_dataset
from kg.validation_report import compact, render_report, render_text

ROOT = Path(__file__).resolve().parents[1]
UNREADABLE = Path(__file__).parent / "fixtures" / "validation" / "unbound_prefix_line_5.trig"
QUANTITY_ZERO = FIXTURES / "quantity_negative.trig"
WARNING_ONLY = FIXTURES / "person_without_wikidata_link.trig"


def _validate_args(*files: Path) -> list[str]:
    return ["validate", "--data", *(str(f) for f in files)]


# ---------------------------------------------------------------------------------------------
# Results traced to their files and evidence


def test_a_result_names_its_file_and_quotes_its_evidence() -> None:
    [result] = outcome(QUANTITY_ZERO).results
    assert result.files == (QUANTITY_ZERO,)
    assert result.graphs == (GRAPH["fixture-case"],)
    assert result.evidence == (Literal("la source le dit", lang="fr"),)
    assert (compact(result.path), compact(result.value)) == ("rdf:value", '"-1"^^xsd:integer')
    assert result.severity == SH.Violation
    assert result.message.startswith("A quantity has at most one value")


def test_a_graph_without_provenance_is_named_by_its_file() -> None:
    case = FIXTURES / "graph_adds_facts_without_provenance.trig"
    [result] = outcome(case).results
    assert result.value == GRAPH["fixture-case"]
    assert result.files == (case,)


def test_a_missing_property_names_every_file_that_describes_the_node() -> None:
    # The article describes the regime, the background file dates it, the curation graph says
    # what it governs (the article only implies it); without that, all three are named.
    loaded = load_dataset(ontology_files(), data_files())
    regime = URIRef("https://w3id.org/kg-mali/id/regime/mali-modibo-keita")
    loaded.dataset.graph(GRAPH["curation"]).remove((regime, KGO.governs, None))
    shown = validate_dataset(loaded.dataset, load_shapes(shape_files()), graph_files=loaded.graph_files)
    [result] = shown.violations
    assert (result.focus, result.source_shape) == (regime, SHAPES["Regime-governs"])
    assert {f.name for f in result.files} == {
        "essor-2022-01-21-mali-russie.trig", "background.trig", "curation.trig",
    }
    assert len(result.evidence) == 3  # one quote from each file


def test_warnings_pass_unless_strict() -> None:
    result = outcome(WARNING_ONLY)
    assert result.conforms and result.warnings and not result.violations
    assert result.passes() and not result.passes(strict=True)


def test_unknown_inference_or_engine_is_refused() -> None:
    loaded = load_dataset(ontology_files(), CONTEXT)
    with pytest.raises(ValueError, match="inference"):
        validate_dataset(loaded.dataset, Graph(), inference="owl-full")
    with pytest.raises(ValueError, match="engine"):
        validate_dataset(loaded.dataset, Graph(), engine="topbraid")


@pytest.mark.parametrize("inference", ["rdfs", "owlrl"])
def test_shipped_data_conforms_with_inference(inference: str) -> None:
    shown = shipped_outcome(inference)
    assert shown.conforms, render_text(shown)


def test_no_shapes_is_an_error_not_a_pass() -> None:
    with pytest.raises(InputError, match="no shapes files"):
        load_shapes([])


# ---------------------------------------------------------------------------------------------
# Report formats


def test_text_report_shows_what_to_fix_without_turtle() -> None:
    text = render_report(outcome(QUANTITY_ZERO), "text")
    assert "quantity:case  <https://w3id.org/kg-mali/id/quantity/case>" in text
    assert f"in {QUANTITY_ZERO}" in text or f"in {QUANTITY_ZERO.relative_to(ROOT)}" in text
    assert 'evidence: "la source le dit"@fr' in text
    assert "Violation: A quantity has at most one value" in text
    assert "property: rdf:value" in text
    assert 'value:    "-1"^^xsd:integer' in text
    assert "shape:    shapes:Quantity-value (sh:MinInclusiveConstraintComponent)" in text
    assert text.rstrip().endswith("Does not conform: 1 violation, 0 warnings.")


def test_text_report_groups_results_by_focus_node() -> None:
    text = render_text(outcome(FIXTURES / "regimes_of_one_state_overlap.trig"))
    assert text.count("regime:beta-1  <") == 1 and text.count("regime:beta-2  <") == 1
    shape = "shapes:RegimeTimelineShape"
    assert f"{shape} (sh:SPARQLConstraintComponent, shapes:RegimesOfAStateDoNotOverlap)" in text


def test_json_report_carries_every_field() -> None:
    document = json.loads(render_report(outcome(QUANTITY_ZERO), "json"))
    assert (document["conforms"], document["violations"], document["warnings"]) == (False, 1, 0)
    [result] = document["results"]
    assert result["focus"] == "https://w3id.org/kg-mali/id/quantity/case"
    assert result["severity"] == "Violation"
    assert result["path"] == "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
    assert result["value"] == {"value": "-1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert result["source_shape"] == str(SHAPES["Quantity-value"])
    assert result["component"] == str(SH.MinInclusiveConstraintComponent)
    assert result["files"][0].endswith("quantity_negative.trig")
    assert result["evidence"] == [{"value": "la source le dit", "language": "fr"}]


def test_turtle_report_is_the_shacl_report() -> None:
    report = Graph().parse(data=render_report(outcome(QUANTITY_ZERO), "turtle"), format="turtle")
    [node] = report.subjects(SH.conforms, None)
    assert report.value(node, SH.conforms) == Literal(False)
    assert len(list(report.objects(node, SH.result))) == 1


def test_unknown_report_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        render_report(outcome(QUANTITY_ZERO), "csv")


# ---------------------------------------------------------------------------------------------
# kg validate


def test_validate_exits_0_on_the_shipped_data() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().splitlines()[-1].startswith("Conforms: 0 violations,")


def test_validate_exits_1_on_a_violation() -> None:
    result = CliRunner().invoke(main, _validate_args(*CONTEXT, QUANTITY_ZERO))
    assert result.exit_code == 1
    assert "shapes:Quantity-value" in result.output


def test_validate_prints_warnings_and_fails_on_them_only_when_strict() -> None:
    runner = CliRunner()
    lenient = runner.invoke(main, _validate_args(*CONTEXT, WARNING_ONLY))
    strict = runner.invoke(main, [*_validate_args(*CONTEXT, WARNING_ONLY), "--strict"])
    assert lenient.exit_code == 0 and "Warning: No Wikidata link" in lenient.output
    assert strict.exit_code == 1 and strict.output == lenient.output


def test_validate_takes_repeated_data_options_too() -> None:
    args = ["validate"] + [a for f in (*CONTEXT, QUANTITY_ZERO) for a in ("--data", str(f))]
    assert CliRunner().invoke(main, args).exit_code == 1


def test_validate_exits_2_with_file_and_line_on_unreadable_input() -> None:
    result = CliRunner().invoke(main, _validate_args(UNREADABLE))
    assert result.exit_code == 2
    assert "unbound_prefix_line_5.trig:5: bad syntax" in result.output


def test_validate_exits_2_on_a_missing_shapes_file() -> None:
    result = CliRunner().invoke(main, ["validate", "--shapes", "no-such-shapes.ttl"])
    assert result.exit_code == 2
    assert "no-such-shapes.ttl: no such file" in result.output


def test_validate_with_chosen_shapes_and_formats() -> None:
    facts_only = str(ROOT / "shapes" / "facts.ttl")
    args = [*_validate_args(*CONTEXT, QUANTITY_ZERO), "--shapes", facts_only, "--format", "json"]
    result = CliRunner().invoke(main, args)
    # The quantity rule lives in shapes/equipment.ttl, so with facts.ttl alone the data conform.
    assert result.exit_code == 0
    assert json.loads(result.output)["results"] == []
    turtle = CliRunner().invoke(main, [*_validate_args(*CONTEXT), "--format", "turtle"])
    assert turtle.exit_code == 0
    assert (None, SH.conforms, Literal(True)) in Graph().parse(data=turtle.output, format="turtle")


def test_a_shapes_file_chosen_alone_finds_the_prefixes_of_its_sparql_rules() -> None:
    # The SPARQL rules of timeline.ttl take their prefixes from shapes/prefixes.ttl, which
    # kg validate loads with any shapes.
    case = FIXTURES / "holding_ends_before_it_begins.trig"
    args = [*_validate_args(*CONTEXT, case), "--shapes", str(ROOT / "shapes" / "timeline.ttl")]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 1
    assert [r["source_constraint"] for r in json.loads(result.output)["results"]] == [
        "https://w3id.org/kg-mali/shapes#PeriodBeginsBeforeItEnds"
    ]


def test_validate_reads_a_turtle_data_file_as_its_own_graph() -> None:
    turtle = UNREADABLE.parent / "state_without_source.ttl"
    result = CliRunner().invoke(main, _validate_args(turtle))
    assert result.exit_code == 1
    assert "state:niger" in result.output and "state_without_source.ttl" in result.output
    assert "shapes:Fact-source (sh:MinCountConstraintComponent)" in result.output


def test_validate_without_ontology_or_shapes_fails_rather_than_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in another repository whose kg install lacks the project folder: nothing to check
    # against must not read as "conforms".
    monkeypatch.setenv("KG_ROOT", str(tmp_path))
    result = CliRunner().invoke(main, _validate_args(QUANTITY_ZERO))
    assert result.exit_code == 2
    assert "no ontology files found" in result.output


# ---------------------------------------------------------------------------------------------
# The pre-commit hook other repositories use


def test_pre_commit_hook_runs_kg_validate_on_rdf_files() -> None:
    yaml = pytest.importorskip("yaml")
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "kg-validate"
    assert hook["entry"] == "kg validate --data"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.(ttl|trig)$"
    # All files in one run: the rules span files (a node described in two of them).
    assert hook["require_serial"] is True


def test_validate_offers_every_format_and_inference_mode() -> None:
    # The command names its choices itself, so that `kg` need not import pySHACL to start.
    from kg.validation import INFERENCE_MODES
    from kg.validation_report import REPORT_FORMATS

    params = {p.name: p for p in main.commands["validate"].params}
    assert tuple(params["fmt"].type.choices) == REPORT_FORMATS
    assert tuple(params["inference"].type.choices) == INFERENCE_MODES


# ---------------------------------------------------------------------------------------------
# The large-graph validation (validate_store)


def test_the_large_graph_validation_reads_terms_beyond_ascii_as_written() -> None:
    """The store reaches pyshacl-turbo as ASCII text with escapes: a result gives back each term."""
    pytest.importorskip("pyshacl_turbo")
    import pyoxigraph

    from kg.validation import validate_store

    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:NameShape a sh:NodeShape ; sh:targetSubjectsOf ex:name ;
            sh:property [ sh:path ex:name ; sh:pattern "^[a-z]+$" ; sh:message "ASCII only"@en ] .
    """)
    # Accented letters, a character beyond the BMP, and each in an IRI as well as a literal;
    # enough of them that the dump reaches the text in several chunks.
    names = [f"Ségou–{i} 🇲🇱 Kayes" for i in range(3000)]
    store = pyoxigraph.Store()
    graph = pyoxigraph.NamedNode("http://example.org/graph/é")
    for i, name in enumerate(names):
        store.add(pyoxigraph.Quad(
            pyoxigraph.NamedNode(f"http://example.org/ville/Ségou-🇲🇱-{i}"),
            pyoxigraph.NamedNode("http://example.org/name"), pyoxigraph.Literal(name, language="fr"),
            graph,
        ))
    outcome = validate_store(store, shapes)
    assert {(r.focus, r.value) for r in outcome.results} == {
        (URIRef(f"http://example.org/ville/Ségou-🇲🇱-{i}"), Literal(name, lang="fr"))
        for i, name in enumerate(names)
    }
    assert {r.graphs for r in outcome.results} == {(URIRef("http://example.org/graph/é"),)}


def test_the_large_graph_validation_sees_a_blank_node_described_by_two_graphs_as_one() -> None:
    """pyshacl-turbo reads the union graph by graph: a blank node keeps one label across them."""
    pytest.importorskip("pyshacl_turbo")
    import pyoxigraph

    from kg.validation import validate_store

    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:TwoValuesShape a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:value ; sh:minCount 2 ] .
    """)
    node, value = pyoxigraph.BlankNode(), pyoxigraph.NamedNode("http://example.org/value")
    first, second = (pyoxigraph.NamedNode(f"http://example.org/graph/{n}") for n in ("a", "b"))
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(node, pyoxigraph.NamedNode(str(RDF.type)),
                              pyoxigraph.NamedNode("http://example.org/Thing"), first))
    store.add(pyoxigraph.Quad(node, value, pyoxigraph.Literal("1"), first))
    store.add(pyoxigraph.Quad(node, value, pyoxigraph.Literal("2"), second))
    assert validate_store(store, shapes).results == ()
    store.remove(pyoxigraph.Quad(node, value, pyoxigraph.Literal("2"), second))
    assert [r.component for r in validate_store(store, shapes).results] == [SH.MinCountConstraintComponent]


def test_a_character_split_between_two_chunks_of_the_dump_is_read_whole() -> None:
    from kg.validation import _AsciiText

    text = _AsciiText()
    encoded = '"Ségou 🇲🇱" .\n'.encode("utf-8")
    # Cut inside é, then inside the first regional indicator letter of the flag.
    for chunk in (encoded[:3], encoded[3:11], encoded[11:]):
        text.write(chunk)
    assert text.text() == '"S\\u00E9gou \\U0001F1F2\\U0001F1F1" .\n'


def test_the_large_graph_validation_reads_a_blank_node_labelled_beyond_ascii() -> None:
    """N-Triples cannot escape a blank node's label: one beyond ASCII (rdflib keeps a JSON-LD
    file's "_:coopération") still reaches pyshacl-turbo, and its result names the store's node."""
    pytest.importorskip("pyshacl_turbo")
    import pyoxigraph

    from kg.validation import validate_store

    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:NameShape a sh:NodeShape ; sh:targetSubjectsOf ex:name ;
            sh:property [ sh:path ex:name ; sh:pattern "^[a-z]+$" ] .
    """)
    name, knows = pyoxigraph.NamedNode("http://example.org/name"), pyoxigraph.NamedNode("http://example.org/knows")
    graph = pyoxigraph.NamedNode("http://example.org/graph/a")
    store = pyoxigraph.Store()
    # As subject and as object; one conforms, one does not; a literal that looks like a label.
    store.add(pyoxigraph.Quad(pyoxigraph.BlankNode("coopération"), name, pyoxigraph.Literal("Bamako"), graph))
    store.add(pyoxigraph.Quad(pyoxigraph.BlankNode("accord🇲🇱"), name, pyoxigraph.Literal("kayes"), graph))
    store.add(pyoxigraph.Quad(pyoxigraph.BlankNode("accord🇲🇱"), knows, pyoxigraph.BlankNode("coopération"), graph))
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://example.org/x"), name,
                              pyoxigraph.Literal("voir _:coopération ."), graph))

    outcome = validate_store(store, shapes)

    assert {(r.focus, r.value, r.graphs) for r in outcome.results} == {
        (BNode("coopération"), Literal("Bamako"), (URIRef("http://example.org/graph/a"),)),
        (URIRef("http://example.org/x"), Literal("voir _:coopération ."), (URIRef("http://example.org/graph/a"),)),
    }


# ---------------------------------------------------------------------------------------------
# A long report: violations first, each severity capped


def _made_up_result(number: int, severity: URIRef) -> ValidationResult:
    return ValidationResult(
        focus=URIRef(f"https://w3id.org/kg-mali/id/person/p-{number:03}"), path=None, value=None,
        message=f"problem {number}", severity=severity, source_shape=SHAPES["S"],
        component=SH.MinCountConstraintComponent, source_constraint=None, graphs=(),
        files=(Path("data/big.trig"),), evidence=(),
    )


def _made_up_outcome(violations: int, warnings: int) -> ValidationOutcome:
    # Sorted by focus node, as validation gives them: here every warning before the violations.
    results = [_made_up_result(n, SH.Warning) for n in range(warnings)]
    results += [_made_up_result(n, SH.Violation) for n in range(1000, 1000 + violations)]
    return ValidationOutcome(tuple(results), Graph())


def _shown(text: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("  Violation:")
            or line.startswith("  Warning:")]


def test_the_text_report_puts_violations_before_warnings() -> None:
    text = render_text(_made_up_outcome(violations=2, warnings=3))

    assert _shown(text) == ["problem 1000", "problem 1001", "problem 0", "problem 1", "problem 2"]
    assert text.endswith("\nDoes not conform: 2 violations, 3 warnings.\n")


def test_the_text_report_shows_twenty_results_per_severity_and_counts_the_rest() -> None:
    # 4 violations among 820 warnings once made 5,786 lines, the violations near line 5,300.
    text = render_text(_made_up_outcome(violations=4, warnings=820))

    assert _shown(text) == [f"problem {n}" for n in (1000, 1001, 1002, 1003, *range(20))]
    assert text.endswith(
        "\n… and 800 more warnings; `kg validate --format json` lists them all\n"
        "Does not conform: 4 violations, 820 warnings.\n"
    )
    assert len(text.splitlines()) == 24 * 5 + 2  # four lines and a blank per node, then two


def test_a_capped_violation_list_says_how_many_more_in_the_singular_too() -> None:
    text = render_text(_made_up_outcome(violations=21, warnings=0))

    assert "\n… and 1 more violation; `kg validate --format json` lists them all\n" in text
    assert len(_shown(text)) == 20


def test_the_json_report_keeps_every_result_of_a_long_report() -> None:
    document = json.loads(render_report(_made_up_outcome(violations=4, warnings=820), "json"))

    assert (document["violations"], document["warnings"], len(document["results"])) == (4, 820, 824)


def test_the_large_graph_validation_says_every_few_seconds_that_pyshacl_turbo_still_runs(monkeypatch) -> None:
    pytest.importorskip("pyshacl_turbo")
    import re
    import threading

    import pyoxigraph

    import kg.validation
    from kg.validation import validate_store

    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:value ; sh:minCount 1 ] .
    """)
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(*(pyoxigraph.NamedNode(f"http://example.org/{n}") for n in ("a", "b", "c", "g"))))
    heard, said = threading.Event(), []
    engine = kg.validation._turbo_report

    def slow_engine(*args):
        # pyshacl-turbo at 10^6 triples: done only once the heartbeat has spoken twice.
        assert heard.wait(30), "no heartbeat came"
        return engine(*args)

    def progress(message: str) -> None:
        said.append(message)
        if sum("still running" in m for m in said) == 2:
            heard.set()

    monkeypatch.setattr(kg.validation, "_turbo_report", slow_engine)
    monkeypatch.setattr(kg.validation, "HEARTBEAT_SECONDS", 0.01)
    assert validate_store(store, shapes, progress=progress).results == ()

    # Two heartbeats at least: more may come while the engine finishes.
    assert said[:2] == ["pyshacl-turbo: 1 node shapes, beside pyoxigraph", "waiting for pyshacl-turbo"]
    assert len(said) >= 4 and all(re.fullmatch(r"pyshacl-turbo still running \(\d+ s\)", m) for m in said[2:])
