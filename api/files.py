"""Files in and out of the pages: an upload read safely (its name, kind and size checked) and kept
in a temporary folder while a source reads it, and a download sent as an attachment under its
Chinese name. The routers share these rather than import each other.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Response
from starlette.datastructures import UploadFile

from api.render import PLAN_FORMATS
from graph.errors import ValidationError
from graph.text import strip_controls

UPLOAD_MAX_BYTES = 512 * 1024  # a county's sheet of a few hundred rows is well under 100 KB
XLSX, DOCX = PLAN_FORMATS["xlsx"], PLAN_FORMATS["docx"]


def upload_name(filename: str) -> str:
    """A safe file name for an upload: its last path part, no control characters, short.

    >>> upload_name("../../etc/五华区\\x00.xlsx"), upload_name("")
    ('五华区.xlsx', 'upload')
    """
    base = strip_controls(re.split(r"[\\/]", filename)[-1]).strip(" .")
    return base[-80:] or "upload"


async def read_upload(form: Mapping[str, Any], suffixes: tuple[str, ...]) -> tuple[str, bytes]:
    """The uploaded file's safe name and bytes.

    Raises:
        ValidationError: no file, another kind of file, or one over UPLOAD_MAX_BYTES.
    """
    upload = form.get("sheet")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationError("文件：请选择要上传的 Excel 文件（.xlsx）")
    name = upload_name(upload.filename)
    if not name.lower().endswith(suffixes):
        raise ValidationError(f"文件：只接受 {' / '.join(suffixes)} 文件，不是“{name}”")
    data = await upload.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        raise ValidationError(f"文件：超过 {UPLOAD_MAX_BYTES // 1024} KB，请分批上传")
    return name, data


@contextmanager
def spooled(name: str, data: bytes) -> Iterator[Path]:
    """The upload as a file under its own name, in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="chainkg-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def as_uploaded(problems: Iterable[str], path: Path) -> list[str]:
    """`problems` naming the file as uploaded, not by its temporary folder.

    >>> as_uploaded(["/tmp/x1/表.xlsx 第3行：缺少项目名称"], Path("/tmp/x1/表.xlsx"))
    ['表.xlsx 第3行：缺少项目名称']
    """
    return [p.replace(f"{path.parent}/", "") for p in problems]


def attachment(content: bytes, media_type: str, filename: str, fallback: str) -> Response:
    """A download: browsers show `filename` (RFC 5987), old clients the ASCII `fallback`."""
    disposition = f"attachment; filename={fallback}; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
