"""Chinese numerals as used in article numbers (第一千二百六十条), both directions."""

from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)


def parse_number(text: str) -> int | None:
    """Parse '十一', '一百零五', '11', '１１' (and digit strings like '一〇五') into an int."""
    text = text.strip().translate(FULLWIDTH_DIGITS)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(ch not in DIGITS and ch not in UNITS for ch in text):
        return None
    if not any(ch in UNITS for ch in text):
        # Digit-by-digit form such as 一〇五.
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        else:
            unit = UNITS[ch]
            # A bare 十 at the start means 10 (十一 = 11).
            total += (current or 1) * unit
            current = 0
    return total + current


def to_chinese(number: int) -> str:
    """Format 1..9999 the way statutes number their articles: 10 → 十, 110 → 一百一十."""
    if number <= 0 or number >= 10000:
        return str(number)
    names = "零一二三四五六七八九"
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit_name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            if parts:
                pending_zero = True
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(names[digit] + unit_name)
    result = "".join(parts)
    if number < 20 and result.startswith("一十"):
        result = result[1:]
    return result
