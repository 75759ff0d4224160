"""Figure 3: the Excel export of all projects and of a tenth of them, time and peak memory of the task,
against the same rows from a Python list written by xlsxwriter (constant memory), by openpyxl (write-only)
and by a minimal streaming writer (the sheet's XML as text straight into a deflated zip: the floor in Python).

Every run is a fresh subprocess, so that the peak memory of one run does not carry into another:

    python -m bench.export_figure ours DATABASE_URL USER_ID FILTERS_JSON
    python -m bench.export_figure limit WRITER ROWS_PICKLE

Each prints one line of JSON: {"seconds", "peak_rss_mb", "rows", ...}.
"""

import datetime
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from .harness import ROOT, RUNS, Figure

TARGET_TIME = 1.2  # against the faster library
MEMORY_CEILING_MB = 200
WRITERS = ("xlsxwriter", "openpyxl", "floor")


def _peak_rss_mb() -> float:
    """The process's peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over
    execve, so a child started from the (large) bench process would report the parent's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Ours: the Celery task, in a subprocess -----------------------------------------------------


def run_ours(url: str, user_id: int, filters: dict) -> dict:
    """What a worker does for an export of projects: run_export on a job row, timed alone."""
    media = tempfile.mkdtemp(prefix="bench-export-")
    os.environ["MEDIA_ROOT"] = media
    from .run import setup_django

    setup_django(url)
    from accounts.models import User
    from exports.models import ExportJob, ExportKind
    from exports.services import validated_filters
    from exports.tasks import run_export

    user = User.objects.get(pk=user_id)
    clean = validated_filters(actor=user, kind=ExportKind.PROJECTS, filters=filters)
    job = ExportJob.objects.create(requested_by=user, kind=ExportKind.PROJECTS, filters=clean)
    baseline = _peak_rss_mb()
    try:
        started = time.perf_counter()
        run_export(job.pk)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb()
        job.refresh_from_db()
        assert job.state == "done", (job.state, job.error)
        size = (Path(media) / job.file.name).stat().st_size
        rows = job.row_count
    finally:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return {"seconds": seconds, "peak_rss_mb": peak, "baseline_rss_mb": baseline, "rows": rows, "bytes": size}


# --- The rows, once, for the limits ---------------------------------------------------------------


def export_values(user, filters: dict) -> tuple[list[str], list[str], list[list]]:
    """Headers, column types and the rows of the projects export as it writes them: strings (yes/no as
    是/否, text made safe), Decimals, dates, None for an empty cell."""
    from exports.kinds import KINDS
    from exports.models import ExportKind
    from exports.selectors import export_rows
    from exports.workbook import YES_NO, safe_text
    from exports.writer import row_chunks

    spec = KINDS[ExportKind.PROJECTS]
    columns = spec.columns()
    headers = [str(column.header) for column in columns]
    types = [column.type for column in columns]

    def cell(value, kind):
        if value is None or value == "":
            return None
        if kind == YES_NO:
            return "是" if value else "否"
        if isinstance(value, str):
            return safe_text(value)
        return value

    queryset = export_rows(ExportKind.PROJECTS, user, filters)
    rows = [
        [cell(column.getter(row), column.type) for column in columns]
        for chunk in row_chunks(spec, columns, queryset, chunk_size=1000)
        for row in chunk
    ]
    return headers, types, rows


# --- The limits, each in a subprocess -------------------------------------------------------------


def write_xlsxwriter(path, headers, types, rows):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("招商项目")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    formats = [date_format if t == "date" else money_format if t == "money" else None for t in types]
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, formats[c])
            else:
                sheet.write_number(r, c, value, formats[c])
    workbook.close()


def write_openpyxl(path, headers, types, rows):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("招商项目")
    sheet.append(headers)
    formatted = [i for i, t in enumerate(types) if t in ("date", "money")]
    number_formats = {"date": "yyyy-mm-dd", "money": "#,##0.00"}
    for row in rows:
        cells = list(row)
        for i in formatted:
            if cells[i] is not None:
                cell = WriteOnlyCell(sheet, value=cells[i])
                cell.number_format = number_formats[types[i]]
                cells[i] = cell
        sheet.append(cells)
    workbook.save(path)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="招商项目" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Two number formats, so dates read as dates: style 1 a date, style 2 money.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _text_cell(value: str) -> str:
    if value != value.strip():
        return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def write_floor(path, headers, types, rows):
    """The least an .xlsx needs, written as text into a deflated zip, a thousand rows at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            out = [SHEET_HEAD, "<row>", *map(_text_cell, headers), "</row>"]
            money = [t == "money" for t in types]
            for n, row in enumerate(rows, 1):
                out.append("<row>")
                for c, value in enumerate(row):
                    if value is None:
                        out.append("<c/>")
                    elif isinstance(value, str):
                        out.append(_text_cell(value))
                    elif isinstance(value, datetime.date):
                        out.append(f'<c s="1"><v>{(value - EXCEL_EPOCH).days}</v></c>')
                    elif money[c]:
                        out.append(f'<c s="2"><v>{value}</v></c>')
                    else:
                        out.append(f"<c><v>{value}</v></c>")
                out.append("</row>")
                if n % 1000 == 0:
                    sheet.write("".join(out).encode())
                    out.clear()
            out.append("</sheetData></worksheet>")
            sheet.write("".join(out).encode())


