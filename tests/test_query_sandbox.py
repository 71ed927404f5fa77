"""kg query evaluates in a sandboxed child: a SERVICE call the screen missed reaches nothing."""

import pyoxigraph
import pytest

from kg.errors import NetworkRefused, QueryError
from kg.querying import answer_text
from kg.sandbox import SECCOMP, run_sandboxed
from sandboxes import SANDBOXES, Listener, available


@pytest.mark.parametrize("mechanism", SANDBOXES)
def test_a_service_call_is_refused_and_reaches_no_listener(
    mechanism: str, listener: Listener
) -> None:
    available(mechanism)
    text = f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"
    with pytest.raises(NetworkRefused) as refused:
        run_sandboxed(
            mechanism,
            lambda: answer_text(pyoxigraph.Store(), text, "json", prefixes=None, source="q.rq"),
        )
    assert str(refused.value) == f"q.rq: {NetworkRefused.MESSAGE}"
    assert listener.paths == []


def test_the_answer_and_the_errors_come_back_whole() -> None:
    store = pyoxigraph.Store()
    assert run_sandboxed(SECCOMP, lambda: answer_text(store, "ASK {}", None, prefixes=None,
                                                      source="q")) == "true\n"
    with pytest.raises(QueryError, match=r"^q:1:6: expected one of "):
        run_sandboxed(SECCOMP, lambda: answer_text(store, "ASK {", None, prefixes=None, source="q"))
