"""Error responses for every blueprint: the one place that decides what an error body looks like.

Errors become responses here and only here. Whatever went wrong, the client gets a status and a
one-line message, never a traceback: an unexpected exception is logged with its traceback and
answered 500 with a fixed message. The Accept header picks the body, by one rule:

- a browser (a client that ranks text/html above JSON and above plain text) gets an HTML page;
- a client that accepts JSON, or anything (`*/*`, no Accept header), gets the API shape
  `{"error": {"status": 400, "message": "..."}}`;
- any other client (text/plain, or only formats an error cannot come in) gets the message as
  text/plain.
"""

import json
from collections.abc import Iterable

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from kg.errors import KgError, one_line
from kg.web.negotiation import parsed_accept

HTML_PAGE = "text/html"
JSON_SHAPE = "application/json"
PLAIN_TEXT = "text/plain"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def error_body_type(accept: str | None) -> str:
    """HTML_PAGE, JSON_SHAPE or PLAIN_TEXT: the kind of error body this Accept header gets."""
    if not accept or not accept.strip():
        return JSON_SHAPE
    entries = parsed_accept(accept)
    html = max(entries.quality(t) for t in _HTML_TYPES)
    # Any JSON flavour counts: a SPARQL client asking for results JSON reads the JSON shape.
    json_quality = max(
        [entries.quality(JSON_SHAPE)]
        + [q for value, q in entries if value.endswith(("/json", "+json"))]
    )
    plain = entries.quality(PLAIN_TEXT)
    if html > max(json_quality, plain):
        return HTML_PAGE
    if json_quality > 0 and json_quality >= plain:
        return JSON_SHAPE
    return PLAIN_TEXT


def error_response(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """The error as the request's Accept header would have it (see the module docstring)."""
    message = one_line(message)  # whatever the source wrote
    body_type = error_body_type(request.headers.get("Accept"))
    response = None
    if body_type == HTML_PAGE:
        response = _html_page(status, message)
    if response is None and body_type != PLAIN_TEXT:
        body = json.dumps({"error": {"status": status, "message": message}}, ensure_ascii=False)
        response = Response(body, status, content_type=JSON_SHAPE)
    if response is None:
        response = Response(message + "\n", status, content_type="text/plain; charset=utf-8")
    response.headers.extend(headers)
    return response


def _html_page(status: int, message: str) -> Response | None:
    title = HTTP_STATUS_CODES.get(status, "Error").capitalize()
    try:
        page = render_template(
            "error.html", status=status, title=title, message=message, alternates=[]
        )
    except Exception:  # noqa: BLE001 - a broken page must not hide the error it reports
        current_app.logger.exception("the error page for %d did not render", status)
        return None
    return Response(page, status, content_type="text/html; charset=utf-8")


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
