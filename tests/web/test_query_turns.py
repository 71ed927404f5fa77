"""Queries take turns in an HTTP process: a few at once, and a long one holds the others back briefly."""

import threading
import time

import pytest

from kg.errors import EndpointBusy
from kg.web import evaluation
from kg.web import settings as settings_module
from kg.web.evaluation import Evaluator
from kg.web.settings import Settings


def _evaluator(evaluations: int | None, max_workers: int, timeout: float = 5.0) -> Evaluator:
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


def test_a_query_waits_while_the_young_evaluations_fill_the_turns() -> None:
    evaluator = _evaluator(evaluations=1, max_workers=3)
    first = evaluator._wait_for_turn()
    thread, got = _turn_in_thread(evaluator)
    thread.join(0.3)
    assert got == {}  # still waiting: one evaluation at once, and the first is young
    ended = time.monotonic()
    evaluator._end_turn(first)
    thread.join(5)
    assert "turn" in got and got["at"] - ended < 0.5  # type: ignore[operator]


def test_an_evaluation_past_its_patience_no_longer_holds_a_query_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation, "PATIENCE_S", 0.4)
    evaluator = _evaluator(evaluations=1, max_workers=3)
    evaluator._wait_for_turn()  # a runaway: never ended in this test
    began = time.monotonic()
    thread, got = _turn_in_thread(evaluator)
    thread.join(5)
    waited = got["at"] - began  # type: ignore[operator]
    assert 0.4 <= waited < 1.0


def test_no_more_evaluations_than_threads_and_busy_past_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation, "PATIENCE_S", 0.0)  # every evaluation is old at once
    evaluator = _evaluator(evaluations=1, max_workers=2, timeout=0.3)
    evaluator._wait_for_turn()
    evaluator._wait_for_turn()  # old ones do not count: a second starts beside the first
    began = time.monotonic()
    with pytest.raises(EndpointBusy, match=r"^every query worker stayed busy for 0.3 s; retry later$"):
        evaluator._wait_for_turn()  # but never more than max_workers at once
    assert 0.3 <= time.monotonic() - began < 1.0


def test_without_a_number_of_evaluations_every_thread_evaluates_at_once() -> None:
    evaluator = _evaluator(evaluations=None, max_workers=3, timeout=0.2)
    for _ in range(3):
        evaluator._wait_for_turn()
    with pytest.raises(EndpointBusy):
        evaluator._wait_for_turn()


@pytest.mark.parametrize(
    ("cores", "workers", "threads", "query_workers", "expected"),
    [
        (2, 2, 4, 0, 1),  # this project's machine: one per HTTP process, two in all
        (2, 3, 4, 0, 1),  # never fewer than one
        (2, 1, 4, 0, 2),
        (16, 2, 4, 0, 4),  # never more than the threads that would wait for them
        (2, 2, 4, 3, 3),  # asked for
        (2, 2, 4, 9, 4),
    ],
)
def test_query_workers_per_process(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, threads: int, query_workers: int,
    expected: int,
) -> None:
    monkeypatch.setattr(settings_module, "_usable_cores", lambda: cores)
    settings = Settings(data=(), workers=workers, threads=threads, query_workers=query_workers)
    assert settings.query_workers_per_process() == expected


def test_a_negative_number_of_query_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="query_workers cannot be negative, not -1"):
        Settings(data=(), query_workers=-1)
