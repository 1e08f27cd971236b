"""Tests for forktool.upstream.pypi against a real HTTP index on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forktool.errors import SourceError
from forktool.model import FileEntry, Release
from forktool.upstream import archive, pypi
from tests.indexserver import IndexServer, build_sdist

FILES: dict[str, bytes | str] = {
    "pyproject.toml": '[project]\nname = "Flask"\n',
    "src/flask/app.py": "class Flask: ...\n",
}


@pytest.fixture
def index() -> Iterator[IndexServer]:
    with IndexServer() as server:
        yield server


@pytest.fixture(autouse=True)
def no_retry_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pypi, "RETRY_DELAY", 0.0)


def raises_one_line(call: object, *args: object, **kwargs: object) -> SourceError:
    """Call and return the SourceError raised; its message and hint must be one line each."""
    assert callable(call)
    with pytest.raises(SourceError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert error.message and "\n" not in error.message
    assert error.hint and "\n" not in error.hint
    return error


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- listing -------------------------------------------------------------------------------


def test_lists_versions_sorted_as_versions(index: IndexServer) -> None:
    for version in ["1.10.0", "1.2.0", "1.9.1", "2.0"]:
        index.add_release("flask", version, FILES)
    releases = pypi.list_releases(index.url, "flask")
    assert [r.version for r in releases] == ["1.2.0", "1.9.1", "1.10.0", "2.0"]


def test_release_fields_come_from_the_sdist(index: IndexServer) -> None:
    sha = index.add_release("Flask", "3.1.3", FILES, date="2025-05-13T15:53:19.987531Z")
    (release,) = pypi.list_releases(index.url + "/", "Flask")
    assert release == Release(
        version="3.1.3",
        url=f"{index.files_url}/flask/Flask-3.1.3.tar.gz",
        sha256=sha,
        date=datetime(2025, 5, 13, 15, 53, 19, 987531, tzinfo=UTC),
    )
    assert release.date is not None and release.date.utcoffset() is not None


def test_project_name_is_normalized(index: IndexServer) -> None:
    index.add_release("my_project", "1.0", FILES)
    assert [r.version for r in pypi.list_releases(index.url, "My.Project")] == ["1.0"]


def test_naive_upload_time_is_utc(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES, date="2024-02-03T04:05:06")
    (release,) = pypi.list_releases(index.url, "p")
    assert release.date == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_skips_yanked_invalid_and_sdistless_versions(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES)
    index.add_release("p", "1.1", FILES, yanked=True)
    index.add_release("p", "not-a-version", FILES)
    index.add_raw_file("p", "1.2", "p-1.2-py3-none-any.whl", b"wheel", packagetype="bdist_wheel")
    index.add_raw_file("p", "1.3", "p-1.3.rar", b"rar")
    index.add_version("p", "1.4")
    assert [r.version for r in pypi.list_releases(index.url, "p")] == ["1.0"]


def test_prereleases_only_on_request(index: IndexServer) -> None:
    for version in ["1.0", "2.0rc1", "2.0.dev3", "1.1a1"]:
        index.add_release("p", version, FILES)
    assert [r.version for r in pypi.list_releases(index.url, "p")] == ["1.0"]
    with_pre = pypi.list_releases(index.url, "p", include_prereleases=True)
    assert [r.version for r in with_pre] == ["1.0", "1.1a1", "2.0.dev3", "2.0rc1"]


def test_prefers_tar_gz_over_zip(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES, fmt="zip")
    sha = index.add_release("p", "1.0", FILES, fmt="tar.gz")
    (release,) = pypi.list_releases(index.url, "p")
    assert release.url.endswith("/p-1.0.tar.gz") and release.sha256 == sha


def test_falls_back_to_zip_and_unyanked_file(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES, fmt="tar.gz", yanked=True)
    index.add_release("p", "1.0", FILES, fmt="zip")
    (release,) = pypi.list_releases(index.url, "p")
    assert release.url.endswith("/p-1.0.zip")


# -- listing errors ------------------------------------------------------------------------


def test_unreachable_index() -> None:
    url = f"http://127.0.0.1:{closed_port()}/pypi"
    error = raises_one_line(pypi.list_releases, url, "flask")
    assert error.message.startswith(f"cannot reach the package index at {url}")
    assert "index URL" in error.hint


def test_unknown_project_is_404(index: IndexServer) -> None:
    index.add_release("flask", "1.0", FILES)
    error = raises_one_line(pypi.list_releases, index.url, "no-such-project")
    assert "'no-such-project' was not found" in error.message


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        b"\xff\xfe",
        b"[]",
        b'{"info": {}}',
        b'{"releases": {"1.0": {}}}',
        b'{"releases": {"1.0": [{"packagetype": "sdist"}]}}',
        b'{"releases": {"1.0": [{"packagetype": "sdist", "url": "x.tar.gz",'
        b' "digests": {"sha256": "nothex"}}]}}',
    ],
)
def test_malformed_json(index: IndexServer, body: bytes) -> None:
    index.set_raw_json("p", body)
    error = raises_one_line(pypi.list_releases, index.url, "p")
    assert "malformed JSON" in error.message


def test_non_http_index_url() -> None:
    error = raises_one_line(pypi.list_releases, "file:///etc", "p")
    assert "not an http(s) URL" in error.message


# -- finding one version -------------------------------------------------------------------


def test_find_release(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES)
    sha = index.add_release("p", "2.0rc1", FILES)
    release = pypi.find_release(index.url, "p", "2.0rc1")
    assert release.version == "2.0rc1" and release.sha256 == sha
    assert pypi.find_release(index.url, "p", "1.0.0").version == "1.0"


def test_find_release_without_sdist(index: IndexServer) -> None:
    index.add_raw_file("p", "1.0", "p-1.0-py3-none-any.whl", b"w", packagetype="bdist_wheel")
    error = raises_one_line(pypi.find_release, index.url, "p", "1.0")
    assert "has no sdist" in error.message


def test_find_release_yanked_missing_and_bad_version(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES, yanked=True)
    assert "yanked" in raises_one_line(pypi.find_release, index.url, "p", "1.0").message
    assert "is not on" in raises_one_line(pypi.find_release, index.url, "p", "9.9").message
    assert "not a version" in raises_one_line(pypi.find_release, index.url, "p", "x y").message


# -- fetching ------------------------------------------------------------------------------


def test_fetch_release_verifies_and_reads_the_sdist(index: IndexServer) -> None:
    index.add_release("flask", "3.1.3", {**FILES, "bin/tool": "#!"}, executable={"bin/tool"})
    (release,) = pypi.list_releases(index.url, "flask")
    tree = pypi.fetch_release(release)
    assert tree == {
        "bin/tool": FileEntry(b"#!", executable=True),
        "pyproject.toml": FileEntry(b'[project]\nname = "Flask"\n'),
        "src/flask/app.py": FileEntry(b"class Flask: ...\n"),
    }


def test_fetch_release_zip(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES, fmt="zip")
    (release,) = pypi.list_releases(index.url, "p")
    assert set(pypi.fetch_release(release)) == set(FILES)


def test_sha256_mismatch_names_both_digests(index: IndexServer, tmp_path: Path) -> None:
    data = build_sdist("p-1.0", FILES)
    actual = hashlib.sha256(data).hexdigest()
    index.add_raw_file("p", "1.0", "p-1.0.tar.gz", data, sha256="ab" * 32)
    (release,) = pypi.list_releases(index.url, "p")
    error = raises_one_line(pypi.fetch_release, release, tmp_path / "cache")
    assert "sha256 mismatch" in error.message
    assert "ab" * 32 in error.message and actual in error.message
    assert not (tmp_path / "cache" / ("ab" * 32)).exists()


def test_release_without_sha256_is_refused(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES)
    (release,) = pypi.list_releases(index.url, "p")
    error = raises_one_line(pypi.fetch_release, replace(release, sha256=None))
    assert "no sha256" in error.message
    error = raises_one_line(pypi.fetch_release, replace(release, sha256="../../etc/passwd"))
    assert "malformed sha256" in error.message


def test_non_http_sdist_url_is_refused() -> None:
    release = Release("1.0", "file:///etc/passwd.tar.gz", sha256="ab" * 32)
    assert "not an http(s) URL" in raises_one_line(pypi.fetch_release, release).message


def test_unsafe_sdist_is_refused_after_verification(index: IndexServer) -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(tarfile.TarInfo("p-1.0/../../evil"))
    index.add_raw_file("p", "1.0", "p-1.0.tar.gz", buffer.getvalue())
    (release,) = pypi.list_releases(index.url, "p")
    assert "unsafe archive" in raises_one_line(pypi.fetch_release, release).message


def test_download_404(index: IndexServer) -> None:
    release = Release("1.0", f"{index.files_url}/p/missing.tar.gz", sha256="ab" * 32)
    error = raises_one_line(pypi.fetch_release, release)
    assert error.message.startswith("cannot download") and "HTTP 404" in error.message


# Three tries, as docs/bad-input.md says: spelled out, not read from pypi.ATTEMPTS, so that
# a change of the number fails here.


def test_cut_download_is_retried(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES)
    index.cut_downloads("p", "p-1.0.tar.gz", times=2)
    (release,) = pypi.list_releases(index.url, "p")
    assert set(pypi.fetch_release(release)) == set(FILES)
    assert index.downloads("p", "p-1.0.tar.gz") == 3


def test_download_cut_every_time_fails(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES)
    index.cut_downloads("p", "p-1.0.tar.gz", times=3)
    (release,) = pypi.list_releases(index.url, "p")
    error = raises_one_line(pypi.fetch_release, release)
    assert error.message.startswith(f"cannot download {release.url}: ")
    assert ": the transfer was cut short 3 times (" in error.message
    assert index.downloads("p", "p-1.0.tar.gz") == 3


def test_gateway_errors_are_retried_others_not(index: IndexServer) -> None:
    index.add_release("p", "1.0", FILES)
    (release,) = pypi.list_releases(index.url, "p")
    index.fail_downloads("p", "p-1.0.tar.gz", 503, times=2)
    assert set(pypi.fetch_release(release)) == set(FILES)
    index.fail_downloads("p", "p-1.0.tar.gz", 403, times=1)
    assert "HTTP 403" in raises_one_line(pypi.fetch_release, release).message
    assert index.downloads("p", "p-1.0.tar.gz") == 4


def test_download_size_is_bounded(index: IndexServer, monkeypatch: pytest.MonkeyPatch) -> None:
    index.add_release("p", "1.0", {"big": os.urandom(4096)})  # incompressible
    (release,) = pypi.list_releases(index.url, "p")
    monkeypatch.setattr(archive, "MAX_TOTAL_SIZE", 1000)
    assert "larger than 1000 bytes" in raises_one_line(pypi.fetch_release, release).message


# -- the cache -----------------------------------------------------------------------------


def test_cache_hit_needs_no_download(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with IndexServer() as index:
        sha = index.add_release("p", "1.0", FILES)
        (release,) = pypi.list_releases(index.url, "p")
        first = pypi.fetch_release(release, cache)
        assert index.downloads("p", "p-1.0.tar.gz") == 1
    assert (cache / sha).is_file()
    assert not [p for p in cache.iterdir() if p.name != sha]  # no temp files left
    # The server is gone: only the cache can answer.
    assert pypi.fetch_release(release, cache) == first


def test_damaged_cache_file_is_downloaded_again(index: IndexServer, tmp_path: Path) -> None:
    sha = index.add_release("p", "1.0", FILES)
    (release,) = pypi.list_releases(index.url, "p")
    tmp_path.joinpath(sha).write_bytes(b"damaged")
    assert set(pypi.fetch_release(release, tmp_path)) == set(FILES)
    assert index.downloads("p", "p-1.0.tar.gz") == 1
    assert hashlib.sha256(tmp_path.joinpath(sha).read_bytes()).hexdigest() == sha


def test_unwritable_cache_does_not_fail_the_fetch(index: IndexServer, tmp_path: Path) -> None:
    index.add_release("p", "1.0", FILES)
    (release,) = pypi.list_releases(index.url, "p")
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    assert set(pypi.fetch_release(release, blocker / "cache")) == set(FILES)


# -- credentials in the index URL ----------------------------------------------------------

USER, PASSWORD = "alice", "s3cr3t-t0ken"


@pytest.fixture
def private() -> Iterator[IndexServer]:
    """An index that answers 401 to every request without alice's credentials."""
    with IndexServer(credentials=(USER, PASSWORD)) as server:
        server.add_release("flask", "3.1.3", FILES)
        yield server


