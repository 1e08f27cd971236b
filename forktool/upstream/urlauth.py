"""Credentials in URLs, as pip takes them: ``https://USER:PASSWORD@host/path``.

A package index URL may carry a user and a password (or a token: ``https://TOKEN@host``),
percent-encoded where needed. :func:`split` takes them off the URL, for HTTP basic auth on
the requests to that index; :func:`redact` is the one function that makes any text safe
to show, print, log or store: every password in it becomes ``****``, as pip's
``redact_auth_from_url`` does (``https://user:****@host``; a lone token: ``https://****@host``).
Every message, status line, JSON document and file forktool writes shows an index URL only
through :func:`redact`.

This module imports nothing else from the package.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from dataclasses import dataclass

#: ``scheme://userinfo@`` at the start of a URL's authority (the last ``@`` before the
#: path counts, as pip splits it, so an unencoded ``@`` in a password is covered too).
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")


@dataclass(frozen=True)
class Credentials:
    """A user and a password for HTTP basic auth, valid for one origin.

    Attributes:
        user: the user name (percent-decoded); for a lone token, the token.
        password: the password (percent-decoded), "" for a lone token.
        origin: ``(scheme, host, port)`` of the URL they came with; they are sent only
            to URLs of the same origin (:meth:`applies_to`).
    """

    user: str
    password: str
    origin: tuple[str, str, int | None]

    def header(self) -> str:
        """The ``Authorization`` header value: ``Basic base64(user:password)``."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"

    def applies_to(self, url: str) -> bool:
        """True when ``url`` has the same scheme, host and port as the credentials' URL."""
        return origin(url) == self.origin

    def __repr__(self) -> str:  # never show the password, even in a traceback
        return f"Credentials(user={self.user!r}, password='****', origin={self.origin!r})"


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``****``.

    ``https://user:token@host/x`` becomes ``https://user:****@host/x``; a URL with only
    a user part (``https://token@host/x``, a token) becomes ``https://****@host/x``;
    URLs without credentials and all other text are unchanged.

    Args:
        text: a URL, or any text containing URLs (an error message, a status line).
    """

    def hide(match: re.Match[str]) -> str:
        user, sep, _password = match.group("userinfo").partition(":")
        shown = f"{user}:****" if sep else "****"
        return f"{match.group('scheme')}{shown}@"

    return _USERINFO.sub(hide, text)


def split(url: str) -> tuple[str, Credentials | None]:
    """``url`` without its ``user:password@`` part, and those credentials (None: none).

    Raises:
        nothing: a URL urllib cannot split is returned unchanged with None.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url, None
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    credentials = Credentials(
        urllib.parse.unquote(user), urllib.parse.unquote(password), origin(clean)
    )
    return clean, credentials


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, lower-cased, with the scheme's default port
    filled in; ``("", "", None)`` for what is not a URL."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", "", None)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port if port is not None else default)
