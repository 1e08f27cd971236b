"""The shim's wheel, built in memory: WHEEL, top_level.txt, RECORD and the zip archive."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

from forktool.shims.dist_files import entry_points, metadata
from forktool.shims.model import ShimPlan

#: ``Generator:`` of the shim's WHEEL file.
GENERATOR = "forktool shims"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def wheel_bytes(shim: ShimPlan) -> bytes:
    """The wheel, built in memory: the same bytes for the same plan (fixed dates, order)."""
    dist_info = shim.dist_info
    members = dict(shim.files)
    members[f"{dist_info}/METADATA"] = metadata(shim).encode()
    members[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: {GENERATOR}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    entry_point_text = entry_points(shim)
    if entry_point_text:
        members[f"{dist_info}/entry_points.txt"] = entry_point_text.encode()
    members[f"{dist_info}/top_level.txt"] = "".join(
        f"{top}\n" for top in sorted({old.split(".")[0] for old in shim.packages})
    ).encode()
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in members.items()]
    record.append(f"{dist_info}/RECORD,,")
    members[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in members.items():  # the packages first, RECORD last
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
