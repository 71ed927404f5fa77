"""The endpoint's queries answered by a remote SPARQL 1.1 store instead of local query workers.

The same contract as kg.web.evaluation.Evaluator (a QueryJob in, an Answer out, KgErrors for the
rest), so the screen, the answer cache and the error shapes stay as they are: the screen runs
before `evaluate`, so nothing it refuses is ever sent. The remote answers in SPARQL JSON results
or N-Triples; they are parsed with pyoxigraph and written again in the format the client chose,
cut at --max-rows, as the local workers write them. The timeout is the client's: past it the
request is abandoned, and the client gets kg's 503.

A store's own row limit (Virtuoso's ResultSetMaxRows) cuts answers silently but for a header on
SELECT answers (kg.remote_store.ROW_LIMIT_HEADER); a CONSTRUCT's cut says nothing, so the limit is
learnt once at start, from a SELECT of --max-rows + 1 generated rows. An answer the store cut is
served only as kg's own cut, flagged (X-KG-Truncated): when the store stopped at --max-rows or
past it. Otherwise it is refused, 503 StoreRowLimit.

A query the store refuses is the query's fault, 400 with the engine's one-line reason: a syntax
error (Oxigraph's and Virtuoso's line numbers moved back over kg's prologue), or one Virtuoso
cannot evaluate (a 500 with an SQL state of class 22, 37 or 42: division by zero, a bad regular
expression). Virtuoso's refusal of a query it estimates to run past MaxQueryCostEstimationTime is
a 503, as kg's own timeout is. Any other failure, and an unreachable store, is a 503 that does not
name the store's URL (kg.remote_store.for_the_client).

Dataset: the one the query would see on the local store. A query naming no graphs (no FROM,
FROM NAMED or dataset parameters) is sent with the pushed merge (kg.push.MERGED_GRAPH) as its
default graph and the build's graphs as its named graphs, so engines that add graphs of their own
(Virtuoso's system graphs) show none of them. The graphs a query names, in its FROM clauses or
the protocol's parameters (which replace them), are sent as the protocol's parameters, and those
not of the build (the merge included, an engine's own graphs) as a graph that holds nothing:
Virtuoso ignores the parameters when the query has FROM clauses, so those are blanked out of the
text sent (kg.screening.without_dataset_clauses, lines and columns kept).

kg's prologue (the data's base, the project's prefixes) goes before the query's text. The BASE
declarations that open a query go first instead, folded into one base as pyoxigraph's parser
resolves them (Virtuoso 7.2 refuses a BASE after a PREFIX, and a second BASE), and are blanked
where they stood.
"""

import itertools
import re
import time
from collections.abc import Iterator

import pyoxigraph
import requests

from kg.dataset import DatasetInfo
from kg.errors import KgError, QueryError, QueryTimeout, UnsupportedFormat
from kg.namespaces import PREFIXES
from kg.push import MERGED_GRAPH, kg_graphs_on_store
from kg.query_forms import ResultKind
from kg.dataset_selection import resolved_base, resolved_graphs
from kg.screening import (
    dataset_clauses, leading_bases, quick_screen, without_dataset_clauses, without_spans,
)
from kg.remote_store import (
    EMPTY_GRAPH, RemoteStore, StoreRowLimit, for_the_client, store_row_limit, unreachable_reason,
)
from kg.remote_http import RemoteClient, RemoteFailed, RemoteUnreachable
from kg.store import syntax_error_message
from kg.web.negotiation import acceptable
from kg.web.page_queries import PAGE_ROWS
from kg.web.query_worker import Answer, QueryJob
from kg.web.results import boolean_document, graph_document, solutions_document
from kg.web.services import Services
from kg.web.settings import Settings

