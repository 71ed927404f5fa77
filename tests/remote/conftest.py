"""Real SPARQL engines for the remote-store tests: Oxigraph's server, started once per session.

Bound to 127.0.0.1 on a free port; ready when its query endpoint answers, never after a sleep.
The build is pushed once (kg push); the tests then compare `kg serve --store` with the local store.
"""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kg.build import open_build
from kg.push import push

_READY_WITHIN = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Return once `url` answers; fail with the engine's output if it exits or never does."""
    deadline = time.monotonic() + _READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the engine exited with {process.returncode} before it was ready")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)  # polling the port, not waiting for a guessed start-up time
    pytest.fail(f"{url} did not answer within {_READY_WITHIN} s")


@pytest.fixture(scope="session")
def dataset_path() -> Path:
    return open_build().dataset_path


def start_oxigraph(location: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """An Oxigraph server on a free port, ready: its base URL and its process (the caller's to kill)."""
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph: the test extra)")
    port = free_port()
    process = subprocess.Popen(
        # Its own time limit, as the README starts it: a query kg abandons is cancelled there too
        # (Oxigraph evaluates an abandoned query on; a sorted one held 15 GB until the end).
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--timeout-s", "10"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url + "/query", process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return url, process


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory, dataset_path: Path) -> Iterator[str]:
    """The base URL of an Oxigraph server holding the pushed build."""
    url, process = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    try:
        push(dataset_path, url + "/store", None, report=lambda line: None)
        yield url
    finally:
        process.kill()
        process.wait()


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
"""


def _virtuoso(directory: Path, dataset_path: Path, max_rows: int) -> Iterator[str]:
    """The base URL of a Virtuoso holding the pushed build, pushed with digest auth (dba/dba)."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("Virtuoso is not installed (Debian's virtuoso-opensource: `make virtuoso` as root)")
    http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        _VIRTUOSO_INI.format(d=directory, sql_port=free_port(), http_port=http_port, max_rows=max_rows)
    )
    netrc = directory / "netrc"  # never the real home's
    netrc.write_text("machine 127.0.0.1 login dba password dba\n")
    netrc.chmod(0o600)
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)], cwd=directory,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}"
    patch = pytest.MonkeyPatch()
    patch.setenv("NETRC", str(netrc))
    try:
        wait_until_ready(url + "/sparql", process)
        push(dataset_path, url + "/sparql-graph-crud-auth", None, report=lambda line: None)
        patch.undo()
        yield url
    finally:
        patch.undo()
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory, dataset_path: Path) -> Iterator[str]:
    """A Virtuoso whose row limit (100,000) is above the build's size."""
    yield from _virtuoso(tmp_path_factory.mktemp("virtuoso"), dataset_path, 100_000)


@pytest.fixture()
def short_lived_oxigraph(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """An empty Oxigraph server's query URL and its process, for a test to stop."""
    url, process = start_oxigraph(tmp_path)
    yield url + "/query", process
    process.kill()
    process.wait()


@pytest.fixture(scope="session")
def capped_rows() -> int:
    """A row limit below the build's size, as Debian's stock virtuoso.ini has one (10,000) below
    a larger build's."""
    return 1000


@pytest.fixture(scope="session")
def capped_virtuoso_url(
    tmp_path_factory: pytest.TempPathFactory, dataset_path: Path, capped_rows: int
) -> Iterator[str]:
    """A Virtuoso whose row limit (capped_rows) is below the build's size."""
    yield from _virtuoso(tmp_path_factory.mktemp("virtuoso-capped"), dataset_path, capped_rows)
