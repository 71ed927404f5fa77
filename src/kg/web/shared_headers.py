"""The headers every answer of the app carries: what it varies on, and that any origin may read it."""

from kg.web.compression import may_gzip
from kg.web.sparql import MAX_ROWS_HEADER, TRUNCATED_HEADER

EXPOSED_HEADERS = f"{TRUNCATED_HEADER}, {MAX_ROWS_HEADER}"
VARY, VARY_GZIP = ("Accept",), ("Accept", "Accept-Encoding")


def varies_on(content_type: str | None) -> tuple[str, ...]:
    """The request headers an answer of this type depends on."""
    # Every answer is negotiated on Accept (errors too), so caches must key on it; most may be
    # gzipped (kg.web.compression), said here so that kept answers and their 304s say it too.
    return VARY_GZIP if may_gzip(content_type) else VARY


# Open data, read-only, no credentials: any web page may query it.
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
)


def shared_headers(content_type: str | None) -> list[tuple[str, str]]:
    """Vary and CORS for an answer (not a preflight) that has no Vary header of its own."""
    return [("Vary", ", ".join(varies_on(content_type))), *CORS_HEADERS]
