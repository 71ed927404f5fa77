"""Reading a request's SPARQL text before it is evaluated: its form, and what it must not do.

The endpoint needs five facts before evaluation: the result kind (to negotiate and answer 406
early), whether the text is an update (refused, 403), whether it uses SERVICE (refused, 400:
pyoxigraph would fetch the remote endpoint, measured), how deep its brackets nest (refused past
MAX_NESTING, 400: deeper crashed the parser), and whether its answer may be replayed (caching.py:
not when it calls NOW, RAND, UUID or STRUUID). A regex on the raw string would be fooled by
`"SERVICE"` in a literal, `ex:service`, `?service`, `@service` or a comment; a full parse is too
slow for the hot path (rdflib's parser takes about 1.5 ms a query, more than the whole rest of a
request). So this is a tokenizer of the SPARQL 1.1 grammar's terminals: strings, IRIs, comments,
variables, prefixed names, blank nodes and language tags are single tokens, and only bare words
are keywords. It errs towards refusing: a stray quote is skipped as one character, so a keyword
that pyoxigraph would read inside a broken string is still seen.

Keywords written with \\u escapes are not keywords to pyoxigraph (it rejects `\\u0053ERVICE`), so
none are decoded here. The query worker also runs without network access (evaluation.py): this
screen gives the clear message, that one the guarantee.
"""

import re
from dataclasses import dataclass

from kg.query_forms import ResultKind

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
               |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'
               |"(?:[^"\\\r\n]|\\.)*")
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<bnode>_:[\w\u00B7\u0300-\u036F\u203F-\u2040.-]*)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d_][\w\u00B7\u0300-\u036F\u203F-\u2040.-]*)?
                :(?:[\w\u00B7\u0300-\u036F\u203F-\u2040:.%-]|\\[_~.!$&'()*+,;=/?\#@%-])*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_INSIGNIFICANT = frozenset({"space", "comment"})
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
# Calls whose value changes from one evaluation to the next: such answers are never replayed. A
# plain search of the whole text, not of the tokens: `?a<2&&RAND()>0` reads as one IRI to the
# tokenizer but as a comparison to SPARQL, and a false alarm only costs one evaluation.
_FRESH_EACH_TIME = re.compile(r"(?<![\w:?$])(?:NOW|RAND|UUID|STRUUID)\s*\(", re.IGNORECASE)
_OPENING, _CLOSING = frozenset("({["), frozenset(")}]")
# pyoxigraph parses and evaluates nested brackets recursively: 100,000 deep overflowed even the
# query worker's 64 MiB stack (30,000 did not). No query written by hand comes near this.
MAX_NESTING = 1000
_FORMS = {
    "SELECT": ResultKind.SOLUTIONS,
    "ASK": ResultKind.BOOLEAN,
    "CONSTRUCT": ResultKind.GRAPH,
    "DESCRIBE": ResultKind.GRAPH,
}


@dataclass(frozen=True)
class Screening:
    """What the text is; `kind` is None when it is no query form (the parser will say why)."""

    kind: ResultKind | None
    is_update: bool
    uses_service: bool
    is_repeatable: bool  # the same data give the same answer (no NOW, RAND, UUID, STRUUID)
    nesting: int  # the deepest nesting of brackets, ( { [


def screen(text: str) -> Screening:
    """Tokenize once; note the first keyword after the prologue, any SERVICE, the bracket depth."""
    first: str | None = None
    in_prologue = True
    uses_service = False
    depth = nesting = 0
    for match in _TOKEN.finditer(text):
        group = match.lastgroup
        if group in _INSIGNIFICANT:
            continue
        word = match.group().upper() if group == "word" else None
        if in_prologue:
            # Prologue: (BASE <iri> | PREFIX p: <iri>)*; the token after it names the operation.
            if word in ("BASE", "PREFIX") or group in ("iri", "pname"):
                continue
            in_prologue = False
            first = word
        if word == "SERVICE":
            uses_service = True
        elif group == "other":
            if match.group() in _OPENING:
                depth += 1
                nesting = max(nesting, depth)
            elif match.group() in _CLOSING:
                depth -= 1
    return Screening(
        kind=_FORMS.get(first or ""),
        is_update=first in _UPDATE_WORDS,
        uses_service=uses_service,
        is_repeatable=_FRESH_EACH_TIME.search(text) is None,
        nesting=nesting,
    )
