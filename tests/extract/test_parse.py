"""The parser on both seeds (exactly) and on fixtures for each layout variation."""

import pytest
from conftest import FIXTURES, SEED_000, SEED_002

from retest import parse
from retest.errors import NotAnInquiringLine
from retest.extract import load

SEED_000_NOTES = [
    ("Does staying close to the base model preserve learning ability?", "FST-trained models stay up to 70% closer"),
    ("Can decoding-time tuning preserve knowledge better than weight fine-tuning?", "Proxy-tuning closes 88-91%"),
    ("Does reinforcement learning update only a small fraction of parameters?", "Across seven RL algorithms"),
    ("Does RL training collapse format diversity in pretrained models?", "Controlled experiments show RL"),
    ("Does depth matter more than width for tiny language models?", "MobileLLM shows deep-and-thin"),
    ("Does network depth unlock qualitatively new behaviors in RL?", "Scaling to 1000-layer networks"),
    ("Do reasoning models switch between ideas too frequently?", "o1-like models frequently abandon"),
    ("Can abstractions guide exploration better than depth alone?", "RLAD jointly trains abstraction"),
]

SEED_002_NOTES = [
    ("Does RL post-training create reasoning or just deploy it?", "Evidence shows base models already"),
    ("What actually changes inside a model during RL training?", "RL's effects concentrate in structurally"),
    ("Does reinforcement learning update only a small fraction of parameters?", "Across seven RL algorithms"),
    ("Does RL training collapse format diversity in pretrained models?", "Controlled experiments show RL"),
    ("Can reinforcement learning discover reasoning strategies base models cannot?", "RL-trained models outperform"),
    ("Does staying close to the base model preserve learning ability?", "FST-trained models stay up to 70%"),
    ("Do overly hard RLVR samples actually harm model capabilities?", "Training on nearly-impossible problems"),
    ("Does binary reward training hurt model calibration?", "Binary correctness rewards incentivize"),
    ("Does training order reshape how models handle different task types?", "Omni-Thinker shows structured"),
    ("Does RL training follow predictable scaling curves?", "Large-scale study (400K GPU-hours"),
]


def test_seed_000_notes_titles_recovered_from_body():
    doc = load(SEED_000)
    assert doc.title == "Does the model learn depth-wise drift as an explicit strategy?"
    assert doc.declared_notes == 8
    assert [(n.title, n.summary[: len(s)]) for n, (_, s) in zip(doc.notes, SEED_000_NOTES)] == SEED_000_NOTES
    assert doc.notes[-1].summary.endswith("depth-only reasoning chains.")
    assert doc.warnings == [] and not doc.truncated
    assert doc.prompt is None
    assert doc.framing[0].startswith("This reads the question two ways at once")
    assert doc.body[0].startswith("This explores whether a model treats drifting")
    assert len(doc.body) == 5


def test_seed_000_claims_come_from_notes_undated():
    doc = load(SEED_000)
    assert len(doc.claims) == 8
    assert all(c.origin == "note" and c.date is None and c.arxiv_ids == [] for c in doc.claims)
    assert [c.text for c in doc.claims] == [n.summary for n in doc.notes]
    assert doc.span.start is None and doc.span.end is None


def test_seed_002_notes_paired():
    doc = load(SEED_002)
    assert doc.title == "How do RL training and base models differ in creating MI peaks?"
    assert [(n.title, n.summary[: len(s)]) for n, (_, s) in zip(doc.notes, SEED_002_NOTES)] == SEED_002_NOTES
    assert len(doc.notes) == 10 == doc.declared_notes
    assert doc.warnings == [] and not doc.truncated