def with_credentials(url: str, user: str = USER, password: str = PASSWORD) -> str:
    return url.replace("http://", f"http://{user}:{password}@", 1)


def test_credentials_in_the_index_url_authenticate_listing_and_download(
    private: IndexServer, tmp_path: Path
) -> None:
    index_url = with_credentials(private.url)

    (release,) = pypi.list_releases(index_url, "flask")
    tree = pypi.fetch_release(release, tmp_path / "cache", index_url=index_url)

    assert "src/flask/app.py" in tree
    assert PASSWORD not in release.url and "@" not in release.url
    assert private.requests == ["/pypi/flask/json", "/files/flask/flask-3.1.3.tar.gz"]
    assert set(private.authorizations) == {"Basic YWxpY2U6czNjcjN0LXQwa2Vu"}  # alice:s3cr3t-t0ken


def test_percent_encoded_credentials_are_decoded(tmp_path: Path) -> None:
    with IndexServer(credentials=("me@corp", "p@ss:w/rd")) as server:
        server.add_release("flask", "3.1.3", FILES)
        index_url = server.url.replace("http://", "http://me%40corp:p%40ss%3Aw%2Frd@")

        (release,) = pypi.list_releases(index_url, "flask")
        pypi.fetch_release(release, index_url=index_url)

    assert len(server.requests) == 2


