"""SELECT results as plain Python rows, for tests that compare answers exactly."""

import pyoxigraph


def solution_rows(results: pyoxigraph.QuerySolutions) -> list[dict[str, str | None]]:
    """Variable name -> IRI, literal value, blank node id, or None when unbound."""
    names = [v.value for v in results.variables]
    return [{name: _plain_value(solution[name]) for name in names} for solution in results]


def _plain_value(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, (pyoxigraph.NamedNode, pyoxigraph.BlankNode, pyoxigraph.Literal)):
        return term.value
    return str(term)
