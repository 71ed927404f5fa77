"""Running one function in a forked child that has no network: how `kg query` evaluates.

The endpoint's query workers (kg.web.query_worker) are long-lived and pooled; a command runs one
query, so it forks one child, which applies the sandbox (kg.sandbox) before it evaluates anything,
sends back the function's result or its KgError, and exits. The store opened before the fork
comes along copy-on-write, so nothing is loaded twice.
"""

import os
import signal
import traceback
from collections.abc import Callable
from multiprocessing import Pipe
from typing import TypeVar

from kg.errors import KgError, one_line
from kg.sandbox import apply

T = TypeVar("T")


class ChildFailed(KgError):
    """The sandboxed child died or failed for a reason that is not the user's input."""

    exit_code = 1
    http_status = 500


def run_sandboxed(function: Callable[[], T], sandbox: str) -> T:
    """function() evaluated in a child cut off from the network by `sandbox`.

    Raises what the function raised if it was a KgError, SandboxUnavailable (a KgError too) if
    the sandbox cannot be applied here, and ChildFailed if the child died or failed otherwise.
    """
    ours, theirs = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        try:
            ours.close()
            theirs.send(_outcome(function, sandbox))
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
    if outcome == "ok":
        return value
    if outcome == "error":
        raise value
    if os.WIFSIGNALED(status):
        raise ChildFailed(f"the query process ended on {signal.Signals(os.WTERMSIG(status)).name}")
    raise ChildFailed(f"the query process failed: {value or f'wait status {status}'}")


def _outcome(function: Callable[[], object], sandbox: str) -> tuple[str, object]:
    """("ok", result), ("error", a KgError) or ("failed", one line); runs in the child."""
    try:
        apply(sandbox)
        return "ok", function()
    except KgError as err:  # SandboxUnavailable among them
        return "error", err
    except Exception as err:  # noqa: BLE001 - reported to the parent in one line, never lost
        os.write(2, traceback.format_exc().encode(errors="replace"))
        return "failed", one_line(f"{type(err).__name__}: {err}")
