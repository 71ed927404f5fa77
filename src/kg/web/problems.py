"""Error responses for every blueprint: one JSON shape for API clients, plain text otherwise.

Errors become responses here and only here. Whatever went wrong, the client gets a status and a
one-line message, `{"error": {"status": 400, "message": "..."}}` or that message as text/plain,
and never a traceback: an unexpected exception is logged with its traceback and answered 500
with a fixed message.
"""

import json
from collections.abc import Iterable

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from kg.errors import KgError
from kg.web.negotiation import prefers_json


def error_response(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """The one error shape, as JSON or text/plain by the request's Accept header."""
    message = " ".join(message.split())  # one line, whatever the source wrote
    if prefers_json(request.headers.get("Accept")):
        body = json.dumps({"error": {"status": status, "message": message}}, ensure_ascii=False)
        response = Response(body, status, content_type="application/json")
    else:
        response = Response(message + "\n", status, content_type="text/plain; charset=utf-8")
    response.headers.extend(headers)
    return response


def install_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(KgError, _kg_error)
    app.register_error_handler(Exception, _unexpected)


def _http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error  # routing redirects are answers, not errors
    # Keep what the exception says about the resource (Allow on a 405), not its HTML body type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return error_response(error.code, error.description or error.name, headers)


def _kg_error(error: KgError) -> Response:
    return error_response(error.http_status, str(error))


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal server error; the details are in the server log")
