"""Named SPARQL queries (queries/*.rq) and the formatting of query results for people and tools."""

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    RdfFormat,
    Variable,
)

from kg.dataset_selection import merged_default_graph
from kg.errors import InputError, NetworkRefused, NotFound, QueryError, UnsupportedFormat, one_line
from kg.namespaces import PREFIXES
from kg.project import display_path, query_dir
from kg.store import QueryResults, run_query
from kg.terms import Term

RESULT_FORMATS = ("table", "json", "csv", "tsv", "turtle")
SOLUTION_FORMATS = ("table", "json", "csv", "tsv")
GRAPH_FORMATS = ("table", "turtle")

_RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "csv": QueryResultsFormat.CSV,  # booleans; solutions go through solutions_csv
    "tsv": QueryResultsFormat.TSV,
}
_PARAM = re.compile(r"#\s*param:\s*(?P<name>[A-Za-z_]\w*)\s+(?P<datatype>\S+)")
_VARIABLE = re.compile(r"[A-Za-z_]\w*")
_XSD = "http://www.w3.org/2001/XMLSchema#"
# The datatypes a '# param:' line may declare: those SPARQL's engine casts to, so that it can
# refuse a --bind value outside them (a value it cannot read is bound as an ill-typed literal,
# which equals nothing: a silent empty answer). Each with a value to show as an example.
_CHECKED_DATATYPES: dict[str, str] = {
    _XSD + "string": "Mali",
    _XSD + "boolean": "true",
    _XSD + "integer": "3",
    _XSD + "decimal": "2.5",
    _XSD + "float": "2.5",
    _XSD + "double": "2.5",
    _XSD + "dateTime": "1975-05-04T12:00:00Z",
    _XSD + "date": "1975-05-04",
    _XSD + "time": "12:00:00",
    _XSD + "gYear": "1975",
    _XSD + "gYearMonth": "1975-05",
    _XSD + "gMonth": "--05",
    _XSD + "gMonthDay": "--05-04",
    _XSD + "gDay": "---04",
    _XSD + "duration": "P1Y2M",
    _XSD + "yearMonthDuration": "P1Y2M",
    _XSD + "dayTimeDuration": "PT36H",
}
_HEADER_FIELD = re.compile(r"#\s*(?P<key>[a-z][a-z_-]*):\s*(?P<value>.*)")
# Turtle's PN_LOCAL, simplified, plus "/" (an IRI under id/ of no known kind reads better as
# id:kind/slug than whole in a terminal); IRIs whose local part is not of this shape are shown whole.
_LOCAL_NAME = re.compile(r"(?:\w[\w./-]*)?(?<![.])")


@dataclass(frozen=True)
class NamedQuery:
    """A query from queries/NAME.rq; `text` is the whole file, so positions in errors match it."""

    name: str
    title: str
    description: str
    text: str
    path: Path
    # "# param: NAME DATATYPE" lines: variables a caller may bind (kg query --bind NAME=VALUE).
    params: Mapping[str, str] = field(default_factory=dict)


def read_named_query(path: Path) -> NamedQuery:
    """Read one .rq file with its "# title:" and "# description:" header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{display_path(path)}: cannot read: {err}") from err
    fields = _header_fields(text)
    for key in ("title", "description"):
        if not fields.get(key):
            raise InputError(f"{display_path(path)}:1: missing '# {key}:' header line")
    params = _declared_params(text, display_path(path))
    return NamedQuery(path.stem, fields["title"], fields["description"], text, path, params)


def list_named_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query in the folder (queries/ by default), by name."""
    folder = query_dir() if directory is None else directory
    return [read_named_query(p) for p in sorted(folder.glob("*.rq")) if p.is_file()]


def get_named_query(name: str, directory: Path | None = None) -> NamedQuery:
    # Looked up in the catalogue, never joined onto a path: a name is not a file path.
    queries = {q.name: q for q in list_named_queries(directory)}
    if name not in queries:
        known = ", ".join(queries) or "none"
        raise NotFound(f"unknown query {name!r}; known queries: {known}")
    return queries[name]


