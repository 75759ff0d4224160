"""The demo database: Jiading's units, the seeds' signing events and projects, and sample data.

Everything goes through the same services as the API and the pages. Each piece is looked up by
its natural key first, so a second run changes nothing.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from companies import services as company_services
from companies.models import Enterprise, IndustryChain, RegistrationType, Visit
from projects import services as project_services
from projects.models import AnnualTarget, LandCommitment, LandYearlyActual, Project, ProjectStage, SigningEvent
from servicerequests import services as request_services
from servicerequests.models import Category, ServiceRequest

from . import seed_facts as facts
from .samples import PRODUCTS, rng_for, sample_brand, sample_uscc, split_total

PASSWORD = "jiading-demo"
DISTRICT = "嘉定区投资促进中心"
DEMO_ENTERPRISE = "上海卓钢链电子商务有限公司"
# District state-owned companies that lead projects as promotion bodies (not named in the seeds).
SOES = ["上海国际汽车城（集团）有限公司", "上海嘉定新城发展有限公司", "上海嘉定工业区开发（集团）有限公司"]
LANDING_KINDS = {"town", "street", "park"}
# The towns, streets and main parks that promote investment as an economic zone (经济小区).
ECONOMIC_ZONES = {
    "安亭镇", "南翔镇", "江桥镇", "马陆镇", "外冈镇", "徐行镇", "华亭镇", "嘉定工业区", "菊园新区",
    "嘉定镇街道", "新成路街道", "真新街道", "嘉定新城", "国际汽车城", "北虹桥商务区",
}
SOURCE_DATES = {
    "000": datetime.date(2020, 4, 1),
    "001": datetime.date(2022, 1, 28),
    "002": datetime.date(2024, 11, 6),
    "003": datetime.date(2021, 2, 3),
}
# The stage a project reported as "signed", "started construction", ... is now in.
HINT_STAGE = {"signed": "admission", "construction_started": "completion", "completed": "production",
              "production": "full_production"}
STAGE_ORDER = ["negotiation", "signing", "admission", "registration", "land", "planning_permit",
               "construction", "completion", "production", "full_production"]


class Seeder:
    def __init__(self, stdout=None):
        self.stdout = stdout
        self.today = timezone.localdate()
        self.created = {}

    def log(self, message):
        if self.stdout:
            self.stdout.write(message)

    def count(self, key):
        self.created[key] = self.created.get(key, 0) + 1

    # --- org units and users -------------------------------------------------------------------

    def units(self):
        root = OrgUnit.objects.get_root_nodes().filter(name=DISTRICT).first()
        if root is None:
            root = OrgUnit.objects.add_root(
                create_kwargs={"name": DISTRICT, "kind": OrgUnit.Kind.DISTRICT, "is_promotion_body": True}
            )
            self.count("org_units")
        self.root = root
        kinds = {"town": "town", "street": "street", "park": "park", "soe": "soe", "department": "district"}
        wanted = [(u["name"], kinds[u["kind"]]) for u in facts.ORG_UNITS if u["name"] != "嘉定区人民政府"]
        wanted += [(name, "soe") for name in SOES]
        for name, kind in wanted:
            if OrgUnit.objects.filter(name=name).exists():
                continue
            OrgUnit.objects.add_child(
                root,
                create_kwargs={
                    "name": name,
                    "kind": kind,
                    "is_landing_area": kind in LANDING_KINDS,
                    "is_promotion_body": name in ECONOMIC_ZONES or kind == "soe",
                },
            )
            self.count("org_units")
        self.unit = {u.name: u for u in OrgUnit.objects.all()}

    def user(self, username, role, **fields):
        existing = User.objects.filter(username=username).first()
        if existing:
            return existing
        superuser = fields.pop("superuser", False)
        maker = User.objects.create_superuser if superuser else User.objects.create_user
        self.count("users")
        return maker(username=username, password=PASSWORD, role=role, **fields)

    def users(self):
        self.admin = self.user("admin", Role.ADMIN, superuser=True, display_name="系统管理员", email="admin@example.com")
        self.manager = self.user(
            "manager", Role.MANAGER, org_unit=self.root, display_name="王经理", email="manager@example.com",
            is_staff=True,
        )
        self.officer = self.user(
            "officer", Role.OFFICER, org_unit=self.unit["安亭镇"], display_name="李专员", email="officer@example.com",
            is_staff=True,
        )
        self.colleagues = [
            self.user(f"officer_{code}", Role.OFFICER, org_unit=self.unit[town], display_name=f"{town}专员",
                      is_staff=True)
            for code, town in [("nanxiang", "南翔镇"), ("jiangqiao", "江桥镇"), ("industrial", "嘉定工业区"),
                               ("malu", "马陆镇")]
        ]
        self.town_managers = [
            self.user("manager_anting", Role.MANAGER, org_unit=self.unit["安亭镇"], display_name="安亭镇分管领导",
                      is_staff=True)
        ]

    # --- enterprises ---------------------------------------------------------------------------

    def enterprise(self, name, chain=None, town=None, foreign=False, sample=False, rng=None, **extra):
        existing = Enterprise.objects.filter(name=name).first()
        if existing:
            return existing
        rng = rng or rng_for(name)
        registration = RegistrationType.FOREIGN if foreign else RegistrationType.PRIVATE
        fields = dict(
            name=name,
            registration_type=registration,
            origin="" if foreign else "中国",
            industry_chain=self.chain.get(chain or "other"),
            town=self.unit.get(town) if town else None,
            uscc=None if foreign else sample_uscc(rng),
            is_sample=sample,
            service_officer=self.officer if town == "安亭镇" else None,
        )
        fields.update(extra)
        self.count("enterprises")
        return company_services.create_enterprise(actor=self.admin, allow_duplicate=True, **fields)

    def enterprises(self):
        self.chain = {c.code: c for c in IndustryChain.objects.all()}
        for item in facts.ENTERPRISES:
            notes = f"{item['notes']}（资料来源：{item['source'].split(' | ')[1]}）"
            self.enterprise(item["name"], item["industry_chain"], item["town"], notes=notes)
        self.demo_enterprise = Enterprise.objects.get(name=DEMO_ENTERPRISE)
        self.enterprise_user = self.user(
            "enterprise", Role.ENTERPRISE, enterprise=self.demo_enterprise, display_name="卓钢链企业联络员"
        )

    # --- signing events and projects ----------------------------------------------------------

    def events(self):
        self.event = {}
        for item in facts.SIGNING_EVENTS:
            event, created = SigningEvent.objects.get_or_create(
                name=item["name"],
                date=item["date"],
                defaults={
                    "is_online": "云签约" in item["name"],
                    "description": f"公开报道：{item['project_count']}个项目，总投资"
                    f"{item['total_investment_wan'] / 10000}亿元。{item['source'].split(' | ')[1]}",
                },
            )
            if created:
                self.count("signing_events")
            self.event[item["key"]] = event
            self.sample_projects(item, event)

    def sample_projects(self, item, event):
        existing = Project.objects.filter(signing_event=event).count()
        if existing >= item["project_count"]:
            return
        rng = rng_for(item["key"])
        amounts = split_total(item["total_investment_wan"], item["project_count"], rng)
        towns = sorted(u.name for u in self.unit.values() if u.is_landing_area and u.name in ECONOMIC_ZONES)
        bodies = towns + SOES
        chains = list(PRODUCTS)
        for number, amount in enumerate(amounts, 1):
            rng_one = rng_for(f"{item['key']}-{number}")
            chain = chains[number % len(chains)] if number % 7 else "other"
            product = rng_one.choice(PRODUCTS[chain])
            town = towns[(number * 7) % len(towns)]
            name = f"{product}项目（示例{event.date:%Y%m%d}-{number:03d}）"
            if Project.objects.filter(name=name).exists():
                continue
            company = self.enterprise(
                f"上海{sample_brand(rng_one)}{product}科技有限公司（示例{event.date:%y%m%d}{number:03d}）",
                chain, town, sample=True, rng=rng_one,
            )
            leading = town if number % 6 else bodies[(number * 3) % len(bodies)]
            self.project(
                rng_one, company, name=name, event=event, signed_on=event.date, amount=amount, chain=chain,
                town=town, leading=leading, sample=True,
                notes="示例数据：公开报道只给出本次活动的项目总数和总投资。",
            )

    def named_projects(self):
        for item in facts.NAMED_PROJECTS:
            if not item["investor"] or Project.objects.filter(name=item["name"]).exists():
                continue
            source_file, quote = item["source"].split(" | ")
            reported = SOURCE_DATES[source_file[:3]]
            rng = rng_for(item["name"])
            company = self.enterprise(item["investor"], item["industry_chain"], item["town"], foreign=bool(item["foreign"]))
            amount = item["total_investment_wan"] or Decimal(rng.randrange(20, 300) * 100)
            town = item["town"] if item["town"] in self.unit else "嘉定工业区"
            notes = f"{item['notes'] or ''}（资料来源：{quote}）签约和各阶段日期为示意，原文只给出报道年份。"
            target = HINT_STAGE.get(item["stage_hint"], "signing")
            self.project(
                rng, company, name=item["name"], signed_on=reported.replace(year=reported.year - 2),
                amount=amount, chain=item["industry_chain"], town=town, leading=town, sample=False,
                notes=notes.strip(), target_stage=target, until=reported, priority=Project.Priority.MAJOR,
            )

    def project(self, rng, company, *, name, signed_on, amount, chain, town, leading, sample, notes,
                event=None, target_stage=None, until=None, priority=None):
        rented = rng.random() < 0.25
        area = Decimal(rng.randrange(20, 200))
        fields = dict(
            name=name,
            enterprise=company,
            signing_event=event,
            signed_on=signed_on,
            industry_chain=self.chain[chain],
            town=self.unit[town],
            leading_unit=self.unit[leading],
            source=Project.Source.ONLINE if event and event.is_online else rng.choice(list(Project.Source.values)),
            total_investment=amount,
            fixed_asset_investment=(amount * Decimal("0.7")).quantize(Decimal("0.01")),
            registered_capital=(amount * Decimal("0.2")).quantize(Decimal("0.01")),
            foreign_capital=(amount / 7).quantize(Decimal("0.01")) if company.registration_type == "foreign" else None,
            land_area=None if rented else area,
            land_supply_mode=Project.LandSupplyMode.STANDARD_FACTORY if rented else Project.LandSupplyMode.TRANSFER,
            expected_annual_output=(amount * Decimal(rng.uniform(0.8, 2.5))).quantize(Decimal("1")),
            expected_annual_tax=(amount * Decimal(rng.uniform(0.03, 0.12))).quantize(Decimal("1")),
            expected_jobs=rng.randrange(30, 800),
            funds_in_place=(amount * Decimal(rng.uniform(0, 0.9))).quantize(Decimal("0.01")),
            priority=priority or rng.choice([Project.Priority.KEY, Project.Priority.GENERAL, Project.Priority.GENERAL]),
            officer=self.officer if town == "安亭镇" else rng.choice(self.colleagues),
            is_sample=sample,
            notes=notes,
        )
        project = project_services.create_project(actor=self.admin, **fields)
        self.count("projects")
        self.advance(project, rng, target_stage, until or self.today, rented)
        return project

    def advance(self, project, rng, target_stage, until, rented):
        """Move a project through its stages as far as a plausible history allows by `until`."""
        if target_stage is None:
            # Most projects move on as their plan allows; a quarter get stuck somewhere.
            stuck = rng.random() < 0.25
            target_stage = rng.choice(STAGE_ORDER[2:]) if stuck else "done"
        stop = len(STAGE_ORDER) if target_stage == "done" else STAGE_ORDER.index(target_stage)
        stages = {s.stage_type.code: s for s in ProjectStage.objects.filter(project=project).select_related("stage_type")}
        for code in STAGE_ORDER[2:stop]:
            stage = ProjectStage.objects.select_related("stage_type", "project").get(pk=stages[code].pk)
            if code == "land" and rented:
                project_services.skip_stage(actor=self.officer_for(project), stage=stage, reason="租赁标准厂房，无需供地")
                continue
            if stage.due_on is None:
                break
            finished = stage.due_on + datetime.timedelta(days=rng.randrange(-20, 25))
            finished = max(finished, self.last_finish(project))
            if finished > min(until, self.today):
                break
            try:
                project_services.finish_stage(actor=self.officer_for(project), stage=stage, finished_on=finished)
            except project_services.MissingFactsError:
                break  # e.g. a foreign investor not yet registered, with no USCC
        if ProjectStage.objects.filter(project=project).exclude(status__in=["done", "skipped"]).count() == 0:
            project_services.update_project(actor=self.admin, project=project, status=Project.Status.COMPLETED)
        elif rng.random() < 0.06:
            project_services.update_project(actor=self.admin, project=project, status=Project.Status.PAUSED)
        elif rng.random() < 0.04:
            project_services.update_project(actor=self.admin, project=project, status=Project.Status.TERMINATED)

    def officer_for(self, project):
        return project.officer or self.officer

    def last_finish(self, project):
        dates = ProjectStage.objects.filter(project=project, finished_on__isnull=False).values_list("finished_on", flat=True)
        return max(dates, default=project.signed_on or self.today)

    # --- land, targets, visits, requests ---------------------------------------------------------

    def land_commitments(self):
        candidates = Project.objects.filter(
            land_supply_mode=Project.LandSupplyMode.TRANSFER, stages__stage_type__code="production",
            stages__status=ProjectStage.Status.DONE,
        ).order_by("code")[:6]
        for project in candidates:
            if LandCommitment.objects.filter(project=project).exists():
                continue
            land = project.stages.get(stage_type__code="land")
            production = project.stages.get(stage_type__code="production")
            rng = rng_for(f"land-{project.code}")
            output_per_mu = (project.expected_annual_output / project.land_area).quantize(Decimal("0.01"))
            tax_per_mu = (project.expected_annual_tax / project.land_area).quantize(Decimal("0.01"))
            commitment = LandCommitment.objects.create(
                project=project, contract_no=f"沪嘉规划资源（{land.finished_on.year}）出让合第{rng.randrange(10, 99)}号",
                handed_over_on=land.finished_on, start_within_months=6, complete_within_months=24,
                production_within_months=30, full_production_within_months=54,
                committed_investment_intensity=project.investment_intensity,
                committed_output_per_mu=output_per_mu, committed_tax_per_mu=tax_per_mu,
            )
            for year in range(production.finished_on.year + 1, self.today.year):
                ratio = Decimal(rng.uniform(0.55, 1.15))
                LandYearlyActual.objects.create(
                    commitment=commitment, year=year,
                    output=(project.expected_annual_output * ratio).quantize(Decimal("1")),
                    tax=(project.expected_annual_tax * ratio * Decimal("0.9")).quantize(Decimal("1")),
                    jobs=int(project.expected_jobs * float(ratio)),
                )
            self.count("land_commitments")

    def targets(self):
        for year in (self.today.year - 1, self.today.year):
            for name, investment, projects in [(DISTRICT, 3000000, 260), ("安亭镇", 500000, 40), ("南翔镇", 350000, 30),
                                                ("嘉定工业区", 450000, 35), ("江桥镇", 250000, 20)]:
                _target, created = AnnualTarget.objects.get_or_create(
                    org_unit=self.unit[name], year=year,
                    defaults=dict(
                        signed_investment=Decimal(investment), signed_projects=projects,
                        funds_in_place=Decimal(investment * 4 // 10), construction_starts=projects // 4,
                        production_starts=projects // 5,
                    ),
                )
                if created:
                    self.count("annual_targets")

    def visits(self):
        if Visit.objects.filter(officer=self.officer).exists():
            return
        enterprises = list(Enterprise.objects.filter(town=self.unit["安亭镇"]).order_by("name")[:6])
        for number, enterprise in enumerate(enterprises):
            visited = self.today - datetime.timedelta(days=7 * number + 3)
            company_services.record_visit(
                actor=self.officer, enterprise=enterprise, visited_on=visited, topic="了解企业经营与扩产需求",
                summary="企业反映产能扩张需要新增用地，并希望了解区级产业扶持政策。",
                next_step="协调镇规划部门反馈用地意见", next_step_due_on=visited + datetime.timedelta(days=14),
            )
            self.count("visits")

    def service_requests(self):
        if ServiceRequest.objects.exists():
            return
        categories = {c.code: c for c in Category.objects.all()}
        outcomes = ["submitted", "accepted", "in_progress", "resolved", "closed", "rejected", "rated"]
        for number, item in enumerate(facts.SERVICE_REQUEST_EXAMPLES):
            enterprise = Enterprise.objects.filter(name=item["enterprise"]).first() if item["enterprise"] else None
            if enterprise is None:
                enterprise = self.demo_enterprise if number % 3 == 0 else self.pick_enterprise(number)
            submitter = self.enterprise_user if enterprise == self.demo_enterprise else self.officer
            request = request_services.submit_request(
                actor=submitter, enterprise=enterprise, category=categories[item["category"]],
                title=item["title"], description=item["description"],
            )
            self.count("service_requests")
            self.handle(request, outcomes[number % len(outcomes)])

    def pick_enterprise(self, number):
        return Enterprise.objects.filter(is_sample=False).exclude(pk=self.demo_enterprise.pk).order_by("name")[number % 10]

    def handle(self, request, outcome):
        handler = self.officer
        if outcome == "submitted":
            return
        if outcome == "rejected":
            request_services.reject_request(actor=handler, request=request, reason="不属于本区职能范围，已告知企业向市级部门反映。")
            return
        request = request_services.accept_request(actor=handler, request=request)
        if outcome == "accepted":
            return
        request = request_services.assign_request(actor=self.manager, request=request, assignee=handler)
        request = request_services.reply_request(actor=handler, request=request, reply="已对接相关部门，正在办理。")
        if outcome == "in_progress":
            return
        request = request_services.resolve_request(actor=handler, request=request, reply="已协调解决，请企业确认。")
        if outcome == "rated" and request.enterprise == self.demo_enterprise:
            request_services.rate_request(actor=self.enterprise_user, request=request, rating=5, comment="响应及时，问题已解决。")
        if outcome in ("closed", "rated"):
            request_services.close_request(actor=handler, request=request)

    @transaction.atomic
    def run(self):
        self.units()
        self.users()
        self.enterprises()
        self.events()
        self.named_projects()
        self.land_commitments()
        self.targets()
        self.visits()
        self.service_requests()
        return self.created
