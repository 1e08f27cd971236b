"""forktool.upstream.urlauth: credentials split off index URLs, and redacted wherever shown."""

from __future__ import annotations

import pytest

from forktool.upstream.urlauth import redact, split


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://alice:tok3n@host/pypi", "https://alice:****@host/pypi"),
        ("https://tok3n@host:8443/pypi", "https://****@host:8443/pypi"),
        ("https://alice:@host/", "https://alice:****@host/"),
        ("https://alice:p@ss@host/x", "https://alice:****@host/x"),  # unencoded @, as pip
        ("https://host/pypi", "https://host/pypi"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        (
            "cannot reach the package index at http://a:b@h/p: refused; see http://h/x?u=a@b",
            "cannot reach the package index at http://a:****@h/p: refused; see http://h/x?u=a@b",
        ),
        ("mailto-like a@b and http://h/", "mailto-like a@b and http://h/"),
    ],
)
def test_redact_hides_every_password(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_split_takes_credentials_off_and_decodes_them() -> None:
    clean, credentials = split("https://me%40corp:p%3Ass@Index.Example:443/pypi/")

    assert clean == "https://Index.Example:443/pypi/"
    assert credentials is not None
    assert (credentials.user, credentials.password) == ("me@corp", "p:ss")
    assert credentials.applies_to("https://index.example/files/x.tar.gz")
    assert not credentials.applies_to("http://index.example/files/x.tar.gz")
    assert not credentials.applies_to("https://cdn.example/files/x.tar.gz")
    assert "p:ss" not in repr(credentials)
    assert split("https://index.example/pypi") == ("https://index.example/pypi", None)
