"""Reading a query's text before it is evaluated: its form, and what it must not do.

Whoever evaluates user SPARQL (the endpoint, `kg query`) needs a few facts first: the result
kind (to negotiate, and answer 406 early), whether the text is an update (refused), whether it
uses SERVICE (refused: pyoxigraph would fetch the remote endpoint, measured), how deep its
brackets nest (refused past MAX_NESTING: deeper crashed the parser), and whether its answer may be
replayed (not when it calls NOW, RAND, UUID, STRUUID or BNODE, whose values change each time).
A regex on the raw text is fooled by `"SERVICE"` in a literal, `ex:service`, `?service`,
`@service` or a comment; a full parse is too slow for the hot path (rdflib's parser takes about
1.5 ms a query, more than the whole rest of a request). So this is a tokenizer of the SPARQL 1.1
grammar's terminals (https://www.w3.org/TR/sparql11-query/#terminals): IRIREF with its
\\uXXXX escapes, the four string forms with theirs, comments outside IRIs and strings only,
prefixed names with their `\\#`-style escapes, variables, blank nodes, language tags and
numbers are single tokens, and only bare words are keywords.

One terminal depends on where it stands: `<` opens an IRI, except right after an operand inside
an expression, where it compares (`FILTER(?o<((1)))`). Expressions live in brackets, so each
open bracket is remembered as a group `{ [`, a collection or path `(`, or an expression `(`: a
`(` opens an expression inside another, after FILTER or BIND, and in the clauses made of them
(the top level, SELECT's projection, GROUP BY, ORDER BY, HAVING).

pyoxigraph decodes \\u escapes inside IRIs and strings only, and rejects a backslash anywhere
else (`\\u0053ERVICE` is no keyword to it), so that is how they are read here. What this cannot
read with certainty (a stray quote or `<`, a character the grammar has no use for, an escape
that a reader decoding escapes first, as the specification's section 19.2 does, would read as
the end of the token) makes the screening `certain=False`: such a query is never refused for
that, but it is not `is_repeatable` (its answer is not replayed), and it is evaluated only in
the sandbox (kg.sandbox), which is the guarantee; this screen gives the clear message. After an unreadable character the rest is
still read, so a SERVICE that pyoxigraph would find after it is seen here too.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.query_forms import RESULT_KINDS, ResultKind

# Character classes of the grammar's terminals (section 19.8).
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
# Each terminal's name is an empty group at its end, so that every alternative begins with its
# first character's literal or class: the regex engine then passes over an alternative on that
# one character without entering it (measured: about twice as fast as named groups around each).
# Only the whole match is read, never the named group's span. The order matters only among
# terminals that can begin with the same character, and is kept there: term_open, term_close,
# iri, var and number before punct; pname before word; unreadable last.
_TERMINALS = {
    "space": r"[ \t\r\n][ \t\r\n]*",
    "var": rf"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*",
    # PN_PREFIX? ':' PN_LOCAL?, from its first character; the lookahead finds the prefix's `:`
    # cheaply, so that a keyword fails here at once instead of backtracking through its letters.
    "pname": rf"[{_PN_CHARS_BASE}:](?:(?<=:)|(?=[{_PN_CHARS}.]*:)(?:[{_PN_CHARS}.]*[{_PN_CHARS}])?:)"
    rf"(?:{_PN_LOCAL})?",
    "word": r"[A-Za-z][A-Za-z0-9_]*",
    # RDF 1.2 triple terms, <<( s p o )>>, and reified triples, << s p o >>, as pyoxigraph reads
    # them: term brackets, inside which `<` opens an IRI whatever came before.
    "term_open": r"<<\(?",
    "term_close": r"[)>](?:(?<=\))>>|(?<=>)>)",  # )>> or >>
    "iri": rf"""<(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>""",
    # 1e5, 1.e5, 1.5e5 | .5, .5e5 | 1, 1.5
    "number": r"[0-9.](?:(?<=[0-9])(?:[0-9]*(?:\.[0-9]*)?[eE][+-]?[0-9]+|[0-9]*(?:\.[0-9]+)?)"
    r"|(?<=\.)[0-9]+(?:[eE][+-]?[0-9]+)?)",
    "punct": r"[{}()\[\],;.*+\-/!|&=<>^?]",
    "comment": r"#[^\r\n]*",
    "string": "|".join(
        (
            rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''",
            rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""',
            rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'",
            rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"',
        )
    ),
    "bnode": rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?",
    "langtag": r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*",
    "unreadable": r"[\s\S]",
}


@functools.cache
def _tokens() -> re.Pattern[str]:
    """The tokenizer, compiled on first use: its seven Unicode classes take 50 ms to compile,
    most of this module's import time, and a plain query's glance never needs them."""
    return re.compile("|".join(f"(?:{regex})(?P<{name}>)" for name, regex in _TERMINALS.items()))


def compile_tokenizer() -> None:
    """Compile the tokenizer now, so that the processes forked from this one inherit it."""
    _tokens()


# A \u escape is decoded by pyoxigraph inside the token; a reader that decodes escapes before
# tokenizing would end the IRI or string at one of these.
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN_ENDING = frozenset("<>\"'{}|^`\\") | frozenset(map(chr, range(0x21)))

# pyoxigraph parses and evaluates nested brackets recursively: 100,000 deep overflowed even the
# query worker's 64 MiB stack (30,000 did not). No query written by hand comes near this. (Flat
# chains of 100,000 `+`, `&&`, UNION or BIND overflowed it too: they are not measured here.)
MAX_NESTING = 1000

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
# Calls whose value changes from one evaluation to the next: such answers are never replayed.
_FRESH_EACH_TIME = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
_PROLOGUE_WORDS = frozenset({"BASE", "PREFIX"})

# What an open bracket holds.
_GROUP, _LIST, _EXPRESSION = 0, 1, 2
# What a `(` opens at a level outside expressions: a collection or path, an expression once
# (after FILTER or BIND), or an expression each time (a clause made of expressions).
_PAREN_LISTS, _PAREN_ONCE, _PAREN_EXPRESSIONS = 0, 1, 2
_PARENS_AFTER = {
    "FILTER": _PAREN_ONCE,
    "BIND": _PAREN_ONCE,
    "SELECT": _PAREN_EXPRESSIONS,
    "GROUP": _PAREN_EXPRESSIONS,
    "ORDER": _PAREN_EXPRESSIONS,
    "HAVING": _PAREN_EXPRESSIONS,
    "WHERE": _PAREN_LISTS,
    "VALUES": _PAREN_LISTS,
    "LIMIT": _PAREN_LISTS,
    "OFFSET": _PAREN_LISTS,
}
# Tokens after which a `<` inside an expression is a comparison: the end of an operand.
_OPERANDS = frozenset({"var", "iri", "string", "number", "pname", "langtag"})
# Operands with nothing more to read in them: no escapes, no brackets.
_PLAIN_OPERANDS = frozenset({"var", "pname", "number", "langtag"})
_BOOLEANS = frozenset({"TRUE", "FALSE"})


@dataclass(frozen=True)
class Screening:
    """What the text is; `kind` is None when it is no query form (the parser will say why)."""

    kind: ResultKind | None
    is_update: bool
    uses_service: bool
    # The same data give the same answer: no NOW, RAND, UUID, STRUUID or BNODE, and certain.
    is_repeatable: bool
    nesting: int  # the deepest nesting of brackets, ( { [
    certain: bool = True  # False: some of the text could be read two ways; see the module doc


def screen(text: str) -> Screening:
    """Tokenize once; note the first keyword after the prologue, SERVICE, calls, bracket depth."""
    first: str | None = None
    uses_service = False
    repeatable = True
    certain = True
    brackets = _Brackets()
    after_operand = False  # the previous token ended an operand
    after_fresh = False  # the previous token was NOW, RAND, … : a `(` now calls it
    position = 0
    while True:
        # The commonest tokens first; each is read (match.group) only where its text matters.
        for match in _tokens().finditer(text, position):
            kind = match.lastgroup
            if kind == "space" or kind == "comment":
                continue
            if first is None:
                # Prologue: (BASE <iri> | PREFIX p: <iri>)*; the token after it names the form.
                token = match.group()
                if kind == "word" and token.upper() in _PROLOGUE_WORDS or kind in ("iri", "pname"):
                    continue
                first = token.upper() if kind == "word" else ""
            if kind == "punct":
                token = match.group()
                if token in "({[":
                    repeatable = repeatable and not (after_fresh and token == "(")
                    brackets.open(token)
                elif token in ")}]":
                    certain = brackets.close() and certain
                elif token == "<" and not (after_operand and brackets.in_expression()):
                    certain = False  # a `<` opening no IRI
                after_operand = token == ")"
                after_fresh = False
            elif kind == "word":
                word = match.group().upper()
                after_fresh = word in _FRESH_EACH_TIME
                uses_service = uses_service or word == "SERVICE"
                if word in _PARENS_AFTER:
                    brackets.follow(word)
                after_operand = word in _BOOLEANS
            elif kind in _PLAIN_OPERANDS:
                after_operand = True
                after_fresh = False
            elif kind == "term_open":
                after_fresh = False
                if after_operand and brackets.in_expression():
                    # `?o<<http://e/>`: a comparison, then an IRI. Read again after the first `<`.
                    position = match.start() + 1
                    after_operand = False
                    break
                brackets.open_term()
                after_operand = False
            elif kind == "term_close":
                certain = brackets.close() and certain
                after_operand, after_fresh = True, False
            elif kind == "iri" and after_operand and brackets.in_expression():
                # Not an IRI but a comparison: read again after the `<`.
                position = match.start() + 1
                after_operand = after_fresh = False
                break
            else:
                token = match.group()
                if kind == "unreadable" or "\\" in token and _ends_early(token):
                    certain = False
                after_operand = kind in _OPERANDS
                after_fresh = False
        else:
            break
    return Screening(
        kind=RESULT_KINDS.get(first or ""),
        is_update=first in _UPDATE_WORDS,
        uses_service=uses_service,
        is_repeatable=repeatable and certain,
        nesting=brackets.deepest,
        certain=certain,
    )


# What `glance` reads: a prologue of whitespace, comments, PREFIX and BASE with ASCII prefix names
# and IRIs without escapes (the tokens `screen` skips there, as it reads them), then the form. A
# comment runs to the end of its line: backtracking into it must not find the form there.
_PLAIN_PROLOGUE = re.compile(
    r"(?:[ \t\r\n]+|#[^\r\n]*(?=[\r\n]|\Z)|(?i:PREFIX|BASE)(?![A-Za-z0-9_:.\-])"
    r"|(?:[A-Za-z](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?:(?=[ \t\r\n<#])"
    r"""|<[^<>"{}|^`\\\x00-\x20]*>)*"""
    r"(?i:(SELECT|CONSTRUCT|DESCRIBE|ASK))(?=[ \t\r\n*?${(<#]|\Z)",
    # ASCII case only: Unicode's folds `ſ` to s, `ı` and `İ` to i and the Kelvin sign to k, which
    # the screen (and pyoxigraph) read as no keyword at all.
    re.ASCII,
)
# Where the screen may be unsure of a text that pyoxigraph accepts: a \u escape that a reader
# decoding escapes first would take for the end of its string or IRI (_ends_early, looked for
# anywhere in the text), and `~`, which begins no SPARQL 1.1 token but an RDF 1.2 reifier that
# pyoxigraph may read. Such a text is read token by token, which says whether it can be replayed.
_UNSURE = ("~",)
# The words `screen` looks for past the prologue, as a word of their own: a letter before one
# makes it part of a longer token (words, variables, names and tags read letters greedily), a
# letter, digit or `_` after one too. In strings and comments as well: a glance does not know.
# Searched in the text as ASCII bytes in lower case (every other character a `?`, no letter):
# each word alone first, as a substring, which is much faster than the regex over the text.
_SCREENED = (b"service", b"uuid", b"now", b"rand", b"bnode")
_SCREENED_WORDS = re.compile(rb"(?<![a-z])(?:service|struuid|uuid|now|rand|bnode)(?![a-z0-9_])")


def glance(text: str) -> Screening | None:
    """`screen`'s verdict on a plain query read at a glance, or None to read it token by token.

    A plain query: its prologue plain (_PLAIN_PROLOGUE) before SELECT, CONSTRUCT, DESCRIBE or
    ASK; none of SERVICE, NOW, RAND, UUID, STRUUID or BNODE anywhere in the text as a word, in
    strings and comments too; no \\u escape that would end a token and no `~` (_UNSURE); at most
    MAX_NESTING brackets opened in all. Such a query is that form, no update, calls no SERVICE
    and nothing fresh each time, and nests within bounds, as `screen` reads it; `nesting` is then
    the number of brackets it opens (at least the depth). `is_repeatable` is True: no call whose
    value changes can hide in a text without these words, and the screen is unsure only of texts
    that _UNSURE keeps out or that pyoxigraph refuses (an error is never kept). Two regex scans
    and a few counts in C: about a tenth of `screen`'s time (tests/test_screening_glance.py
    holds it to `screen`'s verdicts, with pyoxigraph as the judge of what it refuses).
    """
    prologue = _PLAIN_PROLOGUE.match(text)
    if prologue is None or any(character in text for character in _UNSURE):
        return None
    if "\\" in text and _ends_early(text):
        return None
    lowered = text.encode("ascii", "replace").lower()
    if any(word in lowered for word in _SCREENED) and _SCREENED_WORDS.search(lowered):
        return None
    brackets = text.count("(") + text.count("{") + text.count("[") + text.count("<<")
    if brackets > MAX_NESTING:
        return None
    return Screening(
        kind=RESULT_KINDS[prologue.group(1).upper()],
        is_update=False,
        uses_service=False,
        is_repeatable=True,
        nesting=brackets,
    )


def quick_screen(text: str) -> Screening:
    """The query's screening: at a glance when it is plain (`glance`), else token by token."""
    return glance(text) or screen(text)


class _Brackets:
    """The brackets open so far, each a group, a collection or path, or an expression."""

    __slots__ = ("deepest", "_open", "_parens")

    def __init__(self) -> None:
        self.deepest = 0
        self._open: list[int] = []  # innermost last
        self._parens = [_PAREN_EXPRESSIONS]  # per level, what a `(` opens there

    def open(self, bracket: str) -> None:
        level = self._parens[-1]
        if bracket != "(":
            self._parens[-1] = _PAREN_LISTS  # a group ends SELECT's projection, FILTER's wait
            self._open.append(_GROUP)
        elif level == _PAREN_EXPRESSIONS or self.in_expression():
            self._open.append(_EXPRESSION)
        elif level == _PAREN_ONCE:
            self._parens[-1] = _PAREN_LISTS
            self._open.append(_EXPRESSION)
        else:
            self._open.append(_LIST)
        self._parens.append(_PAREN_LISTS)
        self.deepest = max(self.deepest, len(self._open))

    def open_term(self) -> None:
        """A triple term's bracket: it holds terms, so a `<` in it opens an IRI."""
        self._open.append(_LIST)
        self._parens.append(_PAREN_LISTS)
        self.deepest = max(self.deepest, len(self._open))

    def close(self) -> bool:
        """False if no bracket was open."""
        if not self._open:
            return False
        self._open.pop()
        self._parens.pop()
        return True

    def follow(self, keyword: str) -> None:
        """Note what a `(` opens after this keyword, at this level."""
        if keyword in _PARENS_AFTER:
            self._parens[-1] = _PARENS_AFTER[keyword]

    def in_expression(self) -> bool:
        return bool(self._open) and self._open[-1] == _EXPRESSION


def _ends_early(token: str) -> bool:
    """Whether a \\u escape in this IRI or string decodes to a character that would end it."""
    for escape in _ESCAPE.finditer(token):
        code = int(escape.group(1) or escape.group(2), 16)
        if code > 0x10FFFF or chr(code) in _TOKEN_ENDING:
            return True
    return False


@dataclass(frozen=True)
class DatasetClauses:
    """What a query's prologue and dataset clauses say, as written (IRIs still to resolve)."""

    bases: tuple[str, ...]  # each BASE in order, without its angle brackets
    prefixes: dict[str, str]  # PREFIX declarations, prefix -> namespace as written
    default_graphs: tuple[str, ...]  # each FROM (not FROM NAMED): "<iri>" or "prefix:local"
    named_graphs: tuple[str, ...] = ()  # each FROM NAMED, written likewise
    # Where each FROM clause is in the text (start, end): where, not what, so not compared.
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)


