"""Whether a SHACL-SPARQL constraint's query may run once for all its focus nodes.

SHACL runs a constraint's query once per focus node, with $this pre-bound: the node is
substituted for $this wherever it occurs, in nested groups, sub-selects and FILTER EXISTS alike.
Run once, with the focus nodes joined in first (`whole_graph_query`), the query gives each node
the same solutions when every place that *uses* $this (a filter, a BIND, an OPTIONAL's right
side, a grouping, a DISTINCT, a sub-select's projection) sees it bound in every solution that
reaches it: then a solution of the single run with $this = X is, for X, a solution of the
substituted query, and conversely, operator by operator. A group nested in the WHERE clause is
evaluated on its own, before the join: a filter there that reads $this which that group does not
bind sees it unbound in the single run, where substitution would have given it the node.

`evaluable_once` checks this on the query's algebra (rdflib's), refusing whatever it does not
know: LIMIT/OFFSET, VALUES or MINUS over $this, SERVICE, a sub-select hiding $this.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

THIS = Variable("this")
_FOCUS_STAND_IN = "?this <urn:kg:prebinding:focus> ?_kgFocus"
# What in a query may hold a brace or a word that is not the query's own: IRIs, strings (long
# ones first), comments.
_NOT_CODE = (
    r"""<[^<>"{}|^`\\\s]*>|\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*"""
)
_FIRST_BRACE = re.compile(_NOT_CODE + r"|(\{)")
_IRI_OR_STRING_OR_COMMENT = re.compile(_NOT_CODE)


class _Refused(Exception):
    """The query uses $this somewhere a single run would not see it bound."""


def whole_graph_query(select: str, targets: str) -> str:
    """The query with the graph pattern `targets` (binding ?this) first in its WHERE group."""
    where = next((token for token in _FIRST_BRACE.finditer(select) if token.group(1)), None)
    if where is None:
        raise ValueError("a SELECT query without a WHERE group")
    return select[: where.end()] + f" {{ {targets} }} " + select[where.end():]


def query_code(select: str) -> str:
    """The query with its IRIs, strings and comments blanked out (as `""`), so that a brace or a
    word left in it is the query's own (`#` within an IRI starts no comment)."""
    return _IRI_OR_STRING_OR_COMMENT.sub('""', select)


def evaluable_once(select: str, prefixes: Mapping[str, str]) -> bool:
    """Whether the query, run once with the focus nodes joined first, gives each focus node
    exactly the solutions SHACL's pre-binding of $this to it gives."""
    return _evaluable_once(select, tuple(sorted(prefixes.items())))


# rdflib's parser takes about 0.1 s a constraint, read twice by each validation on the store
# (which constraints to move, then how to run each) and again by every validation in the same
# process (the test session's hundreds): the answer depends on the text alone.
@functools.lru_cache(maxsize=1024)
def _evaluable_once(select: str, prefixes: tuple[tuple[str, str], ...]) -> bool:
    if not re.search(r"[?$]this\b", select):
        return False
    try:
        query = prepareQuery(whole_graph_query(select, _FOCUS_STAND_IN), initNs=dict(prefixes))
        root = query.algebra
        if root.name != "SelectQuery" or THIS not in root.PV:
            return False
        _bound(root.p, outer=False)
    except _Refused:
        return False
    except Exception:  # rdflib cannot read it: let the per-node evaluation report it
        return False
    return True


