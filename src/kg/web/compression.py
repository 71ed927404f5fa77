"""gzip for the clients that ask for it: results, pages and dumps travel 5 to 16 times smaller.

Measured on the shipped build: the asserted N-Quads dump is 410 KB, 33 KB gzipped (level 6); the
whole dataset's N-Quads, 732 KB, give 46 KB in 4.6 ms. Fuseki compresses its answers the same way
(Jetty's GzipHandler). Every kg answer is whole in memory before it is sent, so compressing it is
one call; answers under a packet, and types that are compressed already, go as they are.

Every answer of a type that may be gzipped says `Vary: Accept-Encoding`, compressed or not, small
or large (a 304 cannot tell, and must vary as its 200 does): the app adds it (app.py), so that
answers kept by the answer cache, and their 304s, say it too, and a client that does not accept
gzip costs this layer nothing. Its strong ETag is a different one once compressed (`"…-gzip"`,
RFC 9110 section 8.8.3), and that suffix is taken off a request's If-None-Match before the app
compares it, as Apache's mod_deflate does, so a client holding the gzipped answer gets its 304.
"""

import gzip
import threading
from collections.abc import Iterable
from typing import Any

from cachetools import LRUCache
from werkzeug.http import parse_accept_header

from kg.web.wsgi import Environ, StartResponse, WsgiApp

MIN_SIZE = 1400  # about one TCP segment: smaller answers gain nothing worth the work
LEVEL = 6  # zlib's default: 16x on the dataset's N-Quads at 4.6 ms, 51 µs for a 3.6 KB answer
_SUFFIX = "-gzip"
_ALREADY_COMPRESSED = ("image/", "video/", "audio/", "application/gzip", "application/zip")


class Compression:
    """WSGI middleware: gzip-encodes compressible answers for clients that accept gzip.

    Compressed bodies are kept by their strong ETag: kg's are digests of the bytes (an answer's of
    its type and body, a dump's its SHA-256), so the same ETag is the same body, and a replayed
    answer or a dump is compressed once, not on every request.
    """

    def __init__(self, app: WsgiApp, memory: int = 32 * 2**20) -> None:
        self.app = app
        self._compressed: LRUCache[str, bytes] = LRUCache(maxsize=memory, getsizeof=len)
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not _accepts_gzip(environ):
            return self.app(environ, start_response)  # Vary: Accept-Encoding comes from the app
        held_gzipped = False  # the client's If-None-Match names a gzipped answer
        if _SUFFIX in environ.get("HTTP_IF_NONE_MATCH", ""):
            environ["HTTP_IF_NONE_MATCH"] = environ["HTTP_IF_NONE_MATCH"].replace(_SUFFIX + '"', '"')
            held_gzipped = True
        held: list[Any] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("304") and held_gzipped:
                # It holds the gzipped answer: confirm that one.
                return start_response(status, _suffixed_etag(headers), exc_info)
            if (
                not status.startswith("200")
                or _compressed_already(headers)
                or not _worth_compressing(headers, environ)
            ):
                return start_response(status, headers, exc_info)
            held[:] = [status, headers, exc_info]
            return _refuse_write

        chunks = self.app(environ, hold)
        if not held:
            return chunks
        status, headers, exc_info = held
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        compressed = self._compress(body, _etag(headers))
        start_response(status, _encoded(_with_vary(headers), len(compressed)), exc_info)
        return [compressed]

    def _compress(self, body: bytes, etag: str | None) -> bytes:
        if etag is None:
            return gzip.compress(body, compresslevel=LEVEL, mtime=0)
        with self._lock:
            compressed = self._compressed.get(etag)
        if compressed is None:
            compressed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
            if len(compressed) <= self._compressed.maxsize // 8:
                with self._lock:
                    self._compressed[etag] = compressed
        return compressed


def _accepts_gzip(environ: Environ) -> bool:
    value = environ.get("HTTP_ACCEPT_ENCODING")
    if not value or ("gzip" not in value and "*" not in value):
        return False
    return parse_accept_header(value).quality("gzip") > 0


def may_gzip(content_type: str | None) -> bool:
    """Whether answers of this type may be gzipped (so vary on Accept-Encoding)."""
    return not (content_type or "").startswith(_ALREADY_COMPRESSED)


def _compressed_already(headers: list[tuple[str, str]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-encoding" or (
            lowered == "content-type" and value.startswith(_ALREADY_COMPRESSED)
        ):
            return True
    return False


def _worth_compressing(headers: list[tuple[str, str]], environ: Environ) -> bool:
    if environ.get("REQUEST_METHOD") == "HEAD":
        return False
    for name, value in headers:
        if name.lower() == "content-length":
            return int(value) >= MIN_SIZE
    return False


def _etag(headers: list[tuple[str, str]]) -> str | None:
    """The strong ETag, if the answer has one."""
    for name, value in headers:
        if name.lower() == "etag" and not value.startswith("W/"):
            return value
    return None


def _with_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            if "accept-encoding" in value.lower():
                return headers
            return [*headers[:index], (name, f"{value}, Accept-Encoding"), *headers[index + 1 :]]
    return [*headers, ("Vary", "Accept-Encoding")]


def _encoded(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    out = [("Content-Encoding", "gzip")]
    for name, value in _suffixed_etag(headers):
        out.append((name, str(length) if name.lower() == "content-length" else value))
    return out


def _suffixed_etag(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers with a strong ETag made the gzipped answer's own; a weak one stays."""
    return [
        (name, value[:-1] + _SUFFIX + '"')
        if name.lower() == "etag" and value.endswith('"') and not value.startswith("W/")
        else (name, value)
        for name, value in headers
    ]


def _refuse_write(data: bytes) -> None:
    raise RuntimeError("kg's answers are returned whole, never written through write()")
