"""The report reads well when mailed and on a phone: the archive's name only, contents and a way back, a legend,
tokens and cost on each reply, IDs and URLs whole, replies folded on narrow screens."""

import re

import pytest
from servers.chat import ChatServer
from conftest import FIXTURES, KEY, SEED_000, SEED_002, run_cli

URL = "https://example.org/a/very/long/path/that/goes/on/index.html?x=1&y=2"


def _reply(prompt: str) -> str:
    return ("It holds.\n\n```json\n{\"retest_verdicts\": [{\"claim\": 1, \"status\": \"holds\", \"evidence\": "
            f"[\"arXiv:2504.07912\", \"{URL}\"], \"note\": \"still true\"}}]}}\n```")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reading")
    server = ChatServer()
    server.reply = _reply
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(folder / "my-archive.db")}
    docs = [SEED_000, SEED_002, FIXTURES / "layouts" / "obsidian.md"]
    try:
        for doc in docs:
            r = run_cli("send", doc, "-m", "test-model", "--fit-tokens", "450", "--price", "2/8", env=env)
            assert r.returncode == 0, r.stderr
        several = run_cli("report", *docs, "-o", folder / "several.html", env=env)
        one = run_cli("report", SEED_002, "-o", folder / "one.html", env=env)
        assert several.returncode == 0 and one.returncode == 0, several.stderr + one.stderr
    finally:
        server.stop()
    return (folder / "several.html").read_text(), (folder / "one.html").read_text(), str(folder)


def test_the_header_names_the_archive_not_its_path(report):
    page, _, folder = report
    assert "from my-archive.db" in page and folder not in page.split("</header>")[0]


def test_several_documents_have_contents_and_a_way_back(report):
    page, one, _ = report
    contents = re.search(r'<nav class="contents".*?</nav>', page, re.S).group(0)
    assert [f"#doc-{i}" for i in (1, 2, 3)] == re.findall(r'href="(#doc-\d)"', contents)
    assert page.count('href="#contents"') == 3 and 'id="doc-3"' in page
    assert 'class="contents"' not in one and 'href="#contents"' not in one


def test_a_legend_says_what_the_marks_mean(report):
    page, _, _ = report
    legend = re.search(r'<details class="legend">.*?</details>', page, re.S).group(0)
    for mark in ("⌕", "unsupported", "suspect citation", "estimated", "pasted"):
        assert mark in legend


def test_reply_cards_show_tokens_and_cost(report):
    page, _, _ = report
    meta = re.findall(r'<p class="meta">reply \d+ · .*?</p>', page)
    assert meta and all(re.search(r"[\d,]+ in · [\d,]+ out tokens · ~?\$\d", m) for m in meta), meta


def test_ids_and_urls_break_between_their_parts_only(report):
    page, _, _ = report
    assert "overflow-wrap: anywhere" not in page
    assert "a.cite, .cite, .claim-meta a" in page and "white-space: nowrap" in page
    assert "https:/<wbr>/<wbr>example.org/<wbr>a/<wbr>" in page and "?<wbr>x=<wbr>1&amp;<wbr>y=<wbr>2" in page


def test_replies_fold_on_narrow_screens_only(report):
    page, _, _ = report
    cards = page.count('<article class="reply"')
    assert cards >= 2 and page.count('<details class="fold"><summary>the reply</summary>') == cards
    wide = re.search(r"@media \(min-width: 701px\) \{(.*?)\n\}", page, re.S).group(1)
    assert "details.fold::details-content { content-visibility: visible" in wide
    assert "details.fold > summary { display: none; }" in wide
