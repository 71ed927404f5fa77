"""Whole answers of `GET /sparql`, kept and replayed: the served graph never changes while it runs.

A server loads one build and holds it read-only until it stops, so the same request gets the same
answer for the server's whole life, unless the query asks for something new each time (NOW, RAND,
UUID, STRUUID, BNODE) or the screen cannot read it with certainty (kg.screening), which the
endpoint then does not offer for keeping. The
endpoint marks an answer it may keep (`KEEPABLE` in the WSGI environ); this middleware, in front
of the whole Flask app, keeps such 200 answers in a least-recently-used cache bounded in bytes and
replays them without Flask, the query screen or a query worker: the whole cost of a repeated query
is then a dictionary lookup. Wikidata's query service keeps answers for five minutes and QLever
keeps results in memory; here they can be kept as long as the process lives.

The key is everything such an answer depends on: the path, the query string (query, dataset
parameters, format), the Accept header, and the host and scheme (an answer cut at --max-rows links
to this server's description). POSTs, HEADs and requests with a body always go to the app. A
client that says `Cache-Control: no-cache` (or `max-age=0`, or `Pragma: no-cache`) gets a fresh
evaluation, which then replaces the kept answer; `no-store` is evaluated and not kept.

Each answer to such a GET says how it was made in a `Cache-Status` header (RFC 9211): `kg; hit`,
`kg; fwd=miss; stored`, or `kg; fwd=miss` (not kept: an error, a NOW(), or too large), with
`fwd=request` instead when the client asked for a fresh answer. Answers carry an ETag, and a
request whose If-None-Match holds it gets 304.
"""

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from cachetools import LRUCache
from werkzeug.datastructures import RequestCacheControl
from werkzeug.http import http_date, is_resource_modified, parse_cache_control_header

from kg.web.wsgi import Environ, StartResponse, WsgiApp

KEEPABLE = "kg.keepable"  # set to True in the environ by the endpoint: this answer may be kept
CACHE_STATUS = "Cache-Status"
_HIT = "kg; hit"
_NOT_MODIFIED = "304 Not Modified"
# What a 304 repeats from the 200 it stands for (RFC 9110, section 15.4.5), CORS aside.
_NOT_MODIFIED_HEADERS = frozenset({"etag", "vary", "cache-control", "content-location", "date"})

_Key = tuple[str, ...]
# Bytes allowed per entry for the objects around its characters (str and tuple headers, the
# dataclass, the cache's bookkeeping): about 2,100 for an answer with 8 headers, by sys.getsizeof.
ENTRY_OVERHEAD = 2048


@dataclass(frozen=True)
class KeptAnswer:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str | None


