"""The screen against rdflib's reading, on queries generated from a small SPARQL grammar.

The grammar mixes what fooled or could fool a tokenizer: IRIs with \\u escapes and `#`, strings
of the four forms holding `#`, `<`, SERVICE and RAND( with escapes, comments in the gaps,
prefixed names and variables named like keywords, compact comparisons with `<`, collections,
paths, subqueries, and SERVICE and the calls that change each time among them. Each query must
also be valid to pyoxigraph (asked in a sandboxed child: SERVICE is among them), so that the
readings compared are of queries the endpoint would evaluate.
"""

import os
from collections.abc import Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection

import pyoxigraph
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kg import sandbox
from kg.screening import MAX_NESTING, screen
from sparql_reference import Reading, query_reading

PROLOGUE = "PREFIX ex: <http://ex/> PREFIX : <http://ex/e/> "
FRESH_NAME = "\x00"  # stands for a variable or blank node used once; numbered when done

gaps = st.sampled_from(
    [" ", "\n", "\t ", " # SERVICE <http://e/> { RAND() }\n", "#c\n", ' #"\'<(\n']
)
iri_paths = st.lists(
    st.sampled_from(
        ["a", "SERVICE", "\\u0041z", "\\u00E9z", "\\U0001F600z", "(", ")", "'", "rand(", "%20"]
    ),
    max_size=4,
).map("".join)
iris = st.builds(
    lambda path, query, fragment: f"<http://ex/{path}{query}{fragment}>",
    iri_paths,
    st.sampled_from(["", "?x=1&&y", "?SERVICE"]),
    st.sampled_from(["", "#", "#SERVICE", "#a\\u0041z", "#RAND()"]),
)
names = st.sampled_from(
    ["ex:service", "ex:rand", "ex:NOW", "ex:SERVICE", "ex:a\\#b", "ex:a\\'b", "ex:a.b", ":x"]
)
variables = st.sampled_from(["?s", "$o", "?service", "?now", "?RAND", "?SERVICE", "?o"])
numbers = st.sampled_from(["1", "2.5", "1e3", "0"])
_SHARED_PIECES = ["SERVICE <http://e/> {}", "#", "<", "RAND()", "a", "\\t", "\\\\", "\\u0041z"]
_QUOTE_ESCAPES = {'"': ['\\"', "'"], "'": ["\\'", '"']}


@st.composite
def strings(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "'"]))
    long = draw(st.booleans())
    pieces = _SHARED_PIECES + _QUOTE_ESCAPES[quote] + ([quote, quote * 2, "\n"] if long else [])
    # Text after each piece, so that quotes never run into three or into the closing ones.
    content = "".join(piece + "z" for piece in draw(st.lists(st.sampled_from(pieces), max_size=5)))
    delimiter = quote * 3 if long else quote
    suffix = draw(st.sampled_from(["", "@en", "^^ex:t", "^^<http://ex/t>"]))
    return f"{delimiter}{content}{delimiter}{suffix}"


def calls(arguments: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            ["NOW()", "RAND()", "UUID()", "STRUUID()", "BNODE()", "rand #c\n()", "Now ( )"]
        ),
        st.builds("BNODE({})".format, arguments),
        st.builds("STR({})".format, arguments),
        st.builds("CONCAT({}, {})".format, arguments, arguments),
        st.builds("IF(BOUND(?s), {}, {})".format, arguments, arguments),
        # IN binds like a comparison: bracketed whole, it can stand anywhere.
        st.builds("(({}) IN ({}, <http://ex/a>))".format, arguments, arguments),
    )


def comparison(left: str, operator: str, right: str) -> str:
    # `<<` and `>>` delimit quoted triples to pyoxigraph: next to an IRI, a comparison is spaced.
    if left.endswith(">") or right.startswith("<"):
        operator = f" {operator.strip()} "
    return f"({left}{operator}{right})"  # bracketed: comparisons do not chain


expressions = st.recursive(
    st.one_of(variables, numbers, strings(), iris, names),
    lambda inner: st.one_of(
        calls(inner),
        inner.map("({})".format),
        st.builds(comparison, inner, st.sampled_from(["<", " < ", "<=", "=", "!=", ">"]), inner),
        st.builds("({})&&({})".format, inner, inner),
        st.builds("({}) + ({})".format, inner, inner),
        inner.map("!({})".format),
    ),
    max_leaves=6,
)
triples = st.builds(
    "{}{}{} {} .".format,
    st.one_of(variables, iris, names, st.sampled_from([f"_:{FRESH_NAME}", "[]"])),
    gaps,
    st.one_of(
        variables,
        iris,
        names,
        st.just("a"),
        st.builds("({0}|{1})/^{0}".format, st.one_of(iris, names), names),
    ),
    st.one_of(
        variables,
        iris,
        names,
        numbers,
        strings(),
        st.lists(st.one_of(variables, iris, numbers, strings(), names), min_size=1, max_size=3)
        .map(" ".join)
        .map("({})".format),
        st.builds("[ {} {} ]".format, st.one_of(iris, names), variables),
    ),
)
filters = st.one_of(
    expressions.map("FILTER({})".format),
    st.just("FILTER BOUND(?s)"),
    st.builds("FILTER NOT EXISTS {{ ?s ?p {} }}".format, st.one_of(variables, iris)),
)
binds = expressions.map(f"BIND({{}} AS ?{FRESH_NAME})".format)
values = st.lists(
    st.lists(st.one_of(numbers, iris, strings(), st.just("UNDEF")), min_size=2, max_size=2)
    .map(" ".join)
    .map("({})".format),
    min_size=1,
    max_size=2,
).map(lambda rows: f"VALUES (?{FRESH_NAME} ?{FRESH_NAME}) {{ {' '.join(rows)} }}")


