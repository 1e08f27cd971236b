"""Wheels of installed distributions, for a loopback index that pip installs from offline.

Not a test module. :func:`repack` turns a distribution installed in this test's Python
(pytest, pluggy, ...) back into a wheel from the files its ``RECORD`` lists: what the
extension tests need in their fresh virtual environments, with no network.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import re
import zipfile

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def repack(name: str) -> tuple[str, str, bytes]:
    """(version, wheel file name, wheel bytes) of the installed distribution ``name``
    (pure Python: tagged ``py3-none-any``; files outside site-packages left out)."""
    dist = importlib.metadata.distribution(name)
    stem = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    info = f"{stem}-{dist.version}.dist-info"
    files: dict[str, bytes] = {}
    for entry in dist.files or []:
        path = entry.as_posix()
        if path.startswith("..") or "__pycache__" in path or path.endswith(("RECORD", ".pyc")):
            continue
        if path.endswith("INSTALLER") or path.endswith("direct_url.json"):
            continue
        target = path
        if path.startswith(f"{dist.metadata['Name']}-") or ".dist-info/" in path:
            target = f"{info}/{path.split('/', 1)[1]}"
        files[target] = entry.locate().read_bytes()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for path, data in files.items()
    )
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(path, (2024, 1, 1, 0, 0, 0)), data)
    return dist.version, f"{stem}-{dist.version}-py3-none-any.whl", buffer.getvalue()


def closure(*names: str) -> list[str]:
    """``names`` and every distribution they require (markers evaluated here), installed."""
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.append(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen
