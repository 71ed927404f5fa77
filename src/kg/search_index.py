"""The search index: every labelled resource's labels and descriptions, in an SQLite FTS5 table.

The build writes it beside its store (`write_index`), as one SQLite file the manifest names, so
that it swaps with the build; the server opens it read-only (`open_index`) and asks it
(`search`). SQLite's FTS5 is in Python's standard library; its `unicode61 remove_diacritics 2`
tokenizer folds case and accents the same way `fold` does here, so "keita" finds "Keïta" and
"KEÏTA".

Each resource with a label (rdfs:label, skos:prefLabel or skos:altLabel, in any language) is
one row with four columns: its labels, its alternative labels, its descriptions (definitions,
descriptions, comments, gists, quotes) and its notes (editorial notes and the source's words
quoted as evidence); a second FTS5 table holds each label and alternative label as a row of its
own, so that a label match is scored on the one label that matches (a short label that is mostly
the query scores best) and every word of the query must be in that one label. Hits come ranked
by how the query matches (`Tier`), then by bm25 (over that label for a label match; over every
column, labels weighing most, otherwise), then by IRI:

1. `exact`: the query is one of the resource's labels or alternative labels, word for word;
2. `label`: every word of the query is a word of one of its labels;
3. `label-prefix`: the same, a word of the query being only the beginning of a label's word
   (what one has typed so far: "lavr" finds Lavrov; a single letter is matched as a word);
4. `text`: the words are found in its descriptions or notes, or across columns.

A label that merely begins with the query ranks with the labels that contain it: "Lavrov:
equipment for Mali's government" begins with "lavrov", yet the person Sergey Lavrov comes first,
bm25 preferring the shorter label (a tier of labels that begin with the query, between `exact`
and `label`, would put every "Lavrov: …" statement first). A query so common that it matches
more than MAX_RANKED resources (every node's evidence says "selon la source") ranks its label
matches as above and the rest by IRI: bm25 costs per match, and such a query has no better order
to find. The query's words are quoted for FTS5, so no FTS5 syntax in what a user types is ever
interpreted. Snippets are cut here from the stored text of the hits shown.
"""

import os
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Protocol

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from kg.namespaces import DERIVED_GRAPH, INFERRED_GRAPH, PREFIXES

INDEX_FORMAT = 1
INDEX_PREFIX = "search-"
INDEX_SUFFIX = ".sqlite"
TOKENIZER = "unicode61 remove_diacritics 2"
LABEL_LANGUAGES = ("en", "fr")
# bm25 weights of the columns: labels, alternative labels, descriptions, notes.
WEIGHTS = (10.0, 5.0, 2.0, 1.0)
# A match in an alternative label scores this much less than one in a label.
ALT_DISCOUNT = 0.5
SNIPPET_WORDS = 16
# A query matching more resources than this ranks its matches outside labels by IRI, not bm25.
MAX_RANKED = 2000
_SQLITE_MAX_INTEGER = 2**63 - 1
# Marks around matched words in snippets: control characters no literal of the graph holds.
MATCH_START, MATCH_END = "\x02", "\x03"


def _iri(prefix: str, local: str) -> NamedNode:
    return NamedNode(PREFIXES[prefix] + local)


TYPE = _iri("rdf", "type")
LABELS = (_iri("rdfs", "label"), _iri("skos", "prefLabel"))
ALT_LABELS = (_iri("skos", "altLabel"),)
DESCRIPTIONS = (
    _iri("skos", "definition"),
    _iri("dcterms", "description"),
    _iri("rdfs", "comment"),
    _iri("kgo", "gist"),
    _iri("kgo", "quote"),
)
NOTES = (_iri("kgo", "editorialNote"), _iri("skos", "editorialNote"), _iri("kgo", "evidence"))
_ENTAILED = frozenset({NamedNode(str(INFERRED_GRAPH)), NamedNode(str(DERIVED_GRAPH))})