# Asked by the query's form: offered both, Virtuoso answers a CONSTRUCT in SPARQL JSON results.
_ACCEPT_SOLUTIONS = "application/sparql-results+json"
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.8"
_OXIGRAPH_SYNTAX = re.compile(r"error at (\d+):(\d+):")
# Virtuoso 7.2 answers an ASK as one solution of this variable (1: true), or none (false).
_VIRTUOSO_ASK = "__ASK_RETVAL"
_VIRTUOSO_LINE = re.compile(r"(SPARQL compiler, line )(\d+)")
# "Virtuoso 22012 Error SR084: Division by 0.": an SQL state whose class is the query's fault
# (22 data exception, 37 syntax, 42 access rule or syntax).
_VIRTUOSO_QUERY_FAULT = re.compile(r"Virtuoso (?:22|37|42)\w{3} Error ")
# "SR353: Sorted TOP clause … Only 10000 are allowed": its state is a data exception's (22023),
# but the fault is the store's row limit (ResultSetMaxRows), not the query's.
_VIRTUOSO_ROW_LIMIT = re.compile(r"Virtuoso 22023 Error SR353:.*?Only (\d+) are allowed")
_VIRTUOSO_ESTIMATE = re.compile(r"estimated execution time (\d+) \(sec\) exceeds the limit of (\d+)")


