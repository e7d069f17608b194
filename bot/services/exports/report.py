"""A draft 整改情况报告 from the ledger, in the shape published reports take
(see shared/samples/report-sample-huaibei.txt): how the work was organised, then each aspect
and problem with what was done, then what remains.

Nothing is invented: every figure and every sentence about the work comes from the ledger
(the plan, the progress notes, the sign-offs). Where a problem has no progress yet, the
report says so. The office edits the draft before it is published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.services import statuses
from bot.services.exports import labels
from bot.services.exports.data import LedgerSnapshot, MeasureRow, ProblemBlock
from bot.services.plan_store import split_names

# paragraph kinds
TITLE = "title"
SUBTITLE = "subtitle"
HEADING_1 = "heading1"
HEADING_2 = "heading2"
BODY = "body"
ITEM = "item"
SIGNATURE = "signature"

# run kinds inside a paragraph
PLAIN = "plain"
LEAD = "lead"  # the 针对…问题。 that opens a problem, in bold
KAITI = "kaiti"  # an inline （一）… heading

_TITLE_SUFFIXES = (
    "整改落实台账",
    "整改工作台账",
    "整改台账",
    "落实台账",
    "工作台账",
    "台账",
    "整改工作方案",
    "整改实施方案",
    "整改方案",
    "实施方案",
    "工作方案",
    "方案",
)
_MARKER = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．])\s*"
)
_END_PUNCTUATION = "。；;，,.、：: "


@dataclass
class Paragraph:
    kind: str
    runs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


def _para(kind: str, *runs: tuple[str, str] | str) -> Paragraph:
    return Paragraph(kind, [(r, PLAIN) if isinstance(r, str) else r for r in runs])


def report_title(plan_title: str) -> str:
    """关于…整改情况的报告, from the plan's title without 台账/方案."""
    base = plan_title.strip()
    for suffix in _TITLE_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    base = base.removesuffix("的")
    if not base:
        return "关于巡察整改情况的报告"
    return f"关于{base}整改情况的报告" if not base.endswith("整改") else f"关于{base}情况的报告"


def strip_marker(text: str) -> str:
    return _MARKER.sub("", text.strip(), count=1)


def sentence_body(text: str) -> str:
    """A note or title made to sit inside a sentence: one line, no closing punctuation."""
    one_line = "；".join(part.strip() for part in text.splitlines() if part.strip())
    return one_line.rstrip(_END_PUNCTUATION)


def _count(label: str, value: int) -> str:
    return f"{label}{value}条" if value else ""


def _join(parts: list[str], separator: str = "，") -> str:
    return separator.join(p for p in parts if p)


def status_counts(measures: list[MeasureRow]) -> dict[str, int]:
    counts = dict.fromkeys(statuses.STATUSES, 0)
    for measure in measures:
        counts[measure.status] = counts.get(measure.status, 0) + 1
    return counts


def problem_counts_sentence(measures: list[MeasureRow]) -> str:
    """How far a problem's measures have got, e.g. 目前，该问题3条整改措施已销号2条、推进中1条。"""
    counts = status_counts(measures)
    total = len(measures)
    if counts[statuses.CLOSED] == total:
        return "目前，该问题整改措施均已销号。" if total > 1 else "目前，该项整改措施已销号。"
    parts = _join(
        [
            _count("已销号", counts[statuses.CLOSED]),
            _count("待销号", counts[statuses.AWAITING_SIGNOFF]),
            _count("推进中", counts[statuses.IN_PROGRESS]),
            _count("未启动", counts[statuses.NOT_STARTED]),
        ],
        "、",
    )
    ongoing = sum(m.is_ongoing for m in measures)
    tail = f"，其中长期坚持{ongoing}条" if ongoing else ""
    return f"目前，该问题{total}条整改措施{parts}{tail}。"


def measure_sentence(measure: MeasureRow) -> str:
    """What was done on one measure, in the words of its progress notes."""
    if measure.notes:
        return "；".join(dict.fromkeys(sentence_body(n.text) for n in measure.notes))
    if measure.evidence_count:
        return (
            f"围绕“{sentence_body(measure.text)}”，已上传佐证材料{measure.evidence_count}份，"
            "尚未填写进展说明"
        )
    return f"“{sentence_body(measure.text)}”尚未报告整改进展"


