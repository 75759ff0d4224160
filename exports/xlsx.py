"""The parts of an .xlsx package (Office Open XML) that a one-sheet export needs, as text.

The sheet's rows are streamed by workbook.SheetWriter; everything else is small and known in advance:
the content types, the relationships, the document's title and author, the workbook (the sheet's name
and the auto-filter's range, known once the rows are written) and the styles of the few kinds of cell
an export writes.
"""

import datetime
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import coordinate_to_tuple, get_column_letter

SHEET_PART = "xl/worksheets/sheet1.xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/{SHEET_PART}" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{PACKAGE_RELATIONSHIPS}/metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STATIC_PARTS = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": PACKAGE_RELS}


# --- Styles ---------------------------------------------------------------------------------------

# Number formats: Excel's own #,##0 (3) and #,##0.00 (4), and two of ours.
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
NUMBER_FORMAT_IDS = {"text": 0, "quoted": 0, "date": 164, "datetime": 165, "integer": 3, "money": 4}
FONTS = (
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
    '<font><sz val="11"/><color rgb="FF9C0006"/><name val="Calibri"/><family val="2"/></font>',
)
FILLS = (
    '<fill><patternFill patternType="none"/></fill>',
    '<fill><patternFill patternType="gray125"/></fill>',
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>',
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/></patternFill></fill>',
)
BORDERS = (
    "<border><left/><right/><top/><bottom/><diagonal/></border>",
    '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>',
)
# How a cell looks, as (font, fill, border): its kind (above) gives its number format.
LOOKS = {"plain": (0, 0, 0), "marked": (2, 3, 0), "totals": (1, 0, 0)}
HEADER_XF = (
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" '
    'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
)


def _cell_xf(look: str, kind: str) -> str:
    font, fill, border = LOOKS[look]
    quoted = ' quotePrefix="1"' if kind == "quoted" else ""
    return (
        f'<xf numFmtId="{NUMBER_FORMAT_IDS[kind]}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
        f' applyNumberFormat="1" applyFont="1" applyFill="1"{quoted}/>'
    )


# Style 0 is a plain cell, 1 the header; then one per look and kind: STYLES[look, kind] is its index.
STYLES = {("plain", "text"): 0}
_CELL_XFS = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>', HEADER_XF]
for _look in LOOKS:
    for _kind in NUMBER_FORMAT_IDS:
        if (_look, _kind) not in STYLES:
            STYLES[_look, _kind] = len(_CELL_XFS)
            _CELL_XFS.append(_cell_xf(_look, _kind))
HEADER_STYLE = 1

STYLES_PART = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/></numFmts>'
    f'<fonts count="{len(FONTS)}">{"".join(FONTS)}</fonts>'
    f'<fills count="{len(FILLS)}">{"".join(FILLS)}</fills>'
    f'<borders count="{len(BORDERS)}">{"".join(BORDERS)}</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="{len(_CELL_XFS)}">{"".join(_CELL_XFS)}</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


# --- The workbook and its properties ---------------------------------------------------------------


def _w3c(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def core_properties(title: str, author: str, created: datetime.datetime) -> str:
    return (
        XML_HEAD
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_w3c(created)}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_w3c(created)}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def workbook(sheet_name: str, filter_range: str) -> str:
    """The workbook: its one sheet, and the auto-filter's range named as Excel names it."""
    quoted = "'" + sheet_name.replace("'", "''") + "'"
    absolute = ":".join("$" + "$".join(_split(cell)) for cell in filter_range.split(":"))
    return (
        XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets><sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{escape(quoted)}!{absolute}</definedName></definedNames>"
        "</workbook>"
    )


def _split(cell: str) -> tuple[str, str]:
    row, column = coordinate_to_tuple(cell)
    return get_column_letter(column), str(row)


# --- The sheet around its rows ---------------------------------------------------------------------


def sheet_head(widths: list[int], freeze: str) -> str:
    """Everything before the first row: the frozen panes (`freeze` is the first cell that scrolls) and the
    columns' widths."""
    cols = "".join(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, width in enumerate(widths, 1))
    return (
        XML_HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{_pane(freeze)}</sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>"
    )


def _pane(freeze: str) -> str:
    row, column = coordinate_to_tuple(freeze)
    x_split, y_split = column - 1, row - 1
    if not x_split and not y_split:
        return ""
    if x_split and y_split:
        active = "bottomRight"
        selections = '<selection pane="topRight"/><selection pane="bottomLeft"/>'
    elif y_split:
        active, selections = "bottomLeft", ""
    else:
        active, selections = "topRight", ""
    splits = (f' xSplit="{x_split}"' if x_split else "") + (f' ySplit="{y_split}"' if y_split else "")
    return (
        f'<pane{splits} topLeftCell="{freeze}" activePane="{active}" state="frozen"/>'
        f'{selections}<selection pane="{active}" activeCell="{freeze}" sqref="{freeze}"/>'
    )


def sheet_tail(filter_range: str) -> str:
    return (
        f'</sheetData><autoFilter ref="{filter_range}"/>'
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>'
    )
