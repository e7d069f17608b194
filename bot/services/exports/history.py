"""A person's recorded actions over a range of days, as CSV that Excel opens (UTF-8 + BOM)."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from bot.services.exports import labels
from bot.services.exports.data import HistoryRow

CSV_COLUMNS = ("时间", "人员", "操作", "措施编号", "整改措施", "说明")


def history_csv(rows: list[HistoryRow], tz: ZoneInfo) -> bytes:
    """One line per action, oldest first; times in local time, to the second."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                row.person,
                labels.action_label(row.action),
                row.measure_code,
                row.measure_text,
                labels.detail_text(row.action, row.detail),
            )
        )
    # the byte-order mark tells Excel the file is UTF-8, so Chinese shows correctly
    return buffer.getvalue().encode("utf-8-sig")
