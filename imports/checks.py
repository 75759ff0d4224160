"""Checks an uploaded workbook must pass before any row is read.

An .xlsx file is a zip archive of XML parts. The checks refuse, with a message a person can act on:
anything that is not such an archive; a file above the size limit; an archive that would expand far
beyond its size (a zip bomb), judged from the sizes its central directory declares (Python's zipfile
never inflates a member beyond its declared size); XML with a document type declaration, the carrier
of entity-expansion and external-entity attacks; and formulas in the data sheet, where values belong.
The XML is parsed with defusedxml, streaming, so memory stays bounded whatever the sheet's size.
"""

import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from common.exceptions import ServiceError

from .cleaning import match_key
from .reading import TOTALS_WORDS

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and password-protected files)
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS_PART = "xl/_rels/workbook.xml.rels"
WORKSHEET_RELATION = "/worksheet"
MAX_MEMBERS = 10000
# Below this size a part's compression ratio says nothing: a small, repetitive style sheet compresses
# very well and cannot hurt.
RATIO_FLOOR_BYTES = 2**20
FORMULAS_NAMED = 3


@dataclass(frozen=True)
class WorkbookFacts:
    data_sheet: str  # the archive path of the first worksheet, where the rows are
    filled_rows: int  # rows with at least one value, title and header included

    @property
    def data_rows(self) -> int:
        """At most this many data rows: the filled rows but the header."""
        return max(self.filled_rows - 1, 0)


def refuse(message: str):
    return ServiceError({"file": [message]}, code="invalid_file")


def inspect_upload(upload) -> WorkbookFacts:
    """Check `upload` without reading its rows; raise ServiceError with the reason it is refused."""
    size_limit = settings.IMPORT_MAX_BYTES
    if upload.size > size_limit:
        raise refuse(
            _("文件过大：%(size).1f MB，导入文件上限为 %(limit)d MB。请分成几个文件导入。")
            % {"size": upload.size / 2**20, "limit": size_limit // 2**20}
        )
    if upload.size == 0:
        raise refuse(_("文件是空的。"))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(OLE_MAGIC):
        raise refuse(_("这是旧版 .xls 文件或加密的工作簿。请在 Excel 中“另存为”.xlsx 格式（不设密码）后再上传。"))
    if not head.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(upload):
        raise refuse(_("这不是 Excel 工作簿（.xlsx）文件，请上传用 Excel 保存的 .xlsx 文件。"))
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            facts = _inspect_archive(archive)
        upload.seek(0)
        _check_opens(upload)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ParseError, ValueError, NotImplementedError):
        # NotImplementedError: a compression method zipfile does not know.
        raise refuse(_("文件已损坏，无法读取。请在 Excel 中打开后重新保存，再上传。")) from None
    finally:
        upload.seek(0)
    return facts


def _inspect_archive(archive: zipfile.ZipFile) -> WorkbookFacts:
    members = archive.infolist()
    names = {member.filename for member in members}
    if len(members) > MAX_MEMBERS or WORKBOOK_PART not in names:
        raise refuse(_("这不是 Excel 工作簿（.xlsx）文件：压缩包中没有工作簿内容。"))
    _check_expansion(members)
    data_sheet = _data_sheet(archive, names)
    shared_strings = _shared_strings_part(names)
    totals_strings = _totals_strings(archive, shared_strings) if shared_strings else set()
    filled_rows = 0
    for member in members:
        if member.filename == data_sheet:
            filled_rows = _scan_data_sheet(archive, member.filename, totals_strings)
        elif member.filename.endswith((".xml", ".rels")) and member.filename != shared_strings:
            _scan_xml(archive, member.filename)
    return WorkbookFacts(data_sheet=data_sheet, filled_rows=filled_rows)