def test_an_index_that_wants_credentials_says_so_without_a_password_in_sight(
    private: IndexServer,
) -> None:
    missing = raises_one_line(pypi.list_releases, private.url, "flask")
    wrong_url = with_credentials(private.url, password="wrong-password")
    wrong = raises_one_line(pypi.find_release, wrong_url, "flask", "3.1.3")

    assert missing.message == (
        f"the package index at {private.url} needs credentials (HTTP 401 Unauthorized)"
    )
    assert "https://USER:PASSWORD@host/" in missing.hint
    assert wrong.message == (
        f"the package index at {with_credentials(private.url, password='****')} refused the "
        "credentials of user 'alice' (HTTP 401 Unauthorized)"
    )
    assert "wrong-password" not in str(wrong)


def test_a_download_without_the_index_credentials_is_refused(private: IndexServer) -> None:
    (release,) = pypi.list_releases(with_credentials(private.url), "flask")

    error = raises_one_line(pypi.fetch_release, release)

    assert error.message.startswith(f"the download of {release.url} needs credentials")


def test_the_environment_gives_credentials_for_an_index_named_without_them(
    private: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORKTOOL_INDEX", with_credentials(private.url))

    (release,) = pypi.list_releases(private.url, "flask")
    pypi.fetch_release(release, index_url=private.url)

    assert private.authorizations.count(None) == 0 and len(private.authorizations) == 2


def test_credentials_go_to_the_index_host_only(private: IndexServer) -> None:
    """An sdist the index lists on another host, or redirects to one, is fetched without
    the index's credentials."""
    with IndexServer() as elsewhere:
        data = build_sdist("flask-3.2.0", FILES)
        elsewhere.add_raw_file("flask", "3.2.0", "flask-3.2.0.tar.gz", data)
        private.add_raw_file(
            "flask", "3.2.0", "flask-3.2.0.tar.gz", data, files_url=elsewhere.files_url
        )
        index_url = with_credentials(private.url)
        listed = pypi.find_release(index_url, "flask", "3.2.0")
        pypi.fetch_release(listed, index_url=index_url)
        private.redirect_downloads(elsewhere.files_url)
        redirected = pypi.find_release(index_url, "flask", "3.1.3")
        elsewhere.add_raw_file(
            "flask", "3.1.3", "flask-3.1.3.tar.gz", build_sdist("flask-3.1.3", FILES)
        )
        pypi.fetch_release(redirected, index_url=index_url)

    assert elsewhere.requests == [
        "/files/flask/flask-3.2.0.tar.gz",
        "/files/flask/flask-3.1.3.tar.gz",
    ]
    assert elsewhere.authorizations == [None, None]
    assert private.requests[-1] == "/files/flask/flask-3.1.3.tar.gz"  # the redirect, with auth
    assert private.authorizations[-1] is not None
