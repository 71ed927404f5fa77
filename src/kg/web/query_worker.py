"""A query-worker process: forked from the HTTP process, it evaluates jobs until told to stop.

Forked, it gives up what it inherited (the server's signal handlers, its open connections), cuts
itself off from the network (kg.sandbox: whatever the query says, it can open no socket to any
network) and ends when the HTTP process that forked it ends. It then answers `QueryJob`s on its
socket pair (a `Channel`), each with an `Answer` (the whole body, serialized) or a `Refusal`
saying why there is none, on a thread of its own with a deep stack, under a cap on its memory
(RLIMIT_AS). Both travel as tuples of plain values: the dataclasses are for the code on either
side. kg.web.evaluation keeps the pool of these workers and turns refusals and deaths into errors.
"""

import gc
import itertools
import os
import pickle
import random
import resource
import signal
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph
from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, QueryTriples

from kg.dataset import SharedStore
from kg.errors import NetworkRefused, UnsupportedFormat
from kg.sandbox import AUTO, SandboxUnavailable, apply
from kg.dataset_selection import merged_default_graph
from kg.namespaces import PREFIXES
from kg.store import evaluation_error_message, syntax_error_message
from kg.query_forms import ResultKind
from kg.web.negotiation import acceptable
from kg.web.results import (
    boolean_document,
    graph_document,
    solutions_document,
    whole_answer,
    writes_whole,
)

_START_TIMEOUT = 10.0
# The evaluating thread's stack: pyoxigraph parses and evaluates recursively.
_STACK_BYTES = 64 * 2**20
# How often a worker checks that the HTTP process that forked it is still there.
_PARENT_CHECK_INTERVAL = 0.25
# Workers retire after their query allowance plus up to this fraction more, drawn per worker, so
# that workers started together do not all retire together (gunicorn's max_requests_jitter).
_ALLOWANCE_JITTER = 0.2
_CGROUP = "/proc/self/cgroup"
_CGROUP_ROOT = "/sys/fs/cgroup"
# The result kinds in the order a job's formats travel in.
_KINDS = tuple(ResultKind)
# How long pyoxigraph's text of an answer may grow before the first rows are written instead: per
# row allowed, and at least. Past it, the query is evaluated twice; short of it, a row limit of
# 10,000 keeps the writer's memory to 10 MiB.
_WHOLE_BYTES_PER_ROW = 1024
_MIN_WHOLE_BYTES = 1 * 2**20


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs: the text, the dataset to use, and a format for each result kind."""

    text: str
    formats: dict[ResultKind, str | None]  # format name per kind; None: nothing acceptable
    max_rows: int
    base_iri: str | None = None  # for relative IRIs: the data base, never the public one
    default_graphs: tuple[str, ...] | None = None  # protocol dataset: replaces the query's own
    named_graphs: tuple[str, ...] | None = None
    truncation_link: str | None = None


@dataclass(frozen=True)
class Answer:
    """A worker's reply to a job: the whole answer, serialized in the format chosen for its kind."""

    kind: ResultKind
    format_name: str
    body: bytes
    truncated: bool


@dataclass(frozen=True)
class Refusal:
    """A worker's report that the query could not be answered; `reason` picks the error raised."""

    reason: str  # "syntax" | "evaluation" | "network" | "format" | "memory" | "internal" | "sandbox"
    message: str


class Overran(Exception):
    """The worker did not reply within the time it was given."""


