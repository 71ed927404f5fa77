"""The app factory: one Flask app per Settings, with the SPARQL blueprint and the shared plumbing.

Other surfaces (resource pages, UI, dumps) come as further blueprints registered here; they find
the settings, the evaluator and the dataset's facts through `kg.web.services.services()`, and
their errors take the same shape through `kg.web.problems`.
"""

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from kg.build import open_build
from kg.dataset import DatasetInfo, SharedStore, open_served
from kg.web import (
    charts, documents, health, neighbourhood, openapi, resources, search, sparql, timeline,
    ui,
)
from kg.web.caching import with_answer_cache
from kg.web.content_policy import add_page_policy
from kg.web.compression import Compression
from kg.web.evaluation import Evaluator
from kg.web.generations import SHARED_STORE_KEY
from kg.web.problems import install_error_handlers
from kg.web.services import EXTENSION_KEY, Services
from kg.web.settings import Settings
from kg.web.shared_headers import CORS_HEADERS, varies_on
from kg.web.sparql_shortcut import DEFERRED_ERROR, SparqlShortcut

_METHOD_ORDER = ("GET", "HEAD", "POST", "OPTIONS")


def create_app(settings: Settings) -> Flask:
    """Open the data, start nothing yet (query workers fork on demand), and wire the blueprints."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.store is not None:
        # requests and the remote evaluator only for a remote store: 80-90 ms of a warm start.
        from kg.web.remote_evaluation import remote_services

        app.extensions[EXTENSION_KEY] = remote_services(settings)
    else:
        app.extensions[EXTENSION_KEY], app.extensions[SHARED_STORE_KEY] = _local_services(settings)
    install_error_handlers(app)
    app.before_request(_refuse_large_bodies)
    app.before_request(_raise_deferred_error)
    app.after_request(_shared_headers)
    app.after_request(add_page_policy)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(documents.blueprint)
    app.register_blueprint(ui.blueprint)
    app.register_blueprint(health.blueprint)
    for figures in (timeline, charts, neighbourhood):
        app.register_blueprint(figures.blueprint)
    app.register_blueprint(search.blueprint)
    app.register_blueprint(openapi.blueprint)
    # A plain GET with a query is answered without Flask's dispatch; a repeated one before even
    # that, from the cache around it; compression outside both, so the cache keeps one plain
    # answer for every client.
    app.wsgi_app = SparqlShortcut(app.wsgi_app, app)  # type: ignore[method-assign]
    app.wsgi_app = with_answer_cache(app.wsgi_app, settings.answer_cache_bytes)  # type: ignore[method-assign]
    app.wsgi_app = Compression(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _local_services(settings: Settings) -> tuple[Services, SharedStore]:
    """The build's store (or --data's), opened read-only by each process that reads it."""
    shared = open_served(settings.data or (open_build().store_path,))
    evaluator = Evaluator(
        # Queries see the merge of the named graphs as their default graph (kg.store).
        shared,
        timeout=settings.query_timeout,
        memory_bytes=settings.query_memory_bytes,
        max_workers=settings.threads,
        evaluations=settings.simultaneous_queries_per_process(),
        sandbox=settings.sandbox,
        max_queries=settings.query_worker_queries,
    )
    services = Services(settings, evaluator, DatasetInfo.of(shared.dataset), shared.dataset)
    shared.release()  # the processes forked from this one open their own
    return services, shared


def _refuse_large_bodies() -> None:
    # Flask checks the limit only when a body is read; some refusals never read it.
    length = request.content_length
    if length is None:  # no body (most requests): the limit is not even looked up
        return
    limit = request.max_content_length
    if limit is not None and length > limit:
        raise RequestEntityTooLarge(f"the body has {length} bytes; the limit is {limit}")


def _raise_deferred_error() -> None:
    # An error met by kg.web.sparql_shortcut, raised here so that it is rendered as every other.
    error = request.environ.get(DEFERRED_ERROR)
    if error is not None:
        raise error


def _shared_headers(response: Response) -> Response:
    headers = response.headers
    if "Vary" in headers:  # a view's own Vary, with what every answer varies on
        for name in varies_on(response.content_type):
            response.vary.add(name)
    else:  # the common case, written at once: response.vary parses and rewrites it per add
        headers["Vary"] = ", ".join(varies_on(response.content_type))
    for name, value in CORS_HEADERS:
        headers[name] = value
    if request.method == "OPTIONS":
        # What this URL takes (Flask's preflight answer lists it in Allow): POST only on /sparql.
        allowed = set(response.allow) or {"GET", "HEAD", "OPTIONS"}
        methods = [m for m in _METHOD_ORDER if m in allowed] + sorted(allowed - set(_METHOD_ORDER))
        response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Accept, Content-Type"
        )
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
