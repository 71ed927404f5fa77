"""What `kg serve --store` sends for a query that opens with its own BASE: the base pyoxigraph's
parser would use, declared before kg's prologue (kg.web.remote_evaluation.with_its_base_first).

The remote engine is played here by pyoxigraph itself, given the text kg sends: Oxigraph's server
parses with the same parser. tests/remote runs the same queries on the real engines.
"""

import pyoxigraph
import pytest

from kg.namespaces import PREFIXES
from kg.store import syntax_error_message
from kg.web.query_worker import QueryJob
from kg.web.remote_evaluation import RemoteEvaluator, _reason, with_its_base_first

DATA_BASE = "https://w3id.org/kg-mali/"
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def sent(text: str) -> str:
    base, rest = with_its_base_first(text, DATA_BASE)
    return (f"BASE <{base}>\n" if base else "") + PROLOGUE + rest


def values(text: str, base_iri: str | None) -> list[str]:
    return [row[0].value for row in pyoxigraph.Store().query(text, base_iri=base_iri, prefixes=PREFIXES)]


@pytest.mark.parametrize(
    "text",
    [
        "BASE <id/> BASE <../state/> SELECT (<mali> AS ?r) {}",
        "# a comment\nBASE <id\\u002Fstate/>\nSELECT (<mali> AS ?r) {}",
        # Where Python's urljoin strays from RFC 3986, as the first version of this folding did:
        "BASE <x//y/> SELECT (<r> AS ?r) {}",  # empty path segments are kept
        "BASE <https:g> SELECT (<r> AS ?r) {}",  # a reference with a scheme is absolute
        "BASE <HTTPS://w3id.org/A/> SELECT (<b> AS ?r) {}",  # the scheme is left as written
        "BASE <https://w3id.org/kg-mali/id/?> SELECT (<> AS ?r) {}",  # an empty query is kept
        "BASE <urn:ex:a> BASE <b> SELECT (<r> AS ?r) {}",  # any scheme resolves
        "BASE <tag:ex.org,2024:/a/> BASE <b> SELECT (<r> AS ?r) {}",
    ],
)
def test_the_folded_base_is_the_one_pyoxigraph_resolves(text: str) -> None:
    assert values(sent(text), None) == values(text, DATA_BASE)


@pytest.mark.parametrize(
    "text",
    [
        "BASE <%zz>\nSELECT * {}",
        "BASE <a\\u0020b/>\nSELECT * {}",
        "BASE <a\\u003Eb>\nSELECT * {}",  # decoded, the `>` would end the IRI sent early
        "BASE <http://[::1/>\nSELECT * {}",  # urlsplit raised on it: a 500
    ],
)
def test_an_opening_base_that_cannot_be_resolved_is_refused_at_its_place(text: str) -> None:
    with pytest.raises(SyntaxError) as local:
        pyoxigraph.Store().query(text, base_iri=DATA_BASE, prefixes=PREFIXES)
    text_sent = sent(text)
    with pytest.raises(SyntaxError) as remote:
        pyoxigraph.Store().query(text_sent)
    shift = text_sent.count("\n") - text.count("\n")
    assert _reason(str(remote.value), shift) == "syntax error in " + syntax_error_message("query", str(local.value))


def test_a_valid_iri_urlsplit_refused_is_folded() -> None:
    assert values(sent("BASE <http://a\\uFF0Fb/> SELECT (<> AS ?r) {}"), None) == ["http://a\uff0fb/"]


def test_a_from_after_chained_bases_names_the_graph_pyoxigraph_resolves() -> None:
    evaluator = object.__new__(RemoteEvaluator)  # no store to ask for its graphs
    evaluator.named_graphs = (DATA_BASE + "graph/derived",)
    text = "BASE <graph/> BASE <x/> SELECT (COUNT(*) AS ?n) FROM <../derived> WHERE { ?s ?p ?o }"
    job = QueryJob(text=text, formats={}, max_rows=10, base_iri=DATA_BASE)
    _, dataset = evaluator._dataset(job)
    assert dataset["default-graph-uri"] == [DATA_BASE + "graph/derived"]
