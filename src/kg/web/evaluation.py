"""The pool of query workers: every query is evaluated in a process that can be stopped.

pyoxigraph's Store.query has no timeout and no cancellation, a signal does not interrupt it (it
runs in Rust without the GIL), and an `ORDER BY … LIMIT 1` over a cross product grew it to 24 GB
before the kernel stepped in. Only a separate process can be stopped from outside and capped in
memory. So each HTTP process forks query workers from itself; each opens the build's store
read-only for itself (a RocksDB handle does not survive a fork), in milliseconds, and the data's
pages are shared through the page cache (a store in memory, for --as-is, comes copy-on-write). A worker
evaluates and serializes the whole answer before replying, so the HTTP side either has a complete
body or an error to send, never a 200 with half a body. A worker that overruns the time limit is
killed and a fresh one forked on the next request; one that runs out of its memory allowance
(RLIMIT_AS) aborts, and the caller gets 503 either way.

A worker also gives up the network (kg.sandbox, applied in each worker before it takes a job):
SERVICE is refused before evaluation (kg.screening), and the sandbox makes sure nothing can fetch
whatever the screen missed.

Queries take turns. On few cores, fewer evaluations at once answer more under load (each worker
process keeps its own store handle and caches, and they contend for the same cores): an HTTP
process evaluates at most `evaluations` queries at once (--simultaneous-queries), and the others
wait in the order they came, each for at most the time limit (then 503). An evaluation that has
run for its patience (a second, or a quarter of the time limit if that is shorter) no longer
counts against that number, so a long or runaway query holds the queue back for that long at most
(a query behind several long ones waits that long for each), and up to `max_workers` (--threads)
evaluate at once behind it, each in its own query worker. A query's wait is not counted in its
evaluation's time limit. A readiness probe does not queue (`take_turn=False`); one such runs at
a time.

What runs in the worker is kg.web.query_worker; this module is the HTTP process's side.
"""

import logging
import os
import signal
import threading
import time
from collections import deque

from kg.dataset import SharedStore
from kg.errors import (
    EndpointBusy,
    NetworkRefused,
    QueryError,
    QueryTimeout,
    QueryTooBig,
    UnsupportedFormat,
    WorkerFailure,
)
from kg.sandbox import AUTO
from kg.web.query_worker import Answer, Overran, QueryJob, QueryWorker, Refusal

log = logging.getLogger(__name__)
# How long an evaluation holds its turn at most: after it, the next query waiting may start beside
# it. A quarter of the time limit if that is shorter, so that a short limit still leaves a queued
# query most of its wait to get a turn.
PATIENCE_S = 1.0
# What a client is told when a worker fails for a reason that is not the query's.
WORKER_FAILED = (
    "the query worker failed for a reason that is not the query's; the server log has the "
    "details; retry"
)


