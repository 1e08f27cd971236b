"""The benchmark's inputs: sdists from PyPI, downloaded once and cached in the work dir.

Releases are looked up in PyPI's JSON API (``https://pypi.org/pypi/<project>/json``); the
sdist is verified against the sha256 PyPI gives before it is stored as
``<work>/sdists/<file name>``. A cached file whose digest still matches is reused, so only
the first run needs the network for the inputs (``forktool sync`` itself still lists
releases on PyPI).
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX = "https://pypi.org/pypi"
TIMEOUT = 60.0
_USER_AGENT = "forktool-benchmark"


@dataclass(frozen=True)
class Sdist:
    """A downloaded, verified sdist.

    Attributes:
        project: the project name as given (``Django``).
        version: the release (``5.2``).
        path: the archive in the work dir.
        sha256: its sha256, hex (as PyPI lists it).
    """

    project: str
    version: str
    path: Path
    sha256: str


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        data: bytes = response.read()
    return data


def _project_json(project: str, work: Path) -> dict[str, Any]:
    """PyPI's JSON for ``project``, cached as ``<work>/pypi/<project>.json``."""
    cached = work / "pypi" / f"{project.lower()}.json"
    if cached.is_file():
        data: dict[str, Any] = json.loads(cached.read_bytes())
        return data
    url = f"{INDEX}/{urllib.parse.quote(project)}/json"
    raw = _get(url)
    data = json.loads(raw)
    data["_url"] = url
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(data), encoding="utf-8")
    return data


def _sdist_file(project: str, version: str, work: Path) -> dict[str, Any]:
    """PyPI's record of the ``.tar.gz`` sdist of ``project`` ``version``."""
    data = _project_json(project, work)
    files = data.get("releases", {}).get(version)
    if files is None:  # the cached JSON may predate the release
        (work / "pypi" / f"{project.lower()}.json").unlink()
        data = _project_json(project, work)
        files = data.get("releases", {}).get(version, [])
    for item in files:
        if item.get("packagetype") == "sdist" and item["filename"].endswith(".tar.gz"):
            item = dict(item)
            item["url"] = urllib.parse.urljoin(data["_url"], item["url"])
            return item
    raise SystemExit(f"benchmark: {project} {version} has no .tar.gz sdist on PyPI")


def fetch_sdist(project: str, version: str, work: Path) -> Sdist:
    """Return the sdist of ``project`` ``version``, downloading it if it is not cached.

    Args:
        project: the PyPI project name, e.g. ``"Django"``.
        version: the release, e.g. ``"5.2"``.
        work: the benchmark's work directory.

    Returns:
        the verified archive under ``<work>/sdists/``.

    Raises:
        SystemExit: no sdist, or the download does not match PyPI's sha256.
    """
    item = _sdist_file(project, version, work)
    expected = item["digests"]["sha256"]
    path = work / "sdists" / item["filename"]
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == expected:
        return Sdist(project, version, path, expected)
    print(f"downloading {item['filename']} ...", flush=True)
    data = _get(item["url"])
    if hashlib.sha256(data).hexdigest() != expected:
        raise SystemExit(f"benchmark: {item['filename']} does not match PyPI's sha256")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return Sdist(project, version, path, expected)


def extract(sdist: Path, into: Path) -> Path:
    """Unpack a ``.tar.gz`` sdist below ``into``.

    Args:
        sdist: the archive.
        into: an empty directory to unpack into.

    Returns:
        the archive's single top-level directory (``into/Django-5.2``).
    """
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    (top,) = [child for child in into.iterdir() if child.is_dir()]
    return top
