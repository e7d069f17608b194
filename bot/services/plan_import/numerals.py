"""Chinese numerals as they appear in outline markers and dates (一、十二、二十三、二〇二二)."""

from __future__ import annotations

_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_NUMERAL_CHARS = "〇零一二两三四五六七八九十百"


def chinese_to_int(text: str) -> int | None:
    """'一' → 1, '十二' → 12, '二十' → 20, '一百零三' → 103; None if not a numeral."""
    if not text or any(ch not in CHINESE_NUMERAL_CHARS for ch in text):
        return None
    total = 0
    current = 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def chinese_digits_to_int(text: str) -> int | None:
    """Digit by digit, as years are written: '二〇二二' → 2022."""
    if not text or any(ch not in _DIGITS for ch in text):
        return None
    return int("".join(str(_DIGITS[ch]) for ch in text))


def int_to_chinese(value: int) -> str:
    """1 → '一', 12 → '十二', 20 → '二十', 31 → '三十一' (up to 99)."""
    digits = "〇一二三四五六七八九"
    if value < 10:
        return digits[value]
    tens, ones = divmod(value, 10)
    head = "" if tens == 1 else digits[tens]
    return f"{head}十{digits[ones] if ones else ''}"