class RemoteEvaluator:
    """Queries sent to one remote SPARQL endpoint; thread-safe, one HTTP session per process."""

    def __init__(
        self, query_url: str, *, timeout: float, max_rows: int, client: RemoteClient | None = None
    ) -> None:
        self._url = query_url
        self._timeout = timeout
        self._client = client or RemoteClient()
        self.named_graphs = self._kg_graphs()
        self.row_limit = self._row_limit(max_rows + 1)

    def evaluate(self, job: QueryJob, *, take_turn: bool = True) -> Answer:
        """The serialized answer, or a KgError (400, 406, 503) saying why there is none (the
        remote store takes its own turns: `take_turn` changes nothing here)."""
        deadline = time.monotonic() + self._timeout
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
        text, dataset = self._dataset(job)
        base, text = with_its_base_first(text, job.base_iri)
        base_line = f"BASE <{base}>\n" if base else ""
        form: dict[str, object] = {"query": base_line + prologue + text, **dataset}
        try:
            response = self._client.request(
                "POST", self._url, data=form, headers={"Accept": _accept(job.text)}, timeout=self._timeout,
                stream=True,
            )
        except requests.Timeout:
            raise self._overran() from None
        except RemoteFailed as err:
            shift = form["query"].count("\n") - job.text.count("\n")  # type: ignore[union-attr]
            raise refusal_for_the_client(err, shift) from None
        except RemoteUnreachable as err:
            raise for_the_client(err) from None
        with response:
            try:
                return self._answer(response, job, deadline)
            except (RemoteFailed, RemoteUnreachable) as err:
                raise for_the_client(err) from None
            except SyntaxError as err:  # pyoxigraph could not read what the store sent
                raise for_the_client(RemoteFailed(
                    f"{self._url}: an answer pyoxigraph cannot read: {err}", 502, str(err)
                )) from None

    def warm(self) -> None:
        """Nothing to start: connections open on the first query."""

    def close(self) -> None:
        """Nothing to stop."""

    def _kg_graphs(self) -> tuple[str, ...]:
        """The build's graphs on the store (the merge is only ever a query's default graph)."""
        graphs = kg_graphs_on_store(self._client, self._url, self._timeout)
        return tuple(g for g in graphs if g != MERGED_GRAPH)

    def _row_limit(self, rows: int) -> int | None:
        """The store's own row limit if it is at most `rows`, else None (none, or a larger one)."""
        digits = len(str(rows))  # 10 ** digits generated rows, more than `rows`
        values = " ".join(f"VALUES ?v{i} {{ 0 1 2 3 4 5 6 7 8 9 }}" for i in range(digits))
        response = self._client.request(
            "POST", self._url, data={"query": f"SELECT ?v0 WHERE {{ {values} }} LIMIT {rows}"},
            timeout=self._timeout, headers={"Accept": "text/csv"}, stream=True,
        )
        with response:
            return store_row_limit(response)

    def _dataset(self, job: QueryJob) -> tuple[str, dict[str, list[str]]]:
        """The query's text to send and its dataset, as protocol parameters."""
        clauses = dataset_clauses(job.text)
        if job.default_graphs is not None or job.named_graphs is not None:
            default: list[str] | None = list(job.default_graphs or ())
            named: list[str] | None = list(job.named_graphs or ())
        elif clauses.spans:
            default, named = (
                [g.value for g in graphs] if graphs is not None else None
                for graphs in (
                    resolved_graphs(names, clauses, job.base_iri, PREFIXES)
                    for names in (clauses.default_graphs, clauses.named_graphs)
                )
            )
            if default is None or named is None:
                return job.text, {}  # a name that does not resolve: the engine says why
        else:
            return job.text, {"default-graph-uri": [MERGED_GRAPH], "named-graph-uri": list(self.named_graphs)}
        # A list not given is empty, sent as a graph that holds nothing (no parameter would mean
        # "the engine's default").
        return without_dataset_clauses(job.text, clauses), {
            # Once each: a graph named twice is one graph of the dataset (Oxigraph counts it twice).
            "default-graph-uri": [g for g in dict.fromkeys(default) if g in self.named_graphs] or [EMPTY_GRAPH],
            "named-graph-uri": [g for g in dict.fromkeys(named) if g in self.named_graphs] or [EMPTY_GRAPH],
        }

    def _answer(self, response: requests.Response, job: QueryJob, deadline: float) -> Answer:
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        body = _DeadlineReader(response.iter_content(65536), deadline, self._overran)
        rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type)
        if rdf_format is not None:
            kind = ResultKind.GRAPH
            results: object = pyoxigraph.parse(body, format=rdf_format)
        else:
            results_format = pyoxigraph.QueryResultsFormat.from_media_type(media_type)
            if results_format is None:
                raise RemoteFailed(f"{self._url}: answered in {media_type!r}", 200, media_type)  # logged, not sent
            results = pyoxigraph.parse_query_results(body, format=results_format)
            if isinstance(results, pyoxigraph.QueryBoolean):
                results = bool(results)
            elif (
                [v.value for v in results.variables] == [_VIRTUOSO_ASK]  # type: ignore[union-attr]
                and quick_screen(job.text).kind is ResultKind.BOOLEAN  # not a SELECT of that name
            ):
                results = any(row[0] is not None and row[0].value not in ("0", "false") for row in results)
            kind = ResultKind.BOOLEAN if isinstance(results, bool) else ResultKind.SOLUTIONS
        format_name = job.formats.get(kind)
        if format_name is None:
            raise UnsupportedFormat(
                f"no acceptable format for {kind.value} results; this endpoint offers {acceptable(kind)}"
            )
        if isinstance(results, bool):
            return Answer(kind, format_name, boolean_document(results, format_name), False)
        items = list(itertools.islice(results, job.max_rows + 1))  # type: ignore[call-overload]
        truncated = len(items) > job.max_rows
        cut_at = store_row_limit(response) if kind is ResultKind.SOLUTIONS else self.row_limit
        if cut_at is not None and len(items) >= cut_at:
            if cut_at < job.max_rows:
                raise StoreRowLimit(cut_at, f"--max-rows ({job.max_rows})")
            # Stopped at --max-rows or past it: kg's own cut, flagged. (The store says "cut" of an
            # answer exactly as long as its limit too: that one is flagged though it is whole.)
            truncated = True
        del items[job.max_rows :]
        if isinstance(results, pyoxigraph.QuerySolutions):
            variables = [v.value for v in results.variables]
            link = job.truncation_link if truncated else None
            return Answer(kind, format_name, solutions_document(variables, items, format_name, link), truncated)
        note = f"Truncated: only the first {job.max_rows} triples (the endpoint's row limit)." if truncated else None
        return Answer(kind, format_name, graph_document(items, format_name, note), truncated)

    def _overran(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query ran longer than {self._timeout:g} s, the endpoint's limit, and was "
            "stopped; narrow it down (more specific patterns, LIMIT) and retry"
        )


