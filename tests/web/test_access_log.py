"""The access log: one whole line per request, with the status, size and time, never forged."""

import os
import re
from collections.abc import Iterable
from typing import Any

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from kg.web.access_log import AccessLog, _readable

LINE = re.compile(
    r'^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}\] (\S+) "(\S+) (\S+) (\S+)" (\d{3}) (\S+) '
    r"(\d+\.\d)ms$"
)


def _answering(status: int, body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return Response(body, status)(environ, start_response)

    return app


def _failing(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    raise RuntimeError("the app broke")


@pytest.fixture
def log_pipe() -> Iterable[tuple[int, int]]:
    read, write = os.pipe()
    yield read, write
    os.close(read)
    os.close(write)


def _lines(read: int) -> list[str]:
    return os.read(read, 65536).decode().splitlines()


def test_a_request_gets_one_line_with_status_size_and_time(log_pipe: tuple[int, int]) -> None:
    read, write = log_pipe
    client = Client(AccessLog(_answering(404, b"not here"), fd=write))
    client.get("/id/nothing", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    [line] = _lines(read)
    match = LINE.match(line)
    assert match is not None, line
    assert match.groups()[:6] == ("192.0.2.7", "GET", "/id/nothing", "HTTP/1.1", "404", "8")


def test_a_newline_in_the_path_cannot_forge_a_line(log_pipe: tuple[int, int]) -> None:
    read, write = log_pipe
    client = Client(AccessLog(_answering(200, b""), fd=write))
    client.get("/id/x%0A[2026-01-01T00:00:00+0000] 10.0.0.1 \"GET /admin\" 200")
    [line] = _lines(read)
    assert '"GET /id/x\\x0a[2026-01-01T00:00:00+0000]' in line


def test_an_app_that_fails_is_logged_as_500(log_pipe: tuple[int, int]) -> None:
    read, write = log_pipe
    with pytest.raises(RuntimeError):
        AccessLog(_failing, fd=write)({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, print)
    [line] = _lines(read)
    assert LINE.match(line).groups()[4:6] == ("500", "-")  # type: ignore[union-attr]


def test_a_log_nobody_reads_does_not_fail_the_request() -> None:
    read, write = os.pipe()
    os.close(read)  # writing now fails with EPIPE
    try:
        client = Client(AccessLog(_answering(200, b"fine"), fd=write))
        assert client.get("/").get_data() == b"fine"
    finally:
        os.close(write)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/id/a%22b", '/id/a\\"b'),  # a quote cannot end the request field early
        ("/id/a%5Cb", "/id/a\\\\b"),
        ("/id/a%C2%85b", "/id/a\\x85b"),  # NEL, a line break to some viewers
        ("/id/caf%C3%A9", "/id/café"),
    ],
)
def test_a_path_is_logged_readable_and_safe(
    log_pipe: tuple[int, int], path: str, logged: str
) -> None:
    read, write = log_pipe
    Client(AccessLog(_answering(200, b""), fd=write)).get(path)
    [line] = _lines(read)
    assert f'"GET {logged} HTTP/1.1" 200 0 ' in line


def test_a_path_that_is_not_utf8_is_logged_by_its_bytes() -> None:
    # What a server puts in PATH_INFO for /id/%FF: the byte as a latin-1 character.
    assert _readable("/id/\xff") == "/id/\\xff"
