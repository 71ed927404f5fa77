"""Content negotiation: one media-type table per result kind, consulted once the kind is known.

A SELECT answer and a CONSTRUCT answer are different things: CSV fits the first and not the second,
Turtle the reverse. So the kind comes first, then the client's Accept header (or `format`
parameter) picks among that kind's formats, and nothing acceptable means 406, never a mislabelled
body. werkzeug parses the header and ranks it (quality, then specificity, so `q=0` on a specific
type beats a wildcard); the first format of each table is the default when Accept is absent.
"""

from dataclasses import dataclass
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header

from kg.query_forms import ResultKind

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class MediaFormat:
    """One serialization: `name` is what `?format=` and the query worker call it."""

    name: str
    media_type: str
    w3c_iri: str
    aliases: tuple[str, ...] = ()  # other media types that ask for this format
    short_names: tuple[str, ...] = ()  # other `?format=` spellings

    @property
    def content_type(self) -> str:
        # Text types default to ASCII in HTTP without a charset; the others are UTF-8 by definition.
        return (
            f"{self.media_type}; charset=utf-8"
            if self.media_type.startswith("text/")
            else self.media_type
        )

    def is_called(self, requested: str) -> bool:
        return requested in (self.name, self.media_type, *self.aliases, *self.short_names)


JSON_RESULTS = MediaFormat(
    "json",
    "application/sparql-results+json",
    W3C_FORMATS + "SPARQL_Results_JSON",
    aliases=("application/json",),
)
XML_RESULTS = MediaFormat(
    "xml",
    "application/sparql-results+xml",
    W3C_FORMATS + "SPARQL_Results_XML",
    aliases=("application/xml", "text/xml"),
)
CSV_RESULTS = MediaFormat("csv", "text/csv", W3C_FORMATS + "SPARQL_Results_CSV")
TSV_RESULTS = MediaFormat("tsv", "text/tab-separated-values", W3C_FORMATS + "SPARQL_Results_TSV")
TURTLE = MediaFormat(
    "turtle",
    "text/turtle",
    W3C_FORMATS + "Turtle",
    aliases=("application/x-turtle",),
    short_names=("ttl",),
)
N_TRIPLES = MediaFormat(
    "ntriples", "application/n-triples", W3C_FORMATS + "N-Triples", short_names=("nt",)
)
JSON_LD = MediaFormat(
    "jsonld",
    "application/ld+json",
    W3C_FORMATS + "JSON-LD",
    aliases=("application/json",),
    short_names=("json-ld", "json"),
)
RDF_XML = MediaFormat(
    "rdfxml",
    "application/rdf+xml",
    W3C_FORMATS + "RDF_XML",
    aliases=("application/xml", "text/xml"),
    short_names=("rdf", "xml"),
)
TRIG = MediaFormat("trig", "application/trig", W3C_FORMATS + "TriG")
N_QUADS = MediaFormat("nquads", "application/n-quads", W3C_FORMATS + "N-Quads", short_names=("nq",))

# Preference order: the first is the default, and it wins ties between equally good matches.
FORMATS: dict[ResultKind, tuple[MediaFormat, ...]] = {
    ResultKind.BOOLEAN: (JSON_RESULTS, XML_RESULTS),
    ResultKind.SOLUTIONS: (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS),
    ResultKind.GRAPH: (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N_QUADS),
}


def choose_format(
    kind: ResultKind, accept: str | None, requested: str | None = None
) -> MediaFormat | None:
    """The format to answer `kind` in, or None when nothing the client asked for fits."""
    table = FORMATS[kind]
    requested = (requested or "").strip().lower()
    if requested:
        return next((f for f in table if f.is_called(requested)), None)
    return best_format(table, accept)


@lru_cache(maxsize=512)
def formats_by_kind(
    accept: str | None, requested: str | None = None
) -> tuple[tuple[ResultKind, MediaFormat | None], ...]:
    """choose_format for every result kind at once, cached on the two strings it depends on.

    A query's kind is known only once it is parsed, so the endpoint needs all three; keyed on
    the strings alone, a repeated Accept header costs one lookup, not three (each hashing a tuple
    of formats).
    """
    return tuple((kind, choose_format(kind, accept, requested)) for kind in ResultKind)


def acceptable(kind: ResultKind) -> str:
    """What would have worked, for a 406 message."""
    return ", ".join(f.media_type for f in FORMATS[kind])


def best_format(formats: tuple[MediaFormat, ...], accept: str | None) -> MediaFormat | None:
    """Among `formats` (preference order), the one the Accept header ranks best; the first when
    there is no Accept header; None when nothing fits."""
    return _best(formats, (accept or "").strip())


@lru_cache(maxsize=512)
def _best(formats: tuple[MediaFormat, ...], accept: str) -> MediaFormat | None:
    # Cached: clients repeat a few Accept headers, and ranking one costs far more than a lookup.
    if not accept:
        return formats[0]
    # Canonical types before aliases, so `text/*` means CSV rather than XML sent as text/xml.
    candidates = [f.media_type for f in formats] + [a for f in formats for a in f.aliases]
    best = parsed_accept(accept).best_match(candidates)
    return None if best is None else next(f for f in formats if best in (f.media_type, *f.aliases))


def parsed_accept(accept: str) -> MIMEAccept:
    """The header ranked by werkzeug, without media-type parameters.

    werkzeug matches a range's parameters exactly, so `text/turtle;charset=utf-8` would match
    nothing; media-type parameters never change which format we send, so they are dropped.
    """
    entries = parse_accept_header(accept, MIMEAccept)
    return MIMEAccept([(parse_options_header(value)[0], quality) for value, quality in entries])
