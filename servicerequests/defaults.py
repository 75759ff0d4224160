"""Request categories (企业诉求) and the working days each is due in."""

CATEGORIES = [
    ("hiring", "用工招聘", 5),
    ("financing", "融资服务", 10),
    ("policy", "政策咨询", 3),
    ("land", "用地需求", 15),
    ("permits", "审批许可", 10),
    ("logistics", "物流运输", 5),
    ("housing", "人才住房", 10),
    ("other", "其他", 5),
]
