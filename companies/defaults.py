"""The key industry chains and qualifications a new installation starts with."""

INDUSTRY_CHAINS = [
    ("auto", "汽车“新四化”"),
    ("sensors_ic", "智能传感器及物联网/集成电路"),
    ("medical", "高性能医疗设备及精准医疗/生物医药"),
    ("online", "在线新经济"),
    ("other", "其他"),
]

QUALIFICATIONS = [
    ("high_tech", "高新技术企业"),
    ("specialized", "专精特新"),
    ("little_giant", "小巨人"),
    ("listed", "上市"),
    ("above_scale", "规上"),
]
