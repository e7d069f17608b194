"""The draft 整改情况报告: structure, order, the owners' own words, what remains, styling."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.services.actor import SYSTEM_ACTOR
from bot.services.errors import NotAllowed
from bot.services.exports import export_report
from bot.services.exports.report import report_title
from tests.exports.conftest import WorkedPlan
from tests.helpers import actor_for


def paragraphs(content: bytes) -> list[tuple[str, str]]:
    document = docx.Document(BytesIO(content))
    return [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]


def section(items: list[tuple[str, str]], heading: str) -> list[tuple[str, str]]:
    """The paragraphs under a Heading 1, up to the next one."""
    start = next(i for i, (style, text) in enumerate(items) if text == heading)
    rest = items[start + 1 :]
    end = next((i for i, (style, _) in enumerate(rest) if style == "Heading 1"), len(rest))
    return rest[:end]


def problem_paragraph(items: list[tuple[str, str]], title_start: str) -> str:
    return next(text for _, text in items if text.startswith("（") and title_start in text[:30])


async def test_title_and_the_three_parts(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    exported = await export_report(session, SYSTEM_ACTOR, clock)
    assert exported.file_name == "整改情况报告-20220518.docx"
    items = paragraphs(exported.content)
    assert items[0] == ("Title", "关于淮北市红十字会市委第二巡察组反馈意见整改情况的报告")
    assert items[1][0] == "Subtitle" and "草稿" in items[1][1] and "2022年5月18日" in items[1][1]
    assert [text for style, text in items if style == "Heading 1"] == [
        "一、巡察整改工作开展情况",
        "二、巡察反馈问题整改情况",
        "三、下一步工作打算",
    ]
    assert items[-1][1] == "2022年5月18日"


async def test_opening_and_organisation_come_from_the_ledger(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    items = paragraphs((await export_report(session, SYSTEM_ACTOR, clock)).content)
    opening = items[2][1]
    assert "《淮北市红十字会市委第二巡察组反馈意见整改落实台账》" in opening
    assert "于2022年5月16日录入整改台账" in opening  # when the plan was imported
    organisation = " ".join(text for _, text in section(items, "一、巡察整改工作开展情况"))
    assert "共梳理3个方面17个问题，制定整改措施32条" in organisation
    assert "立行立改5条、限期整改20条、长期坚持7条" in organisation
    assert "责任领导3名（陈某某、吴某某、马某某）" in organisation
    assert "责任人累计报告整改进展6次" in organisation
    assert "上传佐证材料2份" in organisation
    assert "审核同意销号1次" in organisation and "同意延期1次" in organisation
    assert "已销号1条，占3%；待销号1条；推进中3条；未启动27条" in organisation


async def test_aspects_and_problems_in_plan_order_with_the_owners_notes(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan, example_plan: Any
) -> None:
    items = paragraphs((await export_report(session, SYSTEM_ACTOR, clock)).content)
    part = section(items, "二、巡察反馈问题整改情况")
    aspects = [text for style, text in part if style == "Heading 2"]
    assert aspects == [
        f"（{n}）{a['title']}" for n, a in zip("一二三", example_plan["aspects"], strict=True)
    ]
    problems = [text for style, text in part if style == "Normal"]
    titles = [p["title"].rstrip("。") for a in example_plan["aspects"] for p in a["problems"]]
    assert len(problems) == len(titles) == 17
    for number, (text, title) in enumerate(zip(problems, titles, strict=True), start=1):
        assert text.startswith(f"（{number}）针对{title}问题。")
    finance = problem_paragraph(part, "财务支付手续不全")
    # measure by measure, in the owners' words; a measure with nothing reported says so
    assert "一是“组织财务人员开展财经知识和财经纪律学习”尚未报告整改进展。" in finance
    assert "二是已修订财务报销制度，完成60%；财务制度已印发执行。" in finance
    assert finance.endswith("目前，该问题2条整改措施已销号1条、未启动1条。")
    accounts = problem_paragraph(part, "捐赠专项资金账户混乱")
    assert "二是已与开户银行初步沟通；银行要求补充材料。" in accounts
    untouched = problem_paragraph(part, "没有健全应急救援体系")
    assert untouched.endswith("该问题的2条整改措施均尚未报告整改进展。")
    single = problem_paragraph(part, "捐赠物资未登记入账")
    assert "捐赠物资已全部补登入账。" in single and "一是" not in single
    assert "待销号1条" in single


async def test_next_steps_list_every_open_measure(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan, example_plan: Any
) -> None:
    items = paragraphs((await export_report(session, SYSTEM_ACTOR, clock)).content)
    part = section(items, "三、下一步工作打算")
    assert part[0][1].startswith("截至2022年5月18日，尚有31条整改措施未销号（其中长期坚持7条）")
    listed = [text for _, text in part if text[:1].isdigit() and "（措施" in text]
    assert len(listed) == 31
    texts = " ".join(listed)
    assert "措施10.2" not in texts  # closed
    closing = next(t for t in listed if "措施12.1" in t)
    assert "已申请销号，待责任领导审核" in closing
    extended = next(t for t in listed if "措施13.1" in t)
    assert "整改时限：2022年6月30日（已延期至2022年8月31日）" in extended
    overdue = next(t for t in listed if "措施11.1" in t)
    assert "已逾期" in overdue and "责任领导：陈某某" in overdue
    labels = [text for _, text in part if text.startswith("（") and "事项" in text]
    assert labels == ["（一）尚未完成的整改事项（24条）", "（二）需长期坚持的整改事项（7条）"]


async def test_official_document_styling(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    document = docx.Document(BytesIO((await export_report(session, SYSTEM_ACTOR, clock)).content))

    def east_asia(style_name: str) -> str | None:
        fonts = document.styles[style_name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsiaTheme")) is None
        return fonts.get(qn("w:eastAsia"))

    assert east_asia("Title") == "方正小标宋简体"
    assert east_asia("Heading 1") == "黑体"
    assert east_asia("Heading 2") == "楷体_GB2312"
    assert east_asia("Normal") == "仿宋_GB2312"
    normal = document.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.paragraph_format.line_spacing.pt == 28
    indent = normal.element.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"
    section_ = document.sections[0]
    assert round(section_.top_margin.mm) == 37 and round(section_.left_margin.mm) == 28
    assert "PAGE" in section_.footer.paragraphs[0]._p.xml
    leads = [
        run
        for p in document.paragraphs
        if p.text.startswith("（1）")
        for run in p.runs
        if run.bold
    ]
    assert leads and leads[0].text.startswith("（1）针对")


async def test_a_leader_gets_a_report_on_what_they_lead(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    exported = await export_report(session, await actor_for(session, "马某某"), clock)
    items = paragraphs(exported.content)
    assert "本报告范围为马某某分管的整改措施" in items[2][1]
    text = " ".join(t for _, t in items)
    assert "财务支付手续不全" not in text and "没有健全应急救援体系" in text
    assert "已组织5期300多人线上学习" in text


async def test_staff_may_not_have_the_report(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    with pytest.raises(NotAllowed):
        await export_report(session, await actor_for(session, "丁某某"), clock)


@pytest.mark.parametrize(
    ("plan_title", "expected"),
    [
        (
            "淮北市红十字会市委第二巡察组反馈意见整改落实台账",
            "关于淮北市红十字会市委第二巡察组反馈意见整改情况的报告",
        ),
        ("某局巡察整改方案", "关于某局巡察整改情况的报告"),
        ("台账", "关于巡察整改情况的报告"),
    ],
)
def test_report_title(plan_title: str, expected: str) -> None:
    assert report_title(plan_title) == expected