class Channel:
    """One end of a socket pair carrying whole messages: a length, then a pickle of plain values.

    Not multiprocessing's Connection: its poll builds a selector on every call and its pickler a
    BytesIO, and both showed in the round trip of a query that returns nothing; a socket's own
    timeout waits and reads in one call.
    """

    _LENGTH = struct.Struct("!Q")
    _BUFFER_BYTES = 65536

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        # Reused for every message that fits: one read takes a small message whole. The two ends
        # take turns (a job, then its reply), so a read never takes the start of the next one.
        self._buffer = memoryview(bytearray(self._BUFFER_BYTES))

    @classmethod
    def pair(cls) -> tuple["Channel", "Channel"]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        return cls(ours), cls(theirs)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def __del__(self) -> None:
        # An end dropped unclosed (an app's evaluator discarded with its idle workers) is closed
        # quietly, as multiprocessing's Connection closes itself, rather than left to the socket's
        # own finalizer, which warns (ResourceWarning) wherever the collector happens to run.
        self.sock.close()

    def send(self, message: object) -> None:
        """Send a message of plain values (OSError if the other end is gone)."""
        payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        header = self._LENGTH.pack(len(payload))
        if len(payload) < self._BUFFER_BYTES:  # it fits in the socket's buffer: never waits
            self.sock.sendall(header + payload)
            return
        self.sock.settimeout(None)  # the other end reads it as it comes, however long it is
        self.sock.sendall(header)
        self.sock.sendall(payload)

    def receive(self, timeout: float | None = None) -> Any:
        """The next message; Overran if it is not whole within `timeout` seconds (None: wait),
        EOFError if the other end closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        view, size = self._buffer, self._LENGTH.size
        got = 0
        while got < size:
            got += self._read_into(view[got:], deadline)
        (length,) = self._LENGTH.unpack_from(view)
        end = size + length
        if end > len(view):  # a large answer: a buffer of its own
            large = memoryview(bytearray(length))
            large[: got - size] = view[size:got]
            got -= size
            while got < length:
                got += self._read_into(large[got:], deadline)
            return pickle.loads(large)
        while got < end:
            got += self._read_into(view[got:end], deadline)
        return pickle.loads(view[size:end])

    def _read_into(self, view: memoryview, deadline: float | None) -> int:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Overran
            self.sock.settimeout(left)
        try:
            count = self.sock.recv_into(view)
        except TimeoutError:
            raise Overran from None
        if not count:
            raise EOFError
        return count


class QueryWorker:
    """One forked query-worker process and the socket pair it answers on."""

    def __init__(self, pid: int, conn: Channel, sandbox: str, max_queries: int = 0) -> None:
        self.pid = pid
        self.conn = conn
        self.sandbox = sandbox  # what kg.sandbox put in force in it
        self.queries = 0
        jitter = random.randint(0, int(max_queries * _ALLOWANCE_JITTER))
        self._allowance = max_queries + jitter if max_queries else None
        # The kernel's count of out-of-memory kills in our cgroup when this worker started.
        self._oom_kills = oom_kills()

    @classmethod
    def fork(
        cls, store: SharedStore | pyoxigraph.Store, memory_bytes: int, sandbox: str = AUTO,
        max_queries: int = 0,
    ) -> "QueryWorker":
        """A new worker, forked from this process, sandboxed, its own store handle open, ready.

        A Store in memory is used as it is (copy-on-write); a SharedStore opens a handle.
        After `max_queries` (0: no limit) and a random tenth or two more, it is `worn_out`.

        OSError if it cannot start, the sandbox refused included: no query runs outside one.
        """
        shared = store if isinstance(store, SharedStore) else SharedStore(memory=store)
        ours, theirs = Channel.pair()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child never returns from here
            code = 1
            try:
                # What the worker inherited is never garbage: a collection that walked it would
                # write to every page holding an object, unsharing them all (measured: 18 MiB
                # more private memory per worker after its first full collection).
                gc.freeze()
                ours.close()
                in_force = _isolate(theirs.fileno(), parent, sandbox)
                code = _serve_on_a_fresh_thread(theirs, shared, in_force, memory_bytes)
            except SandboxUnavailable as err:
                theirs.send(("sandbox", str(err)))
            except BaseException:
                _report(traceback.format_exc())
            finally:
                os._exit(code)
        theirs.close()
        worker = cls(pid, ours, sandbox="", max_queries=max_queries)
        try:
            try:
                hello = ours.receive(_START_TIMEOUT)
            except Overran:
                raise OSError(f"query worker {pid} did not start within {_START_TIMEOUT} s") from None
            said, *details = hello
            if said != "ready":  # ("sandbox", why): it could not cut itself off
                raise OSError(details[0])
            (worker.sandbox,) = details
        except (OSError, EOFError) as err:
            worker.stop()
            raise OSError(f"query worker {pid} failed to start: {err}") from err
        return worker

    def hand(self, job: QueryJob) -> None:
        """Send the job (OSError if the worker is gone): plain values, cheaper to pickle than the
        dataclass and its dictionary keyed by an enum."""
        self.conn.send((
            job.text,
            tuple(job.formats.get(kind) for kind in _KINDS),
            job.max_rows,
            job.base_iri,
            job.default_graphs,
            job.named_graphs,
            job.truncation_link,
        ))
        self.queries += 1

    @property
    def worn_out(self) -> bool:
        """Whether it has answered its allowance of queries and should make way for a fresh one.

        A forked worker's memory grows with the queries it answers, though each query's own
        memory is freed: what it reads unshares the pages it inherited copy-on-write, and the
        allocator keeps what it freed. A fresh fork shares them again (gunicorn's max_requests).
        """
        return self._allowance is not None and self.queries >= self._allowance

    def killed_for_memory(self) -> bool:
        """Whether the kernel's out-of-memory killer has struck in our cgroup since it started.

        Its SIGKILL looks like anyone's; the cgroup's count of such kills tells them apart.
        """
        now = oom_kills()
        return now is not None and self._oom_kills is not None and now > self._oom_kills

    def reply(self, timeout: float) -> Answer | Refusal:
        """The worker's reply; Overran past `timeout`, EOFError if the worker died."""
        message = self.conn.receive(timeout)
        if len(message) == 2:
            return Refusal(*message)
        kind, format_name, body, truncated = message
        return Answer(_KINDS[kind], format_name, body, truncated)

    def stop(self) -> int:
        """Kill (it holds nothing worth a graceful exit) and reap; the wait status."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.conn.close()
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return 0


def oom_kills() -> int | None:
    """The kernel's count of out-of-memory kills in this process's cgroup; None if unknown."""
    try:
        with open(memory_events_path()) as events:
            for line in events:
                name, _, value = line.partition(" ")
                if name == "oom_kill":
                    return int(value)
    except (OSError, ValueError):
        return None
    return None


def memory_events_path() -> str:
    """Where this process's cgroup counts out-of-memory kills: cgroup v2's memory.events, or
    under cgroup v1 the memory controller's memory.oom_control (both have an oom_kill line)."""
    try:
        with open(_CGROUP) as cgroup:
            lines = cgroup.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return f"{_CGROUP_ROOT}/memory{path.rstrip('/')}/memory.oom_control"
    for line in lines:
        if line.startswith("0::"):
            return f"{_CGROUP_ROOT}{line[3:].rstrip('/')}/memory.events"
    return f"{_CGROUP_ROOT}/memory.events"


def _isolate(keep_fd: int, parent: int, sandbox: str) -> str:
    """Make the fresh child a worker: its own signals, no inherited files, no network.

    The sandbox in force; SandboxUnavailable if the one asked for cannot be applied.
    """
    for sig in (
        signal.SIGTERM,
        signal.SIGQUIT,
        signal.SIGHUP,
        signal.SIGUSR1,
        signal.SIGUSR2,
        signal.SIGABRT,
        signal.SIGCHLD,
        signal.SIGWINCH,
        signal.SIGTTIN,
        signal.SIGTTOU,
    ):
        signal.signal(sig, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group; the parent decides when workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Inherited descriptors include the server's listening socket and the client connection being
    # served: a worker holding them would keep connections open after the parent closed them.
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, os.sysconf("SC_OPEN_MAX"))
    # Before any thread starts: the kernel lets only a single-threaded process unshare.
    in_force = apply(sandbox)
    _end_with(parent)
    return in_force


def _serve_on_a_fresh_thread(
    conn: Channel, shared: SharedStore, sandbox: str, memory_bytes: int
) -> int:
    """Answer jobs until the parent is done, on a new thread; the exit code.

    Not on the thread that forked: that is a copy of one of the server's request threads, with
    its small stack (a deeply nested query overflowed it) and its copy of Rust's per-thread random
    state (every worker forked from it would give the same UUID(), RAND() and blank nodes). A new
    thread gets a deep stack and its own random seed.
    """
    outcome = [1]

    def run() -> None:
        try:
            # The cap comes once this thread's stack is mapped, and is on top of it.
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            # Opened after the sandbox (RocksDB starts threads, and the kernel lets only a
            # single-threaded process unshare), before the cap, which it counts in.
            store = shared.store()
            address_space = _address_space() + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
            conn.send(("ready", sandbox))  # the hello: alive, and the sandbox in force
            _serve(conn, store)
            outcome[0] = 0
        except BaseException:
            _report(traceback.format_exc())

    threading.stack_size(_STACK_BYTES)
    worker = threading.Thread(target=run, name="query-worker")
    worker.start()
    worker.join()
    return outcome[0]


def _end_with(parent: int) -> None:
    """Exit soon after the HTTP process that forked this worker is gone, even mid-query.

    Not PR_SET_PDEATHSIG: it fires when the forking *thread* ends, and the server's request
    threads come and go while the workers they forked serve others.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_INTERVAL)
        os._exit(0)

    # pyoxigraph evaluates without the GIL, so this thread runs during the longest query.
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _address_space() -> int:
    # The child already maps the interpreter and its store handle; the cap is on top of that.
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _serve(conn: Channel, store: pyoxigraph.Store) -> None:
    while True:
        try:
            text, formats, max_rows, base_iri, default_graphs, named_graphs, link = conn.receive()
        except EOFError:
            return  # the parent is gone or done with us
        job = QueryJob(
            text, dict(zip(_KINDS, formats, strict=True)), max_rows, base_iri, default_graphs,
            named_graphs, link,
        )
        reply = _answer(store, job)
        if isinstance(reply, Refusal):
            conn.send((reply.reason, reply.message))
        else:
            conn.send((_KINDS.index(reply.kind), reply.format_name, reply.body, reply.truncated))


def _answer(store: pyoxigraph.Store, job: QueryJob) -> Answer | Refusal:
    try:
        with merged_default_graph(
            store, job.text, _dataset(job), base_iri=job.base_iri, prefixes=PREFIXES
        ) as selection:
            def evaluate() -> object:
                return selection.store.query(
                    job.text, base_iri=job.base_iri, prefixes=PREFIXES, **selection.arguments
                )

            return _serialized(evaluate, job)
    except SyntaxError as err:
        # "syntax error in query:1:6: expected …", positioned as the CLI positions it.
        return Refusal("syntax", "syntax error in " + syntax_error_message("query", str(err)))
    except RuntimeError as err:
        # pyoxigraph's word for a query it can parse but not evaluate (an unknown function…).
        return Refusal("evaluation", evaluation_error_message("query", str(err)))
    except OSError:
        # The store is in memory: a system error while evaluating is a socket the sandbox denied
        # (a SERVICE call the screen did not see). Said as it is, never as a server fault.
        return Refusal("network", NetworkRefused.MESSAGE)
    except UnsupportedFormat as err:  # results the chosen format cannot carry (XML 1.0)
        return Refusal("format", str(err))
    except MemoryError:
        return Refusal("memory", "out of memory")
    except Exception as err:  # noqa: BLE001 - the parent answers 503; the detail stays in the log
        _report(f"query worker {os.getpid()}: {type(err).__name__}: {err}\n")
        return Refusal("internal", f"{type(err).__name__} while evaluating")


def _report(text: str) -> None:
    # Straight to the descriptor: sys.stderr's lock may have been held by another thread of the
    # parent at fork time, and would then never be released in this child.
    os.write(2, text.encode(errors="replace"))


def _whole_bytes(max_rows: int) -> int:
    return max(_MIN_WHOLE_BYTES, max_rows * _WHOLE_BYTES_PER_ROW)


def _dataset(job: QueryJob) -> dict[str, object]:
    if job.default_graphs is not None or job.named_graphs is not None:
        # SPARQL Protocol: dataset parameters replace the query's FROM / FROM NAMED, and a list
        # not given is empty.
        return {
            "default_graph": [NamedNode(g) for g in job.default_graphs or ()],
            "named_graphs": [NamedNode(g) for g in job.named_graphs or ()],
        }
    # Otherwise the store's own default graph answers: it holds the merge of all named graphs
    # (kg.build_cache.write_store), and a query's FROM clauses replace it.
    return {}


def _serialized(evaluate: Callable[[], object], job: QueryJob) -> Answer | Refusal:
    """The answer to the query `evaluate` runs, in the format the job chose for its kind."""
    results = evaluate()
    if isinstance(results, QueryBoolean):
        kind = ResultKind.BOOLEAN
    elif isinstance(results, QuerySolutions):
        kind = ResultKind.SOLUTIONS
    elif isinstance(results, QueryTriples):
        kind = ResultKind.GRAPH
    else:
        raise TypeError(f"unexpected result {type(results).__name__}")
    format_name = job.formats.get(kind)
    if format_name is None:
        return Refusal(
            "format",
            f"no acceptable format for {kind.value} results; this "
            f"endpoint offers {acceptable(kind)}",
        )
    if isinstance(results, QueryBoolean):
        return Answer(kind, format_name, boolean_document(bool(results), format_name), False)
    rows: Iterator[Any] = results
    if writes_whole(results, format_name):
        whole = whole_answer(results, format_name, job.max_rows, _whole_bytes(job.max_rows))
        if isinstance(whole, bytes):
            return Answer(kind, format_name, whole, False)
        # More rows than the limit: their first ones are written here, read back from the text.
        # Too long a text (or values that looked like row ends): pyoxigraph's writer took rows it
        # did not hand over, so the query is evaluated again.
        rows = whole if whole is not None else evaluate()  # type: ignore[assignment]
    # Iterators stream lazily: taking one item past the limit tells whether there were more.
    items = list(itertools.islice(rows, job.max_rows + 1))
    truncated = len(items) > job.max_rows
    del items[job.max_rows :]
    if isinstance(results, QuerySolutions):
        variables = [v.value for v in results.variables]
        link = job.truncation_link if truncated else None
        body = solutions_document(variables, items, format_name, link)
    else:
        note = (
            f"Truncated: only the first {job.max_rows} triples (the endpoint's row limit)."
            if truncated
            else None
        )
        body = graph_document(items, format_name, note)
    return Answer(kind, format_name, body, truncated)
