import pytest
from hypothesis import given
from hypothesis import strategies as st

from retest.extract import arxiv


@pytest.mark.parametrize(
    "text, expected",
    [
        ("arXiv:2504.07912", [("2504.07912", None, "2025-04")]),
        ("arXiv: 2504.07912v2", [("2504.07912", 2, "2025-04")]),
        ("see https://arxiv.org/abs/2505.11711v1.", [("2505.11711", 1, "2025-05")]),
        ("arxiv.org/pdf/2504.07912.pdf", [("2504.07912", None, "2025-04")]),
        ("arxiv.org/pdf/2504.07912v3", [("2504.07912", 3, "2025-04")]),
        ("doi:10.48550/arXiv.2504.07912", [("2504.07912", None, "2025-04")]),
        ("(2019-05, arXiv:1905.09749; 2025-05, arXiv:2505.15917)",
         [("1905.09749", None, "2019-05"), ("2505.15917", None, "2025-05")]),
        ("hep-th/9711200", [("hep-th/9711200", None, "1997-11")]),
        ("quant-ph/9508027v2", [("quant-ph/9508027", 2, "1995-08")]),
        ("math.GT/0309136", [("math/0309136", None, "2003-09")]),
        ("cond-mat/0703001", [("cond-mat/0703001", None, "2007-03")]),
        ("0704.0001 is the first", [("0704.0001", None, "2007-04")]),
        ("1412.9999 and 1501.00001", [("1412.9999", None, "2014-12"), ("1501.00001", None, "2015-01")]),
    ],
)
def test_valid_written_forms(text, expected):
    assert [(i.id, i.version, i.date) for i in arxiv.find(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "2401.123456",              # longer number
        "file_2401.12345.txt",      # file name
        "2401.12345.txt",           # file name without prefix
        "version 2025.04 released",  # a date
        "call 555.1234 or 202.555.0142",  # phone numbers
        "python 3.11.7 and v1.2.3",
        "docs/1234567",             # a path, not an archive
        "x2401.12345",
    ],
)
def test_lookalikes_are_not_ids(text):
    assert arxiv.find_all(text) == []


@pytest.mark.parametrize(
    "text, problem",
    [
        ("arXiv:2513.01234", "month 13"),
        ("arXiv:2401.1234", "5-digit"),
        ("arXiv:1412.12345", "4-digit"),
        ("arXiv:0612.1234", "start in 0704"),
        ("arXiv:2504.07912v0", "v0"),
        ("arXiv:foo-bar/9901001", "not an arXiv archive"),
        ("arXiv:hep-th/0801001", "9107 to 0703"),
        ("arXiv:hep-th/9001001", "9107 to 0703"),
        ("arXiv:2504.00000", "sequence number 0"),
    ],
)
def test_prefixed_invalid_ids_are_reported_malformed(text, problem):
    (found,) = arxiv.find_all(text)
    assert found.problem and problem in found.problem
    assert arxiv.find(text) == []


def test_canonical_and_parse():
    assert arxiv.canonical("arXiv:2504.07912v2") == "2504.07912"
    assert arxiv.canonical("math.GT/0309136") == "math/0309136"
    assert arxiv.parse("https://arxiv.org/abs/hep-th/9711200v2").versioned == "hep-th/9711200v2"
    with pytest.raises(ValueError):
        arxiv.parse("2504.07912 and 2505.11711")
    with pytest.raises(ValueError, match="malformed"):
        arxiv.parse("arXiv:2513.01234")


# --- properties -------------------------------------------------------------

new_style = st.builds(
    lambda yymm, seq, v: (yymm, seq, v),
    st.integers(min_value=0, max_value=2 * 12 * 19 + 8).map(lambda n: divmod(n + 7 * 12 + 3, 12)),
    st.integers(min_value=1, max_value=9999),
    st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
)


def _new_id(parts):
    (yy, m0), seq, v = parts
    yymm = f"{yy:02d}{m0 + 1:02d}"
    width = 4 if int(yymm) <= 1412 else 5
    body = f"{yymm}.{seq % 10**width or 1:0{width}d}"
    return body, v, f"20{yy:02d}-{m0 + 1:02d}"


old_style = st.tuples(
    st.sampled_from(sorted(arxiv.OLD_ARCHIVES)),
    st.integers(min_value=1991 * 12 + 6, max_value=2007 * 12 + 2),
    st.integers(min_value=1, max_value=999),
    st.one_of(st.none(), st.integers(min_value=1, max_value=9)),
)

LINK_FORMS = ["https://arxiv.org/html/{}", "https://export.arxiv.org/abs/{}", "https://ar5iv.labs.arxiv.org/html/{}",
              "ar5iv.org/abs/{}", "https://huggingface.co/papers/{}", "hf.co/papers/{}",
              "https://www.alphaxiv.org/abs/{}", "https://api.semanticscholar.org/graph/v1/paper/ARXIV:{}",
              "arXiv {}", "arXiv.{}", "[arXiv:{0}](https://arxiv.org/abs/{0})", "[the paper](https://arxiv.org/abs/{0})",
              "<https://arxiv.org/abs/{}>"]
forms = st.sampled_from(["{}", "arXiv:{}", "arXiv: {}", "https://arxiv.org/abs/{}", "arxiv.org/pdf/{}",
                         "10.48550/arXiv.{}", "({})", "[{}]", *LINK_FORMS])
filler = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30).map(lambda s: s + " ")