class QuadSource(Protocol):
    """What the index is read from: a pyoxigraph Store, or kg.store.NamedGraphs."""

    def quads_for_pattern(
        self, subject: object, predicate: object, obj: object, graph_name: object = None
    ) -> Iterator[pyoxigraph.Quad]: ...


class Tier(IntEnum):
    """How a hit matches the query, best first."""

    EXACT = 0
    LABEL = 1
    LABEL_PREFIX = 2
    TEXT = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str | None  # the resource's label (English first, then French)
    types: tuple[str, ...]  # its asserted rdf:types
    tier: Tier
    snippet: str  # where it matched, the matched words between MATCH_START and MATCH_END


@dataclass(frozen=True)
class Found:
    total: int
    hits: tuple[Hit, ...]


def index_name(store_name: str) -> str:
    """The index file of the build whose store folder is `store_name` (store-KEY-TIME)."""
    return INDEX_PREFIX + store_name.removeprefix("store-") + INDEX_SUFFIX


def index_path_for_store(store_path: Path) -> Path:
    """Where the build that wrote the store at `store_path` wrote its index."""
    return store_path.parent / index_name(store_path.name)


def fold(text: str) -> str:
    """Case and accents removed, as the tokenizer does: "Modibo KEÏTA" → "modibo keita"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """The folded words of a text, split where unicode61 splits (at anything not a letter or digit)."""
    return re.findall(r"[^\W_]+", fold(text))


def write_index(store: QuadSource, path: Path) -> int:
    """Write the index of every labelled resource in `store` to `path`; how many it holds.

    Written under a temporary name and renamed, so that no reader sees half an index.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        connection = sqlite3.connect(temporary)
        try:
            count = fill_index(connection, store)
            connection.commit()
        finally:
            connection.close()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def fill_index(connection: sqlite3.Connection, store: QuadSource) -> int:
    """Create the index's tables in an empty database and fill them from `store`."""
    texts: dict[NamedNode, dict[str, list[Literal]]] = defaultdict(lambda: defaultdict(list))
    for column, predicates in (
        ("labels", LABELS), ("alt", ALT_LABELS), ("description", DESCRIPTIONS), ("notes", NOTES),
    ):
        for predicate in predicates:
            for quad in store.quads_for_pattern(None, predicate, None, None):
                if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal):
                    found = texts[quad.subject][column]
                    if quad.object not in found:
                        found.append(quad.object)
    types = _asserted_types(store)
    connection.executescript(_SCHEMA)
    labelled = [
        (iri, columns)
        for iri, columns in sorted(texts.items(), key=lambda item: item[0].value)
        if columns.get("labels") or columns.get("alt")
    ]
    connection.executemany(
        "INSERT INTO entry (id, iri, label, types, labels, alt, description, notes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (number, *_row(iri, columns, sorted(types.get(iri, ()))))
            for number, (iri, columns) in enumerate(labelled, start=1)
        ),
    )
    connection.executemany(
        "INSERT INTO name (entry, alt, text, key) VALUES (?, ?, ?, ?)",
        (
            (number, alt, name.value, " ".join(words(name.value)))
            for number, (_, columns) in enumerate(labelled, start=1)
            for alt, column in enumerate(("labels", "alt"))
            for name in columns.get(column, [])
        ),
    )
    for table in ("entry_text", "name_text"):
        connection.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")
        connection.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    count = connection.execute("SELECT count(*) FROM entry").fetchone()[0]
    connection.execute("INSERT INTO meta VALUES ('format', ?), ('entries', ?)", (INDEX_FORMAT, count))
    return count