def bindings(assignments: Iterable[str], declared: Mapping[str, str]) -> dict[Variable, Term]:
    """Values for variables from NAME=VALUE: typed as the query declares, else <iri> or a string."""
    values: dict[Variable, Term] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not _VARIABLE.fullmatch(name):
            raise InputError(f"--bind {assignment!r}: expected NAME=VALUE, e.g. year=1975")
        try:
            if name in declared:
                values[Variable(name)] = _typed_value(assignment, name, value, declared[name])
            elif value.startswith("<") and value.endswith(">"):
                values[Variable(name)] = NamedNode(value[1:-1])
            else:
                values[Variable(name)] = Literal(value)
        except ValueError as err:
            raise InputError(f"--bind {assignment!r}: {err}") from err
    return values


def _typed_value(assignment: str, name: str, value: str, datatype: str) -> Literal:
    """The value as a literal of the declared datatype; bad usage if it is not one."""
    if not _is_of_datatype(value, datatype):
        example = _CHECKED_DATATYPES.get(datatype)
        such_as = f" (such as {example})" if example is not None else ""
        raise InputError(
            f"--bind {assignment!r}: ?{name} takes an {shorten_iri(datatype)}{such_as}, "
            f"and {value!r} is not one"
        )
    return Literal(value, datatype=NamedNode(datatype))


def _is_of_datatype(value: str, datatype: str) -> bool:
    """Whether the engine reads the text as a value of the datatype (its SPARQL cast succeeds)."""
    [solution] = pyoxigraph.Store().query(
        f"SELECT ?text (<{datatype}>(?text) AS ?value) WHERE {{}}",
        substitutions={Variable("text"): Literal(value)},
    )
    return solution["value"] is not None


def _declared_params(text: str, source: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            break
        match = _PARAM.fullmatch(line)
        if match:
            params[match["name"]] = _expanded(match["datatype"], f"{source}:{number}")
    return params


def _expanded(name: str, where: str) -> str:
    prefix, colon, local = name.partition(":")
    if name.startswith("<") and name.endswith(">"):
        iri = name[1:-1]
    elif colon and prefix in PREFIXES:
        iri = PREFIXES[prefix] + local
    else:
        raise InputError(f"{where}: unknown datatype {name!r} in '# param:' (use xsd:… or <iri>)")
    if iri not in _CHECKED_DATATYPES:
        # A value kg cannot check would be bound as given, and a wrong one answer nothing.
        known = ", ".join(shorten_iri(datatype) for datatype in _CHECKED_DATATYPES)
        raise InputError(
            f"{where}: kg cannot check --bind values of {name} in '# param:'; declare one of {known}"
        )
    return iri


def _header_fields(text: str) -> dict[str, str]:
    """The "# key: value" fields of the leading comment block; "# " lines continue a value."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        match = _HEADER_FIELD.fullmatch(line)
        if match:
            key = match["key"]
            fields[key] = match["value"].strip()
        elif key is not None:
            fields[key] = f"{fields[key]} {line.lstrip('#').strip()}".strip()
    return fields


def answer_text(
    store: pyoxigraph.Store,
    text: str,
    fmt: str | None,
    *,
    prefixes: Mapping[str, str] | None,
    source: str,
    substitutions: Mapping[pyoxigraph.Variable, Term] | None = None,
) -> str:
    """The query's answer as `kg query` prints it, in `fmt` (None: a table, or Turtle for graphs).

    The store's default graph is the merge of its named graphs, and FROM clauses make the merge
    of the graphs they name (kg.dataset_selection).
    """
    with merged_default_graph(store, text, {}, prefixes=prefixes) as selection:
        results = run_query(
            selection.store, text, union_default_graph=False, prefixes=prefixes, source=source,
            substitutions=substitutions, dataset=selection.arguments,
        )
        default = "turtle" if isinstance(results, pyoxigraph.QueryTriples) else "table"
        try:
            # pyoxigraph evaluates lazily: errors can surface while the results are written.
            return format_results(results, fmt or default)
        except OSError as err:
            # The store is in memory: a system error is a socket the sandbox denied.
            raise NetworkRefused(f"{source}: {NetworkRefused.MESSAGE}") from err
        except RuntimeError as err:
            raise QueryError(f"{source}: the query failed: {one_line(str(err))}") from err


def format_results(results: QueryResults, fmt: str) -> str:
    """Query results as text: an aligned table, SPARQL JSON/CSV/TSV results, or Turtle."""
    if isinstance(results, pyoxigraph.QueryTriples):
        return _format_graph(results, fmt)
    if fmt == "table":
        if isinstance(results, pyoxigraph.QueryBoolean):
            return "true\n" if bool(results) else "false\n"
        return _solutions_table(results)
    if fmt == "csv" and isinstance(results, pyoxigraph.QuerySolutions):
        names = [v.value for v in results.variables]
        return solutions_csv(names, [[solution[name] for name in names] for solution in results])
    if fmt in _RESULTS_FORMATS:
        return _ending_with_newline(results.serialize(format=_RESULTS_FORMATS[fmt]).decode("utf-8"))
    raise UnsupportedFormat(
        f"format {fmt!r} does not fit SELECT or ASK results; "
        f"use one of {', '.join(SOLUTION_FORMATS)}"
    )


def solutions_csv(variables: Sequence[str], rows: Iterable[Sequence[Term | None]]) -> str:
    """SPARQL 1.1 CSV: plain values (IRIs bare, literals by lexical form), RFC 4180 quoting, CRLF.

    Unlike pyoxigraph's writer, a one-column row holding an empty value is written `""`, not as
    a blank line, which CSV readers skip: the row would be lost.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(term) for term in row] for row in rows)
    return buffer.getvalue()


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, pyoxigraph.Triple):
        return str(term)
    return term.value


