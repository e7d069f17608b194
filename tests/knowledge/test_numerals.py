import pytest

from knowledge.numerals import parse_number, to_chinese


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("一百零五", 105), ("一百一十", 110),
     ("四百六十三", 463), ("一千二百六十", 1260), ("11", 11), ("１１", 11), ("一〇五", 105)],
)
def test_parse_number(text: str, number: int) -> None:
    assert parse_number(text) == number


def test_parse_rejects_non_numbers() -> None:
    assert parse_number("") is None
    assert parse_number("第三人") is None


@pytest.mark.parametrize("number", [1, 9, 10, 11, 19, 20, 99, 100, 101, 110, 111, 463, 1001, 1260])
def test_round_trip(number: int) -> None:
    assert parse_number(to_chinese(number)) == number


def test_statute_style() -> None:
    assert to_chinese(10) == "十"
    assert to_chinese(11) == "十一"
    assert to_chinese(110) == "一百一十"
    assert to_chinese(1001) == "一千零一"
