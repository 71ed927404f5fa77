"""HTTP to a remote SPARQL store: one session per process, credentials from ~/.netrc, kg's errors.

requests, not the standard library: it keeps connections alive between requests (a served query
costs one round trip, not a TCP handshake more), reads ~/.netrc exactly as curl does (and the file
the NETRC variable names), and does digest authentication with nonce reuse. Credentials never come
from the command line. No credentials are sent until the server asks: its 401 challenge
(WWW-Authenticate) says whether basic or digest, as `curl --anyauth --netrc` does. Before the first
request with a body, a HEAD (which changes nothing) asks for that challenge, so that the body goes
out once, with credentials: Virtuoso answers a body sent without them 401 and resets the connection
before reading it (seen from ~300 KB). Once it has answered a challenge, requests' digest sends
Authorization up front on the next requests, as basic does.
"""

import os
from collections.abc import Mapping
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from requests.utils import NETRC_FILES, get_netrc_auth

from kg.errors import KgError, one_line

_CONNECT_TIMEOUT = 5.0


class RemoteUnreachable(KgError):
    """The remote store does not answer, or refuses our credentials."""

    http_status = 503


class RemoteFailed(KgError):
    """The remote store answered with an error status."""

    http_status = 503

    def __init__(self, message: str, status: int, remote_message: str) -> None:
        super().__init__(message)
        self.status = status
        self.remote_message = remote_message


class RemoteClient:
    """Requests to one remote store; authenticates on the first 401 and then keeps doing so."""

    def __init__(self) -> None:
        self._pid = -1
        self._session = requests.Session()
        self._auth: AuthBase | None = None
        self._challenged = False  # a HEAD has asked whether the store wants credentials

    def request(
        self, method: str, url: str, *, timeout: float, stream: bool = False,
        data: bytes | Mapping[str, object] | None = None, headers: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
    ) -> requests.Response:
        """The response of a 2xx status; RemoteUnreachable or RemoteFailed otherwise."""
        if os.getpid() != self._pid:  # forked: the parent's pooled connections are not ours
            self._pid, self._session = os.getpid(), requests.Session()
            self._session.trust_env = False  # no implicit preemptive basic auth from .netrc
        try:
            if isinstance(data, bytes) and not self._challenged:
                self._challenged = True
                probe = self._send("HEAD", url, params=params, timeout=timeout)
                if probe.status_code == 401:
                    raise _refused(url)
            response = self._send(
                method, url, data=data, headers=headers, params=params, timeout=timeout, stream=stream,
            )
        except requests.Timeout:
            raise
        except requests.RequestException as err:
            raise RemoteUnreachable(f"{url}: unreachable: {one_line(str(err))[:200]}") from err
        if response.status_code == 401:
            raise _refused(url)
        if response.status_code >= 300:
            first = "" if _is_html(response) else first_line(response.text)
            status = f"{url}: {response.status_code} {response.reason}"
            raise RemoteFailed(f"{status}: {first}" if first else status, response.status_code, first)
        return response

    def _send(
        self, method: str, url: str, *, timeout: float, **arguments: Any
    ) -> requests.Response:
        """The response, after credentials if the store asked for them (401) and none were set."""
        response = self._session.request(
            method, url, auth=self._auth, timeout=(_CONNECT_TIMEOUT, timeout), **arguments,
        )
        if response.status_code == 401 and self._auth is None:
            self._auth = _auth_for(url, response.headers.get("WWW-Authenticate", ""))
            response = self._session.request(
                method, url, auth=self._auth, timeout=(_CONNECT_TIMEOUT, timeout), **arguments,
            )
        return response


def _refused(url: str) -> RemoteUnreachable:
    return RemoteUnreachable(f"{url}: 401 Unauthorized: the credentials in {_netrc_file()} were refused")


def _netrc_file() -> str:
    """The netrc file requests reads credentials from, as named to the user: $NETRC, else the
    first of ~/.netrc and ~/_netrc that exists (~/.netrc if neither does)."""
    named = os.environ.get("NETRC")
    if named is not None:
        return named
    found = (f"~/{name}" for name in NETRC_FILES if os.path.exists(os.path.expanduser(f"~/{name}")))
    return next(found, "~/.netrc")


def _is_html(response: requests.Response) -> bool:
    """An error page for browsers (Virtuoso's): no line of it makes a one-line message."""
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return media_type in ("text/html", "application/xhtml+xml") or response.text.lstrip()[:5].lower() in (
        "<!doc", "<html",
    )


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]


def _auth_for(url: str, challenge: str) -> AuthBase:
    credentials = get_netrc_auth(url, raise_errors=False)
    if credentials is None:
        file = _netrc_file()
        if not os.path.exists(os.path.expanduser(file)):
            raise RemoteUnreachable(f"{url}: 401 Unauthorized, and there is no {file} to read credentials from")
        raise RemoteUnreachable(f"{url}: 401 Unauthorized, and {file} has no credentials for this host")
    if challenge.strip().lower().startswith("digest"):
        return HTTPDigestAuth(*credentials)
    return HTTPBasicAuth(*credentials)
