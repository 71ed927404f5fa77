"""How query workers end: retired after their allowance of queries, or killed, and who killed them.

In-process apps (the query workers are children of the test process).
"""

import concurrent.futures
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from processes import child_pids, cpu_seconds
from flask import Flask

from kg.web import query_worker

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "ASK { ?s ?p ?o }"
BUSY_CPU = 0.3


def _busy(before: set[int]) -> int:
    """A query worker started after `before` was taken, once it is surely evaluating."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for pid in child_pids() - before:
            try:
                if cpu_seconds(pid) > BUSY_CPU:
                    return pid
            except OSError:
                continue
        time.sleep(0.02)  # polling a process table: there is nothing to wait on
    raise AssertionError("no query worker got busy with the runaway query")


def test_a_worker_makes_way_after_its_allowance(make_app: Callable[..., Flask]) -> None:
    client = make_app(query_worker_queries=3, answer_cache_bytes=0).test_client()
    before = child_pids()
    statuses, workers = [], []
    for _ in range(7):
        statuses.append(client.get("/sparql", query_string={"query": SIMPLE}).status_code)
        workers.append(child_pids() - before)
    assert statuses == [200] * 7
    # An allowance of 3 (a fifth of 3 rounds down to no jitter): the worker goes as it gives its
    # third answer, and the next query forks a fresh one.
    first, second, third = workers[0], workers[3], workers[6]
    assert workers == [first, first, set(), second, second, set(), third]
    assert len(first) == len(second) == len(third) == 1
    assert len(first | second | third) == 3


def test_an_outside_sigkill_is_not_called_out_of_memory(make_app: Callable[..., Flask]) -> None:
    client = make_app(query_timeout=20).test_client()
    before = child_pids()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(client.get, "/sparql", query_string={"query": RUNAWAY})
        os.kill(_busy(before), signal.SIGKILL)
        response = running.result(timeout=30)
    assert (response.status_code, response.get_json()["error"]["message"]) == (
        503,
        "the query worker was stopped from outside (SIGKILL) while evaluating this query; "
        "retry, and report the query if it happens again",
    )


def test_the_kernels_oom_kill_is_said_to_be_one(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel's count of out-of-memory kills in our cgroup, as cgroup v1 and v2 write it.
    events = tmp_path / "memory.oom_control"
    events.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 4\n")
    monkeypatch.setattr(query_worker, "memory_events_path", lambda: str(events))
    client = make_app(query_timeout=20).test_client()
    before = child_pids()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(client.get, "/sparql", query_string={"query": RUNAWAY})
        worker = _busy(before)
        # What the kernel does when it picks this worker: count the kill, then SIGKILL it.
        events.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
        os.kill(worker, signal.SIGKILL)
        response = running.result(timeout=30)
    assert (response.status_code, response.get_json()["error"]["message"]) == (
        503,
        "the server ran out of memory while evaluating this query and the system stopped its "
        "query worker; retry later, or narrow the query down",
    )


def test_the_oom_count_is_read_from_this_cgroup() -> None:
    path = query_worker.memory_events_path()
    assert path.endswith(("/memory.oom_control", "/memory.events"))
    if not os.path.exists(path):
        pytest.skip(f"no cgroup memory accounting here ({path})")
    with open(path) as events:
        (line,) = [line for line in events if line.startswith("oom_kill ")]
    assert query_worker.oom_kills() == int(line.split()[1])


@pytest.mark.parametrize(
    ("cgroup", "expected"),
    [
        ("12:cpu,cpuacct:/a\n11:memory:/kube/pod1/\n0::/ignored\n", "memory/kube/pod1/memory.oom_control"),
        ("0::/user.slice/session-2.scope\n", "user.slice/session-2.scope/memory.events"),
        ("0::/\n", "memory.events"),
    ],
    ids=["cgroup-v1", "cgroup-v2", "cgroup-v2-root"],
)
def test_the_memory_events_file_follows_the_cgroup_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cgroup: str, expected: str
) -> None:
    (tmp_path / "cgroup").write_text(cgroup)
    monkeypatch.setattr(query_worker, "_CGROUP", str(tmp_path / "cgroup"))
    monkeypatch.setattr(query_worker, "_CGROUP_ROOT", "/sys/fs/cgroup")
    assert query_worker.memory_events_path() == f"/sys/fs/cgroup/{expected}"


def test_the_oom_count_is_the_oom_kill_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = tmp_path / "memory.events"
    events.write_text("low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n")
    monkeypatch.setattr(query_worker, "memory_events_path", lambda: str(events))
    assert query_worker.oom_kills() == 2
    events.unlink()
    assert query_worker.oom_kills() is None