_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE entry (
    id INTEGER PRIMARY KEY,
    iri TEXT NOT NULL UNIQUE,
    label TEXT,
    types TEXT NOT NULL,
    labels TEXT NOT NULL,
    alt TEXT NOT NULL,
    description TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE VIRTUAL TABLE entry_text USING fts5(
    labels, alt, description, notes,
    content='entry', content_rowid='id', tokenize='{TOKENIZER}', prefix='2 3'
);
-- Each label and alternative label; `key` is its words, folded, for exact matches.
CREATE TABLE name (
    id INTEGER PRIMARY KEY,
    entry INTEGER NOT NULL,
    alt INTEGER NOT NULL,
    text TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX name_key ON name (key);
CREATE VIRTUAL TABLE name_text USING fts5(
    text, content='name', content_rowid='id', tokenize='{TOKENIZER}', prefix='2 3'
);
"""


def _row(
    iri: NamedNode, columns: dict[str, list[Literal]], types: list[str]
) -> tuple[str, str | None, str, str, str, str, str]:
    def joined(column: str) -> str:
        return "\n".join(literal.value for literal in columns.get(column, []))

    labels = columns.get("labels") or columns.get("alt", [])
    return (
        iri.value, _preferred(labels), " ".join(types),
        joined("labels"), joined("alt"), joined("description"), joined("notes"),
    )


def _preferred(labels: list[Literal]) -> str | None:
    by_language: dict[str, str] = {}
    for label in labels:
        by_language.setdefault(label.language or "", label.value)
    for language in (*LABEL_LANGUAGES, ""):
        if language in by_language:
            return by_language[language]
    return next(iter(sorted(by_language.items())), (None, None))[1]


def _asserted_types(store: QuadSource) -> dict[NamedNode, set[str]]:
    """Every subject's rdf:types outside the entailed graphs, in one pass (one request remotely)."""
    found: dict[NamedNode, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, TYPE, None, None):
        if quad.graph_name not in _ENTAILED and isinstance(quad.object, NamedNode):
            found[quad.subject].add(quad.object.value)  # type: ignore[index]
    return found


def open_index(path: Path) -> sqlite3.Connection:
    """The index at `path`, read-only; OSError if it cannot be opened as one."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        # Used by one thread at a time, but closed by whichever thread retires its build.
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.Error as err:
        raise OSError(f"{path}: not a search index: {err}") from err
    return connection


def search(connection: sqlite3.Connection, query: str, limit: int, offset: int = 0) -> Found:
    """The resources matching every word of `query`, best first, `limit` of them from `offset`."""
    terms = words(query)
    if not terms:
        return Found(0, ())
    # Each word quoted: only letters and digits, so nothing in it is FTS5 syntax.
    whole = " ".join(f'"{t}"' for t in terms)
    # Any word may be the beginning of one, but a single letter only as a word of its own.
    prefix = " ".join(f'"{t}"*' if len(t) > 1 else f'"{t}"' for t in terms)
    parameters = {
        "anywhere": prefix,
        "label": whole,
        "label_prefix": prefix,
        "exact": " ".join(terms),
        "limit": limit,
        # SQLite's integers stop at 2**63 - 1; a larger offset is past every hit all the same.
        "offset": min(offset, _SQLITE_MAX_INTEGER),
    }
    weights = ", ".join(str(w) for w in WEIGHTS)
    total = connection.execute(
        "SELECT count(*) FROM entry_text WHERE entry_text MATCH :anywhere", parameters
    ).fetchone()[0]
    # bm25 costs per match: past MAX_RANKED matches, the text matches go by IRI (labels
    # are still scored). Only the page's rows are read from the entry table.
    text_score = f"bm25(entry_text, {weights})" if total <= MAX_RANKED else "0.0"
    rows = connection.execute(
        f"""
        WITH matched AS MATERIALIZED (
            SELECT rowid AS id, {text_score} AS score
            FROM entry_text WHERE entry_text MATCH :anywhere
        ),
        exact AS MATERIALIZED (SELECT entry AS id FROM name WHERE key = :exact),
        in_labels AS MATERIALIZED (
            SELECT name.entry AS id FROM name_text JOIN name ON name.id = name_text.rowid
            WHERE name_text MATCH :label
        ),
        names_matched AS MATERIALIZED (
            SELECT rowid AS id, bm25(name_text) AS score
            FROM name_text WHERE name_text MATCH :label_prefix
        ),
        in_label_prefixes AS MATERIALIZED (
            SELECT name.entry AS id, min(names_matched.score * (1.0 - name.alt * {ALT_DISCOUNT}))
                AS score
            FROM names_matched JOIN name ON name.id = names_matched.id GROUP BY name.entry
        ),
        ranked AS (
            SELECT matched.id AS id,
                CASE
                    WHEN matched.id IN exact THEN 0
                    WHEN matched.id IN in_labels THEN 1
                    WHEN in_label_prefixes.id IS NOT NULL THEN 2
                    ELSE 3
                END AS tier,
                coalesce(in_label_prefixes.score, matched.score) AS score
            FROM matched LEFT JOIN in_label_prefixes ON in_label_prefixes.id = matched.id
            ORDER BY tier, score, matched.id
            LIMIT :limit OFFSET :offset
        )
        SELECT entry.id, entry.iri, entry.label, entry.types, ranked.tier
        FROM ranked JOIN entry ON entry.id = ranked.id
        ORDER BY ranked.tier, ranked.score, ranked.id
        """,
        parameters,
    ).fetchall()
    snippets = _snippets(connection, terms, [row[0] for row in rows])
    hits = tuple(
        Hit(iri, label, tuple(types.split()), Tier(tier), snippets.get(row_id, ""))
        for row_id, iri, label, types, tier in rows
    )
    return Found(total, hits)


def _snippets(connection: sqlite3.Connection, terms: list[str], ids: list[int]) -> dict[int, str]:
    """Where each hit matched, for the hits shown only.

    Made here from the stored text rather than by FTS5's snippet(), which seeks every term's
    entries again for each row: a millisecond a row when the words are common.
    """
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = connection.execute(
        f"SELECT id, labels, alt, description, notes FROM entry WHERE id IN ({marks})", ids
    )
    return {row_id: snippet(columns, terms) for row_id, *columns in rows}


_TOKEN = re.compile(r"[^\W_]+")


def snippet(columns: Iterable[str], terms: list[str]) -> str:
    """The stretch of the column holding most of the terms around their first match, the
    matched words between MATCH_START and MATCH_END; "…" where it is cut."""

    def matches(token: str) -> bool:
        folded = fold(token)
        return any(folded == t or (len(t) > 1 and folded.startswith(t)) for t in terms)

    best: tuple[int, str, list[re.Match[str]], list[int]] | None = None
    for column in columns:
        text = column.replace(MATCH_START, "").replace(MATCH_END, "")
        tokens = list(_TOKEN.finditer(text))
        hit_at = [i for i, token in enumerate(tokens) if matches(token.group())]
        found = len({fold(tokens[i].group()) for i in hit_at})
        if hit_at and (best is None or found > best[0]):
            best = (found, text, tokens, hit_at)
    if best is None:
        return ""
    _, text, tokens, hit_at = best
    first = max(0, min(hit_at[0] - 2, len(tokens) - SNIPPET_WORDS))
    last = min(len(tokens), first + SNIPPET_WORDS) - 1
    # Whole at either end: the punctuation before the first word and after the last is kept.
    start = tokens[first].start() if first > 0 else 0
    end = tokens[last].end() if last < len(tokens) - 1 else len(text)
    pieces, at = [], start
    for i in hit_at:
        if first <= i <= last:
            token = tokens[i]
            pieces += [text[at : token.start()], MATCH_START, token.group(), MATCH_END]
            at = token.end()
    pieces.append(text[at:end])
    shown = "".join(pieces).replace("\n", " · ")
    return ("…" if first > 0 else "") + shown + ("…" if last < len(tokens) - 1 else "")
