"""A package index on 127.0.0.1 for tests: PyPI's JSON API plus the files it lists.

Not a test module. Use it as a context manager or through the :func:`index_server` fixture::

    with IndexServer() as index:
        sha = index.add_release("flask", "3.1.3", {"src/flask/__init__.py": "x = 1\\n"})
        releases = pypi.list_releases(index.url, "flask")

It serves ``GET /pypi/<project>/json`` (404 for unknown projects) in PyPI's format,
``GET /simple/<project>/`` (PEP 503's simple API: one link per file with its
``#sha256=``, so pip installs from it: ``--index-url http://127.0.0.1:<port>/simple``)
and ``GET /files/<project>/<filename>``; wheels are published with
:meth:`IndexServer.add_wheel`. It can also serve a broken JSON document
(:meth:`IndexServer.set_raw_json`), cut downloads short (:meth:`IndexServer.cut_downloads`),
fail them with an HTTP status (:meth:`IndexServer.fail_downloads`) and redirect them
elsewhere (:meth:`IndexServer.redirect_downloads`). Given ``credentials``, it answers 401
to every request without them (HTTP basic auth), as a private index does. Every request
path is recorded in :attr:`IndexServer.requests`, its ``Authorization`` header in
:attr:`IndexServer.authorizations`.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import json
import re
import tarfile
import threading
import zipfile
from collections.abc import Collection, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest


def normalize(project: str) -> str:
    """PEP 503 normalized project name, as the index URLs use it."""
    return re.sub(r"[-_.]+", "-", project).lower()


def build_sdist(
    top: str,
    files: Mapping[str, bytes | str],
    *,
    fmt: str = "tar.gz",
    executable: Collection[str] = (),
) -> bytes:
    """An archive in memory whose members are ``{top}/{path}``.

    Args:
        top: the top-level directory, e.g. ``flask-3.1.3``.
        files: relative path -> content (``str`` is encoded as UTF-8).
        fmt: ``tar.gz``, ``tgz``, ``tar.bz2``, ``tar.xz``, ``tar`` or ``zip``.
        executable: paths (keys of ``files``) given mode 0o755 instead of 0o644.
    """
    blobs = {path: d.encode() if isinstance(d, str) else d for path, d in files.items()}
    buffer = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, data in blobs.items():
                entry = zipfile.ZipInfo(f"{top}/{path}", date_time=(2024, 1, 1, 0, 0, 0))
                entry.create_system = 3  # Unix, so the mode below is honoured
                entry.external_attr = (0o100755 if path in executable else 0o100644) << 16
                archive.writestr(entry, data)
        return buffer.getvalue()
    mode = {"tar.gz": "w", "tgz": "w", "tar.bz2": "w:bz2", "tar.xz": "w:xz", "tar": "w"}
    # gzip's header holds a time: mtime=0, so the same files give the same bytes
    # (tests build a release twice and compare sha256s, seconds apart)
    gz = gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) if fmt in ("tar.gz", "tgz") else None
    with (
        gz or contextlib.nullcontext(),
        tarfile.open(fileobj=gz or buffer, mode=mode[fmt]) as archive,  # type: ignore[call-overload]
    ):
        directory = tarfile.TarInfo(top)
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        archive.addfile(directory)
        for path, data in blobs.items():
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            info.mode = 0o755 if path in executable else 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class IndexServer:
    """A threaded HTTP package index on 127.0.0.1 (a free port), for one test.

    Args:
        credentials: ``(user, password)`` every request must carry as HTTP basic auth;
            requests without them (or with others) get 401. None: no authentication.

    Attributes:
        url: the JSON API root to pass as ``index_url``, ``http://127.0.0.1:<port>/pypi``.
        files_url: where files are served, ``http://127.0.0.1:<port>/files``.
        requests: every request path served, in order (guarded by a lock; read it after
            the requests you care about have finished).
        authorizations: the ``Authorization`` header of each of ``requests`` (None: none).
    """

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self._expected_auth = (
            "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
            if credentials
            else None
        )
        self._redirect: str | None = None
        self.authorizations: list[str | None] = []
        self._lock = threading.Lock()
        self._projects: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._raw_json: dict[str, bytes] = {}
        self._files: dict[str, bytes] = {}
        self._cuts: dict[str, int] = {}
        self._failures: dict[str, tuple[int, int]] = {}
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.files_url = ""

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> IndexServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.index = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps shutdown() (which waits for the next poll) fast.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        host, port = server.server_address[:2]
        assert isinstance(host, str)
        self.url = f"http://{host}:{port}/pypi"
        self.files_url = f"http://{host}:{port}/files"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving; the port refuses connections afterwards."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # -- content -----------------------------------------------------------------------

    def add_release(
        self,
        project: str,
        version: str,
        files: Mapping[str, bytes | str],
        *,
        date: str = "2024-01-01T00:00:00Z",
        fmt: str = "tar.gz",
        yanked: bool = False,
        executable: Collection[str] = (),
        files_url: str | None = None,
    ) -> str:
        """Publish an sdist ``{project}-{version}.{fmt}`` with top dir ``{project}-{version}/``.

        Args:
            files: path inside the sdist -> content (``str`` is UTF-8 encoded).
            date: the upload time, as the index reports it (ISO 8601).
            fmt: archive format, see :func:`build_sdist`.
            yanked: mark the file yanked.
            executable: paths given mode 0o755.
            files_url: where the index says the sdist is, see :meth:`add_raw_file`.

        Returns:
            the sdist's sha256 hex digest (as listed by the index).
        """
        top = f"{project}-{version}"
        data = build_sdist(top, files, fmt=fmt, executable=executable)
        sha256 = hashlib.sha256(data).hexdigest()
        self.add_raw_file(
            project,
            version,
            f"{top}.{fmt}",
            data,
            sha256=sha256,
            date=date,
            yanked=yanked,
            files_url=files_url,
        )
        return sha256

    def add_raw_file(
        self,
        project: str,
        version: str,
        filename: str,
        data: bytes,
        *,
        sha256: str | None = None,
        packagetype: str = "sdist",
        date: str = "2024-01-01T00:00:00Z",
        yanked: bool = False,
        files_url: str | None = None,
    ) -> None:
        """Publish ``data`` as a file of ``project`` ``version``, exactly as given.

        Args:
            sha256: the digest the index lists; defaults to the real one (pass another to
                simulate a mismatch).
            packagetype: ``sdist``, ``bdist_wheel``, ...
            files_url: where the index says the file is (default: :attr:`files_url`;
                another server's, to list files hosted elsewhere).
        """
        name = normalize(project)
        digest = sha256 if sha256 is not None else hashlib.sha256(data).hexdigest()
        entry = {
            "filename": filename,
            "packagetype": packagetype,
            "url": f"{files_url or self.files_url}/{name}/{filename}",
            "digests": {"sha256": digest, "md5": hashlib.md5(data).hexdigest()},
            "size": len(data),
            "upload_time": date.removesuffix("Z")[:19],
            "upload_time_iso_8601": date,
            "yanked": yanked,
            "yanked_reason": "broken" if yanked else None,
            "requires_python": None,
        }
        with self._lock:
            self._projects.setdefault(name, {}).setdefault(version, []).append(entry)
            self._files[f"/files/{name}/{filename}"] = data

    def add_wheel(self, project: str, version: str, filename: str, data: bytes) -> None:
        """Publish a wheel (``packagetype`` ``bdist_wheel``): pip finds it through the
        simple API; forktool's release listing ignores it."""
        self.add_raw_file(project, version, filename, data, packagetype="bdist_wheel")

    def add_version(self, project: str, version: str) -> None:
        """List ``version`` with no files at all (PyPI keeps such empty versions)."""
        with self._lock:
            self._projects.setdefault(normalize(project), {}).setdefault(version, [])

    def set_raw_json(self, project: str, body: bytes) -> None:
        """Answer ``/pypi/<project>/json`` with ``body`` verbatim (to test malformed JSON)."""
        with self._lock:
            self._raw_json[normalize(project)] = body

    def cut_downloads(self, project: str, filename: str, times: int = 1) -> None:
        """Cut the next ``times`` downloads of a file after half its bytes.

        The response announces the full Content-Length, sends half, and closes.
        """
        with self._lock:
            self._cuts[f"/files/{normalize(project)}/{filename}"] = times

    def fail_downloads(self, project: str, filename: str, status: int, times: int = 1) -> None:
        """Answer the next ``times`` downloads of a file with HTTP ``status`` instead."""
        with self._lock:
            self._failures[f"/files/{normalize(project)}/{filename}"] = (status, times)

    def redirect_downloads(self, to: str) -> None:
        """Answer every ``/files/...`` request with a 302 to ``to`` + the same path below
        ``/files`` (e.g. another server's :attr:`files_url`)."""
        with self._lock:
            self._redirect = to

    def downloads(self, project: str, filename: str) -> int:
        """How many times the file was requested so far (cut requests included)."""
        path = f"/files/{normalize(project)}/{filename}"
        with self._lock:
            return self.requests.count(path)

    # -- serving (called from the handler threads) --------------------------------------

    def _respond(self, path: str, authorization: str | None) -> tuple[int, bytes, bool]:
        """(status, body, cut) for a GET of ``path``; a 302's body is its Location."""
        with self._lock:
            self.requests.append(path)
            self.authorizations.append(authorization)
            if self._expected_auth is not None and authorization != self._expected_auth:
                return 401, b"Unauthorized", False
            if self._redirect is not None and path.startswith("/files/"):
                return 302, (self._redirect + path.removeprefix("/files")).encode(), False
            match = re.fullmatch(r"/pypi/([^/]+)/json/?", path)
            if match:
                name = normalize(match.group(1))
                if name in self._raw_json:
                    return 200, self._raw_json[name], False
                if name not in self._projects:
                    return 404, b'{"message": "Not Found"}', False
                return 200, self._project_json(name), False
            simple = re.fullmatch(r"/simple/([^/]+)/?", path)
            if simple:
                name = normalize(simple.group(1))
                if name not in self._projects:
                    return 404, b"not found", False
                return 200, self._simple_page(name), False
            status, times = self._failures.get(path, (200, 0))
            if times > 0:
                self._failures[path] = (status, times - 1)
                return status, b"failing on purpose", False
            if path in self._files:
                cut = self._cuts.get(path, 0) > 0
                if cut:
                    self._cuts[path] -= 1
                return 200, self._files[path], cut
            return 404, b"not found", False

    def _simple_page(self, name: str) -> bytes:
        """PEP 503's page of one project: a link to each file, with its sha256."""
        links = "".join(
            f'<a href="{entry["url"]}#sha256={entry["digests"]["sha256"]}">{entry["filename"]}</a>'
            "<br/>\n"
            for files in self._projects[name].values()
            for entry in files
            if not entry["yanked"]
        )
        return f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()

    def _project_json(self, name: str) -> bytes:
        releases = self._projects[name]
        latest = list(releases)[-1] if releases else None
        document = {
            "info": {"name": name, "version": latest},
            "releases": releases,
            "urls": releases.get(latest, []) if latest else [],
        }
        return json.dumps(document).encode()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        index: IndexServer = self.server.index  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        status, body, cut = index._respond(path, self.headers.get("Authorization"))
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="test index"')
        if status == 302:
            self.send_header("Location", body.decode())
            body = b""
        is_json = self.path.endswith("/json") or self.path.endswith("/json/")
        kind = "application/json" if is_json else "application/octet-stream"
        if self.path.startswith("/simple/"):
            kind = "text/html"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut:
            # Half the promised bytes, then the connection closes (HTTP/1.0).
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        pass  # keep test output clean


@pytest.fixture
def index_server() -> Iterator[IndexServer]:
    """A running :class:`IndexServer`, stopped after the test."""
    with IndexServer() as server:
        yield server
