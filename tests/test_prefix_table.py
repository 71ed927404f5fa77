"""One prefix table, shapes/prefixes.ttl: every file that declares prefixes follows it."""

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

import kg.namespaces as ns
from kg.namespaces import BASE, PREFIX_TABLE, PREFIXES
from kg.project import data_files, ontology_files, query_dir, rules_dir, shape_files

FIXTURES = Path(__file__).parent / "fixtures"
_SPARQL_PREFIX = re.compile(r"^\s*PREFIX\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def _declared(path: Path) -> dict[str, str]:
    """The prefixes a Turtle, TriG or SPARQL file declares."""
    if path.suffix == ".rq":
        return dict(_SPARQL_PREFIX.findall(path.read_text(encoding="utf-8")))
    syntax = pyoxigraph.RdfFormat.TRIG if path.suffix == ".trig" else pyoxigraph.RdfFormat.TURTLE
    parser = pyoxigraph.parse(path=str(path), format=syntax)
    for _ in parser:
        pass
    return parser.prefixes


def _disagreements(declared: dict[str, str]) -> dict[str, str]:
    return {p: iri for p, iri in declared.items() if PREFIXES.get(p) != iri}


def _named(paths: list[Path]) -> list:
    return [pytest.param(p, id=p.name) for p in paths]


def test_the_table_declares_each_prefix_and_each_namespace_once():
    declarations = list(
        pyoxigraph.parse(path=str(PREFIX_TABLE), format=pyoxigraph.RdfFormat.TURTLE)
    )
    declares = [t for t in declarations if t.predicate.value == str(SH.declare)]
    assert len(declares) == len(PREFIXES) == len(set(PREFIXES.values())) == 33
    assert list(PREFIXES)[:4] == ["kgo", "id", "graph", "shapes"]  # in the file's order


def test_the_namespace_constants_are_the_tables():
    # kg's own constants, and rdflib's for the vocabularies kg imports from it.
    constants = {
        "kgo": ns.KGO, "id": ns.ID, "graph": ns.GRAPH, "shapes": ns.SHAPES, "schema": ns.SCHEMA,
        "w3org": ns.W3ORG, "sem": ns.SEM, "sh": ns.SH, "wd": ns.WD, "dcterms": DCTERMS,
        "owl": OWL, "prov": PROV, "rdf": RDF, "rdfs": RDFS, "skos": SKOS, "xsd": XSD,
    }
    assert {prefix: str(iri) for prefix, iri in constants.items()} == {
        prefix: PREFIXES[prefix] for prefix in constants
    }
    assert str(SH) == PREFIXES["sh"]
    project = {p: iri for p, iri in PREFIXES.items() if iri.startswith(BASE)}
    assert set(project) == {
        "kgo", "id", "graph", "shapes", "src", "state", "person", "org", "regime", "place",
        "equip", "cat", "transfer", "delivery", "quantity", "event", "stmt", "coop", "holding",
        "office",
    }


@pytest.mark.parametrize("path", _named(data_files()))
def test_each_data_file_declares_exactly_the_table(path):
    assert _declared(path) == PREFIXES


@pytest.mark.parametrize("path", _named(sorted(query_dir().glob("*.rq"))))
def test_each_named_query_declares_prefixes_of_the_table(path):
    declared = _declared(path)
    assert declared and _disagreements(declared) == {}


@pytest.mark.parametrize(
    "path", _named([*ontology_files(), *shape_files(), *sorted(rules_dir().glob("*.rq"))])
)
def test_ontology_shapes_and_rules_declare_prefixes_of_the_table(path):
    declared = _declared(path)
    assert declared and _disagreements(declared) == {}


def test_test_fixtures_give_no_prefix_of_the_table_another_namespace():
    fixtures = [p for p in sorted(FIXTURES.rglob("*")) if p.suffix in (".ttl", ".trig", ".rq")]
    contradicting = {}
    for path in fixtures:
        try:
            declared = _declared(path)
        except SyntaxError:
            continue  # the broken files some tests read
        wrong = {p: iri for p, iri in _disagreements(declared).items() if p in PREFIXES}
        if wrong:
            contradicting[str(path.relative_to(FIXTURES))] = wrong
    assert len(fixtures) > 100 and contradicting == {}
