"""Turning service results into message text (HTML, every value escaped)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.services import statuses
from bot.services.ledger import HistoryEntry, MeasureDetail, MeasureLine, Overview, ProblemGroup
from handlers.texts import Safe, Texts, esc

SHORT_TEXT = 60
HISTORY_SHOWN = 8


def short(text: str, limit: int = SHORT_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_name(t: Texts, status: str) -> str:
    return t(f"status_{status}")


def deadline_text(
    t: Texts, kind: str, deadline: date | None, raw: str | None, then_ongoing: bool = False
) -> str:
    if kind == statuses.DEADLINE_DATE and deadline is not None:
        text = deadline.isoformat()
    elif kind in (statuses.DEADLINE_IMMEDIATE, statuses.DEADLINE_ONGOING, statuses.DEADLINE_NONE):
        text = t(f"deadline_{kind}")
    else:
        text = raw or t("deadline_none")
    return text + (t("deadline_then_ongoing") if then_ongoing else "")


def flag_text(t: Texts, line: MeasureLine) -> str:
    if line.overdue:
        return " " + t("flag_overdue", days=line.days_overdue)
    if line.due_soon:
        return " " + t("flag_due_soon")
    return ""


def line_deadline(t: Texts, line: MeasureLine) -> str:
    return deadline_text(t, line.deadline_kind, line.deadline, line.deadline_raw)


def my_measures(t: Texts, groups: list[ProblemGroup]) -> str:
    count = sum(len(g.measures) for g in groups)
    if not count:
        return t("my_empty")
    lines = [t("my_title", count=count)]
    for group in groups:
        lines.append("")
        lines.append(t("problem_heading", number=group.number, title=short(group.title)))
        for m in group.measures:
            lines.append(
                f"<b>{esc(m.code)}</b> {esc(short(m.text, 40))}"
                f"｜{esc(status_name(t, m.status))}｜{esc(line_deadline(t, m))}"
                f"{esc(flag_text(t, m))}"
            )
    return "\n".join(lines)


def local_time(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def history_line(t: Texts, entry: HistoryEntry, tz: ZoneInfo) -> str:
    detail = entry.detail
    key = f"action_{entry.action}"
    params = {
        "fields": "、".join(detail.get("fields", []))
        if isinstance(detail.get("fields"), list)
        else "",
        "file_name": detail.get("file_name") or t("evidence_photo"),
        "reason": detail.get("reason") or t("no_reason"),
        "requested": detail.get("requested", ""),
        "action": entry.action,
    }
    try:
        what = t(key, **params)
    except KeyError:
        what = t("action_other", action=entry.action)
    text = t("history_line", at=local_time(entry.at, tz), who=entry.actor or "—", what=Safe(what))
    note = detail.get("note")
    if note and entry.action in ("reported", "close_requested"):
        text += t("history_note", note=short(str(note), 200))
    return text


def measure_detail(
    t: Texts, detail: MeasureDetail, tz: ZoneInfo, full_history: bool = False
) -> str:
    line = detail.line
    lines = [
        t("measure_heading", code=line.code, status=status_name(t, line.status))
        + esc(flag_text(t, line)),
        f"{esc(t('label_aspect'))}：{esc(detail.aspect)}",
        f"{esc(t('label_problem'))} {esc(detail.problem_number)}：{esc(detail.problem_title)}",
        f"{esc(t('label_measure'))}：{esc(line.text)}",
        f"{esc(t('label_leader'))}：{esc('、'.join(detail.leaders) or '—')}",
        f"{esc(t('label_department'))}：{esc('、'.join(detail.departments) or '—')}",
        f"{esc(t('label_owner'))}：{esc('、'.join(detail.owners) or '—')}",
        f"{esc(t('label_deadline'))}："
        + esc(
            deadline_text(
                t, line.deadline_kind, line.deadline, line.deadline_raw, detail.then_ongoing
            )
        ),
    ]
    if detail.original_deadline and detail.original_deadline != line.deadline:
        lines.append(
            f"{esc(t('label_original_deadline'))}：{esc(detail.original_deadline.isoformat())}"
        )
    if line.percent is not None:
        lines.append(f"{esc(t('label_percent'))}：{line.percent}%")
    lines.append(
        f"{esc(t('label_evidence'))}：{esc(t('evidence_count', count=detail.evidence_count))}"
    )
    for pending in detail.pending:
        if pending.kind == "close":
            lines.append(
                t(
                    "pending_close",
                    who=pending.requested_by,
                    at=local_time(pending.requested_at, tz),
                )
            )
        else:
            lines.append(
                t(
                    "pending_extension",
                    who=pending.requested_by,
                    date=pending.requested_deadline.isoformat()
                    if pending.requested_deadline
                    else "",
                )
            )
    lines += ["", t("history_title")]
    history = detail.history
    if not history:
        lines.append(t("history_empty"))
    else:
        shown = history if full_history else history[-HISTORY_SHOWN:]
        if len(shown) < len(history):
            lines.append(t("history_more", count=len(history) - len(shown)))
        lines += [history_line(t, entry, tz) for entry in shown]
    return "\n".join(lines)


def overview(t: Texts, result: Overview, limit: int = 10) -> str:
    closed = result.by_status.get(statuses.CLOSED, 0)
    percent = round(100 * closed / result.total) if result.total else 0
    lines = [
        t(f"overview_title_{result.scope}"),
        t(
            "overview_counts",
            total=result.total,
            percent=percent,
            ongoing=result.ongoing,
            **result.by_status,
        ),
    ]
    for title_key, items in (
        ("overview_overdue", result.overdue),
        ("overview_due_soon", result.due_soon),
    ):
        if not items:
            continue
        lines += ["", t(title_key, count=len(items))]
        lines += [overview_line(t, m) for m in items[:limit]]
        if len(items) > limit:
            lines.append(t("overview_more", count=len(items) - limit))
    return "\n".join(lines)


def overview_line(t: Texts, m: MeasureLine) -> str:
    return t(
        "overview_line",
        code=m.code,
        text=short(m.text, 30),
        owners="、".join(m.owners) or "—",
        deadline=line_deadline(t, m),
        flag=flag_text(t, m),
    )
