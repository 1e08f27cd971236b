"""Releases of a package index speaking PyPI's JSON API, and their sdists.

The index is read at ``{index_url}/{project}/json`` (PyPI's format: ``releases`` maps each
version to its files, each with ``packagetype``, ``url``, ``digests.sha256``,
``upload_time_iso_8601`` and ``yanked``). A release is a version with a non-yanked sdist in a
format :mod:`forktool.upstream.archive` reads. Downloads use urllib with TLS verification
on (the default context), a socket timeout, and a few retries when a transfer is cut
short; the sdist's sha256 is checked against the index before anything is unpacked.

Credentials are taken as pip takes them: an index URL ``https://USER:PASSWORD@host/...``
(or, for an index URL without them, ``$FORKTOOL_INDEX`` naming the same host with them)
sends HTTP basic auth on every request to that index's origin (scheme, host and port),
the sdist downloads included, and on no other; a redirect elsewhere drops it. Every
message shows the URL through :func:`forktool.upstream.urlauth.redact` (``user:****@host``).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from forktool import __version__
from forktool.config import INDEX_VARIABLE
from forktool.errors import SourceError
from forktool.model import Release, Tree
from forktool.upstream import archive
from forktool.upstream.urlauth import Credentials, redact, split

#: PyPI's JSON API root; the index URL to use when the fork definition names none.
DEFAULT_INDEX_URL = "https://pypi.org/pypi"
#: Seconds to wait on any single connect or read before giving up.
TIMEOUT = 30.0
#: How many times a GET is tried when cut short (reset, short body, read timeout) or 502-504.
ATTEMPTS = 3
#: Seconds to wait before retry n (multiplied by n).
RETRY_DELAY = 1.0
#: Largest JSON document accepted from the index, in bytes.
MAX_JSON_SIZE = 64 * 1024 * 1024

#: sdist formats in order of preference when a version has several.
_PREFERRED = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024
_USER_AGENT = f"forktool/{__version__}"
_INDEX_HINT = "check the network or the index URL"
#: HTTP statuses that mean "who are you?": the credentials are missing or wrong.
_AUTH_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class _File:
    """One file of a version on the index, as far as forktool cares."""

    url: str
    packagetype: str
    sha256: str | None
    date: datetime | None
    yanked: bool

    @property
    def suffix(self) -> str | None:
        """The archive suffix of the file name in the URL, if forktool reads it."""
        return archive.archive_format(_url_filename(self.url))


class _FetchError(Exception):
    """An HTTP GET failed; ``reason`` is one line, ``status`` the HTTP status if any."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def list_releases(
    index_url: str, project: str, *, include_prereleases: bool = False
) -> list[Release]:
    """List the releases of ``project`` on a PyPI-style index, oldest first.

    Args:
        index_url: the JSON API root, e.g. :data:`DEFAULT_INDEX_URL`
            (``https://pypi.org/pypi``); ``http`` or ``https``; may carry credentials
            (``https://user:password@host/pypi``, see the module doc).
        project: the project name as on the index (normalized for the URL).
        include_prereleases: also list alpha/beta/rc/dev versions.

    Returns:
        one :class:`Release` per version that has a non-yanked sdist, sorted with
        :class:`packaging.version.Version`; versions packaging cannot parse are left out.
        ``url`` and ``sha256`` are the sdist's (``.tar.gz`` preferred over ``.zip``);
        ``date`` is its upload time, timezone-aware UTC (None if the index gives none).

    Raises:
        SourceError: the index cannot be reached, the project is not on it (HTTP 404),
            it wants credentials or refuses them (HTTP 401/403), it answers another HTTP
            error, or its JSON is malformed. Messages show the URL redacted.
    """
    found: list[tuple[Version, Release]] = []
    for text, files in _load_project(index_url, project).items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.is_prerelease and not include_prereleases:
            continue
        sdist = _pick_sdist(files)
        if sdist is not None:
            found.append((version, _release(text, sdist)))
    found.sort(key=lambda pair: pair[0])
    return [release for _, release in found]


