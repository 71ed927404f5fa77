"""Taking the network away from a process that evaluates user SPARQL, whatever the query says.

pyoxigraph answers SERVICE by fetching the remote endpoint; the screen (kg.screening) refuses
SERVICE with a clear message, and this makes the refusal a guarantee: once `apply` returns, the
process can open no socket to any network. Two mechanisms, measured on Linux 6.18 (x86_64):

- "netns": a new user namespace, owning a new network namespace that holds only a loopback
  device, down (unshare(CLONE_NEWUSER | CLONE_NEWNET)). Sockets can be made, but every connect
  fails (ENETUNREACH), the host's loopback included. The kernel refuses it to a process that
  already runs threads, and where unprivileged user namespaces are off (a sysctl on some
  distributions, the default seccomp profile of common container runtimes). About 600 µs in a
  freshly forked process (the kernel makes a network namespace).
- "seccomp": a seccomp filter (classic BPF, a dozen instructions) on which socket() and
  socketpair() fail with EACCES for every address family but AF_UNIX, installed for all threads
  (SECCOMP_FILTER_FLAG_TSYNC) after PR_SET_NO_NEW_PRIVS, which needs no privilege. An allowlist,
  not a list of inet families: AF_UNIX is what the process needs (its socket pair to the parent),
  while AF_PACKET, AF_NETLINK, AF_VSOCK (which reaches the hypervisor host and belongs to no
  network namespace) or any family a later kernel adds are ways out or of no use. io_uring_setup
  fails too (io_uring opens sockets without socket()), and so does every x32 system call, the one
  way around the syscall numbers checked; a system call of another architecture (i386's
  socketcall) kills the process. Needs only CONFIG_SECCOMP_FILTER, which every distribution
  kernel has and which container runtimes leave usable. About 250 µs in a freshly forked
  process (40 µs once its pages are its own); the filter is assembled at import.

Landlock's network rules (ABI 4+) were weighed and left out: they restrict TCP bind and connect
only, so a UDP socket still sends (measured: sendto succeeds; a DNS lookup of a SERVICE IRI's
host would leak data), for the same cost (about 250 µs).

"auto" applies both where both are available, each covering what the other leaves: the filter
shuts AF_VSOCK, which no namespace holds, and the namespace hides the host's abstract AF_UNIX
sockets, which the filter allows; either one alone otherwise, and it fails when neither applies.
UNSAFE_OPT_OUT applies nothing; its name says what it costs. Neither mechanism takes back a
socket already open: a process closes the ones it inherited before applying a sandbox.

`apply` sandboxes the calling process for good: a query worker, right after its fork, before it
starts a thread. `run_sandboxed` calls a function in a forked child under the sandbox and hands
back its result, for a command that must keep its own process (`kg query`, tests); `probe` tries
a mechanism that way, for a server that must know before it forks its workers.
"""

import ctypes
import errno
import os
import pickle
import platform
import signal
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import TypeVar

from kg.errors import SandboxedProcessDied, SandboxUnavailable

AUTO = "auto"
NETNS = "netns"
SECCOMP = "seccomp"
UNSAFE_OPT_OUT = "none-unsafe"
MECHANISMS = (AUTO, NETNS, SECCOMP, UNSAFE_OPT_OUT)

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_AF_UNIX = 1
# Classic BPF opcodes and seccomp's return values (linux/filter.h, linux/seccomp.h).
_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_IF_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_IF_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_DENY = 0x00050000 | errno.EACCES  # SECCOMP_RET_ERRNO
_KILL_PROCESS = 0x80000000
# Offsets in struct seccomp_data; the first argument's low 32 bits, little-endian.
_SYSCALL_NUMBER, _ARCHITECTURE, _FIRST_ARGUMENT = 0, 4, 16
_LIBC = ctypes.CDLL(None, use_errno=True)
_Result = TypeVar("_Result")


@dataclass(frozen=True)
class _Abi:
    """A CPU architecture's system-call numbers that the filter checks."""

    audit_arch: int
    socket: int
    socketpair: int
    io_uring_setup: int
    seccomp: int
    x32_bit: int | None = None  # set: numbers with this bit are the x32 ABI's


_ABIS = {
    "x86_64": _Abi(
        0xC000003E, socket=41, socketpair=53, io_uring_setup=425, seccomp=317, x32_bit=0x40000000
    ),
    "aarch64": _Abi(0xC00000B7, socket=198, socketpair=199, io_uring_setup=425, seccomp=277),
}