def without_dataset_clauses(text: str, clauses: DatasetClauses) -> str:
    """The text with its FROM clauses blanked out, every line and column of the rest kept."""
    return without_spans(text, clauses.spans)


def leading_bases(text: str) -> tuple[tuple[int, int, str], ...]:
    """The BASE declarations that open the query, before any other token but comments: each
    (start, end, IRI as written, without its brackets)."""
    found: list[tuple[int, int, str]] = []
    start: int | None = None  # where the BASE being read began
    for match in _tokens().finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "space" or kind == "comment":
            continue
        if start is None and kind == "word" and token.upper() == "BASE":
            start = match.start()
        elif start is not None and kind == "iri":
            found.append((start, match.end(), token[1:-1]))
            start = None
        else:
            break
    return tuple(found)


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with these spans blanked out, every line and column of the rest kept."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    return text


def dataset_clauses(text: str) -> DatasetClauses:
    """The prologue and the FROM clauses, read from the tokens before the query's first group.

    Dataset clauses stand between the query form (with its projection, whose brackets are
    skipped, and a CONSTRUCT's template) and the WHERE clause, so reading stops at the first other
    `{` outside brackets: the rest of a long query is never tokenized.
    """
    bases: list[str] = []
    prefixes: dict[str, str] = {}
    graphs: list[str] = []
    named: list[str] = []
    waiting: str | None = None  # BASE, PREFIX, FROM or NAMED, until the terms it takes
    prefix: str | None = None  # PREFIX's name, until its IRI
    spans: list[tuple[int, int]] = []
    start = 0  # where the FROM being read began
    depth = 0
    template = 0  # 1: a CONSTRUCT's template may open next; 2 and more: inside it, its depth + 1
    for match in _tokens().finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "space" or kind == "comment":
            continue
        if template >= 2 or (template == 1 and token == "{"):
            template += (token == "{") - (token == "}") if kind == "punct" else 0
            template = 0 if template == 1 else template
            continue
        template = 1 if kind == "word" and token.upper() == "CONSTRUCT" and depth == 0 else 0
        if waiting == "PREFIX" and prefix is None and kind == "pname":
            prefix = token.split(":")[0]
            continue
        if waiting is not None and kind == "iri":
            if waiting == "BASE":
                bases.append(token[1:-1])
            elif waiting == "PREFIX" and prefix is not None:
                prefixes[prefix] = token[1:-1]
        if waiting == "FROM" and kind in ("iri", "pname"):
            graphs.append(token)
            spans.append((start, match.end()))
        if waiting == "NAMED" and kind in ("iri", "pname"):
            named.append(token)
            spans.append((start, match.end()))
        if waiting == "FROM" and kind == "word" and token.upper() == "NAMED":
            waiting = "NAMED"
            continue
        waiting = prefix = None
        if kind == "punct" and token in "([":
            depth += 1
        elif kind == "punct" and token in ")]":
            depth = max(0, depth - 1)
        elif kind == "punct" and token == "{" and depth == 0:
            break
        elif kind == "word" and depth == 0 and token.upper() in ("BASE", "PREFIX", "FROM"):
            waiting = token.upper()
            start = match.start()
    return DatasetClauses(tuple(bases), prefixes, tuple(graphs), tuple(named), tuple(spans))
