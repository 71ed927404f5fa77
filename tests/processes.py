"""What the tests read of running processes, from /proc."""

import os
from pathlib import Path


def child_pids(pid: int | None = None) -> set[int]:
    """The pids of a process's children (this process's by default), from every thread's list."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid or os.getpid()}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass  # the thread ended meanwhile
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has spent so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
