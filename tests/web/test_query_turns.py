"""Queries take turns in an HTTP process: a few at once, in order, and a long one holds the queue
back for its patience at most (kg.web.evaluation)."""

import threading
import time

import pytest

from kg.errors import EndpointBusy, WorkerFailure
from kg.web import evaluation
from kg.web import settings as settings_module
from kg.web.evaluation import Evaluator
from kg.web.query_worker import QueryJob
from kg.web.settings import Settings


def _evaluator(evaluations: int | None, max_workers: int, timeout: float = 60.0) -> Evaluator:
    # Turns are decided before any worker is forked or the store touched: no store is needed.
    return Evaluator(
        None,  # type: ignore[arg-type]
        timeout=timeout, memory_bytes=2**30, max_workers=max_workers, evaluations=evaluations,
    )


def _turn_in_thread(evaluator: Evaluator) -> tuple[threading.Thread, dict[str, float | object]]:
    got: dict[str, float | object] = {}

    def wait() -> None:
        got["turn"] = evaluator._wait_for_turn()
        got["at"] = time.monotonic()

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread, got


def _until_queued(evaluator: Evaluator, waiting: int) -> None:
    deadline = time.monotonic() + 10
    while len(evaluator._queue) < waiting:
        assert time.monotonic() < deadline, "the query never queued"
        time.sleep(0.005)


def test_a_query_waits_while_the_young_evaluations_fill_the_turns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation, "PATIENCE_S", 30.0)  # young throughout, however loaded the machine
    evaluator = _evaluator(evaluations=1, max_workers=3)
    first = evaluator._wait_for_turn()
    thread, got = _turn_in_thread(evaluator)
    _until_queued(evaluator, 1)
    thread.join(0.3)
    assert got == {}  # still waiting: one evaluation at once, and the first is young
    evaluator._end_turn(first)
    thread.join(10)
    assert "turn" in got


def test_turns_are_given_in_the_order_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation, "PATIENCE_S", 30.0)
    evaluator = _evaluator(evaluations=1, max_workers=4)
    first = evaluator._wait_for_turn()
    earlier, got_earlier = _turn_in_thread(evaluator)
    _until_queued(evaluator, 1)
    later, got_later = _turn_in_thread(evaluator)
    _until_queued(evaluator, 2)
    evaluator._end_turn(first)
    earlier.join(10)
    later.join(0.3)
    assert "turn" in got_earlier and got_later == {}
    evaluator._end_turn(got_earlier["turn"])
    later.join(10)
    assert "turn" in got_later


def test_a_query_asking_as_a_turn_ends_does_not_pass_one_already_waiting() -> None:
    evaluator = _evaluator(evaluations=1, max_workers=1, timeout=0.3)
    first = evaluator._wait_for_turn()
    earlier, got = _turn_in_thread(evaluator)
    _until_queued(evaluator, 1)
    with evaluator._turns:  # the turn ends, and a newcomer asks before the waiter can move
        evaluator._end_turn(first)
        with pytest.raises(EndpointBusy):
            evaluator._wait_for_turn()
    earlier.join(10)
    assert "turn" in got


def test_one_unqueued_evaluation_at_a_time() -> None:
    evaluator = _evaluator(evaluations=1, max_workers=2)
    evaluator._unqueued.acquire()  # a readiness probe, still waiting for its worker
    job = QueryJob(text="ASK {}", formats={}, max_rows=1)
    with pytest.raises(EndpointBusy, match="^another query that does not wait its turn is still evaluating$"):
        evaluator.evaluate(job, take_turn=False)


def test_an_evaluation_past_its_patience_no_longer_holds_a_query_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation, "PATIENCE_S", 0.4)
    evaluator = _evaluator(evaluations=1, max_workers=3)
    began = time.monotonic()
    evaluator._wait_for_turn()  # a runaway: never ended in this test
    thread, got = _turn_in_thread(evaluator)
    thread.join(10)
    assert got["at"] - began >= 0.4  # type: ignore[operator]
    assert len(evaluator._running) == 2  # it runs beside the old one


def test_patience_is_a_quarter_of_a_short_time_limit() -> None:
    assert _evaluator(evaluations=1, max_workers=2, timeout=10.0)._patience == 1.0
    assert _evaluator(evaluations=1, max_workers=2, timeout=1.0)._patience == 0.25


def test_no_more_evaluations_than_threads_and_busy_past_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation, "PATIENCE_S", 0.0)  # every evaluation is old at once
    evaluator = _evaluator(evaluations=1, max_workers=2, timeout=0.3)
    evaluator._wait_for_turn()
    evaluator._wait_for_turn()  # old ones do not count: a second starts beside the first
    began = time.monotonic()
    with pytest.raises(EndpointBusy, match=(
        r"^no turn to evaluate this query came within 0.3 s: the server is busy with other "
        r"queries; retry later$"
    )):
        evaluator._wait_for_turn()  # but never more than max_workers at once
    assert time.monotonic() - began >= 0.3
    assert not evaluator._queue  # the query that gave up left the queue


def test_without_a_number_of_evaluations_every_thread_evaluates_at_once() -> None:
    evaluator = _evaluator(evaluations=None, max_workers=3, timeout=0.2)
    for _ in range(3):
        evaluator._wait_for_turn()
    with pytest.raises(EndpointBusy):
        evaluator._wait_for_turn()


def test_a_failed_evaluation_gives_its_turn_back(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluator = _evaluator(evaluations=1, max_workers=1, timeout=0.5)

    def fail(job: QueryJob) -> None:
        raise WorkerFailure("a test says so")

    monkeypatch.setattr(evaluator, "_run", fail)
    job = QueryJob(text="ASK {}", formats={}, max_rows=1)
    with pytest.raises(WorkerFailure):
        evaluator.evaluate(job)
    assert evaluator._running == {}
    evaluator._wait_for_turn()  # at once: the one turn is free again


@pytest.mark.parametrize(
    ("cores", "workers", "threads", "simultaneous_queries", "expected"),
    [
        (2, 2, 4, 0, 1),  # this project's machine: one per HTTP process, two in all
        (2, 3, 4, 0, 1),  # never fewer than one
        (2, 1, 4, 0, 2),
        (16, 2, 4, 0, 4),  # never more than the threads that would wait for them
        (2, 2, 4, 3, 3),  # asked for
        (2, 2, 4, 9, 4),
    ],
)
def test_simultaneous_queries_per_process(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, threads: int,
    simultaneous_queries: int, expected: int,
) -> None:
    monkeypatch.setattr(settings_module, "_usable_cores", lambda: cores)
    settings = Settings(
        data=(), workers=workers, threads=threads, simultaneous_queries=simultaneous_queries
    )
    assert settings.simultaneous_queries_per_process() == expected


def test_a_negative_number_of_simultaneous_queries_is_refused() -> None:
    with pytest.raises(ValueError, match="simultaneous_queries cannot be negative, not -1"):
        Settings(data=(), simultaneous_queries=-1)