def refusal_for_the_client(err: RemoteFailed, shift: int) -> KgError:
    """The error the client gets for the store's refusal of the query (its prologue `shift` lines)."""
    row_limit = _VIRTUOSO_ROW_LIMIT.search(err.remote_message)
    if row_limit:
        return StoreRowLimit(int(row_limit.group(1)), "the rows the query sorts")
    estimate = _VIRTUOSO_ESTIMATE.search(err.remote_message)
    if estimate:
        return QueryTimeout(
            f"the store estimated that the query would run {estimate.group(1)} s, past its limit "
            f"of {estimate.group(2)} s, and did not run it; narrow it down (more specific "
            "patterns, LIMIT) and retry"
        )
    if err.status == 400 or (err.status == 500 and _VIRTUOSO_QUERY_FAULT.match(err.remote_message)):
        return QueryError(_reason(err.remote_message, shift))
    return for_the_client(err)


def with_its_base_first(text: str, base_iri: str | None) -> tuple[str | None, str]:
    """The base IRI to declare before kg's prologue, and the text without the BASE declarations
    that open it (blanked, lines and columns kept), now folded into that base.

    Virtuoso 7.2 refuses a BASE that follows a PREFIX, so a query's own could not follow kg's
    PREFIX lines, and a second BASE, so they are folded into one. A BASE written after the
    query's own PREFIXes stays where it is; so does one that is not an IRI or cannot be resolved,
    for the engine to refuse at its place in the client's text.
    """
    if "base" not in text.lower():
        return base_iri, text
    declarations = leading_bases(text)
    if not declarations:
        return base_iri, text
    try:
        base = resolved_base([iri for _, _, iri in declarations], base_iri)
    except SyntaxError:
        return base_iri, text
    return base, without_spans(text, [(start, end) for start, end, _ in declarations])


def _accept(text: str) -> str:
    return _ACCEPT_GRAPH if quick_screen(text).kind is ResultKind.GRAPH else _ACCEPT_SOLUTIONS


def _reason(remote_message: str, shift: int) -> str:
    """The remote's message; its syntax errors positioned in the client's own text."""
    match = _OXIGRAPH_SYNTAX.match(remote_message)
    if match:
        line = int(match.group(1)) - shift
        moved = f"error at {line}:{match.group(2)}:" + remote_message[match.end():]
        return "syntax error in " + syntax_error_message("query", moved)
    # An HTML error page leaves no message (kg.remote_http): the status says it all.
    if not remote_message:
        return "the store refused the query"
    moved = _VIRTUOSO_LINE.sub(lambda m: m.group(1) + str(int(m.group(2)) - shift), remote_message, count=1)
    return f"the store refused the query: {moved}"


class _DeadlineReader:
    """A file-like view of a streamed body that gives up once the deadline has passed."""

    def __init__(self, chunks: Iterator[bytes], deadline: float, overran: object) -> None:
        self._chunks, self._deadline, self._overran = chunks, deadline, overran
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            if time.monotonic() > self._deadline:
                raise self._overran()  # type: ignore[operator]
            try:
                chunk = next(self._chunks, None)
            except requests.RequestException as err:  # the body stalled past its read timeout
                if time.monotonic() > self._deadline:
                    raise self._overran() from err  # type: ignore[operator]
                raise RemoteUnreachable(f"the store broke off its answer: {err}") from err
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def remote_services(settings: Settings) -> Services:
    """The app's services over the remote store at `settings.store`: queries and page lookups."""
    assert settings.store is not None
    # The most rows any job asks for: the endpoint's (--max-rows) or the pages' figures'.
    most_rows = max(settings.max_rows, PAGE_ROWS)
    try:
        evaluator = RemoteEvaluator(settings.store, timeout=settings.query_timeout, max_rows=most_rows)
    except requests.Timeout:
        raise RemoteUnreachable(
            f"{settings.store}: no answer within --query-timeout ({settings.query_timeout:g} s) to "
            "the queries asked at start (the build's graphs, the store's row limit)"
        ) from None
    except RemoteUnreachable as err:
        if err.__cause__ is None:  # refused credentials: its message says so already
            raise
        # For the operator, who may see the URL: a few words, not the socket error's whole chain.
        raise RemoteUnreachable(f"{settings.store}: unreachable: {unreachable_reason(err.__cause__)}") from err
    info = DatasetInfo(named_graphs=evaluator.named_graphs)
    store = RemoteStore(settings.store, evaluator.named_graphs)
    return Services(settings, evaluator, info, store)