class AnswerCache:
    """Answers by request key, least recently used first out, within `capacity` bytes.

    An entry's bytes are its body's, its key's and its headers', plus a fixed allowance for the
    objects holding them: a key may be a 64 KiB query string whose answer is a few bytes, so
    counting bodies alone would let many such queries take unbounded memory.
    """

    def __init__(self, capacity: int) -> None:
        # One entry may take an eighth of the room, so a few big ones cannot flush the rest.
        self.largest = capacity // 8
        self._entries: LRUCache[_Key, _Entry] = LRUCache(
            maxsize=capacity, getsizeof=lambda entry: entry.size
        )
        self._lock = threading.Lock()  # LRUCache reorders itself on every read

    def get(self, key: _Key) -> KeptAnswer | None:
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry.answer

    def put(self, key: _Key, answer: KeptAnswer) -> bool:
        """Keep the answer unless it is too large; whether it was kept."""
        size = entry_size(key, answer.headers, len(answer.body))
        if size > self.largest:
            return False
        with self._lock:
            self._entries[key] = _Entry(answer, size)
        return True

    @property
    def size(self) -> int:
        """Bytes held now (see entry_size)."""
        with self._lock:
            return int(self._entries.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def entry_size(key: _Key, headers: Iterable[tuple[str, str]], body_length: int) -> int:
    """What keeping an answer under this key costs, in bytes, as the cache counts it."""
    header_length = sum(len(name) + len(value) for name, value in headers)
    return body_length + sum(map(len, key)) + header_length + ENTRY_OVERHEAD


class _Entry(NamedTuple):
    answer: KeptAnswer
    size: int


class AnswerCacheMiddleware:
    """WSGI middleware: replays kept answers to `GET path`, keeps the keepable ones it passes on."""

    def __init__(self, app: WsgiApp, cache: AnswerCache, path: str = "/sparql") -> None:
        self.app = app
        self.cache = cache
        self.path = path

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        wants = _client_cache_control(environ)
        if wants is not None and wants.no_store:
            return self._pass_on(None, environ, start_response, "request")
        if wants is not None and (wants.no_cache or wants.max_age == 0):
            return self._pass_on(key, environ, start_response, "request")
        kept = self.cache.get(key)
        if kept is not None:
            return _replay(kept, environ, start_response)
        return self._pass_on(key, environ, start_response, "miss")

    def _key(self, environ: Environ) -> _Key | None:
        if (
            environ.get("PATH_INFO") != self.path
            or environ.get("REQUEST_METHOD") != "GET"
            or not environ.get("QUERY_STRING")
            or environ.get("CONTENT_LENGTH") not in (None, "", "0")
            or "HTTP_TRANSFER_ENCODING" in environ
        ):
            return None
        return (
            environ.get("wsgi.url_scheme", "http"),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            environ["QUERY_STRING"],
            environ.get("HTTP_ACCEPT", ""),
        )

    def _pass_on(
        self,
        key: _Key | None,
        environ: Environ,
        start_response: StartResponse,
        forward: str,
    ) -> Iterable[bytes]:
        """The app's answer, kept under `key` if the endpoint allows it (never when key is None).

        `forward` is why the app is asked (RFC 9211's fwd): "miss", or "request" when the client
        asked for a fresh answer.
        """
        seen: dict[str, Any] = {}

        def note_headers(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            cache_status = f"kg; fwd={forward}"
            length = _length(headers)
            if (
                key is not None
                and status.startswith("200")
                and environ.get(KEEPABLE)
                and length is not None
            ):
                # A replay states its own date.
                kept = tuple((name, value) for name, value in headers if name.lower() != "date")
                if entry_size(key, kept, length) <= self.cache.largest:
                    seen.update(status=status, headers=kept)
                    cache_status += "; stored"
            return start_response(status, [*headers, (CACHE_STATUS, cache_status)], exc_info)

        chunks = self.app(environ, note_headers)
        if key is None or not seen:
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = seen["headers"]
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        self.cache.put(key, KeptAnswer(seen["status"], headers, body, etag))
        return [body]


def with_answer_cache(app: WsgiApp, capacity: int) -> WsgiApp:
    """The app behind an answer cache of `capacity` bytes; the app itself when capacity is 0."""
    if capacity <= 0:
        return app
    return AnswerCacheMiddleware(app, AnswerCache(capacity))


def _replay(
    kept: KeptAnswer, environ: Environ, start_response: StartResponse
) -> Iterable[bytes]:
    if (
        kept.etag is not None
        and "HTTP_IF_NONE_MATCH" in environ
        and not is_resource_modified(environ, etag=kept.etag)
    ):
        headers = [
            (name, value)
            for name, value in kept.headers
            if name.lower() in _NOT_MODIFIED_HEADERS or name.lower().startswith("access-control-")
        ]
        start_response(_NOT_MODIFIED, [*headers, ("Date", http_date()), (CACHE_STATUS, _HIT)])
        return []
    start_response(kept.status, [*kept.headers, ("Date", http_date()), (CACHE_STATUS, _HIT)])
    return [kept.body]


def _client_cache_control(environ: Environ) -> RequestCacheControl | None:
    """What the request asks of caches; None when it says nothing (the common case, kept cheap)."""
    value = environ.get("HTTP_CACHE_CONTROL")
    if value is None:
        if environ.get("HTTP_PRAGMA", "").lower() != "no-cache":
            return None
        value = "no-cache"  # HTTP/1.0's spelling (RFC 9111, section 5.4)
    return parse_cache_control_header(value, cls=RequestCacheControl)


def _length(headers: Iterable[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            return int(value)
    return None