@given(new_style, forms, filler, filler)
def test_every_valid_new_style_id_is_found_and_round_trips(parts, form, left, right):
    body, version, date = _new_id(parts)
    written = body + (f"v{version}" if version else "")
    found = arxiv.find(left + form.format(written) + " " + right)
    match = [i for i in found if i.id == body]
    assert match, (left, written, right)
    assert match[0].version == version
    assert match[0].date == date
    assert arxiv.parse(match[0].versioned).versioned == match[0].versioned


@given(old_style, forms, filler)
def test_every_valid_old_style_id_is_found_and_round_trips(parts, form, left):
    archive, month_index, seq, version = parts
    year, month0 = divmod(month_index, 12)
    body = f"{archive}/{year % 100:02d}{month0 + 1:02d}{seq:03d}"
    written = body + (f"v{version}" if version else "")
    found = arxiv.find(left + form.format(written) + " tail")
    match = [i for i in found if i.id == body]
    assert match and match[0].version == version
    assert match[0].date == f"{year}-{month0 + 1:02d}"


@given(st.text())
def test_arbitrary_text_never_raises(text):
    for ident in arxiv.find_all(text):
        assert ident.start < ident.end
        assert ident.valid == (ident.problem is None)


@given(st.text(alphabet="0123456789.v/:-abcdefghpqrstux ", max_size=60))
def test_id_shaped_noise_never_raises(text):
    arxiv.find_all(text)


@pytest.mark.parametrize("form", LINK_FORMS)
def test_link_forms_people_paste(form):
    written = form.format("2306.14048v2")
    assert {(i.id, i.version) for i in arxiv.find(f"see {written} for details")} == {("2306.14048", 2)}
    assert arxiv.unique_ids(f"{written} and again {written}") == ["2306.14048"]


@pytest.mark.parametrize("text", ["huggingface.co/papers/2306.140489", "https://arxiv.org/abs/2306.140489",
                                  "hf.co/papers/2306.14048x", "huggingface.co/papers/2306.14048.html2",
                                  "alphaxiv.org/abs/12306.14048", "ar5iv.org/abs/2306.1404"])
def test_link_forms_never_match_inside_longer_tokens(text):
    assert arxiv.find(text) == []


@given(new_style, st.sampled_from(LINK_FORMS), st.text(alphabet="0123456789abcxyz", min_size=1, max_size=3))
def test_a_longer_token_is_not_an_id(parts, form, tail):
    body, _, _ = _new_id(parts)
    written = form.format(body).replace(body, body + tail, 1) if "{0}" not in form else None
    if written is None or written.endswith(">"):
        return
    assert body not in [i.id for i in arxiv.find(written)]


def test_doi_of_an_old_style_id():
    assert [(i.id, i.prefixed) for i in arxiv.find("doi:10.48550/arXiv.cs/9112001")] == [("cs/9112001", True)]
    assert [i.id for i in arxiv.find("https://doi.org/10.48550/arXiv.hep-th/9711200")] == ["hep-th/9711200"]


def test_a_version_longer_than_any_integer_limit_is_a_problem_not_a_crash():
    text = "arXiv:2504.07912v" + "7" * 5000 + " and arXiv:2307.03172v2"
    found = arxiv.find_all(text)
    assert [(i.id, i.version, i.valid) for i in found] == [("2504.07912", None, False), ("2307.03172", 2, True)]
    assert "5,000 digits" in found[0].problem
    with pytest.raises(ValueError):
        arxiv.parse("2504.07912v" + "1" * 4400)


@pytest.mark.parametrize("zw", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_inside_an_id_are_ignored(zw):
    text = f"(2023-07, arXiv:2307.{zw}031{zw}72) and 2504{zw}.07912"
    found = arxiv.find(text)
    assert [i.id for i in found] == ["2307.03172", "2504.07912"]
    assert text[found[0].start:found[0].end] == f"arXiv:2307.{zw}031{zw}72"  # positions are in the text as given
    assert arxiv.canonical(f"arXiv:{zw}2307.03172v2") == "2307.03172"


def test_replies_with_endless_versions_or_zero_width_ids_are_checked_not_crashed():
    import datetime as dt

    from retest.check.reply import check

    reply = (f"See arXiv:2504.07912v{'8' * 4500} and arXiv:2307.\u200b03172 (2023-07); "
             f"also arXiv:\u20602402.02750v2.")
    report = check(reply, as_of=dt.date(2026, 1, 1))
    verdicts = {c.id: c.verdict for c in report.cited}
    assert verdicts["2504.07912"] == "malformed"
    assert verdicts["2307.03172"] != "malformed" and verdicts["2402.02750"] != "malformed"
    assert report.to_dict()["cited"]  # serialisable: what `archive show` and `report` print


def test_prefix_found_at_one_place_is_the_one_searched_for():
    """A prefix ending in a colon or space is tried at one place: the same as searching all 45."""
    import random

    from retest.extract import arxiv as A

    parts = ["arXiv", "ARXIV", "arXiv:", ":", " ", "  ", "\t", "\n", "x", "https://arxiv.org/abs/", "10.48550/arXiv.",
             "hf.co/papers/", "_", ".", "Xiv", "\u00a0", "2504.07912", "ı", "\u2028"]
    rng = random.Random(12)
    for _ in range(20_000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 10)))
        for start in range(len(text) + 1):
            want = A._PREFIX_END.search(text, max(0, start - 45), start)
            got = A._prefix(text, start)
            assert (got and got.span()) == (want and want.span()), (text, start)