class Evaluator:
    """A pool of query workers for one HTTP process; thread-safe, and fork-aware."""

    def __init__(
        self,
        store: SharedStore,
        *,
        timeout: float,
        memory_bytes: int,
        max_workers: int,
        evaluations: int | None = None,
        sandbox: str = AUTO,
        max_queries: int = 0,
    ) -> None:
        self._store = store
        # Evaluations at once that have not yet run for their patience (None: max_workers).
        self._evaluations = min(evaluations or max_workers, max_workers)
        self._patience = min(PATIENCE_S, timeout / 4)
        self._max_queries = max_queries  # per worker, then a fresh one (QueryWorker.worn_out)
        self._sandbox = sandbox
        self._timeout = timeout
        self._memory_bytes = memory_bytes
        self._max_workers = max_workers
        self._start_fresh()

    def evaluate(self, job: QueryJob, *, take_turn: bool = True) -> Answer:
        """The serialized answer, or a KgError (400, 406, 503) saying why there is none.

        Without `take_turn` (a readiness probe's trivial query) it runs at once, beside the
        queries evaluating: a probe that queued behind them would report a busy server as down.
        One such at a time, so that probes of a stalled server cannot pile up query workers.
        """
        self._claim_process()
        if not take_turn:
            if not self._unqueued.acquire(blocking=False):
                raise EndpointBusy("another query that does not wait its turn is still evaluating")
            try:
                return self._run(job)
            finally:
                self._unqueued.release()
        turn = self._wait_for_turn()
        try:
            return self._run(job)
        finally:
            self._end_turn(turn)

    def warm(self) -> None:
        """Start one worker now, so the first request does not pay for it."""
        self._claim_process()
        with self._lock:
            if self._idle:
                return
        self._give_back(self._fork())

    def _wait_for_turn(self) -> object:
        """A turn to evaluate, in the order asked (see the module's docstring); EndpointBusy if none
        comes within the time limit."""
        deadline = time.monotonic() + self._timeout
        turn = object()
        with self._turns:
            self._queue.append(turn)
            try:
                while True:
                    now = time.monotonic()
                    young = [start for start in self._running.values() if now - start < self._patience]
                    if (
                        self._queue[0] is turn
                        and len(self._running) < self._max_workers
                        and len(young) < self._evaluations
                    ):
                        self._queue.popleft()
                        self._running[turn] = now
                        self._turns.notify_all()  # the next in the queue may start too
                        return turn
                    left = deadline - now
                    if left <= 0:
                        raise EndpointBusy(
                            f"no turn to evaluate this query came within {self._timeout:g} s: "
                            "the server is busy with other queries; retry later"
                        )
                    # Woken when a turn ends or the queue moves, or when the longest-running
                    # young evaluation turns old.
                    grows_old = min((start + self._patience - now for start in young), default=left)
                    self._turns.wait(min(left, max(grows_old, 0.001)))
            except BaseException:
                if turn in self._queue:
                    self._queue.remove(turn)
                    self._turns.notify_all()  # whoever was behind it may be first now
                raise

    def _end_turn(self, turn: object) -> None:
        with self._turns:
            self._running.pop(turn, None)
            self._turns.notify_all()  # only the first in the queue may start: wake them all

    def close(self) -> None:
        """Stop every worker this process started."""
        if os.getpid() != self._pid:
            return  # they belong to the process we were forked from
        with self._lock:
            workers, self._idle = list(self._live), []
        for worker in workers:
            self._retire(worker)

    def _run(self, job: QueryJob) -> Answer:
        worker = self._take()
        try:
            worker.hand(job)
        except OSError:
            # An idle worker that died meanwhile (killed from outside): not this query's doing.
            self._retire(worker)
            worker = self._fork()
            try:
                worker.hand(job)
            except OSError:
                raise self._death_of(worker) from None
        try:
            reply = worker.reply(self._timeout)
        except Overran:
            self._retire(worker)
            log.warning("query stopped after %g s: %.200r", self._timeout, job.text)
            raise QueryTimeout(
                f"the query ran longer than {self._timeout:g} s, the endpoint's limit, and was "
                "stopped; narrow it down (more specific patterns, LIMIT) and retry"
            ) from None
        except (EOFError, OSError):
            raise self._death_of(worker) from None
        if isinstance(reply, Refusal):
            if reply.reason in ("memory", "internal"):
                self._retire(worker)  # its state is suspect after either
            else:
                self._give_back(worker)
            raise self._error_for(reply, worker)
        self._give_back(worker)
        return reply

    def _death_of(self, worker: QueryWorker) -> Exception:
        status = self._retire(worker)
        if not os.WIFSIGNALED(status):
            log.error("query worker %d exited mid-query (wait status %d)", worker.pid, status)
            return WorkerFailure(WORKER_FAILED)
        sig = os.WTERMSIG(status)
        # Rust aborts (SIGABRT) when an allocation fails under RLIMIT_AS: the query's appetite.
        if sig == signal.SIGABRT:
            log.warning("query worker %d ran out of memory", worker.pid)
            return QueryTooBig(self._memory_message())
        if sig == signal.SIGKILL and worker.killed_for_memory():
            log.error("query worker %d was killed by the kernel: out of memory", worker.pid)
            return WorkerFailure(
                "the server ran out of memory while evaluating this query and the system stopped "
                "its query worker; retry later, or narrow the query down"
            )
        log.error("query worker %d was ended by %s mid-query", worker.pid, signal_name(sig))
        if sig in _CRASHES:
            # The engine parses and evaluates recursively: what crashes it is the query's shape
            # (a chain of 100,000 `+` or UNIONs, measured), and the same query would crash again.
            return QueryError(
                f"the query crashed the query engine ({signal_name(sig)}): it is too long or too "
                "deeply built for it; split or simplify it"
            )
        return WorkerFailure(
            f"the query worker was stopped from outside ({signal_name(sig)}) while evaluating "
            "this query; retry, and report the query if it happens again"
        )

    def _error_for(self, refusal: Refusal, worker: QueryWorker) -> Exception:
        if refusal.reason == "network":
            return NetworkRefused(refusal.message)
        if refusal.reason in ("syntax", "evaluation"):
            return QueryError(refusal.message)
        if refusal.reason == "format":
            return UnsupportedFormat(refusal.message)
        if refusal.reason == "memory":
            return QueryTooBig(self._memory_message())
        log.error("query worker %d failed: %s", worker.pid, refusal.message)
        return WorkerFailure(WORKER_FAILED)

    def _memory_message(self) -> str:
        return (
            f"the query needed more than {self._memory_bytes // 2**20} MiB, the endpoint's "
            "limit, and was stopped; narrow it down and retry"
        )

    def _take(self) -> QueryWorker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._fork()

    def _give_back(self, worker: QueryWorker) -> None:
        if worker.worn_out:
            self._retire(worker)  # the next query forks a fresh one
            return
        with self._lock:
            self._idle.append(worker)

    def _fork(self) -> QueryWorker:
        try:
            worker = QueryWorker.fork(
                self._store, self._memory_bytes, self._sandbox, self._max_queries
            )
        except OSError as err:
            raise EndpointBusy(f"cannot start a query worker: {err}") from err
        with self._lock:
            self._live.add(worker)
        return worker

    def _retire(self, worker: QueryWorker) -> int:
        with self._lock:
            self._live.discard(worker)
        return worker.stop()

    def _claim_process(self) -> None:
        # After a fork (the server's main process to a worker) the inherited workers are the
        # parent's: forget them and start this process's own.
        if os.getpid() != self._pid:
            self._start_fresh()

    def _start_fresh(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._turns = threading.Condition()
        self._running: dict[object, float] = {}  # each evaluation's turn: when it began
        self._queue: deque[object] = deque()  # the turns asked for and not yet given, in order
        self._unqueued = threading.Lock()  # held by the one evaluation that takes no turn
        self._idle: list[QueryWorker] = []
        self._live: set[QueryWorker] = set()


# Signals a process raises on itself when it crashes; any other came from outside (an operator,
# a supervisor, the kernel's out-of-memory killer), as SIGKILL does.
_CRASHES = frozenset({signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGSYS})


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
