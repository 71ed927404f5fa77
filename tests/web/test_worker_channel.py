"""The socket pair between an HTTP process and its query worker: whole messages, timeouts, ends."""

import time

import pyoxigraph
import pytest

from kg.query_forms import ResultKind
from kg.web.query_worker import Answer, Channel, Overran, QueryJob, QueryWorker

LONG = "x" * 300_000  # past the channel's 64 KiB buffer and the socket's own


@pytest.fixture
def worker_over_a_long_literal():
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(
        pyoxigraph.NamedNode("http://e/s"), pyoxigraph.NamedNode("http://e/p"),
        pyoxigraph.Literal(LONG),
    ))
    worker = QueryWorker.fork(store, 256 * 2**20)
    yield worker
    worker.stop()


def test_an_answer_larger_than_the_buffer_arrives_whole(worker_over_a_long_literal) -> None:
    formats = {kind: "json" for kind in ResultKind}
    worker_over_a_long_literal.hand(QueryJob("SELECT ?o { ?s ?p ?o }", formats, max_rows=10))
    assert worker_over_a_long_literal.reply(10) == Answer(
        ResultKind.SOLUTIONS,
        "json",
        # pyoxigraph's own JSON, compact: the worker has it write a whole answer.
        b'{"head":{"vars":["o"]},"results":{"bindings":[{"o":{"type":"literal",'
        b'"value":"' + LONG.encode() + b'"}}]}}',
        False,
    )


def test_a_job_larger_than_the_buffer_is_read_whole(worker_over_a_long_literal) -> None:
    formats = {kind: "json" for kind in ResultKind}
    text = f"ASK {{ ?s ?p ?o }}\n# {LONG}\n"
    worker_over_a_long_literal.hand(QueryJob(text, formats, max_rows=10))
    assert worker_over_a_long_literal.reply(10) == Answer(
        ResultKind.BOOLEAN, "json", b'{"head": {}, "boolean": true}', False
    )


@pytest.fixture
def channels():
    ours, theirs = Channel.pair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_a_reply_that_does_not_come_in_time_is_an_overrun(channels) -> None:
    ours, theirs = channels
    started = time.monotonic()
    with pytest.raises(Overran):
        ours.receive(0.05)
    assert 0.05 <= time.monotonic() - started < 1
    theirs.send(("late", 1))  # a message after an overrun is still read whole
    assert ours.receive(1) == ("late", 1)


def test_a_closed_end_is_an_eof(channels) -> None:
    ours, theirs = channels
    theirs.close()
    with pytest.raises(EOFError):
        ours.receive(1)
    with pytest.raises(OSError):
        ours.send(("job",))