def braced(parts: list[str]) -> str:
    return "{ " + " ".join(parts) + " }"


def subquery(projected: str, group: str) -> str:
    return f"{{ SELECT ?s (SAMPLE({projected}) AS ?{FRESH_NAME}) WHERE {group} GROUP BY ?s }}"


groups = st.recursive(
    st.lists(st.one_of(triples, filters, binds, values), max_size=3).map(braced),
    lambda inner: st.lists(
        st.one_of(
            triples,
            filters,
            binds,
            inner.map("OPTIONAL {}".format),
            inner.map("MINUS {}".format),
            st.builds("{} UNION {}".format, inner, inner),
            st.builds("SERVICE {} {}".format, st.one_of(iris, st.just("SILENT ?svc")), inner),
            inner.map("GRAPH ?g {}".format),
            st.builds(subquery, expressions, inner),
        ),
        max_size=4,
    ).map(braced),
    max_leaves=4,
)
selects = st.builds(
    "{} WHERE {}{}".format,
    st.one_of(
        st.just("SELECT *"),
        expressions.map(f"SELECT DISTINCT ?s ({{}} AS ?{FRESH_NAME})".format),
    ),
    groups,
    st.sampled_from(["", " ORDER BY ?s LIMIT 5", " ORDER BY DESC(?s) ?o"]),
)
grouped_selects = st.builds(
    f"SELECT ?s (COUNT(*) AS ?{FRESH_NAME}) {{}} GROUP BY ?s HAVING (COUNT(?o)<3 && ({{}}))".format,
    groups,
    expressions,
)
asks = groups.map("ASK {}".format)
constructs = groups.map("CONSTRUCT {{ ?s <http://ex/p> ?o }} WHERE {}".format)
queries = st.one_of(selects, grouped_selects, asks, constructs).map(
    lambda text: PROLOGUE + numbered(text)
)


def numbered(text: str) -> str:
    """Each fresh name a variable of its own: pyoxigraph refuses to bind one twice."""
    parts = text.split(FRESH_NAME)
    return "".join(f"{part}fresh{i}" for i, part in enumerate(parts[:-1])) + parts[-1]


class PyoxigraphOracle:
    """Tells whether pyoxigraph accepts a query, asking a child that can reach no network."""

    def __init__(self, conn: Connection, pid: int) -> None:
        self.conn, self.pid = conn, pid

    def syntax_error(self, text: str) -> str | None:
        self.conn.send(text)
        assert self.conn.poll(30), "the pyoxigraph child did not answer"
        return self.conn.recv()


def _answer_syntax_questions(conn: Connection) -> None:
    store = pyoxigraph.Store()
    while True:
        try:
            text = conn.recv()
        except EOFError:
            return
        try:
            result = store.query(text)
            if not isinstance(result, pyoxigraph.QueryBoolean):
                list(result)
            conn.send(None)
        except SyntaxError as err:
            conn.send(str(err))
        except (OSError, RuntimeError, ValueError):
            conn.send(None)  # it parsed; evaluating it failed (SERVICE, a type error, …)


@pytest.fixture(scope="module")
def pyoxigraph_oracle() -> Iterator[PyoxigraphOracle]:
    try:
        sandbox.probe(sandbox.AUTO)
    except sandbox.SandboxUnavailable as err:
        pytest.skip(f"pyoxigraph would fetch the SERVICE IRIs: {err}")
    ours, theirs = Pipe()
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            sandbox.apply(sandbox.AUTO)
            _answer_syntax_questions(theirs)
        finally:
            os._exit(0)
    theirs.close()
    yield PyoxigraphOracle(ours, pid)
    ours.close()
    os.waitpid(pid, 0)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=queries)
def test_the_screen_reads_what_rdflib_reads(
    text: str, pyoxigraph_oracle: PyoxigraphOracle
) -> None:
    assert pyoxigraph_oracle.syntax_error(text) is None
    found = screen(text)
    assert (found.is_update, found.certain, found.nesting <= MAX_NESTING) == (False, True, True)
    expected = query_reading(text)
    event(f"SERVICE: {expected.uses_service}, repeatable: {expected.is_repeatable}")
    assert Reading.of(found) == expected
