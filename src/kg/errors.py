"""The errors kg raises for its users' mistakes, each carrying its CLI exit code and HTTP status.

Library code raises these; only the edges (the CLI, the web app) turn them into messages.
Every message is one line, and names the file (and line) or the input at fault.
"""


def one_line(text: str) -> str:
    """The text with every run of whitespace, newlines included, collapsed to one space."""
    return " ".join(text.split())


class KgError(Exception):
    """A problem the user can fix: bad usage, input or request."""

    exit_code: int = 2
    http_status: int = 400
    # Lines that say more (a build's violations), shown by the CLI before the one-line message.
    details: tuple[str, ...] = ()


class InputError(KgError):
    """A file that is missing, unreadable, or not valid RDF: "path:line: why"."""

    # A broken file on the server is the server's fault, never the HTTP client's.
    http_status = 500


class QueryError(KgError):
    """A SPARQL query that does not parse: "source:line:column: why"."""


class NetworkRefused(QueryError):
    """A query that reached for the network (a SERVICE call the screen did not see), stopped by
    the sandbox (kg.sandbox)."""

    MESSAGE = (
        "queries cannot reach the network: kg answers from its own graphs only, and SERVICE "
        "(federated query) is not allowed"
    )


class NotFound(KgError):
    """A named thing (query, graph, resource) that does not exist."""

    http_status = 404


class UnsupportedFormat(KgError):
    """A result format that does not fit the result, e.g. CSV for a CONSTRUCT query."""

    http_status = 406


class BuildFailed(KgError):
    """The inputs load but do not make a good build: an inconsistency or a shape violation.

    `details` are the lines that say what is wrong, for the CLI to show before the message;
    `kept`, what became of the last good build, follows the `reason` in the message.
    """

    exit_code = 1
    http_status = 500

    def __init__(self, reason: str, details: tuple[str, ...] = (), kept: str = "") -> None:
        super().__init__(f"{reason}; {kept}" if kept else reason)
        self.reason = reason
        self.details = details


class UnsupportedConstruct(KgError):
    """The input uses an OWL construct that the fast reasoner does not implement."""


class QueryTimeout(KgError):
    """The query ran past the time limit and its worker was stopped."""

    http_status = 503


class QueryTooBig(KgError):
    """The query needed more memory than a query may use, and its worker was stopped."""

    http_status = 503


class EndpointBusy(KgError):
    """No query worker came free in time."""

    http_status = 503


class WorkerFailure(KgError):
    """A query worker failed for a reason that is not the query's; the detail is in the log."""

    # The server's trouble, and likely passing: the next request gets a fresh worker.
    http_status = 503


class SandboxUnavailable(KgError):
    """The sandbox asked for cannot be applied here: no user SPARQL may be evaluated."""

    http_status = 503


class SandboxedProcessDied(KgError):
    """The sandboxed child ended without an answer."""

    http_status = 503
