"""The Chinese words of the exported files: statuses, actions, deadlines, numbering.

The files are official documents (台账, 整改情况报告) and are written in Chinese whatever
language the person asking for them chats in.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from bot.services import statuses

STATUS_LABELS = {
    statuses.NOT_STARTED: "未启动",
    statuses.IN_PROGRESS: "推进中",
    statuses.AWAITING_SIGNOFF: "待销号",
    statuses.CLOSED: "已销号",
}
DEADLINE_LABELS = {
    statuses.DEADLINE_IMMEDIATE: "立行立改",
    statuses.DEADLINE_ONGOING: "长期坚持",
}
ACTION_LABELS = {
    "plan_imported": "导入整改方案",
    "measure_created": "建立措施",
    "measure_edited": "修改措施",
    "measure_removed": "措施移出方案",
    "reported": "报告进展",
    "evidence_added": "上传佐证材料",
    "close_requested": "申请销号",
    "signed_off": "同意销号",
    "sent_back": "退回",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_refused": "不同意延期",
    "person_created": "添加人员",
    "invite_created": "生成邀请链接",
    "joined": "绑定账号",
    "language_set": "切换语言",
}
FIELD_LABELS = {
    "text": "措施内容",
    "problem_id": "所属问题",
    "position": "顺序",
    "deadline": "整改时限",
    "deadline_kind": "整改时限",
    "deadline_raw": "整改时限",
    "then_ongoing": "长期坚持",
    "leader_text": "责任领导",
    "owner_text": "责任人",
    "department_text": "牵头科室",
}
_ORDINALS = "一二三四五六七八九十"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def action_label(action: str) -> str:
    """The action in Chinese; an action added later than this table shows as its code."""
    return ACTION_LABELS.get(action, action)


def chinese_number(value: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五, 100 → 100 (official numbering rarely goes further)."""
    if value <= 0 or value >= 100:
        return str(value)
    tens, ones = divmod(value, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else _ORDINALS[tens - 1]) + "十"
    if ones:
        text += _ORDINALS[ones - 1]
    return text


def ordinal_lead(index: int) -> str:
    """一是、二是… for the measures taken against one problem (1-based)."""
    return f"{chinese_number(index)}是"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def local_datetime_text(moment: datetime | None, tz: Any) -> str:
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def deadline_text(kind: str, deadline: date | None, raw: str | None) -> str:
    """整改时限 as the plan wrote it: the raw text, else a date, else 立行立改/长期坚持."""
    if raw:
        return raw
    if kind == statuses.DEADLINE_DATE and deadline is not None:
        return chinese_date(deadline)
    return DEADLINE_LABELS.get(kind, "")


def detail_text(action: str, detail: dict[str, Any]) -> str:
    """What an audit event says beyond its action, in one line of Chinese."""
    parts: list[str] = []
    note = detail.get("note")
    if note:
        parts.append(str(note))
    if action == "reported":
        before, after = detail.get("status_before"), detail.get("status")
        if before and after and before != after:
            parts.append(f"状态：{status_label(before)}→{status_label(after)}")
        if detail.get("percent") is not None:
            parts.append(f"进度：{detail['percent']}%")
        if detail.get("evidence"):
            parts.append(f"佐证材料{detail['evidence']}份")
    elif action == "evidence_added":
        parts.append(
            str(detail.get("file_name") or ("照片" if detail.get("kind") == "photo" else "文件"))
        )
    elif action in ("signed_off", "sent_back", "extension_refused", "extension_approved"):
        if action == "extension_approved" and detail.get("requested"):
            parts.append(f"延期至{detail['requested']}")
        if detail.get("reason"):
            parts.append(f"理由：{detail['reason']}")
    elif action == "extension_requested":
        parts.append(f"由{detail.get('deadline') or '—'}延至{detail.get('requested') or '—'}")
        if detail.get("reason"):
            parts.append(f"理由：{detail['reason']}")
    elif action == "measure_edited":
        fields = detail.get("fields") or []
        names = dict.fromkeys(FIELD_LABELS.get(str(f), str(f)) for f in fields)
        if names:
            parts.append("修改：" + "、".join(names))
    elif action == "measure_removed" and detail.get("code"):
        parts.append(f"原编号{detail['code']}")
    elif action == "plan_imported":
        if detail.get("title"):
            parts.append(f"《{detail['title']}》")
        if detail.get("measures") is not None:
            parts.append(f"措施{detail['measures']}条")
    elif action in ("person_created", "invite_created", "joined") and detail.get("name"):
        parts.append(str(detail["name"]))
    return "；".join(parts)


def display_width(text: str) -> int:
    """Columns a text takes in a sheet: CJK characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
