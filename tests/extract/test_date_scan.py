"""The date scan led by years finds exactly what the date pattern finds trying every character."""

import random

import pytest

from retest.extract import dates

WORDS = [*dates._WORDS, *dates._ENGLISH.split(), "Sept.", "sept.", "janv.", "de", "DE", "De", "x", "ab", "2024", "1999",
         "2019-05", "2020/12/01", "12", "1", "05", "5", "年", "月", "日", "至", "٢٠٢٤", "2024年5月", "a" * 14]
SEPARATORS = [" ", "  ", "\t", "\n", "/", "-", ".", "", "_", ",", "(", ")", "–", "\u00a0", "\u3000"]


def _texts(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 8)))


@pytest.mark.parametrize("pattern", [dates.DATE, dates.DATE_CJK], ids=["plain", "cjk"])
def test_scan_finds_what_the_pattern_finds(pattern):
    for text in _texts(33, 20_000):
        want = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in dates.matches(pattern, text)] == want, text


def test_dates_taken_out_as_the_pattern_takes_them():
    for text in _texts(34, 5_000):
        assert dates.without_dates(text) == dates.pattern(text).sub("", text), text
