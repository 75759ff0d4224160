"""Uploaded files: size and type limits, safe stored names, and serving only to those who may see.

Files live under MEDIA_ROOT but are never served from a public URL: a view checks that the caller
may see the object the file belongs to, then streams it.
"""

import os
import uuid

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

# Extension -> the MIME types its content may be sniffed as (None: plain text, which has no signature).
ALLOWED_TYPES = {
    "pdf": {"application/pdf"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "docx": {"application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xlsx": {"application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "pptx": {"application/zip", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    "doc": {"application/x-ole-storage", "application/msword"},
    "xls": {"application/x-ole-storage", "application/vnd.ms-excel"},
    "txt": {None},
}


def validate_upload(upload) -> str:
    """Check size and type; return the extension to store the file under."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件过大：%(size).1f MB，上限为 %(limit)d MB。")
            % {"size": upload.size / 2**20, "limit": limit // 2**20},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件是空的。"), code="file_empty")
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”。允许的类型：%(allowed)s。")
            % {"ext": extension or "-", "allowed": "、".join(sorted(ALLOWED_TYPES))},
            code="file_type",
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    sniffed = kind.mime if kind else None
    if sniffed not in ALLOWED_TYPES[extension]:
        raise ValidationError(
            _("文件内容与扩展名“%(ext)s”不符，请上传真实的 %(ext)s 文件。") % {"ext": extension}, code="file_content"
        )
    return extension


def stored_name(folder: str, extension: str) -> str:
    """A name that says nothing about the original and cannot escape its folder."""
    return f"{folder}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}"


ORIGINAL_NAME_MAX_LENGTH = 200


def original_name(name: str) -> str:
    """The name shown to people: the original file name without any path or control character
    (Django's upload parser removes them too; other callers may not), cut to fit the field before
    its extension, so that a download keeps its type."""
    name = "".join(ch for ch in (name or "") if ch.isprintable())
    name = os.path.basename(name.replace("\\", "/")).strip() or "file"
    if len(name) > ORIGINAL_NAME_MAX_LENGTH:
        stem, extension = os.path.splitext(name)
        extension = extension[:16]
        name = stem[: ORIGINAL_NAME_MAX_LENGTH - len(extension)] + extension
    return name


def serve(file_field, download_name: str):
    return FileResponse(file_field.open("rb"), as_attachment=True, filename=download_name)