class _SocketFilterProgram(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _filter_program(abi: _Abi) -> bytes:
    """The BPF program: socket() and socketpair() for AF_UNIX only, no io_uring, no x32."""
    x32 = [(_JUMP_IF_AT_LEAST, abi.x32_bit, "deny", None)] if abi.x32_bit else []
    return _assemble(
        [
            (_LOAD_WORD, _ARCHITECTURE),
            (_JUMP_IF_EQUAL, abi.audit_arch, None, "kill"),
            (_LOAD_WORD, _SYSCALL_NUMBER),
            *x32,
            (_JUMP_IF_EQUAL, abi.socket, "family", None),
            (_JUMP_IF_EQUAL, abi.socketpair, "family", None),
            (_JUMP_IF_EQUAL, abi.io_uring_setup, "deny", None),
            (_RETURN, _ALLOW),
            "family",
            (_LOAD_WORD, _FIRST_ARGUMENT),
            (_JUMP_IF_EQUAL, _AF_UNIX, None, "deny"),
            (_RETURN, _ALLOW),
            "deny",
            (_RETURN, _DENY),
            "kill",
            (_RETURN, _KILL_PROCESS),
        ]
    )


def _assemble(lines: list) -> bytes:
    """struct sock_filter instructions; a string is a label, jumps name one (None: the next)."""
    where: dict[str, int] = {}
    index = 0
    for line in lines:
        if isinstance(line, str):
            where[line] = index
        else:
            index += 1
    code, index = [], 0
    for line in lines:
        if isinstance(line, str):
            continue
        operation, constant, *targets = line
        jumps = [0 if target is None else where[target] - index - 1 for target in targets]
        true_offset, false_offset = jumps or (0, 0)
        code.append(struct.pack("=HBBI", operation, true_offset, false_offset, constant))
        index += 1
    return b"".join(code)


# Assembled at import, so that a freshly forked worker runs as little as possible to apply it.
_ABI = _ABIS.get(platform.machine()) if sys.maxsize > 2**32 and sys.byteorder == "little" else None
_CODE = _filter_program(_ABI) if _ABI else b""
_FILTER = ctypes.create_string_buffer(_CODE, len(_CODE))
_FILTER_PROGRAM = _SocketFilterProgram(len(_CODE) // 8, ctypes.cast(_FILTER, ctypes.c_void_p))


def apply(mechanism: str) -> str:
    """Cut this process (all its threads, and every process it forks) off from the network.

    The name of what is in force ("netns+seccomp" for both); SandboxUnavailable when the
    mechanism asked for cannot be applied here.
    """
    if mechanism == UNSAFE_OPT_OUT:
        return UNSAFE_OPT_OUT
    if mechanism not in MECHANISMS:
        raise ValueError(f"unknown sandbox {mechanism!r}; choose one of {', '.join(MECHANISMS)}")
    names = (NETNS, SECCOMP) if mechanism == AUTO else (mechanism,)
    applied, reasons = [], []
    for name in names:
        why = _STEPS[name]()
        if why is None:
            applied.append(name)
        else:
            reasons.append(why if mechanism != AUTO else f"{name}: {why}")
    if not applied:
        raise SandboxUnavailable(
            f"sandbox {mechanism} cannot be applied here: {'; '.join(reasons)}; choose another "
            f"(--sandbox {', '.join(MECHANISMS[:-1])}) or run without one (--sandbox "
            f"{UNSAFE_OPT_OUT}: then a query can reach the network)"
        )
    return "+".join(applied)


def probe(mechanism: str) -> str:
    """What `apply(mechanism)` would put in force, tried in a throwaway child of this process.

    Raises SandboxUnavailable, as apply would. Meant for a server about to fork its workers:
    they apply the sandbox right after the fork, as the child here does.
    """
    return _in_child(mechanism, _nothing, ())[0]


def run_sandboxed(mechanism: str, function: Callable[..., _Result], *args: object) -> _Result:
    """function(*args), called in a forked child of this process once the sandbox is applied.

    Its result, or the exception it raised, come back pickled; the arguments need not pickle
    (the child is a copy of this process). This process keeps its network, so a command can
    evaluate a query in a sandbox and go on. SandboxUnavailable if the sandbox cannot be
    applied; SandboxedProcessDied if the child ended without answering (a signal, as when a
    query overflows pyoxigraph's stack).
    """
    return _in_child(mechanism, function, args)[1]


def _in_child(
    mechanism: str, function: Callable[..., _Result], args: tuple
) -> tuple[str, _Result]:
    """(name in force, function's result) from a forked child that applies the sandbox first."""
    ours, theirs = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        try:
            ours.close()
            _answer(theirs, mechanism, function, args)
        finally:
            os._exit(0)
    theirs.close()
    try:
        outcome, value = ours.recv()
    except EOFError:
        outcome, value = "died", None
    finally:
        ours.close()
        status = os.waitpid(pid, 0)[1]
    if outcome == "died":
        raise SandboxedProcessDied(
            f"the sandboxed process ended without an answer: {_ending(status)}"
        )
    if outcome == "raised":
        raise value
    return value


def _answer(conn: Connection, mechanism: str, function: Callable, args: tuple) -> None:
    try:
        in_force = apply(mechanism)
        reply: tuple[str, object] = ("returned", (in_force, function(*args)))
    except Exception as err:  # noqa: BLE001 (raised again in the parent)
        reply = ("raised", err)
    try:
        conn.send(reply)
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        conn.send(("raised", RuntimeError(f"{reply[1]!r} cannot be sent back: {err}")))


def _nothing() -> None:
    return None


def _ending(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)} ({signal.strsignal(os.WTERMSIG(status))})"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _enter_network_namespace() -> str | None:
    """None once done, or why it cannot be done."""
    # A new user namespace lets an unprivileged process own a new, empty network namespace.
    if _LIBC.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        return None
    code = ctypes.get_errno()
    if code == errno.EINVAL:
        return "unshare: a process running threads cannot enter a new user namespace"
    return f"unshare: {os.strerror(code)}"


def _install_socket_filter() -> str | None:
    """None once done, or why it cannot be done."""
    if _ABI is None:
        return f"no filter for {platform.machine()} here"
    # Without it an unprivileged process may not install a filter; it also bars set-uid gains.
    if _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl: {os.strerror(ctypes.get_errno())}"
    flags = _SECCOMP_FILTER_FLAG_TSYNC
    result = _LIBC.syscall(
        _ABI.seccomp, _SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(_FILTER_PROGRAM)
    )
    if result == 0:
        return None
    return f"seccomp: {os.strerror(ctypes.get_errno()) if result < 0 else 'a thread cannot join'}"


_STEPS = {NETNS: _enter_network_namespace, SECCOMP: _install_socket_filter}