def problem_paragraph(ordinal: int, problem: ProblemBlock) -> Paragraph:
    title = sentence_body(strip_marker(problem.title))
    if not title.startswith("针对"):
        title = "针对" + title
    if not title.endswith("问题"):
        title += "问题"
    paragraph = Paragraph(BODY, [(f"（{ordinal}）{title}。", LEAD)])
    measures = problem.measures
    reported = [m for m in measures if m.notes or m.evidence_count]
    if not reported:
        count = f"{len(measures)}条整改措施均" if len(measures) > 1 else "整改措施"
        paragraph.runs.append((f"该问题的{count}尚未报告整改进展。", PLAIN))
        return paragraph
    sentences = []
    for index, measure in enumerate(measures, start=1):
        lead = labels.ordinal_lead(index) if len(measures) > 1 else ""
        sentences.append(f"{lead}{measure_sentence(measure)}。")
    sentences.append(problem_counts_sentence(measures))
    paragraph.runs.append(("".join(sentences), PLAIN))
    return paragraph


def open_status(measure: MeasureRow) -> str:
    if measure.status == statuses.AWAITING_SIGNOFF:
        text = "已申请销号，待责任领导审核"
    elif measure.status == statuses.NOT_STARTED:
        text = "尚未启动"
    elif measure.is_ongoing:
        text = "持续推进"
    else:
        text = "正在推进"
    if measure.percent is not None and measure.status != statuses.AWAITING_SIGNOFF:
        text += f"，完成{measure.percent}%"
    if measure.overdue:
        text += f"，已逾期{measure.days_overdue}个工作日"
    return text


def open_item(index: int, measure: MeasureRow) -> Paragraph:
    deadline = labels.deadline_text(
        measure.deadline_kind, measure.original_deadline, measure.deadline_raw
    )
    if measure.extended and measure.deadline is not None:
        deadline += f"（已延期至{labels.chinese_date(measure.deadline)}）"
    details = _join(
        [
            f"措施{measure.code}",
            f"责任领导：{measure.leader}" if measure.leader else "",
            f"牵头科室：{measure.department}" if measure.department else "",
            f"责任人：{measure.owner}" if measure.owner else "",
            f"整改时限：{deadline}" if deadline else "",
            f"目前{open_status(measure)}",
        ],
        "；",
    )
    return _para(ITEM, f"{index}.{sentence_body(measure.text)}（{details}）。")


