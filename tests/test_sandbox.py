"""The OS sandbox: after apply(), no socket reaches the network, SERVICE included; AF_UNIX works.

Each check runs in a forked child (run_sandboxed: a sandbox cannot be lifted), against a listener
that this process runs on the host's loopback and that counts the requests it gets.
"""

import errno
import os
import platform
import signal
import socket
import threading

import pyoxigraph
import pytest

from kg import sandbox
from sandboxes import SANDBOXES, Listener, available
from kg.errors import QueryError

def socket_error(family: socket.AddressFamily, address: tuple | None = None) -> int | None:
    """errno of making (and connecting) a TCP socket of `family`; None if it worked."""
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            if address is not None:
                sock.settimeout(5)
                sock.connect(address)
    except OSError as err:
        return err.errno
    return None


def service_query(port: int) -> str:
    return f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/s> {{ ?s ?p ?o }} }}"


def evaluate(text: str) -> str:
    """How pyoxigraph's evaluation of `text` ends: "answered", or "OSError" when it cannot fetch."""
    try:
        list(pyoxigraph.Store().query(text))
    except OSError:  # PermissionError under the filter, "Network is unreachable" in a namespace
        return "OSError"
    return "answered"




@pytest.mark.parametrize("mechanism", SANDBOXES)
def test_no_socket_reaches_the_hosts_loopback(mechanism: str, listener: Listener) -> None:
    in_force = available(mechanism)
    address = ("127.0.0.1", listener.port)
    found = sandbox.run_sandboxed(mechanism, lambda: socket_error(socket.AF_INET, address))
    # In an empty namespace a socket can be made but leads nowhere; the filter refuses it.
    assert found == (errno.EACCES if sandbox.SECCOMP in in_force else errno.ENETUNREACH)
    assert listener.paths == []


@pytest.mark.parametrize("mechanism", [sandbox.SECCOMP, sandbox.AUTO])
def test_the_filter_refuses_inet_sockets(mechanism: str) -> None:
    if sandbox.SECCOMP not in available(mechanism):
        pytest.skip("no seccomp filter here")
    found = sandbox.run_sandboxed(
        mechanism, lambda: [socket_error(socket.AF_INET), socket_error(socket.AF_INET6)]
    )
    assert found == [errno.EACCES, errno.EACCES]


@pytest.mark.parametrize("mechanism", SANDBOXES)
def test_unix_sockets_still_work(mechanism: str) -> None:
    available(mechanism)

    def talk() -> bytes:
        left, right = socket.socketpair()
        with left, right:
            left.sendall(b"hello")
            return right.recv(5)

    assert sandbox.run_sandboxed(mechanism, talk) == b"hello"


@pytest.mark.parametrize("mechanism", SANDBOXES)
def test_a_service_query_never_reaches_the_listener(mechanism: str, listener: Listener) -> None:
    available(mechanism)
    assert sandbox.run_sandboxed(mechanism, lambda: evaluate(service_query(listener.port))) == "OSError"
    assert listener.paths == []


def test_without_a_sandbox_the_service_query_does_reach_the_listener(listener: Listener) -> None:
    """The control: the listener and the query above are able to meet."""
    assert sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, lambda: evaluate(service_query(listener.port))) == (
        "answered"
    )
    assert listener.paths == ["/s"]


def test_the_filter_covers_threads_started_before_it() -> None:
    available(sandbox.SECCOMP)

    def from_an_older_thread() -> int | None:
        start, found = threading.Event(), []
        def later() -> None:
            start.wait()
            found.append(socket_error(socket.AF_INET))

        thread = threading.Thread(target=later)
        thread.start()
        sandbox.apply(sandbox.SECCOMP)
        start.set()
        thread.join()
        return found[0]

    assert sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, from_an_older_thread) == errno.EACCES


def test_a_process_running_threads_gets_the_filter_alone() -> None:
    available(sandbox.NETNS)
    available(sandbox.SECCOMP)

    def with_a_thread() -> list[str]:
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            try:
                sandbox.apply(sandbox.NETNS)
                refusal = "applied"
            except sandbox.SandboxUnavailable as err:
                refusal = str(err)
            return [refusal, sandbox.apply(sandbox.AUTO)]
        finally:
            stop.set()
            thread.join()

    assert sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, with_a_thread) == [
        "sandbox netns cannot be applied here: unshare: a process running threads cannot enter "
        "a new user namespace; choose another (--sandbox auto, netns, seccomp) or run without "
        "one (--sandbox none-unsafe: then a query can reach the network)",
        "seccomp",
    ]


def test_auto_refuses_when_neither_mechanism_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    def with_a_thread_and_no_filter() -> str:
        monkeypatch.setattr(sandbox, "_ABI", None)  # in the child only
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            sandbox.apply(sandbox.AUTO)
        except sandbox.SandboxUnavailable as err:
            return str(err)
        finally:
            stop.set()
            thread.join()
        return "applied"

    assert sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, with_a_thread_and_no_filter) == (
        "sandbox auto cannot be applied here: netns: unshare: a process running threads cannot "
        f"enter a new user namespace; seccomp: no filter for {platform.machine()} here; choose "
        "another (--sandbox auto, netns, seccomp) or run without one (--sandbox none-unsafe: "
        "then a query can reach the network)"
    )


def test_the_opt_out_applies_nothing(listener: Listener) -> None:
    assert sandbox.probe(sandbox.UNSAFE_OPT_OUT) == "none-unsafe"
    address = ("127.0.0.1", listener.port)
    assert sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, lambda: socket_error(socket.AF_INET, address)) is None


def test_an_unknown_mechanism_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sandbox 'jail'; choose one of auto, netns"):
        sandbox.apply("jail")


def test_the_error_is_a_usage_error() -> None:
    error = sandbox.SandboxUnavailable
    assert (error.exit_code, error.http_status) == (2, 503)


def test_the_child_answers_and_this_process_keeps_its_network(listener: Listener) -> None:
    available(sandbox.AUTO)
    address = ("127.0.0.1", listener.port)
    assert sandbox.run_sandboxed(sandbox.AUTO, socket_error, socket.AF_INET, address) in (
        errno.EACCES,
        errno.ENETUNREACH,
    )
    assert socket_error(socket.AF_INET, address) is None


def test_what_the_child_raises_is_raised_here() -> None:
    def refuse(text: str) -> None:
        raise QueryError(f"query:1:1: {text}")

    with pytest.raises(QueryError, match="^query:1:1: no such thing$"):
        sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, refuse, "no such thing")


def test_a_child_that_dies_is_reported() -> None:
    def crash() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(sandbox.SandboxedProcessDied) as died:
        sandbox.run_sandboxed(sandbox.UNSAFE_OPT_OUT, crash)
    assert str(died.value) == (
        "the sandboxed process ended without an answer: signal 9 (Killed)"
    )
