"""SPARQL's four query forms and the kind of result each one answers with."""

import enum


class ResultKind(enum.Enum):
    BOOLEAN = "ASK"
    SOLUTIONS = "SELECT"
    GRAPH = "CONSTRUCT/DESCRIBE"


RESULT_KINDS = {
    "SELECT": ResultKind.SOLUTIONS,
    "ASK": ResultKind.BOOLEAN,
    "CONSTRUCT": ResultKind.GRAPH,
    "DESCRIBE": ResultKind.GRAPH,
}
