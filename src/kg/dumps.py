"""Whole-graph downloads: the dataset in five RDF formats, asserted and entailed facts apart.

Two parts, each in N-Quads, TriG, Turtle, N-Triples and JSON-LD:

- `asserted`: what the sources and the ontology say (every named graph but the two below);
- `inferred`: what the build adds, the OWL 2 RL entailments (graph/inferred) and the links its
  rules derive (graph/derived).

N-Quads, TriG and JSON-LD keep each fact's named graph (its provenance); Turtle and N-Triples
hold one graph, so they merge the part's graphs. The files come from `kg.export`, sorted, so the
same build gives the same bytes and the same SHA-256; `kg export --dumps DIR` and the server's
/dumps make exactly these files.
"""

import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from kg.resource_description import ENTAILED_GRAPHS
from kg.errors import KgError
from kg.export import export_dataset
from kg.iri_space import IriSpace
from kg.project import display_path

DUMP_PREFIX = "kg-mali"
CANONICAL = IriSpace()  # the data's own IRIs, as `kg export --dumps` writes them
CHECKSUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class DumpFormat:
    name: str  # kg.export's name for it
    extension: str
    media_type: str
    label: str


DUMP_FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("nquads", "nq", "application/n-quads", "N-Quads"),
    DumpFormat("trig", "trig", "application/trig", "TriG"),
    DumpFormat("turtle", "ttl", "text/turtle", "Turtle"),
    DumpFormat("ntriples", "nt", "application/n-triples", "N-Triples"),
    DumpFormat("jsonld", "jsonld", "application/ld+json", "JSON-LD"),
)


@dataclass(frozen=True)
class DumpPart:
    name: str
    title: str
    holds: Callable[[Quad], bool]


def _is_entailed(quad: Quad) -> bool:
    return isinstance(quad.graph_name, NamedNode) and quad.graph_name in ENTAILED_GRAPHS


PARTS: tuple[DumpPart, ...] = (
    DumpPart(
        "asserted",
        "Asserted: the ontology and the facts of each source",
        lambda q: not _is_entailed(q),
    ),
    DumpPart("inferred", "Inferred: OWL 2 RL entailments and rule-derived links", _is_entailed),
)


@dataclass(frozen=True)
class Dump:
    """One dump file, with its bytes."""

    part: DumpPart
    format: DumpFormat
    data: bytes
    graphs: tuple[str, ...]  # the named graphs it was made from

    @property
    def file_name(self) -> str:
        return f"{DUMP_PREFIX}-{self.part.name}.{self.format.extension}"

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def make_dumps(store: Store, iri_space: IriSpace = CANONICAL) -> list[Dump]:
    """Every dump, in PARTS × DUMP_FORMATS order; IRIs as `iri_space` publishes them."""
    quads = list(store)
    dumps = []
    for part in PARTS:
        part_quads = list(iri_space.publish_quads(q for q in quads if part.holds(q)))
        part_store = Store()
        part_store.extend(part_quads)
        graphs = _graph_names(part_quads)
        for dump_format in DUMP_FORMATS:
            out = io.BytesIO()
            export_dataset(part_store, dump_format.name, out)
            dumps.append(Dump(part, dump_format, out.getvalue(), graphs))
    return dumps


def write_dumps(store: Store, directory: Path, iri_space: IriSpace = CANONICAL) -> list[Dump]:
    """Write every dump and a SHA256SUMS file (`sha256sum -c` checks it) into `directory`."""
    dumps = make_dumps(store, iri_space)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for dump in dumps:
            (directory / dump.file_name).write_bytes(dump.data)
        (directory / CHECKSUMS_FILE).write_text(checksums(dumps), encoding="utf-8")
    except OSError as err:
        raise KgError(f"{display_path(directory)}: cannot write: {err.strerror}") from err
    return dumps


def checksums(dumps: Iterable[Dump]) -> str:
    """The lines of a SHA256SUMS file."""
    return "".join(f"{dump.sha256}  {dump.file_name}\n" for dump in dumps)


def _graph_names(quads: Iterable[Quad]) -> tuple[str, ...]:
    return tuple(
        sorted({q.graph_name.value for q in quads if not isinstance(q.graph_name, DefaultGraph)})
    )
