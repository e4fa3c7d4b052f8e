"""The date scan led by years finds exactly what the date pattern finds trying every character."""

import random

import pytest

from retest.extract import dates

WORDS = [*dates._WORDS, *dates._ENGLISH.split(), "Sept.", "sept.", "janv.", "de", "DE", "De", "x", "ab", "2024", "1999",
         "2019-05", "2020/12/01", "12", "1", "05", "5", "年", "月", "日", "至", "٢٠٢٤", "2024年5月", "a" * 14,
         "Spring", "summer", "since", "from", "ſept", "Sept²", "MAYO", "Décembre", "to", "until", "tot", "bis", "~"]
SEPARATORS = [" ", "  ", "\t", "\n", "/", "-", ".", "", "_", ",", "(", ")", "–", "\u00a0", "\u3000"]


def _texts(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 8)))


@pytest.mark.parametrize("pattern", [dates.DATE, dates._date_cjk()], ids=["plain", "cjk"])
def test_scan_finds_what_the_pattern_finds(pattern):
    for text in _texts(33, 20_000):
        want = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in dates.matches(pattern, text)] == want, text


def test_dates_taken_out_as_the_pattern_takes_them():
    for text in _texts(34, 5_000):
        assert dates.without_dates(text) == dates.pattern(text).sub("", text), text


def _ranges(seed: int, count: int):
    """Texts around the range forms: month words and other words beside years, joined by range separators."""
    rng = random.Random(seed)
    joins = [*SEPARATORS, "–", " – ", " to ", "to", "-", " until ", " bis ", "至", " through ", "—", "tot "]
    words = [*WORDS, *dates._ENGLISH.split() * 4]
    years = ["2024", "1999", "2019-05", "05/2020", "2020/12/01", "de 2023", "2024年5月"]
    for _ in range(count):
        parts = [rng.choice(words) + rng.choice(["", " ", ". ", "  "]) + rng.choice(years) if rng.random() < 0.6
                 else rng.choice(words) for _ in range(rng.randint(2, 6))]
        yield "".join(part + rng.choice(joins) for part in parts)


def test_range_found_as_the_exact_pattern_finds_it():
    found_some = 0
    for text in [*_ranges(35, 20_000), "Sept 2024–May 2026", "Sept–Dec 2024", "Spring 2024 – May 2025",
                 "spring–Dec 2024", "ſept–Dec 2024", "2023年12月至2024年5月"]:
        exact = dates._range("年" in text, exact=True).search(text)
        got = dates._range_search(text)
        assert (got and (got.span(), got.groupdict())) == (exact and (exact.span(), exact.groupdict())), text
        found_some += exact is not None
    assert found_some > 1000  # the texts hold ranges often enough to test the loose pattern
