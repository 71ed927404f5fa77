"""The SPARQL 1.1 Protocol endpoint, `/sparql`: read-only queries, negotiated, bounded.

A request goes: read the operation (GET, urlencoded POST or `application/sparql-query` POST;
updates refused 403, other bodies 415) → screen its text (update → 403, SERVICE → 400) →
negotiate for the result kind (406 when nothing fits, but only for a query that parses: syntax
comes first) → evaluate in a query worker (evaluation.py: 400 malformed, 503 too slow or too
big) → answer. A GET without a query gets the service description, negotiated like a graph; a
browser following a link here (it ranks text/html first) is sent on to the query form instead
(303).

SPARQL speaks the data's canonical IRIs (`kg.namespaces.BASE`, https://w3id.org/kg-mali/), whatever
public base the site publishes its documents under (`--base-iri`): a query's relative IRIs resolve
against the data base, so `<id/state/mali>` names what the store holds, and answers carry the
canonical IRIs.
"""

import functools
import hashlib
from dataclasses import dataclass
from typing import NoReturn

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from pyoxigraph import NamedNode
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, Forbidden, UnsupportedMediaType
from werkzeug.http import quote_etag
from werkzeug.sansio.utils import get_current_url

from kg.errors import UnsupportedFormat
from kg.web.caching import KEEPABLE
from kg.web.service_description import (
    DESCRIPTION_PREFIXES,
    TRUNCATION_FRAGMENT,
    service_description,
)
from kg.web.negotiation import (
    FORMATS,
    MediaFormat,
    ResultKind,
    acceptable,
    best_format,
    choose_format,
    formats_by_kind,
)
from kg.web.query_worker import Answer, QueryJob
from kg.web.representations import HTML
from kg.web.results import graph_document
from kg.screening import MAX_NESTING, quick_screen
from kg.web.services import EXTENSION_KEY, Services, services
from kg.web.site import site

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
TRUNCATED_HEADER = "X-KG-Truncated"
MAX_ROWS_HEADER = "X-KG-Max-Rows"
READ_ONLY = "this endpoint is read-only: SPARQL Update and LOAD are refused"
NO_SERVICE = "SERVICE (federated query) is not allowed: this endpoint never calls other endpoints"


@dataclass(frozen=True)
class Operation:
    """A query as the protocol delivered it, with its protocol-level dataset and format."""

    text: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    requested_format: str | None


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    operation = _read_operation()
    if operation is None:
        if _wants_a_page():
            # The home page's form is the human face of the endpoint.
            return redirect(url_for("ui.home") + "#query", 303)  # type: ignore[return-value]
        return _describe_service()
    return _answer(operation)


def _read_operation() -> Operation | None:
    """The query the request carries, None for a plain GET; protocol errors raise 4xx."""
    params: MultiDict[str, str] = request.args
    texts = params.getlist("query")
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE_BODY:
            raise Forbidden(READ_ONLY)
        if mimetype == FORM:
            _require_utf8()
            params = request.values  # the form body, plus any parameters in the URL
            texts = params.getlist("query")
        elif mimetype == QUERY_BODY:
            _require_utf8()
            if texts:
                raise BadRequest("the query is both in the body and in the URL; send it once")
            texts = [_body_text()]
        else:
            raise UnsupportedMediaType(
                f"a POST must be {FORM} (query=…) or {QUERY_BODY}, not {mimetype or 'untyped'}"
            )
    if "update" in params:
        raise Forbidden(READ_ONLY)
    if not texts:
        if request.method == "POST":
            raise BadRequest("no query: the request needs a 'query' parameter")
        return None
    if len(texts) > 1:
        raise BadRequest(f"{len(texts)} 'query' parameters: send exactly one")
    if not texts[0].strip():
        raise BadRequest("the query is empty")
    return Operation(
        text=texts[0],
        default_graphs=graph_iris(params, "default-graph-uri"),
        named_graphs=graph_iris(params, "named-graph-uri"),
        requested_format=params.get("format"),
    )


def _require_utf8() -> None:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the body must be UTF-8, not {charset}")


def _body_text() -> str:
    try:
        return request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"the body is not valid UTF-8 (byte {err.start})") from None


def graph_iris(params: MultiDict[str, str], name: str) -> tuple[str, ...]:
    iris = tuple(params.getlist(name))
    for iri in iris:
        try:
            NamedNode(iri)
        except ValueError:
            raise BadRequest(f"{name}: {iri!r} is not an absolute IRI") from None
    return iris


@dataclass(frozen=True)
class Evaluated:
    """A query's answer as the endpoint sends it, before HTTP: its bytes, type, validator and cut."""

    body: bytes
    content_type: str
    etag: str
    truncated: bool
    max_rows: int
    keepable: bool  # the answer cache may replay it (kg.web.caching)

    def headers(self) -> list[tuple[str, str]]:
        """Its headers, Content-Type and Content-Length aside."""
        # The answer stands as long as this server runs; caches may keep it if they check back.
        headers = [("Cache-Control", "no-cache"), ("ETag", self.etag)]
        return headers + truncation_headers(self.max_rows) if self.truncated else headers


