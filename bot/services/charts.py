"""The digest's picture: progress by aspect as stacked bars, as PNG bytes, Chinese labels included.

Matplotlib's own fonts have no Chinese, and the machine may have none either, so the font
comes with the project: Noto Sans CJK SC from the `mplfonts` package (a dependency), or a
font file dropped into bot/fonts/. System fonts with Chinese are the last resort. With no
Chinese font at all, `ChartUnavailable` is raised and the digest goes without its picture
rather than with boxes for labels. The words on the chart come from the caller (the handlers'
text tables), so the picture speaks the recipient's language.
"""

from __future__ import annotations

import importlib.util
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.services.digest import GroupProgress

BUNDLED_FONTS = Path(__file__).resolve().parent.parent / "fonts"
MPLFONTS_FILE = "NotoSansCJKsc-Regular.otf"
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
MAX_GROUPS = 12
LABEL_CHARS = 16
COLOURS = {
    "closed": "#2e7d32",
    "awaiting_signoff": "#1565c0",
    "in_progress": "#f9a825",
    "not_started": "#bdbdbd",
    "overdue": "#c62828",
}
# matplotlib's font cache and pyplot-free figures are not thread-safe in every version
_lock = threading.Lock()


class ChartUnavailable(Exception):
    """No font with Chinese characters could be found: no picture."""


@dataclass(frozen=True)
class ChartLabels:
    title: str
    subtitle: str
    closed: str
    awaiting_signoff: str
    in_progress: str
    not_started: str
    # with one {count} placeholder
    overdue: str
    other: str


def _mplfonts_file() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / MPLFONTS_FILE
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def font_file() -> Path:
    """The font the chart is drawn with; ChartUnavailable when none has Chinese."""
    if BUNDLED_FONTS.is_dir():
        for pattern in ("*.otf", "*.ttf", "*.ttc"):
            found = sorted(BUNDLED_FONTS.glob(pattern))
            if found:
                return found[0]
    packaged = _mplfonts_file()
    if packaged is not None:
        return packaged
    from matplotlib import font_manager

    for family in SYSTEM_FAMILIES:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        return Path(path)
    raise ChartUnavailable()


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    text = "".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _groups_shown(groups: Sequence[GroupProgress], other: str) -> list[GroupProgress]:
    if len(groups) <= MAX_GROUPS:
        return list(groups)
    kept = list(groups[: MAX_GROUPS - 1])
    rest = groups[MAX_GROUPS - 1 :]
    kept.append(
        GroupProgress(
            key="other",
            label=other,
            total=sum(g.total for g in rest),
            closed=sum(g.closed for g in rest),
            awaiting_signoff=sum(g.awaiting_signoff for g in rest),
            in_progress=sum(g.in_progress for g in rest),
            not_started=sum(g.not_started for g in rest),
            overdue=sum(g.overdue for g in rest),
        )
    )
    return kept


def progress_chart(groups: Sequence[GroupProgress], labels: ChartLabels) -> bytes:
    """A PNG: one stacked bar per aspect (closed, awaiting sign-off, in progress, not started),
    with the overdue count at the end of the bar. Takes some 100 ms: call it off the event
    loop (asyncio.to_thread)."""
    font = font_file()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    shown = _groups_shown(groups, labels.other)
    with _lock:
        prop = FontProperties(fname=str(font), size=11)
        small = FontProperties(fname=str(font), size=9)
        title_prop = FontProperties(fname=str(font), size=14)
        height = 2.2 + 0.55 * max(len(shown), 1)
        figure = Figure(figsize=(8, height), dpi=120)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot(111)
        rows = list(reversed(shown))  # the first aspect on top
        positions = list(range(len(rows)))
        left = [0] * len(rows)
        series: list[tuple[str, str, list[int]]] = [
            ("closed", labels.closed, [g.closed for g in rows]),
            ("awaiting_signoff", labels.awaiting_signoff, [g.awaiting_signoff for g in rows]),
            ("in_progress", labels.in_progress, [g.in_progress for g in rows]),
            ("not_started", labels.not_started, [g.not_started for g in rows]),
        ]
        for key, name, values in series:
            axes.barh(positions, values, left=left, color=COLOURS[key], label=name, height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        widest = max([g.total for g in rows] or [1])
        for y, group in zip(positions, rows, strict=True):
            note = f"{group.closed}/{group.total}"
            colour = "#333333"
            if group.overdue:
                note += "  " + labels.overdue.format(count=group.overdue)
                colour = COLOURS["overdue"]
            axes.text(
                group.total + widest * 0.01,
                y,
                note,
                va="center",
                fontproperties=small,
                color=colour,
            )
        axes.set_yticks(positions)
        axes.set_yticklabels([short_label(g.label) for g in rows], fontproperties=prop)
        axes.set_xlim(0, widest * 1.35 + 1)
        axes.xaxis.get_major_locator().set_params(integer=True)
        for label in axes.get_xticklabels():
            label.set_fontproperties(small)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.suptitle(labels.title, fontproperties=title_prop, x=0.02, y=0.985, ha="left")
        figure.text(
            0.02, 1 - 0.62 / height, labels.subtitle, fontproperties=small, color="#555555"
        )
        figure.legend(
            loc="lower center",
            ncol=4,
            frameon=False,
            prop=small,
            bbox_to_anchor=(0.5, 0.0),
        )
        figure.tight_layout(rect=(0, 0.5 / height, 1, 1 - 0.7 / height))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
