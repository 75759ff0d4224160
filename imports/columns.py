"""The columns of the import files: their headers, which are required, what their cells hold.

The headers are the file format the contract fixes, in Chinese whatever the interface language, so
they are not translated; the explanations in the template are.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .cleaning import header_key

TEXT, AMOUNT, DATE = "text", "amount", "date"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as in the template, without the * that marks a required column
    required: bool = False
    kind: str = TEXT
    aliases: tuple[str, ...] = ()
    alternative: str | None = None  # the key of a column that may stand in for this required one
    help: str = ""
    in_template: bool = True

    @property
    def template_header(self) -> str:
        return f"{self.header}*" if self.required else self.header

    def keys(self) -> set[str]:
        return {header_key(name) for name in (self.header, *self.aliases)}


@dataclass(frozen=True)
class ColumnSet:
    columns: tuple[Column, ...]
    by_key: dict = field(init=False, repr=False, compare=False)
    by_header: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_key", {column.key: column for column in self.columns})
        by_header = {}
        for column in self.columns:
            for key in column.keys():
                by_header[key] = column
        object.__setattr__(self, "by_header", by_header)

    def match(self, text) -> Column | None:
        return self.by_header.get(header_key(text))

    def __iter__(self):
        return iter(self.columns)


# Headers commonly found left of the data that carry nothing to import.
IGNORED_HEADERS = {header_key(name) for name in ("序号", "编号", "No.", "No", "#")}

PROJECT_COLUMNS = ColumnSet(
    (
        Column("name", "项目名称", required=True, help=_("项目的名称。")),
        Column(
            "investor",
            "投资方",
            required=True,
            aliases=("投资主体", "投资企业", "投资方名称"),
            help=_("投资企业的名称。系统中没有的企业会按此名称（和统一社会信用代码）新建。"),
        ),
        Column(
            "uscc",
            "统一社会信用代码",
            aliases=("信用代码", "社会信用代码", "投资方统一社会信用代码"),
            help=_("投资方的18位代码；填写后优先按代码匹配已有企业。境外投资方没有的可以留空。"),
        ),
        Column(
            "total_investment",
            "总投资(万元)",
            required=True,
            kind=AMOUNT,
            aliases=("总投资额(万元)", "投资总额(万元)", "总投资"),
            alternative="total_investment_yi",
            help=_("以万元为单位的数字，可带千分位逗号。也可改用“总投资(亿元)”列。"),
        ),
        Column(
            "total_investment_yi",
            "总投资(亿元)",
            kind=AMOUNT,
            aliases=("总投资额(亿元)", "投资总额(亿元)"),
            help=_("以亿元为单位的数字，导入时乘以 10000 换算为万元；与“总投资(万元)”二选一。"),
            in_template=False,
        ),
        Column(
            "industry_chain",
            "产业链",
            aliases=("所属产业链", "重点产业链"),
            help=_("重点产业链的名称或代码，例如 汽车“新四化”、集成电路、生物医药。"),
        ),
        Column(
            "town",
            "落地街镇",
            aliases=("落地街镇(园区)", "落地区域", "街镇"),
            help=_("项目落地的街镇或园区名称，例如 安亭镇。"),
        ),
        Column(
            "signing_event",
            "签约活动",
            help=_("签约活动的名称或日期；签约日期留空时取活动日期。"),
        ),
        Column(
            "signed_on",
            "签约日期",
            kind=DATE,
            aliases=("签约时间",),
            help=_("日期单元格，或写成 2024-11-06、2024/11/6、2024.11.6、2024年11月6日。"),
        ),
        Column(
            "land_area",
            "用地面积(亩)",
            kind=AMOUNT,
            aliases=("用地(亩)", "占地面积(亩)"),
            help=_("以亩为单位的数字（1 公顷 = 15 亩）。"),
        ),
        Column(
            "officer",
            "招商专员",
            aliases=("专员",),
            help=_("负责的招商专员的姓名或用户名，须在您的管辖范围内。"),
        ),
        Column("notes", "备注", help=_("任意说明。")),
        Column(
            "leading_unit",
            "牵头单位",
            help=_(
                "可选。项目的牵头招商主体，须在您的管辖范围内；留空时取落地街镇（在您的范围内且为招商主体时），"
                "否则取您所在的单位。"
            ),
        ),
    )
)

ENTERPRISE_COLUMNS = ColumnSet(
    (
        Column("name", "企业名称", required=True, aliases=("企业", "公司名称"), help=_("企业的登记名称。")),
        Column(
            "uscc",
            "统一社会信用代码",
            aliases=("信用代码", "社会信用代码"),
            help=_("18位代码，按 GB 32100-2015 校验；填写后优先按代码匹配已有企业。境外企业没有的可以留空。"),
        ),
        Column(
            "registration_type",
            "登记注册类型",
            aliases=("注册类型",),
            help=_("内资（国有）、内资（集体）、内资（民营）、港澳台投资或外商投资；新建企业留空时记为内资（民营）。"),
        ),
        Column(
            "origin",
            "投资来源国家或地区",
            aliases=("投资来源", "来源国家或地区"),
            help=_("例如 中国、德国、中国香港。"),
        ),
        Column(
            "industry_code",
            "国民经济行业代码",
            aliases=("行业代码",),
            help=_("GB/T 4754 代码，例如 C3670 或 C36。"),
        ),
        Column("industry_chain", "产业链", aliases=("重点产业链",), help=_("重点产业链的名称或代码。")),
        Column(
            "qualifications",
            "企业资质",
            aliases=("资质",),
            help=_("高新技术企业、专精特新、小巨人、上市、规上，多个用顿号分隔；填写后替换原有资质。"),
        ),
        Column("town", "所属街镇", aliases=("所在街镇", "街镇"), help=_("企业所在的街镇或园区名称。")),
        Column("address", "地址", aliases=("企业地址", "注册地址"), help=_("企业地址。")),
        Column(
            "service_officer",
            "服务专员",
            help=_("负责服务该企业的专员的姓名或用户名，须在您的管辖范围内。"),
        ),
        Column("contact_name", "联系人", help=_("主要联系人姓名；系统中已有同名联系人时更新其电话。")),
        Column("contact_title", "联系人职务", aliases=("职务",), help=_("联系人的职务。")),
        Column(
            "contact_phone",
            "联系电话",
            aliases=("手机", "联系方式", "手机号码"),
            help=_("11位手机号码记为手机，其他记为座机。"),
        ),
        Column("notes", "备注", help=_("任意说明。")),
    )
)
