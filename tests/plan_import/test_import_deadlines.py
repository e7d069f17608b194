"""整改时限 as offices write it, read against the plan's year."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.plan_import import Deadline, normalise_deadline

D = dt.date


@pytest.mark.parametrize(
    ("raw", "kind", "date", "then_ongoing"),
    [
        ("2022-06-30", "date", D(2022, 6, 30), False),
        ("2023年6月30日前", "date", D(2023, 6, 30), False),
        ("2022年2月底前", "date", D(2022, 2, 28), False),
        ("2024年2月底前", "date", D(2024, 2, 29), False),
        ("6月底前", "date", D(2022, 6, 30), False),
        ("9月底", "date", D(2022, 9, 30), False),
        ("10月底前", "date", D(2022, 10, 31), False),
        ("年底前", "date", D(2022, 12, 31), False),
        ("2022年底前", "date", D(2022, 12, 31), False),
        ("2023年底", "date", D(2023, 12, 31), False),
        ("3月31日", "date", D(2022, 3, 31), False),
        ("3月31日前", "date", D(2022, 3, 31), False),
        ("立行立改", "immediate", None, False),
        ("立即整改", "immediate", None, False),
        ("长期坚持", "ongoing", None, False),
        ("持续推进", "ongoing", None, False),
        ("常态化开展", "ongoing", None, False),
        ("每季度报送", "ongoing", None, False),
        ("立行立改并长期坚持", "immediate", None, True),
        ("立行立改，长期坚持", "immediate", None, True),
        ("6月底前并长期坚持", "date", D(2022, 6, 30), True),
        ("2022年6月底前完成，长期坚持", "date", D(2022, 6, 30), True),
        ("上半年", "date", D(2022, 6, 30), False),
        ("下半年", "date", D(2022, 12, 31), False),
        ("2023年上半年", "date", D(2023, 6, 30), False),
        ("第一季度", "date", D(2022, 3, 31), False),
        ("一季度末", "date", D(2022, 3, 31), False),
        ("第三季度", "date", D(2022, 9, 30), False),
        ("2022.6.30", "date", D(2022, 6, 30), False),
        ("2022/6/30", "date", D(2022, 6, 30), False),
        ("２０２２年６月３０日", "date", D(2022, 6, 30), False),
        ("20220630", "date", D(2022, 6, 30), False),
        ("六月底", "date", D(2022, 6, 30), False),
        ("十二月底前", "date", D(2022, 12, 31), False),
        ("十月三十一日前", "date", D(2022, 10, 31), False),
        ("二〇二二年六月底", "date", D(2022, 6, 30), False),
        ("2022年6月", "date", D(2022, 6, 30), False),
        ("22年6月底", "date", D(2022, 6, 30), False),
        ("6.30前", "date", D(2022, 6, 30), False),
        ("10月中旬", "date", D(2022, 10, 20), False),
        ("2022年\n6月底前", "date", D(2022, 6, 30), False),
        ("2022/6/30 0:00:00", "date", D(2022, 6, 30), False),
        ("2022年6月30日（已完成）", "date", D(2022, 6, 30), False),
    ],
)
def test_readings(raw: str, kind: str, date: dt.date | None, then_ongoing: bool) -> None:
    deadline = normalise_deadline(raw, 2022)
    assert (deadline.kind, deadline.date, deadline.then_ongoing) == (kind, date, then_ongoing)
    assert deadline.raw == raw.strip()
    assert deadline.note is None


def test_json_values() -> None:
    assert normalise_deadline("6月底前", 2022).json_value == "2022-06-30"
    assert normalise_deadline("立行立改并长期坚持", 2022).json_value == "immediate"
    assert normalise_deadline("长期坚持", 2022).json_value == "ongoing"
    assert normalise_deadline("看情况", 2022).json_value is None
    assert normalise_deadline(None, 2022).json_value is None


def test_real_date_cells_keep_the_shown_text() -> None:
    deadline = normalise_deadline(dt.datetime(2022, 4, 30), 2022, shown="4月30日")
    assert deadline == Deadline("date", D(2022, 4, 30), "4月30日")
    assert normalise_deadline(D(2022, 4, 30), None).raw == "2022-04-30"


@pytest.mark.parametrize("raw", [None, "", "  ", "无", "/", "—"])
def test_no_deadline(raw: str | None) -> None:
    deadline = normalise_deadline(raw, 2022)
    assert deadline.kind == "none" and deadline.date is None


@pytest.mark.parametrize("raw", ["视情况而定", "待定", "2022年2月30日", "13月底"])
def test_unreadable_is_unknown_with_a_note_and_keeps_the_raw_text(raw: str) -> None:
    deadline = normalise_deadline(raw, 2022)
    assert deadline.kind == "unknown" and deadline.date is None
    assert deadline.raw == raw
    assert deadline.note


def test_no_year_anywhere_is_unknown_with_a_note() -> None:
    deadline = normalise_deadline("6月底前", None)
    assert deadline.kind == "unknown" and deadline.raw == "6月底前"
    assert "年份" in (deadline.note or "")
    assert normalise_deadline("2022年6月底前", None).date == D(2022, 6, 30)


def test_ambiguous_readings_say_how_they_were_read() -> None:
    before_june = normalise_deadline("6月前", 2022)
    assert before_june.date == D(2022, 5, 31) and before_june.note
    several = normalise_deadline("2022年6月底前完成初步整改，12月底前全面完成", 2022)
    assert several.date == D(2022, 12, 31) and several.note
