"""`kg push` through basic authentication: a small proxy demanding it in front of Oxigraph.

Oxigraph's server has no authentication of its own; Virtuoso's digest is exercised by the
Virtuoso fixture's push (conftest.py). Credentials come from a temporary netrc ($NETRC), never
the real home's.
"""

import base64
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from kg.push import graphs_of, push
from kg.remote_http import RemoteClient, RemoteUnreachable

USER, PASSWORD = "kg", "s3cret"


@pytest.fixture(scope="module")
def basic_auth_store(oxigraph_url: str) -> Iterator[str]:
    """A Graph Store URL that answers 401 (Basic) without the right credentials, else Oxigraph's."""
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    @Request.application
    def proxy(request: Request) -> Response:
        if request.headers.get("Authorization") != expected:
            return Response("authentication required", 401, {"WWW-Authenticate": 'Basic realm="kg"'})
        answer = requests.request(
            request.method, oxigraph_url + request.path, params=request.args,
            data=request.get_data(), headers={"Content-Type": request.content_type or ""}, timeout=30,
        )
        return Response(answer.content, answer.status_code, content_type=answer.headers.get("Content-Type"))

    server = make_server("127.0.0.1", 0, proxy, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}/store"
    server.shutdown()


def netrc_with(tmp_path: Path, password: str) -> Path:
    path = tmp_path / "netrc"
    path.write_text(f"machine 127.0.0.1 login {USER} password {password}\n")
    path.chmod(0o600)
    return path


def test_push_sends_basic_credentials_from_netrc(
    basic_auth_store: str, oxigraph_url: str, dataset_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NETRC", str(netrc_with(tmp_path, PASSWORD)))
    counts = push(dataset_path, basic_auth_store, oxigraph_url + "/query", report=lambda line: None)
    assert counts == {name: len(t) for name, t in graphs_of(dataset_path).items()}


def test_refused_credentials_are_one_line(
    basic_auth_store: str, dataset_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRC", str(netrc_with(tmp_path, "wrong")))
    with pytest.raises(RemoteUnreachable) as caught:
        push(dataset_path, basic_auth_store, None, report=lambda line: None, client=RemoteClient())
    assert str(caught.value) == f"{basic_auth_store}: 401 Unauthorized: the credentials in ~/.netrc were refused"
    assert caught.value.exit_code == 2


def test_no_credentials_say_where_they_are_looked_for(
    basic_auth_store: str, dataset_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "netrc"
    empty.write_text("")
    monkeypatch.setenv("NETRC", str(empty))
    with pytest.raises(RemoteUnreachable) as caught:
        push(dataset_path, basic_auth_store, None, report=lambda line: None)
    assert str(caught.value) == (
        f"{basic_auth_store}: 401 Unauthorized, and ~/.netrc (or $NETRC) has no credentials for this host"
    )