def _bound(node: CompValue, outer: bool) -> frozenset[Variable]:
    """The variables bound in every solution of `node`; _Refused where $this is used unbound.

    `outer`: $this is bound by the solution an enclosing FILTER EXISTS substitutes in.
    """
    name = node.name
    if name == "BGP":
        return frozenset(t for triple in node.triples for t in triple if isinstance(t, Variable))
    if name == "Graph":
        inner = _bound(node.p, outer)
        return inner | {node.term} if isinstance(node.term, Variable) else inner
    if name == "Join":
        return _bound(node.p1, outer) | _bound(node.p2, outer)
    if name == "Union":
        return _bound(node.p1, outer) & _bound(node.p2, outer)
    if name == "LeftJoin":
        left = _bound(node.p1, outer)
        _bound(node.p2, outer)
        if _mentions_this(node.p2) or _mentions_this(node.expr):
            _require(left, outer)
        _check_expression(node.expr, THIS in left or outer)
        return left
    if name == "Filter":
        inner = _bound(node.p, outer)
        _check_expression(node.expr, THIS in inner or outer)
        return inner
    if name == "Extend":
        inner = _bound(node.p, outer)
        if node.var == THIS:
            # Only rdflib's own reading back of a grouped $this (see _aggregate_join).
            if THIS in inner and isinstance(node.expr, Variable) and node.expr.startswith("__agg_"):
                return inner
            raise _Refused
        _check_expression(node.expr, THIS in inner or outer)
        if isinstance(node.expr, Variable) and node.expr in inner:
            return inner | {node.var}
        return inner
    if name == "AggregateJoin":
        return _aggregate_join(node, outer)
    if name == "Project":
        inner = _bound(node.p, outer)
        if _mentions_this(node.p) and THIS not in node.PV:
            raise _Refused  # a sub-select's own $this is another variable, SHACL's is not
        return inner & frozenset(node.PV)
    if name in ("Distinct", "Reduced"):
        inner = _bound(node.p, outer)
        if _mentions_this(node.p):
            _require(inner, outer)  # one solution without $this would stand for each node
        return inner
    if name == "OrderBy":
        return _bound(node.p, outer)  # the order of the solutions is not SHACL's concern
    if name == "ToMultiSet":
        return _bound(node.p, outer)
    if name == "values":
        if _mentions_this(node.res):
            raise _Refused
        return frozenset()
    if name == "Minus":
        left = _bound(node.p1, outer)
        _bound(node.p2, outer)
        if _mentions_this(node.p2):
            raise _Refused  # MINUS is no substitution: SHACL forbids it with $this
        return left
    # LIMIT/OFFSET would cut the single run, not each node's; SERVICE is never evaluated here.
    raise _Refused


def _aggregate_join(node: CompValue, outer: bool) -> frozenset[Variable]:
    """A GROUP BY: $this must be a key of it, bound in every solution grouped."""
    group = node.p
    if group.name != "Group":
        raise _Refused
    inner = _bound(group.p, outer)
    keys = list(group.expr or [])
    if _mentions_this(group.p) and not outer and (THIS not in keys or THIS not in inner):
        raise _Refused
    # rdflib reads each key back as SAMPLE(?key) AS ?__agg_n__, then BIND(?__agg_n__ AS ?key).
    bound = {
        aggregate.res for aggregate in node.A
        if aggregate.name == "Aggregate_Count"
        or (aggregate.name == "Aggregate_Sample" and aggregate.vars in keys and aggregate.vars in inner)
    }
    if THIS in keys and THIS in inner:
        bound.add(THIS)
    return frozenset(bound)


def _check_expression(expression: Any, this_bound: bool) -> None:
    """Refuse an expression that reads $this where it may be unbound; check its EXISTS patterns."""
    if not _mentions_this(expression):
        return
    if not this_bound:
        raise _Refused
    for pattern in _exists_patterns(expression):
        _bound(pattern, outer=True)


def _exists_patterns(expression: Any) -> Iterable[CompValue]:
    if isinstance(expression, CompValue):
        if expression.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            yield expression.graph
            return
        for value in expression.values():
            yield from _exists_patterns(value)
    elif isinstance(expression, (list, tuple)):
        for value in expression:
            yield from _exists_patterns(value)


def _mentions_this(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, Variable):
        return value == THIS
    if isinstance(value, CompValue):
        return any(_mentions_this(v) for k, v in value.items() if k != "_vars")
    if isinstance(value, dict):
        return any(_mentions_this(k) or _mentions_this(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_mentions_this(v) for v in value)
    return False  # a term, or a property path (which has no variables)


def _require(bound: frozenset[Variable], outer: bool) -> None:
    if THIS not in bound and not outer:
        raise _Refused
