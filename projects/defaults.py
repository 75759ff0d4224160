"""The stage types and assessment dimensions a new installation starts with.

Targets follow the district's reform: admission to construction permit for key industrial projects
in 226 working days (down from 293). Administrators change them in the admin.
"""

STAGE_TYPES = [
    # code, name, party, due basis, target workdays, target months, required facts, commitment field, flags
    ("negotiation", "洽谈", "government", "none", None, None, [], "", {}),
    ("signing", "签约", "government", "none", None, None, ["signed_on", "total_investment"], "", {}),
    ("admission", "准入评估", "government", "workdays", 20, None, ["industry_chain", "fixed_asset_investment"], "", {}),
    (
        "registration",
        "注册落地",
        "government",
        "workdays",
        20,
        None,
        ["enterprise.uscc", "town"],
        "",
        {"marks_landed": True},
    ),
    (
        "land",
        "供地/拿地",
        "government",
        "workdays",
        90,
        None,
        ["land_area", "land_supply_mode"],
        "",
        {"is_land_handover": True},
    ),
    ("planning_permit", "规划许可", "government", "workdays", 50, None, [], "", {}),
    (
        "construction",
        "施工许可/开工",
        "government",
        "workdays",
        46,
        None,
        ["fixed_asset_investment"],
        "",
        {"marks_construction": True},
    ),
    ("completion", "竣工验收", "enterprise", "months_after_land", None, 24, [], "complete_within_months", {}),
    (
        "production",
        "投产",
        "enterprise",
        "months_after_land",
        None,
        30,
        ["expected_annual_output"],
        "production_within_months",
        {"marks_production": True},
    ),
    (
        "full_production",
        "达产",
        "enterprise",
        "months_after_land",
        None,
        54,
        ["expected_annual_output", "expected_annual_tax"],
        "full_production_within_months",
        {},
    ),
]

# "十精准" admission scorecard.
ASSESSMENT_DIMENSIONS = [
    ("industry_level", "产业层级", "是否属于重点产业链及其关键环节"),
    ("development_tier", "发展能级", "企业规模、行业地位与成长性"),
    ("rd_capacity", "研发能力", "研发投入、专利与研发机构"),
    ("investment_intensity", "投资强度", "固定资产投资与亩均投资"),
    ("output_efficiency", "产出效益", "亩均产值、亩均税收"),
    ("energy_environment", "能耗环保", "能耗、排放与绿色水平"),
    ("talent", "人才集聚", "高层次人才与就业带动"),
    ("chain_synergy", "产业协同", "与区内龙头企业和产业链的配套"),
    ("brand_influence", "品牌影响", "品牌、总部功能与市场影响力"),
    ("risk", "综合风险", "资金、合规与落地风险（得分越高风险越低）"),
]
