"""The two seams between the web app and what answers it: a local store or a remote one.

`QueryEvaluator` turns a QueryJob into an Answer (kg.web.evaluation.Evaluator with its sandboxed
workers, or kg.web.remote_evaluation.RemoteEvaluator over HTTP); `StoreReader` is what pages,
dumps, VoID and statistics read (a pyoxigraph.Store, or kg.remote_store.RemoteStore over SPARQL).
"""

from collections.abc import Iterator
from typing import Any, Protocol

from pyoxigraph import NamedNode, Quad

from kg.web.query_worker import Answer, QueryJob


class QueryEvaluator(Protocol):
    def evaluate(self, job: QueryJob, *, take_turn: bool = True) -> Answer:
        """The serialized answer, or a KgError (400, 406, 503) saying why there is none;
        without `take_turn`, at once, beside the queries that take turns (a readiness probe)."""

    def warm(self) -> None:
        """Get ready for the first query of this process."""

    def close(self) -> None:
        """Release what this process started."""


class StoreReader(Protocol):
    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[Quad]: ...

    def named_graphs(self) -> Iterator[NamedNode]: ...

    def contains_named_graph(self, name: NamedNode) -> bool: ...

    def __iter__(self) -> Iterator[Quad]: ...

    def query(self, text: str, **options: Any) -> Any: ...