def find_release(index_url: str, project: str, version: str) -> Release:
    """The release of one version of ``project``, explaining why when there is none.

    Unlike :func:`list_releases`, pre-releases are found, and a version that exists but
    cannot be used gets its own message (only wheels, yanked, unreadable sdist format).

    Args:
        index_url: the JSON API root, as for :func:`list_releases`.
        project: the project name.
        version: the version wanted, compared as a :class:`~packaging.version.Version`
            (``"3.1"`` finds ``"3.1.0"``).

    Returns:
        the release, as :func:`list_releases` would list it.

    Raises:
        SourceError: everything :func:`list_releases` raises; ``version`` is not a
            version or not on the index; it has no sdist, only yanked ones, or none in a
            format forktool reads.
    """
    try:
        wanted = Version(version)
    except InvalidVersion:
        raise SourceError(f"{version!r} is not a version", "give a version like 3.1.3") from None
    for text, files in _load_project(index_url, project).items():
        if _parse_version(text) != wanted:
            continue
        sdists = [f for f in files if f.packagetype == "sdist"]
        where = f"{project} {text} on the package index at {redact(index_url)}"
        if not sdists:
            raise SourceError(
                f"{where} has no sdist, only built distributions",
                "forktool needs a source archive; take this release from upstream's git instead",
            )
        if all(f.yanked for f in sdists):
            raise SourceError(f"{where} was yanked", "choose another version")
        sdist = _pick_sdist(files)
        if sdist is None:
            names = ", ".join(_url_filename(f.url) for f in sdists)
            raise SourceError(
                f"{where} has no sdist in a format forktool reads (found {names})",
                "take this release from upstream's git instead",
            )
        return _release(text, sdist)
    raise SourceError(
        f"{project} {version} is not on the package index at {redact(index_url)}",
        "check the version number against the project's release history",
    )


def fetch_release(
    release: Release,
    cache_dir: Path | None = None,
    left_out: list[str] | None = None,
    *,
    index_url: str | None = None,
) -> Tree:
    """Download a release's sdist, verify it, and read it into a tree.

    The archive's sha256 must equal ``release.sha256`` before anything is unpacked. With
    ``cache_dir``, a verified archive is kept there as ``<sha256>`` and reused (after
    checking its digest again; a damaged cache file is downloaded afresh). Writing the
    cache is best effort: a read-only cache directory does not fail the fetch.

    Args:
        release: a release from :func:`list_releases` / :func:`find_release`; ``url``
            must be ``http(s)`` and ``sha256`` set.
        cache_dir: directory for verified archives (created if missing), or None.
        left_out: receives the names of members left out (``.git`` components), see
            :func:`forktool.upstream.archive.read_archive`.
        index_url: the index the release was listed by: its credentials (see the module
            doc) are sent with the download when the sdist is on the index's origin.

    Returns:
        the sdist's files below its top-level directory (``flask-3.1.3/`` is stripped),
        as read by :func:`forktool.upstream.archive.read_archive`.

    Raises:
        SourceError: no or malformed sha256 on the release; the download failed (after
            retries for cut transfers); the digest does not match; the archive is unsafe
            or corrupt.
    """
    expected = _expected_sha256(release)
    filename = _url_filename(release.url)
    data = _read_cache(cache_dir, expected)
    if data is None:
        data = _download(release.url, _credentials(index_url) if index_url else None)
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise SourceError(
                f"sha256 mismatch for {filename}: the index says {expected}, "
                f"the download is {actual}",
                "the file changed on the server or in transit; retry, and report it if it persists",
            )
        _write_cache(cache_dir, expected, data)
    return archive.read_archive(data, filename, left_out)


# -- the index -----------------------------------------------------------------------------


def _load_project(index_url: str, project: str) -> dict[str, list[_File]]:
    """Fetch and parse ``{index_url}/{project}/json``: version string -> its files."""
    shown = redact(index_url)
    credentials = _credentials(index_url)
    base = split(index_url)[0].rstrip("/")
    _check_http(base, f"the index URL {shown!r} is not an http(s) URL", "fix the index URL")
    url = f"{base}/{urllib.parse.quote(canonicalize_name(project))}/json"
    try:
        body = _get(url, accept="application/json", max_bytes=MAX_JSON_SIZE, auth=credentials)
    except _FetchError as exc:
        if exc.status == 404:
            raise SourceError(
                f"project {project!r} was not found on the package index at {shown}",
                "check the project name and the index URL",
            ) from None
        if exc.status in _AUTH_STATUSES:
            raise _auth_error(f"the package index at {shown}", exc, credentials) from None
        if exc.status is not None:
            raise SourceError(
                f"the package index at {shown} answered {exc.reason} for {project!r}",
                "try again later, or check the index URL",
            ) from None
        raise SourceError(
            f"cannot reach the package index at {shown}: {exc.reason}", _INDEX_HINT
        ) from None
    try:
        return _parse_project(body, url)
    except (ValueError, TypeError) as exc:
        raise SourceError(
            f"the package index at {shown} sent malformed JSON for {project!r}: {_one_line(exc)}",
            f"check that the index URL points at a PyPI-style JSON API (like {DEFAULT_INDEX_URL})",
        ) from None