def _distinct(values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in split_names(value):
            if name not in names:
                names.append(name)
    return names


def _organisation(snapshot: LedgerSnapshot) -> list[Paragraph]:
    measures = snapshot.measures
    kinds = {kind: 0 for kind in (statuses.DEADLINE_IMMEDIATE, statuses.DEADLINE_DATE)}
    for measure in measures:
        kinds[measure.deadline_kind] = kinds.get(measure.deadline_kind, 0) + 1
    ongoing = sum(m.is_ongoing for m in measures)
    unset = len(measures) - kinds[statuses.DEADLINE_IMMEDIATE] - kinds[statuses.DEADLINE_DATE]
    unset -= ongoing
    split = _join(
        [
            _count("立行立改", kinds[statuses.DEADLINE_IMMEDIATE]),
            _count("限期整改", kinds[statuses.DEADLINE_DATE]),
            _count("长期坚持", ongoing),
            _count("时限未明确", unset),
        ],
        "、",
    )
    tasks = (
        f"共梳理{len(snapshot.aspects)}个方面{len(snapshot.problems)}个问题，"
        f"制定整改措施{len(measures)}条" + (f"，其中{split}" if split else "") + "。"
    )
    leaders = _distinct([m.leader for m in measures])
    departments = _distinct([m.department for m in measures])
    owners = _distinct([m.owner for m in measures])
    duty_parts = _join(
        [
            f"责任领导{len(leaders)}名（{'、'.join(leaders)}）" if leaders else "",
            f"牵头科室{len(departments)}个" if departments else "",
            f"责任人{len(owners)}名" if owners else "",
        ],
        "、",
    )
    duties = (
        f"整改措施逐条明确责任领导、牵头科室、责任人和整改时限，涉及{duty_parts}。"
        if duty_parts
        else "整改措施尚未明确责任领导和责任人。"
    )
    actions = snapshot.action_counts
    evidence = sum(m.evidence_count for m in measures)
    tracking = _join(
        [
            f"责任人累计报告整改进展{actions['reported']}次" if actions["reported"] else "",
            f"上传佐证材料{evidence}份" if evidence else "",
            f"提出销号申请{actions['close_requested']}次" if actions["close_requested"] else "",
            f"责任领导审核同意销号{actions['signed_off']}次" if actions["signed_off"] else "",
            f"退回{actions['sent_back']}次" if actions["sent_back"] else "",
            f"申请延期{actions['extension_requested']}次"
            if actions["extension_requested"]
            else "",
            f"同意延期{actions['extension_approved']}次" if actions["extension_approved"] else "",
        ]
    )
    tracking = f"整改过程中，{tracking}。" if tracking else "截至目前，尚未报告整改进展。"
    counts = status_counts(measures)
    total = len(measures)
    percent = round(100 * counts[statuses.CLOSED] / total) if total else 0
    overdue = sum(m.overdue for m in measures)
    progress = (
        f"截至{labels.chinese_date(snapshot.today)}，{total}条整改措施中，"
        f"已销号{counts[statuses.CLOSED]}条，占{percent}%"
        + "".join(
            f"；{label}{counts[status]}条"
            for status, label in (
                (statuses.AWAITING_SIGNOFF, "待销号"),
                (statuses.IN_PROGRESS, "推进中"),
                (statuses.NOT_STARTED, "未启动"),
            )
            if counts[status]
        )
        + (f"；逾期未完成{overdue}条" if overdue else "")
        + "。"
    )
    return [
        _para(BODY, ("（一）细化整改任务。", KAITI), tasks),
        _para(BODY, ("（二）压实整改责任。", KAITI), duties),
        _para(BODY, ("（三）跟踪整改进展。", KAITI), tracking),
        _para(BODY, ("（四）整改总体进度。", KAITI), progress),
    ]


def _next_steps(snapshot: LedgerSnapshot) -> list[Paragraph]:
    measures = snapshot.measures
    unfinished = [m for m in measures if m.status != statuses.CLOSED and not m.is_ongoing]
    ongoing = [m for m in measures if m.status != statuses.CLOSED and m.is_ongoing]
    today = labels.chinese_date(snapshot.today)
    if not unfinished and not ongoing:
        return [
            _para(
                BODY,
                f"截至{today}，全部{len(measures)}条整改措施均已销号。下一步，将巩固整改成果，"
                "防止问题反弹回潮。",
            )
        ]
    open_count = len(unfinished) + len(ongoing)
    intro = f"截至{today}，尚有{open_count}条整改措施未销号" + (
        f"（其中长期坚持{len(ongoing)}条）" if ongoing else ""
    )
    paragraphs = [
        _para(
            BODY,
            f"{intro}。下一步，将对尚未完成的整改事项逐项推进、按期办结，"
            "对需长期坚持的事项持续抓好落实、定期报告进展，防止问题反弹回潮。",
        )
    ]
    sections = [
        ("尚未完成的整改事项", unfinished),
        ("需长期坚持的整改事项", ongoing),
    ]
    number = 0
    for title, items in sections:
        if not items:
            continue
        number += 1
        paragraphs.append(
            _para(BODY, (f"（{labels.chinese_number(number)}）{title}（{len(items)}条）", KAITI))
        )
        paragraphs.extend(open_item(i, m) for i, m in enumerate(items, start=1))
    return paragraphs


def report_paragraphs(snapshot: LedgerSnapshot) -> list[Paragraph]:
    """The report as paragraphs of typed runs; the .docx writer only applies the styling."""
    today = labels.chinese_date(snapshot.today)
    created = labels.chinese_date(snapshot.plan_created_at.astimezone(snapshot.tz).date())
    opening = (
        f"对照巡察反馈意见，制定了《{snapshot.plan_title}》，于{created}录入整改台账，"
        "逐项明确整改措施、责任领导、牵头科室、责任人和整改时限，跟踪推进整改落实。"
    )
    if snapshot.scope == "leader" and snapshot.scope_person:
        opening += f"本报告范围为{snapshot.scope_person}分管的整改措施。"
    opening += f"现将截至{today}的整改情况报告如下。"
    paragraphs = [
        _para(TITLE, report_title(snapshot.plan_title)),
        _para(SUBTITLE, f"（草稿　整改进展截至{today}）"),
        _para(BODY, opening),
        _para(HEADING_1, "一、巡察整改工作开展情况"),
        *_organisation(snapshot),
        _para(HEADING_1, "二、巡察反馈问题整改情况"),
    ]
    ordinal = 0
    for index, aspect in enumerate(snapshot.aspects, start=1):
        heading = f"（{labels.chinese_number(index)}）{strip_marker(aspect.title)}"
        paragraphs.append(_para(HEADING_2, heading))
        for problem in aspect.problems:
            ordinal += 1
            paragraphs.append(problem_paragraph(ordinal, problem))
    paragraphs.append(_para(HEADING_1, "三、下一步工作打算"))
    paragraphs.extend(_next_steps(snapshot))
    paragraphs.append(_para(SIGNATURE, "（落款单位）"))
    paragraphs.append(_para(SIGNATURE, today))
    return paragraphs
