"""The WSGI calling convention (PEP 3333) as types, for the middleware around the Flask app.

(Python 3.11's wsgiref.types has these; kg still runs on 3.10.)
"""

from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
