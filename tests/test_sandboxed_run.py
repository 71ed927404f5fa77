"""kg query evaluates in a forked child with no network: results and errors come back whole."""

import os
import signal
import socket

import pyoxigraph
import pytest

from kg.errors import NetworkRefused, QueryError
from kg.sandbox import AUTO, NETNS, SECCOMP, SandboxUnavailable, probe
from kg.sandboxed_run import ChildFailed, run_sandboxed
from kg.querying import answer_text


def test_the_result_comes_back() -> None:
    assert run_sandboxed(lambda: "42 rows\n", SECCOMP) == "42 rows\n"


def test_a_kg_error_comes_back_as_itself() -> None:
    def fail() -> str:
        raise QueryError("query:1:8: expected a variable")

    with pytest.raises(QueryError, match=r"^query:1:8: expected a variable$"):
        run_sandboxed(fail, SECCOMP)


def test_a_child_killed_is_said_in_one_line() -> None:
    def die() -> str:
        os.kill(os.getpid(), signal.SIGKILL)
        return "never"

    with pytest.raises(ChildFailed, match=r"^the query process ended on SIGKILL$"):
        run_sandboxed(die, SECCOMP)


@pytest.mark.parametrize("mechanism", [NETNS, SECCOMP, AUTO])
def test_a_service_call_reaches_no_listener(mechanism: str) -> None:
    try:
        probe(mechanism)
    except SandboxUnavailable as err:
        pytest.skip(str(err))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        text = f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"

        def evaluate() -> str:
            return answer_text(pyoxigraph.Store(), text, "json", prefixes=None, source="q.rq")

        with pytest.raises(NetworkRefused) as refused:
            run_sandboxed(evaluate, mechanism)
        assert str(refused.value) == f"q.rq: {NetworkRefused.MESSAGE}"
        with pytest.raises(socket.timeout):
            listener.accept()
