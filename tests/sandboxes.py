"""What tests of the query sandbox share: a listener that counts requests, and a probe-or-skip."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg import sandbox

SANDBOXES = [sandbox.NETNS, sandbox.SECCOMP, sandbox.AUTO]

EMPTY_RESULTS = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'


class Listener(ThreadingHTTPServer):
    """A SPARQL endpoint that answers every request with no solutions, and keeps their paths."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: Listener

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.paths.append(self.path.split("?")[0])
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(EMPTY_RESULTS)))
        self.end_headers()
        self.wfile.write(EMPTY_RESULTS)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def available(mechanism: str) -> str:
    """The name in force for `mechanism` here, or a skip saying why it is not available."""
    try:
        return sandbox.probe(mechanism)
    except sandbox.SandboxUnavailable as err:
        pytest.skip(str(err))
