import datetime
from decimal import Decimal

import openpyxl
import pytest

from accounts.models import Role
from companies.models import IndustryChain
from exports.models import ExportJob
from exports.tasks import run_export
from projects import services as project_services
from projects.models import Project
from servicerequests import services as request_services
from servicerequests.models import Category
from tests import factories as f


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


PROJECTS = 16


@pytest.fixture
def people(db, media):
    """安亭镇 and 南翔镇, their officers, a district manager and an administrator."""
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    return dict(
        anting=anting,
        nanxiang=nanxiang,
        officer=f.user("ex_officer", org_unit=anting),
        other_officer=f.user("ex_officer_n", org_unit=nanxiang),
        manager=f.user("ex_manager", role=Role.MANAGER, org_unit=f.district()),
        admin=f.user("ex_admin", role=Role.ADMIN, org_unit=None, is_superuser=True, is_staff=True),
    )


@pytest.fixture
def ex(people):
    """The people, with projects of varied figures in both towns, enterprises and their service requests."""
    anting, nanxiang, officer, other_officer = (people[k] for k in ("anting", "nanxiang", "officer", "other_officer"))
    admin = people["admin"]
    event = project_services.create_signing_event(actor=admin, name="导出测试签约活动", date=f.date("2025-01-06"))
    chains = list(IndustryChain.objects.order_by("order")[:2])
    enterprises = [
        f.enterprise(f"安亭导出测试{i:02d}有限公司", town=anting if i % 3 else nanxiang, service_officer=officer)
        for i in range(8)
    ]
    ent_user = f.user("ex_ent", role=Role.ENTERPRISE, enterprise=enterprises[1], org_unit=None)
    projects = []
    for i in range(PROJECTS):
        in_anting = i % 4 != 0
        projects.append(
            f.project(
                actor=officer if in_anting else other_officer,
                name=f"导出测试项目{i:02d}",
                enterprise=enterprises[i % len(enterprises)],
                leading_unit=anting if in_anting else nanxiang,
                town=anting if in_anting else nanxiang,
                officer=officer if in_anting else other_officer,
                industry_chain=chains[i % 2],
                signing_event=event if i % 2 else None,
                signed_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i * 7) if i % 5 else None,
                total_investment=Decimal("1000.10") * (i + 1) + Decimal("0.01") * i,
                foreign_capital=Decimal("12.34") if i % 3 == 0 else None,
                land_area=Decimal("33.33") + i,
                status=Project.Status.PAUSED if i % 6 == 0 else Project.Status.ACTIVE,
            )
        )
    categories = list(Category.objects.order_by("order")[:3])
    requests = []
    for i in range(10):
        enterprise = enterprises[i % 4]
        requester = ent_user if enterprise == ent_user.enterprise else officer
        requests.append(
            request_services.submit_request(
                actor=requester,
                enterprise=enterprise,
                category=categories[i % len(categories)],
                title=f"导出测试诉求{i:02d}",
                description="请协调",
            )
        )
    return dict(
        **people,
        ent_user=ent_user,
        event=event,
        enterprises=enterprises,
        projects=projects,
        requests=requests,
    )


def run(job) -> ExportJob:
    """Run the export's task in this process, as a worker would, and return the row as it is now."""
    run_export(job.pk)
    return ExportJob.objects.get(pk=job.pk)


def sheet_of(job):
    workbook = openpyxl.load_workbook(job.file.path)
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def data_rows(sheet):
    """The rows between the header and the totals row, as lists of values."""
    rows = []
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if isinstance(row[0], str) and row[0].startswith("合计"):
            break
        rows.append(list(row))
    return rows


def in_anting(ex) -> list:
    """The projects 安亭镇's officer sees."""
    return [p for p in ex["projects"] if p.town == ex["anting"]]