def _check_expansion(members):
    if any(member.flag_bits & 0x1 for member in members):
        raise refuse(_("工作簿已加密，请取消密码后再上传。"))
    expanded = sum(member.file_size for member in members)
    if expanded > settings.IMPORT_MAX_EXPANDED_BYTES:
        raise refuse(
            _("文件解压后过大（%(size)d MB，上限 %(limit)d MB），可能不是正常的 Excel 文件。")
            % {"size": expanded // 2**20, "limit": settings.IMPORT_MAX_EXPANDED_BYTES // 2**20}
        )
    ratio_limit = settings.IMPORT_MAX_COMPRESSION_RATIO
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > member.compress_size * ratio_limit:
            raise refuse(
                _("文件中的“%(part)s”压缩比异常（超过 %(ratio)d 倍），可能是恶意构造的文件，已拒绝。")
                % {"part": member.filename, "ratio": ratio_limit}
            )


def _stream(archive, name, keep=()):
    """Yield (tag, element) as each element of the part ends, then prune it from the tree, so that
    memory stays bounded; the descendants of a `keep` element stay until it ends. A document type
    declaration or an entity is refused outright."""
    stack, kept = [], 0
    with archive.open(name) as source:
        try:
            for event, element in iterparse(
                source, events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
            ):
                tag = _local(element.tag)
                if event == "start":
                    stack.append(element)
                    kept += tag in keep
                    continue
                stack.pop()
                yield tag, element
                kept -= tag in keep
                if stack and not kept:
                    del stack[-1][-1]
        except DefusedXmlException:
            raise refuse(
                _("文件中的“%(part)s”含有 XML 实体或文档类型声明（DTD），正常的 Excel 文件不会有，已拒绝。")
                % {"part": name}
            ) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scan_xml(archive, name):
    for _item in _stream(archive, name):
        pass


def _data_sheet(archive, names) -> str:
    """The archive path of the workbook's first worksheet (chart sheets are not worksheets)."""
    sheet_ids = [
        element.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        for tag, element in _stream(archive, WORKBOOK_PART)
        if tag == "sheet"
    ]
    targets = {}
    if WORKBOOK_RELS_PART in names:
        for tag, element in _stream(archive, WORKBOOK_RELS_PART):
            if tag == "Relationship" and element.get("Type", "").endswith(WORKSHEET_RELATION):
                targets[element.get("Id")] = element.get("Target", "")
    for sheet_id in sheet_ids:
        target = targets.get(sheet_id)
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if path in names:
            return path
    raise refuse(_("工作簿中没有工作表。"))


def _scan_data_sheet(archive, name, totals_strings: set[int]) -> int:
    """Count the rows that hold values; refuse formulas, except in totals rows (whose first text is
    合计, 总计 or 小计; `totals_strings` are the shared strings that begin so)."""
    filled_rows, misplaced, misplaced_count = 0, [], 0
    row_formulas, totals_row, row_filled = [], None, False
    # The header and the most data rows allowed: past them the file is refused without reading on,
    # so a compact sheet of a million rows costs no more than one at the limit.
    most_rows = settings.IMPORT_MAX_ROWS + 1
    for tag, element in _stream(archive, name, keep=("c",)):
        if tag == "c":
            formula, value = _cell_content(element)
            if formula is not None:
                row_formulas.append((element.get("r") or "?", formula))
            if value is not None:
                row_filled = True
                if totals_row is None and formula is None and element.get("t") in ("s", "inlineStr"):
                    totals_row = _is_totals(element.get("t"), value, totals_strings)
        elif tag == "row":
            filled_rows += row_filled
            if filled_rows > most_rows:
                raise refuse(
                    _("数据行过多：超过一次最多导入的 %(limit)d 行。请分成几个文件导入。")
                    % {"limit": settings.IMPORT_MAX_ROWS}
                )
            if row_formulas and not totals_row:
                misplaced.extend(row_formulas[: FORMULAS_NAMED - len(misplaced)])
                misplaced_count += len(row_formulas)
            row_formulas, totals_row, row_filled = [], None, False
    if misplaced:
        named = "、".join(f"{cell}（={_short(formula)}）" if formula else cell for cell, formula in misplaced)
        more = _("等 %(count)d 处") % {"count": misplaced_count} if misplaced_count > len(misplaced) else ""
        raise refuse(
            _("单元格 %(cells)s%(more)s含有公式。导入的数据必须是数值：请复制后“选择性粘贴—数值”，再上传。")
            % {"cells": named, "more": more}
        )
    return filled_rows


def _is_totals(cell_type, value, totals_strings) -> bool:
    if cell_type == "s":
        return value.isdigit() and int(value) in totals_strings
    return match_key(value).startswith(TOTALS_WORDS)


def _short(formula: str) -> str:
    return formula if len(formula) <= 30 else formula[:30] + "…"


def _cell_content(cell):
    formula = value = None
    for child in cell:
        tag = _local(child.tag)
        if tag == "f":
            formula = child.text or ""
        elif tag == "v" and child.text not in (None, ""):
            value = child.text
        elif tag == "is":
            value = _text_of(child)
    return formula, value


def _text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter() if _local(t.tag) == "t")


def _shared_strings_part(names):
    return next((name for name in names if name.lower() == "xl/sharedstrings.xml"), None)


def _totals_strings(archive, name) -> set[int]:
    """The indices of the shared strings that begin a totals row (合计, 总计, 小计)."""
    found, index = set(), 0
    for tag, element in _stream(archive, name, keep=("si",)):
        if tag == "si":
            if match_key(_text_of(element)).startswith(TOTALS_WORDS):
                found.add(index)
            index += 1
    return found


def _check_opens(upload):
    """The last check: openpyxl can open the workbook and find its first worksheet."""
    try:
        workbook = load_workbook(upload, read_only=True, data_only=False)
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a malformed workbook
        raise refuse(_("无法读取该 Excel 文件，请在 Excel 中打开后重新保存为 .xlsx，再上传。")) from None
    try:
        if not workbook.worksheets:
            raise refuse(_("工作簿中没有工作表。"))
    finally:
        workbook.close()
