"""Golden pairs for ``uv.lock`` (forktool.codemods.packaging.uv_lock)."""

from __future__ import annotations

import textwrap

from forktool.codemods.packaging.uv_lock import rename_uv_lock

from .maps import FLASK

LOCK = """\
version = 1

[[package]]
name = "flask"
version = "3.1.3"
source = { editable = "." }
dependencies = [
    { name = "blinker" },
]

[package.optional-dependencies]
async = [
    { name = "asgiref" },
]

[[package]]
name = "flask-sqlalchemy"
version = "3.1.1"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "flask" },
]

[[package]]
name = "example"
version = "0.1"
source = { virtual = "examples/app" }
dependencies = [
    { name = "flask", extra = ["async"] },
]

[package.metadata]
requires-dist = [{ name = "flask", extras = ["async"] }]
"""


def test_local_project_and_references_to_it_are_renamed() -> None:
    new = rename_uv_lock(LOCK, FLASK)
    assert new == LOCK.replace('name = "flask"', 'name = "framework"')


def test_registry_package_of_the_same_name_stays() -> None:
    lock = textwrap.dedent(
        """\
        [[package]]
        name = "flask"
        version = "3.1.3"
        source = { registry = "https://pypi.org/simple" }
        """
    )
    assert rename_uv_lock(lock, FLASK) is lock
