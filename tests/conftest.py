"""What every test folder shares: Flask apps over given data, and a real `kg serve` process."""

import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from kg.web.app import create_app
from processes import child_pids
from sandboxes import Listener
from kg.web.settings import Settings


@pytest.fixture
def apps_over() -> Iterator[Callable[..., Flask]]:
    """Build apps over some data with some settings changed; their query workers stop after."""
    apps: list[Flask] = []

    def build(default_data: Path, /, **overrides: object) -> Flask:
        app = create_app(Settings(**{"data": (default_data,), **overrides}))  # type: ignore[arg-type]
        app.testing = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["kg"].evaluator.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback HTTP endpoint that keeps the path of every request it gets."""
    server = Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fixture_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/fixtures/project as KG_ROOT and the working folder, for `kg` commands."""
    root = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "project", root)
    monkeypatch.setenv("KG_ROOT", str(root))
    monkeypatch.chdir(root)
    return root


@dataclass(frozen=True)
class RunningServer:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    process: subprocess.Popen
    log: Path

    def processes(self) -> set[int]:
        """The server's process and every process under it, now."""
        return _process_tree(self.process.pid)


StartServer = Callable[..., AbstractContextManager[RunningServer]]


@pytest.fixture(scope="session")
def kg_serve() -> StartServer:
    """Start `kg serve ARGS…` on a free port; it is stopped, with every process it forked, after."""
    return _running_kg_serve


@contextmanager
def _running_kg_serve(
    args: Sequence[str], log: Path, ready_path: str = "/sparql", limit: float = 30
) -> Iterator[RunningServer]:
    port = _free_port()
    command = [str(Path(sys.executable).parent / "kg"), "serve", *args, "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    started: set[int] = set()
    try:
        _wait_until_answering(url + ready_path, process, limit)
        # Taken now as well as at the end: if the main process dies early, its workers must still go.
        started = _process_tree(process.pid)
        yield RunningServer(url, process, log)
    finally:
        tree = started
        try:
            tree |= _process_tree(process.pid) if process.poll() is None else set()
        finally:  # stopped whatever happened, or the server outlives the test
            process.terminate()
            process.wait(timeout=30)
        assert_all_gone(tree)


@pytest.fixture(scope="session")
def processes_end() -> Callable[..., None]:
    """Assert that these processes end within a time limit (zombies count as ended)."""
    return assert_all_gone


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, f"kg serve exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.02)  # polling: the server is not listening yet
    raise AssertionError(f"kg serve did not answer at {url} within {limit} s")


def _process_tree(pid: int) -> set[int]:
    found = {pid}
    for child in child_pids(pid):  # a thread that ends while it is read is passed over
        found |= _process_tree(child)
    return found


def assert_all_gone(pids: set[int], limit: float = 10) -> None:
    """Workers and their query workers end with the server, none left behind."""
    deadline = time.monotonic() + limit
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if _alive(pid)}
        time.sleep(0.02)
    assert not alive, f"processes outlived kg serve: {alive}"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