def _answer(operation: Operation) -> Response:
    # The request proxy resolved once: each attribute read through it looks the context up again.
    current = request._get_current_object()  # type: ignore[attr-defined]
    headers = current.headers
    evaluated = evaluate_operation(
        current_app,
        operation,
        headers.get("Accept"),
        endpoint_url(current.scheme, current.host, current.root_path),
    )
    response = Response(
        evaluated.body, 200, headers=evaluated.headers(), content_type=evaluated.content_type
    )
    current.environ[KEEPABLE] = evaluated.keepable
    if "If-None-Match" in headers or "If-Modified-Since" in headers:
        return response.make_conditional(current)
    return response


def evaluate_operation(
    app: Flask, operation: Operation, accept: str | None, endpoint: str
) -> Evaluated:
    """Screen, negotiate and evaluate a query for `app`; KgError or HTTPException if refused.

    Needs no request context: kg.web.sparql_shortcut calls it outside Flask. `endpoint` is this
    endpoint's URL as the client reached it, linked from an answer cut at the row limit.
    """
    screening = quick_screen(operation.text)
    if screening.is_update:
        raise Forbidden(READ_ONLY)
    if screening.uses_service:
        raise BadRequest(NO_SERVICE)
    if screening.nesting > MAX_NESTING:
        raise BadRequest(
            f"the query nests brackets {screening.nesting} deep; this endpoint takes at most "
            f"{MAX_NESTING}"
        )
    chosen = formats_by_kind(accept, operation.requested_format)
    formats = dict(chosen)
    if screening.kind is not None and formats[screening.kind] is None:
        _refuse_unsendable(app, operation.text, screening.kind)
    state: Services = app.extensions[EXTENSION_KEY]
    settings = state.settings
    given_dataset = bool(operation.default_graphs or operation.named_graphs)
    job = QueryJob(
        text=operation.text,
        formats={kind: f.name if f else None for kind, f in chosen},
        max_rows=settings.max_rows,
        base_iri=site(app).iri_space.data_base,  # the store's IRIs, not the public ones
        default_graphs=operation.default_graphs if given_dataset else None,
        named_graphs=operation.named_graphs if given_dataset else None,
        truncation_link=endpoint + TRUNCATION_FRAGMENT,
    )
    answer = state.evaluator.evaluate(job)
    media_format = formats[answer.kind]
    assert media_format is not None  # the worker refuses kinds without a format
    content_type = media_format.content_type
    # Strong validators differ between representations (RFC 9110, 8.8.3): the type is hashed too.
    etag = quote_etag(hashlib.sha1(content_type.encode() + b"\0" + answer.body).hexdigest())
    return Evaluated(
        answer.body, content_type, etag, answer.truncated, settings.max_rows, screening.is_repeatable
    )


def _refuse_unsendable(app: Flask, text: str, kind: ResultKind) -> NoReturn:
    """406 for a query of a kind the client accepts no format for, once it is known to parse.

    Syntax comes before negotiation: a query that does not parse is a 400 with its line and
    column, whatever the Accept. A worker parses it, not this process: the screen may misjudge
    nesting, and a parser overflowing a request thread's stack would take the server down. It
    evaluates over an empty dataset with no format for any kind, so a valid query costs one
    round trip to a worker and no data.
    """
    parse_only = QueryJob(
        text=text,
        formats=dict.fromkeys(ResultKind),
        max_rows=0,
        base_iri=site(app).iri_space.data_base,
        default_graphs=(),
        named_graphs=(),
    )
    try:
        app.extensions[EXTENSION_KEY].evaluator.evaluate(parse_only)
    except UnsupportedFormat:
        pass  # it parses: the worker found no format for its kind, as this process did
    raise UnsupportedFormat(_not_acceptable(kind))


def flag_truncation(response: Response, answer: Answer, max_rows: int) -> None:
    """Tell the client, in headers, when the answer stops at the endpoint's row limit."""
    if answer.truncated:
        response.headers.extend(truncation_headers(max_rows))


def truncation_headers(max_rows: int) -> list[tuple[str, str]]:
    """The headers of an answer cut at the endpoint's row limit."""
    return [(TRUNCATED_HEADER, "true"), (MAX_ROWS_HEADER, str(max_rows))]


@functools.lru_cache(maxsize=64)
def endpoint_url(scheme: str, host: str, root_path: str) -> str:
    """This endpoint's URL as the client reached it (request.base_url, computed once per host)."""
    return get_current_url(scheme, host, root_path, "/sparql")


def _describe_service() -> Response:
    media_format = _graph_format_or_406()
    state = services()
    triples = service_description(request.base_url, state.dataset, state.settings)
    body = graph_document(triples, media_format.name, prefixes=DESCRIPTION_PREFIXES)
    return Response(body, 200, content_type=media_format.content_type)


def _wants_a_page() -> bool:
    """Whether a GET without a query comes from a browser: it ranks HTML above every RDF syntax.

    HTML comes last among the candidates, so `*/*` and no Accept at all keep the description.
    """
    if request.args.get("format"):
        return False
    offered = (*FORMATS[ResultKind.GRAPH], HTML)
    return best_format(offered, request.headers.get("Accept")) is HTML


def _graph_format_or_406() -> MediaFormat:
    media_format = choose_format(
        ResultKind.GRAPH, request.headers.get("Accept"), request.args.get("format")
    )
    if media_format is None:
        raise UnsupportedFormat(_not_acceptable(ResultKind.GRAPH, "the service description"))
    return media_format


def _not_acceptable(kind: ResultKind, what: str | None = None) -> str:
    what = what or f"{kind.value} results"
    return (
        f"no acceptable format for {what}: ask (Accept header or format parameter) for one "
        f"of {acceptable(kind)}"
    )
