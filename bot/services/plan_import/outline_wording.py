"""The wording of plan documents: which section is which, how a problem heading reads
(针对…问题), and the labels that carry a measure's people and deadline (责任领导：…)."""

from __future__ import annotations

import re

from bot.services.plan_import.outline_markers import find_item_labels, match_marker

_CLOSING = re.compile(r"^(?:下一步|今后|保障措施|组织保障|工作要求|有关要求|几点要求)|打算")
# a closing word in a problem's own wording ("保障措施落实不到位") does not end the plan
_NEGATION = re.compile(r"不|未|没有|缺")
_OPENING = re.compile(
    r"开展情况|工作开展|总体要求|指导思想|基本情况|工作目标|整改目标|组织领导|工作部署|基本原则"
    r"|主要做法|工作原则|工作安排|工作步骤|方法步骤|时间安排|整改范围"
)
_CONTAINER = re.compile(
    r"问题整改|反馈问题|整改措施|整改任务|问题清单|整改落实情况|整改情况|具体问题|问题及|整改内容"
    r"|整改事项|主要问题|存在问题|整改举措"
)
END_OF_PLAN = re.compile(r"联系电话|电子邮箱|邮政信箱|欢迎广大干部群众|监督电话|通讯地址")
_DEFICIENCY = re.compile(
    r"针对|问题|不够|不足|不到位|不力|不严|不规范|不健全|不全|不实|不高|不强|不深|不细|不及时|不完善"
    r"|不准确|不畅|未|没有|缺乏|缺失|缺位|薄弱|弱化|淡化|虚化|滞后|欠缺|差距|混乱|风险|偏差|漏洞|短板"
    r"|有限|较弱|松散|松懈|空转|反弹|迟缓|随意|违规|违反|超标|较差|形式主义|官僚主义"
)
_ACTION_START = re.compile(
    r"^(?:制定|建立|完善|加强|开展|落实|组织|严格|推进|召开|修订|健全|规范|强化|深入|认真|进一步"
    r"|定期|全面|明确|按照|根据|结合|坚持|持续|推动|督促|做好|抓好|及时|压实|细化|梳理|清理|清查"
    r"|实行|实施|印发|出台|举办|学习|提高|提升)"
)
FIELD_LABEL = re.compile(
    r"(责任领导|牵头领导|分管领导|包保领导|责任单位|责任部门|责任科室|责任处室|牵头单位|牵头部门|牵头科室"
    r"|具体责任人|牵头责任人|直接责任人|责任人|整改时限|完成时限|时限要求|完成时间|整改期限|时限)\s*[:：]"
)
_FIELD_OF_LABEL = {
    "责任领导": "leader",
    "牵头领导": "leader",
    "分管领导": "leader",
    "包保领导": "leader",
    "责任单位": "department",
    "责任部门": "department",
    "责任科室": "department",
    "责任处室": "department",
    "牵头单位": "department",
    "牵头部门": "department",
    "牵头科室": "department",
    "具体责任人": "owner",
    "牵头责任人": "owner",
    "直接责任人": "owner",
    "责任人": "owner",
    "整改时限": "deadline",
    "完成时限": "deadline",
    "时限要求": "deadline",
    "完成时间": "deadline",
    "整改期限": "deadline",
    "时限": "deadline",
}
_FIELDS_IN_BRACKETS = re.compile(
    r"[（(]([^（）()]*(?:责任|时限|牵头)[^（）()]*)[）)]\s*[。；;]?\s*$"
)
MEASURE_LIST_LABEL = re.compile(r"^(?:具体)?(?:整改)?(?:措施|举措)(?:如下)?\s*[:：]\s*")
_MEASURE_LIST_INLINE = re.compile(r"(?:具体)?(?:整改)?(?:措施|举措)(?:如下)?\s*[:：]")
PROBLEM_LABEL = re.compile(r"^(?:存在问题|问题表现|具体表现|问题描述|主要表现|表现)\s*[:：]")
GOAL_LABEL = re.compile(r"^(?:整改目标|目标要求)\s*[:：]")
_AIMED_AT = re.compile(r"^(?:关于)?针对(.+?)(?:的)?问题\s*(?:[。;；,，:：!！]|$)")
_ABOUT = re.compile(r"^关于(.+?)的问题\s*(?:[。;；,，:：!！]|$)")
DEADLINE_YEAR = re.compile(r"(?:时限|完成时间|整改期限)\s*[:：]\s*(20\d{2})\s*[年.\-/]")
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")
FULL_DATE = re.compile(r"(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
TITLE_WORDS = re.compile(r"方案|报告|情况|台账|通报|公告|公示|整改|清单")
TRAILING = "。；;，,：:、 "


def is_problem_like(text: str) -> bool:
    """Problems name a deficiency (不到位, 缺乏, 薄弱…); measures start with an action."""
    return text.startswith(("针对", "关于")) or (
        _DEFICIENCY.search(text) is not None and _ACTION_START.match(text) is None
    )


def is_closing(title: str) -> bool:
    return (
        _CLOSING.search(title) is not None
        and _NEGATION.search(title) is None
        and _CONTAINER.search(title) is None
    )


def section_kind(title: str) -> str | None:
    if is_closing(title):
        return "closing"
    if "方面" in title:
        return "aspect"
    if _OPENING.search(title):
        return "opening"
    if _CONTAINER.search(title):
        return "container"
    return None


def split_problem_heading(rest: str, following_body: bool) -> tuple[str, str]:
    """'针对X问题。一是…' → ('X', '一是…'): the problem ends at the first 问题 + punctuation."""
    aimed = _AIMED_AT.match(rest) or _ABOUT.match(rest)
    if aimed:
        return aimed[1].strip(), rest[aimed.end() :].strip()
    rest = PROBLEM_LABEL.sub("", rest).strip()
    labels, _ = find_item_labels(rest)
    listed = _MEASURE_LIST_INLINE.search(rest)
    cuts = ([labels[0].start] if labels else []) + ([listed.start()] if listed else [])
    if cuts and min(cuts) > 0:
        cut = min(cuts)
        body = MEASURE_LIST_LABEL.sub("", rest[cut:].strip())
        return rest[:cut].rstrip(TRAILING), body
    if not following_body and "。" in rest.rstrip("。"):
        title, _, body = rest.partition("。")
        return title.rstrip(TRAILING), body.strip()
    return rest.rstrip(TRAILING), ""


def read_fields(text: str) -> dict[str, str]:
    """'责任领导：张三  责任单位：办公室；整改时限：6月底前' → {leader, department, deadline}."""
    found = list(FIELD_LABEL.finditer(text))
    values: dict[str, str] = {}
    for position, label in enumerate(found):
        end = found[position + 1].start() if position + 1 < len(found) else len(text)
        value = text[label.end() : end].strip().strip(TRAILING)
        if value:
            values[_FIELD_OF_LABEL[label[1]]] = value
    return values


def fields_in_brackets(text: str) -> tuple[str, dict[str, str]]:
    """A measure ending in （责任领导：…；完成时限：…） gives its fields."""
    found = _FIELDS_IN_BRACKETS.search(text)
    if found is None or not FIELD_LABEL.search(found[1]):
        return text, {}
    return text[: found.start()].rstrip(), read_fields(found[1])


def without_marker(text: str) -> str:
    """'1.制定学习计划' → '制定学习计划': a measure's own list number is not its text."""
    marker = match_marker(text)
    return marker.rest if marker is not None and marker.rest else text