def run_limit(writer: str, rows_path: str) -> dict:
    with open(rows_path, "rb") as f:
        headers, types, rows = pickle.load(f)
    write = {"xlsxwriter": write_xlsxwriter, "openpyxl": write_openpyxl, "floor": write_floor}[writer]
    baseline = _peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        path = os.path.join(folder, "out.xlsx")
        started = time.perf_counter()
        write(path, headers, types, rows)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb()
        size = os.path.getsize(path)
        if writer == "floor":
            # The floor's file opens: openpyxl reads back its header, rows and a date (after the measurement).
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            read = list(book.worksheets[0].iter_rows(values_only=True))
            book.close()
            assert len(read) == len(rows) + 1 and list(read[0]) == headers, (len(read), read[:1])
            assert [str(v) for v in read[1][:2]] == [str(v) for v in rows[0][:2]], (read[1], rows[0])
    return {"seconds": seconds, "peak_rss_mb": peak, "baseline_rss_mb": baseline, "rows": len(rows), "bytes": size}


# --- The figure -----------------------------------------------------------------------------------


def _subprocess(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.export_figure", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.export_figure {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _medians(commands: dict[str, tuple[str, ...]], runs: int = RUNS, warmup: int = 1) -> dict[str, dict]:
    """Each command's medians, its runs taken in turns with the others' (ours, then each limit, and again):
    on a shared machine the load changes over the minutes a figure takes, and runs taken one command after
    the other would carry that change into the ratio."""
    for _ in range(warmup):
        for args in commands.values():
            _subprocess(*args)
    samples = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            samples[name].append(_subprocess(*args))
    return {
        name: {
            "seconds": statistics.median(s["seconds"] for s in runs_of),
            "peak_rss_mb": statistics.median(s["peak_rss_mb"] for s in runs_of),
            "baseline_rss_mb": statistics.median(s["baseline_rss_mb"] for s in runs_of),
            "rows": runs_of[0]["rows"],
            "bytes": runs_of[0]["bytes"],
        }
        for name, runs_of in samples.items()
    }


def tenth_filter() -> dict:
    """The signing year whose projects are nearest a tenth of all."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from projects.models import Project

    total = Project.objects.count()
    years = (
        Project.objects.exclude(signed_on=None)
        .annotate(year=ExtractYear("signed_on"))
        .values("year")
        .annotate(n=Count("id"))
    )
    best = min(years, key=lambda y: abs(y["n"] - total / 10))
    return {"signed_year": str(best["year"])}


def export_projects(scale: str, url: str) -> list[Figure]:
    """Excel export of all projects and of a tenth, time and peak memory, against xlsxwriter, openpyxl and a floor."""
    from .figures import district_manager

    manager = district_manager()
    figures = []
    for label, filters in (("all projects", {}), ("a tenth of the projects", tenth_filter())):
        headers, types, rows = export_values(manager, filters)
        with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as f:
            pickle.dump((headers, types, rows), f, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            commands = {"ours": ("ours", url, str(manager.pk), json.dumps(filters))}
            commands.update({writer: ("limit", writer, f.name) for writer in WRITERS})
            limits = _medians(commands)
        finally:
            os.unlink(f.name)
        ours = limits.pop("ours")
        assert len(rows) == ours["rows"], (len(rows), ours["rows"])
        faster = min(("xlsxwriter", "openpyxl"), key=lambda w: limits[w]["seconds"])
        where = "district-wide manager" + (f", filter {filters}" if filters else "")
        times = ", ".join(f"{w} {limits[w]['seconds']:.3f} s / {limits[w]['peak_rss_mb']:.0f} MB peak" for w in WRITERS)
        note = (
            f"{ours['rows']} rows, {where}; task run_export in a fresh process per run, "
            f"RSS before it {ours['baseline_rss_mb']:.0f} MB; limits from a pickled list (load not timed): {times}"
        )
        figures += [
            Figure(
                f"export {label}: time",
                ours["seconds"],
                "s",
                limits[faster]["seconds"],
                TARGET_TIME,
                scale,
                f"limit: {faster}; {note}",
            ),
            Figure(
                f"export {label}: ratio to the streaming floor",
                ours["seconds"],
                "s",
                limits["floor"]["seconds"],
                None,
                scale,
                "limit: XML text into a deflated zip (inline strings), the floor in Python",
            ),
            Figure(
                f"export {label}: peak memory",
                ours["peak_rss_mb"],
                "MB",
                MEMORY_CEILING_MB,
                1.0,
                scale,
                f"limit: the {MEMORY_CEILING_MB} MB ceiling; peak RSS of the worker process (Django included); {note}",
            ),
        ]
    return figures


def main(argv: list[str]) -> None:
    if argv[0] == "ours":
        result = run_ours(argv[1], int(argv[2]), json.loads(argv[3]))
    elif argv[0] == "limit":
        result = run_limit(argv[1], argv[2])
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
