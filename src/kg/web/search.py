"""`/search?q=`: the labels and descriptions of the graph, searched as kg.search_index ranks them.

An HTML page (every page's header has the search box that leads here) or JSON, chosen by the
Accept header or by `?format=json` / `?format=html`. An empty query is the page without hits and a
hint; a query longer than MAX_QUERY_CHARS characters is refused with 400; hits come
HITS_PER_PAGE to a page (`?page=N`, with rel="next"/"prev" links). The index is the build's file
beside its store, opened read-only by each process; data served without a build (`--data FILE`,
`--as-is`, `--store`) are indexed in memory by each process on its first search.
"""

import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request
from markupsafe import Markup, escape
from pyoxigraph import NamedNode
from werkzeug.exceptions import BadRequest, NotFound

from kg.search_index import (
    MATCH_END, MATCH_START, Found, Hit, fill_index, index_path_for_store, open_index, search,
)
from kg.web.presenting import Presenter, TermView
from kg.web.representations import (
    HTML, JSON_LIST, LISTING_FORMATS, Alternate, Choice, choose, finish_with, html_response,
    site_href,
)
from kg.web.services import ON_CLOSE_KEY, services
from kg.web.site import site

blueprint = Blueprint("search", __name__)

MAX_QUERY_CHARS = 400
HITS_PER_PAGE = 50
_INDEX_KEY = "kg.search"
_FORMATS = {"html": HTML, "json": JSON_LIST}


class SearchIndex:
    """This process's way into the index: the build's file (a read-only connection per thread),
    or an index made in memory from the served store (one connection, one search at a time)."""

    def __init__(self, path: Path | None, make: Callable[[sqlite3.Connection], object]) -> None:
        self._path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        self._make = make
        self._opened: list[sqlite3.Connection] = []  # every thread's, for close()

    def search(self, query: str, limit: int, offset: int) -> Found:
        if self._path is not None:
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = open_index(self._path)
                with self._lock:
                    self._opened.append(connection)
            return search(connection, query, limit, offset)
        with self._lock:
            if self._memory is None:
                memory = sqlite3.connect(":memory:", check_same_thread=False)
                self._make(memory)
                self._memory = memory
            return search(self._memory, query, limit, offset)

    def close(self) -> None:
        """Close every thread's connection: the app is done with, and a later build may delete
        the index file, whose disk space an open connection would keep."""
        with self._lock:
            opened, self._opened = self._opened, []
            if self._memory is not None:
                opened.append(self._memory)
                self._memory = None
        for connection in opened:
            connection.close()


def search_index() -> SearchIndex:
    """The running app's index for this process (a forked worker makes its own)."""
    indexes: dict[int, SearchIndex] = current_app.extensions.setdefault(_INDEX_KEY, {})
    pid = os.getpid()
    found = indexes.get(pid)
    if found is None:
        found = indexes[pid] = SearchIndex(_built_index(), lambda c: fill_index(c, services().store))
        current_app.extensions.setdefault(ON_CLOSE_KEY, []).append(found.close)
    return found


def _built_index() -> Path | None:
    data = services().settings.data
    if len(data) == 1 and data[0].is_dir():
        path = index_path_for_store(data[0])
        if path.is_file():
            return path
    return None


@blueprint.route("/search")
def search_page() -> Response:
    choice = _choice()
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"the query has {len(text)} characters; at most {MAX_QUERY_CHARS} are searched"
        )
    page = _page_number()
    query = text.strip()
    found = (
        search_index().search(query, HITS_PER_PAGE, (page - 1) * HITS_PER_PAGE)
        if query else Found(0, ())
    )
    pages = max(1, -(-found.total // HITS_PER_PAGE))
    if page > pages:
        raise NotFound(f"page {page}: the hits for {query!r} fill {pages} page(s)")
    # The neighbouring pages keep the format the URL named, if it named one.
    named = choice.format.name if choice.by_extension else None
    links = {
        "prev": _href(query, page - 1, named) if page > 1 else None,
        "next": _href(query, page + 1, named) if page < pages else None,
    }
    twins = [
        Alternate(_href(query, page, None), HTML.media_type, "HTML"),
        Alternate(_href(query, page, "json"), JSON_LIST.media_type, "JSON"),
    ]
    header_links = [f'<{href}>; rel="{rel}"' for rel, href in links.items() if href]
    presenter = Presenter(site().iri_space, site().labeller)
    if choice.format is JSON_LIST:
        document = {
            "query": query,
            "total": found.total,
            "page": page,
            "pages": pages,
            "per_page": HITS_PER_PAGE,
            **links,
            "hits": [_hit_json(presenter, hit) for hit in found.hits],
        }
        body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        response = Response(body, 200, content_type=JSON_LIST.content_type)
    else:
        response = html_response(
            "search.html",
            alternates=twins,
            query=query,
            search_text=text,
            total=found.total,
            page=page,
            pages=pages,
            first=(page - 1) * HITS_PER_PAGE + 1,
            links=links,
            hits=[_hit_view(presenter, hit) for hit in found.hits],
        )
    return finish_with(response, twins, choice, *header_links)


def _choice() -> Choice:
    wanted = request.args.get("format")
    if wanted is None:
        return choose(None, LISTING_FORMATS)
    if wanted not in _FORMATS:
        raise BadRequest(f"format={wanted!r}: the search answers as html or json")
    return Choice(_FORMATS[wanted], True)


def _page_number() -> int:
    given = request.args.get("page", "1")
    if not given.isascii() or not given.isdigit() or int(given) < 1:
        raise BadRequest(f"page={given!r}: a page is a whole number from 1")
    return int(given)


def _href(query: str, page: int, format_name: str | None) -> str:
    parameters: dict[str, str | int] = {"q": query}
    if page > 1:
        parameters["page"] = page
    if format_name is not None:
        parameters["format"] = format_name
    return f"{site_href('search')}?{urlencode(parameters)}"


def _kind(hit: Hit) -> str | None:
    """The kind an entity's path names (id/{kind}/…), as its listing does."""
    path = site().iri_space.path_of(hit.iri)
    if path is not None and path.startswith("id/") and path.count("/") >= 2:
        return path.split("/")[1]
    return None


def _hit_json(presenter: Presenter, hit: Hit) -> dict[str, object]:
    view = presenter.iri(NamedNode(hit.iri), labelled=False)
    return {
        "iri": view.iri,
        "url": view.href,
        "label": hit.label,
        "kind": _kind(hit),
        "types": [
            {"iri": t.iri, "label": t.text} for t in (presenter.iri(NamedNode(x)) for x in hit.types)
        ],
        "match": hit.tier.label,
        "snippet": hit.snippet.replace(MATCH_START, "").replace(MATCH_END, ""),
    }


def _hit_view(presenter: Presenter, hit: Hit) -> dict[str, object]:
    link: TermView = presenter.iri(NamedNode(hit.iri), labelled=False)
    types = [presenter.iri(NamedNode(t)) for t in hit.types]
    kind = _kind(hit)
    return {
        "href": link.href,
        "iri": link.iri,
        "label": hit.label or link.text,
        # The kind the path names, unless a type says the same ("person · person").
        "kind": kind if kind not in {t.text for t in types} else None,
        "types": types,
        "match": hit.tier.label,
        "snippet": _marked(hit.snippet),
    }


def _marked(snippet: str) -> Markup:
    """The snippet escaped, its matched words in <mark>."""
    return Markup(
        str(escape(snippet)).replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")
    )