def _parse_project(body: bytes, url: str) -> dict[str, list[_File]]:
    """Parse the project JSON; raises ValueError or TypeError when it is malformed."""
    document = _expect(json.loads(body), dict, "the document")
    releases = _expect(document.get("releases"), dict, "'releases'")
    parsed: dict[str, list[_File]] = {}
    for version, files in releases.items():
        parsed[version] = [
            _parse_file(_expect(entry, dict, f"a file of {version}"), url)
            for entry in _expect(files, list, f"'releases' -> {version}")
        ]
    return parsed


def _parse_file(entry: dict[str, Any], base_url: str) -> _File:
    packagetype = _expect(entry.get("packagetype"), str, "'packagetype'")
    # Resolved against the JSON's URL, so an index may give relative file URLs.
    url = urllib.parse.urljoin(base_url, _expect(entry.get("url"), str, "'url'"))
    digest = _expect(entry.get("digests", {}), dict, "'digests'").get("sha256")
    if digest is not None:
        digest = _expect(digest, str, "'sha256'").lower()
        if not _SHA256.match(digest):
            raise ValueError(f"{digest!r} is not a sha256 digest")
    return _File(
        url=url,
        packagetype=packagetype,
        sha256=digest,
        date=_parse_date(entry.get("upload_time_iso_8601") or entry.get("upload_time")),
        yanked=bool(entry.get("yanked")),
    )


_JSON_NAMES: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}


def _expect(value: Any, kind: type, what: str) -> Any:
    """``value`` if it is a ``kind``; else TypeError naming ``what``."""
    if not isinstance(value, kind):
        raise TypeError(f"{what} is not {_JSON_NAMES.get(kind, kind.__name__)}")
    return value


