"""Sample data (示例数据) where the published documents give only totals.

Deterministic: the same seed gives the same names, amounts and dates on every machine.
"""

import random
from decimal import Decimal

from common.validators import USCC_ALPHABET, uscc_check_character

PRODUCTS = {
    "auto": ["新能源汽车零部件", "智能网联汽车研发", "氢燃料电池系统", "汽车电子", "动力电池", "汽车轻量化材料"],
    "sensors_ic": ["MEMS传感器", "集成电路设计", "物联网模组", "智能传感器封测", "车规级芯片"],
    "medical": ["高端医疗器械", "精准医疗诊断", "生物医药研发", "体外诊断试剂", "医用影像设备"],
    "online": ["工业互联网平台", "在线教育", "互联网医疗", "数字贸易", "直播电商基地"],
    "other": ["智能制造装备", "新材料", "总部经济", "现代物流", "节能环保装备"],
}
BRAND_SYLLABLES = "嘉卓瑞恒泰华睿宏晟博远新达锐鑫诚信康领航智汇峰邦"


def rng_for(key: str) -> random.Random:
    return random.Random(f"jiading-demo-{key}")


def split_total(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """`parts` amounts in whole 万元 that add up to exactly `total`."""
    weights = [rng.lognormvariate(0, 0.9) for _ in range(parts)]
    scale = sum(weights)
    amounts = [Decimal(int(total * Decimal(w / scale) / 10) * 10) for w in weights[:-1]]
    amounts.append(total - sum(amounts))
    assert amounts[-1] > 0 and sum(amounts) == total
    return amounts


def sample_uscc(rng: random.Random) -> str:
    body = "91310114" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_character(body)


def sample_brand(rng: random.Random) -> str:
    return "".join(rng.sample(BRAND_SYLLABLES, 2))