def test_seed_002_claims_anchors_span():
    doc = load(SEED_002)
    assert [(c.date, c.arxiv_ids, c.origin) for c in doc.claims] == [
        ("2025-04", ["2504.07912"], "prompt"),
        ("2025-05", ["2505.11711"], "prompt"),
        ("2025-05", ["2505.24864"], "prompt"),
        ("2026-05", ["2605.12484"], "prompt"),
        ("2025-07", ["2507.14783"], "prompt"),
    ]
    assert doc.claims[0].text == (
        "RL post-training acts as *deployment* rather than *creation*: base models carry latent reasoning; "
        "RL teaches *when* to use it, recovering ~91% of gains via token routing"
    )
    assert [(a.arxiv_id, a.date, a.label) for a in doc.anchors] == [
        ("2504.07912", "2025-04", "Echo Chamber thesis (deployment framing)"),
        ("2505.24864", "2025-05", "ProRL (creation counterevidence)"),
        ("2507.14783", "2025-07", "Omni-Thinker (entropy dynamics & task scheduling)"),
        ("2605.12484", "2026-05", "Learning Fast and Slow (plasticity & KL bounds)"),
    ]
    assert (doc.span.start, doc.span.end, doc.span.text) == ("2024-09", "2026-05", "Sept 2024–May 2026")
    p = doc.prompt
    assert p.topic == "RL and base models create or deploy reasoning peaks differently"
    assert len(p.tasks) == 3 and p.tasks[0].startswith("RE-TEST THE DEPLOYMENT VS. CREATION DIVIDE.")
    assert p.tasks[2].endswith("instead of redeployment?")
    assert p.closing == "Cite arXiv IDs; flag anything you cannot ground in a real paper."
    assert p.intro.startswith("Copy into ChatGPT or Claude")


def test_crlf_bom_and_no_blank_lines_give_the_same_document():
    text = SEED_002.read_text(encoding="utf-8")
    plain = parse(text)
    variant = parse("\ufeff" + text.replace("\n\n", "\n").replace("\n", "\r\n").replace("INQUIRING LINE\r\n", ""))
    assert variant.model_dump(exclude={"sha256"}) == plain.model_dump(exclude={"sha256"})


def test_variants_fixture_old_style_versions_urls_two_papers_missing_dates():
    doc = load(FIXTURES / "variants.txt")
    assert [n.arxiv_ids for n in doc.notes] == [["2401.12345"], ["2403.01234"], ["hep-th/9711200"]]
    got = [(c.date, [(x.arxiv_id, x.version, x.date, x.date_source) for x in c.citations]) for c in doc.claims]
    assert got == [
        ("2024-01", [("2401.12345", 3, "2024-01", "written")]),
        ("2024-03", [("2403.01234", None, "2024-03", "arxiv")]),       # no date written: implied by the ID
        ("2019-05", [("1905.09749", None, "2019-05", "written"), ("2505.15917", None, "2025-05", "written")]),
        ("1997-11", [("hep-th/9711200", None, "1997-11", "written")]),
        ("2024-11", []),                                               # a date and no paper is still a claim
        (None, []),
    ]
    assert doc.claims[2].text == "Superposition theory predates SAEs and rests on two papers"
    assert doc.claims[5].text == "Feature splitting is undated folklore with no paper behind it."
    assert [(a.arxiv_id, a.version, a.date, a.label) for a in doc.anchors] == [
        ("2401.12345", 3, "2024-01", "Universality study"),
        ("math/0309136", None, "2003-09", "Perelman's entropy (an outlier anchor)"),
        ("2403.01234", None, "2024-03", "Scaling fits"),
    ]
    assert (doc.span.start, doc.span.end) == ("2023-09", "2025-03")
    assert doc.prompt.topic == "sparse-autoencoder features are universal across scales"
    assert doc.warnings == []


def test_summaries_only_with_crlf_bom_no_header():
    doc = load(FIXTURES / "summaries_crlf.txt")
    assert doc.title == "Can small models learn to plan with search?"
    assert [n.title for n in doc.notes] == [
        "Does verifier quality bound search gains?",
        "Do learned planners plateau at small scale?",
        "Is tree search useful for hard puzzles?",
    ]
    assert [(c.date, c.arxiv_ids) for c in doc.claims] == [("2025-02", ["2502.01234"]), ("2024-05", []), (None, [])]
    assert (doc.span.start, doc.span.end) == ("2024-05", "2025-02")  # no span line: from the claims
    assert doc.warnings == []


def test_hard_wrapped_markdown():
    doc = load(FIXTURES / "wrapped.md")
    assert [n.title for n in doc.notes] == ["Do models decide before they reason?", "Does editing the chain change the answer?"]
    assert doc.notes[0].summary.endswith("in 70% of cases (arXiv:2402.04614).")
    assert [(c.date, c.arxiv_ids) for c in doc.claims] == [("2024-02", ["2402.04614"]), ("2023-07", ["2307.13702"])]