def shorten_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """prefix:local for display, for an IRI in a known namespace (the longest wins), else <iri>."""
    candidates = [
        (namespace, prefix)
        for prefix, namespace in prefixes.items()
        if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(iri[len(namespace):])
    ]
    if not candidates:
        return f"<{iri}>"
    namespace, prefix = max(candidates, key=lambda candidate: len(candidate[0]))
    return f"{prefix}:{iri[len(namespace):]}"


def used_prefixes(
    terms: Iterable[object], prefixes: Mapping[str, str] = PREFIXES
) -> dict[str, str]:
    """The prefixes that shorten at least one IRI among the terms to a Turtle prefixed name.

    A local name with a slash does not count: Turtle cannot write `id:state/mali` but escaped,
    and `state:mali` is the name to use.
    """
    iris = {t.value for t in terms if isinstance(t, NamedNode)}
    return {
        prefix: namespace
        for prefix, namespace in prefixes.items()
        if any(iri.startswith(namespace) and "/" not in iri[len(namespace):] for iri in iris)
    }


def term_text(term: object) -> str:
    """A term as shown in a terminal table: short IRIs, bare literal values, one line."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return shorten_iri(term.value)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        value = term.value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        return f'"{value}"@{term.language}' if term.language else value
    return str(term)


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right_aligned: Iterable[int] = ()
) -> str:
    """A plain-text table with a header rule, columns two spaces apart."""
    right = set(right_aligned)
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        )
        return "  ".join(padded).rstrip()

    lines = [line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)]
    return "\n".join(lines) + "\n"


def _solutions_table(results: pyoxigraph.QuerySolutions) -> str:
    names = [v.value for v in results.variables]
    rows = [[term_text(solution[name]) for name in names] for solution in results]
    return render_table(names, rows) + _row_count(len(rows))


def _format_graph(results: pyoxigraph.QueryTriples, fmt: str) -> str:
    if fmt not in GRAPH_FORMATS:
        raise UnsupportedFormat(
            f"format {fmt!r} does not fit CONSTRUCT or DESCRIBE results; "
            f"use one of {', '.join(GRAPH_FORMATS)}"
        )
    triples = list(results)
    if fmt == "table":
        rows = [[term_text(term) for term in (t.subject, t.predicate, t.object)] for t in triples]
        return render_table(["subject", "predicate", "object"], rows) + _row_count(len(rows))
    terms = (term for t in triples for term in (t.subject, t.predicate, t.object))
    turtle = pyoxigraph.serialize(triples, format=RdfFormat.TURTLE, prefixes=used_prefixes(terms))
    return _ending_with_newline(turtle.decode("utf-8"))


def _row_count(count: int) -> str:
    return f"({count} row{'' if count == 1 else 's'})\n"


def _ending_with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
