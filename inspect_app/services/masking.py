"""The public name of an inspected entity: an individual business's
(个体工商户) operator is a natural person whose personal data is not
published. The masking happens here, on the server, before anything is
stored in the public record, so that no page source ever holds the
operator's name.

* An entity is an individual business when its type contains "个体".
* Its operator (``legal_rep``) is never part of the record; where the
  entity's name contains the operator's name, the name is masked: its first
  character stays, every other character becomes "＊".
* A name that is empty, or just the operator's name, becomes
  "个体工商户（张＊＊）".

>>> public_name("福清市张三丰小吃店", "个体工商户", "张三丰")
('福清市张＊＊小吃店', True)
>>> public_name("张三丰", "个体工商户", "张三丰")
('个体工商户（张＊＊）', True)
>>> public_name("  ", "个体工商户", " 李四 ")
('个体工商户（李＊）', True)
>>> public_name("", "个体工商户", None)
('个体工商户', True)
>>> public_name("鼓楼区好味小吃店", "个体工商户", "王五")
('鼓楼区好味小吃店', True)
>>> public_name("福州张三丰有限公司", "有限责任公司", "张三丰")
('福州张三丰有限公司', False)
>>> mask_person("欧阳小明")
'欧＊＊＊'
"""

from __future__ import annotations

INDIVIDUAL_MARK = "个体"
MASK = "＊"
LABEL = "个体工商户"


def is_individual(entity_type: str | None) -> bool:
    return INDIVIDUAL_MARK in (entity_type or "")


def mask_person(name: str) -> str:
    """A person's name as published: the first character, then "＊" per
    remaining character."""
    name = name.strip()
    return name[:1] + MASK * max(0, len(name) - 1)


def public_name(name: str | None, entity_type: str | None, operator: str | None) -> tuple[str, bool]:
    """(the name as published, whether the entity is an individual
    business)."""
    name = (name or "").strip()
    if not is_individual(entity_type):
        return name, False
    person = (operator or "").strip()
    if not name or name == person:
        return (f"{LABEL}（{mask_person(person)}）" if person else LABEL), True
    if person and person in name:
        return name.replace(person, mask_person(person)), True
    return name, True