def test_truncated_mid_bullet_keeps_what_came_before():
    doc = load(FIXTURES / "truncated_prompt.txt")
    assert doc.truncated
    assert doc.warnings[0].startswith("document is truncated")
    assert "ends mid-sentence" in doc.warnings[0]
    assert doc.claims[0].arxiv_ids == ["2303.08774"] and doc.claims[0].date == "2023-03"
    assert doc.claims[1].date == "2025-10" and doc.claims[1].arxiv_ids == []
    assert doc.span.start == "2023-03" and doc.prompt.tasks == []


def test_truncated_in_sources():
    doc = load(FIXTURES / "truncated_sources.txt")
    assert doc.truncated and "only 2 of 4 notes" in doc.warnings[0]
    assert [n.title for n in doc.notes] == [
        "Does training order reshape how models handle different task types?",
        "Do shared structures reduce interference?",
    ]


def test_title_count_mismatch_is_warned():
    text = SEED_000.read_text(encoding="utf-8").replace(
        " Does RL training collapse format diversity in pretrained models?", ""
    )
    doc = parse(text)
    assert any("cites 7 note title(s) for 8 untitled" in w for w in doc.warnings)
    assert doc.notes[-1].title is None


def test_declared_count_mismatch_is_warned():
    text = SEED_002.read_text(encoding="utf-8").replace("Sources 10 notes", "Sources 12 notes")
    assert any("'Sources 12 notes' but 10" in w for w in parse(text).warnings)


def test_not_an_inquiring_line():
    with pytest.raises(NotAnInquiringLine):
        parse((FIXTURES / "not_a_line.txt").read_text())


@pytest.mark.parametrize("text", ["INQUIRING LINE", "INQUIRING LINE\n\n\n", "# INQUIRING LINE\n"])
def test_a_header_with_nothing_under_it_is_not_an_inquiring_line(text):
    with pytest.raises(NotAnInquiringLine, match="nothing under it"):
        parse(text)


def test_template_syntax_in_text_is_plain_data():
    doc = parse(SEED_002.read_text().replace("Echo Chamber thesis", "{{ 7*7 }} {% include '/etc/passwd' %}"))
    assert doc.anchors[0].label.startswith("{{ 7*7 }} {% include '/etc/passwd' %}")


@pytest.mark.parametrize("path", [SEED_000, SEED_002, *sorted(FIXTURES.glob("[!n]*.*"))], ids=lambda p: p.name)
def test_plain_data_and_document_agree(path):
    """What ``retest extract`` prints (plain data) is exactly the Document's JSON."""
    import json

    from retest.extract.parser import parse_raw
    from retest.models import Document

    raw = parse_raw(path.read_text(encoding="utf-8-sig"), str(path))
    dumped = json.loads(Document.model_validate(raw).model_dump_json())
    assert dumped == raw
    assert list(dumped) == list(raw)


def test_unbulleted_lines_continue_the_last_claim_and_anchor():
    text = SEED_002.read_text().replace(
        "via token routing (2025-04, arXiv:2504.07912).",
        "via token routing (2025-04, arXiv:2504.07912).\nSee also the routing ablation (2025-06, arXiv:2506.01234).",
    ).replace("— Echo Chamber thesis (deployment framing)", "— Echo Chamber thesis\nDeployment framing")
    doc = parse(text)
    first = doc.claims[0]
    assert first.arxiv_ids == ["2504.07912", "2506.01234"] and first.date == "2025-04"
    assert first.text.endswith("See also the routing ablation")
    assert len(doc.claims) == 5
    assert doc.anchors[0].label == "Echo Chamber thesis Deployment framing"
    assert doc.prompt.intro.startswith("Copy into ChatGPT") and "Deployment" not in doc.prompt.intro


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st

_SEED_TEXTS = [SEED_000.read_text(encoding="utf-8"), SEED_002.read_text(encoding="utf-8")]


@given(st.sampled_from(_SEED_TEXTS), st.floats(min_value=0.02, max_value=1.0))
def test_any_cut_of_a_seed_parses(text, fraction):
    n = int(len(text) * fraction)
    cut = text[:n]
    try:
        doc = parse(cut)
    except NotAnInquiringLine:
        return
    residue = text.find("Next inquiring lines")
    if n < (residue if residue != -1 else len(text)) and cut[-1].isalnum() and text[n].isalnum():
        # cut in the middle of a word: always reported as truncated
        assert doc.truncated and doc.warnings[0].startswith("document is truncated")


@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes_the_parser(text):
    try:
        parse(text)
    except NotAnInquiringLine:
        pass
