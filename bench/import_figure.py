"""Figure 5: importing a signing list of 10,000 projects, dry run and commit, as the worker runs it (the
Celery task run_import on a job row, in-process), against openpyxl read-only reading the same file.

The list is what a district office's yearly signing list looks like, in the contract's format: a title
row, the header with 序号, then 10,000 rows naming the bench database's enterprises (by USCC, or by
name where the cell is blank), towns, industry chains, signing events and officers, with new project
names; one investor in twenty is an enterprise not yet known (new names, most with a new USCC); a
totals row with a formula and notes under the data. Every run, the commit included, happens inside a
transaction rolled back afterwards, so the bench database never changes (only its id sequences move).
"""

import datetime as dt
import io
import random
import statistics
import tempfile
import time

from django.test import override_settings
from openpyxl import Workbook, load_workbook

from . import vocab
from .harness import RUNS, Figure
from .sweep_figure import _timed_in_rollback, vacuum

ROWS = 10_000
TARGET = 4
NEW_INVESTOR_SHARE = 0.05
SEED = 20261125
HEADERS = (
    "序号",
    "项目名称*",
    "投资方*",
    "统一社会信用代码",
    "总投资(万元)*",
    "产业链",
    "落地街镇",
    "签约活动",
    "签约日期",
    "用地面积(亩)",
    "招商专员",
    "备注",
)
NOTES = ("首期", "续签", "增资扩产", "外资项目", "总部型项目", "待供地", "租赁厂房", "", "", "", "", "")


def _district_manager():
    from .figures import district_manager

    return district_manager()


def _new_uscc(rng, taken: set[str]) -> str:
    from common.validators import USCC_ALPHABET, uscc_check_character

    while True:
        body = "91310114MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(7))
        code = body + uscc_check_character(body)
        if code not in taken:
            taken.add(code)
            return code