def _parse_date(value: object) -> datetime | None:
    """An ISO 8601 time as timezone-aware UTC; naive times are UTC (PyPI's upload_time)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _pick_sdist(files: list[_File]) -> _File | None:
    """The non-yanked sdist in the most preferred readable format, or None."""
    usable = [f for f in files if f.packagetype == "sdist" and not f.yanked and f.suffix]
    if not usable:
        return None
    return min(usable, key=lambda f: _PREFERRED.index(f.suffix or ""))


def _release(version: str, sdist: _File) -> Release:
    return Release(version=version, url=sdist.url, sha256=sdist.sha256, date=sdist.date)


# -- downloading and the cache -------------------------------------------------------------


def _download(url: str, credentials: Credentials | None) -> bytes:
    """The file at ``url``, with ``credentials`` if it is on their origin (credentials in
    ``url`` itself win)."""
    url, own = split(url)
    credentials = own or credentials
    shown = redact(url)
    _check_http(url, f"the sdist URL {shown!r} is not an http(s) URL", "check the package index")
    try:
        # Compressed size can hardly exceed what read_archive accepts unpacked.
        return _get(url, accept="*/*", max_bytes=archive.MAX_TOTAL_SIZE, auth=credentials)
    except _FetchError as exc:
        if exc.status in _AUTH_STATUSES:
            raise _auth_error(f"the download of {shown}", exc, credentials) from None
        raise SourceError(
            f"cannot download {shown}: {exc.reason}", "check the network and try again"
        ) from None


def _credentials(index_url: str) -> Credentials | None:
    """The credentials for requests to ``index_url``'s origin: those in the URL, else
    those of ``$FORKTOOL_INDEX`` when it names the same origin with credentials (so a
    definition can name the index without its password); None: none."""
    clean, credentials = split(index_url)
    if credentials is not None:
        return credentials
    _, from_environment = split(os.environ.get(INDEX_VARIABLE, "").strip())
    if from_environment is not None and from_environment.applies_to(clean):
        return from_environment
    return None


def _auth_error(what: str, exc: _FetchError, credentials: Credentials | None) -> SourceError:
    """The error for an HTTP 401/403: credentials missing, or refused."""
    if credentials is None:
        return SourceError(
            f"{what} needs credentials ({exc.reason})",
            "give them in the index URL as pip takes them, https://USER:PASSWORD@host/..., "
            f"in [source] index or ${INDEX_VARIABLE}",
        )
    return SourceError(
        f"{what} refused the credentials of user {credentials.user!r} ({exc.reason})",
        f"check the user and password (or token) in the index URL ([source] index or "
        f"${INDEX_VARIABLE})",
    )


def _expected_sha256(release: Release) -> str:
    digest = (release.sha256 or "").lower()
    if not digest:
        raise SourceError(
            f"release {release.version} has no sha256 to verify its sdist against",
            "refusing an unverified download; use an index that publishes sha256 digests",
        )
    if not _SHA256.match(digest):
        raise SourceError(
            f"release {release.version} has a malformed sha256 {release.sha256!r}",
            "check the lock file or the package index",
        )
    return digest


def _read_cache(cache_dir: Path | None, sha256: str) -> bytes | None:
    """The cached archive with this digest, or None (missing, unreadable or damaged)."""
    if cache_dir is None:
        return None
    try:
        data = (cache_dir / sha256).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def _write_cache(cache_dir: Path | None, sha256: str, data: bytes) -> None:
    """Store a verified archive atomically (temp file + rename), ignoring failures."""
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=cache_dir, prefix=f".{sha256}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temp, cache_dir / sha256)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        pass  # the cache only saves a download; the verified data is in hand


# -- HTTP ----------------------------------------------------------------------------------


def _check_http(url: str, message: str, hint: str) -> None:
    # urllib would also open file:, ftp: and data: URLs handed over by an index.
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SourceError(message, hint)


class _ShortBody(Exception):
    """The connection closed before Content-Length bytes arrived."""


#: Failures after the server started answering: the transfer was cut, so try again.
_CUT = (_ShortBody, http.client.IncompleteRead, ConnectionResetError, TimeoutError)
#: Gateway answers a CDN gives while it is briefly unwell: worth another try.
_RETRY_STATUSES = frozenset({502, 503, 504})


def _get(url: str, *, accept: str, max_bytes: int, auth: Credentials | None = None) -> bytes:
    """GET ``url`` and return the body, trying up to :data:`ATTEMPTS` times.

    Retried: transfers cut short and HTTP 502/503/504. Not retried: connection failures
    (refused, DNS, TLS verification) and other HTTP errors. ``auth`` is sent to ``url``
    and to redirects on its origin only.

    Raises:
        _FetchError: with a one-line reason, and the HTTP status for HTTP errors.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _get_once(url, accept=accept, max_bytes=max_bytes, auth=auth)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code not in _RETRY_STATUSES or attempt == ATTEMPTS:
                raise _FetchError(f"HTTP {exc.code} {_one_line(exc.reason)}", exc.code) from None
            time.sleep(RETRY_DELAY * attempt)
        except urllib.error.URLError as exc:
            raise _FetchError(_one_line(exc.reason)) from None
        except _CUT as exc:
            if attempt == ATTEMPTS:
                raise _FetchError(
                    f"the transfer was cut short {ATTEMPTS} times ({_one_line(exc)})"
                ) from None
            time.sleep(RETRY_DELAY * attempt)
        except (OSError, http.client.HTTPException) as exc:
            raise _FetchError(_one_line(exc)) from None
    raise AssertionError("unreachable")


def _get_once(url: str, *, accept: str, max_bytes: int, auth: Credentials | None) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": _USER_AGENT})
    if auth is not None and auth.applies_to(url):
        request.add_unredirected_header("Authorization", auth.header())
    chunks: list[bytes] = []
    received = 0
    opener = urllib.request.build_opener(_Redirects(auth))
    with opener.open(request, timeout=TIMEOUT) as response:
        length = response.headers.get("Content-Length")
        # read(n) does not raise IncompleteRead on a short body; compare with the header.
        while chunk := response.read(_CHUNK):
            received += len(chunk)
            if received > max_bytes:
                raise _FetchError(f"the response is larger than {max_bytes} bytes")
            chunks.append(chunk)
    if length is not None and length.isdigit() and received != int(length):
        raise _ShortBody(f"got {received} of {length} bytes")
    return b"".join(chunks)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirects, sending the credentials again only on their own origin (the
    header is "unredirected": urllib would otherwise copy it to any host)."""

    def __init__(self, auth: Credentials | None) -> None:
        super().__init__()
        self._auth = auth

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and self._auth is not None and self._auth.applies_to(newurl):
            new.add_unredirected_header("Authorization", self._auth.header())
        return new


def _url_filename(url: str) -> str:
    return urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(url).path).name)


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