def signing_list(rows: int = ROWS, seed: int = SEED) -> bytes:
    """The workbook of a yearly signing list of `rows` projects, from the bench database's data."""
    from accounts.models import Role, User
    from accounts.selectors import landing_areas
    from companies.models import Enterprise, IndustryChain
    from projects.models import Project, SigningEvent

    rng = random.Random(seed)
    enterprises = list(Enterprise.objects.order_by("pk").values_list("name", "uscc"))
    known_names = {name for name, _uscc in enterprises}
    usccs = {uscc for _name, uscc in enterprises if uscc}
    taken_projects = set(Project.objects.values_list("name", flat=True))
    chains = list(IndustryChain.objects.order_by("order", "pk").values_list("code", "name"))
    towns = list(landing_areas().order_by("path").values_list("name", flat=True))
    events = list(SigningEvent.objects.filter(date__year__gte=2024).order_by("date").values_list("name", "date"))
    officers = list(
        User.objects.filter(role=Role.OFFICER, is_active=True).order_by("pk").values_list("display_name", flat=True)
    )
    officers = [name for name in officers if officers.count(name) == 1]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "签约项目"
    sheet.append(["2024—2026年嘉定区重点产业项目签约清单"])
    sheet.append(list(HEADERS))
    names_in_file = set()
    for number in range(1, rows + 1):
        chain_code, chain_name = rng.choice(chains)
        product = rng.choice(vocab.PRODUCTS.get(chain_code, vocab.PRODUCTS["other"]))
        kind = rng.choices([k for k, _w in vocab.PROJECT_KINDS], [w for _k, w in vocab.PROJECT_KINDS])[0]
        if rng.random() < NEW_INVESTOR_SHARE:
            while True:
                brand = "".join(rng.sample(vocab.BRAND_CHARS, 2))
                words = rng.choice(vocab.INDUSTRIES.get(chain_code, vocab.INDUSTRIES["other"]))[0]
                investor = f"上海{brand}{words}{rng.choice(('有限公司', '科技有限公司', '股份有限公司'))}"
                if investor not in known_names:
                    known_names.add(investor)
                    break
            code = _new_uscc(rng, usccs) if rng.random() < 0.7 else ""
        else:
            investor, code = rng.choice(enterprises)
            code = (code or "") if rng.random() < 0.8 else ""
            brand = investor.removeprefix("上海")[:2]
        name = f"{brand}{product}{kind}项目"
        suffix = 2
        while name in taken_projects or name in names_in_file:
            name = f"{brand}{product}{kind}项目（{suffix}期）"
            suffix += 1
        names_in_file.add(name)
        event_name, event_date = rng.choice(events)
        with_event = rng.random() < 0.7
        signed_on = event_date if with_event else dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(320))
        sheet.append(
            [
                number,
                name,
                investor,
                code or None,
                round(rng.lognormvariate(9, 1.1), 2),
                chain_name,
                rng.choice(towns),
                event_name if with_event else None,
                signed_on if rng.random() < 0.8 else f"{signed_on.year}/{signed_on.month}/{signed_on.day}",
                round(rng.uniform(5, 300), 1) if rng.random() < 0.6 else None,
                rng.choice(officers),
                rng.choice(NOTES) or None,
            ]
        )
    last = rows + 2
    sheet.append(["合计", None, None, None, f"=SUM(E3:E{last})"])
    sheet.append(["注：1. 总投资单位为万元；2. 签约日期留空的按签约活动日期。"])
    for row in sheet.iter_rows(min_row=3, max_row=last, min_col=9, max_col=9):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_with_openpyxl(content: bytes) -> int:
    """The limit: openpyxl read-only iterating every row of the first sheet, values only."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    try:
        count = 0
        for _values in workbook.worksheets[0].iter_rows(values_only=True):
            count += 1
        return count
    finally:
        workbook.close()


def run_as_worker(actor, content: bytes, dry_run: bool):
    """A job row for `content` and the task a worker runs on it; returns the finished job and the seconds
    the task took. The caller's transaction is expected to be rolled back."""
    from django.core.files.base import ContentFile

    from imports.models import ImportJob, ImportKind
    from imports.tasks import run_import

    job = ImportJob(requested_by=actor, kind=ImportKind.PROJECTS, dry_run=dry_run, original_name="签约清单.xlsx")
    job.file.save("upload.xlsx", ContentFile(content), save=False)
    job.save()
    started = time.perf_counter()
    run_import(job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return job, seconds


def _check(job, rows: int, dry_run: bool):
    assert job.state == "done", (job.state, job.error)
    assert job.errors == [], job.errors[:5]
    assert job.rows_read == rows and job.created_count + job.updated_count + job.skipped_count == rows, (
        job.rows_read,
        job.created_count,
        job.updated_count,
        job.skipped_count,
    )


IMPORTED_TABLES = (
    "projects_project",
    "projects_historicalproject",
    "projects_projectstage",
    "projects_historicalprojectstage",
    "companies_enterprise",
    "companies_historicalenterprise",
    "imports_importjob",
)


def import_rows(scale: str, url: str, rows: int = ROWS) -> list[Figure]:
    """Import of 10,000 rows (dry run and commit), against openpyxl read-only reading the same file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from companies.models import Enterprise
    from imports.checks import inspect_upload
    from projects.models import Project, ProjectStage

    actor = _district_manager()
    content = signing_list(rows)
    read = read_with_openpyxl(content)
    assert read == rows + 4, read
    projects_before, enterprises_before = Project.objects.count(), Enterprise.objects.count()

    samples = {True: [], False: []}
    written = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as media, override_settings(MEDIA_ROOT=media):

        def once(dry_run):
            def run():
                job, seconds = run_as_worker(actor, content, dry_run)
                _check(job, rows, dry_run)
                samples[dry_run].append(seconds)
                if not dry_run:
                    written.append(
                        (
                            Project.objects.count() - projects_before,
                            Enterprise.objects.count() - enterprises_before,
                            ProjectStage.objects.filter(project__in=Project.objects.order_by("-pk")[:rows]).count(),
                            len(job.warnings),
                        )
                    )
                else:
                    assert Project.objects.count() == projects_before, "a dry run wrote projects"

            return run

        # The rolled-back commits leave dead rows behind: cleared between runs, untimed.
        def clean():
            vacuum(url, IMPORTED_TABLES)

        _timed_in_rollback(once(True), after=clean)
        _timed_in_rollback(once(False), after=clean)

        def checks():
            inspect_upload(SimpleUploadedFile("签约清单.xlsx", content))

        checks_samples = [_seconds(checks) for _ in range(3)]

    assert Project.objects.count() == projects_before, "the bench database kept imported projects"
    dry_s = statistics.median(samples[True][1:])
    commit_s = statistics.median(samples[False][1:])
    limit_samples = [_seconds(lambda: read_with_openpyxl(content)) for _ in range(1 + RUNS)][1:]
    limit_s = statistics.median(limit_samples)
    created, new_enterprises, stages, warnings = written[-1]
    note = (
        f"{rows} rows, {created} projects ({stages} stages) and {new_enterprises} new enterprises created, "
        f"{warnings} warnings listed, "
        f"rolled back; district-wide manager; task run_import in-process (claim, read, rows, finish); "
        f"upload checks before the job (inspect_upload): {statistics.median(checks_samples):.2f}s; "
        f"limit: openpyxl read-only, values only, {read} rows"
    )
    return [
        Figure(f"import {rows:,} rows: dry run", dry_s, "s", limit_s, TARGET, scale, note),
        Figure(f"import {rows:,} rows: commit", commit_s, "s", limit_s, TARGET, scale, note),
    ]


def _seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


if __name__ == "__main__":
    import sys

    from .harness import table
    from .run import setup_django

    count = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    url = sys.argv[2] if len(sys.argv) > 2 else "postgres://postgres@127.0.0.1:5432/promotion_bench"
    setup_django(url)
    print(table(import_rows("S", url, count)))
